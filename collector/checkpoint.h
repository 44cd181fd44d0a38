/* checkpoint.h - WAL checkpoints on a thread of their own.
 *
 * A checkpoint copies committed pages from the WAL into the database file and
 * fsyncs both. Run by SQLite's auto-checkpoint, it happens inside the writer's
 * COMMIT and stalls ingest for the length of two fsyncs. Here the writer only
 * reports the WAL's size; a second connection on this thread does PASSIVE
 * checkpoints, which run alongside the writer's transactions. */
#ifndef CL_CHECKPOINT_H
#define CL_CHECKPOINT_H

#include <stddef.h>

typedef struct cl_checkpointer cl_checkpointer;

int cl_checkpointer_start(cl_checkpointer **out, const char *db_path, char *err, size_t errlen);

/* The WAL has grown: checkpoint soon. Cheap; call after commits. */
void cl_checkpointer_poke(cl_checkpointer *c);

/* Stops the thread and closes its connection. NULL-safe. */
void cl_checkpointer_stop(cl_checkpointer *c);

#endif
