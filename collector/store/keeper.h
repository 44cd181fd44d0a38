/* keeper.h - the keeper thread: housekeeping of the partitions behind the
 * writer, at low priority (docs/DESIGN.md, "Storage").
 *
 * It seals each 'sealing' partition by copy (S1 build .seal-<id>.tmp with
 * indexes and a complete full-text index, S2 rename it to its final name,
 * S3 close its catalog row, S4 remove the former live file), removes
 * partitions on request (D1 row 'deleting', D2 remove the file, D3 delete
 * the row), and repairs what an interrupted step left behind: at start
 * (cl_keeper_sweep with at_start) and on every pass. A removal refused
 * because a reader holds the file (Windows) is retried on the next pass. */
#ifndef CL_KEEPER_H
#define CL_KEEPER_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cl_keeper cl_keeper;

/* A sealed copy over its partition, in thousandths, before the first seal
 * measured one: indexes and a full-text index roughly double a live
 * partition (1.2-1.8 times measured). */
#define CL_SEAL_RATIO_DEFAULT 2000u

typedef struct cl_keeper_stats {
    uint64_t seals;          /* partitions sealed (closed) by this process */
    uint64_t seal_errors;    /* failed seal attempts (retried next pass) */
    uint64_t removals;       /* partitions removed (row deleted) */
    uint64_t unlink_retries; /* removals of a file refused (held open), retried */
    uint64_t repairs;        /* leftovers of interrupted steps put right */
    uint64_t lost;           /* partitions whose file vanished before sealing */
    uint64_t partitions;     /* listed now (all states but 'deleting') */
    uint64_t sealing;        /* of which waiting to be sealed */
    uint64_t sealing_ids;    /* the entry ids those hold (their full-text index waits) */
    uint64_t faulty;         /* closed partitions found missing or cut short by others */
    uint64_t closed_bytes;   /* bytes of the closed partitions */
    uint64_t seals_aborted;  /* seals dropped because retention removed the partition */
    /* The largest seal copy over its source seen, in thousandths (0: none yet):
     * retention reserves this much for the next copy before it exists. */
    uint64_t seal_ratio_permille;
    char last_error[256]; /* the last failure, "" when none */
} cl_keeper_stats;

/* What a removal took away, for the collector's notice. */
typedef struct cl_removal {
    int64_t seq;
    char rel[128];   /* the partition's path, relative to the catalog */
    char reason[64]; /* as given */
    int64_t entries, rejects, bytes;
    int has_range;
    int64_t min_ts, max_ts;
    int pending; /* D2 refused (held open): the keeper finishes it */
} cl_removal;

/* Adds what a removal took to o: path, and entries and rejects (a
 * partition), bytes, first_ts and last_ts (RFC 3339, when known) - the
 * fields of a vacuum's reply and of the collector's own entry about it. */
struct cJSON;
void cl_removal_fields(const cl_removal *rm, struct cJSON *o);

/* Starts the thread for the catalog at catalog_path (already repaired by
 * cl_keeper_sweep at start). fts: seals build the full-text index (--fts). */
int cl_keeper_start(cl_keeper **out, const char *catalog_path, int fts, char *err, size_t errlen);

/* A partition was rotated out: look now rather than at the next tick. */
void cl_keeper_wake(cl_keeper *k);

/* Removes partition seq (D1-D3), closed or still waiting to be sealed (a
 * seal in progress of it is interrupted and drops its copy at once, giving
 * back its bytes and the source file it holds open), oldest-first being the caller's
 * policy; reason ("max-age", "max-disk", "vacuum", ...) is copied into out.
 * Returns 0, 1 when seq is neither (nothing done), or -1 with err.
 * Thread-safe; takes its own catalog connection. */
int cl_keeper_remove(cl_keeper *k, int64_t seq, const char *reason, cl_removal *out, char *err,
                     size_t errlen);

void cl_keeper_get_stats(cl_keeper *k, cl_keeper_stats *st);

/* Retention's hint: partitions up to seq (0: none) are next to be removed
 * under a tight --max-disk while entries keep coming - not worth a copy.
 * The keeper seals the others first, in order, and the newest sealing one
 * always (so that it never stands still). Lock-free. */
void cl_keeper_set_skip(cl_keeper *k, int64_t seq);
int64_t cl_keeper_skip(cl_keeper *k);

/* Removes a database file and its -wal, -shm and -journal: the main file's
 * outcome (keeper_os.h: CL_UNLINK_DONE, _ABSENT, _REFUSED). */
int cl_keeper_unlink_db(const char *path);

/* A database file's bytes with its -wal and -shm (those present). */
uint64_t cl_db_file_bytes(const char *path);

/* Bytes of a partition's former file between S3 (its sealed copy is listed
 * as closed) and S4 (the former file removed): retention counts them, for
 * the catalog no longer does. Set before S3, so at worst counted twice. */
uint64_t cl_keeper_leftover(cl_keeper *k);

/* Counts seals and removals finished by the keeper: a change means the
 * disk use changed (the writer's retention pass looks again). Lock-free. */
uint64_t cl_keeper_events(cl_keeper *k);

/* Closed partitions found missing or shorter than sealed (deleted or cut by
 * someone else) since the last call, each once: reason "missing" or
 * "truncated". *out malloc'd, the caller's. NULL-safe. */
void cl_keeper_take_faults(cl_keeper *k, cl_removal **out, size_t *n);

/* Interrupts a seal in progress (it starts over at the next start) and
 * stops the thread. NULL-safe. */
void cl_keeper_stop(cl_keeper *k);

/* One housekeeping pass over the catalog open at cat without sealing:
 * finishes 'deleting' rows, deletes leftover files an interrupted step left
 * (a partition's former file, a temporary copy), and with at_start - no
 * writer running - also what a rotation left before its catalog
 * transaction, and adopts any other partition file the catalog does not
 * list (a lost catalog is rebuilt this way) as 'sealing', or 'closed' when
 * it is sealed. Counts into st. Returns 0, or -1 with err. */
int cl_keeper_sweep(sqlite3 *cat, const char *catalog_path, int at_start, cl_keeper_stats *st,
                    char *err, size_t errlen);

#endif
