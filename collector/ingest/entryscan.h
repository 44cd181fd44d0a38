/* entryscan.h - one pass over a plain log entry: the validator's fast path.
 *
 * Almost every line a collector reads is a well-formed entry: an object of
 * a few members, strings of printable text, small numbers. For those the
 * full judgement (wirecheck.h, then cJSON, then a walk over its tree) does
 * the same work three times. cl_entry_scan parses the line once, strictly,
 * and answers only "certainly plain" - valid UTF-8, valid RFC 8259 JSON that
 * cJSON reads the same way, within every structural limit, no duplicate
 * member names, no \u0000, no key with an escape, every number finite - or
 * "not sure". Not sure is not a verdict: the caller then runs the full
 * judgement, which alone words rejects. So a line the fast path accepts is
 * exactly a line the full path accepts, and the record it makes is the same
 * (tests/unit/test_validate.c and tests/fuzz/fuzz_validate.c compare both
 * paths on every input).
 */
#ifndef CL_ENTRYSCAN_H
#define CL_ENTRYSCAN_H

#include <stddef.h>

#include "wirecheck.h" /* cl_span, CL_SCAN_MAX_MEMBERS */

struct cl_limits;

enum cl_jtype { CL_JT_STRING = 1, CL_JT_NUMBER, CL_JT_OBJECT, CL_JT_ARRAY, CL_JT_LITERAL };

/* A top-level member's value. For a string, off/len are its content between
 * the quotes and dec_len the length it unescapes to (cl_json_unescape). */
typedef struct cl_jval {
    unsigned char type;   /* enum cl_jtype */
    unsigned char esc;    /* a string with escapes */
    unsigned char spaced; /* whitespace inside the value: compacting is not a copy */
    size_t off, len, dec_len;
} cl_jval;

typedef struct cl_entryscan {
    size_t nmembers;
    cl_span members[CL_SCAN_MAX_MEMBERS]; /* as cl_wirecheck gives them */
    cl_jval vals[CL_SCAN_MAX_MEMBERS];
} cl_entryscan;

/* cl_entry_scan: 1 if line[0..len) is certainly plain (above), with out filled; 0 if the
 * full judgement must decide. Never reads line[len]. */
int cl_entry_scan(const char *line, size_t len, const struct cl_limits *lim, cl_entryscan *out);

/* Writes the unescaped form of a string's content in[0..n), whose escapes
 * cl_entryscan has checked, as cJSON would; returns the bytes written. */
size_t cl_json_unescape(const char *in, size_t n, char *out);

#endif
