/* output.c - see output.h. */
#include "output.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "escape.h"
#include "jsonobj.h"
#include "levelarg.h"
#include "platform.h"
#include "timearg.h"
#include "timefmt.h"
#include "utf8.h"

const char *const cli_format_names[CLI_FORMAT_COUNT] = {
    "short",      "short-iso", "json",          "json-pretty", "ndjson",
    "csv",        "cat",       "short-precise", "short-unix",  "short-iso-precise",
    "short-full", "verbose",   "export",
};

/* A line per record with a prefix (or cat's bare message): colours and
 * line breaks as written mean something there. */
static int text_format(cli_format fmt)
{
    return fmt != CLI_FMT_JSON && fmt != CLI_FMT_JSON_PRETTY && fmt != CLI_FMT_NDJSON &&
           fmt != CLI_FMT_CSV && fmt != CLI_FMT_EXPORT;
}

const char *const cli_text_json_formats[2] = { "text", "json" };

int cli_format_parse(const char *s)
{
    return cli_parse_choice(s, cli_format_names, CLI_FORMAT_COUNT);
}

const char *cli_level_color(int level)
{
    static const char *const sgr[CL_LVL_COUNT] = {
        "\033[1;31m", "\033[1;31m", "\033[1;31m", /* emergency, alert, critical: bold red */
        "\033[31m",                               /* error: red */
        "\033[33m",                               /* warning: yellow */
        "\033[1m",                                /* notice: bold */
        "",                                       /* info: as is */
        "\033[2m",    "\033[2m",                  /* debug, trace: dim */
    };

    return level >= 0 && level < CL_LVL_COUNT ? sgr[level] : "";
}

int cli_color_wanted(int setting, FILE *f)
{
    if (setting >= 0)
        return setting;
    if (getenv("NO_COLOR") != NULL && getenv("NO_COLOR")[0] != '\0')
        return 0;
    return cli_terminal_colors(f);
}

void cli_output_init(cli_output *o, FILE *f, cli_format fmt, int color, int utc)
{
    memset(o, 0, sizeof *o);
    o->f = f;
    o->fmt = fmt;
    o->utc = utc;
    o->collector_uid = -1;
    /* Colour only means something in the text formats; verbose has a
     * line per value, none of them a level's. */
    o->color = color && text_format(fmt) && fmt != CLI_FMT_VERBOSE;
}

/* How one kind of record is written in each family of formats. The
 * framing around the records (cli_output_begin, put_record, cli_output_end)
 * is the same for every kind. */
typedef struct record_format {
    const char *csv_header;
    void (*text)(cli_output *o, const void *rec);
    void (*json)(cli_output *o, const void *rec, int pretty);
    void (*csv)(cli_output *o, const void *rec);
    void (*verbose)(cli_output *o, const void *rec);
    void (*export)(cli_output *o, const void *rec);
} record_format;

static const record_format entry_format, reject_format;

static const record_format *format_of(const cli_output *o)
{
    return o->kind == CLI_REC_REJECT ? &reject_format : &entry_format;
}

void cli_output_begin(cli_output *o)
{
    if (o->fmt == CLI_FMT_JSON || o->fmt == CLI_FMT_JSON_PRETTY)
        cl_strbuf_putc(&o->buf, '[');
    else if (o->fmt == CLI_FMT_CSV)
        cl_strbuf_puts(&o->buf, format_of(o)->csv_header);
}

void cli_output_end(cli_output *o)
{
    if (o->fmt == CLI_FMT_JSON || o->fmt == CLI_FMT_JSON_PRETTY)
        cl_strbuf_puts(&o->buf, o->count ? "\n]\n" : "]\n");
}

/* Appends one record in o's format, with its separator from the last. */
static void put_record(cli_output *o, const record_format *rf, const void *rec)
{
    switch (o->fmt) {
    case CLI_FMT_SHORT:
    case CLI_FMT_SHORT_ISO:
    case CLI_FMT_CAT:
    case CLI_FMT_SHORT_PRECISE:
    case CLI_FMT_SHORT_UNIX:
    case CLI_FMT_SHORT_ISO_PRECISE:
    case CLI_FMT_SHORT_FULL:
        rf->text(o, rec);
        break;
    case CLI_FMT_VERBOSE:
        /* A blank line between entries would read as part of a value:
         * the header line starts at column 0, every value is indented. */
        rf->verbose(o, rec);
        break;
    case CLI_FMT_EXPORT:
        rf->export(o, rec);
        break;
    case CLI_FMT_JSON:
        cl_strbuf_puts(&o->buf, o->count ? ",\n" : "\n");
        rf->json(o, rec, 0);
        break;
    case CLI_FMT_JSON_PRETTY:
        cl_strbuf_puts(&o->buf, o->count ? ",\n  " : "\n  ");
        rf->json(o, rec, 1);
        break;
    case CLI_FMT_NDJSON:
        rf->json(o, rec, 0);
        cl_strbuf_putc(&o->buf, '\n');
        break;
    case CLI_FMT_CSV:
        rf->csv(o, rec);
        break;
    }
    o->count++;
}

void cli_output_entry(cli_output *o, const cl_row_entry *e)
{
    put_record(o, &entry_format, e);
}

void cli_output_reject(cli_output *o, const cl_row_reject *r)
{
    put_record(o, &reject_format, r);
}

/* Appends v in decimal: what "%" PRId64 writes, without printf's cost
 * (one line of a long listing calls it several times). */
static void put_int(cl_strbuf *b, int64_t v)
{
    char d[24];
    size_t n = sizeof d;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    do {
        d[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        d[--n] = '-';
    cl_strbuf_put(b, d + n, sizeof d - n);
}

/* Two digits at p: "%02d" of v in 0..99. */
static void two_digits(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* "Nov 27 10:15:02": cli_time_format_short's text, written directly
 * (its snprintf was a tenth of a long listing's formatting). */
static void short_time(int64_t us, int utc, char ts[40])
{
    static const char mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    cli_tm tm;

    cli_time_to_civil(us, utc, &tm);
    if (tm.month < 1 || tm.month > 12 || tm.day < 0 || tm.day > 99 || tm.hour < 0 || tm.hour > 99 ||
        tm.min < 0 || tm.min > 99 || tm.sec < 0 || tm.sec > 99) {
        cli_time_format_short(us, utc, ts); /* never for a real date: as it was */
        return;
    }
    memcpy(ts, mon + 3 * (tm.month - 1), 3);
    ts[3] = ' ';
    two_digits(ts + 4, tm.day);
    ts[6] = ' ';
    two_digits(ts + 7, tm.hour);
    ts[9] = ':';
    two_digits(ts + 10, tm.min);
    ts[12] = ':';
    two_digits(ts + 13, tm.sec);
    ts[15] = '\0';
}

/* ".123456": the microseconds of us (of its second, also before 1970). */
static void put_usec(char *p, int64_t us)
{
    int64_t f = us % 1000000;

    if (f < 0)
        f += 1000000;
    p[0] = '.';
    for (int i = 6; i >= 1; i--, f /= 10)
        p[i] = (char)('0' + f % 10);
    p[7] = '\0';
}

/* "1732698902.123456": seconds since the epoch, as journalctl's short-unix
 * (before 1970, "-" and the distance: -0.000001 is a microsecond before). */
static void unix_time(int64_t us, char ts[40])
{
    uint64_t u = us < 0 ? 0 - (uint64_t)us : (uint64_t)us, sec = u / 1000000;
    char d[24];
    size_t n = sizeof d, k = 0;

    do {
        d[--n] = (char)('0' + sec % 10);
        sec /= 10;
    } while (sec > 0);
    if (us < 0)
        ts[k++] = '-';
    memcpy(ts + k, d + n, sizeof d - n);
    put_usec(ts + k + (sizeof d - n), (int64_t)(u % 1000000));
}

/* The time of a text line, local or UTC, as the format says. */
static void text_time(const cli_output *o, int64_t us, char ts[64])
{
    switch (o->fmt) {
    case CLI_FMT_SHORT:
        short_time(us, o->utc, ts);
        break;
    case CLI_FMT_SHORT_PRECISE:
        short_time(us, o->utc, ts);
        put_usec(ts + strlen(ts), us);
        break;
    case CLI_FMT_SHORT_UNIX:
        unix_time(us, ts);
        break;
    case CLI_FMT_SHORT_FULL:
        cli_time_format_full(us, o->utc, 0, ts);
        break;
    default:
        cli_time_format_iso(us, o->utc, ts);
        break;
    }
}

/* ---------------------------------------------------------------- JSON */

typedef struct jobj {
    cl_strbuf *b;
    int pretty, n;
} jobj;

/* Writes the separator and "name": for the next member. */
static void jkey(jobj *j, const char *name)
{
    if (j->n++ > 0)
        cl_strbuf_putc(j->b, ',');
    cl_strbuf_puts(j->b, j->pretty ? "\n    \"" : "\"");
    cl_strbuf_puts(j->b, name);
    cl_strbuf_puts(j->b, j->pretty ? "\": " : "\":");
}

/* A string member, left out when v is NULL. */
static void jstr(jobj *j, const char *name, const cl_row_str *v)
{
    if (v->p == NULL)
        return;
    jkey(j, name);
    cli_esc_json_str(j->b, v->p, v->n);
}

static void jint(jobj *j, const char *name, int has, int64_t v)
{
    if (!has)
        return;
    jkey(j, name);
    put_int(j->b, v);
}

static void jtime(jobj *j, const char *name, int64_t us)
{
    char ts[CL_TS_TEXT_LEN + 1];

    jkey(j, name);
    cl_rfc3339_format(us, ts);
    cl_strbuf_putc(j->b, '"');
    cl_strbuf_puts(j->b, ts);
    cl_strbuf_putc(j->b, '"');
}

/* A JSON column; one that is not valid JSON (a foreign file) becomes a string. */
static void jraw(jobj *j, const char *name, const cl_row_str *v, int valid)
{
    if (v->p == NULL)
        return;
    jkey(j, name);
    if (valid)
        cli_json_copy(j->b, v->p, v->n, j->pretty ? 2 : -1);
    else
        cli_esc_json_str(j->b, v->p, v->n);
}

/* The object of what is known of p, as member "peer"; left out when
 * nothing is known. Built compact, then laid out like the other nested
 * objects. */
static void jpeer(jobj *j, const cl_row_peer *p)
{
    cl_strbuf tmp = CL_STRBUF_INIT;
    jobj o = { &tmp, 0, 0 };

    if (!p->has_pid && !p->has_uid && !p->has_gid && p->sid.p == NULL)
        return;
    cl_strbuf_putc(&tmp, '{');
    jint(&o, "pid", p->has_pid, p->pid);
    jint(&o, "uid", p->has_uid, p->uid);
    jint(&o, "gid", p->has_gid, p->gid);
    jstr(&o, "sid", &p->sid);
    cl_strbuf_putc(&tmp, '}');
    jkey(j, "peer");
    cli_json_copy(j->b, tmp.p, tmp.len, j->pretty ? 2 : -1);
    j->b->oom |= tmp.oom;
    cl_strbuf_free(&tmp);
}

static void jclose(jobj *j)
{
    cl_strbuf_puts(j->b, j->pretty ? "\n  }" : "}");
}

/* ---------------------------------------------------------------- CSV */

static void csv_str(cl_strbuf *b, const cl_row_str *v, int comma)
{
    if (v->p != NULL)
        cli_esc_csv(b, v->p, v->n);
    if (comma)
        cl_strbuf_putc(b, ',');
}

static void csv_int(cl_strbuf *b, int has, int64_t v, int comma)
{
    if (has)
        put_int(b, v);
    if (comma)
        cl_strbuf_putc(b, ',');
}

static void csv_time(cl_strbuf *b, int64_t us)
{
    char ts[CL_TS_TEXT_LEN + 1];

    cl_rfc3339_format(us, ts);
    cl_strbuf_puts(b, ts);
    cl_strbuf_putc(b, ',');
}

static void csv_json(cl_strbuf *b, const cl_row_str *v, int valid)
{
    cl_strbuf tmp = CL_STRBUF_INIT;

    if (v->p != NULL) {
        if (valid) {
            cli_json_copy(&tmp, v->p, v->n, -1);
            cli_esc_csv(b, tmp.p, tmp.len);
            b->oom |= tmp.oom;
            cl_strbuf_free(&tmp);
        } else {
            cli_esc_csv(b, v->p, v->n);
        }
    }
    cl_strbuf_putc(b, ',');
}

static void csv_peer(cl_strbuf *b, const cl_row_peer *p)
{
    csv_int(b, p->has_pid, p->pid, 1);
    csv_int(b, p->has_uid, p->uid, 1);
    csv_int(b, p->has_gid, p->gid, 1);
}

/* ---------------------------------------------------------------- entries */

/* The claimed PID if there is one, else the one the kernel vouches for;
 * both when they differ ("[4242,peer=999]"), as in the collector's text
 * file (cl_text_format_pid), so that a claim never passes for the truth. */
static void text_pid(cl_strbuf *b, const cl_row_entry *e)
{
    int64_t kernel = e->peer.has_pid ? e->peer.pid : -1;

    if (!e->has_pid && kernel <= 0)
        return;
    cl_strbuf_putc(b, '[');
    put_int(b, e->has_pid ? e->pid : kernel);
    if (e->has_pid && kernel > 0 && e->pid != kernel) {
        cl_strbuf_puts(b, ",peer=");
        put_int(b, kernel);
    }
    cl_strbuf_putc(b, ']');
}

/* Whether e is one of the collector's own entries (see collector_uid). */
static int own_entry(const cli_output *o, const cl_row_entry *e)
{
    return o->collector_uid >= 0 && e->app.n == 11 && memcmp(e->app.p, "centrallogd", 11) == 0 &&
           e->has_pid && e->peer.has_pid && e->pid == e->peer.pid && e->peer.has_uid &&
           e->peer.uid == o->collector_uid;
}

/* The matches of -g in e's message, when they are to be highlighted;
 * NULL when not (no colour, no -g, or the search failed: then the message
 * is shown plain, as it is anyway). */
static const cli_esc_spans *msg_spans(cli_output *o, const cl_row_entry *e, cli_esc_spans *out)
{
    if (!o->color || o->highlight == NULL || e->msg.p == NULL ||
        cli_hl_find(o->highlight, e->msg.p, e->msg.n, &o->hl) != 0 || o->hl.n == 0)
        return NULL;
    out->sp = o->hl.sp;
    out->n = o->hl.n;
    out->on = cli_hl_color(e->level);
    return out;
}

static void entry_text(cli_output *o, const void *rec)
{
    cli_esc_spans spans;
    const cl_row_entry *e = rec;
    cl_strbuf *b = &o->buf;
    const char *color = o->color ? cli_level_color(e->level) : "";
    char ts[64];
    size_t line;

    cl_strbuf_puts(b, color);
    line = b->len; /* the prefix is ASCII: its width is its length */
    if (o->fmt != CLI_FMT_CAT) {
        text_time(o, e->ts, ts);
        cl_strbuf_puts(b, ts);
        cl_strbuf_putc(b, ' ');
        if (e->host.p != NULL)
            cli_esc_name(b, e->host.p, e->host.n);
        else
            cl_strbuf_putc(b, '-');
        cl_strbuf_putc(b, ' ');
        if (own_entry(o, e)) {
            cl_strbuf_puts(b, "[centrallogd]");
        } else {
            cli_esc_name(b, e->app.p, e->app.n);
            text_pid(b, e);
        }
        cl_strbuf_putc(b, ' ');
        cl_strbuf_puts(b, cli_level_upper(e->level));
        cl_strbuf_puts(b, ": ");
    }
    cli_esc_text_hl(b, e->msg.p, e->msg.n, !o->escape_all, b->len - line, color,
                    color[0] != '\0' ? CLI_COLOR_RESET : "", msg_spans(o, e, &spans));
    if (o->fmt != CLI_FMT_CAT) {
        if (e->fields.p != NULL && e->fields.n > 2) {
            cl_strbuf_putc(b, ' ');
            if (e->fields_json)
                cli_json_copy(b, e->fields.p, e->fields.n, -1);
            else
                cli_esc_text(b, e->fields.p, e->fields.n);
        }
        if (e->extra.p != NULL) {
            cl_strbuf_puts(b, " extra=");
            if (e->extra_json)
                cli_json_copy(b, e->extra.p, e->extra.n, -1);
            else
                cli_esc_text(b, e->extra.p, e->extra.n);
        }
    }
    if (color[0] != '\0')
        cl_strbuf_puts(b, CLI_COLOR_RESET);
    cl_strbuf_putc(b, '\n');
}

static void entry_json(cli_output *o, const void *rec, int pretty)
{
    const cl_row_entry *e = rec;
    jobj j = { &o->buf, pretty, 0 };

    cl_strbuf_putc(&o->buf, '{');
    jint(&j, "id", 1, e->id);
    jtime(&j, "ts", e->ts);
    jtime(&j, "received", e->received);
    jkey(&j, "level");
    cl_strbuf_putc(&o->buf, '"');
    cl_strbuf_puts(&o->buf, cli_level_name(e->level));
    cl_strbuf_putc(&o->buf, '"');
    jstr(&j, "app", &e->app);
    jstr(&j, "host", &e->host);
    jint(&j, "pid", e->has_pid, e->pid);
    jint(&j, "tid", e->has_tid, e->tid);
    jstr(&j, "logger", &e->logger);
    jstr(&j, "trace_id", &e->trace_id);
    jstr(&j, "span_id", &e->span_id);
    jstr(&j, "msg", &e->msg);
    jraw(&j, "fields", &e->fields, e->fields_json);
    jraw(&j, "extra", &e->extra, e->extra_json);
    jpeer(&j, &e->peer);
    jclose(&j);
}

static void entry_csv(cli_output *o, const void *rec)
{
    const cl_row_entry *e = rec;
    cl_strbuf *b = &o->buf;

    csv_int(b, 1, e->id, 1);
    csv_time(b, e->ts);
    csv_time(b, e->received);
    cl_strbuf_puts(b, cli_level_name(e->level));
    cl_strbuf_putc(b, ',');
    csv_str(b, &e->app, 1);
    csv_str(b, &e->host, 1);
    csv_int(b, e->has_pid, e->pid, 1);
    csv_int(b, e->has_tid, e->tid, 1);
    csv_str(b, &e->logger, 1);
    csv_str(b, &e->trace_id, 1);
    csv_str(b, &e->span_id, 1);
    csv_str(b, &e->msg, 1);
    csv_json(b, &e->fields, e->fields_json);
    csv_json(b, &e->extra, e->extra_json);
    csv_peer(b, &e->peer);
    csv_str(b, &e->peer.sid, 0);
    cl_strbuf_putc(b, '\n');
}

/* ---------------------------------------------------------------- verbose
 *
 * journalctl's verbose: a header with the full time and what identifies
 * the record, then "    NAME=value" for every value there is. Names are
 * the columns' (as -F and -N name them) and "fields.KEY" for each member
 * of fields - never a bare KEY, which a producer could choose to pose as a
 * column ("peer_uid"). A string is shown as text, with its line feeds and
 * tabs as written (continuation lines indented under the value, as
 * journalctl's), everything else escaped as in the short formats; any
 * other JSON value as compact JSON. */

static void v_name(cl_strbuf *b, const char *name)
{
    cl_strbuf_puts(b, "    ");
    cl_strbuf_puts(b, name);
    cl_strbuf_putc(b, '=');
}

/* A text value after its "    name=" (started at line). */
static void v_text(cli_output *o, size_t line, const char *s, size_t n)
{
    cl_strbuf *b = &o->buf;

    cli_esc_text_hl(b, s, n, !o->escape_all, b->len - line, "", "", NULL);
    cl_strbuf_putc(b, '\n');
}

static void v_str(cli_output *o, const char *name, const cl_row_str *v)
{
    size_t line = o->buf.len;

    if (v->p == NULL)
        return;
    v_name(&o->buf, name);
    v_text(o, line, v->p, v->n);
}

static void v_int(cli_output *o, const char *name, int has, int64_t v)
{
    if (!has)
        return;
    v_name(&o->buf, name);
    put_int(&o->buf, v);
    cl_strbuf_putc(&o->buf, '\n');
}

static void v_time(cli_output *o, const char *name, int64_t us)
{
    char ts[40];

    v_name(&o->buf, name);
    cli_time_format_iso(us, o->utc, ts);
    cl_strbuf_puts(&o->buf, ts);
    cl_strbuf_putc(&o->buf, '\n');
}

static void v_header(cli_output *o, int64_t us, int64_t id)
{
    char ts[64];

    cli_time_format_full(us, o->utc, 1, ts);
    cl_strbuf_puts(&o->buf, ts);
    cl_strbuf_puts(&o->buf, " [id=");
    put_int(&o->buf, id);
    cl_strbuf_puts(&o->buf, "]\n");
}

/* A JSON column that is not an object (or not JSON): one value. */
static void v_json_whole(cli_output *o, const char *name, const cl_row_str *v, int valid)
{
    size_t line = o->buf.len;

    v_name(&o->buf, name);
    if (!valid) {
        v_text(o, line, v->p, v->n);
        return;
    }
    cli_json_copy(&o->buf, v->p, v->n, -1);
    cl_strbuf_putc(&o->buf, '\n');
}

/* The name of member m: "fields." and its key, escaped as text and with
 * '=' as \x3d, so that the name ends at the first '='. */
static void v_member_name(cli_output *o, const char *prefix, const cl_jmember *m)
{
    cl_strbuf *b = &o->buf, *t = &o->tmp;
    size_t i = 0;

    cl_strbuf_reset(t);
    cl_json_unquote(t, m->key, m->key_n);
    cl_strbuf_puts(b, "    ");
    cl_strbuf_puts(b, prefix);
    cl_strbuf_putc(b, '.');
    while (i < t->len) {
        size_t j = i;

        while (j < t->len && t->p[j] != '=')
            j++;
        cli_esc_text(b, t->p + i, j - i);
        if (j < t->len)
            cl_strbuf_puts(b, "\\x3d");
        i = j + 1;
    }
    cl_strbuf_putc(b, '=');
}

/* Each member of a JSON object column on its own line. */
static void v_json(cli_output *o, const char *name, const cl_row_str *v, int valid)
{
    cl_jmember m;
    size_t pos = 0;

    if (v->p == NULL)
        return;
    if (!valid || !cl_json_is_object(v->p, v->n)) {
        v_json_whole(o, name, v, valid);
        return;
    }
    while (cl_json_next_member(v->p, v->n, &pos, &m)) {
        size_t line = o->buf.len;

        v_member_name(o, name, &m);
        if (m.val_n >= 2 && m.val[0] == '"') {
            cl_strbuf_reset(&o->tmp);
            cl_json_unquote(&o->tmp, m.val + 1, m.val_n - 2);
            o->buf.oom |= o->tmp.oom;
            v_text(o, line, o->tmp.p, o->tmp.len);
        } else {
            cli_json_copy(&o->buf, m.val, m.val_n, -1);
            cl_strbuf_putc(&o->buf, '\n');
        }
    }
}

static void v_peer(cli_output *o, const cl_row_peer *p)
{
    v_int(o, "peer_pid", p->has_pid, p->pid);
    v_int(o, "peer_uid", p->has_uid, p->uid);
    v_int(o, "peer_gid", p->has_gid, p->gid);
    v_str(o, "peer_sid", &p->sid);
}

static void entry_verbose(cli_output *o, const void *rec)
{
    const cl_row_entry *e = rec;
    size_t line;

    v_header(o, e->ts, e->id);
    v_int(o, "id", 1, e->id);
    v_time(o, "ts", e->ts);
    v_time(o, "received", e->received);
    v_name(&o->buf, "level");
    cl_strbuf_puts(&o->buf, cli_level_name(e->level));
    cl_strbuf_putc(&o->buf, '\n');
    v_str(o, "app", &e->app);
    v_str(o, "host", &e->host);
    v_int(o, "pid", e->has_pid, e->pid);
    v_int(o, "tid", e->has_tid, e->tid);
    v_str(o, "logger", &e->logger);
    v_str(o, "trace_id", &e->trace_id);
    v_str(o, "span_id", &e->span_id);
    line = o->buf.len;
    v_name(&o->buf, "msg"); /* NOT NULL, but "" in a foreign file's row */
    v_text(o, line, e->msg.p != NULL ? e->msg.p : "", e->msg.n);
    v_json(o, "fields", &e->fields, e->fields_json);
    if (e->extra.p != NULL)
        v_json_whole(o, "extra", &e->extra, e->extra_json);
    v_peer(o, &e->peer);
}

/* ---------------------------------------------------------------- export
 *
 * systemd's journal export format: per entry, NAME=value lines and an
 * empty line. A value that is not printable UTF-8 on one line (a line
 * feed, another control character, bytes that are not UTF-8) is written
 * binary: the name, a line feed, its length as a little-endian 64-bit
 * integer, the bytes as stored, a line feed - so nothing is escaped and
 * nothing lost. Names are journald's where one means the same (MESSAGE,
 * PRIORITY, SYSLOG_IDENTIFIER, _HOSTNAME; _PID/_UID/_GID only for what the
 * kernel reported, SYSLOG_PID for the claimed PID), CENTRALLOG_* for the
 * rest, and FIELDS_KEY for each member of fields (KEY upper-cased, other
 * characters than A-Z 0-9 as _): never a bare name, so that no member can
 * pose as MESSAGE or _UID. */

/* Whether v can be written NAME=value: printable UTF-8, no line feed. */
static int export_plain(const char *p, size_t n)
{
    if (cl_utf8_check((const unsigned char *)p, n) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f)
            return 0;
    return 1;
}

static void x_field(cl_strbuf *b, const char *name, const char *p, size_t n)
{
    cl_strbuf_puts(b, name);
    if (export_plain(p, n)) {
        cl_strbuf_putc(b, '=');
    } else {
        unsigned char le[8];
        uint64_t len = n;

        cl_strbuf_putc(b, '\n');
        for (int i = 0; i < 8; i++)
            le[i] = (unsigned char)(len >> (8 * i));
        cl_strbuf_put(b, le, 8);
    }
    cl_strbuf_put(b, p, n);
    cl_strbuf_putc(b, '\n');
}

static void x_str(cl_strbuf *b, const char *name, const cl_row_str *v)
{
    if (v->p != NULL)
        x_field(b, name, v->p, v->n);
}

static void x_int(cl_strbuf *b, const char *name, int has, int64_t v)
{
    if (!has)
        return;
    cl_strbuf_puts(b, name);
    cl_strbuf_putc(b, '=');
    put_int(b, v);
    cl_strbuf_putc(b, '\n');
}

/* The entry's time; CENTRALLOG_TS keeps it exactly. A journal entry must
 * have a positive __REALTIME_TIMESTAMP (systemd-journal-remote drops one
 * without): for a time before 1970, which a journal cannot hold, the time
 * the collector received the entry, else the first microsecond of 1970. */
static void x_time(cl_strbuf *b, int64_t us, int64_t received)
{
    char ts[CL_TS_TEXT_LEN + 1];

    x_int(b, "__REALTIME_TIMESTAMP", 1, us > 0 ? us : received > 0 ? received : 1);
    cl_rfc3339_format(us, ts);
    x_field(b, "CENTRALLOG_TS", ts, strlen(ts));
}

static void x_peer(cl_strbuf *b, const cl_row_peer *p)
{
    x_int(b, "_PID", p->has_pid, p->pid);
    x_int(b, "_UID", p->has_uid, p->uid);
    x_int(b, "_GID", p->has_gid, p->gid);
    x_str(b, "CENTRALLOG_PEER_SID", &p->sid);
}

/* A journal field name for a member key: FIELDS_ and the key upper-cased,
 * at most 64 characters (journald's limit). */
static void x_member_name(cl_strbuf *name, const char *key, size_t n)
{
    cl_strbuf_reset(name);
    cl_strbuf_puts(name, "FIELDS_");
    for (size_t i = 0; i < n && name->len < 64; i++) {
        char c = key[i];

        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            c = '_';
        cl_strbuf_putc(name, c);
    }
    cl_strbuf_putc(name, '\0');
}

/* Each member of fields as a field of its own: a string as its text, any
 * other value as compact JSON. */
static void x_fields(cli_output *o, const cl_row_str *v, int valid)
{
    cl_strbuf name = CL_STRBUF_INIT, val = CL_STRBUF_INIT;
    cl_jmember m;
    size_t pos = 0;

    if (v->p == NULL)
        return;
    if (!valid || !cl_json_is_object(v->p, v->n)) {
        x_field(&o->buf, "CENTRALLOG_FIELDS", v->p, v->n);
        return;
    }
    while (cl_json_next_member(v->p, v->n, &pos, &m)) {
        cl_strbuf_reset(&o->tmp);
        cl_json_unquote(&o->tmp, m.key, m.key_n);
        x_member_name(&name, o->tmp.p != NULL ? o->tmp.p : "", o->tmp.len);
        cl_strbuf_reset(&val);
        if (m.val_n >= 2 && m.val[0] == '"')
            cl_json_unquote(&val, m.val + 1, m.val_n - 2);
        else
            cli_json_copy(&val, m.val, m.val_n, -1);
        if (!name.oom)
            x_field(&o->buf, name.p, val.p != NULL ? val.p : "", val.len);
        o->buf.oom |= name.oom | val.oom | o->tmp.oom;
    }
    cl_strbuf_free(&name);
    cl_strbuf_free(&val);
}

/* syslog's PRIORITY: trace is below debug, syslog's lowest. */
static void x_priority(cl_strbuf *b, int level)
{
    x_int(b, "PRIORITY", 1, level > CL_LVL_DEBUG ? CL_LVL_DEBUG : level);
}

static void entry_export(cli_output *o, const void *rec)
{
    const cl_row_entry *e = rec;
    cl_strbuf *b = &o->buf;

    x_time(b, e->ts, e->received);
    x_int(b, "CENTRALLOG_ID", 1, e->id);
    x_int(b, "CENTRALLOG_RECEIVED", 1, e->received);
    x_priority(b, e->level);
    cl_strbuf_puts(b, "CENTRALLOG_LEVEL=");
    cl_strbuf_puts(b, cli_level_name(e->level));
    cl_strbuf_putc(b, '\n');
    x_str(b, "SYSLOG_IDENTIFIER", &e->app);
    x_str(b, "_HOSTNAME", &e->host);
    x_int(b, "SYSLOG_PID", e->has_pid, e->pid);
    x_int(b, "TID", e->has_tid, e->tid);
    x_str(b, "CENTRALLOG_LOGGER", &e->logger);
    x_str(b, "TRACE_ID", &e->trace_id);
    x_str(b, "SPAN_ID", &e->span_id);
    x_field(b, "MESSAGE", e->msg.p != NULL ? e->msg.p : "", e->msg.n);
    x_fields(o, &e->fields, e->fields_json);
    x_str(b, "CENTRALLOG_EXTRA", &e->extra);
    x_peer(b, &e->peer);
    cl_strbuf_putc(b, '\n');
}

static const record_format entry_format = {
    "id,ts,received,level,app,host,pid,tid,logger,trace_id,span_id,msg,fields,extra,peer_pid,"
    "peer_uid,peer_gid,peer_sid\n",
    entry_text,
    entry_json,
    entry_csv,
    entry_verbose,
    entry_export,
};

/* ---------------------------------------------------------------- rejects */

/* " [pid 42 uid 1000]" on POSIX, " [pid 42 sid S-1-5-21-...]" on Windows:
 * what the OS said about the sender, nothing it did not say. */
static void text_peer(cl_strbuf *b, const cl_row_peer *p)
{
    int n = 0;

    if (p->has_pid)
        cl_strbuf_printf(b, "%spid %" PRId64, n++ ? " " : " [", p->pid);
    if (p->has_uid)
        cl_strbuf_printf(b, "%suid %" PRId64, n++ ? " " : " [", p->uid);
    if (p->sid.p != NULL) {
        cl_strbuf_puts(b, n++ ? " sid " : " [sid ");
        cli_esc_text(b, p->sid.p, p->sid.n);
    }
    if (n)
        cl_strbuf_putc(b, ']');
}

/* The reason in the colour of errors. */
static void reject_text(cli_output *o, const void *rec)
{
    const cl_row_reject *r = rec;
    cl_strbuf *b = &o->buf;
    char ts[64];

    if (o->fmt != CLI_FMT_CAT) {
        text_time(o, r->received, ts);
        cl_strbuf_puts(b, ts);
        text_peer(b, &r->peer);
        cl_strbuf_putc(b, ' ');
        if (o->color)
            cl_strbuf_puts(b, cli_level_color(3));
        cli_esc_text(b, r->reason.p, r->reason.n);
        if (o->color)
            cl_strbuf_puts(b, CLI_COLOR_RESET);
        cl_strbuf_puts(b, ": ");
        cli_esc_text(b, r->message.p, r->message.n);
        cl_strbuf_puts(b, " | ");
    }
    if (r->raw.p != NULL)
        cli_esc_text(b, r->raw.p, r->raw.n);
    if (o->fmt != CLI_FMT_CAT && r->raw_len > (int64_t)r->raw.n)
        cl_strbuf_printf(b, " | first %zu of %" PRId64 " bytes", r->raw.n, r->raw_len);
    cl_strbuf_putc(b, '\n');
}

static int utf8_valid(const cl_row_str *s)
{
    return cl_utf8_check((const unsigned char *)s->p, s->n) == s->n;
}

static void base64(cl_strbuf *b, const unsigned char *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        char q[4] = { tab[v >> 18 & 63], tab[v >> 12 & 63], i + 1 < n ? tab[v >> 6 & 63] : '=',
                      i + 2 < n ? tab[v & 63] : '=' };

        cl_strbuf_put(b, q, 4);
    }
}

/* raw is whatever a producer sent: a JSON string when it is UTF-8, else
 * base64 with "raw_encoding":"base64". reason and message are NOT NULL in
 * the schema, so they are always members. */
static void reject_json(cli_output *o, const void *rec, int pretty)
{
    const cl_row_reject *r = rec;
    jobj j = { &o->buf, pretty, 0 };

    cl_strbuf_putc(&o->buf, '{');
    jint(&j, "id", 1, r->id);
    jtime(&j, "received", r->received);
    jpeer(&j, &r->peer);
    jkey(&j, "reason");
    cli_esc_json_str(&o->buf, r->reason.p, r->reason.n);
    jkey(&j, "message");
    cli_esc_json_str(&o->buf, r->message.p, r->message.n);
    if (r->raw.p != NULL && utf8_valid(&r->raw)) {
        jstr(&j, "raw", &r->raw);
    } else if (r->raw.p != NULL) {
        jkey(&j, "raw");
        cl_strbuf_putc(&o->buf, '"');
        base64(&o->buf, (const unsigned char *)r->raw.p, r->raw.n);
        cl_strbuf_putc(&o->buf, '"');
        jkey(&j, "raw_encoding");
        cl_strbuf_puts(&o->buf, "\"base64\"");
    }
    jint(&j, "raw_len", 1, r->raw_len);
    jclose(&j);
}

static void reject_csv(cli_output *o, const void *rec)
{
    const cl_row_reject *r = rec;
    cl_strbuf *b = &o->buf;

    csv_int(b, 1, r->id, 1);
    csv_time(b, r->received);
    csv_peer(b, &r->peer);
    csv_str(b, &r->reason, 1);
    csv_str(b, &r->message, 1);
    csv_str(b, &r->raw, 1);
    csv_int(b, 1, r->raw_len, 1);
    csv_str(b, &r->peer.sid, 0);
    cl_strbuf_putc(b, '\n');
}

/* raw as sent, escaped whole: it is the wire's bytes, line feeds too. */
static void reject_verbose(cli_output *o, const void *rec)
{
    const cl_row_reject *r = rec;

    v_header(o, r->received, r->id);
    v_int(o, "id", 1, r->id);
    v_time(o, "received", r->received);
    v_peer(o, &r->peer);
    v_str(o, "reason", &r->reason);
    v_str(o, "message", &r->message);
    if (r->raw.p != NULL) {
        v_name(&o->buf, "raw");
        cli_esc_text(&o->buf, r->raw.p, r->raw.n);
        cl_strbuf_putc(&o->buf, '\n');
    }
    v_int(o, "raw_len", 1, r->raw_len);
}

/* A rejected line: its explanation as the MESSAGE, the bytes sent as
 * CENTRALLOG_RAW (binary when they are not printable UTF-8). */
static void reject_export(cli_output *o, const void *rec)
{
    const cl_row_reject *r = rec;
    cl_strbuf *b = &o->buf;

    x_time(b, r->received, r->received);
    x_int(b, "CENTRALLOG_ID", 1, r->id);
    x_priority(b, CL_LVL_ERROR);
    x_str(b, "CENTRALLOG_REASON", &r->reason);
    x_str(b, "MESSAGE", &r->message);
    x_str(b, "CENTRALLOG_RAW", &r->raw);
    x_int(b, "CENTRALLOG_RAW_LEN", 1, r->raw_len);
    x_peer(b, &r->peer);
    cl_strbuf_putc(b, '\n');
}

static const record_format reject_format = {
    "id,received,peer_pid,peer_uid,peer_gid,reason,message,raw,raw_len,peer_sid\n",
    reject_text,
    reject_json,
    reject_csv,
    reject_verbose,
    reject_export,
};

/* ---------------------------------------------------------------- writing */

int cli_output_flush(cli_output *o, size_t min)
{
    if (o->buf.oom) {
        errno = o->err = ENOMEM;
        return -1;
    }
    if (o->buf.len == 0 || o->buf.len < min)
        return 0;
    if (fwrite(o->buf.p, 1, o->buf.len, o->f) != o->buf.len || fflush(o->f) != 0) {
        o->err = errno;
        return -1;
    }
    cl_strbuf_reset(&o->buf);
    return 0;
}

void cli_output_free(cli_output *o)
{
    cli_hl_free(&o->hl);
    cl_strbuf_free(&o->tmp);
    cl_strbuf_free(&o->buf);
}
