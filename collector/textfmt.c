/* textfmt.c - plain and NDJSON line formats for the text sink. */
#include "textfmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

static const char hex[] = "0123456789abcdef";

/* Length of a dangerous multi-byte sequence at s (C1 control or U+2028/9),
 * else 0. Input is valid UTF-8 (checked on the wire). */
static size_t unsafe_seq(const unsigned char *s, size_t left, unsigned *cp)
{
    if (left >= 2 && s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F) {
        *cp = s[1];
        return 2;
    }
    if (left >= 3 && s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0xA8 || s[2] == 0xA9)) {
        *cp = 0x2000u | (0x28u + (s[2] - 0xA8u));
        return 3;
    }
    return 0;
}

static char *put_u(char *o, unsigned cp)
{
    *o++ = '\\';
    *o++ = 'u';
    *o++ = hex[(cp >> 12) & 15];
    *o++ = hex[(cp >> 8) & 15];
    *o++ = hex[(cp >> 4) & 15];
    *o++ = hex[cp & 15];
    return o;
}

size_t cl_text_escape(const char *str, size_t n, char *out)
{
    const unsigned char *s = (const unsigned char *)str;
    char *o = out;

    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i], cp;
        size_t k;

        if (c == '\\') {
            *o++ = '\\';
            *o++ = '\\';
        } else if (c == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        } else if (c == '\r') {
            *o++ = '\\';
            *o++ = 'r';
        } else if (c == '\t') {
            *o++ = '\\';
            *o++ = 't';
        } else if (c < 0x20 || c == 0x7F) {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        } else if (c >= 0x80 && (k = unsafe_seq(s + i, n - i, &cp)) != 0) {
            o = put_u(o, cp);
            i += k - 1;
        } else {
            *o++ = (char)c;
        }
    }
    return (size_t)(o - out);
}

size_t cl_text_json_safe(const char *str, size_t n, char *out)
{
    const unsigned char *s = (const unsigned char *)str;
    char *o = out;

    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i], cp;
        size_t k;

        /* Raw control bytes cannot occur (the wire check refuses them), but a
         * JSON string may legally hold DEL, C1 controls and U+2028/9 raw. */
        if (c == 0x7F || c < 0x20) {
            o = put_u(o, c);
        } else if (c >= 0x80 && (k = unsafe_seq(s + i, n - i, &cp)) != 0) {
            o = put_u(o, cp);
            i += k - 1;
        } else {
            *o++ = (char)c;
        }
    }
    return (size_t)(o - out);
}

size_t cl_text_json_string(const char *str, size_t n, char *out)
{
    const unsigned char *s = (const unsigned char *)str;
    char *o = out;

    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i], cp;
        size_t k;

        switch (c) {
        case '"':
            *o++ = '\\';
            *o++ = '"';
            continue;
        case '\\':
            *o++ = '\\';
            *o++ = '\\';
            continue;
        case '\n':
            *o++ = '\\';
            *o++ = 'n';
            continue;
        case '\r':
            *o++ = '\\';
            *o++ = 'r';
            continue;
        case '\t':
            *o++ = '\\';
            *o++ = 't';
            continue;
        default:
            break;
        }
        if (c < 0x20 || c == 0x7F) {
            o = put_u(o, c);
        } else if (c >= 0x80 && (k = unsafe_seq(s + i, n - i, &cp)) != 0) {
            o = put_u(o, cp);
            i += k - 1;
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    return (size_t)(o - out);
}

size_t cl_text_bound(const cl_record *r)
{
    const cl_entry_fields *e = &r->u.e;

    /* 6 bytes is the widest escape of one input byte ("\u0085" for 2 bytes,
     * "\x1b" for 1, "\u2028" for 3); plus fixed text and numbers, and the
     * SID, which needs no escaping (sidcache.h) but up to 190 bytes. */
    return 256 +
           6 * (e->app.n + e->host.n + e->logger.n + e->trace_id.n + e->span_id.n + e->msg.n +
                e->fields.n + e->extra.n) +
           (r->peer.sid != NULL ? 16 + strlen(r->peer.sid) : 0);
}

static char *put_str(char *o, const char *s)
{
    size_t n = strlen(s);

    memcpy(o, s, n);
    return o + n;
}

static char *json_key_str(char *o, const char *key, const cl_str *v)
{
    if (v->p == NULL)
        return o;
    o = put_str(o, key);
    return o + cl_text_json_string(v->p, v->n, o);
}

static size_t format_json(const cl_record *r, char *out)
{
    const cl_entry_fields *e = &r->u.e;
    char ts[CL_TS_TEXT_LEN + 1];
    char *o = out;

    cl_rfc3339_format(e->ts_us, ts);
    o += sprintf(o, "{\"ts\":\"%s\"", ts);
    cl_rfc3339_format(r->received_us, ts);
    o += sprintf(o, ",\"received\":\"%s\",\"level\":\"%s\"", ts, cl_level_name(e->level));
    o = json_key_str(o, ",\"app\":", &e->app);
    o = json_key_str(o, ",\"host\":", &e->host);
    if (e->has_pid)
        o += sprintf(o, ",\"pid\":%" PRId64, e->pid);
    if (e->has_tid)
        o += sprintf(o, ",\"tid\":%" PRId64, e->tid);
    o = json_key_str(o, ",\"logger\":", &e->logger);
    o = json_key_str(o, ",\"trace_id\":", &e->trace_id);
    o = json_key_str(o, ",\"span_id\":", &e->span_id);
    o = json_key_str(o, ",\"msg\":", &e->msg);
    if (e->fields.p != NULL) {
        o = put_str(o, ",\"fields\":");
        o += cl_text_json_safe(e->fields.p, e->fields.n, o);
    }
    if (e->extra.p != NULL) {
        o = put_str(o, ",\"extra\":");
        o += cl_text_json_safe(e->extra.p, e->extra.n, o);
    }
    if (r->peer.pid >= 0) {
        o += sprintf(o, ",\"peer\":{\"pid\":%" PRId64 ",\"uid\":%" PRId64 ",\"gid\":%" PRId64,
                     r->peer.pid, r->peer.uid, r->peer.gid);
        /* Only when known (Windows), so that POSIX lines stay as they were.
         * Interned SIDs are letters, digits and '-': nothing to escape. */
        if (r->peer.sid != NULL)
            o += sprintf(o, ",\"sid\":\"%s\"", r->peer.sid);
        *o++ = '}';
    }
    *o++ = '}';
    *o++ = '\n';
    return (size_t)(o - out);
}

size_t cl_text_format_entry(const cl_record *r, enum cl_text_format fmt, char *out)
{
    const cl_entry_fields *e = &r->u.e;
    char *o = out;

    if (fmt == CL_TEXT_JSON)
        return format_json(r, out);
    /* 2026-11-27T10:15:02.123456Z web-01 billing[4242] ERROR: msg {"k":1} */
    o += cl_rfc3339_format(e->ts_us, o);
    *o++ = ' ';
    o += cl_text_escape(e->host.p ? e->host.p : "-", e->host.p ? e->host.n : 1, o);
    *o++ = ' ';
    o += cl_text_escape(e->app.p, e->app.n, o);
    /* The claimed PID if there is one, else the one the kernel vouches for. */
    if (e->has_pid)
        o += sprintf(o, "[%" PRId64 "]", e->pid);
    else if (r->peer.pid > 0)
        o += sprintf(o, "[%" PRId64 "]", r->peer.pid);
    *o++ = ' ';
    o = put_str(o, cl_level_upper(e->level));
    *o++ = ':';
    *o++ = ' ';
    o += cl_text_escape(e->msg.p, e->msg.n, o);
    if (e->fields.p != NULL && e->fields.n > 2) {
        *o++ = ' ';
        o += cl_text_json_safe(e->fields.p, e->fields.n, o);
    }
    if (e->extra.p != NULL) {
        o = put_str(o, " extra=");
        o += cl_text_json_safe(e->extra.p, e->extra.n, o);
    }
    *o++ = '\n';
    return (size_t)(o - out);
}

int cl_text_prerender(cl_record *r, enum cl_text_format fmt, char **scratch, size_t *cap)
{
    size_t bound = cl_text_bound(r), n;

    if (bound > *cap) {
        char *nb = realloc(*scratch, bound);

        if (nb == NULL)
            return -1;
        *scratch = nb;
        *cap = bound;
    }
    n = cl_text_format_entry(r, fmt, *scratch);
    r->rendered = malloc(n);
    if (r->rendered == NULL)
        return -1;
    memcpy(r->rendered, *scratch, n);
    r->rendered_len = n;
    r->size += n;
    return 0;
}
