/* record.h - what travels from the I/O thread to the writer: either a
 * validated log entry or a rejected line with its reason.
 *
 * A record is one allocation (header plus the bytes its strings point into),
 * so queueing, accounting and freeing are O(1). The record knows nothing of
 * its sinks: the SQLite and text sinks each format it their own way.
 */
#ifndef CL_RECORD_H
#define CL_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "level.h"
#include "peer.h"
#include "reason.h"

typedef struct cl_str {
    const char *p; /* NUL-terminated; NULL when absent */
    size_t n;
} cl_str;

enum cl_record_kind { CL_REC_ENTRY = 1, CL_REC_REJECT = 2 };

typedef struct cl_entry_fields {
    int64_t ts_us;
    int level;
    int has_pid, has_tid;
    int64_t pid, tid;
    cl_str app, host, logger, trace_id, span_id, msg;
    cl_str fields; /* compact JSON object, or absent */
    cl_str extra;  /* compact JSON object of unknown top-level keys, or absent */
} cl_entry_fields;

typedef struct cl_reject_fields {
    enum cl_reason reason;
    cl_str message; /* human-readable, names the offending key */
    cl_str raw;     /* the line's bytes, possibly cut to CL_REJECT_RAW_MAX */
    size_t raw_len; /* the line's full length */
} cl_reject_fields;

#define CL_REJECT_RAW_MAX 4096

typedef struct cl_record {
    struct cl_record *next;
    uint64_t seq; /* position in the collector-wide stream, set at queueing */
    size_t size;  /* bytes accounted against the queue limit */
    enum cl_record_kind kind;
    int64_t received_us;
    cl_peer peer;
    /* The text sink's line for this entry, rendered on the I/O thread so that
     * formatting stays off the single writer's critical path (NULL: the sink
     * formats it itself). Owned by the record. */
    char *rendered;
    size_t rendered_len;
    /* The collector's own entry (a rate-limit report), marked as such in the
     * text file so that no producer's line can pass for one. */
    int own;
    union {
        cl_entry_fields e;
        cl_reject_fields r;
    } u;
    char data[]; /* the strings */
} cl_record;

/* A record of kind with room for data_bytes of strings, its header zeroed
 * (kind and size set); NULL when out of memory. */
cl_record *cl_record_alloc(int kind, size_t data_bytes);

/* Builds a reject record; raw is copied up to CL_REJECT_RAW_MAX bytes. */
cl_record *cl_record_reject(enum cl_reason reason, const char *message, const char *raw,
                            size_t raw_len, int64_t received_us, const cl_peer *peer);

/* Copies s[0..n) and a NUL to p, inside a record's data area, and points dst
 * at the copy. Returns the byte after it. */
char *cl_record_put_str(char *p, cl_str *dst, const char *s, size_t n);

void cl_record_free(cl_record *r);

#endif
