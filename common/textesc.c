/* textesc.c - see textesc.h. */
#include "textesc.h"

#include <string.h>

#include "swar.h"
#include "unsafe.h"
#include "utf8.h"

static const char hex[] = "0123456789abcdef";

static char *put_x(char *o, unsigned byte)
{
    *o++ = '\\';
    *o++ = 'x';
    *o++ = hex[(byte >> 4) & 15];
    *o++ = hex[byte & 15];
    return o;
}

static int plain(unsigned char c, int name)
{
    if (c < 0x20 || c >= 0x7F || c == '\\')
        return 0;
    /* Letters and digits first: most of a name, no call. */
    return !name || ((unsigned)((c | 0x20) - 'a') < 26 || (unsigned)(c - '0') < 10) ||
           !cl_name_byte_unsafe(c);
}

/* The end of the run of plain bytes from s[i]. */
static size_t plain_run(const unsigned char *s, size_t i, size_t n, int name)
{
    if (!name) {
        while (i + 8 <= n) {
            uint64_t w = cl_swar_load(s + i);

            if (cl_swar_unprintable(w) | cl_swar_has(w, '\\'))
                break;
            i += 8;
        }
    }
    while (i < n && plain(s[i], name))
        i++;
    return i;
}

static size_t escape(const char *str, size_t n, char *out, int name)
{
    const unsigned char *s = (const unsigned char *)str;
    char *o = out;
    size_t i = 0;

    while (i < n) {
        unsigned c = s[i], cp;
        size_t k;

        /* Copy the longest stretch of plain printable ASCII at once. */
        if (plain((unsigned char)c, name)) {
            size_t j = plain_run(s, i + 1, n, name);

            memcpy(o, s + i, j - i);
            o += j - i;
            i = j;
            continue;
        }
        k = c < 0x80 ? 1 : cl_utf8_seq(s + i, n - i, &cp);
        if (c < 0x80)
            cp = c;
        if (k == 0) {
            o = put_x(o, c); /* not UTF-8: the byte, so nothing is lost */
            k = 1;
        } else if (c == '\\' || c == '\n' || c == '\r' || c == '\t') {
            *o++ = '\\';
            *o++ = c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
        } else if (c < 0x80) {
            o = put_x(o, c); /* a C0 control, DEL, or a byte unsafe in a name */
        } else if (cl_cp_unsafe(cp) || name) {
            o += cl_cp_escape(cp, 0, o); /* in a name, every non-ASCII code point */
        } else {
            memcpy(o, s + i, k);
            o += k;
        }
        i += k;
    }
    return (size_t)(o - out);
}

size_t cl_text_escape(const char *s, size_t n, char *out)
{
    return escape(s, n, out, 0);
}

size_t cl_text_escape_name(const char *s, size_t n, char *out)
{
    return escape(s, n, out, 1);
}

void cl_strbuf_text(cl_strbuf *b, const char *s, size_t n, int name)
{
    if (cl_strbuf_reserve(b, CL_TEXTESC_BOUND(n)) != 0)
        return;
    b->len += escape(s, n, b->p + b->len, name);
    b->p[b->len] = '\0';
}
