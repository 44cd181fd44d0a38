/* report.c - see report.h. */
#include "report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "platform.h"

static int quiet;

void cli_report_quiet(int q)
{
    quiet = q;
}

int cli_fail(int code, const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout); /* keep what was printed before the error in order */
    fprintf(stderr, "centrallog%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int cli_args_report(int rc, const char *cmd, const char *err, void (*usage)(FILE *f))
{
    if (rc == CLI_ARGS_HELP)
        usage(stdout);
    else if (rc != CLI_OK)
        cli_fail(rc, cmd, "%s", err);
    return rc;
}

int cli_open_db(const cli_global *g, const char *cmd, cli_db *db)
{
    char err[1024], wal[4200];
    int rc = cli_db_open(g, db, err, sizeof err);

    if (rc != CLI_OK)
        return cli_fail(rc, cmd, "%s", err);
    if (g->collector_note != NULL && (g->db == NULL || g->db[0] == '\0') && !quiet)
        cli_fail(0, NULL, "note: %s; reading %s (from %s)", g->collector_note, db->path,
                 db->origin);
    if (cli_db_misses_wal(db, wal, sizeof wal) && !quiet)
        cli_fail(0, NULL,
                 "note: %s is read as a snapshot (no write access to create its -shm file); "
                 "entries still in %s are not shown",
                 db->path, wal);
    return CLI_OK;
}

static void warn_partition(const char *cmd, const char *path, const char *why)
{
    if (!quiet)
        cli_fail(0, cmd, "warning: partition %s %s; its entries are left out", path, why);
}

int cli_open_pset(const cli_global *g, const char *cmd, cli_pset *ps)
{
    char err[1024];
    int rc;

    memset(ps, 0, sizeof *ps);
    ps->cmd = cmd;
    ps->warn = warn_partition;
    if ((rc = cli_open_db(g, cmd, &ps->top)) != CLI_OK)
        return rc;
    if (cli_pset_is_catalog(ps) && cli_pset_list(ps, err, sizeof err) != 0) {
        cli_pset_free(ps);
        return cli_fail(CLI_FAILED, cmd, "%s: %s", ps->top.path, err);
    }
    return CLI_OK;
}

int cli_pset_exit(const cli_pset *ps, int rc)
{
    return rc == CLI_OK && ps->partial ? CLI_PARTIAL : rc;
}

int cli_report_listing(cli_list_status st, sqlite3 *h, const cli_output *out, const char *cmd)
{
    switch (st) {
    case CLI_LIST_DONE:
        return -1;
    case CLI_LIST_EREAD:
        return cli_fail(CLI_FAILED, cmd, "reading the database failed: %s", sqlite3_errmsg(h));
    case CLI_LIST_EWRITE:
        break;
    }
    if (cli_reader_gone(out->f, out->err))
        return CLI_OK;
    return cli_fail(CLI_FAILED, cmd, "cannot write the output: %s", strerror(out->err));
}

int cli_output_write(cli_output *out, size_t min, const char *cmd)
{
    if (cli_output_flush(out, min) == 0)
        return -1;
    return cli_report_listing(CLI_LIST_EWRITE, NULL, out, cmd);
}

int cli_write_buf(cl_strbuf *b, const char *cmd)
{
    if (b->oom)
        return cli_fail(CLI_FAILED, cmd, "out of memory");
    /* An empty buffer has no storage yet (p NULL): nothing to write. */
    if (((b->len > 0 && fwrite(b->p, 1, b->len, stdout) != b->len) || fflush(stdout) != 0) &&
        !cli_reader_gone(stdout, errno))
        return cli_fail(CLI_FAILED, cmd, "cannot write the output: %s", strerror(errno));
    return CLI_OK;
}

int cli_explain(sqlite3 *h, const cli_sql *q, const char *cmd)
{
    cl_strbuf b = CL_STRBUF_INIT;
    int rc = cli_sql_explain(h, q, &b), wrc = cli_write_buf(&b, cmd);

    cl_strbuf_free(&b);
    if (wrc != CLI_OK)
        return wrc;
    return rc == SQLITE_OK ? CLI_OK
                           : cli_fail(CLI_FAILED, cmd, "cannot explain: %s", sqlite3_errmsg(h));
}

int cli_explain_parts(cli_pset *ps, cli_filter *f, cli_explain_sql_fn sql, void *ctx,
                      const char *cmd)
{
    size_t pick[CLI_EXPLAIN_PICKS], selected, n;
    char err[512];
    int rc = CLI_OK;

    cli_pset_live_ranges(ps);
    n = cli_pset_explain_pick(ps, f, pick, &selected);
    printf("-- %zu of %zu partitions selected\n", selected, ps->parts.n);
    for (size_t k = 0; k < n && rc == CLI_OK; k++) {
        const cl_part *p = &ps->parts.v[pick[k]];
        int within = ps->scoped && cli_part_within(p, f), no_bounds = f->no_fts_bounds;
        cli_time_scope saved;
        cli_sql q = CLI_SQL_INIT;
        cli_db db;

        if (cli_pset_open(ps, pick[k], &db) != 0)
            continue;
        /* As the listing reads it (partset.c). */
        if (ps->scoped) {
            cli_part_scope(p, f, &saved);
            f->no_fts_bounds = p->state != CL_PART_CLOSED;
        }
        if (cli_filter_prepare(f, db.h, err, sizeof err) != 0) {
            rc = cli_fail(CLI_USAGE, cmd, "%s", err);
        } else {
            printf("-- partition %s (%s)\n", db.path,
                   within                       ? "closed, inside the time range"
                   : p->state == CL_PART_CLOSED ? "closed"
                                                : "live");
            sql(ctx, &db, &q);
            rc = cli_explain(db.h, &q, cmd);
        }
        if (ps->scoped) {
            cli_part_unscope(f, &saved);
            f->no_fts_bounds = no_bounds;
        }
        cli_sql_free(&q);
        cli_db_close(&db);
    }
    return cli_pset_exit(ps, rc);
}
