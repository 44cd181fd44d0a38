/* level.h - severities: the one table of their names, and the one parser.
 *
 * Stored levels are syslog severities, 0 emergency .. 7 debug, plus 8 for
 * trace; a smaller number is more severe. The wire protocol
 * (schema/PROTOCOL.md) knows the nine names in any letter case; a person
 * typing a level may also use a syslog digit or the short forms of
 * syslog(3), logger(1) and journalctl. Every program parses with
 * cl_level_parse() and says which of those it accepts, so a name can never
 * mean one thing to the collector and another to the CLI. */
#ifndef CL_LEVEL_H
#define CL_LEVEL_H

#include <stddef.h>

enum cl_lvl {
    CL_LVL_EMERGENCY = 0,
    CL_LVL_ALERT,
    CL_LVL_CRITICAL,
    CL_LVL_ERROR,
    CL_LVL_WARNING,
    CL_LVL_NOTICE,
    CL_LVL_INFO,
    CL_LVL_DEBUG,
    CL_LVL_TRACE,
    CL_LVL_COUNT
};

/* What cl_level_parse accepts besides the nine names (any letter case). */
#define CL_LEVEL_DIGITS 1u  /* a syslog severity "0" .. "7" */
#define CL_LEVEL_ALIASES 2u /* emerg, panic, crit, err, warn (any letter case) */

/* Parses s[0..n) (need not be NUL-terminated). Returns 0-8, or -1. */
int cl_level_parse(const char *s, size_t n, unsigned accept);

/* "emergency" .. "trace"; "unknown" outside 0-8. Static strings. */
const char *cl_level_name(int level);

/* "EMERGENCY" .. "TRACE", as in the text file; "UNKNOWN" outside 0-8. */
const char *cl_level_upper(int level);

/* The short forms CL_LEVEL_ALIASES accepts, for tests and help texts: alias
 * i (0 <= i < count) is *name and means *level. Returns 0, or -1 past the end. */
int cl_level_alias(size_t i, const char **name, int *level);

#endif
