/* clock.h - the two clocks every program reads, in microseconds.
 *
 * Wall-clock time (cl_now_us) is what timestamps hold; it can jump when the
 * system time is set. Monotonic time (cl_mono_us) never jumps and is what
 * deadlines, timers and intervals are measured in. One implementation per
 * platform: clock_posix.c, clock_win32.c. */
#ifndef CL_CLOCK_H
#define CL_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Microseconds since the Unix epoch, UTC. */
int64_t cl_now_us(void);

/* Microseconds since an unspecified start (boot, usually); never goes back. */
int64_t cl_mono_us(void);

/* The monotonic clock in milliseconds, for timeouts given in ms. */
static inline int64_t cl_mono_ms(void)
{
    return cl_mono_us() / 1000;
}

/* The wall-clock time ms milliseconds from now, as pthread_cond_timedwait
 * takes its deadline. */
static inline void cl_abstime_in(struct timespec *ts, int64_t ms)
{
    int64_t us = cl_now_us() + ms * 1000;

    ts->tv_sec = (time_t)(us / 1000000);
    ts->tv_nsec = (long)(us % 1000000) * 1000;
}

#endif
