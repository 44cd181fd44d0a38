/* fuzz_sdk_encode.c - libFuzzer target for the SDK's encoder
 * (client-sdk/src/encode.c): whatever a program passes to a log call - any
 * bytes as message, field keys and string values, any doubles (NaN, inf),
 * any number of fields, any limit the collector may have - the encoder must
 * produce one line that the collector's own validator accepts as an entry.
 *
 * Input layout: byte 0 level, byte 1..2 the entry limit, byte 3 how many
 * fields, then the message and the fields' keys and values, separated by
 * 0xFF bytes (which are also fair game inside them: invalid UTF-8).
 * App and host are fixed names the collector accepts: cl_open checks the app
 * name itself (and more loosely than the collector: up to 512 bytes, C1
 * controls allowed - a known gap in the SDK, not the encoder's concern).
 *
 * The regress_* seeds are inputs this target found: field keys that differ as
 * given but are equal once encoded (invalid UTF-8 repaired to U+FFFD, keys cut
 * at 128 characters, a caller's own "cl_fields_dropped" key) make the encoder
 * write a duplicate member name, which the collector refuses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_sdk_encode: check failed at line %d: %s\n", __LINE__, #cond);    \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAX_FIELDS 80 /* beyond CL_LIMIT_MEMBERS: the encoder must drop the excess */

/* Cuts the next 0xFF-separated piece out of the input as a C string. */
static char *piece(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *sep = memchr(*p, 0xFF, (size_t)(end - *p));
    size_t n = (size_t)((sep ? sep : end) - *p);
    char *s = malloc(n + 1);

    CHECK(s != NULL);
    memcpy(s, *p, n);
    s[n] = '\0'; /* C strings: a NUL in the input ends the piece early */
    *p = sep ? sep + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    cl_field fields[MAX_FIELDS];
    char *owned[2 * MAX_FIELDS + 1];
    size_t nowned = 0, nfields, max;
    cl_encoder enc;
    cl_encode_info info;
    cl_strbuf out = { 0 };
    cl_validator v;
    cl_line_result res;
    cl_peer peer = { 1, 2, 3, NULL };
    char app[129], *msg, *line;
    int level;

    if (size < 4)
        return 0;
    level = data[0] % 10; /* 9: out of range, the encoder must cope */
    /* 2 KiB .. 128 KiB: above the largest possible fixed part (app and host
     * at their maximum), up to the largest --max-entry-bytes. */
    max = 2048 + ((size_t)data[1] << 8 | data[2]) % (128 * 1024 - 2048 + 1);
    nfields = data[3] % MAX_FIELDS;
    p += 4;
    /* An app name the collector accepts: 1-128 printable ASCII. */
    snprintf(app, sizeof app, "fuzz-%02x%02x", data[0], data[3]);
    msg = piece(&p, end);
    owned[nowned++] = msg;
    for (size_t i = 0; i < nfields; i++) {
        char *key = piece(&p, end);
        uint8_t t = p < end ? *p++ : 0;

        owned[nowned++] = key;
        fields[i].key = key;
        switch (t % 4) {
        case 0:
            fields[i].type = CL_FIELD_STRING;
            fields[i].v.s = owned[nowned++] = piece(&p, end);
            break;
        case 1: {
            int64_t iv = 0;
            size_t n = (size_t)(end - p) < sizeof iv ? (size_t)(end - p) : sizeof iv;

            memcpy(&iv, p, n);
            p += n;
            fields[i].type = CL_FIELD_INT;
            fields[i].v.i = iv;
            break;
        }
        case 2: {
            double d = 0;
            size_t n = (size_t)(end - p) < sizeof d ? (size_t)(end - p) : sizeof d;

            memcpy(&d, p, n); /* NaN, infinities and subnormals included */
            p += n;
            fields[i].type = CL_FIELD_DOUBLE;
            fields[i].v.d = d;
            break;
        }
        default:
            fields[i].type = CL_FIELD_BOOL;
            fields[i].v.b = p < end ? *p++ : 0;
            break;
        }
    }
    enc.app = app;
    enc.host = "fuzz-host";
    enc.pid = 4242;
    enc.max_entry_bytes = max;
    CHECK(cl_encode_entry(&enc, &out, 1795774502123456LL, 7, (cl_level)level, msg, strlen(msg),
                          fields, nfields, &info) == 0);
    CHECK(out.len > 0 && out.p[out.len - 1] == '\n');
    CHECK(memchr(out.p, '\n', out.len - 1) == NULL);
    CHECK(out.len - 1 <= max);

    memset(&v, 0, sizeof v);
    cl_limits_default(&v.limits);
    v.limits.max_entry_bytes = max;
    line = malloc(out.len);
    CHECK(line != NULL);
    memcpy(line, out.p, out.len - 1);
    line[out.len - 1] = '\0';
    cl_validate_line(&v, line, out.len - 1, 0, &peer, &res);
    if (res.kind != CL_LINE_ENTRY) {
        fprintf(stderr, "fuzz_sdk_encode: the collector refused the SDK's line (%s: %s):\n%.*s\n",
                res.rec ? cl_reason_code(res.rec->u.r.reason) : "?",
                res.rec ? res.rec->u.r.message.p : "?", (int)(out.len - 1), out.p);
        abort();
    }
    cl_record_free(res.rec);
    free(line);
    cl_strbuf_free(&out);
    for (size_t i = 0; i < nowned; i++)
        free(owned[i]);
    return 0;
}
