/* test_checkpoint.c - WAL checkpoints on a thread of their own
 * (collector/checkpoint.h).
 *
 * The writer's connection (cl_db) never checkpoints by itself, so whatever
 * reaches the database file here was moved there by the checkpoint thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "sink_sqlite.h"
#include "testutil.h"
#include "validate.h"

static const cl_peer PEER = { 999, 1000, 100, NULL };

/* Per-test directory, plus what a test opened, so that the teardown can
 * close it even when an assertion cut the test short. */
typedef struct fixture {
    tu_dir d;
    cl_db *h;
    cl_checkpointer *c;
} fixture;

static int make_fixture(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    tu_dir_make(&f->d, "ckpt");
    *state = f;
    return 0;
}

static int remove_fixture(void **state)
{
    fixture *f = *state;

    cl_checkpointer_stop(f->c);
    cl_db_close(f->h);
    tu_remove_tree(f->d.path);
    free(f);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Commits n entries of about 2 KB through the writer's connection. */
static void write_entries(cl_db *db, int n)
{
    char line[2200], msg[2001];
    cl_validator v;

    memset(msg, 'c', 2000);
    msg[2000] = '\0';
    snprintf(line, sizeof line, "{\"level\":\"info\",\"app\":\"web\",\"msg\":\"%s\"}", msg);
    cl_limits_default(&v.limits);
    v.default_host.p = "h";
    v.default_host.n = 1;
    assert_int_equal(cl_db_begin(db), SQLITE_OK);
    for (int i = 0; i < n; i++) {
        cl_line_result res;

        cl_validate_line(&v, line, strlen(line), 0, &PEER, &res);
        assert_int_equal(res.kind, CL_LINE_ENTRY);
        assert_int_equal(cl_db_insert(db, res.rec), SQLITE_OK);
        cl_record_free(res.rec);
    }
    assert_int_equal(cl_db_commit(db), SQLITE_OK);
}

static void test_poke_checkpoints(void **state)
{
    fixture *f = *state;
    cl_db *db;
    cl_checkpointer *c;
    char err[512] = "";
    int64_t before;
    double deadline;

    assert_int_equal(cl_db_open(&f->h, f->d.db, 1, 1, err, sizeof err), 0);
    db = f->h;
    write_entries(db, 1000); /* about 2 MB in the WAL */
    before = tu_file_size(f->d.db);
    assert_true(before < 1000000);
    assert_true(cl_db_wal_pages(db) > 400);

    assert_int_equal(cl_checkpointer_start(&f->c, f->d.db, NULL, err, sizeof err), 0);
    c = f->c;
    assert_non_null(c);
    cl_checkpointer_poke(c);
    /* The checkpoint runs on the other thread: wait for it, generously. */
    deadline = now_s() + 10;
    while (tu_file_size(f->d.db) < 2000000 && now_s() < deadline)
        usleep(10000);
    assert_true(tu_file_size(f->d.db) >= 2000000);

    /* The writer keeps writing while the thread exists. */
    write_entries(db, 10);
    cl_checkpointer_stop(c);
    f->c = NULL;
}

/* Stopping does not wait for the thread's periodic 5-second wake-up. */
static void test_stop_is_prompt(void **state)
{
    fixture *f = *state;
    char err[512] = "";
    double t0;

    assert_int_equal(cl_db_open(&f->h, f->d.db, 1, 1, err, sizeof err), 0);
    assert_int_equal(cl_checkpointer_start(&f->c, f->d.db, NULL, err, sizeof err), 0);
    usleep(50000); /* let the thread reach its wait */
    t0 = now_s();
    cl_checkpointer_stop(f->c);
    f->c = NULL;
    assert_true(now_s() - t0 < 2.0);
    cl_checkpointer_stop(NULL);
}

/* The checkpointer opens an existing database; it never creates one. */
static void test_start_missing_db(void **state)
{
    fixture *f = *state;
    cl_checkpointer *c = NULL;
    char err[512] = "";

    assert_int_equal(cl_checkpointer_start(&c, f->d.db, NULL, err, sizeof err), -1);
    assert_null(c);
    assert_non_null(strstr(err, f->d.db));
    assert_int_equal(access(f->d.db, F_OK), -1);
}

static void wait_stats(cl_checkpointer *c, cl_checkpointer_stats *st, int want_over,
                       uint64_t want_truncations)
{
    double deadline = now_s() + 30;

    for (;;) {
        cl_checkpointer_poke(c);
        cl_checkpointer_get_stats(c, st);
        if (st->over == want_over && st->truncations >= want_truncations)
            return;
        if (now_s() > deadline)
            fail_msg("waited 30 s for over=%d truncations>=%llu (over=%d truncations=%llu, WAL "
                     "%llu bytes)",
                     want_over, (unsigned long long)want_truncations, st->over,
                     (unsigned long long)st->truncations, (unsigned long long)st->wal_bytes);
        usleep(10000);
    }
}

/* A reader holding a read transaction makes the WAL grow: one warning per
 * crossing; once it lets go, the WAL is truncated to nothing. */
static void test_wal_growth_warned_and_truncated(void **state)
{
    fixture *f = *state;
    cl_wal_limits lim = { 1024 * 1024, 256 * 1024 };
    cl_checkpointer_stats st;
    char err[512] = "", wal[160];
    sqlite3 *rd;

    snprintf(wal, sizeof wal, "%s-wal", f->d.db);
    assert_int_equal(cl_db_open(&f->h, f->d.db, 1, 1, err, sizeof err), 0);
    write_entries(f->h, 10);
    assert_int_equal(cl_checkpointer_start(&f->c, f->d.db, &lim, err, sizeof err), 0);
    assert_int_equal(sqlite3_open_v2(f->d.db, &rd, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(rd, "BEGIN; SELECT count(*) FROM entries;", NULL, NULL, NULL),
                     SQLITE_OK);
    write_entries(f->h, 1000); /* about 2 MB that the reader keeps in the WAL */
    wait_stats(f->c, &st, 1, 0);
    assert_int_equal(st.warnings, 1);
    assert_int_equal(st.truncations, 0);
    assert_true(st.wal_bytes > lim.warn_bytes);
    write_entries(f->h, 500); /* still over: no second warning */
    wait_stats(f->c, &st, 1, 0);
    assert_int_equal(st.warnings, 1);
    assert_true(tu_file_size(wal) > 2000000);

    assert_int_equal(sqlite3_exec(rd, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(rd);
    wait_stats(f->c, &st, 0, 1);
    assert_int_equal(st.wal_bytes, 0);
    assert_int_equal(tu_file_size(wal), 0);
    assert_int_equal(st.warnings, 1);
    assert_true(st.wal_peak > 2000000);
    /* The writer goes on in the truncated WAL. */
    write_entries(f->h, 10);
}

/* Suspended, the thread holds no connection (the file can go aside);
 * resumed, it checkpoints again. */
static void test_suspend_resume(void **state)
{
    fixture *f = *state;
    char err[512] = "";
    int64_t before;
    double deadline;

    assert_int_equal(cl_db_open(&f->h, f->d.db, 1, 1, err, sizeof err), 0);
    assert_int_equal(cl_checkpointer_start(&f->c, f->d.db, NULL, err, sizeof err), 0);
    cl_checkpointer_suspend(f->c);
    cl_checkpointer_suspend(f->c); /* twice is harmless */
    write_entries(f->h, 1000);
    before = tu_file_size(f->d.db);
    cl_checkpointer_poke(f->c);
    usleep(200000);
    assert_int_equal(tu_file_size(f->d.db), before);
    assert_int_equal(cl_checkpointer_resume(f->c, err, sizeof err), 0);
    cl_checkpointer_poke(f->c);
    deadline = now_s() + 10;
    while (tu_file_size(f->d.db) < 2000000 && now_s() < deadline)
        usleep(10000);
    assert_true(tu_file_size(f->d.db) >= 2000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_poke_checkpoints, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_stop_is_prompt, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_start_missing_db, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_wal_growth_warned_and_truncated, make_fixture,
                                        remove_fixture),
        cmocka_unit_test_setup_teardown(test_suspend_resume, make_fixture, remove_fixture),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
