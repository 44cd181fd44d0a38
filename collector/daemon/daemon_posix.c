/* daemon_posix.c - signals and limits on POSIX. */
#include "daemon.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "dgram.h"
#include "sdproto.h"

static cl_server *volatile g_server;

static void on_signal(int sig)
{
    cl_server *srv = g_server;

    if (srv == NULL)
        return;
    if (sig == SIGHUP) {
        cl_server_request_reopen(srv);
    } else {
        /* The drain may take up to --shutdown-timeout: tell the manager it
         * is a stop in progress, not a hang (async-signal-safe). */
        cl_sd_notify("STOPPING=1\nSTATUS=stopping: committing what producers sent");
        cl_server_request_stop(srv);
    }
}

/* The signals routed to the server (cl_daemon_handle_signals). */
static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
}

void cl_daemon_prepare(void)
{
    struct sigaction sa;
    struct rlimit rl;
    sigset_t stop;

    /* Every file the collector creates (the database with its -wal and
     * -shm, which SQLite makes 0644 less the umask, rotated names) is for its
     * user and the log group only; the socket's mode is set explicitly. */
    umask(027);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    /* The socket accepts as soon as the server is made, before the handlers
     * are attached: a stop sent in between (by a manager, or a script that
     * connected once) would kill the collector with the default action.
     * Held until cl_daemon_handle_signals, then delivered to the handler;
     * the threads the server starts inherit the block, so the main thread
     * takes them. */
    stop_signals(&stop);
    sigprocmask(SIG_BLOCK, &stop, NULL);
    /* Many producers means many descriptors: use what the hard limit allows. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

void cl_daemon_handle_signals(cl_server *srv)
{
    struct sigaction sa;

    g_server = srv;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = srv != NULL ? on_signal : SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    if (srv != NULL) {
        sigset_t stop;

        /* Held since cl_daemon_prepare: one sent meanwhile arrives now. */
        stop_signals(&stop);
        sigprocmask(SIG_UNBLOCK, &stop, NULL);
    }
}

int cl_daemon_inherited(cl_daemon_passed *out, char *err, size_t errlen)
{
    int n = cl_sd_listen_fds(err, errlen);

    out->stream_fd = -1;
    out->n_dgram = 0;
    if (n < 0)
        return -1;
    /* Told apart by what they are, not by LISTEN_FDNAMES: a unit may name
     * its sockets anything (FileDescriptorName=); names only help say which
     * one is refused. */
    for (int fd = CL_SD_LISTEN_FDS_START; fd < CL_SD_LISTEN_FDS_START + n; fd++) {
        char path[sizeof out->stream_path];
        int kind = cl_sd_classify(fd, path, sizeof path, err, errlen);

        if (kind < 0)
            return -1;
        if (kind == CL_SD_STREAM && out->stream_fd >= 0) {
            snprintf(err, errlen,
                     "the service manager passed two listening stream sockets, %s and %s; "
                     "centrallogd serves producers on one (one ListenStream=)",
                     out->stream_path, path);
            return -1;
        }
        if (kind == CL_SD_STREAM) {
            out->stream_fd = fd;
            memcpy(out->stream_path, path, sizeof path);
            continue;
        }
        if (out->n_dgram == CL_SYSLOG_SOCKETS_MAX || strlen(path) >= sizeof out->dgram_path[0]) {
            snprintf(err, errlen,
                     "the service manager passed more datagram sockets than the collector takes "
                     "(%d syslog sockets)",
                     CL_SYSLOG_SOCKETS_MAX);
            return -1;
        }
        memcpy(out->dgram_path[out->n_dgram], path, strlen(path) + 1); /* length checked */
        out->dgram_fd[out->n_dgram++] = fd;
    }
    return 0;
}

/* The watchdog's interval (0: none) and when the last ping went out, both
 * in microseconds of CLOCK_MONOTONIC, the clock systemd measures it by. */
static long long g_watchdog_us;
static long long g_watchdog_last;

static long long monotonic_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int cl_daemon_notify_open(char *err, size_t errlen)
{
    int r = cl_sd_notify_open(err, errlen);

    /* Read (and unset) even without a channel: it is ours alone. */
    g_watchdog_us = cl_sd_watchdog_usec();
    if (r <= 0)
        g_watchdog_us = 0;
    g_watchdog_last = monotonic_us();
    return r < 0 ? -1 : 0;
}

void cl_daemon_watchdog_tick(void *arg)
{
    long long now;

    (void)arg;
    if (g_watchdog_us <= 0)
        return;
    now = monotonic_us();
    /* Half the interval, as sd_watchdog_enabled(3) advises: a late tick
     * still arrives in time. */
    if (now - g_watchdog_last >= g_watchdog_us / 2) {
        cl_sd_notify("WATCHDOG=1");
        g_watchdog_last = now;
    }
}

void cl_daemon_notify_ready(const char *address)
{
    char msg[4200];

    snprintf(msg, sizeof msg, "READY=1\nSTATUS=listening on %s", address);
    cl_sd_notify(msg);
}

void cl_daemon_notify_close(void)
{
    cl_sd_notify_close();
}
