/* fuzz_syslog.c - libFuzzer target for the syslog parser
 * (collector/ingest/syslog_parse.c): any datagram becomes exactly one entry
 * or one reject, and the entry the parser writes for a message it took is
 * always well-formed JSON of the protocol. So when the validator refuses it,
 * the reason can only be a rule of the schema on a value the producer chose
 * (a tag too long, a control character in it), never a syntax the parser
 * wrote wrong: any other reason aborts, which libFuzzer reports as a crash.
 * Bytes that are not UTF-8 never make a reject: they are read as Latin-1.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "syslog_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_syslog: check failed at line %d: %s\n", __LINE__, #cond);        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define NOW 1796410800000000LL /* 2026-12-04T19:00:00Z */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const cl_peer peer = { 1, 2, 3, NULL };
    cl_validator v;
    cl_strbuf scratch = CL_STRBUF_INIT, repair = CL_STRBUF_INIT, fixed = CL_STRBUF_INIT;
    cl_syslog_msg m;
    cl_syslog_error err;
    cl_line_result res;
    const char *text = (const char *)data;
    size_t text_len = size;
    int parsed;

    memset(&v, 0, sizeof v);
    cl_limits_default(&v.limits);
    v.default_host.p = "h";
    v.default_host.n = 1;
    /* What is not UTF-8 is read as Latin-1 first: the result is UTF-8. */
    if (cl_syslog_latin1(text, text_len, &fixed) > 0) {
        CHECK(!fixed.oom);
        CHECK(cl_syslog_latin1(fixed.p, fixed.len, &repair) == 0);
        text = fixed.p;
        text_len = fixed.len;
    }
    parsed = cl_syslog_parse(text, text_len, NOW, &m, &err) == 0;
    CHECK(parsed || err.reason != CL_R_OK);
    CHECK(err.reason != CL_R_INVALID_UTF8);
    cl_syslog_judge(&v, (const char *)data, size, size, 65536, NOW, NOW, &peer, &scratch, &repair,
                    &res);
    CHECK(res.kind == CL_LINE_ENTRY || res.kind == CL_LINE_REJECT);
    CHECK(res.rec != NULL && res.op == NULL);
    if (res.kind == CL_LINE_REJECT) {
        enum cl_reason r = res.rec->u.r.reason;

        CHECK(res.rec->u.r.raw_len == size);
        CHECK(parsed ? r == CL_R_TOO_LONG || r == CL_R_BAD_VALUE || r == CL_R_TOO_LARGE
                     : r == err.reason);
    } else {
        CHECK(parsed);
        CHECK(res.rec->u.e.level == m.severity);
        CHECK(res.rec->u.e.msg.n == m.msg.n);
        CHECK(m.msg.n == 0 || memcmp(res.rec->u.e.msg.p, m.msg.p, m.msg.n) == 0);
    }
    cl_record_free(res.rec);
    cl_strbuf_free(&scratch);
    cl_strbuf_free(&repair);
    cl_strbuf_free(&fixed);
    return 0;
}
