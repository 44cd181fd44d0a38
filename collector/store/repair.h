/* repair.h - the data directory at start: migration of a version 1/2
 * single database (M1-M3), the catalog opened or created, what interrupted
 * steps left behind put right (keeper.h, cl_keeper_sweep), and the live
 * partition found or started. Runs before the writer and keeper threads. */
#ifndef CL_REPAIR_H
#define CL_REPAIR_H

#include <sqlite3.h>
#include <stdint.h>

#include "keeper.h"

typedef struct cl_store_live {
    int64_t seq;      /* the live row */
    int64_t first_id; /* its first ids */
    int64_t first_reject;
    int64_t created;   /* µs: when it was started (--db-rotate-age counts from it) */
    char path[4200];   /* its file */
    char rel[256];     /* as the catalog names it */
    int migrated_from; /* schema version of a single database migrated now; 0: none */
} cl_store_live;

/* Prepares the data directory of the catalog at catalog_path and returns
 * the catalog connection (the writer's, for rotations) and the live
 * partition. Repairs are counted into st. Returns 0, or -1 with err. */
int cl_store_prepare(const char *catalog_path, sqlite3 **cat, cl_store_live *live,
                     cl_keeper_stats *st, char *err, size_t errlen);

#endif
