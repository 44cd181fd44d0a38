/* test_sdk_clockstep.c - the SDK's bounded waits do not move with the wall
 * clock. cl_flush(lg, 200) and cl_close (close_unreachable_ms) used to take
 * their deadline from the wall clock (pthread_cond_timedwait's default): a
 * clock stepped back by an hour while the application waited (NTP, a
 * machine without a real-time clock setting its time after boot) made the
 * wait an hour longer; stepped forward, it was cut short.
 *
 * The link wraps clock_gettime (-Wl,--wrap, tests/CMakeLists.txt): the SDK's
 * own reads of CLOCK_REALTIME see the wall clock an hour ahead, which is what
 * a deadline computed just before the clock is stepped back an hour looks
 * like to the kernel. The waits must still end in their own time. (A wait
 * that hangs is ended by alarm(): the test dies of SIGALRM.) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "centrallog.h"

#define NOWHERE "/nonexistent-centrallog-test/none.sock"
#define HOUR_S 3600

int __real_clock_gettime(clockid_t id, struct timespec *ts);
int __wrap_clock_gettime(clockid_t id, struct timespec *ts);

static atomic_long wall_offset_s; /* added to CLOCK_REALTIME reads */

int __wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
    int rc = __real_clock_gettime(id, ts);

    if (rc == 0 && id == CLOCK_REALTIME)
        ts->tv_sec += atomic_load(&wall_offset_s);
    return rc;
}

static double mono_s(void)
{
    struct timespec ts;

    __real_clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static cl_logger *open_nowhere(int close_unreachable_ms)
{
    cl_options o;
    cl_logger *lg = NULL;

    cl_options_init(&o);
    o.address = NOWHERE;
    o.close_unreachable_ms = close_unreachable_ms;
    assert_int_equal(cl_open(&lg, "clockstep", &o), CL_OK);
    return lg;
}

static void test_flush_wait_ignores_wall_clock(void **state)
{
    cl_logger *lg = open_nowhere(0);
    double t0, took;

    (void)state;
    assert_int_equal(cl_log(lg, CL_INFO, "undeliverable"), CL_OK);
    atomic_store(&wall_offset_s, HOUR_S);
    alarm(30);
    t0 = mono_s();
    assert_int_equal(cl_flush(lg, 200), CL_EUNREACHABLE);
    took = mono_s() - t0;
    alarm(0);
    atomic_store(&wall_offset_s, 0);
    /* 200 ms; a generous ceiling for a loaded machine, far below an hour. */
    assert_true(took >= 0.19 && took < 10.0);
    cl_close(lg);
}

static void test_close_wait_ignores_wall_clock(void **state)
{
    cl_logger *lg = open_nowhere(300);
    double t0, took;

    (void)state;
    assert_int_equal(cl_log(lg, CL_INFO, "undeliverable"), CL_OK);
    atomic_store(&wall_offset_s, HOUR_S);
    alarm(30);
    t0 = mono_s();
    cl_close(lg);
    took = mono_s() - t0;
    alarm(0);
    atomic_store(&wall_offset_s, 0);
    assert_true(took >= 0.29 && took < 10.0);
}

/* Stepped forward instead: the wait is not cut short. */
static void test_flush_wait_not_cut_short(void **state)
{
    cl_logger *lg = open_nowhere(0);
    double t0, took;

    (void)state;
    assert_int_equal(cl_log(lg, CL_INFO, "undeliverable"), CL_OK);
    atomic_store(&wall_offset_s, -HOUR_S);
    t0 = mono_s();
    assert_int_equal(cl_flush(lg, 300), CL_EUNREACHABLE);
    took = mono_s() - t0;
    atomic_store(&wall_offset_s, 0);
    assert_true(took >= 0.29);
    cl_close(lg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flush_wait_ignores_wall_clock),
        cmocka_unit_test(test_close_wait_ignores_wall_clock),
        cmocka_unit_test(test_flush_wait_not_cut_short),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
