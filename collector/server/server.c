/* server.c - the collector's I/O thread: its life cycle, the chain of
 * records handed to the writer, and the periodic tick.
 *
 * Each read is framed into lines; each line is validated (conn.c) off the
 * writer's critical path into a record, and the records of one read are
 * handed to the writer in one push. Replies (acks, stats: ops.c) are queued
 * per connection in request order, each tagged with the sequence number that
 * must be committed before it may be sent.
 */
#include "server_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "forward.h"
#include "heap.h"
#include "netsock.h"
#include "timefmt.h"

/* Hands the records of the current read to the writer in one push. */
void cl_srv_flush(cl_server *srv)
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

void cl_srv_queue(cl_server *srv, conn *c, cl_record *r)
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

int cl_srv_take_entry(cl_server *srv, conn *c, cl_record *r)
{
    if (!cl_ratelimit_check(srv->rl, r->u.e.app.p, r->u.e.app.n, r->peer.pid, r->u.e.level,
                            r->received_us)) {
        /* Counted by the limiter, reported in a synthetic entry. */
        c->suppressed++;
        cl_record_free(r);
        return 0;
    }
    /* If rendering fails for lack of memory the writer formats it. */
    cl_writer_prerender(&srv->cfg.writer, r, &srv->scratch, &srv->scratch_cap);
    cl_srv_queue(srv, c, r);
    return 1;
}

static void on_wakeup(cl_io *io)
{
    cl_server *srv = cl_io_data(io);
    uint64_t committed = cl_writer_committed(srv->w);
    conn *c = srv->waiting;

    cl_writer_reclaim(srv->w);
    cl_srv_resume_stalled(srv); /* acks it waited for may have gone out */
    while (c != NULL) {
        conn *next = c->w_next;

        cl_srv_send_ready(srv, c, committed);
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
    cl_srv_notices_drain(srv);
    cl_srv_jobs_poll(srv);
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
    cl_srv_reclaim_idle(srv, CL_SLOTS_SCAN_MAX);
    maybe_release_memory(srv, cl_now_us());
    /* Replies drain as peers read them; nothing else says when. */
    cl_srv_resume_stalled(srv);
    cl_srv_flush(srv);
    cl_srv_notices_tick(srv);
    if (srv->cfg.tick != NULL)
        srv->cfg.tick(srv->cfg.tick_arg);
}

static void writer_notify(void *arg)
{
    cl_server *srv = arg;

    cl_io_wakeup(srv->io);
}

/* The forwarders' measure of ingest (forward.h). */
static int64_t writer_busy(void *w)
{
    return cl_writer_busy_us(w);
}

int cl_srv_forward_start(cl_server *srv, char *err, size_t errlen)
{
    size_t n = srv->cfg.n_forward;

    if (n == 0)
        return 0;
    srv->fwd = calloc(n, sizeof *srv->fwd);
    srv->fwd_expired = calloc(n, sizeof *srv->fwd_expired);
    if (srv->fwd == NULL || srv->fwd_expired == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (cl_net_init() != 0) {
        snprintf(err, errlen, "cannot start the network (forwarding)");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        cl_forwarder_stats st;

        if (cl_forwarder_start(&srv->fwd[i], &srv->cfg.forward[i], srv->db_path, writer_busy,
                               srv->w, err, errlen) != 0)
            return -1;
        srv->n_fwd = i + 1;
        /* Expirations counted before this start were reported then. */
        cl_forwarder_get_stats(srv->fwd[i], &st);
        srv->fwd_expired[i] = st.expired;
    }
    return 0;
}

void cl_srv_forward_stop(cl_server *srv)
{
    for (size_t i = 0; i < srv->n_fwd; i++)
        cl_forwarder_stop(srv->fwd[i]);
    free(srv->fwd);
    free(srv->fwd_expired);
    srv->fwd = NULL;
    srv->fwd_expired = NULL;
    srv->n_fwd = 0;
}

int cl_server_new(cl_server **out, const cl_server_config *cfg, char *err, size_t errlen)
{
    static const cl_io_handlers handlers = { cl_srv_on_accept, cl_srv_on_alloc,  cl_srv_on_read,
                                             cl_srv_on_close,  on_wakeup,        cl_srv_on_timeout,
                                             on_tick,          cl_srv_on_drained };
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
    srv->stats_tokens = STATS_RENDERS_PER_S; /* a full budget to start with */
    srv->stats_tokens_us = srv->started_us;
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
    /* Absolute: the stats reply tells them to readers in other directories
     * (`centrallog status`, and the CLI finding the database). */
    srv->db_path = cl_path_absolute(cfg->writer.db_path);
    srv->log_path = cl_path_absolute(cfg->writer.text.path);
    if (srv->db_path == NULL || srv->log_path == NULL || cl_io_new(&srv->io, &handlers, srv) != 0 ||
        cl_ratelimit_new(&srv->rl, &cfg->rate, cl_srv_rate_report, srv) != 0 ||
        cl_ratelimit_new(&srv->reject_rl, &rj, cl_srv_reject_report, srv) != 0 ||
        cl_slots_new(&srv->slots, &sc) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    cl_io_set_tick(srv->io, TICK_MS);
    /* Sinks first: a collector that cannot store must not accept producers. */
    if (cl_writer_start(&srv->w, &cfg->writer, writer_notify, srv, err, errlen) != 0)
        goto fail;
    /* The syslog sockets before the address: a client that got through on
     * the address (the sign of a started collector, for a script or a test)
     * finds them bound. */
    if (cl_srv_syslog_open(srv, err, errlen) != 0)
        goto fail;
    if (cl_io_listen(srv->io, &cfg->listen, err, errlen) != 0 ||
        cl_srv_forward_start(srv, err, errlen) != 0)
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
    cl_srv_syslog_drain(srv);
    /* What producers wrote before the stop is committed, even behind
     * replies they never read (PROTOCOL.md section 5). */
    srv->draining = 1;
    cl_srv_resume_stalled(srv);
    cl_srv_flush(srv);
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
    cl_srv_flush(srv);
    /* Forwarders read the database: stopped before the writer closes it;
     * what they had not sent goes at the next start (their cursors). */
    cl_srv_forward_stop(srv);
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
    cl_srv_syslog_free(srv); /* its sockets are watched by the loop */
    cl_io_free(srv->io);     /* closes streams first: their conns go via cl_srv_on_close */
    cl_srv_forward_stop(srv);
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
