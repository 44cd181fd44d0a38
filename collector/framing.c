/* framing.c - newline framing with resynchronisation after oversized lines. */
#include "framing.h"

#include <stdlib.h>
#include <string.h>

#define FRAMER_MIN_CAP 4096

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
}

int cl_framer_space(cl_framer *f, char **p, size_t *n)
{
    /* A full line plus "\r\n" and room to NUL-terminate it in place. */
    size_t need = f->max_line + 3;

    if (f->start > 0) {
        memmove(f->buf, f->buf + f->start, f->len - f->start);
        f->len -= f->start;
        f->start = 0;
    }
    if (f->len == f->cap && f->cap < need) {
        size_t cap = f->cap ? f->cap * 2 : FRAMER_MIN_CAP;
        char *nb;

        if (cap > need)
            cap = need;
        nb = realloc(f->buf, cap);
        if (nb == NULL)
            return -1;
        f->buf = nb;
        f->cap = cap;
    }
    *p = f->buf + f->len;
    *n = f->cap - f->len;
    return 0;
}

void cl_framer_commit(cl_framer *f, size_t n)
{
    f->len += n;
}

enum cl_frame_result cl_framer_next(cl_framer *f, char **line, size_t *len)
{
    char *s = f->buf + f->start;
    size_t avail = f->len - f->start;
    char *nl;

    if (f->end_pending) {
        f->end_pending = 0;
        *line = NULL;
        *len = f->discarded;
        return CL_FRAME_TOO_LARGE_END;
    }
    nl = avail ? memchr(s, '\n', avail) : NULL;
    if (f->discarding) {
        if (nl == NULL) {
            if (avail)
                f->last_cr = s[avail - 1] == '\r';
            f->discarded += avail;
            f->start = f->len = 0;
            return CL_FRAME_NONE;
        }
        f->discarding = 0;
        f->discarded += (size_t)(nl - s);
        /* The "\r" of a "\r\n" is the terminator's, not the line's. */
        if (nl > s ? nl[-1] == '\r' : f->last_cr)
            f->discarded--;
        f->start += (size_t)(nl - s) + 1;
        *line = NULL;
        *len = f->discarded;
        return CL_FRAME_TOO_LARGE_END;
    }
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

size_t cl_framer_partial(const cl_framer *f, const char **p)
{
    if (f->discarding)
        return 0;
    *p = f->buf + f->start;
    return f->len - f->start;
}
