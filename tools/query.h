/* query.h - what cmd_query.c shares with the other reading subcommands. */
#ifndef CLI_QUERY_H
#define CLI_QUERY_H

#include <sqlite3.h>

#include "cli.h"
#include "db.h"
#include "output.h"

/* The columns cli_entry_read expects, in order, for db: the last is
 * peer_sid, or NULL in a version 1 database. */
const char *cli_entry_columns(const cli_db *db);

/* Fills e from the current row of st (cli_entry_columns). The strings point
 * into st and are valid until the next step or reset. */
void cli_entry_read(sqlite3_stmt *st, cli_entry *e);

/* Fills p from the columns peer_pid, peer_uid, peer_gid at first and on,
 * and peer_sid at sid (in st's row, like cli_entry_read). */
void cli_peer_read(sqlite3_stmt *st, int first, int sid, cli_peer *p);

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
