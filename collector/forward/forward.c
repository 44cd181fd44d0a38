/* forward.c - see forward.h. */
#include "forward.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog.h"
#include "catalog_write.h"
#include "clock.h"
#include "dbschema.h"
#include "fwd_transport.h"
#include "netsock.h"
#include "rows.h"
#include "strbuf.h"

/* A batch: this many entries or this many bytes of messages, whichever
 * first (one entry of 64 KiB may go past the bytes). */
#define BATCH_ENTRIES 1024
#define BATCH_BYTES (1024 * 1024)
/* Batches written and not yet confirmed: with BATCH_BYTES, the memory a
 * slow receiver can make us account for is ids only, never bytes; the
 * bytes wait in the kernel's send buffer. */
#define MAX_INFLIGHT 64
/* Waits: for new entries when caught up, for confirmations in flight. */
#define IDLE_WAIT_MS 50
#define INFLIGHT_WAIT_MS 2
/* A receiver that confirms nothing in flight for this long is dropped. */
#define STALL_US (60 * 1000000LL)
/* Reconnection: from BACKOFF_MIN_MS, doubling, at most BACKOFF_MAX_MS. */
#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 30000
/* The cursor is written at most this often while it moves, and at stop. */
#define PERSIST_US 200000
#define BUSY_MS 5000
#define NEWEST_EVERY_US 1000000
/* At a stop: how long confirmations in flight are waited for, and how long
 * the thread has before a blocked send is interrupted. */
/* Yielding to an ingest burst. Forwarding reads back what ingest just
 * wrote, and on a machine ingest saturates that costs ingest whatever the
 * thread's priority (at nice +10, and even at 19, it ran in the gaps and
 * took 14 % of the rate on two cores: cache, memory bandwidth, a sibling
 * hyperthread). So while the writer works more than YIELD_DUTY of the wall
 * time, sampled every YIELD_PROBE_US, the forwarder reads nothing and the
 * entries wait in the database; after the destination's defer= (10 s by
 * default) of one burst it forwards anyway, alongside, so that a burst that
 * does not end delays forwarding by seconds, not for ever. */
#define YIELD_PROBE_US 50000
#define YIELD_DUTY 0.5
#define YIELD_WAIT_MS 20
#define FINAL_WAIT_MS 1000
#define STOP_GRACE_MS 2000

typedef struct flight {
    int64_t last_id;   /* the batch's last entry (filtered ones included) */
    int64_t last_sent; /* its last entry sent: what the transport confirms */
    uint64_t count;    /* entries in it that were sent */
} flight;

struct cl_forwarder {
    cl_fwd_url url;
    const cl_fwd_transport *tr;
    char *catalog_path;
    pthread_t thread;
    int started;
    pthread_mutex_t mu; /* stats, stop, ctx (for interrupt) */
    pthread_cond_t cv;
    int stop;
    int done;              /* the thread has finished (guarded by mu) */
    atomic_int stopping;   /* stop, for a connection attempt to give up early */
    void *ctx;             /* the transport's connection; NULL: none */
    cl_forwarder_stats st; /* guarded by mu */
    /* Thread state. */
    sqlite3 *cat;  /* the catalog, read-write (the cursor) */
    sqlite3 *part; /* the partition being read */
    /* Its read statement, prepared once per partition and reset after each
     * batch (so no read transaction stays open between batches). */
    sqlite3_stmt *read_st;
    char *part_path;
    sqlite3 *live; /* the live partition, for the newest id */
    char *live_path;
    int64_t newest_at_us;
    int64_t cursor;    /* last id confirmed */
    int64_t sent_upto; /* last id read and sent (or passed over) */
    int64_t persisted; /* cursor as last written */
    uint64_t expired;
    int64_t persisted_us;
    flight ring[MAX_INFLIGHT];
    size_t head, n;
    int64_t progress_us; /* last confirmation, or the first batch in flight */
    int backoff_ms;
    uint64_t confirmed_at_connect; /* st.confirmed when this connection began */
    cl_fwd_busy_fn busy;           /* see forward.h; NULL: never yield */
    void *busy_ctx;
    int64_t probe_us, probe_busy; /* the last sample of the writer's work */
    int burst;                    /* the last sample said: ingest is busy */
    int64_t yield_from_us;        /* this burst's yield began; 0: not yielding */
    int yield_spent;              /* this burst had its defer= */
    cl_strbuf buf;
    cl_fwd_msg msgs[BATCH_ENTRIES];
    size_t nmsgs;
};

const char *cl_fwd_state_name(enum cl_fwd_state s)
{
    switch (s) {
    case CL_FWD_CONNECTING:
        return "connecting";
    case CL_FWD_CONNECTED:
        return "connected";
    case CL_FWD_BACKOFF:
        return "backoff";
    default:
        return "stopped";
    }
}

static void set_error(cl_forwarder *f, const char *msg)
{
    pthread_mutex_lock(&f->mu);
    snprintf(f->st.last_error, sizeof f->st.last_error, "%s", msg);
    f->st.last_error_us = cl_now_us();
    pthread_mutex_unlock(&f->mu);
}

static void set_state(cl_forwarder *f, enum cl_fwd_state s)
{
    pthread_mutex_lock(&f->mu);
    f->st.state = s;
    pthread_mutex_unlock(&f->mu);
}

/* Sleeps ms unless stopped; returns whether to stop. */
static int wait_ms(cl_forwarder *f, int ms)
{
    struct timespec ts;
    int stop;

    pthread_mutex_lock(&f->mu);
    if (!f->stop) {
        cl_abstime_in(&ts, ms);
        pthread_cond_timedwait(&f->cv, &f->mu, &ts);
    }
    stop = f->stop;
    pthread_mutex_unlock(&f->mu);
    return stop;
}

/* path as an SQLite URI followed by query: every byte but the unreserved
 * ones %-escaped, so that a '?', '#' or '%' in a directory's name stays
 * part of the name (the CLI opens files the same way, tools/db.c). */
static int file_uri(char *out, size_t outlen, const char *path, const char *query)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;

    n += (size_t)snprintf(out, outlen, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p && n + 4 < outlen; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p) != NULL) {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    if (n + strlen(query) + 1 > outlen)
        return -1;
    memcpy(out + n, query, strlen(query) + 1);
    return 0;
}

/* ------------------------------------------------------------------ cursor */

static int persist(cl_forwarder *f, int force)
{
    char err[256];
    int64_t now = cl_mono_us();

    if (f->cursor == f->persisted && !force)
        return 0;
    if (!force && now - f->persisted_us < PERSIST_US)
        return 0;
    if (cl_catw_cursor_put(f->cat, f->url.key, f->cursor, (int64_t)f->expired, cl_now_us(), err,
                           sizeof err) != 0) {
        set_error(f, err);
        return -1;
    }
    f->persisted = f->cursor;
    f->persisted_us = now;
    return 0;
}

/* The newest stored id, or the oldest's predecessor: where a destination
 * without a cursor starts. */
static int start_point(cl_forwarder *f, int at_end, int64_t *out, char *err, size_t errlen)
{
    cl_part_list l = { NULL, 0 };
    sqlite3 *h = NULL;
    char uri[3 * 4096 + 64];
    long long v = 0;
    int rc = -1;

    if (cl_catalog_list(f->cat, f->catalog_path, &l, err, errlen) != 0)
        return -1;
    if (l.n == 0) {
        *out = 0;
        cl_part_list_free(&l);
        return 0;
    }
    if (!at_end) {
        *out = l.v[0].first_id - 1;
        cl_part_list_free(&l);
        return 0;
    }
    if (file_uri(uri, sizeof uri, l.v[l.n - 1].path, "?mode=ro") == 0 &&
        sqlite3_open_v2(uri, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK &&
        cl_db_query_int(h, "SELECT coalesce(max(id), 0) FROM entries", &v) == SQLITE_OK) {
        *out = v > 0 ? v : l.v[l.n - 1].first_id - 1;
        rc = 0;
    } else {
        snprintf(err, errlen, "cannot read %s: %s", l.v[l.n - 1].path,
                 h ? sqlite3_errmsg(h) : "out of memory");
    }
    sqlite3_close(h);
    cl_part_list_free(&l);
    return rc;
}

static int open_catalog(cl_forwarder *f, char *err, size_t errlen)
{
    int64_t last = 0, expired = 0;
    int rc;

    if (sqlite3_open_v2(f->catalog_path, &f->cat, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        snprintf(err, errlen, "forwarding: cannot open %s: %s", f->catalog_path,
                 f->cat ? sqlite3_errmsg(f->cat) : "out of memory");
        return -1;
    }
    sqlite3_busy_timeout(f->cat, BUSY_MS);
    /* NORMAL: a cursor lost to a power cut only means entries sent twice. */
    sqlite3_exec(f->cat, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    rc = cl_catw_cursor_get(f->cat, f->url.key, &last, &expired, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        if (start_point(f, f->url.start_at_end, &last, err, errlen) != 0)
            return -1;
        f->cursor = last;
        f->expired = 0;
        if (persist(f, 1) != 0) {
            snprintf(err, errlen, "forwarding: cannot write the cursor of %s: %s", f->url.key,
                     f->st.last_error);
            return -1;
        }
    }
    f->cursor = f->persisted = last;
    f->expired = (uint64_t)expired;
    f->sent_upto = last;
    return 0;
}

/* ------------------------------------------------------------------ reading */

static sqlite3 *open_part(const cl_part *p, char *err, size_t errlen)
{
    sqlite3 *h = NULL;
    char uri[3 * 4096 + 64];

    /* Closed partitions never change: immutable skips locking. */
    if (file_uri(uri, sizeof uri, p->path,
                 p->state == CL_PART_CLOSED ? "?mode=ro&immutable=1" : "?mode=ro") != 0) {
        snprintf(err, errlen, "the path %s is too long", p->path);
        return NULL;
    }
    if (sqlite3_open_v2(uri, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", p->path, h ? sqlite3_errmsg(h) : "no memory");
        sqlite3_close(h);
        return NULL;
    }
    sqlite3_busy_timeout(h, BUSY_MS);
    return h;
}

static void close_part(cl_forwarder *f)
{
    sqlite3_finalize(f->read_st);
    f->read_st = NULL;
    sqlite3_close(f->part);
    f->part = NULL;
    free(f->part_path);
    f->part_path = NULL;
}

/* f->part on p, opened if it is not already. */
static int use_part(cl_forwarder *f, const cl_part *p, char *err, size_t errlen)
{
    if (f->part != NULL && strcmp(f->part_path, p->path) == 0)
        return 0;
    close_part(f);
    f->part_path = strdup(p->path);
    if (f->part_path == NULL || (f->part = open_part(p, err, errlen)) == NULL)
        return -1;
    return 0;
}

/* The received time of the first entry after the cursor: how far behind
 * the destination is in time. 0 when there is none. */
static int64_t first_unsent_received(cl_forwarder *f, const cl_part_list *l)
{
    sqlite3_stmt *st = NULL;
    sqlite3 *h;
    int64_t recv = 0;
    char err[256];

    for (size_t i = 0; i < l->n; i++) {
        const cl_part *p = &l->v[i];

        if (p->state != CL_PART_LIVE && p->last_id <= f->cursor)
            continue;
        if ((h = open_part(p, err, sizeof err)) == NULL)
            return 0;
        if (sqlite3_prepare_v2(h, "SELECT received FROM entries WHERE id > ?1 ORDER BY id LIMIT 1",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, f->cursor);
            if (sqlite3_step(st) == SQLITE_ROW)
                recv = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
        sqlite3_close(h);
        break;
    }
    return recv;
}

/* Once a second: the newest stored id (from the live partition) and the
 * age of the first entry not confirmed, for stats. */
static void newest(cl_forwarder *f, const cl_part_list *l)
{
    const cl_part *live = &l->v[l->n - 1];
    int64_t now = cl_now_us(), mono = cl_mono_us(), recv;
    long long v = 0;
    char err[256];

    if (f->newest_at_us != 0 && mono - f->newest_at_us < NEWEST_EVERY_US)
        return;
    f->newest_at_us = mono;
    if (f->live == NULL || strcmp(f->live_path, live->path) != 0) {
        sqlite3_close(f->live);
        free(f->live_path);
        f->live = NULL;
        if ((f->live_path = strdup(live->path)) == NULL ||
            (f->live = open_part(live, err, sizeof err)) == NULL)
            return;
    }
    if (cl_db_query_int(f->live, "SELECT max(id) FROM entries", &v) != SQLITE_OK || v == 0)
        v = live->first_id - 1;
    recv = v > f->cursor ? first_unsent_received(f, l) : 0;
    pthread_mutex_lock(&f->mu);
    f->st.newest = v;
    f->st.behind_s = recv > 0 && now > recv ? (double)(now - recv) / 1e6 : 0.0;
    pthread_mutex_unlock(&f->mu);
}

/* The same while no batch is read (the receiver is down). */
static void refresh_lag(cl_forwarder *f)
{
    cl_part_list l = { NULL, 0 };
    char err[256];

    if (f->newest_at_us != 0 && cl_mono_us() - f->newest_at_us < NEWEST_EVERY_US)
        return;
    if (cl_catalog_list(f->cat, f->catalog_path, &l, err, sizeof err) == 0 && l.n > 0)
        newest(f, &l);
    cl_part_list_free(&l);
}

static void add_entry(cl_forwarder *f, const cl_row_entry *e)
{
    size_t n = cl_s5424_append_framed(&f->buf, e, &f->url.fmt);
    if (n == 0)
        return;
    f->msgs[f->nmsgs].id = e->id;
    f->msgs[f->nmsgs].off = f->buf.len - n;
    f->msgs[f->nmsgs].len = n;
    f->nmsgs++;
}

/* Reads the entries after f->sent_upto in partition p into the batch.
 * Returns the last id read (filtered ones included), or f->sent_upto when
 * there is none, or -1 on a read error. */
static int64_t read_part(cl_forwarder *f, const cl_part *p, uint64_t *filtered, char *err,
                         size_t errlen)
{
    sqlite3_stmt *st;
    char sql[512];
    int64_t last = f->sent_upto;
    int rc;

    if (use_part(f, p, err, errlen) != 0)
        return -1;
    if (f->read_st == NULL) {
        snprintf(sql, sizeof sql, "SELECT %s FROM entries WHERE id > ?1 ORDER BY id LIMIT %d",
                 cl_row_entry_columns(CL_DB_LAYOUT_VERSION), BATCH_ENTRIES);
        if (sqlite3_prepare_v2(f->part, sql, -1, &f->read_st, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "cannot read %s: %s", p->path, sqlite3_errmsg(f->part));
            sqlite3_finalize(f->read_st);
            f->read_st = NULL;
            return -1;
        }
    }
    st = f->read_st;
    sqlite3_bind_int64(st, 1, f->sent_upto);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cl_row_entry e;

        cl_row_entry_read(st, &e);
        last = e.id;
        if (!cl_fwd_url_wants(&f->url, e.level, e.app.p ? e.app.p : "", e.app.n))
            (*filtered)++;
        else
            add_entry(f, &e);
        if (f->buf.oom || f->nmsgs == BATCH_ENTRIES || f->buf.len >= BATCH_BYTES)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        snprintf(err, errlen, "cannot read %s: %s", p->path, sqlite3_errmsg(f->part));
        last = -1;
    } else if (f->buf.oom) {
        snprintf(err, errlen, "out of memory");
        last = -1;
    }
    sqlite3_reset(st); /* ends the read transaction; the statement stays */
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        /* Prepared again at the next batch: nothing of a failed read stays. */
        sqlite3_finalize(f->read_st);
        f->read_st = NULL;
    }
    return last;
}

/* One batch from where sending stopped: entries of the first partition
 * that holds ids after f->sent_upto. Ids are dense, so a gap between the
 * cursor and the first partition left is what retention removed. Returns
 * the last id covered (== f->sent_upto: nothing new), or -1. */
static int64_t read_batch(cl_forwarder *f, uint64_t *filtered, char *err, size_t errlen)
{
    cl_part_list l = { NULL, 0 };
    int64_t last = f->sent_upto;

    f->buf.len = 0;
    f->buf.oom = 0;
    f->nmsgs = 0;
    *filtered = 0;
    if (cl_catalog_list(f->cat, f->catalog_path, &l, err, errlen) != 0)
        return -1;
    if (l.n > 0)
        newest(f, &l);
    for (size_t i = 0; i < l.n; i++) {
        const cl_part *p = &l.v[i];

        if (p->state != CL_PART_LIVE && p->last_id <= f->sent_upto)
            continue;
        if (p->first_id > f->sent_upto + 1) {
            uint64_t gone = (uint64_t)(p->first_id - 1 - f->sent_upto);

            pthread_mutex_lock(&f->mu);
            f->st.expired += gone;
            pthread_mutex_unlock(&f->mu);
            f->expired += gone;
            f->sent_upto = p->first_id - 1;
            last = f->sent_upto;
        }
        last = read_part(f, p, filtered, err, errlen);
        if (last < 0 || last > f->sent_upto || p->state == CL_PART_LIVE)
            break;
        /* A partition no longer written that has nothing after us: its
         * end is covered; go on to the next. */
        last = f->sent_upto = p->last_id;
    }
    cl_part_list_free(&l);
    return last;
}

/* ------------------------------------------------------------------ sending */

static void drop(cl_forwarder *f, const char *why)
{
    uint64_t unconfirmed = 0;
    void *ctx;

    for (size_t i = 0; i < f->n; i++)
        unconfirmed += f->ring[(f->head + i) % MAX_INFLIGHT].count;
    f->n = 0;
    f->sent_upto = f->cursor;
    pthread_mutex_lock(&f->mu);
    ctx = f->ctx;
    f->ctx = NULL;
    f->st.retried += unconfirmed;
    f->st.state = CL_FWD_BACKOFF;
    snprintf(f->st.last_error, sizeof f->st.last_error, "%s", why);
    f->st.last_error_us = cl_now_us();
    pthread_mutex_unlock(&f->mu);
    f->tr->close(ctx);
}

static void publish(cl_forwarder *f)
{
    pthread_mutex_lock(&f->mu);
    f->st.cursor = f->cursor;
    if (f->cursor >= f->st.newest)
        f->st.behind_s = 0.0;
    pthread_mutex_unlock(&f->mu);
}

/* Takes the confirmations in: batches up to id are done. */
static void confirm(cl_forwarder *f, int64_t id)
{
    uint64_t done = 0;

    while (f->n > 0 && f->ring[f->head].last_sent <= id) {
        done += f->ring[f->head].count;
        f->cursor = f->ring[f->head].last_id;
        f->head = (f->head + 1) % MAX_INFLIGHT;
        f->n--;
        f->progress_us = cl_mono_us();
    }
    /* Nothing in flight: what was passed over (filtered) is done too. */
    if (f->n == 0 && f->sent_upto > f->cursor)
        f->cursor = f->sent_upto;
    if (done > 0) {
        f->backoff_ms = BACKOFF_MIN_MS;
        pthread_mutex_lock(&f->mu);
        f->st.confirmed += done;
        /* With the count, so that stats never show all confirmed and the
         * cursor (and "behind") from before. */
        f->st.cursor = f->cursor;
        pthread_mutex_unlock(&f->mu);
    }
}

/* While a send waits for the receiver (fwd_transport.h): what it confirmed
 * meanwhile moves the cursor, which is stored on time (persist's
 * interval), so that a collector killed during a long blocked send resends
 * no more than one that was not sending. Nonzero: stopping, give up. */
static int send_tick(void *arg, int64_t confirmed)
{
    cl_forwarder *f = arg;

    confirm(f, confirmed);
    persist(f, 0);
    publish(f);
    return atomic_load(&f->stopping);
}

/* Whether ingest is in a burst: the writer worked at least YIELD_DUTY of
 * the wall time since the last sample (one every YIELD_PROBE_US). */
static int in_burst(cl_forwarder *f)
{
    int64_t now = cl_mono_us(), worked;

    if (f->busy == NULL || f->url.defer_us == 0)
        return 0;
    if (f->probe_us != 0 && now - f->probe_us < YIELD_PROBE_US)
        return f->burst;
    worked = f->busy(f->busy_ctx);
    f->burst = f->probe_us != 0 &&
               (double)(worked - f->probe_busy) >= YIELD_DUTY * (double)(now - f->probe_us);
    f->probe_us = now;
    f->probe_busy = worked;
    return f->burst;
}

static void end_yield(cl_forwarder *f)
{
    if (f->yield_from_us == 0)
        return;
    pthread_mutex_lock(&f->mu);
    f->st.yielding = 0;
    f->st.yielded_s += (double)(cl_mono_us() - f->yield_from_us) / 1e6;
    pthread_mutex_unlock(&f->mu);
    f->yield_from_us = 0;
}

/* Returns 1 when this step yields to an ingest burst (nothing is read now),
 * 0 when it reads: no burst, or this burst already had its defer=. A burst
 * ends for that count only once the forwarder has caught up (pump): the
 * writer's duty dips while the forwarder runs alongside, and restarting the
 * count at each dip would turn "alongside" back into yields. */
static int yield_to_ingest(cl_forwarder *f)
{
    int64_t now;

    if (!in_burst(f)) {
        end_yield(f);
        return 0;
    }
    if (f->yield_spent)
        return 0;
    now = cl_mono_us();
    if (f->yield_from_us == 0) {
        f->yield_from_us = now;
        pthread_mutex_lock(&f->mu);
        f->st.yielding = 1;
        pthread_mutex_unlock(&f->mu);
    } else if (now - f->yield_from_us >= f->url.defer_us) {
        end_yield(f);
        f->yield_spent = 1;
        return 0;
    }
    refresh_lag(f); /* "entries behind" stays current */
    wait_ms(f, YIELD_WAIT_MS);
    return 1;
}

/* One step while connected: confirmations, then a batch if there is room.
 * Returns 0, or -1 when the connection must go (err says why). */
static int pump(cl_forwarder *f, char *err, size_t errlen)
{
    int64_t id = -1, last;
    uint64_t filtered;
    cl_fwd_batch b;
    void *ctx = f->ctx; /* only this thread changes it */

    if (f->tr->confirmed(ctx, &id, err, errlen) != 0)
        return -1;
    confirm(f, id);
    persist(f, 0);
    publish(f);
    if (f->n > 0 && cl_mono_us() - f->progress_us > STALL_US) {
        snprintf(err, errlen, "the receiver confirmed nothing for %lld s",
                 (long long)(STALL_US / 1000000));
        return -1;
    }
    if (f->n == MAX_INFLIGHT) {
        wait_ms(f, INFLIGHT_WAIT_MS);
        return 0;
    }
    if (yield_to_ingest(f))
        return 0;
    last = read_batch(f, &filtered, err, errlen);
    if (last < 0) {
        /* The database, not the receiver: say so, wait, keep the line. */
        set_error(f, err);
        wait_ms(f, 1000);
        return 0;
    }
    if (filtered > 0) {
        pthread_mutex_lock(&f->mu);
        f->st.filtered += filtered;
        pthread_mutex_unlock(&f->mu);
    }
    if (f->nmsgs > 0) {
        flight *fl = &f->ring[(f->head + f->n) % MAX_INFLIGHT];

        b.framed = f->buf.p;
        b.framed_n = f->buf.len;
        b.msgs = f->msgs;
        b.n = f->nmsgs;
        b.tick = send_tick;
        b.tick_arg = f;
        if (f->tr->send(ctx, &b, err, errlen) != 0)
            return -1;
        if (f->n == 0)
            f->progress_us = cl_mono_us();
        fl->last_id = last;
        fl->last_sent = f->msgs[f->nmsgs - 1].id;
        fl->count = f->nmsgs;
        f->n++;
        pthread_mutex_lock(&f->mu);
        f->st.sent += f->nmsgs;
        pthread_mutex_unlock(&f->mu);
    }
    if (last == f->sent_upto) {
        f->yield_spent = 0; /* caught up: the next burst may be deferred */
        wait_ms(f, f->n > 0 ? INFLIGHT_WAIT_MS : IDLE_WAIT_MS);
    }
    f->sent_upto = last;
    if (f->n == 0)
        confirm(f, -1);
    return 0;
}

static int connect_once(cl_forwarder *f)
{
    char err[512];
    void *ctx = NULL;

    set_state(f, CL_FWD_CONNECTING);
    if (f->tr->open(&ctx, &f->url, &f->stopping, err, sizeof err) != 0) {
        pthread_mutex_lock(&f->mu);
        f->st.connect_errors++;
        f->st.state = CL_FWD_BACKOFF;
        snprintf(f->st.last_error, sizeof f->st.last_error, "%s", err);
        f->st.last_error_us = cl_now_us();
        pthread_mutex_unlock(&f->mu);
        return -1;
    }
    pthread_mutex_lock(&f->mu);
    f->ctx = ctx;
    f->st.connects++;
    f->st.state = CL_FWD_CONNECTED;
    f->confirmed_at_connect = f->st.confirmed;
    pthread_mutex_unlock(&f->mu);
    f->sent_upto = f->cursor;
    f->n = 0;
    return 0;
}

/* At a stop: what is in flight gets FINAL_WAIT_MS to be confirmed, so that
 * a clean stop leaves a cursor after everything the receiver took and the
 * next start sends nothing twice. */
static void final_confirmations(cl_forwarder *f)
{
    int64_t until = cl_mono_us() + FINAL_WAIT_MS * 1000LL, id = -1;
    char err[512];

    while (f->ctx != NULL && f->n > 0 && cl_mono_us() < until) {
        struct timespec ts;

        if (f->tr->confirmed(f->ctx, &id, err, sizeof err) != 0)
            break;
        confirm(f, id);
        if (f->n == 0)
            break;
        pthread_mutex_lock(&f->mu);
        cl_abstime_in(&ts, INFLIGHT_WAIT_MS);
        pthread_cond_timedwait(&f->cv, &f->mu, &ts);
        pthread_mutex_unlock(&f->mu);
    }
}

/* The wait before the next attempt, in slices that keep "entries behind"
 * current; then the next wait doubles. Nonzero: stopped meanwhile. */
static int back_off(cl_forwarder *f)
{
    int left = f->backoff_ms, stop = 0;

    persist(f, 0);
    while (left > 0 && !stop) {
        refresh_lag(f);
        stop = wait_ms(f, left < 1000 ? left : 1000);
        left -= 1000;
    }
    f->backoff_ms = f->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : f->backoff_ms * 2;
    return stop;
}

static void *fwd_main(void *arg)
{
    cl_forwarder *f = arg;
    char err[512];

    cl_net_lower_priority(); /* behind ingest: the database is the queue */
    for (;;) {
        pthread_mutex_lock(&f->mu);
        if (f->stop) {
            pthread_mutex_unlock(&f->mu);
            break;
        }
        pthread_mutex_unlock(&f->mu);
        if (f->ctx == NULL) {
            if (connect_once(f) != 0 && back_off(f) != 0)
                break;
            continue;
        }
        if (pump(f, err, sizeof err) != 0) {
            int fruitless = f->confirmed_at_connect == f->st.confirmed;

            /* A send given up for a stop: the connection stays for the
             * confirmations of what was sent before (final_confirmations). */
            if (atomic_load(&f->stopping))
                break;

            drop(f, err);
            /* A receiver that accepts and closes at once (a balancer with
             * no backend, a server at its connection limit) is a failed
             * attempt too: without this the thread reconnected and resent
             * thousands of times a second. */
            if (fruitless) {
                pthread_mutex_lock(&f->mu);
                f->st.connect_errors++;
                pthread_mutex_unlock(&f->mu);
                if (back_off(f) != 0)
                    break;
            }
        }
    }
    final_confirmations(f);
    persist(f, 1);
    pthread_mutex_lock(&f->mu);
    f->done = 1;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

/* ------------------------------------------------------------------ life */

static void free_forwarder(cl_forwarder *f)
{
    f->tr->close(f->ctx);
    close_part(f);
    sqlite3_close(f->live);
    sqlite3_close(f->cat);
    free(f->live_path);
    free(f->catalog_path);
    cl_strbuf_free(&f->buf);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->cv);
    free(f);
}

int cl_forwarder_start(cl_forwarder **out, const cl_fwd_url *u, const char *catalog_path,
                       cl_fwd_busy_fn busy, void *busy_ctx, char *err, size_t errlen)
{
    cl_forwarder *f = calloc(1, sizeof *f);

    *out = NULL;
    if (f == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    f->url = *u;
    f->busy = busy;
    f->busy_ctx = busy_ctx;
    f->tr = &cl_fwd_tcp;
#ifndef _WIN32
    /* Windows refuses the scheme (fwd_url.c). */
    if (u->scheme == CL_FWD_SYSLOG_TLS)
        f->tr = &cl_fwd_tls;
#endif
#ifdef CL_HAVE_RELP
    if (u->scheme == CL_FWD_RELP)
        f->tr = &cl_fwd_relp;
#endif
    f->backoff_ms = BACKOFF_MIN_MS;
    snprintf(f->st.dest, sizeof f->st.dest, "%s", u->key);
    if ((f->catalog_path = strdup(catalog_path)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (open_catalog(f, err, errlen) != 0)
        goto fail;
    f->st.cursor = f->cursor;
    f->st.newest = f->cursor;
    f->st.expired = f->expired;
    if (pthread_create(&f->thread, NULL, fwd_main, f) != 0) {
        snprintf(err, errlen, "cannot start the forwarding thread of %s", u->key);
        goto fail;
    }
    f->started = 1;
    *out = f;
    return 0;
fail:
    free_forwarder(f);
    return -1;
}

void cl_forwarder_get_stats(cl_forwarder *f, cl_forwarder_stats *st)
{
    pthread_mutex_lock(&f->mu);
    *st = f->st;
    pthread_mutex_unlock(&f->mu);
}

void cl_forwarder_stop(cl_forwarder *f)
{
    if (f == NULL)
        return;
    atomic_store(&f->stopping, 1);
    if (f->started && f->tr->wake != NULL)
        f->tr->wake(f->thread);
    pthread_mutex_lock(&f->mu);
    f->stop = 1;
    pthread_cond_broadcast(&f->cv);
    /* The thread gets STOP_GRACE_MS to take its last confirmations; only a
     * send blocked on a receiver that takes nothing is cut short. */
    if (f->started) {
        struct timespec ts;

        cl_abstime_in(&ts, STOP_GRACE_MS);
        while (!f->done && pthread_cond_timedwait(&f->cv, &f->mu, &ts) == 0)
            ;
    }
    if (!f->done && f->ctx != NULL)
        f->tr->interrupt(f->ctx);
    pthread_mutex_unlock(&f->mu);
    if (f->started)
        pthread_join(f->thread, NULL);
    f->st.state = CL_FWD_STOPPED;
    free_forwarder(f);
}
