/* validate.c - the schema (schema/log-entry.schema.json) in C.
 *
 * Order of checks follows schema/PROTOCOL.md: wire rules first (they make
 * the bytes untrustworthy), then the parse, then whole-document rules, then
 * each known key. The first failure wins and names the offending key.
 */
#include "attr.h"
#include "validate.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "entryscan.h"
#include "json_arena.h"
#include "timefmt.h"
#include "wirecheck.h"

void cl_limits_default(cl_limits *lim)
{
    lim->max_entry_bytes = CL_DEFAULT_MAX_ENTRY_BYTES;
    lim->max_depth = CL_DEFAULT_MAX_DEPTH;
    lim->max_top_members = CL_DEFAULT_MAX_TOP_MEMBERS;
    lim->max_members = CL_DEFAULT_MAX_MEMBERS;
    lim->max_field_key = CL_DEFAULT_MAX_FIELD_KEY;
    lim->max_ts_ahead_us = CL_DEFAULT_MAX_TS_AHEAD_US;
    lim->max_ts_age_us = CL_DEFAULT_MAX_TS_AGE_US;
}

/* Where a rule failed, before it becomes a record. */
typedef struct verdict {
    enum cl_reason reason;
    char msg[256];
} verdict;

#if defined(__GNUC__)
CL_PRINTF_LIKE(3, 4)
#endif
static enum cl_reason fail(verdict *v, enum cl_reason r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(v->msg, sizeof v->msg, fmt, ap);
    va_end(ap);
    v->reason = r;
    return r;
}

/* State gathered by one walk over the parsed tree. */
typedef struct walk_state {
    const cl_limits *lim;
    verdict first; /* first nested violation, in document order */
} walk_state;

/* Records "key: what" unless an earlier violation was noted. */
static void walk_note(walk_state *w, enum cl_reason r, const char *key, const char *what)
{
    if (w->first.reason == CL_R_OK)
        fail(&w->first, r, "%s: %s", key, what);
}

/* Visits every value below the entry object. Inside a member's value
 * (payload) each container's size and each member name is bounded; "where"
 * is the top-level key the problem sits under, for the message. */
static void walk(walk_state *w, const cJSON *item, int is_root, const char *where)
{
    size_t n = 0, limit = is_root ? w->lim->max_top_members : w->lim->max_members;

    if (cJSON_IsNumber(item) && !isfinite(item->valuedouble))
        walk_note(w, CL_R_BAD_NUMBER, where, "number is out of range for a double");
    if (!cJSON_IsObject(item) && !cJSON_IsArray(item))
        return;
    /* Count first: the duplicate check is quadratic, and a 64 KiB line can
     * hold thousands of members. An oversized container is refused as such
     * without looking inside. (The entry object's own count is judged by the
     * caller, after duplicates.) */
    for (const cJSON *c = item->child; c != NULL; c = c->next)
        n++;
    if (n > limit) {
        if (!is_root)
            walk_note(w, CL_R_TOO_MANY_MEMBERS, where, "more members than the limit");
        return;
    }
    for (const cJSON *c = item->child; c != NULL; c = c->next) {
        if (cJSON_IsObject(item)) {
            for (const cJSON *d = item->child; d != c; d = d->next) {
                if (d->string[0] == c->string[0] && strcmp(d->string, c->string) == 0)
                    walk_note(w, CL_R_DUPLICATE_KEY, c->string, "duplicate member name");
            }
            if (!is_root && cl_utf8_count(c->string, strlen(c->string)) > w->lim->max_field_key)
                walk_note(w, CL_R_TOO_LONG, where, "a member name is longer than the limit");
        }
        walk(w, c, 0, is_root ? c->string : where);
    }
}

/* The typed view of the known keys, pointing into the parsed tree. */
typedef struct known {
    const cJSON *msg, *level, *app, *ts, *host, *pid, *tid, *logger, *trace_id, *span_id, *fields;
    /* Per top-level member, in document order: known key or not. */
    unsigned char is_known[CL_SCAN_MAX_MEMBERS];
} known;

/* Finds the slot of a known key by length and first letter before comparing:
 * this runs for every member of every entry. */
static const cJSON **known_slot(known *k, const char *name)
{
    size_t n = strlen(name);

    switch (n) {
    case 2:
        return strcmp(name, "ts") == 0 ? &k->ts : NULL;
    case 3:
        if (strcmp(name, "msg") == 0)
            return &k->msg;
        if (strcmp(name, "app") == 0)
            return &k->app;
        if (strcmp(name, "pid") == 0)
            return &k->pid;
        return strcmp(name, "tid") == 0 ? &k->tid : NULL;
    case 4:
        return strcmp(name, "host") == 0 ? &k->host : NULL;
    case 5:
        return strcmp(name, "level") == 0 ? &k->level : NULL;
    case 6:
        if (strcmp(name, "logger") == 0)
            return &k->logger;
        return strcmp(name, "fields") == 0 ? &k->fields : NULL;
    case 7:
        return strcmp(name, "span_id") == 0 ? &k->span_id : NULL;
    case 8:
        return strcmp(name, "trace_id") == 0 ? &k->trace_id : NULL;
    default:
        return NULL;
    }
}

/* Sorts the entry's members into the known slots, once. */
static void classify(known *k, const cJSON *root)
{
    size_t i = 0;

    memset(k, 0, sizeof *k);
    for (const cJSON *c = root->child; c != NULL && i < CL_SCAN_MAX_MEMBERS; c = c->next, i++) {
        const cJSON **slot = known_slot(k, c->string);

        k->is_known[i] = slot != NULL;
        if (slot != NULL)
            *slot = c;
    }
}

/* An optional string key with a length range and no control characters. */
static enum cl_reason check_text(verdict *v, const cJSON *it, const char *key, size_t min,
                                 size_t max, int allow_control)
{
    size_t n, cp;

    if (it == NULL)
        return CL_R_OK;
    if (!cJSON_IsString(it))
        return fail(v, CL_R_BAD_TYPE, "%s: must be a string", key);
    n = strlen(it->valuestring);
    cp = cl_utf8_count(it->valuestring, n);
    if (cp < min)
        return fail(v, CL_R_BAD_VALUE, "%s: must not be empty", key);
    if (cp > max)
        return fail(v, CL_R_TOO_LONG, "%s: %zu characters, the limit is %zu", key, cp, max);
    if (!allow_control && cl_utf8_control_at(it->valuestring, n) < n)
        return fail(v, CL_R_BAD_VALUE, "%s: must not contain control characters", key);
    return CL_R_OK;
}

static enum cl_reason check_uint32(verdict *v, const cJSON *it, const char *key, int64_t *out)
{
    double d;

    if (it == NULL)
        return CL_R_OK;
    if (!cJSON_IsNumber(it))
        return fail(v, CL_R_BAD_TYPE, "%s: must be an integer", key);
    d = it->valuedouble;
    if (d != floor(d) || d < 0 || d > 4294967295.0)
        return fail(v, CL_R_BAD_VALUE, "%s: must be an integer from 0 to 4294967295", key);
    *out = (int64_t)d;
    return CL_R_OK;
}

static enum cl_reason check_level(verdict *v, const cJSON *it, int *level)
{
    if (cJSON_IsString(it)) {
        size_t n = strlen(it->valuestring);

        *level = cl_level_parse(it->valuestring, n, 0);
    } else if (cJSON_IsNumber(it)) {
        double d = it->valuedouble;

        *level = (d == floor(d) && d >= 0 && d <= 7) ? (int)d : -1;
    } else {
        return fail(v, CL_R_BAD_TYPE, "level: must be a string or an integer");
    }
    if (*level < 0)
        return fail(v, CL_R_BAD_LEVEL,
                    "level: must be trace, debug, info, notice, warning, error, critical, "
                    "alert, emergency or a syslog severity 0-7");
    return CL_R_OK;
}

static enum cl_reason check_ts(verdict *v, const cJSON *it, int64_t *ts)
{
    if (it == NULL)
        return CL_R_OK;
    if (cJSON_IsString(it)) {
        if (cl_rfc3339_parse(it->valuestring, strlen(it->valuestring), ts) != 0)
            return fail(v, CL_R_BAD_TIMESTAMP,
                        "ts: not an RFC 3339 date-time with offset, e.g. "
                        "2026-11-27T10:15:02.123456Z");
        return CL_R_OK;
    }
    if (cJSON_IsNumber(it)) {
        double d = it->valuedouble;

        if (!(d >= -62135596800.0 && d <= 253402300799.0))
            return fail(v, CL_R_BAD_TIMESTAMP, "ts: epoch seconds out of range (years 1-9999)");
        *ts = llround(d * 1e6);
        return CL_R_OK;
    }
    return fail(v, CL_R_BAD_TYPE, "ts: must be an RFC 3339 string or epoch seconds");
}

/* Whether a claimed time may stand as the event time. Listings are in ts
 * order and -S/-U select on ts, so a claim far from the arrival would keep
 * an entry on top of every listing (9999-12-31) or hide it from every recent
 * one (0001-01-01). Both times are within years 1-9999, so the differences
 * cannot overflow. */
static int ts_plausible(const cl_limits *lim, int64_t ts, int64_t received)
{
    if (ts > received)
        return ts - received <= lim->max_ts_ahead_us;
    return received - ts <= lim->max_ts_age_us;
}

/* Where one of an entry's strings comes from: bytes as they are, or the
 * content of a JSON string to unescape (esc; raw_n bytes of it). n is the
 * length of the string itself; p is NULL when the key is absent. */
typedef struct str_src {
    const char *p;
    size_t n, raw_n;
    int esc;
} str_src;

enum { S_MSG, S_APP, S_HOST, S_LOGGER, S_TRACE_ID, S_SPAN_ID, S_COUNT };

/* What an entry record is made of, whichever path judged the line. */
typedef struct entry_src {
    str_src str[S_COUNT];
    const cl_span *spans; /* the top-level members, in document order */
    size_t nmembers;
    size_t fields;                             /* the member "fields", or nmembers when absent */
    unsigned char extra[CL_SCAN_MAX_MEMBERS];  /* the member goes into "extra" */
    unsigned char spaced[CL_SCAN_MAX_MEMBERS]; /* its value may hold whitespace to drop */
} entry_src;

static char *put_src(char *p, cl_str *dst, const str_src *src)
{
    if (src->p == NULL)
        return p;
    if (!src->esc)
        return cl_record_put_str(p, dst, src->p, src->n);
    cl_json_unescape(src->p, src->raw_n, p);
    p[src->n] = '\0';
    dst->p = p;
    dst->n = src->n;
    return p + src->n + 1;
}

/* A value as sent, minus insignificant whitespace; returns its length. */
static size_t put_value(const char *line, const entry_src *src, size_t m, char *p)
{
    const cl_span *sp = &src->spans[m];

    if (src->spaced[m])
        return cl_json_compact(line + sp->val_off, sp->val_len, p);
    memcpy(p, line + sp->val_off, sp->val_len);
    return sp->val_len;
}

static cl_record *build_entry(const cl_validator *val, const char *line, const entry_src *src,
                              int level, int64_t ts)
{
    size_t need = 0;
    cl_record *r;
    char *p;

    for (int i = 0; i < S_COUNT; i++)
        need += src->str[i].n;
    need += 6;
    for (size_t m = 0; m < src->nmembers; m++) {
        const cl_span *sp = &src->spans[m];

        if (m == src->fields)
            need += sp->val_len + 1;
        else if (src->extra[m])
            need += sp->key_len + sp->val_len + 2;
    }
    need += 3; /* braces and NUL of "extra" */
    r = cl_record_alloc(CL_REC_ENTRY, need);
    if (r == NULL)
        return NULL;
    r->u.e.level = level;
    r->u.e.ts_us = ts;
    p = r->data;
    p = put_src(p, &r->u.e.msg, &src->str[S_MSG]);
    p = put_src(p, &r->u.e.app, &src->str[S_APP]);
    if (src->str[S_HOST].p != NULL)
        p = put_src(p, &r->u.e.host, &src->str[S_HOST]);
    else
        r->u.e.host = val->default_host;
    p = put_src(p, &r->u.e.logger, &src->str[S_LOGGER]);
    p = put_src(p, &r->u.e.trace_id, &src->str[S_TRACE_ID]);
    p = put_src(p, &r->u.e.span_id, &src->str[S_SPAN_ID]);

    /* fields and unknown keys are kept as the producer wrote them, minus
     * insignificant whitespace: re-printing through cJSON would round big
     * integers (IDs!) to doubles. */
    if (src->fields < src->nmembers) {
        r->u.e.fields.p = p;
        r->u.e.fields.n = put_value(line, src, src->fields, p);
        p[r->u.e.fields.n] = '\0';
        p += r->u.e.fields.n + 1;
    }
    for (size_t m = 0; m < src->nmembers; m++) {
        const cl_span *sp = &src->spans[m];

        if (!src->extra[m])
            continue;
        if (r->u.e.extra.p == NULL) {
            r->u.e.extra.p = p;
            *p++ = '{';
        } else {
            *p++ = ',';
        }
        memcpy(p, line + sp->key_off, sp->key_len);
        p += sp->key_len;
        *p++ = ':';
        p += put_value(line, src, m, p);
    }
    if (r->u.e.extra.p != NULL) {
        *p++ = '}';
        *p = '\0';
        r->u.e.extra.n = (size_t)(p - r->u.e.extra.p);
    }
    return r;
}

/* Whether member c (number nmem) goes into "extra": an unknown key, or a ts
 * that was not taken as the event time (claimed: kept as sent). */
static int to_extra(const known *k, const cJSON *c, size_t nmem, int ts_claimed)
{
    return !k->is_known[nmem] || (ts_claimed && c == k->ts);
}

static void tree_str(str_src *s, const cJSON *it)
{
    s->p = it != NULL ? it->valuestring : NULL;
    s->n = s->raw_n = it != NULL ? strlen(it->valuestring) : 0;
    s->esc = 0;
}

/* The full path's entry: strings from the parsed tree, everything else as
 * sent. */
static cl_record *build_from_tree(const cl_validator *val, const char *line, const cl_scan *scan,
                                  const cJSON *root, const known *k, int level, int64_t ts,
                                  int ts_claimed)
{
    entry_src src;
    size_t nmem = 0;

    tree_str(&src.str[S_MSG], k->msg);
    tree_str(&src.str[S_APP], k->app);
    tree_str(&src.str[S_HOST], k->host);
    tree_str(&src.str[S_LOGGER], k->logger);
    tree_str(&src.str[S_TRACE_ID], k->trace_id);
    tree_str(&src.str[S_SPAN_ID], k->span_id);
    src.spans = scan->members;
    src.fields = CL_SCAN_MAX_MEMBERS;
    for (const cJSON *c = root->child; c != NULL; c = c->next, nmem++) {
        if (c == k->fields)
            src.fields = nmem;
        src.extra[nmem] = c != k->fields && to_extra(k, c, nmem, ts_claimed);
        src.spaced[nmem] = 1;
    }
    src.nmembers = nmem;
    if (src.fields == CL_SCAN_MAX_MEMBERS)
        src.fields = nmem;
    return build_entry(val, line, &src, level, ts);
}

/* Known keys: presence, type and value. Returns CL_R_OK with *level, *ts set. */
static enum cl_reason check_known(verdict *v, known *k, int64_t *pid, int64_t *tid, int *level,
                                  int64_t *ts)
{
    if (k->msg == NULL)
        return fail(v, CL_R_MISSING_FIELD, "msg: required key is missing");
    if (k->level == NULL)
        return fail(v, CL_R_MISSING_FIELD, "level: required key is missing");
    if (k->app == NULL)
        return fail(v, CL_R_MISSING_FIELD, "app: required key is missing");
    if (check_level(v, k->level, level) || check_text(v, k->app, "app", 1, CL_LIMIT_APP_CHARS, 0) ||
        check_text(v, k->msg, "msg", 0, SIZE_MAX, 1) || check_ts(v, k->ts, ts) ||
        check_text(v, k->host, "host", 1, CL_LIMIT_HOST_CHARS, 0) ||
        check_uint32(v, k->pid, "pid", pid) || check_uint32(v, k->tid, "tid", tid) ||
        check_text(v, k->logger, "logger", 1, CL_LIMIT_LOGGER_CHARS, 0) ||
        check_text(v, k->trace_id, "trace_id", 1, CL_LIMIT_TRACE_ID_CHARS, 0) ||
        check_text(v, k->span_id, "span_id", 1, CL_LIMIT_SPAN_ID_CHARS, 0))
        return v->reason;
    if (k->fields != NULL && !cJSON_IsObject(k->fields))
        return fail(v, CL_R_BAD_TYPE, "fields: must be an object");
    return CL_R_OK;
}

/* Name of the top-level member whose key or value holds byte off. */
static const char *member_at(const cl_scan *scan, const cJSON *root, size_t off)
{
    size_t i = 0;

    if (!cJSON_IsObject(root))
        return "entry";
    for (const cJSON *c = root->child; c != NULL && i < CL_SCAN_MAX_MEMBERS; c = c->next, i++) {
        const cl_span *sp = &scan->members[i];

        if (off >= sp->key_off && off < sp->val_off + sp->val_len)
            return c->string;
    }
    return "entry";
}

static enum cl_reason judge(const cl_validator *val, char *line, size_t len, cl_scan *scan,
                            cJSON **rootp, verdict *v, verdict *nested)
{
    const cl_limits *lim = &val->limits;
    enum cl_reason r;
    walk_state w;
    cJSON *root;
    size_t n = 0;

    r = cl_wirecheck(line, len, lim->max_depth, scan);
    if (r == CL_R_INVALID_UTF8)
        return fail(v, r, "byte %zu: invalid UTF-8", scan->err_off);
    if (r == CL_R_CONTROL_CHAR)
        return fail(v, r, "byte %zu: raw control character; escape it (\\n, \\u0001)",
                    scan->err_off);
    if (r == CL_R_TOO_DEEP)
        return fail(v, r, "byte %zu: nesting deeper than %d", scan->err_off, lim->max_depth);
    if (r == CL_R_NOT_JSON && scan->err_off == 0 && (unsigned char)line[0] == 0xEF)
        return fail(v, r, "%s", scan->err_what);
    if (r == CL_R_NOT_JSON)
        return fail(v, r, "byte %zu: %s", scan->err_off, scan->err_what);

    /* Passing the terminator as part of the length makes cJSON reject
     * trailing garbage instead of ignoring it. */
    root = cJSON_ParseWithLengthOpts(line, len + 1, NULL, 1);
    if (root == NULL) {
        const char *e = cJSON_GetErrorPtr();
        size_t off = (e >= line && e <= line + len) ? (size_t)(e - line) : 0;

        return fail(v, CL_R_NOT_JSON, "byte %zu: not valid JSON", off);
    }
    *rootp = root;
    w.lim = lim;
    w.first.reason = CL_R_OK;
    walk(&w, root, 1, "entry");
    if (w.first.reason == CL_R_BAD_NUMBER)
        return *v = w.first, v->reason;
    if (scan->has_nul_escape)
        return fail(v, CL_R_NUL_CHAR, "%s: a string contains \\u0000",
                    member_at(scan, root, scan->nul_off));
    if (!cJSON_IsObject(root))
        return fail(v, CL_R_NOT_OBJECT, "an entry must be a JSON object");
    if (w.first.reason == CL_R_DUPLICATE_KEY)
        return *v = w.first, v->reason;
    for (const cJSON *c = root->child; c != NULL; c = c->next)
        n++;
    if (n > lim->max_top_members || n > CL_SCAN_MAX_MEMBERS)
        return fail(v, CL_R_TOO_MANY_MEMBERS, "entry: %zu members, the limit is %zu", n,
                    lim->max_top_members);
    /* Nested violations are reported after the known keys' own checks so
     * that the message names the most useful problem first. */
    *nested = w.first;
    return CL_R_OK;
}

/* A top-level member's value as sent, compacted; NULL if absent. */
static char *raw_member(const char *line, const cl_scan *scan, const cJSON *root, const char *key)
{
    size_t i = 0;

    for (const cJSON *c = root->child; c != NULL && i < CL_SCAN_MAX_MEMBERS; c = c->next, i++) {
        const cl_span *sp = &scan->members[i];
        char *out;

        if (strcmp(c->string, key) != 0)
            continue;
        out = malloc(sp->val_len + 1);
        if (out != NULL)
            out[cl_json_compact(line + sp->val_off, sp->val_len, out)] = '\0';
        return out;
    }
    return NULL;
}

/* The rule of PROTOCOL.md section 3: an object with an "op" key is a control
 * request unless it has any of the entry's required keys. A producer's own
 * "op" (the operation it logs about) must not turn its entry into an
 * unknown request that is neither stored nor rejected: with msg, level or
 * app present the line is judged as an entry, and "op" is kept in extra
 * like any other unknown key. No request of the protocol uses those keys. */
static int is_request(const cJSON *root)
{
    static const char *const entry_keys[] = { "msg", "level", "app" };

    if (cJSON_GetObjectItemCaseSensitive(root, "op") == NULL)
        return 0;
    for (size_t i = 0; i < sizeof entry_keys / sizeof entry_keys[0]; i++) {
        if (cJSON_GetObjectItemCaseSensitive(root, entry_keys[i]) != NULL)
            return 0;
    }
    return 1;
}

/* ---- the fast path (entryscan.h): a plain entry judged in one pass. Any
 * doubt returns 0 and the line goes the full way above, which alone words
 * rejects; so both paths accept the same lines and make the same records. */

enum {
    K_MSG,
    K_APP,
    K_HOST,
    K_LOGGER,
    K_TRACE_ID,
    K_SPAN_ID,
    K_LEVEL,
    K_TS,
    K_PID,
    K_TID,
    K_FIELDS,
    K_COUNT
};

static int is_name(const char *s, size_t n, const char *name)
{
    return memcmp(s, name, n) == 0 ? 1 : 0;
}

/* The known key a member name is, or -1 (known_slot, on bytes). */
static int known_index(const char *s, size_t n)
{
    switch (n) {
    case 2:
        return is_name(s, 2, "ts") ? K_TS : -1;
    case 3:
        if (is_name(s, 3, "msg"))
            return K_MSG;
        if (is_name(s, 3, "app"))
            return K_APP;
        if (is_name(s, 3, "pid"))
            return K_PID;
        return is_name(s, 3, "tid") ? K_TID : -1;
    case 4:
        return is_name(s, 4, "host") ? K_HOST : -1;
    case 5:
        return is_name(s, 5, "level") ? K_LEVEL : -1;
    case 6:
        if (is_name(s, 6, "logger"))
            return K_LOGGER;
        return is_name(s, 6, "fields") ? K_FIELDS : -1;
    case 7:
        return is_name(s, 7, "span_id") ? K_SPAN_ID : -1;
    case 8:
        return is_name(s, 8, "trace_id") ? K_TRACE_ID : -1;
    default:
        return -1;
    }
}

/* The double strtod (so cJSON) reads from a number token of at most
 * NUMBER_MAX bytes without exponent. Up to 15 digits the value is m / 10^k
 * with both exact, and one IEEE division rounds correctly, as strtod does;
 * longer ones ask strtod itself. */
static double number_value(const char *s, size_t n)
{
    char buf[64];

#if FLT_EVAL_METHOD == 0
    static const double p10[16] = { 1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
    uint64_t m = 0;
    int digits = 0, frac = -1, neg = s[0] == '-';

    for (size_t i = (size_t)neg; i < n; i++) {
        if (s[i] == '.') {
            frac = 0;
            continue;
        }
        m = m * 10 + (uint64_t)(s[i] - '0');
        digits++;
        if (frac >= 0)
            frac++;
    }
#if defined(_WIN32)
    /* Windows C runtimes do not all round correctly: integers only. */
    if (frac > 0)
        digits = 99;
#endif
    if (digits <= 15) {
        double d = (double)m / p10[frac > 0 ? frac : 0];

        return neg ? -d : d;
    }
#endif
    memcpy(buf, s, n);
    buf[n] = '\0';
    return strtod(buf, NULL);
}

static int text_ok(const cl_str *s, size_t min, size_t max)
{
    size_t cp;

    if (s->p == NULL)
        return 1;
    cp = cl_utf8_count(s->p, s->n);
    return cp >= min && cp <= max && cl_utf8_control_at(s->p, s->n) == s->n;
}

static int uint32_value(const char *line, const cl_jval *v, int64_t *out)
{
    double d;

    if (v->type != CL_JT_NUMBER)
        return 0;
    d = number_value(line + v->off, v->len);
    if (d != floor(d) || d < 0 || d > 4294967295.0)
        return 0;
    *out = (int64_t)d;
    return 1;
}

static int fast_level(const char *line, const cl_jval *v, int *level)
{
    double d;

    if (v->type == CL_JT_STRING && !v->esc) {
        *level = cl_level_parse(line + v->off, v->len, 0);
    } else if (v->type == CL_JT_NUMBER) {
        d = number_value(line + v->off, v->len);
        *level = (d == floor(d) && d >= 0 && d <= 7) ? (int)d : -1;
    } else {
        return 0;
    }
    return *level >= 0;
}

static int fast_ts(const char *line, const cl_jval *v, int64_t *ts)
{
    double d;

    if (v->type == CL_JT_STRING && !v->esc)
        return cl_rfc3339_parse(line + v->off, v->len, ts) == 0;
    if (v->type != CL_JT_NUMBER)
        return 0;
    d = number_value(line + v->off, v->len);
    if (!(d >= -62135596800.0 && d <= 253402300799.0))
        return 0;
    *ts = llround(d * 1e6);
    return 1;
}

/* The known strings' checks of check_known, on the record's copies. */
static int fast_texts_ok(const cl_entry_fields *e, int has_host)
{
    return text_ok(&e->app, 1, CL_LIMIT_APP_CHARS) &&
           (!has_host || text_ok(&e->host, 1, CL_LIMIT_HOST_CHARS)) &&
           text_ok(&e->logger, 1, CL_LIMIT_LOGGER_CHARS) &&
           text_ok(&e->trace_id, 1, CL_LIMIT_TRACE_ID_CHARS) &&
           text_ok(&e->span_id, 1, CL_LIMIT_SPAN_ID_CHARS);
}

static cl_record *fast_entry(const cl_validator *val, const char *line, size_t len,
                             int64_t received_us)
{
    cl_entryscan sc;
    entry_src src;
    int idx[K_COUNT], level = 0, claimed;
    int64_t ts = received_us, pid = 0, tid = 0;
    cl_record *r;

    if (!cl_entry_scan(line, len, &val->limits, &sc))
        return NULL;
    for (int i = 0; i < K_COUNT; i++)
        idx[i] = -1;
    for (size_t m = 0; m < sc.nmembers; m++) {
        const cl_span *sp = &sc.members[m];
        int k = known_index(line + sp->key_off + 1, sp->key_len - 2);

        src.extra[m] = k < 0;
        src.spaced[m] = sc.vals[m].spaced;
        if (k >= 0)
            idx[k] = (int)m;
    }
    if (idx[K_MSG] < 0 || idx[K_LEVEL] < 0 || idx[K_APP] < 0)
        return NULL;
    for (int i = 0; i < S_COUNT; i++) {
        str_src *s = &src.str[i];
        const cl_jval *v;

        memset(s, 0, sizeof *s);
        if (idx[i] < 0)
            continue;
        v = &sc.vals[idx[i]];
        if (v->type != CL_JT_STRING)
            return NULL;
        s->p = line + v->off;
        s->raw_n = v->len;
        s->n = v->dec_len;
        s->esc = v->esc;
    }
    if (!fast_level(line, &sc.vals[idx[K_LEVEL]], &level) ||
        (idx[K_TS] >= 0 && !fast_ts(line, &sc.vals[idx[K_TS]], &ts)) ||
        (idx[K_PID] >= 0 && !uint32_value(line, &sc.vals[idx[K_PID]], &pid)) ||
        (idx[K_TID] >= 0 && !uint32_value(line, &sc.vals[idx[K_TID]], &tid)) ||
        (idx[K_FIELDS] >= 0 && sc.vals[idx[K_FIELDS]].type != CL_JT_OBJECT))
        return NULL;
    claimed = idx[K_TS] >= 0 && !ts_plausible(&val->limits, ts, received_us);
    if (claimed)
        src.extra[idx[K_TS]] = 1;
    src.spans = sc.members;
    src.nmembers = sc.nmembers;
    src.fields = idx[K_FIELDS] >= 0 ? (size_t)idx[K_FIELDS] : sc.nmembers;
    r = build_entry(val, line, &src, level, claimed ? received_us : ts);
    if (r == NULL)
        return NULL;
    if (!fast_texts_ok(&r->u.e, idx[K_HOST] >= 0)) {
        cl_record_free(r);
        return NULL;
    }
    r->u.e.has_pid = idx[K_PID] >= 0;
    r->u.e.pid = pid;
    r->u.e.has_tid = idx[K_TID] >= 0;
    r->u.e.tid = tid;
    return r;
}

void cl_validate_line(const cl_validator *val, char *line, size_t len, int64_t received_us,
                      const cl_peer *peer, cl_line_result *out)
{
    cJSON *root = NULL;
    cl_scan scan;
    verdict v = { CL_R_OK, "" };
    verdict nested = { CL_R_OK, "" };
    known k;
    int level = 0;
    int64_t ts = received_us, pid = 0, tid = 0;
    enum cl_reason r;
    size_t i = 0;
    char saved = line[len];

    memset(out, 0, sizeof *out);
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i == len) {
        out->kind = CL_LINE_BLANK;
        return;
    }
    if (!val->full_only && (out->rec = fast_entry(val, line, len, received_us)) != NULL) {
        out->kind = CL_LINE_ENTRY;
        out->rec->received_us = received_us;
        out->rec->peer = *peer;
        return;
    }
    line[len] = '\0';
    cl_json_arena_begin();
    r = judge(val, line, len, &scan, &root, &v, &nested);
    if (r == CL_R_OK && is_request(root)) {
        /* Requests are rare and outlive the arena: give the caller a copy. */
        cl_json_arena_end();
        line[len] = saved;
        out->op = cJSON_Duplicate(root, 1);
        out->kind = out->op != NULL ? CL_LINE_OP : CL_LINE_NOMEM;
        out->op_id = raw_member(line, &scan, root, "id");
        cJSON_Delete(root);
        return;
    }
    if (r == CL_R_OK) {
        classify(&k, root);
        r = check_known(&v, &k, &pid, &tid, &level, &ts);
        if (r == CL_R_OK && nested.reason != CL_R_OK) {
            v = nested;
            r = v.reason;
        }
    }
    if (r == CL_R_OK) {
        int claimed = k.ts != NULL && !ts_plausible(&val->limits, ts, received_us);

        out->rec =
            build_from_tree(val, line, &scan, root, &k, level, claimed ? received_us : ts, claimed);
        if (out->rec != NULL) {
            out->rec->u.e.has_pid = k.pid != NULL;
            out->rec->u.e.pid = pid;
            out->rec->u.e.has_tid = k.tid != NULL;
            out->rec->u.e.tid = tid;
        }
        out->kind = CL_LINE_ENTRY;
    } else {
        out->rec = cl_record_reject(r, v.msg, line, len, received_us, peer);
        out->kind = CL_LINE_REJECT;
    }
    cl_json_arena_end();
    cJSON_Delete(root);
    line[len] = saved;
    if (out->rec == NULL) {
        out->kind = CL_LINE_NOMEM;
        return;
    }
    out->rec->received_us = received_us;
    out->rec->peer = *peer;
}
