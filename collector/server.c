/* server.c - per-connection protocol handling on the I/O thread.
 *
 * Each read is framed into lines; each line is validated here (off the
 * writer's critical path) into a record, and the records of one read are
 * handed to the writer in one push. Replies (acks, stats) are queued per
 * connection in request order, each tagged with the sequence number that
 * must be committed before it may be sent.
 */
#include "attr.h"
#include "server.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "framing.h"
#include "slots.h"
#include "heap.h"
#include "textfmt.h"
#include "timefmt.h"
#include "version.h"

/* Replies a connection has asked for and not yet taken: past this much the
 * collector stops reading from it until it catches up, so that a producer
 * sending syncs it never reads (while the database is down, say) cannot make
 * the collector buffer without bound. */
#define REPLY_BACKLOG_MAX (64u * 1024u)
/* The periodic tick: rate-limit windows, notices. */
#define TICK_MS 250
/* A persisting failure is reported again at most this often. */
#define NOTICE_REPEAT_US (10 * 1000000LL)
/* A stats reply is rendered at most this often while nothing it counts has
 * changed (see stats_cached): a client looping stats must not take the
 * I/O thread from producers. */
#define STATS_CACHE_US (250 * 1000LL)
/* Returning freed memory to the system (cl_heap_release): after partial
 * lines of at least TRIM_BYTES or TRIM_CLOSES connections are let go, once a
 * second TRIM_ROUNDS times - the writer frees the rejects and entries of such
 * a burst a little later than the I/O thread lets go of the buffers. */
#define TRIM_BYTES (1024u * 1024u)
#define TRIM_CLOSES 64u
#define TRIM_ROUNDS 3
#define TRIM_EVERY_US 1000000LL

typedef struct reply {
    struct reply *next;
    uint64_t wait_seq; /* send once the writer has committed this far */
    size_t len;
    char text[];
} reply;

typedef struct conn {
    cl_server *srv;
    cl_stream *s;
    cl_framer fr;
    uint64_t accepted, rejected, suppressed;
    size_t r_bytes;         /* bytes of replies not yet sent */
    int throttled;          /* not read until its replies drain (REPLY_BACKLOG_MAX) */
    uint64_t last_seq;      /* last record this connection queued */
    reply *r_head, *r_tail; /* replies not yet sent, in request order */
    cl_record *oversize;    /* too_large reject waiting for its line to end */
    int eof;
    struct conn *w_prev, *w_next; /* on the server's waiting list */
    int waiting;
    uint64_t rejects_suppressed; /* rejected lines not stored (reject limit) */
    cl_slot slot;                /* its connection slot (slots.h) */
} conn;

typedef struct counters {
    uint64_t accepted, rejected, truncated, connections_total, bytes_in;
    uint64_t idle_timeouts;
    uint64_t rejects_suppressed, stats_computed;
    uint64_t partial_cuts; /* partial lines cut for the budget (--partial-bytes) */
} counters;

/* What a stats reply counts that can change without the clock: while none
 * of it has changed, a recent reply is still true (see stats_cached). */
typedef struct stats_key {
    uint64_t seq, committed, refused;
    size_t connections, partial_bytes;
    counters n;
    cl_ratelimit_stats rs, rj;
    cl_slots_stats ss;
    int paused;
} stats_key;

/* When to give memory back (see TRIM_*). */
typedef struct trim_state {
    size_t peak;     /* most partial-line bytes held since the last decision */
    unsigned closes; /* connections closed since then */
    int rounds;      /* releases still due, one per TRIM_EVERY_US */
    int64_t last_us;
} trim_state;

/* What the last notices said, so that each change is reported once. */
typedef struct notice_state {
    uint64_t db_errors, log_errors, log_reopens, log_repaired, log_lines;
    uint64_t log_rotate_errors;
    int migration_said, rotate_fallback_said;
    int db_failing, log_failing;
    int64_t db_said_us, log_said_us;
    uint64_t db_reopens, db_corrupt, wal_warnings; /* events already reported */
    int wal_over;
} notice_state;

struct cl_server {
    cl_server_config cfg;
    cl_validator val;
    cl_io *io;
    cl_writer *w;
    char address[4096];
    char *db_path, *log_path;
    uint64_t seq;               /* last sequence number handed out */
    cl_record *c_head, *c_tail; /* records of the current read, not yet pushed */
    char *scratch;              /* text rendering buffer */
    size_t scratch_cap;
    size_t c_count, c_bytes;
    int urgent;
    int paused;
    conn *waiting; /* connections with unsent replies */
    cl_ratelimit *rl;
    cl_ratelimit *reject_rl; /* rejects stored per peer PID (cfg.reject_burst) */
    cl_slots *slots;
    char *stats_text; /* the last stats reply, and what it was made of */
    stats_key stats_key;
    int64_t stats_us;
    cl_partials partials; /* half lines held by all connections, and their budget */
    trim_state trim;
    cl_peer self; /* credentials of the collector's own entries */
    counters n;
    notice_state ns;
    int64_t started_us;
    volatile sig_atomic_t stop_req, reopen_req;
};

static void waiting_add(cl_server *srv, conn *c)
{
    if (c->waiting)
        return;
    c->waiting = 1;
    c->w_prev = NULL;
    c->w_next = srv->waiting;
    if (srv->waiting)
        srv->waiting->w_prev = c;
    srv->waiting = c;
}

static void waiting_remove(cl_server *srv, conn *c)
{
    if (!c->waiting)
        return;
    if (c->w_prev)
        c->w_prev->w_next = c->w_next;
    else
        srv->waiting = c->w_next;
    if (c->w_next)
        c->w_next->w_prev = c->w_prev;
    c->waiting = 0;
}

/* Hands the records of the current read to the writer in one push. */
static void flush_chain(cl_server *srv)
{
    if (srv->c_head == NULL && !srv->urgent)
        return;
    cl_writer_push(srv->w, srv->c_head, srv->c_tail, srv->c_count, srv->c_bytes, srv->urgent);
    srv->c_head = srv->c_tail = NULL;
    srv->c_count = srv->c_bytes = 0;
    srv->urgent = 0;
}

/* Rejects have a limit of their own, per peer PID: a producer sending
 * invalid lines must not be able to store more than a valid one (issue 13:
 * 30,000 invalid 4 KiB lines were all stored). Beyond the limit a line is
 * still rejected and counted - in the acks, in stats, and in a report entry
 * when the window closes - but not stored. Returns 1 to store r; otherwise
 * r is freed. */
static int admit_reject(cl_server *srv, conn *c, cl_record *r)
{
    if (cl_ratelimit_check(srv->reject_rl, "", 0, r->peer.pid, 0, r->received_us))
        return 1;
    c->rejected++;
    c->rejects_suppressed++;
    srv->n.rejected++;
    srv->n.rejects_suppressed++;
    if (r->u.r.reason == CL_R_TRUNCATED)
        srv->n.truncated++;
    cl_record_free(r);
    return 0;
}

static void queue_record(cl_server *srv, conn *c, cl_record *r)
{
    if (c != NULL && r->kind != CL_REC_ENTRY && !admit_reject(srv, c, r))
        return;
    r->seq = ++srv->seq;
    r->next = NULL;
    if (srv->c_tail)
        srv->c_tail->next = r;
    else
        srv->c_head = r;
    srv->c_tail = r;
    srv->c_count++;
    srv->c_bytes += r->size;
    if (c == NULL)
        return; /* the collector's own entry (rate-limit report) */
    c->last_seq = r->seq;
    if (r->kind == CL_REC_ENTRY) {
        c->accepted++;
        srv->n.accepted++;
    } else {
        c->rejected++;
        srv->n.rejected++;
        if (r->u.r.reason == CL_R_TRUNCATED)
            srv->n.truncated++;
    }
}

static void reject(cl_server *srv, conn *c, enum cl_reason why, const char *msg, const char *raw,
                   size_t raw_len)
{
    cl_record *r = cl_record_reject(why, msg, raw, raw_len, cl_now_us(), cl_stream_peer(c->s));

    if (r != NULL)
        queue_record(srv, c, r);
}

/* Sends every reply at the head of c's queue whose data is committed. */
static void send_ready(cl_server *srv, conn *c, uint64_t committed)
{
    while (c->r_head != NULL && c->r_head->wait_seq <= committed) {
        reply *r = c->r_head;

        c->r_head = r->next;
        if (c->r_head == NULL)
            c->r_tail = NULL;
        c->r_bytes -= r->len;
        cl_stream_write(c->s, r->text, r->len);
        free(r);
    }
    if (c->r_head == NULL)
        waiting_remove(srv, c);
    if (c->throttled && c->r_bytes < REPLY_BACKLOG_MAX / 2) {
        c->throttled = 0;
        cl_stream_throttle(c->s, 0);
    }
}

static void add_reply(cl_server *srv, conn *c, char *json, uint64_t wait_seq)
{
    size_t len = strlen(json);
    reply *r = malloc(sizeof *r + len + 2);

    if (r == NULL) {
        free(json);
        return;
    }
    memcpy(r->text, json, len);
    r->text[len] = '\n';
    r->text[len + 1] = '\0';
    r->len = len + 1;
    r->wait_seq = wait_seq;
    r->next = NULL;
    free(json);
    if (c->r_tail)
        c->r_tail->next = r;
    else
        c->r_head = r;
    c->r_tail = r;
    c->r_bytes += r->len;
    waiting_add(srv, c);
    send_ready(srv, c, cl_writer_committed(srv->w));
    if (!c->throttled && c->r_bytes > REPLY_BACKLOG_MAX) {
        c->throttled = 1;
        cl_stream_throttle(c->s, 1);
    }
}

static char *error_reply(const char *code, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    char *s;

    cJSON_AddStringToObject(o, "op", "error");
    cJSON_AddStringToObject(o, "code", code);
    cJSON_AddStringToObject(o, "message", message);
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static long long file_size(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static char *stats_reply(cl_server *srv)
{
    cl_writer_stats ws;
    cl_ratelimit_stats rs, rj;
    cl_slots_stats ss;
    cJSON *o = cJSON_CreateObject();
    char *s;

    srv->n.stats_computed++;
    cl_writer_get_stats(srv->w, &ws);
    cl_ratelimit_get_stats(srv->rl, &rs);
    cl_ratelimit_get_stats(srv->reject_rl, &rj);
    cl_slots_get_stats(srv->slots, &ss);
    cJSON_AddStringToObject(o, "op", "stats");
    cJSON_AddStringToObject(o, "version", CL_VERSION_STRING);
    cJSON_AddNumberToObject(o, "protocol", CL_PROTOCOL_VERSION);
    cJSON_AddNumberToObject(o, "pid", (double)getpid());
    cJSON_AddNumberToObject(o, "uptime_s", (double)(cl_now_us() - srv->started_us) / 1e6);
    cJSON_AddStringToObject(o, "address", srv->address);
    cJSON_AddNumberToObject(o, "connections", (double)cl_io_stream_count(srv->io));
    cJSON_AddNumberToObject(o, "connections_total", (double)srv->n.connections_total);
    cJSON_AddNumberToObject(o, "connections_refused",
                            (double)(cl_io_refused_count(srv->io) + ss.refused_uid));
    cJSON_AddNumberToObject(o, "connections_refused_uid", (double)ss.refused_uid);
    cJSON_AddNumberToObject(o, "idle_reclaimed", (double)ss.reclaimed);
    cJSON_AddNumberToObject(o, "idle_timeouts", (double)srv->n.idle_timeouts);
    cJSON_AddNumberToObject(o, "accepted", (double)srv->n.accepted);
    cJSON_AddNumberToObject(o, "rejected", (double)srv->n.rejected);
    cJSON_AddNumberToObject(o, "truncated", (double)srv->n.truncated);
    cJSON_AddNumberToObject(o, "partial_bytes", (double)srv->partials.bytes);
    cJSON_AddNumberToObject(o, "partial_cuts", (double)srv->n.partial_cuts);
    cJSON_AddNumberToObject(o, "bytes_in", (double)srv->n.bytes_in);
    cJSON_AddNumberToObject(o, "rate_limited", (double)rs.suppressed);
    cJSON_AddNumberToObject(o, "rate_limited_sources", (double)rs.limited);
    cJSON_AddNumberToObject(o, "rate_limit_sources", (double)rs.sources);
    cJSON_AddNumberToObject(o, "rate_limit_reports", (double)rs.reports);
    cJSON_AddNumberToObject(o, "rejects_suppressed", (double)srv->n.rejects_suppressed);
    cJSON_AddNumberToObject(o, "reject_limit_reports", (double)rj.reports);
    cJSON_AddNumberToObject(o, "stats_computed", (double)srv->n.stats_computed);
    cJSON_AddNumberToObject(o, "committed", (double)ws.committed_seq);
    cJSON_AddNumberToObject(o, "queue_entries", (double)(srv->seq - ws.committed_seq));
    cJSON_AddNumberToObject(o, "queue_bytes", (double)ws.queue_bytes);
    cJSON_AddBoolToObject(o, "backpressure", srv->paused);
    cJSON_AddStringToObject(o, "db_path", srv->db_path);
    cJSON_AddNumberToObject(o, "db_size", (double)file_size(srv->db_path));
    cJSON_AddNumberToObject(o, "db_errors", (double)ws.db.errors);
    cJSON_AddNumberToObject(o, "db_retries", (double)ws.retries);
    cJSON_AddNumberToObject(o, "db_held", (double)ws.held);
    cJSON_AddStringToObject(o, "db_last_error",
                            ws.db.last_error ? cl_db_errstr(ws.db.last_error) : "");
    cJSON_AddStringToObject(o, "log_path", srv->log_path);
    cJSON_AddNumberToObject(o, "log_size", (double)ws.text.file_size);
    cJSON_AddNumberToObject(o, "rotations", (double)ws.text.rotations);
    cJSON_AddNumberToObject(o, "log_errors", (double)ws.text.errors);
    cJSON_AddNumberToObject(o, "log_lost_lines", (double)ws.text.lost_lines);
    cJSON_AddStringToObject(o, "log_last_error",
                            ws.text.last_error[0] ? ws.text.last_error
                            : ws.text.last_errno  ? strerror(ws.text.last_errno)
                                                  : "");
    cJSON_AddNumberToObject(o, "log_reopens", (double)ws.text.reopens);
    cJSON_AddNumberToObject(o, "log_repaired_bytes", (double)ws.text.repaired_bytes);
    cJSON_AddNumberToObject(o, "db_reopens", (double)ws.db.reopens);
    cJSON_AddNumberToObject(o, "db_corrupt", (double)ws.db.corrupt);
    cJSON_AddStringToObject(o, "db_corrupt_aside", ws.db.aside);
    cJSON_AddNumberToObject(o, "wal_size", (double)ws.wal.wal_bytes);
    cJSON_AddNumberToObject(o, "wal_peak", (double)ws.wal.wal_peak);
    cJSON_AddNumberToObject(o, "wal_warn_size", (double)srv->cfg.writer.wal_warn_bytes);
    cJSON_AddBoolToObject(o, "wal_over_warn_size", ws.wal.over);
    cJSON_AddNumberToObject(o, "wal_warnings", (double)ws.wal.warnings);
    cJSON_AddNumberToObject(o, "wal_truncations", (double)ws.wal.truncations);
    cJSON_AddNumberToObject(o, "log_rotate_fallbacks", (double)ws.text.rotate_fallbacks);
    cJSON_AddNumberToObject(o, "log_rotate_errors", (double)ws.text.rotate_errors);
    cJSON_AddNumberToObject(o, "fts_indexed", (double)ws.db.fts_indexed);
    cJSON_AddNumberToObject(o, "fts_pending", (double)(ws.db.last_id - ws.db.fts_indexed));
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static void get_stats_key(cl_server *srv, stats_key *k)
{
    memset(k, 0, sizeof *k); /* padding too: keys are compared with memcmp */
    k->seq = srv->seq;
    k->committed = cl_writer_committed(srv->w);
    k->refused = cl_io_refused_count(srv->io);
    k->connections = cl_io_stream_count(srv->io);
    k->partial_bytes = srv->partials.bytes; /* a connection's half line counts */
    k->n = srv->n;
    k->n.stats_computed = 0;
    k->n.bytes_in = 0; /* the stats request itself adds to it */
    cl_ratelimit_get_stats(srv->rl, &k->rs);
    cl_ratelimit_get_stats(srv->reject_rl, &k->rj);
    cl_slots_get_stats(srv->slots, &k->ss);
    k->paused = srv->paused;
}

/* The stats reply, rendered again only when something it counts has changed
 * or it is STATS_CACHE_US old. Rendering costs tens of microseconds on the
 * I/O thread; two clients looping stats once made another producer's acks
 * a hundred times slower. Every count a connection can have caused or been
 * told about (its entries, rejects and acks, its own connection) changes the
 * key, so a reply is never older than what the asker has seen; only values
 * that move by themselves (uptime, sizes, the writer's retries and the
 * full-text index) and bytes_in may be up to STATS_CACHE_US old. Returns a
 * copy. */
static char *stats_cached(cl_server *srv)
{
    int64_t now = cl_now_us();
    stats_key k;

    get_stats_key(srv, &k);
    if (srv->stats_text == NULL || now - srv->stats_us >= STATS_CACHE_US || now < srv->stats_us ||
        memcmp(&k, &srv->stats_key, sizeof k) != 0) {
        char *fresh = stats_reply(srv);

        if (fresh == NULL)
            return NULL;
        free(srv->stats_text);
        srv->stats_text = fresh;
        srv->stats_key = k;
        srv->stats_us = now;
    }
    return strdup(srv->stats_text);
}

/* Built by hand: the id is echoed byte-for-byte as the producer sent it. */
static char *ack_reply(const conn *c, const char *raw_id)
{
    size_t n = (raw_id ? strlen(raw_id) : 0) + 192;
    char *s = malloc(n);
    char sup[48] = "", rsup[48] = "";

    if (s == NULL)
        return NULL;
    /* Rate-limited entries are neither stored nor rejected; the member
     * appears once there are any, so older producers see the same acks. */
    if (c->suppressed > 0)
        snprintf(sup, sizeof sup, ",\"suppressed\":%llu", (unsigned long long)c->suppressed);
    /* Rejected lines the reject limit kept out of the database: still
     * counted in "rejected" (they were refused), and this says how many of
     * those have no row. */
    if (c->rejects_suppressed > 0)
        snprintf(rsup, sizeof rsup, ",\"rejects_suppressed\":%llu",
                 (unsigned long long)c->rejects_suppressed);
    snprintf(s, n, "{\"op\":\"ack\"%s%s,\"accepted\":%llu,\"rejected\":%llu%s%s}",
             raw_id ? ",\"id\":" : "", raw_id ? raw_id : "", (unsigned long long)c->accepted,
             (unsigned long long)c->rejected, sup, rsup);
    return s;
}

static void handle_op(cl_server *srv, conn *c, cJSON *req, char *raw_id)
{
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(req, "op");
    char *out;

    if (!cJSON_IsString(op)) {
        add_reply(srv, c, error_reply("bad_request", "\"op\" must be a string"), 0);
    } else if (strcmp(op->valuestring, "sync") == 0) {
        /* Everything before the sync must reach the writer now, and be
         * committed without waiting for the batch timer. */
        srv->urgent = c->last_seq > cl_writer_committed(srv->w);
        flush_chain(srv);
        out = ack_reply(c, raw_id);
        if (out != NULL)
            add_reply(srv, c, out, c->last_seq);
    } else if (strcmp(op->valuestring, "stats") == 0) {
        out = stats_cached(srv);
        if (out != NULL)
            add_reply(srv, c, out, 0);
    } else if (strcmp(op->valuestring, "ping") == 0) {
        char buf[128];

        snprintf(buf, sizeof buf, "{\"op\":\"pong\",\"version\":\"%s\",\"protocol\":%d}",
                 CL_VERSION_STRING, CL_PROTOCOL_VERSION);
        add_reply(srv, c, strdup(buf), 0);
    } else {
        add_reply(srv, c,
                  error_reply("unknown_op", "unknown op; this collector knows sync, stats, ping"),
                  0);
    }
    cJSON_Delete(req);
    free(raw_id);
}

static void handle_line(cl_server *srv, conn *c, char *line, size_t len)
{
    cl_line_result res;

    cl_validate_line(&srv->val, line, len, cl_now_us(), cl_stream_peer(c->s), &res);
    switch (res.kind) {
    case CL_LINE_ENTRY:
        if (!cl_ratelimit_check(srv->rl, res.rec->u.e.app.p, res.rec->u.e.app.n, res.rec->peer.pid,
                                res.rec->u.e.level, res.rec->received_us)) {
            /* Counted by the limiter, reported in a synthetic entry. */
            c->suppressed++;
            cl_record_free(res.rec);
            break;
        }
        /* If rendering fails for lack of memory the writer formats it. */
        cl_text_prerender(res.rec, srv->cfg.writer.text.format, &srv->scratch, &srv->scratch_cap);
        queue_record(srv, c, res.rec);
        break;
    case CL_LINE_REJECT:
        queue_record(srv, c, res.rec);
        break;
    case CL_LINE_OP:
        handle_op(srv, c, res.op, res.op_id);
        break;
    case CL_LINE_NOMEM:
        reject(srv, c, CL_R_NO_MEMORY, "the collector ran out of memory", line, len);
        break;
    case CL_LINE_BLANK:
        break;
    }
}

static void refuse_uid(cl_stream *s);
static void reclaim_idle(cl_server *srv, int most);

static void on_accept(cl_io *io, cl_stream *s)
{
    cl_server *srv = cl_io_data(io);
    conn *c = calloc(1, sizeof *c);

    if (c == NULL)
        return; /* on_alloc will fail and close the stream */
    if (cl_slots_admit(srv->slots, &c->slot, cl_stream_peer(s)->uid, cl_now_us()) != 0) {
        free(c);
        refuse_uid(s);
        return;
    }
    c->srv = srv;
    c->s = s;
    cl_framer_init(&c->fr, srv->cfg.limits.max_entry_bytes);
    cl_framer_attach(&c->fr, &srv->partials);
    cl_stream_set_data(s, c);
    srv->n.connections_total++;
    reclaim_idle(srv, 1);
}

static int on_alloc(cl_stream *s, char **buf, size_t *len)
{
    conn *c = cl_stream_data(s);

    return c != NULL ? cl_framer_space(&c->fr, buf, len) : -1;
}

static void apply_backpressure(cl_server *srv)
{
    if (!srv->paused && cl_writer_full(srv->w)) {
        srv->paused = 1;
        cl_io_pause(srv->io, 1);
    }
}

/* An oversized line is reported with its head at once but queued only when
 * it ends (CL_FRAME_TOO_LARGE_END, or the peer leaving mid-line), so that
 * raw_len is the line's full length and rejects stay in the order the lines
 * arrived. */
static void finish_oversize(cl_server *srv, conn *c, size_t full_len)
{
    if (c->oversize == NULL)
        return;
    c->oversize->u.r.raw_len = full_len;
    queue_record(srv, c, c->oversize);
    c->oversize = NULL;
}

static int has_partial(const conn *c)
{
    const char *p;

    return c->fr.discarding || cl_framer_partial(&c->fr, &p) > 0;
}

/* Connection slots (slots.h). A UID over its share is told so with the
 * reply of a full collector, and the connection is closed. */
static void refuse_uid(cl_stream *s)
{
    char *msg = error_reply("too_many_connections",
                            "this user holds its share of the collector's connections "
                            "(--max-connections-per-uid); retry later");

    if (msg != NULL) {
        size_t n = strlen(msg);

        msg[n] = '\n'; /* error_reply's NUL: the line needs its newline */
        cl_stream_write(s, msg, n + 1);
        free(msg);
    }
    cl_stream_close(s);
}

/* Closing loses nothing: no partial line, no reply owed, no byte unread. */
static int can_reclaim(cl_slot *slot, void *arg)
{
    conn *c = (conn *)((char *)slot - offsetof(conn, slot));

    (void)arg;
    return !c->eof && c->r_head == NULL && c->oversize == NULL && !has_partial(c) &&
           !cl_stream_busy(c->s);
}

/* Slots are short: close the connections silent longest (beyond
 * --idle-reclaim) until they are not, at most `most` of them. */
static void reclaim_idle(cl_server *srv, int most)
{
    static const char msg[] =
        "{\"op\":\"error\",\"code\":\"idle_reclaimed\",\"message\":\"closed after "
        "--idle-reclaim without a byte, because the collector is short of connection slots; "
        "connect again to log\"}\n";
    int64_t now = cl_now_us();
    cl_slot *slot;

    while (most-- > 0 && cl_slots_short(srv->slots) &&
           (slot = cl_slots_reclaim(srv->slots, now, can_reclaim, NULL)) != NULL) {
        conn *c = (conn *)((char *)slot - offsetof(conn, slot));

        cl_stream_write(c->s, msg, sizeof msg - 1);
        cl_stream_close(c->s);
    }
}

/* Forgets c's partial line and, unless a read is posted into it (Windows),
 * its buffer. */
static void drop_partial(conn *c)
{
    cl_framer_cut(&c->fr);
    if (!cl_stream_reading(c->s))
        cl_framer_trim(&c->fr);
}

static void finish_eof(cl_server *srv, conn *c)
{
    const char *p;
    size_t n = cl_framer_partial(&c->fr, &p);
    char msg[128];

    if (c->fr.discarding)
        finish_oversize(srv, c, c->fr.discarded);
    /* A producer that hung up mid-line loses that line only - and we say so. */
    if (n > 0) {
        snprintf(msg, sizeof msg, "connection closed after %zu bytes of an unterminated line", n);
        reject(srv, c, CL_R_TRUNCATED, msg, p, n);
        /* Recorded: it must neither count against the budget while the
         * peer waits for its acks nor be cut (and recorded) a second time. */
        drop_partial(c);
    }
    c->eof = 1;
    if (c->r_head == NULL) {
        flush_chain(srv);
        cl_stream_close(c->s);
        return;
    }
    /* The peer half-closed and still waits for acks: commit now, and let
     * on_wakeup close the stream once the last reply is out. */
    srv->urgent = 1;
    flush_chain(srv);
}

static conn *framer_conn(cl_framer *f)
{
    return (conn *)(void *)((char *)f - offsetof(conn, fr));
}

/* The partial lines of all connections together exceed --partial-bytes:
 * the one that has waited longest is kept as a truncated reject and the rest
 * of it is skipped up to its newline, like an oversized line. Its connection
 * stays open; a producer that is merely slow loses that one line. */
static void cut_partial(cl_server *srv, conn *c)
{
    const char *p;
    size_t n = cl_framer_partial(&c->fr, &p);
    char msg[200];

    if (n > 0) {
        snprintf(msg, sizeof msg,
                 "cut after %zu bytes: partial lines held for all connections exceeded "
                 "--partial-bytes (%zu); the rest of this line is skipped to its newline",
                 n, srv->cfg.partial_bytes);
        reject(srv, c, CL_R_TRUNCATED, msg, p, n);
        srv->n.partial_cuts++;
    }
    /* On Windows a read may be posted into the buffer: the buffer is then
     * released when that read completes (cl_framer_next trims). */
    drop_partial(c);
}

static void enforce_budget(cl_server *srv)
{
    cl_framer *f;

    while ((f = cl_partials_victim(&srv->partials)) != NULL)
        cut_partial(srv, framer_conn(f));
    if (srv->partials.bytes > srv->trim.peak)
        srv->trim.peak = srv->partials.bytes;
}

static void on_read(cl_stream *s, size_t n)
{
    conn *c = cl_stream_data(s);
    cl_server *srv = c->srv;
    enum cl_frame_result fr;
    uint64_t seq0 = srv->seq;
    char *line;
    size_t len;

    if (n == 0) {
        finish_eof(srv, c);
        return;
    }
    srv->n.bytes_in += n;
    cl_slots_touch(srv->slots, &c->slot, cl_now_us());
    cl_framer_commit(&c->fr, n);
    while ((fr = cl_framer_next(&c->fr, &line, &len)) != CL_FRAME_NONE) {
        if (fr == CL_FRAME_LINE) {
            handle_line(srv, c, line, len);
        } else if (fr == CL_FRAME_TOO_LARGE) {
            char msg[128];

            snprintf(msg, sizeof msg,
                     "line longer than the limit of %zu bytes; skipped to the "
                     "next newline",
                     srv->cfg.limits.max_entry_bytes);
            c->oversize =
                cl_record_reject(CL_R_TOO_LARGE, msg, line, len, cl_now_us(), cl_stream_peer(c->s));
        } else {
            finish_oversize(srv, c, len);
        }
    }
    enforce_budget(srv);
    flush_chain(srv);
    /* Half a line held: the peer has idle_timeout to send the rest. */
    if (srv->cfg.idle_timeout_ms > 0)
        cl_stream_set_timeout(s, has_partial(c) ? srv->cfg.idle_timeout_ms : 0);
    apply_backpressure(srv);
    /* Under backpressure a stream that brought entries waits for the pause
     * to end; one that only asks for stats keeps being served. */
    if (srv->paused && srv->seq != seq0)
        cl_stream_hold(s);
}

/* Slowloris: half a line, then silence. The partial line is kept as a
 * reject (like a hang-up mid-line), the peer is told why, and the
 * connection is closed; nobody else is affected. */
static void on_timeout(cl_stream *s)
{
    conn *c = cl_stream_data(s);
    cl_server *srv;
    const char *p;
    size_t n;
    char msg[160];

    if (c == NULL)
        return;
    srv = c->srv;
    srv->n.idle_timeouts++;
    if (c->fr.discarding)
        finish_oversize(srv, c, c->fr.discarded);
    n = cl_framer_partial(&c->fr, &p);
    if (n > 0) {
        snprintf(msg, sizeof msg,
                 "no complete line within the idle timeout of %d ms; connection closed after "
                 "%zu bytes of an unterminated line",
                 srv->cfg.idle_timeout_ms, n);
        reject(srv, c, CL_R_IDLE_TIMEOUT, msg, p, n);
    }
    flush_chain(srv);
    send_ready(srv, c, cl_writer_committed(srv->w));
    add_reply(srv, c,
              error_reply("idle_timeout", "no complete line within the idle timeout; closing"), 0);
    cl_stream_close(s);
}

static void on_close(cl_stream *s, int err)
{
    conn *c = cl_stream_data(s);

    (void)err;
    if (c == NULL)
        return;
    waiting_remove(c->srv, c);
    cl_slots_leave(c->srv->slots, &c->slot);
    cl_record_free(c->oversize);
    while (c->r_head) {
        reply *r = c->r_head;

        c->r_head = r->next;
        free(r);
    }
    cl_framer_free(&c->fr);
    c->srv->trim.closes++;
    free(c);
    cl_stream_set_data(s, NULL);
}

static void on_wakeup(cl_io *io)
{
    cl_server *srv = cl_io_data(io);
    uint64_t committed = cl_writer_committed(srv->w);
    conn *c = srv->waiting;

    cl_writer_reclaim(srv->w);
    while (c != NULL) {
        conn *next = c->w_next;

        send_ready(srv, c, committed);
        if (c->eof && c->r_head == NULL)
            cl_stream_close(c->s);
        c = next;
    }
    /* Resume reading once the writer has worked the queue down by half:
     * hysteresis, so the loop does not flap between paused and running. */
    if (srv->paused) {
        cl_writer_stats st;

        cl_writer_get_stats(srv->w, &st);
        if (st.queue_bytes < srv->cfg.writer.queue_bytes / 2) {
            srv->paused = 0;
            cl_io_pause(srv->io, 0);
        }
    }
    if (srv->reopen_req) {
        srv->reopen_req = 0;
        cl_writer_request_reopen(srv->w);
    }
}

static void store_own(cl_server *srv, cJSON *o);

/* The reject limiter closed a window in which it kept rejects of a peer out
 * of the database: an entry of our own says how many, like rate_report.
 * Its key is the peer PID alone (app is empty). */
static void reject_report(void *arg, const char *app, size_t app_len, int64_t pid,
                          uint64_t suppressed)
{
    cl_server *srv = arg;
    cJSON *o = cJSON_CreateObject();
    cJSON *f = cJSON_AddObjectToObject(o, "fields");
    char msg[512];

    (void)app;
    (void)app_len;
    snprintf(msg, sizeof msg,
             "reject limit: %llu rejected lines from peer pid %lld were counted, not stored "
             "(more than %llu in %g s)",
             (unsigned long long)suppressed, (long long)pid,
             (unsigned long long)srv->cfg.reject_burst, (double)srv->cfg.rate.interval_us / 1e6);
    cJSON_AddStringToObject(o, "app", "centrallogd");
    cJSON_AddStringToObject(o, "level", "warning");
    cJSON_AddStringToObject(o, "msg", msg);
    cJSON_AddNumberToObject(o, "pid", (double)srv->self.pid);
    cJSON_AddNumberToObject(f, "rejects_suppressed", (double)suppressed);
    cJSON_AddNumberToObject(f, "source_pid", (double)pid);
    cJSON_AddNumberToObject(f, "burst", (double)srv->cfg.reject_burst);
    cJSON_AddNumberToObject(f, "interval_s", (double)srv->cfg.rate.interval_us / 1e6);
    store_own(srv, o);
}

/* The rate limiter closed a window in which it suppressed entries: store
 * an entry of our own that names the source and the count. It goes through
 * the same validator and sinks as any producer's entry. */
static void rate_report(void *arg, const char *app, size_t app_len, int64_t pid,
                        uint64_t suppressed)
{
    cl_server *srv = arg;
    cJSON *o = cJSON_CreateObject();
    cJSON *f = cJSON_AddObjectToObject(o, "fields");
    char name[1024], shown[6 * 512 + 1], msg[3400];

    /* app was validated: at most 128 characters (512 bytes), no NUL. The
     * message names it as a text line names an app (textfmt.h), so that a
     * producer's app cannot write words of its own into the collector's
     * report ("web[1] (more than 9 in 1 s); all clear"); the field keeps it
     * as sent. */
    if (app_len > 512)
        app_len = 512;
    snprintf(name, sizeof name, "%.*s", (int)app_len, app);
    shown[cl_text_escape_name(app, app_len, shown)] = '\0';
    snprintf(msg, sizeof msg,
             "rate limit: suppressed %llu entries from %s[%lld] (more than %llu in %g s)",
             (unsigned long long)suppressed, shown, (long long)pid,
             (unsigned long long)srv->cfg.rate.burst, (double)srv->cfg.rate.interval_us / 1e6);
    cJSON_AddStringToObject(o, "app", "centrallogd");
    cJSON_AddStringToObject(o, "level", "warning");
    cJSON_AddStringToObject(o, "msg", msg);
    cJSON_AddNumberToObject(o, "pid", (double)srv->self.pid);
    cJSON_AddNumberToObject(f, "suppressed", (double)suppressed);
    cJSON_AddStringToObject(f, "source_app", name);
    cJSON_AddNumberToObject(f, "source_pid", (double)pid);
    cJSON_AddNumberToObject(f, "burst", (double)srv->cfg.rate.burst);
    cJSON_AddNumberToObject(f, "interval_s", (double)srv->cfg.rate.interval_us / 1e6);
    store_own(srv, o);
}

/* Stores an entry of the collector's own, built as a producer's would be
 * (takes o). */
static void store_own(cl_server *srv, cJSON *o)
{
    cl_line_result res;
    char *line = cJSON_PrintUnformatted(o);

    cJSON_Delete(o);
    if (line == NULL)
        return;
    cl_validate_line(&srv->val, line, strlen(line), cl_now_us(), &srv->self, &res);
    if (res.kind == CL_LINE_ENTRY) {
        res.rec->own = 1;
        cl_text_prerender(res.rec, srv->cfg.writer.text.format, &srv->scratch, &srv->scratch_cap);
        queue_record(srv, NULL, res.rec);
    } else {
        cl_record_free(res.rec);
        cJSON_Delete(res.op);
        free(res.op_id);
    }
    free(line);
}

#if defined(__GNUC__)
CL_PRINTF_LIKE(2, 3)
#endif
static void say(cl_server *srv, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    srv->cfg.notice(srv->cfg.notice_arg, buf);
}

/* Turns the sinks' counters into notices for the operator: once when a
 * failure starts (again every NOTICE_REPEAT_US while it lasts), once when
 * it ends. None of these can be triggered by a producer. */
static void check_notices(cl_server *srv)
{
    notice_state *ns = &srv->ns;
    int64_t now = cl_now_us();
    cl_writer_stats ws;

    if (srv->cfg.notice == NULL)
        return;
    cl_writer_get_stats(srv->w, &ws);
    if (ws.db.migrated_from > 0 && !ns->migration_said) {
        say(srv, "the database %s was migrated from schema version %d to %d", srv->db_path,
            ws.db.migrated_from, CL_DB_SCHEMA_VERSION);
        ns->migration_said = 1;
    }
    if (ws.db.errors > ns->db_errors) {
        if (!ns->db_failing || now - ns->db_said_us >= NOTICE_REPEAT_US) {
            say(srv,
                "the database %s refuses writes (%s); %llu record(s) are held in memory and "
                "retried, the text log keeps going",
                srv->db_path, cl_db_errstr(ws.db.last_error), (unsigned long long)ws.held);
            ns->db_said_us = now;
        }
        ns->db_failing = 1;
        ns->db_errors = ws.db.errors;
    } else if (ns->db_failing && ws.held == 0) {
        say(srv, "database writes resumed: every held record is committed (%llu attempts)",
            (unsigned long long)ws.retries);
        ns->db_failing = 0;
    }
    if (ws.text.repaired_bytes > ns->log_repaired) {
        say(srv,
            "the text log %s ended in half a line (a crash during a write); cut %llu byte(s) "
            "that were never acknowledged",
            srv->log_path, (unsigned long long)(ws.text.repaired_bytes - ns->log_repaired));
        ns->log_repaired = ws.text.repaired_bytes;
    }
    if (ws.text.reopens > ns->log_reopens) {
        say(srv, "the text log %s was removed or replaced; writing to a new file at that path",
            srv->log_path);
        ns->log_reopens = ws.text.reopens;
    }
    if (ws.text.rotate_fallbacks > 0 && !ns->rotate_fallback_said) {
        say(srv, "rotating the text log: %s", ws.text.rotate_note);
        ns->rotate_fallback_said = 1;
    }
    if (ws.text.rotate_errors > ns->log_rotate_errors) {
        /* At most once a minute: a failed rotation is retried that seldom. */
        say(srv,
            "cannot rotate the text log %s (%s); no line is lost: lines go on into the same "
            "file, and rotation is tried again in a minute",
            srv->log_path,
            ws.text.rotate_errno == EEXIST ? ws.text.rotate_note : strerror(ws.text.rotate_errno));
        ns->log_rotate_errors = ws.text.rotate_errors;
    }
    if (ws.text.errors > ns->log_errors) {
        if (!ns->log_failing || now - ns->log_said_us >= NOTICE_REPEAT_US) {
            say(srv,
                "cannot write the text log %s (%s); %llu line(s) lost so far, retrying every "
                "second; the database keeps going",
                srv->log_path,
                ws.text.last_error[0] ? ws.text.last_error : strerror(ws.text.last_errno),
                (unsigned long long)ws.text.lost_lines);
            ns->log_said_us = now;
        }
        ns->log_failing = 1;
        ns->log_errors = ws.text.errors;
        ns->log_lines = ws.text.lines;
    } else if (ns->log_failing && ws.text.lines > ns->log_lines) {
        say(srv, "text log writes resumed (%s); %llu line(s) were lost in all", srv->log_path,
            (unsigned long long)ws.text.lost_lines);
        ns->log_failing = 0;
    }
}

/* An entry of the collector's own about its database file. It is stored
 * like a producer's, so it is the first entry of a new database file and is
 * in the text log too. */
static void db_event_entry(cl_server *srv, const char *event, const char *msg, cJSON *fields)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddStringToObject(o, "app", "centrallogd");
    cJSON_AddStringToObject(o, "level", "error");
    cJSON_AddStringToObject(o, "msg", msg);
    cJSON_AddNumberToObject(o, "pid", (double)srv->self.pid);
    cJSON_AddStringToObject(fields, "event", event);
    cJSON_AddStringToObject(fields, "db_path", srv->db_path);
    cJSON_AddItemToObject(o, "fields", fields);
    store_own(srv, o);
    flush_chain(srv);
}

static void db_notice(cl_server *srv, const char *msg)
{
    if (srv->cfg.notice != NULL)
        srv->cfg.notice(srv->cfg.notice_arg, msg);
}

/* The database file deleted, replaced or damaged (the writer has started a
 * new one: sink_sqlite.h), and the WAL past its warning size: each event
 * said once on stderr, the file events also as an entry in the new file. */
static void check_db_file(cl_server *srv)
{
    notice_state *ns = &srv->ns;
    cl_writer_stats ws;
    char msg[1024];
    cJSON *f;

    cl_writer_get_stats(srv->w, &ws);
    if (ws.db.reopens > ns->db_reopens && (f = cJSON_CreateObject()) != NULL) {
        ns->db_reopens = ws.db.reopens;
        if (ws.db.gone_wal_only && ws.db.gone_entries == 0 && ws.db.gone_rejects == 0)
            snprintf(msg, sizeof msg,
                     "the write-ahead log %s-wal was deleted while in use; its pages were copied "
                     "back into the database and a new log started: nothing was lost",
                     srv->db_path);
        else
            snprintf(msg, sizeof msg,
                     "the database %s was %s while in use; started a new one at that path. "
                     "Entries with id up to %lld and rejects with id up to %lld were only in "
                     "the removed file%s (the text log has the entries)",
                     srv->db_path,
                     ws.db.gone_wal_only ? "left without its write-ahead log"
                                         : "deleted or replaced",
                     (long long)ws.db.gone_entries, (long long)ws.db.gone_rejects,
                     ws.db.gone_wal_only ? " and may be missing" : " and are not in this one");
        db_notice(srv, msg);
        cJSON_AddNumberToObject(f, "lost_entries_upto_id", (double)ws.db.gone_entries);
        cJSON_AddNumberToObject(f, "lost_rejects_upto_id", (double)ws.db.gone_rejects);
        cJSON_AddBoolToObject(f, "wal_only", ws.db.gone_wal_only);
        db_event_entry(srv, "db_reopened", msg, f);
    }
    if (ws.db.corrupt > ns->db_corrupt && (f = cJSON_CreateObject()) != NULL) {
        ns->db_corrupt = ws.db.corrupt;
        snprintf(msg, sizeof msg,
                 "the database %s is damaged (%s); renamed it to %s.%s (with its -wal and -shm "
                 "files) for inspection and started a new database at the path; what was "
                 "committed before is in the renamed file",
                 srv->db_path, ws.db.damage, srv->db_path, ws.db.aside);
        db_notice(srv, msg);
        cJSON_AddStringToObject(f, "damage", ws.db.damage);
        snprintf(msg, sizeof msg, "%s.%s", srv->db_path, ws.db.aside);
        cJSON_AddStringToObject(f, "renamed_to", msg);
        snprintf(msg, sizeof msg, "the database was damaged (%s) and renamed to %s.%s",
                 ws.db.damage, srv->db_path, ws.db.aside);
        db_event_entry(srv, "db_corrupt", msg, f);
    }
    if (ws.wal.warnings > ns->wal_warnings) {
        ns->wal_warnings = ws.wal.warnings;
        ns->wal_over = 1;
        snprintf(msg, sizeof msg,
                 "the write-ahead log %s-wal has grown to %llu MiB, past --wal-warn-size (%llu "
                 "MiB): a reader keeps an old snapshot open (sqlite3 or centrallog in a long "
                 "transaction?); it is truncated once no reader holds it",
                 srv->db_path, (unsigned long long)(ws.wal.wal_bytes >> 20),
                 (unsigned long long)(srv->cfg.writer.wal_warn_bytes >> 20));
        db_notice(srv, msg);
    } else if (ns->wal_over && !ws.wal.over) {
        ns->wal_over = 0;
        snprintf(msg, sizeof msg, "the write-ahead log %s-wal is back to %llu MiB", srv->db_path,
                 (unsigned long long)(ws.wal.wal_bytes >> 20));
        db_notice(srv, msg);
    }
}

/* After a flood of half lines or connections has gone, the allocator keeps
 * the pages it got for them unless asked (glibc): ask, a few times, at most
 * once a second. */
static void maybe_release_memory(cl_server *srv, int64_t now)
{
    trim_state *t = &srv->trim;

    if ((t->peak > srv->partials.bytes && t->peak - srv->partials.bytes >= TRIM_BYTES) ||
        t->closes >= TRIM_CLOSES) {
        t->rounds = TRIM_ROUNDS;
        t->peak = srv->partials.bytes;
        t->closes = 0;
    }
    if (t->rounds > 0 && now - t->last_us >= TRIM_EVERY_US) {
        cl_heap_release();
        t->rounds--;
        t->last_us = now;
    }
}

static void on_tick(cl_io *io)
{
    cl_server *srv = cl_io_data(io);

    cl_ratelimit_sweep(srv->rl, cl_now_us());
    cl_ratelimit_sweep(srv->reject_rl, cl_now_us());
    /* Slots can fill before anyone is idle long enough: check again. */
    reclaim_idle(srv, CL_SLOTS_SCAN_MAX);
    maybe_release_memory(srv, cl_now_us());
    flush_chain(srv);
    check_notices(srv);
    check_db_file(srv);
}

static void writer_notify(void *arg)
{
    cl_server *srv = arg;

    cl_io_wakeup(srv->io);
}

int cl_server_new(cl_server **out, const cl_server_config *cfg, char *err, size_t errlen)
{
    static const cl_io_handlers handlers = { on_accept, on_alloc,   on_read, on_close,
                                             on_wakeup, on_timeout, on_tick };
    cl_server *srv = calloc(1, sizeof *srv);
    cl_ratelimit_config rj;
    cl_slots_config sc;

    *out = NULL;
    if (srv == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    srv->cfg = *cfg;
    srv->val.limits = cfg->limits;
    srv->val.default_host.p = cfg->host;
    srv->val.default_host.n = cfg->host ? strlen(cfg->host) : 0;
    srv->started_us = cl_now_us();
    cl_partials_init(&srv->partials, cfg->partial_bytes);
    cl_io_self(&srv->self);
    /* Rejects: the entries' window, their own burst, no level exempt. */
    rj = cfg->rate;
    rj.burst = cfg->reject_burst;
    rj.exempt_level = -1;
    sc.max_total = cfg->listen.max_streams;
    sc.max_per_uid = cfg->max_connections_per_uid;
    sc.self_uid = srv->self.uid;
    sc.idle_reclaim_us = (int64_t)cfg->idle_reclaim_ms * 1000;
    snprintf(srv->address, sizeof srv->address, "%s", cfg->listen.address);
    srv->db_path = strdup(cfg->writer.db_path);
    srv->log_path = strdup(cfg->writer.text.path);
    if (srv->db_path == NULL || srv->log_path == NULL || cl_io_new(&srv->io, &handlers, srv) != 0 ||
        cl_ratelimit_new(&srv->rl, &cfg->rate, rate_report, srv) != 0 ||
        cl_ratelimit_new(&srv->reject_rl, &rj, reject_report, srv) != 0 ||
        cl_slots_new(&srv->slots, &sc) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    cl_io_set_tick(srv->io, TICK_MS);
    /* Sinks first: a collector that cannot store must not accept producers. */
    if (cl_writer_start(&srv->w, &cfg->writer, writer_notify, srv, err, errlen) != 0)
        goto fail;
    if (cl_io_listen(srv->io, &cfg->listen, err, errlen) != 0)
        goto fail;
    *out = srv;
    return 0;
fail:
    cl_server_free(srv);
    return -1;
}

static int drain(cl_server *srv, char *err, size_t errlen)
{
    int64_t deadline = cl_now_us() + (int64_t)srv->cfg.shutdown_timeout_ms * 1000;

    cl_io_stop_listening(srv->io);
    cl_io_shutdown_reads(srv->io);
    /* Streams close themselves at end-of-file once their acks are sent. */
    while (cl_io_stream_count(srv->io) > 0 && cl_now_us() < deadline) {
        if (cl_io_run(srv->io, 50) < 0) {
            snprintf(err, errlen, "the event loop failed during shutdown: %s", strerror(errno));
            return -1;
        }
    }
    if (cl_io_stream_count(srv->io) > 0) {
        snprintf(err, errlen,
                 "%zu connection(s) still had unread data or unsent replies after the "
                 "shutdown timeout (%d ms); what they sent before that is committed",
                 cl_io_stream_count(srv->io), srv->cfg.shutdown_timeout_ms);
        return -1;
    }
    return 0;
}

int cl_server_run(cl_server *srv, char *err, size_t errlen)
{
    int rc = 0;
    uint64_t lost;

    err[0] = '\0';
    while (!srv->stop_req) {
        if (cl_io_run(srv->io, 1000) < 0) {
            snprintf(err, errlen, "the event loop failed: %s", strerror(errno));
            rc = -1;
            break;
        }
    }
    if (drain(srv, err[0] ? err + strlen(err) : err, errlen - strlen(err)) != 0)
        rc = -1;
    /* Suppressed entries are reported even if their window is still open. */
    cl_ratelimit_flush(srv->rl);
    cl_ratelimit_flush(srv->reject_rl);
    flush_chain(srv);
    lost = cl_writer_stop(srv->w);
    srv->w = NULL;
    if (lost > 0) {
        snprintf(err, errlen,
                 "%llu record(s) could not be committed to the database (it kept failing; "
                 "see `db_errors` in stats); they are in the text file only",
                 (unsigned long long)lost);
        rc = -1;
    }
    return rc;
}

void cl_server_request_stop(cl_server *srv)
{
    srv->stop_req = 1;
    cl_io_wakeup(srv->io);
}

void cl_server_request_reopen(cl_server *srv)
{
    srv->reopen_req = 1;
    cl_io_wakeup(srv->io);
}

void cl_server_free(cl_server *srv)
{
    if (srv == NULL)
        return;
    cl_io_free(srv->io); /* closes streams first: their conns go via on_close */
    cl_writer_stop(srv->w);
    cl_ratelimit_free(srv->rl);
    cl_ratelimit_free(srv->reject_rl);
    cl_slots_free(srv->slots);
    free(srv->stats_text);
    free(srv->db_path);
    free(srv->log_path);
    free(srv->scratch);
    free(srv);
}
