/* parse.h - numbers, sizes and durations as operators type them.
 *
 * Every program's options go through these, so "64K" or "30s" mean the same
 * to the collector's configuration and to the CLI. Each returns 0 and sets
 * *out, or -1 and leaves *out alone; the caller names the option and what it
 * accepts in its message. */
#ifndef CL_PARSE_H
#define CL_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* A decimal integer from min to max, digits only (no sign, no space). */
int cl_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A size in bytes: digits with an optional K, M or G (powers of 1024, any
 * letter case), optionally followed by "i" and/or "B": 512, 64K, 1MiB. */
int cl_parse_size(const char *s, uint64_t *out);

/* A duration in milliseconds: a number with up to 6 significant decimals,
 * then ms, s (the default), m or min, h or d: 250ms, 1.5s, 30, 10m, 7d. */
int cl_parse_duration_ms(const char *s, uint64_t *out);

/* The microseconds of a duration unit named u[0..n): us, ms, s, m, h, d, w
 * and their long forms (usec, msec, sec, secs, second, seconds, min, mins,
 * minute, minutes, hr, hrs, hour, hours, day, days, week, weeks); 0 when it
 * is none of them. */
int64_t cl_duration_unit_us(const char *u, size_t n);

/* A sum of whole amounts with units, spaces allowed between them:
 * "1h30m", "2 hours", "1 day 2h" in s[0..n). Fails beyond max_us. */
int cl_parse_duration_us(const char *s, size_t n, int64_t max_us, int64_t *out);

#endif
