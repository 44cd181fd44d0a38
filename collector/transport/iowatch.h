/* iowatch.h - POSIX only: a descriptor of the owner's watched by the event
 * loop beside its streams (io_posix.c). The syslog datagram sockets
 * (dgram.h) are read this way: they have no connections, so they are no
 * streams, but they must share the loop's one thread, its turns and its
 * backpressure. */
#ifndef CL_IOWATCH_H
#define CL_IOWATCH_H

#include "ioloop.h"

typedef struct cl_io_watch cl_io_watch;

/* Called in a turn of cl_io_run when fd is readable. */
typedef void (*cl_io_watch_cb)(void *arg);

/* Watches fd (non-blocking, owned by the caller) for reading. While the
 * loop is paused (cl_io_pause) it is not watched at all: what producers send
 * waits in the kernel, whose full queue then blocks them, as a stream's
 * unread socket buffer does. Returns NULL when out of memory or the poller
 * refuses fd (errno says why). */
cl_io_watch *cl_io_watch_add(cl_io *io, int fd, cl_io_watch_cb cb, void *arg);

/* Stops watching (the descriptor stays open). Safe during a turn: the watch
 * is freed at its end. NULL-safe. */
void cl_io_watch_del(cl_io_watch *w);

#endif
