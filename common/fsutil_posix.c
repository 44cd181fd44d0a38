/* fsutil_posix.c - mkdir -p, and the checks that keep the collector's
 * files its own (see fsutil.h). */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

int cl_rename_replace(const char *from, const char *to)
{
    /* POSIX rename replaces the target atomically. */
    return rename(from, to);
}

int cl_rename_noreplace(const char *from, const char *to)
{
#if defined(__linux__) && defined(SYS_renameat2)
    /* RENAME_NOREPLACE (linux/fs.h): atomic, and refused with EEXIST when
     * anything - even a dangling link - holds the name. */
    if (syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 1u) == 0)
        return 0;
    if (errno != ENOSYS && errno != EINVAL)
        return -1;
#endif
    /* link() never replaces either; the name then has both links for a
     * moment, which only costs a second name for the same file. */
    if (link(from, to) != 0)
        return -1;
    return unlink(from) == 0 || errno == ENOENT ? 0 : -1;
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
    id->mtime_us = (int64_t)sb->st_mtim.tv_sec * 1000000 + sb->st_mtim.tv_nsec / 1000;
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

/* ---- walking a directory path ----
 *
 * A directory is reached component by component from "/" with
 * openat(O_DIRECTORY|O_NOFOLLOW), like systemd's chase(): every name is
 * looked at before it is used. A name another user could have put in place
 * - a symbolic link in a directory others may write or owned by another
 * user, or a directory owned by another user in a directory others may
 * write - is an "unsafe transition" and refused; links in places only root
 * and we can change (/var/run -> /run) are followed. */

#define WALK_MAX_LINKS 40
/* Only looked at and walked through, never read: O_PATH needs no read
 * permission (a 0711 home directory), where the system has it. */
#ifdef O_PATH
#define WALK_OPEN (O_PATH | O_DIRECTORY | O_CLOEXEC)
#else
#define WALK_OPEN (O_RDONLY | O_DIRECTORY | O_CLOEXEC)
#endif

/* root and the collector's own user: the only owners trusted to have put a
 * name (or a directory's contents) in place. */
static int trusted_uid(uid_t u)
{
    return u == 0 || u == geteuid();
}

/* Whether users other than the owner may create, remove or rename names. */
static int others_may_write(const struct stat *sb)
{
    return (sb->st_mode & (S_IWGRP | S_IWOTH)) != 0;
}

static const char *user_name(uid_t u, char *buf, size_t n)
{
    struct passwd pw, *res = NULL;
    char tmp[1024];

    if (getpwuid_r(u, &pw, tmp, sizeof tmp, &res) == 0 && res != NULL)
        snprintf(buf, n, "user %s (uid %u)", res->pw_name, (unsigned)u);
    else
        snprintf(buf, n, "uid %u", (unsigned)u);
    return buf;
}

typedef struct walk {
    char done[4096]; /* the resolved path so far, for messages */
    int fd;          /* the directory reached */
    struct stat sb;  /* ... and its status */
    int links;
} walk;

/* Appends name to w->done. */
static void walk_note(walk *w, const char *name)
{
    size_t n = strlen(w->done);

    snprintf(w->done + n, sizeof w->done - n, "%s%s", n > 0 && w->done[n - 1] == '/' ? "" : "/",
             name);
}

static int walk_enter(walk *w, int fd, const char *name)
{
    struct stat sb;

    if (fstat(fd, &sb) != 0) {
        close(fd);
        return -1;
    }
    close(w->fd);
    w->fd = fd;
    w->sb = sb;
    walk_note(w, name);
    return 0;
}

/* Follows the link name (in w->fd) by splicing its target in front of
 * rest. Returns 0, or -1 with why filled. */
static int walk_link(walk *w, const char *name, const struct stat *ls, char *rest, size_t restlen,
                     char *why, size_t whylen)
{
    char target[4096], who[128], joined[8192];
    ssize_t n;

    if (others_may_write(&w->sb) || !trusted_uid(w->sb.st_uid) || !trusted_uid(ls->st_uid)) {
        snprintf(why, whylen,
                 "%s/%s is a symbolic link in %s, a directory %s: another user could point it "
                 "anywhere, so it is not followed; give the real path instead",
                 w->done[1] ? w->done : "", name, w->done,
                 others_may_write(&w->sb) ? "others may write" : "not owned by root or us");
        if (!trusted_uid(ls->st_uid) && !others_may_write(&w->sb))
            snprintf(why, whylen,
                     "%s/%s is a symbolic link owned by %s: it is not followed; give the real "
                     "path instead",
                     w->done[1] ? w->done : "", name, user_name(ls->st_uid, who, sizeof who));
        errno = EPERM;
        return -1;
    }
    if (++w->links > WALK_MAX_LINKS) {
        snprintf(why, whylen, "%s: too many symbolic links", w->done);
        errno = ELOOP;
        return -1;
    }
    n = readlinkat(w->fd, name, target, sizeof target - 1);
    if (n < 0) {
        snprintf(why, whylen, "%s/%s: %s", w->done, name, strerror(errno));
        return -1;
    }
    target[n] = '\0';
    if (snprintf(joined, sizeof joined, "%s/%s", target, rest) >= (int)restlen) {
        snprintf(why, whylen, "%s: path too long", w->done);
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(rest, joined, strlen(joined) + 1);
    if (target[0] == '/') {
        int fd = open("/", WALK_OPEN);

        if (fd < 0 || fstat(fd, &w->sb) != 0) {
            snprintf(why, whylen, "/: %s", strerror(errno));
            if (fd >= 0)
                close(fd);
            return -1;
        }
        close(w->fd);
        w->fd = fd;
        snprintf(w->done, sizeof w->done, "/");
    }
    return 0;
}

/* Walks to the directory dir (with create, making what is missing with
 * mode). Returns 0 with w->fd open on it, or -1 with errno (EPERM: refused)
 * and why filled; w->fd is closed then. */
static int walk_dir(walk *w, const char *dir, int create, unsigned mode, char *why, size_t whylen)
{
    char rest[8192], who[128];
    char *p = rest;

    w->links = 0;
    snprintf(w->done, sizeof w->done, "/");
    if (dir[0] == '/') {
        if (snprintf(rest, sizeof rest, "%s", dir) >= (int)sizeof rest)
            goto too_long;
    } else {
        char cwd[4096];

        if (getcwd(cwd, sizeof cwd) == NULL) {
            snprintf(why, whylen, "%s: cannot get the current directory: %s", dir, strerror(errno));
            return -1;
        }
        if (snprintf(rest, sizeof rest, "%s/%s", cwd, dir) >= (int)sizeof rest)
            goto too_long;
    }
    w->fd = open("/", WALK_OPEN);
    if (w->fd < 0 || fstat(w->fd, &w->sb) != 0) {
        snprintf(why, whylen, "/: %s", strerror(errno));
        goto fail;
    }
    for (;;) {
        char name[256];
        size_t len;
        struct stat sb;
        int fd;

        while (*p == '/')
            p++;
        if (*p == '\0')
            return 0;
        len = strcspn(p, "/");
        if (len >= sizeof name) {
            snprintf(why, whylen, "%s: a name is too long", dir);
            errno = ENAMETOOLONG;
            goto fail;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        p += len;
        if (strcmp(name, ".") == 0)
            continue;
        /* Everything under a directory everybody may write without the
         * sticky bit can be renamed away and replaced by anyone. */
        if ((w->sb.st_mode & S_IWOTH) && !(w->sb.st_mode & S_ISVTX)) {
            snprintf(why, whylen,
                     "the directory %s is writable by every user and not sticky (mode %04o): "
                     "anyone could replace what is in it; use a directory only the collector's "
                     "user may write (or chmod +t)",
                     w->done, (unsigned)(w->sb.st_mode & 07777));
            errno = EPERM;
            goto fail;
        }
        if (fstatat(w->fd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT || !create || strcmp(name, "..") == 0) {
                snprintf(why, whylen, "%s%s%s: %s", w->done, w->done[1] ? "/" : "", name,
                         strerror(errno));
                goto fail;
            }
            if (mkdirat(w->fd, name, (mode_t)mode) != 0 && errno != EEXIST) {
                snprintf(why, whylen, "cannot create %s%s%s: %s", w->done, w->done[1] ? "/" : "",
                         name, strerror(errno));
                goto fail;
            }
            if (fstatat(w->fd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
                snprintf(why, whylen, "%s/%s: %s", w->done, name, strerror(errno));
                goto fail;
            }
        }
        if (S_ISLNK(sb.st_mode)) {
            /* rest becomes what follows the link, then its target + that. */
            memmove(rest, p, strlen(p) + 1);
            p = rest;
            if (walk_link(w, name, &sb, rest, sizeof rest, why, whylen) != 0)
                goto fail;
            continue;
        }
        if (strcmp(name, "..") != 0 && !trusted_uid(sb.st_uid) && others_may_write(&w->sb)) {
            snprintf(why, whylen,
                     "%s%s%s belongs to %s and is in %s, a directory others may write: it may "
                     "have been put there to catch the collector's files; remove it (or let "
                     "its owner do so) or choose another directory",
                     w->done, w->done[1] ? "/" : "", name, user_name(sb.st_uid, who, sizeof who),
                     w->done);
            errno = EPERM;
            goto fail;
        }
        fd = openat(w->fd, name, WALK_OPEN | O_NOFOLLOW);
        if (fd < 0 || walk_enter(w, fd, name) != 0) {
            snprintf(why, whylen, "%s/%s: %s", w->done, name, strerror(errno));
            goto fail;
        }
        if (strcmp(name, "..") == 0) {
            /* Back up the name kept for messages as well. */
            char *s = strrchr(w->done, '/');

            if (s != NULL)
                *s = '\0';
            s = strrchr(w->done, '/');
            if (s != NULL)
                s[s == w->done ? 1 : 0] = '\0';
        }
    }
too_long:
    snprintf(why, whylen, "%s: path too long", dir);
    errno = ENAMETOOLONG;
    return -1;
fail : {
    int e = errno;

    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    errno = e;
    return -1;
}
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

/* Walks to the directory of path and checks it: owned by us or root, and
 * not writable by everybody without the sticky bit. */
static int check_dir(const char *path, int create, unsigned mode, int *shared, char *why,
                     size_t whylen)
{
    char dir[4096], who[128], me[128];
    walk w;

    *shared = 0;
    if (dir_of(path, dir, sizeof dir) != 0) {
        errno = ENAMETOOLONG;
        snprintf(why, whylen, "%s: path too long", path);
        return -1;
    }
    if (walk_dir(&w, dir, create, mode, why, whylen) != 0)
        return -1;
    close(w.fd);
    if ((w.sb.st_mode & S_IWOTH) && !(w.sb.st_mode & S_ISVTX)) {
        snprintf(why, whylen,
                 "the directory %s is writable by every user and not sticky (mode %04o): anyone "
                 "could replace files in it; use a directory only the collector's user may write "
                 "(or chmod +t)",
                 dir, (unsigned)(w.sb.st_mode & 07777));
        errno = EPERM;
        return -1;
    }
    if (!trusted_uid(w.sb.st_uid)) {
        snprintf(why, whylen,
                 "the directory %s belongs to %s, not to the collector's %s or root: its owner "
                 "could read or replace the collector's files; use a directory of your own "
                 "(or have it chowned)",
                 dir, user_name(w.sb.st_uid, who, sizeof who), user_name(geteuid(), me, sizeof me));
        errno = EPERM;
        return -1;
    }
    *shared = others_may_write(&w.sb);
    return 0;
}

int cl_mkdir_parents(const char *path, unsigned mode)
{
    char why[1024];
    int shared;

    return check_dir(path, 1, mode, &shared, why, sizeof why);
}

int cl_dir_check(const char *path, int *shared, char *why, size_t whylen)
{
    return check_dir(path, 0, 0, shared, why, whylen);
}

/* Refuses an existing file that is not the collector's own: another user's
 * file in our directory could be read by them, and truncated or mapped
 * under us. */
static int check_owner(const char *path, const struct stat *sb, const char *what, char *why,
                       size_t whylen)
{
    char who[128], me[128];

    if (sb->st_uid == geteuid())
        return 0;
    snprintf(why, whylen,
             "%s belongs to %s, not to the collector's %s: refusing to use another user's file "
             "as the %s (they could read or change every entry); remove it (or let its owner "
             "do so) or choose another path",
             path, user_name(sb->st_uid, who, sizeof who), user_name(geteuid(), me, sizeof me),
             what);
    errno = EPERM;
    return -1;
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

        /* The kernel may refuse another user's file itself (EACCES with
         * fs.protected_regular): still say whose it is. */
        if (e == EACCES && lstat(path, &sb) == 0 &&
            check_owner(path, &sb, "text log", why, whylen) != 0)
            return -1;
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
    if (check_owner(path, &sb, "text log", why, whylen) != 0) {
        close(fd);
        errno = EPERM;
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
        if (stat(p, &sb) != 0)
            continue; /* a dangling link (not in a shared directory): SQLite reports it */
        if (!S_ISREG(sb.st_mode)) {
            snprintf(why, whylen, "%s is %s, not a database file", p, kind_of(sb.st_mode));
            errno = EINVAL;
            return -1;
        }
        if (check_owner(p, &sb, "database", why, whylen) != 0)
            return -1;
    }
    return 0;
}

int cl_rotate_target_ok(const char *path)
{
    struct stat sb;
    uid_t me = geteuid();

    if (lstat(path, &sb) != 0)
        return errno == ENOENT;
    /* root too: another user's file, renamed into the chain, would stay
     * theirs to read and change. */
    return S_ISREG(sb.st_mode) && sb.st_uid == me;
}

int cl_fs_space(const char *path, uint64_t *total, uint64_t *avail)
{
    struct statvfs sv;

    if (statvfs(path, &sv) != 0)
        return -1;
    *total = (uint64_t)sv.f_blocks * (uint64_t)sv.f_frsize;
    *avail = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
    return 0;
}

int cl_fsync_fd(int fd)
{
    return fsync(fd);
}

int cl_fsync_dir_of(const char *path)
{
    char dir[4096];
    int fd, rc, e;

    if (dir_of(path, dir, sizeof dir) != 0)
        return -1;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    e = errno;
    close(fd);
    errno = e;
    return rc;
}

int cl_open_read_shared(const char *path)
{
    return open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
}

int cl_set_mtime_fd(int fd, int64_t mtime_us)
{
    struct timespec ts[2];

    ts[0].tv_sec = 0;
    ts[0].tv_nsec = UTIME_OMIT; /* access time: left alone */
    ts[1].tv_sec = (time_t)(mtime_us / 1000000);
    ts[1].tv_nsec = (long)(mtime_us % 1000000) * 1000;
    return futimens(fd, ts);
}

int cl_remove(const char *path)
{
    return unlink(path);
}

int cl_create_new(const char *path)
{
    return open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0640);
}

char *cl_path_absolute(const char *path)
{
    char cwd[4096], *out;
    size_t n;

    if (path[0] == '/' || path[0] == '\0') /* absolute, or none (no text file) */
        return strdup(path);
    while (path[0] == '.' && path[1] == '/')
        for (path += 2; path[0] == '/'; path++)
            ;
    if (getcwd(cwd, sizeof cwd) == NULL)
        return NULL;
    n = strlen(cwd) + 1 + strlen(path) + 1;
    if ((out = malloc(n)) != NULL)
        snprintf(out, n, "%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", path);
    return out;
}
