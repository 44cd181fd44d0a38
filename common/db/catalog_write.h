/* catalog_write.h - changes to the catalog of partitions and the partitions'
 * file names. The collector's only (readers use catalog.h); STORAGE design
 * and crash-safety steps: docs/DESIGN.md, "Storage".
 *
 * Every function takes an open catalog connection and returns 0, or -1 with
 * err; none opens a transaction unless it says so, so that a caller can make
 * several changes atomic. */
#ifndef CL_CATALOG_WRITE_H
#define CL_CATALOG_WRITE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"

/* Room for any partition file name below (with its NUL). */
#define CL_PART_NAME_MAX 96

/* What a file name in the partitions directory says it is. */
enum cl_part_file {
    CL_PF_OTHER = 0, /* not a partition's name: left alone */
    CL_PF_LIVE,      /* live-<first id>.db */
    CL_PF_CLOSED,    /* <min ts>--<max ts>-<first id>.db */
    CL_PF_MIGRATED,  /* v2-<first id>.db: a former single database */
    CL_PF_SEAL_TMP   /* .seal-<first id>.tmp: a seal in progress */
};

/* The names, first id in 20 digits so that they sort in id order. */
void cl_part_live_name(int64_t first_id, char out[CL_PART_NAME_MAX]);
void cl_part_closed_name(int64_t min_ts, int64_t max_ts, int64_t first_id,
                         char out[CL_PART_NAME_MAX]);
void cl_part_migrated_name(int64_t first_id, char out[CL_PART_NAME_MAX]);
void cl_part_seal_tmp_name(int64_t first_id, char out[CL_PART_NAME_MAX]);
/* Which of those a name is, and its first id. */
enum cl_part_file cl_part_name_parse(const char *name, int64_t *first_id);

/* The catalog-relative path of a file in the partitions directory
 * ("centrallog.d/NAME" for catalog "DATA/centrallog.db"). 0, or -1 when it
 * does not fit. */
int cl_part_rel_path(const char *catalog_path, const char *name, char *out, size_t outlen);

/* Opens (creating) the catalog file read-write: WAL, a busy timeout for the
 * keeper's and the writer's connections, foreign files refused. A new or empty
 * file gets the catalog schema. *created says whether it had to. */
int cl_catw_open(const char *catalog_path, sqlite3 **out, int *created, char *err, size_t errlen);

/* Adds a partition row (last_id/last_reject -1: NULL) and returns its seq. */
int cl_catw_add(sqlite3 *h, const char *rel, enum cl_part_state state, int64_t first_id,
                int64_t last_id, int64_t first_reject, int64_t last_reject, int64_t created_us,
                int64_t *seq, char *err, size_t errlen);

/* R2, one transaction: the live row seq becomes 'sealing' with its last ids,
 * and a new 'live' row for rel starts after them. */
int cl_catw_rotate(sqlite3 *h, int64_t seq, int64_t last_id, int64_t last_reject,
                   const char *new_rel, int64_t now_us, int64_t *new_seq, char *err, size_t errlen);

/* S3: a 'sealing' row becomes 'closed' at its final path with its facts
 * (has_range, ranges, entries, rejects, bytes, fts_complete of p). Changes
 * nothing (and returns 1) if the row is not 'sealing' any more. */
int cl_catw_close(sqlite3 *h, int64_t seq, const char *rel, const cl_part *p, int64_t now_us,
                  char *err, size_t errlen);

/* D1: a row becomes 'deleting' if it is in state from; returns 1 if it was
 * not. D3: the row is deleted. */
int cl_catw_mark_deleting(sqlite3 *h, int64_t seq, enum cl_part_state from, char *err,
                          size_t errlen);
int cl_catw_delete(sqlite3 *h, int64_t seq, char *err, size_t errlen);

/* Every row, 'deleting' ones included, ordered by first_id (cl_catalog_list
 * skips those). */
int cl_catw_list_all(sqlite3 *h, const char *catalog_path, cl_part_list *out, char *err,
                     size_t errlen);

/* A forwarding destination's cursor (forward_cursors, schema/catalog.sql):
 * the last entry id it confirmed and the entries retention removed before
 * they were sent. get returns 1 with both set, 0 when the destination has
 * none yet, or -1 with err. put writes both (one statement: its own
 * transaction unless the caller holds one). */
int cl_catw_cursor_get(sqlite3 *h, const char *dest, int64_t *last_id, int64_t *expired, char *err,
                       size_t errlen);
int cl_catw_cursor_put(sqlite3 *h, const char *dest, int64_t last_id, int64_t expired,
                       int64_t now_us, char *err, size_t errlen);

#endif
