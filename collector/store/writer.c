/* writer.c - batching, commit, retry and rotation of the live partition.
 *
 * When the database refuses a batch (disk full, I/O error, locked by another
 * process), the text file keeps going: the batch's lines are already
 * written, and its records move to a "held" list that is retried with
 * growing pauses, in order, a batch at a time. Later records join the list
 * behind them, so the committed sequence number - what acks wait for -
 * never passes a record that is not in both sinks. Held records stay counted
 * against --queue-bytes, so a long outage ends in backpressure rather than
 * unbounded memory; nothing is dropped while the collector runs.
 *
 * Rotation (--db-rotate-size, --db-rotate-age, cl_writer_rotate) happens
 * between batches with nothing held: R1 the next live file is created with
 * its schema, R2 one catalog transaction marks the old row 'sealing' with its
 * last ids and lists the new one 'live', R3 the writer switches to it and
 * closes the old file after a TRUNCATE checkpoint. The keeper seals the old
 * one in the background (keeper.h). A crash before R2 leaves a file the
 * catalog does not name (removed at the next start); after it, the new
 * layout. Either way every committed row is in exactly one listed file.
 */
#include "writer.h"
#include "writer_event.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog_write.h"
#include "checkpoint.h"
#include "clock.h"
#include "crash.h"
#include "dbschema.h"
#include "fsutil.h"
#include "keeper.h"
#include "keeper_os.h"
#include "repair.h"
#include "retain.h"
#include "timefmt.h"

#include <cjson/cJSON.h>

/* A rotation that failed (disk full, catalog locked) is tried again after
 * this long; meanwhile the live partition keeps taking rows. */
#define ROTATE_RETRY_US (5 * 1000000LL)
/* WAL size (pages) at which the checkpoint thread is asked to run, and at
 * which the writer checkpoints itself because that thread fell behind. */
#define WAL_POKE_PAGES 4096
#define WAL_FORCE_PAGES 65536
/* A WAL past this (or a quarter of the warning size, if smaller) is cut back
 * once no reader needs it: four times what a checkpoint cycle at
 * WAL_POKE_PAGES leaves in normal operation, so truncation never competes
 * with ingest unless a reader has held the WAL. Also journal_size_limit. */
#define WAL_KEEP_MAX (64ULL * 1024 * 1024)
/* Retention looks at what is stored this often (and after each rotation):
 * a pass is a catalog query, a folder listing and statvfs, and between two
 * passes a busy collector writes more than a partition. */
#define RETAIN_EVERY_US 250000LL
/* ... and whenever the entries committed since the last pass reach this
 * share of --db-rotate-size (their bytes as received): what the live units
 * grow by between two passes must fit in the one partition of headroom that
 * the bound --max-disk + one partition allows, however fast entries come. */
#define RETAIN_STEP_DIVISOR 16
#define RETAIN_STEP_MIN (4ULL * 1024)
/* A quiet writer still looks for a vanished database this often. */
#define IDLE_CHECK_US 1000000LL
/* A failing database is retried with growing pauses; during shutdown only
 * for this long before the remaining records are reported lost. */
#define RETRY_MIN_MS 10
#define RETRY_MAX_MS 1000
#define STOP_RETRY_MS 10000

struct cl_writer {
    cl_writer_config cfg;
    _Atomic int64_t busy_us; /* see cl_writer_busy_us */
    cl_db *db;
    cl_text_sink *text;
    cl_checkpointer *ckpt; /* NULL after a failed restart at a rotation */
    cl_wal_limits lim;
    sqlite3 *cat; /* the catalog: R2 */
    cl_keeper *keeper;
    cl_store_live live; /* the live partition's row */
    uint64_t rotations, rotate_errors;
    int64_t rotate_retry_us;
    char rotate_error[256];
    cl_keeper_stats repair; /* what the start-up sweep put right */
    int64_t retain_at_us;   /* the next retention pass */
    uint64_t retain_bytes;  /* bytes of entries committed since the last pass */
    uint64_t retain_events; /* the keeper's events at the last pass */
    int retain_busy;        /* entries came since the pass before */
    uint64_t removed_partitions, removed_text_files, removed_entries, removed_bytes;
    uint64_t retention_errors, early_rotations, retention_passes, retention_bytes;
    /* Jobs (guarded by mu): state 0 free, 1 pending, 2 done (reply set). */
    struct {
        uint64_t id;
        int state;
        int orphan; /* nobody waits for the reply: dropped when done */
        cl_writer_job job;
        char *reply;
    } jobs[CL_WRITER_JOBS_MAX];
    uint64_t job_seq;
    int jobs_pending;
    /* Removals not yet taken by the I/O thread (guarded by mu). */
    cl_removal *rm_q;
    size_t rm_n;
    cl_writer_notify notify;
    void *notify_arg;
    pthread_t thread;
    int started;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    cl_record *q_head, *q_tail; /* guarded by mu */
    uint64_t q_count;           /* guarded by mu */
    int stop, reopen, urgent;   /* guarded by mu */
    int rotate_req;             /* guarded by mu: cl_writer_rotate */
    cl_writer_stats snap;       /* guarded by mu: copied after each commit */

    atomic_uint_fast64_t queued_bytes; /* pushed and not yet freed */
    atomic_uint_fast64_t committed;
    uint64_t lost;

    /* Writer-thread state: the open batch's records. */
    cl_record *b_head, *b_tail;
    /* Committed records waiting to be freed by the I/O thread (guarded by
     * mu): freeing a million records a second is not the writer's job. */
    cl_record *d_head, *d_tail;
    size_t d_bytes;
    size_t b_count, b_bytes;
    int64_t b_start_us;
    int b_in_db;  /* the batch's records are inserted in an open transaction */
    int b_failed; /* the database refused this batch (not just queued behind) */
    /* Records in the text file but refused by the database, oldest first. */
    cl_record *h_head, *h_tail;
    size_t h_count, h_bytes;
    int64_t retry_at_us; /* next attempt at the held records */
    int attempt;
    int64_t give_up_us; /* while stopping: when held records count as lost */
    uint64_t retries;
    enum cl_db_fault fault; /* the database was found damaged: replace it */
    int64_t check_at_us;    /* next idle look at the database file */
    /* Commits when the database was last replaced for damage: a new file
     * that is "damaged" before its first commit points at the disk, not at
     * the file, and is not renamed aside again and again. */
    uint64_t damage_commits;
    int damage_replaced;

    /* Sink events not yet taken by the I/O thread, a ring (guarded by mu),
     * and what the events said so far (writer thread, under mu). */
    cl_writer_event ev[CL_WRITER_EVENTS_MAX];
    unsigned ev_head, ev_count;
    uint64_t ev_dropped;
    atomic_int ev_pending; /* ev_count != 0, read without the lock */
    int ev_migration_said, ev_fallback_said, ev_db_failing, ev_log_failing;
    uint64_t ev_log_lines; /* lines written when the text log last failed */
};

/* Queues an event (under mu); see CL_WRITER_EVENTS_MAX for a full ring. */
static void push_event(cl_writer *w, enum cl_writer_event_kind kind, uint64_t n)
{
    cl_writer_event *e;

    if (w->ev_count == CL_WRITER_EVENTS_MAX) {
        e = &w->ev[(w->ev_head + w->ev_count - 1) % CL_WRITER_EVENTS_MAX];
        if (e->kind != kind) {
            w->ev_dropped++;
            return;
        }
        n += e->n; /* e.g. repaired bytes: the replaced event's add up */
    } else {
        e = &w->ev[(w->ev_head + w->ev_count) % CL_WRITER_EVENTS_MAX];
        w->ev_count++;
    }
    e->kind = kind;
    e->n = n;
    e->st = w->snap;
    atomic_store(&w->ev_pending, 1);
}

/* What changed in the sinks since the last snapshot, as events (under mu,
 * writer thread). Every change of a sink is followed by a snapshot, so each
 * is seen once, in the order it happened. Returns whether any was queued. */
static int derive_events(cl_writer *w, const cl_writer_stats *was)
{
    const cl_writer_stats *now = &w->snap;
    unsigned before = w->ev_count;
    uint64_t dropped = w->ev_dropped;

    if (now->db.migrated_from > 0 && !w->ev_migration_said) {
        push_event(w, CL_WEV_DB_MIGRATED, 0);
        w->ev_migration_said = 1;
    }
    if (now->db.errors > was->db.errors) {
        push_event(w, CL_WEV_DB_FAILING, now->db.errors - was->db.errors);
        w->ev_db_failing = 1;
    } else if (w->ev_db_failing && now->held == 0) {
        push_event(w, CL_WEV_DB_RESUMED, 0);
        w->ev_db_failing = 0;
    }
    if (now->text.repaired_bytes > was->text.repaired_bytes)
        push_event(w, CL_WEV_LOG_REPAIRED, now->text.repaired_bytes - was->text.repaired_bytes);
    if (now->text.reopens > was->text.reopens)
        push_event(w, CL_WEV_LOG_REOPENED, now->text.reopens - was->text.reopens);
    if (now->text.rotate_fallbacks > 0 && !w->ev_fallback_said) {
        push_event(w, CL_WEV_LOG_ROTATE_FALLBACK, 0);
        w->ev_fallback_said = 1;
    }
    if (now->text.rotate_errors > was->text.rotate_errors)
        push_event(w, CL_WEV_LOG_ROTATE_ERROR, now->text.rotate_errors - was->text.rotate_errors);
    if (now->text.errors > was->text.errors) {
        push_event(w, CL_WEV_LOG_FAILING, now->text.errors - was->text.errors);
        w->ev_log_failing = 1;
        w->ev_log_lines = now->text.lines;
    } else if (w->ev_log_failing && now->text.lines > w->ev_log_lines) {
        push_event(w, CL_WEV_LOG_RESUMED, 0);
        w->ev_log_failing = 0;
    }
    if (now->db.reopens > was->db.reopens)
        push_event(w, CL_WEV_DB_REOPENED, now->db.reopens - was->db.reopens);
    if (now->db.corrupt > was->db.corrupt)
        push_event(w, CL_WEV_DB_CORRUPT, now->db.corrupt - was->db.corrupt);
    return w->ev_count != before || w->ev_dropped != dropped;
}

/* Publishes the sinks' stats, and their changes as events. Returns whether
 * there are new events. */
static int snapshot(cl_writer *w)
{
    cl_writer_stats was;
    int events;

    pthread_mutex_lock(&w->mu);
    was = w->snap;
    cl_db_get_stats(w->db, &w->snap.db);
    w->snap.db.migrated_from = w->live.migrated_from;
    cl_text_get_stats(w->text, &w->snap.text);
    w->snap.rotations = w->rotations;
    w->snap.rotate_errors = w->rotate_errors;
    snprintf(w->snap.rotate_error, sizeof w->snap.rotate_error, "%s", w->rotate_error);
    w->snap.live_seq = w->live.seq;
    w->snap.live_first_id = w->live.first_id;
    w->snap.start_repairs = w->repair.repairs;
    w->snap.removed_partitions = w->removed_partitions;
    w->snap.removed_text_files = w->removed_text_files;
    w->snap.removed_entries = w->removed_entries;
    w->snap.removed_bytes = w->removed_bytes;
    w->snap.retention_errors = w->retention_errors;
    w->snap.early_rotations = w->early_rotations;
    w->snap.retention_passes = w->retention_passes;
    w->snap.retention_bytes = w->retention_bytes;
    w->snap.retries = w->retries;
    w->snap.held = w->h_count;
    w->snap.lost = w->lost;
    events = derive_events(w, &was);
    pthread_mutex_unlock(&w->mu);
    return events;
}

/* The same on the writer thread, waking the I/O thread for new events. */
static void take_snapshot(cl_writer *w)
{
    if (snapshot(w))
        w->notify(w->notify_arg);
}

/* Frees the first n records of a chain, returning what follows them. */
static cl_record *release(cl_writer *w, cl_record *r, size_t n, size_t bytes)
{
    while (n-- > 0) {
        cl_record *next = r->next;

        cl_record_free(r);
        r = next;
    }
    atomic_fetch_sub(&w->queued_bytes, bytes);
    return r;
}

/* Everything up to seq is now in both sinks: acks may go out. */
static void publish(cl_writer *w, uint64_t seq)
{
    atomic_store(&w->committed, seq);
    if (cl_db_wal_pages(w->db) >= WAL_FORCE_PAGES)
        cl_db_checkpoint(w->db);
    else if (cl_db_wal_pages(w->db) >= WAL_POKE_PAGES && w->ckpt != NULL)
        cl_checkpointer_poke(w->ckpt);
    take_snapshot(w);
    w->notify(w->notify_arg);
}

/* Remembers that SQLite called the file damaged. */
static void note_rc(cl_writer *w, int rc)
{
    if (cl_db_is_damage(rc))
        w->fault = CL_DB_DAMAGED;
}

/* What is wrong with the database file, if anything: found damaged, or
 * deleted or replaced under us (a stat of the file and its WAL). */
static enum cl_db_fault db_fault(cl_writer *w)
{
    if (w->fault == CL_DB_FINE)
        w->fault = cl_db_check(w->db);
    return w->fault;
}

/* Starts a new database at the path after a fault (sink_sqlite.h says what
 * becomes of the old files). The open transaction dies with the old
 * connection; its records are held and go to the new file. The I/O thread
 * learns of it from the stats and reports it. */
static void heal(cl_writer *w)
{
    enum cl_db_fault f = db_fault(w);
    cl_db_stats st;
    char err[512];

    w->fault = CL_DB_FINE;
    w->check_at_us = cl_now_us() + IDLE_CHECK_US;
    if (f == CL_DB_FINE)
        return;
    cl_db_get_stats(w->db, &st);
    if (f == CL_DB_DAMAGED && w->damage_replaced && st.commits == w->damage_commits)
        return; /* retried as any failing write */
    if (w->ckpt != NULL)
        cl_checkpointer_suspend(w->ckpt);
    if (cl_db_replace(w->db, f, err, sizeof err) == 0 && w->ckpt != NULL)
        cl_checkpointer_resume(w->ckpt, err, sizeof err);
    w->damage_replaced = f == CL_DB_DAMAGED;
    w->damage_commits = st.commits;
    take_snapshot(w);
    w->notify(w->notify_arg);
}

static void schedule_retry(cl_writer *w)
{
    int ms = RETRY_MIN_MS << (w->attempt < 7 ? w->attempt : 7);

    w->attempt++;
    w->retry_at_us = cl_now_us() + (int64_t)(ms > RETRY_MAX_MS ? RETRY_MAX_MS : ms) * 1000;
}

/* Inserts held records, oldest first, one batch per transaction, so that
 * whatever fits is committed even when space is short. Stops at the first
 * failure and schedules the next attempt. Returns 0 when none is left. */
static int retry_held(cl_writer *w)
{
    w->retries++;
    heal(w);
    while (w->h_head != NULL) {
        size_t n = 0, bytes = 0;
        cl_record *r = w->h_head;
        uint64_t last = 0;
        int rc = cl_db_begin(w->db);

        for (; rc == 0 && r != NULL && n < w->cfg.batch_size; r = r->next) {
            rc = cl_db_insert(w->db, r);
            last = r->seq;
            n++;
            bytes += r->size;
        }
        if (rc == 0 && db_fault(w) != CL_DB_FINE)
            rc = -1; /* the file vanished meanwhile: not into it */
        if (rc == 0)
            rc = cl_db_commit(w->db);
        if (rc != 0) {
            note_rc(w, rc);
            cl_db_rollback(w->db);
            schedule_retry(w);
            take_snapshot(w);
            w->notify(w->notify_arg); /* the I/O thread reports the error */
            return -1;
        }
        w->h_head = release(w, w->h_head, n, bytes);
        w->h_count -= n;
        w->h_bytes -= bytes;
        if (w->h_head == NULL)
            w->h_tail = NULL;
        publish(w, last);
    }
    w->attempt = 0;
    w->retry_at_us = 0;
    return 0;
}

/* Ends the open batch: text first (so an acked entry is in both), then
 * COMMIT; then the records are released and waiters told. A batch the
 * database refused joins the held records instead. */
static void commit_batch(cl_writer *w)
{
    int rc = -1;

    if (w->b_count == 0)
        return;
    cl_text_flush(w->text);
    /* A batch committed into a file that was deleted under us would be
     * acknowledged and lost: look first (two stat calls, like the text
     * sink's check of its own file at every flush). */
    if (w->b_in_db && db_fault(w) != CL_DB_FINE) {
        cl_db_rollback(w->db);
        w->b_in_db = 0;
    }
    if (w->b_in_db && (rc = cl_db_commit(w->db)) == 0) {
        uint64_t last = w->b_tail->seq;

        pthread_mutex_lock(&w->mu);
        w->b_tail->next = NULL;
        if (w->d_tail != NULL)
            w->d_tail->next = w->b_head;
        else
            w->d_head = w->b_head;
        w->d_tail = w->b_tail;
        w->d_bytes += w->b_bytes;
        pthread_mutex_unlock(&w->mu);
        w->retain_bytes += w->b_bytes;
        w->b_head = w->b_tail = NULL;
        w->b_count = w->b_bytes = 0;
        publish(w, last);
        return;
    }
    if (w->b_in_db) {
        note_rc(w, rc);
        cl_db_rollback(w->db);
        w->b_failed = 1;
    }
    if (w->h_tail != NULL)
        w->h_tail->next = w->b_head;
    else
        w->h_head = w->b_head;
    w->h_tail = w->b_tail;
    w->h_count += w->b_count;
    w->h_bytes += w->b_bytes;
    w->b_head = w->b_tail = NULL;
    w->b_count = w->b_bytes = 0;
    w->b_in_db = 0;
    /* A failure is retried after a pause. A batch that only queued behind
     * held records that have gone through since is tried at once. */
    if (w->retry_at_us == 0) {
        if (w->b_failed && w->fault == CL_DB_FINE)
            schedule_retry(w);
        else
            w->retry_at_us = cl_now_us();
    }
    w->b_failed = 0;
    take_snapshot(w);
    w->notify(w->notify_arg);
}

/* Appends one record to the open batch: its text line now, its row in the
 * open transaction unless the database is failing. */
static void write_record(cl_writer *w, cl_record *r)
{
    int rc;

    if (w->b_count == 0) {
        w->b_start_us = cl_now_us();
        /* Behind held records nothing may reach the database first. */
        rc = w->h_head == NULL ? cl_db_begin(w->db) : -1;
        note_rc(w, rc);
        w->b_in_db = rc == 0;
        w->b_failed = w->h_head == NULL && !w->b_in_db;
    }
    r->next = NULL;
    if (w->b_tail != NULL)
        w->b_tail->next = r;
    else
        w->b_head = r;
    w->b_tail = r;
    w->b_count++;
    w->b_bytes += r->size;
    if (r->kind == CL_REC_ENTRY)
        cl_text_append(w->text, r);
    if (w->b_in_db && (rc = cl_db_insert(w->db, r)) != 0) {
        /* Roll back now; the batch will be retried as held records. */
        note_rc(w, rc);
        cl_db_rollback(w->db);
        w->b_in_db = 0;
        w->b_failed = 1;
    }
}

/* Takes the whole queue under the lock. */
static cl_record *take_queue(cl_writer *w, int wait_ms, int *stop, int *urgent, int *reopen)
{
    cl_record *chain;

    pthread_mutex_lock(&w->mu);
    if (w->q_head == NULL && !w->stop && !w->reopen && !w->rotate_req && !w->jobs_pending &&
        wait_ms != 0) {
        if (wait_ms < 0) {
            pthread_cond_wait(&w->cv, &w->mu);
        } else {
            struct timespec ts;

            cl_abstime_in(&ts, wait_ms);
            pthread_cond_timedwait(&w->cv, &w->mu, &ts);
        }
    }
    chain = w->q_head;
    w->q_head = w->q_tail = NULL;
    w->q_count = 0;
    *stop = w->stop;
    *urgent = w->urgent;
    *reopen = w->reopen;
    w->urgent = w->reopen = 0;
    pthread_mutex_unlock(&w->mu);
    return chain;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Stopping with held records: retry for STOP_RETRY_MS, then count them as
 * lost (they are in the text file only) so that the process can exit.
 * Returns 1 while there is still something to wait for. */
static int stop_pending(cl_writer *w)
{
    int64_t now = cl_now_us();

    if (w->h_head == NULL)
        return 0;
    if (w->give_up_us == 0)
        w->give_up_us = now + STOP_RETRY_MS * 1000LL;
    if (now < w->give_up_us) {
        int64_t left = (w->retry_at_us - now) / 1000;

        if (left > 0)
            sleep_ms(left > 100 ? 100 : (int)left);
        return 1;
    }
    w->lost += w->h_count;
    release(w, w->h_head, w->h_count, w->h_bytes);
    w->h_head = w->h_tail = NULL;
    w->h_count = w->h_bytes = 0;
    take_snapshot(w);
    return 0;
}

/* Bytes of the live partition on disk: the file and its WAL. */
static uint64_t live_bytes(const cl_writer *w)
{
    char wal[4300];
    cl_file_id id;
    uint64_t n = 0;

    if (cl_file_id_path(w->live.path, &id) == 0)
        n += id.size;
    snprintf(wal, sizeof wal, "%s-wal", w->live.path);
    if (cl_file_id_path(wal, &id) == 0)
        n += id.size;
    return n;
}

static void rotate_failed(cl_writer *w, const char *err)
{
    w->rotate_errors++;
    w->rotate_retry_us = cl_now_us() + ROTATE_RETRY_US;
    snprintf(w->rotate_error, sizeof w->rotate_error, "%s", err);
    take_snapshot(w);
}

/* R1-R3 (see the top of this file). The live partition holds at least one
 * row; nothing is open or held. */
static int rotate(cl_writer *w, int64_t next_id, int64_t next_reject)
{
    char name[CL_PART_NAME_MAX], dir[4096], path[4200], rel[256], err[512];
    cl_db *nd = NULL;
    cl_checkpointer *old, *ckpt;
    int64_t seq, now = cl_now_us();

    cl_part_live_name(next_id, name);
    if (cl_catalog_parts_dir(w->cfg.db_path, dir, sizeof dir) != 0 ||
        cl_part_rel_path(w->cfg.db_path, name, rel, sizeof rel) != 0) {
        rotate_failed(w, "the partition path is too long");
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    cl_crash_point("R1");
    if (cl_db_open(&nd, path, next_id, next_reject, err, sizeof err) != 0) {
        /* Not listed, nothing in it (a full disk stops it half made): its
         * bytes would only take from the live partition's last space. */
        cl_keeper_unlink_db(path);
        rotate_failed(w, err);
        return -1;
    }
    cl_db_set_journal_limit(nd, (int64_t)w->lim.keep_bytes);
    cl_crash_point("R2");
    if (cl_catw_rotate(w->cat, w->live.seq, next_id - 1, next_reject - 1, rel, now, &seq, err,
                       sizeof err) != 0) {
        cl_db_close(nd);
        cl_keeper_unlink_db(path); /* not listed: nothing may be written into it */
        rotate_failed(w, err);
        return -1;
    }
    cl_crash_point("R3");
    pthread_mutex_lock(&w->mu);
    old = w->ckpt;
    w->ckpt = NULL;
    pthread_mutex_unlock(&w->mu);
    cl_checkpointer_stop(old);
    cl_db_carry_stats(nd, w->db);
    cl_db_truncate_close(w->db);
    w->db = nd;
    /* Failing, the writer checkpoints itself at WAL_FORCE_PAGES. */
    if (cl_checkpointer_start(&ckpt, path, &w->lim, err, sizeof err) != 0)
        ckpt = NULL;
    pthread_mutex_lock(&w->mu);
    w->ckpt = ckpt;
    pthread_mutex_unlock(&w->mu);
    w->live.seq = seq;
    w->live.first_id = next_id;
    w->live.first_reject = next_reject;
    w->live.created = now;
    snprintf(w->live.path, sizeof w->live.path, "%s", path);
    snprintf(w->live.rel, sizeof w->live.rel, "%s", rel);
    w->rotations++;
    w->rotate_retry_us = 0;
    w->rotate_error[0] = '\0';
    w->retain_at_us = 0; /* the closed partition counts now */
    cl_keeper_wake(w->keeper);
    take_snapshot(w);
    w->notify(w->notify_arg);
    return 0;
}

/* Rotates when the live partition is due: asked to, past --db-rotate-size or
 * --db-rotate-age. Only between batches with nothing held (every row of the
 * old partition committed), and only a partition holding an entry. */
static void maybe_rotate(cl_writer *w)
{
    int64_t next_id, next_reject, now;
    int asked, due;

    if (w->b_count != 0 || w->h_head != NULL || !cl_db_is_open(w->db))
        return;
    pthread_mutex_lock(&w->mu);
    asked = w->rotate_req;
    w->rotate_req = 0;
    pthread_mutex_unlock(&w->mu);
    now = cl_now_us();
    if (!asked && w->rotate_retry_us != 0 && now < w->rotate_retry_us)
        return;
    due =
        asked || (w->cfg.db_rotate_age_us > 0 && now - w->live.created >= w->cfg.db_rotate_age_us);
    if (!due && w->cfg.db_rotate_size > 0)
        due = live_bytes(w) >= w->cfg.db_rotate_size;
    if (!due)
        return;
    /* Without an entry there is nothing to close: a partition's files are
     * named by its first entry id, which the next one would share. */
    cl_db_next_ids(w->db, &next_id, &next_reject);
    if (next_id == w->live.first_id)
        return;
    rotate(w, next_id, next_reject);
}

/* ---------------------------------------------------------------- retention */

/* Records what a pass removed: counters, and the list the I/O thread turns
 * into entries of the collector's own. */
static void note_removals(cl_writer *w, const cl_retain_out *out)
{
    cl_removal *q;

    for (size_t i = 0; i < out->n_removed; i++) {
        const cl_removal *rm = &out->removed[i];

        if (rm->seq >= 0) {
            w->removed_partitions++;
            w->removed_entries += rm->entries > 0 ? (uint64_t)rm->entries : 0;
        } else {
            w->removed_text_files++;
        }
        w->removed_bytes += rm->bytes > 0 ? (uint64_t)rm->bytes : 0;
    }
    if (out->err[0] != '\0')
        w->retention_errors++;
    if (out->n_removed == 0)
        return;
    pthread_mutex_lock(&w->mu);
    q = realloc(w->rm_q, (w->rm_n + out->n_removed) * sizeof *q);
    if (q != NULL) {
        memcpy(q + w->rm_n, out->removed, out->n_removed * sizeof *q);
        w->rm_q = q;
        w->rm_n += out->n_removed;
    }
    pthread_mutex_unlock(&w->mu);
    take_snapshot(w);
    w->notify(w->notify_arg);
}

static uint64_t shm_bytes(const char *db)
{
    char p[4300];
    cl_file_id id;

    snprintf(p, sizeof p, "%s-shm", db);
    return cl_file_id_path(p, &id) == 0 ? id.size : 0;
}

static int retain(cl_writer *w, const cl_ret_limits *lim, int allow_rotate, cl_retain_out *out)
{
    cl_retain_in in = { w->cat,
                        w->cfg.db_path,
                        w->keeper,
                        w->text,
                        live_bytes(w),
                        w->live.created,
                        lim,
                        allow_rotate,
                        0,
                        0,
                        0,
                        0 };
    cl_keeper_stats ks;
    int rc;

    cl_keeper_get_stats(w->keeper, &ks);
    in.seal_ratio_permille = ks.seal_ratio_permille;
    in.busy = w->retain_busy;
    in.next_bytes = w->cfg.db_rotate_size;
    in.fixed_bytes = cl_db_file_bytes(w->cfg.db_path) + shm_bytes(w->live.path);
    rc = cl_retain_pass(&in, cl_now_us(), out);

    note_removals(w, out);
    return rc;
}

/* The limits in force, every RETAIN_EVERY_US, after each rotation, each seal
 * and removal by the keeper, and each RETAIN_STEP of entries; a live
 * unit that alone breaks one is closed early (removed by a later pass). */
static void maybe_retain(cl_writer *w)
{
    const cl_ret_limits *lim = &w->cfg.retention;
    cl_retain_out out;
    int64_t now = cl_now_us();

    uint64_t step = w->cfg.db_rotate_size / RETAIN_STEP_DIVISOR;
    uint64_t events = cl_keeper_events(w->keeper);

    if (step < RETAIN_STEP_MIN)
        step = RETAIN_STEP_MIN;
    if ((lim->max_age_us == 0 && lim->max_disk_bytes == 0 && lim->keep_free_bytes == 0) ||
        w->h_head != NULL)
        return;
    /* Due by the clock, by what was written, or because the keeper sealed
     * or removed a partition (the disk changed). */
    if (now < w->retain_at_us && w->retain_bytes < step && events == w->retain_events)
        return;
    w->retain_at_us = now + RETAIN_EVERY_US;
    w->retain_busy = w->retain_bytes > 0;
    w->retain_bytes = 0;
    w->retain_events = events;
    retain(w, lim, 1, &out);
    w->retention_passes++;
    w->retention_bytes = out.bytes_before;
    w->retain_events = cl_keeper_events(w->keeper); /* its own removals: seen */
    if (out.rotate_db || out.rotate_text)
        w->early_rotations++;
    if (out.rotate_db) {
        pthread_mutex_lock(&w->mu);
        w->rotate_req = 1;
        pthread_mutex_unlock(&w->mu);
    }
    if (out.rotate_text)
        cl_text_rotate(w->text);
    cl_retain_out_free(&out);
}

/* ---------------------------------------------------------------- jobs */

static void reply_removed(cJSON *o, const cl_retain_out *out)
{
    cJSON *list = cJSON_AddArrayToObject(o, "removed");

    for (size_t i = 0; list != NULL && i < out->n_removed; i++) {
        const cl_removal *rm = &out->removed[i];
        cJSON *u = cJSON_CreateObject();

        if (u == NULL)
            break;
        cJSON_AddStringToObject(u, "kind", rm->seq >= 0 ? "partition" : "text");
        cl_removal_fields(rm, u);
        cJSON_AddBoolToObject(u, "pending", rm->pending != 0);
        cJSON_AddItemToArray(list, u);
    }
    cJSON_AddNumberToObject(o, "bytes", (double)out->bytes_freed);
    cJSON_AddNumberToObject(o, "pending", (double)out->pending);
}

static void job_vacuum(cl_writer *w, const cl_writer_job *job, cJSON *o)
{
    cl_ret_limits lim = { 0, 0, 0 };
    cl_retain_out out;

    lim.max_age_us = job->has_age ? job->older_than_us : 0;
    /* 0 means "no limit" to the policy; "fit in 0 bytes" is everything. */
    lim.max_disk_bytes = job->has_disk ? (job->max_disk > 0 ? job->max_disk : 1) : 0;
    cJSON_AddStringToObject(o, "op", "vacuumed");
    if (retain(w, &lim, 0, &out) != 0)
        cJSON_AddStringToObject(o, "error", out.err);
    reply_removed(o, &out);
    cl_retain_out_free(&out);
}

static void job_rotate(cl_writer *w, cJSON *o)
{
    int64_t next_id, next_reject;
    char rel[256];
    const char *db_note = NULL;

    cJSON_AddStringToObject(o, "op", "rotated");
    snprintf(rel, sizeof rel, "%s", w->live.rel);
    if (w->b_count > 0)
        commit_batch(w);
    if (w->h_head != NULL || !cl_db_is_open(w->db)) {
        db_note = "the database is refusing writes; the live partition stays open";
    } else {
        cl_db_next_ids(w->db, &next_id, &next_reject);
        if (next_id == w->live.first_id)
            db_note = "the live partition holds no entry: nothing to close";
        else if (rotate(w, next_id, next_reject) != 0)
            db_note = w->rotate_error;
    }
    cJSON_AddBoolToObject(o, "db", db_note == NULL);
    if (db_note == NULL)
        cJSON_AddStringToObject(o, "partition", rel);
    else
        cJSON_AddStringToObject(o, "db_note", db_note);
    cJSON_AddBoolToObject(o, "text", cl_text_rotate(w->text) == 0);
}

/* Does the oldest pending job, if any; wakes the I/O thread for its reply. */
static void run_job(cl_writer *w)
{
    cl_writer_job job;
    int slot = -1;
    cJSON *o;
    char *reply;

    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < CL_WRITER_JOBS_MAX; i++)
        if (w->jobs[i].state == 1 && (slot < 0 || w->jobs[i].id < w->jobs[slot].id))
            slot = i;
    if (slot >= 0)
        job = w->jobs[slot].job;
    pthread_mutex_unlock(&w->mu);
    if (slot < 0)
        return;
    o = cJSON_CreateObject();
    if (o != NULL && job.kind == CL_JOB_ROTATE)
        job_rotate(w, o);
    else if (o != NULL)
        job_vacuum(w, &job, o);
    reply = o != NULL ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (reply == NULL)
        reply = strdup("{\"op\":\"error\",\"code\":\"internal\",\"message\":\"out of memory\"}");
    pthread_mutex_lock(&w->mu);
    w->jobs[slot].state = w->jobs[slot].orphan ? 0 : 2;
    if (w->jobs[slot].orphan) {
        free(reply);
        reply = NULL;
    }
    w->jobs[slot].reply = reply;
    w->jobs_pending--;
    pthread_mutex_unlock(&w->mu);
    w->notify(w->notify_arg);
}

static void *writer_main(void *arg)
{
    cl_writer *w = arg;
    int stop = 0, urgent = 0, reopen = 0;
    int64_t worked_from = cl_mono_us(), busy_from;

    for (;;) {
        int wait_ms = -1;
        cl_record *chain;

        if (w->b_count > 0) {
            int64_t left = (w->b_start_us + w->cfg.batch_ms * 1000LL - cl_now_us()) / 1000;

            wait_ms = left > 0 ? (int)left : 0;
        }
        if (w->h_head != NULL) {
            int64_t left = (w->retry_at_us - cl_now_us()) / 1000;

            if (left < 0)
                left = 0;
            if (wait_ms < 0 || left < wait_ms)
                wait_ms = (int)left;
        }
        if (wait_ms < 0)
            wait_ms = 1000;
        busy_from = cl_mono_us();
        chain = take_queue(w, wait_ms, &stop, &urgent, &reopen);
        atomic_fetch_add_explicit(&w->busy_us, busy_from - worked_from, memory_order_relaxed);
        worked_from = cl_mono_us();
        if (reopen)
            cl_text_reopen(w->text);
        while (chain != NULL) {
            cl_record *next = chain->next;

            write_record(w, chain);
            if (w->b_count >= w->cfg.batch_size) {
                commit_batch(w);
                maybe_rotate(w);
                maybe_retain(w); /* a long chain: the disk grows meanwhile */
            }
            chain = next;
        }
        if (w->b_count > 0 &&
            (urgent || stop || cl_now_us() >= w->b_start_us + w->cfg.batch_ms * 1000LL))
            commit_batch(w);
        if (w->h_head != NULL && cl_now_us() >= w->retry_at_us)
            retry_held(w);
        else if (w->b_count == 0 && w->h_head == NULL && cl_now_us() >= w->check_at_us)
            heal(w);
        maybe_rotate(w);
        if (w->jobs_pending)
            run_job(w); /* a failing database is said in the reply, not waited for */
        maybe_retain(w);
        if (stop && w->b_count == 0 && !stop_pending(w)) {
            pthread_mutex_lock(&w->mu);
            stop = w->q_head == NULL;
            pthread_mutex_unlock(&w->mu);
            if (stop)
                break;
        }
    }
    return NULL;
}

int64_t cl_writer_busy_us(cl_writer *w)
{
    return atomic_load_explicit(&w->busy_us, memory_order_relaxed);
}

int cl_writer_start(cl_writer **out, const cl_writer_config *cfg, cl_writer_notify notify,
                    void *arg, char *err, size_t errlen)
{
    cl_writer *w = calloc(1, sizeof *w);
    cl_wal_limits lim;

    *out = NULL;
    if (w == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->cfg = *cfg;
    w->notify = notify;
    w->notify_arg = arg;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    lim.warn_bytes = cfg->wal_warn_bytes;
    lim.keep_bytes =
        lim.warn_bytes > 0 && lim.warn_bytes / 4 < WAL_KEEP_MAX ? lim.warn_bytes / 4 : WAL_KEEP_MAX;
    w->lim = lim;
    if (cl_store_prepare(cfg->db_path, &w->cat, &w->live, &w->repair, err, errlen) != 0 ||
        cl_db_open(&w->db, w->live.path, w->live.first_id, w->live.first_reject, err, errlen) != 0)
        goto fail;
    cl_db_set_journal_limit(w->db, (int64_t)lim.keep_bytes);
    if (cl_checkpointer_start(&w->ckpt, w->live.path, &lim, err, errlen) != 0 ||
        cl_keeper_start(&w->keeper, cfg->db_path, cfg->fts, err, errlen) != 0 ||
        cl_text_open(&w->text, &cfg->text, err, errlen) != 0)
        goto fail;
    w->check_at_us = cl_now_us() + IDLE_CHECK_US;
    snapshot(w); /* events of the opening: taken at the I/O thread's first tick */
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        snprintf(err, errlen, "cannot start the writer thread");
        goto fail;
    }
    w->started = 1;
    *out = w;
    return 0;
fail:
    cl_keeper_stop(w->keeper);
    cl_checkpointer_stop(w->ckpt);
    cl_db_close(w->db);
    sqlite3_close(w->cat);
    cl_text_close(w->text);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    return -1;
}

void cl_writer_push(cl_writer *w, cl_record *head, cl_record *tail, size_t count, size_t bytes,
                    int urgent)
{
    if (head == NULL && !urgent)
        return;
    atomic_fetch_add(&w->queued_bytes, bytes);
    pthread_mutex_lock(&w->mu);
    if (head != NULL) {
        if (w->q_tail != NULL)
            w->q_tail->next = head;
        else
            w->q_head = head;
        w->q_tail = tail;
        w->q_count += count;
    }
    w->urgent |= urgent;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void cl_writer_hurry(cl_writer *w)
{
    cl_writer_push(w, NULL, NULL, 0, 0, 1);
}

int cl_writer_full(cl_writer *w)
{
    return atomic_load(&w->queued_bytes) >= w->cfg.queue_bytes;
}

void cl_writer_reclaim(cl_writer *w)
{
    cl_record *r;
    size_t bytes;

    pthread_mutex_lock(&w->mu);
    r = w->d_head;
    bytes = w->d_bytes;
    w->d_head = w->d_tail = NULL;
    w->d_bytes = 0;
    pthread_mutex_unlock(&w->mu);
    while (r != NULL) {
        cl_record *next = r->next;

        cl_record_free(r);
        r = next;
    }
    atomic_fetch_sub(&w->queued_bytes, bytes);
}

uint64_t cl_writer_committed(cl_writer *w)
{
    return atomic_load(&w->committed);
}

void cl_writer_request_reopen(cl_writer *w)
{
    pthread_mutex_lock(&w->mu);
    w->reopen = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void cl_writer_get_stats(cl_writer *w, cl_writer_stats *st)
{
    pthread_mutex_lock(&w->mu);
    *st = w->snap;
    st->queue_entries = w->q_count;
    pthread_mutex_unlock(&w->mu);
    st->queue_bytes = atomic_load(&w->queued_bytes);
    st->committed_seq = atomic_load(&w->committed);
    memset(&st->wal, 0, sizeof st->wal);
    memset(&st->keeper, 0, sizeof st->keeper);
    /* ckpt changes at a rotation, on the writer thread: read under mu. */
    pthread_mutex_lock(&w->mu);
    if (w->ckpt != NULL)
        cl_checkpointer_get_stats(w->ckpt, &st->wal);
    pthread_mutex_unlock(&w->mu);
    if (w->keeper != NULL)
        cl_keeper_get_stats(w->keeper, &st->keeper);
}

int cl_writer_next_event(cl_writer *w, cl_writer_event *ev)
{
    int got = 0;

    if (!atomic_load(&w->ev_pending))
        return 0;
    pthread_mutex_lock(&w->mu);
    if (w->ev_count > 0) {
        *ev = w->ev[w->ev_head];
        w->ev_head = (w->ev_head + 1) % CL_WRITER_EVENTS_MAX;
        w->ev_count--;
        got = 1;
    }
    if (w->ev_count == 0)
        atomic_store(&w->ev_pending, 0);
    pthread_mutex_unlock(&w->mu);
    return got;
}

uint64_t cl_writer_events_dropped(cl_writer *w)
{
    uint64_t n;

    pthread_mutex_lock(&w->mu);
    n = w->ev_dropped;
    pthread_mutex_unlock(&w->mu);
    return n;
}

uint64_t cl_writer_stop(cl_writer *w)
{
    uint64_t lost;

    if (w == NULL)
        return 0;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (w->started)
        pthread_join(w->thread, NULL);
    /* A seal in progress is interrupted: it starts over at the next start. */
    cl_keeper_stop(w->keeper);
    cl_writer_reclaim(w);
    lost = w->lost;
    cl_text_close(w->text);
    /* The checkpointer's connection goes first, so that closing the
     * writer's - the last one - checkpoints and removes the WAL. */
    cl_checkpointer_stop(w->ckpt);
    cl_db_close(w->db);
    sqlite3_close(w->cat);
    for (int i = 0; i < CL_WRITER_JOBS_MAX; i++)
        free(w->jobs[i].reply);
    free(w->rm_q);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    return lost;
}

int cl_writer_prerender(const cl_writer_config *cfg, cl_record *r, char **scratch, size_t *cap)
{
    return cl_text_prerender(r, cfg->text.format, scratch, cap);
}

const char *cl_writer_db_errstr(int code)
{
    return cl_db_errstr(code);
}

int cl_writer_db_schema(void)
{
    return CL_DB_LAYOUT_VERSION;
}

void cl_writer_rotate(cl_writer *w)
{
    pthread_mutex_lock(&w->mu);
    w->rotate_req = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

cl_keeper *cl_writer_keeper(cl_writer *w)
{
    return w->keeper;
}

uint64_t cl_writer_submit(cl_writer *w, const cl_writer_job *job)
{
    uint64_t id = 0;

    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < CL_WRITER_JOBS_MAX && id == 0; i++) {
        if (w->jobs[i].state != 0)
            continue;
        id = ++w->job_seq;
        w->jobs[i].id = id;
        w->jobs[i].state = 1;
        w->jobs[i].orphan = 0;
        w->jobs[i].job = *job;
        w->jobs[i].reply = NULL;
        w->jobs_pending++;
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return id;
}

int cl_writer_job_reply(cl_writer *w, uint64_t id, char **reply)
{
    int done = 0;

    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < CL_WRITER_JOBS_MAX; i++) {
        if (w->jobs[i].id == id && w->jobs[i].state == 2) {
            *reply = w->jobs[i].reply;
            w->jobs[i].reply = NULL;
            w->jobs[i].state = 0;
            done = 1;
        }
    }
    pthread_mutex_unlock(&w->mu);
    return done;
}

void cl_writer_job_forget(cl_writer *w, uint64_t id)
{
    pthread_mutex_lock(&w->mu);
    for (int i = 0; i < CL_WRITER_JOBS_MAX; i++) {
        if (w->jobs[i].id != id || w->jobs[i].state == 0)
            continue;
        if (w->jobs[i].state == 2) { /* done: its reply goes */
            free(w->jobs[i].reply);
            w->jobs[i].reply = NULL;
            w->jobs[i].state = 0;
        } else { /* pending: still done (it was asked for), then dropped */
            w->jobs[i].orphan = 1;
        }
    }
    pthread_mutex_unlock(&w->mu);
}

void cl_writer_take_removals(cl_writer *w, cl_removal **out, size_t *n)
{
    pthread_mutex_lock(&w->mu);
    *out = w->rm_q;
    *n = w->rm_n;
    w->rm_q = NULL;
    w->rm_n = 0;
    pthread_mutex_unlock(&w->mu);
}
