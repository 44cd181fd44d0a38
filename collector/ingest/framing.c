/* framing.c - newline framing with resynchronisation after oversized lines,
 * and the memory that goes with it: a buffer sized by what it holds, and a
 * budget for partial lines shared by all connections. */
#include "framing.h"

#include <stdlib.h>
#include <string.h>

/* ---- the budget: a list of framers holding a partial line, in the order
 * their lines started, and the total they hold. */

static void p_unlink(cl_partials *ps, cl_framer *f)
{
    if (!f->p_listed)
        return;
    if (f->p_prev)
        f->p_prev->p_next = f->p_next;
    else
        ps->head = f->p_next;
    if (f->p_next)
        f->p_next->p_prev = f->p_prev;
    else
        ps->tail = f->p_prev;
    f->p_prev = f->p_next = NULL;
    f->p_listed = 0;
}

static void p_append(cl_partials *ps, cl_framer *f)
{
    f->p_prev = ps->tail;
    f->p_next = NULL;
    if (ps->tail)
        ps->tail->p_next = f;
    else
        ps->head = f;
    ps->tail = f;
    f->p_listed = 1;
}

/* Declares what f's partial line costs now: its whole buffer, the memory
 * it really takes (a 1-byte line in a 4 KiB buffer costs 4 KiB); nothing
 * once no line is held. A framer whose line just ended and that holds the
 * start of another (fresh) goes to the back: that line's wait starts now. */
static void account(cl_framer *f, int fresh)
{
    cl_partials *ps = f->ps;
    size_t held = f->len - f->start;
    size_t cost = held > 0 ? f->cap : 0;

    if (ps == NULL)
        return;
    ps->bytes = ps->bytes - f->p_bytes + cost;
    f->p_bytes = cost;
    if (held == 0) {
        p_unlink(ps, f);
    } else if (!f->p_listed) {
        p_append(ps, f);
    } else if (fresh && ps->tail != f) {
        p_unlink(ps, f);
        p_append(ps, f);
    }
}

void cl_partials_init(cl_partials *ps, size_t limit)
{
    memset(ps, 0, sizeof *ps);
    ps->limit = limit;
}

void cl_framer_attach(cl_framer *f, cl_partials *ps)
{
    f->ps = ps;
    account(f, 0);
}

cl_framer *cl_partials_victim(const cl_partials *ps)
{
    return ps->limit > 0 && ps->bytes > ps->limit ? ps->head : NULL;
}

/* ---- the framer */

void cl_framer_init(cl_framer *f, size_t max_line)
{
    memset(f, 0, sizeof *f);
    f->max_line = max_line;
}

void cl_framer_free(cl_framer *f)
{
    free(f->buf);
    f->buf = NULL;
    f->len = f->start = f->cap = 0;
    account(f, 0);
}

/* Moves what is held to the front of the buffer. */
static void compact(cl_framer *f)
{
    if (f->start > 0) {
        memmove(f->buf, f->buf + f->start, f->len - f->start);
        f->len -= f->start;
        f->start = 0;
    }
}

void cl_framer_trim(cl_framer *f)
{
    size_t held = f->len - f->start;
    size_t cap = f->cap;
    char *nb;

    if (held == 0) {
        /* An idle connection costs no buffer at all; the next read gets a
         * fresh one (one malloc per read at most, far below a line's cost). */
        free(f->buf);
        f->buf = NULL;
        f->len = f->start = f->cap = 0;
    } else {
        /* Halve while the bytes held would fit in a quarter: growth happens
         * when the buffer is full, so the two never chase each other. */
        while (cap / 2 >= CL_FRAMER_MIN_CAP && held <= cap / 4)
            cap /= 2;
        if (cap != f->cap) {
            compact(f);
            nb = realloc(f->buf, cap);
            if (nb != NULL) { /* else keeping the larger buffer is harmless */
                f->buf = nb;
                f->cap = cap;
            }
        }
    }
    account(f, 0);
}

int cl_framer_space(cl_framer *f, char **p, size_t *n)
{
    /* A full line plus "\r\n" and room to NUL-terminate it in place. */
    size_t need = f->max_line + 3;

    compact(f);
    if (f->len == f->cap && f->cap < need) {
        size_t cap = f->cap ? f->cap * 2 : CL_FRAMER_MIN_CAP;
        char *nb;

        if (cap > need)
            cap = need;
        nb = realloc(f->buf, cap);
        if (nb == NULL)
            return -1;
        f->buf = nb;
        f->cap = cap;
        account(f, 0);
    }
    *p = f->buf + f->len;
    *n = f->cap - f->len;
    return 0;
}

void cl_framer_commit(cl_framer *f, size_t n)
{
    f->len += n;
    account(f, 0);
}

/* In a line being discarded: drops bytes up to and including its newline.
 * Returns 1 if the line ended (f->discarded is then its full length). */
static int discard(cl_framer *f)
{
    char *s = f->buf + f->start;
    size_t avail = f->len - f->start;
    char *nl = avail ? memchr(s, '\n', avail) : NULL;

    if (nl == NULL) {
        if (avail)
            f->last_cr = s[avail - 1] == '\r';
        f->discarded += avail;
        f->start = f->len = 0;
        return 0;
    }
    f->discarding = 0;
    f->discarded += (size_t)(nl - s);
    /* The "\r" of a "\r\n" is the terminator's, not the line's. */
    if (nl > s ? nl[-1] == '\r' : f->last_cr)
        f->discarded--;
    f->start += (size_t)(nl - s) + 1;
    return 1;
}

static enum cl_frame_result next_frame(cl_framer *f, char **line, size_t *len)
{
    char *s;
    size_t avail;
    char *nl;

    if (f->end_pending) {
        f->end_pending = 0;
        *line = NULL;
        *len = f->discarded;
        return CL_FRAME_TOO_LARGE_END;
    }
    if (f->discarding) {
        int quiet = f->quiet_end;

        if (!discard(f))
            return CL_FRAME_NONE;
        f->quiet_end = 0;
        if (!quiet) {
            *line = NULL;
            *len = f->discarded;
            return CL_FRAME_TOO_LARGE_END;
        }
        /* A cut line's end: nothing to report, go on with the next line. */
    }
    s = f->buf + f->start;
    avail = f->len - f->start;
    nl = avail ? memchr(s, '\n', avail) : NULL;
    if (nl == NULL) {
        /* No terminator yet. Past max_line (+1 for a possible '\r') this line
         * can never be accepted: report its head now and skip the rest. */
        if (avail > f->max_line + 1) {
            f->discarding = 1;
            f->discarded = avail;
            f->last_cr = s[avail - 1] == '\r';
            *line = s;
            *len = f->max_line;
            f->start = f->len = 0;
            return CL_FRAME_TOO_LARGE;
        }
        return CL_FRAME_NONE;
    }
    *len = (size_t)(nl - s);
    f->start += *len + 1;
    if (*len > 0 && s[*len - 1] == '\r')
        (*len)--;
    if (*len > f->max_line) {
        f->discarded = *len;
        f->end_pending = 1;
        *line = s;
        *len = f->max_line;
        return CL_FRAME_TOO_LARGE;
    }
    s[*len] = '\0';
    *line = s;
    return CL_FRAME_LINE;
}

enum cl_frame_result cl_framer_next(cl_framer *f, char **line, size_t *len)
{
    enum cl_frame_result r = next_frame(f, line, len);

    /* Whatever is held after a line ended belongs to a line that starts now.
     * (TOO_LARGE of an unterminated line holds nothing afterwards.) */
    if (r == CL_FRAME_NONE)
        cl_framer_trim(f);
    else
        account(f, 1);
    return r;
}

size_t cl_framer_partial(const cl_framer *f, const char **p)
{
    if (f->discarding) {
        *p = NULL;
        return 0;
    }
    *p = f->buf + f->start;
    return f->len - f->start;
}

size_t cl_framer_cut(cl_framer *f)
{
    size_t held = f->len - f->start;

    if (held == 0)
        return 0;
    if (!f->discarding) {
        f->discarding = 1;
        f->quiet_end = 1;
        f->discarded = 0;
    }
    f->discarded += held;
    f->last_cr = f->buf[f->len - 1] == '\r';
    /* Consumed, not moved: a read posted at buf + len must still land right. */
    f->start = f->len;
    account(f, 0);
    return held;
}
