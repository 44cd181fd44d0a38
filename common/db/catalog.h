/* catalog.h - reading the catalog: the closed partitions of a data
 * directory, listed in its live database (schema/catalog.sql), in id order,
 * with what is known of each, and where the live rows begin. The
 * collector's writing side is catalog_write.h.
 *
 * Read the list and the live rows in one read transaction on the live
 * database (BEGIN ... COMMIT around both): a rotation moves rows out of the
 * live database and lists their partition in one commit, so a reader in one
 * snapshot sees every row exactly once. */
#ifndef CL_CATALOG_H
#define CL_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

enum cl_part_state { CL_PART_CLOSED, CL_PART_DELETING };

typedef struct cl_part {
    int64_t seq;
    char *path; /* ready to open: the live database's directory joined with rel */
    char *rel;  /* as the catalog stores it */
    enum cl_part_state state;
    int64_t first_id, last_id;         /* entry ids, inclusive */
    int64_t first_reject, last_reject; /* reject ids, inclusive (empty: last < first) */
    int has_range;                     /* min/max_ts and min/max_received are set (entries > 0) */
    int64_t min_ts, max_ts, min_received, max_received;
    int64_t entries, rejects, bytes;
    int fts_complete;
    int64_t created, sealed;
} cl_part;

typedef struct cl_part_list {
    cl_part *v;
    size_t n;
    /* Live rows with a smaller id are in a closed partition already (the
     * collector deletes them from the live database in chunks): ignore
     * them. */
    int64_t live_from_id, live_from_reject;
} cl_part_list;

/* Reads the closed partitions listed in the live database open at h, whose
 * file is at live_path (relative paths are resolved against its directory),
 * skipping those being deleted, ordered by first_id; and live_from_*.
 * Returns 0, or -1 with a one-line reason in err (and an empty list). */
int cl_catalog_list(sqlite3 *h, const char *live_path, cl_part_list *out, char *err, size_t errlen);

void cl_part_list_free(cl_part_list *l);

/* The partitions' folder: the live database's path with a final ".db"
 * replaced by ".d" (else ".d" appended): data/centrallog.db ->
 * data/centrallog.d. Returns 0, or -1 if it does not fit in outlen. */
int cl_catalog_parts_dir(const char *live_path, char *out, size_t outlen);

/* The state's name as the catalog stores it, and back (-1: unknown). */
const char *cl_part_state_name(enum cl_part_state s);
int cl_part_state_parse(const char *name);

#endif
