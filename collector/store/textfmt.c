/* textfmt.c - plain and NDJSON line formats for the text sink. */
#include "textfmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonesc.h"
#include "textesc.h"
#include "timefmt.h"

size_t cl_text_json_safe(const char *str, size_t n, char *out)
{
    /* Raw control bytes cannot occur (the wire check refuses them), but a
     * JSON string may legally hold DEL, C1 controls and U+2028/9 raw. */
    return cl_json_escape(out, str, n, SIZE_MAX, CL_JSONESC_DISPLAY | CL_JSONESC_JSON_TEXT, NULL);
}

size_t cl_text_json_string(const char *str, size_t n, char *out)
{
    return cl_json_escape(out, str, n, SIZE_MAX, CL_JSONESC_DISPLAY, NULL);
}

size_t cl_text_bound(const cl_record *r)
{
    const cl_entry_fields *e = &r->u.e;

    /* 6 bytes is the widest escape of one input byte ("\u001b" for 1 in
     * JSON, "\u0085" for 2, "\u2028" for 3, "\U000e0020" or a surrogate pair
     * of 12 for 4); plus fixed text and numbers (two PIDs
     * at most 50 bytes), and the
     * SID, which needs no escaping (sidcache.h) but up to 190 bytes. */
    return 256 +
           6 * (e->app.n + e->host.n + e->logger.n + e->trace_id.n + e->span_id.n + e->msg.n +
                e->fields.n + e->extra.n) +
           (r->peer.sid != NULL ? 16 + strlen(r->peer.sid) : 0);
}

/* v in decimal, as "%" PRId64 writes it (sprintf costs more than the
 * rest of a line's formatting). */
static char *put_i64(char *o, int64_t v)
{
    char tmp[20];
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    size_t n = 0;

    if (v < 0)
        *o++ = '-';
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    while (n > 0)
        *o++ = tmp[--n];
    return o;
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
    o = put_str(o, "{\"ts\":\"");
    o = put_str(o, ts);
    *o++ = '"';
    /* A producer's unknown top-level keys go under "extra": this one is ours. */
    if (r->own)
        o = put_str(o, ",\"collector\":true");
    cl_rfc3339_format(r->received_us, ts);
    o = put_str(o, ",\"received\":\"");
    o = put_str(o, ts);
    o = put_str(o, "\",\"level\":\"");
    o = put_str(o, cl_level_name(e->level));
    *o++ = '"';
    o = json_key_str(o, ",\"app\":", &e->app);
    o = json_key_str(o, ",\"host\":", &e->host);
    if (e->has_pid)
        o = put_i64(put_str(o, ",\"pid\":"), e->pid);
    if (e->has_tid)
        o = put_i64(put_str(o, ",\"tid\":"), e->tid);
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
        o = put_i64(put_str(o, ",\"peer\":{\"pid\":"), r->peer.pid);
        o = put_i64(put_str(o, ",\"uid\":"), r->peer.uid);
        o = put_i64(put_str(o, ",\"gid\":"), r->peer.gid);
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

size_t cl_text_format_pid(int has_pid, int64_t pid, int64_t peer_pid, char *out)
{
    /* The claimed PID if there is one, else the one the kernel vouches for;
     * both when they differ, so that a claim never passes for the truth. */
    char *o = out;

    if (!has_pid && peer_pid <= 0)
        return 0;
    *o++ = '[';
    o = put_i64(o, has_pid ? pid : peer_pid);
    if (has_pid && peer_pid > 0 && pid != peer_pid)
        o = put_i64(put_str(o, ",peer="), peer_pid);
    *o++ = ']';
    *o = '\0'; /* as sprintf left it */
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
    o += cl_text_escape_name(e->host.p ? e->host.p : "-", e->host.p ? e->host.n : 1, o);
    *o++ = ' ';
    if (r->own) {
        /* The collector's own entry: a bracket opens no producer's name,
         * since theirs are escaped, so nobody can pose as the collector. */
        *o++ = '[';
        o += cl_text_escape_name(e->app.p, e->app.n, o);
        *o++ = ']';
    } else {
        o += cl_text_escape_name(e->app.p, e->app.n, o);
        o += cl_text_format_pid(e->has_pid, e->pid, r->peer.pid, o);
    }
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
