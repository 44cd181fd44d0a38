/* cmd_query.c - `centrallog query` (the default command) and `tail`.
 *
 * A query is one SQL statement built by filter.c, streamed to the output as
 * rows arrive, so the first line of a large result shows at once and a pipe
 * to head(1) costs nothing more. Following (-f, tail) polls for rows with an
 * id above the last one seen, every 200 ms, each poll its own short read
 * transaction so that the collector's checkpoints are never held back. */
#include <errno.h>
#include <stdint.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "db.h"
#include "filter.h"
#include "fsutil.h"
#include "output.h"
#include "platform.h"
#include "query.h"
#include "timefmt.h"

#define POLL_MS 200     /* follow: at most this far behind the collector */
#define REOPEN_AFTER 10 /* follow: failed polls in a row before reopening */
#define FLUSH_BYTES 65536
#define PAGE_ROWS 2000 /* rows per read transaction when a query pages */

typedef struct qopts {
    cli_filter f;
    long long lines; /* -n; -1 all */
    long long limit; /* --limit; -1 none */
    int lines_set, reverse, follow, utc, explain, tail;
    cli_format fmt;
    const char *columns; /* cli_entry_columns of the database open */
} qopts;

static void usage(FILE *f, int tail)
{
    if (tail)
        fprintf(f, "Usage: centrallog tail [OPTIONS]\n\n"
                   "Shows the last 10 entries (or -n N), then every new entry as the collector\n"
                   "commits it (at most 200 ms behind), until Ctrl-C. Same as `query -f`.\n\n");
    else
        fprintf(f, "Usage: centrallog [query] [OPTIONS]\n\n"
                   "Shows stored entries, oldest first, filtered by every option given.\n\n");
    fprintf(f, "Filters (all must match; a repeated --app/--host/--pid matches any of them):\n"
               "  -S, --since TIME     entries at or after TIME\n"
               "  -U, --until TIME     entries before TIME\n"
               "  -p, --level LEVEL    LEVEL and more severe (emergency alert critical error\n"
               "                       warning notice info debug trace, or 0-7), or a range\n"
               "                       such as warning..error\n"
               "  -t, --app GLOB       application name; shell glob: * ? [a-z] [!a]\n"
               "      --host GLOB      host name\n"
               "      --pid PID        process id (as claimed, else as the kernel reported)\n"
               "  -g, --grep WORDS     full-text search of msg: all words, whole words, a\n"
               "                       trailing * for a prefix; with an upper-case letter also\n"
               "                       exact case (smart case)\n"
               "      --field KEY=VAL  a member of fields equals VAL (KEY may be a.b.c)\n"
               "Selection and output:\n"
               "  -n, --lines N        only the last N entries (a number or all; tail: 10)\n"
               "  -r, --reverse        newest first\n"
               "      --limit N        stop after N entries\n"
               "  -f, --follow         then keep printing new entries until Ctrl-C\n"
               "  -o, --output FMT     short (default), short-iso, json, json-pretty, ndjson,\n"
               "                       csv, cat (the message only)\n"
               "      --utc            read and show times in UTC instead of local time\n"
               "      --color WHEN     auto (default: on a terminal), always, never\n"
               "      --explain        print the SQL and SQLite's query plan instead\n"
               "  -h, --help           this help\n\n"
               "TIME is RFC 3339 (2026-11-27T10:00:00Z), '2026-11-27 10:00' or 10:00 (local\n"
               "time), relative (-1h, -1h30m, '30m ago', '2 days ago'), now, today, yesterday\n"
               "or @EPOCH. Text output escapes control characters like the text log (\\n,\n"
               "\\x1b, ...); json and csv give times in UTC.\n\n"
               "Examples:\n"
               "  centrallog -p err -S -1h                  errors of the last hour\n"
               "  centrallog query -t 'billing*' -n 100 -r  the newest 100 of billing apps\n"
               "  centrallog query -g 'timeout db*' -S today\n"
               "  centrallog query --field order=81723 -o json-pretty\n"
               "  centrallog query -S yesterday -U today -o csv > yesterday.csv\n"
               "  centrallog tail -p warning --host web-01\n\n"
               "Exit status: 0 done (also when nothing matched, or on Ctrl-C while following),\n"
               "1 the database cannot be read, 2 bad usage.\n");
}

int cli_output_write(cli_output *out, size_t min, const char *cmd)
{
    if (cli_output_flush(out, min) == 0)
        return -1;
    if (cli_reader_gone(out->f, errno))
        return CLI_OK;
    return cli_fail(CLI_FAILED, cmd, "cannot write the output: %s", strerror(errno));
}

/* ---------------------------------------------------------------- rows */

static cli_str col_str(sqlite3_stmt *st, int i)
{
    cli_str s = { NULL, 0 };

    if (sqlite3_column_type(st, i) != SQLITE_NULL) {
        s.p = (const char *)sqlite3_column_text(st, i);
        s.n = (size_t)sqlite3_column_bytes(st, i);
    }
    return s;
}

static int col_int(sqlite3_stmt *st, int i, int64_t *v)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return 0;
    *v = sqlite3_column_int64(st, i);
    return 1;
}

#define ENTRY_COLUMNS                                                                              \
    "id, ts, received, level, app, host, pid, tid, logger, trace_id, span_id, msg, "               \
    "fields, extra, peer_pid, peer_uid, peer_gid, json_valid(fields), json_valid(extra)"

const char *cli_entry_columns(const cli_db *db)
{
    return cli_db_has_peer_sid(db) ? ENTRY_COLUMNS ", peer_sid" : ENTRY_COLUMNS ", NULL";
}

void cli_peer_read(sqlite3_stmt *st, int first, int sid, cli_peer *p)
{
    p->has_pid = col_int(st, first, &p->pid);
    p->has_uid = col_int(st, first + 1, &p->uid);
    p->has_gid = col_int(st, first + 2, &p->gid);
    p->sid = col_str(st, sid);
}

void cli_entry_read(sqlite3_stmt *st, cli_entry *e)
{
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(st, 0);
    e->ts = sqlite3_column_int64(st, 1);
    e->received = sqlite3_column_int64(st, 2);
    e->level = sqlite3_column_int(st, 3);
    e->app = col_str(st, 4);
    e->host = col_str(st, 5);
    e->has_pid = col_int(st, 6, &e->pid);
    e->has_tid = col_int(st, 7, &e->tid);
    e->logger = col_str(st, 8);
    e->trace_id = col_str(st, 9);
    e->span_id = col_str(st, 10);
    e->msg = col_str(st, 11);
    e->fields = col_str(st, 12);
    e->extra = col_str(st, 13);
    e->fields_json = sqlite3_column_int(st, 17) == 1;
    e->extra_json = sqlite3_column_int(st, 18) == 1;
    cli_peer_read(st, 14, 19, &e->peer);
}

/* ---------------------------------------------------------------- options */

static int parse_args(qopts *o, int argc, char **argv, const char *cmd)
{
    enum { OPT_LIMIT = 0x200, OPT_UTC, OPT_EXPLAIN };
    static const struct option opts[] = {
        CLI_FILTER_LONG_OPTIONS,
        { "lines", required_argument, NULL, 'n' },
        { "reverse", no_argument, NULL, 'r' },
        { "limit", required_argument, NULL, OPT_LIMIT },
        { "follow", no_argument, NULL, 'f' },
        { "output", required_argument, NULL, 'o' },
        { "utc", no_argument, NULL, OPT_UTC },
        { "explain", no_argument, NULL, OPT_EXPLAIN },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *since = NULL, *until = NULL;
    char err[512];
    int c, rc;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":S:U:p:t:g:n:rfo:h", opts, NULL)) != -1) {
        switch (c) {
        case CLI_OPT_SINCE:
            since = optarg; /* parsed after the loop: --utc may follow */
            break;
        case CLI_OPT_UNTIL:
            until = optarg;
            break;
        case 'n':
            o->lines_set = 1;
            if (cli_parse_count(optarg, 1, &o->lines) != 0)
                return cli_fail(CLI_USAGE, cmd,
                                "-n/--lines: '%s' is not a count; use a number "
                                "0 or more, or all",
                                optarg);
            break;
        case OPT_LIMIT:
            if (cli_parse_count(optarg, 0, &o->limit) != 0 || o->limit < 1)
                return cli_fail(CLI_USAGE, cmd,
                                "--limit: '%s' is not a count; use a number "
                                "1 or more",
                                optarg);
            break;
        case 'r':
            o->reverse = 1;
            break;
        case 'f':
            o->follow = 1;
            break;
        case 'o':
            if ((rc = cli_format_parse(optarg)) < 0)
                return cli_fail(CLI_USAGE, cmd, "-o/--output: '%s' is not a format; %s", optarg,
                                CLI_FORMATS_ACCEPTED);
            o->fmt = (cli_format)rc;
            break;
        case OPT_UTC:
            o->utc = 1;
            break;
        case OPT_EXPLAIN:
            o->explain = 1;
            break;
        case 'h':
            usage(stdout, o->tail);
            return -1;
        case ':':
        case '?':
            return cli_option_error(cmd, c, argv);
        default:
            if (cli_filter_option(&o->f, c, optarg, NULL, err, sizeof err) < 0)
                return cli_fail(CLI_USAGE, cmd, "%s", err);
            break;
        }
    }
    if (optind < argc)
        return cli_fail(CLI_USAGE, cmd,
                        "unexpected argument '%s'; filters are options, e.g. -g WORDS (see "
                        "--help)",
                        argv[optind]);
    if ((rc = cli_filter_times(&o->f, since, until, o->utc, cmd)) != CLI_OK)
        return rc;
    if (o->follow && o->reverse)
        return cli_fail(CLI_USAGE, cmd, "-r/--reverse cannot be combined with following");
    if (o->follow && !o->lines_set)
        o->lines = 10;
    return CLI_OK;
}

/* ---------------------------------------------------------------- query */

static void build_query(const qopts *o, cli_sql *q)
{
    long long limit = o->limit;

    if (o->lines >= 0 && !o->reverse) {
        /* The last N, newest first through the index, then put in order. */
        cli_buf_puts(&q->text, "SELECT * FROM (");
        cli_filter_select(&o->f, q, o->columns);
        cli_buf_printf(&q->text, " ORDER BY ts DESC, id DESC LIMIT ?%d) ORDER BY ts, id",
                       cli_sql_int(q, o->lines));
    } else {
        cli_filter_select(&o->f, q, o->columns);
        cli_buf_puts(&q->text, o->reverse ? " ORDER BY ts DESC, id DESC" : " ORDER BY ts, id");
        if (o->lines >= 0 && (limit < 0 || o->lines < limit))
            limit = o->lines;
    }
    if (limit >= 0)
        cli_buf_printf(&q->text, " LIMIT ?%d", cli_sql_int(q, limit));
}

/* Runs st to the end, writing every row. Returns -1 when done, else an exit
 * code (a write or read error). */
static int stream_rows(sqlite3 *h, sqlite3_stmt *st, cli_output *out, long long limit,
                       const char *cmd)
{
    cli_entry e;
    int rc = SQLITE_DONE, wrc;

    while ((limit < 0 || (long long)out->count < limit) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        cli_entry_read(st, &e);
        cli_output_entry(out, &e);
        if ((wrc = cli_output_write(out, FLUSH_BYTES, cmd)) >= 0)
            return wrc;
    }
    if (limit >= 0 && (long long)out->count >= limit)
        return -1;
    if (rc != SQLITE_DONE)
        return cli_fail(CLI_FAILED, cmd, "reading the database failed: %s", sqlite3_errmsg(h));
    return -1;
}

/* ---------------------------------------------------------------- paging */

/* A statement stays in its read transaction until it is reset, and while a
 * reader holds one the collector's checkpoints cannot recycle the WAL: a
 * `centrallog | less` left open would let it grow without bound. So a long
 * listing is read in pages of PAGE_ROWS, each its own transaction, every
 * page resuming after the (ts, id) of the last row printed. That is cheap
 * only when SQLite walks an index in that order; with a sort step (several
 * levels or apps, --grep) each page would redo the whole search, so such
 * queries run as one statement. */

/* Whether SQLite answers q by walking an index in order (no sort step). */
static int plan_in_order(sqlite3 *h, const cli_sql *q)
{
    cli_buf sql = CLI_BUF_INIT;
    sqlite3_stmt *st = NULL;
    int in_order = 1;

    cli_buf_puts(&sql, "EXPLAIN QUERY PLAN ");
    cli_buf_put(&sql, q->text.p, q->text.n);
    if (sql.oom || sqlite3_prepare_v2(h, sql.p, -1, &st, NULL) != SQLITE_OK ||
        cli_sql_bind(q, st) != SQLITE_OK)
        in_order = 0;
    while (in_order && sqlite3_step(st) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 3);

        if (d != NULL && strstr(d, "TEMP B-TREE") != NULL)
            in_order = 0;
    }
    sqlite3_finalize(st);
    cli_buf_free(&sql);
    return in_order;
}

/* The page statement: rows after (?k1, ?k2) in output order, PAGE_ROWS at
 * most. Sets *k1 to the number of the first key parameter. The time bound on
 * the side pages move away from is left out: the first key carries it (two
 * lower bounds on ts, and SQLite might start the index walk at the wrong
 * one, every page). */
static void build_page(const qopts *o, cli_sql *q, int *k1)
{
    cli_filter f = o->f;

    if (o->reverse)
        f.has_until = 0;
    else
        f.has_since = 0;
    cli_filter_select(&f, q, o->columns);
    cli_sql_and(q);
    *k1 = cli_sql_int(q, 0);
    cli_buf_printf(&q->text, o->reverse ? "(ts, id) < (?%d, ?%d)" : "(ts, id) > (?%d, ?%d)", *k1,
                   cli_sql_int(q, 0));
    cli_buf_printf(&q->text,
                   o->reverse ? " ORDER BY ts DESC, id DESC LIMIT ?%d"
                              : " ORDER BY ts, id LIMIT ?%d",
                   cli_sql_int(q, PAGE_ROWS));
}

/* For -n N: the key just before the N-th newest matching row, so that the
 * pages start there; *found = 0 when fewer than N rows match (start at the
 * beginning). */
static int last_n_key(sqlite3 *h, const qopts *o, int64_t *ts, int64_t *id, int *found)
{
    cli_sql q = CLI_SQL_INIT;
    sqlite3_stmt *st = NULL;
    int rc;

    *found = 0;
    cli_filter_select(&o->f, &q, "ts, id");
    cli_buf_printf(&q.text, " ORDER BY ts DESC, id DESC LIMIT 1 OFFSET ?%d",
                   cli_sql_int(&q, o->lines - 1));
    rc = q.oom || q.text.oom ? SQLITE_NOMEM : sqlite3_prepare_v2(h, q.text.p, -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = cli_sql_bind(&q, st)) == SQLITE_OK) {
        if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            *ts = sqlite3_column_int64(st, 0);
            *id = sqlite3_column_int64(st, 1) - 1; /* pages start after the key */
            *found = 1;
        }
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    cli_sql_free(&q);
    return rc;
}

/* Streams the listing page by page (see above). Returns -1 when done, else
 * an exit code. */
static int stream_paged(sqlite3 *h, sqlite3_stmt *st, int k1, const qopts *o, cli_output *out,
                        const char *cmd)
{
    int64_t key_ts, key_id;
    long long cap = o->limit;
    int found = 0, rc = SQLITE_DONE;

    /* The first key: (since, min) is "ts >= since", (until, min) with "<"
     * is "ts < until". */
    if (o->reverse) {
        key_ts = o->f.has_until ? o->f.until : INT64_MAX;
        key_id = o->f.has_until ? INT64_MIN : INT64_MAX;
    } else {
        key_ts = o->f.has_since ? o->f.since : INT64_MIN;
        key_id = INT64_MIN;
    }
    if (o->lines >= 0 && o->reverse && (cap < 0 || o->lines < cap))
        cap = o->lines;
    if (o->lines >= 0 && !o->reverse && last_n_key(h, o, &key_ts, &key_id, &found) != SQLITE_OK)
        return cli_fail(CLI_FAILED, cmd, "reading the database failed: %s", sqlite3_errmsg(h));
    for (;;) {
        size_t before = out->count;
        cli_entry e;

        sqlite3_bind_int64(st, k1, key_ts);
        sqlite3_bind_int64(st, k1 + 1, key_id);
        while ((cap < 0 || (long long)out->count < cap) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            cli_entry_read(st, &e);
            key_ts = e.ts;
            key_id = e.id;
            cli_output_entry(out, &e);
        }
        /* Reset before writing: the page's transaction ends here. */
        sqlite3_reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return cli_fail(CLI_FAILED, cmd, "reading the database failed: %s", sqlite3_errmsg(h));
        if ((rc = cli_output_write(out, 0, cmd)) >= 0)
            return rc;
        if (out->count - before < PAGE_ROWS || (cap >= 0 && (long long)out->count >= cap))
            return -1;
    }
}

static int prepare(sqlite3 *h, const cli_sql *q, sqlite3_stmt **st, const char *cmd)
{
    if (q->oom || q->text.oom)
        return cli_fail(CLI_FAILED, cmd, "out of memory");
    if (sqlite3_prepare_v2(h, q->text.p, -1, st, NULL) != SQLITE_OK ||
        cli_sql_bind(q, *st) != SQLITE_OK) {
        int rc = cli_fail(CLI_FAILED, cmd, "cannot query the database: %s", sqlite3_errmsg(h));

        sqlite3_finalize(*st);
        *st = NULL;
        return rc;
    }
    return CLI_OK;
}

/* ---------------------------------------------------------------- follow */

typedef struct follower {
    cli_db db;
    const cli_global *g;
    qopts *o;
    sqlite3_stmt *poll;
    cli_sql q;
    long long last;  /* highest id seen */
    cl_file_id file; /* the file we have open, to notice a replaced one */
    int failures;
    const char *cmd;
} follower;

static void remember_file(follower *fw)
{
    cl_file_id_path(fw->db.path, &fw->file);
}

/* The poll statement: rows in (last, max] that match, in arrival order.
 * Parameters 1 and 2 are the id bounds, rebound on every poll. */
static int prepare_poll(follower *fw)
{
    char err[512];

    cli_sql_free(&fw->q);
    fw->o->columns = cli_entry_columns(&fw->db);
    cli_buf_printf(&fw->q.text, "SELECT %s FROM entries", fw->o->columns);
    cli_sql_and(&fw->q);
    cli_buf_printf(&fw->q.text, "id > ?%d", cli_sql_int(&fw->q, 0));
    cli_sql_and(&fw->q);
    cli_buf_printf(&fw->q.text, "id <= ?%d", cli_sql_int(&fw->q, 0));
    cli_filter_where(&fw->o->f, &fw->q, CLI_WHERE_ROWID);
    cli_buf_puts(&fw->q.text, " ORDER BY id");
    if (cli_filter_prepare(&fw->o->f, fw->db.h, err, sizeof err) != 0)
        return cli_fail(CLI_FAILED, fw->cmd, "%s", err);
    return prepare(fw->db.h, &fw->q, &fw->poll, fw->cmd);
}

/* Closes and opens the database again (after repeated errors, or when the
 * file at the path was replaced: then every row in it is new). Says why it
 * failed only the first time; the caller retries. */
static int reopen(follower *fw, int from_start, int *warned)
{
    char err[1024];
    int rc;

    sqlite3_finalize(fw->poll);
    fw->poll = NULL;
    cli_db_close(&fw->db);
    rc = cli_db_open_err(fw->g, &fw->db, err, sizeof err);
    if (rc == CLI_OK && (rc = prepare_poll(fw)) != CLI_OK)
        snprintf(err, sizeof err, "cannot query the database: %s", sqlite3_errmsg(fw->db.h));
    if (rc != CLI_OK) {
        if (!(*warned)++)
            cli_fail(0, fw->cmd, "%s; retrying every second", err);
        sqlite3_finalize(fw->poll);
        fw->poll = NULL;
        cli_db_close(&fw->db);
        return -1;
    }
    remember_file(fw);
    if (from_start)
        fw->last = 0;
    fw->failures = 0;
    return 0;
}

enum { POLL_AGAIN = -1, POLL_ERROR = -2 };

static int limit_reached(const qopts *o, const cli_output *out)
{
    return o->limit >= 0 && (long long)out->count >= o->limit;
}

/* One poll: the matching rows among those added since the last poll, inside
 * one read transaction. Returns POLL_AGAIN, POLL_ERROR or an exit code. */
static int poll_once(follower *fw, cli_output *out)
{
    long long hi;
    int step = SQLITE_DONE, rc;

    if (sqlite3_exec(fw->db.h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return POLL_ERROR;
    hi = cli_db_max_id(&fw->db);
    if (hi > fw->last) {
        sqlite3_bind_int64(fw->poll, 1, fw->last);
        sqlite3_bind_int64(fw->poll, 2, hi);
        while (!limit_reached(fw->o, out) && (step = sqlite3_step(fw->poll)) == SQLITE_ROW) {
            cli_entry e;

            cli_entry_read(fw->poll, &e);
            cli_output_entry(out, &e);
        }
        sqlite3_reset(fw->poll);
    }
    sqlite3_exec(fw->db.h, "COMMIT", NULL, NULL, NULL);
    if (hi < 0 || (step != SQLITE_DONE && step != SQLITE_ROW))
        return POLL_ERROR;
    if (hi > fw->last)
        fw->last = hi;
    if ((rc = cli_output_write(out, 0, fw->cmd)) >= 0)
        return rc;
    return limit_reached(fw->o, out) ? CLI_OK : POLL_AGAIN;
}

static int file_replaced(follower *fw)
{
    cl_file_id now;

    return cl_file_id_path(fw->db.path, &now) == 0 &&
           (now.dev != fw->file.dev || now.ino != fw->file.ino);
}

/* The collector migrated the file in place (a newer schema in the same
 * file): the poll statement must select the new columns (peer_sid). */
static int schema_changed(follower *fw)
{
    sqlite3_stmt *st;
    int v = fw->db.version;

    if (sqlite3_prepare_v2(fw->db.h, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    return v != fw->db.version;
}

/* Polls until a signal, the --limit, or a failure to write. The database may
 * go away and come back meanwhile: errors are retried, not fatal. */
static int follow(follower *fw, cli_output *out)
{
    int warned = 0;

    while (!cli_stop_requested()) {
        int rc;

        if (fw->db.h == NULL || file_replaced(fw)) {
            if (reopen(fw, fw->db.h != NULL, &warned) != 0) {
                cli_sleep_ms(1000);
                continue;
            }
        } else if (schema_changed(fw) && reopen(fw, 0, &warned) != 0) {
            cli_sleep_ms(1000);
            continue;
        }
        rc = poll_once(fw, out);
        if (rc >= 0)
            return rc;
        if (rc == POLL_AGAIN) {
            fw->failures = 0;
            warned = 0;
        } else if (++fw->failures >= REOPEN_AFTER) {
            /* Persistent errors: start afresh with a new connection. */
            sqlite3_finalize(fw->poll);
            fw->poll = NULL;
            cli_db_close(&fw->db);
        }
        cli_sleep_ms(POLL_MS);
    }
    return CLI_OK;
}

/* ---------------------------------------------------------------- main */

static int run(qopts *o, const cli_global *g, const char *cmd)
{
    follower fw;
    cli_output out;
    cli_sql q = CLI_SQL_INIT;
    sqlite3_stmt *st = NULL;
    char err[512];
    int rc;

    memset(&fw, 0, sizeof fw);
    fw.q = (cli_sql)CLI_SQL_INIT;
    fw.g = g;
    fw.o = o;
    fw.cmd = cmd;
    cli_output_init(&out, stdout, o->fmt, cli_color_wanted(g->color, stdout), o->utc);
    if ((rc = cli_db_open(g, cmd, &fw.db)) != CLI_OK)
        goto done;
    out.collector_uid = cli_file_owner(fw.db.path);
    o->columns = cli_entry_columns(&fw.db);
    if (o->follow && fw.db.immutable) {
        rc = cli_fail(CLI_FAILED, cmd,
                      "cannot follow %s: it can only be read as a snapshot "
                      "here (no write access to create its -shm file)",
                      fw.db.path);
        goto done;
    }
    if (cli_filter_prepare(&o->f, fw.db.h, err, sizeof err) != 0) {
        rc = cli_fail(CLI_USAGE, cmd, "%s", err);
        goto done;
    }
    if (!o->follow && o->f.grep == NULL) {
        int k1;

        build_page(o, &q, &k1);
        if (!o->explain && plan_in_order(fw.db.h, &q)) {
            if ((rc = prepare(fw.db.h, &q, &st, cmd)) != CLI_OK)
                goto done;
            cli_output_begin(&out);
            rc = o->lines == 0 ? -1 : stream_paged(fw.db.h, st, k1, o, &out, cmd);
            goto end;
        }
        cli_sql_free(&q);
    }
    build_query(o, &q);
    if (o->explain) {
        rc = cli_sql_explain(fw.db.h, &q, stdout) == SQLITE_OK
                 ? CLI_OK
                 : cli_fail(CLI_FAILED, cmd, "cannot explain: %s", sqlite3_errmsg(fw.db.h));
        goto done;
    }
    if (o->follow) {
        cli_catch_stop();
        /* The first rows and the id to follow from come from one snapshot. */
        sqlite3_exec(fw.db.h, "BEGIN", NULL, NULL, NULL);
        fw.last = cli_db_max_id(&fw.db);
        remember_file(&fw);
    }
    if ((rc = prepare(fw.db.h, &q, &st, cmd)) != CLI_OK)
        goto done;
    cli_output_begin(&out);
    rc = o->lines == 0 ? -1 : stream_rows(fw.db.h, st, &out, o->limit, cmd);
    sqlite3_finalize(st);
    st = NULL;
    if (o->follow) {
        sqlite3_exec(fw.db.h, "COMMIT", NULL, NULL, NULL);
        if (rc < 0 && !limit_reached(o, &out) && (rc = cli_output_write(&out, 0, cmd)) < 0 &&
            (rc = prepare_poll(&fw)) == CLI_OK)
            rc = follow(&fw, &out);
    }
end:
    /* Done, interrupted, or the reader went away: close a JSON array. */
    if (rc <= CLI_OK) {
        cli_output_end(&out);
        rc = cli_output_write(&out, 0, cmd);
        rc = rc < 0 ? CLI_OK : rc;
    }
done:
    sqlite3_finalize(st);
    sqlite3_finalize(fw.poll);
    cli_sql_free(&fw.q);
    cli_sql_free(&q);
    cli_db_close(&fw.db);
    cli_output_free(&out);
    return rc;
}

int cli_query_main(const cli_global *g, int argc, char **argv, int tail)
{
    const char *cmd = tail ? "tail" : "query";
    qopts o;
    int rc;

    memset(&o, 0, sizeof o);
    cli_filter_init(&o.f);
    o.lines = -1;
    o.limit = -1;
    o.tail = tail;
    o.follow = tail;
    o.fmt = CLI_FMT_SHORT;
    /* A reader that goes away (head, less quitting) is the normal end of a
     * stream: see cli_reader_gone in cli_output_write. */
    cli_ignore_broken_pipe();
    rc = parse_args(&o, argc, argv, cmd);
    if (rc == CLI_OK)
        rc = run(&o, g, cmd);
    else if (rc < 0)
        rc = CLI_OK; /* --help */
    cli_filter_free(&o.f);
    return rc;
}

int cmd_query(const cli_global *g, int argc, char **argv)
{
    return cli_query_main(g, argc, argv, 0);
}
