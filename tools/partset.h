/* partset.h - the partitions a read covers, and reading them in order.
 *
 * --db names a catalog (a data directory's centrallog.db, schema v3) or a
 * database of entries (v1/v2, an export, one partition). A catalog lists
 * partitions (catalog.h); a reading command asks this module for the ones
 * its filter can match, opens them lazily and merges their rows in the
 * order of a single database: (ts, id) for entries, (received, id) for
 * rejects. A partition that cannot be read (missing, truncated, corrupt)
 * is skipped and named once through the set's warn function: the result
 * is then partial (CLI_PARTIAL).
 *
 * Nothing here prints; the warning goes through warn (report.c's). */
#ifndef CLI_PARTSET_H
#define CLI_PARTSET_H

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "filter.h"
#include "listing.h"
#include "output.h"

typedef struct cli_pset {
    cli_db top;         /* the --db file */
    cl_part_list parts; /* a catalog's partitions, by first_id; none for a single database */
    unsigned char *bad; /* per partition: found unreadable (and said so) */
    int partial;        /* some partition could not be read */
    const char *cmd;
    void (*warn)(const char *cmd, const char *path, const char *why);
    sqlite3_int64 data_version; /* of the catalog when listed */
    size_t opened;              /* partitions opened so far (tests: --debug-opens) */
    /* The reader drops the time range of a partition wholly inside it
     * (cli_part_scope) and bounds no full-text lookup in a live one, as
     * cli_pset_listing does: --explain shows those plans. */
    int scoped;
} cli_pset;

/* Whether top is a catalog (else the commands read top itself). */
int cli_pset_is_catalog(const cli_pset *ps);

/* Lists the catalog's partitions (again, after a change). Returns 0, or -1
 * with err. */
int cli_pset_list(cli_pset *ps, char *err, size_t errlen);

/* Whether the catalog changed since it was listed (PRAGMA data_version). */
int cli_pset_changed(cli_pset *ps);

/* Opens partition i; on failure marks it bad, warns once and returns -1. */
int cli_pset_open(cli_pset *ps, size_t i, cli_db *db);

/* Reports a read error in partition i (warned once; result partial). */
void cli_pset_failed(cli_pset *ps, size_t i, const char *why);

void cli_pset_free(cli_pset *ps);

/* Whether partition p may hold entries in f's time range: by its
 * [min_ts, max_ts] when known (closed ones; a live or sealing one whose
 * meta has min_ts and max_ts, see cli_pset_live_ranges); else always. */
int cli_part_overlaps(const cl_part *p, const cli_filter *f);

/* Whether every entry of p lies in f's time range: a closed partition
 * (its range is final) whose [min_ts, max_ts] is inside [since, until).
 * Such a partition is read without the range: no time term, no bounds for
 * the full-text lookup and no walk of the time index for the matches
 * outside them (see cli_filter_select) - the same rows, found from the
 * full-text index alone. */
int cli_part_within(const cl_part *p, const cli_filter *f);

/* The time range as f had it, while a partition is read without it. */
typedef struct cli_time_scope {
    int has_since, has_until;
} cli_time_scope;

/* Drops f's time range while the statement of p is built when p lies
 * wholly inside it (saving it in *saved); cli_part_unscope restores it. */
void cli_part_scope(const cl_part *p, cli_filter *f, cli_time_scope *saved);
void cli_part_unscope(cli_filter *f, const cli_time_scope *saved);

/* The times (received) the rejected lines of a closed partition p lie in:
 * they were read while it was live, between its creation and its sealing -
 * less a minute for lines still queued when it became live, and widened to
 * the catalog's received range. Returns 0 when p has no such range (live,
 * sealing). */
#define CLI_REJECT_SLACK_US (60LL * 1000000)
int cli_part_rejects_range(const cl_part *p, int64_t *lo, int64_t *hi);

/* Whether p may hold rejected lines in f's time range. */
int cli_part_has_rejects(const cl_part *p, const cli_filter *f);

/* --explain over a catalog: the partitions whose plans to show - the
 * newest closed one f selects (indexed), with ps->scoped also the newest
 * closed one wholly inside f's time range (read without it, see
 * cli_part_scope) apart from the newest cut by it, and the newest live or
 * sealing one (not indexed) - into pick, in the catalog's order; returns
 * how many. *selected: how many partitions f selects in all. */
#define CLI_EXPLAIN_PICKS 3
size_t cli_pset_explain_pick(const cli_pset *ps, const cli_filter *f,
                             size_t pick[CLI_EXPLAIN_PICKS], size_t *selected);

/* Reads the time range of each live or sealing partition from its meta
 * (keys min_ts and max_ts, kept by the collector in the transactions that
 * add rows), where it has them: such a partition is then selected and
 * opened by its range like a closed one. */
void cli_pset_live_ranges(cli_pset *ps);

/* ---------------------------------------------------------------- merge */

/* Builds the statement of partition i (of the set; open as db) into q:
 * rows in the merge's order. */
typedef int (*cli_merge_sql_fn)(void *ctx, size_t i, cli_db *db, cli_sql *q, char *err,
                                size_t errlen);

typedef struct cli_cursor {
    size_t part;
    cli_db db;
    sqlite3_stmt *st;
    int64_t ts, id; /* the current row's key */
    int rc;         /* of the first step, taken ahead of need (see prefetch) */
    cli_grep *grep; /* its own copy of the search, when stepped on another thread */
} cli_cursor;

typedef struct cli_merge {
    cli_pset *ps;
    size_t *order, n, next; /* partitions to read, in opening order */
    int64_t *bound;         /* per order slot: its first key's ts (asc) or last (desc) */
    cli_cursor **heap;
    size_t nheap;
    cli_cursor *cur;       /* returned last: stepped on at the next call */
    size_t open, max_open; /* partitions open now, and at most (fd use) */
    cli_cursor last;       /* the key returned last (has_last) */
    int has_last;
    int desc;
    cli_merge_sql_fn sql;
    void *ctx;
    /* Prefetch (cli_merge_prefetch): the first step of a partition's
     * statement - where SQLite does nearly all of the work of a sorted
     * search, materializing and sorting every match - is taken for the
     * next partitions ahead of need, one on a second thread and one on
     * this one while it waits, so that two cores share a listing that
     * spans several partitions. ahead[k]: order slot k opened and stepped
     * ahead (NULL: not); tried[k]: opened already (once only). */
    const cli_filter *prefetch;
    cli_cursor **ahead;
    unsigned char *tried;
    size_t prefetched; /* partitions stepped on the other thread (tests) */
    int working;       /* the thread runs, on slot worker_slot */
    size_t worker_slot;
    pthread_t worker;
} cli_merge;

/* Starts a merge over the partitions of ps that may match f (entries: by
 * time; rejects: by their reject range), newest first with desc; with
 * only (per partition, 0 or 1) not NULL, only over those marked. */
int cli_merge_start(cli_merge *m, cli_pset *ps, const cli_filter *f, int rejects, int desc,
                    const unsigned char *only, cli_merge_sql_fn sql, void *ctx);

/* Lets m take the first step of the next partitions' statements ahead of
 * need, on a second thread (see cli_merge): for a merge that reads every
 * partition it selects (no limit), on two or more CPUs. f is the filter
 * the sql function builds from: a search (--grep, --words) gets a copy of
 * its own in each partition stepped on the other thread, as its matching
 * keeps scratch space. The same rows, in the same order. */
void cli_merge_prefetch(cli_merge *m, const cli_filter *f);

/* The statement holding the next row in order, or NULL at the end. A
 * partition whose reading fails is skipped (cli_pset_failed). */
sqlite3_stmt *cli_merge_next(cli_merge *m);

void cli_merge_free(cli_merge *m);

/* A listing (listing.h) of entries or rejects over the partitions of ps,
 * written to out: the same rows in the same order as cli_listing_*_sql over
 * one database holding them all. With max_id >= 0, rows with a higher id
 * are left out (following continues from max_id). */
cli_list_status cli_pset_listing(cli_pset *ps, const cli_listing *l, int rejects, long long max_id,
                                 cli_output *out, size_t flush_bytes);

/* The largest entry id in the set (0 when empty), or -1 on error. */
long long cli_pset_max_id(cli_pset *ps);

#endif
