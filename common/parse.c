/* parse.c - see parse.h. */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define US 1000000LL

int cl_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    /* strtoull would take a sign or leading space: only digits are a count. */
    if (s == NULL || !isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cl_parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    uint64_t mul = 1;

    if (s == NULL || !isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0)
        return -1;
    switch (toupper((unsigned char)*end)) {
    case '\0':
        break;
    case 'K':
        mul = 1024;
        end++;
        break;
    case 'M':
        mul = 1024 * 1024;
        end++;
        break;
    case 'G':
        mul = 1024ULL * 1024 * 1024;
        end++;
        break;
    default:
        return -1;
    }
    if (*end == 'i' || *end == 'I')
        end++;
    if (*end == 'b' || *end == 'B')
        end++;
    if (*end != '\0' || (v != 0 && v * mul / mul != v))
        return -1;
    *out = v * mul;
    return 0;
}

static const struct {
    const char *name;
    int64_t us;
    int config; /* also a unit of cl_parse_duration_ms */
} units[] = {
    { "us", 1, 0 },
    { "usec", 1, 0 },
    { "ms", 1000, 1 },
    { "msec", 1000, 0 },
    { "s", US, 1 },
    { "sec", US, 0 },
    { "secs", US, 0 },
    { "second", US, 0 },
    { "seconds", US, 0 },
    { "m", 60 * US, 1 },
    { "min", 60 * US, 1 },
    { "mins", 60 * US, 0 },
    { "minute", 60 * US, 0 },
    { "minutes", 60 * US, 0 },
    { "h", 3600 * US, 1 },
    { "hr", 3600 * US, 0 },
    { "hrs", 3600 * US, 0 },
    { "hour", 3600 * US, 0 },
    { "hours", 3600 * US, 0 },
    { "d", 86400 * US, 1 },
    { "day", 86400 * US, 0 },
    { "days", 86400 * US, 0 },
    { "w", 604800 * US, 0 },
    { "week", 604800 * US, 0 },
    { "weeks", 604800 * US, 0 },
};

static int64_t unit_us(const char *u, size_t n, int config_only)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if ((units[i].config || !config_only) && strlen(units[i].name) == n &&
            strncmp(u, units[i].name, n) == 0)
            return units[i].us;
    }
    return 0;
}

int64_t cl_duration_unit_us(const char *u, size_t n)
{
    return unit_us(u, n, 0);
}

int cl_parse_duration_ms(const char *s, uint64_t *out)
{
    uint64_t whole = 0, frac = 0, frac_div = 1, mul;
    const char *p = s;

    if (s == NULL || !isdigit((unsigned char)*p))
        return -1;
    for (; isdigit((unsigned char)*p); p++) {
        if (whole > 1000000000ULL)
            return -1;
        whole = whole * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        for (; isdigit((unsigned char)*p); p++) {
            if (frac_div < 1000000) {
                frac = frac * 10 + (uint64_t)(*p - '0');
                frac_div *= 10;
            }
        }
    }
    /* A bare number is seconds; the configuration knows only the short units. */
    mul = *p == '\0' ? 1000 : (uint64_t)unit_us(p, strlen(p), 1) / 1000;
    if (mul == 0)
        return -1;
    *out = whole * mul + frac * mul / frac_div;
    return 0;
}

int cl_parse_duration_us(const char *s, size_t n, int64_t max_us, int64_t *out)
{
    const char *p = s, *end = s + n;
    int64_t total = 0;
    int items = 0;

    while (p < end) {
        int64_t v = 0, mult;
        const char *u;

        while (p < end && *p == ' ')
            p++;
        if (p == end)
            break;
        if (!isdigit((unsigned char)*p))
            return -1;
        for (; p < end && isdigit((unsigned char)*p); p++) {
            if (v > max_us / 10)
                return -1;
            v = v * 10 + (*p - '0');
        }
        while (p < end && *p == ' ')
            p++;
        for (u = p; p < end && isalpha((unsigned char)*p); p++)
            ;
        mult = unit_us(u, (size_t)(p - u), 0);
        if (mult == 0 || v > max_us / mult)
            return -1;
        total += v * mult;
        if (total > max_us)
            return -1;
        items++;
    }
    if (items == 0)
        return -1;
    *out = total;
    return 0;
}
