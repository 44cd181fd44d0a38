/* cmd_query.c - `centrallog query` (the default command) and `tail`.
 *
 * A query is one SQL statement (listing.h, built on filter.h), streamed to
 * the output as rows arrive, so the first line of a large result shows at
 * once and a pipe to head(1) costs nothing more; a long one is read in
 * pages. Following (-f, tail) polls for rows with an id above the last one
 * seen, every 200 ms, each poll its own short read transaction so that the
 * collector's checkpoints are never held back. This file holds the
 * command's control flow: options, the choice of plan, following across a
 * replaced or migrated database, and what to tell the user. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "db.h"
#include "escape.h"
#include "fieldlist.h"
#include "fsutil.h"
#include "listing.h"
#include "output.h"
#include "pager.h"
#include "partset.h"
#include "platform.h"
#include "query.h"
#include "readargs.h"
#include "report.h"
#include "rows.h"

#define POLL_MS 200     /* follow: at most this far behind the collector */
#define REOPEN_AFTER 10 /* follow: failed polls in a row before reopening */
#define FLUSH_BYTES 65536

typedef struct qopts {
    cli_readargs a;
    int tail;
    cli_listing l; /* what to list, from a and the database open */
} qopts;

static void usage(FILE *f, int tail)
{
    if (tail)
        fprintf(f, "Usage: centrallog tail [OPTIONS]\n\n"
                   "Shows the last 10 entries (or -n N; with -S every entry since then), then\n"
                   "every new entry as the collector commits it (at most 200 ms behind), until\n"
                   "Ctrl-C. Same as `query -f`.\n\n");
    else
        fprintf(f, "Usage: centrallog [query] [OPTIONS]\n\n"
                   "Shows stored entries, oldest first, filtered by every option given.\n\n");
    fprintf(f, "Filters (all must match; a repeated --app/--host/--pid matches any of them):\n"
               "  -S, --since TIME     entries at or after TIME\n"
               "  -U, --until TIME     entries before TIME\n"
               "  -p, --level LEVEL    LEVEL and more severe (emergency alert critical error\n"
               "                       warning notice info debug trace, or 0-7), or a range\n"
               "                       such as warning..error (also --priority)\n"
               "  -t, --app GLOB       application name (also --identifier); shell glob:\n"
               "                       * ? [a-z] [!a]\n"
               "      --host GLOB      host name\n"
               "      --pid PID        process id (as claimed, else as the kernel reported)\n"
               "  -g, --grep PATTERN   msg matches the regular expression PATTERN (PCRE2, as\n"
               "                       journalctl -g): case ignored unless PATTERN has an\n"
               "                       upper-case letter (smart case); none listed: exit 1\n"
               "      --case-sensitive[=yes|no]\n"
               "                       -g in exact case (yes, the default) or ignoring it (no)\n"
               "      --words WORDS    whole words in msg (the full-text index): all of them,\n"
               "                       a trailing * for a prefix; with an upper-case letter\n"
               "                       also exact case\n"
               "      --field KEY=VAL  a member of fields equals VAL (KEY may be a.b.c); a VAL\n"
               "                       with * ? [..] is a glob on its text (code=5*)\n"
               "      --uid UID        the sender's user as the kernel reported it (repeatable)\n"
               "      --gid GID        the sender's group, likewise\n"
               "      --sid SID        the sender's Windows SID (S-1-5-18), likewise\n"
               "Selection and output:\n"
               "  -n, --lines [N]      only the last N entries (a number or all; -n alone: 10;\n"
               "                       following: 10 unless -S or -e)\n"
               "  -r, --reverse        newest first\n"
               "      --limit N        stop after N entries\n"
               "  -f, --follow         then keep printing new entries until Ctrl-C\n"
               "  -o, --output FMT     short (default), short-iso, short-precise, short-unix,\n"
               "                       short-iso-precise (= short-iso), short-full (with the\n"
               "                       weekday and the zone), verbose (every value, one a\n"
               "                       line), export (journal export format, for\n"
               "                       systemd-journal-remote), json, json-pretty, ndjson,\n"
               "                       csv, cat (the message only)\n"
               "      --utc            read and show times in UTC instead of local time\n"
               "      --color WHEN     auto (default: on a terminal), always, never; in colour\n"
               "                       -g's matches are highlighted\n"
               "      --escape-all     escape line feeds and tabs in messages too: one line\n"
               "                       per entry (default: printed as written, continuation\n"
               "                       lines indented under the message)\n"
               "      --explain        print the SQL and SQLite's query plan instead\n"
               "  -F, --field-values NAME  list the distinct values of a column (app, host,\n"
               "                       level, pid, peer_uid, ...) or of a fields member, among\n"
               "                       the entries the filters select\n"
               "  -N, --field-names    list the names of the columns and fields members in use\n"
               "                       (also --fields)\n"
               "  -e, --pager-end      start the pager at the end (less +G); implies -n 1000\n"
               "      --no-pager       write to the terminal directly (default: through\n"
               "                       $CENTRALLOG_PAGER, else $PAGER, else less, when stdout is\n"
               "                       a terminal and not following; \"\" or cat: no pager)\n"
               "  -q, --quiet          no notes or warnings on stderr (the exit status still\n"
               "                       tells a partial result)\n"
               "  -x, --catalog        accepted for journalctl's sake; there is no message\n"
               "                       catalog, so it changes nothing\n"
               "  -h, --help           this help\n\n"
               "TIME is RFC 3339 (2026-11-27T10:00:00Z), '2026-11-27 10:00' or 10:00 (local\n"
               "time), relative (-1h, -1h30m, '30m ago', '2 days ago'), now, today, yesterday\n"
               "or @EPOCH. Text output escapes control characters like the text log (\\r,\n"
               "\\x1b, ...) but for the line feeds and tabs of a message; json and csv give\n"
               "times in UTC.\n\n"
               "Examples:\n"
               "  centrallog -p err -S -1h                  errors of the last hour\n"
               "  centrallog query -t 'billing*' -n 100 -r  the newest 100 of billing apps\n"
               "  centrallog query -g 'timeout|refused' -S today\n"
               "  centrallog query --words 'timeout db*' -S today\n"
               "  centrallog query --field order=81723 -o json-pretty\n"
               "  centrallog query -S yesterday -U today -o csv > yesterday.csv\n"
               "  centrallog tail -p warning --host web-01\n"
               "  centrallog -F app                         the applications that logged\n"
               "  centrallog -e -p err                      the last errors, pager at the end\n\n"
               "Exit status: 0 done (also when no entry matched the filters, or on Ctrl-C\n"
               "while following); 1 -g listed no entry, as journalctl -g and grep (not with\n"
               "-f, -F, -N), or the database cannot be read; 2 bad usage; 4 some partitions\n"
               "of the database could not be read (each named on stderr): the output holds\n"
               "all the others.\n");
}

static void usage_query(FILE *f)
{
    usage(f, 0);
}

static void usage_tail(FILE *f)
{
    usage(f, 1);
}

/* ---------------------------------------------------------------- options */

static int parse_args(qopts *o, int argc, char **argv, const char *cmd)
{
    char err[512];
    int rc = cli_readargs_parse(&o->a, NULL, argc, argv, err, sizeof err);

    if (cli_args_report(rc, cmd, err, o->tail ? usage_tail : usage_query) != CLI_OK)
        return rc;
    if (o->a.follow && o->a.reverse)
        return cli_fail(CLI_USAGE, cmd, "-r/--reverse cannot be combined with following");
    if (o->a.field_values != NULL && o->a.field_names)
        return cli_fail(CLI_USAGE, cmd, "-F/--field-values and -N/--field-names: give one");
    if ((o->a.field_values != NULL || o->a.field_names) && (o->a.follow || o->a.explain))
        return cli_fail(CLI_USAGE, cmd, "-F/-N list what is stored: not with %s",
                        o->a.follow ? "following" : "--explain");
    /* journalctl's tail when following: the last 10, unless -n, -e (its
     * 1000) or -S says where to start. */
    if (o->a.follow && !o->a.lines_set && !o->a.pager_end && o->a.since == NULL)
        o->a.lines = 10;
    o->l.f = &o->a.f;
    o->l.lines = o->a.lines;
    o->l.limit = o->a.limit;
    o->l.reverse = o->a.reverse;
    return CLI_OK;
}

/* ---------------------------------------------------------------- query */

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

/* The poll statement: rows in (last, max] that match, in arrival order. */
static int prepare_poll(follower *fw)
{
    char err[512];

    cli_sql_free(&fw->q);
    fw->o->l.columns = cl_row_entry_columns(fw->db.version);
    cli_listing_poll_sql(&fw->o->a.f, fw->o->l.columns, &fw->q);
    if (cli_filter_prepare(&fw->o->a.f, fw->db.h, err, sizeof err) != 0)
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
    rc = cli_db_open(fw->g, &fw->db, err, sizeof err);
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
    return o->l.limit >= 0 && (long long)out->count >= o->l.limit;
}

/* One poll: the matching rows among those added since the last poll.
 * Returns POLL_AGAIN, POLL_ERROR or an exit code. */
static int poll_once(follower *fw, cli_output *out)
{
    int rc;

    if (cli_listing_poll(&fw->db, fw->poll, &fw->last, out, fw->o->l.limit) != CLI_LIST_DONE)
        return POLL_ERROR;
    if ((rc = cli_output_write(out, 0, fw->cmd)) >= 0)
        return rc;
    return limit_reached(fw->o, out) ? CLI_OK : POLL_AGAIN;
}

/* An empty file is a database being created (a collector starting on a
 * new data directory): followed once it holds one, not reported meanwhile. */
static int file_replaced(follower *fw)
{
    cl_file_id now;

    return cl_file_id_path(fw->db.path, &now) == 0 && now.size > 0 &&
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

/* ---------------------------------------------------------------- partitions */

/* Following a catalog: the connections to the partitions that may still
 * get entries (live, sealing), by catalog seq. */
#define PF_SLOTS 4

typedef struct pf_slot {
    int64_t seq;
    char *path; /* db.path points here: the catalog's list is replaced on a change */
    cli_db db;
    sqlite3_stmt *poll;
    cli_sql q;
} pf_slot;

static void pf_drop(pf_slot *s)
{
    sqlite3_finalize(s->poll);
    cli_sql_free(&s->q);
    cli_db_close(&s->db);
    free(s->path);
    memset(s, 0, sizeof *s);
}

/* The slot of partition i, opened and with its poll statement; NULL when
 * it cannot be read now. */
static pf_slot *pf_get(pf_slot *slots, cli_pset *ps, size_t i, cli_filter *f)
{
    const cl_part *p = &ps->parts.v[i];
    pf_slot *s = NULL;
    char err[512];

    for (int k = 0; k < PF_SLOTS; k++) {
        if (slots[k].path != NULL && slots[k].seq == p->seq)
            return &slots[k];
        if (slots[k].path == NULL && s == NULL)
            s = &slots[k];
    }
    if (s == NULL) { /* all busy: the oldest goes */
        s = &slots[0];
        pf_drop(s);
    }
    if (cli_pset_open(ps, i, &s->db) != 0)
        return NULL;
    s->seq = p->seq;
    s->path = strdup(ps->parts.v[i].path);
    s->db.path = s->path;
    s->q = (cli_sql)CLI_SQL_INIT;
    cli_listing_poll_sql(f, cl_row_entry_columns(s->db.version), &s->q);
    if (s->path == NULL || cli_filter_prepare(f, s->db.h, err, sizeof err) != 0 || s->q.oom ||
        s->q.text.oom ||
        sqlite3_prepare_v2(s->db.h, s->q.text.p, -1, &s->poll, NULL) != SQLITE_OK ||
        cli_sql_bind(&s->q, s->poll) != SQLITE_OK) {
        pf_drop(s);
        return NULL;
    }
    return s;
}

/* Closes the slots of partitions that can get no entry after last. */
static void pf_evict(pf_slot *slots, const cli_pset *ps, long long last)
{
    for (int k = 0; k < PF_SLOTS; k++) {
        int keep = 0;

        for (size_t i = 0; slots[k].path != NULL && i < ps->parts.n; i++) {
            const cl_part *p = &ps->parts.v[i];

            if (p->seq == slots[k].seq)
                keep = p->last_id < 0 || p->last_id > last;
        }
        if (slots[k].path != NULL && !keep)
            pf_drop(&slots[k]);
    }
}

/* One poll over the catalog: every partition that may hold an id above
 * last, in id order - the live one, and the one sealed since the last
 * poll. The catalog is listed again when it changed (a rotation). */
static int pf_poll(pf_slot *slots, cli_pset *ps, qopts *o, long long *last, cli_output *out,
                   int *warned, const char *cmd)
{
    char err[512];

    if (cli_pset_changed(ps) && cli_pset_list(ps, err, sizeof err) != 0) {
        if (!(*warned)++)
            cli_fail(0, cmd, "%s: %s; retrying", ps->top.path, err);
        return POLL_ERROR;
    }
    for (size_t i = 0; i < ps->parts.n; i++) {
        const cl_part *p = &ps->parts.v[i];
        pf_slot *s;

        if (ps->bad[i] || (p->last_id >= 0 && p->last_id <= *last))
            continue;
        if ((s = pf_get(slots, ps, i, &o->a.f)) == NULL)
            continue;
        if (cli_listing_poll(&s->db, s->poll, last, out, o->l.limit) != CLI_LIST_DONE)
            pf_drop(s); /* opened again at the next poll */
    }
    pf_evict(slots, ps, *last);
    *warned = 0;
    return POLL_AGAIN;
}

/* The catalog at the path was replaced (deleted and started again, a data
 * directory restored): follow the new one. Its ids go on from the old ones
 * when a partition no longer live holds the last id shown (the collector
 * adopted the old files); otherwise it is other data, shown from its start,
 * as a replaced single database is. Returns 1 when it switched. */
static int pf_replaced(const cli_global *g, cli_pset *ps, pf_slot *slots, cl_file_id *id,
                       long long *last, const char *cmd)
{
    cl_file_id now;
    cli_pset fresh;
    int kept = 0;

    /* Gone, or still empty (a collector creating it: not an error to
     * report at every poll, as it was): looked at again at the next poll. */
    if (cl_file_id_path(ps->top.path, &now) != 0 || now.size == 0 ||
        (now.dev == id->dev && now.ino == id->ino) || cli_open_pset(g, cmd, &fresh) != CLI_OK)
        return 0;
    for (size_t i = 0; i < fresh.parts.n && !kept; i++) {
        const cl_part *p = &fresh.parts.v[i];

        kept = p->state != CL_PART_LIVE && p->first_id <= *last && p->last_id >= *last;
    }
    for (int k = 0; k < PF_SLOTS; k++)
        pf_drop(&slots[k]);
    cli_pset_free(ps);
    *ps = fresh;
    *id = now;
    if (!kept)
        *last = 0;
    return 1;
}

static int follow_parts(const cli_global *g, cli_pset *ps, qopts *o, long long last,
                        cli_output *out, const char *cmd)
{
    pf_slot slots[PF_SLOTS];
    cl_file_id id;
    int warned = 0, rc = CLI_OK;

    memset(slots, 0, sizeof slots);
    if (cl_file_id_path(ps->top.path, &id) != 0)
        memset(&id, 0, sizeof id);
    while (!cli_stop_requested()) {
        pf_replaced(g, ps, slots, &id, &last, cmd);
        pf_poll(slots, ps, o, &last, out, &warned, cmd);
        if ((rc = cli_output_write(out, 0, cmd)) >= 0)
            break;
        rc = CLI_OK;
        if (limit_reached(o, out))
            break;
        cli_sleep_ms(POLL_MS);
    }
    for (int k = 0; k < PF_SLOTS; k++)
        pf_drop(&slots[k]);
    return rc;
}

/* --explain over a catalog: the listing's statement for a partition. */
static void explain_sql(void *ctx, const cli_db *db, cli_sql *q)
{
    qopts *o = ctx;

    o->l.columns = cl_row_entry_columns(db->version);
    cli_listing_entries_sql(&o->l, q);
}

/* query and tail over a catalog's partitions (partset.h): the same output
 * as over one database. Returns the exit code, or -1 when the output is to
 * be ended. */
static int run_parts(const cli_global *g, qopts *o, cli_pset *ps, cli_output *out, const char *cmd)
{
    long long last = -1;
    char err[512];
    int rc;

    if (cli_filter_compile(&o->a.f, ps->top.h, err, sizeof err) != 0)
        return cli_fail(CLI_USAGE, cmd, "%s", err);
    ps->scoped = 1; /* cli_pset_listing reads partitions so (--explain shows it) */
    if (o->a.explain)
        return cli_explain_parts(ps, &o->a.f, explain_sql, o, cmd);
    if (o->a.follow && ps->top.immutable)
        return cli_fail(CLI_FAILED, cmd,
                        "cannot follow %s: it can only be read as a snapshot here (no write "
                        "access to create its -shm file)",
                        ps->top.path);
    if (o->a.follow) {
        cli_catch_stop();
        last = cli_pset_max_id(ps);
    }
    cli_output_begin(out);
    rc = cli_report_listing(cli_pset_listing(ps, &o->l, 0, last, out, FLUSH_BYTES), ps->top.h, out,
                            cmd);
    if (o->a.follow && rc < 0 && !limit_reached(o, out) && (rc = cli_output_write(out, 0, cmd)) < 0)
        rc = follow_parts(g, ps, o, last, out, cmd);
    return rc < 0 ? CLI_OK : rc;
}

/* ---------------------------------------------------------------- main */

/* A listing that SQLite reads through an index in order is read in pages
 * (listing.h); *done = 1 when it was, with the exit code or -1 in *rc. */
static int try_paged(qopts *o, sqlite3 *h, cli_output *out, const char *cmd, int *done)
{
    cli_sql q = CLI_SQL_INIT;
    sqlite3_stmt *st = NULL;
    int k1, rc = -1;

    *done = 0;
    if (o->a.follow || o->a.f.grep != NULL || o->a.explain)
        return -1;
    if (cli_listing_page_sql(h, &o->l, &q, &k1)) {
        *done = 1;
        if ((rc = prepare(h, &q, &st, cmd)) == CLI_OK) {
            cli_output_begin(out);
            rc = o->l.lines == 0
                     ? -1
                     : cli_report_listing(cli_listing_stream_paged(h, st, k1, &o->l, out), h, out,
                                          cmd);
        }
    }
    sqlite3_finalize(st);
    cli_sql_free(&q);
    return rc;
}

/* Follows on from the first listing: rc is its exit code, or -1. */
static int follow_on(follower *fw, cli_output *out, int rc)
{
    sqlite3_exec(fw->db.h, "COMMIT", NULL, NULL, NULL);
    if (rc < 0 && !limit_reached(fw->o, out) && (rc = cli_output_write(out, 0, fw->cmd)) < 0 &&
        (rc = prepare_poll(fw)) == CLI_OK)
        rc = follow(fw, out);
    return rc;
}

/* -F NAME and -N: one value or name a line, in byte order, escaped like
 * the text output. */
static int list_fields(qopts *o, cli_pset *ps, const char *cmd)
{
    cli_aggmap set;
    cl_strbuf b = CL_STRBUF_INIT;
    cli_agg **v = NULL;
    char err[512];
    size_t n = 0;
    int rc;

    memset(&set, 0, sizeof set);
    rc = o->a.field_names ? cli_field_names(ps, &o->a.f, &set, err, sizeof err)
                          : cli_field_values(ps, &o->a.f, o->a.field_values, &set, err, sizeof err);
    if (rc != 0) {
        rc = cli_fail(strncmp(err, "-F", 2) == 0 ? CLI_USAGE : CLI_FAILED, cmd, "%s", err);
        goto done;
    }
    v = cli_field_sorted(&set, &n);
    if (v == NULL && set.n > 0) {
        rc = cli_fail(CLI_FAILED, cmd, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        cli_esc_text(&b, v[i]->key, v[i]->len);
        cl_strbuf_putc(&b, '\n');
    }
    rc = cli_write_buf(&b, cmd);
done:
    free(v);
    cl_strbuf_free(&b);
    cli_aggmap_free(&set);
    return rc;
}

/* -g that listed no entry: exit status 1, as journalctl -g's ("mimic
 * grep"), so that a script can test `centrallog -g PATTERN -n 1`. Not when
 * following (Ctrl-C ends it), nor for -F, -N or --explain, which list no
 * entries; a partial result (exit 4) says more and stays. --words keeps
 * exit 0: it is no journalctl option, and "no entry" is an answer. */
static int found_nothing(const qopts *o, const cli_output *out)
{
    return o->a.f.search_opt == CLI_OPT_GREP && out->count == 0 && !o->a.follow && !o->a.explain &&
           o->a.field_values == NULL && !o->a.field_names;
}

/* -g's matches, highlighted in colour (output.h): the pattern compiled
 * once more for the output, so that every partition's listing and the
 * follower can keep their own. Nothing when colour is off: the output
 * must not change. A pattern that compiles for the filter compiles here;
 * if memory runs out, the entries are shown without highlight. */
static cli_regex *highlighter(const qopts *o, const cli_output *out)
{
    cli_regex *re = NULL;
    char err[256];

    if (!out->color || o->a.f.search_opt != CLI_OPT_GREP || o->a.f.grep_pattern == NULL)
        return NULL;
    (void)cli_regex_compile(o->a.f.grep_pattern, o->a.f.grep_case, &re, err, sizeof err);
    return re;
}

static int run(qopts *o, const cli_global *g, const char *cmd)
{
    follower fw;
    cli_pset ps;
    cli_output out;
    cli_sql q = CLI_SQL_INIT;
    sqlite3_stmt *st = NULL;
    char err[512];
    int rc, paged;

    memset(&fw, 0, sizeof fw);
    memset(&ps, 0, sizeof ps);
    fw.q = (cli_sql)CLI_SQL_INIT;
    fw.g = g;
    fw.o = o;
    fw.cmd = cmd;
    cli_output_init(&out, stdout, (cli_format)o->a.fmt, cli_color_wanted(g->color, stdout),
                    o->a.utc);
    out.escape_all = o->a.escape_all;
    out.highlight = highlighter(o, &out);
    cli_report_quiet(o->a.quiet);
    if ((rc = cli_open_pset(g, cmd, &ps)) != CLI_OK)
        goto done;
    /* After the colours were chosen for the terminal, and before the first
     * line: journalctl pages everything but following. */
    if (!o->a.follow && !g->no_pager)
        cli_pager_open(o->a.pager_end);
    if (o->a.field_values != NULL || o->a.field_names) {
        rc = list_fields(o, &ps, cmd);
        goto done;
    }
    if (cli_pset_is_catalog(&ps)) {
        out.collector_uid = cli_file_owner(ps.top.path);
        rc = run_parts(g, o, &ps, &out, cmd);
        if (o->a.explain)
            goto done;
        goto end;
    }
    fw.db = ps.top; /* a single database: read as it always was */
    ps.top.h = NULL;
    out.collector_uid = cli_file_owner(fw.db.path);
    o->l.columns = cl_row_entry_columns(fw.db.version);
    if (o->a.follow && fw.db.immutable) {
        rc = cli_fail(CLI_FAILED, cmd,
                      "cannot follow %s: it can only be read as a snapshot "
                      "here (no write access to create its -shm file)",
                      fw.db.path);
        goto done;
    }
    if (cli_filter_prepare(&o->a.f, fw.db.h, err, sizeof err) != 0) {
        rc = cli_fail(CLI_USAGE, cmd, "%s", err);
        goto done;
    }
    /* The newest N of a frequent term: see filter.h (on failure the
     * listing's own query reports the error). */
    (void)cli_filter_newest(&o->a.f, fw.db.h, cli_listing_newest(&o->l));
    rc = try_paged(o, fw.db.h, &out, cmd, &paged);
    if (paged)
        goto end;
    cli_listing_entries_sql(&o->l, &q);
    if (o->a.explain) {
        rc = cli_explain(fw.db.h, &q, cmd);
        goto done;
    }
    if (o->a.follow) {
        cli_catch_stop();
        /* The first rows and the id to follow from come from one snapshot. */
        sqlite3_exec(fw.db.h, "BEGIN", NULL, NULL, NULL);
        fw.last = cli_db_max_id(&fw.db);
        remember_file(&fw);
    }
    if ((rc = prepare(fw.db.h, &q, &st, cmd)) != CLI_OK)
        goto done;
    cli_output_begin(&out);
    rc = o->l.lines == 0 ? -1
                         : cli_report_listing(cli_listing_stream(st, &out, o->l.limit, FLUSH_BYTES),
                                              fw.db.h, &out, cmd);
    sqlite3_finalize(st);
    st = NULL;
    if (o->a.follow)
        rc = follow_on(&fw, &out, rc);
end:
    /* Done, interrupted, or the reader went away: close a JSON array. */
    if (rc <= CLI_OK) {
        cli_output_end(&out);
        rc = cli_output_write(&out, 0, cmd);
        rc = rc < 0 ? CLI_OK : rc;
    }
done:
    rc = cli_pset_exit(&ps, rc);
    if (rc == CLI_OK && found_nothing(o, &out))
        rc = CLI_FAILED;
    cli_pset_free(&ps);
    sqlite3_finalize(st);
    sqlite3_finalize(fw.poll);
    cli_sql_free(&fw.q);
    cli_sql_free(&q);
    cli_db_close(&fw.db);
    cli_regex_free(out.highlight);
    cli_output_free(&out);
    return rc;
}

int cli_query_main(const cli_global *g, int argc, char **argv, int tail)
{
    const char *cmd = tail ? "tail" : "query";
    qopts o;
    int rc;

    memset(&o, 0, sizeof o);
    cli_readargs_init(&o.a, CLI_READ_QUERY);
    o.tail = tail;
    o.a.follow = tail;
    /* A reader that goes away (head, less quitting) is the normal end of a
     * stream: see cli_reader_gone in cli_report_listing. */
    cli_ignore_broken_pipe();
    rc = parse_args(&o, argc, argv, cmd);
    if (rc == CLI_OK)
        rc = run(&o, g, cmd);
    else if (rc < 0)
        rc = CLI_OK; /* --help */
    cli_readargs_free(&o.a);
    return rc;
}

int cmd_query(const cli_global *g, int argc, char **argv)
{
    return cli_query_main(g, argc, argv, 0);
}
