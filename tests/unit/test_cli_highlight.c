/* test_cli_highlight.c - where -g's matches are highlighted (highlight.h)
 * and how the escaper writes them (cli_esc_text_hl): spans widened to the
 * escaper's units, every match, and the escaped text unchanged by them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "highlight.h"
#include "regex.h"

#define ON "<"  /* the highlight, readable in the expectations */
#define LC "|L" /* the line's colour */

/* The spans of s (n bytes) after snapping sp[0..k), as "so-eo so-eo". */
static void snapped(const char *s, size_t n, cli_span *sp, size_t k, const char *expect)
{
    char got[256] = "";
    size_t m = cli_hl_snap(s, n, sp, k);

    for (size_t i = 0; i < m; i++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%zu-%zu", i ? " " : "", sp[i].so,
                 sp[i].eo);
    assert_string_equal(got, expect);
}

static void test_snap(void **state)
{
    /* "a" "é"(2 bytes) "\xff"(not UTF-8) "€"(3 bytes) "b" */
    static const char s[] = "a\xc3\xa9\xff\xe2\x82\xac"
                            "b";
    size_t n = sizeof s - 1;
    cli_span sp[4];

    (void)state;
    /* Inside "é": the whole letter. */
    sp[0] = (cli_span){ 2, 3 };
    snapped(s, n, sp, 1, "1-3");
    /* The middle byte of "€" to the first of "b": "€b". */
    sp[0] = (cli_span){ 5, 8 };
    snapped(s, n, sp, 1, "4-8");
    /* A bad byte is a unit of its own. */
    sp[0] = (cli_span){ 3, 4 };
    snapped(s, n, sp, 1, "3-4");
    /* Empty spans go, touching ones merge, overlapping after widening too. */
    sp[0] = (cli_span){ 0, 0 };
    sp[1] = (cli_span){ 0, 1 };
    sp[2] = (cli_span){ 1, 2 };
    sp[3] = (cli_span){ 7, 99 };
    snapped(s, n, sp, 4, "0-3 7-8");
    sp[0] = (cli_span){ 4, 5 };
    sp[1] = (cli_span){ 6, 7 };
    snapped(s, n, sp, 2, "4-7");
    /* Beyond the end: clipped or dropped. */
    sp[0] = (cli_span){ 9, 12 };
    snapped(s, n, sp, 1, "");
}

/* cli_esc_text_hl of s with the matches of pattern, highlighted with ON
 * and the line colour LC (off "|0"), indent 2. */
static void hl(const char *pattern, const char *s, size_t n, int lines, const char *expect)
{
    cli_regex *re = NULL;
    cli_hl h = { 0 };
    cl_strbuf b = CL_STRBUF_INIT;
    char err[128];
    cli_esc_spans spans;

    assert_int_equal(cli_regex_compile(pattern, CLI_CASE_SMART, &re, err, sizeof err), 0);
    assert_int_equal(cli_hl_find(re, s, n, &h), 0);
    spans = (cli_esc_spans){ h.sp, h.n, ON };
    cli_esc_text_hl(&b, s, n, lines, 2, LC, "|0", &spans);
    cl_strbuf_putc(&b, '\0');
    assert_string_equal(b.p, expect);
    cl_strbuf_free(&b);
    cli_hl_free(&h);
    cli_regex_free(re);
}

#define R CLI_ESC_SGR_RESET

static void test_every_match(void **state)
{
    (void)state;
    hl("o", "foo bar boo", 11, 1, "f" ON "oo" R LC " bar b" ON "oo" R LC);
    /* Smart case: lower case matches either. */
    hl("ab", "AB ab", 5, 1, ON "AB" R LC " " ON "ab" R LC);
    /* A pattern that can match nothing highlights only what it matched. */
    hl("x*", "axxbx", 5, 1, "a" ON "xx" R LC "b" ON "x" R LC);
    hl("^", "abc", 3, 1, "abc");
    hl("zz", "abc", 3, 1, "abc");
}

static void test_escapes_whole(void **state)
{
    (void)state;
    /* ESC and CR are highlighted as their escapes, never cut. */
    hl("\\x1b\\[31m", "a\x1b[31mb", 7, 1, "a" ON "\\x1b[31m" R LC "b");
    hl("\\r", "x\ry", 3, 1, "x" ON "\\r" R LC "y");
    /* A backslash: its escape is two backslashes, highlighted together. */
    hl("\\\\", "a\\b", 3, 1, "a" ON "\\\\" R LC "b");
    /* A code point is one unit: the letter, or its \u escape. */
    hl("\xc3\xa9", "caf\xc3\xa9!", 6, 1, "caf" ON "\xc3\xa9" R LC "!");
    hl("\\x{202e}",
       "a\xe2\x80\xae"
       "b",
       5, 1, "a" ON "\\u202e" R LC "b");
    /* Next to a byte that is not UTF-8: the byte stays \xff, outside. */
    hl("b",
       "a\xff"
       "b",
       3, 1, "a\\xff" ON "b" R LC);
}

static void test_lines(void **state)
{
    (void)state;
    /* A match over a line break ends with its line and takes up again
     * after the indentation and the line's colour. */
    hl("a\\nb", "xa\nby", 5, 1, "x" ON "a|0\n  " LC ON "b" R LC "y");
    /* Tabs inside a match stay tabs. */
    hl("a\\tb", "a\tb", 3, 1, ON "a\tb" R LC);
    /* --escape-all: one line, the \n escape highlighted whole. */
    hl("a\\nb", "xa\nby", 5, 0, "x" ON "a\\nb" R LC "y");
    /* A match in the trailing line feeds (left out in lines mode). */
    hl("\\n", "ab\n\n", 4, 1, "ab");
}

static void test_no_line_color(void **state)
{
    cl_strbuf b = CL_STRBUF_INIT;
    cli_span sp = { 1, 4 };
    cli_esc_spans spans = { &sp, 1, ON };

    (void)state;
    cli_esc_text_hl(&b, "xa\nby", 5, 1, 1, "", "", &spans);
    cl_strbuf_putc(&b, '\0');
    assert_string_equal(b.p, "x" ON "a" R "\n " ON "b" R "y");
    cl_strbuf_free(&b);
}

/* Without spans, exactly cli_esc_text_lines and cli_esc_text. */
static void test_no_spans_unchanged(void **state)
{
    static const char s[] = "a\x1b\tb\n\xff\xc3\xa9\n\n";
    cl_strbuf a = CL_STRBUF_INIT, b = CL_STRBUF_INIT;
    cli_esc_spans none = { NULL, 0, ON };

    (void)state;
    cli_esc_text_lines(&a, s, sizeof s - 1, 3, LC, "|0");
    cli_esc_text_hl(&b, s, sizeof s - 1, 1, 3, LC, "|0", &none);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    cl_strbuf_reset(&a);
    cl_strbuf_reset(&b);
    cli_esc_text(&a, s, sizeof s - 1);
    cli_esc_text_hl(&b, s, sizeof s - 1, 0, 3, LC, "|0", NULL);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.p, b.p, a.len);
    cl_strbuf_free(&a);
    cl_strbuf_free(&b);
}

/* Escaping the pieces apart gives the bytes of escaping the whole, for
 * every span of a hostile string once snapped. */
static void test_pieces_equal_whole(void **state)
{
    static const char s[] = "\x1b[2J\xc3\xa9\xff\xe2\x80\xae\\\r\x7f\xf0\x9f\x98\x80z\xc2\x9b";
    size_t n = sizeof s - 1;
    cl_strbuf whole = CL_STRBUF_INIT;

    (void)state;
    cli_esc_text(&whole, s, n);
    for (size_t so = 0; so <= n; so++) {
        for (size_t eo = so; eo <= n; eo++) {
            cli_span sp = { so, eo };
            size_t k = cli_hl_snap(s, n, &sp, 1);
            cli_esc_spans spans = { &sp, k, "" };
            cl_strbuf b = CL_STRBUF_INIT, clean = CL_STRBUF_INIT;

            /* With empty colours the highlight leaves only its resets. */
            cli_esc_text_hl(&b, s, n, 0, 0, "", "", &spans);
            for (size_t i = 0; i < b.len; i++) {
                if (b.len - i >= 4 && memcmp(b.p + i, R, 4) == 0)
                    i += 3;
                else
                    cl_strbuf_putc(&clean, b.p[i]);
            }
            assert_int_equal(clean.len, whole.len);
            assert_memory_equal(clean.p, whole.p, whole.len);
            cl_strbuf_free(&b);
            cl_strbuf_free(&clean);
        }
    }
    cl_strbuf_free(&whole);
}

static void test_color(void **state)
{
    (void)state;
    assert_string_equal(cli_hl_color(6), "\033[0;1;31m");
    assert_string_equal(cli_hl_color(4), "\033[0;1;31m");
    assert_string_equal(cli_hl_color(3), "\033[0;1;39m");
    assert_string_equal(cli_hl_color(0), "\033[0;1;39m");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snap),
        cmocka_unit_test(test_every_match),
        cmocka_unit_test(test_escapes_whole),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_no_line_color),
        cmocka_unit_test(test_no_spans_unchanged),
        cmocka_unit_test(test_pieces_equal_whole),
        cmocka_unit_test(test_color),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
