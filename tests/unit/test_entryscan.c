/* test_entryscan.c - the validator's fast path (collector/ingest/
 * entryscan.h) against its full judgement: every line gets the same verdict
 * and the same record, byte for byte, whichever path judged it.
 *
 * The lines: hand-made edge cases (escapes, numbers, nesting, duplicates,
 * limits), the hostile corpus (tests/hostile), and some hundred thousand
 * seeded mutations of them - a fuzzer that needs no clang.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entryscan.h"
#include "record.h"
#include "validate.h"

#define RECEIVED 1795774503000000LL

static const cl_peer PEER = { 31337, 1000, 100, NULL };
static cl_validator FAST, FULL;
static unsigned long n_fast; /* lines the fast path took */

static int setup(void **state)
{
    (void)state;
    memset(&FAST, 0, sizeof FAST);
    cl_limits_default(&FAST.limits);
    FAST.default_host.p = "collector-host";
    FAST.default_host.n = strlen(FAST.default_host.p);
    FULL = FAST;
    FULL.full_only = 1;
    return 0;
}

static void same_str(const cl_str *a, const cl_str *b)
{
    assert_true((a->p == NULL) == (b->p == NULL));
    assert_int_equal(a->n, b->n);
    if (a->p != NULL)
        assert_memory_equal(a->p, b->p, a->n + 1); /* and the NUL */
}

static void same_result(const cl_line_result *a, const cl_line_result *b)
{
    assert_int_equal(a->kind, b->kind);
    if (a->kind == CL_LINE_OP) {
        assert_true((a->op_id == NULL) == (b->op_id == NULL));
        if (a->op_id != NULL)
            assert_string_equal(a->op_id, b->op_id);
        return;
    }
    if (a->kind != CL_LINE_ENTRY && a->kind != CL_LINE_REJECT)
        return;
    assert_int_equal(a->rec->kind, b->rec->kind);
    assert_int_equal(a->rec->size, b->rec->size);
    assert_int_equal(a->rec->received_us, b->rec->received_us);
    assert_memory_equal(&a->rec->peer, &b->rec->peer, sizeof a->rec->peer);
    if (a->kind == CL_LINE_REJECT) {
        assert_int_equal(a->rec->u.r.reason, b->rec->u.r.reason);
        assert_int_equal(a->rec->u.r.raw_len, b->rec->u.r.raw_len);
        same_str(&a->rec->u.r.message, &b->rec->u.r.message);
        same_str(&a->rec->u.r.raw, &b->rec->u.r.raw);
        return;
    }
    assert_int_equal(a->rec->u.e.ts_us, b->rec->u.e.ts_us);
    assert_int_equal(a->rec->u.e.level, b->rec->u.e.level);
    assert_int_equal(a->rec->u.e.has_pid, b->rec->u.e.has_pid);
    assert_int_equal(a->rec->u.e.pid, b->rec->u.e.pid);
    assert_int_equal(a->rec->u.e.has_tid, b->rec->u.e.has_tid);
    assert_int_equal(a->rec->u.e.tid, b->rec->u.e.tid);
    same_str(&a->rec->u.e.msg, &b->rec->u.e.msg);
    same_str(&a->rec->u.e.app, &b->rec->u.e.app);
    same_str(&a->rec->u.e.host, &b->rec->u.e.host);
    same_str(&a->rec->u.e.logger, &b->rec->u.e.logger);
    same_str(&a->rec->u.e.trace_id, &b->rec->u.e.trace_id);
    same_str(&a->rec->u.e.span_id, &b->rec->u.e.span_id);
    same_str(&a->rec->u.e.fields, &b->rec->u.e.fields);
    same_str(&a->rec->u.e.extra, &b->rec->u.e.extra);
}

static void free_result(cl_line_result *r)
{
    cl_record_free(r->rec);
    cJSON_Delete(r->op);
    free(r->op_id);
}

/* Judges data[0..n) both ways and compares; returns whether the scan took
 * it for plain and it is an entry (the fast path's case). */
static int compare(const char *data, size_t n)
{
    char *a = malloc(n + 1), *b = malloc(n + 1);
    cl_line_result ra, rb;
    cl_entryscan sc;
    int fast;

    assert_non_null(a);
    assert_non_null(b);
    memcpy(a, data, n);
    memcpy(b, data, n);
    a[n] = b[n] = '\n';
    fast = cl_entry_scan(a, n, &FAST.limits, &sc);
    cl_validate_line(&FAST, a, n, RECEIVED, &PEER, &ra);
    cl_validate_line(&FULL, b, n, RECEIVED, &PEER, &rb);
    if (ra.kind != rb.kind)
        fprintf(stderr, "differs: %.*s\n", (int)(n > 300 ? 300 : n), data);
    same_result(&ra, &rb);
    fast = fast && ra.kind == CL_LINE_ENTRY;
    /* The line is left as it was found, its terminator byte included. */
    assert_memory_equal(a, data, n);
    assert_int_equal(a[n], '\n');
    free_result(&ra);
    free_result(&rb);
    free(a);
    free(b);
    n_fast += (unsigned long)fast;
    return fast;
}

static int compare_str(const char *s)
{
    return compare(s, strlen(s));
}

#define REQ "\"app\":\"web\",\"level\":\"info\",\"msg\":\"m\""

static const char *const cases[] = {
    "{" REQ "}",
    "{\"ts\":1795773600.123,\"level\":\"info\",\"app\":\"app00\",\"host\":\"loadhost\","
    "\"pid\":4242,\"seq\":\"000000001\",\"msg\":\"request handled user=u00042 path=/api/v1 "
    "status=200 \",\"fields\":{\"req\":\"9f1c2a7e\",\"dur_ms\":12}}",
    "{\"ts\":\"2026-11-27T15:45:02.123456+05:30\",\"level\":\"warning\",\"app\":\"billing\","
    "\"host\":\"web-01\",\"pid\":4242,\"tid\":7,\"logger\":\"pay.Api\","
    "\"trace_id\":\"4bf92f3577b34da6\",\"span_id\":\"00f067aa0ba902b7\","
    "\"msg\":\"payment declined\","
    "\"fields\":{ \"id\" : 12345678901234567890 , \"s\":\"a b\" },"
    "\"zone\" : \"eu\", \"tags\":[ 1, 2 ]}",
    /* escapes in every known string */
    "{\"app\":\"w\\u00e9b\",\"level\":\"info\",\"msg\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t"
    "\\u0001\\u007f\\u0085\\u2028\\ud83d\\ude00\\uFFFF\"}",
    "{\"app\":\"web\\n\",\"level\":\"info\",\"msg\":\"m\"}",
    "{\"app\":\"web\",\"level\":\"info\",\"msg\":\"m\",\"host\":\"h\\u0085\"}",
    "{\"app\":\"web\",\"level\":\"info\",\"msg\":\"m\",\"logger\":\"\\u00e9\"}",
    "{\"app\":\"web\",\"level\":\"inf\\u006f\",\"msg\":\"m\"}",
    "{\"app\":\"web\",\"level\":\"info\",\"msg\":\"m\",\"ts\":\"2026-11-27T10:15:02\\u005a\"}",
    "{\"app\":\"web\",\"level\":\"info\",\"msg\":\"\\u0000\"}",
    "{\"app\":\"web\",\"level\":\"info\",\"msg\":\"\\ud800\"}",
    "{\"app\":\"web\",\"level\":\"info\",\"msg\":\"\\udc00\"}",
    "{\"app\":\"web\",\"level\":\"info\",\"msg\":\"\\x\"}",
    "{\"a\\u0070p\":\"web\",\"level\":\"info\",\"msg\":\"m\"}",
    /* levels */
    "{\"app\":\"web\",\"level\":3,\"msg\":\"m\"}",
    "{\"app\":\"web\",\"level\":3.0,\"msg\":\"m\"}",
    "{\"app\":\"web\",\"level\":3.5,\"msg\":\"m\"}",
    "{\"app\":\"web\",\"level\":-0,\"msg\":\"m\"}",
    "{\"app\":\"web\",\"level\":8,\"msg\":\"m\"}",
    "{\"app\":\"web\",\"level\":\"INFO\",\"msg\":\"m\"}",
    "{\"app\":\"web\",\"level\":\"warn\",\"msg\":\"m\"}",
    "{\"app\":\"web\",\"level\":true,\"msg\":\"m\"}",
    /* numbers */
    "{" REQ ",\"pid\":4294967295,\"tid\":0}",
    "{" REQ ",\"pid\":4294967296}",
    "{" REQ ",\"pid\":-1}",
    "{" REQ ",\"pid\":-0}",
    "{" REQ ",\"pid\":1.5}",
    "{" REQ ",\"pid\":1e3}",
    "{" REQ ",\"pid\":\"1\"}",
    "{" REQ ",\"x\":1e400}",
    "{" REQ ",\"x\":-1e400}",
    "{" REQ ",\"x\":1E2}",
    "{" REQ ",\"x\":01}",
    "{" REQ ",\"x\":1.}",
    "{" REQ ",\"x\":.5}",
    "{" REQ ",\"x\":-}",
    "{" REQ ",\"x\":123456789012345678901234567890123456789012345678901234567890123}",
    "{" REQ ",\"x\":1234567890123456789012345678901234567890123456789012345678901234}",
    "{" REQ ",\"x\":0.1234567890123456789}",
    "{" REQ ",\"ts\":1795774502.123456}",
    "{" REQ ",\"ts\":1795774502.1234567}",
    "{" REQ ",\"ts\":1795774502}",
    "{" REQ ",\"ts\":1795774502.5}",
    "{" REQ ",\"ts\":0.000001}",
    "{" REQ ",\"ts\":-62135596800}",
    "{" REQ ",\"ts\":-62135596801}",
    "{" REQ ",\"ts\":253402300799.9}",
    "{" REQ ",\"ts\":253402300800}",
    "{" REQ ",\"ts\":\"2026-11-27T10:15:02.123456Z\"}",
    "{" REQ ",\"ts\":\"2026-11-27T10:15:02Z\",\"ts2\":1}",
    "{" REQ ",\"ts\":\"2026-02-30T10:15:02Z\"}",
    "{" REQ ",\"ts\":\"1999-11-27T10:15:02Z\"}",
    "{" REQ ",\"ts\":null}",
    /* structure */
    " \t{ \"app\" : \"web\" ,\r\"level\":\"info\" , \"msg\" : \"m\" } \t",
    "{" REQ ",\"fields\":{}}",
    "{" REQ ",\"fields\":[]}",
    "{" REQ ",\"fields\":null}",
    "{" REQ ",\"fields\":{\"a\":{\"b\":[1,{\"c\":[true,false,null]}]}}}",
    "{" REQ ",\"fields\":{\"a\":1,\"a\":2}}",
    "{" REQ ",\"fields\":{\"a\":{\"x\":1},\"b\":{\"x\":1}}}",
    "{" REQ ",\"fields\":{\"a\\u0062\":1,\"ab\":2}}",
    "{" REQ ",\"app\":\"x\"}",
    "{" REQ ",\"op\":\"sync\"}",
    "{\"op\":\"sync\",\"id\":1}",
    "{\"op\":\"ping\"}",
    "{" REQ ",\"x\":[1,2,]}",
    "{" REQ ",\"x\":{\"a\":1,}}",
    "{" REQ ",}",
    "{" REQ "} x",
    "{" REQ "}}",
    "{" REQ,
    "[" REQ "]",
    "\"x\"",
    "{" REQ ",\"x\":tru}",
    "{" REQ ",\"x\":nul}",
    "{" REQ ",\"x\":\"\xc3\xa9\xe2\x80\xa8\"}",
    "{" REQ ",\"x\":\"\xc3\"}",
    "{" REQ ",\"x\":\"\x01\"}",
    "{" REQ ",\"x\":\"\x7f\xc2\x85\"}",
    "{\"app\":\"w\xc2\x85\",\"level\":\"info\",\"msg\":\"m\"}",
    "{\"app\":\"w\x7f\",\"level\":\"info\",\"msg\":\"m\"}",
    "\xef\xbb\xbf{" REQ "}",
    "{" REQ ",\"\":1}",
    "{\"app\":\"\",\"level\":\"info\",\"msg\":\"\"}",
    "{\"level\":\"info\",\"msg\":\"m\"}",
    "{\"app\":\"web\",\"msg\":\"m\"}",
    "{\"app\":\"web\",\"level\":\"info\"}",
    "{\"app\":1,\"level\":\"info\",\"msg\":\"m\"}",
    "{\"app\":\"web\",\"level\":\"info\",\"msg\":[]}",
    "{}",
    "",
    "   ",
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        compare_str(cases[i]);
}

/* The fast path takes what it is for: plain entries, with or without the
 * usual escapes. */
static void test_fast_path_taken(void **state)
{
    (void)state;
    assert_true(compare_str(cases[0]));
    assert_true(compare_str(cases[1]));
    assert_true(compare_str(cases[2]));
    assert_true(compare_str(cases[3]));
    assert_false(compare_str("{\"op\":\"sync\"}"));
    assert_false(compare_str("{" REQ ",\"x\":1e3}"));
}

static char *repeat(const char *unit, size_t n, const char *head, const char *tail)
{
    size_t u = strlen(unit), h = strlen(head), t = strlen(tail);
    char *s = malloc(h + u * n + t + 1);

    assert_non_null(s);
    memcpy(s, head, h);
    for (size_t i = 0; i < n; i++)
        memcpy(s + h + i * u, unit, u);
    memcpy(s + h + u * n, tail, t + 1);
    return s;
}

/* Limits at and one past their edges: depth, members, name length. */
static void test_limits(void **state)
{
    char *s;

    (void)state;
    for (size_t d = 6; d <= 10; d++) {
        char *open = repeat("[", d, "{" REQ ",\"x\":", ""), *line;

        line = repeat("]", d, open, "}");
        compare_str(line);
        free(line);
        free(open);
    }
    for (size_t n = 62; n <= 66; n++) {
        s = repeat("1,", n, "{" REQ ",\"x\":[", "1]}");
        compare_str(s);
        free(s);
    }
    for (size_t n = 27; n <= 34; n++) {
        char buf[4096];
        size_t o = (size_t)snprintf(buf, sizeof buf, "{" REQ);

        for (size_t i = 0; i < n; i++)
            o += (size_t)snprintf(buf + o, sizeof buf - o, ",\"k%zu\":%zu", i, i);
        snprintf(buf + o, sizeof buf - o, "}");
        compare_str(buf);
    }
    for (size_t n = 127; n <= 129; n++) {
        char *key = repeat("\xc3\xa9", n, "{" REQ ",\"fields\":{\"", "\":1}}");

        compare_str(key);
        free(key);
        key = repeat("\xc3\xa9", n, "{" REQ ",\"", "\":1}");
        compare_str(key);
        free(key);
    }
    s = repeat("{\"a\":", 600, "{" REQ ",\"x\":", "");
    compare_str(s);
    free(s);
}

static size_t read_file(const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16, n = 0, k;
    char *buf = malloc(cap);

    assert_non_null(buf);
    if (f == NULL) {
        *out = buf;
        return 0;
    }
    while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(f);
    *out = buf;
    return n;
}

static void test_hostile_corpus(void **state)
{
    DIR *d = opendir(CL_HOSTILE_DIR);
    struct dirent *e;
    int files = 0;

    (void)state;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        char path[1024], *data;
        size_t n;

        if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", CL_HOSTILE_DIR, e->d_name);
        n = read_file(path, &data);
        /* The framer never passes a newline; the lines are split there. */
        for (size_t i = 0, start = 0; i <= n; i++) {
            if (i == n || data[i] == '\n') {
                compare(data + start, i - start);
                start = i + 1;
            }
        }
        free(data);
        files++;
    }
    closedir(d);
    assert_true(files > 50);
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Seeded mutations of the cases: bytes replaced, inserted, deleted,
 * chosen among the ones that matter to a JSON parser. */
static void test_mutations(void **state)
{
    static const char alphabet[] = "{}[]\":,\\ \t\r/ubfnrtx0123456789abcdefABCDEF.-+eEtruefalsnl"
                                   "\x01\x1f\x7f\xc2\x85\xc3\xa9\xe2\x80\xa8\xed\xa0\x80\xff";
    unsigned long before = n_fast;
    char buf[1024];

    (void)state;
    for (int iter = 0; iter < 200000; iter++) {
        const char *seed = cases[next_rand() % (sizeof cases / sizeof cases[0])];
        size_t n = strlen(seed);
        int edits = 1 + (int)(next_rand() % 3);

        if (n >= sizeof buf - 8)
            continue;
        memcpy(buf, seed, n);
        for (int k = 0; k < edits; k++) {
            size_t at = n > 0 ? next_rand() % n : 0;
            char c = alphabet[next_rand() % (sizeof alphabet - 1)];

            switch (next_rand() % 3) {
            case 0:
                if (n > 0)
                    buf[at] = c;
                break;
            case 1:
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = c;
                n++;
                break;
            default:
                if (n > 0) {
                    memmove(buf + at, buf + at + 1, n - at - 1);
                    n--;
                }
                break;
            }
        }
        compare(buf, n);
    }
    /* Mutations that keep an entry plain took the fast path. */
    assert_true(n_fast - before > 3000);
}

static void test_unescape(void **state)
{
    const char in[] = "a\\\"\\\\\\/\\b\\f\\n\\r\\tz\\u00e9\\u20ac\\ud83d\\ude00";
    char out[64];
    size_t n;

    (void)state;
    n = cl_json_unescape(in, sizeof in - 1, out);
    assert_int_equal(n, 10 + 2 + 3 + 4);
    assert_memory_equal(out, "a\"\\/\b\f\n\r\tz\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),     cmocka_unit_test(test_fast_path_taken),
        cmocka_unit_test(test_limits),    cmocka_unit_test(test_hostile_corpus),
        cmocka_unit_test(test_mutations), cmocka_unit_test(test_unescape),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
