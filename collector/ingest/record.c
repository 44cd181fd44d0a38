/* record.c - construction and naming helpers for queue records. */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cl_record *cl_record_alloc(int kind, size_t data_bytes)
{
    cl_record *r = malloc(sizeof *r + data_bytes);

    if (r == NULL)
        return NULL;
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->size = sizeof *r + data_bytes;
    return r;
}

cl_record *cl_record_reject(enum cl_reason reason, const char *message, const char *raw,
                            size_t raw_len, int64_t received_us, const cl_peer *peer)
{
    size_t mlen = strlen(message);
    size_t keep = raw_len < CL_REJECT_RAW_MAX ? raw_len : CL_REJECT_RAW_MAX;
    cl_record *r = cl_record_alloc(CL_REC_REJECT, mlen + keep + 2);
    char *p;

    if (r == NULL)
        return NULL;
    r->received_us = received_us;
    r->peer = *peer;
    r->u.r.reason = reason;
    r->u.r.raw_len = raw_len;
    p = r->data;
    memcpy(p, message, mlen + 1);
    r->u.r.message.p = p;
    r->u.r.message.n = mlen;
    p += mlen + 1;
    if (keep)
        memcpy(p, raw, keep);
    p[keep] = '\0';
    r->u.r.raw.p = p;
    r->u.r.raw.n = keep;
    return r;
}

char *cl_record_put_str(char *p, cl_str *dst, const char *s, size_t n)
{
    memcpy(p, s, n);
    p[n] = '\0';
    dst->p = p;
    dst->n = n;
    return p + n + 1;
}

void cl_record_free(cl_record *r)
{
    if (r == NULL)
        return;
    free(r->rendered);
    free(r);
}
