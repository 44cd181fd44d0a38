/* test_cli_unsafe.c - one policy for unsafe code points (common/unsafe.h):
 * the collector's text file (collector/textfmt.c) and the CLI
 * (tools/escape.c) must escape every code point the same way, so that a
 * line reads the same in `tail` and in `centrallog query`, and neither lets
 * a producer hide, reorder or forge text.
 *
 * Every code point (surrogates excepted) goes through both formatters, as
 * message text, as a name (app, host) and as a JSON string; the outputs must
 * be byte for byte identical, and the unsafe ones must not appear raw.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "strbuf.h"
#include "escape.h"
#include "textfmt.h"
#include "unsafe.h"
#include "utf8.h"

enum mode { TEXT, NAME, JSON };

/* Formats in[0..n) both ways and fails unless they agree. */
static void assert_same(const unsigned char *in, size_t n, enum mode m, unsigned cp)
{
    char file[64];
    size_t k;
    cl_strbuf b = CL_STRBUF_INIT;

    if (m == TEXT) {
        k = cl_text_escape((const char *)in, n, file);
        cli_esc_text(&b, (const char *)in, n);
    } else if (m == NAME) {
        k = cl_text_escape_name((const char *)in, n, file);
        cli_esc_name(&b, (const char *)in, n);
    } else {
        k = cl_text_json_string((const char *)in, n, file);
        cli_esc_json_str(&b, (const char *)in, n);
    }
    if (b.len != k || memcmp(b.p, file, k) != 0)
        fail_msg("U+%04X (mode %d): text file \"%.*s\", CLI \"%.*s\"", cp, (int)m, (int)k, file,
                 (int)b.len, b.p);
    /* An unsafe code point never survives raw: its bytes are not in the output. */
    if (cl_cp_unsafe(cp) && cp >= 0x20 && memmem(file, k, in, n) != NULL)
        fail_msg("U+%04X is unsafe but appears raw", cp);
    cl_strbuf_free(&b);
}

static void test_every_code_point_alike(void **state)
{
    (void)state;
    for (unsigned cp = 0; cp < 0x110000; cp++) {
        unsigned char in[4];
        size_t n;

        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        n = cl_utf8_encode(cp, (char *)in);
        assert_same(in, n, TEXT, cp);
        assert_same(in, n, NAME, cp);
        assert_same(in, n, JSON, cp);
    }
}

/* Bytes that are not UTF-8 never come off the wire, but a copied database
 * may hold them: both sides still agree. */
static void test_invalid_bytes_alike(void **state)
{
    (void)state;
    for (unsigned c = 0x80; c <= 0xFF; c++) {
        unsigned char in[1] = { (unsigned char)c };

        assert_same(in, 1, TEXT, 0xFFFD);
        assert_same(in, 1, NAME, 0xFFFD);
        assert_same(in, 1, JSON, 0xFFFD);
    }
}

/* The classes named in unsafe.h, and their neighbours. */
static void test_classes(void **state)
{
    static const unsigned unsafe[] = { 0x00,   0x1F,   0x7F,   0x80,   0x9F,   0x061C, 0x200B,
                                       0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A,
                                       0x202E, 0x2060, 0x2064, 0x2066, 0x2069, 0xFEFF };
    static const unsigned safe[] = { 0x20,   0x7E,   0xA0,   0x061B, 0x061D, 0x200A, 0x2010, 0x2027,
                                     0x202F, 0x205F, 0x2065, 0x206A, 0xFEFE, 0xFF00, 0x1F600 };

    (void)state;
    for (size_t i = 0; i < sizeof unsafe / sizeof unsafe[0]; i++)
        assert_true(cl_cp_unsafe(unsafe[i]));
    for (size_t i = 0; i < sizeof safe / sizeof safe[0]; i++)
        assert_false(cl_cp_unsafe(safe[i]));
    assert_true(cl_name_byte_unsafe(' ') && cl_name_byte_unsafe('[') && cl_name_byte_unsafe(']') &&
                cl_name_byte_unsafe(':'));
    assert_false(cl_name_byte_unsafe('-') || cl_name_byte_unsafe('.') || cl_name_byte_unsafe('_') ||
                 cl_name_byte_unsafe('/'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_every_code_point_alike),
        cmocka_unit_test(test_invalid_bytes_alike),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
