/* test_textfmt.c - how an entry looks in the text file (collector/textfmt.h).
 *
 * Records are built the way the collector builds them, through
 * cl_validate_line, so the tests see exactly what the text sink sees. The
 * property that matters most: one entry is always one line, with nothing in
 * it that a terminal or a line-oriented tool would act on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sidcache.h"
#include "textfmt.h"
#include "utf8.h"
#include "validate.h"

/* Receipt time 2026-11-27T10:15:03Z. */
#define RECEIVED 1795774503000000LL

static const cl_peer PEER = { 999, 1000, 1000, NULL };
static const cl_peer NO_PEER = { -1, -1, -1, NULL };

/* Validates line as received from peer; the caller frees the record. */
static cl_record *entry_from(const char *line, const cl_peer *peer, const char *default_host)
{
    cl_validator v;
    cl_line_result res;
    size_t n = strlen(line);
    char *buf = malloc(n + 1);

    assert_non_null(buf);
    memcpy(buf, line, n + 1);
    cl_limits_default(&v.limits);
    /* The lines below claim ts 0 to keep the expected text short; the
     * plausibility window (test_validate) is not what is tested here. */
    v.limits.max_ts_ahead_us = CL_TS_ANY;
    v.limits.max_ts_age_us = CL_TS_ANY;
    v.default_host.p = default_host;
    v.default_host.n = default_host ? strlen(default_host) : 0;
    cl_validate_line(&v, buf, n, RECEIVED, peer, &res);
    free(buf);
    if (res.kind != CL_LINE_ENTRY)
        fail_msg("not an entry: %s (%s)", line, res.rec ? res.rec->u.r.message.p : "no record");
    return res.rec;
}

static cl_record *entry(const char *line)
{
    return entry_from(line, &PEER, "collector-host");
}

/* Formats r into a buffer of exactly cl_text_bound(r) bytes (so that
 * AddressSanitizer catches any write past the bound) and returns it as a
 * NUL-terminated heap string. */
static char *format(const cl_record *r, enum cl_text_format fmt, size_t *len)
{
    size_t bound = cl_text_bound(r);
    char *out = malloc(bound);
    char *s;
    size_t n;

    assert_non_null(out);
    n = cl_text_format_entry(r, fmt, out);
    assert_true(n <= bound);
    s = malloc(n + 1);
    assert_non_null(s);
    memcpy(s, out, n);
    s[n] = '\0';
    free(out);
    if (len != NULL)
        *len = n;
    return s;
}

static void assert_formats(const char *line, const cl_peer *peer, enum cl_text_format fmt,
                           const char *expect)
{
    cl_record *r = entry_from(line, peer, "collector-host");
    size_t n;
    char *got = format(r, fmt, &n);

    assert_string_equal(got, expect);
    assert_int_equal(n, strlen(expect));
    free(got);
    cl_record_free(r);
}

/* The one-line property: a single '\n' at the very end, and no byte that a
 * terminal or tool would act on: C0 controls, DEL, C1 controls (U+0080..9F,
 * UTF-8 C2 80..C2 9F) or the Unicode line/paragraph separators. */
static void assert_one_clean_line(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;

    assert_true(n > 0);
    assert_int_equal(u[n - 1], '\n');
    for (size_t i = 0; i + 1 < n; i++) {
        if (u[i] < 0x20 || u[i] == 0x7f)
            fail_msg("raw byte 0x%02x at %zu in: %s", u[i], i, s);
        if (u[i] == 0xc2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
            fail_msg("raw C1 control at %zu in: %s", i, s);
        if (i + 2 < n && u[i] == 0xe2 && u[i + 1] == 0x80 && (u[i + 2] == 0xa8 || u[i + 2] == 0xa9))
            fail_msg("raw U+2028/9 at %zu in: %s", i, s);
    }
}

static void assert_escape(const char *in, size_t n, const char *expect)
{
    char out[256];
    size_t got;

    assert_true(n * 6 < sizeof out);
    memset(out, '#', sizeof out);
    got = cl_text_escape(in, n, out);
    assert_int_equal(got, strlen(expect));
    assert_memory_equal(out, expect, got);
    assert_int_equal(out[got], '#');
}

static void test_escape(void **state)
{
    static const struct {
        const char *in;
        size_t n;
        const char *out;
    } cases[] = {
        { "plain text", 10, "plain text" },
        { "a\nb", 3, "a\\nb" },
        { "a\rb", 3, "a\\rb" },
        { "a\tb", 3, "a\\tb" },
        { "a\\b", 3, "a\\\\b" },
        { "\x1b[31mred", 8, "\\x1b[31mred" },
        { "\x7f", 1, "\\x7f" },
        { "\0", 1, "\\x00" },
        { "\x01\x1f", 2, "\\x01\\x1f" },
        { "\x0b\x0c", 2, "\\x0b\\x0c" },
        { "\xc2\x85", 2, "\\u0085" }, /* NEL */
        { "\xc2\x80", 2, "\\u0080" },
        { "\xc2\x9b", 2, "\\u009b" }, /* CSI */
        { "\xc2\x9f", 2, "\\u009f" },
        { "a\xe2\x80\xa8z", 5, "a\\u2028z" },
        { "\xe2\x80\xa9", 3, "\\u2029" },
        /* Neighbours of the dangerous ranges stay as they are. */
        { "\xc2\xa0", 2, "\xc2\xa0" }, /* NBSP */
        { "\xe2\x80\xa7\xe2\x80\xb0", 6, "\xe2\x80\xa7\xe2\x80\xb0" },
        { "\xe2\x81\xb0\xef\xbb\xbe", 6, "\xe2\x81\xb0\xef\xbb\xbe" },
        /* Bidi controls, zero-width characters and the BOM (unsafe.h). */
        { "\xe2\x80\xaa\xe2\x80\xae", 6, "\\u202a\\u202e" },
        { "a\xe2\x81\xa6"
          "b\xe2\x81\xa9",
          8, "a\\u2066b\\u2069" },
        { "\xe2\x80\x8b\xe2\x80\x8f", 6, "\\u200b\\u200f" },
        { "\xe2\x81\xa0\xe2\x81\xa4", 6, "\\u2060\\u2064" },
        { "\xef\xbb\xbfx", 4, "\\ufeffx" },
        { "\xd8\x9c", 2, "\\u061c" },
        /* Every default-ignorable code point (unsafe.h; issue 13 red team). */
        { "\xc2\xad\xcd\x8f", 4, "\\u00ad\\u034f" },
        { "\xe1\x85\x9f\xe1\x85\xa0\xe3\x85\xa4\xef\xbe\xa0", 12, "\\u115f\\u1160\\u3164\\uffa0" },
        { "\xe1\x9e\xb4\xe1\xa0\x8e\xef\xb8\x8f", 9, "\\u17b4\\u180e\\ufe0f" },
        { "\xe2\x81\xaa\xe2\x81\xaf\xe2\x81\xa5", 9, "\\u206a\\u206f\\u2065" },
        { "a\xef\xbf\xb9hidden\xef\xbf\xbb", 13, "a\\ufff9hidden\\ufffb" },
        { "\xf0\x9b\xb2\xa0", 4, "\\U0001bca0" },
        /* Tag characters: "ok" with a hidden " ;" (ASCII smuggling). */
        { "ok\xf3\xa0\x80\xa0\xf3\xa0\x80\xbb", 10, "ok\\U000e0020\\U000e003b" },
        /* Noncharacters are escaped; private use is drawn and kept. */
        { "\xef\xb7\x90\xef\xbf\xbf\xf0\x9f\xbf\xbe", 10, "\\ufdd0\\uffff\\U0001fffe" },
        { "\xee\x80\x80\xf4\x8f\xbf\xbd", 7, "\xee\x80\x80\xf4\x8f\xbf\xbd" },
        /* Brackets and colons are only escaped in names. */
        { "sshd[1] CRITICAL: x", 19, "sshd[1] CRITICAL: x" },
        { "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 12,
          "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
        { "\"quoted\"", 8, "\"quoted\"" },
        { "", 0, "" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_escape(cases[i].in, cases[i].n, cases[i].out);
}

/* Every code point of the first plane (surrogates excepted) and a sample of
 * the others, one at a time and all run together: the escaped output never
 * holds a control, whatever came in. */
static void test_escape_never_raw_control(void **state)
{
    char *all = malloc(0x110000 * 4), *out = malloc(0x110000 * 4 * 6 + 1);
    size_t n = 0, got;

    (void)state;
    assert_non_null(all);
    assert_non_null(out);
    for (unsigned cp = 0; cp < 0x110000; cp = cp < 0x10000 ? cp + 1 : cp + 97) {
        char one[4], esc[32];
        size_t k;

        if (cp >= 0xd800 && cp <= 0xdfff)
            continue;
        k = cl_utf8_encode(cp, one);
        got = cl_text_escape(one, k, esc);
        esc[got] = '\n';
        assert_one_clean_line(esc, got + 1);
        memcpy(all + n, one, k);
        n += k;
    }
    got = cl_text_escape(all, n, out);
    out[got] = '\n';
    assert_one_clean_line(out, got + 1);
    free(all);
    free(out);
}

static void test_json_string(void **state)
{
    static const struct {
        const char *in;
        size_t n;
        const char *out;
    } cases[] = {
        { "plain", 5, "\"plain\"" },
        { "say \"hi\"", 8, "\"say \\\"hi\\\"\"" },
        { "a\\b", 3, "\"a\\\\b\"" },
        { "\n\r\t", 3, "\"\\n\\r\\t\"" },
        { "\x01\x1b\x7f", 3, "\"\\u0001\\u001b\\u007f\"" },
        { "\xc2\x85\xe2\x80\xa8\xe2\x80\xa9", 8, "\"\\u0085\\u2028\\u2029\"" },
        { "h\xc3\xa9", 3, "\"h\xc3\xa9\"" },
        { "", 0, "\"\"" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[128];
        size_t got = cl_text_json_string(cases[i].in, cases[i].n, out);
        cJSON *back;

        assert_int_equal(got, strlen(cases[i].out));
        assert_memory_equal(out, cases[i].out, got);
        /* It is a JSON string that decodes to the input. */
        out[got] = '\0';
        back = cJSON_Parse(out);
        assert_true(cJSON_IsString(back));
        assert_int_equal(strlen(back->valuestring), cases[i].n);
        assert_memory_equal(back->valuestring, cases[i].in, cases[i].n);
        cJSON_Delete(back);
    }
}

static void test_json_safe(void **state)
{
    const char *in = "{\"s\":\"a\xc2\x85"
                     "b\xe2\x80\xa8\x7f\",\"n\":[1,true]}";
    const char *expect = "{\"s\":\"a\\u0085b\\u2028\\u007f\",\"n\":[1,true]}";
    const char *plain = "{\"k\":\"v \\n \\u00e9\"}";
    char out[128];
    size_t got;

    (void)state;
    got = cl_text_json_safe(in, strlen(in), out);
    assert_int_equal(got, strlen(expect));
    assert_memory_equal(out, expect, got);
    /* Already-safe JSON passes through unchanged. */
    got = cl_text_json_safe(plain, strlen(plain), out);
    assert_int_equal(got, strlen(plain));
    assert_memory_equal(out, plain, got);
}

static void test_plain_known_record(void **state)
{
    (void)state;
    assert_formats(
        "{\"ts\":\"2026-11-27T10:15:02.123456Z\",\"level\":\"error\",\"app\":\"billing\","
        "\"host\":\"web-01\",\"pid\":4242,\"msg\":\"payment declined\","
        "\"fields\":{\"order\":81723}}",
        &PEER, CL_TEXT_PLAIN,
        "2026-11-27T10:15:02.123456Z web-01 billing[4242,peer=999] ERROR: payment declined "
        "{\"order\":81723}\n");
}

static void test_plain_pid_source(void **state)
{
    const char *line = "{\"ts\":0,\"level\":\"info\",\"app\":\"web\",\"host\":\"h\",\"msg\":\"m\"}";
    const cl_peer pid_zero = { 0, 0, 0, NULL };

    (void)state;
    /* No claimed pid: the one the kernel vouches for. */
    assert_formats(line, &PEER, CL_TEXT_PLAIN, "1970-01-01T00:00:00.000000Z h web[999] INFO: m\n");
    /* Neither: no brackets at all. */
    assert_formats(line, &NO_PEER, CL_TEXT_PLAIN, "1970-01-01T00:00:00.000000Z h web INFO: m\n");
    assert_formats(line, &pid_zero, CL_TEXT_PLAIN, "1970-01-01T00:00:00.000000Z h web INFO: m\n");
    /* A claimed pid that differs from the kernel's is shown with it. */
    assert_formats(
        "{\"ts\":0,\"level\":\"info\",\"app\":\"web\",\"host\":\"h\",\"msg\":\"m\",\"pid\":0}",
        &PEER, CL_TEXT_PLAIN, "1970-01-01T00:00:00.000000Z h web[0,peer=999] INFO: m\n");
    /* The same claim: shown once. Without a kernel PID: the claim alone. */
    assert_formats(
        "{\"ts\":0,\"level\":\"info\",\"app\":\"web\",\"host\":\"h\",\"msg\":\"m\",\"pid\":999}",
        &PEER, CL_TEXT_PLAIN, "1970-01-01T00:00:00.000000Z h web[999] INFO: m\n");
    assert_formats(
        "{\"ts\":0,\"level\":\"info\",\"app\":\"web\",\"host\":\"h\",\"msg\":\"m\",\"pid\":7}",
        &NO_PEER, CL_TEXT_PLAIN, "1970-01-01T00:00:00.000000Z h web[7] INFO: m\n");
}

/* A name cannot pose as the structure of another producer's line. */
static void test_plain_forged_names(void **state)
{
    (void)state;
    assert_formats(
        "{\"ts\":0,\"level\":\"info\",\"app\":\"sshd[1] CRITICAL: root login\","
        "\"host\":\"h\",\"msg\":\"m\"}",
        &NO_PEER, CL_TEXT_PLAIN,
        "1970-01-01T00:00:00.000000Z h sshd\\x5b1\\x5d\\x20CRITICAL\\x3a\\x20root\\x20login "
        "INFO: m\n");
    assert_formats("{\"ts\":0,\"level\":\"info\",\"app\":\"a\",\"host\":\"web-01 b[2]:\","
                   "\"msg\":\"m\"}",
                   &NO_PEER, CL_TEXT_PLAIN,
                   "1970-01-01T00:00:00.000000Z web-01\\x20b\\x5b2\\x5d\\x3a a INFO: m\n");
    /* Invisible characters in a name are escaped like anywhere else. */
    assert_formats("{\"ts\":0,\"level\":\"info\",\"app\":\"ss\\u200bhd\",\"host\":\"h\","
                   "\"msg\":\"m\"}",
                   &NO_PEER, CL_TEXT_PLAIN, "1970-01-01T00:00:00.000000Z h ss\\u200bhd INFO: m\n");
    /* Look-alikes of the structure (issue 13 red team): fullwidth brackets,
     * no-break spaces, U+2236 RATIO and Hangul fillers that push the real
     * "[pid] INFO:" out of sight; every non-ASCII code point of a name is
     * escaped, so the name is plainly one word. */
    assert_formats(
        "{\"ts\":0,\"level\":\"info\",\"app\":\"sshd\xef\xbc\xbb"
        "812\xef\xbc\xbd\xc2\xa0"
        "CRITICAL\xe2\x88\xb6\xc2\xa0root\xe3\x85\xa4\xe3\x85\xa4\",\"host\":\"h\","
        "\"pid\":7,\"msg\":\"x\"}",
        &NO_PEER, CL_TEXT_PLAIN,
        "1970-01-01T00:00:00.000000Z h sshd\\uff3b812\\uff3d\\u00a0CRITICAL\\u2236\\u00a0"
        "root\\u3164\\u3164[7] INFO: x\n");
    assert_formats("{\"ts\":0,\"level\":\"critical\",\"app\":\"web\","
                   "\"host\":\"vm\xc2\xa0sshd\xe2\x80\x89\",\"msg\":\"root login\"}",
                   &NO_PEER, CL_TEXT_PLAIN,
                   "1970-01-01T00:00:00.000000Z vm\\u00a0sshd\\u2009 web CRITICAL: root login\n");
    /* Only [A-Za-z0-9._/@+=,-] is raw in a name; non-ASCII letters too are
     * escaped there (a Cyrillic "a" is not an "a"), while a message keeps them. */
    assert_formats(
        "{\"ts\":0,\"level\":\"info\",\"app\":\"c\xd0\xb0t;|#x\","
        "\"host\":\"db-1.eu/x@y+z=w,v_u\",\"msg\":\"c\xd0\xb0t\"}",
        &NO_PEER, CL_TEXT_PLAIN,
        "1970-01-01T00:00:00.000000Z db-1.eu/x@y+z=w,v_u c\\u0430t\\x3b\\x7c\\x23x INFO: "
        "c\xd0\xb0t\n");
}

/* The collector's own entries (rate-limit reports) carry a mark that no
 * producer's line can: a bracketed app, in NDJSON "collector":true. */
static void test_own_entry_marked(void **state)
{
    const char *line = "{\"ts\":0,\"level\":\"warning\",\"app\":\"centrallogd\","
                       "\"host\":\"h\",\"msg\":\"rate limit\",\"pid\":999}";
    cl_record *r = entry(line);
    char *s;

    (void)state;
    r->own = 1;
    s = format(r, CL_TEXT_PLAIN, NULL);
    assert_string_equal(s, "1970-01-01T00:00:00.000000Z h [centrallogd] WARNING: rate limit\n");
    free(s);
    s = format(r, CL_TEXT_JSON, NULL);
    assert_non_null(strstr(s, "{\"ts\":\"1970-01-01T00:00:00.000000Z\",\"collector\":true,"));
    free(s);
    /* A producer copying it byte for byte is plainly not the collector. */
    r->own = 0;
    s = format(r, CL_TEXT_PLAIN, NULL);
    assert_string_equal(s, "1970-01-01T00:00:00.000000Z h centrallogd[999] WARNING: rate limit\n");
    free(s);
    s = format(r, CL_TEXT_JSON, NULL);
    assert_null(strstr(s, "\"collector\""));
    free(s);
    cl_record_free(r);
    /* Claiming the collector's name and PID from another process. */
    assert_formats("{\"ts\":0,\"level\":\"warning\",\"app\":\"centrallogd\",\"host\":\"h\","
                   "\"msg\":\"rate limit\",\"pid\":1}",
                   &PEER, CL_TEXT_PLAIN,
                   "1970-01-01T00:00:00.000000Z h centrallogd[1,peer=999] WARNING: rate limit\n");
}

static void test_plain_fields_and_extra(void **state)
{
    (void)state;
    assert_formats(
        "{\"ts\":0,\"level\":\"debug\",\"app\":\"web\",\"host\":\"h\",\"msg\":\"m\","
        "\"zone\":\"eu\",\"n\":[1, 2]}",
        &NO_PEER, CL_TEXT_PLAIN,
        "1970-01-01T00:00:00.000000Z h web DEBUG: m extra={\"zone\":\"eu\",\"n\":[1,2]}\n");
    assert_formats(
        "{\"ts\":0,\"level\":7,\"app\":\"web\",\"host\":\"h\",\"msg\":\"m\","
        "\"fields\":{ \"a\" : 1 },\"zone\":\"eu\"}",
        &NO_PEER, CL_TEXT_PLAIN,
        "1970-01-01T00:00:00.000000Z h web DEBUG: m {\"a\":1} extra={\"zone\":\"eu\"}\n");
    /* Fields and extra go through the same policy: a tag character inside a
     * string becomes a JSON surrogate pair (a \uHHHH of its low 16 bits would
     * read as a plain space). */
    assert_formats("{\"ts\":0,\"level\":\"info\",\"app\":\"web\",\"host\":\"h\",\"msg\":\"m\","
                   "\"fields\":{\"k\":\"ok\xf3\xa0\x80\xa0\xc2\xad\"},\"z\":\"\xe2\x81\xaa\"}",
                   &NO_PEER, CL_TEXT_PLAIN,
                   "1970-01-01T00:00:00.000000Z h web INFO: m {\"k\":\"ok\\udb40\\udc20\\u00ad\"} "
                   "extra={\"z\":\"\\u206a\"}\n");
    /* Empty fields are not worth a column. */
    assert_formats("{\"ts\":0,\"level\":\"trace\",\"app\":\"web\",\"host\":\"h\",\"msg\":\"m\","
                   "\"fields\":{ }}",
                   &NO_PEER, CL_TEXT_PLAIN, "1970-01-01T00:00:00.000000Z h web TRACE: m\n");
}

/* An entry without host gets the collector's; none at all shows "-". */
static void test_plain_default_host(void **state)
{
    const char *line = "{\"ts\":0,\"level\":\"notice\",\"app\":\"web\",\"msg\":\"m\"}";
    cl_record *r;
    char *s;

    (void)state;
    assert_formats(line, &NO_PEER, CL_TEXT_PLAIN,
                   "1970-01-01T00:00:00.000000Z collector-host web NOTICE: m\n");
    r = entry_from(line, &NO_PEER, NULL);
    s = format(r, CL_TEXT_PLAIN, NULL);
    assert_string_equal(s, "1970-01-01T00:00:00.000000Z - web NOTICE: m\n");
    free(s);
    cl_record_free(r);
}

/* Whatever msg holds, the entry stays one line in both formats. */
static void test_message_never_two_lines(void **state)
{
    static const char *const msgs[] = {
        "first\\nsecond",
        "first\\r\\nsecond",
        "cr only\\r",
        "line\\u2028separator\\u2029paragraph",
        "next line\\u0085here",
        "\\u001b[2J\\u001b]0;title\\u0007",
        "del\\u007f and nul-free \\u0001\\u001f",
        "raw C1 \xc2\x9b and raw LS \xe2\x80\xa8",
        "back\\\\slash\\\\n",
    };

    (void)state;
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        char line[512];
        cl_record *r;
        char *plain, *json;
        size_t np, nj;
        cJSON *parsed;

        snprintf(line, sizeof line,
                 "{\"level\":\"info\",\"app\":\"web\",\"msg\":\"%s\","
                 "\"fields\":{\"f\":\"%s\"},\"x\":\"%s\"}",
                 msgs[i], msgs[i], msgs[i]);
        r = entry(line);
        plain = format(r, CL_TEXT_PLAIN, &np);
        json = format(r, CL_TEXT_JSON, &nj);
        assert_one_clean_line(plain, np);
        assert_one_clean_line(json, nj);
        /* The JSON line still says exactly what was sent. */
        parsed = cJSON_Parse(json);
        assert_non_null(parsed);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(parsed, "msg")->valuestring,
                            r->u.e.msg.p);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(
                                cJSON_GetObjectItemCaseSensitive(parsed, "fields"), "f")
                                ->valuestring,
                            r->u.e.msg.p);
        cJSON_Delete(parsed);
        free(plain);
        free(json);
        cl_record_free(r);
    }
}

/* A message escaped in the plain format, byte for byte. */
static void test_plain_escapes_message(void **state)
{
    (void)state;
    assert_formats("{\"ts\":0,\"level\":\"warning\",\"app\":\"web\",\"host\":\"h\","
                   "\"msg\":\"a\\nb\\tc\\\\d\\u001be\\u007ff\\u0085g\\u2028h\"}",
                   &NO_PEER, CL_TEXT_PLAIN,
                   "1970-01-01T00:00:00.000000Z h web WARNING: "
                   "a\\nb\\tc\\\\d\\x1be\\x7ff\\u0085g\\u2028h\n");
}

static void test_json_known_record(void **state)
{
    const char *line =
        "{\"ts\":\"2026-11-27T10:15:02.123456Z\",\"level\":\"error\",\"app\":\"billing\","
        "\"host\":\"web-01\",\"pid\":4242,\"tid\":7,\"logger\":\"pay\",\"trace_id\":\"t1\","
        "\"span_id\":\"s1\",\"msg\":\"payment \\\"declined\\\"\",\"fields\":{\"order\":81723},"
        "\"zone\":\"eu\"}";
    const char *expect =
        "{\"ts\":\"2026-11-27T10:15:02.123456Z\",\"received\":\"2026-11-27T10:15:03.000000Z\","
        "\"level\":\"error\",\"app\":\"billing\",\"host\":\"web-01\",\"pid\":4242,\"tid\":7,"
        "\"logger\":\"pay\",\"trace_id\":\"t1\",\"span_id\":\"s1\","
        "\"msg\":\"payment \\\"declined\\\"\",\"fields\":{\"order\":81723},"
        "\"extra\":{\"zone\":\"eu\"},\"peer\":{\"pid\":999,\"uid\":1000,\"gid\":1000}}\n";
    cl_record *r = entry(line);
    size_t n;
    char *got = format(r, CL_TEXT_JSON, &n);
    cJSON *parsed;

    (void)state;
    assert_string_equal(got, expect);
    assert_one_clean_line(got, n);
    parsed = cJSON_Parse(got);
    assert_true(cJSON_IsObject(parsed));
    assert_int_equal(cJSON_GetArraySize(parsed), 14);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(parsed, "msg")->valuestring,
                        "payment \"declined\"");
    cJSON_Delete(parsed);
    free(got);
    cl_record_free(r);
}

/* Absent optional keys are absent in the JSON line too; so is an unknown peer. */
static void test_json_minimal_record(void **state)
{
    (void)state;
    assert_formats(
        "{\"ts\":0,\"level\":6,\"app\":\"web\",\"msg\":\"m\"}", &NO_PEER, CL_TEXT_JSON,
        "{\"ts\":\"1970-01-01T00:00:00.000000Z\",\"received\":\"2026-11-27T10:15:03.000000Z\","
        "\"level\":\"info\",\"app\":\"web\",\"host\":\"collector-host\",\"msg\":\"m\"}\n");
}

/* A Windows producer: the JSON line's peer carries the user SID (and only
 * then has a "sid"); the plain line does not show it. */
static void test_json_peer_sid(void **state)
{
    const cl_peer win = { 4711, -1, -1, "S-1-5-21-3623811015-3361044348-30300820-1013" };
    const char *line = "{\"ts\":0,\"level\":6,\"app\":\"web\",\"msg\":\"m\"}";

    (void)state;
    assert_formats(line, &win, CL_TEXT_JSON,
                   "{\"ts\":\"1970-01-01T00:00:00.000000Z\",\"received\":\"2026-11-27T10:15:03."
                   "000000Z\",\"level\":\"info\",\"app\":\"web\",\"host\":\"collector-host\","
                   "\"msg\":\"m\",\"peer\":{\"pid\":4711,\"uid\":-1,\"gid\":-1,"
                   "\"sid\":\"S-1-5-21-3623811015-3361044348-30300820-1013\"}}\n");
    assert_formats(line, &win, CL_TEXT_PLAIN,
                   "1970-01-01T00:00:00.000000Z collector-host web[4711] INFO: m\n");
    /* POSIX peers (no SID) keep the line they always had. */
    assert_formats(line, &PEER, CL_TEXT_JSON,
                   "{\"ts\":\"1970-01-01T00:00:00.000000Z\",\"received\":\"2026-11-27T10:15:03."
                   "000000Z\",\"level\":\"info\",\"app\":\"web\",\"host\":\"collector-host\","
                   "\"msg\":\"m\",\"peer\":{\"pid\":999,\"uid\":1000,\"gid\":1000}}\n");
}

/* The bound holds for the worst cases: every byte of every string expanding
 * as much as it can, and the shortest strings with the widest numbers. */
static void test_bound_worst_case(void **state)
{
    static const char *const units[] = {
        "\\u0001", /* 1 byte -> "\x01" (plain) or "\u0001" (JSON) */
        "\\u007f", "\\u0085", "\\u2028", "\\\\", "\\\"", "\\n", "\xc2\x85",
    };
    const cl_peer wide_peer = { 4294967295LL, 4294967295LL, 4294967295LL, NULL };

    (void)state;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t ulen = strlen(units[i]), count = 2000;
        char *msg = malloc(ulen * count + 1);
        char *line;
        size_t cap;
        cl_record *r;

        assert_non_null(msg);
        for (size_t k = 0; k < count; k++)
            memcpy(msg + k * ulen, units[i], ulen);
        msg[ulen * count] = '\0';
        cap = strlen(msg) * 3 + 1024;
        line = malloc(cap);
        assert_non_null(line);
        snprintf(line, cap,
                 "{\"level\":\"emergency\",\"app\":\"a\",\"host\":\"h\",\"pid\":4294967295,"
                 "\"tid\":4294967295,\"logger\":\"l\",\"trace_id\":\"t\",\"span_id\":\"s\","
                 "\"msg\":\"%s\",\"fields\":{\"f\":\"%s\"},\"x\":\"%s\"}",
                 msg, msg, msg);
        r = entry_from(line, &wide_peer, "collector-host");
        /* format() writes into exactly cl_text_bound() bytes and asserts. */
        free(format(r, CL_TEXT_PLAIN, NULL));
        free(format(r, CL_TEXT_JSON, NULL));
        cl_record_free(r);
        free(line);
        free(msg);
    }
    {
        cl_record *r = entry_from("{\"ts\":0,\"level\":\"emergency\",\"app\":\"a\",\"host\":\"h\","
                                  "\"pid\":4294967295,\"tid\":4294967295,\"logger\":\"l\","
                                  "\"trace_id\":\"t\",\"span_id\":\"s\",\"msg\":\"\","
                                  "\"fields\":{},\"x\":0}",
                                  &wide_peer, "collector-host");

        free(format(r, CL_TEXT_PLAIN, NULL));
        free(format(r, CL_TEXT_JSON, NULL));
        cl_record_free(r);
    }
    {
        /* The longest SID sidcache.h lets through, on the shortest entry. */
        char sid[CL_SID_TEXT_MAX + 1];
        cl_peer win = wide_peer;
        cl_record *r;
        char *got;

        memset(sid, '9', CL_SID_TEXT_MAX);
        memcpy(sid, "S-1-5-21-", 9);
        sid[CL_SID_TEXT_MAX] = '\0';
        win.sid = sid;
        r = entry_from("{\"ts\":0,\"level\":\"emergency\",\"app\":\"a\",\"pid\":4294967295,"
                       "\"tid\":4294967295,\"msg\":\"\"}",
                       &win, NULL);
        free(format(r, CL_TEXT_PLAIN, NULL));
        got = format(r, CL_TEXT_JSON, NULL);
        assert_non_null(strstr(got, sid));
        free(got);
        cl_record_free(r);
    }
}

/* Pre-rendering (done on the I/O thread) gives exactly the line that
 * formatting would, owned by the record and counted in its size. */
static void test_prerender(void **state)
{
    static const char *const lines[] = {
        "{\"ts\":0,\"level\":\"info\",\"app\":\"web\",\"host\":\"h\",\"msg\":\"short\"}",
        "{\"level\":\"error\",\"app\":\"web\",\"msg\":\"tab\\there\",\"fields\":{\"k\":[1,2]},"
        "\"z\":1}",
    };
    char *scratch = NULL;
    size_t cap = 0;

    (void)state;
    for (int fmt = CL_TEXT_PLAIN; fmt <= CL_TEXT_JSON; fmt++) {
        for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
            cl_record *r = entry(lines[i]);
            size_t size_before = r->size, n;
            char *expect = format(r, (enum cl_text_format)fmt, &n);

            assert_null(r->rendered);
            assert_int_equal(cl_text_prerender(r, (enum cl_text_format)fmt, &scratch, &cap), 0);
            assert_non_null(r->rendered);
            assert_int_equal(r->rendered_len, n);
            assert_memory_equal(r->rendered, expect, n);
            assert_int_equal(r->size, size_before + n);
            /* The scratch buffer is kept and only grows. */
            assert_non_null(scratch);
            assert_true(cap >= cl_text_bound(r));
            free(expect);
            cl_record_free(r); /* frees the rendered line too */
        }
    }
    free(scratch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_escape_never_raw_control),
        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_json_safe),
        cmocka_unit_test(test_plain_known_record),
        cmocka_unit_test(test_plain_pid_source),
        cmocka_unit_test(test_plain_forged_names),
        cmocka_unit_test(test_own_entry_marked),
        cmocka_unit_test(test_plain_fields_and_extra),
        cmocka_unit_test(test_plain_default_host),
        cmocka_unit_test(test_message_never_two_lines),
        cmocka_unit_test(test_plain_escapes_message),
        cmocka_unit_test(test_json_known_record),
        cmocka_unit_test(test_json_minimal_record),
        cmocka_unit_test(test_json_peer_sid),
        cmocka_unit_test(test_bound_worst_case),
        cmocka_unit_test(test_prerender),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
