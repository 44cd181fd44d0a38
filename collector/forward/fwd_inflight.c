/* fwd_inflight.c - see fwd_inflight.h. */
#include "fwd_inflight.h"

void cl_fwd_inflight_init(cl_fwd_inflight *q)
{
    q->head = q->n = 0;
    q->confirmed = -1;
}

int cl_fwd_inflight_full(const cl_fwd_inflight *q)
{
    return q->n == CL_FWD_INFLIGHT_MAX;
}

void cl_fwd_inflight_push(cl_fwd_inflight *q, uint64_t end, int64_t id)
{
    size_t i = (q->head + q->n) % CL_FWD_INFLIGHT_MAX;

    q->ring[i].end = end;
    q->ring[i].id = id;
    q->n++;
}

int64_t cl_fwd_inflight_ack(cl_fwd_inflight *q, uint64_t acked)
{
    while (q->n > 0 && q->ring[q->head].end <= acked) {
        q->confirmed = q->ring[q->head].id;
        q->head = (q->head + 1) % CL_FWD_INFLIGHT_MAX;
        q->n--;
    }
    return q->confirmed;
}
