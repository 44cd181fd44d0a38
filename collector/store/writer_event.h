/* writer_event.h - what happened to a sink, published by the writer thread
 * as it happens, in that order, for the I/O thread to report: a bounded
 * queue the I/O thread drains on every wake-up and tick (server/notices.c).
 * The writer derives the events where the sinks change (after each
 * operation on them), so nobody diffs counters on a timer. */
#ifndef CL_WRITER_EVENT_H
#define CL_WRITER_EVENT_H

#include <stdint.h>

#include "writer.h"

/* Each event carries the writer's stats as of the event; `n` is what the
 * kind says. */
enum cl_writer_event_kind {
    CL_WEV_DB_MIGRATED = 1,     /* the database was migrated on open (stats: migrated_from) */
    CL_WEV_DB_FAILING,          /* the database refused writes (again); records are held */
    CL_WEV_DB_RESUMED,          /* every held record is committed */
    CL_WEV_DB_REOPENED,         /* the file was deleted or replaced: a new one (stats: gone_*) */
    CL_WEV_DB_CORRUPT,          /* the file was damaged: renamed aside (stats: damage, aside) */
    CL_WEV_LOG_REPAIRED,        /* n bytes of a torn last line were cut on open */
    CL_WEV_LOG_REOPENED,        /* the text log was removed or replaced: a new file */
    CL_WEV_LOG_ROTATE_FALLBACK, /* the first rotation to a fallback name (stats: rotate_note) */
    CL_WEV_LOG_ROTATE_ERROR,    /* a rotation could not be done (stats: rotate_errno, _note) */
    CL_WEV_LOG_FAILING,         /* the text log could not be written (again): lines lost */
    CL_WEV_LOG_RESUMED          /* the text log is written again */
};

typedef struct cl_writer_event {
    enum cl_writer_event_kind kind;
    uint64_t n;
    cl_writer_stats st; /* the WAL's (st.wal) is not filled in */
} cl_writer_event;

/* Events not yet taken are kept up to this many; past it an event of the
 * kind last kept replaces that one, and any other is dropped (and counted:
 * cl_writer_events_dropped). Sink events are failures and their ends, a
 * handful a second at most, and the I/O thread takes them on every wake-up
 * and tick. */
#define CL_WRITER_EVENTS_MAX 32

/* Takes the oldest event not yet taken into *ev: returns 1, or 0 when there
 * is none. I/O thread. */
int cl_writer_next_event(cl_writer *w, cl_writer_event *ev);
uint64_t cl_writer_events_dropped(cl_writer *w);

#endif
