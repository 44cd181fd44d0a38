/* timearg.h - times as operators type them, and as they read them.
 *
 * Stored timestamps are microseconds since the epoch, UTC. On the command
 * line a time may carry its own offset (RFC 3339); one without an offset, and
 * the words today/yesterday, mean local time (the TZ environment variable),
 * or UTC with --utc, as in journalctl. Human outputs show local time the same
 * way; machine outputs (JSON, CSV) always use UTC. */
#ifndef CLI_TIMEARG_H
#define CLI_TIMEARG_H

#include <stddef.h>
#include <stdint.h>

typedef struct cli_clock {
    int64_t now_us; /* what "now" means, fixed once per command */
    int utc;        /* 1: times without an offset are UTC, not local */
} cli_clock;

/* A broken-down time in the zone of a cli_clock. */
typedef struct cli_tm {
    int64_t year;
    int month, day, hour, min, sec, usec;
    long gmtoff; /* seconds east of UTC */
    int wday;    /* 0 Sunday .. 6 Saturday */
    /* The zone's abbreviation as the C library names it ("CET", "+0530"),
     * "UTC" for UTC; "" when it has none (then the offset says it). */
    char zone[16];
} cli_tm;

/* Parses a --since/--until argument:
 *   2026-11-27T10:00:00Z, 2026-11-27 10:00:00.5+01:00   (with an offset)
 *   2026-11-27, 2026-11-27 10:00, 2026-11-27T10:00:30     (local, or UTC)
 *   10:00, 10:00:30                                       (today at that time)
 *   -1h, -1h30m, +15m, "30m ago", "2 hours ago"           (relative to now)
 *   now, today, yesterday, tomorrow, @1764237600          (epoch seconds)
 * Units: us ms s m h d w, also sec min hour day week and their plurals.
 * Returns 0 and sets *us, or -1. */
int cli_time_parse(const char *s, const cli_clock *c, int64_t *us);

#define CLI_TIME_ACCEPTED                                                                          \
    "use RFC 3339 (2026-11-27T10:00:00Z), '2026-11-27 10:00', 10:00, -1h, '30m ago', now, "        \
    "today, yesterday or @EPOCH"

/* Microseconds since the epoch of a civil date and time in the clock's zone.
 * Returns 0, or -1 when it is outside years 1-9999. */
int cli_time_from_civil(int64_t y, int mo, int d, int h, int mi, int s, int utc, int64_t *us);

/* Breaks us down in local time (or UTC). */
void cli_time_to_civil(int64_t us, int utc, cli_tm *tm);

/* "Nov 27 10:15:02" (short output; 15 characters + NUL; out has 40 bytes
 * like the ISO form's, so that one buffer serves both). */
void cli_time_format_short(int64_t us, int utc, char out[40]);

/* "2026-11-27T10:15:02.123456+05:30", or with "Z" for offset 0 (at most 32
 * characters + NUL). */
void cli_time_format_iso(int64_t us, int utc, char out[40]);

/* "Sat 2026-12-05 04:12:33 UTC" (journalctl's short-full), with
 * ".123456" after the seconds when usec (its verbose header); a zone
 * without an abbreviation is written as its offset, "+0530". */
void cli_time_format_full(int64_t us, int utc, int usec, char out[64]);

/* Units for stats intervals. */
enum cli_time_unit { CLI_UNIT_MINUTE, CLI_UNIT_HOUR, CLI_UNIT_DAY };

/* Start of the local minute, hour or day that holds us. */
int64_t cli_time_floor(int64_t us, enum cli_time_unit unit, int utc);

/* Start of the next local minute, hour or day after the one starting at
 * start (a day may last 23 or 25 hours across a DST change). */
int64_t cli_time_next(int64_t start, enum cli_time_unit unit, int utc);

#endif
