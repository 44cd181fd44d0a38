/* test_retention.c - the retention arithmetic (collector/store/retention.h):
 * default limits, the start-up check, and exact plans (which units go, in
 * which order, for which limit; which live units must close early). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "retention.h"

#define MIB (1024ULL * 1024)
#define GIB (1024ULL * MIB)
#define HOUR (3600LL * 1000000)
#define DAY (24 * HOUR)
#define NOW (1795774503000000LL)

/* A closed partition or rotated text file spanning [oldest, newest]. */
#define PART(b, o, n)                                                                              \
    {                                                                                              \
        CL_RET_PARTITION, (b), (o), (n), 0                                                         \
    }
#define TEXT(b, o, n)                                                                              \
    {                                                                                              \
        CL_RET_TEXT_FILE, (b), (o), (n), 0                                                         \
    }
#define LIVE(b, o, n)                                                                              \
    {                                                                                              \
        CL_RET_PARTITION, (b), (o), (n), 1                                                         \
    }
#define ACTIVE(b, o, n)                                                                            \
    {                                                                                              \
        CL_RET_TEXT_FILE, (b), (o), (n), 1                                                         \
    }

typedef struct expect {
    enum cl_ret_action_kind action;
    size_t unit;
    enum cl_ret_reason why;
} expect;

/* Plans and checks the whole action list against want[0..nwant). */
static void check_plan(const cl_ret_unit *u, size_t n, const cl_ret_limits *lim,
                       const cl_ret_fs *fs, const expect *want, size_t nwant, cl_ret_plan *plan)
{
    cl_ret_action act[32];

    assert_true(n <= 32);
    memset(act, 0xAB, sizeof act);
    assert_int_equal(cl_retention_plan(u, n, lim, fs, NOW, act, plan), 0);
    for (size_t i = 0; i < plan->n_actions && i < nwant; i++) {
        if (act[i].action != want[i].action || act[i].unit != want[i].unit ||
            act[i].why != want[i].why)
            fail_msg("action %zu: got %d unit %zu why %s, want %d unit %zu why %s", i,
                     act[i].action, act[i].unit, cl_ret_reason_name(act[i].why), want[i].action,
                     want[i].unit, cl_ret_reason_name(want[i].why));
    }
    assert_int_equal(plan->n_actions, nwant);
}

static void test_default_limits(void **state)
{
    cl_ret_options o = { 0 };
    cl_ret_limits l;

    (void)state;
    /* 100 GiB: 10% and 15% are both above the 4 GiB cap. */
    cl_retention_limits(&o, 100 * GIB, 0, &l);
    assert_int_equal(l.max_age_us, 0);
    assert_int_equal(l.max_disk_bytes, 4 * GIB);
    assert_int_equal(l.keep_free_bytes, 4 * GIB);
    /* 20 GiB: 2 GiB and 3 GiB, under the cap. */
    cl_retention_limits(&o, 20 * GIB, 0, &l);
    assert_int_equal(l.max_disk_bytes, 2 * GIB);
    assert_int_equal(l.keep_free_bytes, 3 * GIB);
    /* Exact shares of a size that is not a multiple of 100. */
    cl_retention_limits(&o, 1001, 0, &l);
    assert_int_equal(l.max_disk_bytes, 100);
    assert_int_equal(l.keep_free_bytes, 150);
    /* A small filesystem: the default never goes below what the live units
     * may hold, or the collector would close and drop its newest data. */
    cl_retention_limits(&o, 1 * GIB, 300 * MIB, &l);
    assert_int_equal(l.max_disk_bytes, 300 * MIB);
    assert_int_equal(l.keep_free_bytes, 1 * GIB / 100 * 15 + 1 * GIB % 100 * 15 / 100);
    /* Filesystem size unknown: the cap, and no keep-free. */
    cl_retention_limits(&o, 0, 0, &l);
    assert_int_equal(l.max_disk_bytes, 4 * GIB);
    assert_int_equal(l.keep_free_bytes, 0);
}

static void test_given_limits(void **state)
{
    cl_ret_options o = { 0 };
    cl_ret_limits l;

    (void)state;
    o.max_age_us = 7 * DAY;
    o.max_disk_given = 1;
    o.max_disk = 64 * MIB;
    o.keep_free_given = 1;
    o.keep_free_is_percent = 1;
    o.keep_free = 50;
    /* Given values are used as they are: no cap, no floor. */
    cl_retention_limits(&o, 100 * GIB, 300 * MIB, &l);
    assert_int_equal(l.max_age_us, 7 * DAY);
    assert_int_equal(l.max_disk_bytes, 64 * MIB);
    assert_int_equal(l.keep_free_bytes, 50 * GIB);
    o.keep_free_is_percent = 0;
    o.keep_free = 123;
    o.max_disk = 0; /* --max-disk off */
    cl_retention_limits(&o, 100 * GIB, 300 * MIB, &l);
    assert_int_equal(l.max_disk_bytes, 0);
    assert_int_equal(l.keep_free_bytes, 123);
}

static void test_validate(void **state)
{
    cl_ret_options o = { 0 };
    char err[512] = "";

    (void)state;
    assert_int_equal(cl_retention_validate(&o, 256 * MIB, 16 * MIB, err, sizeof err), 0);
    o.max_disk_given = 1;
    o.max_disk = 272 * MIB; /* exactly one partition and one text file */
    assert_int_equal(cl_retention_validate(&o, 256 * MIB, 16 * MIB, err, sizeof err), 0);
    o.max_disk = 272 * MIB - 1;
    assert_int_equal(cl_retention_validate(&o, 256 * MIB, 16 * MIB, err, sizeof err), -1);
    assert_non_null(strstr(err, "--max-disk 285212671 bytes"));
    assert_non_null(strstr(err, "--db-rotate-size 268435456"));
    assert_non_null(strstr(err, "at least 285212672"));
    o.max_disk = 0; /* off: nothing to hold */
    assert_int_equal(cl_retention_validate(&o, 256 * MIB, 16 * MIB, err, sizeof err), 0);
    o.keep_free_given = o.keep_free_is_percent = 1;
    o.keep_free = 101;
    assert_int_equal(cl_retention_validate(&o, 256 * MIB, 16 * MIB, err, sizeof err), -1);
    assert_non_null(strstr(err, "--keep-free: 101%"));
}

static void test_nothing_to_do(void **state)
{
    const cl_ret_unit u[] = { PART(100, NOW - 3 * DAY, NOW - 2 * DAY),
                              LIVE(50, NOW - 2 * DAY, NOW) };
    cl_ret_limits lim = { 0, 1000, 10 };
    cl_ret_fs fs = { 10000, 5000 };
    cl_ret_plan plan;

    (void)state;
    check_plan(u, 2, &lim, &fs, NULL, 0, &plan);
    assert_int_equal(plan.bytes_used, 150);
    assert_int_equal(plan.bytes_freed, 0);
    assert_int_equal(plan.rotate_live, 0);
    /* No units at all. */
    check_plan(NULL, 0, &lim, &fs, NULL, 0, &plan);
}

static void test_age(void **state)
{
    /* Out of order on purpose: the plan sorts by newest time. A unit goes
     * only when its newest entry is past the limit (unit 3 straddles it). */
    const cl_ret_unit u[] = {
        PART(10, NOW - 9 * DAY, NOW - 8 * DAY),
        TEXT(20, NOW - 10 * DAY, NOW - 9 * DAY),
        PART(30, NOW - 20 * DAY, NOW - 10 * DAY),
        PART(40, NOW - 8 * DAY, NOW - 6 * DAY),
        TEXT(50, NOW - 7 * DAY - 1, NOW - 7 * DAY),
        LIVE(60, NOW - 6 * DAY, NOW),
        ACTIVE(70, NOW - 6 * DAY, NOW),
    };
    cl_ret_limits lim = { 7 * DAY, 0, 0 };
    cl_ret_fs fs = { 10000, 5000 };
    const expect want[] = {
        { CL_RET_REMOVE, 2, CL_RET_AGE },
        { CL_RET_REMOVE, 1, CL_RET_AGE },
        { CL_RET_REMOVE, 0, CL_RET_AGE },
    };
    cl_ret_plan plan;

    (void)state;
    /* Unit 4's newest is exactly 7 days old: not older than the limit. */
    check_plan(u, 7, &lim, &fs, want, 3, &plan);
    assert_int_equal(plan.n_remove, 3);
    assert_int_equal(plan.bytes_freed, 60);
    assert_int_equal(plan.rotate_live, 0);
}

static void test_age_rotates_old_live(void **state)
{
    /* The live partition holds an entry older than the limit: it must close
     * (its old entries can only go as a whole closed unit). So must the
     * active text file. An empty live unit never rotates. */
    const cl_ret_unit u[] = { LIVE(60, NOW - 8 * DAY, NOW), ACTIVE(70, NOW - 8 * DAY, NOW),
                              PART(0, NOW - 9 * DAY, NOW - 8 * DAY) };
    cl_ret_limits lim = { 7 * DAY, 0, 0 };
    cl_ret_fs fs = { 10000, 5000 };
    const expect want[] = {
        { CL_RET_REMOVE, 2, CL_RET_AGE },
        { CL_RET_ROTATE, 0, CL_RET_AGE },
        { CL_RET_ROTATE, 1, CL_RET_AGE },
    };
    const cl_ret_unit empty[] = { LIVE(0, NOW - 8 * DAY, NOW - 8 * DAY) };
    cl_ret_plan plan;

    (void)state;
    check_plan(u, 3, &lim, &fs, want, 3, &plan);
    assert_int_equal(plan.n_remove, 1);
    assert_int_equal(plan.rotate_live, 1);
    check_plan(empty, 1, &lim, &fs, NULL, 0, &plan);
    assert_int_equal(plan.rotate_live, 0);
}

static void test_disk(void **state)
{
    /* 10+20+30+40+25+5 = 130 bytes against 70: remove oldest first until at
     * most 70 remain. Removing 10 and 20 leaves 100, 30 leaves 70: done. */
    const cl_ret_unit u[] = {
        PART(30, 300, 400), PART(10, 100, 200), TEXT(20, 150, 250),
        PART(40, 400, 500), LIVE(25, 500, NOW), ACTIVE(5, 100, NOW),
    };
    cl_ret_limits lim = { 0, 70, 0 };
    cl_ret_fs fs = { 1000000, 500000 };
    const expect want[] = {
        { CL_RET_REMOVE, 1, CL_RET_DISK },
        { CL_RET_REMOVE, 2, CL_RET_DISK },
        { CL_RET_REMOVE, 0, CL_RET_DISK },
    };
    cl_ret_plan plan;

    (void)state;
    check_plan(u, 6, &lim, &fs, want, 3, &plan);
    assert_int_equal(plan.bytes_used, 130);
    assert_int_equal(plan.bytes_freed, 60);
    /* One byte less allowed: unit 3 goes too. */
    lim.max_disk_bytes = 69;
    {
        const expect want2[] = {
            { CL_RET_REMOVE, 1, CL_RET_DISK },
            { CL_RET_REMOVE, 2, CL_RET_DISK },
            { CL_RET_REMOVE, 0, CL_RET_DISK },
            { CL_RET_REMOVE, 3, CL_RET_DISK },
        };

        check_plan(u, 6, &lim, &fs, want2, 4, &plan);
        assert_int_equal(plan.rotate_live, 0);
    }
}

static void test_ties_keep_caller_order(void **state)
{
    /* Same newest time: then the oldest time, then the caller's order. */
    const cl_ret_unit u[] = { PART(1, 50, 100), TEXT(1, 40, 100), PART(1, 50, 100),
                              LIVE(0, 100, NOW) };
    cl_ret_limits lim = { 0, 1, 0 };
    cl_ret_fs fs = { 1000, 1000 };
    const expect want[] = {
        { CL_RET_REMOVE, 1, CL_RET_DISK },
        { CL_RET_REMOVE, 0, CL_RET_DISK },
    };
    cl_ret_plan plan;

    (void)state;
    check_plan(u, 4, &lim, &fs, want, 2, &plan);
}

static void test_disk_rotates_live(void **state)
{
    /* Everything removable goes and the live units alone still use more
     * than the limit: both close early (the next pass removes them). */
    const cl_ret_unit u[] = { PART(10, 100, 200), LIVE(80, 200, NOW), ACTIVE(30, 100, NOW) };
    cl_ret_limits lim = { 0, 100, 0 };
    cl_ret_fs fs = { 1000000, 500000 };
    const expect want[] = {
        { CL_RET_REMOVE, 0, CL_RET_DISK },
        { CL_RET_ROTATE, 1, CL_RET_DISK },
        { CL_RET_ROTATE, 2, CL_RET_DISK },
    };
    cl_ret_plan plan;

    (void)state;
    check_plan(u, 3, &lim, &fs, want, 3, &plan);
    assert_int_equal(plan.rotate_live, 1);
    /* At the limit exactly: nothing closes. */
    lim.max_disk_bytes = 110;
    {
        const expect want2[] = { { CL_RET_REMOVE, 0, CL_RET_DISK } };

        check_plan(u, 3, &lim, &fs, want2, 1, &plan);
        assert_int_equal(plan.rotate_live, 0);
    }
}

static void test_keep_free(void **state)
{
    /* 100 available, 150 to keep free: units go oldest first until the
     * bytes given back make up the 50 missing. */
    const cl_ret_unit u[] = { PART(30, 100, 200), TEXT(15, 200, 300), PART(10, 300, 400),
                              PART(40, 400, 500), LIVE(5, 500, NOW) };
    cl_ret_limits lim = { 0, 0, 150 };
    cl_ret_fs fs = { 1000, 100 };
    const expect want[] = {
        { CL_RET_REMOVE, 0, CL_RET_FREE },
        { CL_RET_REMOVE, 1, CL_RET_FREE },
        { CL_RET_REMOVE, 2, CL_RET_FREE },
    };
    cl_ret_plan plan;

    (void)state;
    check_plan(u, 5, &lim, &fs, want, 3, &plan);
    assert_int_equal(plan.bytes_freed, 55);
    assert_int_equal(plan.rotate_live, 0);
}

static void test_keep_free_live(void **state)
{
    /* Someone else filled the disk: removing all we have does not give
     * back enough, and closing the live units would not either, so they are
     * kept (our newest data would go for nothing). */
    const cl_ret_unit u[] = { PART(30, 100, 200), LIVE(20, 200, NOW) };
    cl_ret_limits lim = { 0, 0, 1000 };
    cl_ret_fs fs = { 10000, 100 };
    const expect want[] = { { CL_RET_REMOVE, 0, CL_RET_FREE } };
    cl_ret_plan plan;

    (void)state;
    check_plan(u, 2, &lim, &fs, want, 1, &plan);
    assert_int_equal(plan.rotate_live, 0);
    /* ... but when the live partition is what holds the space, it closes. */
    fs.avail_bytes = 960; /* 30 back from unit 0: 990, 10 short; live has 20 */
    {
        const expect want2[] = { { CL_RET_REMOVE, 0, CL_RET_FREE },
                                 { CL_RET_ROTATE, 1, CL_RET_FREE } };

        check_plan(u, 2, &lim, &fs, want2, 2, &plan);
        assert_int_equal(plan.rotate_live, 1);
    }
}

static void test_limits_combine(void **state)
{
    /* Age takes unit 0; disk (100) then takes unit 1 (used 150 -> 120 -> 80)
     * and free takes unit 2 (avail 100 + 30 + 40 = 170 < 200; +20 = 190 <
     * 200; + 20 -> 210). Each removal names the first limit that asks. */
    const cl_ret_unit u[] = {
        PART(30, NOW - 10 * DAY, NOW - 9 * DAY),
        TEXT(40, NOW - 9 * DAY, NOW - 2 * DAY),
        PART(20, NOW - 2 * DAY, NOW - DAY),
        PART(20, NOW - DAY, NOW - HOUR),
        LIVE(40, NOW - HOUR, NOW),
    };
    cl_ret_limits lim = { 7 * DAY, 100, 200 };
    cl_ret_fs fs = { 10000, 100 };
    const expect want[] = {
        { CL_RET_REMOVE, 0, CL_RET_AGE },
        { CL_RET_REMOVE, 1, CL_RET_DISK },
        { CL_RET_REMOVE, 2, CL_RET_FREE },
        { CL_RET_REMOVE, 3, CL_RET_FREE },
    };
    cl_ret_plan plan;

    (void)state;
    check_plan(u, 5, &lim, &fs, want, 4, &plan);
    assert_int_equal(plan.n_remove, 4);
    assert_int_equal(plan.bytes_freed, 110);
    /* avail 210 >= 200 now: the live partition stays. */
    assert_int_equal(plan.rotate_live, 0);
}

static void test_bad_arguments(void **state)
{
    cl_ret_limits lim = { 0, 0, 0 };
    cl_ret_fs fs = { 0, 0 };
    cl_ret_plan plan;
    const cl_ret_unit u[] = { PART(1, 1, 2) };

    (void)state;
    errno = 0;
    assert_int_equal(cl_retention_plan(u, 1, &lim, &fs, NOW, NULL, &plan), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(cl_retention_plan(u, 1, NULL, &fs, NOW, NULL, &plan), -1);
    assert_string_equal(cl_ret_reason_name(CL_RET_AGE), "age");
    assert_string_equal(cl_ret_reason_name(CL_RET_DISK), "disk");
    assert_string_equal(cl_ret_reason_name(CL_RET_FREE), "free");
    assert_string_equal(cl_ret_reason_name(CL_RET_NONE), "none");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_limits),
        cmocka_unit_test(test_given_limits),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_nothing_to_do),
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_age_rotates_old_live),
        cmocka_unit_test(test_disk),
        cmocka_unit_test(test_ties_keep_caller_order),
        cmocka_unit_test(test_disk_rotates_live),
        cmocka_unit_test(test_keep_free),
        cmocka_unit_test(test_keep_free_live),
        cmocka_unit_test(test_limits_combine),
        cmocka_unit_test(test_bad_arguments),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
