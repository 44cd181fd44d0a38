/* level.c - see level.h. */
#include "level.h"

#include <string.h>
#include <strings.h>

static const char *const lower[CL_LVL_COUNT] = {
    "emergency", "alert", "critical", "error", "warning", "notice", "info", "debug", "trace",
};
static const char *const upper[CL_LVL_COUNT] = {
    "EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG", "TRACE",
};

static const struct {
    const char *name;
    int level;
} aliases[] = {
    { "emerg", CL_LVL_EMERGENCY }, { "panic", CL_LVL_EMERGENCY }, { "crit", CL_LVL_CRITICAL },
    { "err", CL_LVL_ERROR },       { "warn", CL_LVL_WARNING },
};

static int same(const char *s, size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

int cl_level_parse(const char *s, size_t n, unsigned accept)
{
    for (int i = 0; i < CL_LVL_COUNT; i++) {
        if (same(s, n, lower[i]))
            return i;
    }
    if (accept & CL_LEVEL_ALIASES) {
        for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
            if (same(s, n, aliases[i].name))
                return aliases[i].level;
        }
    }
    if ((accept & CL_LEVEL_DIGITS) && n == 1 && s[0] >= '0' && s[0] <= '7')
        return s[0] - '0';
    return -1;
}

const char *cl_level_name(int level)
{
    return level >= 0 && level < CL_LVL_COUNT ? lower[level] : "unknown";
}

const char *cl_level_upper(int level)
{
    return level >= 0 && level < CL_LVL_COUNT ? upper[level] : "UNKNOWN";
}

int cl_level_alias(size_t i, const char **name, int *level)
{
    if (i >= sizeof aliases / sizeof aliases[0])
        return -1;
    *name = aliases[i].name;
    *level = aliases[i].level;
    return 0;
}
