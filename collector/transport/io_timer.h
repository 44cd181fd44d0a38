/* io_timer.h - the I/O loop's one clock, shared by io_posix.c and
 * io_win32.c: a periodic tick, and idle limits on streams.
 *
 * A stream embeds a cl_timer_node. Armed nodes are on their own list, so that
 * a sweep (every CL_IO_SWEEP_MS) never walks thousands of quiet connections.
 * The limit counts only time during which the loop is willing to read the
 * stream: a stream it holds back cannot be blamed for being silent. */
#ifndef CL_IO_TIMER_H
#define CL_IO_TIMER_H

typedef struct cl_timer_node {
    struct cl_timer_node *prev, *next;
    int timeout_ms;        /* 0: not armed */
    long long progress_ms; /* last byte, or last time the loop would not read */
} cl_timer_node;

typedef struct cl_timers {
    cl_timer_node *armed;
    int tick_ms; /* 0: no tick */
    long long next_tick_ms, next_sweep_ms;
} cl_timers;

/* ms > 0 arms (re-arming keeps the node's clock); ms <= 0 disarms. */
void cl_timers_arm(cl_timers *t, cl_timer_node *n, int ms, long long now);
void cl_timers_disarm(cl_timers *t, cl_timer_node *n);
void cl_timers_set_tick(cl_timers *t, int ms, long long now);

/* Shortens a wait of timeout_ms (-1: forever) so that no timer is late. */
int cl_timers_wait(const cl_timers *t, long long now, int timeout_ms);

/* Runs the sweep if due: reading(n, ctx) says whether the loop reads that
 * stream now (if not, its clock restarts); a node silent for its limit is
 * disarmed and handed to expired(n, ctx), which may free it. Returns 1 when
 * the tick is due (the caller runs it). */
int cl_timers_run(cl_timers *t, long long now, int (*reading)(cl_timer_node *, void *),
                  void (*expired)(cl_timer_node *, void *), void *ctx);

#endif
