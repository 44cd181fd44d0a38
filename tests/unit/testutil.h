/*
 * testutil.h - fixtures the cmocka unit tests share (POSIX): a scratch
 * directory with a database path in it, files written and read whole, a
 * database opened as the writer opens it, and the record the collector
 * builds from a line. Include after <cmocka.h>.
 *
 * Everything is static inline, so that a test uses what it needs without
 * unused-function warnings.
 */
#ifndef CL_TESTUTIL_H
#define CL_TESTUTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink_sqlite.h"
#include "validate.h"

/* A scratch directory /tmp/cl-test-<name>-XXXXXX and the path of a
 * database in it (not created). */
typedef struct tu_dir {
    char path[64];
    char db[128];
} tu_dir;

static inline void tu_dir_make(tu_dir *d, const char *name)
{
    assert_true((size_t)snprintf(d->path, sizeof d->path, "/tmp/cl-test-%s-XXXXXX", name) <
                sizeof d->path);
    assert_non_null(mkdtemp(d->path));
    snprintf(d->db, sizeof d->db, "%s/test.db", d->path);
}

/* Removes path and everything below it (the tests nest a level or two). */
static inline void tu_remove_tree(const char *path)
{
    DIR *dir = opendir(path);
    struct dirent *de;

    if (dir == NULL) {
        unlink(path);
        return;
    }
    while ((de = readdir(dir)) != NULL) {
        char child[512];

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if ((size_t)snprintf(child, sizeof child, "%s/%s", path, de->d_name) >= sizeof child)
            fail_msg("path too long under %s", path);
        if (unlink(child) != 0)
            tu_remove_tree(child);
    }
    closedir(dir);
    rmdir(path);
}

/* cmocka setup and teardown of a tu_dir as the test's state. */
static inline int tu_dir_setup(void **state, const char *name)
{
    tu_dir *d = calloc(1, sizeof *d);

    assert_non_null(d);
    tu_dir_make(d, name);
    *state = d;
    return 0;
}

static inline int tu_dir_teardown(void **state)
{
    tu_dir *d = *state;

    tu_remove_tree(d->path);
    free(d);
    return 0;
}

/* out = dir/name; fails the test if it does not fit. */
static inline void tu_path(const char *dir, const char *name, char *out, size_t outlen)
{
    assert_true((size_t)snprintf(out, outlen, "%s/%s", dir, name) < outlen);
}

static inline void tu_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

/* The whole file as a heap string (NUL-terminated; *len without the NUL),
 * or NULL if it does not exist. */
static inline char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL)
        return NULL;
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len != NULL)
        *len = (size_t)n;
    return buf;
}

static inline int64_t tu_file_size(const char *path)
{
    struct stat sb;

    assert_int_equal(stat(path, &sb), 0);
    return (int64_t)sb.st_size;
}

/* The database at path opened as the collector's writer opens it. */
static inline cl_db *tu_db_open(const char *path)
{
    cl_db *db = NULL;
    char err[512] = "";

    if (cl_db_open(&db, path, 1, 1, err, sizeof err) != 0)
        fail_msg("cl_db_open(%s): %s", path, err);
    assert_non_null(db);
    return db;
}

/* The record the collector builds from line (an entry or a reject) with the
 * default limits, received at `received` (microseconds) from peer. */
static inline cl_record *tu_record(const char *line, const cl_peer *peer, const char *default_host,
                                   int64_t received)
{
    cl_validator v;
    cl_line_result res;
    size_t n = strlen(line);
    char *buf = malloc(n + 1);

    assert_non_null(buf);
    memcpy(buf, line, n + 1);
    cl_limits_default(&v.limits);
    v.default_host.p = default_host;
    v.default_host.n = default_host ? strlen(default_host) : 0;
    cl_validate_line(&v, buf, n, received, peer, &res);
    free(buf);
    assert_true(res.kind == CL_LINE_ENTRY || res.kind == CL_LINE_REJECT);
    return res.rec;
}

#endif
