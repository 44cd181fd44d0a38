/* level.c - see level.h. */
#include "level.h"

#include <string.h>
#include <strings.h>

static const char *const names[CLI_LEVEL_COUNT] = {
    "emergency", "alert", "critical", "error", "warning", "notice", "info", "debug", "trace",
};
static const char *const upper[CLI_LEVEL_COUNT] = {
    "EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG", "TRACE",
};

/* The abbreviations syslog(3), logger(1) and journalctl accept. */
static const struct {
    const char *name;
    int level;
} aliases[] = {
    { "emerg", 0 }, { "panic", 0 }, { "crit", 2 }, { "err", 3 }, { "warn", 4 },
};

const char *cli_level_name(int level)
{
    return level >= 0 && level < CLI_LEVEL_COUNT ? names[level] : "?";
}

const char *cli_level_upper(int level)
{
    return level >= 0 && level < CLI_LEVEL_COUNT ? upper[level] : "?";
}

/* Parses s[0..n). */
static int parse_n(const char *s, size_t n)
{
    for (int i = 0; i < CLI_LEVEL_COUNT; i++) {
        if (strlen(names[i]) == n && strncasecmp(s, names[i], n) == 0)
            return i;
    }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        if (strlen(aliases[i].name) == n && strncasecmp(s, aliases[i].name, n) == 0)
            return aliases[i].level;
    }
    if (n == 1 && s[0] >= '0' && s[0] <= '7')
        return s[0] - '0';
    return -1;
}

int cli_level_parse(const char *s)
{
    return parse_n(s, strlen(s));
}

int cli_level_range_parse(const char *s, int *lo, int *hi)
{
    const char *dots = strstr(s, "..");
    int a, b;

    if (dots == NULL) {
        if ((a = parse_n(s, strlen(s))) < 0)
            return -1;
        *lo = 0;
        *hi = a;
        return 0;
    }
    a = parse_n(s, (size_t)(dots - s));
    b = parse_n(dots + 2, strlen(dots + 2));
    if (a < 0 || b < 0)
        return -1;
    *lo = a < b ? a : b;
    *hi = a < b ? b : a;
    return 0;
}
