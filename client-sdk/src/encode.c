/* encode.c - JSON encoding for the SDK; see encode.h. */
#include "encode.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonesc.h"
#include "level.h"
#include "timefmt.h"
#include "utf8.h"

/* The public cl_level is the protocol's numbering (level.h). */
_Static_assert((int)CL_EMERGENCY == (int)CL_LVL_EMERGENCY &&
                   (int)CL_WARNING == (int)CL_LVL_WARNING && (int)CL_TRACE == (int)CL_LVL_TRACE,
               "cl_level and level.h disagree");

/* Entries are JSON on the wire: the escaping the collector needs, no more. */
static size_t json_string(cl_strbuf *b, const char *s, size_t n, size_t max_bytes)
{
    return cl_strbuf_json(b, s, n, max_bytes, CL_JSONESC_WIRE);
}

static void put_int(cl_strbuf *b, int64_t v)
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
    cl_strbuf_put(b, p, (size_t)(tmp + sizeof tmp - p));
}

/* Shortest decimal that reads back as the same double. Values with at most
 * six decimals (12.5, 0.25, 3) are written by hand - the usual case, and
 * snprintf plus a strtod check cost a third of a log call. */
static void put_double(cl_strbuf *b, double d)
{
    char tmp[40];
    double m = d * 1e6;

    if (isnan(d)) {
        cl_strbuf_puts(b, "\"NaN\"");
        return;
    }
    if (isinf(d)) {
        cl_strbuf_puts(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        return;
    }
    /* m / 1e6 is correctly rounded, so when it gives d back, the decimal
     * "m/1e6" read by any strtod is d too. */
    if (fabs(m) < 9007199254740992.0 && m == floor(m) && m / 1e6 == d && !(d == 0 && signbit(d))) {
        int64_t v = (int64_t)m, ip = v / 1000000, fp = v % 1000000;
        char frac[8];
        int n = 6;

        if (v < 0 && ip == 0)
            cl_strbuf_put(b, "-", 1);
        put_int(b, ip);
        if (fp < 0)
            fp = -fp;
        if (fp != 0) {
            for (int i = 5; i >= 0; i--, fp /= 10)
                frac[i] = (char)('0' + fp % 10);
            while (n > 0 && frac[n - 1] == '0')
                n--;
            cl_strbuf_put(b, ".", 1);
            cl_strbuf_put(b, frac, (size_t)n);
        }
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    cl_strbuf_puts(b, tmp);
}

static size_t utf8_prefix_chars(const char *s, size_t n, size_t max_chars)
{
    size_t chars = 0, i = 0;

    while (i < n && chars < max_chars) {
        size_t k = cl_utf8_len((const unsigned char *)s + i, n - i);

        i += k ? k : 1;
        chars++;
    }
    return i;
}

static void put_fields(cl_strbuf *b, const cl_field *f, size_t n)
{
    static const char reserved[] = "\"cl_fields_dropped\"";
    size_t key_at[CL_LIMIT_MEMBERS], key_len[CL_LIMIT_MEMBERS];
    size_t written = 0, skipped = 0;

    cl_strbuf_puts(b, ",\"fields\":{");
    for (size_t i = 0; i < n; i++) {
        const char *key = f[i].key ? f[i].key : "";
        size_t klen = strlen(key), mark = b->len, at;
        int dup = 0;

        /* The collector refuses more than 64 members: leave room for the
         * count of those dropped. */
        if (written >= CL_LIMIT_MEMBERS - 1) {
            skipped++;
            continue;
        }
        if (written)
            cl_strbuf_put(b, ",", 1);
        at = b->len;
        json_string(b, key, utf8_prefix_chars(key, klen, CL_LIMIT_FIELD_KEY_CHARS), SIZE_MAX);
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
        cl_strbuf_put(b, ":", 1);
        switch (f[i].type) {
        case CL_FIELD_STRING:
            if (f[i].v.s == NULL)
                cl_strbuf_puts(b, "null");
            else
                json_string(b, f[i].v.s, strlen(f[i].v.s), SIZE_MAX);
            break;
        case CL_FIELD_INT:
            put_int(b, f[i].v.i);
            break;
        case CL_FIELD_DOUBLE:
            put_double(b, f[i].v.d);
            break;
        case CL_FIELD_BOOL:
            cl_strbuf_puts(b, f[i].v.b ? "true" : "false");
            break;
        default:
            cl_strbuf_puts(b, "null");
            break;
        }
    }
    if (skipped) {
        if (written)
            cl_strbuf_put(b, ",", 1);
        cl_strbuf_puts(b, "\"cl_fields_dropped\":");
        put_int(b, (int64_t)skipped);
    }
    cl_strbuf_put(b, "}", 1);
}

int cl_encode_entry(const cl_encoder *e, cl_strbuf *out, int64_t ts_us, int64_t tid, cl_level level,
                    const char *msg, size_t msg_len, const cl_field *fields, size_t nfields,
                    cl_encode_info *info)
{
    char ts[CL_TS_TEXT_LEN + 1];
    size_t msg_at, budget;

    info->truncated = 0;
    cl_strbuf_reset(out);
    cl_rfc3339_format(ts_us, ts);
    cl_strbuf_puts(out, "{\"ts\":\"");
    cl_strbuf_put(out, ts, CL_TS_TEXT_LEN);
    cl_strbuf_puts(out, "\",\"level\":\"");
    cl_strbuf_puts(out, cl_level_name((unsigned)level <= CL_TRACE ? (int)level : CL_INFO));
    cl_strbuf_puts(out, "\",\"app\":");
    json_string(out, e->app, strlen(e->app), SIZE_MAX);
    cl_strbuf_puts(out, ",\"host\":");
    json_string(out, e->host, strlen(e->host), SIZE_MAX);
    cl_strbuf_puts(out, ",\"pid\":");
    put_int(out, e->pid);
    if (tid >= 0) {
        cl_strbuf_puts(out, ",\"tid\":");
        put_int(out, tid);
    }
    if (nfields > 0)
        put_fields(out, fields, nfields);
    cl_strbuf_puts(out, ",\"msg\":");
    msg_at = out->len;
    json_string(out, msg, msg_len, SIZE_MAX);
    cl_strbuf_puts(out, "}\n");
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
            json_string(out, msg, msg_len, mid);
            if (out->len - start <= budget)
                lo = mid;
            else
                hi = mid - 1;
        }
        out->len = start;
        used = json_string(out, msg, msg_len, lo);
        out->len--; /* reopen the string to append the marker */
        snprintf(marker, sizeof marker, " [truncated: %zu of %zu bytes]", used, msg_len);
        cl_strbuf_puts(out, marker);
        cl_strbuf_puts(out, "\"}\n");
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
