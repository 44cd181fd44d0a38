/* report.h - what the subcommands (cmd_*.c, main.c) tell the user: the one
 * place in tools/ that writes to stderr. The modules below the commands
 * (the cl_cli library) return codes and one-line reasons instead, and never
 * print; these functions turn them into "centrallog <cmd>: <reason>" and an
 * exit code (cli.h). */
#ifndef CLI_REPORT_H
#define CLI_REPORT_H

#include <stddef.h>

#include "attr.h"
#include "args.h"
#include "strbuf.h"
#include "cli.h"
#include "db.h"
#include "filter.h"
#include "listing.h"
#include "output.h"
#include "partset.h"

/* "centrallog <cmd>: <message>" on stderr (after flushing stdout, to keep
 * the order); returns code. */
int cli_fail(int code, const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    CL_PRINTF_LIKE(3, 4)
#endif
        ;

/* -q/--quiet: from now on notes and warnings (a snapshot missing its
 * -wal entries, an unreadable partition) are not said; errors still are,
 * and the exit status tells a partial result all the same. */
void cli_report_quiet(int quiet);

/* What a command does with the result of its option parser (args.h):
 * CLI_OK stays; CLI_ARGS_HELP prints usage on stdout and stays; anything
 * else is said, with err, for cmd and returned. */
int cli_args_report(int rc, const char *cmd, const char *err, void (*usage)(FILE *f));

/* Opens the database (cli_db_open), saying why not for cmd and returning
 * the exit code; notes a snapshot that misses entries in its -wal file. */
int cli_open_db(const cli_global *g, const char *cmd, cli_db *db);

/* Opens --db as cli_open_db does and, when it is a catalog, lists its
 * partitions; unreadable ones are named on stderr (once each) as they are
 * found, for cmd. */
int cli_open_pset(const cli_global *g, const char *cmd, cli_pset *ps);

/* The exit code of a command that read ps and would return rc: a partial
 * result turns success into CLI_PARTIAL. */
int cli_pset_exit(const cli_pset *ps, int rc);

/* The exit code for a listing's status: -1 when it is done (go on),
 * CLI_OK when the reader went away (head(1) has all it wanted: not an
 * error), else CLI_FAILED after saying why. h is the database read. */
int cli_report_listing(cli_list_status st, sqlite3 *h, const cli_output *out, const char *cmd);

/* Writes out's buffer (cli_output_flush with min) and reports a failure as
 * cli_report_listing does: returns -1 to go on, else the exit code. */
int cli_output_write(cli_output *out, size_t min, const char *cmd);

/* Writes b to stdout, all of it: CLI_OK (also when the reader went away),
 * or CLI_FAILED after saying why (out of memory building b, a write error). */
int cli_write_buf(cl_strbuf *b, const char *cmd);

/* --explain: writes q's SQL, parameters and query plan (cli_sql_explain)
 * to stdout. Returns the exit code. */
int cli_explain(sqlite3 *h, const cli_sql *q, const char *cmd);

/* --explain over a catalog: how many partitions filter f selects, and for
 * the newest closed and the live one among them the statement sql builds
 * for that partition, with its plan. Returns the exit code. */
typedef void (*cli_explain_sql_fn)(void *ctx, const cli_db *db, cli_sql *q);
int cli_explain_parts(cli_pset *ps, cli_filter *f, cli_explain_sql_fn sql, void *ctx,
                      const char *cmd);

#endif
