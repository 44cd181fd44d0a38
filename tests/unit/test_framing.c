/* test_framing.c - the newline framer (collector/framing.h).
 *
 * Every test feeds bytes through cl_framer_space/cl_framer_commit exactly as
 * the I/O layer does, in chunks of a chosen size (often one byte, the worst
 * case for a framer), and compares the complete list of frames produced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "framing.h"

#define MAX_FRAMES 64

/* Everything the framer reported, copied out because its pointers only live
 * until the next cl_framer_space. */
typedef struct frames {
    size_t count;
    enum cl_frame_result kind[MAX_FRAMES];
    size_t len[MAX_FRAMES];
    char *text[MAX_FRAMES];
    /* CL_FRAME_TOO_LARGE_END events, kept apart so that frame indexes
     * count lines: the full length of each oversized line, in order. */
    size_t nends;
    size_t end_len[MAX_FRAMES];
    int open; /* a TOO_LARGE awaits its END */
} frames;

static void frames_free(frames *fr)
{
    for (size_t i = 0; i < fr->count; i++)
        free(fr->text[i]);
    memset(fr, 0, sizeof *fr);
}

/* Takes every frame the framer has ready. */
static void drain(cl_framer *f, frames *fr)
{
    enum cl_frame_result k;
    char *line;
    size_t len;

    while ((k = cl_framer_next(f, &line, &len)) != CL_FRAME_NONE) {
        /* Every TOO_LARGE is followed by its END before anything else. */
        if (k == CL_FRAME_TOO_LARGE_END) {
            assert_true(fr->open);
            assert_null(line);
            assert_true(fr->nends < MAX_FRAMES);
            fr->end_len[fr->nends++] = len;
            fr->open = 0;
            continue;
        }
        assert_false(fr->open);
        fr->open = k == CL_FRAME_TOO_LARGE;
        assert_true(fr->count < MAX_FRAMES);
        /* The header promises a line NUL-terminated in place. */
        if (k == CL_FRAME_LINE)
            assert_int_equal(line[len], '\0');
        fr->kind[fr->count] = k;
        fr->len[fr->count] = len;
        fr->text[fr->count] = malloc(len + 1);
        assert_non_null(fr->text[fr->count]);
        memcpy(fr->text[fr->count], line, len);
        fr->text[fr->count][len] = '\0';
        fr->count++;
    }
}

/* Feeds data[0..n) in reads of at most chunk bytes, draining after each. */
static void feed(cl_framer *f, const char *data, size_t n, size_t chunk, frames *fr)
{
    size_t off = 0;

    while (off < n) {
        char *p;
        size_t room, k;

        assert_int_equal(cl_framer_space(f, &p, &room), 0);
        /* A framer that offers no room would stall the connection forever. */
        assert_true(room > 0);
        k = n - off;
        if (k > chunk)
            k = chunk;
        if (k > room)
            k = room;
        memcpy(p, data + off, k);
        cl_framer_commit(f, k);
        off += k;
        drain(f, fr);
    }
}

static void feed_str(cl_framer *f, const char *s, size_t chunk, frames *fr)
{
    feed(f, s, strlen(s), chunk, fr);
}

static void assert_frame(const frames *fr, size_t i, enum cl_frame_result kind, const char *text,
                         size_t len)
{
    assert_true(i < fr->count);
    assert_int_equal(fr->kind[i], kind);
    assert_int_equal(fr->len[i], len);
    assert_memory_equal(fr->text[i], text, len);
}

static void assert_line(const frames *fr, size_t i, const char *text)
{
    assert_frame(fr, i, CL_FRAME_LINE, text, strlen(text));
}

/* n copies of c followed by tail, as a heap string. */
static char *repeat(char c, size_t n, const char *tail)
{
    size_t t = strlen(tail);
    char *s = malloc(n + t + 1);

    assert_non_null(s);
    memset(s, c, n);
    memcpy(s + n, tail, t + 1);
    return s;
}

static void test_one_line(void **state)
{
    cl_framer f;
    frames fr = { 0 };

    (void)state;
    cl_framer_init(&f, 64);
    feed_str(&f, "{\"msg\":\"hello\"}\n", 1024, &fr);
    assert_int_equal(fr.count, 1);
    assert_line(&fr, 0, "{\"msg\":\"hello\"}");
    frames_free(&fr);
    cl_framer_free(&f);
}

static void test_byte_by_byte(void **state)
{
    static const char stream[] = "{\"a\":1}\nsecond\r\n\nthird line\n";
    cl_framer f;
    frames fr = { 0 };

    (void)state;
    cl_framer_init(&f, 64);
    feed_str(&f, stream, 1, &fr);
    assert_int_equal(fr.count, 4);
    assert_line(&fr, 0, "{\"a\":1}");
    assert_line(&fr, 1, "second");
    assert_line(&fr, 2, "");
    assert_line(&fr, 3, "third line");
    frames_free(&fr);
    cl_framer_free(&f);
}

/* Every chunk size from 1 to the whole stream must give the same frames:
 * where the reads split the stream is not the producer's business. */
static void test_every_chunk_size(void **state)
{
    static const char stream[] = "alpha\r\nbeta\n\ngamma delta\r\n";

    (void)state;
    for (size_t chunk = 1; chunk <= sizeof stream; chunk++) {
        cl_framer f;
        frames fr = { 0 };

        cl_framer_init(&f, 32);
        feed_str(&f, stream, chunk, &fr);
        assert_int_equal(fr.count, 4);
        assert_line(&fr, 0, "alpha");
        assert_line(&fr, 1, "beta");
        assert_line(&fr, 2, "");
        assert_line(&fr, 3, "gamma delta");
        frames_free(&fr);
        cl_framer_free(&f);
    }
}

static void test_multiple_lines_one_read(void **state)
{
    cl_framer f;
    frames fr = { 0 };
    const char *p = NULL;

    (void)state;
    cl_framer_init(&f, 64);
    feed_str(&f, "a\nbb\r\nccc\ndd", 4096, &fr);
    assert_int_equal(fr.count, 3);
    assert_line(&fr, 0, "a");
    assert_line(&fr, 1, "bb");
    assert_line(&fr, 2, "ccc");
    /* The unterminated tail is held, not returned. */
    assert_int_equal(cl_framer_partial(&f, &p), 2);
    assert_memory_equal(p, "dd", 2);
    frames_free(&fr);
    cl_framer_free(&f);
}

static void test_crlf_stripped(void **state)
{
    cl_framer f;
    frames fr = { 0 };

    (void)state;
    cl_framer_init(&f, 64);
    /* Only the one '\r' right before '\n' belongs to the terminator; other
     * carriage returns are content (the validator judges them). */
    feed_str(&f, "x\r\ny\r\r\na\rb\n\r\n", 4096, &fr);
    assert_int_equal(fr.count, 4);
    assert_frame(&fr, 0, CL_FRAME_LINE, "x", 1);
    assert_frame(&fr, 1, CL_FRAME_LINE, "y\r", 2);
    assert_frame(&fr, 2, CL_FRAME_LINE, "a\rb", 3);
    assert_frame(&fr, 3, CL_FRAME_LINE, "", 0);
    frames_free(&fr);
    cl_framer_free(&f);
}

/* "\r" and "\n" in different reads still make one CRLF terminator. */
static void test_crlf_split_across_reads(void **state)
{
    cl_framer f;
    frames fr = { 0 };

    (void)state;
    cl_framer_init(&f, 64);
    feed_str(&f, "abc\r", 4096, &fr);
    assert_int_equal(fr.count, 0);
    feed_str(&f, "\n", 4096, &fr);
    assert_int_equal(fr.count, 1);
    assert_frame(&fr, 0, CL_FRAME_LINE, "abc", 3);
    frames_free(&fr);
    cl_framer_free(&f);
}

static void test_empty_lines(void **state)
{
    cl_framer f;
    frames fr = { 0 };

    (void)state;
    cl_framer_init(&f, 64);
    feed_str(&f, "\n\r\n\n", 4096, &fr);
    assert_int_equal(fr.count, 3);
    for (size_t i = 0; i < 3; i++)
        assert_frame(&fr, i, CL_FRAME_LINE, "", 0);
    frames_free(&fr);
    cl_framer_free(&f);
}

static void test_exact_max_line_accepted(void **state)
{
    const size_t max = 16;
    char *lf = repeat('L', max, "\n");
    char *crlf = repeat('C', max, "\r\n");
    char *body_l = repeat('L', max, "");
    char *body_c = repeat('C', max, "");

    (void)state;
    /* In one read and byte by byte: while a line of exactly max bytes waits
     * for its "\r\n", the framer must not mistake it for an oversized one. */
    for (size_t chunk = 1; chunk <= 4096; chunk += 4095) {
        cl_framer f;
        frames fr = { 0 };

        cl_framer_init(&f, max);
        feed_str(&f, lf, chunk, &fr);
        feed_str(&f, crlf, chunk, &fr);
        assert_int_equal(fr.count, 2);
        assert_frame(&fr, 0, CL_FRAME_LINE, body_l, max);
        assert_frame(&fr, 1, CL_FRAME_LINE, body_c, max);
        frames_free(&fr);
        cl_framer_free(&f);
    }
    free(lf);
    free(crlf);
    free(body_l);
    free(body_c);
}

/* One byte over the limit is too large, with or without CR. */
static void test_max_plus_one_rejected(void **state)
{
    const size_t max = 16;
    char *lf = repeat('a', max + 1, "\nok\n");
    char *crlf = repeat('a', max + 1, "\r\nok\n");

    (void)state;
    for (size_t chunk = 1; chunk <= 4096; chunk += 4095) {
        cl_framer f;
        frames fr = { 0 };

        cl_framer_init(&f, max);
        feed_str(&f, lf, chunk, &fr);
        feed_str(&f, crlf, chunk, &fr);
        assert_int_equal(fr.count, 4);
        assert_frame(&fr, 0, CL_FRAME_TOO_LARGE, lf, max);
        assert_line(&fr, 1, "ok");
        assert_frame(&fr, 2, CL_FRAME_TOO_LARGE, crlf, max);
        assert_line(&fr, 3, "ok");
        /* Full lengths, terminators excluded. */
        assert_int_equal(fr.nends, 2);
        assert_int_equal(fr.end_len[0], max + 1);
        assert_int_equal(fr.end_len[1], max + 1);
        frames_free(&fr);
        cl_framer_free(&f);
    }
    free(lf);
    free(crlf);
}

/* Oversized line and its newline in the same read as the next line. */
static void test_oversize_same_read(void **state)
{
    const size_t max = 16;
    cl_framer f;
    frames fr = { 0 };
    char *stream = repeat('X', 40, "\nnext\n");

    (void)state;
    /* Vary the head so that "exactly the first max bytes" is checkable. */
    for (size_t i = 0; i < 40; i++)
        stream[i] = (char)('A' + i % 26);
    cl_framer_init(&f, max);
    feed_str(&f, stream, 4096, &fr);
    assert_int_equal(fr.count, 2);
    assert_frame(&fr, 0, CL_FRAME_TOO_LARGE, stream, max);
    assert_line(&fr, 1, "next");
    assert_int_equal(fr.nends, 1);
    assert_int_equal(fr.end_len[0], 40);
    frames_free(&fr);
    cl_framer_free(&f);
    free(stream);
}

/* The newline arrives many reads after the limit was passed: the line is
 * reported once, as soon as it is known to be too long, and everything up to
 * the newline is dropped. */
static void test_oversize_many_reads_later(void **state)
{
    const size_t max = 16;
    static const size_t chunks[] = { 1, 3, 7, 17, 100 };
    char *stream = repeat('?', 1000, "\nafter\n");

    (void)state;
    for (size_t i = 0; i < 1000; i++)
        stream[i] = (char)('a' + i % 26);
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        cl_framer f;
        frames fr = { 0 };

        cl_framer_init(&f, max);
        feed_str(&f, stream, chunks[c], &fr);
        assert_int_equal(fr.count, 2);
        assert_frame(&fr, 0, CL_FRAME_TOO_LARGE, stream, max);
        assert_line(&fr, 1, "after");
        assert_int_equal(fr.nends, 1);
        assert_int_equal(fr.end_len[0], 1000);
        frames_free(&fr);
        cl_framer_free(&f);
    }
    free(stream);
}

/* The report comes before the newline does: the I/O layer can reject the
 * line without waiting (and without buffering it). */
static void test_oversize_reported_before_newline(void **state)
{
    const size_t max = 16;
    cl_framer f;
    frames fr = { 0 };
    char *head = repeat('h', 500, "");
    const char *p = NULL;

    (void)state;
    cl_framer_init(&f, max);
    feed_str(&f, head, 5, &fr);
    assert_int_equal(fr.count, 1);
    assert_frame(&fr, 0, CL_FRAME_TOO_LARGE, head, max);
    /* A line already reported as too large is not reported again as
     * truncated when the peer hangs up inside it. */
    assert_int_equal(cl_framer_partial(&f, &p), 0);
    assert_int_equal(fr.nends, 0);
    assert_true(f.discarding);
    assert_int_equal(f.discarded, 500);
    feed_str(&f, "more bytes\r\n{\"k\":1}\n", 5, &fr);
    assert_int_equal(fr.count, 2);
    assert_line(&fr, 1, "{\"k\":1}");
    assert_int_equal(fr.nends, 1);
    assert_int_equal(fr.end_len[0], 510); /* "\r\n" excluded */
    frames_free(&fr);
    cl_framer_free(&f);
    free(head);
}

/* A max-length line followed by '\r' and then more content is oversized
 * (the '\r' turned out not to be a terminator). */
static void test_cr_not_followed_by_lf(void **state)
{
    const size_t max = 16;
    cl_framer f;
    frames fr = { 0 };
    char *first = repeat('z', max, "\r");

    (void)state;
    cl_framer_init(&f, max);
    feed_str(&f, first, 4096, &fr);
    assert_int_equal(fr.count, 0);
    feed_str(&f, "zz\nok\n", 4096, &fr);
    assert_int_equal(fr.count, 2);
    assert_frame(&fr, 0, CL_FRAME_TOO_LARGE, first, max);
    assert_line(&fr, 1, "ok");
    frames_free(&fr);
    cl_framer_free(&f);
    free(first);
}

/* Two oversized lines in a row are two reports, each followed by resync. */
static void test_two_oversize_in_a_row(void **state)
{
    const size_t max = 8;
    cl_framer f;
    frames fr = { 0 };

    (void)state;
    cl_framer_init(&f, max);
    feed_str(&f, "0123456789ABCDEF\nabcdefghijklmnop\nfine\n", 3, &fr);
    assert_int_equal(fr.count, 3);
    assert_frame(&fr, 0, CL_FRAME_TOO_LARGE, "01234567", max);
    assert_frame(&fr, 1, CL_FRAME_TOO_LARGE, "abcdefgh", max);
    assert_line(&fr, 2, "fine");
    assert_int_equal(fr.nends, 2);
    assert_int_equal(fr.end_len[0], 16);
    assert_int_equal(fr.end_len[1], 16);
    frames_free(&fr);
    cl_framer_free(&f);
}

/* Regression: an oversized line whose newline opens a read that also
 * passes the limit of the next line. Each line's end is its own event, so
 * the first line's length is never taken for the second's (the collector
 * used to lose the first reject and record the second length for it). */
static void test_oversize_end_then_next_oversize(void **state)
{
    const size_t max = 16;
    cl_framer f;
    frames fr = { 0 };
    char *a = repeat('a', 40, "");
    char *b = repeat('b', 50, "\nok\n");

    (void)state;
    for (size_t chunk = 1; chunk <= 4096; chunk *= 2) {
        cl_framer_init(&f, max);
        feed_str(&f, a, 4096, &fr); /* reported early, still discarding */
        feed_str(&f, "\n", 4096, &fr);
        feed_str(&f, b, chunk, &fr);
        assert_int_equal(fr.count, 3);
        assert_frame(&fr, 0, CL_FRAME_TOO_LARGE, a, max);
        assert_frame(&fr, 1, CL_FRAME_TOO_LARGE, b, max);
        assert_line(&fr, 2, "ok");
        assert_int_equal(fr.nends, 2);
        assert_int_equal(fr.end_len[0], 40);
        assert_int_equal(fr.end_len[1], 50);
        frames_free(&fr);
        cl_framer_free(&f);
    }
    /* The same bytes in one read, and with the newline leading a read. */
    for (int split = 0; split < 2; split++) {
        char *all = repeat('a', 40, "\n");
        char *tail = repeat('b', 50, "\nok\n");

        cl_framer_init(&f, max);
        if (split) {
            feed(&f, all, 40, 4096, &fr);
            feed(&f, "\n", 1, 4096, &fr);
        } else {
            feed_str(&f, all, 4096, &fr);
        }
        feed_str(&f, tail, 4096, &fr);
        assert_int_equal(fr.count, 3);
        assert_int_equal(fr.nends, 2);
        assert_int_equal(fr.end_len[0], 40);
        assert_int_equal(fr.end_len[1], 50);
        frames_free(&fr);
        cl_framer_free(&f);
        free(all);
        free(tail);
    }
    free(a);
    free(b);
}

/* The default limit, with the buffer growing past its initial size. */
static void test_default_limit_large_lines(void **state)
{
    const size_t max = 65536;
    char *ok = repeat('a', max, "\n");
    char *big = repeat('b', max + 1, "\n");
    cl_framer f;
    frames fr = { 0 };

    (void)state;
    cl_framer_init(&f, max);
    feed_str(&f, ok, 4096, &fr);
    feed_str(&f, big, 4096, &fr);
    feed_str(&f, ok, 65536 + 7, &fr);
    assert_int_equal(fr.count, 3);
    assert_frame(&fr, 0, CL_FRAME_LINE, ok, max);
    assert_frame(&fr, 1, CL_FRAME_TOO_LARGE, big, max);
    assert_frame(&fr, 2, CL_FRAME_LINE, ok, max);
    frames_free(&fr);
    cl_framer_free(&f);
    free(ok);
    free(big);
}

static void test_partial_at_eof(void **state)
{
    cl_framer f;
    frames fr = { 0 };
    const char *p = NULL;

    (void)state;
    cl_framer_init(&f, 64);
    /* Nothing received yet: nothing to report. */
    assert_int_equal(cl_framer_partial(&f, &p), 0);
    feed_str(&f, "good\nhal", 1, &fr);
    feed_str(&f, "f", 1, &fr);
    assert_int_equal(fr.count, 1);
    assert_line(&fr, 0, "good");
    assert_int_equal(cl_framer_partial(&f, &p), 4);
    assert_memory_equal(p, "half", 4);
    /* Completing the line empties the partial. */
    feed_str(&f, "\n", 1, &fr);
    assert_int_equal(fr.count, 2);
    assert_line(&fr, 1, "half");
    assert_int_equal(cl_framer_partial(&f, &p), 0);
    frames_free(&fr);
    cl_framer_free(&f);
}

static void test_free_is_idempotent(void **state)
{
    cl_framer f;

    (void)state;
    cl_framer_init(&f, 64);
    cl_framer_free(&f); /* never allocated */
    cl_framer_free(&f);
    assert_null(f.buf);
    assert_int_equal(f.len, 0);
}

/* ---- memory: the buffer follows what the connection holds */

/* Feeds n bytes of c (no newline) in reads of chunk bytes. */
static void feed_fill(cl_framer *f, char c, size_t n, size_t chunk, frames *fr)
{
    char *s = repeat(c, n, "");

    feed(f, s, n, chunk, fr);
    free(s);
}

static void test_buffer_grows_with_what_it_holds(void **state)
{
    static const struct {
        size_t held, cap;
    } steps[] = {
        { 1, 4096 },      { 4096, 4096 },   { 4097, 8192 },   { 8192, 8192 },   { 8193, 16384 },
        { 30000, 32768 }, { 40000, 65536 }, { 65000, 65536 }, { 65537, 65539 }, /* one maximal line + "\r\n" + NUL, never more */
    };
    cl_framer f;
    frames fr = { 0 };
    size_t held = 0;

    (void)state;
    cl_framer_init(&f, 65536);
    assert_int_equal(f.cap, 0); /* nothing allocated before the first read */
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        feed_fill(&f, 'g', steps[i].held - held, 1000, &fr);
        held = steps[i].held;
        assert_int_equal(f.len - f.start, held);
        assert_int_equal(f.cap, steps[i].cap);
    }
    assert_int_equal(fr.count, 0);
    frames_free(&fr);
    cl_framer_free(&f);
}

/* A completed line gives its memory back: all of it when nothing follows,
 * down to what the next line's start needs when something does. */
static void test_buffer_released_when_line_completes(void **state)
{
    char *next = repeat('n', 100, "");
    cl_framer f;
    frames fr = { 0 };
    const char *p;

    (void)state;
    cl_framer_init(&f, 65536);
    feed_fill(&f, 'a', 60000, 4096, &fr);
    assert_int_equal(f.cap, 65536);
    feed_str(&f, "\n", 1, &fr);
    assert_int_equal(fr.count, 1);
    assert_int_equal(fr.len[0], 60000);
    assert_null(f.buf);
    assert_int_equal(f.cap, 0);

    feed_fill(&f, 'b', 60000, 65536, &fr);
    assert_int_equal(f.cap, 65536);
    feed_str(&f, "\n", 1, &fr);
    feed_str(&f, next, 100, &fr);
    assert_int_equal(fr.count, 2);
    assert_int_equal(f.cap, CL_FRAMER_MIN_CAP);
    assert_int_equal(cl_framer_partial(&f, &p), 100);
    assert_memory_equal(p, next, 100);
    /* The shrunk buffer still frames correctly. */
    feed_str(&f, "\n", 1, &fr);
    assert_int_equal(fr.count, 3);
    assert_frame(&fr, 2, CL_FRAME_LINE, next, 100);
    assert_null(f.buf);
    frames_free(&fr);
    cl_framer_free(&f);
    free(next);
}

/* Shrinking halves only while what is held fits in a quarter, and keeps the
 * bytes held intact. */
static void test_buffer_shrinks_by_halves(void **state)
{
    static const struct {
        size_t next, cap;
    } cases[] = {
        { 20000, 65536 }, /* more than a quarter of 64 KiB: kept */
        { 16384, 32768 }, /* a quarter: halved once */
        { 5000, 16384 },  /* fits a quarter of 32 KiB, not of 16 KiB */
        { 1024, 4096 },   /* never below CL_FRAMER_MIN_CAP */
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = cases[i].next;
        char *read = malloc(n + 1);
        cl_framer f;
        frames fr = { 0 };
        const char *p;

        assert_non_null(read);
        read[0] = '\n';
        for (size_t k = 1; k <= n; k++)
            read[k] = (char)('A' + k % 26);
        cl_framer_init(&f, 65536);
        feed_fill(&f, 'l', 40000, 4096, &fr);
        assert_int_equal(f.cap, 65536);
        feed(&f, read, n + 1, n + 1, &fr); /* one read: the end, then the next line */
        assert_int_equal(fr.count, 1);
        assert_int_equal(fr.len[0], 40000);
        assert_int_equal(f.cap, cases[i].cap);
        assert_int_equal(cl_framer_partial(&f, &p), n);
        assert_memory_equal(p, read + 1, n);
        frames_free(&fr);
        cl_framer_free(&f);
        free(read);
    }
}

/* While an oversized line is skipped, nothing of it is kept. */
static void test_discarding_holds_no_buffer(void **state)
{
    cl_framer f;
    frames fr = { 0 };

    (void)state;
    cl_framer_init(&f, 1000);
    feed_fill(&f, 'z', 50000, 4096, &fr);
    assert_int_equal(fr.count, 1);
    assert_int_equal(fr.kind[0], CL_FRAME_TOO_LARGE);
    assert_true(f.discarding);
    assert_null(f.buf);
    feed_str(&f, "\nok\n", 4096, &fr);
    assert_int_equal(fr.nends, 1);
    assert_int_equal(fr.end_len[0], 50000);
    assert_line(&fr, 1, "ok");
    assert_null(f.buf);
    frames_free(&fr);
    cl_framer_free(&f);
}

/* ---- the budget for partial lines across connections */

/* A framer holding part of a line costs its whole buffer; one holding
 * nothing costs nothing. Lines of at most 1000 bytes: buffers of 1003. */
enum { SMALL_MAX = 1000, SMALL_CAP = SMALL_MAX + 3 };

static void test_budget_counts_partial_lines(void **state)
{
    cl_partials ps;
    cl_framer a, b;
    frames fr = { 0 };

    (void)state;
    cl_partials_init(&ps, 0);
    cl_framer_init(&a, SMALL_MAX);
    cl_framer_init(&b, SMALL_MAX);
    cl_framer_attach(&a, &ps);
    cl_framer_attach(&b, &ps);
    feed_str(&a, "{\"half", 2, &fr);
    feed_str(&b, "x\ny\nzz", 3, &fr);
    assert_int_equal(a.cap, SMALL_CAP);
    assert_int_equal(ps.bytes, 2 * SMALL_CAP);
    assert_ptr_equal(ps.head, &a);
    assert_ptr_equal(ps.tail, &b);
    /* No limit: nobody is ever a victim. */
    assert_null(cl_partials_victim(&ps));
    feed_str(&a, "\"}\n", 1, &fr);
    assert_int_equal(ps.bytes, SMALL_CAP);
    assert_ptr_equal(ps.head, &b);
    cl_framer_free(&b);
    assert_int_equal(ps.bytes, 0);
    assert_null(ps.head);
    assert_null(ps.tail);
    cl_framer_free(&a);
    cl_framer_free(&a);
    assert_int_equal(ps.bytes, 0);
    frames_free(&fr);
}

/* The cost follows the buffer as it grows and shrinks. */
static void test_budget_follows_the_buffer(void **state)
{
    cl_partials ps;
    cl_framer f;
    frames fr = { 0 };

    (void)state;
    cl_partials_init(&ps, 0);
    cl_framer_init(&f, 65536);
    cl_framer_attach(&f, &ps);
    feed_fill(&f, 'a', 10, 10, &fr);
    assert_int_equal(ps.bytes, 4096);
    feed_fill(&f, 'a', 40000, 4096, &fr);
    assert_int_equal(ps.bytes, 65536);
    feed_str(&f, "\nabc", 64, &fr);
    assert_int_equal(ps.bytes, 4096);
    feed_str(&f, "\n", 64, &fr);
    assert_int_equal(ps.bytes, 0);
    assert_int_equal(fr.count, 2);
    cl_framer_free(&f);
    frames_free(&fr);
}

/* The victim is the line that has waited longest: its start, not its last
 * byte, counts - a slow drip does not make a line young again - and a
 * connection whose line completed goes to the back with its next one. */
static void test_budget_victim_is_longest_waiting(void **state)
{
    cl_partials ps;
    cl_framer f[3];
    frames fr = { 0 };

    (void)state;
    cl_partials_init(&ps, 2 * SMALL_CAP);
    for (int i = 0; i < 3; i++) {
        cl_framer_init(&f[i], SMALL_MAX);
        cl_framer_attach(&f[i], &ps);
    }
    feed_fill(&f[0], 'a', 20, 20, &fr);
    feed_fill(&f[1], 'b', 20, 20, &fr);
    assert_int_equal(ps.bytes, 2 * SMALL_CAP);
    assert_null(cl_partials_victim(&ps)); /* at the limit is within it */
    feed_fill(&f[2], 'c', 20, 20, &fr);
    assert_int_equal(ps.bytes, 3 * SMALL_CAP);
    assert_ptr_equal(cl_partials_victim(&ps), &f[0]);
    feed_fill(&f[0], 'a', 5, 1, &fr); /* dripping: still the oldest line */
    assert_ptr_equal(cl_partials_victim(&ps), &f[0]);
    feed_str(&f[0], "\nnew", 64, &fr); /* done; a new line starts now */
    assert_int_equal(fr.count, 1);
    assert_ptr_equal(cl_partials_victim(&ps), &f[1]);
    assert_ptr_equal(ps.tail, &f[0]);
    feed_str(&f[1], "\n", 64, &fr); /* done, nothing after it */
    assert_int_equal(ps.bytes, 2 * SMALL_CAP);
    assert_null(cl_partials_victim(&ps));
    assert_ptr_equal(ps.head, &f[2]);
    for (int i = 0; i < 3; i++)
        cl_framer_free(&f[i]);
    frames_free(&fr);
}

/* Cutting drops the held bytes at once (and the memory once trimmed), then
 * skips the rest of the line silently: no frame of the cut line, the next
 * line intact - byte by byte as well as in one read. */
static void test_cut_resyncs_quietly(void **state)
{
    (void)state;
    for (size_t chunk = 1; chunk <= 32; chunk += 31) {
        cl_partials ps;
        cl_framer f, g;
        frames fr = { 0 };
        const char *p;

        cl_partials_init(&ps, SMALL_CAP);
        cl_framer_init(&f, SMALL_MAX);
        cl_framer_init(&g, SMALL_MAX);
        cl_framer_attach(&f, &ps);
        cl_framer_attach(&g, &ps);
        feed_str(&f, "{\"msg\":\"cut me ", chunk, &fr);
        feed_str(&g, "{\"msg\":\"keep me ", chunk, &fr);
        assert_ptr_equal(cl_partials_victim(&ps), &f);
        assert_int_equal(cl_framer_partial(&f, &p), 15);
        assert_memory_equal(p, "{\"msg\":\"cut me ", 15);
        assert_int_equal(cl_framer_cut(&f), 15);
        cl_framer_trim(&f);
        assert_null(f.buf);
        assert_int_equal(ps.bytes, SMALL_CAP);
        assert_null(cl_partials_victim(&ps));
        assert_int_equal(cl_framer_partial(&f, &p), 0);
        /* Nothing more to cut. */
        assert_int_equal(cl_framer_cut(&f), 0);
        feed_str(&f, "rest of it\"}\r", chunk, &fr);
        feed_str(&f, "\n{\"next\":1}\n", chunk, &fr);
        assert_int_equal(fr.count, 1);
        assert_int_equal(fr.nends, 0);
        assert_line(&fr, 0, "{\"next\":1}");
        feed_str(&g, "\"}\n", chunk, &fr);
        assert_line(&fr, 1, "{\"msg\":\"keep me \"}");
        assert_int_equal(ps.bytes, 0);
        cl_framer_free(&f);
        cl_framer_free(&g);
        frames_free(&fr);
    }
}

/* Windows posts a read into the buffer before the bytes arrive; a line cut
 * meanwhile must neither move the buffer nor misplace what lands in it. */
static void test_cut_with_read_posted(void **state)
{
    cl_partials ps;
    cl_framer f;
    frames fr = { 0 };
    char *p, *before;
    size_t room;

    (void)state;
    cl_partials_init(&ps, 1);
    cl_framer_init(&f, SMALL_MAX);
    cl_framer_attach(&f, &ps);
    feed_str(&f, "{\"half\":", 64, &fr);
    assert_int_equal(cl_framer_space(&f, &p, &room), 0); /* the posted read */
    before = f.buf;
    assert_ptr_equal(cl_partials_victim(&ps), &f);
    assert_int_equal(cl_framer_cut(&f), 8);
    assert_ptr_equal(f.buf, before);
    assert_int_equal(ps.bytes, 0);
    assert_true(room >= 15);
    memcpy(p, "1}\n{\"ok\":true}\n", 15); /* the read completes */
    cl_framer_commit(&f, 15);
    drain(&f, &fr);
    assert_int_equal(fr.count, 1);
    assert_line(&fr, 0, "{\"ok\":true}");
    assert_int_equal(fr.nends, 0);
    assert_null(f.buf);
    cl_framer_free(&f);
    frames_free(&fr);
}

/* What the collector does: cut the longest-waiting lines until the total
 * is within the limit - exactly as many as needed, oldest first. */
static void test_budget_cut_until_within(void **state)
{
    enum { N = 10, KEEP = 3, HALF = 900 };
    cl_partials ps;
    cl_framer f[N];
    frames fr = { 0 };
    cl_framer *v;
    int cuts = 0;

    (void)state;
    cl_partials_init(&ps, KEEP * SMALL_CAP);
    for (int i = 0; i < N; i++) {
        cl_framer_init(&f[i], SMALL_MAX);
        cl_framer_attach(&f[i], &ps);
        feed_fill(&f[i], 'h', HALF, 300, &fr);
        while ((v = cl_partials_victim(&ps)) != NULL) {
            assert_ptr_equal(v, &f[cuts]);
            assert_int_equal(cl_framer_cut(v), HALF);
            cl_framer_trim(v);
            cuts++;
        }
        assert_true(ps.bytes <= KEEP * SMALL_CAP);
    }
    assert_int_equal(cuts, N - KEEP);
    assert_int_equal(ps.bytes, KEEP * SMALL_CAP);
    for (int i = 0; i < N; i++) {
        const char *p;

        assert_int_equal(cl_framer_partial(&f[i], &p), i < N - KEEP ? 0 : HALF);
        assert_true(i >= N - KEEP || f[i].buf == NULL);
        cl_framer_free(&f[i]);
    }
    assert_int_equal(ps.bytes, 0);
    frames_free(&fr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_line),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_every_chunk_size),
        cmocka_unit_test(test_multiple_lines_one_read),
        cmocka_unit_test(test_crlf_stripped),
        cmocka_unit_test(test_crlf_split_across_reads),
        cmocka_unit_test(test_empty_lines),
        cmocka_unit_test(test_exact_max_line_accepted),
        cmocka_unit_test(test_max_plus_one_rejected),
        cmocka_unit_test(test_oversize_same_read),
        cmocka_unit_test(test_oversize_many_reads_later),
        cmocka_unit_test(test_oversize_reported_before_newline),
        cmocka_unit_test(test_cr_not_followed_by_lf),
        cmocka_unit_test(test_two_oversize_in_a_row),
        cmocka_unit_test(test_oversize_end_then_next_oversize),
        cmocka_unit_test(test_default_limit_large_lines),
        cmocka_unit_test(test_partial_at_eof),
        cmocka_unit_test(test_free_is_idempotent),
        cmocka_unit_test(test_buffer_grows_with_what_it_holds),
        cmocka_unit_test(test_buffer_released_when_line_completes),
        cmocka_unit_test(test_buffer_shrinks_by_halves),
        cmocka_unit_test(test_discarding_holds_no_buffer),
        cmocka_unit_test(test_budget_counts_partial_lines),
        cmocka_unit_test(test_budget_follows_the_buffer),
        cmocka_unit_test(test_budget_victim_is_longest_waiting),
        cmocka_unit_test(test_cut_resyncs_quietly),
        cmocka_unit_test(test_cut_with_read_posted),
        cmocka_unit_test(test_budget_cut_until_within),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
