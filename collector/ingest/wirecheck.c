/* wirecheck.c - one linear pass per rule family, no allocation. */
#include "wirecheck.h"

#include <string.h>

/* Bytes that end a run of plain string content: controls, quote, backslash. */
static const unsigned char string_stop[256] = {
    1,         1,          1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00-0x0f */
    1,         1,          1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10-0x1f */
    ['"'] = 1, ['\\'] = 1,
};

/* Length of a number token matching RFC 8259's grammar
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at s, or 0. cJSON hands
 * numbers to strtod, which also takes "01", "1." and "1.e5". */
size_t cl_json_number_len(const unsigned char *s, size_t left)
{
    size_t i = 0;

#define DIGIT(k) ((k) < left && s[k] >= '0' && s[k] <= '9')
    if (i < left && s[i] == '-')
        i++;
    if (i < left && s[i] == '0') {
        i++;
    } else if (DIGIT(i)) {
        while (DIGIT(i))
            i++;
    } else {
        return 0;
    }
    if (i < left && s[i] == '.') {
        if (!DIGIT(i + 1))
            return 0;
        for (i++; DIGIT(i); i++)
            ;
    }
    if (i < left && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < left && (s[i] == '+' || s[i] == '-'))
            i++;
        if (!DIGIT(i))
            return 0;
        while (DIGIT(i))
            i++;
    }
#undef DIGIT
    /* The token must end here: "01" stops after "0" and leaves a digit. */
    if (i < left && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == 'e' || s[i] == 'E' ||
                     s[i] == '+' || s[i] == '-'))
        return 0;
    return i;
}

/* Value of four hex digits at s, or -1. */
static long hex4(const unsigned char *s, size_t left)
{
    long v = 0;

    if (left < 4)
        return -1;
    for (int k = 0; k < 4; k++) {
        unsigned char c = s[k];

        if (c >= '0' && c <= '9')
            v = v * 16 + (c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            v = v * 16 + ((c | 0x20) - 'a' + 10);
        else
            return -1;
    }
    return v;
}

/* Judges the escape sequence at s (s[0] is the backslash) as RFC 8259
 * section 7 and I-JSON (RFC 7493, no unpaired surrogates) define it. Returns
 * its length; 0 when it is invalid, with *err_at (relative to s) and *why
 * set. *cp is the code point written (only U+0000 matters to the caller).
 * cJSON cannot be trusted here: it reads "\uqqqq" as U+0000 and so cuts the
 * string short, and it does not say which escape was wrong. */
static const char lone_high[] =
    "unpaired surrogate: a high surrogate (\\ud800-\\udbff) must be followed by a low one "
    "(\\udc00-\\udfff); alone it is not a character and has no UTF-8 form";

size_t cl_json_escape_len(const unsigned char *s, size_t left, long *cp, size_t *err_at,
                          const char **why)
{
    long hi, lo;

    *cp = -1;
    *err_at = 0;
    if (left < 2) {
        *why = "a backslash ends the line";
        return 0;
    }
    if (strchr("\"\\/bfnrt", s[1]) != NULL && s[1] != '\0')
        return 2;
    if (s[1] != 'u') {
        *why = "invalid escape; JSON has only \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
               "and \\u with four hex digits";
        return 0;
    }
    if ((hi = hex4(s + 2, left - 2)) < 0) {
        *why = "\\u must be followed by four hex digits";
        return 0;
    }
    if (hi >= 0xDC00 && hi <= 0xDFFF) {
        *why = "unpaired surrogate: a low surrogate (\\udc00-\\udfff) without a high one "
               "before it is not a character and has no UTF-8 form";
        return 0;
    }
    if (hi < 0xD800 || hi > 0xDBFF) {
        *cp = hi;
        return 6;
    }
    if (left < 8 || s[6] != '\\' || s[7] != 'u') {
        *why = lone_high;
        return 0;
    }
    if ((lo = hex4(s + 8, left - 8)) < 0) {
        *err_at = 6;
        *why = "\\u must be followed by four hex digits";
        return 0;
    }
    if (lo < 0xDC00 || lo > 0xDFFF) {
        *why = lone_high;
        return 0;
    }
    *cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    return 12;
}

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Tracks the top-level object's members while scanning. */
typedef struct member_state {
    int expect_key;   /* next string at depth 1 is a key */
    int expect_value; /* a ':' was seen; next non-space byte starts the value */
    int in_value;
    size_t last_nonspace;
} member_state;

static void close_value(cl_scan *out, member_state *m)
{
    if (m->in_value && out->nmembers > 0 && out->nmembers <= CL_SCAN_MAX_MEMBERS) {
        cl_span *sp = &out->members[out->nmembers - 1];

        sp->val_len = m->last_nonspace + 1 - sp->val_off;
    }
    m->in_value = 0;
}

enum cl_reason cl_wirecheck(const char *str, size_t len, int max_depth, cl_scan *out)
{
    const unsigned char *s = (const unsigned char *)str;
    member_state m = { 0, 0, 0, 0 };
    int depth = 0, in_string = 0, too_deep = 0;
    size_t deep_off = 0, str_start = 0, syntax_off = 0;
    const char *syntax_what = NULL; /* the first syntax error found here */
    size_t bad;

    memset(out, 0, offsetof(cl_scan, members));
    bad = cl_utf8_check(s, len);
    if (bad < len) {
        out->err_off = bad;
        return CL_R_INVALID_UTF8;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];

        if (in_string) {
            /* Most bytes of a log entry are plain string content: skip them
             * in a tight loop before looking at what ends the run. */
            while (!string_stop[c] && ++i < len)
                c = s[i];
            if (i == len)
                break;
            if (c < 0x20) {
                out->err_off = i;
                return CL_R_CONTROL_CHAR;
            }
            if (c == '\\') {
                size_t k, at;
                long cp;
                const char *why;

                if (i + 1 < len && s[i + 1] < 0x20) {
                    out->err_off = i + 1;
                    return CL_R_CONTROL_CHAR;
                }
                k = cl_json_escape_len(s + i, len - i, &cp, &at, &why);
                if (k == 0) {
                    if (syntax_what == NULL) {
                        syntax_what = why;
                        syntax_off = i + at;
                    }
                    i++; /* the escaped byte cannot end the string */
                    continue;
                }
                if (cp == 0 && !out->has_nul_escape) {
                    out->has_nul_escape = 1;
                    out->nul_off = i;
                }
                i += k - 1; /* no byte of a valid escape is a quote or a control */
                continue;
            }
            if (c == '"') {
                in_string = 0;
                m.last_nonspace = i;
                if (depth == 1 && m.expect_key) {
                    if (++out->nmembers <= CL_SCAN_MAX_MEMBERS) {
                        out->members[out->nmembers - 1].key_off = str_start;
                        out->members[out->nmembers - 1].key_len = i + 1 - str_start;
                    }
                    m.expect_key = 0;
                }
            }
            continue;
        }
        if (is_ws(c))
            continue;
        if (c < 0x20) {
            out->err_off = i;
            return CL_R_CONTROL_CHAR;
        }
        if (depth == 1 && m.expect_value) {
            m.expect_value = 0;
            m.in_value = 1;
            if (out->nmembers > 0 && out->nmembers <= CL_SCAN_MAX_MEMBERS)
                out->members[out->nmembers - 1].val_off = i;
        }
        switch (c) {
        case '"':
            in_string = 1;
            str_start = i;
            break;
        case '{':
        case '[':
            if (++depth > max_depth && !too_deep) {
                too_deep = 1;
                deep_off = i;
            }
            if (depth == 1 && c == '{')
                m.expect_key = 1;
            break;
        case '}':
        case ']':
            if (depth == 1)
                close_value(out, &m);
            if (depth > 0)
                depth--;
            break;
        case ':':
            if (depth == 1)
                m.expect_value = 1;
            break;
        case ',':
            if (depth == 1) {
                close_value(out, &m);
                m.expect_key = 1;
            }
            break;
        default:
            if (c == '-' || (c >= '0' && c <= '9')) {
                size_t k = cl_json_number_len(s + i, len - i);

                if (k == 0 && syntax_what == NULL) {
                    syntax_what = "malformed number";
                    syntax_off = i;
                }
                if (k > 1)
                    i += k - 1; /* last_nonspace below must be the last digit */
            }
            break;
        }
        m.last_nonspace = i;
    }
    if (too_deep) {
        out->err_off = deep_off;
        return CL_R_TOO_DEEP;
    }
    if (syntax_what != NULL) {
        out->err_off = syntax_off;
        out->err_what = syntax_what;
        return CL_R_NOT_JSON;
    }
    /* cJSON skips a UTF-8 byte-order mark; RFC 8259 forbids sending one. */
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
        out->err_off = 0;
        out->err_what = "byte-order mark before the JSON text; send plain UTF-8";
        return CL_R_NOT_JSON;
    }
    return CL_R_OK;
}

size_t cl_json_compact(const char *in, size_t n, char *out)
{
    size_t o = 0;
    int in_string = 0;

    for (size_t i = 0; i < n; i++) {
        char c = in[i];

        if (in_string) {
            out[o++] = c;
            if (c == '\\' && i + 1 < n)
                out[o++] = in[++i];
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if (is_ws((unsigned char)c))
            continue;
        if (c == '"')
            in_string = 1;
        out[o++] = c;
    }
    return o;
}
