/* test_timefmt.c - RFC 3339 parsing/formatting and the civil calendar
 * (common/timefmt.h). Expected values were computed independently with
 * Python's datetime module. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"

/* 2026-11-27T10:15:02.123456Z */
#define T_EXAMPLE 1795774502123456LL

/* Parses s from a heap copy of exactly strlen(s) bytes, so that a read past
 * the given length is caught by AddressSanitizer. */
static int parse(const char *s, int64_t *us)
{
    size_t n = strlen(s);
    char *copy = malloc(n ? n : 1);
    int rc;

    assert_non_null(copy);
    memcpy(copy, s, n);
    rc = cl_rfc3339_parse(copy, n, us);
    free(copy);
    return rc;
}

static void assert_parses(const char *s, int64_t expect)
{
    int64_t us = 0x5555;

    if (parse(s, &us) != 0)
        fail_msg("\"%s\" was refused", s);
    if (us != expect)
        fail_msg("\"%s\" -> %lld, expected %lld", s, (long long)us, (long long)expect);
}

static void assert_refused(const char *s)
{
    int64_t us = 0x5555;

    if (parse(s, &us) == 0)
        fail_msg("\"%s\" was accepted as %lld", s, (long long)us);
    /* A refused timestamp leaves the output alone. */
    assert_int_equal(us, 0x5555);
}

static void test_parse_utc(void **state)
{
    (void)state;
    assert_parses("2026-11-27T10:15:02.123456Z", T_EXAMPLE);
    assert_parses("2026-11-27t10:15:02.123456z", T_EXAMPLE);
    assert_parses("2026-11-27 10:15:02.123456Z", T_EXAMPLE);
    assert_parses("2026-11-27T10:15:02Z", 1795774502000000LL);
    assert_parses("1970-01-01T00:00:00Z", 0);
    assert_parses("1969-07-20T20:17:40Z", -14182940000000LL);
}

static void test_parse_offsets(void **state)
{
    (void)state;
    /* The same instant written in three zones. */
    assert_parses("2026-11-27T15:45:02.123456+05:30", T_EXAMPLE);
    assert_parses("2026-11-27T02:15:02.123456-08:00", T_EXAMPLE);
    assert_parses("2026-11-27T10:15:02.123456+00:00", T_EXAMPLE);
    assert_parses("2026-11-27T10:15:02.123456-00:00", T_EXAMPLE);
    /* An offset that moves the date across a year boundary. */
    assert_parses("2025-12-31T23:00:00-09:00", 1767254400000000LL);
    assert_parses("2026-01-01T08:00:00Z", 1767254400000000LL);
    assert_parses("2026-01-01T22:59:00+23:59", 1767222000000000LL); /* 2025-12-31T23:00Z */
}

static void test_parse_fractions(void **state)
{
    static const struct {
        const char *s;
        int64_t frac;
    } cases[] = {
        { "2026-11-27T10:15:02.1Z", 100000 },
        { "2026-11-27T10:15:02.12Z", 120000 },
        { "2026-11-27T10:15:02.123Z", 123000 },
        { "2026-11-27T10:15:02.1234Z", 123400 },
        { "2026-11-27T10:15:02.12345Z", 123450 },
        { "2026-11-27T10:15:02.123456Z", 123456 },
        { "2026-11-27T10:15:02.1234567Z", 123456 },
        { "2026-11-27T10:15:02.12345678Z", 123456 },
        { "2026-11-27T10:15:02.123456789Z", 123456 },
        /* Truncated, never rounded: rounding would move it to the next second. */
        { "2026-11-27T10:15:02.999999999Z", 999999 },
        { "2026-11-27T10:15:02.000000001Z", 0 },
        { "2026-11-27T15:45:02.987654321+05:30", 987654 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_parses(cases[i].s, 1795774502000000LL + cases[i].frac);
    assert_refused("2026-11-27T10:15:02.1234567890Z"); /* 10 digits */
    assert_refused("2026-11-27T10:15:02.Z");
    assert_refused("2026-11-27T10:15:02.");
    assert_refused("2026-11-27T10:15:02,5Z");
}

static void test_parse_leap_second(void **state)
{
    (void)state;
    /* Folded onto the last microsecond of the minute, fraction or not. */
    assert_parses("2016-12-31T23:59:60Z", 1483228799999999LL);
    assert_parses("2016-12-31T23:59:60.5Z", 1483228799999999LL);
    assert_parses("2017-01-01T00:59:60+01:00", 1483228799999999LL);
    /* It still sorts before the next second and after the previous one. */
    assert_parses("2016-12-31T23:59:59.999998Z", 1483228799999998LL);
    assert_parses("2017-01-01T00:00:00Z", 1483228800000000LL);
    assert_refused("2016-12-31T23:59:61Z");
}

static void test_parse_feb_29(void **state)
{
    (void)state;
    assert_parses("2024-02-29T00:00:00Z", 1709164800000000LL);
    assert_parses("2000-02-29T00:00:00Z", 951782400000000LL); /* divisible by 400 */
    assert_refused("2023-02-29T00:00:00Z");
    assert_refused("1900-02-29T00:00:00Z"); /* century, not by 400 */
    assert_refused("2100-02-29T00:00:00Z");
    assert_refused("2024-02-30T00:00:00Z");
    /* 2400 is a leap year: Feb 29 is the day after Feb 28. */
    {
        int64_t a, b;

        assert_int_equal(parse("2400-02-28T00:00:00Z", &a), 0);
        assert_int_equal(parse("2400-02-29T00:00:00Z", &b), 0);
        assert_int_equal(b - a, 86400LL * 1000000);
    }
}

static void test_parse_range(void **state)
{
    (void)state;
    assert_parses("0001-01-01T00:00:00Z", CL_TS_MIN_US);
    assert_parses("9999-12-31T23:59:59.999999Z", CL_TS_MAX_US);
    assert_parses("9999-12-31T23:59:59.999999999Z", CL_TS_MAX_US);
    assert_parses("0001-01-01T05:30:00+05:30", CL_TS_MIN_US);
    /* The offset takes these outside years 1-9999. */
    assert_refused("0001-01-01T00:00:00+00:01");
    assert_refused("9999-12-31T23:59:59-00:01");
    assert_refused("0000-12-31T23:59:59Z");
    assert_refused("0000-01-01T00:00:00Z");
}

static void test_parse_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "2026-11-27",
        "2026-11-27T10:15:02",        /* no offset */
        "2026-11-27T10:15:02.123456", /* no offset */
        "2026-11-27T10:15",
        "2026-13-01T00:00:00Z", /* month */
        "2026-00-01T00:00:00Z",
        "2026-11-00T00:00:00Z", /* day */
        "2026-11-31T00:00:00Z", /* November has 30 days */
        "2026-04-31T00:00:00Z",
        "2026-11-32T00:00:00Z",
        "2026-11-27T24:00:00Z",     /* hour */
        "2026-11-27T10:60:00Z",     /* minute */
        "2026-11-27T10:15:02Zjunk", /* trailing junk */
        "2026-11-27T10:15:02Z ",
        "2026-11-27T10:15:02+05:30x",
        "2026-11-27T10:15:02+0530",
        "2026-11-27T10:15:02+05",
        "2026-11-27T10:15:02+24:00",
        "2026-11-27T10:15:02+05:60",
        "2026-11-27T10:15:02 +05:30",
        "2026-11-27X10:15:02Z",
        "2026/11/27T10:15:02Z",
        "2026-11-27T10-15-02Z",
        " 2026-11-27T10:15:02Z",
        "26-11-27T10:15:02Z",
        "2026-1-27T10:15:02Z",
        "20a6-11-27T10:15:02Z",
        "2026-11-27T1a:15:02Z",
        "+2026-11-27T10:15:02Z",
        "2026-11-27T10:15:02.12a3Z",
        "2026-11-27T10:15:02GMT",
    };

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_refused(bad[i]);
}

/* Only s[0..len) counts: a valid prefix of a longer buffer parses, a
 * truncated one does not. */
static void test_parse_uses_len(void **state)
{
    const char *s = "2026-11-27T10:15:02Z trailing";
    int64_t us = 0;

    (void)state;
    assert_int_equal(cl_rfc3339_parse(s, 20, &us), 0);
    assert_int_equal(us, 1795774502000000LL);
    assert_int_equal(cl_rfc3339_parse(s, 19, &us), -1);
    assert_int_equal(cl_rfc3339_parse(s, 21, &us), -1);
}

static void assert_formats(int64_t us, const char *expect)
{
    char out[CL_TS_TEXT_LEN + 8];

    memset(out, '#', sizeof out);
    assert_int_equal(cl_rfc3339_format(us, out), CL_TS_TEXT_LEN);
    assert_string_equal(out, expect);
    /* Exactly CL_TS_TEXT_LEN + 1 bytes are written. */
    assert_int_equal(out[CL_TS_TEXT_LEN + 1], '#');
}

static void test_format(void **state)
{
    (void)state;
    assert_formats(0, "1970-01-01T00:00:00.000000Z");
    assert_formats(T_EXAMPLE, "2026-11-27T10:15:02.123456Z");
    assert_formats(1709164800000000LL, "2024-02-29T00:00:00.000000Z");
    assert_formats(1483228799999999LL, "2016-12-31T23:59:59.999999Z");
}

/* Floor division, not truncation: -1 µs is the last microsecond of 1969. */
static void test_format_negative(void **state)
{
    (void)state;
    assert_formats(-1, "1969-12-31T23:59:59.999999Z");
    assert_formats(-1000000, "1969-12-31T23:59:59.000000Z");
    assert_formats(-1000001, "1969-12-31T23:59:58.999999Z");
    assert_formats(-86400LL * 1000000, "1969-12-31T00:00:00.000000Z");
    assert_formats(-86400LL * 1000000 - 1, "1969-12-30T23:59:59.999999Z");
    assert_formats(-14182940000000LL, "1969-07-20T20:17:40.000000Z");
}

static void test_format_bounds(void **state)
{
    (void)state;
    assert_formats(CL_TS_MIN_US, "0001-01-01T00:00:00.000000Z");
    assert_formats(CL_TS_MAX_US, "9999-12-31T23:59:59.999999Z");
}

/* format(parse(x)) and parse(format(x)) over the whole range. */
static void test_round_trip(void **state)
{
    static const int64_t fixed[] = {
        CL_TS_MIN_US,      CL_TS_MIN_US + 1, -1,           0, 1, 999999, 1000000, T_EXAMPLE,
        951782400000000LL, CL_TS_MAX_US - 1, CL_TS_MAX_US,
    };
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    const uint64_t span = (uint64_t)(CL_TS_MAX_US - CL_TS_MIN_US) + 1;
    char text[CL_TS_TEXT_LEN + 1];
    int64_t back;

    (void)state;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        cl_rfc3339_format(fixed[i], text);
        assert_int_equal(cl_rfc3339_parse(text, CL_TS_TEXT_LEN, &back), 0);
        assert_int_equal(back, fixed[i]);
    }
    for (int i = 0; i < 200000; i++) {
        int64_t us;

        /* xorshift64: deterministic, spread over years 1-9999. */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        us = CL_TS_MIN_US + (int64_t)(x % span);
        cl_rfc3339_format(us, text);
        if (cl_rfc3339_parse(text, CL_TS_TEXT_LEN, &back) != 0 || back != us)
            fail_msg("%lld -> %s -> %lld", (long long)us, text, (long long)back);
    }
}

static void test_days_known(void **state)
{
    int64_t y;
    unsigned m, d;

    (void)state;
    assert_int_equal(cl_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(cl_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(cl_days_from_civil(2026, 11, 27), 20784);
    assert_int_equal(cl_days_from_civil(1, 1, 1), -719162);
    assert_int_equal(cl_days_from_civil(9999, 12, 31), 2932896);
    assert_int_equal(cl_days_from_civil(1969, 12, 31), -1);
    cl_civil_from_days(-1, &y, &m, &d);
    assert_int_equal(y, 1969);
    assert_int_equal(m, 12);
    assert_int_equal(d, 31);
    cl_civil_from_days(-719162, &y, &m, &d);
    assert_int_equal(y, 1);
    assert_int_equal(m, 1);
    assert_int_equal(d, 1);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Walks every day from year -2000 to 12000 and checks that consecutive day
 * numbers are consecutive calendar dates, in both directions. */
static void test_days_round_trip(void **state)
{
    static const unsigned dim[13] = { 0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int64_t y = -2000;
    unsigned m = 1, d = 1;
    int64_t first = cl_days_from_civil(y, m, d);
    int64_t last = cl_days_from_civil(12000, 12, 31);

    (void)state;
    for (int64_t z = first; z <= last; z++) {
        int64_t yy;
        unsigned mm, dd, month_len;

        cl_civil_from_days(z, &yy, &mm, &dd);
        if (yy != y || mm != m || dd != d)
            fail_msg("day %lld -> %lld-%u-%u, expected %lld-%u-%u", (long long)z, (long long)yy, mm,
                     dd, (long long)y, m, d);
        if (cl_days_from_civil(y, m, d) != z)
            fail_msg("%lld-%u-%u -> %lld, expected %lld", (long long)y, m, d,
                     (long long)cl_days_from_civil(y, m, d), (long long)z);
        month_len = dim[m] + (m == 2 && is_leap(y));
        if (++d > month_len) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
}

static void test_now(void **state)
{
    int64_t before = (int64_t)time(NULL) * 1000000;
    int64_t now = cl_now_us();
    int64_t after = ((int64_t)time(NULL) + 1) * 1000000;

    (void)state;
    assert_true(now >= before);
    assert_true(now <= after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_utc),
        cmocka_unit_test(test_parse_offsets),
        cmocka_unit_test(test_parse_fractions),
        cmocka_unit_test(test_parse_leap_second),
        cmocka_unit_test(test_parse_feb_29),
        cmocka_unit_test(test_parse_range),
        cmocka_unit_test(test_parse_malformed),
        cmocka_unit_test(test_parse_uses_len),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_negative),
        cmocka_unit_test(test_format_bounds),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_days_known),
        cmocka_unit_test(test_days_round_trip),
        cmocka_unit_test(test_now),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
