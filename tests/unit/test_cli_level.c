/* test_cli_level.c - level names and -p/--level ranges (tools/levelarg.h),
 * and the CLI and the collector reading every spelling alike. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "levelarg.h"
#include "validate.h"

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

/* The level the collector's validator gives a line whose level is json; -1
 * when it refuses the line. */
static int validated_level(const char *json)
{
    cl_validator v;
    cl_line_result r;
    cl_peer peer = { 1, 2, 3, NULL };
    char line[128];
    int level;

    memset(&v, 0, sizeof v);
    cl_limits_default(&v.limits);
    snprintf(line, sizeof line, "{\"app\":\"a\",\"msg\":\"m\",\"level\":\"%s\"}", json);
    cl_validate_line(&v, line, strlen(line), 0, &peer, &r);
    level = r.kind == CL_LINE_ENTRY ? r.rec->u.e.level : -1;
    cl_record_free(r.rec);
    return level;
}

/* One table: every name means the same level to `-p` and to the collector
 * (and to the SDK, test_sdk_encode.c); every short form and digit means to
 * `-p` what its full name does, and is no protocol name. */
static void test_same_as_collector(void **state)
{
    const char *alias;
    int level;

    (void)state;
    for (int l = 0; l < CL_LVL_COUNT; l++) {
        assert_int_equal(cli_level_parse(cl_level_name(l)), l);
        assert_int_equal(cli_level_parse(cl_level_upper(l)), l);
        assert_int_equal(validated_level(cl_level_name(l)), l);
        assert_int_equal(validated_level(cl_level_upper(l)), l);
        assert_string_equal(cli_level_name(l), cl_level_name(l));
    }
    for (size_t i = 0; cl_level_alias(i, &alias, &level) == 0; i++) {
        assert_int_equal(cli_level_parse(alias), level);
        assert_int_equal(validated_level(alias), -1);
    }
    for (int d = 0; d <= 7; d++) {
        char s[2] = { (char)('0' + d), '\0' };

        assert_int_equal(cli_level_parse(s), d);
        assert_int_equal(validated_level(s), -1); /* a string: the wire takes the number */
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
        cmocka_unit_test(test_same_as_collector),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
