/* test_common_parse.c - option values (common/parse.h): counts, sizes and
 * both duration grammars (the collector's options; the CLI's "1h30m"). The
 * collector's option tests (test_config.c) cover sizes and ms durations at
 * length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define US 1000000LL
#define MAX_US (400LL * 365 * 86400 * US)

static void test_uint(void **state)
{
    uint64_t v = 99;

    (void)state;
    assert_int_equal(cl_parse_uint("0", 0, 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(cl_parse_uint("10", 0, 10, &v), 0);
    assert_int_equal(v, 10);
    v = 99;
    assert_int_equal(cl_parse_uint("11", 0, 10, &v), -1);
    assert_int_equal(cl_parse_uint("4", 5, 10, &v), -1);
    assert_int_equal(cl_parse_uint("-1", 0, 10, &v), -1);
    assert_int_equal(cl_parse_uint("+1", 0, 10, &v), -1);
    assert_int_equal(cl_parse_uint(" 1", 0, 10, &v), -1);
    assert_int_equal(cl_parse_uint("1x", 0, 10, &v), -1);
    assert_int_equal(cl_parse_uint("", 0, 10, &v), -1);
    assert_int_equal(cl_parse_uint(NULL, 0, 10, &v), -1);
    assert_int_equal(cl_parse_uint("99999999999999999999999", 0, UINT64_MAX, &v), -1);
    assert_int_equal(v, 99); /* untouched on failure */
}

static void test_size_and_ms(void **state)
{
    uint64_t v;

    (void)state;
    assert_int_equal(cl_parse_size("64KiB", &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(cl_parse_size("64kb", &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(cl_parse_size("64T", &v), -1);
    assert_int_equal(cl_parse_duration_ms("1.5s", &v), 0);
    assert_int_equal(v, 1500);
    assert_int_equal(cl_parse_duration_ms("30", &v), 0);
    assert_int_equal(v, 30000);
    assert_int_equal(cl_parse_duration_ms("2min", &v), 0);
    assert_int_equal(v, 120000);
    /* The long unit names are the CLI's, not the options'. */
    assert_int_equal(cl_parse_duration_ms("30sec", &v), -1);
    assert_int_equal(cl_parse_duration_ms("1w", &v), -1);
    assert_int_equal(cl_parse_duration_ms("30us", &v), -1);
}

static void test_units(void **state)
{
    (void)state;
    assert_int_equal(cl_duration_unit_us("us", 2), 1);
    assert_int_equal(cl_duration_unit_us("msec", 4), 1000);
    assert_int_equal(cl_duration_unit_us("seconds", 7), US);
    assert_int_equal(cl_duration_unit_us("m", 1), 60 * US);
    assert_int_equal(cl_duration_unit_us("hrs", 3), 3600 * US);
    assert_int_equal(cl_duration_unit_us("days", 4), 86400 * US);
    assert_int_equal(cl_duration_unit_us("weeks", 5), 604800 * US);
    assert_int_equal(cl_duration_unit_us("x", 1), 0);
    assert_int_equal(cl_duration_unit_us("", 0), 0);
    assert_int_equal(cl_duration_unit_us("S", 1), 0); /* units are lower case */
}

static int64_t dur(const char *s)
{
    int64_t v = -7;

    return cl_parse_duration_us(s, strlen(s), MAX_US, &v) == 0 ? v : -1;
}

static void test_sums(void **state)
{
    (void)state;
    assert_int_equal(dur("1h30m"), 5400 * US);
    assert_int_equal(dur("2 hours"), 7200 * US);
    assert_int_equal(dur("1 day 2h"), 93600 * US);
    assert_int_equal(dur(" 15m "), 900 * US);
    assert_int_equal(dur("250ms"), 250000);
    assert_int_equal(dur(""), -1);
    assert_int_equal(dur("   "), -1);
    assert_int_equal(dur("5"), -1); /* an amount needs its unit */
    assert_int_equal(dur("h"), -1);
    assert_int_equal(dur("1.5h"), -1); /* whole amounts only */
    assert_int_equal(dur("-1h"), -1);
    assert_int_equal(dur("1 fortnight"), -1);
    /* The bound, exactly. */
    assert_int_equal(dur("146000d"), 146000LL * 86400 * US);
    assert_int_equal(dur("146000d1us"), -1);
    assert_int_equal(dur("99999999999999999999s"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uint),
        cmocka_unit_test(test_size_and_ms),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_sums),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
