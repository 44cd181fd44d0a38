/* unsafe.h - the one policy for code points that must never reach an
 * operator's terminal or a line-oriented tool raw.
 *
 * The collector's text file (collector/textfmt.c) and every output of the
 * CLI (tools/escape.c) escape exactly the code points this classifier names,
 * so a line looks the same in both and neither can be forged by a producer:
 * no control character ends or rewrites a line, no bidi control reorders it,
 * no invisible character makes two different names look alike.
 */
#ifndef CL_UNSAFE_H
#define CL_UNSAFE_H

#include <stddef.h>

#include "utf8.h" /* cl_utf8_seq, which every user of this policy decodes with */

/* Whether a code point is escaped wherever a value is shown:
 *  - C0 controls, DEL and C1 controls (terminal escapes, CR, newlines);
 *  - U+2028/U+2029 (line and paragraph separators: new lines to some tools);
 *  - bidi controls: U+061C, U+200E/U+200F, U+202A-U+202E, U+2066-U+2069;
 *  - zero-width and invisible characters: U+200B-U+200D, U+2060-U+2064,
 *    and U+FEFF (byte order mark / zero-width no-break space).
 * Every unsafe code point is below U+10000, so "\uHHHH" writes any of them. */
int cl_cp_unsafe(unsigned cp);

/* Writes the escape "\uhhhh" (lower-case hex, 6 bytes) of cp < U+10000 at
 * out: how every escaper of common/ writes an unsafe code point. Returns the
 * end of what it wrote. */
char *cl_put_u(char *out, unsigned cp);

/* Whether an ASCII byte must also be escaped inside a name (app, host) in a
 * text line: space, '[', ']' and ':' would let a name pose as the
 * "host app[pid] LEVEL:" structure of another producer's line. */
int cl_name_byte_unsafe(unsigned char c);

#endif
