/* test_common_jsonesc.c - the one JSON string escaper (common/jsonesc.h):
 * each class of code point in the wire and the display form, repair of bytes
 * that are not UTF-8, and cutting at a character boundary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonesc.h"
#include "unsafe.h"
#include "utf8.h"

static char out[4096];

static const char *esc(const char *s, size_t n, size_t max, unsigned flags, size_t *used)
{
    size_t k = cl_json_escape(out, s, n, max, flags, used);

    assert_true(k <= CL_JSONESC_BOUND(n < max ? n : max));
    out[k] = '\0';
    return out;
}

#define WIRE(s) esc((s), sizeof(s) - 1, SIZE_MAX, CL_JSONESC_WIRE, NULL)
#define SHOW(s) esc((s), sizeof(s) - 1, SIZE_MAX, CL_JSONESC_DISPLAY, NULL)

static void test_json_needs(void **state)
{
    (void)state;
    assert_string_equal(WIRE("plain"), "\"plain\"");
    assert_string_equal(WIRE(""), "\"\"");
    assert_string_equal(WIRE("a\"b\\c"), "\"a\\\"b\\\\c\"");
    assert_string_equal(WIRE("\n\r\t"), "\"\\n\\r\\t\"");
    assert_string_equal(WIRE("\b\f\x01\x1f\x7f"), "\"\\u0008\\u000c\\u0001\\u001f\\u007f\"");
    /* The same in both forms. */
    assert_string_equal(SHOW("a\"b\\c\n\x01\x7f"), "\"a\\\"b\\\\c\\n\\u0001\\u007f\"");
    assert_string_equal(SHOW("\0x"), "\"\\u0000x\"");
}

static void test_unsafe_only_for_display(void **state)
{
    (void)state;
    /* C1 (NEL), line separator, bidi override, zero-width space, BOM. */
    assert_string_equal(WIRE("\xC2\x85|\xE2\x80\xA8|\xE2\x80\xAE|\xE2\x80\x8B|\xEF\xBB\xBF"),
                        "\"\xC2\x85|\xE2\x80\xA8|\xE2\x80\xAE|\xE2\x80\x8B|\xEF\xBB\xBF\"");
    assert_string_equal(SHOW("\xC2\x85|\xE2\x80\xA8|\xE2\x80\xAE|\xE2\x80\x8B|\xEF\xBB\xBF"),
                        "\"\\u0085|\\u2028|\\u202e|\\u200b|\\ufeff\"");
    /* Safe characters stay raw in both. */
    assert_string_equal(SHOW("caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
}

static void test_every_code_point(void **state)
{
    (void)state;
    /* Each scalar value: escaped for display exactly when unsafe.h says so. */
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
            snprintf(want, sizeof want, "\"\\u%04x\"", cp);
        else
            snprintf(want, sizeof want, "\"%.*s\"", (int)n, in);
        if (strcmp(esc(in, n, SIZE_MAX, CL_JSONESC_DISPLAY, NULL), want) != 0)
            fail_msg("U+%04X: %s, want %s", cp, out, want);
    }
}

static void test_bad_bytes_repaired(void **state)
{
    size_t used;

    (void)state;
    assert_string_equal(WIRE("a\xFF"
                             "b\xC3"),
                        "\"a\xEF\xBF\xBD"
                        "b\xEF\xBF\xBD\"");
    assert_string_equal(SHOW("a\xFF"
                             "b\xC3"),
                        "\"a\\ufffdb\\ufffd\"");
    /* Each bad byte is one U+FFFD: an overlong "/" is two. */
    assert_string_equal(SHOW("\xC0\xAF"), "\"\\ufffd\\ufffd\"");
    esc("\xED\xA0\x80", 3, SIZE_MAX, CL_JSONESC_WIRE, &used);
    assert_int_equal(used, 3);
}

static void test_cut_at_character(void **state)
{
    size_t used;

    (void)state;
    assert_string_equal(esc("abcdef", 6, 3, CL_JSONESC_WIRE, &used), "\"abc\"");
    assert_int_equal(used, 3);
    /* "a" then a 3-byte euro sign: 2 or 3 bytes allowed keep only "a". */
    assert_string_equal(esc("a\xE2\x82\xAC", 4, 3, CL_JSONESC_WIRE, &used), "\"a\"");
    assert_int_equal(used, 1);
    assert_string_equal(esc("a\xE2\x82\xAC", 4, 4, CL_JSONESC_WIRE, &used), "\"a\xE2\x82\xAC\"");
    assert_int_equal(used, 4);
    assert_string_equal(esc("ab", 2, 0, CL_JSONESC_WIRE, &used), "\"\"");
    assert_int_equal(used, 0);
}

static void test_strbuf_json(void **state)
{
    cl_strbuf b = CL_STRBUF_INIT;

    (void)state;
    cl_strbuf_puts(&b, "{\"k\":");
    assert_int_equal(cl_strbuf_json(&b, "v\xE2\x80\xAE", 4, SIZE_MAX, CL_JSONESC_DISPLAY), 4);
    cl_strbuf_putc(&b, '}');
    assert_false(b.oom);
    assert_string_equal(cl_strbuf_cstr(&b), "{\"k\":\"v\\u202e\"}");
    cl_strbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_needs),       cmocka_unit_test(test_unsafe_only_for_display),
        cmocka_unit_test(test_every_code_point), cmocka_unit_test(test_bad_bytes_repaired),
        cmocka_unit_test(test_cut_at_character), cmocka_unit_test(test_strbuf_json),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
