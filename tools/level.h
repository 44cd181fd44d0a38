/* level.h - severity names and the -p/--level argument.
 *
 * Stored levels are syslog severities, 0 emergency .. 7 debug, plus 8 for
 * trace; a smaller number is more severe. */
#ifndef CLI_LEVEL_H
#define CLI_LEVEL_H

#define CLI_LEVEL_COUNT 9
#define CLI_LEVEL_TRACE 8

/* "emergency" .. "trace"; "?" outside 0-8. */
const char *cli_level_name(int level);

/* "EMERGENCY" .. "TRACE", as in the collector's text file. */
const char *cli_level_upper(int level);

/* A name in any letter case (also the syslog short forms emerg, crit, err,
 * warn), or a digit 0-7. Returns 0-8, or -1. */
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
