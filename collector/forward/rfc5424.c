/* rfc5424.c - see rfc5424.h and schema/FORWARDING.md. */
#include "rfc5424.h"

#include <stdint.h>
#include <string.h>

#include "jsonesc.h"
#include "jsonobj.h"
#include "level.h"
#include "timefmt.h"

/* 10000-01-01T00:00:00Z: RFC 5424's FULL-YEAR has four digits. */
#define YEAR_10000_US 253402300800000000LL

/* Catch-up formats hundreds of thousands of entries a second: every piece
 * is appended directly (no printf, whose format parsing and measuring pass
 * cost more than the rest of the message), and no buffer is allocated per
 * entry unless a field name or value holds a JSON escape. */
#define PUT_LIT(b, lit) put((b), (lit), sizeof(lit) - 1)

/* cl_strbuf_put without the call and the terminating NUL while there is
 * room (cl_s5424_format terminates the message once, at its end). */
static inline void put(cl_strbuf *b, const void *s, size_t n)
{
    if (b->cap - b->len > n) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
        return;
    }
    cl_strbuf_put(b, s, n);
}

static inline void put_c(cl_strbuf *b, char c)
{
    if (b->cap - b->len > 1) {
        b->p[b->len++] = c;
        return;
    }
    cl_strbuf_putc(b, c);
}

/* The NUL the fast path leaves out, written once a public call is done. */
static void terminate(cl_strbuf *b)
{
    if (b->p != NULL && b->len < b->cap)
        b->p[b->len] = '\0';
}

static inline void put_s(cl_strbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

void cl_s5424_put_int(cl_strbuf *b, int64_t v)
{
    char d[24];
    size_t k = sizeof d;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        d[--k] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        d[--k] = '-';
    put(b, d + k, sizeof d - k);
    terminate(b);
}

int cl_s5424_severity(int level)
{
    if (level < 0)
        return 0;
    return level > CL_LVL_DEBUG ? CL_LVL_DEBUG : level;
}

static int printusascii(unsigned char c)
{
    return c >= 33 && c <= 126;
}

int cl_s5424_header_ok(const char *s, size_t n, size_t max)
{
    if (n == 0 || n > max || (n == 1 && s[0] == '-'))
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!printusascii((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

int cl_s5424_sdname_ok(const char *s, size_t n)
{
    if (n == 0 || n > CL_S5424_SDNAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (!printusascii(c) || c == '=' || c == ']' || c == '"')
            return 0;
    }
    return 1;
}

void cl_s5424_param_value(cl_strbuf *b, const char *s, size_t n)
{
    size_t from = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\' || s[i] == ']') {
            put(b, s + from, i - from);
            put_c(b, '\\');
            from = i;
        }
    }
    put(b, s + from, n - from);
    terminate(b);
}

/* ------------------------------------------------------------------ header */

/* A header field: the value if the header may hold it, else the NILVALUE
 * for a missing or empty one, else the value with every byte outside
 * PRINTUSASCII as '_', cut to max. Returns whether the original must travel
 * in the entry element too (anything but a value kept as it is or NULL). */
static int header_field(cl_strbuf *b, cl_row_str v, size_t max)
{
    size_t n;

    if (v.p == NULL) {
        put_c(b, '-');
        return 0;
    }
    if (cl_s5424_header_ok(v.p, v.n, max)) {
        put(b, v.p, v.n);
        return 0;
    }
    if (v.n == 0 || (v.n == 1 && v.p[0] == '-')) {
        put_c(b, '-');
        return 1;
    }
    n = v.n < max ? v.n : max;
    if (cl_strbuf_reserve(b, n) != 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        b->p[b->len + i] = printusascii((unsigned char)v.p[i]) ? v.p[i] : '_';
    b->len += n;
    b->p[b->len] = '\0';
    return 1;
}

static void timestamp(cl_strbuf *b, int64_t us)
{
    char ts[CL_TS_TEXT_LEN + 1];

    if (us < 0 || us >= YEAR_10000_US) {
        put_c(b, '-');
        return;
    }
    cl_rfc3339_format(us, ts);
    put(b, ts, CL_TS_TEXT_LEN);
}

/* What of the header must be repeated in the entry element. */
typedef struct moved {
    int host, app, logger, ts;
} moved;

static void header(cl_strbuf *b, const cl_row_entry *e, const cl_s5424_opts *o, moved *m)
{
    put_c(b, '<');
    cl_s5424_put_int(b, o->facility * 8 + cl_s5424_severity(e->level));
    PUT_LIT(b, ">1 ");
    timestamp(b, e->ts);
    m->ts = e->ts < 0 || e->ts >= YEAR_10000_US;
    put_c(b, ' ');
    m->host = header_field(b, e->host, CL_S5424_HOSTNAME_MAX);
    put_c(b, ' ');
    m->app = header_field(b, e->app, CL_S5424_APPNAME_MAX);
    put_c(b, ' ');
    if (e->has_pid)
        cl_s5424_put_int(b, e->pid);
    else
        put_c(b, '-');
    put_c(b, ' ');
    m->logger = header_field(b, e->logger, CL_S5424_MSGID_MAX);
}

/* ---------------------------------------------------------- structured data */

static void param_name(cl_strbuf *b, const char *name)
{
    put_c(b, ' ');
    put_s(b, name);
    PUT_LIT(b, "=\"");
}

static void param_str(cl_strbuf *b, const char *name, const char *s, size_t n)
{
    param_name(b, name);
    cl_s5424_param_value(b, s, n);
    put_c(b, '"');
}

static void param_opt(cl_strbuf *b, const char *name, cl_row_str v)
{
    if (v.p != NULL)
        param_str(b, name, v.p, v.n);
}

static void param_int(cl_strbuf *b, const char *name, int64_t v)
{
    param_name(b, name);
    cl_s5424_put_int(b, v);
    put_c(b, '"');
}

static void param_time(cl_strbuf *b, const char *name, int64_t us)
{
    char ts[CL_TS_TEXT_LEN + 1];

    if (us < 0 || us >= YEAR_10000_US) {
        param_int(b, name, us);
        return;
    }
    cl_rfc3339_format(us, ts);
    param_str(b, name, ts, CL_TS_TEXT_LEN);
}

/* The text of a JSON string's contents s[0..n) (no quotes): s itself when
 * it holds no escape (the common case: no copy), else decoded into tmp. */
static void literal_text(cl_strbuf *tmp, const char *s, size_t n, const char **p, size_t *len)
{
    if (memchr(s, '\\', n) == NULL) {
        *p = s;
        *len = n;
        return;
    }
    cl_strbuf_reset(tmp);
    cl_json_unquote(tmp, s, n);
    *p = tmp->p ? tmp->p : "";
    *len = tmp->len;
}

/* A member may be an SD-PARAM of the fields element when its name, decoded,
 * is an SD-NAME without a '.': syslog-ng keeps SD-PARAMs as name-value
 * pairs named ".SDATA.<SD-ID>.<name>" and splits them at the last dot when
 * it writes them out again, so "db.pool" would come back as the parameter
 * "pool" of an element "fields@32473.db". Such names go to fields-rest.
 * Sets *p, *n to the decoded name (valid until tmp is next used). */
static int member_ok(cl_strbuf *tmp, const cl_jmember *m, const char **p, size_t *n)
{
    literal_text(tmp, m->key, m->key_n, p, n);
    return !tmp->oom && cl_s5424_sdname_ok(*p, *n) && memchr(*p, '.', *n) == NULL;
}

static int is_string(const cl_jmember *m)
{
    return m->val_n >= 2 && m->val[0] == '"';
}

/* The entry element's fields-nonstring: the names of the fields element's
 * members whose value is no string (carried as JSON text). Returns whether
 * any member cannot be an SD-PARAM (fields-rest carries those). */
static int nonstring_param(cl_strbuf *b, cl_row_str f, cl_strbuf *tmp)
{
    size_t pos = 0, n;
    const char *p;
    cl_jmember m;
    int rest = 0, open = 0;

    while (cl_json_next_member(f.p, f.n, &pos, &m)) {
        if (!member_ok(tmp, &m, &p, &n)) {
            rest = 1;
            continue;
        }
        if (is_string(&m))
            continue;
        if (open)
            put_c(b, ' ');
        else
            param_name(b, "fields-nonstring");
        open = 1;
        cl_s5424_param_value(b, p, n);
    }
    if (open)
        put_c(b, '"');
    return rest;
}

/* The fields element: string members as their text, other members as their
 * JSON text (listed in the entry element's fields-nonstring); members whose
 * name is no SD-NAME stay out of it (fields-rest carries them). */
static void fields_element(cl_strbuf *b, cl_row_str f, cl_strbuf *tmp)
{
    size_t pos = 0, n;
    const char *p;
    cl_jmember m;
    int open = 0;

    while (cl_json_next_member(f.p, f.n, &pos, &m)) {
        if (!member_ok(tmp, &m, &p, &n))
            continue;
        if (!open)
            PUT_LIT(b, "[" CL_S5424_SDID_FIELDS);
        open = 1;
        put_c(b, ' ');
        put(b, p, n); /* before tmp is reused for the value */
        PUT_LIT(b, "=\"");
        if (is_string(&m)) {
            literal_text(tmp, m.val + 1, m.val_n - 2, &p, &n);
            cl_s5424_param_value(b, p, n);
        } else {
            cl_s5424_param_value(b, m.val, m.val_n);
        }
        put_c(b, '"');
    }
    if (open)
        put_c(b, ']');
}

/* The members fields_element left out, as a JSON object of their text. */
static void fields_rest(cl_strbuf *b, cl_row_str f, cl_strbuf *tmp)
{
    cl_strbuf obj = CL_STRBUF_INIT;
    size_t pos = 0, n;
    const char *p;
    cl_jmember m;

    put_c(&obj, '{');
    while (cl_json_next_member(f.p, f.n, &pos, &m)) {
        if (member_ok(tmp, &m, &p, &n))
            continue;
        if (obj.len > 1)
            put_c(&obj, ',');
        put_c(&obj, '"');
        put(&obj, m.key, m.key_n);
        PUT_LIT(&obj, "\":");
        put(&obj, m.val, m.val_n);
    }
    put_c(&obj, '}');
    if (obj.oom)
        b->oom = 1;
    else
        param_str(b, "fields-rest", obj.p, obj.len);
    cl_strbuf_free(&obj);
}

static void peer_params(cl_strbuf *b, const cl_row_peer *p)
{
    if (p->has_pid)
        param_int(b, "peer-pid", p->pid);
    if (p->has_uid)
        param_int(b, "peer-uid", p->uid);
    if (p->has_gid)
        param_int(b, "peer-gid", p->gid);
    param_opt(b, "peer-sid", p->sid);
}

static void entry_element(cl_strbuf *b, const cl_row_entry *e, const moved *m, cl_strbuf *tmp)
{
    int json = e->fields.p != NULL && e->fields_json, rest = 0;

    PUT_LIT(b, "[" CL_S5424_SDID_ENTRY);
    param_int(b, "id", e->id);
    if (m->ts)
        param_time(b, "ts", e->ts);
    param_time(b, "received", e->received);
    if (e->level > CL_LVL_DEBUG || e->level < 0)
        param_str(b, "level", cl_level_name(e->level), strlen(cl_level_name(e->level)));
    if (m->host)
        param_opt(b, "host", e->host);
    if (m->app)
        param_opt(b, "app", e->app);
    if (m->logger)
        param_opt(b, "logger", e->logger);
    if (e->has_tid)
        param_int(b, "tid", e->tid);
    param_opt(b, "trace-id", e->trace_id);
    param_opt(b, "span-id", e->span_id);
    peer_params(b, &e->peer);
    if (json)
        rest = nonstring_param(b, e->fields, tmp);
    if (rest)
        fields_rest(b, e->fields, tmp);
    if (e->fields.p != NULL && !e->fields_json)
        param_str(b, "fields-text", e->fields.p, e->fields.n);
    param_opt(b, "extra", e->extra);
    put_c(b, ']');
    if (json)
        fields_element(b, e->fields, tmp);
}

/* ------------------------------------------------------------------ json */

static void json_key(cl_strbuf *b, const char *k)
{
    PUT_LIT(b, ",\"");
    put_s(b, k);
    PUT_LIT(b, "\":");
}

static void json_quoted(cl_strbuf *b, const char *s, size_t n)
{
    put_c(b, '"');
    put(b, s, n);
    put_c(b, '"');
}

static void json_int(cl_strbuf *b, const char *k, int64_t v)
{
    json_key(b, k);
    cl_s5424_put_int(b, v);
}

static void json_str(cl_strbuf *b, const char *k, cl_row_str v)
{
    if (v.p == NULL)
        return;
    json_key(b, k);
    cl_strbuf_json(b, v.p, v.n, SIZE_MAX, CL_JSONESC_WIRE);
}

static void json_time(cl_strbuf *b, const char *k, int64_t us)
{
    char ts[CL_TS_TEXT_LEN + 1];

    json_key(b, k);
    if (us < 0 || us >= YEAR_10000_US) {
        cl_s5424_put_int(b, us);
        return;
    }
    cl_rfc3339_format(us, ts);
    json_quoted(b, ts, CL_TS_TEXT_LEN);
}

static void json_raw(cl_strbuf *b, const char *k, cl_row_str v, int valid)
{
    if (v.p == NULL)
        return;
    json_key(b, k);
    if (valid)
        put(b, v.p, v.n);
    else
        cl_strbuf_json(b, v.p, v.n, SIZE_MAX, CL_JSONESC_WIRE);
}

/* The entry as the wire protocol's JSON (schema/PROTOCOL.md), plus id,
 * received and the peer_* columns. */
static void json_entry(cl_strbuf *b, const cl_row_entry *e)
{
    const char *lvl = cl_level_name(e->level);

    PUT_LIT(b, "@cee:{\"id\":");
    cl_s5424_put_int(b, e->id);
    json_time(b, "ts", e->ts);
    json_time(b, "received", e->received);
    json_key(b, "level");
    json_quoted(b, lvl, strlen(lvl));
    json_str(b, "app", e->app);
    json_str(b, "host", e->host);
    if (e->has_pid)
        json_int(b, "pid", e->pid);
    if (e->has_tid)
        json_int(b, "tid", e->tid);
    json_str(b, "logger", e->logger);
    json_str(b, "trace_id", e->trace_id);
    json_str(b, "span_id", e->span_id);
    json_str(b, "msg", e->msg);
    json_raw(b, "fields", e->fields, e->fields_json);
    json_raw(b, "extra", e->extra, e->extra_json);
    if (e->peer.has_pid)
        json_int(b, "peer_pid", e->peer.pid);
    if (e->peer.has_uid)
        json_int(b, "peer_uid", e->peer.uid);
    if (e->peer.has_gid)
        json_int(b, "peer_gid", e->peer.gid);
    json_str(b, "peer_sid", e->peer.sid);
    put_c(b, '}');
}

/* ------------------------------------------------------------------ message */

void cl_s5424_format(cl_strbuf *b, const cl_row_entry *e, const cl_s5424_opts *o)
{
    cl_strbuf tmp = CL_STRBUF_INIT; /* allocated only for JSON escapes */
    moved m;

    header(b, e, o, &m);
    if (o->format == CL_S5424_JSON) {
        /* Everything is in the JSON, the header's originals included. */
        PUT_LIT(b, " - ");
        json_entry(b, e);
        terminate(b);
        return;
    }
    put_c(b, ' ');
    entry_element(b, e, &m, &tmp);
    if (tmp.oom)
        b->oom = 1;
    cl_strbuf_free(&tmp);
    /* MSG is optional: an empty message is none. No BOM: receivers keep it
     * in the text (rsyslog's $msg), and every stored string is UTF-8. */
    if (e->msg.p != NULL && e->msg.n > 0) {
        put_c(b, ' ');
        put(b, e->msg.p, e->msg.n);
    }
    terminate(b);
}

/* The length prefix's size ("123 ") for a message of n bytes. */
static size_t prefix_len(size_t n)
{
    size_t k = 2;

    while (n >= 10) {
        n /= 10;
        k++;
    }
    return k;
}

size_t cl_s5424_append_framed(cl_strbuf *b, const cl_row_entry *e, const cl_s5424_opts *o)
{
    /* The message is written after room for a prefix the size of the
     * previous one (messages of a batch are alike), so that it moves only
     * when its length has another number of digits. */
    static _Thread_local size_t guess = 4;
    size_t start = b->len, n, k, v;
    char len[24];

    if (cl_strbuf_reserve(b, guess) != 0)
        return 0;
    b->len += guess;
    cl_s5424_format(b, e, o);
    if (b->oom)
        return 0;
    n = b->len - start - guess;
    k = prefix_len(n);
    if (k != guess) {
        if (k > guess && cl_strbuf_reserve(b, k - guess) != 0)
            return 0;
        memmove(b->p + start + k, b->p + start + guess, n);
        b->len = start + k + n;
        b->p[b->len] = '\0';
        guess = k;
    }
    /* RFC 6587's MSG-LEN and a space, in front of the message. */
    len[k - 1] = ' ';
    v = n;
    for (size_t i = k - 1; i-- > 0; v /= 10)
        len[i] = (char)('0' + v % 10);
    memcpy(b->p + start, len, k);
    return n;
}
