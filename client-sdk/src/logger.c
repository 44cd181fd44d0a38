/* logger.c - the public API: buffering, the background sender, flush.
 *
 * Entries live in two FIFO lists under one mutex: "pending" (not yet written)
 * and "inflight" (written on the current connection, not yet acknowledged).
 * Every entry carries a sequence number; the sender follows each burst with
 * {"op":"sync","id":<last seq>} when someone waits or enough is unacknowledged,
 * and the collector's ack releases every inflight entry up to that id. When
 * the connection breaks, inflight goes back to the front of pending and is
 * sent again on the next connection: nothing is lost that fits the buffer.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "centrallog.h"
#include "clock.h"
#include "encode.h"
#include "level.h"
#include "protolimits.h"
#include "utf8.h"
#include "version.h"

/* The installed header repeats common/version.h; they must never differ. */
_Static_assert(CL_SDK_VERSION_NUMBER ==
                   ((CL_VERSION_MAJOR << 16) | (CL_VERSION_MINOR << 8) | CL_VERSION_PATCH),
               "centrallog.h and common/version.h disagree on the version");
#include "platform.h"
#include "timefmt.h"

#define SYNC_EVERY_ENTRIES 512
#define SYNC_EVERY_MS 50
#define BACKOFF_MIN_MS 10
#define BACKOFF_MAX_MS 1000
#define SEND_CHUNK (256u * 1024u)
/* Drops while the collector is reachable are reported at most this often. */
#define DROP_REPORT_MS 1000
/* A live logger carries LIVE_MAGIC; cl_close overwrites it before freeing,
 * so that a log call on a closed logger is refused rather than run on freed
 * state (as long as the memory has not been reused). */
#define LIVE_MAGIC 0x434c4c47u /* "CLLG" */
#define DEAD_MAGIC 0xdeadc105u

/* cl_options as the 0.1.0 header declared it: what a program built against
 * that header allocates, and all that the exported cl_options_init() may
 * write. Its trailing padding is where the first newer field now lives, so a
 * struct_size of this size must not be read past connect_timeout_ms. */
typedef struct options_v1 {
    size_t struct_size;
    const char *address, *host;
    size_t buffer_entries, buffer_bytes;
    cl_overflow overflow;
    int overflow_wait_ms, mirror_stderr;
    size_t max_entry_bytes;
    int connect_timeout_ms;
} options_v1;

/* A cl_flush waiting for acks: which refusals are its to report. The
 * collector counts refusals per acknowledgement, not per entry, so an ack
 * with new rejects marks the range of sequence numbers it covers; a flush
 * reports those that overlap the entries it flushed, (base, target]. */
typedef struct flush_waiter {
    struct flush_waiter *next;
    uint64_t base, target;
    int rejected;
} flush_waiter;

typedef struct qent {
    struct qent *next;
    uint64_t seq;
    size_t len;
    char data[];
} qent;

struct cl_logger {
    cl_options opt;
    uint32_t magic; /* LIVE_MAGIC until cl_close */
    cl_encoder enc;
    char *app;
    char host[256];
    char address[4096];
    int64_t owner_pid; /* fork detection */

    pthread_mutex_t mu;
    cl_waker *waker;         /* sender: something to do */
    pthread_cond_t cv_space; /* loggers waiting for room */
    pthread_cond_t cv_ack;   /* flushers waiting for acks */
    pthread_t thread;
    int thread_started;

    /* Guarded by mu. */
    qent *pend_h, *pend_t;
    qent *infl_h, *infl_t;
    size_t n_entries, n_bytes; /* pending + inflight */
    uint64_t last_seq;         /* last sequence number handed out */
    uint64_t acked_seq;        /* every inflight entry up to here is released */
    uint64_t sync_want;        /* a flusher wants an ack covering this seq */
    uint64_t dropped_unreported;
    uint64_t drop_reports; /* synthetic drop reports made so far */
    uint64_t flushed_seq;  /* the highest target a cl_flush saw acknowledged */
    uint64_t rejected_hi;  /* the end of the last acked range with rejects */
    flush_waiter *waiters;
    int connected, stop, sender_idle;
    cl_stats st;
    char errmsg[768];    /* the last failed call's detail (cl_errmsg) */
    char addr_note[256]; /* default addresses skipped as unsafe at cl_open
                          * (a squatted /tmp directory): said with
                          * unreachable errors, never printed */
    char conn_err[256];  /* why the sender has no connection: part of the
                           detail of a cl_flush that finds none */
};

static const char *const result_text[] = {
    [CL_OK] = "success",
    [CL_EINVAL] = "invalid argument",
    [CL_ENOMEM] = "out of memory",
    [CL_EDROPPED] = "entry dropped: the buffer is full",
    [CL_ETIMEDOUT] = "timed out before the collector acknowledged everything",
    [CL_EUNREACHABLE] = "the collector is not reachable",
    [CL_EREJECTED] = "the collector refused some entries (see its rejects table)",
    [CL_EADDRESS] = "the collector address cannot be used",
    [CL_ETHREAD] = "cannot start the background thread",
    [CL_ECLOSED] = "the logger is closing",
};

const char *cl_strerror(int rc)
{
    if (rc < 0 || (size_t)rc >= sizeof result_text / sizeof result_text[0] || !result_text[rc])
        return "unknown error";
    return result_text[rc];
}

const char *cl_version(void)
{
    return CL_VERSION_STRING;
}

/* ---- the registry of live loggers ------------------------------------------
 *
 * cl_close must recognise a pointer it has already freed without reading the
 * freed memory, so live loggers are listed here. Lock-free (compare-and-swap
 * on slots), because a forked child may inherit it mid-update from a thread
 * that does not exist in the child. Chunks are never freed; a process holds
 * as many as it ever had loggers at once, divided by REG_SLOTS. */
#define REG_SLOTS 64

typedef struct reg_chunk {
    _Atomic(cl_logger *) slot[REG_SLOTS];
    _Atomic(struct reg_chunk *) next;
} reg_chunk;

static reg_chunk reg_head;

static int reg_add(cl_logger *lg)
{
    reg_chunk *c = &reg_head;

    for (;;) {
        reg_chunk *next;

        for (int i = 0; i < REG_SLOTS; i++) {
            cl_logger *empty = NULL;

            if (atomic_compare_exchange_strong(&c->slot[i], &empty, lg))
                return 0;
        }
        next = atomic_load(&c->next);
        if (next == NULL) {
            reg_chunk *fresh = calloc(1, sizeof *fresh);

            if (fresh == NULL)
                return -1;
            if (atomic_compare_exchange_strong(&c->next, &next, fresh))
                next = fresh;
            else
                free(fresh); /* another thread appended one first: use that */
        }
        c = next;
    }
}

/* Removes lg; returns 1 if it was there. Of two racing callers, one wins. */
static int reg_take(const cl_logger *lg)
{
    for (reg_chunk *c = &reg_head; c != NULL; c = atomic_load(&c->next)) {
        for (int i = 0; i < REG_SLOTS; i++) {
            cl_logger *want = (cl_logger *)lg;

            if (atomic_load(&c->slot[i]) == lg &&
                atomic_compare_exchange_strong(&c->slot[i], &want, NULL))
                return 1;
        }
    }
    return 0;
}

static int reg_has(const cl_logger *lg)
{
    for (reg_chunk *c = &reg_head; c != NULL; c = atomic_load(&c->next)) {
        for (int i = 0; i < REG_SLOTS; i++) {
            if (atomic_load(&c->slot[i]) == lg)
                return 1;
        }
    }
    return 0;
}

/* In a forked child the logger's mutex may be held for ever: fork() copies
 * it in whatever state it had, and the thread holding it (the sender, or a
 * logging thread) does not exist in the child. Nothing may lock it there, so
 * the calls on an inherited logger refuse it without recording a message and
 * cl_errmsg gives this fixed one. */
static const char inherited_msg[] =
    "this logger belongs to the parent process (inherited through fork); call cl_open() in "
    "the child";

static int inherited(const cl_logger *lg)
{
    return cl_process_id() != lg->owner_pid;
}

/* cl_errmsg's answer: a copy per calling thread. Returning lg->errmsg
 * itself handed the caller a buffer that another thread's failing call may
 * be rewriting while it is read (a data race ThreadSanitizer reports, and a
 * torn message in practice); the copy is taken under mu and stays valid
 * until this thread's next cl_errmsg. */
static _Thread_local char tl_errmsg[sizeof((cl_logger *)0)->errmsg];

const char *cl_errmsg(const cl_logger *lg)
{
    cl_logger *l = (cl_logger *)lg; /* the mutex, not the logger, changes */

    if (lg == NULL)
        return "no logger (NULL)";
    if (!reg_has(lg))
        return "not a live logger: closed already, or never opened";
    if (inherited(lg))
        return inherited_msg;
    pthread_mutex_lock(&l->mu);
    memcpy(tl_errmsg, l->errmsg, sizeof tl_errmsg);
    pthread_mutex_unlock(&l->mu);
    return tl_errmsg;
}

void cl_options_init_size(cl_options *o, size_t size)
{
    cl_options d;

    if (o == NULL || size == 0)
        return;
    memset(&d, 0, sizeof d);
    d.buffer_entries = 10000;
    d.buffer_bytes = 8u * 1024u * 1024u;
    d.overflow = CL_OVERFLOW_WAIT;
    d.overflow_wait_ms = 1000;
    d.max_entry_bytes = CL_LIMIT_ENTRY_BYTES;
    d.connect_timeout_ms = 1000;
    d.close_timeout_ms = 2000;
    d.close_unreachable_ms = 100;
    d.report_stderr = 0;
    /* A caller's struct from an older header is smaller: fill what it has,
     * and from a newer header larger: zero what we do not know. */
    if (size > sizeof d) {
        memset(o, 0, size);
        size = sizeof d;
    }
    memcpy(o, &d, size);
    o->struct_size = size;
}

/* The exported symbol of the 0.1.0 API, called by programs built against
 * that header (newer ones reach cl_options_init_size through the macro). */
void(cl_options_init)(cl_options *o)
{
    cl_options_init_size(o, sizeof(options_v1));
}

/* The caller's options as this version understands them: what its struct
 * holds, defaults for the rest. */
static void load_options(cl_options *o, const cl_options *src)
{
    size_t n = src->struct_size;

    cl_options_init_size(o, sizeof *o);
    if (n == 0)
        n = sizeof(options_v1); /* no cl_options_init: the 0.1.0 layout at most */
    if (n > sizeof *o)
        n = sizeof *o;
    memcpy(o, src, n);
    /* The fields added after 0.1.0 come as a block, all or none; a 0.1.0
     * struct's trailing padding overlaps the first of them. */
    if (n < offsetof(cl_options, report_stderr) + sizeof o->report_stderr) {
        o->close_timeout_ms = 2000;
        o->close_unreachable_ms = 100;
        o->report_stderr = 0;
    }
    o->struct_size = sizeof *o;
}

/* Records the detail of an error; takes mu (the caller must not hold it). */
static void set_err(cl_logger *lg, const char *fmt, ...) CL_PRINTF(2, 3);
static void set_err(cl_logger *lg, const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&lg->mu);
    va_start(ap, fmt);
    vsnprintf(lg->errmsg, sizeof lg->errmsg, fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&lg->mu);
}

/* The sender's view of the connection; only reported through a call that
 * fails because of it (cl_flush), so that it cannot overwrite the detail of
 * an unrelated failed call. */
static void set_conn_err(cl_logger *lg, const char *fmt, ...) CL_PRINTF(2, 3);
static void set_conn_err(cl_logger *lg, const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&lg->mu);
    va_start(ap, fmt);
    vsnprintf(lg->conn_err, sizeof lg->conn_err, fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&lg->mu);
}

/* Is lg a logger a log call may use? Log calls are the hot path: they check
 * the magic number (one load) rather than the registry. */
static int usable(cl_logger *lg)
{
    if (lg == NULL || lg->magic != LIVE_MAGIC)
        return 0;
    /* No set_err here: it would lock the mutex (see inherited_msg). */
    return !inherited(lg);
}

/* ---- the buffer (caller holds mu) ---------------------------------------- */

static void append_pending(cl_logger *lg, qent *q)
{
    q->next = NULL;
    if (lg->pend_t)
        lg->pend_t->next = q;
    else
        lg->pend_h = q;
    lg->pend_t = q;
    lg->n_entries++;
    lg->n_bytes += q->len;
}

static int full(const cl_logger *lg, size_t len)
{
    return lg->n_entries + 1 > lg->opt.buffer_entries || lg->n_bytes + len > lg->opt.buffer_bytes;
}

static void release(cl_logger *lg, qent *q)
{
    lg->n_entries--;
    lg->n_bytes -= q->len;
    free(q);
}

/* Drop the oldest entry not yet written; returns 0 if there was none. */
static int drop_oldest(cl_logger *lg)
{
    qent *q = lg->pend_h;

    if (q == NULL)
        return 0;
    lg->pend_h = q->next;
    if (lg->pend_h == NULL)
        lg->pend_t = NULL;
    release(lg, q);
    return 1;
}

static void count_drop(cl_logger *lg)
{
    lg->st.dropped++;
    lg->dropped_unreported++;
}

/* Applies the overflow policy until q fits. Returns CL_OK or CL_EDROPPED. */
static int make_room(cl_logger *lg, size_t len)
{
    struct timespec until;
    int waited = 0;

    while (full(lg, len)) {
        if (lg->stop)
            return CL_ECLOSED;
        switch (lg->opt.overflow) {
        case CL_OVERFLOW_DROP_NEWEST:
            return CL_EDROPPED;
        case CL_OVERFLOW_DROP_OLDEST:
            if (!drop_oldest(lg))
                return CL_EDROPPED;
            count_drop(lg);
            continue;
        case CL_OVERFLOW_BLOCK:
            pthread_cond_wait(&lg->cv_space, &lg->mu);
            continue;
        case CL_OVERFLOW_WAIT:
        default:
            /* Slow a fast producer to the collector's pace - but never wait
             * on a collector that is not there. */
            if (!lg->connected)
                return CL_EDROPPED;
            if (!waited) {
                cl_cond_deadline(&until, lg->opt.overflow_wait_ms);
                waited = 1;
            }
            if (pthread_cond_timedwait(&lg->cv_space, &lg->mu, &until) == ETIMEDOUT &&
                full(lg, len))
                return CL_EDROPPED;
            continue;
        }
    }
    return CL_OK;
}

/* ---- log calls ------------------------------------------------------------ */

/* Each thread encodes into a buffer of its own, on the heap: the thread-
 * local slot holds only the pointer, because the destructor must not touch
 * thread-local storage (mingw's emulated TLS may be gone by then). */
static _Thread_local cl_strbuf *tl_enc;
static pthread_key_t enc_key;
static pthread_once_t enc_once = PTHREAD_ONCE_INIT;

/* The per-thread encoding buffer is freed when its thread exits. */
static void free_enc(void *p)
{
    cl_strbuf_free(p);
    free(p);
}

static void make_enc_key(void)
{
    pthread_key_create(&enc_key, free_enc);
}

static cl_strbuf *thread_buf(void)
{
    if (tl_enc == NULL) {
        tl_enc = calloc(1, sizeof *tl_enc);
        if (tl_enc == NULL)
            return NULL;
        pthread_once(&enc_once, make_enc_key);
        pthread_setspecific(enc_key, tl_enc);
    }
    return tl_enc;
}

static void mirror(const cl_logger *lg, cl_level level, const char *msg, size_t n)
{
    fprintf(stderr, "%s[%lld] %s: %.*s\n", lg->app, (long long)lg->enc.pid,
            cl_level_upper((unsigned)level <= CL_TRACE ? (int)level : CL_INFO), (int)n, msg);
}

static int submit(cl_logger *lg, cl_level level, const char *msg, size_t msg_len,
                  const cl_field *fields, size_t nfields)
{
    cl_encode_info info;
    cl_strbuf *enc;
    qent *q;
    int rc;

    if ((unsigned)level > CL_TRACE) {
        set_err(lg, "level: %d is not a cl_level (0-8)", (int)level);
        return CL_EINVAL;
    }
    enc = thread_buf();
    if (enc == NULL) {
        set_err(lg, "out of memory for the encoding buffer");
        return CL_ENOMEM;
    }
    if (cl_encode_entry(&lg->enc, enc, cl_now_us(), cl_thread_id(), level, msg, msg_len, fields,
                        nfields, &info) != 0) {
        set_err(lg, "out of memory encoding the entry");
        return CL_ENOMEM;
    }
    if (lg->opt.mirror_stderr)
        mirror(lg, level, msg, msg_len);
    q = malloc(sizeof *q + enc->len);
    if (q == NULL) {
        set_err(lg, "out of memory queueing the entry");
        return CL_ENOMEM;
    }
    memcpy(q->data, enc->p, enc->len);
    q->len = enc->len;

    pthread_mutex_lock(&lg->mu);
    rc = make_room(lg, q->len);
    if (rc == CL_OK) {
        q->seq = ++lg->last_seq;
        append_pending(lg, q);
        lg->st.queued++;
        lg->st.truncated += (uint64_t)info.truncated;
        if (lg->sender_idle) {
            /* Wake the sender once, not on every call while it sleeps. */
            lg->sender_idle = 0;
            cl_waker_signal(lg->waker);
        }
        q = NULL;
    } else if (rc == CL_EDROPPED || rc == CL_ECLOSED) {
        count_drop(lg); /* cl_stats.dropped: "buffer full or logger closing" */
    }
    pthread_mutex_unlock(&lg->mu);
    free(q);
    return rc;
}

/* Formats into a thread-local buffer; long messages get a heap buffer. */
static int vlog(cl_logger *lg, cl_level level, const cl_field *fields, size_t nfields,
                const char *fmt, va_list ap) CL_PRINTF(5, 0);
static int vlog(cl_logger *lg, cl_level level, const cl_field *fields, size_t nfields,
                const char *fmt, va_list ap)
{
    static _Thread_local char small[1024];
    char *msg = small;
    va_list ap2;
    int n, rc;

    if (fmt == NULL) {
        set_err(lg, "fmt: must not be NULL");
        return CL_EINVAL;
    }
    va_copy(ap2, ap);
    n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        va_end(ap2);
        set_err(lg, "fmt: vsnprintf could not expand \"%.64s\"", fmt);
        return CL_EINVAL;
    }
    if ((size_t)n >= sizeof small) {
        msg = malloc((size_t)n + 1);
        if (msg == NULL) {
            va_end(ap2);
            set_err(lg, "out of memory formatting a %d-byte message", n);
            return CL_ENOMEM;
        }
        vsnprintf(msg, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    rc = submit(lg, level, msg, (size_t)n, fields, nfields);
    if (msg != small)
        free(msg);
    return rc;
}

int cl_log(cl_logger *lg, cl_level level, const char *fmt, ...)
{
    va_list ap;
    int rc;

    if (!usable(lg))
        return CL_EINVAL;
    va_start(ap, fmt);
    rc = vlog(lg, level, NULL, 0, fmt, ap);
    va_end(ap);
    return rc;
}

/* A NULL key or string value is refused, not encoded: the encoder would
 * have to invent a key ("") or a value, and the entry would not say what the
 * program meant. */
static int check_fields(cl_logger *lg, const cl_field *f, size_t n)
{
    if (n > 0 && f == NULL) {
        set_err(lg, "fields: NULL with n = %zu", n);
        return CL_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (f[i].key == NULL) {
            set_err(lg, "fields[%zu]: the key is NULL", i);
            return CL_EINVAL;
        }
        if (f[i].type < CL_FIELD_STRING || f[i].type > CL_FIELD_BOOL) {
            set_err(lg, "fields[%zu] \"%.64s\": %d is not a cl_field_type", i, f[i].key,
                    (int)f[i].type);
            return CL_EINVAL;
        }
        if (f[i].type == CL_FIELD_STRING && f[i].v.s == NULL) {
            set_err(lg, "fields[%zu] \"%.64s\": the string value is NULL", i, f[i].key);
            return CL_EINVAL;
        }
    }
    return CL_OK;
}

int cl_log_fields(cl_logger *lg, cl_level level, const char *msg, const cl_field *fields, size_t n)
{
    if (!usable(lg))
        return CL_EINVAL;
    if (msg == NULL) {
        set_err(lg, "msg: must not be NULL");
        return CL_EINVAL;
    }
    if (check_fields(lg, fields, n) != CL_OK)
        return CL_EINVAL;
    return submit(lg, level, msg, strlen(msg), fields, n);
}

int cl_log_at(cl_logger *lg, cl_level level, const char *file, int line, const char *func,
              const char *fmt, ...)
{
    cl_field where[3];
    size_t n = 0;
    va_list ap;
    int rc;

    if (!usable(lg))
        return CL_EINVAL;
    if (file != NULL)
        where[n++] = CL_STR("file", file);
    where[n++] = CL_INT("line", line);
    if (func != NULL)
        where[n++] = CL_STR("func", func);
    va_start(ap, fmt);
    rc = vlog(lg, level, where, n, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- the sender thread ------------------------------------------------------ */

typedef struct sender {
    cl_logger *lg;
    cl_conn *conn;
    char *out; /* bytes being written */
    size_t out_len, out_off;
    char in[4096]; /* partial reply line */
    size_t in_len;
    uint64_t conn_accepted, conn_rejected; /* last ack's totals on this connection */
    uint64_t conn_suppressed;
    uint64_t unsynced;   /* entries written since the last sync */
    uint64_t synced_seq; /* last id a sync was sent for */
    int64_t last_sync_ms;
    int64_t last_report_ms; /* the last drop report made while connected */
    int backoff_ms;
    int proven;       /* the collector answered on this connection */
    int ever_proven;  /* ... on some connection before */
    int backoff_owed; /* the last connection ended before it was proven */
} sender;

/* The first line on every connection. A collector at its connection limit
 * accepts and closes at once (too_many_connections); only its pong or an ack
 * proves that it took the connection, and until then the reconnect backoff is
 * not reset - or a full collector would be hammered in a hot loop. */
static const char hello_line[] = "{\"op\":\"ping\"}\n";

/* Connection lost: everything unacknowledged will be sent again. */
static void disconnect(sender *s)
{
    cl_logger *lg = s->lg;

    cl_conn_close(s->conn);
    s->conn = NULL;
    s->out_len = s->out_off = s->in_len = 0;
    s->unsynced = 0;
    s->synced_seq = 0;
    s->backoff_owed = !s->proven;
    s->proven = 0;
    pthread_mutex_lock(&lg->mu);
    if (lg->infl_h != NULL) {
        lg->infl_t->next = lg->pend_h;
        lg->pend_h = lg->infl_h;
        if (lg->pend_t == NULL)
            lg->pend_t = lg->infl_t;
        lg->infl_h = lg->infl_t = NULL;
    }
    lg->connected = 0;
    /* Loggers waiting for room must now see "unreachable" and drop; cl_close
     * bounds its wait differently now. */
    pthread_cond_broadcast(&lg->cv_space);
    pthread_cond_broadcast(&lg->cv_ack);
    pthread_mutex_unlock(&lg->mu);
}

/* A synthetic entry that says how much was lost, sent once we can (caller
 * holds mu). Its "report" field numbers the reports of this logger: the
 * entry is delivered at least once like any other, and a resent copy is
 * recognisable as such (same number). */
static void report_drops(cl_logger *lg)
{
    char msg[160];
    cl_strbuf b = CL_STRBUF_INIT;
    cl_encode_info info;
    cl_field f[2];
    qent *q;
    uint64_t n = lg->dropped_unreported;

    snprintf(msg, sizeof msg,
             "libcentrallog: %llu entries dropped while the collector was unreachable or the "
             "buffer was full",
             (unsigned long long)n);
    f[0] = CL_INT("dropped", (int64_t)n);
    f[1] = CL_INT("report", (int64_t)(lg->drop_reports + 1));
    if (cl_encode_entry(&lg->enc, &b, cl_now_us(), -1, CL_WARNING, msg, strlen(msg), f, 2, &info) !=
            0 ||
        (q = malloc(sizeof *q + b.len)) == NULL) {
        cl_strbuf_free(&b);
        return;
    }
    memcpy(q->data, b.p, b.len);
    q->len = b.len;
    q->seq = ++lg->last_seq;
    append_pending(lg, q);
    lg->dropped_unreported = 0;
    lg->drop_reports++;
    cl_strbuf_free(&b);
}

/* Sleeps the current backoff, then doubles it (capped). Only a stop request
 * cuts the sleep short: log calls and flushes also wake the sender, and must
 * not turn the backoff into a busy loop. */
static void backoff(sender *s)
{
    cl_logger *lg = s->lg;
    int64_t until = cl_mono_ms() + s->backoff_ms;

    for (;;) {
        int64_t left = until - cl_mono_ms();
        int stop;

        pthread_mutex_lock(&lg->mu);
        stop = lg->stop;
        pthread_mutex_unlock(&lg->mu);
        if (stop || left <= 0)
            break;
        cl_conn_wait(NULL, 0, lg->waker, (int)left);
    }
    s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
}

static int stopping(cl_logger *lg)
{
    int stop;

    pthread_mutex_lock(&lg->mu);
    stop = lg->stop;
    pthread_mutex_unlock(&lg->mu);
    return stop;
}

static void try_connect(sender *s)
{
    cl_logger *lg = s->lg;
    char err[256];

    if (s->backoff_owed) {
        /* The collector took the last connection and dropped it unanswered
         * (e.g. too_many_connections): wait before the next one. */
        s->backoff_owed = 0;
        backoff(s);
        if (stopping(lg))
            return;
    }
    if (s->out == NULL && (s->out = malloc(SEND_CHUNK + 64)) == NULL) {
        set_conn_err(lg, "out of memory for the send buffer");
        backoff(s);
        return;
    }
    if (cl_conn_open(&s->conn, lg->address, err, sizeof err) == 0) {
        s->proven = 0;
        s->conn_accepted = s->conn_rejected = s->conn_suppressed = 0;
        memcpy(s->out, hello_line, sizeof hello_line - 1);
        s->out_len = sizeof hello_line - 1;
        s->out_off = 0;
        return;
    }
    /* Capped exponential backoff; a stop request cuts the wait short. */
    set_conn_err(lg, "%s", err);
    backoff(s);
}

/* The collector answered on this connection: it is reachable, and the
 * backoff starts from the bottom again. */
static void proven(sender *s)
{
    cl_logger *lg = s->lg;

    if (s->proven)
        return;
    s->proven = 1;
    s->backoff_ms = BACKOFF_MIN_MS;
    pthread_mutex_lock(&lg->mu);
    lg->connected = 1;
    if (s->ever_proven)
        lg->st.reconnects++;
    if (lg->dropped_unreported > 0)
        report_drops(lg);
    pthread_cond_broadcast(&lg->cv_ack);
    pthread_mutex_unlock(&lg->mu);
    s->ever_proven = 1;
}

/* Finds "key": followed by an unsigned integer in a reply line. The
 * collector's replies are flat JSON objects; a tiny scanner keeps the SDK
 * free of a JSON library dependency. */
static int reply_uint(const char *line, const char *key, uint64_t *out)
{
    char pat[32];
    const char *p;
    uint64_t v = 0;

    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(line, pat);
    if (p == NULL)
        return -1;
    p += strlen(pat);
    if (*p < '0' || *p > '9')
        return -1;
    while (*p >= '0' && *p <= '9')
        v = v * 10 + (uint64_t)(*p++ - '0');
    *out = v;
    return 0;
}

/* An error line from the collector (too_many_connections before it closes
 * the connection, idle_timeout, ...): kept as the logger's last error. */
static void handle_error(sender *s, const char *line)
{
    const char *code = strstr(line, "\"code\":\"");
    size_t n = 0;

    if (code == NULL)
        return;
    code += 8;
    while (n < 64 && code[n] != '\0' && code[n] != '"')
        n++;
    set_conn_err(s->lg, "the collector at %s replied with error %.*s%s", s->lg->address, (int)n,
                 code, s->proven ? "" : "; retrying with backoff");
}

/* The ack up to upto reports new rejects (caller holds mu). They belong to
 * the entries it covers: those after the previous ack, (acked_seq, upto] -
 * the collector counts in line order, and acks on a connection follow that
 * order; after a reconnect the first ack covers what was resent, which also
 * starts after acked_seq. */
static void mark_rejects(cl_logger *lg, uint64_t upto)
{
    /* An ack for nothing new is not expected; if one comes, its rejects may
     * belong to any entry acknowledged before. */
    uint64_t from = upto > lg->acked_seq ? lg->acked_seq : 0;

    if (upto > lg->rejected_hi)
        lg->rejected_hi = upto;
    for (flush_waiter *w = lg->waiters; w != NULL; w = w->next) {
        if (from < w->target && upto > w->base)
            w->rejected = 1;
    }
}

static void handle_ack(sender *s, const char *line)
{
    cl_logger *lg = s->lg;
    uint64_t upto, acc, rej, sup = 0;

    if (strstr(line, "\"op\":\"pong\"") != NULL) {
        proven(s);
        return;
    }
    if (strstr(line, "\"op\":\"error\"") != NULL) {
        handle_error(s, line);
        return;
    }
    if (strstr(line, "\"op\":\"ack\"") == NULL || reply_uint(line, "id", &upto) != 0 ||
        reply_uint(line, "accepted", &acc) != 0 || reply_uint(line, "rejected", &rej) != 0)
        return;
    proven(s);
    /* Present once the collector's rate limiter has held some back. */
    reply_uint(line, "suppressed", &sup);
    pthread_mutex_lock(&lg->mu);
    if (rej > s->conn_rejected)
        mark_rejects(lg, upto);
    while (lg->infl_h != NULL && lg->infl_h->seq <= upto) {
        qent *q = lg->infl_h;

        lg->infl_h = q->next;
        if (lg->infl_h == NULL)
            lg->infl_t = NULL;
        release(lg, q);
    }
    if (upto > lg->acked_seq)
        lg->acked_seq = upto;
    if (acc >= s->conn_accepted)
        lg->st.acked += acc - s->conn_accepted;
    if (rej >= s->conn_rejected)
        lg->st.rejected += rej - s->conn_rejected;
    if (sup >= s->conn_suppressed)
        lg->st.suppressed += sup - s->conn_suppressed;
    s->conn_accepted = acc;
    s->conn_rejected = rej;
    s->conn_suppressed = sup;
    pthread_cond_broadcast(&lg->cv_space);
    pthread_cond_broadcast(&lg->cv_ack);
    pthread_mutex_unlock(&lg->mu);
}

/* Reads whatever replies have arrived. Returns -1 when the connection died. */
static int read_replies(sender *s)
{
    for (;;) {
        long n = cl_conn_read(s->conn, s->in + s->in_len, sizeof s->in - 1 - s->in_len);
        char *nl;

        if (n == 0)
            return 0;
        if (n < 0)
            return -1;
        s->in_len += (size_t)n;
        while ((nl = memchr(s->in, '\n', s->in_len)) != NULL) {
            *nl = '\0';
            handle_ack(s, s->in);
            s->in_len -= (size_t)(nl + 1 - s->in);
            memmove(s->in, nl + 1, s->in_len);
        }
        if (s->in_len == sizeof s->in - 1)
            s->in_len = 0; /* a reply longer than any we know: skip it */
    }
}

/* Moves pending entries into the output buffer (and onto inflight), adding a
 * sync when it is time for one. Returns 1 if there is something to write. */
static int fill_output(sender *s)
{
    cl_logger *lg = s->lg;
    size_t cap = SEND_CHUNK, room;
    int64_t now = cl_mono_ms();
    int want_sync;

    pthread_mutex_lock(&lg->mu);
    /* Drops while the collector is reachable (a producer faster than it,
     * a full buffer) are reported too - not only after the next reconnect,
     * which may never come (proven() reports those of an outage). */
    if (lg->dropped_unreported > 0 && s->proven && now - s->last_report_ms >= DROP_REPORT_MS) {
        report_drops(lg);
        s->last_report_ms = now;
    }
    /* The buffer may already hold the hello (try_connect allocated it). */
    room = s->out_len < cap ? cap - s->out_len : 0;
    while (lg->pend_h != NULL && (lg->pend_h->len <= room || s->out_len == 0)) {
        qent *q = lg->pend_h;

        if (q->len > room) {
            /* Larger than the chunk (only with a large max_entry_bytes). */
            char *big = realloc(s->out, q->len + 64);

            if (big == NULL)
                break;
            s->out = big;
            room = q->len;
        }
        memcpy(s->out + s->out_len, q->data, q->len);
        s->out_len += q->len;
        room -= q->len;
        lg->pend_h = q->next;
        if (lg->pend_h == NULL)
            lg->pend_t = NULL;
        q->next = NULL;
        if (lg->infl_t)
            lg->infl_t->next = q;
        else
            lg->infl_h = q;
        lg->infl_t = q;
        lg->st.sent++;
        s->unsynced++;
        /* A flusher's last entry ends the burst, so that its sync and ack
         * cover exactly up to it: the rejects the ack reports are then the
         * flusher's, not shared with entries logged after it began. */
        if (q->seq == lg->sync_want)
            break;
    }
    /* Ask for an ack when someone waits, when much is unacknowledged, when
     * the buffer fills up, or now and then - acks are what free memory. */
    want_sync =
        lg->infl_t != NULL && lg->infl_t->seq > s->synced_seq &&
        (lg->sync_want > s->synced_seq || s->unsynced >= SYNC_EVERY_ENTRIES ||
         lg->n_entries * 2 >= lg->opt.buffer_entries || lg->n_bytes * 2 >= lg->opt.buffer_bytes ||
         now - s->last_sync_ms >= SYNC_EVERY_MS || lg->stop);
    if (want_sync) {
        s->out_len += (size_t)snprintf(s->out + s->out_len, 64, "{\"op\":\"sync\",\"id\":%llu}\n",
                                       (unsigned long long)lg->infl_t->seq);
        s->synced_seq = lg->infl_t->seq;
        s->unsynced = 0;
        s->last_sync_ms = now;
    }
    pthread_mutex_unlock(&lg->mu);
    return s->out_len > s->out_off;
}

/* Writes the output buffer while reading replies. Returns -1 on a broken
 * connection. */
static int write_output(sender *s)
{
    while (s->out_off < s->out_len) {
        long n = cl_conn_write(s->conn, s->out + s->out_off, s->out_len - s->out_off);

        if (n < 0)
            return -1;
        if (n == 0) {
            /* Collector busy (backpressure): wait, but keep reading acks so
             * neither side can wedge the other - and let cl_close, which
             * has given up waiting, end it. */
            int r = cl_conn_wait(s->conn, CL_WAIT_READ | CL_WAIT_WRITE, NULL, 100);

            if (stopping(s->lg) == 2)
                return -1;
            if ((r & CL_WAIT_READ) && read_replies(s) < 0)
                return -1;
            continue;
        }
        s->out_off += (size_t)n;
    }
    s->out_off = s->out_len = 0;
    return 0;
}

/* Nothing to write: sleep until a log call, a flush, a reply or a timer.
 * With entries awaiting acks the timer is the periodic sync interval. */
static void idle_wait(sender *s)
{
    cl_logger *lg = s->lg;
    int have_inflight, sleep;

    pthread_mutex_lock(&lg->mu);
    have_inflight = lg->infl_h != NULL;
    sleep = lg->pend_h == NULL && !lg->stop && !(lg->sync_want > s->synced_seq && have_inflight);
    lg->sender_idle = sleep;
    pthread_mutex_unlock(&lg->mu);
    if (!sleep)
        return;
    if (cl_conn_wait(s->conn, CL_WAIT_READ, lg->waker, have_inflight ? SYNC_EVERY_MS : 1000) &
        CL_WAIT_READ) {
        if (read_replies(s) < 0)
            disconnect(s);
    }
    pthread_mutex_lock(&lg->mu);
    lg->sender_idle = 0;
    pthread_mutex_unlock(&lg->mu);
}

static int should_exit(cl_logger *lg)
{
    int done;

    pthread_mutex_lock(&lg->mu);
    /* On close: leave once everything is acknowledged, or right away when
     * the collector is not reachable (cl_close bounds the wait). */
    done = lg->stop == 2 || (lg->stop && lg->pend_h == NULL && lg->infl_h == NULL);
    pthread_mutex_unlock(&lg->mu);
    return done;
}

static void *sender_main(void *arg)
{
    sender s;

    memset(&s, 0, sizeof s);
    s.lg = arg;
    s.backoff_ms = BACKOFF_MIN_MS;
    while (!should_exit(s.lg)) {
        if (s.conn == NULL) {
            try_connect(&s);
            continue;
        }
        if (fill_output(&s)) {
            if (write_output(&s) < 0) {
                disconnect(&s);
                continue;
            }
        }
        if (read_replies(&s) < 0) {
            disconnect(&s);
            continue;
        }
        idle_wait(&s);
    }
    if (s.conn)
        cl_conn_close(s.conn);
    free(s.out);
    return NULL;
}

/* ---- lifecycle ---------------------------------------------------------------- */

/* The collector's rules for "app" (schema/PROTOCOL.md): 1-128 characters of
 * valid UTF-8, no control characters (C0, DEL, C1). A logger whose every
 * entry would be refused is better refused at cl_open. */
static int check_app(const char *app, char *why, size_t whylen)
{
    size_t n, bad, ctl, chars;

    if (app == NULL || app[0] == '\0') {
        snprintf(why, whylen, "app: must be a non-empty string");
        return CL_EINVAL;
    }
    n = strlen(app);
    /* The first problem in the string is the one reported. */
    bad = cl_utf8_check((const unsigned char *)app, n);
    ctl = cl_utf8_control_at(app, bad);
    if (ctl < bad) {
        snprintf(why, whylen, "app: control character at byte %zu", ctl);
        return CL_EINVAL;
    }
    if (bad < n) {
        snprintf(why, whylen, "app: byte %zu is not valid UTF-8", bad);
        return CL_EINVAL;
    }
    chars = cl_utf8_count(app, n);
    if (chars > CL_LIMIT_APP_CHARS) {
        snprintf(why, whylen, "app: %zu characters, the collector's limit is %d", chars,
                 CL_LIMIT_APP_CHARS);
        return CL_EINVAL;
    }
    return CL_OK;
}

int cl_check_options(const char *app, const cl_options *opts, char *why, size_t whylen)
{
    cl_options o;

    if (why != NULL && whylen > 0)
        why[0] = '\0';
    else
        why = NULL;
    {
        char tmp[160];
        int rc = check_app(app, why ? why : tmp, why ? whylen : sizeof tmp);

        if (rc != CL_OK)
            return rc;
    }
    if (opts == NULL)
        return CL_OK;
    load_options(&o, opts);
#define BAD(...) ((why ? snprintf(why, whylen, __VA_ARGS__) : 0), CL_EINVAL)
    if (o.buffer_entries == 0)
        return BAD("buffer_entries: must be at least 1");
    if (o.buffer_bytes < 1024)
        return BAD("buffer_bytes: %zu is too small; at least 1024", o.buffer_bytes);
    if (o.max_entry_bytes < CL_LIMIT_ENTRY_BYTES_MIN)
        return BAD("max_entry_bytes: %zu is too small; at least 256", o.max_entry_bytes);
    if (o.overflow_wait_ms < 0)
        return BAD("overflow_wait_ms: must be >= 0");
    if ((unsigned)o.overflow > CL_OVERFLOW_BLOCK)
        return BAD("overflow: %d is not a cl_overflow value", (int)o.overflow);
    if (o.host != NULL && (strlen(o.host) > 255 || strpbrk(o.host, "\n\r\t") != NULL))
        return BAD("host: at most 255 characters, no control characters");
    if (o.close_timeout_ms < 0)
        return BAD("close_timeout_ms: must be >= 0");
    if (o.close_unreachable_ms < 0)
        return BAD("close_unreachable_ms: must be >= 0");
#undef BAD
    return CL_OK;
}

static void destroy(cl_logger *lg);

/* Both condition variables, or neither. */
static int init_conds(cl_logger *lg)
{
    if (cl_cond_init(&lg->cv_space) != 0)
        return -1;
    if (cl_cond_init(&lg->cv_ack) != 0) {
        pthread_cond_destroy(&lg->cv_space);
        return -1;
    }
    return 0;
}

int cl_open(cl_logger **out, const char *app, const cl_options *opts)
{
    cl_logger *lg;
    cl_options o;

    if (out == NULL)
        return CL_EINVAL;
    *out = NULL;
    if (cl_check_options(app, opts, NULL, 0) != CL_OK)
        return CL_EINVAL;
    if (opts != NULL)
        load_options(&o, opts); /* what the caller's (maybe older) struct holds */
    else
        cl_options_init_size(&o, sizeof o);
    lg = calloc(1, sizeof *lg);
    if (lg == NULL)
        return CL_ENOMEM;
    lg->opt = o;
    lg->app = strdup(app);
    if (lg->app == NULL) {
        free(lg);
        return CL_ENOMEM;
    }
    if (o.host != NULL && o.host[0] != '\0')
        snprintf(lg->host, sizeof lg->host, "%s", o.host);
    else
        cl_host_name(lg->host, sizeof lg->host);
    lg->opt.address = NULL;
    lg->opt.host = NULL;
    if (cl_address_resolve_connect_note(o.address, lg->address, sizeof lg->address, lg->addr_note,
                                        sizeof lg->addr_note) != 0) {
        free(lg->app);
        free(lg);
        return CL_EADDRESS;
    }
    lg->owner_pid = cl_process_id();
    lg->enc.app = lg->app;
    lg->enc.host = lg->host;
    lg->enc.pid = lg->owner_pid;
    lg->enc.max_entry_bytes = o.max_entry_bytes;
    lg->magic = LIVE_MAGIC;
    pthread_mutex_init(&lg->mu, NULL);
    if (cl_waker_new(&lg->waker) != 0) {
        free(lg->app);
        free(lg);
        return CL_ENOMEM;
    }
    if (init_conds(lg) != 0) {
        pthread_mutex_destroy(&lg->mu);
        cl_waker_free(lg->waker);
        free(lg->app);
        free(lg);
        return CL_ENOMEM;
    }
    if (reg_add(lg) != 0) {
        destroy(lg);
        return CL_ENOMEM;
    }
    if (pthread_create(&lg->thread, NULL, sender_main, lg) != 0) {
        reg_take(lg);
        destroy(lg);
        return CL_ETHREAD;
    }
    lg->thread_started = 1;
    *out = lg;
    return CL_OK;
}

static void unlink_waiter(cl_logger *lg, const flush_waiter *w)
{
    flush_waiter **pp = &lg->waiters;

    while (*pp != w)
        pp = &(*pp)->next;
    *pp = w->next;
}

int cl_flush(cl_logger *lg, int timeout_ms)
{
    struct timespec until;
    flush_waiter me;
    uint64_t target;
    int rc = CL_OK;

    if (lg == NULL || !reg_has(lg) || !usable(lg))
        return CL_EINVAL;
    pthread_mutex_lock(&lg->mu);
    /* The drops so far are reported with what this flush delivers. */
    if (lg->dropped_unreported > 0 && lg->connected)
        report_drops(lg);
    target = lg->pend_t ? lg->pend_t->seq : (lg->infl_t ? lg->infl_t->seq : lg->acked_seq);
    /* This flush reports the refusals among the entries logged since the
     * last flush that completed - also those an ack (a periodic sync)
     * reported before this call: their range ends after base, and began
     * before target. Comparing the rejected counter before and after the
     * wait missed exactly those. */
    me.base = lg->flushed_seq;
    me.target = target;
    me.rejected = lg->rejected_hi > me.base;
    me.next = lg->waiters;
    lg->waiters = &me;
    if (target > lg->sync_want)
        lg->sync_want = target;
    cl_waker_signal(lg->waker);
    if (timeout_ms >= 0)
        cl_cond_deadline(&until, timeout_ms);
    while (lg->acked_seq < target && (lg->pend_h != NULL || lg->infl_h != NULL)) {
        int w = timeout_ms < 0 ? pthread_cond_wait(&lg->cv_ack, &lg->mu)
                               : pthread_cond_timedwait(&lg->cv_ack, &lg->mu, &until);

        if (w == ETIMEDOUT) {
            rc = lg->connected ? CL_ETIMEDOUT : CL_EUNREACHABLE;
            break;
        }
    }
    unlink_waiter(lg, &me);
    if (rc == CL_OK) {
        if (target > lg->flushed_seq)
            lg->flushed_seq = target;
        if (me.rejected)
            rc = CL_EREJECTED;
    }
    if (rc == CL_ETIMEDOUT || rc == CL_EUNREACHABLE)
        snprintf(lg->errmsg, sizeof lg->errmsg, "cl_flush: %s after %d ms%s%s%s%s%s",
                 cl_strerror(rc), timeout_ms, rc == CL_EUNREACHABLE && lg->conn_err[0] ? " (" : "",
                 rc == CL_EUNREACHABLE ? lg->conn_err : "",
                 rc == CL_EUNREACHABLE && lg->conn_err[0] ? ")" : "",
                 rc == CL_EUNREACHABLE && lg->addr_note[0] ? "; " : "",
                 rc == CL_EUNREACHABLE ? lg->addr_note : "");
    pthread_mutex_unlock(&lg->mu);
    return rc;
}

void cl_get_stats(cl_logger *lg, cl_stats *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof *out);
    if (lg == NULL || !reg_has(lg))
        return; /* no message can be kept: there is no live logger to keep it */
    if (inherited(lg))
        return; /* its mutex may be held for ever (see inherited_msg) */
    pthread_mutex_lock(&lg->mu);
    *out = lg->st;
    out->buffered = lg->n_entries;
    out->connected = lg->connected;
    pthread_mutex_unlock(&lg->mu);
}

static void free_list(qent *q)
{
    while (q != NULL) {
        qent *next = q->next;

        free(q);
        q = next;
    }
}

/* Frees a logger whose thread is not running (any more). */
static void destroy(cl_logger *lg)
{
    free_list(lg->pend_h);
    free_list(lg->infl_h);
    pthread_mutex_destroy(&lg->mu);
    cl_waker_free(lg->waker);
    pthread_cond_destroy(&lg->cv_space);
    pthread_cond_destroy(&lg->cv_ack);
    free(lg->app);
    lg->magic = DEAD_MAGIC;
    free(lg);
}

/* cl_close's wait: like cl_flush, but while the collector is not reachable
 * (not running, or refusing the connection) only close_unreachable_ms - an
 * application must not hang on its way out for a collector that is absent. */
static void close_wait(cl_logger *lg)
{
    int64_t t0 = cl_mono_ms();
    uint64_t target;

    pthread_mutex_lock(&lg->mu);
    /* The last drops are reported with what is delivered (the sender's
     * periodic report may not have come round yet). */
    if (lg->dropped_unreported > 0 && lg->connected)
        report_drops(lg);
    target = lg->pend_t ? lg->pend_t->seq : (lg->infl_t ? lg->infl_t->seq : lg->acked_seq);
    if (target > lg->sync_want)
        lg->sync_want = target;
    cl_waker_signal(lg->waker);
    while (lg->acked_seq < target && (lg->pend_h != NULL || lg->infl_h != NULL)) {
        int64_t spent = cl_mono_ms() - t0;
        int64_t limit = lg->connected ? lg->opt.close_timeout_ms : lg->opt.close_unreachable_ms;
        struct timespec until;

        if (spent >= limit)
            break;
        /* Re-judged when the connection comes or goes (both broadcast). */
        cl_cond_deadline(&until, limit - spent);
        pthread_cond_timedwait(&lg->cv_ack, &lg->mu, &until);
    }
    pthread_mutex_unlock(&lg->mu);
}

void cl_close(cl_logger *lg)
{
    /* Only a pointer in the registry is touched: a second cl_close of the
     * same logger finds nothing and returns, without reading freed memory. */
    if (lg == NULL || !reg_take(lg))
        return;
    if (inherited(lg)) {
        /* An inherited copy in a forked child: there is no thread to stop and
         * the mutex may be held by a thread that does not exist here. Free
         * only; the parent's connection is untouched. */
        free_list(lg->pend_h);
        free_list(lg->infl_h);
        cl_waker_free(lg->waker); /* the child's copies of the descriptors */
        free(lg->app);
        lg->magic = DEAD_MAGIC;
        free(lg);
        return;
    }
    /* From here on log calls are refused (best effort: a call that already
     * passed the check finishes normally, its entry is waited for or lost). */
    lg->magic = DEAD_MAGIC;
    if (lg->thread_started) {
        close_wait(lg);
        pthread_mutex_lock(&lg->mu);
        lg->stop = 2;
        cl_waker_signal(lg->waker);
        pthread_cond_broadcast(&lg->cv_space);
        pthread_mutex_unlock(&lg->mu);
        pthread_join(lg->thread, NULL);
    }
    if (lg->n_entries > 0 && lg->opt.report_stderr)
        fprintf(stderr,
                "libcentrallog: %s: %zu entries could not be delivered before cl_close "
                "(collector at %s not reachable or too slow)\n",
                lg->app, lg->n_entries, lg->address);
    destroy(lg);
}
