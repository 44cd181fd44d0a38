/* textesc.h - the one escaping for text that people read line by line: the
 * collector's text file (collector/textfmt.c) and the CLI's text, table and
 * CSV output. Both escape exactly what common/unsafe.h names, the same way,
 * so a line in the file and the same entry on the terminal look alike and
 * neither can be forged by a producer:
 *   "\\" for a backslash, \n \r \t, \xHH for the other C0 controls, DEL and
 *   bytes that are not UTF-8, \uHHHH (\UHHHHHHHH above U+FFFF, cl_cp_escape)
 *   for the other unsafe code points.
 * In a name (app, host) only [A-Za-z0-9._/@+=,-] is written raw: every other
 * ASCII byte becomes \xHH and every non-ASCII code point \uHHHH or
 * \UHHHHHHHH (cl_name_byte_unsafe), so that no name can pose as another
 * producer's "host app[pid] LEVEL:", not even with look-alikes. */
#ifndef CL_TEXTESC_H
#define CL_TEXTESC_H

#include <stddef.h>

#include "strbuf.h"

/* The most bytes either escaping writes for n bytes of input: "\xHH" for
 * one byte; "\uHHHH" for two, "\UHHHHHHHH" for four are less per byte. */
#define CL_TEXTESC_BOUND(n) ((n)*4)

/* Escapes s[0..n) into out (room for CL_TEXTESC_BOUND(n)); returns the bytes
 * written. */
size_t cl_text_escape(const char *s, size_t n, char *out);

/* The same for a name. */
size_t cl_text_escape_name(const char *s, size_t n, char *out);

/* cl_text_escape (name 0) or cl_text_escape_name (name 1), appended to b. */
void cl_strbuf_text(cl_strbuf *b, const char *s, size_t n, int name);

#endif
