/* test_rotate.c - rotation naming and renames (collector/rotate.h) and the
 * rotating text sink built on them (collector/sink_text.h).
 *
 * Each test works in its own mkdtemp directory under /tmp and removes it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "compress.h"
#include "fsutil.h"
#include "rotate.h"
#include "sink_text.h"
#include "timefmt.h"
#include "testutil.h"
#include "validate.h"

#define RECEIVED 1795774503000000LL

static const cl_peer PEER = { 999, 1000, 1000, NULL };

/* Every file the sink creates starts with its marker line; a file the sink
 * is to append to must start with it. */
#define MARK "# centrallogd text log"
#define MARKLINE MARK " (written by the test)\n"

/* ---- small file helpers ---- */

static int make_dir(void **state)
{
    return tu_dir_setup(state, "rotate");
}

static int remove_dir(void **state)
{
    return tu_dir_teardown(state);
}

static void path_in(void **state, const char *name, char *out, size_t outlen)
{
    const tu_dir *d = *state;

    tu_path(d->path, name, out, outlen);
}

static void assert_file(const char *path, const char *expect)
{
    char *got = tu_read_file(path, NULL);

    if (got == NULL)
        fail_msg("%s does not exist", path);
    assert_string_equal(got, expect);
    free(got);
}

/* The text after the marker line that must open text (read from path). */
static const char *after_marker(const char *path, const char *text)
{
    const char *nl;

    if (strncmp(text, MARK, strlen(MARK)) != 0 || (nl = strchr(text, '\n')) == NULL)
        fail_msg("%s does not start with the marker line: %.80s", path, text);
    return nl + 1;
}

/* The file holds the marker line and then exactly expect. */
static void assert_marked_file(const char *path, const char *expect)
{
    char *got = tu_read_file(path, NULL);

    if (got == NULL)
        fail_msg("%s does not exist", path);
    assert_string_equal(after_marker(path, got), expect);
    free(got);
}

static void assert_missing(const char *path)
{
    struct stat sb;

    if (stat(path, &sb) == 0)
        fail_msg("%s exists", path);
    assert_int_equal(errno, ENOENT);
}

static void rot(const char *base, int i, char *out, size_t outlen)
{
    assert_int_equal(cl_rotate_name(base, i, out, outlen), 0);
}

/* ---- cl_rotate_name ---- */

static void test_rotate_name(void **state)
{
    char out[32];

    (void)state;
    assert_int_equal(cl_rotate_name("app.log", 0, out, sizeof out), 0);
    assert_string_equal(out, "app.log");
    assert_int_equal(cl_rotate_name("app.log", 1, out, sizeof out), 0);
    assert_string_equal(out, "app.log.1");
    assert_int_equal(cl_rotate_name("/var/log/app.log", 12, out, sizeof out), 0);
    assert_string_equal(out, "/var/log/app.log.12");
    /* "app.log.1" is 9 characters: 10 bytes fit, 9 do not. */
    assert_int_equal(cl_rotate_name("app.log", 1, out, 10), 0);
    assert_string_equal(out, "app.log.1");
    assert_int_equal(cl_rotate_name("app.log", 1, out, 9), -1);
    assert_int_equal(cl_rotate_name("app.log", 0, out, 7), -1);
}

/* ---- cl_rotate_shift ---- */

static void test_shift_keep3(void **state)
{
    char base[256], p[260];

    path_in(state, "c.log", base, sizeof base);
    tu_write_file(base, "current");
    for (int i = 1; i <= 3; i++) {
        char text[8];

        snprintf(text, sizeof text, "old%d", i);
        rot(base, i, p, sizeof p);
        tu_write_file(p, text);
    }
    assert_int_equal(cl_rotate_shift(base, 3, NULL), 0);
    /* Everything moved one step; the oldest (old3) is gone. */
    assert_missing(base);
    rot(base, 1, p, sizeof p);
    assert_file(p, "current");
    rot(base, 2, p, sizeof p);
    assert_file(p, "old1");
    rot(base, 3, p, sizeof p);
    assert_file(p, "old2");
    rot(base, 4, p, sizeof p);
    assert_missing(p);
}

/* Gaps in the sequence are skipped, not errors. */
static void test_shift_with_gaps(void **state)
{
    char base[256], p[260];

    path_in(state, "g.log", base, sizeof base);
    tu_write_file(base, "current");
    rot(base, 2, p, sizeof p);
    tu_write_file(p, "old2");
    assert_int_equal(cl_rotate_shift(base, 3, NULL), 0);
    assert_missing(base);
    rot(base, 1, p, sizeof p);
    assert_file(p, "current");
    rot(base, 2, p, sizeof p);
    assert_missing(p);
    rot(base, 3, p, sizeof p);
    assert_file(p, "old2");
    /* Nothing to shift at all. */
    assert_int_equal(cl_rotate_shift(base, 3, NULL), 0);
    rot(base, 1, p, sizeof p);
    assert_missing(p);
    rot(base, 2, p, sizeof p);
    assert_file(p, "current");
}

static void test_shift_keep0_and_keep1(void **state)
{
    char base[256], p[260];

    path_in(state, "z.log", base, sizeof base);
    tu_write_file(base, "current");
    assert_int_equal(cl_rotate_shift(base, 0, NULL), 0);
    assert_missing(base);
    rot(base, 1, p, sizeof p);
    assert_missing(p);
    /* Removing a file that is not there is fine. */
    assert_int_equal(cl_rotate_shift(base, 0, NULL), 0);

    tu_write_file(base, "first");
    assert_int_equal(cl_rotate_shift(base, 1, NULL), 0);
    tu_write_file(base, "second");
    assert_int_equal(cl_rotate_shift(base, 1, NULL), 0);
    rot(base, 1, p, sizeof p);
    assert_file(p, "second");
    rot(base, 2, p, sizeof p);
    assert_missing(p);
}

/* A slot squatted by something rename cannot (or must not) replace - here
 * a directory, as root cannot create another user's file for us - moves to
 * the fallback name "<name>~1", and the shift says so. */
static void test_shift_fallback_name(void **state)
{
    char base[256], p[260], alt[280], inner[300];
    cl_rotate_result res;

    path_in(state, "e.log", base, sizeof base);
    tu_write_file(base, "current");
    rot(base, 1, p, sizeof p);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(inner, sizeof inner, "%s/x", p);
    tu_write_file(inner, "x");
    assert_int_equal(cl_rotate_target_ok(p), 0);
    assert_int_equal(cl_rotate_shift(base, 2, &res), 0);
    assert_int_equal(res.fallbacks, 1);
    assert_string_equal(res.squatted, p);
    snprintf(alt, sizeof alt, "%s~1", p);
    assert_string_equal(res.fallback, alt);
    assert_file(alt, "current");
    assert_file(inner, "x"); /* the squatter's file is left alone */
    assert_missing(base);
    /* The next rotation shifts the fallback on like any slot. */
    tu_write_file(base, "newer");
    assert_int_equal(cl_rotate_shift(base, 2, &res), 0);
    assert_file(alt, "newer");
    rot(base, 2, p, sizeof p);
    assert_file(p, "current");
    rot(base, 1, p, sizeof p);
    unlink(inner);
    rmdir(p);
}

/* Counts the files in dir whose names start with prefix (and are longer). */
static int count_prefixed(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        n +=
            strncmp(de->d_name, prefix, strlen(prefix)) == 0 && strlen(de->d_name) > strlen(prefix);
    closedir(d);
    return n;
}

/* Every name of a slot squatted (".1" and "~1".."~9"): the file still
 * rotates, to a unique "<name>~<UTC time>[-N]" nobody could take in
 * advance, and the collector's own such files stay bounded by keep while
 * the squatters' are left alone. */
static void test_shift_all_names_squatted(void **state)
{
    char base[256], p[260], alt[280], dir[256];
    cl_rotate_result res;

    path_in(state, "s.log", base, sizeof base);
    path_in(state, "", dir, sizeof dir);
    rot(base, 1, p, sizeof p);
    assert_int_equal(mkdir(p, 0700), 0);
    for (int i = 1; i <= 9; i++) {
        snprintf(alt, sizeof alt, "%s~%d", p, i);
        assert_int_equal(mkdir(alt, 0700), 0);
    }
    for (int round = 0; round < 5; round++) {
        char text[32];

        snprintf(text, sizeof text, "current %d", round);
        tu_write_file(base, text);
        errno = 0;
        assert_int_equal(cl_rotate_shift(base, 2, &res), 0);
        assert_int_equal(res.unique, 1);
        assert_int_equal(res.fallbacks, 1);
        assert_string_equal(res.squatted, p);
        assert_true(strncmp(res.fallback, p, strlen(p)) == 0 && res.fallback[strlen(p)] == '~');
        assert_true(strlen(res.fallback) > strlen(p) + 3); /* not one of ~1..~9 */
        assert_file(res.fallback, text);
        assert_missing(base);
    }
    /* The nine squatted "~N" names, plus keep = 2 of ours. */
    assert_int_equal(count_prefixed(dir, "s.log.1~"), 9 + 2);
    for (int i = 1; i <= 9; i++) {
        snprintf(alt, sizeof alt, "%s~%d", p, i);
        rmdir(alt);
    }
    rmdir(p);
}

/* ---- the text sink ---- */

/* An entry record whose plain line is "<ts> h app[999] INFO: entry <i> <pad>". */
static cl_record *numbered_entry(int i, size_t pad)
{
    char line[8192], padding[4096];
    cl_validator v;
    cl_line_result res;

    assert_true(pad < sizeof padding);
    memset(padding, 'p', pad);
    padding[pad] = '\0';
    snprintf(line, sizeof line,
             "{\"ts\":0,\"level\":\"info\",\"app\":\"app\",\"host\":\"h\",\"msg\":\"entry %d %s\"}",
             i, padding);
    cl_limits_default(&v.limits);
    v.limits.max_ts_age_us = CL_TS_ANY; /* "ts":0 keeps the expected lines short */
    v.default_host.p = NULL;
    v.default_host.n = 0;
    cl_validate_line(&v, line, strlen(line), RECEIVED, &PEER, &res);
    assert_int_equal(res.kind, CL_LINE_ENTRY);
    return res.rec;
}

static cl_text_sink *open_sink(const char *path, uint64_t rotate_size, int keep)
{
    cl_text_config cfg = { path, rotate_size, keep, CL_TEXT_PLAIN, 0, 0 };
    cl_text_sink *t = NULL;
    char err[256] = "";

    if (cl_text_open(&t, &cfg, err, sizeof err) != 0)
        fail_msg("cl_text_open(%s): %s", path, err);
    assert_non_null(t);
    return t;
}

static void append(cl_text_sink *t, int i, size_t pad)
{
    cl_record *r = numbered_entry(i, pad);

    assert_int_equal(cl_text_append(t, r), 0);
    cl_record_free(r);
}

/* Checks one file: whole lines only, each "entry <n>" continuing the
 * sequence from *next; returns the number of lines. */
static size_t check_file(const char *path, int *next, size_t *size)
{
    size_t len = 0, lines = 0;
    char *text = tu_read_file(path, &len);
    char *p;

    if (text == NULL)
        fail_msg("%s does not exist", path);
    *size = len;
    if (len > 0 && text[len - 1] != '\n')
        fail_msg("%s ends in the middle of a line", path);
    for (p = (char *)after_marker(path, text); *p != '\0';) {
        char *nl = strchr(p, '\n');
        const char *e = strstr(p, " INFO: entry ");
        int n;

        assert_non_null(nl);
        if (e == NULL || e > nl || sscanf(e, " INFO: entry %d ", &n) != 1)
            fail_msg("%s: unexpected line %.*s", path, (int)(nl - p), p);
        if (n != *next)
            fail_msg("%s: entry %d where %d was expected", path, n, *next);
        (*next)++;
        lines++;
        p = nl + 1;
    }
    free(text);
    return lines;
}

static void test_sink_rotates_whole_lines(void **state)
{
    const uint64_t rotate_size = 1000;
    const int n = 200;
    char base[256], p[260];
    cl_text_sink *t;
    cl_text_stats st;
    int files = 0, next = 0;
    size_t total = 0;

    path_in(state, "sink.log", base, sizeof base);
    t = open_sink(base, rotate_size, 100);
    for (int i = 0; i < n; i++) {
        /* Lines of 54 to 102 bytes, so they never fill a file exactly. */
        append(t, i, (size_t)(i * 7) % 49);
        /* Flush at odd moments: rotation must not depend on it. */
        if (i % 13 == 0)
            assert_int_equal(cl_text_flush(t), 0);
    }
    assert_int_equal(cl_text_flush(t), 0);
    cl_text_get_stats(t, &st);
    cl_text_close(t);

    /* Count the files, then read them oldest first. */
    for (int i = 1;; i++) {
        struct stat sb;

        rot(base, i, p, sizeof p);
        if (stat(p, &sb) != 0)
            break;
        files = i;
    }
    assert_true(files >= 5);
    assert_int_equal(st.rotations, (uint64_t)files);
    assert_int_equal(st.lines, (uint64_t)n);
    assert_int_equal(st.lost_lines, 0);
    assert_int_equal(st.errors, 0);
    for (int i = files; i >= 0; i--) {
        size_t size;

        rot(base, i, p, sizeof p);
        total += check_file(p, &next, &size);
        if (size > rotate_size)
            fail_msg("%s holds %zu bytes, more than %llu", p, size,
                     (unsigned long long)rotate_size);
        /* Every rotated file was filled: the next line would not have fit. */
        if (i > 0)
            assert_true(size > rotate_size - 110);
    }
    assert_int_equal(total, (size_t)n);
    assert_int_equal(next, n);
}

/* A line bigger than rotate_size gets a file of its own. */
static void test_sink_oversized_line(void **state)
{
    char base[256], p[260];
    cl_text_sink *t;
    int next = 0;
    size_t size;

    path_in(state, "big.log", base, sizeof base);
    t = open_sink(base, 300, 10);
    append(t, 0, 10);
    append(t, 1, 1000);
    append(t, 2, 10);
    cl_text_close(t);
    rot(base, 2, p, sizeof p);
    assert_int_equal(check_file(p, &next, &size), 1);
    rot(base, 1, p, sizeof p);
    assert_int_equal(check_file(p, &next, &size), 1);
    assert_true(size > 1000);
    assert_int_equal(check_file(base, &next, &size), 1);
    rot(base, 3, p, sizeof p);
    assert_missing(p);
}

/* With keep=2 only two old files survive however often it rotates. */
static void test_sink_keep_limits_files(void **state)
{
    char base[256], p[260];
    cl_text_sink *t;
    cl_text_stats st;
    int next;
    size_t size, lines = 0;

    path_in(state, "keep.log", base, sizeof base);
    t = open_sink(base, 200, 2);
    for (int i = 0; i < 60; i++)
        append(t, i, 20);
    cl_text_get_stats(t, &st);
    cl_text_close(t);
    assert_true(st.rotations > 5);
    rot(base, 3, p, sizeof p);
    assert_missing(p);
    /* The survivors are the newest lines, in order, ending with the last. */
    rot(base, 2, p, sizeof p);
    {
        char *text = tu_read_file(p, NULL);
        const char *e;

        assert_non_null(text);
        e = strstr(text, " INFO: entry ");
        assert_non_null(e);
        assert_int_equal(sscanf(e, " INFO: entry %d ", &next), 1);
        free(text);
    }
    for (int i = 2; i >= 0; i--) {
        rot(base, i, p, sizeof p);
        lines += check_file(p, &next, &size);
    }
    assert_int_equal(next, 60);
    assert_true(lines >= 3);
}

/* An existing file of ours is appended to, and its size counts towards
 * rotation. */
static void test_sink_appends_to_existing(void **state)
{
    char base[256], p[260];
    cl_text_sink *t;
    cl_text_stats st;

    path_in(state, "existing.log", base, sizeof base);
    tu_write_file(base, MARKLINE "earlier line\n");
    t = open_sink(base, 4096, 3);
    cl_text_get_stats(t, &st);
    assert_int_equal(st.file_size, strlen(MARKLINE) + 13);
    append(t, 0, 0);
    assert_int_equal(cl_text_flush(t), 0);
    cl_text_close(t);
    assert_marked_file(base,
                       "earlier line\n1970-01-01T00:00:00.000000Z h app[999] INFO: entry 0 \n");
    rot(base, 1, p, sizeof p);
    assert_missing(p);
}

/* logrotate renames the file away and sends SIGHUP: lines written before the
 * reopen land in the renamed file (the descriptor follows it), lines after
 * it in a new file under the configured name. */
static void test_sink_reopen_after_rename(void **state)
{
    char base[256], moved[256];
    cl_text_sink *t;
    int next = 0;
    size_t size;
    struct stat sb;

    path_in(state, "live.log", base, sizeof base);
    path_in(state, "live.log.logrotate", moved, sizeof moved);
    t = open_sink(base, 1 << 20, 3);
    for (int i = 0; i < 3; i++)
        append(t, i, 0);
    assert_int_equal(cl_text_flush(t), 0);
    assert_int_equal(rename(base, moved), 0);
    for (int i = 3; i < 5; i++)
        append(t, i, 0);
    assert_int_equal(cl_text_reopen(t), 0);
    /* The new file exists right away (tail -F can follow it), with only the
     * marker line in it. */
    assert_int_equal(stat(base, &sb), 0);
    assert_marked_file(base, "");
    append(t, 5, 0);
    assert_int_equal(cl_text_flush(t), 0);
    cl_text_close(t);
    assert_int_equal(check_file(moved, &next, &size), 5);
    assert_int_equal(check_file(base, &next, &size), 1);
    assert_int_equal(next, 6);
}

/* A line rendered on the I/O thread is written as it is, and counts towards
 * rotation like any other. */
static void test_sink_uses_prerendered_line(void **state)
{
    char base[256], p[260];
    cl_text_sink *t;
    cl_record *r;
    char *scratch = NULL;
    size_t cap = 0;
    const char *json_line;

    path_in(state, "pre.log", base, sizeof base);
    t = open_sink(base, 4096, 3); /* a plain-text sink */
    r = numbered_entry(0, 0);
    assert_int_equal(cl_text_prerender(r, CL_TEXT_JSON, &scratch, &cap), 0);
    assert_int_equal(cl_text_append(t, r), 0);
    cl_record_free(r);
    free(scratch);
    append(t, 1, 0);
    cl_text_close(t);
    json_line =
        "{\"ts\":\"1970-01-01T00:00:00.000000Z\",\"received\":\"2026-11-27T10:15:03.000000Z\","
        "\"level\":\"info\",\"app\":\"app\",\"host\":\"h\",\"msg\":\"entry 0 \","
        "\"peer\":{\"pid\":999,\"uid\":1000,\"gid\":1000}}\n"
        "1970-01-01T00:00:00.000000Z h app[999] INFO: entry 1 \n";
    assert_marked_file(base, json_line);
    rot(base, 1, p, sizeof p);
    assert_missing(p);
}

/* The sink creates missing directories for the file. */
static void test_sink_creates_directories(void **state)
{
    char path[256], dir[256];
    cl_text_sink *t;
    struct stat sb;
    /* The modes asserted below are before the umask. */
    mode_t old_mask = umask(022);

    path_in(state, "sub/deeper/x.log", path, sizeof path);
    t = open_sink(path, 4096, 1);
    append(t, 0, 0);
    cl_text_close(t);
    assert_int_equal(stat(path, &sb), 0);
    assert_true(sb.st_size > 0);
    assert_int_equal(sb.st_mode & 0777, 0640);
    path_in(state, "sub/deeper", dir, sizeof dir);
    assert_int_equal(stat(dir, &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    assert_int_equal(sb.st_mode & 0777, 0750);
    umask(old_mask);
    unlink(path);
    rmdir(dir);
}

static void test_sink_open_failure(void **state)
{
    cl_text_config cfg = { NULL, 4096, 1, CL_TEXT_PLAIN, 0, 0 };
    cl_text_sink *t = NULL;
    char path[256], err[256] = "";

    /* A regular file where a directory should be. */
    path_in(state, "plainfile", path, sizeof path);
    tu_write_file(path, "x");
    path_in(state, "plainfile/x.log", path, sizeof path);
    cfg.path = path;
    assert_int_equal(cl_text_open(&t, &cfg, err, sizeof err), -1);
    assert_null(t);
    assert_non_null(strstr(err, path));
    cl_text_close(NULL);
}

/* A crash in the middle of write() can leave half a line at the end of the
 * file; it was never acknowledged, and opening cuts it off so that the next
 * line starts on a line of its own. */
static void test_sink_repairs_torn_tail(void **state)
{
    static const char whole[] = "2026-01-01T00:00:00.000000Z h app[1] INFO: entry 0 \n";
    static const char torn[] = "2026-01-01T00:00:01.000000Z h app[1] INFO: ent";
    char base[256], text[512];
    cl_text_sink *t;
    cl_text_stats st;
    int next = 0;
    size_t size;

    path_in(state, "torn.log", base, sizeof base);
    snprintf(text, sizeof text, "%s%s%s", MARKLINE, whole, torn);
    tu_write_file(base, text);
    t = open_sink(base, 1 << 20, 3);
    cl_text_get_stats(t, &st);
    assert_int_equal(st.repaired_bytes, strlen(torn));
    assert_int_equal(st.file_size, strlen(MARKLINE) + strlen(whole));
    append(t, 1, 0);
    assert_int_equal(cl_text_flush(t), 0);
    cl_text_close(t);
    assert_int_equal(check_file(base, &next, &size), 2); /* entry 0, entry 1 */

    /* A file that is nothing but a torn line after the marker keeps the marker. */
    tu_write_file(base, MARKLINE "2026-01-01T00:00:01.000000Z h app[1] INFO: ent");
    t = open_sink(base, 1 << 20, 3);
    cl_text_get_stats(t, &st);
    assert_int_equal(st.repaired_bytes, strlen(torn));
    cl_text_close(t);
    assert_file(base, MARKLINE);

    /* A complete file is left alone. */
    snprintf(text, sizeof text, "%s%s", MARKLINE, whole);
    tu_write_file(base, text);
    t = open_sink(base, 1 << 20, 3);
    cl_text_get_stats(t, &st);
    assert_int_equal(st.repaired_bytes, 0);
    cl_text_close(t);
    assert_file(base, text);
}

/* Without a newline in its last MiB the tail is not a line of ours: nothing
 * is cut, the junk is ended with a newline so our lines stay whole. */
static void test_sink_never_cuts_foreign_data(void **state)
{
    const size_t n = (3u << 20) / 2;
    char base[256];
    char *junk = malloc(n + 1), *got;
    cl_text_sink *t;
    cl_text_stats st;
    size_t len;

    assert_non_null(junk);
    memset(junk, 'j', n);
    memcpy(junk, MARKLINE, strlen(MARKLINE));
    junk[n] = '\0';
    path_in(state, "foreign.log", base, sizeof base);
    tu_write_file(base, junk);
    t = open_sink(base, 1 << 30, 3);
    cl_text_get_stats(t, &st);
    assert_int_equal(st.repaired_bytes, 0);
    append(t, 0, 0);
    assert_int_equal(cl_text_flush(t), 0);
    cl_text_close(t);
    got = tu_read_file(base, &len);
    assert_non_null(got);
    assert_true(len > n + 1);
    assert_memory_equal(got, junk, n);
    assert_int_equal(got[n], '\n');
    assert_non_null(strstr(got + n + 1, " INFO: entry 0 "));
    free(got);
    free(junk);
}

/* Removing the file (or its directory) under the sink: the next flush
 * notices that the path no longer names the open file and starts a new one,
 * directory included, so nothing is written into the void. */
static void test_sink_follows_removed_file(void **state)
{
    char dir[256], base[256];
    cl_text_sink *t;
    cl_text_stats st;
    int next = 0;
    size_t size;

    path_in(state, "logs", dir, sizeof dir);
    path_in(state, "logs/x.log", base, sizeof base);
    t = open_sink(base, 1 << 20, 3);
    append(t, 0, 0);
    assert_int_equal(cl_text_flush(t), 0);
    unlink(base);
    rmdir(dir);
    append(t, 1, 0);
    append(t, 2, 0);
    assert_int_equal(cl_text_flush(t), 0);
    cl_text_get_stats(t, &st);
    assert_int_equal(st.reopens, 1);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.lost_lines, 0);
    next = 1;
    assert_int_equal(check_file(base, &next, &size), 2);
    assert_int_equal(st.file_size, size);
    cl_text_close(t);
}

/* The path cannot be created again (a file where the directory was): the
 * lines are counted as lost, exactly, and writing resumes once it can. */
static void test_sink_counts_lines_it_cannot_write(void **state)
{
    char dir[256], base[256];
    cl_text_sink *t;
    cl_text_stats st;
    int next = 5;
    size_t size;

    path_in(state, "gone", dir, sizeof dir);
    path_in(state, "gone/x.log", base, sizeof base);
    t = open_sink(base, 1 << 20, 3);
    unlink(base);
    rmdir(dir);
    tu_write_file(dir, "in the way");
    for (int i = 0; i < 3; i++) {
        cl_record *r = numbered_entry(i, 0);

        cl_text_append(t, r); /* buffered: the failure shows at the flush */
        cl_record_free(r);
    }
    assert_int_equal(cl_text_flush(t), -1);
    cl_text_get_stats(t, &st);
    assert_int_equal(st.lost_lines, 3);
    assert_true(st.errors >= 1);
    assert_int_equal(st.last_errno, ENOTDIR);
    /* While it stays broken, appends are refused and counted at once. */
    {
        cl_record *r = numbered_entry(3, 0);

        assert_int_equal(cl_text_append(t, r), -1);
        cl_record_free(r);
    }
    cl_text_get_stats(t, &st);
    assert_int_equal(st.lost_lines, 4);
    /* Fixed: the sink retries opening at most once a second. */
    unlink(dir);
    sleep(1);
    usleep(100 * 1000);
    append(t, 5, 0);
    assert_int_equal(cl_text_flush(t), 0);
    cl_text_get_stats(t, &st);
    assert_int_equal(st.lost_lines, 4);
    assert_int_equal(check_file(base, &next, &size), 1);
    cl_text_close(t);
}

/* Opening must fail with err naming what it refused; returns nothing. */
static void assert_refused(const char *path, const char *needle)
{
    cl_text_config cfg = { path, 1 << 20, 3, CL_TEXT_PLAIN, 0, 0 };
    cl_text_sink *t = NULL;
    char err[2048] = "";

    assert_int_equal(cl_text_open(&t, &cfg, err, sizeof err), -1);
    assert_null(t);
    if (strstr(err, needle) == NULL)
        fail_msg("error \"%s\" does not say \"%s\"", err, needle);
}

/* A file the collector did not create - notes, a database - is refused,
 * never cut or appended to: its bytes stay exactly as they were. */
static void test_sink_refuses_foreign_files(void **state)
{
    static const char notes[] = "first line\nlast line without newline";
    static const char sqlite[] = "SQLite format 3\0\x10\0\x01\x01\0\x40\x20\x20 and pages";
    char path[256];
    FILE *f;

    path_in(state, "notes.txt", path, sizeof path);
    tu_write_file(path, notes);
    assert_refused(path, "was not created by centrallogd");
    assert_file(path, notes);

    path_in(state, "data.db", path, sizeof path);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(sqlite, 1, sizeof sqlite, f), sizeof sqlite);
    fclose(f);
    assert_refused(path, "is an SQLite database");
    {
        size_t len;
        char *got = tu_read_file(path, &len);

        assert_int_equal(len, sizeof sqlite);
        assert_memory_equal(got, sqlite, len);
        free(got);
    }
    path_in(state, "", path, sizeof path);
    assert_refused(path, "is a directory");
}

/* An empty file (logrotate's "create") has nothing to lose: it is ours. */
static void test_sink_adopts_empty_file(void **state)
{
    char base[256];
    cl_text_sink *t;

    path_in(state, "empty.log", base, sizeof base);
    tu_write_file(base, "");
    t = open_sink(base, 1 << 20, 3);
    append(t, 0, 0);
    cl_text_close(t);
    assert_marked_file(base, "1970-01-01T00:00:00.000000Z h app[999] INFO: entry 0 \n");
}

/* A FIFO as the text log is refused at once (opening does not block
 * waiting for a reader either). */
static void test_sink_refuses_fifo(void **state)
{
    char path[256];

    path_in(state, "fifo.log", path, sizeof path);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_refused(path, "FIFO");
}

/* The file replaced by a FIFO while the sink runs: the next flush notices,
 * refuses the FIFO and counts the lines as lost instead of blocking once the
 * pipe is full (with nobody reading, 64 KiB fill it). */
static void test_sink_fifo_swapped_in(void **state)
{
    char base[256];
    cl_text_sink *t;
    cl_text_stats st;

    path_in(state, "swap.log", base, sizeof base);
    t = open_sink(base, 1 << 30, 3);
    append(t, 0, 0);
    assert_int_equal(cl_text_flush(t), 0);
    assert_int_equal(unlink(base), 0);
    assert_int_equal(mkfifo(base, 0600), 0);
    for (int i = 1; i <= 2000; i++)
        append(t, i, 100);
    assert_int_equal(cl_text_flush(t), -1);
    cl_text_get_stats(t, &st);
    assert_int_equal(st.lost_lines, 2000);
    assert_non_null(strstr(st.last_error, "FIFO"));
    cl_text_close(t);
}

/* In a directory others may write, a planted link is not followed: the
 * victim's file is neither cut nor appended to. A world-writable directory
 * without the sticky bit is refused outright. */
static void test_sink_link_in_shared_dir(void **state)
{
    static const char victim_text[] = "export PATH=/usr/bin\nalias x=y";
    char shared[256], victim[256], link_path[256], open_dir[256], in_open[256];

    path_in(state, "victim.rc", victim, sizeof victim);
    tu_write_file(victim, victim_text);
    path_in(state, "shared", shared, sizeof shared);
    assert_int_equal(mkdir(shared, 0700), 0);
    assert_int_equal(chmod(shared, 01777), 0);
    path_in(state, "shared/centrallog.log", link_path, sizeof link_path);
    assert_int_equal(symlink(victim, link_path), 0);
    assert_refused(link_path, "symbolic link");
    assert_file(victim, victim_text);

    path_in(state, "open", open_dir, sizeof open_dir);
    assert_int_equal(mkdir(open_dir, 0700), 0);
    assert_int_equal(chmod(open_dir, 0777), 0);
    path_in(state, "open/centrallog.log", in_open, sizeof in_open);
    assert_refused(in_open, "not sticky");
    assert_missing(in_open);
}

/* An existing file of another user is never adopted, even empty: its owner
 * could read every entry (or, squatting the base name in a sticky
 * directory, make it unrotatable). Root only (chown). */
static void test_sink_refuses_others_empty_file(void **state)
{
    char base[256];

    if (geteuid() != 0)
        skip();
    path_in(state, "theirs.log", base, sizeof base);
    tu_write_file(base, "");
    assert_int_equal(chown(base, 65534, 65534), 0);
    assert_refused(base, "belongs to");
    assert_file(base, "");
}

/* The directory is reached from / without following a link another user
 * could have placed: a link in a sticky shared directory is refused (the
 * red team's <sticky>/logs -> elsewhere), a link in a directory only we may
 * write is followed. */
static void test_sink_link_in_path(void **state)
{
    char shared[256], elsewhere[256], link_path[256], via[256], mine[256], ok[256];
    cl_text_sink *t;

    path_in(state, "shared", shared, sizeof shared);
    assert_int_equal(mkdir(shared, 0700), 0);
    assert_int_equal(chmod(shared, 01777), 0);
    path_in(state, "elsewhere", elsewhere, sizeof elsewhere);
    assert_int_equal(mkdir(elsewhere, 0755), 0);
    path_in(state, "shared/logs", link_path, sizeof link_path);
    assert_int_equal(symlink(elsewhere, link_path), 0);
    path_in(state, "shared/logs/centrallog.log", via, sizeof via);
    assert_refused(via, "symbolic link");
    path_in(state, "elsewhere/centrallog.log", ok, sizeof ok);
    assert_missing(ok);

    /* The same link where only we may change it: followed. */
    path_in(state, "mine", mine, sizeof mine);
    assert_int_equal(symlink(elsewhere, mine), 0);
    path_in(state, "mine/centrallog.log", via, sizeof via);
    t = open_sink(via, 1 << 20, 3);
    cl_text_close(t);
    assert_marked_file(ok, "");
    unlink(ok);
    unlink(mine);
    unlink(link_path);
    rmdir(elsewhere);
}

/* The walk handles relative paths, "." and "..", and follows links only
 * root could have placed (/var/run -> /run where the system has it). */
static void test_dir_walk_paths(void **state)
{
    char dir[256], sub[256], cwd[4096], why[1024] = "";
    struct stat sb;
    int shared = -1;

    path_in(state, "", dir, sizeof dir);
    path_in(state, "sub", sub, sizeof sub);
    assert_int_equal(mkdir(sub, 0750), 0);
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    if (cl_dir_check("sub/../sub/./centrallog.log", &shared, why, sizeof why) != 0)
        fail_msg("relative path refused: %s", why);
    assert_int_equal(shared, 0);
    assert_int_equal(cl_dir_check("centrallog.log", &shared, why, sizeof why), 0);
    assert_int_equal(cl_mkdir_parents("made/deeper/centrallog.log", 0750), 0);
    assert_int_equal(stat("made/deeper", &sb), 0);
    assert_true(S_ISDIR(sb.st_mode));
    rmdir("made/deeper");
    rmdir("made");
    assert_int_equal(chdir(cwd), 0);
    rmdir(sub);
    if (lstat("/var/run", &sb) == 0 && S_ISLNK(sb.st_mode) && sb.st_uid == 0 &&
        stat("/var/run", &sb) == 0 && (sb.st_mode & 022) == 0 &&
        cl_dir_check("/var/run/x", &shared, why, sizeof why) != 0)
        fail_msg("root's /var/run link refused: %s", why);
}

/* Another user's directory in a directory others may write (pre-created
 * data directory), or a data directory owned by another user, is refused,
 * at start and when the sink re-creates a missing directory. Root only. */
static void test_sink_others_directory(void **state)
{
    char shared[256], theirs[256], path[256], own[256];
    cl_text_sink *t;

    if (geteuid() != 0)
        skip();
    path_in(state, "shared", shared, sizeof shared);
    assert_int_equal(mkdir(shared, 0700), 0);
    assert_int_equal(chmod(shared, 01777), 0);
    path_in(state, "shared/vicdata", theirs, sizeof theirs);
    assert_int_equal(mkdir(theirs, 01777), 0);
    assert_int_equal(chown(theirs, 65534, 65534), 0);
    path_in(state, "shared/vicdata/centrallog.log", path, sizeof path);
    assert_refused(path, "belongs to");
    assert_missing(path);

    /* Made by the sink, removed while it runs, re-created by another user:
     * the next flush refuses it and counts the lines as lost. */
    path_in(state, "shared/own", own, sizeof own);
    path_in(state, "shared/own/centrallog.log", path, sizeof path);
    t = open_sink(path, 1 << 30, 3);
    append(t, 0, 0);
    assert_int_equal(cl_text_flush(t), 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(own), 0);
    assert_int_equal(mkdir(own, 0777), 0);
    assert_int_equal(chmod(own, 0777), 0);
    assert_int_equal(chown(own, 65534, 65534), 0);
    append(t, 1, 0);
    assert_int_equal(cl_text_flush(t), -1);
    assert_missing(path);
    {
        cl_text_stats st;

        cl_text_get_stats(t, &st);
        assert_int_equal(st.lost_lines, 1);
        if (strstr(st.last_error, "belongs to") == NULL)
            fail_msg("last_error \"%s\" does not say whose the directory is", st.last_error);
    }
    cl_text_close(t);
    rmdir(own);
    rmdir(theirs);
}

/* A squatted rotation target: rotation goes on under the fallback name,
 * counted once per rotation, with no error and no line lost. */
static void test_sink_rotation_fallback(void **state)
{
    char base[256], p[260], inner[300], alt[280];
    cl_text_sink *t;
    cl_text_stats st;

    path_in(state, "fb.log", base, sizeof base);
    rot(base, 1, p, sizeof p);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(inner, sizeof inner, "%s/squat", p);
    tu_write_file(inner, "mine");
    t = open_sink(base, 300, 3);
    for (int i = 0; i < 20; i++)
        append(t, i, 20);
    assert_int_equal(cl_text_flush(t), 0);
    cl_text_get_stats(t, &st);
    cl_text_close(t);
    assert_true(st.rotations >= 3);
    assert_int_equal(st.rotate_fallbacks, st.rotations);
    assert_int_equal(st.rotate_errors, 0);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.lost_lines, 0);
    snprintf(alt, sizeof alt, "%s~1", p);
    assert_non_null(strstr(st.rotate_note, alt));
    assert_file(inner, "mine");
    {
        struct stat sb;

        assert_int_equal(stat(alt, &sb), 0);
        assert_true(sb.st_size <= 300);
    }
}

/* ---- compressed slots, the compressor, age, retention's side ---- */

typedef struct moves {
    char log[16][600];
    int n;
} moves;

static void record_move(void *arg, const char *from, const char *to)
{
    moves *m = arg;

    if (m->n < 16)
        snprintf(m->log[m->n++], sizeof m->log[0], "%s -> %s", strrchr(from, '/') + 1,
                 to != NULL ? strrchr(to, '/') + 1 : "(removed)");
}

/* A slot holds a plain or a .gz file; both kinds move with the chain, and
 * the oldest is dropped whatever its kind. */
static void test_shift_moves_gz(void **state)
{
    char base[256], p[300];
    moves m = { .n = 0 };

    path_in(state, "z.log", base, sizeof base);
    tu_write_file(base, "current");
    snprintf(p, sizeof p, "%s.1", base);
    tu_write_file(p, "old1-plain");
    snprintf(p, sizeof p, "%s.2.gz", base);
    tu_write_file(p, "old2-gz");
    snprintf(p, sizeof p, "%s.3.gz", base);
    tu_write_file(p, "old3-gz");
    assert_int_equal(cl_rotate_shift_ex(base, 3, NULL, record_move, &m), 0);
    assert_missing(base);
    snprintf(p, sizeof p, "%s.1", base);
    assert_file(p, "current");
    snprintf(p, sizeof p, "%s.2", base);
    assert_file(p, "old1-plain");
    snprintf(p, sizeof p, "%s.3.gz", base);
    assert_file(p, "old2-gz");
    snprintf(p, sizeof p, "%s.2.gz", base);
    assert_missing(p);
    snprintf(p, sizeof p, "%s.4.gz", base);
    assert_missing(p);
    /* Every rename was told, in order, so a compressor can follow. */
    assert_int_equal(m.n, 3);
    assert_string_equal(m.log[0], "z.log.2.gz -> z.log.3.gz");
    assert_string_equal(m.log[1], "z.log.1 -> z.log.2");
    assert_string_equal(m.log[2], "z.log -> z.log.1");

    /* The top slot plain, the one below compressed: the .gz moves up and
     * the plain oldest, which nothing replaces, is dropped. */
    m.n = 0;
    snprintf(p, sizeof p, "%s.1", base);
    assert_int_equal(remove(p), 0);
    snprintf(p, sizeof p, "%s.1.gz", base);
    tu_write_file(p, "one-gz");
    assert_int_equal(cl_rotate_shift_ex(base, 2, NULL, record_move, &m), 0);
    snprintf(p, sizeof p, "%s.2.gz", base);
    assert_file(p, "one-gz");
    snprintf(p, sizeof p, "%s.2", base);
    assert_missing(p);
    snprintf(p, sizeof p, "%s.1.gz", base);
    assert_missing(p);
    assert_int_equal(m.n, 2);
    assert_string_equal(m.log[0], "z.log.1.gz -> z.log.2.gz");
    assert_string_equal(m.log[1], "z.log.2 -> (removed)");
}

static void test_rotate_list(void **state)
{
    char base[256], p[300];
    cl_rotated_file *f = NULL;
    size_t n = 9;

    path_in(state, "l.log", base, sizeof base);
    assert_int_equal(cl_rotate_list(base, 3, &f, &n), 0);
    assert_int_equal(n, 0);
    free(f);
    tu_write_file(base, "current");
    snprintf(p, sizeof p, "%s.1", base);
    tu_write_file(p, "1");
    snprintf(p, sizeof p, "%s.2.gz", base);
    tu_write_file(p, "2");
    snprintf(p, sizeof p, "%s.4.gz", base); /* beyond keep */
    tu_write_file(p, "4");
    snprintf(p, sizeof p, "%s.1~20261204T101010Z.gz", base); /* a unique name */
    tu_write_file(p, "u");
    snprintf(p, sizeof p, "%s.notes", base);
    tu_write_file(p, "not ours to list");
    assert_int_equal(cl_rotate_list(base, 3, &f, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(strrchr(f[0].path, '/') + 1, "l.log.1");
    assert_int_equal(f[0].slot, 1);
    assert_int_equal(f[0].compressed, 0);
    assert_string_equal(strrchr(f[1].path, '/') + 1, "l.log.2.gz");
    assert_int_equal(f[1].slot, 2);
    assert_int_equal(f[1].compressed, 1);
    assert_string_equal(strrchr(f[2].path, '/') + 1, "l.log.1~20261204T101010Z.gz");
    assert_int_equal(f[2].slot, 0);
    assert_int_equal(f[2].compressed, 1);
    free(f);
}

static cl_text_sink *open_sink_gz(const char *path, uint64_t rotate_size, int keep, int64_t age_us,
                                  int level)
{
    cl_text_config cfg = { path, rotate_size, keep, CL_TEXT_PLAIN, age_us, level };
    cl_text_sink *t = NULL;
    char err[256] = "";

    if (cl_text_open(&t, &cfg, err, sizeof err) != 0)
        fail_msg("cl_text_open(%s): %s", path, err);
    return t;
}

static void wait_compressed(cl_text_sink *t)
{
    for (int i = 0; i < 2000 && cl_text_compress_pending(t) > 0; i++)
        usleep(5000);
    assert_int_equal(cl_text_compress_pending(t), 0);
}

/* The whole of a gzip file, decompressed. */
static char *gunzip(const char *path)
{
    gzFile z = gzopen(path, "rb");
    char *buf = calloc(1, 1 << 20);
    int n;

    assert_non_null(z);
    assert_non_null(buf);
    n = gzread(z, buf, (1 << 20) - 1);
    assert_true(n >= 0);
    assert_int_equal(gzclose(z), Z_OK);
    buf[n] = '\0';
    return buf;
}

/* Rotated files are gzipped in the background; the chain keeps counting
 * them, and each holds exactly what the plain file held. */
static void test_sink_compresses_rotations(void **state)
{
    char base[256], p[300];
    cl_text_sink *t;
    cl_text_stats st;
    int next = 0, last = -1;

    path_in(state, "gz.log", base, sizeof base);
    t = open_sink_gz(base, 600, 3, 0, 6);
    for (int i = 0; i < 40; i++)
        append(t, i, 20);
    assert_int_equal(cl_text_flush(t), 0);
    wait_compressed(t);
    cl_text_get_stats(t, &st);
    assert_true(st.rotations >= 5);
    /* Files pushed out of the chain while queued are never compressed. */
    assert_true(st.compressed >= 3 && st.compressed <= st.rotations);
    assert_int_equal(st.compress_errors, 0);
    for (int i = 1; i <= 3; i++) {
        snprintf(p, sizeof p, "%s.%d", base, i);
        assert_missing(p);
    }
    snprintf(p, sizeof p, "%s.4.gz", base);
    assert_missing(p);
    snprintf(p, sizeof p, "%s.gz.tmp", base);
    assert_missing(p);
    /* Oldest first: .3.gz .2.gz .1.gz and the live file continue each other. */
    for (int i = 3; i >= 1; i--) {
        char *text, *e;

        snprintf(p, sizeof p, "%s.%d.gz", base, i);
        text = gunzip(p);
        assert_non_null(strstr(text, MARK));
        for (e = strstr(text, " INFO: entry "); e != NULL; e = strstr(e + 1, " INFO: entry ")) {
            int k;

            assert_int_equal(sscanf(e, " INFO: entry %d ", &k), 1);
            if (last >= 0)
                assert_int_equal(k, last + 1);
            last = k;
        }
        free(text);
    }
    cl_text_close(t);
    {
        size_t size;

        next = last + 1;
        check_file(base, &next, &size);
        assert_int_equal(next, 40);
    }
}

/* With --rotate-age, the first batch flushed once the file's first entry is
 * older than the age starts a new file (and cl_text_tick does it when idle). */
static void test_sink_rotates_by_age(void **state)
{
    char base[256], p[300];
    cl_text_sink *t;
    cl_text_stats st;
    int next = 0;
    size_t size;

    path_in(state, "age.log", base, sizeof base);
    t = open_sink_gz(base, 1 << 20, 5, 50000, 0); /* 50 ms, no compression */
    append(t, 0, 5);
    append(t, 1, 5);
    assert_int_equal(cl_text_flush(t), 0);
    assert_int_equal(cl_text_tick(t), 0); /* not due yet */
    usleep(60000);
    append(t, 2, 5);
    append(t, 3, 5);
    cl_text_get_stats(t, &st);
    assert_int_equal(st.rotations, 0); /* lines never trigger it: batches do */
    assert_int_equal(cl_text_flush(t), 0);
    cl_text_get_stats(t, &st);
    assert_int_equal(st.rotations, 1);
    assert_int_equal(st.rotations_age, 1);
    /* Idle: the tick closes the file once it is due, and never an empty one. */
    usleep(60000);
    assert_int_equal(cl_text_tick(t), 1);
    assert_int_equal(cl_text_tick(t), 0);
    usleep(60000);
    assert_int_equal(cl_text_tick(t), 0);
    assert_int_equal(cl_text_flush(t), 0);
    cl_text_get_stats(t, &st);
    assert_int_equal(st.rotations, 2);
    assert_int_equal(st.rotations_age, 2);
    cl_text_close(t);
    snprintf(p, sizeof p, "%s.2", base);
    check_file(p, &next, &size);
    assert_int_equal(next, 2);
    snprintf(p, sizeof p, "%s.1", base);
    check_file(p, &next, &size);
    assert_int_equal(next, 4);
}

/* Retention's side: the list names the active file first and every rotated
 * file with its size and times; removal takes only rotated files of ours. */
static void test_sink_list_and_remove(void **state)
{
    char base[256], p[300], other[300];
    cl_text_sink *t;
    cl_text_file *f = NULL;
    cl_text_stats st;
    size_t n = 0;
    int64_t before = cl_now_us();

    path_in(state, "ret.log", base, sizeof base);
    t = open_sink_gz(base, 400, 5, 0, 1);
    for (int i = 0; i < 20; i++)
        append(t, i, 20);
    assert_int_equal(cl_text_flush(t), 0);
    wait_compressed(t);
    assert_int_equal(cl_text_list_files(t, &f, &n), 0);
    assert_true(n >= 3);
    assert_string_equal(f[0].path, base);
    assert_int_equal(f[0].active, 1);
    assert_true(f[0].bytes > 0);
    for (size_t i = 1; i < n; i++) {
        cl_file_id id;

        snprintf(p, sizeof p, "%s.%zu.gz", base, i);
        assert_string_equal(f[i].path, p);
        assert_int_equal(f[i].active, 0);
        assert_int_equal(f[i].compressed, 1);
        assert_int_equal(cl_file_id_path(p, &id), 0);
        assert_int_equal(f[i].bytes, id.size);
        /* oldest: the marker's time (read through gzip); newest: mtime. */
        assert_true(f[i].oldest_us >= before - 1000000);
        assert_true(f[i].oldest_us <= f[i].newest_us);
        assert_true(f[i].newest_us <= cl_now_us());
        if (i > 1)
            assert_true(f[i].newest_us <= f[i - 1].newest_us);
    }
    /* The active file and a stranger's name are refused. */
    assert_int_equal(cl_text_remove_file(t, base), -1);
    assert_int_equal(errno, EINVAL);
    snprintf(other, sizeof other, "%s.notes", base);
    tu_write_file(other, "keep me");
    assert_int_equal(cl_text_remove_file(t, other), -1);
    assert_int_equal(errno, EINVAL);
    assert_file(other, "keep me");
    /* The oldest goes. */
    assert_int_equal(cl_text_remove_file(t, f[n - 1].path), 0);
    assert_missing(f[n - 1].path);
    assert_int_equal(cl_text_remove_file(t, f[n - 1].path), -1);
    assert_int_equal(errno, ENOENT);
    cl_text_get_stats(t, &st);
    assert_int_equal(st.removed, 1);
    free(f);
    cl_text_close(t);
}

/* The compressor follows a file renamed or removed under it. */
static void test_compressor_follows_moves(void **state)
{
    char base[256], tmp[300], a[300], b[300];
    cl_compressor *c;
    cl_compress_stats st;
    FILE *fp;

    path_in(state, "m.log", base, sizeof base);
    snprintf(tmp, sizeof tmp, "%s.gz.tmp", base);
    snprintf(a, sizeof a, "%s.1", base);
    snprintf(b, sizeof b, "%s.2", base);
    fp = fopen(a, "w");
    assert_non_null(fp);
    fputs("file a\n", fp);
    fclose(fp);
    fp = fopen(b, "w");
    assert_non_null(fp);
    fputs("file b\n", fp);
    fclose(fp);
    assert_int_equal(cl_compressor_start(&c, tmp, 1), 0);
    /* Queue both under the lock, then move a and drop b before the thread
     * can take them: a is compressed at its new name, b never. */
    cl_compressor_lock(c);
    cl_compressor_unlock(c);
    assert_int_equal(cl_compressor_submit(c, a), 0);
    assert_int_equal(cl_compressor_submit(c, b), 0);
    cl_compressor_lock(c);
    assert_int_equal(remove(b), 0);
    cl_compressor_moved(c, b, NULL);
    assert_int_equal(rename(a, b), 0);
    cl_compressor_moved(c, a, b);
    cl_compressor_unlock(c);
    for (int i = 0; i < 2000 && cl_compressor_pending(c) > 0; i++)
        usleep(5000);
    cl_compressor_get_stats(c, &st);
    cl_compressor_stop(c);
    assert_missing(a);
    assert_missing(b);
    assert_missing(tmp);
    snprintf(a, sizeof a, "%s.2.gz", base);
    {
        char *text = gunzip(a);

        assert_string_equal(text, "file a\n");
        free(text);
    }
    assert_int_equal(st.files + st.cancelled + st.errors, 2);
    assert_int_equal(st.errors, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rotate_name),
        cmocka_unit_test_setup_teardown(test_shift_moves_gz, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_rotate_list, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_compresses_rotations, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_rotates_by_age, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_list_and_remove, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_compressor_follows_moves, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_shift_keep3, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_shift_with_gaps, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_shift_keep0_and_keep1, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_shift_fallback_name, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_shift_all_names_squatted, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_refuses_foreign_files, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_adopts_empty_file, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_refuses_fifo, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_fifo_swapped_in, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_link_in_shared_dir, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_rotation_fallback, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_refuses_others_empty_file, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_link_in_path, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_dir_walk_paths, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_others_directory, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_rotates_whole_lines, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_oversized_line, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_keep_limits_files, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_appends_to_existing, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_reopen_after_rename, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_uses_prerendered_line, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_creates_directories, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_open_failure, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_repairs_torn_tail, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_never_cuts_foreign_data, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_follows_removed_file, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_sink_counts_lines_it_cannot_write, make_dir,
                                        remove_dir),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
