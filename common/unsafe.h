/* unsafe.h - the one policy for code points that must never reach an
 * operator's terminal or a line-oriented tool raw.
 *
 * The escapers of common/ (textesc.h for text, jsonesc.h for JSON), which
 * the collector's text file and every output of the CLI use, escape exactly
 * the code points this classifier names and spell the escapes with
 * cl_cp_escape(), so a line looks the same in both and neither can be
 * forged by a producer: no control character ends or
 * rewrites a line, no bidi control reorders it, no invisible character hides
 * text or makes two different names look alike.
 */
#ifndef CL_UNSAFE_H
#define CL_UNSAFE_H

#include <stddef.h>

/* Whether a code point is escaped wherever a value is shown:
 *  - C0 controls, DEL and C1 controls (terminal escapes, CR, newlines);
 *  - U+2028/U+2029 (line and paragraph separators: new lines to some tools);
 *  - every Default_Ignorable_Code_Point of Unicode 15.0 (DerivedCoreProperties):
 *    the bidi controls, zero-width characters, U+FEFF, the soft hyphen,
 *    the Hangul fillers, variation selectors (U+FE00-FE0F, U+E0100-E01EF),
 *    the tag characters (U+E0000-E007F, "ASCII smuggling") and the rest -
 *    characters a renderer is told to draw as nothing;
 *  - interlinear annotation controls U+FFF9-U+FFFB (hide the text between);
 *  - noncharacters: U+FDD0-U+FDEF and the last two code points of every
 *    plane (U+xFFFE, U+xFFFF), never meant for interchange.
 * Private-use characters are not unsafe: a renderer draws them (a font's
 * icon or a box), so they hide nothing; in names every non-ASCII code point
 * is escaped anyway (cl_name_byte_unsafe). */
int cl_cp_unsafe(unsigned cp);

/* Whether a byte must be escaped inside a name (app, host) in a text line.
 * Only [A-Za-z0-9._/@+=,-] is written raw, so a name can neither pose as
 * the "host app[pid] LEVEL:" structure of another producer's line (space,
 * brackets, colon) nor use a look-alike of it (no-break and ideographic
 * spaces, fullwidth brackets, U+2236 RATIO, Cyrillic letters): every byte
 * >= 0x80 answers 1, so every non-ASCII code point of a name is escaped. */
int cl_name_byte_unsafe(unsigned char c);

/* Longest escape cl_cp_escape() writes (a JSON surrogate pair). */
#define CL_CP_ESCAPE_MAX 12

/* Writes the escape of code point cp (<= U+10FFFF) to out and returns its
 * length. Text (json == 0): "\uHHHH" up to U+FFFF, "\UHHHHHHHH" above it.
 * JSON (json != 0): "\uHHHH", above U+FFFF as a UTF-16 surrogate pair
 * ("\udb40\udc20" for U+E0020), the only spelling JSON has for it. */
size_t cl_cp_escape(unsigned cp, int json, char *out);

#endif
