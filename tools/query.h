/* query.h - what cmd_query.c shares with the other reading subcommands. */
#ifndef CLI_QUERY_H
#define CLI_QUERY_H

#include <sqlite3.h>

#include "cli.h"
#include "output.h"

/* The columns cli_entry_read expects, in order. */
#define CLI_ENTRY_COLUMNS                                                                          \
    "id, ts, received, level, app, host, pid, tid, logger, trace_id, span_id, msg, "               \
    "fields, extra, peer_pid, peer_uid, peer_gid, json_valid(fields), json_valid(extra)"

/* Fills e from the current row of st (CLI_ENTRY_COLUMNS). The strings point
 * into st and are valid until the next step or reset. */
void cli_entry_read(sqlite3_stmt *st, cli_entry *e);

/* query and tail share everything; tail only changes the defaults. */
int cli_query_main(const cli_global *g, int argc, char **argv, int tail);

/* Parses a count for -n/--limit: digits, or "all" when allow_all (-1).
 * Returns 0 or -1. */
int cli_parse_count(const char *s, int allow_all, long long *out);

/* Writes out's buffer; on a write error prints why (nothing for EPIPE: the
 * reader, e.g. head(1), has all it wanted) and returns the exit code to use
 * (CLI_OK for EPIPE), else -1 to go on. */
int cli_output_write(cli_output *out, size_t min, const char *cmd);

#endif
