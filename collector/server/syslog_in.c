/* syslog_in.c - the server's syslog sockets (--syslog-socket): datagrams
 * of RFC 3164 or RFC 5424 from syslog(3), logger(1) or rsyslog, judged by
 * syslog_parse.h into entries or rejects and queued as a connection's lines
 * are, under the same limits: the rate limit per app and peer PID, the
 * reject limit per peer PID, the writer's backpressure (the sockets are not
 * read while it lasts, so producers block on the kernel's full queue).
 *
 * A datagram socket has no connection to hold counts and acks, so each
 * socket has a stand-in conn that nobody reads replies from: cl_srv_queue
 * counts its records there as for any connection.
 */
#include "server_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dgram.h"
#include "syslog_parse.h"
#include "timefmt.h"

/* Datagrams taken per readiness event, so that one busy socket cannot hold
 * the loop from the streams and the other sockets. */
#define SYSLOG_BURST 64
/* The kernel queue asked for per socket (SO_RCVBUF; capped by rmem_max). */
#define SYSLOG_RCVBUF (1 << 20)

typedef struct syslog_sock {
    struct cl_srv_syslog *owner;
    cl_dgram *d;
    conn c; /* the stand-in connection its records are counted on */
} syslog_sock;

struct cl_srv_syslog {
    cl_server *srv;
    size_t n;
    syslog_sock *socks;
    char *buf; /* one datagram: max_entry_bytes + 1, to see a longer one */
    size_t cap;
    cl_strbuf scratch; /* the entry made of it */
    cl_strbuf repair;  /* the datagram as UTF-8, when it was not */
};

static void take(cl_server *srv, syslog_sock *s, const char *buf, size_t len, size_t full_len,
                 const cl_peer *peer, int64_t queued_us)
{
    struct cl_srv_syslog *sl = s->owner;
    int64_t now = cl_now_us();
    /* The kernel's time, unless it is missing or after ours (a clock step
     * between its stamp and our read). */
    int64_t arrival = queued_us > 0 && queued_us <= now ? queued_us : now;
    cl_line_result res;
    uint64_t acc = s->c.accepted, rej = s->c.rejected;

    srv->n.syslog_received++;
    srv->m.bytes_in += full_len;
    cl_syslog_judge(&srv->val, buf, len, full_len, srv->cfg.limits.max_entry_bytes, now, arrival,
                    peer, &sl->scratch, &sl->repair, &res);
    if (res.kind == CL_LINE_NOMEM) {
        res.rec = cl_record_reject(CL_R_NO_MEMORY, "the collector ran out of memory", buf, len, now,
                                   peer);
        if (res.rec == NULL) {
            srv->n.syslog_rejected++;
            s->c.rejected++;
            srv->n.rejected++;
            return;
        }
        res.kind = CL_LINE_REJECT;
    }
    if (res.kind != CL_LINE_ENTRY)
        cl_srv_queue(srv, &s->c, res.rec);
    else if (!cl_srv_take_entry(srv, &s->c, res.rec)) {
        srv->n.syslog_suppressed++;
        return;
    }
    srv->n.syslog_accepted += s->c.accepted - acc;
    srv->n.syslog_rejected += s->c.rejected - rej;
}

/* Reads what waits, at most `most` datagrams; returns how many. */
static int read_some(syslog_sock *s, int most)
{
    struct cl_srv_syslog *sl = s->owner;
    cl_server *srv = sl->srv;
    int got = 0;

    while (got < most) {
        size_t len, full;
        cl_peer peer;
        int64_t queued;

        if (cl_dgram_recv(s->d, sl->buf, sl->cap, &len, &full, &peer, &queued) != 1)
            break;
        got++;
        take(srv, s, sl->buf, len, full, &peer, queued);
    }
    return got;
}

static void on_ready(void *arg)
{
    syslog_sock *s = arg;
    cl_server *srv = s->owner->srv;

    read_some(s, SYSLOG_BURST);
    cl_srv_flush(srv);
    cl_srv_backpressure(srv);
}

int cl_srv_syslog_open(cl_server *srv, char *err, size_t errlen)
{
    const cl_server_config *cfg = &srv->cfg;
    struct cl_srv_syslog *sl;

    if (cfg->syslog_count == 0)
        return 0;
    sl = calloc(1, sizeof *sl);
    if (sl == NULL)
        goto nomem;
    srv->syslog = sl;
    sl->srv = srv;
    sl->cap = cfg->limits.max_entry_bytes + 1;
    sl->buf = malloc(sl->cap);
    sl->socks = calloc(cfg->syslog_count, sizeof *sl->socks);
    if (sl->buf == NULL || sl->socks == NULL)
        goto nomem;
    for (size_t i = 0; i < cfg->syslog_count; i++) {
        syslog_sock *s = &sl->socks[i];
        cl_dgram_options o;

        o.path = cfg->syslog_sockets[i];
        o.mode = cfg->syslog_mode;
        o.gid = cfg->syslog_gid;
        o.rcvbuf = SYSLOG_RCVBUF;
        o.inherited_fd = cfg->syslog_fds != NULL ? cfg->syslog_fds[i] : -1;
        s->owner = sl;
        s->c.srv = srv;
        if (cl_dgram_open(&s->d, srv->io, &o, on_ready, s, err, errlen) != 0)
            return -1;
        sl->n++;
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -1;
}

void cl_srv_syslog_drain(cl_server *srv)
{
    struct cl_srv_syslog *sl = srv->syslog;

    if (sl == NULL)
        return;
    /* No producer can send any more (its send fails: nothing it believes
     * sent is lost); what is queued is taken in, then the sockets close.
     * The kernel bounds a queue, so this ends. */
    for (size_t i = 0; i < sl->n; i++)
        cl_dgram_shutdown(sl->socks[i].d);
    for (size_t i = 0; i < sl->n; i++) {
        while (read_some(&sl->socks[i], SYSLOG_BURST) > 0)
            cl_srv_flush(srv);
        cl_dgram_close(sl->socks[i].d);
        sl->socks[i].d = NULL;
    }
    cl_srv_flush(srv);
}

void cl_srv_syslog_free(cl_server *srv)
{
    struct cl_srv_syslog *sl = srv->syslog;

    if (sl == NULL)
        return;
    for (size_t i = 0; i < sl->n; i++)
        cl_dgram_close(sl->socks[i].d);
    free(sl->socks);
    free(sl->buf);
    cl_strbuf_free(&sl->scratch);
    cl_strbuf_free(&sl->repair);
    free(sl);
    srv->syslog = NULL;
}
