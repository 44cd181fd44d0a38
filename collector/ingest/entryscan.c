/* entryscan.c - see entryscan.h. Anything unusual answers "not sure" (0):
 * the full judgement is the one place where rejects are worded. */
#include "entryscan.h"

#include <stdint.h>
#include <string.h>

#include "swar.h"
#include "utf8.h"
#include "validate.h"

/* Member names of all open objects, for the duplicate check; a line with
 * more goes the full way. */
#define KEY_STACK 256
/* cJSON reads at most 63 bytes of a number (a longer one fails to parse);
 * without an exponent 40 digits are far from a double's range, so every
 * number the fast path takes is finite. */
#define NUMBER_MAX 40
/* cJSON refuses nesting past 1000 levels whatever --max-depth says. */
#define DEPTH_MAX 512

typedef struct keyref {
    size_t off, len; /* a member name's content between its quotes */
} keyref;

typedef struct parser {
    const unsigned char *s;
    size_t len, i;
    const cl_limits *lim;
    int spaced; /* insignificant whitespace seen in the current value */
    size_t nkeys;
    keyref keys[KEY_STACK];
} parser;

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_ws_slow(parser *p)
{
    while (p->i < p->len && is_ws(p->s[p->i])) {
        p->i++;
        p->spaced = 1;
    }
}

/* Most lines have no whitespace between tokens: one test, inline. */
static inline void skip_ws(parser *p)
{
    if (p->i < p->len && is_ws(p->s[p->i]))
        skip_ws_slow(p);
}

/* The bytes of w that end a run of plain string content - a quote, a
 * backslash, a control - flagged by their high bit. The lowest flag is
 * exact (borrows only run upwards), the ones above it may not be. */
static uint64_t stop_mask(uint64_t w)
{
    return cl_swar_has(w, '"') | cl_swar_has(w, '\\') | cl_swar_below(w, 0x20);
}

/* Skips plain string content from p->i to the next quote, backslash or
 * control byte (or the end). */
static void skip_plain(parser *p)
{
    const unsigned char *s = p->s;
    size_t i = p->i, len = p->len;

    for (; i + 8 <= len; i += 8) {
        uint64_t m = stop_mask(cl_swar_load(s + i));

        if (m != 0) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            p->i = i + (size_t)__builtin_ctzll(m) / 8;
            return;
#else
            break;
#endif
        }
    }
    while (i < len && s[i] != '"' && s[i] != '\\' && s[i] >= 0x20)
        i++;
    p->i = i;
}

static size_t utf8_width(long cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* A string at p->i (its opening quote). Sets off/len to its content and
 * *dec_len to its unescaped length; *esc if it has escapes. */
static int string(parser *p, size_t *off, size_t *len, size_t *dec_len, int *esc)
{
    size_t start = ++p->i, dec = 0;

    *esc = 0;
    for (;;) {
        unsigned char c;
        size_t k, at;
        long cp;
        const char *why;

        skip_plain(p);
        if (p->i >= p->len)
            return 0;
        c = p->s[p->i];
        if (c == '"')
            break;
        if (c < 0x20)
            return 0;
        k = cl_json_escape_len(p->s + p->i, p->len - p->i, &cp, &at, &why);
        if (k == 0 || cp == 0)
            return 0; /* invalid, or \u0000: the full path words it */
        dec += k - (cp < 0 ? 1 : utf8_width(cp));
        *esc = 1;
        p->i += k;
    }
    *off = start;
    *len = p->i - start;
    *dec_len = *len - dec;
    p->i++;
    return 1;
}

/* A member name: no escapes (so that names compare as bytes), not a
 * duplicate in its object (keys from base on), at most max_field_key code
 * points when nested. */
static int key(parser *p, size_t base, int nested)
{
    size_t off, len, dec;
    int esc;

    if (p->i >= p->len || p->s[p->i] != '"' || !string(p, &off, &len, &dec, &esc) || esc)
        return 0;
    if (nested && len > p->lim->max_field_key &&
        cl_utf8_count((const char *)p->s + off, len) > p->lim->max_field_key)
        return 0;
    for (size_t k = base; k < p->nkeys; k++) {
        const unsigned char *other = p->s + p->keys[k].off;

        if (p->keys[k].len == len &&
            (len == 0 || (other[0] == p->s[off] && memcmp(other, p->s + off, len) == 0)))
            return 0;
    }
    if (p->nkeys == KEY_STACK)
        return 0;
    p->keys[p->nkeys].off = off;
    p->keys[p->nkeys].len = len;
    p->nkeys++;
    return 1;
}

static int value(parser *p, int depth, cl_jval *v);

/* Consumes ws, then ',' (returns 1: more follows) or the closer (returns 0);
 * -1 for anything else. */
static int next_or_close(parser *p, unsigned char closer)
{
    skip_ws(p);
    if (p->i >= p->len)
        return -1;
    if (p->s[p->i] == ',') {
        p->i++;
        skip_ws(p);
        return 1;
    }
    if (p->s[p->i] == closer) {
        p->i++;
        return 0;
    }
    return -1;
}

/* A nested object or array at p->i, its own depth being depth. */
static int container(parser *p, int depth)
{
    unsigned char closer = p->s[p->i] == '{' ? '}' : ']';
    size_t base = p->nkeys, n = 0;
    cl_jval v;
    int more;

    if (depth > p->lim->max_depth || depth > DEPTH_MAX)
        return 0;
    p->i++;
    skip_ws(p);
    if (p->i < p->len && p->s[p->i] == closer) {
        p->i++;
        return 1;
    }
    do {
        if (++n > p->lim->max_members)
            return 0;
        if (closer == '}') {
            if (!key(p, base, 1))
                return 0;
            skip_ws(p);
            if (p->i >= p->len || p->s[p->i] != ':')
                return 0;
            p->i++;
            skip_ws(p);
        }
        if (!value(p, depth + 1, &v))
            return 0;
    } while ((more = next_or_close(p, closer)) == 1);
    p->nkeys = base;
    return more == 0;
}

static int literal(parser *p, const char *word, cl_jval *v)
{
    size_t n = strlen(word);

    if (p->len - p->i < n || memcmp(p->s + p->i, word, n) != 0)
        return 0;
    p->i += n;
    v->type = CL_JT_LITERAL;
    v->len = n;
    return 1;
}

/* A value at p->i; depth is the depth a container here would have. */
static int value(parser *p, int depth, cl_jval *v)
{
    int esc;

    if (p->i >= p->len)
        return 0;
    v->off = p->i;
    v->esc = 0;
    switch (p->s[p->i]) {
    case '"':
        v->type = CL_JT_STRING;
        if (!string(p, &v->off, &v->len, &v->dec_len, &esc))
            return 0;
        v->esc = (unsigned char)esc;
        return 1;
    case '{':
        v->type = CL_JT_OBJECT;
        break;
    case '[':
        v->type = CL_JT_ARRAY;
        break;
    case 't':
        return literal(p, "true", v);
    case 'f':
        return literal(p, "false", v);
    case 'n':
        return literal(p, "null", v);
    default: {
        size_t k = cl_json_number_len(p->s + p->i, p->len - p->i);

        v->type = CL_JT_NUMBER;
        if (k == 0 || k > NUMBER_MAX)
            return 0;
        for (size_t j = 0; j < k; j++) {
            if ((p->s[p->i + j] | 0x20) == 'e')
                return 0; /* an exponent can overflow: the full path checks */
        }
        p->i += k;
        v->len = k;
        return 1;
    }
    }
    if (!container(p, depth))
        return 0;
    v->len = p->i - v->off;
    return 1;
}

/* The entry object's members: their spans, as cl_wirecheck records them. */
static int members(parser *p, cl_entryscan *out)
{
    size_t limit = p->lim->max_top_members < CL_SCAN_MAX_MEMBERS ? p->lim->max_top_members
                                                                 : CL_SCAN_MAX_MEMBERS;
    int more;

    do {
        cl_span *sp;
        cl_jval *v;

        if (out->nmembers == limit)
            return 0;
        sp = &out->members[out->nmembers];
        v = &out->vals[out->nmembers];
        sp->key_off = p->i;
        if (!key(p, 0, 0))
            return 0;
        sp->key_len = p->i - sp->key_off;
        skip_ws(p);
        if (p->i >= p->len || p->s[p->i] != ':')
            return 0;
        p->i++;
        skip_ws(p);
        sp->val_off = p->i;
        p->spaced = 0;
        if (!value(p, 2, v))
            return 0;
        v->spaced = (unsigned char)p->spaced;
        sp->val_len = p->i - sp->val_off;
        out->nmembers++;
    } while ((more = next_or_close(p, '}')) == 1);
    return more == 0;
}

int cl_entry_scan(const char *line, size_t len, const cl_limits *lim, cl_entryscan *out)
{
    parser p;

    p.s = (const unsigned char *)line;
    p.len = len;
    p.i = 0;
    p.lim = lim;
    p.nkeys = 0;
    p.spaced = 0;
    out->nmembers = 0;
    if (lim->max_depth < 1 || cl_utf8_check(p.s, len) != len)
        return 0;
    skip_ws(&p);
    if (p.i >= len || line[p.i] != '{')
        return 0;
    p.i++;
    skip_ws(&p);
    if (!members(&p, out))
        return 0;
    skip_ws(&p);
    return p.i == len;
}

static unsigned hexval(unsigned char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static unsigned hex4(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    return hexval(u[0]) << 12 | hexval(u[1]) << 8 | hexval(u[2]) << 4 | hexval(u[3]);
}

size_t cl_json_unescape(const char *in, size_t n, char *out)
{
    size_t i = 0, o = 0;

    while (i < n) {
        const char *bs = memchr(in + i, '\\', n - i);
        size_t run = bs != NULL ? (size_t)(bs - (in + i)) : n - i;
        unsigned cp;

        memcpy(out + o, in + i, run);
        o += run;
        i += run;
        if (i >= n)
            break;
        switch (in[i + 1]) {
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'u':
            cp = hex4(in + i + 2);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (hex4(in + i + 8) - 0xDC00);
                i += 6;
            }
            o += cl_utf8_encode(cp, out + o);
            i += 4;
            break;
        default: /* " \ / */
            out[o++] = in[i + 1];
            break;
        }
        i += 2;
    }
    return o;
}
