/* rows.h - decoding the rows of the database's entries and rejects tables
 * into plain structs, for the output layer (output.h) to format.
 *
 * The column lists live here, next to the code that reads them by position,
 * so that a statement and its decoder can never disagree. */
#ifndef CLI_ROWS_H
#define CLI_ROWS_H

#include <sqlite3.h>

#include "db.h"
#include "shown.h"

/* The columns cli_entry_read expects, in order, for db: the last is
 * peer_sid, or NULL in a version 1 database. */
const char *cli_entry_columns(const cli_db *db);

/* Fills e from the current row of st (cli_entry_columns). The strings point
 * into st and are valid until the next step or reset. */
void cli_entry_read(sqlite3_stmt *st, cli_entry *e);

/* The same for rejects (cli_reject_columns, cli_reject_read). */
const char *cli_reject_columns(const cli_db *db);
void cli_reject_read(sqlite3_stmt *st, cli_reject *r);

#endif
