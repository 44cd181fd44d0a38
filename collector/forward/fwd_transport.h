/* fwd_transport.h - how a forwarder talks to its receiver: one table of
 * functions per protocol, so that RELP (acknowledged per message) and TLS
 * slot in beside plain TCP without touching the forwarder (forward.c).
 *
 * A transport is given batches of messages and says, without blocking,
 * up to which entry id the receiver has confirmed them. What "confirmed"
 * means is the protocol's: for plain TCP, acknowledged by the peer's TCP
 * stack where the system tells (Linux), else written; for RELP, the
 * receiver's "rsp 200" (schema/FORWARDING.md). */
#ifndef CL_FWD_TRANSPORT_H
#define CL_FWD_TRANSPORT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "fwd_url.h"

/* One message of a batch: entry id, and the unframed message at
 * framed + off, len bytes long (RFC 6587 framing in front of it). */
typedef struct cl_fwd_msg {
    int64_t id;
    size_t off, len;
} cl_fwd_msg;

/* While a send waits for the receiver, the transport calls this at least
 * every CL_FWD_TICK_MS with the highest id confirmed so far on the
 * connection (-1: none), computed without touching the protocol's session
 * (no reads, no writes): the forwarder takes it in and stores its cursor on
 * time although the send is blocked. Nonzero: give the send up now (the
 * forwarder stops); the send then fails. */
#define CL_FWD_TICK_MS 100
typedef int (*cl_fwd_tick_fn)(void *arg, int64_t confirmed);

typedef struct cl_fwd_batch {
    const char *framed; /* every message, each "LEN SP MSG" */
    size_t framed_n;
    const cl_fwd_msg *msgs;
    size_t n; /* at least 1 */
    cl_fwd_tick_fn tick;
    void *tick_arg;
} cl_fwd_batch;

typedef struct cl_fwd_transport {
    const char *name;
    /* Connects, giving up soon after *cancel is set (the forwarder stops).
     * Returns 0 with *ctx, or -1 with err. */
    int (*open)(void **ctx, const cl_fwd_url *u, const atomic_int *cancel, char *err,
                size_t errlen);
    /* Hands a batch over (may block up to the send timeout). 0 or -1. */
    int (*send)(void *ctx, const cl_fwd_batch *b, char *err, size_t errlen);
    /* The highest id confirmed on this connection (-1: none yet), without
     * blocking. Returns 0, or -1 with err when the connection is broken. */
    int (*confirmed)(void *ctx, int64_t *id, char *err, size_t errlen);
    /* From another thread: makes a blocked send return. */
    void (*interrupt)(void *ctx);
    /* NULL-safe. */
    void (*close)(void *ctx);
    /* From the stopping thread, after *cancel was set: ends at once a wait
     * of the forwarder thread that neither the tick nor cancel's slices
     * reach (librelp's blocking TLS handshake). NULL: none needed. */
    void (*wake)(pthread_t thread);
} cl_fwd_transport;

/* syslog+tcp:// (fwd_tcp.c). */
extern const cl_fwd_transport cl_fwd_tcp;
#ifdef CL_HAVE_RELP
/* relp:// (fwd_relp.c, POSIX). */
extern const cl_fwd_transport cl_fwd_relp;
#endif

#ifndef _WIN32
/* syslog+tls:// (fwd_tls.c, GnuTLS; POSIX only). */
extern const cl_fwd_transport cl_fwd_tls;
#endif

#endif
