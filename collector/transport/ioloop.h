/* ioloop.h - the collector's event loop: one thread, many streams.
 *
 * The same interface sits over epoll (Linux), poll (other POSIX) and, in the
 * Windows build, overlapped named pipes on an I/O completion port. It is
 * completion-shaped like libuv's: the loop asks the owner for a buffer
 * (on_alloc), fills it, and reports how much arrived (on_read), so the
 * framer's buffer is read into directly on every platform.
 */
#ifndef CL_IO_H
#define CL_IO_H

#include <stddef.h>

#include "peer.h"

typedef struct cl_io cl_io;
typedef struct cl_stream cl_stream;

typedef struct cl_io_handlers {
    /* A producer connected. Attach state with cl_stream_set_data. */
    void (*on_accept)(cl_io *io, cl_stream *s);
    /* Where to put the next bytes. Returns 0, or -1 to close the stream. */
    int (*on_alloc)(cl_stream *s, char **buf, size_t *len);
    /* n > 0 bytes arrived in the last buffer given by on_alloc; n == 0: the
     * peer finished sending (it may still read): call cl_stream_close when
     * everything it asked for is answered. */
    void (*on_read)(cl_stream *s, size_t n);
    /* The stream is going away: closed by cl_stream_close (err 0) or failed
     * (errno). It is freed after this returns; release what is attached. */
    void (*on_close)(cl_stream *s, int err);
    /* cl_io_wakeup was called (by another thread or a signal handler). */
    void (*on_wakeup)(cl_io *io);
    /* The stream's idle limit (cl_stream_set_timeout) passed. The owner
     * usually closes it. May be NULL if no stream is ever armed. */
    void (*on_timeout)(cl_stream *s);
    /* Periodic callback, every cl_io_set_tick interval. May be NULL. */
    void (*on_tick)(cl_io *io);
    /* Everything queued for the peer has been handed to the system after
     * some of it had to wait (the peer was slow to read). May be NULL. */
    void (*on_drained)(cl_stream *s);
} cl_io_handlers;

typedef struct cl_listen_options {
    const char *address; /* socket path (POSIX) or pipe name (Windows) */
    unsigned mode;       /* socket file permissions, e.g. 0666 */
    long gid;            /* group owner of the socket, -1 to leave it */
    int backlog;
    size_t max_streams; /* further connections are told so and closed */
    const char *sddl;   /* Windows: the pipe's security descriptor; NULL: default */
    int accept_remote;  /* Windows: let other machines' producers connect */
    /* POSIX: serve on fd, a listening socket bound to address by a service
     * manager (socket activation), instead of creating one. Its file, mode
     * and group are the manager's: mode and gid are not applied, and the
     * file is left in place at the end. */
    int inherited;
    int fd;
} cl_listen_options;

int cl_io_new(cl_io **out, const cl_io_handlers *h, void *data);
void *cl_io_data(cl_io *io);

/* Creates the listening endpoint (or adopts an inherited one). Refuses to
 * take over a live collector's address; replaces a stale socket left by a
 * crash. */
int cl_io_listen(cl_io *io, const cl_listen_options *opt, char *err, size_t errlen);

/* Closes the listening endpoint and removes the socket file (unless it
 * was inherited). */
void cl_io_stop_listening(cl_io *io);

/* Waits up to timeout_ms (-1: forever) and dispatches what happened.
 * Returns the number of events handled, or -1 on a fatal loop error. Waits
 * less when a tick or an idle check falls due sooner. */
int cl_io_run(cl_io *io, int timeout_ms);

/* Timers. The loop has one clock, checked once per cl_io_run turn: a tick
 * for periodic work (on_tick every interval_ms; 0 stops it), and idle limits
 * on streams. That is all the collector needs, and it maps onto any wait
 * primitive that takes a timeout (epoll_wait, poll,
 * GetQueuedCompletionStatusEx) without per-timer kernel objects. */
void cl_io_set_tick(cl_io *io, int interval_ms);

/* Idle limit: while armed, a stream from which no byte arrives for ms
 * milliseconds gets on_timeout. Only time during which the loop is willing
 * to read the stream counts: not while it is held under backpressure, nor
 * while its unread replies pile up. Checked every CL_IO_SWEEP_MS, so it
 * fires between ms and ms + CL_IO_SWEEP_MS. Re-arming an armed stream keeps
 * its clock; 0 disarms. Armed streams cost one list walk per sweep, so arm
 * only those that need it (the collector: streams holding half a line). */
#define CL_IO_SWEEP_MS 250
void cl_stream_set_timeout(cl_stream *s, int ms);

/* Safe from any thread and from signal handlers. */
void cl_io_wakeup(cl_io *io);

/* Backpressure. While paused, streams are read in small pieces only (so
 * that control requests such as stats are still answered), and a stream the
 * owner holds (cl_stream_hold: it sent entries) is not read at all until the
 * pause ends. */
void cl_io_pause(cl_io *io, int paused);
void cl_stream_hold(cl_stream *s);

/* The owner wants no more bytes from this stream for now (on) or again
 * (off), whatever the pause state: e.g. its replies are piling up. */
void cl_stream_throttle(cl_stream *s, int on);

/* Shutdown: peers can no longer send, but everything they sent before this
 * call is still delivered, followed by on_close. */
void cl_io_shutdown_reads(cl_io *io);

size_t cl_io_stream_count(cl_io *io);
/* Connections refused at --max-connections since the loop started. */
unsigned long long cl_io_refused_count(cl_io *io);
void cl_io_free(cl_io *io);

void cl_stream_set_data(cl_stream *s, void *data);
void *cl_stream_data(cl_stream *s);
cl_io *cl_stream_io(cl_stream *s);
const cl_peer *cl_stream_peer(cl_stream *s);

/* This process's own identity in the form peer credentials take (what
 * cl_stream_peer would report if it connected to itself): the collector's
 * own entries are stored with it. */
void cl_io_self(cl_peer *out);

/* Queues bytes for the peer (copied). A peer that does not read its
 * replies is not read from either once a backlog builds up. Returns 0, or
 * -1 when the stream is broken or out of memory. */
int cl_stream_write(cl_stream *s, const char *buf, size_t len);

/* Bytes queued for the peer and not yet accepted by the kernel. */
size_t cl_stream_pending(const cl_stream *s);

/* Whether closing the stream now could lose bytes the peer has sent: 0 when
 * nothing is waiting to be read and nothing queued for the peer, 1 when
 * something is or the platform cannot tell (Windows: an overlapped read may
 * have completed unseen). Idle reclaim closes only streams that say 0. */
int cl_stream_busy(cl_stream *s);

/* The loop is reading into the buffer on_alloc last gave for this stream
 * (Windows: an overlapped ReadFile is pending on it), so the owner must
 * neither move nor free that buffer before on_read or on_close. Always 0 on
 * POSIX, whose reads happen inside cl_io_run. */
int cl_stream_reading(const cl_stream *s);

/* Closes now (on_close runs first); unsent replies are dropped. */
void cl_stream_close(cl_stream *s);

#endif
