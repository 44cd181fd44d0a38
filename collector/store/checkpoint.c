/* checkpoint.c - see checkpoint.h. */
#include "checkpoint.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "fsutil.h"
#include "timefmt.h"

#define BUSY_MS 1000
/* A truncation the readers refused is tried again after a pause that
 * doubles up to this, so that a reader that never lets go does not make us
 * take the write lock every few milliseconds. */
#define TRUNCATE_RETRY_MAX_US (60 * 1000000LL)

struct cl_checkpointer {
    sqlite3 *h; /* guarded by conn_mu; NULL while suspended */
    char *path, *wal_path;
    cl_wal_limits lim;
    pthread_t thread;
    pthread_mutex_t mu, conn_mu;
    pthread_cond_t cv;
    int poked, stop;          /* guarded by mu */
    cl_checkpointer_stats st; /* guarded by mu */
    /* Thread state. */
    int64_t truncate_at_us;
    int truncate_fails;
};

static int open_conn(cl_checkpointer *c, char *err, size_t errlen)
{
    if (sqlite3_open_v2(c->path, &c->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "checkpointer: cannot open %s: %s", c->path,
                 c->h ? sqlite3_errmsg(c->h) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(c->h, BUSY_MS);
    /* A connection learns that the file is in WAL mode only when it first
     * reads it; until then a checkpoint call silently does nothing. */
    if (sqlite3_exec(c->h, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "checkpointer: cannot read %s: %s", c->path, sqlite3_errmsg(c->h));
        goto fail;
    }
    return 0;
fail:
    sqlite3_close(c->h);
    c->h = NULL;
    return -1;
}

static uint64_t wal_size(const cl_checkpointer *c)
{
    cl_file_id id;

    return cl_file_id_path(c->wal_path, &id) == 0 ? id.size : 0;
}

/* After a PASSIVE checkpoint that copied every frame: no reader needs the
 * WAL's old frames, so it may start over from an empty file. */
static int maybe_truncate(cl_checkpointer *c, uint64_t size)
{
    int64_t now = cl_now_us(), pause;
    int rc;

    if (c->lim.keep_bytes == 0 || size <= c->lim.keep_bytes || now < c->truncate_at_us)
        return 0;
    sqlite3_busy_timeout(c->h, CL_WAL_TRUNCATE_WAIT_MS);
    rc = sqlite3_wal_checkpoint_v2(c->h, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    sqlite3_busy_timeout(c->h, BUSY_MS);
    if (rc == SQLITE_OK) {
        c->truncate_fails = 0;
        c->truncate_at_us = 0;
        return 1;
    }
    if (c->truncate_fails < 16)
        c->truncate_fails++;
    pause = 1000000LL << (c->truncate_fails / 2);
    c->truncate_at_us = now + (pause < TRUNCATE_RETRY_MAX_US ? pause : TRUNCATE_RETRY_MAX_US);
    return 0;
}

static void publish(cl_checkpointer *c, uint64_t size, int truncated)
{
    int over = c->lim.warn_bytes > 0 && size > c->lim.warn_bytes;

    pthread_mutex_lock(&c->mu);
    c->st.wal_bytes = size;
    if (size > c->st.wal_peak)
        c->st.wal_peak = size;
    if (over && !c->st.over)
        c->st.warnings++;
    c->st.over = over;
    c->st.truncations += (uint64_t)truncated;
    pthread_mutex_unlock(&c->mu);
}

static void checkpoint_once(cl_checkpointer *c)
{
    int log = -1, done = -1, truncated = 0;
    uint64_t size;

    pthread_mutex_lock(&c->conn_mu);
    if (c->h == NULL) {
        pthread_mutex_unlock(&c->conn_mu);
        return;
    }
    if (sqlite3_wal_checkpoint_v2(c->h, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) ==
        SQLITE_OK) {
        size = wal_size(c);
        if (log >= 0 && done == log && maybe_truncate(c, size))
            truncated = 1;
    }
    size = wal_size(c);
    pthread_mutex_unlock(&c->conn_mu);
    publish(c, size, truncated);
}

static void *checkpoint_main(void *arg)
{
    cl_checkpointer *c = arg;

    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        if (!c->poked) {
            struct timespec ts;

            /* Also checkpoint now and then without a poke, so that a quiet
             * collector does not keep a large WAL around. */
            cl_abstime_in(&ts, 5000);
            pthread_cond_timedwait(&c->cv, &c->mu, &ts);
            if (c->stop)
                break;
        }
        c->poked = 0;
        pthread_mutex_unlock(&c->mu);
        checkpoint_once(c);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static void free_checkpointer(cl_checkpointer *c)
{
    sqlite3_close(c->h);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->conn_mu);
    pthread_cond_destroy(&c->cv);
    free(c->path);
    free(c->wal_path);
    free(c);
}

int cl_checkpointer_start(cl_checkpointer **out, const char *db_path, const cl_wal_limits *lim,
                          char *err, size_t errlen)
{
    cl_checkpointer *c = calloc(1, sizeof *c);
    size_t n = strlen(db_path);

    *out = NULL;
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->conn_mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (lim != NULL)
        c->lim = *lim;
    if ((c->path = strdup(db_path)) == NULL || (c->wal_path = malloc(n + 5)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    memcpy(c->wal_path, db_path, n);
    memcpy(c->wal_path + n, "-wal", 5);
    if (open_conn(c, err, errlen) != 0)
        goto fail;
    c->st.wal_bytes = wal_size(c);
    if (pthread_create(&c->thread, NULL, checkpoint_main, c) != 0) {
        snprintf(err, errlen, "cannot start the checkpoint thread");
        goto fail;
    }
    *out = c;
    return 0;
fail:
    free_checkpointer(c);
    return -1;
}

void cl_checkpointer_poke(cl_checkpointer *c)
{
    pthread_mutex_lock(&c->mu);
    c->poked = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

void cl_checkpointer_suspend(cl_checkpointer *c)
{
    pthread_mutex_lock(&c->conn_mu);
    if (c->h != NULL) {
        /* Leave whatever the files hold as it is: they may be going aside
         * for inspection. */
        sqlite3_db_config(c->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
        sqlite3_close(c->h);
        c->h = NULL;
    }
    pthread_mutex_unlock(&c->conn_mu);
}

int cl_checkpointer_resume(cl_checkpointer *c, char *err, size_t errlen)
{
    int rc = 0;

    pthread_mutex_lock(&c->conn_mu);
    if (c->h == NULL)
        rc = open_conn(c, err, errlen);
    c->truncate_at_us = 0;
    c->truncate_fails = 0;
    pthread_mutex_unlock(&c->conn_mu);
    return rc;
}

void cl_checkpointer_get_stats(cl_checkpointer *c, cl_checkpointer_stats *st)
{
    pthread_mutex_lock(&c->mu);
    *st = c->st;
    pthread_mutex_unlock(&c->mu);
}

void cl_checkpointer_stop(cl_checkpointer *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->mu);
    c->stop = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    free_checkpointer(c);
}
