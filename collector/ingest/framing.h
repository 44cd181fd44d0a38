/* framing.h - splits a byte stream into lines, one JSON entry per line.
 *
 * The framer owns a per-connection buffer that the I/O layer reads straight
 * into (cl_framer_space / cl_framer_commit), so bytes are copied once. A line
 * longer than the limit is reported once and then skipped up to the next
 * newline: one oversized entry must never cost the connection its next ones.
 *
 * Memory follows what a connection holds, not what it once held: the buffer
 * starts at 4 KiB, doubles only when a line fills it (up to one maximal
 * line), and is given back when the line completes - freed when nothing is
 * left, shrunk when a little is. Across connections, framers attached to a
 * cl_partials share one budget for the partial lines they hold; the owner
 * cuts the line that has waited longest (cl_partials_victim, cl_framer_cut)
 * while the budget is exceeded.
 */
#ifndef CL_FRAMING_H
#define CL_FRAMING_H

#include <stddef.h>

struct cl_partials;

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
    int quiet_end;    /* the line discarded was cut (cl_framer_cut): no END */
    /* Budget bookkeeping (cl_partials): what this framer has declared as
     * held, and its place in the list of framers holding a partial line. */
    struct cl_partials *ps;
    size_t p_bytes;
    int p_listed;
    struct cl_framer *p_prev, *p_next;
} cl_framer;

/* Partial lines held by all the framers attached to it: the memory they
 * take, and the framers holding one, the one whose line started earliest
 * first. A framer holding part of a line costs its whole buffer - the
 * memory it really takes; one holding nothing costs nothing (it has none). */
typedef struct cl_partials {
    size_t bytes; /* buffers of framers holding a partial line, all together */
    size_t limit; /* cl_partials_victim's threshold; 0: no limit */
    cl_framer *head, *tail;
} cl_partials;

enum cl_frame_result {
    CL_FRAME_NONE = 0,      /* need more bytes */
    CL_FRAME_LINE,          /* (line, len) is one line, NUL-terminated in place */
    CL_FRAME_TOO_LARGE,     /* (line, len) is the head of an oversized line */
    CL_FRAME_TOO_LARGE_END, /* that line ended; len is its full length, line NULL */
};

/* The smallest buffer a framer allocates, and the size it shrinks back to. */
#define CL_FRAMER_MIN_CAP 4096

void cl_framer_init(cl_framer *f, size_t max_line);
/* Frees the buffer and detaches from the budget. Idempotent. */
void cl_framer_free(cl_framer *f);

/* Space to read into; grows the buffer (doubling from CL_FRAMER_MIN_CAP)
 * only when what it holds fills it, up to what one maximal line needs.
 * Returns 0, or -1 on allocation failure. */
int cl_framer_space(cl_framer *f, char **p, size_t *n);
void cl_framer_commit(cl_framer *f, size_t n);

/* Next complete line (without "\n" or "\r\n"). Pointers stay valid until the
 * next call to cl_framer_space or cl_framer_next. For CL_FRAME_TOO_LARGE,
 * *len is the size of the head returned (max_line bytes) - enough to show in
 * a reject. Every TOO_LARGE is followed, before any other frame, by one
 * CL_FRAME_TOO_LARGE_END whose *len is the line's full length (terminator
 * excluded) - at once when the line was complete, else when its newline
 * arrives. One event per call, so that an oversized line's end can never be
 * confused with the next one's. While the end is awaited, f->discarding is
 * set and f->discarded counts the bytes seen (for a peer that hangs up
 * mid-line). On CL_FRAME_NONE the buffer is trimmed (cl_framer_trim). */
enum cl_frame_result cl_framer_next(cl_framer *f, char **line, size_t *len);

/* Bytes of an unterminated line still held (for the "truncated" reject when
 * the peer hangs up mid-line). Returns its length and sets *p. */
size_t cl_framer_partial(const cl_framer *f, const char **p);

/* Gives back memory the framer no longer needs: frees the buffer when it
 * holds nothing, halves it while what it holds would fit in a quarter.
 * Must not be called while the I/O layer reads into the buffer. */
void cl_framer_trim(cl_framer *f);

/* Drops the partial line held (take it first with cl_framer_partial: its
 * bytes stay readable until the next cl_framer_trim, cl_framer_space or
 * cl_framer_next) and skips the rest of that line up to its newline, like an
 * oversized line's, but without any event: the owner has reported it. The
 * buffer itself is neither moved nor freed, so a read the I/O layer has
 * already posted into it stays valid; call cl_framer_trim when none is.
 * Returns the bytes dropped (0 if no partial line was held). */
size_t cl_framer_cut(cl_framer *f);

void cl_partials_init(cl_partials *ps, size_t limit);
/* Counts f's partial line in ps from now on (f must hold nothing yet). */
void cl_framer_attach(cl_framer *f, cl_partials *ps);
/* The framer whose partial line started earliest, when the total exceeds
 * the limit; NULL while it does not. Cut it (cl_framer_cut) and ask again. */
cl_framer *cl_partials_victim(const cl_partials *ps);

#endif
