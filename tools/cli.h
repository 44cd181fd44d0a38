/* cli.h - shared pieces of the centrallog command-line tool: exit codes,
 * global options, the subcommands. Reporting to the user is report.h's. */
#ifndef CL_CLI_H
#define CL_CLI_H

#include <stdio.h>

/* Exit codes, documented in `centrallog --help`. */
enum {
    CLI_OK = 0,
    CLI_FAILED = 1,      /* the operation ran and failed (e.g. entry rejected) */
    CLI_USAGE = 2,       /* bad option or argument */
    CLI_UNREACHABLE = 3, /* no collector answered / not acknowledged in time */
    CLI_PARTIAL = 4      /* some partitions could not be read (each named on stderr): the
                            output holds the entries of all the others */
};

/* Options every subcommand accepts, before or after its name. */
typedef struct cli_global {
    const char *address;   /* --address, else $CENTRALLOG_ADDRESS, else default */
    const char *db;        /* --db, else $CENTRALLOG_DB, else the collector's default */
    const char *db_origin; /* "--db" or "$CENTRALLOG_DB"; NULL when db is NULL */
    int color;             /* --color: -1 auto, 0 never, 1 always */
    int no_pager;          /* --no-pager: never page the output (pager.h) */
    /* The collector at the address took the connection but did not tell
     * its database in time: the defaults are read instead, and this says
     * why (a note, or part of the error when they do not exist). */
    const char *collector_note;
} cli_global;

typedef int (*cli_command_fn)(const cli_global *g, int argc, char **argv);

int cmd_send(const cli_global *g, int argc, char **argv);
int cmd_bench(const cli_global *g, int argc, char **argv);
int cmd_query(const cli_global *g, int argc, char **argv);
int cmd_tail(const cli_global *g, int argc, char **argv);
int cmd_stats(const cli_global *g, int argc, char **argv);
int cmd_rejects(const cli_global *g, int argc, char **argv);
int cmd_disk_usage(const cli_global *g, int argc, char **argv);
int cmd_export(const cli_global *g, int argc, char **argv);
int cmd_verify(const cli_global *g, int argc, char **argv);
int cmd_status(const cli_global *g, int argc, char **argv);
int cmd_rotate(const cli_global *g, int argc, char **argv);
int cmd_vacuum(const cli_global *g, int argc, char **argv);
int cmd_pipes(const cli_global *g, int argc, char **argv); /* Windows */

#endif
