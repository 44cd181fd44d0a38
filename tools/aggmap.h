/* aggmap.h - counts per key (app, host, minute), for `centrallog stats`.
 *
 * An open-addressing hash table keyed by bytes; each key keeps one counter
 * per level. Keys are copied; a NULL key (an entry without host) is a key of
 * its own. */
#ifndef CLI_AGGMAP_H
#define CLI_AGGMAP_H

#include <stddef.h>
#include <stdint.h>

#include "level.h"

typedef struct cli_agg {
    char *key; /* NULL for the NULL key */
    size_t len;
    uint64_t hash;
    int64_t total;
    int64_t level[CL_LVL_COUNT];
} cli_agg;

typedef struct cli_aggmap {
    cli_agg **slots; /* capacity is a power of two */
    size_t cap, n;
    cli_agg *last; /* the last key counted: rows often repeat it */
    int oom;
} cli_aggmap;

/* Counts one entry of level under key (NULL for the NULL key). Returns 0,
 * or -1 when out of memory (then oom is set and the count is lost). */
int cli_agg_add(cli_aggmap *m, const void *key, size_t len, int level);

/* Counts n entries of level under key at once (a rollup's row). */
int cli_agg_add_n(cli_aggmap *m, const void *key, size_t len, int level, int64_t n);

/* Adds every count of src to dst. Returns 0, or -1 when out of memory. */
int cli_agg_merge(cli_aggmap *dst, const cli_aggmap *src);

/* The aggregates as a new array, largest total first, ties by key bytes;
 * *n gets the count. NULL when empty or out of memory. The array is the
 * caller's (free it), the aggregates stay the map's. */
cli_agg **cli_agg_sorted(const cli_aggmap *m, size_t *n);

/* NULL-safe. */
void cli_aggmap_free(cli_aggmap *m);

#endif
