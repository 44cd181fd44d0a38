/* test_common_level.c - severities (common/level.h): the nine names both
 * ways, which spellings each kind of parser accepts, and the aliases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include "level.h"

static const char *const names[] = { "emergency", "alert", "critical", "error", "warning",
                                     "notice",    "info",  "debug",    "trace" };

static void test_names_both_ways(void **state)
{
    (void)state;
    assert_int_equal(sizeof names / sizeof names[0], CL_LVL_COUNT);
    for (int i = 0; i < CL_LVL_COUNT; i++) {
        char up[16], mixed[16];
        size_t n = strlen(names[i]);

        for (size_t k = 0; k <= n; k++) {
            up[k] = (char)toupper((unsigned char)names[i][k]);
            mixed[k] = k % 2 ? up[k] : names[i][k];
        }
        assert_string_equal(cl_level_name(i), names[i]);
        assert_string_equal(cl_level_upper(i), up);
        for (unsigned accept = 0; accept < 4; accept++) {
            assert_int_equal(cl_level_parse(names[i], n, accept), i);
            assert_int_equal(cl_level_parse(up, n, accept), i);
            assert_int_equal(cl_level_parse(mixed, n, accept), i);
        }
    }
    assert_string_equal(cl_level_name(-1), "unknown");
    assert_string_equal(cl_level_name(CL_LVL_COUNT), "unknown");
    assert_string_equal(cl_level_upper(CL_LVL_COUNT), "UNKNOWN");
}

static void test_digits_only_when_asked(void **state)
{
    (void)state;
    for (char d = '0'; d <= '7'; d++) {
        assert_int_equal(cl_level_parse(&d, 1, 0), -1);
        assert_int_equal(cl_level_parse(&d, 1, CL_LEVEL_ALIASES), -1);
        assert_int_equal(cl_level_parse(&d, 1, CL_LEVEL_DIGITS), d - '0');
    }
    /* Trace has no syslog number. */
    assert_int_equal(cl_level_parse("8", 1, CL_LEVEL_DIGITS), -1);
    assert_int_equal(cl_level_parse("07", 2, CL_LEVEL_DIGITS), -1);
    assert_int_equal(cl_level_parse("-1", 2, CL_LEVEL_DIGITS), -1);
}

static void test_aliases_only_when_asked(void **state)
{
    const char *name;
    int level;
    size_t i;

    (void)state;
    for (i = 0; cl_level_alias(i, &name, &level) == 0; i++) {
        char up[16];
        size_t n = strlen(name);

        for (size_t k = 0; k <= n; k++)
            up[k] = (char)toupper((unsigned char)name[k]);
        assert_int_equal(cl_level_parse(name, n, 0), -1);
        assert_int_equal(cl_level_parse(name, n, CL_LEVEL_DIGITS), -1);
        assert_int_equal(cl_level_parse(name, n, CL_LEVEL_ALIASES), level);
        assert_int_equal(cl_level_parse(up, n, CL_LEVEL_ALIASES), level);
    }
    assert_int_equal(i, 5);
    assert_int_equal(cl_level_parse("warn", 4, CL_LEVEL_ALIASES), CL_LVL_WARNING);
    assert_int_equal(cl_level_parse("panic", 5, CL_LEVEL_ALIASES), CL_LVL_EMERGENCY);
    assert_int_equal(cl_level_alias(i, &name, &level), -1);
}

static void test_only_n_bytes_count(void **state)
{
    (void)state;
    assert_int_equal(cl_level_parse("infox", 4, 0), CL_LVL_INFO);
    assert_int_equal(cl_level_parse("info", 3, 0), -1);
    assert_int_equal(cl_level_parse("", 0, CL_LEVEL_DIGITS | CL_LEVEL_ALIASES), -1);
    assert_int_equal(cl_level_parse("information", 11, CL_LEVEL_ALIASES), -1);
    assert_int_equal(cl_level_parse("warn ", 5, CL_LEVEL_ALIASES), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_both_ways),
        cmocka_unit_test(test_digits_only_when_asked),
        cmocka_unit_test(test_aliases_only_when_asked),
        cmocka_unit_test(test_only_n_bytes_count),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
