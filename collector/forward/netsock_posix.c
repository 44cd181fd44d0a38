/* netsock_posix.c - netsock.h over BSD sockets. Linux tells how much of the
 * send queue the peer has not acknowledged (SIOCOUTQ); elsewhere every
 * written byte counts as confirmed. */
#include "netsock.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/sockios.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

void cl_net_lower_priority(void)
{
#ifdef __linux__
    /* Relative to the process's nice value, so that a collector already
     * started with nice keeps the forwarder behind its own ingest; the
     * keeper's level (it seals, the forwarder delivers: neither waits for
     * the other). Named for top -H and /proc. */
    id_t tid = (id_t)syscall(SYS_gettid);
    int now;

    (void)prctl(PR_SET_NAME, "cl-forward", 0, 0, 0);
    errno = 0;
    now = getpriority(PRIO_PROCESS, tid);
    if (now == -1 && errno != 0)
        return;
    (void)setpriority(PRIO_PROCESS, tid, now + 10 > 19 ? 19 : now + 10);
#endif
}

struct cl_netsock {
    int fd;
    int send_timeout_ms;
};

int cl_net_init(void)
{
    return 0;
}

/* One address: non-blocking connect, poll until timeout_ms, then blocking. */
static int try_addr(const struct addrinfo *ai, int timeout_ms, const atomic_int *cancel, int *out,
                    int *errnum)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    int flags, soerr = 0;
    socklen_t len = sizeof soerr;
    struct pollfd p;

    if (fd < 0) {
        *errnum = errno;
        return -1;
    }
    flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        if (errno != EINPROGRESS) {
            *errnum = errno;
            goto fail;
        }
        p.fd = fd;
        p.events = POLLOUT;
        /* In slices, so that a stop does not wait for the whole timeout. */
        for (;;) {
            int slice = timeout_ms < CL_NET_CANCEL_MS ? timeout_ms : CL_NET_CANCEL_MS;
            int r = poll(&p, 1, slice);

            if (r > 0)
                break;
            timeout_ms -= slice;
            if ((r < 0 && errno != EINTR) || timeout_ms <= 0 || atomic_load(cancel)) {
                *errnum = atomic_load(cancel) ? ECANCELED : ETIMEDOUT;
                goto fail;
            }
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0) {
            *errnum = soerr ? soerr : errno;
            goto fail;
        }
    }
    fcntl(fd, F_SETFL, flags);
    *out = fd;
    return 0;
fail:
    close(fd);
    return -1;
}

int cl_net_connect(const char *host, const char *port, int timeout_ms, int send_timeout_ms,
                   const atomic_int *cancel, cl_netsock **out, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    int rc, fd = -1, errnum = 0, one = 1;
    struct timeval tv = { send_timeout_ms / 1000, (send_timeout_ms % 1000) * 1000 };

    *out = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    for (const struct addrinfo *ai = res; ai != NULL && fd < 0 && !atomic_load(cancel);
         ai = ai->ai_next)
        try_addr(ai, timeout_ms, cancel, &fd, &errnum);
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "cannot connect to %s port %s: %s", host, port, strerror(errnum));
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if ((*out = malloc(sizeof **out)) == NULL) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    (*out)->fd = fd;
    (*out)->send_timeout_ms = send_timeout_ms;
    return 0;
}

/* Non-blocking writes; while the peer takes nothing, poll in slices of
 * CL_NET_CANCEL_MS with the tick between them, so that neither the cursor
 * nor a stop waits for the send timeout. The timeout counts from the last
 * byte taken, as SO_SNDTIMEO did. */
int cl_net_send_all(cl_netsock *s, const void *p, size_t n, cl_net_tick_fn tick, void *arg,
                    char *err, size_t errlen)
{
    const char *c = p;
    size_t done = 0;
    int waited = 0;

    while (done < n) {
        ssize_t w = send(s->fd, c + done, n - done, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (w > 0) {
            done += (size_t)w;
            waited = 0;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pf = { s->fd, POLLOUT, 0 };

            if (waited >= s->send_timeout_ms) {
                snprintf(err, errlen, "cannot send: the receiver takes nothing (send timeout)");
                return -1;
            }
            if (poll(&pf, 1, CL_NET_CANCEL_MS) == 0)
                waited += CL_NET_CANCEL_MS;
            if (tick != NULL && tick(arg, done) != 0) {
                snprintf(err, errlen, "cannot send: stopped");
                return -1;
            }
            continue;
        }
        snprintf(err, errlen, "cannot send: %s", w == 0 ? "nothing written" : strerror(errno));
        return -1;
    }
    return 0;
}

uint64_t cl_net_unacked(cl_netsock *s)
{
#ifdef SIOCOUTQ
    int n = 0;

    if (ioctl(s->fd, SIOCOUTQ, &n) == 0 && n > 0)
        return (uint64_t)n;
#else
    (void)s;
#endif
    return 0;
}

int cl_net_peer_closed(cl_netsock *s)
{
    struct pollfd p = { s->fd, POLLIN, 0 };
    char buf[512];

    while (poll(&p, 1, 0) > 0) {
        ssize_t r;

        if (p.revents & (POLLERR | POLLHUP))
            return 1;
        r = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return 1;
        if (r < 0)
            return 0;
    }
    return 0;
}

int cl_net_broken(cl_netsock *s)
{
    struct pollfd p = { s->fd, 0, 0 };

    return poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0;
}

int cl_net_fd(const cl_netsock *s)
{
    return s->fd;
}

void cl_net_interrupt(cl_netsock *s)
{
    shutdown(s->fd, SHUT_RDWR);
}

void cl_net_close(cl_netsock *s)
{
    if (s == NULL)
        return;
    close(s->fd);
    free(s);
}
