/* levelarg.h - levels as the CLI shows them and takes them: the names and the
 * parser are common/level.h's; here are what only the CLI does with them.
 *
 * Stored levels are syslog severities, 0 emergency .. 7 debug, plus 8 for
 * trace; a smaller number is more severe. */
#ifndef CLI_LEVELARG_H
#define CLI_LEVELARG_H

#include "level.h"

/* cl_level_name and cl_level_upper, but "?" for a stored level outside 0-8
 * (a database another program wrote). */
const char *cli_level_name(int level);
const char *cli_level_upper(int level);

/* A level a person typed: a name in any letter case, a syslog short form
 * (emerg, panic, crit, err, warn) or a digit 0-7. Returns 0-8, or -1. */
int cli_level_parse(const char *s);

/* The -p argument: "LEVEL" means that level and everything more severe
 * (lo = 0, hi = LEVEL); "A..B" means the levels between A and B, both
 * included, in either order. Returns 0 and sets [*lo, *hi], or -1. */
int cli_level_range_parse(const char *s, int *lo, int *hi);

/* What -p accepts, for error messages. */
#define CLI_LEVEL_ACCEPTED                                                                         \
    "use trace, debug, info, notice, warning, error, critical, alert, emergency, 0-7, or a "       \
    "range like warning..error"

#endif
