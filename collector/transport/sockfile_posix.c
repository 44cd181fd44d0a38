/* sockfile_posix.c - see sockfile.h. */
#include "sockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "address.h"

static int fail(cl_sockfile_fail *f, cl_sockfile_step step, int e)
{
    f->step = step;
    f->e = e;
    return -1;
}

int cl_sockfile_say(const cl_sockfile_fail *f, const char *prefix, const char *path, char *err,
                    size_t errlen)
{
    const char *what = f->step == CL_SF_INSPECT ? "cannot inspect"
                       : f->step == CL_SF_CHMOD ? "cannot chmod"
                       : f->step == CL_SF_CHOWN ? "cannot set the group of"
                                                : "cannot set up";

    if (f->step == CL_SF_DIR_UNSAFE)
        snprintf(err, errlen, "%srefusing to listen there: %s", prefix, f->why);
    else
        snprintf(err, errlen, "%s%s %s: %s", prefix, what, path, strerror(f->e));
    return -1;
}

void cl_sockfile_init(cl_sockfile *sf)
{
    memset(sf, 0, sizeof *sf);
    sf->dir_fd = sf->lock_fd = -1;
}

int cl_sockfile_addr(struct sockaddr_un *sa, const char *path)
{
    size_t n = strlen(path);

    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (n >= sizeof sa->sun_path)
        return -1;
    memcpy(sa->sun_path, path, n + 1);
    return 0;
}

/* The directory part of path into dir ("." for a bare name); *name points
 * at the rest. */
static void split_path(const char *path, char *dir, size_t dirlen, const char **name)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        snprintf(dir, dirlen, ".");
    else if (slash == path)
        snprintf(dir, dirlen, "/");
    else
        snprintf(dir, dirlen, "%.*s", (int)(slash - path), path);
    *name = slash ? slash + 1 : path;
}

/* Creates dir (and missing parents, e.g. $XDG_RUNTIME_DIR/centrallog).
 * Returns 1 when dir was made here, 0 when it existed, -1 on error. */
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

/* Creates the socket's directory, or checks that an existing one is ours,
 * and keeps it open: every later step (lock, stale socket, permissions,
 * removal at exit) goes through that descriptor, so a path re-pointed
 * afterwards cannot redirect them. A directory another user controls - or
 * a symbolic link, which its owner could re-point at any time - could be
 * used to squat the address or to divert producers, so it is refused. */
static int open_dir(cl_sockfile *sf, cl_sockfile_fail *f)
{
    struct stat sb, up;
    int made;

    split_path(sf->path, f->dir, sizeof f->dir, &sf->name);
    made = make_dir(f->dir);
    if (made < 0)
        return fail(f, CL_SF_MKDIR, errno);
    sf->dir_fd = open(f->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sf->dir_fd < 0) {
        int e = errno;

        if (e == ELOOP || (lstat(f->dir, &sb) == 0 && S_ISLNK(sb.st_mode)))
            return fail(f, CL_SF_DIR_LINK, e);
        return fail(f, e == ENOTDIR ? CL_SF_DIR_NOTDIR : CL_SF_DIR_OPEN, e);
    }
    /* The umask must not decide who may reach the socket. */
    if (made && fchmod(sf->dir_fd, 0755) != 0)
        return fail(f, CL_SF_DIR_CHMOD, errno);
    if (fstat(sf->dir_fd, &sb) != 0)
        return fail(f, CL_SF_DIR_STAT, errno);
    if (cl_sock_dir_ok(f->dir, (unsigned long)sb.st_uid, (unsigned)sb.st_mode, 0, f->why,
                       sizeof f->why) != 0)
        return fail(f, CL_SF_DIR_UNSAFE, 0);
    /* Whoever may write to the directory above could rename this one away
     * and put their own in its place, under producers' feet. */
    if (fstatat(sf->dir_fd, "..", &up, 0) == 0 && (up.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
        (up.st_mode & S_ISVTX) == 0) {
        f->mode = (unsigned)up.st_mode & 07777u;
        return fail(f, CL_SF_PARENT_OPEN, 0);
    }
    return 0;
}

/* Takes the path's lock for as long as the caller keeps it. The lock, not
 * the socket file, decides who owns the path: a socket file can be stale. */
static int take_lock(cl_sockfile *sf, cl_sockfile_fail *f)
{
    char lock[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];

    snprintf(lock, sizeof lock, "%s.lock", sf->name);
    sf->lock_fd = openat(sf->dir_fd, lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (sf->lock_fd < 0)
        return fail(f, CL_SF_LOCK_OPEN, errno);
    if (flock(sf->lock_fd, LOCK_EX | LOCK_NB) != 0)
        return fail(f, errno == EWOULDBLOCK ? CL_SF_LOCK_BUSY : CL_SF_LOCK, errno);
    return 0;
}

/* With the lock held, a socket file at the path is a crash's leftover -
 * unless something still answers on it (a collector of another build that
 * does not use the lock, journald or rsyslog on /dev/log): connect(2) to a
 * socket nobody has bound fails with ECONNREFUSED. Anything else there
 * (a file, /dev/log as a symbolic link to journald's socket) is left alone:
 * replacing it is the operator's decision. */
static int clear_stale(cl_sockfile *sf, const struct sockaddr_un *sa, int type, cl_sockfile_fail *f)
{
    struct stat sb;
    int fd, live;

    if (fstatat(sf->dir_fd, sf->name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : fail(f, CL_SF_INSPECT, errno);
    if (!S_ISSOCK(sb.st_mode)) {
        f->is_link = S_ISLNK(sb.st_mode);
        return fail(f, CL_SF_NOT_SOCKET, 0);
    }
    fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    live = fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0;
    if (fd >= 0)
        close(fd);
    if (live)
        return fail(f, CL_SF_LIVE, 0);
    return unlinkat(sf->dir_fd, sf->name, 0) == 0 ? 0 : fail(f, CL_SF_UNLINK_STALE, errno);
}

int cl_sockfile_prepare(cl_sockfile *sf, const char *path, const struct sockaddr_un *sa, int type,
                        cl_sockfile_fail *f)
{
    memset(f, 0, sizeof *f);
    sf->path = path;
    if (open_dir(sf, f) || take_lock(sf, f) || clear_stale(sf, sa, type, f))
        return -1;
    return 0;
}

/* After bind(), which takes a path: the path must still lead to the
 * directory that was checked (nobody swapped it in between), to a socket. */
static int check_bound(cl_sockfile *sf, cl_sockfile_fail *f)
{
    const char *name;
    struct stat held, now, sock;

    split_path(sf->path, f->dir, sizeof f->dir, &name);
    if (fstat(sf->dir_fd, &held) != 0 || lstat(f->dir, &now) != 0 || held.st_dev != now.st_dev ||
        held.st_ino != now.st_ino ||
        fstatat(sf->dir_fd, sf->name, &sock, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISSOCK(sock.st_mode))
        return fail(f, CL_SF_REPLACED, 0);
    sf->dev = (unsigned long long)sock.st_dev;
    sf->ino = (unsigned long long)sock.st_ino;
    return 0;
}

int cl_sockfile_bound(cl_sockfile *sf, unsigned mode, long gid, cl_sockfile_fail *f)
{
    memset(f, 0, sizeof *f);
    sf->linked = 1;
    if (check_bound(sf, f) != 0)
        return -1;
    /* Set explicitly: the umask must not decide who may log. */
    if (fchmodat(sf->dir_fd, sf->name, mode, 0) != 0)
        return fail(f, CL_SF_CHMOD, errno);
    if (gid >= 0 && fchownat(sf->dir_fd, sf->name, (uid_t)-1, (gid_t)gid, AT_SYMLINK_NOFOLLOW) != 0)
        return fail(f, CL_SF_CHOWN, errno);
    return 0;
}

void cl_sockfile_unlink(cl_sockfile *sf)
{
    struct stat sb;

    /* Removed by an operator and bound again by another process (a second
     * collector, journald on /dev/log): that socket is not ours to remove. */
    if (sf->linked && fstatat(sf->dir_fd, sf->name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISSOCK(sb.st_mode) && (unsigned long long)sb.st_dev == sf->dev &&
        (unsigned long long)sb.st_ino == sf->ino)
        unlinkat(sf->dir_fd, sf->name, 0);
    sf->linked = 0;
}

void cl_sockfile_unlock(cl_sockfile *sf)
{
    if (sf->lock_fd >= 0) {
        close(sf->lock_fd);
        sf->lock_fd = -1;
    }
}

void cl_sockfile_close(cl_sockfile *sf)
{
    cl_sockfile_unlock(sf);
    if (sf->dir_fd >= 0) {
        close(sf->dir_fd);
        sf->dir_fd = -1;
    }
}
