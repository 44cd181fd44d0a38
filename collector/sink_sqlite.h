/* sink_sqlite.h - the SQLite database. Used only by the writer thread. */
#ifndef CL_SINK_SQLITE_H
#define CL_SINK_SQLITE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* user_version of the schema this collector writes; older versions are
 * migrated on open (sink_sqlite.c), newer ones refused. */
#define CL_DB_SCHEMA_VERSION 2
#define CL_DB_APPLICATION_ID 1129074503 /* 'CLOG' */

typedef struct cl_db cl_db;

typedef struct cl_db_stats {
    uint64_t entries; /* rows inserted by this process */
    uint64_t rejects;
    uint64_t commits;
    uint64_t errors;     /* failed statements/commits (retried) */
    int64_t fts_indexed; /* highest entry id in the full-text index */
    int64_t last_id;     /* highest entry id written */
    int last_error;      /* SQLite result code of the last error */
    int migrated_from;   /* schema version migrated from on open; 0: none */
} cl_db_stats;

/* Opens or creates the database, applies the schema (a new file), migrates an
 * older schema to CL_DB_SCHEMA_VERSION in one transaction, or refuses a newer
 * one or a foreign file (leaving it untouched); then prepares every
 * statement. */
int cl_db_open(cl_db **out, const char *path, char *err, size_t errlen);

int cl_db_begin(cl_db *db);
/* Inserts an entry or a reject. SQLite result code. */
int cl_db_insert(cl_db *db, const cl_record *r);
int cl_db_commit(cl_db *db);
void cl_db_rollback(cl_db *db);

/* Adds up to max_rows not-yet-indexed entries to the full-text index in a
 * transaction of its own. Returns rows indexed (0: up to date) or -1. */
int cl_db_fts_step(cl_db *db, int max_rows);

/* Pages in the write-ahead log after the last commit (SQLite's WAL hook).
 * Automatic checkpoints are off: the writer hands them to checkpoint.c. */
int cl_db_wal_pages(const cl_db *db);

/* Checkpoints on the writer's own connection: the fallback when the WAL has
 * grown far beyond what the checkpoint thread keeps up with. */
void cl_db_checkpoint(cl_db *db);

const char *cl_db_errmsg(cl_db *db);
/* English text of an SQLite result code; safe from any thread. */
const char *cl_db_errstr(int code);
void cl_db_get_stats(const cl_db *db, cl_db_stats *st);
void cl_db_close(cl_db *db);

/* The schema text compiled from schema/centrallog.sql. */
extern const char cl_schema_sql[];

#endif
