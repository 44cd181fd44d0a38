/* test_cli_level.c - level names and -p/--level ranges (tools/levelarg.h),
 * and the CLI reading every spelling as common/level.h does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "levelarg.h"

static void test_names(void **state)
{
    static const char *const names[] = { "emergency", "alert", "critical", "error", "warning",
                                         "notice",    "info",  "debug",    "trace" };

    (void)state;
    for (int i = 0; i < CL_LVL_COUNT; i++) {
        assert_string_equal(cli_level_name(i), names[i]);
        assert_int_equal(cli_level_parse(names[i]), i);
    }
    assert_string_equal(cli_level_upper(3), "ERROR");
    assert_string_equal(cli_level_upper(8), "TRACE");
    assert_string_equal(cli_level_name(9), "?");
    assert_string_equal(cli_level_name(-1), "?");
}

static void test_parse(void **state)
{
    (void)state;
    assert_int_equal(cli_level_parse("ERROR"), 3);
    assert_int_equal(cli_level_parse("Warning"), 4);
    assert_int_equal(cli_level_parse("err"), 3);
    assert_int_equal(cli_level_parse("warn"), 4);
    assert_int_equal(cli_level_parse("crit"), 2);
    assert_int_equal(cli_level_parse("emerg"), 0);
    assert_int_equal(cli_level_parse("panic"), 0);
    for (int i = 0; i <= 7; i++) {
        char d[2] = { (char)('0' + i), '\0' };

        assert_int_equal(cli_level_parse(d), i);
    }
    assert_int_equal(cli_level_parse("8"), -1); /* trace only by name */
    assert_int_equal(cli_level_parse(""), -1);
    assert_int_equal(cli_level_parse("errors"), -1);
    assert_int_equal(cli_level_parse("erro"), -1);
    assert_int_equal(cli_level_parse("07"), -1);
    assert_int_equal(cli_level_parse(" info"), -1);
}

/* One table: every spelling means to `-p` what common/level.h says it means
 * to a person (names, short forms, digits), which for the names is what it
 * means to the collector and the SDK (test_sdk_encode.c, test_one_level_table). */
static void test_same_as_common(void **state)
{
    const char *alias;
    int level;

    (void)state;
    for (int l = 0; l < CL_LVL_COUNT; l++) {
        assert_int_equal(cli_level_parse(cl_level_name(l)), l);
        assert_int_equal(cli_level_parse(cl_level_upper(l)), l);
        assert_int_equal(cl_level_parse(cl_level_name(l), strlen(cl_level_name(l)), 0), l);
        assert_string_equal(cli_level_name(l), cl_level_name(l));
        assert_string_equal(cli_level_upper(l), cl_level_upper(l));
    }
    for (size_t i = 0; cl_level_alias(i, &alias, &level) == 0; i++)
        assert_int_equal(cli_level_parse(alias), level);
    for (int d = 0; d <= 7; d++) {
        char s[2] = { (char)('0' + d), '\0' };

        assert_int_equal(cli_level_parse(s), d);
    }
}

static void assert_range(const char *s, int lo, int hi)
{
    int a = -9, b = -9;

    if (cli_level_range_parse(s, &a, &b) != 0)
        fail_msg("\"%s\" was refused", s);
    if (a != lo || b != hi)
        fail_msg("\"%s\" -> [%d, %d], expected [%d, %d]", s, a, b, lo, hi);
}

static void assert_range_refused(const char *s)
{
    int a, b;

    if (cli_level_range_parse(s, &a, &b) == 0)
        fail_msg("\"%s\" was accepted as [%d, %d]", s, a, b);
}

static void test_ranges(void **state)
{
    (void)state;
    /* One level: it and everything more severe. */
    assert_range("error", 0, 3);
    assert_range("warning", 0, 4);
    assert_range("trace", 0, 8);
    assert_range("0", 0, 0);
    /* A range, in either order, both ends included. */
    assert_range("warning..error", 3, 4);
    assert_range("error..warning", 3, 4);
    assert_range("debug..trace", 7, 8);
    assert_range("info..info", 6, 6);
    assert_range("0..7", 0, 7);
    assert_range("err..crit", 2, 3);
    assert_range_refused("");
    assert_range_refused("..");
    assert_range_refused("warning..");
    assert_range_refused("..error");
    assert_range_refused("warning...error");
    assert_range_refused("warning..error..info");
    assert_range_refused("loud");
    assert_range_refused("warning.error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_same_as_common),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
