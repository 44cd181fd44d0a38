/* dgram_posix.c - see dgram.h. The steps and their reasons are those of
 * io_posix.c's cl_io_listen (schema/PROTOCOL.md section 1, "The check");
 * only the socket type and the stale-socket probe differ. */
#include "dgram.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "address.h"
#include "iowatch.h"

struct cl_dgram {
    int fd;
    int dir_fd;
    int lock_fd;
    int linked; /* the socket file is ours and still there */
    char *path;
    const char *name; /* in dir_fd; points into path */
    cl_io_watch *watch;
};

static int errf(char *err, size_t errlen, const char *what, const char *path, int e)
{
    snprintf(err, errlen, "--syslog-socket: %s %s: %s", what, path, strerror(e));
    return -1;
}

/* Creates the directory (0755, parents too) unless it exists. */
static int make_dir(char *dir)
{
    if (mkdir(dir, 0755) == 0)
        return 1;
    if (errno == ENOENT) {
        for (char *p = dir + 1; *p; p++) {
            if (*p == '/') {
                *p = '\0';
                mkdir(dir, 0755);
                *p = '/';
            }
        }
        if (mkdir(dir, 0755) == 0)
            return 1;
    }
    return errno == EEXIST ? 0 : -1;
}

/* Opens the socket's directory without following a link and checks it as
 * the stream socket's is checked. */
static int open_dir(cl_dgram *d, char *err, size_t errlen)
{
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)], why[512];
    const char *slash = strrchr(d->path, '/');
    struct stat sb, up;
    int made;

    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == d->path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - d->path), d->path);
    d->name = slash ? slash + 1 : d->path;
    if ((made = make_dir(dir)) < 0)
        return errf(err, errlen, "cannot create the directory", dir, errno);
    d->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d->dir_fd < 0) {
        if (errno == ELOOP || (lstat(dir, &sb) == 0 && S_ISLNK(sb.st_mode))) {
            snprintf(err, errlen,
                     "--syslog-socket: the directory %s is a symbolic link, which whoever owns "
                     "it could re-point later; give a path in a real directory",
                     dir);
            return -1;
        }
        return errf(err, errlen, "cannot open the directory", dir, errno);
    }
    if ((made && fchmod(d->dir_fd, 0755) != 0) || fstat(d->dir_fd, &sb) != 0)
        return errf(err, errlen, "cannot set up the directory", dir, errno);
    if (cl_sock_dir_ok(dir, (unsigned long)sb.st_uid, (unsigned)sb.st_mode, 0, why, sizeof why)) {
        snprintf(err, errlen, "--syslog-socket: refusing to listen there: %s", why);
        return -1;
    }
    if (fstatat(d->dir_fd, "..", &up, 0) == 0 && (up.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
        (up.st_mode & S_ISVTX) == 0) {
        snprintf(err, errlen,
                 "--syslog-socket: refusing to listen there: the directory above %s can be "
                 "written by others (mode %04o), who could replace it",
                 dir, (unsigned)up.st_mode & 07777u);
        return -1;
    }
    return 0;
}

/* The lock, not the socket file, says who owns the path (a file can be a
 * crash's leftover). */
static int take_lock(cl_dgram *d, char *err, size_t errlen)
{
    char lock[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];

    snprintf(lock, sizeof lock, "%s.lock", d->name);
    d->lock_fd = openat(d->dir_fd, lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (d->lock_fd < 0)
        return errf(err, errlen, "cannot open the lock file of", d->path, errno);
    if (flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            snprintf(err, errlen,
                     "--syslog-socket: another centrallogd already listens on %s (or the same "
                     "path was given twice)",
                     d->path);
            return -1;
        }
        return errf(err, errlen, "cannot lock", d->path, errno);
    }
    return 0;
}

/* A socket file at the path is replaced only when nothing receives on it:
 * connect(2) to a datagram socket nobody has bound fails with ECONNREFUSED.
 * Anything else there (a file, /dev/log as a symbolic link to journald's
 * socket) is left alone: replacing it is the operator's decision. */
static int clear_stale(cl_dgram *d, const struct sockaddr_un *sa, char *err, size_t errlen)
{
    struct stat sb;
    int fd, live;

    if (fstatat(d->dir_fd, d->name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : errf(err, errlen, "cannot inspect", d->path, errno);
    if (!S_ISSOCK(sb.st_mode)) {
        snprintf(err, errlen,
                 "--syslog-socket: %s exists and is not a socket (%s); refusing to replace it",
                 d->path, S_ISLNK(sb.st_mode) ? "a symbolic link" : "another kind of file");
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    live = fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0;
    if (fd >= 0)
        close(fd);
    if (live) {
        snprintf(err, errlen,
                 "--syslog-socket: another process already receives on %s (journald or "
                 "rsyslog on /dev/log?); stop it first or choose another path",
                 d->path);
        return -1;
    }
    return unlinkat(d->dir_fd, d->name, 0) == 0
               ? 0
               : errf(err, errlen, "cannot remove the stale socket", d->path, errno);
}

/* After bind(), which takes a path: it must still lead into the directory
 * that was checked, to a socket. */
static int check_bound(cl_dgram *d, char *err, size_t errlen)
{
    struct stat sock;

    if (fstatat(d->dir_fd, d->name, &sock, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISSOCK(sock.st_mode)) {
        snprintf(err, errlen, "--syslog-socket: %s was replaced while the collector started",
                 d->path);
        return -1;
    }
    return 0;
}

static int make_socket(cl_dgram *d, const cl_dgram_options *opt, const struct sockaddr_un *sa,
                       char *err, size_t errlen)
{
    int on = 1;

    d->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (d->fd < 0)
        return errf(err, errlen, "cannot create the socket", d->path, errno);
#if defined(SO_PASSCRED)
    /* The kernel then attaches each sender's PID, UID and GID. */
    if (setsockopt(d->fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0)
        return errf(err, errlen, "cannot ask for credentials on", d->path, errno);
#else
    (void)on;
#endif
    /* Best effort: a larger queue rides out a burst while the loop is busy;
     * the system may cap it (net.core.rmem_max). */
    if (opt->rcvbuf > 0)
        (void)setsockopt(d->fd, SOL_SOCKET, SO_RCVBUF, &opt->rcvbuf, sizeof opt->rcvbuf);
    if (bind(d->fd, (const struct sockaddr *)sa, sizeof *sa) != 0)
        return errf(err, errlen, "cannot bind", d->path, errno);
    d->linked = 1;
    if (check_bound(d, err, errlen) != 0)
        return -1;
    if (fchmodat(d->dir_fd, d->name, opt->mode, 0) != 0)
        return errf(err, errlen, "cannot chmod", d->path, errno);
    if (opt->gid >= 0 &&
        fchownat(d->dir_fd, d->name, (uid_t)-1, (gid_t)opt->gid, AT_SYMLINK_NOFOLLOW) != 0)
        return errf(err, errlen, "cannot set the group of", d->path, errno);
    return 0;
}

int cl_dgram_open(cl_dgram **out, cl_io *io, const cl_dgram_options *opt,
                  void (*on_ready)(void *arg), void *arg, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    cl_dgram *d = calloc(1, sizeof *d);

    *out = NULL;
    if (d == NULL || (d->path = strdup(opt->path)) == NULL) {
        free(d);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    d->fd = d->dir_fd = d->lock_fd = -1;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (opt->path[0] == '\0' || strlen(opt->path) >= sizeof sa.sun_path) {
        snprintf(err, errlen, "--syslog-socket: '%s': empty, or longer than %zu bytes", opt->path,
                 sizeof sa.sun_path - 1);
        goto fail;
    }
    memcpy(sa.sun_path, opt->path, strlen(opt->path) + 1);
    if (open_dir(d, err, errlen) || take_lock(d, err, errlen) || clear_stale(d, &sa, err, errlen) ||
        make_socket(d, opt, &sa, err, errlen))
        goto fail;
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

int cl_dgram_recv(cl_dgram *d, char *buf, size_t cap, size_t *len, size_t *full_len, cl_peer *peer)
{
    union {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(64)];
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
    /* MSG_TRUNC: Linux returns the datagram's real size even when it did
     * not fit (unix sockets since 3.4); elsewhere msg_flags says it was cut. */
    do
        n = recvmsg(d->fd, &mh, MSG_TRUNC | MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
    *full_len = (size_t)n;
    *len = (size_t)n < cap ? (size_t)n : cap;
    if ((mh.msg_flags & MSG_TRUNC) && *full_len <= cap)
        *full_len = cap + 1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
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

static void unlink_socket(cl_dgram *d)
{
    if (d->linked) {
        unlinkat(d->dir_fd, d->name, 0);
        d->linked = 0;
    }
}

void cl_dgram_shutdown(cl_dgram *d)
{
    unlink_socket(d);
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
    unlink_socket(d);
    if (d->fd >= 0)
        close(d->fd);
    if (d->lock_fd >= 0)
        close(d->lock_fd);
    if (d->dir_fd >= 0)
        close(d->dir_fd);
    free(d->path);
    free(d);
}
