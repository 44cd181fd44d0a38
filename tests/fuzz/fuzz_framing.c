/* fuzz_framing.c - libFuzzer target for the newline framer (collector/framing.c).
 *
 * The input's first two bytes choose the line limit and how the rest is cut
 * into reads; the rest is the byte stream. The framer's events are compared,
 * one by one, with a reference model that splits the whole input at '\n':
 * the same lines with the same bytes, each oversized line reported once by
 * its head and then ended with its full length, and the unterminated tail
 * left over at the end. Any difference aborts, which libFuzzer reports like
 * a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_framing: check failed at line %d: %s\n", __LINE__, #cond);       \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The reference: where the next line of the input starts and what it is. */
typedef struct model {
    const uint8_t *in;
    size_t size, pos;
    size_t max;
    int end_due; /* the last event was TOO_LARGE of a complete line */
    size_t end_len;
    size_t tail_start; /* where an oversized unterminated tail began */
} model;

/* Checks one framer event against the model and advances it. */
static void expect(model *m, const cl_framer *f, enum cl_frame_result r, const char *line,
                   size_t len)
{
    const uint8_t *nl;
    size_t start = m->pos, n;

    if (m->end_due) {
        CHECK(r == CL_FRAME_TOO_LARGE_END);
        CHECK(line == NULL && len == m->end_len);
        CHECK(!f->discarding);
        m->end_due = 0;
        return;
    }
    CHECK(r == CL_FRAME_LINE || r == CL_FRAME_TOO_LARGE);
    CHECK(m->pos < m->size);
    nl = memchr(m->in + start, '\n', m->size - start);
    if (nl == NULL) {
        /* An unterminated tail is reported only once it cannot fit. */
        n = m->size - start;
        CHECK(r == CL_FRAME_TOO_LARGE && n > m->max + 1);
        CHECK(len == m->max && memcmp(line, m->in + start, len) == 0);
        m->tail_start = start;
        m->pos = m->size;
        return;
    }
    n = (size_t)(nl - (m->in + start));
    m->pos = start + n + 1;
    if (n > 0 && m->in[start + n - 1] == '\r')
        n--;
    if (n <= m->max) {
        CHECK(r == CL_FRAME_LINE);
        CHECK(len == n && memcmp(line, m->in + start, n) == 0 && line[n] == '\0');
        return;
    }
    CHECK(r == CL_FRAME_TOO_LARGE);
    CHECK(len == m->max && memcmp(line, m->in + start, len) == 0);
    m->end_due = 1;
    m->end_len = n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cl_framer f;
    model m;
    size_t off = 0, seed;

    if (size < 2)
        return 0;
    memset(&m, 0, sizeof m);
    m.max = 1 + (size_t)data[0] % 200;
    seed = data[1];
    m.in = data + 2;
    m.size = size - 2;
    cl_framer_init(&f, m.max);
    while (off < m.size) {
        char *p, *line;
        size_t room, take, len;
        enum cl_frame_result r;

        CHECK(cl_framer_space(&f, &p, &room) == 0);
        CHECK(room > 0);
        /* The buffer never needs more than one line plus "\r\n" and a NUL. */
        CHECK(f.cap <= m.max + 3);
        /* Reads of 1 to 64 bytes, varying along the stream. */
        take = 1 + (seed * 31 + off * 7) % 64;
        if (take > room)
            take = room;
        if (take > m.size - off)
            take = m.size - off;
        memcpy(p, m.in + off, take);
        cl_framer_commit(&f, take);
        off += take;
        while ((r = cl_framer_next(&f, &line, &len)) != CL_FRAME_NONE)
            expect(&m, &f, r, line, len);
        /* Memory follows what is held: none at all between lines. */
        CHECK(f.len > f.start || (f.buf == NULL && f.cap == 0));
    }
    CHECK(!m.end_due);
    if (m.pos < m.size) {
        /* The tail is what the framer holds. */
        const char *p;
        size_t n = cl_framer_partial(&f, &p);

        CHECK(!f.discarding);
        CHECK(memchr(m.in + m.pos, '\n', m.size - m.pos) == NULL);
        CHECK(n == m.size - m.pos && memcmp(p, m.in + m.pos, n) == 0);
    } else if (f.discarding) {
        /* An oversized tail: no partial line, every byte counted. */
        const char *p;

        CHECK(cl_framer_partial(&f, &p) == 0);
        CHECK(f.discarded == m.size - m.tail_start);
    }
    cl_framer_free(&f);
    return 0;
}
