/* cmd_export.c - `centrallog export`: the entries of a time range (and
 * other filters) out of the collector's partitions, for tools that are not
 * centrallog - the documented path for sqlite3 users:
 *
 *   --sqlite FILE  one self-contained SQLite database in the partition
 *                  schema (schema/partition.sql + sealed.sql): every index
 *                  and a complete full-text index, journal_mode DELETE, so
 *                  `sqlite3 FILE` and `centrallog --db FILE` read it alone;
 *   --ndjson       one JSON object a line, exactly as `query -o ndjson`.
 *
 * The file is written as FILE.tmp and renamed when complete: a FILE that
 * exists is whole. An existing FILE is never replaced. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "db.h"
#include "fsutil.h"
#include "partset.h"
#include "query.h"
#include "readargs.h"
#include "report.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: centrallog export [FILTERS] --sqlite FILE\n"
               "       centrallog export [FILTERS] --ndjson > FILE\n\n"
               "Writes the entries that match out of the collector's partitions:\n"
               "  --sqlite FILE   one SQLite database holding them (and the rejected lines of\n"
               "                  the time range), with the indexes and the full-text index of a\n"
               "                  closed partition: read it with sqlite3(1) - tables entries,\n"
               "                  rejects, entries_fts (docs/DESIGN.md) - or with\n"
               "                  `centrallog --db FILE`. FILE must not exist.\n"
               "  --ndjson        one JSON object a line on stdout, as `query -o ndjson`\n\n"
               "Filters, as in `centrallog query --help`: -S/--since, -U/--until, -p/--level,\n"
               "-t/--app, --host, --pid, --field (and -g/--grep with --ndjson).\n\n"
               "Examples:\n"
               "  centrallog export -S yesterday -U today --sqlite yesterday.db\n"
               "  sqlite3 yesterday.db \"SELECT app, count(*) FROM entries GROUP BY app\"\n"
               "  centrallog export -S -1h -p err --ndjson | jq .msg\n\n"
               "Exit status: 0 done, 1 failed (FILE exists, cannot be written, the database\n"
               "cannot be read), 2 bad usage, 4 some partitions could not be read (named on\n"
               "stderr): FILE holds the others' entries.\n");
}

#define ENTRY_COLS                                                                                 \
    "id, ts, received, level, app, host, pid, tid, logger, trace_id, span_id, msg, fields, "       \
    "extra, peer_pid, peer_uid, peer_gid"
#define REJECT_COLS "id, received, peer_pid, peer_uid, peer_gid, reason, message, raw, raw_len"

static int exec(sqlite3 *h, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;

    if (sqlite3_exec(h, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(h));
    sqlite3_free(msg);
    return -1;
}

/* Runs q (its parameters bound) on h. */
static int run_sql(sqlite3 *h, const cli_sql *q, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (q->oom || q->text.oom) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rc = sqlite3_prepare_v2(h, q->text.p, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = cli_sql_bind(q, st);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    snprintf(err, errlen, "%s", sqlite3_errmsg(h));
    return -1;
}

/* "file:PATH?mode=ro..." for ATTACH, bound as a parameter. */
static int attach(sqlite3 *h, const char *path, int immutable, char *err, size_t errlen)
{
    cli_sql q = CLI_SQL_INIT;
    cl_strbuf uri = CL_STRBUF_INIT;
    int rc;

    cl_strbuf_puts(&uri, "file:");
    for (const char *p = path; *p; p++) {
        if (*p == '?' || *p == '#' || *p == '%')
            cl_strbuf_printf(&uri, "%%%02X", (unsigned char)*p);
        else
            cl_strbuf_putc(&uri, *p);
    }
    cl_strbuf_puts(&uri, immutable ? "?mode=ro&immutable=1" : "?mode=ro");
    cl_strbuf_printf(&q.text, "ATTACH DATABASE ?%d AS src", cli_sql_text(&q, uri.p, uri.len));
    rc = uri.oom ? -1 : run_sql(h, &q, err, errlen);
    cli_sql_free(&q);
    cl_strbuf_free(&uri);
    return rc;
}

/* Copies the matching rows of the database at path (schema version) into
 * the main database of h. */
static int copy_from(sqlite3 *h, const char *path, int immutable, int version, const cli_filter *f,
                     char *err, size_t errlen)
{
    cli_sql q = CLI_SQL_INIT;
    int rc;

    if (attach(h, path, immutable, err, errlen) != 0)
        return -1;
    cl_strbuf_printf(&q.text,
                     "INSERT INTO main.entries (" ENTRY_COLS ", peer_sid) SELECT " ENTRY_COLS
                     ", %s FROM src.entries",
                     version >= 2 ? "peer_sid" : "NULL");
    cli_filter_where(f, &q, CLI_WHERE_INDEXED);
    rc = run_sql(h, &q, err, errlen);
    cli_sql_free(&q);
    if (rc == 0) {
        q = (cli_sql)CLI_SQL_INIT;
        cl_strbuf_printf(&q.text,
                         "INSERT INTO main.rejects (" REJECT_COLS ", peer_sid) SELECT " REJECT_COLS
                         ", %s FROM src.rejects",
                         version >= 2 ? "peer_sid" : "NULL");
        cli_sql_time_range(&q, "received", f);
        rc = run_sql(h, &q, err, errlen);
        cli_sql_free(&q);
    }
    sqlite3_exec(h, "DETACH DATABASE src", NULL, NULL, NULL);
    return rc;
}

/* The meta rows, indexes and full-text index of a closed partition. */
static int seal(sqlite3 *h, char *err, size_t errlen)
{
    return exec(h,
                "INSERT OR REPLACE INTO meta (key, value) VALUES "
                "('first_id', (SELECT coalesce(min(id), 1) FROM entries)), "
                "('first_reject', (SELECT coalesce(min(id), 1) FROM rejects)), "
                "('fts_indexed_upto', (SELECT coalesce(max(id), 0) FROM entries)), "
                "('sealed', 1), ('exported', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));",
                err, errlen) ||
           exec(h, cl_db_sealed_sql, err, errlen) ||
           exec(h,
                "INSERT INTO entries_fts (entries_fts) VALUES ('rebuild'); "
                "INSERT INTO entries_fts (entries_fts) VALUES ('optimize');",
                err, errlen);
}

static int open_dest(const char *tmp, sqlite3 **h, char *err, size_t errlen)
{
    char v[64];

    if (sqlite3_open_v2(tmp, h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI,
                        NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot create it: %s", sqlite3_errmsg(*h));
        return -1;
    }
    snprintf(v, sizeof v, "PRAGMA user_version = %d;", CL_DB_LAYOUT_VERSION);
    /* Nothing to protect until the rename: no journal while building. */
    return exec(*h, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;", err, errlen) ||
           exec(*h, cl_db_partition_sql, err, errlen) || exec(*h, v, err, errlen);
}

/* Copies every source (the catalog's partitions that f can match, or the
 * single database) into h. */
static int copy_all(sqlite3 *h, cli_pset *ps, const cli_filter *f, char *err, size_t errlen)
{
    if (!cli_pset_is_catalog(ps))
        return copy_from(h, ps->top.path, ps->top.immutable, ps->top.version, f, err, errlen);
    cli_pset_live_ranges(ps);
    for (size_t i = 0; i < ps->parts.n; i++) {
        const cl_part *p = &ps->parts.v[i];
        cli_db db;
        char why[600];
        int version;

        if ((!cli_part_overlaps(p, f) && !cli_part_has_rejects(p, f)) ||
            cli_pset_open(ps, i, &db) != 0)
            continue;
        version = db.version;
        cli_db_close(&db);
        if (copy_from(h, p->path, p->state == CL_PART_CLOSED, version, f, why, sizeof why) != 0) {
            int code = sqlite3_errcode(h) & 0xff;

            /* The destination's own failure (disk full) ends the export;
             * a damaged source is skipped, as by every reader. */
            if (code == SQLITE_FULL || code == SQLITE_NOMEM || code == SQLITE_READONLY) {
                snprintf(err, errlen, "%s", why);
                return -1;
            }
            cli_pset_failed(ps, i, why);
        }
    }
    return 0;
}

static int export_sqlite(cli_readargs *a, const cli_global *g, const char *file)
{
    cli_pset ps;
    sqlite3 *h = NULL;
    char tmp[4200], err[1024];
    cl_file_id sb;
    int rc = CLI_FAILED;

    if (cl_file_id_path(file, &sb) == 0)
        return cli_fail(CLI_FAILED, "export", "%s exists; remove it or choose another name", file);
    if (snprintf(tmp, sizeof tmp, "%s.tmp", file) >= (int)sizeof tmp)
        return cli_fail(CLI_USAGE, "export", "--sqlite: the path is too long");
    if ((rc = cli_open_pset(g, "export", &ps)) != CLI_OK)
        return rc;
    remove(tmp);
    /* No transaction around it all: ATTACH and DETACH cannot run inside
     * one, and the file only counts once renamed. */
    if (open_dest(tmp, &h, err, sizeof err) != 0 || copy_all(h, &ps, &a->f, err, sizeof err) != 0 ||
        seal(h, err, sizeof err) != 0 ||
        exec(h, "PRAGMA journal_mode = DELETE;", err, sizeof err) != 0) {
        rc = cli_fail(CLI_FAILED, "export", "writing %s failed: %s", tmp, err);
        sqlite3_close(h);
        remove(tmp);
        goto out;
    }
    if (sqlite3_close(h) != SQLITE_OK || rename(tmp, file) != 0) {
        rc = cli_fail(CLI_FAILED, "export", "cannot complete %s", file);
        remove(tmp);
        goto out;
    }
    rc = cli_pset_exit(&ps, CLI_OK);
out:
    cli_pset_free(&ps);
    return rc;
}

/* --ndjson: query -o ndjson with the same options. */
static int export_ndjson(const cli_global *g, int argc, char **argv)
{
    char **v = calloc((size_t)argc + 3, sizeof *v);
    int n = 0, rc;

    if (v == NULL)
        return cli_fail(CLI_FAILED, "export", "out of memory");
    v[n++] = "query";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--ndjson") != 0)
            v[n++] = argv[i];
    }
    v[n++] = "-o";
    v[n++] = "ndjson";
    rc = cli_query_main(g, n, v, 0);
    free(v);
    return rc;
}

int cmd_export(const cli_global *g, int argc, char **argv)
{
    cli_readargs a;
    const char *file = NULL;
    char **rest, err[512];
    int n = 0, ndjson = 0, rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return CLI_OK;
        }
        ndjson |= strcmp(argv[i], "--ndjson") == 0;
    }
    if (ndjson)
        return export_ndjson(g, argc, argv);
    if ((rest = calloc((size_t)argc + 1, sizeof *rest)) == NULL)
        return cli_fail(CLI_FAILED, "export", "out of memory");
    rest[n++] = argv[0];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--sqlite") == 0 && i + 1 < argc)
            file = argv[++i];
        else if (strncmp(argv[i], "--sqlite=", 9) == 0)
            file = argv[i] + 9;
        else
            rest[n++] = argv[i];
    }
    cli_readargs_init(&a, CLI_READ_QUERY);
    rc = cli_readargs_parse(&a, NULL, n, rest, err, sizeof err);
    if (rc == CLI_OK && file == NULL)
        rc = cli_fail(CLI_USAGE, "export", "give --sqlite FILE or --ndjson; see --help");
    else if (rc == CLI_OK && (a.lines_set || a.reverse || a.follow || a.limit >= 0 ||
                              a.f.grep_pattern != NULL || a.explain))
        rc = cli_fail(CLI_USAGE, "export",
                      "--sqlite takes filters only (not -g, -n, -r, -f, --limit or --explain)");
    else if (rc == CLI_OK)
        rc = export_sqlite(&a, g, file);
    else
        rc = cli_args_report(rc, "export", err, usage) < 0 ? CLI_OK : rc;
    cli_readargs_free(&a);
    free(rest);
    return rc;
}
