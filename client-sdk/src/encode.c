/* encode.c - JSON encoding for the SDK; see encode.h. */
#include "encode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

static const char *const level_names[] = {
    "emergency", "alert", "critical", "error", "warning", "notice", "info", "debug", "trace",
};

void cl_buf_free(cl_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

void cl_buf_reset(cl_buf *b)
{
    b->len = 0;
    b->oom = 0;
}

static int reserve(cl_buf *b, size_t more)
{
    size_t cap;
    char *np;

    if (b->len + more <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < b->len + more)
        cap *= 2;
    np = realloc(b->p, cap);
    if (np == NULL) {
        b->oom = 1;
        return -1;
    }
    b->p = np;
    b->cap = cap;
    return 0;
}

static void put(cl_buf *b, const char *s, size_t n)
{
    if (reserve(b, n) == 0) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
    }
}

static void puts_(cl_buf *b, const char *s)
{
    put(b, s, strlen(s));
}

size_t cl_utf8_seq_len(const unsigned char *s, size_t left)
{
    unsigned c = s[0];

    if (c < 0x80)
        return 1;
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
    return 0;
}

size_t cl_buf_json_string(cl_buf *b, const char *str, size_t n, size_t max_bytes)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, lim = n < max_bytes ? n : max_bytes;
    char *o;

    /* Worst case: every byte becomes a 6-byte escape or a 3-byte U+FFFD. */
    if (reserve(b, lim * 6 + 2) != 0)
        return 0;
    o = b->p + b->len;
    *o++ = '"';
    while (i < lim) {
        unsigned c = s[i];
        size_t k;

        /* Plain printable ASCII is most of every message: copy runs of it. */
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            size_t j = i + 1;

            while (j < lim && s[j] >= 0x20 && s[j] < 0x7F && s[j] != '"' && s[j] != '\\')
                j++;
            memcpy(o, s + i, j - i);
            o += j - i;
            i = j;
            continue;
        }
        if (c >= 0x80) {
            k = cl_utf8_seq_len(s + i, n - i);
            if (k == 0) {
                /* One invalid byte becomes one U+FFFD. */
                memcpy(o, "\xEF\xBF\xBD", 3);
                o += 3;
                i++;
                continue;
            }
            if (i + k > lim)
                break; /* never cut a character in two */
            memcpy(o, s + i, k);
            o += k;
            i += k;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"':
        case '\\':
            *o++ = (char)c;
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        default:
            /* Other controls, and DEL (legal in JSON, but kept off the
             * wire so that it stays printable). */
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
            break;
        }
        i++;
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
    return i;
}

static void put_int(cl_buf *b, int64_t v)
{
    char tmp[24], *p = tmp + sizeof tmp;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    /* By hand: snprintf was a tenth of a log call's cost. */
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    put(b, p, (size_t)(tmp + sizeof tmp - p));
}

/* Shortest decimal that reads back as the same double. Values with at most
 * six decimals (12.5, 0.25, 3) are written by hand - the usual case, and
 * snprintf plus a strtod check cost a third of a log call. */
static void put_double(cl_buf *b, double d)
{
    char tmp[40];
    double m = d * 1e6;

    if (isnan(d)) {
        puts_(b, "\"NaN\"");
        return;
    }
    if (isinf(d)) {
        puts_(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        return;
    }
    /* m / 1e6 is correctly rounded, so when it gives d back, the decimal
     * "m/1e6" read by any strtod is d too. */
    if (fabs(m) < 9007199254740992.0 && m == floor(m) && m / 1e6 == d && !(d == 0 && signbit(d))) {
        int64_t v = (int64_t)m, ip = v / 1000000, fp = v % 1000000;
        char frac[8];
        int n = 6;

        if (v < 0 && ip == 0)
            put(b, "-", 1);
        put_int(b, ip);
        if (fp < 0)
            fp = -fp;
        if (fp != 0) {
            for (int i = 5; i >= 0; i--, fp /= 10)
                frac[i] = (char)('0' + fp % 10);
            while (n > 0 && frac[n - 1] == '0')
                n--;
            put(b, ".", 1);
            put(b, frac, (size_t)n);
        }
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    puts_(b, tmp);
}

static size_t utf8_prefix_chars(const char *s, size_t n, size_t max_chars)
{
    size_t chars = 0, i = 0;

    while (i < n && chars < max_chars) {
        size_t k = cl_utf8_seq_len((const unsigned char *)s + i, n - i);

        i += k ? k : 1;
        chars++;
    }
    return i;
}

static void put_fields(cl_buf *b, const cl_field *f, size_t n)
{
    static const char reserved[] = "\"cl_fields_dropped\"";
    size_t key_at[CL_MAX_FIELDS], key_len[CL_MAX_FIELDS];
    size_t written = 0, skipped = 0;

    puts_(b, ",\"fields\":{");
    for (size_t i = 0; i < n; i++) {
        const char *key = f[i].key ? f[i].key : "";
        size_t klen = strlen(key), mark = b->len, at;
        int dup = 0;

        /* The collector refuses more than 64 members: leave room for the
         * count of those dropped. */
        if (written >= CL_MAX_FIELDS - 1) {
            skipped++;
            continue;
        }
        if (written)
            put(b, ",", 1);
        at = b->len;
        cl_buf_json_string(b, key, utf8_prefix_chars(key, klen, CL_MAX_KEY_CHARS), SIZE_MAX);
        /* Duplicates are judged on the key as sent: two keys repaired to the
         * same U+FFFD, or equal in their first 128 characters, are the same
         * name to the collector, which would refuse the whole entry. */
        for (size_t j = 0; j < written && !dup; j++)
            dup = key_len[j] == b->len - at && memcmp(b->p + key_at[j], b->p + at, key_len[j]) == 0;
        if (dup ||
            (b->len - at == sizeof reserved - 1 && memcmp(b->p + at, reserved, b->len - at) == 0)) {
            b->len = mark;
            skipped++;
            continue;
        }
        key_at[written] = at;
        key_len[written] = b->len - at;
        written++;
        put(b, ":", 1);
        switch (f[i].type) {
        case CL_FIELD_STRING:
            if (f[i].v.s == NULL)
                puts_(b, "null");
            else
                cl_buf_json_string(b, f[i].v.s, strlen(f[i].v.s), SIZE_MAX);
            break;
        case CL_FIELD_INT:
            put_int(b, f[i].v.i);
            break;
        case CL_FIELD_DOUBLE:
            put_double(b, f[i].v.d);
            break;
        case CL_FIELD_BOOL:
            puts_(b, f[i].v.b ? "true" : "false");
            break;
        default:
            puts_(b, "null");
            break;
        }
    }
    if (skipped) {
        if (written)
            put(b, ",", 1);
        puts_(b, "\"cl_fields_dropped\":");
        put_int(b, (int64_t)skipped);
    }
    put(b, "}", 1);
}

int cl_encode_entry(const cl_encoder *e, cl_buf *out, int64_t ts_us, int64_t tid, cl_level level,
                    const char *msg, size_t msg_len, const cl_field *fields, size_t nfields,
                    cl_encode_info *info)
{
    char ts[CL_TS_TEXT_LEN + 1];
    size_t msg_at, budget;

    info->truncated = 0;
    cl_buf_reset(out);
    cl_rfc3339_format(ts_us, ts);
    puts_(out, "{\"ts\":\"");
    put(out, ts, CL_TS_TEXT_LEN);
    puts_(out, "\",\"level\":\"");
    puts_(out, level_names[(unsigned)level <= CL_TRACE ? level : CL_INFO]);
    puts_(out, "\",\"app\":");
    cl_buf_json_string(out, e->app, strlen(e->app), SIZE_MAX);
    puts_(out, ",\"host\":");
    cl_buf_json_string(out, e->host, strlen(e->host), SIZE_MAX);
    puts_(out, ",\"pid\":");
    put_int(out, e->pid);
    if (tid >= 0) {
        puts_(out, ",\"tid\":");
        put_int(out, tid);
    }
    if (nfields > 0)
        put_fields(out, fields, nfields);
    puts_(out, ",\"msg\":");
    msg_at = out->len;
    cl_buf_json_string(out, msg, msg_len, SIZE_MAX);
    puts_(out, "}\n");
    if (out->oom)
        return -1;
    if (out->len - 1 <= e->max_entry_bytes)
        return 0;

    /* Too long for the collector: cut the message, never reject silently. The
     * escaped form can be up to 6x the raw bytes, so cut by output size. */
    info->truncated = 1;
    out->len = msg_at;
    budget = e->max_entry_bytes > msg_at + 64 ? e->max_entry_bytes - msg_at - 64 : 0;
    {
        char marker[64];
        size_t used, start = out->len;
        size_t lo = 0, hi = msg_len < budget ? msg_len : budget;

        /* Largest raw prefix whose escaped form fits the budget. */
        while (lo < hi) {
            size_t mid = (lo + hi + 1) / 2;

            out->len = start;
            cl_buf_json_string(out, msg, msg_len, mid);
            if (out->len - start <= budget)
                lo = mid;
            else
                hi = mid - 1;
        }
        out->len = start;
        used = cl_buf_json_string(out, msg, msg_len, lo);
        out->len--; /* reopen the string to append the marker */
        snprintf(marker, sizeof marker, " [truncated: %zu of %zu bytes]", used, msg_len);
        puts_(out, marker);
        puts_(out, "\"}\n");
    }
    if (out->oom)
        return -1;
    if (out->len - 1 > e->max_entry_bytes) {
        /* The fixed part and fields alone are too big: keep only a note. */
        static const char note[] =
            "[entry dropped by libcentrallog: fields larger than the collector's limit]";

        cl_encode_entry(e, out, ts_us, tid, level, note, sizeof note - 1, NULL, 0, info);
        info->truncated = 1;
    }
    return out->oom ? -1 : 0;
}
