/* test_cli_timearg.c - the CLI's --since/--until parsing and its local-time
 * display (tools/timearg.h). Expected values were computed independently
 * with Python's datetime; zones are POSIX TZ strings, so no tzdata is
 * needed: "<+0530>-5:30" is UTC+05:30 all year, "EST5EDT,M3.2.0,M11.1.0" the
 * US Eastern rules (in 2026 summer time ends on November 1 at 02:00). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portable_env.h"
#include "timearg.h"

#define US 1000000LL
/* 2026-11-27T10:15:02.123456Z */
#define NOW 1795774502123456LL
#define DAY0 1795737600000000LL /* 2026-11-27T00:00:00Z */

static void set_tz(const char *tz)
{
#ifdef _WIN32
    /* The Windows C runtime reads "NAME[+-]h[:mm][DST]" only: the same zones
     * in its spelling (a DST name means the US rules, as EST5EDT's are). */
    static const char *const win[][2] = { { "<+0530>-5:30", "IST-5:30" },
                                          { "<-0930>9:30", "MIT9:30" },
                                          { "EST5EDT,M3.2.0,M11.1.0", "EST5EDT" } };

    for (size_t i = 0; i < sizeof win / sizeof win[0]; i++)
        if (strcmp(tz, win[i][0]) == 0)
            tz = win[i][1];
#endif
    setenv("TZ", tz, 1);
    tzset();
}

static void assert_time(const char *s, int64_t now, int utc, int64_t expect)
{
    cli_clock c = { now, utc };
    int64_t us = 0x5555;

    if (cli_time_parse(s, &c, &us) != 0)
        fail_msg("\"%s\" was refused", s);
    if (us != expect)
        fail_msg("\"%s\" -> %lld, expected %lld (diff %lld)", s, (long long)us, (long long)expect,
                 (long long)(us - expect));
}

static void assert_refused(const char *s)
{
    cli_clock c = { NOW, 1 };
    int64_t us;

    if (cli_time_parse(s, &c, &us) == 0)
        fail_msg("\"%s\" was accepted as %lld", s, (long long)us);
}

static void test_words(void **state)
{
    (void)state;
    set_tz("UTC0");
    assert_time("now", NOW, 1, NOW);
    assert_time("NOW", NOW, 1, NOW);
    assert_time("today", NOW, 1, DAY0);
    assert_time("Yesterday", NOW, 1, DAY0 - 86400 * US);
    assert_time("tomorrow", NOW, 1, DAY0 + 86400 * US);
    /* Across a month and a year boundary. */
    assert_time("yesterday", 1793491200000000LL, 1, 1793404800000000LL); /* 2026-11-01 */
    assert_time("yesterday", 1798761600000000LL, 1, 1798675200000000LL); /* 2027-01-01 */
}

static void test_absolute_utc(void **state)
{
    (void)state;
    set_tz("UTC0");
    assert_time("2026-11-27T10:00:00Z", NOW, 0, DAY0 + 10 * 3600 * US);
    assert_time("2026-11-27t10:00:00z", NOW, 0, DAY0 + 10 * 3600 * US);
    assert_time("2026-11-27 10:00", NOW, 1, DAY0 + 10 * 3600 * US);
    assert_time("2026-11-27T10:00:30", NOW, 1, DAY0 + (10 * 3600 + 30) * US);
    assert_time("2026-11-27", NOW, 1, DAY0);
    assert_time("10:00", NOW, 1, DAY0 + 10 * 3600 * US);
    assert_time("10:00:30", NOW, 1, DAY0 + (10 * 3600 + 30) * US);
    assert_time("2026-11-27 10:00:00.5+01:00", NOW, 1, DAY0 + 9 * 3600 * US + 500000);
    assert_time("2026-11-27T10:00:00-0230", NOW, 1, DAY0 + (12 * 3600 + 1800) * US);
    /* Fractions beyond microseconds are truncated, like the collector does. */
    assert_time("2026-11-27T10:00:00.1234567Z", NOW, 1, DAY0 + 10 * 3600 * US + 123456);
    assert_time("2024-02-29", NOW, 1, 1709164800000000LL);
    assert_time("0001-01-01T00:00:00Z", NOW, 1, -62135596800000000LL);
    assert_time("9999-12-31T23:59:59Z", NOW, 1, 253402300799000000LL);
}

static void test_relative(void **state)
{
    (void)state;
    set_tz("UTC0");
    assert_time("-1h", NOW, 1, NOW - 3600 * US);
    assert_time("-1h30m", NOW, 1, NOW - 5400 * US);
    assert_time("-1h 30min", NOW, 1, NOW - 5400 * US);
    assert_time("+15m", NOW, 1, NOW + 900 * US);
    assert_time("-90s", NOW, 1, NOW - 90 * US);
    assert_time("-500ms", NOW, 1, NOW - 500000);
    assert_time("-250us", NOW, 1, NOW - 250);
    assert_time("-1w", NOW, 1, NOW - 7 * 86400 * US);
    assert_time("-2d", NOW, 1, NOW - 2 * 86400 * US);
    assert_time("30m ago", NOW, 1, NOW - 1800 * US);
    assert_time("2 hours ago", NOW, 1, NOW - 7200 * US);
    assert_time("1 day 2h ago", NOW, 1, NOW - 93600 * US);
    assert_time("1 second ago", NOW, 1, NOW - US);
    assert_time("3 weeks AGO", NOW, 1, NOW - 21 * 86400 * US);
}

static void test_epoch(void **state)
{
    (void)state;
    assert_time("@1764115200", NOW, 1, 1764115200 * US);
    assert_time("@1764115200.25", NOW, 1, 1764115200 * US + 250000);
    assert_time("@0", NOW, 1, 0);
    assert_time("@-1", NOW, 1, -US);
}

static void test_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "foo",
        "-1",
        "-1x",
        "1h",
        "- 1h",
        "-h",
        "--1h",
        "ago",
        " ago",
        "30m agoo",
        "30 parsecs ago",
        "2026-13-01",
        "2026-02-30",
        "2025-02-29",
        "2026-11-27 25:00",
        "2026-11-27 10:60",
        "2026-11-27 10:00:61",
        "2026-11-27 10",
        "2026-11-27T",
        "26-11-27",
        "2026-11-27T10:00:00+24:00",
        "2026-11-27T10:00:00Zjunk",
        "2026-11-27 10:00:00.",
        "10:00 ",
        " 10:00",
        "@",
        "@1.",
        "@x",
        "@1e3",
        "99999-01-01",
        "0000-01-01",
        "-99999999999999999999h",
        "-9999999w",
    };

    (void)state;
    set_tz("UTC0");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_refused(bad[i]);
}

static void test_local_zone(void **state)
{
    char out[40];

    (void)state;
    set_tz("<+0530>-5:30");
    /* Times with an offset do not depend on the zone; others do. */
    assert_time("2026-11-27T10:00:00Z", NOW, 0, DAY0 + 10 * 3600 * US);
    assert_time("2026-11-27 10:00", NOW, 0, 1795753800000000LL);
    assert_time("2026-11-27 10:00", NOW, 1, DAY0 + 10 * 3600 * US);
    assert_time("today", NOW, 0, 1795717800000000LL);
    assert_time("10:00", NOW, 0, 1795753800000000LL);
    /* 20:00Z is already the 28th in this zone. */
    assert_time("today", 1795809600000000LL, 0, 1795804200000000LL);
    assert_time("today", 1795809600000000LL, 1, DAY0);
    cli_time_format_short(NOW, 0, out);
    assert_string_equal(out, "Nov 27 15:45:02");
    cli_time_format_iso(NOW, 0, out);
    assert_string_equal(out, "2026-11-27T15:45:02.123456+05:30");
    cli_time_format_iso(NOW, 1, out);
    assert_string_equal(out, "2026-11-27T10:15:02.123456Z");
    cli_time_format_short(NOW, 1, out);
    assert_string_equal(out, "Nov 27 10:15:02");
    set_tz("<-0930>9:30");
    cli_time_format_iso(NOW, 0, out);
    assert_string_equal(out, "2026-11-27T00:45:02.123456-09:30");
}

static void test_formats_before_epoch(void **state)
{
    char out[40];

    (void)state;
    set_tz("UTC0");
    cli_time_format_iso(-1, 1, out);
    assert_string_equal(out, "1969-12-31T23:59:59.999999Z");
    cli_time_format_iso(-62135596800000000LL, 1, out);
    assert_string_equal(out, "0001-01-01T00:00:00.000000Z");
    /* Local time in 1960: the zone's offset where the C library knows it,
     * else (Windows' localtime covers 1970-3000) UTC, marked as such -
     * never a garbled date. */
    set_tz("<+0530>-5:30");
    cli_time_format_iso(-315619200000000LL, 0, out);
#ifdef _WIN32
    assert_string_equal(out, "1960-01-01T00:00:00.000000Z");
#else
    assert_string_equal(out, "1960-01-01T05:30:00.000000+05:30");
#endif
    cli_time_format_short(-315619200000000LL, 0, out);
#ifdef _WIN32
    assert_string_equal(out, "Jan 01 00:00:00");
#else
    assert_string_equal(out, "Jan 01 05:30:00");
#endif
}

/* journalctl's short-full: weekday, date, time, the zone's abbreviation
 * (its offset when it has none), also before 1970 and on a DST change. */
static void test_format_full(void **state)
{
    char out[64];

    (void)state;
    set_tz("UTC0");
    cli_time_format_full(NOW, 1, 0, out);
    assert_string_equal(out, "Fri 2026-11-27 10:15:02 UTC");
    cli_time_format_full(NOW, 1, 1, out);
    assert_string_equal(out, "Fri 2026-11-27 10:15:02.123456 UTC");
    cli_time_format_full(-1, 1, 1, out);
    assert_string_equal(out, "Wed 1969-12-31 23:59:59.999999 UTC");
    cli_time_format_full(-62135596800000000LL, 1, 0, out);
    assert_string_equal(out, "Mon 0001-01-01 00:00:00 UTC");
    cli_time_format_full(0, 1, 0, out);
    assert_string_equal(out, "Thu 1970-01-01 00:00:00 UTC");
    set_tz("<+0530>-5:30");
    cli_time_format_full(NOW, 0, 0, out);
#ifdef _WIN32
    assert_string_equal(out, "Fri 2026-11-27 15:45:02 +0530"); /* no abbreviations */
#else
    assert_string_equal(out, "Fri 2026-11-27 15:45:02 +0530");
#endif
    /* --utc whatever the zone. */
    cli_time_format_full(NOW, 1, 0, out);
    assert_string_equal(out, "Fri 2026-11-27 10:15:02 UTC");
#ifndef _WIN32
    /* 1960 in local time: glibc knows the zone then; the weekday is the
     * local date's. */
    cli_time_format_full(-315619200000000LL - 6 * 3600 * US, 0, 0, out);
    assert_string_equal(out, "Thu 1959-12-31 23:30:00 +0530");
    /* An abbreviation, and the change to summer time (Europe, 2026-03-29
     * 01:00Z). */
    set_tz("CET-1CEST,M3.5.0,M10.5.0/3");
    cli_time_format_full(1774745999000000LL, 0, 0, out);
    assert_string_equal(out, "Sun 2026-03-29 01:59:59 CET");
    cli_time_format_full(1774746000000000LL, 0, 0, out);
    assert_string_equal(out, "Sun 2026-03-29 03:00:00 CEST");
#endif
}

static void test_floor_and_next(void **state)
{
    (void)state;
    set_tz("<+0530>-5:30");
    /* 15:45:02 local: the hour starts at 15:00 local = 09:30Z. */
    assert_int_equal(cli_time_floor(NOW, CLI_UNIT_HOUR, 0), DAY0 + (9 * 3600 + 1800) * US);
    assert_int_equal(cli_time_floor(NOW, CLI_UNIT_HOUR, 1), DAY0 + 10 * 3600 * US);
    assert_int_equal(cli_time_floor(NOW, CLI_UNIT_MINUTE, 0), DAY0 + (10 * 3600 + 15 * 60) * US);
    assert_int_equal(cli_time_floor(NOW, CLI_UNIT_DAY, 0), 1795717800000000LL);
    assert_int_equal(cli_time_next(1795717800000000LL, CLI_UNIT_DAY, 0), 1795804200000000LL);
    assert_int_equal(cli_time_floor(-1, CLI_UNIT_MINUTE, 1), -60 * US);

    set_tz("EST5EDT,M3.2.0,M11.1.0");
    /* November 1, 2026 has 25 hours; March 8 has 23. */
    assert_int_equal(cli_time_floor(1793552400000000LL, CLI_UNIT_DAY, 0), 1793505600000000LL);
    assert_int_equal(cli_time_next(1793505600000000LL, CLI_UNIT_DAY, 0), 1793595600000000LL);
    assert_int_equal(cli_time_next(1772946000000000LL, CLI_UNIT_DAY, 0), 1773028800000000LL);
    /* 01:30 happens twice; each belongs to its own hour. */
    assert_int_equal(cli_time_floor(1793511000000000LL, CLI_UNIT_HOUR, 0),
                     1793511000000000LL - 1800 * US);
    assert_int_equal(cli_time_floor(1793514600000000LL, CLI_UNIT_HOUR, 0),
                     1793514600000000LL - 1800 * US);
}

static void test_dst_parse(void **state)
{
    char out[40];

    (void)state;
    set_tz("EST5EDT,M3.2.0,M11.1.0");
    assert_time("2026-11-01", 1793552400000000LL, 0, 1793505600000000LL);
    assert_time("2026-11-02", 1793552400000000LL, 0, 1793595600000000LL);
    cli_time_format_iso(1793552400000000LL, 0, out);
    assert_string_equal(out, "2026-11-01T12:00:00.000000-05:00");
    cli_time_format_iso(1793505600000000LL, 0, out);
    assert_string_equal(out, "2026-11-01T00:00:00.000000-04:00");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_absolute_utc),
        cmocka_unit_test(test_relative),
        cmocka_unit_test(test_epoch),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_local_zone),
        cmocka_unit_test(test_formats_before_epoch),
        cmocka_unit_test(test_format_full),
        cmocka_unit_test(test_floor_and_next),
        cmocka_unit_test(test_dst_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
