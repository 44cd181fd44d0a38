/* sidcache.h - interned user SID strings for peer credentials.
 *
 * Every record carries its producer's identity (peer.h). On Windows that
 * includes the user's SID, a string of up to ~180 bytes; copying it into each
 * record would bloat the queue, so connections share one immortal copy per
 * distinct SID instead. Distinct users are few; the table is bounded all the
 * same (CL_SID_CACHE_MAX): beyond it a new SID is not stored at all, which
 * the caller records as "unknown", rather than letting memory grow.
 *
 * Thread-safe. Strings are never freed.
 */
#ifndef CL_SIDCACHE_H
#define CL_SIDCACHE_H

#include <stddef.h>

#define CL_SID_CACHE_MAX 1024
/* Longest SID string accepted: "S-1-" plus a 48-bit authority in hex and 15
 * sub-authorities of up to 10 digits each fit in 184 bytes. */
#define CL_SID_TEXT_MAX 190

/* The interned copy of sid, the same pointer for equal strings. NULL when sid
 * is NULL, empty, longer than CL_SID_TEXT_MAX, has a character other than an
 * ASCII letter, digit or '-' (so sinks may write it without escaping), when
 * the table is full, or when memory runs out. */
const char *cl_sid_intern(const char *sid);

/* Distinct SIDs interned so far (at most CL_SID_CACHE_MAX). */
size_t cl_sid_count(void);

#endif
