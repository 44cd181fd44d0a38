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

typedef struct cl_buf {
    char *p;
    size_t len, cap;
    int oom; /* an append failed; the content is incomplete */
} cl_buf;

void cl_buf_free(cl_buf *b);
void cl_buf_reset(cl_buf *b);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
size_t cl_utf8_seq_len(const unsigned char *s, size_t left);

/* Appends s as a JSON string literal (with quotes), repairing invalid UTF-8.
 * At most max_bytes of s are used, cut at a character boundary (SIZE_MAX: all).
 * Returns the number of bytes of s consumed. */
size_t cl_buf_json_string(cl_buf *b, const char *s, size_t n, size_t max_bytes);

/* The parts of an entry that do not change between calls of one logger. */
typedef struct cl_encoder {
    const char *app;
    const char *host;
    int64_t pid;
    size_t max_entry_bytes;
} cl_encoder;

#define CL_MAX_FIELDS 64
#define CL_MAX_KEY_CHARS 128

typedef struct cl_encode_info {
    int truncated; /* the message was cut */
} cl_encode_info;

/* Encodes one entry, terminating "\n" included, into out (which is reset).
 * ts_us: event time; tid: thread id (< 0: omitted). Returns 0, or -1 when out
 * of memory. */
int cl_encode_entry(const cl_encoder *e, cl_buf *out, int64_t ts_us, int64_t tid, cl_level level,
                    const char *msg, size_t msg_len, const cl_field *fields, size_t nfields,
                    cl_encode_info *info);

#endif
