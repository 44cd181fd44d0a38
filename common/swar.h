/* swar.h - eight bytes at a time: where a run of plain ASCII ends.
 *
 * Most of every log line is printable ASCII, and the escapers and checks of
 * common/ walk it byte by byte. These tests look at a 64-bit word at once
 * ("SIMD within a register", no intrinsics, any byte order); each answers
 * exactly whether ANY of the eight bytes qualifies (the bit it sets may be
 * in another byte than the one that does), so a caller skips whole words
 * that none does and looks at the rest byte by byte. */
#ifndef CL_SWAR_H
#define CL_SWAR_H

#include <stdint.h>
#include <string.h>

#define CL_SWAR_ONES 0x0101010101010101ULL
#define CL_SWAR_HIGHS 0x8080808080808080ULL

static inline uint64_t cl_swar_load(const void *p)
{
    uint64_t w;

    memcpy(&w, p, 8);
    return w;
}

/* Nonzero if some byte of w is c. */
static inline uint64_t cl_swar_has(uint64_t w, unsigned char c)
{
    uint64_t x = w ^ (CL_SWAR_ONES * c);

    return (x - CL_SWAR_ONES) & ~x & CL_SWAR_HIGHS;
}

/* Nonzero if some byte of w is below c (c at most 0x80). */
static inline uint64_t cl_swar_below(uint64_t w, unsigned char c)
{
    return (w - CL_SWAR_ONES * c) & ~w & CL_SWAR_HIGHS;
}

/* Nonzero if some byte of w is not printable ASCII (0x20-0x7E). */
static inline uint64_t cl_swar_unprintable(uint64_t w)
{
    return cl_swar_below(w, 0x20) | (w & CL_SWAR_HIGHS) | cl_swar_has(w, 0x7F);
}

#endif
