/* dbschema.h - the DDL of the database format and how to tell its files
 * apart. One owner for what the collector writes and the CLI reads: the
 * texts are schema/partition.sql, schema/sealed.sql and schema/catalog.sql,
 * compiled in (common/db/CMakeLists.txt).
 *
 * A data directory is a catalog (the file --db names) listing partitions
 * (docs/DESIGN.md, "Storage"); a version 1 or 2 database is a single file
 * holding everything, and so is a file written by `centrallog export`. */
#ifndef CL_DBSCHEMA_H
#define CL_DBSCHEMA_H

#include <sqlite3.h>

#include "dbformat.h"

/* PRAGMA user_version of catalogs and partitions. */
#define CL_DB_LAYOUT_VERSION 3

/* PRAGMA user_version of a catalog: 4 adds forward_cursors (forwarding,
 * schema/FORWARDING.md); cl_catw_open migrates a version 3 catalog. Its
 * partitions stay at CL_DB_LAYOUT_VERSION. */
#define CL_DB_CATALOG_VERSION 4

/* A partition's tables and meta rows, without secondary indexes. */
extern const char cl_db_partition_sql[];
/* The secondary indexes a sealed partition (and an export) gets. */
extern const char cl_db_sealed_sql[];
/* The counts stats reads (rollup_hour) of a sealed partition, filled from
 * its entries, and meta rollup_hour_upto: run once, after cl_db_sealed_sql. */
extern const char cl_db_rollup_sql[];
#define CL_DB_ROLLUP_KEY "rollup_hour_upto"
/* A catalog's tables and meta rows. */
extern const char cl_db_catalog_sql[];

/* What a CentralLog-readable SQLite file is. */
enum cl_db_kind {
    CL_DBK_ERROR = -3,      /* could not be read (I/O, locking, ...) */
    CL_DBK_NOT_SQLITE = -2, /* not an SQLite database at all */
    CL_DBK_FOREIGN = -1,    /* SQLite, but not CentralLog's (application_id) */
    CL_DBK_SINGLE = 0,      /* one database of everything: version 1 or 2, or an export */
    CL_DBK_CATALOG = 1,     /* a version 3 catalog */
    CL_DBK_PARTITION = 2    /* a version 3 partition */
};

/* Reads the application_id, user_version and, from version 3 on, meta.kind
 * of the database open at h. *version is user_version (0 when unreadable);
 * *rc the SQLite result code of the failure, SQLITE_OK otherwise. A version
 * 3 file without a known kind is CL_DBK_FOREIGN. */
enum cl_db_kind cl_db_kind_of(sqlite3 *h, int *version, int *rc);

/* The first column of the first row of sql (0 when there is none): an SQLite
 * result code. For PRAGMAs and counts. */
int cl_db_query_int(sqlite3 *h, const char *sql, long long *out);

/* What to add to sqlite3_errmsg(h) so that an operator sees a full disk
 * for what it is: SQLite reports some writes that failed for want of space
 * (a new -shm, a WAL frame) as "disk I/O error", with ENOSPC (Windows:
 * ERROR_DISK_FULL) only in its system errno. "" otherwise. */
const char *cl_db_full_hint(sqlite3 *h);

/* The kind's name for messages: "catalog", "partition", ... */
const char *cl_db_kind_name(enum cl_db_kind k);

#endif
