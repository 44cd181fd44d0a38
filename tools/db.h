/* db.h - opening the collector's database for reading, and only reading.
 *
 * The file is opened through a "file:...?mode=ro" URI with query_only on, so
 * no code path can write it. It works while the collector writes (WAL
 * readers never block the writer) and on a copied file. A copy in a place
 * where the reader cannot create the WAL index (-shm), e.g. a read-only
 * directory, is opened with immutable=1 instead: no locking, and whatever is
 * still in its -wal file is not seen, which we say. */
#ifndef CLI_DB_H
#define CLI_DB_H

#include <sqlite3.h>

#include "cli.h"

#include "catalog.h"  /* the partitions of a data directory */
#include "dbformat.h" /* the file's identity, version and default paths */
#include "dbschema.h" /* the kinds of file */

/* The newest schema this reader reads: version 3 is a catalog and its
 * partitions, whose tables are version 2's; a version 4 catalog adds the
 * forwarders' cursors and nothing a reader uses. */
#define CLI_DB_MAX_VERSION CL_DB_CATALOG_VERSION

#define CLI_SYSTEM_ORIGIN "the system collector's default"

typedef struct cli_db {
    sqlite3 *h;
    const char *path;   /* borrowed from the options or the environment */
    const char *origin; /* where path came from: "--db", "$CENTRALLOG_DB", ... */
    int immutable;      /* opened with immutable=1: no live updates */
    int version;        /* PRAGMA user_version: the schema's version */
    int kind;           /* enum cl_db_kind: a catalog, or a database of entries */
} cli_db;

/* Where the database is: --db, else $CENTRALLOG_DB, else the collector's
 * default ($CENTRALLOG_DATA_DIR/centrallog.db, else ./var/centrallog.db).
 * The returned path lives as long as g and the environment. */
const char *cli_db_path(const cli_global *g, const char **origin);

/* Opens and checks the database. Returns CLI_OK, or CLI_FAILED with the
 * one-line reason in err. */
int cli_db_open(const cli_global *g, cli_db *db, char *err, size_t errlen);

/* Whether db, opened as a snapshot (immutable), has a -wal file with
 * entries it does not see - worth a note to the user. Sets wal to the -wal
 * file's path either way. */
int cli_db_misses_wal(const cli_db *db, char *wal, size_t len);

/* Opens partition p of a catalog for reading: a closed one immutable
 * (no locks, no -shm: it never changes), a live or sealing one as a WAL
 * reader. Returns CLI_OK, or CLI_FAILED with what is wrong with the file
 * in err ("is missing", "is truncated ...", "is corrupt ..."), to follow
 * its name. */
int cli_db_open_part(cli_db *db, const cl_part *p, char *err, size_t errlen);

/* NULL-safe, and safe on a half-opened db. */
void cli_db_close(cli_db *db);

/* The largest id in entries (0 when empty), or -1 on error. */
long long cli_db_max_id(cli_db *db);

#endif
