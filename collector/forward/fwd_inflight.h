/* fwd_inflight.h - batches written to a TCP stream and not yet confirmed,
 * for the stream transports (fwd_tcp.c, fwd_tls.c): where each batch ends in
 * the byte stream and the id of its last entry. A batch is confirmed once
 * the peer's TCP has acknowledged every byte up to its end (netsock.h,
 * cl_net_unacked), so confirmations come in the order batches were sent. */
#ifndef CL_FWD_INFLIGHT_H
#define CL_FWD_INFLIGHT_H

#include <stddef.h>
#include <stdint.h>

/* More than the forwarder keeps in flight (forward.c: MAX_INFLIGHT). */
#define CL_FWD_INFLIGHT_MAX 128

typedef struct cl_fwd_inflight {
    struct {
        uint64_t end; /* offset just past the batch in the byte stream */
        int64_t id;   /* its last entry */
    } ring[CL_FWD_INFLIGHT_MAX];
    size_t head, n;
    int64_t confirmed; /* the last confirmed id; -1: none yet */
} cl_fwd_inflight;

void cl_fwd_inflight_init(cl_fwd_inflight *q);

/* Whether another batch would not fit (the caller reports it). */
int cl_fwd_inflight_full(const cl_fwd_inflight *q);

/* A batch written up to byte offset end, its last entry id. Not full. */
void cl_fwd_inflight_push(cl_fwd_inflight *q, uint64_t end, int64_t id);

/* The peer acknowledged the stream up to acked: confirms every batch that
 * ends there or before. Returns the last confirmed id (-1: none yet). */
int64_t cl_fwd_inflight_ack(cl_fwd_inflight *q, uint64_t acked);

#endif
