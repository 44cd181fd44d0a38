/* sdproto.h - the two halves of systemd's service protocol that centrallogd
 * speaks, written from their documentation (sd_listen_fds(3),
 * sd_notify(3)) rather than linked from libsystemd: the collector would
 * otherwise carry a library dependency for some sixty lines, and these
 * protocols are stable interfaces that any service manager may offer.
 *
 *   socket activation: the manager binds the socket, starts the service with
 *   it as descriptor 3 (SD_LISTEN_FDS_START) and says so in LISTEN_PID and
 *   LISTEN_FDS;
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

/* Reads LISTEN_PID and LISTEN_FDS and unsets them (and LISTEN_FDNAMES) so
 * that nothing this process starts takes them for its own. Returns the
 * number of descriptors passed to this process (0 when none, or when
 * LISTEN_PID names another process), each marked close-on-exec, or -1 with
 * err set when the variables are malformed. */
int cl_sd_listen_fds(char *err, size_t errlen);

/* Checks that fd is what the collector can serve producers on: a listening
 * (SO_ACCEPTCONN) AF_UNIX stream socket bound to a path, and copies that
 * path. Returns 0, or -1 with err saying what the descriptor is instead. */
int cl_sd_check_listener(int fd, char *path, size_t pathlen, char *err, size_t errlen);

/* Reads NOTIFY_SOCKET once, unsets it and opens the datagram socket the
 * notifications go out on. Returns 1 when a manager listens, 0 when there is
 * none (no variable), -1 with err set when the variable is unusable. */
int cl_sd_notify_open(char *err, size_t errlen);

/* Sends state (e.g. "READY=1\nSTATUS=listening") as one datagram. Only
 * async-signal-safe calls, so that a signal handler can say STOPPING=1.
 * Returns 0 (also when no manager listens) or -1 (errno set). */
int cl_sd_notify(const char *state);

/* Closes what cl_sd_notify_open opened. */
void cl_sd_notify_close(void);

#endif
