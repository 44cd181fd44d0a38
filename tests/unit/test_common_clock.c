/* test_common_clock.c - the clocks (common/clock.h): the wall clock agrees
 * with time(), the monotonic one never goes back and advances across a
 * sleep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

#ifdef _WIN32
#include <windows.h>
static void sleep_ms(unsigned ms)
{
    Sleep(ms);
}
#else
static void sleep_ms(unsigned ms)
{
    struct timespec ts = { 0, (long)ms * 1000000L };

    nanosleep(&ts, NULL);
}
#endif

static void test_wall_clock(void **state)
{
    int64_t before = (int64_t)time(NULL), now = cl_now_us() / 1000000, after = (int64_t)time(NULL);

    (void)state;
    assert_true(now >= before - 1 && now <= after + 1);
}

static void test_monotonic(void **state)
{
    int64_t last = cl_mono_us(), start = last;

    (void)state;
    for (int i = 0; i < 100000; i++) {
        int64_t t = cl_mono_us();

        assert_true(t >= last);
        last = t;
    }
    sleep_ms(20);
    /* At least the sleep (minus a tick of a coarse clock). */
    assert_true(cl_mono_us() - start >= 15000);
    assert_true(cl_mono_ms() >= start / 1000 + 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wall_clock),
        cmocka_unit_test(test_monotonic),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
