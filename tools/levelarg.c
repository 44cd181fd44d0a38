/* levelarg.c - see levelarg.h. */
#include "levelarg.h"

#include <string.h>

/* What a person may type: every spelling common/level.h knows. */
#define TYPED (CL_LEVEL_DIGITS | CL_LEVEL_ALIASES)

const char *cli_level_name(int level)
{
    return level >= 0 && level < CL_LVL_COUNT ? cl_level_name(level) : "?";
}

const char *cli_level_upper(int level)
{
    return level >= 0 && level < CL_LVL_COUNT ? cl_level_upper(level) : "?";
}

int cli_level_parse(const char *s)
{
    return cl_level_parse(s, strlen(s), TYPED);
}

int cli_level_range_parse(const char *s, int *lo, int *hi)
{
    const char *dots = strstr(s, "..");
    int a, b;

    if (dots == NULL) {
        if ((a = cl_level_parse(s, strlen(s), TYPED)) < 0)
            return -1;
        *lo = 0;
        *hi = a;
        return 0;
    }
    a = cl_level_parse(s, (size_t)(dots - s), TYPED);
    b = cl_level_parse(dots + 2, strlen(dots + 2), TYPED);
    if (a < 0 || b < 0)
        return -1;
    *lo = a < b ? a : b;
    *hi = a < b ? b : a;
    return 0;
}
