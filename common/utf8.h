/* utf8.h - the one UTF-8 decoder: strict, as the Unicode standard's table
 * 3-7 defines well-formed UTF-8 (no overlong forms, no surrogates, nothing
 * above U+10FFFF). The collector's wire check, the SDK's encoder and every
 * escaper use it, so a byte sequence is valid to all of them or to none. */
#ifndef CL_UTF8_H
#define CL_UTF8_H

#include <stddef.h>

/* Length (1-4) of the well-formed UTF-8 sequence at s, or 0 when the bytes
 * at s are not UTF-8 (overlong, surrogate, beyond U+10FFFF, truncated, stray
 * continuation byte). left > 0. */
size_t cl_utf8_len(const unsigned char *s, size_t left);

/* The same, also storing the sequence's code point in *cp (when valid). */
size_t cl_utf8_seq(const unsigned char *s, size_t left, unsigned *cp);

/* Writes the UTF-8 form of the scalar value cp into out (room for 4 bytes).
 * Returns its length (1-4), or 0 for a surrogate or a value above U+10FFFF. */
size_t cl_utf8_encode(unsigned cp, char *out);

/* Returns the offset of the first byte of s[0..len) that does not begin a
 * well-formed sequence, or len when all of it is valid. */
size_t cl_utf8_check(const unsigned char *s, size_t len);

/* Code points in s[0..n), which is valid UTF-8. */
size_t cl_utf8_count(const char *s, size_t n);

/* Offset of the first control character - C0, DEL or C1 (U+0080..U+009F) -
 * in the valid UTF-8 s[0..n), or n when there is none. */
size_t cl_utf8_control_at(const char *s, size_t n);

#endif
