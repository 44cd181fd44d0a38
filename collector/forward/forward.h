/* forward.h - store and forward: one thread per destination reads committed
 * entries from the database in id order, hands them to the destination's
 * transport (fwd_transport.h) and keeps, in the catalog, the last id the
 * receiver confirmed (forward_cursors), so that a restart resumes there and
 * an outage of the receiver costs nothing but delay.
 *
 * The thread reads through connections of its own, read-only on the
 * partitions: it never takes a lock the writer waits for, except the
 * catalog's for the one-row cursor update (schema/FORWARDING.md). Its
 * memory is bounded: one batch being built, MAX_INFLIGHT batches' ids.
 * It yields to an ingest burst (below): a bounded delay, never a loss. */
#ifndef CL_FORWARD_H
#define CL_FORWARD_H

#include <stddef.h>
#include <stdint.h>

#include "fwd_url.h"

typedef struct cl_forwarder cl_forwarder;

enum cl_fwd_state {
    CL_FWD_CONNECTING = 0, /* connecting, or about to */
    CL_FWD_CONNECTED,      /* sending, or caught up and waiting for entries */
    CL_FWD_BACKOFF,        /* the last attempt failed; waiting before the next */
    CL_FWD_STOPPED
};

typedef struct cl_forwarder_stats {
    char dest[CL_FWD_HOST_MAX + 40]; /* the url's key */
    enum cl_fwd_state state;
    char last_error[512];  /* "" if none yet */
    int64_t last_error_us; /* when; 0: never */
    uint64_t sent;         /* entries handed to the transport */
    uint64_t confirmed;    /* entries the receiver confirmed */
    uint64_t retried;      /* entries sent again after a connection was lost */
    uint64_t expired;      /* removed by retention before they were sent (since the cursor began) */
    uint64_t filtered;     /* passed over: below min-level or no app glob matched */
    uint64_t connects;     /* connections made */
    uint64_t connect_errors; /* attempts that failed */
    int64_t cursor;          /* last id confirmed (and written to the catalog soon after) */
    int64_t newest;          /* newest stored id as last seen */
    double behind_s;         /* age of the oldest entry not yet confirmed; 0 when caught up */
    int yielding;            /* not reading now: an ingest burst has the CPU */
    double yielded_s;        /* time spent yielding so far */
} cl_forwarder_stats;

/* How busy ingest is: microseconds the writer has worked so far
 * (cl_writer_busy_us). The forwarder yields while it grows faster than
 * half the wall time, for up to the url's defer= at a time; NULL: never. */
typedef int64_t (*cl_fwd_busy_fn)(void *ctx);

const char *cl_fwd_state_name(enum cl_fwd_state s);

/* Reads (or creates) the destination's cursor in the catalog at
 * catalog_path and starts its thread. Returns 0, or -1 with err. */
int cl_forwarder_start(cl_forwarder **out, const cl_fwd_url *u, const char *catalog_path,
                       cl_fwd_busy_fn busy, void *busy_ctx, char *err, size_t errlen);

void cl_forwarder_get_stats(cl_forwarder *f, cl_forwarder_stats *st);

/* Stops the thread (interrupting a blocked send), writes the cursor, frees.
 * NULL-safe. */
void cl_forwarder_stop(cl_forwarder *f);

#endif
