/* server.h - the collector: connections, protocol, and the path from a
 * socket to the writer. main.c only parses options and calls this. */
#ifndef CL_SERVER_H
#define CL_SERVER_H

#include <stddef.h>

#include "fwd_url.h"
#include "ioloop.h"
#include "ratelimit.h"
#include "validate.h"
#include "writer.h"

/* Something an operator should know (the database refuses writes, the
 * text log cannot be written, ...): one line without a newline. The daemon
 * decides where it goes; the server never prints. */
typedef void (*cl_server_notice)(void *arg, const char *msg);

typedef struct cl_server_config {
    cl_listen_options listen;
    cl_limits limits;
    cl_writer_config writer;
    cl_ratelimit_config rate;
    const char *host;        /* host name for entries that name none */
    int shutdown_timeout_ms; /* how long SIGTERM waits for producers' data */
    int idle_timeout_ms;     /* cut a connection idle this long mid-line; 0: never */
    /* Connection slots (slots.h): connections one UID may hold (0: no
     * limit), and how long a connection must be silent before it may be
     * closed to make room when slots are short (0: never). */
    size_t max_connections_per_uid;
    int idle_reclaim_ms;
    /* Rejects stored per source (peer PID) and rate-limit window; more are
     * counted and reported, not stored. 0: no limit. */
    uint64_t reject_burst;
    size_t partial_bytes; /* half lines held, all connections together; 0: no limit */
    /* Unix datagram sockets for syslog producers (--syslog-socket; POSIX
     * only), their mode and group (-1: unchanged). */
    const char *const *syslog_sockets;
    /* Per syslog socket: the descriptor a service manager passed for it
     * (socket activation, dgram.h), or -1 to make one; NULL: make all. */
    const int *syslog_fds;
    size_t syslog_count;
    unsigned syslog_mode;
    long syslog_gid;
    const cl_fwd_url *forward; /* destinations (forward.h), n_forward of them */
    size_t n_forward;
    cl_server_notice notice; /* may be NULL */
    void *notice_arg;
    /* Called on the I/O loop's periodic tick (TICK_MS) while it serves, so
     * that a service manager's watchdog (WatchdogSec=) hears from the loop
     * itself. May be NULL. */
    void (*tick)(void *arg);
    void *tick_arg;
} cl_server_config;

typedef struct cl_server cl_server;

/* Opens the sinks, starts the writer and listens. */
int cl_server_new(cl_server **out, const cl_server_config *cfg, char *err, size_t errlen);

/* Serves until cl_server_request_stop, then shuts down gracefully: stops
 * accepting, reads what producers already sent, commits it to both sinks,
 * answers pending syncs. Returns 0, or -1 with err saying what could not be
 * read or committed. */
int cl_server_run(cl_server *srv, char *err, size_t errlen);

/* Async-signal-safe. */
void cl_server_request_stop(cl_server *srv);
void cl_server_request_reopen(cl_server *srv);

void cl_server_free(cl_server *srv);

#endif
