/* clock.h - the two clocks every program reads, in microseconds.
 *
 * Wall-clock time (cl_now_us) is what timestamps hold; it can jump when the
 * system time is set. Monotonic time (cl_mono_us) never jumps and is what
 * deadlines, timers and intervals are measured in. One implementation per
 * platform: clock_posix.c, clock_win32.c. */
#ifndef CL_CLOCK_H
#define CL_CLOCK_H

#include <stdint.h>

/* Microseconds since the Unix epoch, UTC. */
int64_t cl_now_us(void);

/* Microseconds since an unspecified start (boot, usually); never goes back. */
int64_t cl_mono_us(void);

/* The monotonic clock in milliseconds, for timeouts given in ms. */
static inline int64_t cl_mono_ms(void)
{
    return cl_mono_us() / 1000;
}

#endif
