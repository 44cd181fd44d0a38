/* poller.h - readiness notification for the POSIX I/O layer: epoll on
 * Linux (poller_epoll.c), poll(2) elsewhere (poller_poll.c). */
#ifndef CL_POLLER_H
#define CL_POLLER_H

#define CL_POLL_IN 1
#define CL_POLL_OUT 2
#define CL_POLL_ERR 4 /* error or hang-up */

typedef struct cl_poller cl_poller;

typedef struct cl_poll_event {
    void *ptr;
    int events;
} cl_poll_event;

int cl_poller_new(cl_poller **out);
/* Adds fd or changes its interest; events 0 keeps it registered but quiet. */
int cl_poller_set(cl_poller *p, int fd, void *ptr, int events);
void cl_poller_del(cl_poller *p, int fd);
/* Returns the number of events stored, 0 on timeout, -1 on error. */
int cl_poller_wait(cl_poller *p, cl_poll_event *ev, int max, int timeout_ms);
void cl_poller_free(cl_poller *p);

#endif
