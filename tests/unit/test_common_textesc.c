/* test_common_textesc.c - the text escaping (common/textesc.h) of the text
 * file and the CLI: every byte and every code point, names, bytes that are
 * not UTF-8, and the strbuf form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textesc.h"
#include "unsafe.h"

static char out[256];

static const char *esc(const char *s, size_t n, int name)
{
    size_t k = name ? cl_text_escape_name(s, n, out) : cl_text_escape(s, n, out);

    assert_true(k <= CL_TEXTESC_BOUND(n));
    out[k] = '\0';
    return out;
}

static void test_ascii(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 0x80; c++) {
        char in[1] = { (char)c }, want[8];

        if (c == '\\')
            strcpy(want, "\\\\");
        else if (c == '\n' || c == '\r' || c == '\t')
            snprintf(want, sizeof want, "\\%c", c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
        else if (c < 0x20 || c == 0x7F)
            snprintf(want, sizeof want, "\\x%02x", c);
        else
            snprintf(want, sizeof want, "%c", c);
        assert_string_equal(esc(in, 1, 0), want);
        if (cl_name_byte_unsafe((unsigned char)c))
            snprintf(want, sizeof want, "\\x%02x", c);
        assert_string_equal(esc(in, 1, 1), want);
    }
    assert_string_equal(esc("web 01[x]:", 10, 1), "web\\x2001\\x5bx\\x5d\\x3a");
    assert_string_equal(esc("web 01[x]:", 10, 0), "web 01[x]:");
}

static void test_every_code_point(void **state)
{
    (void)state;
    for (unsigned cp = 0x80; cp <= 0x10FFFF; cp++) {
        char in[4], want[16];
        size_t n;

        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        if (cp < 0x800) {
            in[0] = (char)(0xC0 | cp >> 6), in[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
        } else if (cp < 0x10000) {
            in[0] = (char)(0xE0 | cp >> 12), in[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
            in[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
        } else {
            in[0] = (char)(0xF0 | cp >> 18), in[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
            in[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), in[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
        }
        if (cl_cp_unsafe(cp))
            snprintf(want, sizeof want, "\\u%04x", cp);
        else
            snprintf(want, sizeof want, "%.*s", (int)n, in);
        if (strcmp(esc(in, n, 0), want) != 0 || strcmp(esc(in, n, 1), want) != 0)
            fail_msg("U+%04X: %s, want %s", cp, out, want);
    }
}

static void test_not_utf8(void **state)
{
    (void)state;
    /* Each byte that is not UTF-8 shows as itself, so nothing is lost. */
    assert_string_equal(esc("a\xFF"
                            "b",
                            3, 0),
                        "a\\xffb");
    assert_string_equal(esc("\xC0\xAF", 2, 0), "\\xc0\\xaf");
    assert_string_equal(esc("\xE2\x82", 2, 0), "\\xe2\\x82");
    assert_string_equal(esc("\xED\xA0\x80", 3, 1), "\\xed\\xa0\\x80");
}

static void test_strbuf_text(void **state)
{
    cl_strbuf b = CL_STRBUF_INIT;

    (void)state;
    cl_strbuf_puts(&b, "msg=");
    cl_strbuf_text(&b, "evil\x1b[31m\xE2\x80\xAEtxt", 15, 0);
    cl_strbuf_putc(&b, ' ');
    cl_strbuf_text(&b, "a b", 3, 1);
    assert_false(b.oom);
    assert_string_equal(cl_strbuf_cstr(&b), "msg=evil\\x1b[31m\\u202etxt a\\x20b");
    cl_strbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_every_code_point),
        cmocka_unit_test(test_not_utf8),
        cmocka_unit_test(test_strbuf_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
