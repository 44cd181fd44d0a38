/* timearg.c - see timearg.h.
 *
 * Local time goes through the C library (localtime_r or Windows'
 * localtime_s, mktime and the TZ variable); UTC through common/timefmt's
 * calendar arithmetic. On Windows, whose struct tm has no tm_gmtoff, the UTC
 * offset is computed from the broken-down time. */
#include "timearg.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "timefmt.h"
#include "parse.h"

#define US 1000000LL

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

int cli_time_from_civil(int64_t y, int mo, int d, int h, int mi, int s, int utc, int64_t *us)
{
    int64_t secs;

    if (y < 1 || y > 9999)
        return -1;
    secs = cl_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
    if (!utc) {
        struct tm tm;
        time_t t;

        memset(&tm, 0, sizeof tm);
        tm.tm_year = (int)(y - 1900);
        tm.tm_mon = mo - 1;
        tm.tm_mday = d;
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = s;
        tm.tm_isdst = -1; /* let the zone rules decide */
        t = mktime(&tm);
#ifdef _WIN32
        /* Windows' mktime covers 1970-3000 only: outside it, read as UTC
         * (what cli_time_to_civil shows there too). */
        if (t != (time_t)-1)
            secs = (int64_t)t;
#else
        secs = (int64_t)t;
#endif
    }
    if (secs < CL_TS_MIN_US / US || secs > CL_TS_MAX_US / US)
        return -1;
    *us = secs * US;
    return 0;
}

/* Local broken-down time of secs; 0 where the C library has none (Windows:
 * before 1970 or after 3000). */
static int local_tm(int64_t secs, struct tm *tm)
{
    time_t t = (time_t)secs;

#ifdef _WIN32
    return secs >= 0 && localtime_s(tm, &t) == 0;
#else
    return localtime_r(&t, tm) != NULL;
#endif
}

/* The abbreviation of tm's zone, as strftime's %Z; only printable ASCII,
 * so that a TZ value cannot reach the terminal raw. Windows has no
 * abbreviations (its zone names are long, "W. Europe Standard Time", and
 * the C runtime's %Z from TZ is cut short under Wine): none there, so the
 * offset says it, except "UTC" at offset zero. */
#ifdef _WIN32
static void local_zone(const struct tm *tm, long gmtoff, char zone[16])
{
    (void)tm;
    memcpy(zone, gmtoff == 0 ? "UTC" : "", gmtoff == 0 ? 4 : 1);
}
#else
static void local_zone(const struct tm *tm, long gmtoff, char zone[16])
{
    char z[64];
    size_t n = strftime(z, sizeof z, "%Z", tm);

    (void)gmtoff;
    zone[0] = '\0';
    if (n == 0 || n >= 16)
        return;
    for (size_t i = 0; i < n; i++)
        if (z[i] <= ' ' || z[i] > '~')
            return;
    memcpy(zone, z, n + 1);
}
#endif

void cli_time_to_civil(int64_t us, int utc, cli_tm *out)
{
    int64_t secs = floor_div(us, US);
    struct tm tm;

    memset(out, 0, sizeof *out);
    out->usec = (int)(us - secs * US);
    /* Outside what local time covers: UTC, honestly marked (offset 0). */
    if (utc || !local_tm(secs, &tm)) {
        int64_t days = floor_div(secs, 86400), rem = secs - days * 86400;
        unsigned m, d;

        cl_civil_from_days(days, &out->year, &m, &d);
        out->month = (int)m;
        out->day = (int)d;
        out->hour = (int)(rem / 3600);
        out->min = (int)(rem / 60 % 60);
        out->sec = (int)(rem % 60);
        out->wday = (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
        memcpy(out->zone, "UTC", 4);
    } else {
        out->year = (int64_t)tm.tm_year + 1900;
        out->month = tm.tm_mon + 1;
        out->day = tm.tm_mday;
        out->hour = tm.tm_hour;
        out->min = tm.tm_min;
        out->sec = tm.tm_sec;
        out->wday = tm.tm_wday;
#ifdef _WIN32
        /* No tm_gmtoff: the offset is what separates the local civil time
         * from UTC. */
        out->gmtoff =
            (long)(cl_days_from_civil(out->year, (unsigned)out->month, (unsigned)out->day) * 86400 +
                   out->hour * 3600 + out->min * 60 + out->sec - secs);
#else
        /* The zone's own offset: in right/ zones (leap seconds counted in
         * time_t) the civil difference would be off by the leap seconds. */
        out->gmtoff = tm.tm_gmtoff;
#endif
        local_zone(&tm, out->gmtoff, out->zone);
    }
}

void cli_time_format_short(int64_t us, int utc, char out[40])
{
    static const char *const mon[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    cli_tm tm;

    cli_time_to_civil(us, utc, &tm);
    snprintf(out, 40, "%s %02d %02d:%02d:%02d", mon[(tm.month - 1) % 12], tm.day, tm.hour, tm.min,
             tm.sec);
}

void cli_time_format_iso(int64_t us, int utc, char out[40])
{
    cli_tm tm;
    int n;

    cli_time_to_civil(us, utc, &tm);
    n = snprintf(out, 40, "%04lld-%02d-%02dT%02d:%02d:%02d.%06d", (long long)tm.year, tm.month,
                 tm.day, tm.hour, tm.min, tm.sec, tm.usec);
    if (tm.gmtoff == 0) {
        snprintf(out + n, (size_t)(40 - n), "Z");
    } else {
        long a = tm.gmtoff < 0 ? -tm.gmtoff : tm.gmtoff;

        snprintf(out + n, (size_t)(40 - n), "%c%02ld:%02ld", tm.gmtoff < 0 ? '-' : '+',
                 a / 3600 % 100, a / 60 % 60);
    }
}

void cli_time_format_full(int64_t us, int utc, int usec, char out[64])
{
    static const char wday[] = "SunMonTueWedThuFriSat";
    cli_tm tm;
    int n;

    cli_time_to_civil(us, utc, &tm);
    n = snprintf(out, 64, "%.3s %04lld-%02d-%02d %02d:%02d:%02d", wday + 3 * (tm.wday % 7),
                 (long long)tm.year, tm.month, tm.day, tm.hour, tm.min, tm.sec);
    if (usec)
        n += snprintf(out + n, (size_t)(64 - n), ".%06d", tm.usec);
    if (tm.zone[0] != '\0') {
        snprintf(out + n, (size_t)(64 - n), " %s", tm.zone);
    } else {
        long a = tm.gmtoff < 0 ? -tm.gmtoff : tm.gmtoff;

        snprintf(out + n, (size_t)(64 - n), " %c%02ld%02ld", tm.gmtoff < 0 ? '-' : '+',
                 a / 3600 % 100, a / 60 % 60);
    }
}

int64_t cli_time_floor(int64_t us, enum cli_time_unit unit, int utc)
{
    static const int64_t width[] = { 60 * US, 3600 * US, 86400 * US };
    cli_tm tm;
    int64_t local, start;

    cli_time_to_civil(us, utc, &tm);
    if (unit == CLI_UNIT_DAY) {
        if (cli_time_from_civil(tm.year, tm.month, tm.day, 0, 0, 0, utc, &start) == 0 &&
            start <= us)
            return start;
        /* A zone whose midnight does not exist that day: count from the
         * moment's own offset instead. */
    }
    /* Minutes and hours: floor in local time at this moment's offset, exact
     * because zones change their offset on whole hours. */
    local = us + (int64_t)tm.gmtoff * US;
    local = floor_div(local, width[unit]) * width[unit];
    return local - (int64_t)tm.gmtoff * US;
}

int64_t cli_time_next(int64_t start, enum cli_time_unit unit, int utc)
{
    cli_tm tm;
    int64_t next, days;
    unsigned m, d;

    if (unit == CLI_UNIT_MINUTE)
        return start + 60 * US;
    if (unit == CLI_UNIT_HOUR)
        return start + 3600 * US;
    cli_time_to_civil(start, utc, &tm);
    days = cl_days_from_civil(tm.year, (unsigned)tm.month, (unsigned)tm.day) + 1;
    cl_civil_from_days(days, &tm.year, &m, &d);
    if (cli_time_from_civil(tm.year, (int)m, (int)d, 0, 0, 0, utc, &next) != 0 || next <= start)
        return start + 86400 * US;
    return next;
}

/* ---------------------------------------------------------------- parsing */

/* Reads exactly n digits at *p into *v. */
static int digits(const char **p, int n, int *v)
{
    int x = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        x = x * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *v = x;
    return 0;
}

/* "HH:MM[:SS[.fff]]" at *p; fraction truncated to microseconds. */
static int parse_clock(const char **p, int *h, int *mi, int *s, int *usec)
{
    *s = *usec = 0;
    if (digits(p, 2, h) || **p != ':')
        return -1;
    (*p)++;
    if (digits(p, 2, mi))
        return -1;
    if (**p == ':') {
        (*p)++;
        if (digits(p, 2, s))
            return -1;
        if (**p == '.' || **p == ',') {
            int n = 0;

            (*p)++;
            if (!isdigit((unsigned char)**p))
                return -1;
            for (; isdigit((unsigned char)**p); (*p)++, n++) {
                if (n < 6)
                    *usec = *usec * 10 + (**p - '0');
            }
            for (; n < 6; n++)
                *usec *= 10;
        }
    }
    return *h <= 23 && *mi <= 59 && *s <= 59 ? 0 : -1;
}

/* An optional zone at *p: "", "Z", "z", "+hh:mm", "-hh:mm", "+hhmm".
 * Sets *has and *off (seconds east of UTC). */
static int parse_zone(const char **p, int *has, long *off)
{
    int hh, mm, sign;

    *has = 0;
    *off = 0;
    if (**p == '\0')
        return 0;
    if (**p == 'Z' || **p == 'z') {
        (*p)++;
        *has = 1;
        return 0;
    }
    if (**p != '+' && **p != '-')
        return -1;
    sign = **p == '-' ? -1 : 1;
    (*p)++;
    if (digits(p, 2, &hh))
        return -1;
    if (**p == ':')
        (*p)++;
    if (digits(p, 2, &mm) || hh > 23 || mm > 59)
        return -1;
    *has = 1;
    *off = sign * (hh * 3600L + mm * 60L);
    return 0;
}

/* Today's date in the clock's zone, shifted by delta days. */
static void date_of(const cli_clock *c, int delta, int64_t *y, int *mo, int *d)
{
    cli_tm tm;
    unsigned m, dd;

    cli_time_to_civil(c->now_us, c->utc, &tm);
    cl_civil_from_days(cl_days_from_civil(tm.year, (unsigned)tm.month, (unsigned)tm.day) + delta, y,
                       &m, &dd);
    *mo = (int)m;
    *d = (int)dd;
}

/* Dates and times: "YYYY-MM-DD[( |T)HH:MM[:SS[.f]]][zone]" or "HH:MM[:SS]". */
static int parse_absolute(const char *s, const cli_clock *c, int64_t *us)
{
    const char *p = s;
    int64_t y;
    int yi, mo, d, h = 0, mi = 0, sec = 0, usec = 0, has_zone;
    long off;

    if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) && p[2] == ':') {
        date_of(c, 0, &y, &mo, &d);
        if (parse_clock(&p, &h, &mi, &sec, &usec))
            return -1;
    } else {
        if (digits(&p, 4, &yi) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
            digits(&p, 2, &d))
            return -1;
        y = yi;
        if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
            return -1;
        if (*p == ' ' || *p == 'T' || *p == 't') {
            p++;
            if (parse_clock(&p, &h, &mi, &sec, &usec))
                return -1;
        }
    }
    if (parse_zone(&p, &has_zone, &off) || *p != '\0')
        return -1;
    if (has_zone) {
        int64_t base;

        if (cli_time_from_civil(y, mo, d, h, mi, sec, 1, &base) != 0)
            return -1;
        *us = base - (int64_t)off * US + usec;
    } else {
        if (cli_time_from_civil(y, mo, d, h, mi, sec, c->utc, us) != 0)
            return -1;
        *us += usec;
    }
    return *us >= CL_TS_MIN_US && *us <= CL_TS_MAX_US ? 0 : -1;
}

/* A duration "1h30m", "2 hours", "1 day 2h" in s[0..n): common/parse.h's,
 * bounded by the span of storable timestamps. */
static int parse_duration(const char *s, size_t n, int64_t *out)
{
    return cl_parse_duration_us(s, n, CL_TS_MAX_US - CL_TS_MIN_US, out);
}

/* "@SECONDS[.fraction]" since the epoch. */
static int parse_epoch(const char *s, int64_t *us)
{
    const char *p = s + 1;
    int neg = *p == '-';
    int64_t secs = 0, frac = 0, scale = US;

    p += neg;
    if (!isdigit((unsigned char)*p))
        return -1;
    for (; isdigit((unsigned char)*p); p++) {
        if (secs > CL_TS_MAX_US / US)
            return -1;
        secs = secs * 10 + (*p - '0');
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        for (; isdigit((unsigned char)*p); p++) {
            if (scale > 1) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
        }
    }
    if (*p != '\0' || secs > CL_TS_MAX_US / US)
        return -1;
    *us = neg ? -(secs * US + frac) : secs * US + frac;
    return *us >= CL_TS_MIN_US && *us <= CL_TS_MAX_US ? 0 : -1;
}

static int add_checked(int64_t a, int64_t b, int64_t *out)
{
    if ((b > 0 && a > CL_TS_MAX_US - b) || (b < 0 && a < CL_TS_MIN_US - b))
        return -1;
    *out = a + b;
    return 0;
}

int cli_time_parse(const char *s, const cli_clock *c, int64_t *us)
{
    static const char *const days[] = { "yesterday", "today", "tomorrow" };
    size_t n = strlen(s);
    int64_t dur;

    if (strcasecmp(s, "now") == 0) {
        *us = c->now_us;
        return 0;
    }
    for (int i = 0; i < 3; i++) {
        if (strcasecmp(s, days[i]) == 0) {
            int64_t y;
            int mo, d;

            date_of(c, i - 1, &y, &mo, &d);
            return cli_time_from_civil(y, mo, d, 0, 0, 0, c->utc, us);
        }
    }
    if (s[0] == '@')
        return parse_epoch(s, us);
    if ((s[0] == '-' || s[0] == '+') && isdigit((unsigned char)s[1])) {
        if (parse_duration(s + 1, n - 1, &dur) != 0)
            return -1;
        return add_checked(c->now_us, s[0] == '-' ? -dur : dur, us);
    }
    if (n > 4 && strcasecmp(s + n - 4, " ago") == 0) {
        if (parse_duration(s, n - 4, &dur) != 0)
            return -1;
        return add_checked(c->now_us, -dur, us);
    }
    return parse_absolute(s, c, us);
}
