/* platform.h - what the SDK needs from the OS, behind one header:
 * platform_posix.c (Unix domain sockets) and, later, platform_win32.c
 * (named pipes). Connections are non-blocking. */
#ifndef CL_SDK_PLATFORM_H
#define CL_SDK_PLATFORM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct cl_conn cl_conn;

/* Connects to the collector. Returns 0, or -1 with a message in err. */
int cl_conn_open(cl_conn **out, const char *address, char *err, size_t errlen);

/* > 0: bytes moved; 0: would block; -1: the connection is gone. */
long cl_conn_write(cl_conn *c, const char *buf, size_t len);
long cl_conn_read(cl_conn *c, char *buf, size_t len);

/* Wakes the sender thread from another thread (a self-pipe on POSIX). */
typedef struct cl_waker cl_waker;
int cl_waker_new(cl_waker **out);
void cl_waker_signal(cl_waker *w);
void cl_waker_free(cl_waker *w);

#define CL_WAIT_READ 1
#define CL_WAIT_WRITE 2
#define CL_WAIT_WOKEN 4
/* Waits for readiness of c (a mask of CL_WAIT_*; c may be NULL to wait for
 * the waker alone) or for the waker; returns the ready mask, 0 on timeout.
 * Errors and hang-ups report as readable so that the read sees them. A
 * signal of the waker is consumed. */
int cl_conn_wait(cl_conn *c, int mask, cl_waker *w, int timeout_ms);

void cl_conn_close(cl_conn *c);

/* Condition variables for the SDK's bounded waits (cl_log's overflow wait,
 * cl_flush, cl_close). On POSIX they time out on the monotonic clock: with
 * the default wall clock, a clock stepped back (NTP, a machine without a
 * real-time clock setting its time after boot) stretched a 100 ms wait by
 * the size of the step, and a step forward cut it short. cl_cond_deadline
 * gives the deadline ms from now on the clock cl_cond_init chose. */
int cl_cond_init(pthread_cond_t *cv);
void cl_cond_deadline(struct timespec *ts, int64_t ms);

/* The calling thread's id as the OS numbers it, or -1. */
int64_t cl_thread_id(void);
int64_t cl_process_id(void);
/* This machine's name into out; "localhost" if unknown. */
void cl_host_name(char *out, size_t outlen);

#endif
