/* writer.c - batching, commit, retry and background full-text indexing. */
#include "writer.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkpoint.h"
#include "timefmt.h"

#define FTS_CHUNK 1024
/* WAL size (pages) at which the checkpoint thread is asked to run, and at
 * which the writer checkpoints itself because that thread fell behind. */
#define WAL_POKE_PAGES 4096
#define WAL_FORCE_PAGES 65536
/* A failing database is retried with growing pauses; during shutdown only
 * for this long before the remaining records are reported lost. */
#define RETRY_MAX_MS 1000
#define STOP_RETRY_MS 10000

struct cl_writer {
    cl_writer_config cfg;
    cl_db *db;
    cl_text_sink *text;
    cl_checkpointer *ckpt;
    cl_writer_notify notify;
    void *notify_arg;
    pthread_t thread;
    int started;

    pthread_mutex_t mu;
    pthread_cond_t cv;
    cl_record *q_head, *q_tail; /* guarded by mu */
    uint64_t q_count;           /* guarded by mu */
    int stop, reopen, urgent;   /* guarded by mu */
    cl_writer_stats snap;       /* guarded by mu: copied after each commit */

    atomic_uint_fast64_t queued_bytes; /* pushed and not yet freed */
    atomic_uint_fast64_t committed;
    uint64_t lost;

    /* Writer-thread state: the open transaction's records. */
    cl_record *b_head, *b_tail;
    size_t b_count, b_bytes;
    int64_t b_start_us;
    uint64_t retries;
};

static void take_snapshot(cl_writer *w)
{
    pthread_mutex_lock(&w->mu);
    cl_db_get_stats(w->db, &w->snap.db);
    cl_text_get_stats(w->text, &w->snap.text);
    w->snap.retries = w->retries;
    pthread_mutex_unlock(&w->mu);
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Inserts every record of the batch in one transaction. */
static int insert_batch(cl_writer *w)
{
    if (cl_db_begin(w->db) != 0)
        return -1;
    for (cl_record *r = w->b_head; r != NULL; r = r->next) {
        if (cl_db_insert(w->db, r) != 0) {
            cl_db_rollback(w->db);
            return -1;
        }
    }
    if (cl_db_commit(w->db) != 0) {
        cl_db_rollback(w->db);
        return -1;
    }
    return 0;
}

static int stopping(cl_writer *w)
{
    int s;

    pthread_mutex_lock(&w->mu);
    s = w->stop;
    pthread_mutex_unlock(&w->mu);
    return s;
}

/* The database refused the batch (disk full, I/O error, locked by someone
 * else): keep the records and try again. Meanwhile the queue fills and the
 * I/O thread stops reading, so producers are slowed rather than dropped. */
static int retry_batch(cl_writer *w)
{
    int64_t give_up = 0;

    for (int attempt = 0;; attempt++) {
        int ms = 10 << (attempt < 7 ? attempt : 7);

        w->retries++;
        take_snapshot(w);
        sleep_ms(ms > RETRY_MAX_MS ? RETRY_MAX_MS : ms);
        if (insert_batch(w) == 0)
            return 0;
        if (stopping(w)) {
            if (give_up == 0)
                give_up = cl_now_us() + STOP_RETRY_MS * 1000LL;
            else if (cl_now_us() > give_up)
                return -1;
        }
    }
}

/* Ends the open transaction: text first (so an acked entry is in both),
 * then COMMIT; then the records are released and waiters told. */
static void commit_batch(cl_writer *w)
{
    uint64_t last;

    if (w->b_count == 0)
        return;
    cl_text_flush(w->text);
    if (w->b_start_us < 0 || cl_db_commit(w->db) != 0) {
        cl_db_rollback(w->db);
        if (retry_batch(w) != 0)
            w->lost += w->b_count;
    }
    last = w->b_tail->seq;
    while (w->b_head != NULL) {
        cl_record *r = w->b_head;

        w->b_head = r->next;
        cl_record_free(r);
    }
    w->b_tail = NULL;
    atomic_fetch_sub(&w->queued_bytes, w->b_bytes);
    w->b_count = w->b_bytes = 0;
    atomic_store(&w->committed, last);
    if (cl_db_wal_pages(w->db) >= WAL_FORCE_PAGES)
        cl_db_checkpoint(w->db);
    else if (cl_db_wal_pages(w->db) >= WAL_POKE_PAGES)
        cl_checkpointer_poke(w->ckpt);
    take_snapshot(w);
    w->notify(w->notify_arg);
}

/* Appends one record to the open transaction, opening one if needed. */
static void write_record(cl_writer *w, cl_record *r)
{
    if (w->b_count == 0) {
        w->b_start_us = cl_now_us();
        if (cl_db_begin(w->db) != 0)
            w->b_start_us = -1; /* remember: the transaction is not open */
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
    if (w->b_start_us < 0)
        return;
    if (cl_db_insert(w->db, r) != 0) {
        /* Roll back now; commit_batch's retry re-inserts the whole batch. */
        cl_db_rollback(w->db);
        w->b_start_us = -1;
    }
}

/* Takes the whole queue under the lock. */
static cl_record *take_queue(cl_writer *w, int wait_ms, int *stop, int *urgent, int *reopen)
{
    cl_record *chain;

    pthread_mutex_lock(&w->mu);
    if (w->q_head == NULL && !w->stop && !w->reopen && wait_ms != 0) {
        if (wait_ms < 0) {
            pthread_cond_wait(&w->cv, &w->mu);
        } else {
            struct timespec ts;

            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += (long)wait_ms * 1000000L;
            ts.tv_sec += ts.tv_nsec / 1000000000L;
            ts.tv_nsec %= 1000000000L;
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

static void *writer_main(void *arg)
{
    cl_writer *w = arg;
    int stop = 0, urgent = 0, reopen = 0;

    for (;;) {
        int wait_ms = -1;
        cl_record *chain;

        if (w->b_count > 0) {
            int64_t left = w->b_start_us < 0
                               ? 0
                               : (w->b_start_us + w->cfg.batch_ms * 1000LL - cl_now_us()) / 1000;
            wait_ms = left > 0 ? (int)left : 0;
        } else if (w->cfg.fts) {
            cl_db_stats st;

            cl_db_get_stats(w->db, &st);
            if (st.fts_indexed < st.last_id) {
                /* Idle: catch up the full-text index a chunk at a time, then
                 * look at the queue again so ingest keeps priority. */
                cl_db_fts_step(w->db, FTS_CHUNK);
                take_snapshot(w);
                wait_ms = 0;
            }
        }
        if (wait_ms < 0 && w->b_count == 0)
            wait_ms = 1000; /* wake now and then to retry a broken text file */
        chain = take_queue(w, wait_ms, &stop, &urgent, &reopen);
        if (reopen)
            cl_text_reopen(w->text);
        while (chain != NULL) {
            cl_record *next = chain->next;

            write_record(w, chain);
            if (w->b_count >= w->cfg.batch_size)
                commit_batch(w);
            chain = next;
        }
        if (w->b_count > 0 && (urgent || stop || w->b_start_us < 0 ||
                               cl_now_us() >= w->b_start_us + w->cfg.batch_ms * 1000LL))
            commit_batch(w);
        if (stop && w->b_count == 0) {
            pthread_mutex_lock(&w->mu);
            stop = w->q_head == NULL;
            pthread_mutex_unlock(&w->mu);
            if (stop)
                break;
        }
    }
    return NULL;
}

int cl_writer_start(cl_writer **out, const cl_writer_config *cfg, cl_writer_notify notify,
                    void *arg, char *err, size_t errlen)
{
    cl_writer *w = calloc(1, sizeof *w);

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
    if (cl_db_open(&w->db, cfg->db_path, err, errlen) != 0 ||
        cl_checkpointer_start(&w->ckpt, cfg->db_path, err, errlen) != 0 ||
        cl_text_open(&w->text, &cfg->text, err, errlen) != 0)
        goto fail;
    take_snapshot(w);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        snprintf(err, errlen, "cannot start the writer thread");
        goto fail;
    }
    w->started = 1;
    *out = w;
    return 0;
fail:
    cl_checkpointer_stop(w->ckpt);
    cl_db_close(w->db);
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
    lost = w->lost;
    cl_text_close(w->text);
    /* The checkpointer's connection goes first, so that closing the
     * writer's - the last one - checkpoints and removes the WAL. */
    cl_checkpointer_stop(w->ckpt);
    cl_db_close(w->db);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    free(w);
    return lost;
}
