/* jsonobj.c - see jsonobj.h. */
#include "jsonobj.h"

#include "utf8.h"

static int ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && ws(s[i]))
        i++;
    return i;
}

/* Index just past the string whose opening quote is s[i]. */
static size_t past_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return n;
}

/* Index just past the value starting at s[i]: up to the ',' or closing
 * bracket at its own depth, less trailing whitespace. */
static size_t past_value(const char *s, size_t n, size_t i)
{
    int depth = 0;

    while (i < n) {
        char c = s[i];

        if (c == '"') {
            i = past_string(s, n, i);
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth-- == 0)
                break;
        } else if (c == ',' && depth == 0) {
            break;
        }
        i++;
    }
    while (i > 0 && ws(s[i - 1]))
        i--;
    return i;
}

int cl_json_is_object(const char *s, size_t n)
{
    size_t i = skip_ws(s, n, 0);

    return i < n && s[i] == '{';
}

int cl_json_next_member(const char *s, size_t n, size_t *pos, cl_jmember *m)
{
    size_t i = *pos, k;

    if (i == 0) {
        i = skip_ws(s, n, 0);
        if (i >= n || s[i] != '{')
            return 0;
        i++;
    }
    i = skip_ws(s, n, i);
    if (i < n && s[i] == ',')
        i = skip_ws(s, n, i + 1);
    if (i >= n || s[i] != '"')
        return 0; /* the closing brace */
    k = past_string(s, n, i);
    m->key = s + i + 1;
    m->key_n = k > i + 1 ? k - i - 2 : 0;
    i = skip_ws(s, n, k);
    if (i < n && s[i] == ':')
        i = skip_ws(s, n, i + 1);
    k = past_value(s, n, i);
    m->val = s + i;
    m->val_n = k > i ? k - i : 0;
    *pos = k > i ? k : i + 1;
    return 1;
}

static int hex4(const char *s, unsigned *v)
{
    *v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 16u;

        if (d > 15)
            return -1;
        *v = *v << 4 | d;
    }
    return 0;
}

/* The code point of the \u escape at s[i] (and of its low surrogate after
 * it); *len the bytes it took. */
static unsigned unicode_escape(const char *s, size_t n, size_t i, size_t *len)
{
    unsigned hi, lo;

    *len = 2;
    if (i + 6 > n || hex4(s + i + 2, &hi) != 0)
        return 0xFFFD;
    *len = 6;
    if (hi < 0xD800 || hi > 0xDFFF)
        return hi;
    if (hi > 0xDBFF || i + 12 > n || s[i + 6] != '\\' || s[i + 7] != 'u' ||
        hex4(s + i + 8, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF)
        return 0xFFFD;
    *len = 12;
    return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

void cl_json_unquote(cl_strbuf *b, const char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t j = i, len;
        char u[4];

        while (j < n && s[j] != '\\')
            j++;
        cl_strbuf_put(b, s + i, j - i);
        if (j + 1 >= n)
            break; /* a backslash at the very end: not JSON, left out */
        switch (s[j + 1]) {
        case 'b':
            cl_strbuf_putc(b, '\b');
            break;
        case 'f':
            cl_strbuf_putc(b, '\f');
            break;
        case 'n':
            cl_strbuf_putc(b, '\n');
            break;
        case 'r':
            cl_strbuf_putc(b, '\r');
            break;
        case 't':
            cl_strbuf_putc(b, '\t');
            break;
        case 'u':
            cl_strbuf_put(b, u, cl_utf8_encode(unicode_escape(s, n, j, &len), u));
            i = j + len;
            continue;
        default: /* " \ / and anything not JSON: the character itself */
            cl_strbuf_putc(b, s[j + 1]);
            break;
        }
        i = j + 2;
    }
}
