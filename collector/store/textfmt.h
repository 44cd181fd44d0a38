/* textfmt.h - how an entry looks in the text file.
 *
 * One entry is always exactly one line: every code point common/unsafe.h
 * names (controls, line separators, bidi controls, invisible characters) is
 * escaped exactly as the CLI escapes it, so nobody can forge a line or
 * smuggle terminal escapes to an operator running less or tail. Within a
 * line, names (app, host) escape space, '[', ']' and ':' too, a claimed PID
 * that differs from the kernel's is shown with it ("[4242,peer=999]"), and
 * the collector's own entries show their app in brackets ("[centrallogd]"),
 * which no producer's escaped name can. */
#ifndef CL_TEXTFMT_H
#define CL_TEXTFMT_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "textesc.h" /* cl_text_escape: the plain format's escaping */

enum cl_text_format { CL_TEXT_PLAIN = 0, CL_TEXT_JSON = 1 };

/* Upper bound of the bytes cl_text_format_entry writes for r. */
size_t cl_text_bound(const cl_record *r);

/* Formats an entry record as one line including the trailing '\n'; out must
 * hold cl_text_bound(r) bytes. Returns the bytes written. */
size_t cl_text_format_entry(const cl_record *r, enum cl_text_format fmt, char *out);

/* Renders an entry record's line into r->rendered (exact size) using a
 * caller-owned scratch buffer that grows as needed. Returns 0 or -1. */
int cl_text_prerender(cl_record *r, enum cl_text_format fmt, char **scratch, size_t *cap);

/* "[pid]", "[pid,peer=kpid]" when the claim differs from the kernel's PID,
 * "[kpid]" without a claim, "" when neither is known (peer_pid <= 0). out
 * holds 64 bytes. Returns the bytes written. */
size_t cl_text_format_pid(int has_pid, int64_t pid, int64_t peer_pid, char *out);

/* Copies JSON text, turning raw DEL, C1 controls and U+2028/9 (legal unescaped
 * in JSON, dangerous in a terminal or to line-oriented tools) into \u escapes. */
size_t cl_text_json_safe(const char *s, size_t n, char *out);

/* Writes s as a JSON string literal with quotes. */
size_t cl_text_json_string(const char *s, size_t n, char *out);

#endif
