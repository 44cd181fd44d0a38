/* seal.h - turning a partition that no longer takes writes into its sealed,
 * immutable copy, and reading what a partition file holds. The keeper's
 * work (keeper.h), also used by start-up repair (repair.h).
 *
 * Sealing copies rather than indexes in place: the copy is built under a
 * temporary name nobody reads, so a crash at any moment leaves either the
 * old file (still listed, still complete) or a finished copy, and readers
 * never see a half-built index or a file changing under them. Copying rows
 * in id order into a fresh file also leaves it without free pages. */
#ifndef CL_SEAL_H
#define CL_SEAL_H

#include <stdatomic.h>
#include <stdint.h>

#include "catalog.h"

/* What a partition file (or a version 1/2 single database) holds. */
typedef struct cl_part_probe {
    int kind;                          /* enum cl_db_kind */
    int version;                       /* user_version */
    int sealed;                        /* meta sealed = 1 */
    int64_t first_id, last_id;         /* last: first - 1 when empty */
    int64_t first_reject, last_reject; /* likewise */
} cl_part_probe;

/* Reads path without changing it. A partition's first ids come from its
 * meta; a single database's from its smallest ids (1 when empty). */
int cl_part_probe_file(const char *path, cl_part_probe *out, char *err, size_t errlen);

/* S1: builds at tmp (replacing what is there) the sealed copy of src's
 * entries first_id..last_id and rejects first_reject..last_reject: the
 * partition schema, the rows in id order, the secondary indexes
 * (schema/sealed.sql), stats' counts per hour and meta rollup_hour_upto
 * (schema/rollup.sql), the full-text index rebuilt and optimized, meta
 * sealed = 1 and fts_indexed_upto, journal_mode DELETE, synced. src may be
 * a live partition or a version 1/2 single database. Without fts (--fts
 * off) the full-text index stays empty (fts_indexed_upto first_id - 1). A
 * non-zero *stop
 * interrupts it (returns -1, err says so). */
int cl_seal_build(const char *src, const char *tmp, int64_t first_id, int64_t last_id,
                  int64_t first_reject, int64_t last_reject, int fts, atomic_int *stop, char *err,
                  size_t errlen);

/* The catalog's facts of a sealed file: ranges (has_range when it holds an
 * entry), entries, rejects, bytes, fts_complete. */
int cl_seal_facts(const char *path, cl_part *facts, char *err, size_t errlen);

#endif
