/* output.c - see output.h. */
#include "output.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "level.h"
#include "platform.h"
#include "timearg.h"
#include "timefmt.h"

static const char *const format_names[] = {
    "short", "short-iso", "json", "json-pretty", "ndjson", "csv", "cat",
};

int cli_format_parse(const char *s)
{
    for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
        if (strcmp(s, format_names[i]) == 0)
            return (int)i;
    }
    return -1;
}

const char *cli_level_color(int level)
{
    static const char *const sgr[CLI_LEVEL_COUNT] = {
        "\033[1;31m", "\033[1;31m", "\033[1;31m", /* emergency, alert, critical: bold red */
        "\033[31m",                               /* error: red */
        "\033[33m",                               /* warning: yellow */
        "\033[1m",                                /* notice: bold */
        "",                                       /* info: as is */
        "\033[2m",    "\033[2m",                  /* debug, trace: dim */
    };

    return level >= 0 && level < CLI_LEVEL_COUNT ? sgr[level] : "";
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
    /* Colour only means something in the text formats. */
    o->color = color && (fmt == CLI_FMT_SHORT || fmt == CLI_FMT_SHORT_ISO || fmt == CLI_FMT_CAT);
}

static const char csv_header[] = "id,ts,received,level,app,host,pid,tid,logger,trace_id,span_id,"
                                 "msg,fields,extra,peer_pid,peer_uid,peer_gid,peer_sid\n";

void cli_output_begin(cli_output *o)
{
    if (o->fmt == CLI_FMT_JSON || o->fmt == CLI_FMT_JSON_PRETTY)
        cli_buf_putc(&o->buf, '[');
    else if (o->fmt == CLI_FMT_CSV)
        cli_buf_puts(&o->buf, csv_header);
}

void cli_output_end(cli_output *o)
{
    if (o->fmt == CLI_FMT_JSON || o->fmt == CLI_FMT_JSON_PRETTY)
        cli_buf_puts(&o->buf, o->count ? "\n]\n" : "]\n");
}

/* ---------------------------------------------------------------- text */

/* The claimed PID if there is one, else the one the kernel vouches for;
 * both when they differ ("[4242,peer=999]"), as in the collector's text
 * file (cl_text_format_pid), so that a claim never passes for the truth. */
static void text_pid(cli_buf *b, const cli_entry *e)
{
    int64_t kernel = e->peer.has_pid ? e->peer.pid : -1;

    if (e->has_pid && kernel > 0 && e->pid != kernel)
        cli_buf_printf(b, "[%" PRId64 ",peer=%" PRId64 "]", e->pid, kernel);
    else if (e->has_pid)
        cli_buf_printf(b, "[%" PRId64 "]", e->pid);
    else if (kernel > 0)
        cli_buf_printf(b, "[%" PRId64 "]", kernel);
}

/* Whether e is one of the collector's own entries (see collector_uid). */
static int own_entry(const cli_output *o, const cli_entry *e)
{
    return o->collector_uid >= 0 && e->app.n == 11 && memcmp(e->app.p, "centrallogd", 11) == 0 &&
           e->has_pid && e->peer.has_pid && e->pid == e->peer.pid && e->peer.has_uid &&
           e->peer.uid == o->collector_uid;
}

static void text_line(cli_output *o, const cli_entry *e)
{
    cli_buf *b = &o->buf;
    const char *color = o->color ? cli_level_color(e->level) : "";
    char ts[40];

    cli_buf_puts(b, color);
    if (o->fmt != CLI_FMT_CAT) {
        if (o->fmt == CLI_FMT_SHORT)
            cli_time_format_short(e->ts, o->utc, ts);
        else
            cli_time_format_iso(e->ts, o->utc, ts);
        cli_buf_puts(b, ts);
        cli_buf_putc(b, ' ');
        if (e->host.p != NULL)
            cli_esc_name(b, e->host.p, e->host.n);
        else
            cli_buf_putc(b, '-');
        cli_buf_putc(b, ' ');
        if (own_entry(o, e)) {
            cli_buf_puts(b, "[centrallogd]");
        } else {
            cli_esc_name(b, e->app.p, e->app.n);
            text_pid(b, e);
        }
        cli_buf_printf(b, " %s: ", cli_level_upper(e->level));
    }
    cli_esc_text(b, e->msg.p, e->msg.n);
    if (o->fmt != CLI_FMT_CAT) {
        if (e->fields.p != NULL && e->fields.n > 2) {
            cli_buf_putc(b, ' ');
            if (e->fields_json)
                cli_json_copy(b, e->fields.p, e->fields.n, -1);
            else
                cli_esc_text(b, e->fields.p, e->fields.n);
        }
        if (e->extra.p != NULL) {
            cli_buf_puts(b, " extra=");
            if (e->extra_json)
                cli_json_copy(b, e->extra.p, e->extra.n, -1);
            else
                cli_esc_text(b, e->extra.p, e->extra.n);
        }
    }
    if (color[0] != '\0')
        cli_buf_puts(b, CLI_COLOR_RESET);
    cli_buf_putc(b, '\n');
}

/* ---------------------------------------------------------------- JSON */

typedef struct jobj {
    cli_buf *b;
    int pretty, n;
} jobj;

/* Writes the separator and "name": for the next member. */
static void jkey(jobj *j, const char *name)
{
    if (j->n++ > 0)
        cli_buf_putc(j->b, ',');
    if (j->pretty)
        cli_buf_printf(j->b, "\n    \"%s\": ", name);
    else
        cli_buf_printf(j->b, "\"%s\":", name);
}

static void jstr(jobj *j, const char *name, const cli_str *v)
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
    cli_buf_printf(j->b, "%" PRId64, v);
}

static void jtime(jobj *j, const char *name, int64_t us)
{
    char ts[CL_TS_TEXT_LEN + 1];

    jkey(j, name);
    cl_rfc3339_format(us, ts);
    cli_buf_printf(j->b, "\"%s\"", ts);
}

/* A JSON column; one that is not valid JSON (a foreign file) becomes a string. */
static void jraw(jobj *j, const char *name, const cli_str *v, int valid)
{
    if (v->p == NULL)
        return;
    jkey(j, name);
    if (valid)
        cli_json_copy(j->b, v->p, v->n, j->pretty ? 2 : -1);
    else
        cli_esc_json_str(j->b, v->p, v->n);
}

int cli_json_peer(cli_buf *b, const cli_peer *p, int pretty)
{
    cli_buf tmp = CLI_BUF_INIT;
    jobj j = { &tmp, 0, 0 };

    if (!p->has_pid && !p->has_uid && !p->has_gid && p->sid.p == NULL)
        return 0;
    /* Built compact, then laid out like the other nested objects. */
    cli_buf_putc(&tmp, '{');
    jint(&j, "pid", p->has_pid, p->pid);
    jint(&j, "uid", p->has_uid, p->uid);
    jint(&j, "gid", p->has_gid, p->gid);
    jstr(&j, "sid", &p->sid);
    cli_buf_putc(&tmp, '}');
    cli_json_copy(b, tmp.p, tmp.n, pretty ? 2 : -1);
    b->oom |= tmp.oom;
    cli_buf_free(&tmp);
    return 1;
}

static void jpeer(jobj *j, const cli_entry *e)
{
    cli_buf tmp = CLI_BUF_INIT;

    if (cli_json_peer(&tmp, &e->peer, j->pretty)) {
        jkey(j, "peer");
        cli_buf_put(j->b, tmp.p, tmp.n);
    }
    j->b->oom |= tmp.oom;
    cli_buf_free(&tmp);
}

static void json_object(cli_output *o, const cli_entry *e, int pretty)
{
    jobj j = { &o->buf, pretty, 0 };

    cli_buf_putc(&o->buf, '{');
    jint(&j, "id", 1, e->id);
    jtime(&j, "ts", e->ts);
    jtime(&j, "received", e->received);
    jkey(&j, "level");
    cli_buf_printf(&o->buf, "\"%s\"", cli_level_name(e->level));
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
    jpeer(&j, e);
    cli_buf_puts(&o->buf, pretty ? "\n  }" : "}");
}

/* ---------------------------------------------------------------- CSV */

static void csv_str(cli_buf *b, const cli_str *v, int comma)
{
    if (v->p != NULL)
        cli_esc_csv(b, v->p, v->n);
    if (comma)
        cli_buf_putc(b, ',');
}

static void csv_int(cli_buf *b, int has, int64_t v, int comma)
{
    if (has)
        cli_buf_printf(b, "%" PRId64, v);
    if (comma)
        cli_buf_putc(b, ',');
}

static void csv_json(cli_buf *b, const cli_str *v, int valid)
{
    cli_buf tmp = CLI_BUF_INIT;

    if (v->p != NULL) {
        if (valid) {
            cli_json_copy(&tmp, v->p, v->n, -1);
            cli_esc_csv(b, tmp.p, tmp.n);
            b->oom |= tmp.oom;
            cli_buf_free(&tmp);
        } else {
            cli_esc_csv(b, v->p, v->n);
        }
    }
    cli_buf_putc(b, ',');
}

static void csv_row(cli_output *o, const cli_entry *e)
{
    cli_buf *b = &o->buf;
    char ts[CL_TS_TEXT_LEN + 1];

    csv_int(b, 1, e->id, 1);
    cl_rfc3339_format(e->ts, ts);
    cli_buf_printf(b, "%s,", ts);
    cl_rfc3339_format(e->received, ts);
    cli_buf_printf(b, "%s,%s,", ts, cli_level_name(e->level));
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
    csv_int(b, e->peer.has_pid, e->peer.pid, 1);
    csv_int(b, e->peer.has_uid, e->peer.uid, 1);
    csv_int(b, e->peer.has_gid, e->peer.gid, 1);
    csv_str(b, &e->peer.sid, 0);
    cli_buf_putc(b, '\n');
}

void cli_output_entry(cli_output *o, const cli_entry *e)
{
    switch (o->fmt) {
    case CLI_FMT_SHORT:
    case CLI_FMT_SHORT_ISO:
    case CLI_FMT_CAT:
        text_line(o, e);
        break;
    case CLI_FMT_JSON:
        cli_buf_puts(&o->buf, o->count ? ",\n" : "\n");
        json_object(o, e, 0);
        break;
    case CLI_FMT_JSON_PRETTY:
        cli_buf_puts(&o->buf, o->count ? ",\n  " : "\n  ");
        json_object(o, e, 1);
        break;
    case CLI_FMT_NDJSON:
        json_object(o, e, 0);
        cli_buf_putc(&o->buf, '\n');
        break;
    case CLI_FMT_CSV:
        csv_row(o, e);
        break;
    }
    o->count++;
}

int cli_output_flush(cli_output *o, size_t min)
{
    if (o->buf.oom) {
        errno = ENOMEM;
        return -1;
    }
    if (o->buf.n == 0 || o->buf.n < min)
        return 0;
    if (fwrite(o->buf.p, 1, o->buf.n, o->f) != o->buf.n || fflush(o->f) != 0)
        return -1;
    cli_buf_reset(&o->buf);
    return 0;
}

void cli_output_free(cli_output *o)
{
    cli_buf_free(&o->buf);
}
