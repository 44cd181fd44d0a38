/* test_cli_escape.c - what stored values look like on output
 * (tools/escape.h): nothing a producer stored may reach the terminal as a
 * control sequence, and the machine formats stay exact and parseable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "unsafe.h"
#include "utf8.h"

typedef void (*esc_fn)(cl_strbuf *, const char *, size_t);

/* Escapes s[0..n) from an exact-size heap copy (ASan catches overreads). */
static void check(esc_fn fn, const char *s, size_t n, const char *expect)
{
    cl_strbuf b = CL_STRBUF_INIT;
    char *copy = malloc(n ? n : 1);

    assert_non_null(copy);
    memcpy(copy, s, n);
    fn(&b, copy, n);
    assert_false(b.oom);
    if (strcmp(cl_strbuf_cstr(&b), expect) != 0)
        fail_msg("got [%s], expected [%s]", cl_strbuf_cstr(&b), expect);
    free(copy);
    cl_strbuf_free(&b);
}

#define TEXT(lit, expect) check(cli_esc_text, lit, sizeof(lit) - 1, expect)
#define JSTR(lit, expect) check(cli_esc_json_str, lit, sizeof(lit) - 1, expect)
#define CSV(lit, expect) check(cli_esc_csv, lit, sizeof(lit) - 1, expect)
#define NAME(lit, expect) check(cli_esc_name, lit, sizeof(lit) - 1, expect)

static void test_utf8_seq(void **state)
{
    unsigned cp;

    (void)state;
    assert_int_equal(cl_utf8_seq((const unsigned char *)"A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(cl_utf8_seq((const unsigned char *)"\xc3\xa9", 2, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(cl_utf8_seq((const unsigned char *)"\xe2\x80\xa8", 3, &cp), 3);
    assert_int_equal(cp, 0x2028);
    assert_int_equal(cl_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    /* Overlong, surrogate, beyond U+10FFFF, truncated, stray continuation. */
    assert_int_equal(cl_utf8_seq((const unsigned char *)"\xc0\xaf", 2, &cp), 0);
    assert_int_equal(cl_utf8_seq((const unsigned char *)"\xe0\x80\xaf", 3, &cp), 0);
    assert_int_equal(cl_utf8_seq((const unsigned char *)"\xed\xa0\x80", 3, &cp), 0);
    assert_int_equal(cl_utf8_seq((const unsigned char *)"\xf4\x90\x80\x80", 4, &cp), 0);
    assert_int_equal(cl_utf8_seq((const unsigned char *)"\xc3", 1, &cp), 0);
    assert_int_equal(cl_utf8_seq((const unsigned char *)"\xe2\x80", 2, &cp), 0);
    assert_int_equal(cl_utf8_seq((const unsigned char *)"\x80", 1, &cp), 0);
    assert_int_equal(cl_utf8_seq((const unsigned char *)"\xff", 1, &cp), 0);
}

static void test_text(void **state)
{
    (void)state;
    TEXT("plain text", "plain text");
    TEXT("", "");
    TEXT("a\\b", "a\\\\b");
    TEXT("line1\nline2\r\tend", "line1\\nline2\\r\\tend");
    /* ANSI colour, a cursor move, a window-title OSC, bell, NUL, DEL. */
    TEXT("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m");
    TEXT("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H");
    TEXT("\x1b]0;owned\x07", "\\x1b]0;owned\\x07");
    TEXT("a\0b", "a\\x00b");
    TEXT("del\x7f", "del\\x7f");
    /* C1 controls (8-bit CSI is U+009B), line/paragraph separators, bidi. */
    TEXT("\xc2\x9b"
         "31m",
         "\\u009b31m");
    TEXT("\xc2\x85", "\\u0085");
    TEXT("a\xe2\x80\xa8"
         "b\xe2\x80\xa9",
         "a\\u2028b\\u2029");
    TEXT("\xe2\x80\xae"
         "evil\xe2\x81\xa6",
         "\\u202eevil\\u2066");
    /* Printable non-ASCII passes through. */
    TEXT("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    /* Bytes that are not UTF-8: each one as \xHH, the rest kept. */
    TEXT("a\xff"
         "b\xc3",
         "a\\xffb\\xc3");
    TEXT("\xc0\xaf", "\\xc0\\xaf");
    TEXT("\xed\xa0\x80", "\\xed\\xa0\\x80");
    /* Invisible characters (issue 13, red team): the soft hyphen, the
     * combining grapheme joiner, the Hangul fillers, a variation selector. */
    TEXT("soft\xc2\xad"
         "cgj\xcd\x8f"
         "h\xe3\x85\xa4\xef\xbe\xa0"
         "vs\xef\xb8\x8f",
         "soft\\u00adcgj\\u034fh\\u3164\\uffa0vs\\ufe0f");
    /* "backup ok" with " ;rm" hidden in tag characters: shown, as \U. */
    TEXT("backup ok\xf3\xa0\x80\xa0\xf3\xa0\x80\xbb\xf3\xa0\x81\xb2\xf3\xa0\x81\xad",
         "backup ok\\U000e0020\\U000e003b\\U000e0072\\U000e006d");
    /* Noncharacters; private use stays (a renderer draws it). */
    TEXT("\xef\xb7\x90\xef\xbf\xbe\xf4\x8f\xbf\xbf", "\\ufdd0\\ufffe\\U0010ffff");
    TEXT("\xee\x80\x80\xf3\xb0\x80\x80", "\xee\x80\x80\xf3\xb0\x80\x80");
}

/* Names keep [A-Za-z0-9._/@+=,-] and escape everything else, look-alikes
 * of the line's structure included (issue 13, red team). */
static void test_name(void **state)
{
    (void)state;
    NAME("web-01.example.com", "web-01.example.com");
    NAME("billing_v2/worker@eu+1=a,b", "billing_v2/worker@eu+1=a,b");
    NAME("sshd[1] CRITICAL: x", "sshd\\x5b1\\x5d\\x20CRITICAL\\x3a\\x20x");
    NAME("a\\b\nc\x1b", "a\\\\b\\nc\\x1b");
    NAME("#%&*()!?'\"`~$;<>|{}^", "\\x23\\x25\\x26\\x2a\\x28\\x29\\x21\\x3f\\x27\\x22\\x60\\x7e"
                                  "\\x24\\x3b\\x3c\\x3e\\x7c\\x7b\\x7d\\x5e");
    /* Fullwidth brackets, no-break space, U+2236 RATIO, Hangul filler. */
    NAME("sshd\xef\xbc\xbb"
         "812\xef\xbc\xbd\xc2\xa0"
         "CRITICAL\xe2\x88\xb6\xe3\x85\xa4",
         "sshd\\uff3b812\\uff3d\\u00a0CRITICAL\\u2236\\u3164");
    /* A host with a no-break space and a thin space; Cyrillic and emoji. */
    NAME("vm\xc2\xa0sshd\xe2\x80\x89", "vm\\u00a0sshd\\u2009");
    NAME("\xd0\xb0pp\xf0\x9f\x98\x80", "\\u0430pp\\U0001f600");
    NAME("a\xff", "a\\xff");
}

static void test_json_string(void **state)
{
    (void)state;
    JSTR("hello", "\"hello\"");
    JSTR("", "\"\"");
    JSTR("q\"b\\s/", "\"q\\\"b\\\\s/\"");
    JSTR("\n\r\t\b\f", "\"\\n\\r\\t\\u0008\\u000c\"");
    JSTR("\x1b[31m", "\"\\u001b[31m\"");
    JSTR("\x7f\xc2\x9b\xe2\x80\xa8\xe2\x80\xae", "\"\\u007f\\u009b\\u2028\\u202e\"");
    JSTR("caf\xc3\xa9", "\"caf\xc3\xa9\"");
    JSTR("a\xff"
         "b",
         "\"a\\ufffdb\"");
    JSTR("a\0b", "\"a\\u0000b\"");
    /* Above U+FFFF an unsafe code point is a surrogate pair. */
    JSTR("ok\xf3\xa0\x80\xa0\xf4\x8f\xbf\xbf", "\"ok\\udb40\\udc20\\udbff\\udfff\"");
    JSTR("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");
}

static void test_csv(void **state)
{
    (void)state;
    CSV("plain", "plain");
    CSV("", "");
    CSV("a,b", "\"a,b\"");
    CSV("say \"hi\"", "\"say \"\"hi\"\"\"");
    CSV("two\nlines", "two\\nlines");
    CSV("x\x1b[1m,y", "\"x\\x1b[1m,y\"");
    CSV("{\"k\":1}", "\"{\"\"k\"\":1}\"");
    CSV("back\\slash", "back\\\\slash");
}

static void json(const char *s, int indent, const char *expect)
{
    cl_strbuf b = CL_STRBUF_INIT;

    cli_json_copy(&b, s, strlen(s), indent);
    if (strcmp(cl_strbuf_cstr(&b), expect) != 0)
        fail_msg("got [%s], expected [%s]", cl_strbuf_cstr(&b), expect);
    cl_strbuf_free(&b);
}

static void test_json_copy(void **state)
{
    (void)state;
    /* A tag character in a stored string becomes a surrogate pair. */
    json("{\"k\":\"ok\xf3\xa0\x80\xa0\"}", -1, "{\"k\":\"ok\\udb40\\udc20\"}");
    /* Compact and exact: numbers and escapes are not re-printed. */
    json("{\"id\":18446744073709551615,\"x\":1.50,\"s\":\"a\\u0041\\n\"}", -1,
         "{\"id\":18446744073709551615,\"x\":1.50,\"s\":\"a\\u0041\\n\"}");
    json("{ \"a\" : [ 1 , 2 ] }", -1, "{\"a\":[1,2]}");
    json("{\"s\":\"a b , : { [\"}", -1, "{\"s\":\"a b , : { [\"}");
    /* Raw DEL, C1 and separators inside strings (legal JSON) get escaped. */
    json("{\"s\":\"\x7f\xc2\x9b\xe2\x80\xa8\"}", -1, "{\"s\":\"\\u007f\\u009b\\u2028\"}");
    json("{\"s\":\"\xff\"}", -1, "{\"s\":\"\\ufffd\"}");
    json("{\"q\":\"say \\\"hi\\\"\"}", -1, "{\"q\":\"say \\\"hi\\\"\"}");
    /* Escapes JSON does not have (a database not written by the collector, or
     * by one before issue 13): the backslash is printed as text, so the output
     * stays JSON and a raw control after it is escaped like any other. */
    json("{\"s\":\"\\uqqqq \\u12\\x41 \\'\"}", -1, "{\"s\":\"\\\\uqqqq \\\\u12\\\\x41 \\\\'\"}");
    json("{\"s\":\"a\\\nb\"}", -1, "{\"s\":\"a\\\\\\u000ab\"}");
    json("{\"s\":\"\\u00e9\\/\\b\\f\\r\\t\\ud83d\\uDE00\"}", -1,
         "{\"s\":\"\\u00e9\\/\\b\\f\\r\\t\\ud83d\\uDE00\"}");
    json("{\"s\":\"\\u\x10\x19\x10\x10\"}", -1, "{\"s\":\"\\\\u\\u0010\\u0019\\u0010\\u0010\"}");
    /* A backslash as the last byte of a string that never closes. */
    json("{\"s\":\"a\\", -1, "{\"s\":\"a\\\\\"");
    /* Pretty: two spaces per level from the given depth. */
    json("{\"a\":1,\"b\":[1,{\"c\":null}],\"d\":{},\"e\":[]}", 0,
         "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    {\n      \"c\": null\n    }\n  ],\n"
         "  \"d\": {},\n  \"e\": []\n}");
    json("{\"k\":\"v\"}", 2, "{\n      \"k\": \"v\"\n    }");
    json("{}", 2, "{}");
}

static void test_buf(void **state)
{
    cl_strbuf b = CL_STRBUF_INIT;

    (void)state;
    assert_string_equal(cl_strbuf_cstr(&b), "");
    for (int i = 0; i < 1000; i++)
        cl_strbuf_printf(&b, "%03d,", i);
    assert_int_equal(b.len, 4000);
    assert_memory_equal(b.p + 3996, "999,", 4);
    cl_strbuf_reset(&b);
    assert_string_equal(cl_strbuf_cstr(&b), "");
    cl_strbuf_putc(&b, 'x');
    assert_string_equal(cl_strbuf_cstr(&b), "x");
    cl_strbuf_free(&b);
    cl_strbuf_free(NULL);
}

/* cli_esc_text_lines, indent 4. */
static void lines4(cl_strbuf *b, const char *s, size_t n)
{
    cli_esc_text_lines(b, s, n, 4, "", "");
}

/* The same in colour: <on> and <off> around every line. */
static void lines4_color(cl_strbuf *b, const char *s, size_t n)
{
    cli_esc_text_lines(b, s, n, 4, "<on>", "<off>");
}

#define LINES(lit, expect) check(lines4, lit, sizeof(lit) - 1, expect)

/* Messages as written: line feeds and tabs print, continuation lines are
 * indented, everything else stays escaped as in cli_esc_text. */
static void test_lines(void **state)
{
    (void)state;
    LINES("one", "one");
    LINES("a\nb", "a\n    b");
    LINES("a\tb", "a\tb");
    LINES("trace:\n\tat x()\n\tat y()\n", "trace:\n    \tat x()\n    \tat y()");
    LINES("a\n\n", "a");
    LINES("\n", "");
    LINES("a\n\nb", "a\n    \n    b");
    LINES("a\r\nb", "a\\r\n    b");
    LINES("x\x1b[2J\ny\x07", "x\\x1b[2J\n    y\\x07");
    LINES("\xe2\x80\xae\nz\xe2\x80\xa8", "\\u202e\n    z\\u2028");
    LINES("\xc3\n\xa9", "\\xc3\n    \\xa9"); /* a cut sequence stays bytes */
    LINES("caf\xc3\xa9\tok", "caf\xc3\xa9\tok");
    LINES("\\n", "\\\\n"); /* a backslash and n stay two characters */
    /* In colour each line closes its colour, each continuation reopens it
     * after the indentation (the caller opens the first, closes the last). */
    check(lines4_color, "a\n\tb\n\nc\n", 8, "a<off>\n    <on>\tb<off>\n    <on><off>\n    <on>c");
    check(lines4_color, "one\tline", 8, "one\tline");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_seq), cmocka_unit_test(test_text),
        cmocka_unit_test(test_name),     cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_csv),      cmocka_unit_test(test_json_copy),
        cmocka_unit_test(test_buf),      cmocka_unit_test(test_lines),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
