/* dgram_posix.c - see dgram.h. The socket file is made as io_posix.c's
 * cl_io_listen makes the stream socket's, by the same code (sockfile.h);
 * only the socket type (and so the stale-socket probe) and the wording of
 * the errors differ. */
#include "dgram.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "iowatch.h"
#include "sockfile.h"

struct cl_dgram {
    int fd;
    cl_sockfile sock; /* the socket file, its directory and lock (sockfile.h) */
    char *path;
    cl_io_watch *watch;
    int adopted; /* the manager's socket (inherited_fd) */
    /* Adopted and shut down: the bytes still to take, about what the
     * socket's queue held (SO_RCVBUF), then no more. */
    int stopping;
    long long drain_left;
};

static int errf(char *err, size_t errlen, const char *what, const char *path, int e)
{
    snprintf(err, errlen, "--syslog-socket: %s %s: %s", what, path, strerror(e));
    return -1;
}

/* The wording of a failed socket-file step (sockfile.h) for --syslog-socket. */
static int sockfile_err(const cl_dgram *d, const cl_sockfile_fail *f, char *err, size_t errlen)
{
    const char *path = d->path, *dir = f->dir;

    switch (f->step) {
    case CL_SF_MKDIR:
        return errf(err, errlen, "cannot create the directory", dir, f->e);
    case CL_SF_DIR_LINK:
        snprintf(err, errlen,
                 "--syslog-socket: the directory %s is a symbolic link, which whoever owns "
                 "it could re-point later; give a path in a real directory",
                 dir);
        return -1;
    case CL_SF_DIR_NOTDIR:
    case CL_SF_DIR_OPEN:
        return errf(err, errlen, "cannot open the directory", dir, f->e);
    case CL_SF_DIR_CHMOD:
    case CL_SF_DIR_STAT:
        return errf(err, errlen, "cannot set up the directory", dir, f->e);
    case CL_SF_PARENT_OPEN:
        snprintf(err, errlen,
                 "--syslog-socket: refusing to listen there: the directory above %s can be "
                 "written by others (mode %04o), who could replace it",
                 dir, f->mode);
        return -1;
    case CL_SF_LOCK_OPEN:
        return errf(err, errlen, "cannot open the lock file of", path, f->e);
    case CL_SF_LOCK_BUSY:
        snprintf(err, errlen,
                 "--syslog-socket: another centrallogd already listens on %s (or the same "
                 "path was given twice)",
                 path);
        return -1;
    case CL_SF_LOCK:
        return errf(err, errlen, "cannot lock", path, f->e);
    case CL_SF_NOT_SOCKET:
        snprintf(err, errlen,
                 "--syslog-socket: %s exists and is not a socket (%s); refusing to replace it",
                 path, f->is_link ? "a symbolic link" : "another kind of file");
        return -1;
    case CL_SF_LIVE:
        snprintf(err, errlen,
                 "--syslog-socket: another process already receives on %s (journald or "
                 "rsyslog on /dev/log?); stop it first or choose another path",
                 path);
        return -1;
    case CL_SF_UNLINK_STALE:
        return errf(err, errlen, "cannot remove the stale socket", path, f->e);
    case CL_SF_REPLACED:
        snprintf(err, errlen, "--syslog-socket: %s was replaced while the collector started", path);
        return -1;
    default:
        break;
    }
    return cl_sockfile_say(f, "--syslog-socket: ", path, err, errlen);
}

/* What both kinds of socket ask of the kernel before receiving. */
static int receive_setup(cl_dgram *d, const cl_dgram_options *opt, char *err, size_t errlen)
{
    int on = 1;

#if defined(SO_PASSCRED)
    /* The kernel then attaches each sender's PID, UID and GID. */
    if (setsockopt(d->fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0)
        return errf(err, errlen, "cannot ask for credentials on", d->path, errno);
#endif
#if defined(SO_TIMESTAMP)
    /* And the time it queued each datagram: a message's time when the
     * message names none (RFC 3164's names no year or zone), exact even
     * when the collector reads it late, under backpressure. */
    if (setsockopt(d->fd, SOL_SOCKET, SO_TIMESTAMP, &on, sizeof on) != 0)
        return errf(err, errlen, "cannot ask for timestamps on", d->path, errno);
#endif
    (void)on;
    /* Best effort: a larger queue rides out a burst while the loop is busy;
     * the system may cap it (net.core.rmem_max). */
    if (opt->rcvbuf > 0)
        (void)setsockopt(d->fd, SOL_SOCKET, SO_RCVBUF, &opt->rcvbuf, sizeof opt->rcvbuf);
    return 0;
}

/* The manager's socket: no file to make, but the same receiving set-up. */
static int use_adopted(cl_dgram *d, int fd, const cl_dgram_options *opt, char *err, size_t errlen)
{
    int fl;

    d->fd = fd;
    d->adopted = 1;
    fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0)
        return errf(err, errlen, "cannot use the inherited socket", d->path, errno);
    return receive_setup(d, opt, err, errlen);
}

static int make_socket(cl_dgram *d, const cl_dgram_options *opt, const struct sockaddr_un *sa,
                       char *err, size_t errlen)
{
    cl_sockfile_fail f;

    d->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (d->fd < 0)
        return errf(err, errlen, "cannot create the socket", d->path, errno);
    if (receive_setup(d, opt, err, errlen) != 0)
        return -1;
    if (bind(d->fd, (const struct sockaddr *)sa, sizeof *sa) != 0)
        return errf(err, errlen, "cannot bind", d->path, errno);
    if (cl_sockfile_bound(&d->sock, opt->mode, opt->gid, &f) != 0)
        return sockfile_err(d, &f, err, errlen);
    return 0;
}

int cl_dgram_open(cl_dgram **out, cl_io *io, const cl_dgram_options *opt,
                  void (*on_ready)(void *arg), void *arg, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    cl_sockfile_fail f;
    cl_dgram *d = calloc(1, sizeof *d);

    *out = NULL;
    if (d == NULL || (d->path = strdup(opt->path)) == NULL) {
        free(d);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    d->fd = -1;
    cl_sockfile_init(&d->sock);
    if (opt->path[0] == '\0' || cl_sockfile_addr(&sa, opt->path) != 0) {
        snprintf(err, errlen, "--syslog-socket: '%s': empty, or longer than %zu bytes", opt->path,
                 sizeof sa.sun_path - 1);
        goto fail;
    }
    if (opt->inherited_fd >= 0) {
        if (use_adopted(d, opt->inherited_fd, opt, err, errlen) != 0)
            goto fail;
    } else {
        if (cl_sockfile_prepare(&d->sock, d->path, &sa, SOCK_DGRAM, &f) != 0) {
            sockfile_err(d, &f, err, errlen);
            goto fail;
        }
        if (make_socket(d, opt, &sa, err, errlen))
            goto fail;
    }
    d->watch = cl_io_watch_add(io, d->fd, on_ready, arg);
    if (d->watch == NULL) {
        errf(err, errlen, "cannot watch", d->path, errno);
        goto fail;
    }
    *out = d;
    return 0;
fail:
    cl_dgram_close(d);
    return -1;
}

int cl_dgram_recv(cl_dgram *d, char *buf, size_t cap, size_t *len, size_t *full_len, cl_peer *peer,
                  int64_t *queued_us)
{
    /* Room for the timestamp, the credentials and a few descriptors, which
     * are closed at once (the kernel closes those that do not fit). */
    union {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(sizeof(struct timeval)) + CMSG_SPACE(64)];
    } ctl;
    struct iovec iov = { buf, cap };
    struct msghdr mh;
    ssize_t n;

    memset(&mh, 0, sizeof mh);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.bytes;
    mh.msg_controllen = sizeof ctl.bytes;
    peer->pid = peer->uid = peer->gid = -1;
    peer->sid = NULL;
    *queued_us = 0;
    if (d->stopping && d->drain_left <= 0)
        return 0;
    /* MSG_TRUNC: Linux returns the datagram's real size even when it did
     * not fit (unix sockets since 3.4); elsewhere msg_flags says it was cut. */
    do
        n = recvmsg(d->fd, &mh, MSG_TRUNC | MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    *full_len = (size_t)n;
    *len = (size_t)n < cap ? (size_t)n : cap;
    if (d->stopping)
        d->drain_left -= n > 0 ? n : 1;
    if ((mh.msg_flags & MSG_TRUNC) && *full_len <= cap)
        *full_len = cap + 1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
#if defined(SCM_TIMESTAMP)
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMP &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct timeval))) {
            struct timeval tv;

            memcpy(&tv, CMSG_DATA(c), sizeof tv);
            *queued_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
        }
#endif
#if defined(SCM_CREDENTIALS)
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred uc;

            memcpy(&uc, CMSG_DATA(c), sizeof uc);
            peer->pid = uc.pid;
            peer->uid = uc.uid;
            peer->gid = uc.gid;
        }
#endif
        /* A sender may pass descriptors (SCM_RIGHTS): never keep them. */
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

            for (size_t i = 0; i < nfd; i++) {
                int fd;

                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                close(fd);
            }
        }
    }
    return 1;
}

void cl_dgram_shutdown(cl_dgram *d)
{
    /* SHUT_RD would shut the manager's socket too (one socket, two
     * descriptors): the next collector could not receive on it. So what is
     * queued now is taken - at most a queue's worth, since producers can
     * still send - and the rest waits in the socket for the next start. */
    if (d->adopted) {
        int rcvbuf = 0;
        socklen_t len = sizeof rcvbuf;

        if (getsockopt(d->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len) != 0 || rcvbuf <= 0)
            rcvbuf = 212992; /* Linux's default net.core.rmem_default */
        d->stopping = 1;
        d->drain_left = rcvbuf;
        return;
    }
    cl_sockfile_unlink(&d->sock);
    if (d->fd >= 0)
        shutdown(d->fd, SHUT_RD);
}

const char *cl_dgram_path(const cl_dgram *d)
{
    return d->path;
}

void cl_dgram_close(cl_dgram *d)
{
    if (d == NULL)
        return;
    cl_io_watch_del(d->watch);
    cl_sockfile_unlink(&d->sock);
    if (d->fd >= 0)
        close(d->fd);
    cl_sockfile_close(&d->sock);
    free(d->path);
    free(d);
}
