/* jsonesc.h - the one JSON string escaper.
 *
 * The SDK writes entries with it (CL_JSONESC_WIRE), and the collector's
 * NDJSON text file and the CLI's JSON output write stored values with it
 * (CL_JSONESC_DISPLAY), so the same bytes give the same JSON everywhere:
 * '"' and '\' escaped, \n \r \t as such, every other C0 control and DEL as
 * \u00hh; for display also every unsafe code point (unsafe.h) as \uhhhh,
 * above U+FFFF as a surrogate pair (cl_cp_escape). */
#ifndef CL_JSONESC_H
#define CL_JSONESC_H

#include <stddef.h>

#include "strbuf.h"

/* Escape every unsafe code point (unsafe.h), not only C0 controls and DEL:
 * for what reaches a person's terminal or a line-oriented tool. */
#define CL_JSONESC_UNSAFE 1u
/* A byte that is not UTF-8 becomes the escape "\ufffd" rather than the three
 * bytes of U+FFFD. Either way it becomes one U+FFFD. */
#define CL_JSONESC_BAD_ESCAPED 2u

/* s is JSON text already (a stored "fields" object): quotes and backslashes
 * are its own and stay, nothing is put around it, and only what unsafe.h
 * names (with CL_JSONESC_UNSAFE) and bytes that are not UTF-8 change. Raw
 * controls cannot be in valid JSON text; any there become \u00hh. */
#define CL_JSONESC_JSON_TEXT 4u

/* Entries on the wire: nothing beyond JSON's needs (and DEL). */
#define CL_JSONESC_WIRE 0u
/* Stored values shown to people. */
#define CL_JSONESC_DISPLAY (CL_JSONESC_UNSAFE | CL_JSONESC_BAD_ESCAPED)

/* The most bytes cl_json_escape writes for m bytes of input: a 6-byte escape
 * per byte (a 12-byte surrogate pair for four), and the quotes. */
#define CL_JSONESC_BOUND(m) ((m)*6 + 2)

/* Writes s[0..n) as a JSON string literal, quotes included (none with
 * CL_JSONESC_JSON_TEXT), into out, which
 * has room for CL_JSONESC_BOUND(min(n, max_bytes)) bytes. Uses at most
 * max_bytes of s (SIZE_MAX: all), never cutting a character in two; stores
 * the bytes of s used in *used unless used is NULL. Returns bytes written. */
size_t cl_json_escape(char *out, const char *s, size_t n, size_t max_bytes, unsigned flags,
                      size_t *used);

/* The same, appended to b. Returns the bytes of s used (0 when b ran out of
 * memory, which b->oom tells). */
size_t cl_strbuf_json(cl_strbuf *b, const char *s, size_t n, size_t max_bytes, unsigned flags);

#endif
