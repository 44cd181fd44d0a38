/* test_common_escape.c - the escapers of common/: JSON strings
 * (jsonesc.h) in the wire and the display form, and the text escaping of the
 * text file and the CLI (textesc.h). Every code point goes through all of
 * them; then each class of byte, repair of bytes that are not UTF-8, cutting
 * at a character boundary, and the strbuf forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonesc.h"
#include "textesc.h"
#include "unsafe.h"
#include "utf8.h"

static char out[4096];

static const char *jesc(const char *s, size_t n, size_t max, unsigned flags, size_t *used)
{
    size_t k = cl_json_escape(out, s, n, max, flags, used);

    assert_true(k <= CL_JSONESC_BOUND(n < max ? n : max));
    out[k] = '\0';
    return out;
}

#define WIRE(s) jesc((s), sizeof(s) - 1, SIZE_MAX, CL_JSONESC_WIRE, NULL)
#define SHOW(s) jesc((s), sizeof(s) - 1, SIZE_MAX, CL_JSONESC_DISPLAY, NULL)

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
    jesc("\xED\xA0\x80", 3, SIZE_MAX, CL_JSONESC_WIRE, &used);
    assert_int_equal(used, 3);
}

static void test_cut_at_character(void **state)
{
    size_t used;

    (void)state;
    assert_string_equal(jesc("abcdef", 6, 3, CL_JSONESC_WIRE, &used), "\"abc\"");
    assert_int_equal(used, 3);
    /* "a" then a 3-byte euro sign: 2 or 3 bytes allowed keep only "a". */
    assert_string_equal(jesc("a\xE2\x82\xAC", 4, 3, CL_JSONESC_WIRE, &used), "\"a\"");
    assert_int_equal(used, 1);
    assert_string_equal(jesc("a\xE2\x82\xAC", 4, 4, CL_JSONESC_WIRE, &used), "\"a\xE2\x82\xAC\"");
    assert_int_equal(used, 4);
    assert_string_equal(jesc("ab", 2, 0, CL_JSONESC_WIRE, &used), "\"\"");
    assert_int_equal(used, 0);
}

static void test_json_text(void **state)
{
    static const char in[] = "{\"k\":\"a\xE2\x80\xA8\\\"b\x7f\xC2\x85\xFF\",\"n\":[1,2]}";

    (void)state;
    /* Stored JSON keeps its quotes and escapes; only the unsafe changes. */
    assert_string_equal(
        jesc(in, sizeof in - 1, SIZE_MAX, CL_JSONESC_DISPLAY | CL_JSONESC_JSON_TEXT, NULL),
        "{\"k\":\"a\\u2028\\\"b\\u007f\\u0085\\ufffd\",\"n\":[1,2]}");
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

static char tout[256];

static const char *tesc(const char *s, size_t n, int name)
{
    size_t k = name ? cl_text_escape_name(s, n, tout) : cl_text_escape(s, n, tout);

    assert_true(k <= CL_TEXTESC_BOUND(n));
    tout[k] = '\0';
    return tout;
}

static void test_text_ascii(void **state)
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
        assert_string_equal(tesc(in, 1, 0), want);
        /* A name keeps only [A-Za-z0-9._/@+=,-] raw; the escapes stay. */
        if (want[0] != '\\' && cl_name_byte_unsafe((unsigned char)c))
            snprintf(want, sizeof want, "\\x%02x", c);
        assert_string_equal(tesc(in, 1, 1), want);
    }
    assert_string_equal(tesc("web 01[x]:", 10, 1), "web\\x2001\\x5bx\\x5d\\x3a");
    assert_string_equal(tesc("a-b_c.d/e@f+g=h,i", 17, 1), "a-b_c.d/e@f+g=h,i");
    assert_string_equal(tesc("a;b\"c'$", 7, 1), "a\\x3bb\\x22c\\x27\\x24");
    assert_string_equal(tesc("web 01[x]:", 10, 0), "web 01[x]:");
}

static void test_text_not_utf8(void **state)
{
    (void)state;
    /* Each byte that is not UTF-8 shows as itself, so nothing is lost. */
    assert_string_equal(tesc("a\xFF"
                             "b",
                             3, 0),
                        "a\\xffb");
    assert_string_equal(tesc("\xC0\xAF", 2, 0), "\\xc0\\xaf");
    assert_string_equal(tesc("\xE2\x82", 2, 0), "\\xe2\\x82");
    assert_string_equal(tesc("\xED\xA0\x80", 3, 1), "\\xed\\xa0\\x80");
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

/* Each scalar value above ASCII, through every escaper: escaped for display
 * and in the text file exactly when unsafe.h says so, spelled as
 * cl_cp_escape spells it (\\UHHHHHHHH in text and a surrogate pair in JSON
 * above U+FFFF); always escaped in a name; never on the wire. */
static void test_every_code_point(void **state)
{
    (void)state;
    for (unsigned cp = 0x80; cp <= 0x10FFFF; cp++) {
        char in[4], raw[8], esc_text[16], esc_json[16], want_json[24], want_text[16];
        size_t n = cl_utf8_encode(cp, in);

        if (n == 0)
            continue; /* a surrogate */
        snprintf(raw, sizeof raw, "%.*s", (int)n, in);
        if (cp > 0xFFFF) {
            unsigned v = cp - 0x10000;

            snprintf(esc_text, sizeof esc_text, "\\U%08x", cp);
            snprintf(esc_json, sizeof esc_json, "\\u%04x\\u%04x", 0xD800 + (v >> 10),
                     0xDC00 + (v & 0x3FF));
        } else {
            snprintf(esc_text, sizeof esc_text, "\\u%04x", cp);
            snprintf(esc_json, sizeof esc_json, "\\u%04x", cp);
        }
        snprintf(want_text, sizeof want_text, "%s", cl_cp_unsafe(cp) ? esc_text : raw);
        snprintf(want_json, sizeof want_json, "\"%s\"", cl_cp_unsafe(cp) ? esc_json : raw);
        if (strcmp(jesc(in, n, SIZE_MAX, CL_JSONESC_DISPLAY, NULL), want_json) != 0)
            fail_msg("U+%04X: JSON %s, want %s", cp, out, want_json);
        snprintf(want_json, sizeof want_json, "\"%s\"", raw);
        if (strcmp(jesc(in, n, SIZE_MAX, CL_JSONESC_WIRE, NULL), want_json) != 0)
            fail_msg("U+%04X: wire %s, want %s", cp, out, want_json);
        if (strcmp(tesc(in, n, 0), want_text) != 0)
            fail_msg("U+%04X: text %s, want %s", cp, tout, want_text);
        if (strcmp(tesc(in, n, 1), esc_text) != 0)
            fail_msg("U+%04X: name %s, want %s", cp, tout, esc_text);
    }
}

/* Word-at-a-time runs (common/swar.h) against byte at a time: escaping a
 * string whole gives what escaping its pieces (cut before ASCII bytes, so
 * between characters; pieces under 8 bytes never take a whole word) and
 * joining gives, for random mixes of plain text and every kind of byte. */
static size_t escape_one(int kind, const char *s, size_t n, char *dst)
{
    switch (kind) {
    case 0:
        return cl_text_escape(s, n, dst);
    case 1:
        return cl_text_escape_name(s, n, dst);
    case 2:
        return cl_json_escape(dst, s, n, SIZE_MAX, CL_JSONESC_DISPLAY | CL_JSONESC_JSON_TEXT, NULL);
    default: /* without the quotes it adds */
        n = cl_json_escape(dst, s, n, SIZE_MAX, kind == 3 ? CL_JSONESC_DISPLAY : CL_JSONESC_WIRE,
                           NULL);
        memmove(dst, dst + 1, n - 2);
        return n - 2;
    }
}

static void test_word_runs(void **state)
{
    static const char *const bits[] = {
        "plain text ",  "abcdefgh", "\\", "\"", "\x01",    "\x7f",  "\xc2\x85",        "\xc3\xa9",
        "\xe2\x80\xa8", "\xff",     "\n", "\t", "A_b.c-d", "@/+=,", "\xf0\x9f\x98\x80"
    };
    uint64_t rng = 42;
    char in[512], whole[512 * 6 + 2], parts[512 * 6 + 2];

    (void)state;
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 0, w, p = 0, start = 0;
        int kind = iter % 5;

        while (n < 200) {
            const char *b;

            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            b = bits[(rng >> 33) % (sizeof bits / sizeof bits[0])];
            memcpy(in + n, b, strlen(b));
            n += strlen(b);
        }
        w = escape_one(kind, in, n, whole);
        for (size_t i = 1; i <= n; i++) {
            if (i == n || (i - start >= 5 && (unsigned char)in[i] < 0x80)) {
                p += escape_one(kind, in + start, i - start, parts + p);
                start = i;
            }
        }
        assert_int_equal(w, p);
        assert_memory_equal(whole, parts, w);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_point),
        cmocka_unit_test(test_json_needs),
        cmocka_unit_test(test_unsafe_only_for_display),
        cmocka_unit_test(test_bad_bytes_repaired),
        cmocka_unit_test(test_cut_at_character),
        cmocka_unit_test(test_json_text),
        cmocka_unit_test(test_strbuf_json),
        cmocka_unit_test(test_text_ascii),
        cmocka_unit_test(test_text_not_utf8),
        cmocka_unit_test(test_strbuf_text),
        cmocka_unit_test(test_word_runs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
