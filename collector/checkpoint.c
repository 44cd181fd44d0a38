/* checkpoint.c - see checkpoint.h. */
#include "checkpoint.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct cl_checkpointer {
    sqlite3 *h;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int poked, stop; /* guarded by mu */
};

static void *checkpoint_main(void *arg)
{
    cl_checkpointer *c = arg;

    pthread_mutex_lock(&c->mu);
    while (!c->stop) {
        if (!c->poked) {
            struct timespec ts;

            /* Also checkpoint now and then without a poke, so that a quiet
             * collector does not keep a large WAL around. */
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 5;
            pthread_cond_timedwait(&c->cv, &c->mu, &ts);
            if (c->stop)
                break;
        }
        c->poked = 0;
        pthread_mutex_unlock(&c->mu);
        sqlite3_wal_checkpoint_v2(c->h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

int cl_checkpointer_start(cl_checkpointer **out, const char *db_path, char *err, size_t errlen)
{
    cl_checkpointer *c = calloc(1, sizeof *c);

    *out = NULL;
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (sqlite3_open_v2(db_path, &c->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "checkpointer: cannot open %s: %s", db_path,
                 c->h ? sqlite3_errmsg(c->h) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(c->h, 1000);
    /* A connection learns that the file is in WAL mode only when it first
     * reads it; until then a checkpoint call silently does nothing. */
    if (sqlite3_exec(c->h, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "checkpointer: cannot read %s: %s", db_path, sqlite3_errmsg(c->h));
        goto fail;
    }
    if (pthread_create(&c->thread, NULL, checkpoint_main, c) != 0) {
        snprintf(err, errlen, "cannot start the checkpoint thread");
        goto fail;
    }
    *out = c;
    return 0;
fail:
    sqlite3_close(c->h);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c);
    return -1;
}

void cl_checkpointer_poke(cl_checkpointer *c)
{
    pthread_mutex_lock(&c->mu);
    c->poked = 1;
    pthread_cond_signal(&c->cv);
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
    sqlite3_close(c->h);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c);
}
