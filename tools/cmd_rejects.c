/* cmd_rejects.c - `centrallog rejects`: the lines the collector refused,
 * when, from whom, why, and the bytes themselves (escaped: they are by
 * definition whatever a producer sent). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "db.h"
#include "escape.h"
#include "filter.h"
#include "output.h"
#include "platform.h"
#include "query.h"
#include "timefmt.h"

#define FLUSH_BYTES 65536

typedef struct ropts {
    cli_filter f; /* since/until on received, pids on peer_pid */
    const char **reasons;
    size_t nreasons;
    const char *grep;
    long long lines, limit;
    int reverse, utc, explain;
    cli_format fmt;
    const char *columns; /* reject_columns of the database open */
} ropts;

typedef struct reject {
    int64_t id, received, raw_len;
    cli_peer peer;
    cli_str reason, message, raw;
} reject;

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: centrallog rejects [OPTIONS]\n\n"
            "Shows the lines the collector refused, oldest first: when it read them, the\n"
            "sender's PID and UID (SID on Windows) from the OS, the reason code (see\n"
            "schema/PROTOCOL.md), the explanation, and the line's bytes, escaped (at most\n"
            "the first 4 KiB are kept).\n\n"
            "Options:\n"
            "  -S, --since TIME     rejected at or after TIME (see `query --help` for TIME)\n"
            "  -U, --until TIME     rejected before TIME\n"
            "      --reason CODE    only this reason, e.g. not_json (repeatable: any of them)\n"
            "      --pid PID        sent by this process\n"
            "  -g, --grep TEXT      TEXT in the raw line or the explanation; with an upper-case\n"
            "                       letter exact case, else any case (ASCII)\n"
            "  -n, --lines N        only the last N (a number or all)\n"
            "  -r, --reverse        newest first\n"
            "      --limit N        stop after N\n"
            "  -o, --output FMT     short (default), short-iso, json, json-pretty, ndjson, csv,\n"
            "                       cat (the raw line only)\n"
            "      --utc            read and show times in UTC instead of local time\n"
            "      --color WHEN     auto (default: on a terminal), always, never\n"
            "      --explain        print the SQL and SQLite's query plan instead\n"
            "  -h, --help           this help\n\n"
            "In json output, raw is a string when the bytes are UTF-8, else base64 with\n"
            "\"raw_encoding\":\"base64\"; raw_len is the length of the whole line.\n\n"
            "Examples:\n"
            "  centrallog rejects -S -1h\n"
            "  centrallog rejects --reason too_large --reason truncated -n 20\n"
            "  centrallog rejects -S today -o ndjson | jq -r .raw\n\n"
            "Exit status: 0 done, 1 the database cannot be read, 2 bad usage.\n");
}

static int add_reason(ropts *o, const char *code)
{
    const char **r = realloc(o->reasons, (o->nreasons + 1) * sizeof *r);

    if (r == NULL)
        return -1;
    o->reasons = r;
    r[o->nreasons++] = code;
    return 0;
}

/* A reason code is lower-case letters and '_' (codes are stable, but new
 * ones may be added, so any such word is accepted). */
static int valid_code(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || *s == '_' || (*s >= '0' && *s <= '9')))
            return 0;
    }
    return 1;
}

static int parse_args(ropts *o, int argc, char **argv)
{
    enum { OPT_REASON = 0x200, OPT_LIMIT, OPT_UTC, OPT_EXPLAIN };
    static const struct option opts[] = {
        { "since", required_argument, NULL, CLI_OPT_SINCE },
        { "until", required_argument, NULL, CLI_OPT_UNTIL },
        { "pid", required_argument, NULL, CLI_OPT_PID },
        { "reason", required_argument, NULL, OPT_REASON },
        { "grep", required_argument, NULL, 'g' },
        { "lines", required_argument, NULL, 'n' },
        { "reverse", no_argument, NULL, 'r' },
        { "limit", required_argument, NULL, OPT_LIMIT },
        { "output", required_argument, NULL, 'o' },
        { "utc", no_argument, NULL, OPT_UTC },
        { "explain", no_argument, NULL, OPT_EXPLAIN },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *since = NULL, *until = NULL;
    char err[512];
    int c, fmt;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":S:U:g:n:ro:h", opts, NULL)) != -1) {
        switch (c) {
        case CLI_OPT_SINCE:
            since = optarg;
            break;
        case CLI_OPT_UNTIL:
            until = optarg;
            break;
        case CLI_OPT_PID:
            if (cli_filter_option(&o->f, c, optarg, NULL, err, sizeof err) < 0)
                return cli_fail(CLI_USAGE, "rejects", "%s", err);
            break;
        case OPT_REASON:
            if (!valid_code(optarg))
                return cli_fail(CLI_USAGE, "rejects",
                                "--reason: '%s' is not a reason code; use one like not_json, "
                                "bad_level, too_large (see schema/PROTOCOL.md)",
                                optarg);
            if (add_reason(o, optarg) != 0)
                return cli_fail(CLI_FAILED, "rejects", "out of memory");
            break;
        case 'g':
            if (optarg[0] == '\0')
                return cli_fail(CLI_USAGE, "rejects", "-g/--grep: empty text");
            o->grep = optarg;
            break;
        case 'n':
            if (cli_parse_count(optarg, 1, &o->lines) != 0)
                return cli_fail(CLI_USAGE, "rejects",
                                "-n/--lines: '%s' is not a count; use a "
                                "number 0 or more, or all",
                                optarg);
            break;
        case OPT_LIMIT:
            if (cli_parse_count(optarg, 0, &o->limit) != 0 || o->limit < 1)
                return cli_fail(CLI_USAGE, "rejects",
                                "--limit: '%s' is not a count; use a "
                                "number 1 or more",
                                optarg);
            break;
        case 'r':
            o->reverse = 1;
            break;
        case 'o':
            if ((fmt = cli_format_parse(optarg)) < 0)
                return cli_fail(CLI_USAGE, "rejects", "-o/--output: '%s' is not a format; %s",
                                optarg, CLI_FORMATS_ACCEPTED);
            o->fmt = (cli_format)fmt;
            break;
        case OPT_UTC:
            o->utc = 1;
            break;
        case OPT_EXPLAIN:
            o->explain = 1;
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            return cli_option_error("rejects", c, argv);
        }
    }
    if (optind < argc)
        return cli_fail(CLI_USAGE, "rejects", "unexpected argument '%s'; see --help", argv[optind]);
    return cli_filter_times(&o->f, since, until, o->utc, "rejects");
}

/* ---------------------------------------------------------------- SQL */

#define REJECT_COLUMNS "id, received, peer_pid, peer_uid, peer_gid, reason, message, raw, raw_len"

/* The columns read_row expects: the last is peer_sid, or NULL in a version
 * 1 database. */
static const char *reject_columns(const cli_db *db)
{
    return cli_db_has_peer_sid(db) ? REJECT_COLUMNS ", peer_sid" : REJECT_COLUMNS ", NULL";
}

static int has_upper(const char *s)
{
    for (; *s; s++) {
        if (*s >= 'A' && *s <= 'Z')
            return 1;
    }
    return 0;
}

static void where(const ropts *o, cli_sql *q)
{
    if (o->f.has_since) {
        cli_sql_and(q);
        cli_buf_printf(&q->text, "received >= ?%d", cli_sql_int(q, o->f.since));
    }
    if (o->f.has_until) {
        cli_sql_and(q);
        cli_buf_printf(&q->text, "received < ?%d", cli_sql_int(q, o->f.until));
    }
    if (o->nreasons > 0) {
        cli_sql_and(q);
        cli_buf_puts(&q->text, "reason IN (");
        for (size_t i = 0; i < o->nreasons; i++)
            cli_buf_printf(&q->text, "%s?%d", i ? ", " : "",
                           cli_sql_text(q, o->reasons[i], strlen(o->reasons[i])));
        cli_buf_putc(&q->text, ')');
    }
    if (o->f.npids > 0) {
        cli_sql_and(q);
        cli_buf_puts(&q->text, "peer_pid IN (");
        for (size_t i = 0; i < o->f.npids; i++)
            cli_buf_printf(&q->text, "%s?%d", i ? ", " : "", cli_sql_int(q, o->f.pids[i]));
        cli_buf_putc(&q->text, ')');
    }
    if (o->grep != NULL) {
        int p = cli_sql_text(q, o->grep, strlen(o->grep));

        cli_sql_and(q);
        if (has_upper(o->grep))
            cli_buf_printf(&q->text,
                           "(instr(CAST(raw AS TEXT), ?%d) > 0 OR instr(message, ?%d) > 0)", p, p);
        else
            cli_buf_printf(&q->text,
                           "(instr(lower(CAST(raw AS TEXT)), lower(?%d)) > 0 OR "
                           "instr(lower(message), lower(?%d)) > 0)",
                           p, p);
    }
}

static void build_query(const ropts *o, cli_sql *q)
{
    long long limit = o->limit;

    if (o->lines >= 0 && !o->reverse) {
        cli_buf_printf(&q->text, "SELECT * FROM (SELECT %s FROM rejects", o->columns);
        where(o, q);
        cli_buf_printf(&q->text,
                       " ORDER BY received DESC, id DESC LIMIT ?%d) "
                       "ORDER BY received, id",
                       cli_sql_int(q, o->lines));
    } else {
        cli_buf_printf(&q->text, "SELECT %s FROM rejects", o->columns);
        where(o, q);
        cli_buf_puts(&q->text,
                     o->reverse ? " ORDER BY received DESC, id DESC" : " ORDER BY received, id");
        if (o->lines >= 0 && (limit < 0 || o->lines < limit))
            limit = o->lines;
    }
    if (limit >= 0)
        cli_buf_printf(&q->text, " LIMIT ?%d", cli_sql_int(q, limit));
}

/* ---------------------------------------------------------------- output */

static cli_str col_str(sqlite3_stmt *st, int i)
{
    cli_str s = { NULL, 0 };

    if (sqlite3_column_type(st, i) != SQLITE_NULL) {
        /* raw is a BLOB: take its bytes as they are. */
        s.p = (const char *)sqlite3_column_blob(st, i);
        s.n = (size_t)sqlite3_column_bytes(st, i);
        if (s.p == NULL)
            s.p = "";
    }
    return s;
}

static void read_row(sqlite3_stmt *st, reject *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->received = sqlite3_column_int64(st, 1);
    cli_peer_read(st, 2, 9, &r->peer);
    r->reason = col_str(st, 5);
    r->message = col_str(st, 6);
    r->raw = col_str(st, 7);
    r->raw_len = sqlite3_column_int64(st, 8);
}

static int utf8_valid(const cli_str *s)
{
    unsigned cp;

    for (size_t i = 0, k; i < s->n; i += k) {
        if ((k = cli_utf8_seq((const unsigned char *)s->p + i, s->n - i, &cp)) == 0)
            return 0;
    }
    return 1;
}

static void base64(cli_buf *b, const unsigned char *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        char q[4] = { tab[v >> 18 & 63], tab[v >> 12 & 63], i + 1 < n ? tab[v >> 6 & 63] : '=',
                      i + 2 < n ? tab[v & 63] : '=' };

        cli_buf_put(b, q, 4);
    }
}

/* " [pid 42 uid 1000]" on POSIX, " [pid 42 sid S-1-5-21-...]" on Windows:
 * what the OS said about the sender, nothing it did not say. */
static void peer_text(cli_buf *b, const cli_peer *p)
{
    int n = 0;

    if (p->has_pid)
        cli_buf_printf(b, "%spid %" PRId64, n++ ? " " : " [", p->pid);
    if (p->has_uid)
        cli_buf_printf(b, "%suid %" PRId64, n++ ? " " : " [", p->uid);
    if (p->sid.p != NULL) {
        cli_buf_puts(b, n++ ? " sid " : " [sid ");
        cli_esc_text(b, p->sid.p, p->sid.n);
    }
    if (n)
        cli_buf_putc(b, ']');
}

static void text_line(cli_output *o, const reject *r)
{
    cli_buf *b = &o->buf;
    char ts[40];

    if (o->fmt == CLI_FMT_SHORT)
        cli_time_format_short(r->received, o->utc, ts);
    else
        cli_time_format_iso(r->received, o->utc, ts);
    if (o->fmt != CLI_FMT_CAT) {
        cli_buf_puts(b, ts);
        peer_text(b, &r->peer);
        cli_buf_putc(b, ' ');
        if (o->color)
            cli_buf_puts(b, cli_level_color(3));
        cli_esc_text(b, r->reason.p, r->reason.n);
        if (o->color)
            cli_buf_puts(b, CLI_COLOR_RESET);
        cli_buf_puts(b, ": ");
        cli_esc_text(b, r->message.p, r->message.n);
        cli_buf_puts(b, " | ");
    }
    if (r->raw.p != NULL)
        cli_esc_text(b, r->raw.p, r->raw.n);
    if (o->fmt != CLI_FMT_CAT && r->raw_len > (int64_t)r->raw.n)
        cli_buf_printf(b, " | first %zu of %" PRId64 " bytes", r->raw.n, r->raw_len);
    cli_buf_putc(b, '\n');
}

static void json_member(cli_buf *b, int pretty, int *n, const char *name)
{
    cli_buf_printf(b, pretty ? "%s\n    \"%s\": " : "%s\"%s\":", (*n)++ ? "," : "", name);
}

static void json_object(cli_output *o, const reject *r, int pretty)
{
    cli_buf *b = &o->buf;
    char ts[CL_TS_TEXT_LEN + 1];
    int n = 0;

    cli_buf_putc(b, '{');
    json_member(b, pretty, &n, "id");
    cli_buf_printf(b, "%" PRId64, r->id);
    json_member(b, pretty, &n, "received");
    cl_rfc3339_format(r->received, ts);
    cli_buf_printf(b, "\"%s\"", ts);
    {
        cli_buf peer = CLI_BUF_INIT;

        if (cli_json_peer(&peer, &r->peer, pretty)) {
            json_member(b, pretty, &n, "peer");
            cli_buf_put(b, peer.p, peer.n);
        }
        b->oom |= peer.oom;
        cli_buf_free(&peer);
    }
    json_member(b, pretty, &n, "reason");
    cli_esc_json_str(b, r->reason.p, r->reason.n);
    json_member(b, pretty, &n, "message");
    cli_esc_json_str(b, r->message.p, r->message.n);
    if (r->raw.p != NULL) {
        json_member(b, pretty, &n, "raw");
        if (utf8_valid(&r->raw)) {
            cli_esc_json_str(b, r->raw.p, r->raw.n);
        } else {
            cli_buf_putc(b, '"');
            base64(b, (const unsigned char *)r->raw.p, r->raw.n);
            cli_buf_putc(b, '"');
            json_member(b, pretty, &n, "raw_encoding");
            cli_buf_puts(b, "\"base64\"");
        }
    }
    json_member(b, pretty, &n, "raw_len");
    cli_buf_printf(b, "%" PRId64, r->raw_len);
    cli_buf_puts(b, pretty ? "\n  }" : "}");
}

static void csv_row(cli_output *o, const reject *r)
{
    cli_buf *b = &o->buf;
    char ts[CL_TS_TEXT_LEN + 1];

    cl_rfc3339_format(r->received, ts);
    cli_buf_printf(b, "%" PRId64 ",%s,", r->id, ts);
    if (r->peer.has_pid)
        cli_buf_printf(b, "%" PRId64, r->peer.pid);
    cli_buf_putc(b, ',');
    if (r->peer.has_uid)
        cli_buf_printf(b, "%" PRId64, r->peer.uid);
    cli_buf_putc(b, ',');
    if (r->peer.has_gid)
        cli_buf_printf(b, "%" PRId64, r->peer.gid);
    cli_buf_putc(b, ',');
    cli_esc_csv(b, r->reason.p, r->reason.n);
    cli_buf_putc(b, ',');
    cli_esc_csv(b, r->message.p, r->message.n);
    cli_buf_putc(b, ',');
    if (r->raw.p != NULL)
        cli_esc_csv(b, r->raw.p, r->raw.n);
    cli_buf_printf(b, ",%" PRId64 ",", r->raw_len);
    if (r->peer.sid.p != NULL)
        cli_esc_csv(b, r->peer.sid.p, r->peer.sid.n);
    cli_buf_putc(b, '\n');
}

static void put_reject(cli_output *o, const reject *r)
{
    switch (o->fmt) {
    case CLI_FMT_JSON:
        cli_buf_puts(&o->buf, o->count ? ",\n" : "\n");
        json_object(o, r, 0);
        break;
    case CLI_FMT_JSON_PRETTY:
        cli_buf_puts(&o->buf, o->count ? ",\n  " : "\n  ");
        json_object(o, r, 1);
        break;
    case CLI_FMT_NDJSON:
        json_object(o, r, 0);
        cli_buf_putc(&o->buf, '\n');
        break;
    case CLI_FMT_CSV:
        csv_row(o, r);
        break;
    default:
        text_line(o, r);
        break;
    }
    o->count++;
}

/* ---------------------------------------------------------------- main */

static int stream(cli_db *db, const cli_sql *q, cli_output *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->h, q->text.p, -1, &st, NULL), wrc = -1;
    reject r;

    if (rc == SQLITE_OK)
        rc = cli_sql_bind(q, st);
    if (out->fmt == CLI_FMT_CSV)
        cli_buf_puts(
            &out->buf,
            "id,received,peer_pid,peer_uid,peer_gid,reason,message,raw,raw_len,peer_sid\n");
    else
        cli_output_begin(out);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        read_row(st, &r);
        put_reject(out, &r);
        rc = SQLITE_OK;
        if ((wrc = cli_output_write(out, FLUSH_BYTES, "rejects")) >= 0)
            break;
    }
    sqlite3_finalize(st);
    if (wrc >= 0)
        return wrc;
    if (rc != SQLITE_DONE)
        return cli_fail(CLI_FAILED, "rejects", "reading the database failed: %s",
                        sqlite3_errmsg(db->h));
    cli_output_end(out);
    return (wrc = cli_output_write(out, 0, "rejects")) >= 0 ? wrc : CLI_OK;
}

int cmd_rejects(const cli_global *g, int argc, char **argv)
{
    ropts o;
    cli_db db;
    cli_output out;
    cli_sql q = CLI_SQL_INIT;
    int rc;

    memset(&o, 0, sizeof o);
    memset(&db, 0, sizeof db);
    cli_filter_init(&o.f);
    o.lines = o.limit = -1;
    o.fmt = CLI_FMT_SHORT;
    cli_ignore_broken_pipe();
    rc = parse_args(&o, argc, argv);
    if (rc != CLI_OK) {
        rc = rc < 0 ? CLI_OK : rc;
        goto out;
    }
    if ((rc = cli_db_open(g, "rejects", &db)) != CLI_OK)
        goto out;
    o.columns = reject_columns(&db);
    build_query(&o, &q);
    if (q.oom || q.text.oom) {
        rc = cli_fail(CLI_FAILED, "rejects", "out of memory");
    } else if (o.explain) {
        if (cli_sql_explain(db.h, &q, stdout) != SQLITE_OK)
            rc = cli_fail(CLI_FAILED, "rejects", "cannot explain: %s", sqlite3_errmsg(db.h));
    } else {
        cli_output_init(&out, stdout, o.fmt, cli_color_wanted(g->color, stdout), o.utc);
        rc = stream(&db, &q, &out);
        cli_output_free(&out);
    }
out:
    cli_sql_free(&q);
    cli_db_close(&db);
    cli_filter_free(&o.f);
    free(o.reasons);
    return rc;
}
