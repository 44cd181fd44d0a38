/* sdproto.h - the two halves of systemd's service protocol that centrallogd
 * speaks, written from their documentation (sd_listen_fds(3),
 * sd_notify(3)) rather than linked from libsystemd: the collector would
 * otherwise carry a library dependency for some sixty lines, and these
 * protocols are stable interfaces that any service manager may offer.
 *
 *   socket activation: the manager binds the sockets, starts the service
 *   with them from descriptor 3 (SD_LISTEN_FDS_START) on and says so in
 *   LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES;
 *   readiness: the service sends "READY=1", "STATUS=...", "STOPPING=1" as
 *   datagrams to the AF_UNIX socket named in NOTIFY_SOCKET (a path, or an
 *   abstract name written with a leading '@').
 *
 * POSIX only (sdproto_posix.c). Windows has its Service Control Manager
 * (service_win32.c) instead. */
#ifndef CL_SDPROTO_H
#define CL_SDPROTO_H

#include <stddef.h>

/* The first descriptor a service manager passes. */
#define CL_SD_LISTEN_FDS_START 3
/* More descriptors than this is not a manager talking to centrallogd. */
#define CL_SD_LISTEN_FDS_MAX 64

/* Reads LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES and unsets them so that
 * nothing this process starts takes them for its own. Returns the number of
 * descriptors passed to this process (0 when none, or when LISTEN_PID names
 * another process), each marked close-on-exec, or -1 with err set when the
 * variables are malformed. */
int cl_sd_listen_fds(char *err, size_t errlen);

/* The name LISTEN_FDNAMES gave descriptor fd (the socket unit's
 * FileDescriptorName=, by default the unit's name), or "" when none. */
const char *cl_sd_fd_name(int fd);

/* What the collector can serve on (cl_sd_classify). */
enum {
    CL_SD_STREAM = 1, /* a listening AF_UNIX stream socket: producers' (ListenStream=) */
    CL_SD_DGRAM = 2   /* an AF_UNIX datagram socket: syslog (ListenDatagram=) */
};

/* Says what the passed descriptor fd is: CL_SD_STREAM or CL_SD_DGRAM, each
 * bound to an absolute path, which is copied; or -1 with err saying what it
 * is instead (naming it by cl_sd_fd_name). */
int cl_sd_classify(int fd, char *path, size_t pathlen, char *err, size_t errlen);

/* Reads NOTIFY_SOCKET once, unsets it and opens the datagram socket the
 * notifications go out on. Returns 1 when a manager listens, 0 when there is
 * none (no variable), -1 with err set when the variable is unusable. */
int cl_sd_notify_open(char *err, size_t errlen);

/* Reads WATCHDOG_USEC (and WATCHDOG_PID, which when set must name this
 * process) once and unsets both: the interval within which the manager
 * wants "WATCHDOG=1" (WatchdogSec=), in microseconds, or 0 when it wants
 * none or the variables are not for this process. */
long long cl_sd_watchdog_usec(void);

/* Sends state (e.g. "READY=1\nSTATUS=listening") as one datagram. Only
 * async-signal-safe calls, so that a signal handler can say STOPPING=1.
 * Returns 0 (also when no manager listens) or -1 (errno set). */
int cl_sd_notify(const char *state);

/* Closes what cl_sd_notify_open opened. */
void cl_sd_notify_close(void);

#endif
