/* writer.h - the single writer thread that owns both sinks.
 *
 * The I/O thread pushes records (already validated) into a bounded queue;
 * the writer takes them in order, appends entries to the text file, inserts
 * everything into SQLite in batched transactions, and after each commit
 * publishes the highest committed sequence number. The I/O thread uses that
 * number to answer sync requests, and cl_writer_full() to apply backpressure.
 */
#ifndef CL_WRITER_H
#define CL_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"
#include "keeper.h"
#include "record.h"
#include "retention.h"
#include "sink_sqlite.h"
#include "sink_text.h"

typedef struct cl_writer cl_writer;

typedef struct cl_writer_config {
    const char *db_path; /* the catalog; partitions in the folder beside it */
    cl_text_config text;
    size_t batch_size;        /* commit after this many records ... */
    int batch_ms;             /* ... or this long after the first, whichever first */
    size_t queue_bytes;       /* backpressure threshold */
    int fts;                  /* sealed partitions get a full-text index (the live one never) */
    uint64_t db_rotate_size;  /* rotate the live partition at this size on disk; 0: never */
    int64_t db_rotate_age_us; /* ... or this old; 0: never */
    uint64_t wal_warn_bytes;  /* warn past this WAL size; 0: never (see checkpoint.h) */
    cl_ret_limits retention;  /* --max-age, --max-disk, --keep-free in force (0: none) */
} cl_writer_config;

typedef struct cl_writer_stats {
    uint64_t committed_seq;
    uint64_t queue_entries;
    uint64_t queue_bytes;
    uint64_t retries; /* attempts at records the database had refused */
    uint64_t held;    /* records in the text file, waiting for the database */
    uint64_t lost;    /* records given up on at shutdown (text file only) */
    cl_db_stats db;
    cl_text_stats text;
    cl_checkpointer_stats wal; /* as of the call */
    uint64_t rotations;        /* live partitions rotated out (R1-R3 done) */
    uint64_t rotate_errors;    /* rotations that failed (retried after a pause) */
    char rotate_error[256];    /* why the last one failed ("" after a success) */
    int64_t live_seq;          /* the live partition's catalog seq */
    int64_t live_first_id;     /* and its first entry id */
    uint64_t start_repairs;    /* leftovers of interrupted steps put right at start */
    cl_keeper_stats keeper;    /* seals, removals, partitions: as of the call */
    /* Retention and vacuum (store/retain.h): what they removed. */
    uint64_t removed_partitions, removed_text_files, removed_entries, removed_bytes;
    uint64_t retention_errors; /* passes that could not do all they planned */
    uint64_t early_rotations;  /* live units closed early because a limit asked */
    uint64_t retention_passes; /* passes of the limits in force */
    uint64_t retention_bytes;  /* the last pass's count of what is stored, the copy
                                * the next seal needs included, before its removals */
} cl_writer_stats;

/* Called from the writer thread after each commit and each sink event
 * (writer_event.h); must be thread-safe. */
typedef void (*cl_writer_notify)(void *arg);

/* Opens both sinks and starts the thread. */
int cl_writer_start(cl_writer **out, const cl_writer_config *cfg, cl_writer_notify notify,
                    void *arg, char *err, size_t errlen);

/* Queues a chain of records (linked by ->next, seq already assigned, in
 * increasing order). Never blocks on I/O. urgent: someone waits for the last
 * of these (a sync), so commit as soon as it is written. */
void cl_writer_push(cl_writer *w, cl_record *head, cl_record *tail, size_t count, size_t bytes,
                    int urgent);

/* Asks for a commit as soon as everything queued is written. */
void cl_writer_hurry(cl_writer *w);

int cl_writer_full(cl_writer *w);
/* Frees records the writer has committed; call from the I/O thread after a
 * notify (the memory they hold counts against the queue until then). */
void cl_writer_reclaim(cl_writer *w);

uint64_t cl_writer_committed(cl_writer *w);
/* Microseconds the writer thread has spent working (not waiting for
 * records) since it started; any thread. Its growth over wall time is how
 * busy ingest is: the forwarders yield to a burst (forward.h). */
int64_t cl_writer_busy_us(cl_writer *w);
void cl_writer_request_reopen(cl_writer *w);
void cl_writer_get_stats(cl_writer *w, cl_writer_stats *st);

/* The sinks behind the writer, as the I/O thread needs them (it includes
 * writer.h, never a sink's header). cl_writer_prerender renders an entry's
 * text-file line into r->rendered on the calling thread, with a caller-owned
 * scratch buffer that grows as needed (0, or -1: the writer formats it
 * later). cl_writer_db_errstr names a database error code of the stats;
 * cl_writer_db_schema is the database schema version the writer creates and
 * migrates to. */
int cl_writer_prerender(const cl_writer_config *cfg, cl_record *r, char **scratch, size_t *cap);
const char *cl_writer_db_errstr(int code);
int cl_writer_db_schema(void);

/* Asks for a rotation of the live partition as soon as the open batch is
 * committed (nothing happens to an empty one). Thread-safe; the rotation's
 * outcome shows in the stats (rotations, rotate_errors). */
void cl_writer_rotate(cl_writer *w);

/* The keeper behind the writer, for removals (cl_keeper_remove). */
cl_keeper *cl_writer_keeper(cl_writer *w);

/* Work an operator asks for (`centrallog rotate`, `vacuum`), done by the
 * writer thread between batches - it owns the files - with a reply. */
enum cl_writer_job_kind { CL_JOB_ROTATE = 1, CL_JOB_VACUUM = 2 };

typedef struct cl_writer_job {
    enum cl_writer_job_kind kind;
    int has_age, has_disk; /* vacuum: which limits were given */
    int64_t older_than_us; /* vacuum: remove what is older */
    uint64_t max_disk;     /* vacuum: remove the oldest until all fits */
} cl_writer_job;

#define CL_WRITER_JOBS_MAX 8

/* Queues a job; returns its id (> 0), or 0 when CL_WRITER_JOBS_MAX are
 * pending already. The writer wakes the I/O thread (notify) when its reply is
 * ready. Thread-safe. */
uint64_t cl_writer_submit(cl_writer *w, const cl_writer_job *job);

/* The reply of job id once done: 1 and *reply (a JSON object, malloc'd: the
 * caller's; the job is forgotten); 0 while it is pending. Thread-safe. */
int cl_writer_job_reply(cl_writer *w, uint64_t id, char **reply);

/* Forgets job id (its asker went away): a pending one is still done. */
void cl_writer_job_forget(cl_writer *w, uint64_t id);

/* Takes what retention and vacuum removed since the last call, oldest first
 * (for the collector's own entries): *out malloc'd, the caller's; *n 0 when
 * none. I/O thread. */
void cl_writer_take_removals(cl_writer *w, cl_removal **out, size_t *n);

/* Writes and commits everything queued, stops the thread, closes the sinks.
 * Returns the number of records that could not be committed (0 normally). */
uint64_t cl_writer_stop(cl_writer *w);

#endif
