/* syslog_parse.c - see syslog_parse.h; the mapping is schema/SYSLOG.md.
 *
 * RFC 5424 is a grammar and is parsed as one: a field that breaks it makes
 * the message a reject. RFC 3164 only describes what BSD syslog happened to
 * send, so its header is recognised the way rsyslog's and journald's parsers
 * do: an optional timestamp, an optional host name, then "TAG[PID]: " or
 * "TAG: "; whatever does not fit is message text, never an error.
 */
#include "syslog_parse.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jsonesc.h"
#include "timefmt.h"
#include "utf8.h"

static int fail(cl_syslog_error *err, enum cl_reason r, const char *what)
{
    err->reason = r;
    snprintf(err->msg, sizeof err->msg, "%s", what);
    return -1;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A reader over the datagram. */
typedef struct cursor {
    const char *p, *end;
} cursor;

static size_t left(const cursor *c)
{
    return (size_t)(c->end - c->p);
}

/* "<PRI>": 1-3 digits without leading zeros, at most 191 (facility 23,
 * severity 7). Returns 0 and consumes it, or -1. */
static int parse_pri(cursor *c, cl_syslog_msg *m)
{
    int v = 0, n = 0;

    if (left(c) < 3 || c->p[0] != '<')
        return -1;
    c->p++;
    while (n < 4 && c->p < c->end && is_digit(*c->p)) {
        v = v * 10 + (*c->p++ - '0');
        n++;
    }
    if (n == 0 || n > 3 || c->p >= c->end || *c->p != '>' || (n > 1 && c->p[-n] == '0') || v > 191)
        return -1;
    c->p++;
    m->facility = v / 8;
    m->severity = v % 8;
    return 0;
}

/* ---- RFC 3164 ---- */

static int month_of(const char *s)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

    for (int i = 0; i < 12; i++) {
        if (memcmp(s, names + 3 * i, 3) == 0)
            return i;
    }
    return -1;
}

static int two_digits(const char *s, int space_ok)
{
    if (space_ok && s[0] == ' ' && is_digit(s[1]))
        return s[1] - '0';
    if (!is_digit(s[0]) || !is_digit(s[1]))
        return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* The instant of a local date and time in year y, or -1 when that date does
 * not exist there (29 February). mktime reads the local time zone, DST
 * included. */
static int local_us(int y, int mon, int day, int h, int mi, int s, int64_t *us)
{
    struct tm tm;
    time_t t;

    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = day;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    tm.tm_isdst = -1;
    t = mktime(&tm);
    if (t == (time_t)-1 || tm.tm_mon != mon || tm.tm_mday != day)
        return -1;
    *us = (int64_t)t * 1000000;
    return 0;
}

#define HALF_YEAR_US (182LL * 86400 * 1000000)
/* How far before the arrival a BSD timestamp may be and still be taken for
 * the same moment. The sender formats it (whole seconds) just before it
 * sends, so on one machine the two agree within a second or two; a minute
 * also covers a sender blocked on a full queue, and is far below any
 * difference of time zones. */
#define BSD_TS_AGREES_US (60LL * 1000000)

/* The local time a BSD timestamp names, in the year (last, this or next)
 * nearest to now_us. Returns 0, or -1 when no such date exists near now
 * (29 February far from a leap year). */
static int bsd_instant(int mon, int day, int h, int mi, int sec, int64_t now_us, int64_t *out)
{
    time_t now_t = (time_t)(now_us / 1000000);
    struct tm now_tm;
    int64_t best_d = -1;

    if (localtime_r(&now_t, &now_tm) == NULL)
        return -1;
    /* This year first: within half a year of now it is the nearest, and the
     * other two need not be asked (mktime reads the zone each time). */
    for (int i = 0; i < 3; i++) {
        static const int order[3] = { 0, -1, 1 };
        int64_t us, d;

        if (local_us(now_tm.tm_year + 1900 + order[i], mon, day, h, mi, sec, &us) != 0)
            continue;
        d = us > now_us ? us - now_us : now_us - us;
        if (best_d < 0 || d < best_d) {
            best_d = d;
            *out = us;
        }
        if (i == 0 && d <= HALF_YEAR_US)
            break;
    }
    return best_d < 0 ? -1 : 0;
}

/* "Mmm dd hh:mm:ss " (the day space-padded as glibc writes it, or
 * zero-padded). It names no year, no zone and no fraction: the sender's
 * local time, in whatever zone its TZ says. So, as journald and rsyslog's
 * imuxsock do, the entry's time is the arrival (now_us, the kernel's time
 * of the datagram), which sorts it to the microsecond among other entries;
 * the claim is kept as text (m->bsd_ts) only when it does not name about
 * the same moment - a sender in another time zone, a relay's backlog - so
 * that the difference can be seen. Returns 1 and consumes it, 0 when the
 * text is no such timestamp (then it is message text). */
static int ts_3164(cursor *c, int64_t now_us, cl_syslog_msg *m)
{
    const char *s = c->p;
    int mon, day, h, mi, sec;
    int64_t claim = 0;

    if (left(c) < 16 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':' || s[15] != ' ')
        return 0;
    mon = month_of(s);
    day = two_digits(s + 4, 1);
    h = two_digits(s + 7, 0);
    mi = two_digits(s + 10, 0);
    sec = two_digits(s + 13, 0);
    if (mon < 0 || day < 1 || day > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 ||
        sec > 60)
        return 0;
    if (sec == 60)
        sec = 59; /* a leap second, folded as cl_rfc3339_parse does */
    if (bsd_instant(mon, day, h, mi, sec, now_us, &claim) != 0 || claim > now_us + 1000000 ||
        claim <= now_us - BSD_TS_AGREES_US) {
        m->bsd_ts.p = s;
        m->bsd_ts.n = 15;
    }
    m->has_ts = 1;
    m->ts_us = now_us;
    c->p += 16;
    return 1;
}

/* rsyslog's high-precision forwarding formats put an RFC 3339 timestamp
 * where BSD syslog has "Mmm dd hh:mm:ss". */
static int ts_rfc3339_lead(cursor *c, cl_syslog_msg *m)
{
    const char *sp = memchr(c->p, ' ', left(c));
    int64_t us;

    if (left(c) < 20 || !is_digit(c->p[0]) || c->p[4] != '-' || sp == NULL ||
        cl_rfc3339_parse(c->p, (size_t)(sp - c->p), &us) != 0)
        return 0;
    m->has_ts = 1;
    m->ts_us = us;
    c->p = sp + 1;
    return 1;
}

/* The length of the word at c: the bytes up to the next space or the end. */
static size_t word_len(const cursor *c)
{
    size_t n = 0;

    while (c->p + n < c->end && c->p[n] != ' ')
        n++;
    return n;
}

/* "TAG: " or "TAG[PID]: " at c (the space may be missing at the very end):
 * returns the bytes it takes, 0 when c holds no such form. */
static size_t tag_form(const cursor *c, cl_syslog_span *tag, cl_syslog_span *pid)
{
    size_t w = word_len(c), i = 0;
    const char *s = c->p;

    if (w == 1 && s[0] == ':') {
        /* logger -t '' writes ": msg": an empty tag, as journald reads it
         * (app "-"), not message text. */
        tag->p = pid->p = NULL;
        tag->n = pid->n = 0;
        return w + (s + w < c->end ? 1 : 0);
    }
    while (i < w && s[i] != '[' && s[i] != ':')
        i++;
    if (i == 0 || i == w)
        return 0;
    tag->p = s;
    tag->n = i;
    pid->p = NULL;
    if (s[i] == '[') {
        const char *close = memchr(s + i, ']', w - i);

        if (close == NULL || close == s + i + 1)
            return 0;
        pid->p = s + i + 1;
        pid->n = (size_t)(close - pid->p);
        i = (size_t)(close - s) + 1;
    }
    if (i >= w || s[i] != ':' || i + 1 != w)
        return 0;
    return w + (s + w < c->end ? 1 : 0);
}

/* An IPv6 address as a relay writes a sender it cannot resolve
 * ("2001:db8::1", "::ffff:192.0.2.7"; rsyslog's RFC 3164 parser takes such a
 * literal as HOSTNAME): hex digits, dots and colons, with "::" or all eight
 * groups - so that a time such as "12:30:00" stays message text. */
static int ipv6_like(const char *s, size_t n)
{
    size_t colons = 0;
    int pair = 0;

    for (size_t i = 0; i < n; i++) {
        char ch = s[i];

        if (ch == ':') {
            colons++;
            pair |= i > 0 && s[i - 1] == ':';
        } else if (!is_digit(ch) && ch != '.' && !(ch >= 'a' && ch <= 'f') &&
                   !(ch >= 'A' && ch <= 'F'))
            return 0;
    }
    return colons == 7 || (colons >= 2 && pair);
}

/* A host name as BSD syslog relays write it: printable ASCII without the
 * characters of a tag form, or an IPv6 address. */
static int host_like(const char *s, size_t n)
{
    if (n == 0 || n > CL_SYSLOG_HOST_MAX)
        return 0;
    if (ipv6_like(s, n))
        return 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];

        if (ch < 33 || ch > 126 || ch == '[' || ch == ']' || ch == ':')
            return 0;
    }
    return 1;
}

static void parse_3164(cursor *c, int64_t now_us, cl_syslog_msg *m)
{
    cl_syslog_span tag, pid;
    size_t n;

    m->format = CL_SYSLOG_RFC3164;
    if (!ts_3164(c, now_us, m))
        ts_rfc3339_lead(c, m);
    /* glibc and logger's local format: no host, "tag[pid]: " at once. */
    if ((n = tag_form(c, &tag, &pid)) == 0) {
        size_t w = word_len(c);

        /* logger --rfc3164 and relays: "host tag[pid]: ". */
        if (c->p + w < c->end && host_like(c->p, w)) {
            cursor after = { c->p + w + 1, c->end };

            if ((n = tag_form(&after, &tag, &pid)) > 0) {
                m->host.p = c->p;
                m->host.n = w;
                c->p = after.p;
            }
        }
    }
    if (n > 0) {
        m->app = tag;
        m->procid = pid;
        c->p += n;
    }
    m->msg.p = c->p;
    m->msg.n = left(c);
}

/* ---- RFC 5424 ---- */

/* One header field: PRINTUSASCII up to the next space, at most max bytes,
 * "-" for none. Consumes the field and its space. */
static int header_field(cursor *c, const char *name, size_t max, cl_syslog_span *out,
                        cl_syslog_error *err)
{
    size_t n = 0;

    while (c->p + n < c->end && c->p[n] != ' ') {
        unsigned char ch = (unsigned char)c->p[n];

        if (ch < 33 || ch > 126) {
            snprintf(err->msg, sizeof err->msg,
                     "RFC 5424 %s: only printable ASCII is allowed (byte %zu of the field)", name,
                     n);
            err->reason = CL_R_SYSLOG_BAD_HEADER;
            return -1;
        }
        n++;
    }
    if (n == 0 || c->p + n >= c->end || n > max) {
        snprintf(err->msg, sizeof err->msg,
                 n == 0 || c->p + n >= c->end
                     ? "RFC 5424 header ends at %s; expected VERSION TIMESTAMP HOSTNAME "
                       "APP-NAME PROCID MSGID STRUCTURED-DATA, each followed by one space"
                     : "RFC 5424 %s is longer than the RFC allows",
                 name);
        err->reason = CL_R_SYSLOG_BAD_HEADER;
        return -1;
    }
    out->p = (n == 1 && c->p[0] == '-') ? NULL : c->p;
    out->n = out->p ? n : 0;
    c->p += n + 1;
    return 0;
}

/* An SD-NAME (SD-ID or PARAM-NAME): 1-32 PRINTUSASCII except = SP ] ". */
static size_t sd_name(const cursor *c)
{
    size_t n = 0;

    while (c->p + n < c->end && n <= CL_SYSLOG_SDNAME_MAX) {
        unsigned char ch = (unsigned char)c->p[n];

        if (ch < 33 || ch > 126 || ch == '=' || ch == ']' || ch == '"')
            break;
        n++;
    }
    return n >= 1 && n <= CL_SYSLOG_SDNAME_MAX ? n : 0;
}

static int sd_fail(cl_syslog_error *err, const cursor *c, const char *start, const char *what)
{
    err->reason = CL_R_SYSLOG_BAD_SD;
    snprintf(err->msg, sizeof err->msg, "RFC 5424 STRUCTURED-DATA, byte %zu of it: %s",
             (size_t)(c->p - start), what);
    return -1;
}

/* PARAM-VALUE up to its closing quote: a backslash escapes the next byte
 * for the scan (the value keeps it; cl_syslog_entry_json unescapes). */
static int sd_value(cursor *c, cl_syslog_span *v)
{
    v->p = c->p;
    while (c->p < c->end && *c->p != '"') {
        if (*c->p == '\\' && c->p + 1 < c->end)
            c->p++;
        c->p++;
    }
    if (c->p >= c->end)
        return -1;
    v->n = (size_t)(c->p - v->p);
    c->p++;
    return 0;
}

static int sd_element(cursor *c, const char *start, cl_syslog_msg *m, cl_syslog_error *err)
{
    cl_syslog_span id;
    size_t n;
    int params = 0;

    c->p++; /* '[' */
    if ((n = sd_name(c)) == 0)
        return sd_fail(err, c, start, "an SD-ID of 1-32 printable characters must follow '['");
    id.p = c->p;
    id.n = n;
    c->p += n;
    while (c->p < c->end && *c->p == ' ') {
        cl_syslog_sd_param *p;

        c->p++;
        if ((n = sd_name(c)) == 0 || c->p + n + 1 >= c->end || c->p[n] != '=' || c->p[n + 1] != '"')
            return sd_fail(err, c, start, "expected PARAM-NAME=\"value\"");
        if (m->nparams >= CL_SYSLOG_SD_PARAMS_MAX)
            return sd_fail(err, c, start, "more parameters than the collector takes (48)");
        p = &m->params[m->nparams++];
        p->id = id;
        p->name.p = c->p;
        p->name.n = n;
        c->p += n + 2;
        if (sd_value(c, &p->value) != 0)
            return sd_fail(err, c, start, "a PARAM-VALUE has no closing quote");
        params++;
    }
    if (c->p >= c->end || *c->p != ']')
        return sd_fail(err, c, start, "expected ']' or ' PARAM-NAME=\"value\"'");
    c->p++;
    if (params == 0) {
        /* An element without parameters still says something: keep its ID. */
        if (m->nparams >= CL_SYSLOG_SD_PARAMS_MAX)
            return sd_fail(err, c, start, "more parameters than the collector takes (48)");
        m->params[m->nparams].id = id;
        m->params[m->nparams].name.p = NULL;
        m->params[m->nparams].name.n = 0;
        m->params[m->nparams].value.p = NULL;
        m->params[m->nparams].value.n = 0;
        m->nparams++;
    }
    return 0;
}

static int parse_sd(cursor *c, cl_syslog_msg *m, cl_syslog_error *err)
{
    const char *start = c->p;

    if (c->p < c->end && *c->p == '-') {
        c->p++;
    } else {
        if (c->p >= c->end || *c->p != '[')
            return sd_fail(err, c, start, "expected '-' or '['");
        while (c->p < c->end && *c->p == '[') {
            if (sd_element(c, start, m, err) != 0)
                return -1;
        }
    }
    if (c->p < c->end && *c->p != ' ')
        return sd_fail(err, c, start, "expected a space before MSG");
    if (c->p < c->end)
        c->p++;
    return 0;
}

static int parse_5424(cursor *c, cl_syslog_msg *m, cl_syslog_error *err)
{
    cl_syslog_span ts;

    m->format = CL_SYSLOG_RFC5424;
    c->p += 2; /* "1 " */
    if (header_field(c, "TIMESTAMP", 64, &ts, err) != 0 ||
        header_field(c, "HOSTNAME", CL_SYSLOG_HOST_MAX, &m->host, err) != 0 ||
        header_field(c, "APP-NAME", CL_SYSLOG_APP_MAX, &m->app, err) != 0 ||
        header_field(c, "PROCID", CL_SYSLOG_PROCID_MAX, &m->procid, err) != 0 ||
        header_field(c, "MSGID", CL_SYSLOG_MSGID_MAX, &m->msgid, err) != 0)
        return -1;
    if (ts.p != NULL) {
        if (cl_rfc3339_parse(ts.p, ts.n, &m->ts_us) != 0 || ts.p[10] != 'T')
            return fail(err, CL_R_BAD_TIMESTAMP,
                        "RFC 5424 TIMESTAMP is not an RFC 3339 date-time with 'T' and an "
                        "offset, e.g. 2026-12-04T19:00:00.123456+01:00");
        m->has_ts = 1;
        m->ts_text = ts;
    }
    if (parse_sd(c, m, err) != 0)
        return -1;
    /* MSG in UTF-8 starts with a byte-order mark, which is no part of it. */
    if (left(c) >= 3 && memcmp(c->p, "\xEF\xBB\xBF", 3) == 0)
        c->p += 3;
    m->msg.p = c->p;
    m->msg.n = left(c);
    return 0;
}

/* logger --octet-count prefixes "LEN " (RFC 6587) even on a datagram: taken
 * off when LEN is exactly what follows it. */
static void strip_octet_count(cursor *c)
{
    size_t n = 0, i = 0;

    while (i < left(c) && i < 7 && is_digit(c->p[i]))
        n = n * 10 + (size_t)(c->p[i++] - '0');
    if (i > 0 && i + 1 < left(c) && c->p[i] == ' ' && c->p[i + 1] == '<' && n == left(c) - i - 1)
        c->p += i + 1;
}

int cl_syslog_parse(const char *buf, size_t len, int64_t now_us, cl_syslog_msg *m,
                    cl_syslog_error *err)
{
    cursor c = { buf, buf + len };
    const char *nul, *start;
    size_t bad;

    memset(m, 0, sizeof *m);
    err->reason = CL_R_OK;
    err->msg[0] = '\0';
    strip_octet_count(&c);
    /* Python's SysLogHandler ends a message with NUL, some programs with a
     * newline: a terminator, not content (rsyslog and journald agree). */
    while (c.end > c.p && (c.end[-1] == '\0' || c.end[-1] == '\n'))
        c.end--;
    if (c.end == c.p)
        return fail(err, CL_R_SYSLOG_EMPTY, "an empty message");
    if ((nul = memchr(c.p, '\0', left(&c))) != NULL) {
        err->reason = CL_R_NUL_CHAR;
        snprintf(err->msg, sizeof err->msg, "byte %zu: a NUL byte inside the message",
                 (size_t)(nul - buf));
        return -1;
    }
    start = c.p;
    bad = cl_utf8_check((const unsigned char *)c.p, left(&c));
    if (bad < left(&c)) {
        err->reason = CL_R_INVALID_UTF8;
        snprintf(err->msg, sizeof err->msg,
                 "byte %zu: invalid UTF-8 (the collector stores text as UTF-8 only)",
                 (size_t)(c.p - buf) + bad);
        return -1;
    }
    if (parse_pri(&c, m) != 0) {
        /* RFC 3164 section 4.3.3, as journald and rsyslog do: a message
         * without a PRI, or with one that cannot be read, is user.notice
         * (13) and all of it is the text - nothing is taken for a header. */
        m->format = CL_SYSLOG_RFC3164;
        m->facility = 1;
        m->severity = 5;
        m->msg.p = start;
        m->msg.n = (size_t)(c.end - start);
        return 0;
    }
    if (c.p == c.end)
        return fail(err, CL_R_SYSLOG_EMPTY, "nothing after <PRI>");
    if (left(&c) >= 2 && c.p[0] == '1' && c.p[1] == ' ')
        return parse_5424(&c, m, err);
    parse_3164(&c, now_us, m);
    return 0;
}

/* ---- the entry ---- */

static void put_key(cl_strbuf *out, const char *key)
{
    cl_strbuf_printf(out, ",\"%s\":", key);
}

static void put_str(cl_strbuf *out, const cl_syslog_span *s)
{
    cl_strbuf_json(out, s->p, s->n, SIZE_MAX, CL_JSONESC_WIRE);
}

/* A PARAM-VALUE as a JSON string: \" \\ \] stand for the character; any
 * other backslash is itself (RFC 5424 section 6.3.3). */
static void put_sd_value(cl_strbuf *out, const cl_syslog_span *v)
{
    size_t i = 0, run = 0;

    cl_strbuf_putc(out, '"');
    while (i < v->n) {
        if (v->p[i] == '\\' && i + 1 < v->n &&
            (v->p[i + 1] == '"' || v->p[i + 1] == '\\' || v->p[i + 1] == ']')) {
            cl_strbuf_json(out, v->p + run, i - run, SIZE_MAX, CL_JSONESC_JSON_TEXT);
            cl_strbuf_puts(out, v->p[i + 1] == '"' ? "\\\"" : v->p[i + 1] == '\\' ? "\\\\" : "]");
            i += 2;
            run = i;
            continue;
        }
        if (v->p[i] == '"' || v->p[i] == '\\') {
            cl_strbuf_json(out, v->p + run, i - run, SIZE_MAX, CL_JSONESC_JSON_TEXT);
            cl_strbuf_puts(out, v->p[i] == '"' ? "\\\"" : "\\\\");
            run = ++i;
            continue;
        }
        i++;
    }
    cl_strbuf_json(out, v->p + run, i - run, SIZE_MAX, CL_JSONESC_JSON_TEXT);
    cl_strbuf_putc(out, '"');
}

static int span_eq(const cl_syslog_span *a, const cl_syslog_span *b)
{
    return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

/* Parameters of one SD-ID, from params[first]: a name given more than once
 * (RFC 5424 allows it, e.g. origin's "ip") becomes an array of its values. */
static void put_sd_element(cl_strbuf *out, const cl_syslog_msg *m, size_t first)
{
    const cl_syslog_sd_param *ps = m->params;
    int any = 0;

    cl_strbuf_putc(out, '{');
    for (size_t i = first; i < m->nparams; i++) {
        size_t count = 0, seen = 0;

        if (!span_eq(&ps[i].id, &ps[first].id) || ps[i].name.p == NULL)
            continue;
        for (size_t j = first; j < m->nparams; j++) {
            if (span_eq(&ps[j].id, &ps[i].id) && ps[j].name.p &&
                span_eq(&ps[j].name, &ps[i].name)) {
                if (j < i)
                    seen++;
                else
                    count++;
            }
        }
        if (seen > 0)
            continue; /* written with its first occurrence */
        cl_strbuf_puts(out, any ? "," : "");
        any = 1;
        put_str(out, &ps[i].name);
        cl_strbuf_putc(out, ':');
        if (count == 1) {
            put_sd_value(out, &ps[i].value);
            continue;
        }
        cl_strbuf_putc(out, '[');
        for (size_t j = i, k = 0; j < m->nparams; j++) {
            if (span_eq(&ps[j].id, &ps[i].id) && ps[j].name.p &&
                span_eq(&ps[j].name, &ps[i].name)) {
                cl_strbuf_puts(out, k++ ? "," : "");
                put_sd_value(out, &ps[j].value);
            }
        }
        cl_strbuf_putc(out, ']');
    }
    cl_strbuf_putc(out, '}');
}

static void put_sd(cl_strbuf *out, const cl_syslog_msg *m)
{
    int any = 0;

    cl_strbuf_puts(out, ",\"sd\":{");
    for (size_t i = 0; i < m->nparams; i++) {
        size_t j = 0;

        while (j < i && !span_eq(&m->params[j].id, &m->params[i].id))
            j++;
        if (j < i)
            continue; /* an SD-ID given twice (RFC 5424 forbids it): merged */
        cl_strbuf_puts(out, any ? "," : "");
        any = 1;
        put_str(out, &m->params[i].id);
        cl_strbuf_putc(out, ':');
        put_sd_element(out, m, i);
    }
    cl_strbuf_putc(out, '}');
}

/* A PROCID of digits that fits the schema's pid is the claimed pid. */
static int procid_number(const cl_syslog_span *s, unsigned long long *pid)
{
    unsigned long long v = 0;

    if (s->p == NULL || s->n == 0 || s->n > 10)
        return 0;
    for (size_t i = 0; i < s->n; i++) {
        if (!is_digit(s->p[i]))
            return 0;
        v = v * 10 + (unsigned)(s->p[i] - '0');
    }
    if (v > 4294967295ULL)
        return 0;
    *pid = v;
    return 1;
}

void cl_syslog_entry_json(const cl_syslog_msg *m, cl_strbuf *out)
{
    static const cl_syslog_span nil_app = { "-", 1 };
    unsigned long long pid = 0;
    int numeric = procid_number(&m->procid, &pid);

    cl_strbuf_puts(out, "{\"app\":");
    put_str(out, m->app.p ? &m->app : &nil_app);
    cl_strbuf_printf(out, ",\"level\":%d", m->severity);
    put_key(out, "msg");
    put_str(out, &m->msg);
    if (m->ts_text.p) {
        /* As sent: a claim the collector does not believe (--max-ts-age)
         * is kept in extra exactly as the producer wrote it. */
        put_key(out, "ts");
        put_str(out, &m->ts_text);
    } else if (m->has_ts) {
        char ts[CL_TS_TEXT_LEN + 1];

        cl_rfc3339_format(m->ts_us, ts);
        cl_strbuf_printf(out, ",\"ts\":\"%s\"", ts);
    }
    if (m->host.p) {
        put_key(out, "host");
        put_str(out, &m->host);
    }
    if (numeric)
        cl_strbuf_printf(out, ",\"pid\":%llu", pid);
    if (m->msgid.p) {
        put_key(out, "logger");
        put_str(out, &m->msgid);
    }
    cl_strbuf_printf(out, ",\"fields\":{\"syslog_facility\":\"%s\"",
                     cl_syslog_facility_name(m->facility));
    if (m->procid.p && !numeric) {
        put_key(out, "syslog_procid");
        put_str(out, &m->procid);
    }
    if (m->bsd_ts.p) {
        put_key(out, "syslog_timestamp");
        put_str(out, &m->bsd_ts);
    }
    if (m->latin1 > 0)
        cl_strbuf_printf(out, ",\"syslog_latin1_bytes\":%zu", m->latin1);
    if (m->nparams > 0)
        put_sd(out, m);
    cl_strbuf_puts(out, "}}");
}

static void reject_out(const char *buf, size_t len, size_t full_len, enum cl_reason r,
                       const char *msg, int64_t received_us, const cl_peer *peer,
                       cl_line_result *out)
{
    out->rec = cl_record_reject(r, msg, buf, len, received_us, peer);
    if (out->rec == NULL) {
        out->kind = CL_LINE_NOMEM;
        return;
    }
    out->rec->u.r.raw_len = full_len;
    out->kind = CL_LINE_REJECT;
}

size_t cl_syslog_latin1(const char *buf, size_t len, cl_strbuf *out)
{
    const unsigned char *s = (const unsigned char *)buf;
    size_t at = cl_utf8_check(s, len), n = 0;

    if (at == len)
        return 0;
    cl_strbuf_reset(out);
    for (;;) {
        char two[2];

        cl_strbuf_put(out, s, at);
        if (at == len)
            break;
        /* U+0080-U+00FF: 110000xx 10xxxxxx. */
        two[0] = (char)(0xC0 | (s[at] >> 6));
        two[1] = (char)(0x80 | (s[at] & 0x3F));
        cl_strbuf_put(out, two, 2);
        n++;
        s += at + 1;
        len -= at + 1;
        at = cl_utf8_check(s, len);
    }
    return n;
}

void cl_syslog_judge(const cl_validator *v, const char *buf, size_t len, size_t full_len,
                     size_t max_bytes, int64_t received_us, int64_t arrival_us, const cl_peer *peer,
                     cl_strbuf *scratch, cl_strbuf *repair, cl_line_result *out)
{
    cl_syslog_msg m;
    cl_syslog_error err;
    char msg[256];
    const char *text = buf;
    size_t text_len = len, latin1;

    memset(out, 0, sizeof *out);
    if (full_len > max_bytes) {
        snprintf(msg, sizeof msg,
                 "datagram of %zu bytes; the limit is %zu bytes (--max-entry-bytes)", full_len,
                 max_bytes);
        reject_out(buf, len, full_len, CL_R_TOO_LARGE, msg, received_us, peer, out);
        return;
    }
    /* A legacy program's Latin-1 is kept readable rather than refused: the
     * entry says how many bytes were read so (fields.syslog_latin1_bytes). */
    latin1 = cl_syslog_latin1(buf, len, repair);
    if (latin1 > 0) {
        if (repair->oom) {
            out->kind = CL_LINE_NOMEM;
            return;
        }
        text = repair->p;
        text_len = repair->len;
    }
    if (cl_syslog_parse(text, text_len, arrival_us, &m, &err) != 0) {
        reject_out(buf, len, full_len, err.reason, err.msg, received_us, peer, out);
        return;
    }
    m.latin1 = latin1;
    if (!m.has_ts) {
        m.has_ts = 1;
        m.ts_us = arrival_us;
    }
    cl_strbuf_reset(scratch);
    cl_syslog_entry_json(&m, scratch);
    /* The validator may write one byte past the line (validate.h). */
    if (cl_strbuf_reserve(scratch, 1) != 0 || scratch->oom) {
        out->kind = CL_LINE_NOMEM;
        return;
    }
    cl_validate_line(v, scratch->p, scratch->len, received_us, peer, out);
    if (out->kind == CL_LINE_REJECT) {
        /* The reject keeps what the producer sent, not our rendering of it. */
        cl_record *r = out->rec;

        snprintf(msg, sizeof msg, "%s", r->u.r.message.p ? r->u.r.message.p : "");
        reject_out(buf, len, full_len, r->u.r.reason, msg, received_us, peer, out);
        cl_record_free(r);
    }
}
