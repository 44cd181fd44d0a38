/* catalog.h - reading the catalog of a data directory: the list of its
 * partitions, in id order, with what is known of each (schema/catalog.sql).
 * The collector's writing side is catalog_write.h. */
#ifndef CL_CATALOG_H
#define CL_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

enum cl_part_state { CL_PART_LIVE, CL_PART_SEALING, CL_PART_CLOSED, CL_PART_DELETING };

typedef struct cl_part {
    int64_t seq;
    char *path; /* ready to open: the catalog's directory joined with rel */
    char *rel;  /* as the catalog stores it */
    enum cl_part_state state;
    int64_t first_id, last_id;         /* last_id -1 while live */
    int64_t first_reject, last_reject; /* likewise */
    int has_range;                     /* min/max_ts and min/max_received are set */
    int64_t min_ts, max_ts, min_received, max_received;
    int64_t entries, rejects, bytes; /* -1 unless closed */
    int fts_complete;
    int64_t created, sealed; /* sealed -1 unless closed */
} cl_part;

typedef struct cl_part_list {
    cl_part *v;
    size_t n;
} cl_part_list;

/* Reads the partitions of the catalog open at h, whose file is at
 * catalog_path (relative paths in it are resolved against its directory),
 * skipping those being deleted, ordered by first_id. Returns 0, or -1 with a
 * one-line reason in err (and an empty list). */
int cl_catalog_list(sqlite3 *h, const char *catalog_path, cl_part_list *out, char *err,
                    size_t errlen);

/* The same with with_deleting: also the partitions being deleted (the
 * collector finishes their removal). */
int cl_catalog_list_all(sqlite3 *h, const char *catalog_path, int with_deleting, cl_part_list *out,
                        char *err, size_t errlen);

void cl_part_list_free(cl_part_list *l);

/* The partitions' folder of a catalog: its path with a final ".db" replaced
 * by ".d" (else ".d" appended): data/centrallog.db -> data/centrallog.d.
 * Returns 0, or -1 if it does not fit in outlen. */
int cl_catalog_parts_dir(const char *catalog_path, char *out, size_t outlen);

/* The state's name as the catalog stores it, and back (-1: unknown). */
const char *cl_part_state_name(enum cl_part_state s);
int cl_part_state_parse(const char *name);

#endif
