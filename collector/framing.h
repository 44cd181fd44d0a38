/* framing.h - splits a byte stream into lines, one JSON entry per line.
 *
 * The framer owns a per-connection buffer that the I/O layer reads straight
 * into (cl_framer_space / cl_framer_commit), so bytes are copied once. A line
 * longer than the limit is reported once and then skipped up to the next
 * newline: one oversized entry must never cost the connection its next ones.
 */
#ifndef CL_FRAMING_H
#define CL_FRAMING_H

#include <stddef.h>

typedef struct cl_framer {
    char *buf;
    size_t len;   /* bytes held */
    size_t start; /* first byte not yet returned as part of a line */
    size_t cap;
    size_t max_line;  /* longest accepted line, terminator excluded */
    int discarding;   /* inside an oversized line: drop bytes up to '\n' */
    size_t discarded; /* bytes of the current oversized line seen so far */
    int last_cr;      /* the last byte discarded was '\r' */
    int end_pending;  /* a complete oversized line's TOO_LARGE_END is due */
} cl_framer;

enum cl_frame_result {
    CL_FRAME_NONE = 0,      /* need more bytes */
    CL_FRAME_LINE,          /* (line, len) is one line, NUL-terminated in place */
    CL_FRAME_TOO_LARGE,     /* (line, len) is the head of an oversized line */
    CL_FRAME_TOO_LARGE_END, /* that line ended; len is its full length, line NULL */
};

void cl_framer_init(cl_framer *f, size_t max_line);
void cl_framer_free(cl_framer *f);

/* Space to read into; grows the buffer up to what one maximal line needs.
 * Returns 0, or -1 on allocation failure. */
int cl_framer_space(cl_framer *f, char **p, size_t *n);
void cl_framer_commit(cl_framer *f, size_t n);

/* Next complete line (without "\n" or "\r\n"). Pointers stay valid until the
 * next call to cl_framer_space. For CL_FRAME_TOO_LARGE, *len is the size of the
 * head returned (max_line bytes) - enough to show in a reject. Every
 * TOO_LARGE is followed, before any other frame, by one CL_FRAME_TOO_LARGE_END
 * whose *len is the line's full length (terminator excluded) - at once when
 * the line was complete, else when its newline arrives. One event per call,
 * so that an oversized line's end can never be confused with the next one's.
 * While the end is awaited, f->discarding is set and f->discarded counts the
 * bytes seen (for a peer that hangs up mid-line). */
enum cl_frame_result cl_framer_next(cl_framer *f, char **line, size_t *len);

/* Bytes of an unterminated line still held (for the "truncated" reject when
 * the peer hangs up mid-line). Returns its length and sets *p. */
size_t cl_framer_partial(const cl_framer *f, const char **p);

#endif
