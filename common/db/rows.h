/* rows.h - the rows of a CentralLog database's entries and rejects tables
 * (schema/partition.sql; versions 1 and 2 alike) as plain structs: the one
 * place that knows the column lists and decodes a row by position, so that a
 * statement and its decoder can never disagree. The CLI formats these
 * records (tools/output.h); a partition, a single database and an export
 * read alike.
 *
 * The strings point into the statement: valid until its next step or reset. */
#ifndef CL_DB_ROWS_H
#define CL_DB_ROWS_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* A stored string; p == NULL for SQL NULL. */
typedef struct cl_row_str {
    const char *p;
    size_t n;
} cl_row_str;

/* Who sent a row, as the operating system said (the peer_* columns): PID,
 * UID and GID on POSIX; PID and user SID on Windows. */
typedef struct cl_row_peer {
    int has_pid, has_uid, has_gid;
    int64_t pid, uid, gid;
    cl_row_str sid;
} cl_row_peer;

/* One row of entries. */
typedef struct cl_row_entry {
    int64_t id, ts, received;
    int level;
    cl_row_str app, host, logger, trace_id, span_id, msg, fields, extra;
    int has_pid, has_tid;
    int64_t pid, tid;
    cl_row_peer peer;
    int fields_json, extra_json; /* the column holds valid JSON */
} cl_row_entry;

/* One row of rejects: a line the collector refused. raw holds the first
 * bytes of the line (at most 4 KiB), raw_len its whole length. */
typedef struct cl_row_reject {
    int64_t id, received, raw_len;
    cl_row_peer peer;
    cl_row_str reason, message, raw;
} cl_row_reject;

/* The columns cl_row_entry_read expects, in order, for a database of
 * schema version `version` (PRAGMA user_version): id and ts first (readers
 * merging partitions key on them); the last is peer_sid, or NULL in a
 * version 1 database. */
const char *cl_row_entry_columns(int version);

/* Fills e from the current row of st (cl_row_entry_columns). */
void cl_row_entry_read(sqlite3_stmt *st, cl_row_entry *e);

/* The same for rejects: id and received first. */
const char *cl_row_reject_columns(int version);
void cl_row_reject_read(sqlite3_stmt *st, cl_row_reject *r);

#endif
