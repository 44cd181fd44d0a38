/* cmd_rejects.c - `centrallog rejects`: the lines the collector refused,
 * when, from whom, why, and the bytes themselves (escaped: they are by
 * definition whatever a producer sent). The listing is listing.h's, the
 * formats output.h's, as for entries; this file adds --reason and rejects'
 * own -g. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "strbuf.h"
#include "reason.h"
#include "db.h"
#include "listing.h"
#include "output.h"
#include "pager.h"
#include "partset.h"
#include "platform.h"
#include "readargs.h"
#include "report.h"
#include "rows.h"

#define FLUSH_BYTES 65536

typedef struct ropts {
    cli_readargs a; /* since/until on received, pids on peer_pid */
    const char **reasons;
    size_t nreasons;
    const char *grep;
    int color; /* chosen for the terminal, before a pager takes stdout */
} ropts;

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
            "  -n, --lines [N]      only the last N (a number or all; -n alone: 10)\n"
            "  -r, --reverse        newest first\n"
            "      --limit N        stop after N\n"
            "  -o, --output FMT     short (default), short-iso, short-precise, short-unix,\n"
            "                       short-iso-precise (= short-iso), short-full, verbose,\n"
            "                       export, json, json-pretty, ndjson, csv, cat (the raw\n"
            "                       line only)\n"
            "      --utc            read and show times in UTC instead of local time\n"
            "      --color WHEN     auto (default: on a terminal), always, never\n"
            "      --explain        print the SQL and SQLite's query plan instead\n"
            "  -q, --quiet          no notes or warnings on stderr\n"
            "      --no-pager       not through the pager (see `query --help`)\n"
            "  -h, --help           this help\n\n"
            "In json output, raw is a string when the bytes are UTF-8, else base64 with\n"
            "\"raw_encoding\":\"base64\"; raw_len is the length of the whole line.\n\n"
            "Examples:\n"
            "  centrallog rejects -S -1h\n"
            "  centrallog rejects --reason too_large --reason truncated -n 20\n"
            "  centrallog rejects -S today -o ndjson | jq -r .raw\n\n"
            "Exit status: 0 done, 1 the database cannot be read, 2 bad usage, 4 some\n"
            "partitions could not be read (named on stderr): the output holds the others.\n");
}

static int opt_reason(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    ropts *o = ctx;
    const char **r;

    (void)opt;
    /* Only the codes this version knows (common/reason.c): a misspelt one
     * would otherwise match nothing and look like "no such rejects". */
    if (cl_reason_from_code(arg) == CL_R_OK) {
        cl_strbuf known = CL_STRBUF_INIT;

        for (int k = CL_R_OK + 1; k < CL_R_COUNT; k++)
            cl_strbuf_printf(&known, "%s%s", k > CL_R_OK + 1 ? ", " : "",
                             cl_reason_code((enum cl_reason)k));
        snprintf(err, errlen, "--reason: '%s' is not a reason code; use one of %s", arg,
                 known.oom ? "those in schema/PROTOCOL.md" : cl_strbuf_cstr(&known));
        cl_strbuf_free(&known);
        return CLI_USAGE;
    }
    if ((r = realloc(o->reasons, (o->nreasons + 1) * sizeof *r)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return CLI_FAILED;
    }
    o->reasons = r;
    r[o->nreasons++] = arg;
    return CLI_OK;
}

static int opt_grep(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    if (arg[0] == '\0') {
        snprintf(err, errlen, "-g/--grep: empty text");
        return CLI_USAGE;
    }
    return cli_opt_string(ctx, opt, arg, err, errlen);
}

static const cli_opt rejects_opts[] = {
    { "reason", 0, 1, opt_reason, CLI_ALL_CMDS, 0 },
    { "grep", 'g', 1, opt_grep, CLI_ALL_CMDS, offsetof(ropts, grep) },
};

/* Returns CLI_OK, -1 after --help, or an exit code. */
static int parse_args(ropts *o, int argc, char **argv)
{
    cli_opt_group own = { rejects_opts, sizeof rejects_opts / sizeof rejects_opts[0], o,
                          CLI_ALL_CMDS };
    char err[512];
    int rc = cli_readargs_parse(&o->a, &own, argc, argv, err, sizeof err);

    return cli_args_report(rc, "rejects", err, usage);
}

/* ---------------------------------------------------------------- main */

static int stream(cli_db *db, const cli_sql *q, cli_output *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->h, q->text.p, -1, &st, NULL);

    if (rc == SQLITE_OK)
        rc = cli_sql_bind(q, st);
    cli_output_begin(out);
    if (rc == SQLITE_OK)
        rc =
            cli_report_listing(cli_listing_stream(st, out, -1, FLUSH_BYTES), db->h, out, "rejects");
    else
        rc = cli_report_listing(CLI_LIST_EREAD, db->h, out, "rejects");
    sqlite3_finalize(st);
    if (rc >= 0)
        return rc;
    cli_output_end(out);
    return (rc = cli_output_write(out, 0, "rejects")) >= 0 ? rc : CLI_OK;
}

/* rejects over a catalog's partitions (partset.h); --explain shows the
 * newest partition's statement. */
static int run_parts(cli_listing *l, ropts *o, cli_pset *ps)
{
    cli_output out;
    cli_sql q = CLI_SQL_INIT;
    cli_db db;
    int rc;

    if (o->a.explain) {
        if (ps->parts.n == 0 || cli_pset_open(ps, ps->parts.n - 1, &db) != 0)
            return cli_fail(CLI_FAILED, "rejects", "%s: no partition to explain", ps->top.path);
        printf("-- partition %s\n", db.path);
        l->columns = cl_row_reject_columns(db.version);
        cli_listing_rejects_sql(l, &q);
        rc = cli_explain(db.h, &q, "rejects");
        cli_sql_free(&q);
        cli_db_close(&db);
        return rc;
    }
    cli_output_init(&out, stdout, (cli_format)o->a.fmt, o->color, o->a.utc);
    out.kind = CLI_REC_REJECT;
    cli_output_begin(&out);
    rc = cli_report_listing(cli_pset_listing(ps, l, 1, -1, &out, FLUSH_BYTES), ps->top.h, &out,
                            "rejects");
    if (rc < 0) {
        cli_output_end(&out);
        rc = cli_output_write(&out, 0, "rejects");
        rc = rc >= 0 ? rc : CLI_OK;
    }
    cli_output_free(&out);
    return rc;
}

static int run(ropts *o, const cli_global *g)
{
    cli_listing l = { &o->a.f, o->a.lines, o->a.limit,  o->a.reverse,
                      NULL,    o->reasons, o->nreasons, o->grep };
    cli_pset ps;
    cli_db db;
    cli_output out;
    cli_sql q = CLI_SQL_INIT;
    int rc;

    memset(&db, 0, sizeof db);
    o->color = cli_color_wanted(g->color, stdout);
    cli_report_quiet(o->a.quiet);
    if ((rc = cli_open_pset(g, "rejects", &ps)) != CLI_OK)
        return rc;
    if (!g->no_pager)
        cli_pager_open(0);
    if (cli_pset_is_catalog(&ps)) {
        rc = run_parts(&l, o, &ps);
        goto out;
    }
    db = ps.top; /* a single database: read as it always was */
    ps.top.h = NULL;
    l.columns = cl_row_reject_columns(db.version);
    cli_listing_rejects_sql(&l, &q);
    if (q.oom || q.text.oom) {
        rc = cli_fail(CLI_FAILED, "rejects", "out of memory");
    } else if (o->a.explain) {
        rc = cli_explain(db.h, &q, "rejects");
    } else {
        cli_output_init(&out, stdout, (cli_format)o->a.fmt, o->color, o->a.utc);
        out.kind = CLI_REC_REJECT;
        rc = stream(&db, &q, &out);
        cli_output_free(&out);
    }
out:
    cli_sql_free(&q);
    cli_db_close(&db);
    rc = cli_pset_exit(&ps, rc);
    cli_pset_free(&ps);
    return rc;
}

int cmd_rejects(const cli_global *g, int argc, char **argv)
{
    ropts o;
    int rc;

    memset(&o, 0, sizeof o);
    cli_readargs_init(&o.a, CLI_READ_REJECTS);
    cli_ignore_broken_pipe();
    rc = parse_args(&o, argc, argv);
    if (rc == CLI_OK)
        rc = run(&o, g);
    else if (rc < 0)
        rc = CLI_OK; /* --help */
    cli_readargs_free(&o.a);
    free(o.reasons);
    return rc;
}
