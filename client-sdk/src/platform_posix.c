/* platform_posix.c - Unix domain socket transport for the SDK. */
#include "platform.h"

#include "address.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

struct cl_conn {
    int fd;
};

int cl_conn_open(cl_conn **out, const char *address, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    cl_sock_trust trust;
    char why[512];
    cl_conn *c;
    int fd, fl, r;

    *out = NULL;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(address) >= sizeof sa.sun_path) {
        snprintf(err, errlen, "socket path too long: %s", address);
        return -1;
    }
    memcpy(sa.sun_path, address, strlen(address) + 1);
    /* Never hand entries to a socket another user could have put there (a
     * squatted /tmp directory): the reason goes to cl_errmsg, not stderr. */
    r = cl_sock_check(address, &trust, why, sizeof why);
    if (r != CL_SOCK_OK) {
        if (r == CL_SOCK_MISSING)
            snprintf(err, errlen, "cannot connect to %s: %s", address, strerror(errno));
        else
            snprintf(err, errlen, "refusing to connect to %s: %s", address, why);
        return -1;
    }
    /* Close-on-exec from birth: set later with fcntl, a child fork+exec'd by
     * another thread in between would inherit the connection and could log
     * under this process's identity. */
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
#ifdef SO_NOSIGPIPE
    {
        int one = 1;

        setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
    }
#endif
    /* A Unix socket connect either succeeds or fails at once - on a
     * non-blocking socket: EAGAIN when the backlog is full (a stopped
     * collector), which we treat as "not reachable, retry". Blocking, it
     * would wait there for as long as the collector does, and cl_close
     * with it, whatever its timeout. */
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        snprintf(err, errlen, "cannot connect to %s: %s", address, strerror(errno));
        close(fd);
        return -1;
    }
    if (cl_sock_check_peer(fd, address, &trust, why, sizeof why) != 0) {
        snprintf(err, errlen, "refusing to send to %s: %s", address, why);
        close(fd);
        return -1;
    }
    fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    c = malloc(sizeof *c);
    if (c == NULL) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->fd = fd;
    *out = c;
    return 0;
}

long cl_conn_write(cl_conn *c, const char *buf, size_t len)
{
    int flags = 0;
    ssize_t n;

#ifdef MSG_NOSIGNAL
    flags |= MSG_NOSIGNAL; /* a dead collector must not kill the application */
#endif
    do {
        n = send(c->fd, buf, len, flags);
    } while (n < 0 && errno == EINTR);
    if (n >= 0)
        return (long)n;
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
}

long cl_conn_read(cl_conn *c, char *buf, size_t len)
{
    ssize_t n;

    do {
        n = recv(c->fd, buf, len, 0);
    } while (n < 0 && errno == EINTR);
    if (n > 0)
        return (long)n;
    if (n == 0)
        return -1;
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
}

struct cl_waker {
    int rd, wr;
};

/* A non-blocking pipe, close-on-exec from birth where the OS can (see
 * cl_conn_open on why). */
static int cloexec_pipe(int p[2])
{
#if defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
    return pipe2(p, O_CLOEXEC | O_NONBLOCK);
#else
    if (pipe(p) != 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(p[i], F_SETFD, FD_CLOEXEC);
        fcntl(p[i], F_SETFL, fcntl(p[i], F_GETFL) | O_NONBLOCK);
    }
    return 0;
#endif
}

int cl_waker_new(cl_waker **out)
{
    cl_waker *w = malloc(sizeof *w);
    int p[2];

    *out = NULL;
    if (w == NULL || cloexec_pipe(p) != 0) {
        free(w);
        return -1;
    }
    w->rd = p[0];
    w->wr = p[1];
    *out = w;
    return 0;
}

void cl_waker_signal(cl_waker *w)
{
    ssize_t n = write(w->wr, "", 1); /* a full pipe already means "wake up" */

    (void)n;
}

void cl_waker_free(cl_waker *w)
{
    if (w == NULL)
        return;
    close(w->rd);
    close(w->wr);
    free(w);
}

int cl_conn_wait(cl_conn *c, int mask, cl_waker *w, int timeout_ms)
{
    struct pollfd p[2];
    int n = 0, r = 0, ci = -1, wi = -1;

    if (c != NULL) {
        p[n].fd = c->fd;
        p[n].events =
            (short)(((mask & CL_WAIT_READ) ? POLLIN : 0) | ((mask & CL_WAIT_WRITE) ? POLLOUT : 0));
        p[n].revents = 0;
        ci = n++;
    }
    if (w != NULL) {
        p[n].fd = w->rd;
        p[n].events = POLLIN;
        p[n].revents = 0;
        wi = n++;
    }
    if (poll(p, (nfds_t)n, timeout_ms) <= 0)
        return 0;
    if (ci >= 0 && (p[ci].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)))
        r |= CL_WAIT_READ;
    if (ci >= 0 && (p[ci].revents & POLLOUT))
        r |= CL_WAIT_WRITE;
    if (wi >= 0 && (p[wi].revents & POLLIN)) {
        char buf[64];

        while (read(w->rd, buf, sizeof buf) > 0)
            ;
        r |= CL_WAIT_WOKEN;
    }
    return r;
}

void cl_conn_close(cl_conn *c)
{
    if (c == NULL)
        return;
    close(c->fd);
    free(c);
}

int cl_cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t a;
    int rc;

    if (pthread_condattr_init(&a) != 0)
        return -1;
#if !defined(__APPLE__) /* no pthread_condattr_setclock there */
    if (pthread_condattr_setclock(&a, CLOCK_MONOTONIC) != 0) {
        pthread_condattr_destroy(&a);
        return -1;
    }
#endif
    rc = pthread_cond_init(cv, &a);
    pthread_condattr_destroy(&a);
    return rc == 0 ? 0 : -1;
}

void cl_cond_deadline(struct timespec *ts, int64_t ms)
{
#if defined(__APPLE__)
    clock_gettime(CLOCK_REALTIME, ts);
#else
    clock_gettime(CLOCK_MONOTONIC, ts);
#endif
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static _Thread_local int64_t tl_tid;
static int64_t g_pid; /* cached: getpid() is a system call on every call */
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

/* In a forked child the calling thread lives on under a new id, and the
 * process has a new pid. */
static void after_fork_child(void)
{
    tl_tid = 0;
    g_pid = (int64_t)getpid();
}

static void register_atfork(void)
{
    g_pid = (int64_t)getpid();
    pthread_atfork(NULL, NULL, after_fork_child);
}

int64_t cl_thread_id(void)
{
#if defined(__linux__)
    if (tl_tid == 0) {
        pthread_once(&fork_once, register_atfork);
        tl_tid = (int64_t)syscall(SYS_gettid);
    }
    return tl_tid;
#else
    return -1;
#endif
}

int64_t cl_process_id(void)
{
    pthread_once(&fork_once, register_atfork);
    return g_pid;
}

void cl_host_name(char *out, size_t outlen)
{
    if (gethostname(out, outlen) != 0 || out[0] == '\0')
        snprintf(out, outlen, "localhost");
    out[outlen - 1] = '\0';
}
