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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "centrallog.h"
#include "encode.h"
#include "platform.h"
#include "timefmt.h"

#define SYNC_EVERY_ENTRIES 512
#define SYNC_EVERY_MS 50
#define BACKOFF_MIN_MS 10
#define BACKOFF_MAX_MS 1000
#define CLOSE_FLUSH_MS 2000
#define SEND_CHUNK (256u * 1024u)

typedef struct qent {
    struct qent *next;
    uint64_t seq;
    size_t len;
    char data[];
} qent;

struct cl_logger {
    cl_options opt;
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
    int connected, stop, sender_idle;
    cl_stats st;
    char errmsg[256];
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
    return CL_SDK_VERSION_STRING;
}

const char *cl_errmsg(const cl_logger *lg)
{
    return lg != NULL ? lg->errmsg : "no logger";
}

void cl_options_init(cl_options *o)
{
    memset(o, 0, sizeof *o);
    o->struct_size = sizeof *o;
    o->buffer_entries = 10000;
    o->buffer_bytes = 8u * 1024u * 1024u;
    o->overflow = CL_OVERFLOW_WAIT;
    o->overflow_wait_ms = 1000;
    o->max_entry_bytes = 65536;
    o->connect_timeout_ms = 1000;
}

static void set_err(cl_logger *lg, const char *fmt, ...) CL_PRINTF(2, 3);
static void set_err(cl_logger *lg, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(lg->errmsg, sizeof lg->errmsg, fmt, ap);
    va_end(ap);
}

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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
                deadline_in(&until, lg->opt.overflow_wait_ms);
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
static _Thread_local cl_buf *tl_enc;
static pthread_key_t enc_key;
static pthread_once_t enc_once = PTHREAD_ONCE_INIT;

/* The per-thread encoding buffer is freed when its thread exits. */
static void free_enc(void *p)
{
    cl_buf_free(p);
    free(p);
}

static void make_enc_key(void)
{
    pthread_key_create(&enc_key, free_enc);
}

static cl_buf *thread_buf(void)
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
    static const char *const up[] = { "EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING",
                                      "NOTICE",    "INFO",  "DEBUG",    "TRACE" };

    fprintf(stderr, "%s[%lld] %s: %.*s\n", lg->app, (long long)lg->enc.pid,
            up[(unsigned)level <= CL_TRACE ? level : CL_INFO], (int)n, msg);
}

static int submit(cl_logger *lg, cl_level level, const char *msg, size_t msg_len,
                  const cl_field *fields, size_t nfields)
{
    cl_encode_info info;
    cl_buf *enc;
    qent *q;
    int rc;

    if (lg == NULL || msg == NULL || (unsigned)level > CL_TRACE)
        return CL_EINVAL;
    if (cl_process_id() != lg->owner_pid) {
        set_err(lg, "this logger belongs to the parent process; call cl_open() in the child");
        return CL_EINVAL;
    }
    enc = thread_buf();
    if (enc == NULL)
        return CL_ENOMEM;
    if (cl_encode_entry(&lg->enc, enc, cl_now_us(), cl_thread_id(), level, msg, msg_len, fields,
                        nfields, &info) != 0)
        return CL_ENOMEM;
    if (lg->opt.mirror_stderr)
        mirror(lg, level, msg, msg_len);
    q = malloc(sizeof *q + enc->len);
    if (q == NULL)
        return CL_ENOMEM;
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
    } else if (rc == CL_EDROPPED) {
        count_drop(lg);
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

    if (fmt == NULL)
        return CL_EINVAL;
    va_copy(ap2, ap);
    n = vsnprintf(small, sizeof small, fmt, ap);
    if (n < 0) {
        va_end(ap2);
        return CL_EINVAL;
    }
    if ((size_t)n >= sizeof small) {
        msg = malloc((size_t)n + 1);
        if (msg == NULL) {
            va_end(ap2);
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

    va_start(ap, fmt);
    rc = vlog(lg, level, NULL, 0, fmt, ap);
    va_end(ap);
    return rc;
}

int cl_log_fields(cl_logger *lg, cl_level level, const char *msg, const cl_field *fields, size_t n)
{
    if (msg == NULL || (n > 0 && fields == NULL))
        return CL_EINVAL;
    return submit(lg, level, msg, strlen(msg), fields, n);
}

int cl_log_at(cl_logger *lg, cl_level level, const char *file, int line, const char *func,
              const char *fmt, ...)
{
    cl_field where[3] = { CL_STR("file", file), CL_INT("line", line), CL_STR("func", func) };
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = vlog(lg, level, where, 3, fmt, ap);
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
    int backoff_ms;
    int ever_connected;
} sender;

/* Connection lost: everything unacknowledged will be sent again. */
static void disconnect(sender *s)
{
    cl_logger *lg = s->lg;

    cl_conn_close(s->conn);
    s->conn = NULL;
    s->out_len = s->out_off = s->in_len = 0;
    s->unsynced = 0;
    s->synced_seq = 0;
    pthread_mutex_lock(&lg->mu);
    if (lg->infl_h != NULL) {
        lg->infl_t->next = lg->pend_h;
        lg->pend_h = lg->infl_h;
        if (lg->pend_t == NULL)
            lg->pend_t = lg->infl_t;
        lg->infl_h = lg->infl_t = NULL;
    }
    lg->connected = 0;
    /* Loggers waiting for room must now see "unreachable" and drop. */
    pthread_cond_broadcast(&lg->cv_space);
    pthread_mutex_unlock(&lg->mu);
}

/* A synthetic entry that says how much was lost, sent once we can. */
static void report_drops(cl_logger *lg)
{
    char msg[160];
    cl_buf b = { 0 };
    cl_encode_info info;
    cl_field f[1];
    qent *q;
    uint64_t n = lg->dropped_unreported;

    snprintf(msg, sizeof msg,
             "libcentrallog: %llu entries dropped while the collector was unreachable or the "
             "buffer was full",
             (unsigned long long)n);
    f[0] = CL_INT("dropped", (int64_t)n);
    if (cl_encode_entry(&lg->enc, &b, cl_now_us(), -1, CL_WARNING, msg, strlen(msg), f, 1, &info) !=
            0 ||
        (q = malloc(sizeof *q + b.len)) == NULL) {
        cl_buf_free(&b);
        return;
    }
    memcpy(q->data, b.p, b.len);
    q->len = b.len;
    q->seq = ++lg->last_seq;
    append_pending(lg, q);
    lg->dropped_unreported = 0;
    cl_buf_free(&b);
}

static void try_connect(sender *s)
{
    cl_logger *lg = s->lg;
    char err[256];
    int stop;

    if (cl_conn_open(&s->conn, lg->address, err, sizeof err) == 0) {
        pthread_mutex_lock(&lg->mu);
        lg->connected = 1;
        if (s->ever_connected)
            lg->st.reconnects++;
        if (lg->dropped_unreported > 0)
            report_drops(lg);
        pthread_mutex_unlock(&lg->mu);
        s->ever_connected = 1;
        s->backoff_ms = BACKOFF_MIN_MS;
        s->conn_accepted = s->conn_rejected = s->conn_suppressed = 0;
        return;
    }
    /* Capped exponential backoff; a stop request cuts the wait short. */
    pthread_mutex_lock(&lg->mu);
    set_err(lg, "%s", err);
    stop = lg->stop;
    pthread_mutex_unlock(&lg->mu);
    if (!stop)
        cl_conn_wait(NULL, 0, lg->waker, s->backoff_ms);
    s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : s->backoff_ms * 2;
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

static void handle_ack(sender *s, const char *line)
{
    cl_logger *lg = s->lg;
    uint64_t upto, acc, rej, sup = 0;

    if (strstr(line, "\"op\":\"ack\"") == NULL || reply_uint(line, "id", &upto) != 0 ||
        reply_uint(line, "accepted", &acc) != 0 || reply_uint(line, "rejected", &rej) != 0)
        return;
    /* Present once the collector's rate limiter has held some back. */
    reply_uint(line, "suppressed", &sup);
    pthread_mutex_lock(&lg->mu);
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
    int64_t now = mono_ms();
    int want_sync;

    pthread_mutex_lock(&lg->mu);
    if (s->out == NULL)
        s->out = malloc(cap + 64);
    if (s->out == NULL) {
        pthread_mutex_unlock(&lg->mu);
        return 0;
    }
    room = cap;
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
             * neither side can wedge the other. */
            int r = cl_conn_wait(s->conn, CL_WAIT_READ | CL_WAIT_WRITE, NULL, 100);

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
    const unsigned char *s = (const unsigned char *)app;
    size_t chars = 0, n;

    if (app == NULL || app[0] == '\0') {
        snprintf(why, whylen, "app: must be a non-empty string");
        return CL_EINVAL;
    }
    n = strlen(app);
    for (size_t i = 0; i < n; chars++) {
        size_t k = cl_utf8_seq_len(s + i, n - i);

        if (k == 0) {
            snprintf(why, whylen, "app: byte %zu is not valid UTF-8", i);
            return CL_EINVAL;
        }
        if (s[i] < 0x20 || s[i] == 0x7F || (s[i] == 0xC2 && s[i + 1] <= 0x9F)) {
            snprintf(why, whylen, "app: control character at byte %zu", i);
            return CL_EINVAL;
        }
        i += k;
    }
    if (chars > 128) {
        snprintf(why, whylen, "app: %zu characters, the collector's limit is 128", chars);
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
    cl_options_init(&o);
    memcpy(&o, opts,
           opts->struct_size && opts->struct_size < sizeof o ? opts->struct_size : sizeof o);
#define BAD(...) ((why ? snprintf(why, whylen, __VA_ARGS__) : 0), CL_EINVAL)
    if (o.buffer_entries == 0)
        return BAD("buffer_entries: must be at least 1");
    if (o.buffer_bytes < 1024)
        return BAD("buffer_bytes: %zu is too small; at least 1024", o.buffer_bytes);
    if (o.max_entry_bytes < 256)
        return BAD("max_entry_bytes: %zu is too small; at least 256", o.max_entry_bytes);
    if (o.overflow_wait_ms < 0)
        return BAD("overflow_wait_ms: must be >= 0");
    if ((unsigned)o.overflow > CL_OVERFLOW_BLOCK)
        return BAD("overflow: %d is not a cl_overflow value", (int)o.overflow);
    if (o.host != NULL && (strlen(o.host) > 255 || strpbrk(o.host, "\n\r\t") != NULL))
        return BAD("host: at most 255 characters, no control characters");
#undef BAD
    return CL_OK;
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
    cl_options_init(&o);
    if (opts != NULL) {
        /* Copy what the caller's (possibly older, smaller) struct holds. */
        size_t n = opts->struct_size && opts->struct_size < sizeof o ? opts->struct_size : sizeof o;

        memcpy(&o, opts, n);
        o.struct_size = sizeof o;
    }
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
    if (cl_address_resolve_connect(o.address, lg->address, sizeof lg->address) != 0) {
        free(lg->app);
        free(lg);
        return CL_EADDRESS;
    }
    lg->owner_pid = cl_process_id();
    lg->enc.app = lg->app;
    lg->enc.host = lg->host;
    lg->enc.pid = lg->owner_pid;
    lg->enc.max_entry_bytes = o.max_entry_bytes;
    pthread_mutex_init(&lg->mu, NULL);
    if (cl_waker_new(&lg->waker) != 0) {
        free(lg->app);
        free(lg);
        return CL_ENOMEM;
    }
    pthread_cond_init(&lg->cv_space, NULL);
    pthread_cond_init(&lg->cv_ack, NULL);
    if (pthread_create(&lg->thread, NULL, sender_main, lg) != 0) {
        cl_close(lg);
        return CL_ETHREAD;
    }
    lg->thread_started = 1;
    *out = lg;
    return CL_OK;
}

int cl_flush(cl_logger *lg, int timeout_ms)
{
    struct timespec until;
    uint64_t target, rejected0;
    int rc = CL_OK;

    if (lg == NULL || cl_process_id() != lg->owner_pid)
        return CL_EINVAL;
    pthread_mutex_lock(&lg->mu);
    target = lg->pend_t ? lg->pend_t->seq : (lg->infl_t ? lg->infl_t->seq : lg->acked_seq);
    rejected0 = lg->st.rejected;
    if (target > lg->sync_want)
        lg->sync_want = target;
    cl_waker_signal(lg->waker);
    if (timeout_ms >= 0)
        deadline_in(&until, timeout_ms);
    while (lg->acked_seq < target && (lg->pend_h != NULL || lg->infl_h != NULL)) {
        int w = timeout_ms < 0 ? pthread_cond_wait(&lg->cv_ack, &lg->mu)
                               : pthread_cond_timedwait(&lg->cv_ack, &lg->mu, &until);

        if (w == ETIMEDOUT) {
            rc = lg->connected ? CL_ETIMEDOUT : CL_EUNREACHABLE;
            break;
        }
    }
    if (rc == CL_OK && lg->st.rejected > rejected0)
        rc = CL_EREJECTED;
    pthread_mutex_unlock(&lg->mu);
    if (rc == CL_ETIMEDOUT || rc == CL_EUNREACHABLE)
        set_err(lg, "cl_flush: %s after %d ms", cl_strerror(rc), timeout_ms);
    return rc;
}

void cl_get_stats(cl_logger *lg, cl_stats *out)
{
    if (lg == NULL || out == NULL)
        return;
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

void cl_close(cl_logger *lg)
{
    if (lg == NULL)
        return;
    if (cl_process_id() != lg->owner_pid) {
        /* An inherited copy in a forked child: there is no thread to stop and
         * the mutex may be held by a thread that does not exist here. Free
         * only; the parent's connection is untouched. */
        free_list(lg->pend_h);
        free_list(lg->infl_h);
        cl_waker_free(lg->waker); /* the child's copies of the descriptors */
        free(lg->app);
        free(lg);
        return;
    }
    if (lg->thread_started) {
        cl_flush(lg, CLOSE_FLUSH_MS);
        pthread_mutex_lock(&lg->mu);
        lg->stop = 2;
        cl_waker_signal(lg->waker);
        pthread_cond_broadcast(&lg->cv_space);
        pthread_mutex_unlock(&lg->mu);
        pthread_join(lg->thread, NULL);
    }
    if (lg->n_entries > 0)
        fprintf(stderr,
                "libcentrallog: %s: %zu entries could not be delivered before cl_close "
                "(collector at %s not reachable or too slow)\n",
                lg->app, lg->n_entries, lg->address);
    free_list(lg->pend_h);
    free_list(lg->infl_h);
    pthread_mutex_destroy(&lg->mu);
    cl_waker_free(lg->waker);
    pthread_cond_destroy(&lg->cv_space);
    pthread_cond_destroy(&lg->cv_ack);
    free(lg->app);
    free(lg);
}
