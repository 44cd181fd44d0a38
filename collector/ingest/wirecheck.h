/* wirecheck.h - the byte-level rules that a JSON parser alone does not enforce.
 *
 * Debian's cJSON 1.7.15 accepts invalid UTF-8, raw control characters inside
 * strings, a byte-order mark, and silently truncates strings at an escaped or
 * raw NUL - and it reads an invalid \u escape ("\uqqqq") as U+0000, so the
 * string ends there without an error. RFC 8259 / I-JSON forbid all of these,
 * so every line is scanned here before it is parsed, every escape included. The same pass bounds nesting depth (so that the
 * parser never recurses on hostile input) and records where each top-level
 * member's value lies, so that "fields" can be stored byte-for-byte as sent.
 */
#ifndef CL_WIRECHECK_H
#define CL_WIRECHECK_H

#include <stddef.h>

#include "reason.h"
#include "utf8.h" /* cl_utf8_check: the wire's UTF-8 rule */

#define CL_SCAN_MAX_MEMBERS 32

typedef struct cl_span {
    size_t key_off, key_len; /* the key including its quotes */
    size_t val_off, val_len; /* the value, surrounding whitespace excluded */
} cl_span;

typedef struct cl_scan {
    int has_nul_escape;   /* a "\u0000" escape occurs in some string */
    const char *err_what; /* CL_R_NOT_JSON: what is wrong at err_off (static text) */
    size_t nul_off;       /* where the first one is */
    size_t nmembers;      /* top-level members seen (may exceed the array) */
    cl_span members[CL_SCAN_MAX_MEMBERS];
    size_t err_off; /* offset of the first offending byte */
} cl_scan;

/* Returns CL_R_OK, CL_R_INVALID_UTF8, CL_R_CONTROL_CHAR, CL_R_TOO_DEEP or
 * CL_R_NOT_JSON in that order of precedence. CL_R_NOT_JSON is a malformed
 * number, an invalid escape (a letter JSON does not define, \u without four
 * hex digits, an unpaired surrogate) or a byte-order mark; err_what says
 * which. The spans are meaningful only when the line also parses as a JSON
 * object. */
enum cl_reason cl_wirecheck(const char *s, size_t len, int max_depth, cl_scan *out);

/* Copies JSON text dropping insignificant whitespace. Returns bytes written
 * (never more than n). */
size_t cl_json_compact(const char *in, size_t n, char *out);

/* Length of the RFC 8259 number token at s, or 0 if none starts there (or
 * it runs into another number character, as "01" does). */
size_t cl_json_number_len(const unsigned char *s, size_t left);

/* Length of the string escape at s (s[0] is the backslash): 2, 6, or 12 for
 * a surrogate pair; 0 if it is invalid (RFC 8259, I-JSON), with *why and
 * *err_at (relative to s) set. *cp is the code point a \u escape writes,
 * else -1. */
size_t cl_json_escape_len(const unsigned char *s, size_t left, long *cp, size_t *err_at,
                          const char **why);

#endif
