/* TEMPORARY shim of common/db/catalog.h (STORAGE.md API) until main has it. */
#ifndef CL_CATALOG_H
#define CL_CATALOG_H
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
enum cl_part_state { CL_PART_LIVE, CL_PART_SEALING, CL_PART_CLOSED, CL_PART_DELETING };
typedef struct cl_part {
    int64_t seq;
    char *path;
    char *rel;
    enum cl_part_state state;
    int64_t first_id, last_id;
    int64_t first_reject, last_reject;
    int has_range;
    int64_t min_ts, max_ts, min_received, max_received;
    int64_t entries, rejects, bytes;
    int fts_complete;
    int64_t created, sealed;
} cl_part;
typedef struct cl_part_list { cl_part *v; size_t n; } cl_part_list;
int cl_catalog_list(sqlite3 *h, const char *catalog_path, cl_part_list *out, char *err, size_t errlen);
void cl_part_list_free(cl_part_list *l);
int cl_catalog_parts_dir(const char *catalog_path, char *out, size_t outlen);
#endif
