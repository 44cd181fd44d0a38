/* test_slots.c - connection slots: per-UID shares and idle reclaim
 * (collector/slots.h).
 *
 * Time is passed in explicitly, so "idle for longer than the limit" is
 * exact; every count is compared in full.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "slots.h"

#define SEC 1000000LL
#define SELF 1000
#define MAXC 10

static cl_slots *make(size_t max_total, size_t per_uid, int64_t reclaim_us)
{
    cl_slots_config cfg = { max_total, per_uid, SELF, reclaim_us };
    cl_slots *sl;

    assert_int_equal(cl_slots_new(&sl, &cfg), 0);
    return sl;
}

static cl_slots_stats stats(const cl_slots *sl)
{
    cl_slots_stats st;

    cl_slots_get_stats(sl, &st);
    return st;
}

static void test_per_uid_share(void **state)
{
    cl_slot a[4], b[2];
    cl_slots *sl = make(MAXC, 3, 0);

    (void)state;
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    for (int i = 0; i < 3; i++)
        assert_int_equal(cl_slots_admit(sl, &a[i], 65534, 0), 0);
    /* The fourth of the same UID is refused and counted; another UID is not
     * affected by the first one's share. */
    assert_int_equal(cl_slots_admit(sl, &a[3], 65534, 0), -1);
    assert_int_equal(cl_slots_admit(sl, &b[0], 1001, 0), 0);
    assert_int_equal(stats(sl).refused_uid, 1);
    assert_int_equal(stats(sl).in_use, 4);
    assert_int_equal(stats(sl).uids, 2);
    /* A refused slot was never admitted: leaving it is harmless. */
    cl_slots_leave(sl, &a[3]);
    assert_int_equal(stats(sl).in_use, 4);
    /* One leaves: the UID may connect once more, and no more. */
    cl_slots_leave(sl, &a[1]);
    assert_int_equal(cl_slots_admit(sl, &a[1], 65534, 0), 0);
    assert_int_equal(cl_slots_admit(sl, &a[3], 65534, 0), -1);
    assert_int_equal(stats(sl).refused_uid, 2);
    /* The count goes when the UID's last connection goes. */
    cl_slots_leave(sl, &b[0]);
    assert_int_equal(stats(sl).uids, 1);
    for (int i = 0; i < 3; i++)
        cl_slots_leave(sl, &a[i]);
    assert_int_equal(stats(sl).uids, 0);
    assert_int_equal(stats(sl).in_use, 0);
    cl_slots_free(sl);
}

static void test_exempt_uids(void **state)
{
    cl_slot s[3 * 5];
    cl_slots *sl = make(100, 2, 0);
    const int64_t exempt[] = { 0, SELF, -1 }; /* root, the collector, unknown */
    int k = 0;

    (void)state;
    memset(s, 0, sizeof s);
    for (size_t u = 0; u < 3; u++) {
        for (int i = 0; i < 5; i++)
            assert_int_equal(cl_slots_admit(sl, &s[k++], exempt[u], 0), 0);
    }
    assert_int_equal(stats(sl).refused_uid, 0);
    assert_int_equal(stats(sl).uids, 0);
    assert_int_equal(stats(sl).in_use, 15);
    for (int i = 0; i < k; i++)
        cl_slots_leave(sl, &s[i]);
    cl_slots_free(sl);
}

static void test_per_uid_off(void **state)
{
    cl_slot s[8];
    cl_slots *sl = make(MAXC, 0, 0);

    (void)state;
    memset(s, 0, sizeof s);
    for (int i = 0; i < 8; i++)
        assert_int_equal(cl_slots_admit(sl, &s[i], 65534, 0), 0);
    assert_int_equal(stats(sl).refused_uid, 0);
    for (int i = 0; i < 8; i++)
        cl_slots_leave(sl, &s[i]);
    cl_slots_free(sl);
}

static void test_short_mark(void **state)
{
    cl_slot s[MAXC];
    cl_slots *sl = make(MAXC, 0, 0);
    cl_slots *one = make(1, 0, 0);

    (void)state;
    memset(s, 0, sizeof s);
    /* 90 % of 10 is 9. */
    for (int i = 0; i < 8; i++)
        cl_slots_admit(sl, &s[i], 0, 0);
    assert_false(cl_slots_short(sl));
    cl_slots_admit(sl, &s[8], 0, 0);
    assert_true(cl_slots_short(sl));
    cl_slots_leave(sl, &s[0]);
    assert_false(cl_slots_short(sl));
    /* A limit of 1 is short with its one connection. */
    assert_false(cl_slots_short(one));
    cl_slots_admit(one, &s[9], 0, 0);
    assert_true(cl_slots_short(one));
    cl_slots_free(sl);
    cl_slots_free(one);
}

/* can_close: the slots in this array are "busy" (e.g. half a line). */
typedef struct busy_set {
    cl_slot *busy[4];
    int asked;
} busy_set;

static int can_close(cl_slot *s, void *arg)
{
    busy_set *b = arg;

    b->asked++;
    for (int i = 0; i < 4; i++) {
        if (b->busy[i] == s)
            return 0;
    }
    return 1;
}

static void test_reclaim_oldest_idle_first(void **state)
{
    cl_slot s[5];
    busy_set b = { { NULL }, 0 };
    cl_slots *sl = make(MAXC, 0, 60 * SEC);

    (void)state;
    memset(s, 0, sizeof s);
    for (int i = 0; i < 5; i++)
        cl_slots_admit(sl, &s[i], 0, i * SEC);
    /* s[0] spoke at 10 s: s[1] is now the one silent longest. */
    cl_slots_touch(sl, &s[0], 10 * SEC);
    /* Nobody is idle for 60 s yet at 60.9 s (s[1] admitted at 1 s). */
    assert_null(cl_slots_reclaim(sl, 60 * SEC, can_close, &b));
    assert_ptr_equal(cl_slots_reclaim(sl, 61 * SEC, can_close, &b), &s[1]);
    cl_slots_leave(sl, &s[1]);
    /* s[2] is busy: skipped (and counted as active), s[3] goes. */
    b.busy[0] = &s[2];
    assert_ptr_equal(cl_slots_reclaim(sl, 64 * SEC, can_close, &b), &s[3]);
    cl_slots_leave(sl, &s[3]);
    /* s[4] (idle since 4 s) goes next; s[2] was busy at 64 s, so it is not
     * idle long enough, and neither is s[0] (10 s + 60 s > 69 s). */
    b.busy[0] = NULL;
    assert_ptr_equal(cl_slots_reclaim(sl, 69 * SEC, can_close, &b), &s[4]);
    cl_slots_leave(sl, &s[4]);
    assert_null(cl_slots_reclaim(sl, 69 * SEC, can_close, &b));
    assert_ptr_equal(cl_slots_reclaim(sl, 70 * SEC, can_close, &b), &s[0]);
    cl_slots_leave(sl, &s[0]);
    assert_int_equal(stats(sl).reclaimed, 4);
    assert_int_equal(stats(sl).in_use, 1);
    cl_slots_leave(sl, &s[2]);
    cl_slots_free(sl);
}

static int refuse_all(cl_slot *s, void *arg)
{
    (void)s;
    (*(int *)arg)++;
    return 0;
}

static void test_reclaim_busy_tail_rotates(void **state)
{
    enum { N = CL_SLOTS_SCAN_MAX + 10 };
    static cl_slot s[N];
    cl_slots *sl = make(1000, 0, SEC);
    busy_set b = { { NULL }, 0 };
    int asked = 0;

    (void)state;
    memset(s, 0, sizeof s);
    for (int i = 0; i < N; i++)
        cl_slots_admit(sl, &s[i], 0, 0);
    /* Everything busy: one call asks at most CL_SLOTS_SCAN_MAX. */
    assert_null(cl_slots_reclaim(sl, 5 * SEC, refuse_all, &asked));
    assert_int_equal(asked, CL_SLOTS_SCAN_MAX);
    /* The busy ones went to the front: the next call finds the 10 idle
     * ones that were behind them, the oldest first. */
    assert_ptr_equal(cl_slots_reclaim(sl, 5 * SEC, can_close, &b), &s[CL_SLOTS_SCAN_MAX]);
    assert_int_equal(b.asked, 1);
    for (int i = 0; i < N; i++)
        cl_slots_leave(sl, &s[i]);
    assert_int_equal(stats(sl).in_use, 0);
    cl_slots_free(sl);
}

static void test_reclaim_off(void **state)
{
    cl_slot s;
    busy_set b = { { NULL }, 0 };
    cl_slots *sl = make(MAXC, 0, 0);

    (void)state;
    memset(&s, 0, sizeof s);
    cl_slots_admit(sl, &s, 0, 0);
    assert_null(cl_slots_reclaim(sl, 1000 * SEC, can_close, &b));
    assert_int_equal(b.asked, 0);
    cl_slots_leave(sl, &s);
    cl_slots_free(sl);
    cl_slots_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_uid_share),
        cmocka_unit_test(test_exempt_uids),
        cmocka_unit_test(test_per_uid_off),
        cmocka_unit_test(test_short_mark),
        cmocka_unit_test(test_reclaim_oldest_idle_first),
        cmocka_unit_test(test_reclaim_busy_tail_rotates),
        cmocka_unit_test(test_reclaim_off),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
