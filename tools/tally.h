/* tally.h - the counting behind `centrallog stats`: one pass over the
 * matching entries feeds three hash tables - app, host and UTC minute - and
 * the counts by level; the minutes are then summed into the buckets of the
 * chart (local minutes, hours or days). That is one scan instead of a GROUP
 * BY per question, and it keeps the interval boundaries in local time, DST
 * included. A long range is counted in parallel (tally.c).
 *
 * Nothing here prints: failures come back as a code and one line in err. */
#ifndef CLI_TALLY_H
#define CLI_TALLY_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "aggmap.h"
#include "catalog.h"
#include "cli.h"
#include "filter.h"
#include "level.h"

#define CLI_MAX_BARS 2000 /* buckets of one chart at most */

typedef struct cli_tally {
    int64_t total, level[CL_LVL_COUNT];
    int64_t first_ts, last_ts; /* of the rows seen */
    cli_aggmap apps, hosts, minutes;
    int64_t rejected; /* rejects received in the range; -1 unknown */
    /* Set by the caller before counting: whether a sealed partition's
     * counts per hour (rollup_hour, schema/rollup.sql) may stand for its
     * rows. Such an hour is counted in minutes at its first minute: right
     * only if the whole hour falls in one bucket of the chart, which the
     * caller checks afterwards (cli_tally_fits). */
    int use_rollup;
    cli_aggmap rolled; /* the hours so counted (key: the start); n 0: none */
} cli_tally;

typedef struct cli_bucket {
    int64_t start, total, level[CL_LVL_COUNT];
} cli_bucket;

/* The statement that selects what a tally reads (for --explain). */
void cli_tally_sql(const cli_filter *f, cli_sql *q);

/* The statement that counts partition h's matches of f from its counts
 * per hour where it can (see cli_tally_count), else cli_tally_sql's. */
void cli_tally_part_sql(sqlite3 *h, const cli_filter *f, int use_rollup, cli_sql *q);

/* Counts the rows of h that match f into t (zeroed by the caller), in
 * parallel when worth it: then each thread opens on its own the partition
 * cp, or the database of g when cp is NULL. With t->use_rollup, a sealed
 * partition whose counts per hour are complete (meta rollup_hour_upto) and
 * a filter they answer (time, level, app, host) is read from them for the
 * whole UTC hours inside f's range, and row by row for the rest of the
 * range, in one statement. Returns CLI_OK, or CLI_FAILED with err. */
int cli_tally_count(const cli_global *g, const cl_part *cp, sqlite3 *h, const cli_filter *f,
                    cli_tally *t, char *err, size_t errlen);

/* Adds the counts of p to s (a tally of other rows: other partitions). */
void cli_tally_merge(cli_tally *s, const cli_tally *p);

/* Whether f filters by time alone: only then does the count of rejected
 * lines (which have no level, app or host) belong next to the tally. */
int cli_tally_time_only(const cli_filter *f);

/* The lines rejected in f's time range (by when the collector read them),
 * or -1 when they cannot be counted. */
int64_t cli_tally_rejects(sqlite3 *h, const cli_filter *f);

/* The bucket for a range when --by is not given: unit (enum
 * cli_time_unit) times step, the smallest of 1, 5, 10, 15, 30 minutes, 1,
 * 2, 3, 6, 12 hours, 1 or 7 days (else more days) that draws at most
 * CLI_AUTO_BARS bars. */
#define CLI_AUTO_BARS 60
void cli_tally_auto_step(int64_t lo, int64_t hi, int utc, int *unit, int *step);

/* The buckets of step units covering [lo, hi) in local time (UTC with utc), each
 * with the counts of t's minutes in it, into *out (the caller frees it).
 * Returns how many, or -1 when more than CLI_MAX_BARS would be needed or
 * memory ran out. */
long cli_tally_buckets(const cli_tally *t, int64_t lo, int64_t hi, int unit, int step, int utc,
                       cli_bucket **out);

/* Whether every hour t counted from a rollup lies wholly inside one bucket
 * of unit (enum cli_time_unit) in local time (UTC with utc): always for
 * hours and days in a zone whose offset is whole hours, never for minutes.
 * Only the unit's own boundaries are checked, a superset of the buckets'
 * (which are whole multiples of it). When not, the caller counts again
 * with use_rollup 0. */
int cli_tally_fits(const cli_tally *t, int unit, int utc);

void cli_tally_free(cli_tally *t);

#endif
