/* fwd_tcp.c - syslog+tcp://: RFC 5424 messages, octet-counting framing
 * (RFC 6587), over plain TCP. Confirmed means acknowledged by the peer's
 * TCP (netsock.h: cl_net_unacked): a batch whose last byte the peer
 * acknowledged is confirmed. That is as far as plain TCP can see: what the
 * receiver's kernel acknowledged but the receiver never processed (it was
 * killed) is lost, which RELP exists to prevent (schema/FORWARDING.md). */
#include "fwd_inflight.h"
#include "fwd_transport.h"

#include <stdio.h>
#include <stdlib.h>

#include "netsock.h"

#define CONNECT_TIMEOUT_MS 10000
#define SEND_TIMEOUT_MS 30000
typedef struct tcp {
    cl_netsock *s;
    uint64_t written;
    cl_fwd_inflight inflight;
    const cl_fwd_batch *sending; /* the batch being written: its tick */
    size_t partial;              /* of it, written at the last tick */
} tcp;

/* Confirmed up to the bytes the peer acknowledged, written being what
 * whole batches before wrote plus done of the current one. look: unless
 * the connection is broken, looked at after the send queue (a reset
 * empties it, which must not read as "all acknowledged"); -1 then. */
static int64_t acked_id(tcp *t, size_t done, int look)
{
    uint64_t written = t->written + done, unacked = cl_net_unacked(t->s);

    if (look && cl_net_broken(t->s))
        return -1;
    return cl_fwd_inflight_ack(&t->inflight, unacked < written ? written - unacked : 0);
}

/* While the send waits: what the peer acknowledged meanwhile goes to the
 * forwarder (fwd_transport.h). */
static int tcp_tick(void *arg, size_t done)
{
    tcp *t = arg;

    t->partial = done;
    return t->sending->tick(t->sending->tick_arg, acked_id(t, done, 1));
}

static int tcp_open(void **ctx, const cl_fwd_url *u, const atomic_int *cancel, char *err,
                    size_t errlen)
{
    tcp *t = calloc(1, sizeof *t);

    *ctx = NULL;
    if (t == NULL)
        return -1;
    if (cl_net_connect(u->host, u->port, CONNECT_TIMEOUT_MS, SEND_TIMEOUT_MS, cancel, &t->s, err,
                       errlen) != 0) {
        free(t);
        return -1;
    }
    cl_fwd_inflight_init(&t->inflight);
    *ctx = t;
    return 0;
}

static int tcp_send(void *ctx, const cl_fwd_batch *b, char *err, size_t errlen)
{
    tcp *t = ctx;

    if (cl_fwd_inflight_full(&t->inflight)) {
        snprintf(err, errlen, "too many batches unconfirmed");
        return -1;
    }
    t->sending = b;
    t->partial = 0;
    if (cl_net_send_all(t->s, b->framed, b->framed_n, b->tick ? tcp_tick : NULL, t, err, errlen) !=
        0) {
        /* Given up at a tick (a stop): the confirmations still to come
         * are counted against the bytes really written. */
        t->written += t->partial;
        return -1;
    }
    t->written += b->framed_n;
    cl_fwd_inflight_push(&t->inflight, t->written, b->msgs[b->n - 1].id);
    return 0;
}

static int tcp_confirmed(void *ctx, int64_t *id, char *err, size_t errlen)
{
    tcp *t = ctx;
    int64_t acked;

    /* The send queue first, then whether the connection still stands: a
     * reset empties the queue, which must not read as "all acknowledged". */
    acked = acked_id(t, 0, 0);
    if (cl_net_peer_closed(t->s)) {
        snprintf(err, errlen, "the receiver closed the connection");
        return -1;
    }
    *id = acked;
    return 0;
}

static void tcp_interrupt(void *ctx)
{
    cl_net_interrupt(((tcp *)ctx)->s);
}

static void tcp_close(void *ctx)
{
    tcp *t = ctx;

    if (t == NULL)
        return;
    cl_net_close(t->s);
    free(t);
}

const cl_fwd_transport cl_fwd_tcp = {
    "syslog+tcp", tcp_open, tcp_send, tcp_confirmed, tcp_interrupt, tcp_close, NULL,
};
