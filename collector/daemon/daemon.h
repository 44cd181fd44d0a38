/* daemon.h - centrallogd as a process. cl_daemon_run (daemon.c) turns the
 * options into a running collector, the same way for a console and for a
 * Windows service; what differs per OS (daemon_posix.c, daemon_win32.c) is
 * the set-up of resource limits and how a stop or reopen request arrives
 * (signals on POSIX, console control events on Windows). */
#ifndef CL_DAEMON_H
#define CL_DAEMON_H

#include <stdio.h>

#include "config.h"
#include "server.h"

/* Where the collector runs: a console, or a service (service_win32.c). */
typedef struct cl_daemon_host {
    /* Called with the server once it listens, and with NULL once it has
     * stopped, before it is freed: routes stop requests to it. */
    void (*attach)(void *arg, cl_server *srv);
    void *arg;
    const char *stop_hint; /* the banner's last line: how to stop it */
    /* Where the banner, the collector's notices and errors go: stderr, or
     * for a service, which has no console, a file. */
    FILE *err;
} cl_daemon_host;

/* Builds the server from cfg, prints the banner (unless cfg->quiet), serves
 * until a stop request and says on host->err how it ended. Returns the exit
 * status: 0 clean stop, 1 failure. */
int cl_daemon_run(const cl_config *cfg, const cl_daemon_host *host);

/* Before the server starts: raise descriptor limits, ignore SIGPIPE, hold
 * stop and reopen signals until cl_daemon_handle_signals routes them. */
void cl_daemon_prepare(void);

/* Routes stop requests (SIGTERM, SIGINT, Ctrl-C, console close, shutdown)
 * and reopen requests (SIGHUP) to srv; NULL detaches. */
void cl_daemon_handle_signals(cl_server *srv);

/* The sockets a service manager passed (socket activation: systemd on
 * Linux, sdproto.h; nothing elsewhere). */
typedef struct cl_daemon_passed {
    int stream_fd; /* producers' listening socket (ListenStream=); -1: none */
    char stream_path[4096];
    /* Syslog datagram sockets (ListenDatagram=): --syslog-socket of the
     * same path takes its socket over, and one no option names is added. */
    size_t n_dgram;
    int dgram_fd[CL_SYSLOG_SOCKETS_MAX];
    char dgram_path[CL_SYSLOG_SOCKETS_MAX][108];
} cl_daemon_passed;

/* Reads what was passed: 0 with *out filled (nothing: stream_fd -1 and
 * n_dgram 0), or -1 with err set when something passed cannot be served on
 * (two stream sockets, another kind of socket, ...). */
int cl_daemon_inherited(cl_daemon_passed *out, char *err, size_t errlen);
/* Opens the readiness channel (NOTIFY_SOCKET): 0, or -1 with err set. */
int cl_daemon_notify_open(char *err, size_t errlen);
/* READY=1 with a STATUS= line, once producers can connect. */
void cl_daemon_notify_ready(const char *address);
void cl_daemon_notify_close(void);
/* For cl_server_config.tick: "WATCHDOG=1" at half the interval the manager
 * asked for (WatchdogSec=, $WATCHDOG_USEC), as long as the loop ticks. */
void cl_daemon_watchdog_tick(void *arg);

#endif
