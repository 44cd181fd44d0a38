/* jsonesc.c - see jsonesc.h. */
#include "jsonesc.h"

#include <string.h>

#include "swar.h"
#include "unsafe.h"
#include "utf8.h"

static int plain(unsigned char c, unsigned flags)
{
    return c >= 0x20 && c < 0x7F && ((flags & CL_JSONESC_JSON_TEXT) || (c != '"' && c != '\\'));
}

/* The end of the run of plain bytes from s[i], i < lim. */
static size_t plain_run(const unsigned char *s, size_t i, size_t lim, unsigned flags)
{
    int text = (flags & CL_JSONESC_JSON_TEXT) != 0;

    while (i + 8 <= lim) {
        uint64_t w = cl_swar_load(s + i);

        if (cl_swar_unprintable(w) || (!text && (cl_swar_has(w, '"') | cl_swar_has(w, '\\'))))
            break;
        i += 8;
    }
    while (i < lim && plain(s[i], flags))
        i++;
    return i;
}

/* One ASCII byte that is not plain. */
static char *put_ascii(char *o, unsigned c, unsigned flags)
{
    if (flags & CL_JSONESC_JSON_TEXT)
        return o + cl_cp_escape(c, 1, o);

    char e = c == '"'    ? '"'
             : c == '\\' ? '\\'
             : c == '\n' ? 'n'
             : c == '\r' ? 'r'
             : c == '\t' ? 't'
                         : 0;

    if (e == 0)
        return o + cl_cp_escape(c, 1, o); /* the other C0 controls, and DEL */
    *o++ = '\\';
    *o++ = e;
    return o;
}

size_t cl_json_escape(char *out, const char *str, size_t n, size_t max_bytes, unsigned flags,
                      size_t *used)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, lim = n < max_bytes ? n : max_bytes;
    char *o = out;

    if (!(flags & CL_JSONESC_JSON_TEXT))
        *o++ = '"';
    while (i < lim) {
        unsigned c = s[i], cp;
        size_t k;

        /* Plain printable ASCII is most of every message: copy runs of it. */
        if (plain((unsigned char)c, flags)) {
            size_t j = plain_run(s, i + 1, lim, flags);

            memcpy(o, s + i, j - i);
            o += j - i;
            i = j;
            continue;
        }
        if (c < 0x80) {
            o = put_ascii(o, c, flags);
            i++;
            continue;
        }
        k = cl_utf8_seq(s + i, n - i, &cp);
        if (k == 0) {
            /* One byte that is not UTF-8 becomes one U+FFFD. */
            if (flags & CL_JSONESC_BAD_ESCAPED) {
                o += cl_cp_escape(0xFFFD, 1, o);
            } else {
                memcpy(o, "\xEF\xBF\xBD", 3);
                o += 3;
            }
            i++;
            continue;
        }
        if (i + k > lim)
            break; /* never cut a character in two */
        if ((flags & CL_JSONESC_UNSAFE) && cl_cp_unsafe(cp)) {
            o += cl_cp_escape(cp, 1, o); /* above U+FFFF a surrogate pair */
        } else {
            memcpy(o, s + i, k);
            o += k;
        }
        i += k;
    }
    if (!(flags & CL_JSONESC_JSON_TEXT))
        *o++ = '"';
    if (used != NULL)
        *used = i;
    return (size_t)(o - out);
}

size_t cl_strbuf_json(cl_strbuf *b, const char *s, size_t n, size_t max_bytes, unsigned flags)
{
    size_t lim = n < max_bytes ? n : max_bytes, used;

    if (cl_strbuf_reserve(b, CL_JSONESC_BOUND(lim)) != 0)
        return 0;
    b->len += cl_json_escape(b->p + b->len, s, n, max_bytes, flags, &used);
    b->p[b->len] = '\0';
    return used;
}
