/* test_common_utf8.c - the one UTF-8 decoder (common/utf8.h), checked
 * exhaustively over every sequence of up to three bytes (and every four-byte
 * lead with its edge continuations) against the definition: the shortest
 * encoding of a scalar value (U+0000..U+10FFFF, not a surrogate). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* The definition, written independently of the table in utf8.c: decode
 * greedily, then require the shortest form and a scalar value. */
static size_t ref_seq(const unsigned char *s, size_t left, unsigned *cp)
{
    unsigned c = s[0], v;
    size_t len;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    len = c >= 0xF0 && c < 0xF8 ? 4 : c >= 0xE0 && c < 0xF0 ? 3 : c >= 0xC0 && c < 0xE0 ? 2 : 0;
    if (len == 0 || left < len)
        return 0;
    v = c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
        v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

static void agree(const unsigned char *s, size_t n)
{
    unsigned a = 0, b = 0;
    size_t ka = cl_utf8_seq(s, n, &a), kb = ref_seq(s, n, &b);

    if (ka != kb || (ka && a != b))
        fail_msg("%02x %02x %02x %02x (n %zu): %zu/%x, want %zu/%x", s[0], n > 1 ? s[1] : 0,
                 n > 2 ? s[2] : 0, n > 3 ? s[3] : 0, n, ka, a, kb, b);
    assert_int_equal(cl_utf8_len(s, n), kb);
}

static void test_every_short_sequence(void **state)
{
    unsigned char s[4] = { 0 };

    (void)state;
    for (unsigned a = 0; a < 256; a++) {
        s[0] = (unsigned char)a;
        agree(s, 1);
        for (unsigned b = 0; b < 256; b++) {
            s[1] = (unsigned char)b;
            agree(s, 2);
            for (unsigned c = 0; c < 256; c++) {
                s[2] = (unsigned char)c;
                agree(s, 3);
            }
        }
    }
}

static void test_four_byte_edges(void **state)
{
    static const unsigned char edge[] = {
        0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF
    };
    unsigned char s[4];

    (void)state;
    for (unsigned a = 0xF0; a < 256; a++)
        for (size_t i = 0; i < sizeof edge; i++)
            for (size_t j = 0; j < sizeof edge; j++)
                for (size_t k = 0; k < sizeof edge; k++) {
                    s[0] = (unsigned char)a, s[1] = edge[i], s[2] = edge[j], s[3] = edge[k];
                    agree(s, 4);
                    agree(s, 3); /* truncated */
                }
}

static void test_encode_round_trip(void **state)
{
    char s[4];

    (void)state;
    for (unsigned cp = 0; cp <= 0x10FFFF + 1; cp++) {
        size_t n = cl_utf8_encode(cp, s);
        unsigned back = ~0u;

        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            assert_int_equal(n, 0);
            continue;
        }
        assert_int_equal(n, cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);
        assert_int_equal(ref_seq((const unsigned char *)s, n, &back), n);
        assert_int_equal(back, cp);
    }
}

static void test_check_and_count(void **state)
{
    const char *ok = "plain ascii text, then caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 end";
    const char *bad = "eight ok\xC3\xA9\xED\xA0\x80 (a surrogate)";

    (void)state;
    assert_int_equal(cl_utf8_check((const unsigned char *)ok, strlen(ok)), strlen(ok));
    assert_int_equal(cl_utf8_check((const unsigned char *)bad, strlen(bad)), 10);
    /* A sequence cut by the end of the buffer is bad where it starts. */
    assert_int_equal(cl_utf8_check((const unsigned char *)"abcdefghij\xE2\x82", 12), 10);
    assert_int_equal(cl_utf8_check((const unsigned char *)"", 0), 0);
    assert_int_equal(cl_utf8_count(ok, strlen(ok)), strlen(ok) - 1 - 2 - 3);
}

static void test_control_at(void **state)
{
    (void)state;
    assert_int_equal(cl_utf8_control_at("abc", 3), 3);
    assert_int_equal(cl_utf8_control_at("ab\tc", 4), 2);
    assert_int_equal(cl_utf8_control_at("ab\x7F", 3), 2);
    assert_int_equal(cl_utf8_control_at("a\xC2\x85", 3), 1);     /* NEL, a C1 control */
    assert_int_equal(cl_utf8_control_at("a\xC2\xA0", 3), 3);     /* no-break space */
    assert_int_equal(cl_utf8_control_at("a\xE2\x80\xAE", 4), 4); /* bidi: unsafe.h's business */
}

/* The word-at-a-time skips (common/swar.h) against byte at a time, at
 * every offset of a special byte within and across words. */
static void test_word_skips(void **state)
{
    static const char *const special[] = { "\x01",         "\x1f",     "\x7f",
                                           "\xc2\x85",     "\xc2\xa0", "\xc3\xa9",
                                           "\xe2\x80\xa8", " ",        "~" };
    char buf[64];

    (void)state;
    for (size_t k = 0; k < sizeof special / sizeof special[0]; k++) {
        for (size_t at = 0; at < 40; at++) {
            size_t sl = strlen(special[k]), n = at + sl + 17, count = 0, ctl = n;

            memset(buf, 'a', n);
            memcpy(buf + at, special[k], sl);
            for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)buf[i];

                count += (c & 0xC0) != 0x80;
                if (ctl == n && (c < 0x20 || c == 0x7F ||
                                 (c == 0xC2 && i + 1 < n && (unsigned char)buf[i + 1] <= 0x9F)))
                    ctl = i;
            }
            assert_int_equal(cl_utf8_count(buf, n), count);
            assert_int_equal(cl_utf8_control_at(buf, n), ctl);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_short_sequence), cmocka_unit_test(test_four_byte_edges),
        cmocka_unit_test(test_encode_round_trip),    cmocka_unit_test(test_check_and_count),
        cmocka_unit_test(test_control_at),           cmocka_unit_test(test_word_skips),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
