/* fuzz_validate.c - libFuzzer target for one line's journey through the
 * collector: wire checks and validation (collector/validate.c,
 * wirecheck.c), then both text formats (textfmt.c).
 *
 * Besides "no crash, no leak, no undefined behaviour", it checks what the
 * rest of the collector relies on: an accepted entry's strings are valid
 * UTF-8 without NUL, its level is in range, its ts within the plausibility
 * window around its arrival, fields and extra are JSON
 * objects; a reject names a known reason and the line's full length; and
 * an entry's text line is one line - no raw control bytes, C1 controls or
 * U+2028/9 - that fits the bound the sink allocates for it, and whose NDJSON
 * form parses back. And the validator's fast path (entryscan.h) gives
 * the same verdict and the same record as its full judgement.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textfmt.h"
#include "unsafe.h"
#include "utf8.h"
#include "validate.h"
#include "wirecheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_validate: check failed at line %d: %s\n", __LINE__, #cond);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_str(const cl_str *s, int required)
{
    if (s->p == NULL) {
        CHECK(!required);
        return;
    }
    CHECK(strlen(s->p) == s->n); /* no NUL inside */
    CHECK(cl_utf8_check((const unsigned char *)s->p, s->n) == s->n);
}

static void check_object(const cl_str *s)
{
    cJSON *o;

    check_str(s, 0);
    if (s->p == NULL)
        return;
    o = cJSON_ParseWithLength(s->p, s->n);
    CHECK(cJSON_IsObject(o));
    cJSON_Delete(o);
}

/* One text line: ends in '\n', nothing dangerous before it. */
static void check_line(const char *out, size_t n)
{
    const unsigned char *u = (const unsigned char *)out;
    size_t body = n - 1;

    CHECK(n > 0 && out[n - 1] == '\n');
    for (size_t i = 0; i < body; i++) {
        CHECK(u[i] >= 0x20 && u[i] != 0x7F);
        if (u[i] == 0xC2 && i + 1 < body)
            CHECK(u[i + 1] > 0x9F); /* no C1 control */
        if (u[i] == 0xE2 && i + 2 < body)
            CHECK(!(u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9)));
    }
    CHECK(cl_utf8_check((const unsigned char *)out, n) == n);
    /* No code point of the unsafe policy (unsafe.h) is written raw. */
    for (size_t i = 0, k; i < body; i += k) {
        unsigned cp;

        k = cl_utf8_seq(u + i, body - i, &cp);
        CHECK(k > 0 && !cl_cp_unsafe(cp));
    }
}

static void check_entry(cl_record *r)
{
    const cl_entry_fields *e = &r->u.e;
    size_t bound = cl_text_bound(r), n;
    char *out = malloc(bound), *scratch = NULL;
    size_t cap = 0;
    cJSON *back;

    CHECK(out != NULL);
    CHECK(e->level >= 0 && e->level <= 8);
    check_str(&e->msg, 1);
    check_str(&e->app, 1);
    CHECK(e->app.n > 0);
    check_str(&e->host, 1); /* the default host fills in */
    check_str(&e->logger, 0);
    check_str(&e->trace_id, 0);
    check_str(&e->span_id, 0);
    check_object(&e->fields);
    check_object(&e->extra);
    CHECK(!e->has_pid || (e->pid >= 0 && e->pid <= 4294967295LL));
    /* A claim far from the arrival is never the entry's time (default window). */
    CHECK(e->ts_us - r->received_us <= CL_DEFAULT_MAX_TS_AHEAD_US);
    CHECK(r->received_us - e->ts_us <= CL_DEFAULT_MAX_TS_AGE_US);

    n = cl_text_format_entry(r, CL_TEXT_PLAIN, out);
    CHECK(n <= bound);
    check_line(out, n);
    n = cl_text_format_entry(r, CL_TEXT_JSON, out);
    CHECK(n <= bound);
    check_line(out, n);
    back = cJSON_ParseWithLength(out, n - 1);
    CHECK(cJSON_IsObject(back));
    CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(back, "msg")));
    cJSON_Delete(back);
    /* The I/O thread's pre-rendering gives the same bytes. */
    CHECK(cl_text_prerender(r, CL_TEXT_JSON, &scratch, &cap) == 0);
    CHECK(r->rendered_len == n && memcmp(r->rendered, out, n) == 0);
    free(scratch);
    free(out);
}

static void same_str(const cl_str *a, const cl_str *b)
{
    CHECK((a->p == NULL) == (b->p == NULL) && a->n == b->n);
    CHECK(a->p == NULL || memcmp(a->p, b->p, a->n + 1) == 0);
}

/* The line judged the full way only: the same result as res. */
static void check_same_as_full(const cl_validator *fast, const uint8_t *data, size_t size,
                               const cl_peer *peer, const cl_line_result *res)
{
    cl_validator full = *fast;
    cl_line_result r;
    char *line = malloc(size + 1);
    const cl_record *a = res->rec, *b;

    CHECK(line != NULL);
    memcpy(line, data, size);
    line[size] = '\0';
    full.full_only = 1;
    cl_validate_line(&full, line, size, 1795774502123456LL, peer, &r);
    b = r.rec;
    CHECK(r.kind == res->kind);
    if (r.kind == CL_LINE_ENTRY || r.kind == CL_LINE_REJECT) {
        CHECK(a->size == b->size && a->received_us == b->received_us);
        if (r.kind == CL_LINE_REJECT) {
            CHECK(a->u.r.reason == b->u.r.reason && a->u.r.raw_len == b->u.r.raw_len);
            same_str(&a->u.r.message, &b->u.r.message);
            same_str(&a->u.r.raw, &b->u.r.raw);
        } else {
            CHECK(a->u.e.ts_us == b->u.e.ts_us && a->u.e.level == b->u.e.level);
            CHECK(a->u.e.has_pid == b->u.e.has_pid && a->u.e.pid == b->u.e.pid);
            CHECK(a->u.e.has_tid == b->u.e.has_tid && a->u.e.tid == b->u.e.tid);
            same_str(&a->u.e.msg, &b->u.e.msg);
            same_str(&a->u.e.app, &b->u.e.app);
            same_str(&a->u.e.host, &b->u.e.host);
            same_str(&a->u.e.logger, &b->u.e.logger);
            same_str(&a->u.e.trace_id, &b->u.e.trace_id);
            same_str(&a->u.e.span_id, &b->u.e.span_id);
            same_str(&a->u.e.fields, &b->u.e.fields);
            same_str(&a->u.e.extra, &b->u.e.extra);
        }
    }
    cl_record_free(r.rec);
    cJSON_Delete(r.op);
    free(r.op_id);
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char host[] = "fuzz-host";
    cl_validator v;
    cl_line_result res;
    cl_peer peer = { 4242, 1000, 1000, NULL };
    char *line;

    /* The framer never hands over more than the largest --max-entry-bytes. */
    if (size > 128 * 1024)
        return 0;
    memset(&v, 0, sizeof v);
    cl_limits_default(&v.limits);
    v.limits.max_entry_bytes = 128 * 1024;
    v.default_host.p = host;
    v.default_host.n = sizeof host - 1;
    /* line[len] must be readable (the framer NUL-terminates in place). */
    line = malloc(size + 1);
    CHECK(line != NULL);
    memcpy(line, data, size);
    line[size] = '\0';
    cl_validate_line(&v, line, size, 1795774502123456LL, &peer, &res);
    CHECK(memcmp(line, data, size) == 0); /* judged in place, left as found */
    check_same_as_full(&v, data, size, &peer, &res);
    switch (res.kind) {
    case CL_LINE_ENTRY:
        CHECK(res.rec != NULL && res.rec->kind == CL_REC_ENTRY);
        check_entry(res.rec);
        break;
    case CL_LINE_REJECT:
        CHECK(res.rec != NULL && res.rec->kind == CL_REC_REJECT);
        CHECK(res.rec->u.r.reason > CL_R_OK && res.rec->u.r.reason < CL_R_COUNT);
        CHECK(strcmp(cl_reason_code(res.rec->u.r.reason), "unknown") != 0);
        CHECK(res.rec->u.r.raw_len == size);
        CHECK(res.rec->u.r.message.n > 0);
        CHECK(res.rec->u.r.raw.n <= CL_REJECT_RAW_MAX &&
              memcmp(res.rec->u.r.raw.p, data, res.rec->u.r.raw.n) == 0);
        break;
    case CL_LINE_OP:
        CHECK(cJSON_IsObject(res.op));
        cJSON_Delete(res.op);
        free(res.op_id);
        break;
    case CL_LINE_BLANK:
        for (size_t i = 0; i < size; i++)
            CHECK(data[i] == ' ' || data[i] == '\t');
        break;
    case CL_LINE_NOMEM:
        break;
    }
    cl_record_free(res.rec);
    free(line);
    return 0;
}
