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
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
