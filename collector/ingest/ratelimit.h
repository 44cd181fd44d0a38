/* ratelimit.h - per-source rate limiting that shows its work.
 *
 * A source is an application name together with the peer PID the kernel
 * reported for its connection. Each source may send `burst` entries per
 * `interval`, journald's scheme: a window opens with the source's first entry
 * and its bucket is full again when the window ends. Entries at the exempt
 * level or more severe always pass and use no tokens: errors are what an
 * operator needs most when something floods.
 *
 * Nothing disappears without a count. When a window in which entries were
 * suppressed ends (cl_ratelimit_sweep), when such a source is evicted, or at
 * shutdown (cl_ratelimit_flush), the report callback receives the source
 * and the number suppressed, so the daemon can store a synthetic entry that
 * says so.
 *
 * The table of sources is bounded: beyond max_sources the least recently
 * seen source is evicted (reporting first). Used by one thread only.
 */
#ifndef CL_RATELIMIT_H
#define CL_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

typedef struct cl_ratelimit cl_ratelimit;

typedef struct cl_ratelimit_config {
    int64_t interval_us; /* window length; 0 turns limiting off */
    uint64_t burst;      /* entries per window and source; 0 turns limiting off */
    int exempt_level;    /* levels <= this always pass (3: error); -1: none do */
    size_t max_sources;  /* sources remembered at once (at least 1) */
} cl_ratelimit_config;

#define CL_RATELIMIT_DEFAULT_INTERVAL_US (30 * 1000000LL)
#define CL_RATELIMIT_DEFAULT_BURST 10000
#define CL_RATELIMIT_DEFAULT_EXEMPT 3
#define CL_RATELIMIT_DEFAULT_SOURCES 4096
/* Rejects have their own limiter (per peer PID, same window): a reject
 * stores up to 4 KiB of raw bytes, and one is needed only to see what a
 * producer got wrong, not every copy of the same mistake. */
#define CL_REJECT_LIMIT_DEFAULT_BURST 1000

void cl_ratelimit_default(cl_ratelimit_config *cfg);

/* A window closed with `suppressed` > 0 entries of (app, pid) dropped. app
 * is valid only during the call and is not NUL-terminated. */
typedef void (*cl_ratelimit_report)(void *arg, const char *app, size_t app_len, int64_t pid,
                                    uint64_t suppressed);

typedef struct cl_ratelimit_stats {
    uint64_t suppressed; /* entries suppressed since start */
    uint64_t reports;    /* report callbacks made */
    uint64_t evictions;  /* sources forgotten to stay within max_sources */
    size_t sources;      /* sources remembered now */
    size_t limited;      /* sources with suppressed entries not yet reported */
} cl_ratelimit_stats;

/* Returns 0, or -1 when out of memory. The limiter keeps cfg by value. */
int cl_ratelimit_new(cl_ratelimit **out, const cl_ratelimit_config *cfg, cl_ratelimit_report report,
                     void *arg);

/* Judges one entry: 1 to keep it, 0 when it is suppressed (and counted).
 * When the limiter cannot allocate a new source it lets the entry pass:
 * running out of memory must not cost data. */
int cl_ratelimit_check(cl_ratelimit *rl, const char *app, size_t app_len, int64_t pid, int level,
                       int64_t now_us);

/* Reports every window that has ended with suppressed entries. Call it
 * periodically; cost is proportional to the sources being limited. */
void cl_ratelimit_sweep(cl_ratelimit *rl, int64_t now_us);

/* Reports every pending suppressed count now, ended or not (shutdown). */
void cl_ratelimit_flush(cl_ratelimit *rl);

void cl_ratelimit_get_stats(const cl_ratelimit *rl, cl_ratelimit_stats *st);

/* Forgets everything without reporting; accepts NULL. */
void cl_ratelimit_free(cl_ratelimit *rl);

#endif
