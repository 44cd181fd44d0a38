/* utf8.c - see utf8.h. */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

#include "swar.h"

size_t cl_utf8_len(const unsigned char *s, size_t left)
{
    unsigned c = s[0];

    if (c < 0x80)
        return 1;
    /* Ranges from the Unicode standard, table 3-7 (well-formed UTF-8). */
    if (c >= 0xC2 && c <= 0xDF)
        return (left >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;

        return (left >= 3 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;

        return (left >= 4 && s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 &&
                (s[3] & 0xC0) == 0x80)
                   ? 4
                   : 0;
    }
    return 0; /* continuation byte, overlong lead C0/C1, or F5-FF */
}

size_t cl_utf8_seq(const unsigned char *s, size_t left, unsigned *cp)
{
    static const unsigned char lead_bits[5] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
    size_t len = cl_utf8_len(s, left);
    unsigned v;

    if (len == 0)
        return 0;
    v = s[0] & lead_bits[len];
    for (size_t i = 1; i < len; i++)
        v = (v << 6) | (s[i] & 0x3F);
    *cp = v;
    return len;
}

size_t cl_utf8_encode(unsigned cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp > 0x10FFFF)
        return 0;
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t cl_utf8_check(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        size_t k;

        /* ASCII fast path, eight bytes at a time. */
        while (i + 8 <= len) {
            uint64_t w;

            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL)
                break;
            i += 8;
        }
        if (i == len)
            break;
        if ((k = cl_utf8_len(s + i, len - i)) == 0)
            return i;
        i += k;
    }
    return len;
}

size_t cl_utf8_count(const char *s, size_t n)
{
    size_t count = 0, i = 0;

    /* ASCII words are eight characters each. */
    for (; i + 8 <= n && !(cl_swar_load(s + i) & CL_SWAR_HIGHS); i += 8)
        count += 8;
    for (; i < n; i++)
        count += ((unsigned char)s[i] & 0xC0) != 0x80;
    return count;
}

size_t cl_utf8_control_at(const char *s, size_t n)
{
    size_t i = 0;

    /* Words of printable ASCII hold none. */
    while (i + 8 <= n && !cl_swar_unprintable(cl_swar_load(s + i)))
        i += 8;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c < 0x20 || c == 0x7F)
            return i;
        /* C1 is U+0080..U+009F: "\xC2\x80".."\xC2\x9F". */
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] <= 0x9F)
            return i;
    }
    return n;
}
