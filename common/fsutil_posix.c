/* fsutil_posix.c - mkdir -p, and the checks that keep the collector's
 * files its own (see fsutil.h). */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cl_mkdir_parents(const char *path, unsigned mode)
{
    char dir[4096];
    char *slash;

    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, (mode_t)mode) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return (mkdir(dir, (mode_t)mode) == 0 || errno == EEXIST) ? 0 : -1;
}

int cl_rename_replace(const char *from, const char *to)
{
    /* POSIX rename replaces the target atomically. */
    return rename(from, to);
}

int cl_open_append(const char *path)
{
    return open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

long cl_pread(int fd, void *buf, size_t n, uint64_t off)
{
    return (long)pread(fd, buf, n, (off_t)off);
}

int cl_truncate_fd(int fd, uint64_t len)
{
    return ftruncate(fd, (off_t)len);
}

static void fill_id(const struct stat *sb, cl_file_id *id)
{
    id->dev = (uint64_t)sb->st_dev;
    id->ino = (uint64_t)sb->st_ino;
    id->size = (uint64_t)sb->st_size;
    id->is_dir = S_ISDIR(sb->st_mode);
}

int cl_file_id_fd(int fd, cl_file_id *id)
{
    struct stat sb;

    if (fstat(fd, &sb) != 0)
        return -1;
    fill_id(&sb, id);
    return 0;
}

int cl_file_id_path(const char *path, cl_file_id *id)
{
    struct stat sb;

    if (stat(path, &sb) != 0)
        return -1;
    fill_id(&sb, id);
    return 0;
}

/* The directory part of path ("." when there is none). */
static int dir_of(const char *path, char *dir, size_t n)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        return snprintf(dir, n, ".") >= (int)n ? -1 : 0;
    if (slash == path)
        return snprintf(dir, n, "/") >= (int)n ? -1 : 0;
    return snprintf(dir, n, "%.*s", (int)(slash - path), path) >= (int)n ? -1 : 0;
}

int cl_dir_check(const char *path, int *shared, char *why, size_t whylen)
{
    char dir[4096];
    struct stat sb;
    uid_t me = geteuid();

    *shared = 0;
    if (dir_of(path, dir, sizeof dir) != 0) {
        errno = ENAMETOOLONG;
        snprintf(why, whylen, "%s: path too long", path);
        return -1;
    }
    if (stat(dir, &sb) != 0) {
        snprintf(why, whylen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    if ((sb.st_mode & S_IWOTH) && !(sb.st_mode & S_ISVTX)) {
        snprintf(why, whylen,
                 "the directory %s is writable by every user and not sticky (mode %04o): anyone "
                 "could replace files in it; use a directory only the collector's user may write "
                 "(or chmod +t)",
                 dir, (unsigned)(sb.st_mode & 07777));
        errno = EPERM;
        return -1;
    }
    *shared = (sb.st_mode & (S_IWGRP | S_IWOTH)) != 0 || (sb.st_uid != me && sb.st_uid != 0);
    return 0;
}

static const char *kind_of(mode_t m)
{
    return S_ISFIFO(m)   ? "a FIFO (named pipe)"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISDIR(m)  ? "a directory"
           : S_ISSOCK(m) ? "a socket"
           : S_ISLNK(m)  ? "a symbolic link"
                         : "not a regular file";
}

int cl_open_log(const char *path, int nofollow, char *why, size_t whylen)
{
    int flags = O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    struct stat sb;
    int fd;

    /* A directory cannot be opened for writing: say what it is. */
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(why, whylen, "%s is a directory, not a regular file", path);
        errno = EISDIR;
        return -1;
    }
    fd = open(path, flags | (nofollow ? O_NOFOLLOW : 0), 0640);
    if (fd < 0) {
        int e = errno;

        if (nofollow && e == ELOOP)
            snprintf(why, whylen,
                     "%s is a symbolic link in a directory others may write; links are not "
                     "followed there",
                     path);
        else
            snprintf(why, whylen, "%s: %s", path, strerror(e));
        errno = e;
        return -1;
    }
    if (fstat(fd, &sb) != 0) {
        int e = errno;

        snprintf(why, whylen, "%s: %s", path, strerror(e));
        close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        /* Writing to a pipe whose reader stalls would stop the writer thread,
         * and with it the database and every acknowledgement. */
        snprintf(why, whylen, "%s is %s: the text log must be a regular file", path,
                 kind_of(sb.st_mode));
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

int cl_db_path_check(const char *db, char *why, size_t whylen)
{
    static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
    int shared;

    if (cl_dir_check(db, &shared, why, whylen) != 0)
        return -1;
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        char p[4200];
        struct stat sb;

        if (snprintf(p, sizeof p, "%s%s", db, suffix[i]) >= (int)sizeof p) {
            snprintf(why, whylen, "%s: path too long", db);
            errno = ENAMETOOLONG;
            return -1;
        }
        if (lstat(p, &sb) != 0)
            continue; /* not there yet: SQLite creates it */
        if (S_ISLNK(sb.st_mode) && shared) {
            snprintf(why, whylen,
                     "%s is a symbolic link in a directory others may write; refusing to follow "
                     "it",
                     p);
            errno = ELOOP;
            return -1;
        }
        if (stat(p, &sb) == 0 && !S_ISREG(sb.st_mode)) {
            snprintf(why, whylen, "%s is %s, not a database file", p, kind_of(sb.st_mode));
            errno = EINVAL;
            return -1;
        }
    }
    return 0;
}

int cl_rotate_target_ok(const char *path)
{
    struct stat sb;
    uid_t me = geteuid();

    if (lstat(path, &sb) != 0)
        return errno == ENOENT;
    return S_ISREG(sb.st_mode) && (sb.st_uid == me || me == 0);
}
