/* encode.h - one log call -> one line of protocol v1 JSON.
 *
 * Whatever the caller passes, the result is a valid entry: strings are
 * escaped, invalid UTF-8 is repaired (U+FFFD), non-finite doubles become
 * strings, duplicate and excess field keys are dropped, and a message too long
 * for the collector is cut at a character boundary with a visible marker. */
#ifndef CL_ENCODE_H
#define CL_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "centrallog.h"
#include "protolimits.h"
#include "strbuf.h"

/* The parts of an entry that do not change between calls of one logger. */
typedef struct cl_encoder {
    const char *app;
    const char *host;
    int64_t pid;
    size_t max_entry_bytes;
} cl_encoder;

typedef struct cl_encode_info {
    int truncated; /* the message was cut */
} cl_encode_info;

/* Encodes one entry, terminating "\n" included, into out (which is reset).
 * ts_us: event time; tid: thread id (< 0: omitted). Returns 0, or -1 when out
 * of memory. */
int cl_encode_entry(const cl_encoder *e, cl_strbuf *out, int64_t ts_us, int64_t tid, cl_level level,
                    const char *msg, size_t msg_len, const cl_field *fields, size_t nfields,
                    cl_encode_info *info);

#endif
