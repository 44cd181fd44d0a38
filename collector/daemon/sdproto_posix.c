/* sdproto_posix.c - systemd's socket-activation and readiness protocols
 * (sdproto.h). */
#include "sdproto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int g_notify_fd = -1;
/* LISTEN_FDNAMES as passed (names separated by ':'), and where each
 * descriptor's name starts in it. */
static char g_names[1024];
static const char *g_name[CL_SD_LISTEN_FDS_MAX];
static struct sockaddr_un g_notify_addr;
static socklen_t g_notify_len;

/* A decimal number of at most 9 digits (no sign, no blanks), or -1. */
static long small_number(const char *s)
{
    long v = 0;
    size_t n = 0;

    if (s == NULL || s[0] == '\0')
        return -1;
    for (; s[n] != '\0'; n++) {
        if (s[n] < '0' || s[n] > '9' || n >= 9)
            return -1;
        v = v * 10 + (s[n] - '0');
    }
    return v;
}

static void unset_listen_env(void)
{
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
}

/* Keeps LISTEN_FDNAMES for cl_sd_fd_name: n names, one per descriptor. A
 * list that does not have exactly n names (or does not fit) names none:
 * names only help say which socket unit a descriptor came from. */
static void keep_names(const char *names, long n)
{
    size_t len = names != NULL ? strlen(names) : 0;
    long i = 0;
    char *p;

    memset(g_name, 0, sizeof g_name);
    if (names == NULL || len >= sizeof g_names)
        return;
    memcpy(g_names, names, len + 1);
    for (p = g_names; i < n; i++) {
        char *colon = strchr(p, ':');

        g_name[i] = p;
        if (colon == NULL)
            break;
        *colon = '\0';
        p = colon + 1;
    }
    if (i != n - 1 || strchr(p, ':') != NULL)
        memset(g_name, 0, sizeof g_name);
}

const char *cl_sd_fd_name(int fd)
{
    int i = fd - CL_SD_LISTEN_FDS_START;

    return i >= 0 && i < CL_SD_LISTEN_FDS_MAX && g_name[i] != NULL ? g_name[i] : "";
}

int cl_sd_listen_fds(char *err, size_t errlen)
{
    const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
    long pid, n;

    if (pid_s == NULL && fds_s == NULL)
        return 0;
    pid = small_number(pid_s);
    n = small_number(fds_s);
    if (pid <= 0 || n < 0) {
        snprintf(err, errlen,
                 "malformed socket activation variables LISTEN_PID='%s' LISTEN_FDS='%s'",
                 pid_s ? pid_s : "", fds_s ? fds_s : "");
        unset_listen_env();
        return -1;
    }
    /* Inherited from a parent that was activated itself: not ours. */
    if ((pid_t)pid != getpid()) {
        unset_listen_env();
        return 0;
    }
    if (n > CL_SD_LISTEN_FDS_MAX) {
        snprintf(err, errlen, "LISTEN_FDS=%ld: more descriptors than the collector can use", n);
        unset_listen_env();
        return -1;
    }
    keep_names(getenv("LISTEN_FDNAMES"), n);
    unset_listen_env();
    for (int fd = CL_SD_LISTEN_FDS_START; fd < CL_SD_LISTEN_FDS_START + n; fd++) {
        int fl = fcntl(fd, F_GETFD);

        if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0) {
            snprintf(err, errlen, "LISTEN_FDS=%ld but descriptor %d is not open: %s", n, fd,
                     strerror(errno));
            return -1;
        }
    }
    return (int)n;
}

static int int_opt(int fd, int name, int *out)
{
    socklen_t len = sizeof *out;

    return getsockopt(fd, SOL_SOCKET, name, out, &len) == 0 && len == sizeof *out ? 0 : -1;
}

/* "descriptor 4 (syslog.socket)": how errors name a passed descriptor. */
static const char *which(int fd, char *buf, size_t len)
{
    const char *name = cl_sd_fd_name(fd);

    if (name[0] != '\0')
        snprintf(buf, len, "descriptor %d (%.100s)", fd, name);
    else
        snprintf(buf, len, "descriptor %d", fd);
    return buf;
}

int cl_sd_classify(int fd, char *path, size_t pathlen, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    socklen_t len = sizeof sa;
    struct stat sb;
    int type = 0, acc = 0;
    char w[160];
    size_t n;

    which(fd, w, sizeof w);
    if (fstat(fd, &sb) != 0 || !S_ISSOCK(sb.st_mode)) {
        snprintf(err, errlen, "%s passed by the service manager is not a socket", w);
        return -1;
    }
    memset(&sa, 0, sizeof sa);
    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0 || sa.sun_family != AF_UNIX) {
        snprintf(err, errlen,
                 "%s passed by the service manager is not an AF_UNIX socket "
                 "(ListenStream= and ListenDatagram= must be paths)",
                 w);
        return -1;
    }
    if (int_opt(fd, SO_TYPE, &type) != 0 || (type != SOCK_STREAM && type != SOCK_DGRAM)) {
        snprintf(err, errlen,
                 "%s passed by the service manager is neither a stream nor a datagram socket "
                 "(ListenStream= for producers, ListenDatagram= for syslog, not "
                 "ListenSequentialPacket=)",
                 w);
        return -1;
    }
    if (type == SOCK_STREAM && (int_opt(fd, SO_ACCEPTCONN, &acc) != 0 || !acc)) {
        snprintf(err, errlen,
                 "%s passed by the service manager is not listening (Accept=yes passes "
                 "connections; the collector needs Accept=no)",
                 w);
        return -1;
    }
    /* Producers find the collector by path: an abstract or unnamed socket
     * would be one they cannot name. */
    n = len > offsetof(struct sockaddr_un, sun_path) ? len - offsetof(struct sockaddr_un, sun_path)
                                                     : 0;
    if (n == 0 || sa.sun_path[0] != '/') {
        snprintf(err, errlen, "%s passed by the service manager is not bound to an absolute path",
                 w);
        return -1;
    }
    n = strnlen(sa.sun_path, n < sizeof sa.sun_path ? n : sizeof sa.sun_path);
    if (n >= pathlen) {
        snprintf(err, errlen, "the path of %s is too long", w);
        return -1;
    }
    memcpy(path, sa.sun_path, n);
    path[n] = '\0';
    return type == SOCK_STREAM ? CL_SD_STREAM : CL_SD_DGRAM;
}

int cl_sd_notify_open(char *err, size_t errlen)
{
    const char *e = getenv("NOTIFY_SOCKET");
    size_t n;

    if (e == NULL || e[0] == '\0')
        return 0;
    n = strlen(e);
    if ((e[0] != '/' && e[0] != '@') || n < 2 || n > sizeof g_notify_addr.sun_path) {
        snprintf(err, errlen,
                 "NOTIFY_SOCKET='%.200s' is neither an absolute path nor an abstract name ('@...') "
                 "that fits a socket address",
                 e);
        unsetenv("NOTIFY_SOCKET");
        return -1;
    }
    memset(&g_notify_addr, 0, sizeof g_notify_addr);
    g_notify_addr.sun_family = AF_UNIX;
    memcpy(g_notify_addr.sun_path, e, n);
    /* An abstract name has no terminating NUL and counts only its bytes. */
    if (e[0] == '@') {
        g_notify_addr.sun_path[0] = '\0';
        g_notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    } else {
        g_notify_len = (socklen_t)sizeof g_notify_addr;
    }
    unsetenv("NOTIFY_SOCKET");
    g_notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (g_notify_fd < 0) {
        snprintf(err, errlen, "cannot create the notification socket: %s", strerror(errno));
        return -1;
    }
    return 1;
}

long long cl_sd_watchdog_usec(void)
{
    const char *us = getenv("WATCHDOG_USEC"), *pid_s = getenv("WATCHDOG_PID");
    long long v = 0;
    long pid = pid_s != NULL ? small_number(pid_s) : (long)getpid();

    /* Up to 19 digits: strtoll's range; anything else is no watchdog. */
    if (us != NULL && us[0] >= '1' && us[0] <= '9' && strlen(us) <= 18 &&
        strspn(us, "0123456789") == strlen(us) && (pid_t)pid == getpid())
        v = strtoll(us, NULL, 10);
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    return v;
}

int cl_sd_notify(const char *state)
{
    int fd = g_notify_fd;
    ssize_t n;

    if (fd < 0)
        return 0;
    /* One datagram: the manager reads each as a whole set of assignments. */
    n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (const struct sockaddr *)&g_notify_addr,
               g_notify_len);
    return n == (ssize_t)strlen(state) ? 0 : -1;
}

void cl_sd_notify_close(void)
{
    if (g_notify_fd >= 0) {
        close(g_notify_fd);
        g_notify_fd = -1;
    }
}
