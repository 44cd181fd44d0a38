/* conn.c - connections: accept, read, close; connection slots; the
 * partial-line budget and the idle timeout. Each line read is judged by the
 * validator and queued (server.c) or handed to the protocol ops (ops.c). */
#include "server_int.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"

static void reject(cl_server *srv, conn *c, enum cl_reason why, const char *msg, const char *raw,
                   size_t raw_len)
{
    cl_record *r = cl_record_reject(why, msg, raw, raw_len, cl_now_us(), cl_stream_peer(c->s));

    if (r != NULL)
        cl_srv_queue(srv, c, r);
}

static void handle_line(cl_server *srv, conn *c, char *line, size_t len)
{
    cl_line_result res;

    cl_validate_line(&srv->val, line, len, cl_now_us(), cl_stream_peer(c->s), &res);
    switch (res.kind) {
    case CL_LINE_ENTRY:
        cl_srv_take_entry(srv, c, res.rec);
        break;
    case CL_LINE_REJECT:
        cl_srv_queue(srv, c, res.rec);
        break;
    case CL_LINE_OP:
        /* A request nobody knows may be a producer's entry in a shape we do
         * not take: kept for inspection like any refused line (and counted
         * in the ack's "rejected"), besides the error reply. */
        if (!cl_srv_handle_op(srv, c, res.op, res.op_id))
            reject(srv, c, CL_R_UNKNOWN_OP,
                   "an object with \"op\" and none of msg, level, app is a request, "
                   "and this collector knows sync, stats and ping",
                   line, len);
        break;
    case CL_LINE_NOMEM:
        reject(srv, c, CL_R_NO_MEMORY, "the collector ran out of memory", line, len);
        break;
    case CL_LINE_BLANK:
        break;
    }
}

static void refuse_uid(cl_stream *s);

void cl_srv_on_accept(cl_io *io, cl_stream *s)
{
    cl_server *srv = cl_io_data(io);
    conn *c = calloc(1, sizeof *c);

    if (c == NULL)
        return; /* cl_srv_on_alloc will fail and close the stream */
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
    cl_srv_reclaim_idle(srv, 1);
}

int cl_srv_on_alloc(cl_stream *s, char **buf, size_t *len)
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

void cl_srv_backpressure(cl_server *srv)
{
    apply_backpressure(srv);
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
    cl_srv_queue(srv, c, c->oversize);
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
    char *msg = cl_srv_error_reply("too_many_connections",
                                   "this user holds its share of the collector's connections "
                                   "(--max-connections-per-uid); retry later");

    if (msg != NULL) {
        size_t n = strlen(msg);

        msg[n] = '\n'; /* cl_srv_error_reply's NUL: the line needs its newline */
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
void cl_srv_reclaim_idle(cl_server *srv, int most)
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
        cl_srv_flush(srv);
        cl_stream_close(c->s);
        return;
    }
    /* The peer half-closed and still waits for acks: commit now, and let
     * on_wakeup close the stream once the last reply is out. */
    srv->urgent = 1;
    cl_srv_flush(srv);
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

/* Replies c has not read: in the socket layer, and waiting for commits. */
static size_t out_backlog(conn *c)
{
    return cl_stream_pending(c->s) + c->r_bytes;
}

static void stall(cl_server *srv, conn *c)
{
    c->stalled = 1;
    c->st_prev = NULL;
    c->st_next = srv->stalled;
    if (srv->stalled)
        srv->stalled->st_prev = c;
    srv->stalled = c;
    srv->m.stalls++;
    cl_stream_throttle(c->s, 1);
}

static void unstall(cl_server *srv, conn *c)
{
    if (!c->stalled)
        return;
    if (c->st_prev)
        c->st_prev->st_next = c->st_next;
    else
        srv->stalled = c->st_next;
    if (c->st_next)
        c->st_next->st_prev = c->st_prev;
    c->stalled = 0;
    cl_stream_throttle(c->s, c->throttled);
}

/* Judges the lines c's framer holds, until none is left or c's unread
 * replies pass OUT_STALL_MAX: then the rest waits, unread, until the peer
 * reads its replies (cl_srv_resume_stalled). A peer that pipelines requests
 * without reading their replies cannot make the collector hold more than
 * that for it; one that reads loses nothing, only waits. */
static void take_lines(cl_server *srv, conn *c)
{
    enum cl_frame_result fr;
    char *line;
    size_t len;

    while (!c->stalled) {
        if (!srv->draining && out_backlog(c) > OUT_STALL_MAX) {
            stall(srv, c);
            break;
        }
        fr = cl_framer_next(&c->fr, &line, &len);
        if (fr == CL_FRAME_NONE)
            break;
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
}

void cl_srv_resume_stalled(cl_server *srv)
{
    conn *c = srv->stalled, *next;

    for (; c != NULL; c = next) {
        next = c->st_next;
        if (!srv->draining && out_backlog(c) > OUT_STALL_MAX / 2)
            continue;
        unstall(srv, c);
        take_lines(srv, c);
    }
}

/* The peer has read its replies: serve the lines it sent behind them. */
void cl_srv_on_drained(cl_stream *s)
{
    conn *c = cl_stream_data(s);
    cl_server *srv;

    if (c == NULL || !c->stalled || out_backlog(c) > OUT_STALL_MAX / 2)
        return;
    srv = c->srv;
    unstall(srv, c);
    take_lines(srv, c);
    cl_srv_flush(srv);
    apply_backpressure(srv);
}

void cl_srv_on_read(cl_stream *s, size_t n)
{
    conn *c = cl_stream_data(s);
    cl_server *srv = c->srv;
    uint64_t seq0 = srv->seq;

    if (n == 0) {
        finish_eof(srv, c);
        return;
    }
    srv->m.bytes_in += n;
    cl_slots_touch(srv->slots, &c->slot, cl_now_us());
    cl_framer_commit(&c->fr, n);
    take_lines(srv, c);
    enforce_budget(srv);
    cl_srv_flush(srv);
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
void cl_srv_on_timeout(cl_stream *s)
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
    cl_srv_flush(srv);
    cl_srv_send_ready(srv, c, cl_writer_committed(srv->w));
    cl_srv_add_reply(
        srv, c,
        cl_srv_error_reply("idle_timeout", "no complete line within the idle timeout; closing"), 0);
    cl_stream_close(s);
}

void cl_srv_on_close(cl_stream *s, int err)
{
    conn *c = cl_stream_data(s);

    (void)err;
    if (c == NULL)
        return;
    cl_srv_waiting_remove(c->srv, c);
    cl_srv_jobs_forget(c->srv, c);
    unstall(c->srv, c);
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
