/* test_validate.c - one line of the wire protocol in, one verdict out
 * (collector/validate.h), and the byte-level rules under it
 * (collector/wirecheck.h).
 *
 * The reject tests follow the reason-code table of schema/PROTOCOL.md: each
 * code is produced with its exact value, and the human message names the
 * offending key (or, for the byte-level codes found before any key is
 * known, the offending byte offset).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "record.h"
#include "validate.h"
#include "wirecheck.h"

/* 2026-11-27T10:15:02.123456Z, and one second later as the receipt time. */
#define T_EXAMPLE 1795774502123456LL
#define RECEIVED 1795774503000000LL

static const cl_peer PEER = { 31337, 1000, 100, NULL };
static cl_validator V;

/* The three required keys; E(...) appends more members to them. */
#define REQ "\"app\":\"web\",\"level\":\"info\",\"msg\":\"m\""
#define E(more) "{" REQ more "}"

static int setup(void **state)
{
    (void)state;
    memset(&V, 0, sizeof V);
    cl_limits_default(&V.limits);
    V.default_host.p = "collector-host";
    V.default_host.n = strlen(V.default_host.p);
    return 0;
}

static char *xprintf(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *f, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, f);
    n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    assert_true(n >= 0);
    s = malloc((size_t)n + 1);
    assert_non_null(s);
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

/* n copies of c as a heap string. */
static char *repeat(const char *unit, size_t n)
{
    size_t u = strlen(unit);
    char *s = malloc(u * n + 1);

    assert_non_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    s[u * n] = '\0';
    return s;
}

/* Runs the validator over a heap copy of line[0..n) followed by a sentinel
 * byte. The validator may borrow line[n] as a terminator, but must give it
 * back and leave the line itself untouched; records must not point into the
 * line (it is freed here, so AddressSanitizer would catch that). */
static cl_line_result judge_n(const cl_validator *v, const char *line, size_t n)
{
    cl_line_result res;
    char *buf = malloc(n + 1);

    assert_non_null(buf);
    memcpy(buf, line, n);
    buf[n] = '#';
    cl_validate_line(v, buf, n, RECEIVED, &PEER, &res);
    assert_int_equal(buf[n], '#');
    assert_memory_equal(buf, line, n);
    free(buf);
    return res;
}

static cl_line_result judge(const char *line)
{
    return judge_n(&V, line, strlen(line));
}

static void result_free(cl_line_result *res)
{
    cl_record_free(res->rec);
    cJSON_Delete(res->op);
    free(res->op_id);
}

/* Whether word occurs in s as a whole word (not inside a longer name). */
static int names(const char *s, const char *word)
{
    size_t w = strlen(word);

    for (const char *p = strstr(s, word); p != NULL; p = strstr(p + 1, word)) {
        int before = p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '_');
        int after = isalnum((unsigned char)p[w]) || p[w] == '_';

        if (!before && !after)
            return 1;
    }
    return 0;
}

/* Asserts that line[0..n) is refused with reason and that the message
 * mentions needle (NULL: not checked); checks the whole reject record. */
static void check_reject_n(const cl_validator *v, const char *line, size_t n, enum cl_reason reason,
                           const char *needle)
{
    cl_line_result res = judge_n(v, line, n);
    const cl_record *r = res.rec;
    size_t keep = n < CL_REJECT_RAW_MAX ? n : CL_REJECT_RAW_MAX;

    if (res.kind != CL_LINE_REJECT) {
        result_free(&res);
        fail_msg("%.200s: kind %d, expected a reject with %s", line, res.kind,
                 cl_reason_code(reason));
    }
    assert_non_null(r);
    assert_null(res.op);
    assert_int_equal(r->kind, CL_REC_REJECT);
    if (r->u.r.reason != reason) {
        const char *got = cl_reason_code(r->u.r.reason);
        char msg[256];

        snprintf(msg, sizeof msg, "%s", r->u.r.message.p);
        cl_record_free(res.rec);
        fail_msg("%.200s: reason %s (\"%s\"), expected %s", line, got, msg, cl_reason_code(reason));
    }
    assert_int_equal(r->u.r.message.n, strlen(r->u.r.message.p));
    assert_true(r->u.r.message.n > 0);
    if (needle != NULL && !names(r->u.r.message.p, needle)) {
        char msg[256];

        snprintf(msg, sizeof msg, "%s", r->u.r.message.p);
        cl_record_free(res.rec);
        fail_msg("%.200s: message \"%s\" does not name \"%s\"", line, msg, needle);
    }
    assert_int_equal(r->u.r.raw_len, n);
    assert_int_equal(r->u.r.raw.n, keep);
    assert_memory_equal(r->u.r.raw.p, line, keep);
    assert_int_equal(r->u.r.raw.p[keep], '\0');
    assert_int_equal(r->received_us, RECEIVED);
    assert_int_equal(r->peer.pid, PEER.pid);
    assert_int_equal(r->peer.uid, PEER.uid);
    assert_int_equal(r->peer.gid, PEER.gid);
    cl_record_free(res.rec);
}

static void check_reject(const char *line, enum cl_reason reason, const char *needle)
{
    check_reject_n(&V, line, strlen(line), reason, needle);
}

/* Asserts that line is accepted; the caller frees the returned record. */
static cl_record *accept_line(const char *line)
{
    cl_line_result res = judge(line);

    if (res.kind != CL_LINE_ENTRY) {
        char msg[256] = "";

        if (res.kind == CL_LINE_REJECT)
            snprintf(msg, sizeof msg, "%s: %s", cl_reason_code(res.rec->u.r.reason),
                     res.rec->u.r.message.p);
        result_free(&res);
        fail_msg("%.200s: not accepted (kind %d) %s", line, res.kind, msg);
    }
    assert_non_null(res.rec);
    assert_int_equal(res.rec->kind, CL_REC_ENTRY);
    return res.rec;
}

static void assert_str(const cl_str *s, const char *expect)
{
    if (expect == NULL) {
        assert_null(s->p);
        assert_int_equal(s->n, 0);
        return;
    }
    assert_non_null(s->p);
    assert_int_equal(s->n, strlen(expect));
    assert_memory_equal(s->p, expect, s->n);
    assert_int_equal(s->p[s->n], '\0');
}

/* ---- byte-level reasons: the message names the byte offset ---- */

/* prefix + bad + suffix must be refused with reason, and the message must
 * name byte offset at (usually strlen(prefix), where the bad bytes start). */
static void check_at(const char *prefix, const char *bad, size_t badlen, const char *suffix,
                     enum cl_reason reason, size_t at)
{
    size_t p = strlen(prefix), s = strlen(suffix);
    char *line = malloc(p + badlen + s + 1);
    char needle[32];

    assert_non_null(line);
    memcpy(line, prefix, p);
    memcpy(line + p, bad, badlen);
    memcpy(line + p + badlen, suffix, s + 1);
    snprintf(needle, sizeof needle, "%zu", at);
    check_reject_n(&V, line, p + badlen + s, reason, needle);
    free(line);
}

static void test_reject_invalid_utf8(void **state)
{
    static const struct {
        const char *bytes;
        size_t n;
    } bad[] = {
        { "\xff", 1 },             /* never valid */
        { "\xc0\xaf", 2 },         /* overlong "/" */
        { "\xc1\xbf", 2 },         /* overlong */
        { "\xe0\x9f\xbf", 3 },     /* overlong 3-byte */
        { "\xf0\x8f\xbf\xbf", 4 }, /* overlong 4-byte */
        { "\xed\xa0\x80", 3 },     /* encoded surrogate U+D800 */
        { "\xed\xbf\xbf", 3 },     /* encoded surrogate U+DFFF */
        { "\xf4\x90\x80\x80", 4 }, /* above U+10FFFF */
        { "\xf5\x80\x80\x80", 4 },
        { "\x80", 1 },     /* lone continuation byte */
        { "\xe2\x82", 2 }, /* truncated sequence */
        { "\xc3(", 2 },    /* lead byte without continuation */
    };
    const char *prefix = "{\"app\":\"web\",\"level\":\"info\",\"msg\":\"";

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check_at(prefix, bad[i].bytes, bad[i].n, "\"}", CL_R_INVALID_UTF8, strlen(prefix));
    /* In a key, too. */
    check_at("{\"", "\xfe", 1, "\":1," REQ "}", CL_R_INVALID_UTF8, 2);
}

static void test_reject_control_char(void **state)
{
    const char *prefix = "{\"app\":\"web\",\"level\":\"info\",\"msg\":\"a";
    const size_t p = strlen(prefix);

    (void)state;
    check_at(prefix, "\t", 1, "b\"}", CL_R_CONTROL_CHAR, p);
    check_at(prefix, "\x1b", 1, "[31m\"}", CL_R_CONTROL_CHAR, p);
    check_at(prefix, "\x1f", 1, "\"}", CL_R_CONTROL_CHAR, p);
    /* A raw NUL byte is a control character, not a string terminator. */
    check_at(prefix, "\0", 1, "b\"}", CL_R_CONTROL_CHAR, p);
    /* A backslash does not make a raw control character legal. */
    check_at(prefix, "\\\x01", 2, "\"}", CL_R_CONTROL_CHAR, p + 1);
    /* In a key. */
    check_at("{\"k", "\x01", 1, "\":1," REQ "}", CL_R_CONTROL_CHAR, 3);
    /* Outside strings cJSON would skip any byte <= 0x20 as whitespace;
     * RFC 8259 allows only space, tab, CR and LF there. */
    check_at("{" REQ ",", "\x0b", 1, "\"x\":1}", CL_R_CONTROL_CHAR, strlen("{" REQ ","));
    check_at("{" REQ, "\x0c", 1, "}", CL_R_CONTROL_CHAR, strlen("{" REQ));
}

static void test_reject_not_json(void **state)
{
    static const char *const bad[] = {
        "{" REQ ",}",         /* trailing comma */
        "{" REQ "} x",        /* trailing garbage */
        "{" REQ "}{\"a\":1}", /* two documents */
        E(",\"n\":01"),       /* leading zero */
        E(",\"n\":1.}"),      /* no fraction digits */
        E(",\"n\":1.e5"),
        E(",\"n\":-"),
        E(",\"n\":.5"),
        E(",\"n\":+1"),
        E(",\"n\":1e"),
        E(",\"n\":0x10"),
        E(",\"n\":NaN"),
        E(",\"n\":Infinity"),
        E(",\"n\":tru"),
        E(",\"s\":\"\\ud800\""),        /* unpaired high surrogate */
        E(",\"s\":\"\\udc00\""),        /* lone low surrogate */
        E(",\"s\":\"\\ud800\\u0041\""), /* high surrogate, then not a low one */
        E(",\"s\":\"\\x41\""),          /* not a JSON escape */
        E(",\"s\":'single'"),
        "{'app':'web'}",
        "{\"app\"}",
        "{",
        "{\"app\":\"web\"",
        "\"unterminated",
        "hello",
        "\xef\xbb\xbf{" REQ "}", /* byte-order mark */
    };

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check_reject(bad[i], CL_R_NOT_JSON, NULL);
}

/* An entry whose member "fields" (objects) or "x" (arrays) opens brackets
 * until the whole entry is depth levels deep. */
static char *nested(int depth, const char *open, const char *close)
{
    const char *inner = open[0] == '[' ? "{" REQ ",\"x\":" : "{" REQ ",\"fields\":";
    char *s;
    size_t len = strlen(inner);

    /* The entry object is depth 1 and fields depth 2. */
    s = malloc(len + (size_t)depth * 8 + 64);
    assert_non_null(s);
    memcpy(s, inner, len);
    for (int d = 2; d <= depth; d++) {
        memcpy(s + len, open, strlen(open));
        len += strlen(open);
    }
    s[len++] = '1';
    for (int d = 2; d <= depth; d++) {
        memcpy(s + len, close, strlen(close));
        len += strlen(close);
    }
    s[len++] = '}';
    s[len] = '\0';
    return s;
}

static void test_depth_limit(void **state)
{
    char *ok, *deep;
    cl_record *r;
    size_t off;

    (void)state;
    /* Nine levels counting the entry object are allowed, ten are not. */
    ok = nested(9, "{\"k\":", "}");
    r = accept_line(ok);
    /* Stored whole: from after "fields": up to the entry's closing brace. */
    off = strlen("{" REQ ",\"fields\":");
    assert_int_equal(r->u.e.fields.n, strlen(ok) - off - 1);
    assert_memory_equal(r->u.e.fields.p, ok + off, r->u.e.fields.n);
    cl_record_free(r);
    free(ok);

    deep = nested(10, "{\"k\":", "}");
    check_reject(deep, CL_R_TOO_DEEP, NULL);
    free(deep);

    /* Arrays count as levels too. */
    ok = nested(9, "[", "]");
    r = accept_line(ok);
    assert_str(&r->u.e.extra, "{\"x\":[[[[[[[[1]]]]]]]]}");
    cl_record_free(r);
    free(ok);
    deep = nested(10, "[", "]");
    check_reject(deep, CL_R_TOO_DEEP, NULL);
    free(deep);

    /* In an unknown key as well. */
    check_reject("{" REQ ",\"x\":[[[[[[[[[1]]]]]]]]]}", CL_R_TOO_DEEP, NULL);
}

/* The message says where the nesting got too deep. */
static void test_depth_message(void **state)
{
    /* The 10th opening bracket: the entry's '{' plus 9 '['. */
    const char *head = "{" REQ ",\"x\":[[[[[[[[";

    (void)state;
    check_at(head, "[", 1, "1]]]]]]]]]}", CL_R_TOO_DEEP, strlen(head));
}

static void test_reject_not_object(void **state)
{
    static const char *const bad[] = {
        "[1,2]", "[]", "\"msg\"", "42", "null", "true", "[{" REQ "}]"
    };

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check_reject(bad[i], CL_R_NOT_OBJECT, NULL);
}

/* Known-key rules: one case per row, the message must name the key. */
static void test_reject_keyed(void **state)
{
    static const struct {
        const char *line;
        enum cl_reason reason;
        const char *key;
    } cases[] = {
        /* duplicate_key */
        { E(",\"app\":\"other\""), CL_R_DUPLICATE_KEY, "app" },
        { E(",\"zone\":1,\"zone\":2"), CL_R_DUPLICATE_KEY, "zone" },
        { E(",\"fields\":{\"k\":1,\"k\":2}"), CL_R_DUPLICATE_KEY, "k" },
        { E(",\"fields\":{\"a\":{\"deep\":1,\"deep\":1}}"), CL_R_DUPLICATE_KEY, "deep" },
        /* missing_field */
        { "{\"level\":\"info\",\"app\":\"web\"}", CL_R_MISSING_FIELD, "msg" },
        { "{\"msg\":\"m\",\"app\":\"web\"}", CL_R_MISSING_FIELD, "level" },
        { "{\"msg\":\"m\",\"level\":\"info\"}", CL_R_MISSING_FIELD, "app" },
        { "{}", CL_R_MISSING_FIELD, "msg" },
        /* Keys are case-sensitive: "MSG" is an unknown key, not msg. */
        { "{\"MSG\":\"m\",\"level\":\"info\",\"app\":\"web\"}", CL_R_MISSING_FIELD, "msg" },
        /* bad_type */
        { "{\"app\":\"web\",\"level\":\"info\",\"msg\":1}", CL_R_BAD_TYPE, "msg" },
        { "{\"app\":\"web\",\"level\":\"info\",\"msg\":null}", CL_R_BAD_TYPE, "msg" },
        { "{\"app\":true,\"level\":\"info\",\"msg\":\"m\"}", CL_R_BAD_TYPE, "app" },
        { "{\"app\":[\"web\"],\"level\":\"info\",\"msg\":\"m\"}", CL_R_BAD_TYPE, "app" },
        { "{\"app\":\"web\",\"level\":true,\"msg\":\"m\"}", CL_R_BAD_TYPE, "level" },
        { "{\"app\":\"web\",\"level\":null,\"msg\":\"m\"}", CL_R_BAD_TYPE, "level" },
        { "{\"app\":\"web\",\"level\":{},\"msg\":\"m\"}", CL_R_BAD_TYPE, "level" },
        { E(",\"ts\":true"), CL_R_BAD_TYPE, "ts" },
        { E(",\"ts\":null"), CL_R_BAD_TYPE, "ts" },
        { E(",\"ts\":[1]"), CL_R_BAD_TYPE, "ts" },
        { E(",\"host\":1"), CL_R_BAD_TYPE, "host" },
        { E(",\"pid\":\"12\""), CL_R_BAD_TYPE, "pid" },
        { E(",\"pid\":true"), CL_R_BAD_TYPE, "pid" },
        { E(",\"tid\":[1]"), CL_R_BAD_TYPE, "tid" },
        { E(",\"logger\":{}"), CL_R_BAD_TYPE, "logger" },
        { E(",\"trace_id\":1"), CL_R_BAD_TYPE, "trace_id" },
        { E(",\"span_id\":false"), CL_R_BAD_TYPE, "span_id" },
        { E(",\"fields\":[1]"), CL_R_BAD_TYPE, "fields" },
        { E(",\"fields\":\"x\""), CL_R_BAD_TYPE, "fields" },
        { E(",\"fields\":null"), CL_R_BAD_TYPE, "fields" },
        /* bad_level */
        { "{\"app\":\"web\",\"level\":\"warn\",\"msg\":\"m\"}", CL_R_BAD_LEVEL, "level" },
        { "{\"app\":\"web\",\"level\":\"\",\"msg\":\"m\"}", CL_R_BAD_LEVEL, "level" },
        { "{\"app\":\"web\",\"level\":\"5\",\"msg\":\"m\"}", CL_R_BAD_LEVEL, "level" },
        { "{\"app\":\"web\",\"level\":\" info\",\"msg\":\"m\"}", CL_R_BAD_LEVEL, "level" },
        { "{\"app\":\"web\",\"level\":\"informational\",\"msg\":\"m\"}", CL_R_BAD_LEVEL, "level" },
        { "{\"app\":\"web\",\"level\":8,\"msg\":\"m\"}", CL_R_BAD_LEVEL, "level" },
        { "{\"app\":\"web\",\"level\":-1,\"msg\":\"m\"}", CL_R_BAD_LEVEL, "level" },
        { "{\"app\":\"web\",\"level\":4.5,\"msg\":\"m\"}", CL_R_BAD_LEVEL, "level" },
        /* bad_timestamp */
        { E(",\"ts\":\"2026-11-27T10:15:02\""), CL_R_BAD_TIMESTAMP, "ts" },
        { E(",\"ts\":\"2026-02-30T00:00:00Z\""), CL_R_BAD_TIMESTAMP, "ts" },
        { E(",\"ts\":\"2026-11-27T10:15:02.1234567890Z\""), CL_R_BAD_TIMESTAMP, "ts" },
        { E(",\"ts\":\"yesterday\""), CL_R_BAD_TIMESTAMP, "ts" },
        { E(",\"ts\":\"\""), CL_R_BAD_TIMESTAMP, "ts" },
        { E(",\"ts\":\"0000-12-31T23:59:59Z\""), CL_R_BAD_TIMESTAMP, "ts" },
        { E(",\"ts\":-62135596801"), CL_R_BAD_TIMESTAMP, "ts" },
        { E(",\"ts\":253402300800"), CL_R_BAD_TIMESTAMP, "ts" },
        { E(",\"ts\":1e300"), CL_R_BAD_TIMESTAMP, "ts" },
        /* bad_value */
        { "{\"app\":\"\",\"level\":\"info\",\"msg\":\"m\"}", CL_R_BAD_VALUE, "app" },
        { "{\"app\":\"a\\u0001b\",\"level\":\"info\",\"msg\":\"m\"}", CL_R_BAD_VALUE, "app" },
        { "{\"app\":\"a\\nb\",\"level\":\"info\",\"msg\":\"m\"}", CL_R_BAD_VALUE, "app" },
        { "{\"app\":\"a\\u007f\",\"level\":\"info\",\"msg\":\"m\"}", CL_R_BAD_VALUE, "app" },
        { "{\"app\":\"a\\u0085\",\"level\":\"info\",\"msg\":\"m\"}", CL_R_BAD_VALUE, "app" },
        { "{\"app\":\"a\xc2\x9f\",\"level\":\"info\",\"msg\":\"m\"}", CL_R_BAD_VALUE, "app" },
        { E(",\"host\":\"\""), CL_R_BAD_VALUE, "host" },
        { E(",\"host\":\"a\\tb\""), CL_R_BAD_VALUE, "host" },
        { E(",\"pid\":-1"), CL_R_BAD_VALUE, "pid" },
        { E(",\"pid\":1.5"), CL_R_BAD_VALUE, "pid" },
        { E(",\"pid\":4294967296"), CL_R_BAD_VALUE, "pid" },
        { E(",\"tid\":-1"), CL_R_BAD_VALUE, "tid" },
        { E(",\"logger\":\"\""), CL_R_BAD_VALUE, "logger" },
        { E(",\"logger\":\"a\\u001bb\""), CL_R_BAD_VALUE, "logger" },
        { E(",\"trace_id\":\"\""), CL_R_BAD_VALUE, "trace_id" },
        { E(",\"span_id\":\"\""), CL_R_BAD_VALUE, "span_id" },
        { E(",\"span_id\":\"\\r\""), CL_R_BAD_VALUE, "span_id" },
        /* bad_number: finite doubles only */
        { E(",\"fields\":{\"x\":1e400}"), CL_R_BAD_NUMBER, "fields" },
        { E(",\"fields\":{\"a\":[1,-1e400]}"), CL_R_BAD_NUMBER, "fields" },
        { E(",\"pid\":1e400"), CL_R_BAD_NUMBER, "pid" },
        { E(",\"ts\":1e400"), CL_R_BAD_NUMBER, "ts" },
        { E(",\"weight\":-1e999"), CL_R_BAD_NUMBER, "weight" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_reject(cases[i].line, cases[i].reason, cases[i].key);
}

/* "\u0000" in any string. */
static void test_reject_nul_char_code(void **state)
{
    (void)state;
    check_reject("{\"app\":\"web\",\"level\":\"info\",\"msg\":\"a\\u0000b\"}", CL_R_NUL_CHAR, NULL);
    check_reject(E(",\"k\\u0000\":1"), CL_R_NUL_CHAR, NULL);
    check_reject(E(",\"fields\":{\"x\":[\"\\u0000\"]}"), CL_R_NUL_CHAR, NULL);
    /* An escaped backslash followed by "u0000" is not a NUL... */
    cl_record_free(accept_line("{\"app\":\"web\",\"level\":\"info\",\"msg\":\"a\\\\u0000b\"}"));
    /* ...but an escaped backslash and then a real \u0000 escape is. */
    check_reject("{\"app\":\"web\",\"level\":\"info\",\"msg\":\"\\\\\\u0000\"}", CL_R_NUL_CHAR,
                 NULL);
}

/* PROTOCOL.md: every reject's message names the offending key. The NUL check
 * runs on the raw bytes, but by then the line has parsed and the member that
 * holds the escape is known. */
static void test_reject_nul_char_names_key(void **state)
{
    (void)state;
    check_reject("{\"app\":\"web\",\"level\":\"info\",\"msg\":\"a\\u0000b\"}", CL_R_NUL_CHAR,
                 "msg");
    check_reject(E(",\"fields\":{\"x\":\"\\u0000\"}"), CL_R_NUL_CHAR, "fields");
}

/* An entry whose key is set to the string value (app replaces the default). */
static char *with_string(const char *key, const char *value)
{
    if (strcmp(key, "app") == 0)
        return xprintf("{\"level\":\"info\",\"msg\":\"m\",\"app\":\"%s\"}", value);
    return xprintf("{" REQ ",\"%s\":\"%s\"}", key, value);
}

/* String length limits count code points, and the limit itself is allowed. */
static void test_string_length_limits(void **state)
{
    static const struct {
        const char *key;
        size_t max;
    } keys[] = {
        { "app", 128 }, { "host", 255 }, { "logger", 256 }, { "trace_id", 64 }, { "span_id", 64 }
    };

    (void)state;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char *at = repeat("x", keys[i].max);
        char *over = repeat("x", keys[i].max + 1);
        /* Two-byte characters: max code points but 2*max bytes is fine. */
        char *wide = repeat("\xc3\xa9", keys[i].max);
        char *line;
        cl_record *r;

        line = with_string(keys[i].key, at);
        r = accept_line(line);
        cl_record_free(r);
        free(line);
        line = with_string(keys[i].key, wide);
        r = accept_line(line);
        cl_record_free(r);
        free(line);
        line = with_string(keys[i].key, over);
        check_reject(line, CL_R_TOO_LONG, keys[i].key);
        free(line);
        free(at);
        free(over);
        free(wide);
    }
}

static void test_field_name_length(void **state)
{
    char *k128 = repeat("k", 128), *k129 = repeat("k", 129), *line;

    (void)state;
    line = xprintf(E(",\"fields\":{\"%s\":1}"), k128);
    cl_record_free(accept_line(line));
    free(line);
    line = xprintf(E(",\"fields\":{\"%s\":1}"), k129);
    check_reject(line, CL_R_TOO_LONG, "fields");
    free(line);
    line = xprintf(E(",\"fields\":{\"a\":{\"%s\":1}}"), k129);
    check_reject(line, CL_R_TOO_LONG, "fields");
    free(line);
    /* Under an unknown key the same rule applies and names that key. */
    line = xprintf(E(",\"ctx\":{\"%s\":1}"), k129);
    check_reject(line, CL_R_TOO_LONG, "ctx");
    free(line);
    free(k128);
    free(k129);
}

/* An object with n members "k0".."k<n-1>", or an array of n numbers. */
static char *members(size_t n, int array)
{
    size_t cap = 16 + n * 16, len = 0;
    char *s = malloc(cap);

    assert_non_null(s);
    s[len++] = array ? '[' : '{';
    for (size_t i = 0; i < n; i++) {
        len += (size_t)(array ? snprintf(s + len, cap - len, "%s%zu", i ? "," : "", i)
                              : snprintf(s + len, cap - len, "%s\"k%zu\":%zu", i ? "," : "", i, i));
    }
    s[len++] = array ? ']' : '}';
    s[len] = '\0';
    return s;
}

static void test_member_limits(void **state)
{
    char *m, *line;

    (void)state;
    /* The entry object: 32 members in all, known keys included. */
    m = members(29, 0);
    line = xprintf("{" REQ ",%s", m + 1);
    cl_record_free(accept_line(line));
    free(line);
    free(m);
    m = members(30, 0);
    line = xprintf("{" REQ ",%s", m + 1);
    check_reject(line, CL_R_TOO_MANY_MEMBERS, "entry");
    free(line);
    free(m);

    /* Objects and arrays inside fields: 64. */
    m = members(64, 0);
    line = xprintf(E(",\"fields\":%s"), m);
    cl_record_free(accept_line(line));
    free(line);
    free(m);
    m = members(65, 0);
    line = xprintf(E(",\"fields\":%s"), m);
    check_reject(line, CL_R_TOO_MANY_MEMBERS, "fields");
    free(line);
    free(m);
    m = members(64, 1);
    line = xprintf(E(",\"fields\":{\"list\":%s}"), m);
    cl_record_free(accept_line(line));
    free(line);
    free(m);
    m = members(65, 1);
    line = xprintf(E(",\"fields\":{\"list\":%s}"), m);
    check_reject(line, CL_R_TOO_MANY_MEMBERS, "fields");
    free(line);
    free(m);

    /* And inside an unknown key, naming it. */
    m = members(65, 1);
    line = xprintf(E(",\"tags\":%s"), m);
    check_reject(line, CL_R_TOO_MANY_MEMBERS, "tags");
    free(line);
    free(m);
}

/* The limits come from the validator, not from compiled-in constants. */
static void test_custom_limits(void **state)
{
    cl_validator v = V;
    const char *ok = E(",\"fields\":{\"abc\":[1,2]}");
    const char *line;

    (void)state;
    v.limits.max_depth = 3;
    v.limits.max_top_members = 4;
    v.limits.max_members = 2;
    v.limits.max_field_key = 3;
    {
        cl_line_result res = judge_n(&v, ok, strlen(ok));

        assert_int_equal(res.kind, CL_LINE_ENTRY);
        result_free(&res);
    }
    line = E(",\"fields\":{\"a\":[[1]]}");
    check_reject_n(&v, line, strlen(line), CL_R_TOO_DEEP, NULL);
    line = E(",\"fields\":{},\"x\":1");
    check_reject_n(&v, line, strlen(line), CL_R_TOO_MANY_MEMBERS, "entry");
    line = E(",\"fields\":{\"a\":1,\"b\":2,\"c\":3}");
    check_reject_n(&v, line, strlen(line), CL_R_TOO_MANY_MEMBERS, "fields");
    line = E(",\"fields\":{\"abcd\":1}");
    check_reject_n(&v, line, strlen(line), CL_R_TOO_LONG, "fields");
}

/* When a line breaks several rules, the documented order decides. */
static void test_precedence(void **state)
{
    char *deep, *many, *k129, *line;

    (void)state;
    /* Bad UTF-8 anywhere beats a control character earlier in the line. */
    check_reject("{\"msg\":\"\t\",\"x\":\"\xff\"}", CL_R_INVALID_UTF8, "16");
    /* A control character beats too deep a nesting. */
    deep = nested(12, "[", "]");
    line = xprintf("%.*s\t%s", 10, deep, deep + 10);
    check_reject(line, CL_R_CONTROL_CHAR, NULL);
    free(line);
    free(deep);
    /* Too deep beats not JSON: the parser never sees (or recurses into)
     * hostile nesting, even when the text is not valid JSON at all. */
    check_reject("[[[[[[[[[[", CL_R_TOO_DEEP, NULL);
    deep = repeat("{\"a\":", 60000);
    check_reject(deep, CL_R_TOO_DEEP, NULL);
    free(deep);
    /* Not JSON beats not an object and missing keys. */
    check_reject("[1,]", CL_R_NOT_JSON, NULL);
    check_reject("{\"a\":1,}", CL_R_NOT_JSON, NULL);
    /* Not an object beats everything about keys. */
    check_reject("[{\"a\":1,\"a\":1}]", CL_R_NOT_OBJECT, NULL);
    /* A duplicate key beats missing keys. */
    check_reject("{\"a\":1,\"a\":2}", CL_R_DUPLICATE_KEY, "a");
    /* Too many members beats missing keys. */
    many = members(33, 0);
    check_reject(many, CL_R_TOO_MANY_MEMBERS, "entry");
    free(many);
    /* Missing keys beat wrong types, msg first. */
    check_reject("{\"msg\":1,\"level\":\"info\"}", CL_R_MISSING_FIELD, "app");
    check_reject("{\"app\":\"web\"}", CL_R_MISSING_FIELD, "msg");
    /* A known key's own rule beats a violation nested in fields. */
    k129 = repeat("k", 129);
    line = xprintf("{\"app\":\"\",\"level\":\"info\",\"msg\":\"m\",\"fields\":{\"%s\":1}}", k129);
    check_reject(line, CL_R_BAD_VALUE, "app");
    free(line);
    free(k129);
}

/* The reject keeps at most CL_REJECT_RAW_MAX bytes but the full length. */
static void test_reject_raw_cap(void **state)
{
    static const size_t sizes[] = { CL_REJECT_RAW_MAX - 1, CL_REJECT_RAW_MAX, CL_REJECT_RAW_MAX + 1,
                                    10000, 65536 };

    (void)state;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        /* Unterminated, so not_json whatever the length. */
        char *line = malloc(sizes[i] + 1);
        const char *head = "{\"app\":\"web\",\"level\":\"info\",\"msg\":\"";

        assert_non_null(line);
        for (size_t k = 0; k < sizes[i]; k++)
            line[k] = (char)('a' + k % 26);
        memcpy(line, head, strlen(head));
        line[sizes[i]] = '\0';
        /* check_reject_n asserts raw.n == min(len, 4096) and raw_len == len. */
        check_reject_n(&V, line, sizes[i], CL_R_NOT_JSON, NULL);
        free(line);
    }
}

static void test_valid_entry_all_keys(void **state)
{
    const char *line =
        "{\"ts\":\"2026-11-27T15:45:02.123456+05:30\",\"level\":\"warning\",\"app\":\"billing\","
        "\"host\":\"web-01\",\"pid\":4242,\"tid\":7,\"logger\":\"pay.Api\","
        "\"trace_id\":\"4bf92f3577b34da6\",\"span_id\":\"00f067aa0ba902b7\","
        "\"msg\":\"payment declined\","
        "\"fields\":{ \"id\" : 12345678901234567890 , \"s\":\"a b\" },"
        "\"zone\" : \"eu\", \"tags\":[ 1, 2 ]}";
    cl_record *r = accept_line(line);
    const cl_entry_fields *e = &r->u.e;

    (void)state;
    assert_int_equal(e->ts_us, T_EXAMPLE);
    assert_int_equal(e->level, CL_LVL_WARNING);
    assert_int_equal(e->level, 4);
    assert_str(&e->app, "billing");
    assert_str(&e->host, "web-01");
    assert_int_equal(e->has_pid, 1);
    assert_int_equal(e->pid, 4242);
    assert_int_equal(e->has_tid, 1);
    assert_int_equal(e->tid, 7);
    assert_str(&e->logger, "pay.Api");
    assert_str(&e->trace_id, "4bf92f3577b34da6");
    assert_str(&e->span_id, "00f067aa0ba902b7");
    assert_str(&e->msg, "payment declined");
    /* Compact, but the big integer keeps every digit (no double rounding). */
    assert_str(&e->fields, "{\"id\":12345678901234567890,\"s\":\"a b\"}");
    assert_str(&e->extra, "{\"zone\":\"eu\",\"tags\":[1,2]}");
    assert_int_equal(r->received_us, RECEIVED);
    assert_int_equal(r->peer.pid, PEER.pid);
    assert_int_equal(r->peer.uid, PEER.uid);
    assert_int_equal(r->peer.gid, PEER.gid);
    assert_true(r->size >= sizeof *r);
    cl_record_free(r);
}

static void test_valid_entry_minimal(void **state)
{
    cl_record *r = accept_line("{\"app\":\"web\",\"level\":\"info\",\"msg\":\"hello\"}");
    const cl_entry_fields *e = &r->u.e;

    (void)state;
    /* Absent ts: the time of receipt. Absent host: the collector's. */
    assert_int_equal(e->ts_us, RECEIVED);
    assert_int_equal(e->level, CL_LVL_INFO);
    assert_str(&e->app, "web");
    assert_str(&e->msg, "hello");
    assert_int_equal(e->host.n, strlen("collector-host"));
    assert_memory_equal(e->host.p, "collector-host", e->host.n);
    assert_int_equal(e->has_pid, 0);
    assert_int_equal(e->has_tid, 0);
    assert_str(&e->logger, NULL);
    assert_str(&e->trace_id, NULL);
    assert_str(&e->span_id, NULL);
    assert_str(&e->fields, NULL);
    assert_str(&e->extra, NULL);
    cl_record_free(r);
}

static void test_valid_msg_content(void **state)
{
    cl_record *r;

    (void)state;
    /* Escapes are decoded in msg; control characters are allowed there
     * (the text sink escapes them); an empty msg is allowed. */
    r = accept_line(
        "{\"app\":\"web\",\"level\":\"info\",\"msg\":\"a\\nb\\t\\u00e9\\ud83d\\ude00\\\"\"}");
    assert_str(&r->u.e.msg, "a\nb\t\xc3\xa9\xf0\x9f\x98\x80\"");
    cl_record_free(r);
    r = accept_line("{\"app\":\"web\",\"level\":\"info\",\"msg\":\"\"}");
    assert_str(&r->u.e.msg, "");
    cl_record_free(r);
    /* Surrounding whitespace is not part of the JSON text's meaning. */
    r = accept_line("  \t{ \"app\" : \"web\" , \"level\" : \"info\" , \"msg\" : \"m\" }\t  ");
    assert_str(&r->u.e.app, "web");
    cl_record_free(r);
}

static void test_levels(void **state)
{
    static const struct {
        const char *json;
        int level;
    } cases[] = {
        { "\"emergency\"", 0 },
        { "\"alert\"", 1 },
        { "\"critical\"", 2 },
        { "\"error\"", 3 },
        { "\"warning\"", 4 },
        { "\"notice\"", 5 },
        { "\"info\"", 6 },
        { "\"debug\"", 7 },
        { "\"trace\"", 8 },
        { "\"TRACE\"", 8 },
        { "\"Warning\"", 4 },
        { "\"eRRoR\"", 3 },
        { "0", 0 },
        { "1", 1 },
        { "2", 2 },
        { "3", 3 },
        { "4", 4 },
        { "5", 5 },
        { "6", 6 },
        { "7", 7 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *line = xprintf("{\"app\":\"web\",\"msg\":\"m\",\"level\":%s}", cases[i].json);
        cl_record *r = accept_line(line);

        if (r->u.e.level != cases[i].level)
            fail_msg("level %s -> %d, expected %d", cases[i].json, r->u.e.level, cases[i].level);
        cl_record_free(r);
        free(line);
    }
}

static void test_timestamps(void **state)
{
    static const struct {
        const char *json;
        int64_t us;
    } cases[] = {
        { "\"2026-11-27T10:15:02.123456Z\"", T_EXAMPLE },
        { "\"2026-11-27T15:45:02.123456+05:30\"", T_EXAMPLE },
        { "\"2026-11-27T02:15:02.123456-08:00\"", T_EXAMPLE },
        { "\"2026-11-27 10:15:02.123456789Z\"", T_EXAMPLE },
        { "\"2016-12-31T23:59:60Z\"", 1483228799999999LL },
        { "1700000000", 1700000000000000LL },
        { "1700000000.25", 1700000000250000LL },
        { "1700000000.123456", 1700000000123456LL },
        { "1.7e9", 1700000000000000LL },
        { "0", 0 },
        { "-1.5", -1500000 },
        { "-62135596800", -62135596800000000LL },
        { "253402300799", 253402300799000000LL },
    };

    (void)state;
    /* The parse alone: far claims are judged by test_claimed_ts_window. */
    V.limits.max_ts_ahead_us = CL_TS_ANY;
    V.limits.max_ts_age_us = CL_TS_ANY;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *line = xprintf(E(",\"ts\":%s"), cases[i].json);
        cl_record *r = accept_line(line);

        if (r->u.e.ts_us != cases[i].us)
            fail_msg("ts %s -> %lld, expected %lld", cases[i].json, (long long)r->u.e.ts_us,
                     (long long)cases[i].us);
        /* The receipt time is kept separately. */
        assert_int_equal(r->received_us, RECEIVED);
        cl_record_free(r);
        free(line);
    }
    setup(NULL);
}

/* A claimed ts is the event time only within --max-ts-ahead/--max-ts-age of
 * the receipt (RECEIVED, 2026-11-27T10:15:03Z); beyond, ts is the receipt
 * and the claim is kept in extra exactly as sent, under its own name (an
 * entry cannot put "ts" there itself: a second ts is a duplicate key). */
static void test_claimed_ts_window(void **state)
{
    static const struct {
        const char *json;
        int64_t us;        /* stored ts */
        const char *extra; /* stored extra */
    } cases[] = {
        /* Plausible: kept, to the microsecond. */
        { "\"2026-11-27T09:15:03Z\"", RECEIVED - 3600000000LL, NULL },
        { "\"2026-11-20T10:15:03Z\"", RECEIVED - 7 * 86400000000LL, NULL }, /* age 7 d */
        { "\"2026-11-27T10:25:03Z\"", RECEIVED + 600000000LL, NULL },       /* 10 min ahead */
        { "1795774503", RECEIVED, NULL },
        /* Implausible: the receipt time, the claim in extra. */
        { "\"9999-12-31T23:59:59.999999Z\"", RECEIVED, "{\"ts\":\"9999-12-31T23:59:59.999999Z\"}" },
        { "\"0001-01-01T00:00:00Z\"", RECEIVED, "{\"ts\":\"0001-01-01T00:00:00Z\"}" },
        { "253402300799", RECEIVED, "{\"ts\":253402300799}" },
        { "-62135596800", RECEIVED, "{\"ts\":-62135596800}" },
        { "\"2026-11-27T10:25:03.000001Z\"", RECEIVED, "{\"ts\":\"2026-11-27T10:25:03.000001Z\"}" },
        { "\"2026-11-20T10:15:02.999999Z\"", RECEIVED, "{\"ts\":\"2026-11-20T10:15:02.999999Z\"}" },
        { "1.7e9", RECEIVED, "{\"ts\":1.7e9}" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *line = xprintf(E(",\"ts\":%s"), cases[i].json);
        cl_record *r = accept_line(line);

        if (r->u.e.ts_us != cases[i].us)
            fail_msg("ts %s -> %lld, expected %lld", cases[i].json, (long long)r->u.e.ts_us,
                     (long long)cases[i].us);
        assert_int_equal(r->received_us, RECEIVED);
        assert_str(&r->u.e.extra, cases[i].extra);
        cl_record_free(r);
        free(line);
    }

    /* The claim keeps its place among unknown keys, its spelling and its
     * spacing inside the value is compacted like any extra value. */
    {
        cl_record *r =
            accept_line("{\"a\":1, \"ts\" : \"0001-01-01T00:00:00Z\" ,\"b\":[2]," REQ "}");

        assert_int_equal(r->u.e.ts_us, RECEIVED);
        assert_str(&r->u.e.extra, "{\"a\":1,\"ts\":\"0001-01-01T00:00:00Z\",\"b\":[2]}");
        cl_record_free(r);
    }

    /* A malformed ts is still refused, whatever the window. */
    check_reject(E(",\"ts\":\"9999-12-31\""), CL_R_BAD_TIMESTAMP, "ts");

    /* Windows of 0 and no bound. */
    V.limits.max_ts_ahead_us = 0;
    V.limits.max_ts_age_us = CL_TS_ANY;
    {
        cl_record *r = accept_line(E(",\"ts\":\"0001-01-01T00:00:00Z\""));

        assert_int_equal(r->u.e.ts_us, -62135596800000000LL);
        assert_null(r->u.e.extra.p);
        cl_record_free(r);
        r = accept_line(E(",\"ts\":\"2026-11-27T10:15:03.000001Z\""));
        assert_int_equal(r->u.e.ts_us, RECEIVED);
        assert_str(&r->u.e.extra, "{\"ts\":\"2026-11-27T10:15:03.000001Z\"}");
        cl_record_free(r);
    }
    setup(NULL);
}

static void test_pid_tid_range(void **state)
{
    cl_record *r;

    (void)state;
    r = accept_line(E(",\"pid\":0,\"tid\":4294967295"));
    assert_int_equal(r->u.e.has_pid, 1);
    assert_int_equal(r->u.e.pid, 0);
    assert_int_equal(r->u.e.has_tid, 1);
    assert_int_equal(r->u.e.tid, 4294967295LL);
    cl_record_free(r);
    r = accept_line(E(",\"pid\":4294967295,\"tid\":1.0"));
    assert_int_equal(r->u.e.pid, 4294967295LL);
    assert_int_equal(r->u.e.tid, 1);
    cl_record_free(r);
}

/* fields and unknown keys are stored as sent, minus insignificant
 * whitespace: numbers and string escapes byte for byte. */
static void test_fields_byte_for_byte(void **state)
{
    static const struct {
        const char *fields;
        const char *stored;
    } cases[] = {
        { "{ \"id\" : 12345678901234567890 , \"s\":\"a b\" }",
          "{\"id\":12345678901234567890,\"s\":\"a b\"}" },
        { "{\"f\":1.50,\"e\":1E+2,\"z\":-0,\"big\":1e308}",
          "{\"f\":1.50,\"e\":1E+2,\"z\":-0,\"big\":1e308}" },
        { "{\"s\":\"q\\\" \\\\ \\u00e9 \\n\"}", "{\"s\":\"q\\\" \\\\ \\u00e9 \\n\"}" },
        { "{\t\"a\" :\r[ 1 ,\t2 ] ,\"b\": { } , \"c\" : [ ] , \"d\":null,\"t\":true}",
          "{\"a\":[1,2],\"b\":{},\"c\":[],\"d\":null,\"t\":true}" },
        { "{}", "{}" },
        { "{ }", "{}" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *line = xprintf(E(",\"fields\":%s"), cases[i].fields);
        cl_record *r = accept_line(line);

        assert_str(&r->u.e.fields, cases[i].stored);
        assert_str(&r->u.e.extra, NULL);
        cl_record_free(r);
        free(line);
    }
}

static void test_unknown_keys_to_extra(void **state)
{
    cl_record *r;

    (void)state;
    r = accept_line("{\"service\" : { \"v\" : 1.0 },\"app\":\"web\",\"level\":\"info\","
                    "\"Level\":\"x\",\"msg\":\"m\",\"k\\u00e9y\":[ true ],\"n\":null}");
    /* In order of appearance, key spelling (escapes) kept, keys compared
     * case-sensitively ("Level" is not "level"). */
    assert_str(&r->u.e.extra,
               "{\"service\":{\"v\":1.0},\"Level\":\"x\",\"k\\u00e9y\":[true],\"n\":null}");
    assert_str(&r->u.e.fields, NULL);
    cl_record_free(r);
    /* "op" only makes a control request when present; "Op" is just data. */
    r = accept_line(E(",\"Op\":\"sync\""));
    assert_str(&r->u.e.extra, "{\"Op\":\"sync\"}");
    cl_record_free(r);
}

static void test_op_lines(void **state)
{
    static const char *const ops[] = {
        "{\"op\":\"sync\",\"id\":1}",
        "{\"op\":\"stats\"}",
        " {\"op\":\"ping\"} ",
        "{\"op\":\"bogus\"}",
        "{\"op\":5}", /* malformed requests are the server's to answer */
        "{\"op\":\"sync\",\"id\":2,\"host\":\"h\",\"fields\":{\"app\":1}}",
    };

    (void)state;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        cl_line_result res = judge(ops[i]);

        assert_int_equal(res.kind, CL_LINE_OP);
        assert_null(res.rec);
        assert_non_null(res.op);
        assert_true(cJSON_IsObject(res.op));
        assert_non_null(cJSON_GetObjectItemCaseSensitive(res.op, "op"));
        if (i == 0) {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(res.op, "id");

            assert_string_equal(cJSON_GetObjectItemCaseSensitive(res.op, "op")->valuestring,
                                "sync");
            assert_true(cJSON_IsNumber(id));
            assert_int_equal(id->valueint, 1);
            assert_string_equal(res.op_id, "1");
        }
        result_free(&res);
    }
    /* The wire rules still apply to control requests. */
    check_reject("{\"op\":\"ping\",\"op\":\"ping\"}", CL_R_DUPLICATE_KEY, "op");
    check_reject_n(&V, "{\"op\":\"\xff\"}", 10, CL_R_INVALID_UTF8, "7");
}

/* Issue 13: an entry that logs an operation under "op" is an entry, not an
 * unknown request that nobody stores. Any of msg, level or app makes the
 * object an entry; "op" then lands in extra like any unknown key, and an
 * entry missing the rest is rejected (stored), never lost. */
static void test_op_key_in_entry(void **state)
{
    cl_line_result res;
    cl_record *r;

    (void)state;
    r = accept_line("{\"app\":\"web\",\"level\":\"error\",\"msg\":\"upload failed\","
                    "\"op\":\"upload\"}");
    assert_str(&r->u.e.msg, "upload failed");
    assert_str(&r->u.e.extra, "{\"op\":\"upload\"}");
    cl_record_free(r);
    /* Even the name of a real request is data inside an entry. */
    r = accept_line("{\"op\":\"sync\",\"app\":\"web\",\"level\":\"info\",\"msg\":\"m\","
                    "\"id\":7}");
    assert_str(&r->u.e.extra, "{\"op\":\"sync\",\"id\":7}");
    cl_record_free(r);
    /* One of the three keys is enough to be judged as an entry. */
    check_reject("{\"op\":\"upload\",\"msg\":\"m\"}", CL_R_MISSING_FIELD, "level");
    check_reject("{\"op\":\"upload\",\"app\":\"web\"}", CL_R_MISSING_FIELD, "msg");
    check_reject("{\"op\":\"upload\",\"level\":\"info\"}", CL_R_MISSING_FIELD, "msg");
    check_reject("{\"op\":1,\"level\":\"info\",\"app\":\"w\",\"msg\":5}", CL_R_BAD_TYPE, "msg");
    /* Keys are compared case-sensitively, as everywhere: "MSG" is not msg. */
    res = judge("{\"op\":\"ping\",\"MSG\":\"x\"}");
    assert_int_equal(res.kind, CL_LINE_OP);
    result_free(&res);
}

/* A request's id is echoed in the ack exactly as sent (compact JSON), so
 * that numbers a double cannot hold come back unchanged. */
static void test_op_id_verbatim(void **state)
{
    static const struct {
        const char *line, *id;
    } cases[] = {
        { "{\"op\":\"sync\",\"id\":18446744073709551615}", "18446744073709551615" },
        { "{\"op\":\"sync\", \"id\" : 0.30000000000000004 }", "0.30000000000000004" },
        { "{\"id\":-1E+400x,\"op\":\"sync\"}", NULL }, /* not JSON: a reject */
        { "{\"id\":\"req \\\"7\\\"\",\"op\":\"sync\"}", "\"req \\\"7\\\"\"" },
        { "{\"op\":\"sync\",\"id\":{ \"a\" : [ 1 , 2 ] }}", "{\"a\":[1,2]}" },
        { "{\"op\":\"sync\",\"id\":null}", "null" },
        { "{\"op\":\"sync\"}", NULL },
        { "{\"op\":\"sync\",\"ID\":5}", NULL },
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cl_line_result res = judge(cases[i].line);

        if (i == 2) {
            assert_int_equal(res.kind, CL_LINE_REJECT);
            assert_null(res.op_id);
        } else {
            assert_int_equal(res.kind, CL_LINE_OP);
            if (cases[i].id == NULL)
                assert_null(res.op_id);
            else
                assert_string_equal(res.op_id, cases[i].id);
        }
        result_free(&res);
    }
    /* Entries never carry one, even with an "id" member. */
    {
        cl_line_result res = judge(E(",\"id\":5"));

        assert_int_equal(res.kind, CL_LINE_ENTRY);
        assert_null(res.op_id);
        result_free(&res);
    }
}

/* A control request outlives the validator's JSON arena: later lines reuse
 * it, and a large one makes it move (the old block is freed), so a request
 * still pointing into it would be read after free. */
static void test_op_outlives_later_lines(void **state)
{
    cl_line_result op = judge("{\"op\":\"sync\",\"id\":\"abc\",\"extra\":[1,2,3]}");
    char *msg = repeat("y", 60000);
    char *line = xprintf("{\"app\":\"web\",\"level\":\"info\",\"msg\":\"%s\","
                         "\"fields\":{\"a\":\"%s\"}}",
                         msg, msg + 50000);

    (void)state;
    assert_int_equal(op.kind, CL_LINE_OP);
    for (int i = 0; i < 4; i++) {
        cl_record *r = accept_line(line);

        assert_int_equal(r->u.e.msg.n, 60000);
        cl_record_free(r);
    }
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(op.op, "op")->valuestring, "sync");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(op.op, "id")->valuestring, "abc");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(op.op, "extra")), 3);
    result_free(&op);
    free(line);
    free(msg);
}

static void test_blank_lines(void **state)
{
    static const char *const blanks[] = { "", " ", "\t", " \t \t  " };

    (void)state;
    for (size_t i = 0; i < sizeof blanks / sizeof blanks[0]; i++) {
        cl_line_result res = judge(blanks[i]);

        assert_int_equal(res.kind, CL_LINE_BLANK);
        assert_null(res.rec);
        assert_null(res.op);
    }
    /* Only spaces and tabs make a keep-alive; anything else is judged. */
    check_reject("\r", CL_R_NOT_JSON, NULL);
    check_reject(" x ", CL_R_NOT_JSON, NULL);
}

static void test_level_parse(void **state)
{
    static const char *const names_lc[] = { "emergency", "alert", "critical", "error", "warning",
                                            "notice",    "info",  "debug",    "trace" };

    (void)state;
    for (int i = 0; i < CL_LVL_COUNT; i++) {
        char upper[16];
        size_t n = strlen(names_lc[i]);

        for (size_t k = 0; k <= n; k++)
            upper[k] = (char)toupper((unsigned char)names_lc[i][k]);
        assert_int_equal(cl_level_parse(names_lc[i], n, CL_LEVEL_DIGITS), i);
        assert_int_equal(cl_level_parse(upper, n, CL_LEVEL_DIGITS), i);
        /* The names match record.h's table both ways. */
        assert_string_equal(cl_level_name(i), names_lc[i]);
        assert_string_equal(cl_level_upper(i), upper);
    }
    assert_int_equal(cl_level_parse("WaRnInG", 7, CL_LEVEL_DIGITS), 4);
    for (char d = '0'; d <= '7'; d++)
        assert_int_equal(cl_level_parse(&d, 1, CL_LEVEL_DIGITS), d - '0');
    /* Only n bytes count. */
    assert_int_equal(cl_level_parse("infox", 4, CL_LEVEL_DIGITS), 6);
    assert_int_equal(cl_level_parse("8", 1, CL_LEVEL_DIGITS), -1);
    assert_int_equal(cl_level_parse("10", 2, CL_LEVEL_DIGITS), -1);
    assert_int_equal(cl_level_parse("", 0, CL_LEVEL_DIGITS), -1);
    assert_int_equal(cl_level_parse("warn", 4, CL_LEVEL_DIGITS), -1);
    assert_int_equal(cl_level_parse("information", 11, CL_LEVEL_DIGITS), -1);
    assert_int_equal(cl_level_parse("-1", 2, CL_LEVEL_DIGITS), -1);
    assert_string_equal(cl_level_name(9), "unknown");
    assert_string_equal(cl_level_upper(-1), "UNKNOWN");
}

static void test_reason_codes(void **state)
{
    static const char *const codes[CL_R_COUNT] = {
        "ok",         "too_large",     "invalid_utf8",   "control_char",      "not_json",
        "too_deep",   "not_object",    "duplicate_key",  "missing_field",     "bad_type",
        "bad_level",  "bad_timestamp", "bad_value",      "too_long",          "too_many_members",
        "nul_char",   "bad_number",    "truncated",      "no_memory",         "idle_timeout",
        "unknown_op", "syslog_empty",  "syslog_bad_pri", "syslog_bad_header", "syslog_bad_sd",
    };

    (void)state;
    for (int i = 0; i < CL_R_COUNT; i++)
        assert_string_equal(cl_reason_code((enum cl_reason)i), codes[i]);
    assert_string_equal(cl_reason_code(CL_R_COUNT), "unknown");
    assert_string_equal(cl_reason_code((enum cl_reason) - 1), "unknown");
}

static void test_record_reject(void **state)
{
    cl_record *r = cl_record_reject(CL_R_TRUNCATED, "connection closed mid-line", "{\"a\":", 5,
                                    RECEIVED, &PEER);

    (void)state;
    assert_non_null(r);
    assert_int_equal(r->kind, CL_REC_REJECT);
    assert_int_equal(r->u.r.reason, CL_R_TRUNCATED);
    assert_str(&r->u.r.message, "connection closed mid-line");
    assert_str(&r->u.r.raw, "{\"a\":");
    assert_int_equal(r->u.r.raw_len, 5);
    assert_int_equal(r->received_us, RECEIVED);
    assert_int_equal(r->peer.pid, PEER.pid);
    cl_record_free(r);
    /* Empty raw (a zero-length partial line) and NULL-safe free. */
    r = cl_record_reject(CL_R_TRUNCATED, "x", "", 0, 0, &PEER);
    assert_str(&r->u.r.raw, "");
    cl_record_free(r);
    cl_record_free(NULL);
}

/* ---- wirecheck.h ---- */

static void test_utf8_check(void **state)
{
    static const struct {
        const char *s;
        size_t n;
        size_t bad; /* expected return; n means valid */
    } cases[] = {
        { "plain ascii", 11, 11 },
        { "\xc2\x80", 2, 2 },                 /* U+0080, smallest 2-byte */
        { "\xdf\xbf", 2, 2 },                 /* U+07FF */
        { "\xe0\xa0\x80", 3, 3 },             /* U+0800, smallest 3-byte */
        { "\xed\x9f\xbf", 3, 3 },             /* U+D7FF, just below surrogates */
        { "\xee\x80\x80", 3, 3 },             /* U+E000, just above */
        { "\xef\xbf\xbf", 3, 3 },             /* U+FFFF */
        { "\xf0\x90\x80\x80", 4, 4 },         /* U+10000, smallest 4-byte */
        { "\xf4\x8f\xbf\xbf", 4, 4 },         /* U+10FFFF, largest */
        { "ab\xc0\x80", 4, 2 },               /* overlong NUL */
        { "ab\xc1\xbf", 4, 2 },               /* overlong U+007F */
        { "a\xe0\x9f\xbf", 4, 1 },            /* overlong U+07FF */
        { "a\xf0\x8f\xbf\xbf", 5, 1 },        /* overlong U+FFFF */
        { "\xed\xa0\x80", 3, 0 },             /* U+D800 */
        { "x\xed\xbf\xbf", 4, 1 },            /* U+DFFF */
        { "\xed\xa0\x80\xed\xb0\x80", 6, 0 }, /* CESU-8 pair */
        { "\xf4\x90\x80\x80", 4, 0 },         /* U+110000 */
        { "\xf5\x80\x80\x80", 4, 0 },
        { "\xf8\x88\x80\x80\x80", 5, 0 }, /* old 5-byte form */
        { "\xfe", 1, 0 },
        { "\xff", 1, 0 },
        { "\x80", 1, 0 }, /* lone continuation */
        { "\xc2", 1, 0 }, /* truncated at end */
        { "\xe2\x82", 2, 0 },
        { "ok\xf0\x9f\x98", 5, 2 },
        { "\xc2\x41", 2, 0 }, /* continuation missing */
        { "\xe2\x28\xa1", 3, 0 },
        { "\xf0\x9f\x98\x28", 4, 0 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t got = cl_utf8_check((const unsigned char *)cases[i].s, cases[i].n);

        if (got != cases[i].bad)
            fail_msg("case %zu: %zu, expected %zu", i, got, cases[i].bad);
    }
    /* A truncated sequence is judged against n, not against a later NUL. */
    assert_int_equal(cl_utf8_check((const unsigned char *)"\xe2\x82\xac", 2), 0);
    assert_int_equal(cl_utf8_check((const unsigned char *)"", 0), 0);
}

static void test_utf8_count(void **state)
{
    (void)state;
    assert_int_equal(cl_utf8_count("", 0), 0);
    assert_int_equal(cl_utf8_count("abc", 3), 3);
    assert_int_equal(cl_utf8_count("h\xc3\xa9llo", 6), 5);
    assert_int_equal(cl_utf8_count("\xe2\x82\xac\xf0\x9d\x84\x9e", 7), 2);
}

static void test_json_compact(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        { "{ \"a\" : [ 1 , 2 ] }", "{\"a\":[1,2]}" },
        { " \t\r\n{}\n", "{}" },
        /* Whitespace inside strings is content. */
        { "{ \"s\" : \"x  y\\\" z \" }", "{\"s\":\"x  y\\\" z \"}" },
        /* An escaped backslash ends before the closing quote. */
        { "[ \"a\\\\\" , \"b\" ]", "[\"a\\\\\",\"b\"]" },
        { "[ 1.5e+3 , -0 , true , null ]", "[1.5e+3,-0,true,null]" },
        { "\"\\u00e9 \"", "\"\\u00e9 \"" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].in);
        char out[128];
        size_t got;

        memset(out, '#', sizeof out);
        got = cl_json_compact(cases[i].in, n, out);
        assert_int_equal(got, strlen(cases[i].out));
        assert_true(got <= n);
        assert_memory_equal(out, cases[i].out, got);
        assert_int_equal(out[got], '#'); /* nothing written past the result */
    }
}

static void test_wirecheck_spans(void **state)
{
    const char *s = "{ \"a\" : 123 , \"bb\":{\"c\":[1, \"}\"]} ,\"d\":\"x,y\" , \"e\":true}";
    cl_scan scan;

    (void)state;
    assert_int_equal(cl_wirecheck(s, strlen(s), 9, &scan), CL_R_OK);
    assert_int_equal(scan.nmembers, 4);
    assert_int_equal(scan.has_nul_escape, 0);
    assert_memory_equal(s + scan.members[0].key_off, "\"a\"", scan.members[0].key_len);
    assert_int_equal(scan.members[0].key_len, 3);
    assert_int_equal(scan.members[0].val_len, 3);
    assert_memory_equal(s + scan.members[0].val_off, "123", 3);
    assert_int_equal(scan.members[1].key_len, 4);
    assert_memory_equal(s + scan.members[1].key_off, "\"bb\"", 4);
    assert_int_equal(scan.members[1].val_len, strlen("{\"c\":[1, \"}\"]}"));
    assert_memory_equal(s + scan.members[1].val_off, "{\"c\":[1, \"}\"]}", scan.members[1].val_len);
    assert_int_equal(scan.members[2].val_len, 5);
    assert_memory_equal(s + scan.members[2].val_off, "\"x,y\"", 5);
    assert_int_equal(scan.members[3].val_len, 4);
    assert_memory_equal(s + scan.members[3].val_off, "true", 4);

    s = "{\"k\":\"\\u0000\"}";
    assert_int_equal(cl_wirecheck(s, strlen(s), 9, &scan), CL_R_OK);
    assert_int_equal(scan.has_nul_escape, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reject_invalid_utf8),
        cmocka_unit_test(test_reject_control_char),
        cmocka_unit_test(test_reject_not_json),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_depth_message),
        cmocka_unit_test(test_reject_not_object),
        cmocka_unit_test(test_reject_keyed),
        cmocka_unit_test(test_reject_nul_char_code),
        cmocka_unit_test(test_reject_nul_char_names_key),
        cmocka_unit_test(test_string_length_limits),
        cmocka_unit_test(test_field_name_length),
        cmocka_unit_test(test_member_limits),
        cmocka_unit_test(test_custom_limits),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_reject_raw_cap),
        cmocka_unit_test(test_valid_entry_all_keys),
        cmocka_unit_test(test_valid_entry_minimal),
        cmocka_unit_test(test_valid_msg_content),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_claimed_ts_window),
        cmocka_unit_test(test_pid_tid_range),
        cmocka_unit_test(test_fields_byte_for_byte),
        cmocka_unit_test(test_unknown_keys_to_extra),
        cmocka_unit_test(test_op_lines),
        cmocka_unit_test(test_op_key_in_entry),
        cmocka_unit_test(test_op_id_verbatim),
        cmocka_unit_test(test_op_outlives_later_lines),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_level_parse),
        cmocka_unit_test(test_reason_codes),
        cmocka_unit_test(test_record_reject),
        cmocka_unit_test(test_utf8_check),
        cmocka_unit_test(test_utf8_count),
        cmocka_unit_test(test_json_compact),
        cmocka_unit_test(test_wirecheck_spans),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
