/* sink_sqlite.h - the SQLite database. Used only by the writer thread. */
#ifndef CL_SINK_SQLITE_H
#define CL_SINK_SQLITE_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* The partition format: common/db (shared with the CLI). */
#include "dbformat.h"

typedef struct cl_db cl_db;

typedef struct cl_db_stats {
    uint64_t entries; /* rows inserted by this process */
    uint64_t rejects;
    uint64_t commits;
    uint64_t errors;     /* failed statements/commits (retried) */
    int64_t fts_indexed; /* highest entry id in the full-text index: first id - 1 (live) */
    int64_t last_id;     /* highest entry id written */
    int last_error;      /* SQLite result code of the last error */
    int migrated_from;   /* schema version migrated from on open; 0: none */
    /* A new database was started at the path because the file was deleted
     * or replaced under us (reopens), or found damaged and renamed aside
     * (corrupt). What the last such event left behind: */
    uint64_t reopens, corrupt;
    int64_t gone_entries; /* reopen: highest entry id in the vanished file */
    int64_t gone_rejects; /* reopen: highest reject id in the vanished file */
    int gone_wal_only;    /* reopen: only the WAL had vanished (its pages were copied back) */
    int gone_shm_only;    /* reopen: only the -shm index had vanished or been replaced */
    char aside[48];       /* corrupt: suffix of the renamed file, "corrupt-<UTC time>" */
    char damage[160];     /* corrupt: what SQLite said about the file */
} cl_db_stats;

/* What cl_db_check finds at the path. */
enum cl_db_fault {
    CL_DB_FINE = 0,
    CL_DB_GONE,   /* the path no longer names the open database, its WAL or -shm */
    CL_DB_DAMAGED /* SQLite reported the file corrupt or not a database */
};

/* Opens or creates the live partition at path. A new (or empty) file gets
 * the partition schema with first_id and first_reject in its meta; an
 * existing one must be a partition of this layout version (anything else is
 * refused, left untouched). Ids are then assigned from the larger of the
 * first ids and what the file holds. A damaged CentralLog file (SQLite says
 * corrupt or not a database, or PRAGMA quick_check fails on a file up to
 * CL_DB_QUICK_CHECK_MAX bytes) is renamed aside with its WAL and
 * shared-memory files - never modified - and a new one is started at the
 * path (stats: corrupt, aside); a damaged file that does not carry
 * CentralLog's application_id is refused instead. */
int cl_db_open(cl_db **out, const char *path, int64_t first_id, int64_t first_reject, char *err,
               size_t errlen);

/* quick_check reads every page: about 1.3 s per GiB from the page cache. A
 * larger file is not checked at start; damage there is still found by the
 * error codes of the first statements and of every insert and commit. */
#define CL_DB_QUICK_CHECK_MAX (1024ULL * 1024 * 1024)

/* Bounds the WAL file SQLite keeps after a checkpoint restarts it
 * (PRAGMA journal_size_limit); kept across cl_db_replace. */
void cl_db_set_journal_limit(cl_db *db, int64_t bytes);

/* Whether the path still names the files open: three stat() calls, cheap
 * enough for every commit. CL_DB_FINE or CL_DB_GONE. A closed database (a
 * failed cl_db_replace) is CL_DB_GONE. */
enum cl_db_fault cl_db_check(cl_db *db);

/* Whether an SQLite result code of this module says the file is damaged. */
int cl_db_is_damage(int rc);

/* Starts over at the path after a fault: CL_DB_GONE notes how many rows were
 * only in the vanished file (stats: reopens, gone_*) - copying back first what
 * a removed WAL still holds - and opens what the path names now, creating a
 * new database; CL_DB_DAMAGED renames the damaged files aside (stats:
 * corrupt, aside, damage) and creates a new one. The open transaction, if
 * any, is lost with the old connection. Returns 0, or -1 with err: the
 * database is then closed, every call fails with SQLITE_CANTOPEN, and the
 * next cl_db_replace tries again. */
int cl_db_replace(cl_db *db, enum cl_db_fault why, char *err, size_t errlen);

/* Whether a connection is open (a failed cl_db_replace leaves none). */
int cl_db_is_open(const cl_db *db);

int cl_db_begin(cl_db *db);
/* Inserts an entry or a reject. SQLite result code. */
int cl_db_insert(cl_db *db, const cl_record *r);
int cl_db_commit(cl_db *db);
void cl_db_rollback(cl_db *db);

/* The ids the next entry and the next reject will get (the writer's
 * rotation closes the partition just below them). */
void cl_db_next_ids(const cl_db *db, int64_t *next_id, int64_t *next_reject);

/* A rotation's new file continues the old one's counters (rows, commits,
 * errors, ...); its own ids stay. */
void cl_db_carry_stats(cl_db *to, const cl_db *from);

/* R3: folds the WAL into the file (TRUNCATE checkpoint: the closed-to-be
 * file is complete on its own) and closes. A reader holding a snapshot of
 * the file makes the checkpoint SQLITE_BUSY at once rather than hold the
 * writer; the WAL then stays beside the file. NULL-safe. SQLite result code
 * of the checkpoint. */
int cl_db_truncate_close(cl_db *db);

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

#endif
