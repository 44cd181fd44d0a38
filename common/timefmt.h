/* timefmt.h - timestamps as CentralLog stores them: int64 microseconds since
 * the Unix epoch, UTC. Parsing and formatting of RFC 3339 are here so that the
 * collector, the text sink and the CLI agree to the microsecond. */
#ifndef CL_TIMEFMT_H
#define CL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h" /* cl_now_us: the wall clock these timestamps come from */

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in microseconds. */
#define CL_TS_MIN_US (-62135596800000000LL)
#define CL_TS_MAX_US (253402300799999999LL)

/* Length of a formatted timestamp, "2026-11-27T10:15:02.123456Z". */
#define CL_TS_TEXT_LEN 27

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t cl_days_from_civil(int64_t y, unsigned m, unsigned d);
void cl_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Parses an RFC 3339 date-time with a mandatory offset ('Z', 'z' or +hh:mm),
 * 'T', 't' or ' ' between date and time, up to 9 fraction digits (truncated to
 * microseconds). The whole of s[0..len) must be the timestamp. Checks that the
 * date exists (days in month, leap years); a leap second (:60) is accepted and
 * folded onto :59.999999. Returns 0 and sets *us, or -1. */
int cl_rfc3339_parse(const char *s, size_t len, int64_t *us);

/* Writes "YYYY-MM-DDTHH:MM:SS.ffffffZ" plus NUL into out (at least
 * CL_TS_TEXT_LEN + 1 bytes). Returns CL_TS_TEXT_LEN. */
int cl_rfc3339_format(int64_t us, char *out);

/* The same instant to the second as a compact UTC stamp for file names,
 * "20261204T134709Z" (out: CL_TS_STAMP_LEN + 1 bytes). */
#define CL_TS_STAMP_LEN 16
void cl_utc_stamp(int64_t us, char *out);

#endif
