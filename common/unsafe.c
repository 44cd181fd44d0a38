/* unsafe.c - see unsafe.h. */
#include "unsafe.h"

#include <string.h>

typedef struct cp_range {
    unsigned lo, hi;
} cp_range;

/* Sorted, disjoint, inclusive. Default_Ignorable_Code_Point as of Unicode
 * 15.0.0 (DerivedCoreProperties-15.0.0.txt), merged with the other classes
 * of unsafe.h; noncharacters U+xFFFE/U+xFFFF are tested arithmetically.
 * tests/unit/test_cli_unsafe.c checks this table against the Unicode data
 * file when /usr/share/unicode/DerivedCoreProperties.txt is installed. */
static const cp_range unsafe_ranges[] = {
    { 0x0000, 0x001F }, /* C0 controls */
    { 0x007F, 0x009F }, /* DEL, C1 controls */
    { 0x00AD, 0x00AD }, /* soft hyphen (DI) */
    { 0x034F, 0x034F }, /* combining grapheme joiner (DI) */
    { 0x061C, 0x061C }, /* Arabic letter mark (DI, bidi) */
    { 0x115F, 0x1160 }, /* Hangul choseong/jungseong fillers (DI) */
    { 0x17B4, 0x17B5 }, /* Khmer inherent vowels (DI) */
    { 0x180B, 0x180F }, /* Mongolian variation selectors, vowel separator (DI) */
    { 0x200B, 0x200F }, /* zero-width space/joiners, LRM, RLM (DI) */
    { 0x2028, 0x202E }, /* line/paragraph separators; bidi embeddings (DI) */
    { 0x2060,
      0x206F }, /* word joiner, invisible operators, bidi isolates, deprecated format (DI) */
    { 0x3164, 0x3164 },   /* Hangul filler (DI) */
    { 0xFDD0, 0xFDEF },   /* noncharacters */
    { 0xFE00, 0xFE0F },   /* variation selectors 1-16 (DI) */
    { 0xFEFF, 0xFEFF },   /* zero-width no-break space, BOM (DI) */
    { 0xFFA0, 0xFFA0 },   /* halfwidth Hangul filler (DI) */
    { 0xFFF0, 0xFFFB },   /* reserved (DI); interlinear annotation controls */
    { 0x1BCA0, 0x1BCA3 }, /* shorthand format controls (DI) */
    { 0x1D173, 0x1D17A }, /* musical symbol format controls (DI) */
    { 0xE0000, 0xE0FFF }, /* tag characters, variation selectors 17-256, reserved (DI) */
};

int cl_cp_unsafe(unsigned cp)
{
    size_t lo = 0, hi = sizeof unsafe_ranges / sizeof unsafe_ranges[0];

    if ((cp & 0xFFFE) == 0xFFFE && cp <= 0x10FFFF)
        return 1; /* U+xFFFE, U+xFFFF: a noncharacter in every plane */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (cp < unsafe_ranges[mid].lo)
            hi = mid;
        else if (cp > unsafe_ranges[mid].hi)
            lo = mid + 1;
        else
            return 1;
    }
    return 0;
}

int cl_name_byte_unsafe(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 0;
    switch (c) {
    case '.':
    case '_':
    case '/':
    case '@':
    case '+':
    case '=':
    case ',':
    case '-':
        return 0;
    default:
        return 1;
    }
}

static const char hex[] = "0123456789abcdef";

static size_t put_hex(unsigned v, int digits, char *out)
{
    for (int i = 0; i < digits; i++)
        out[i] = hex[(v >> (4 * (digits - 1 - i))) & 15];
    return (size_t)digits;
}

size_t cl_cp_escape(unsigned cp, int json, char *out)
{
    size_t n = 0;

    if (cp > 0xFFFF && json) {
        unsigned v = cp - 0x10000;

        out[n++] = '\\';
        out[n++] = 'u';
        n += put_hex(0xD800 + (v >> 10), 4, out + n);
        out[n++] = '\\';
        out[n++] = 'u';
        return n + put_hex(0xDC00 + (v & 0x3FF), 4, out + n);
    }
    out[n++] = '\\';
    out[n++] = cp > 0xFFFF ? 'U' : 'u';
    return n + put_hex(cp, cp > 0xFFFF ? 8 : 4, out + n);
}
