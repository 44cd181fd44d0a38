/* timefmt.c - RFC 3339 <-> microseconds, without the C library's time zone
 * machinery (timegm is not portable and gmtime_r is slow in a hot path). */
#include "timefmt.h"

#include <string.h>
#include <time.h>

/* Howard Hinnant's civil-calendar algorithms: exact for the whole proleptic
 * Gregorian calendar, branch-light, no tables. */
int64_t cl_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void cl_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 ? 28 + leap : dim[m - 1];
}

int cl_rfc3339_parse(const char *s, size_t len, int64_t *us)
{
    int Y, M, D, h, mi, sec, oh = 0, om = 0, sign = 0;
    int64_t frac = 0, t;
    size_t i;

    /* "YYYY-MM-DDTHH:MM:SS" is 19 fixed characters. */
    if (len < 20 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':')
        return -1;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return -1;
    if (digits(s, 4, &Y) || digits(s + 5, 2, &M) || digits(s + 8, 2, &D) || digits(s + 11, 2, &h) ||
        digits(s + 14, 2, &mi) || digits(s + 17, 2, &sec))
        return -1;
    if (Y < 1 || M < 1 || M > 12 || D < 1 || D > days_in_month(Y, M) || h > 23 || mi > 59 ||
        sec > 60)
        return -1;
    i = 19;
    if (s[i] == '.') {
        int nd = 0;

        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
            if (nd < 6)
                frac = frac * 10 + (s[i] - '0');
        }
        if (nd == 0 || nd > 9)
            return -1;
        for (; nd < 6; nd++)
            frac *= 10;
    }
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        sign = s[i] == '+' ? 1 : -1;
        if (digits(s + i + 1, 2, &oh) || digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        i += 6;
    } else {
        return -1;
    }
    if (i != len)
        return -1;
    /* A leap second cannot be represented in Unix time; keep its order among
     * neighbours by folding it onto the last microsecond of the minute. */
    if (sec == 60) {
        sec = 59;
        frac = 999999;
    }
    t = cl_days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 + h * 3600 + mi * 60 + sec;
    t -= (int64_t)sign * (oh * 3600 + om * 60);
    t = t * 1000000 + frac;
    if (t < CL_TS_MIN_US || t > CL_TS_MAX_US)
        return -1;
    *us = t;
    return 0;
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DDTHH:MM:SS" of secs. */
static void format_secs(int64_t secs, char *out)
{
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    int64_t y;
    unsigned m, d;

    cl_civil_from_days(days, &y, &m, &d);
    if (y < 0)
        y = 0;
    if (y > 9999)
        y = 9999;
    put2(out, (unsigned)(y / 100));
    put2(out + 2, (unsigned)(y % 100));
    out[4] = '-';
    put2(out + 5, m);
    out[7] = '-';
    put2(out + 8, d);
    out[10] = 'T';
    put2(out + 11, (unsigned)(rem / 3600));
    out[13] = ':';
    put2(out + 14, (unsigned)(rem / 60 % 60));
    out[16] = ':';
    put2(out + 17, (unsigned)(rem % 60));
}

/* The second formatted last on this thread: a collector formats the same
 * one for every entry it receives within it. */
static _Thread_local struct {
    int64_t secs;
    int valid;
    char text[19];
} tl_last;

int cl_rfc3339_format(int64_t us, char *out)
{
    int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    int64_t frac = us - secs * 1000000;

    if (!tl_last.valid || tl_last.secs != secs) {
        format_secs(secs, tl_last.text);
        tl_last.secs = secs;
        tl_last.valid = 1;
    }
    memcpy(out, tl_last.text, 19);
    out[19] = '.';
    for (int i = 25; i >= 20; i--) {
        out[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    out[26] = 'Z';
    out[27] = '\0';
    return CL_TS_TEXT_LEN;
}

void cl_utc_stamp(int64_t us, char *out)
{
    char ts[CL_TS_TEXT_LEN + 1];
    size_t k = 0;

    cl_rfc3339_format(us, ts);
    /* 2026-12-04T13:47:09.123456Z -> 20261204T134709Z */
    for (const char *p = ts; *p && *p != '.' && k < CL_TS_STAMP_LEN - 1; p++)
        if (*p != '-' && *p != ':')
            out[k++] = *p;
    out[k++] = 'Z';
    out[k] = '\0';
}
