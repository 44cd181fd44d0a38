/* checkpoint.h - WAL checkpoints on a thread of their own.
 *
 * A checkpoint copies committed pages from the WAL into the database file and
 * fsyncs both. Run by SQLite's auto-checkpoint, it happens inside the writer's
 * COMMIT and stalls ingest for the length of two fsyncs. Here the writer only
 * reports the WAL's size; a second connection on this thread does PASSIVE
 * checkpoints, which run alongside the writer's transactions.
 *
 * A reader that holds a read transaction (any member of the log group can)
 * keeps every later frame in the WAL, which then grows without bound, and
 * SQLite never shrinks the file by itself. So this thread also watches the
 * WAL's size: past warn_bytes it counts a warning (once per crossing), and
 * once a PASSIVE checkpoint has copied everything - no reader holds old
 * frames any more - a WAL larger than keep_bytes is truncated to zero
 * (wal_checkpoint(TRUNCATE), waiting at most CL_WAL_TRUNCATE_WAIT_MS for the
 * readers of the newest snapshot, so the writer is never held up longer). */
#ifndef CL_CHECKPOINT_H
#define CL_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#define CL_WAL_TRUNCATE_WAIT_MS 100

typedef struct cl_checkpointer cl_checkpointer;

typedef struct cl_wal_limits {
    uint64_t warn_bytes; /* count a warning past this WAL size; 0: never */
    uint64_t keep_bytes; /* truncate a WAL larger than this once readers allow */
} cl_wal_limits;

typedef struct cl_checkpointer_stats {
    uint64_t wal_bytes;   /* size of the WAL file at the last look */
    uint64_t wal_peak;    /* the largest size seen */
    uint64_t warnings;    /* times the WAL went past warn_bytes */
    uint64_t truncations; /* times the WAL was truncated to zero */
    int over;             /* past warn_bytes at the last look */
} cl_checkpointer_stats;

/* lim may be NULL: no warnings, and the WAL is never truncated. */
int cl_checkpointer_start(cl_checkpointer **out, const char *db_path, const cl_wal_limits *lim,
                          char *err, size_t errlen);

/* The WAL has grown: checkpoint soon. Cheap; call after commits. */
void cl_checkpointer_poke(cl_checkpointer *c);

/* Closes the thread's connection without checkpointing (the database file
 * vanished or is damaged) and waits for a checkpoint in progress to end;
 * the thread then idles until cl_checkpointer_resume opens the path again.
 * Returns 0, or -1 with err (resume again later). */
void cl_checkpointer_suspend(cl_checkpointer *c);
int cl_checkpointer_resume(cl_checkpointer *c, char *err, size_t errlen);

void cl_checkpointer_get_stats(cl_checkpointer *c, cl_checkpointer_stats *st);

/* Stops the thread and closes its connection. NULL-safe. */
void cl_checkpointer_stop(cl_checkpointer *c);

#endif
