/* sleep_until.h - paced producers in the test programs (sdk_load, sdk_stress):
 * sleep until secs after t0 on the monotonic clock, so a rate holds however
 * long each call took. */
#ifndef CL_TEST_SLEEP_UNTIL_H
#define CL_TEST_SLEEP_UNTIL_H

#include <time.h>

static inline void sleep_until(const struct timespec *t0, double secs)
{
    struct timespec ts = *t0;

    ts.tv_sec += (time_t)secs;
    ts.tv_nsec += (long)((secs - (double)(time_t)secs) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

#endif
