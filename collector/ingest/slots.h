/* slots.h - who holds the collector's connection slots.
 *
 * --max-connections is a shared resource that any local user who may log
 * can try to take all of (issue 13: one process opening every slot with
 * silent connections locked all other producers out). Two rules keep it
 * shared:
 *
 * - Per UID: a user may hold at most max_per_uid connections. Root and the
 *   collector's own UID are exempt (they can stop the collector anyway), and
 *   so is a peer whose UID the OS does not report (-1: Windows, where the
 *   SID is only known after the first read).
 * - Idle reclaim: when the slots in use reach CL_SLOTS_SHORT_PCT percent of
 *   max_total, the connection that has been silent longest - beyond
 *   idle_reclaim_us, and only if its owner says closing it loses nothing -
 *   is closed to make room. A producer that is only waiting for something
 *   to log reconnects when it has something; one that is mid-line is not
 *   idle (the idle timeout covers it).
 *
 * The module only counts and orders; the server decides how to refuse and
 * how to close. Used by one thread only.
 */
#ifndef CL_SLOTS_H
#define CL_SLOTS_H

#include <stddef.h>
#include <stdint.h>

/* Embedded in each connection. Zero-initialise it before cl_slots_admit. */
typedef struct cl_slot {
    struct cl_slot *prev, *next; /* by last activity, most recent first */
    struct uid_count *owner;     /* per-UID count it is held against, or NULL */
    int64_t active_us;           /* last time a byte arrived (or admission) */
    int admitted;
} cl_slot;

typedef struct cl_slots_config {
    size_t max_total;        /* --max-connections */
    size_t max_per_uid;      /* 0: no per-UID limit */
    int64_t self_uid;        /* the collector's own UID: exempt, like root */
    int64_t idle_reclaim_us; /* 0: never reclaim */
} cl_slots_config;

/* Slots are short from this share of max_total on. */
#define CL_SLOTS_SHORT_PCT 90
/* Default --max-connections-per-uid: this fraction of --max-connections. */
#define CL_SLOTS_DEFAULT_UID_DIVISOR 4
/* At most this many connections are looked at per reclaim, so that a tail of
 * busy connections cannot make a reclaim cost a walk over all of them. */
#define CL_SLOTS_SCAN_MAX 64

typedef struct cl_slots_stats {
    size_t in_use;        /* connections admitted and not yet left */
    size_t uids;          /* distinct non-exempt UIDs holding slots */
    uint64_t refused_uid; /* admissions refused: the UID held its share */
    uint64_t reclaimed;   /* idle connections closed to make room */
} cl_slots_stats;

typedef struct cl_slots cl_slots;

/* Returns 0, or -1 when out of memory. */
int cl_slots_new(cl_slots **out, const cl_slots_config *cfg);
void cl_slots_free(cl_slots *sl);

/* A connection of uid wants a slot. Returns 0 (slot admitted, at now_us), or
 * -1: the UID already holds max_per_uid (counted in refused_uid). When the
 * per-UID count cannot be allocated the connection is admitted uncounted:
 * running out of memory must not lock a producer out. */
int cl_slots_admit(cl_slots *sl, cl_slot *slot, int64_t uid, int64_t now_us);

/* Bytes arrived on the slot's connection. */
void cl_slots_touch(cl_slots *sl, cl_slot *slot, int64_t now_us);

/* The connection is gone; a slot never admitted is ignored. */
void cl_slots_leave(cl_slots *sl, cl_slot *slot);

/* Whether the slots in use have reached the short mark. */
int cl_slots_short(const cl_slots *sl);

/* Asked of the owner for each reclaim candidate: 1 if closing the
 * connection now loses nothing (no partial line, no unsent reply, no byte
 * waiting to be read). */
typedef int (*cl_slots_can_close)(cl_slot *slot, void *arg);

/* The slot silent longest, beyond idle_reclaim_us, that can_close accepts;
 * NULL if none (or reclaim is off). Counts it as reclaimed: the caller must
 * close its connection (which calls cl_slots_leave). A candidate can_close
 * refuses has something in flight, which is not idleness: it counts as
 * active now. At most CL_SLOTS_SCAN_MAX candidates are asked per call. */
cl_slot *cl_slots_reclaim(cl_slots *sl, int64_t now_us, cl_slots_can_close can_close, void *arg);

void cl_slots_get_stats(const cl_slots *sl, cl_slots_stats *st);

#endif
