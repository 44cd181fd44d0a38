/* address_posix.c - address resolution for Unix domain sockets, and the
 * check that a socket was put there by someone the user can trust. */
#include "address.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

int cl_address_default_dir(char *out, size_t outlen)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    int n;

    /* root owns /run; everyone else gets a per-user directory so that two
     * users' collectors never collide and neither can squat the other's. */
    if (geteuid() == 0)
        n = snprintf(out, outlen, "%s", CL_SYSTEM_DIR);
    else if (xdg != NULL && xdg[0] == '/')
        n = snprintf(out, outlen, "%s/centrallog", xdg);
    else
        n = snprintf(out, outlen, "/tmp/centrallog-%lu", (unsigned long)geteuid());
    return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

static int is_pipe_name(const char *a)
{
    /* Accept both "\\.\pipe\" and "//./pipe/" spellings, as Windows does. */
    return (strncmp(a, "\\\\.\\pipe\\", 9) == 0 || strncmp(a, "//./pipe/", 9) == 0);
}

int cl_address_resolve(const char *explicit_addr, char *out, size_t outlen)
{
    const char *a = explicit_addr;
    char dir[512];
    int n;

    if (a == NULL || a[0] == '\0')
        a = getenv(CL_ADDRESS_ENV);
    if (a == NULL || a[0] == '\0')
        a = CL_PIPE_PREFIX CL_DEFAULT_PIPE_NAME;

    if (!is_pipe_name(a)) {
        n = snprintf(out, outlen, "%s", a);
        return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
    }
    a += 9;
    if (a[0] == '\0' || strpbrk(a, "/\\") != NULL)
        return -1;
    if (cl_address_default_dir(dir, sizeof dir) != 0)
        return -1;
    n = snprintf(out, outlen, "%s/%s.sock", dir, a);
    return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

static const char *file_kind(mode_t m)
{
    if (S_ISLNK(m))
        return "a symbolic link";
    if (S_ISREG(m))
        return "a regular file";
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO";
    return "not a socket";
}

int cl_sock_dir_ok(const char *dir, unsigned long uid, unsigned mode, int delegated, char *why,
                   size_t whylen)
{
    unsigned long me = (unsigned long)geteuid();

    if (uid != me && uid != 0 && !delegated) {
        snprintf(why, whylen,
                 "the socket directory %s belongs to uid %lu, not to this user (uid %lu) or "
                 "root: it could be another user's trap",
                 dir, uid, me);
        return -1;
    }
    /* In a directory others may write to, they could replace the socket -
     * unless the sticky bit says that only a file's owner may remove it. */
    if ((mode & (S_IWGRP | S_IWOTH)) != 0 && (mode & S_ISVTX) == 0) {
        snprintf(why, whylen,
                 "the socket directory %s can be written by %s (mode %04o), who could replace "
                 "the socket; make it private (chmod go-w) or use another directory",
                 dir, (mode & S_IWOTH) ? "every user" : "its group", mode & 07777u);
        return -1;
    }
    return 0;
}

/* The directory part of path: "." for a bare name, "/" for "/name". */
static int dir_of(const char *path, char *dir, size_t dirlen)
{
    const char *slash = strrchr(path, '/');
    int n;

    if (slash == NULL)
        n = snprintf(dir, dirlen, ".");
    else if (slash == path)
        n = snprintf(dir, dirlen, "/");
    else
        n = snprintf(dir, dirlen, "%.*s", (int)(slash - path), path);
    return (n < 0 || (size_t)n >= dirlen) ? -1 : 0;
}

/* Whether root (or this user) handed dir to its owner: its parent belongs
 * to one of them and nobody else may write there, so only they could have
 * made dir - as with systemd's /run/centrallog, owned by the collector's
 * user. In a place anyone may write to, such as /tmp, the owner of a
 * directory is merely whoever came first. */
static int delegated(const char *dir)
{
    char parent[4200];
    struct stat sb;
    int n = snprintf(parent, sizeof parent, "%s/..", dir);

    return n > 0 && (size_t)n < sizeof parent && stat(parent, &sb) == 0 &&
           (sb.st_uid == 0 || sb.st_uid == geteuid()) && (sb.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* lstat() failed: nothing this user could connect to is there (it does not
 * exist, or cannot be reached), so nobody can be handed anything either. */
static int unreachable(char *why, size_t whylen, const char *what)
{
    int e = errno;

    snprintf(why, whylen, "%s: %s", what, strerror(e));
    errno = e;
    return CL_SOCK_MISSING;
}

int cl_sock_check(const char *path, cl_sock_trust *trust, char *why, size_t whylen)
{
    unsigned long me = (unsigned long)geteuid(), owner;
    char dir[4096];
    struct stat d, s;

    if (whylen > 0)
        why[0] = '\0';
    trust->dir_uid = 0;
    if (dir_of(path, dir, sizeof dir) != 0) {
        snprintf(why, whylen, "the path is too long");
        return CL_SOCK_UNSAFE;
    }
    if (lstat(dir, &d) != 0)
        return unreachable(why, whylen, dir);
    if (S_ISLNK(d.st_mode)) {
        snprintf(why, whylen,
                 "the socket directory %s is a symbolic link, which whoever owns it could "
                 "re-point; refusing to follow it (remove it, or use a real directory)",
                 dir);
        return CL_SOCK_UNSAFE;
    }
    if (!S_ISDIR(d.st_mode)) {
        snprintf(why, whylen, "%s is not a directory", dir);
        return CL_SOCK_UNSAFE;
    }
    owner = (unsigned long)d.st_uid;
    if (cl_sock_dir_ok(dir, owner, (unsigned)d.st_mode, owner != me && owner != 0 && delegated(dir),
                       why, whylen) != 0)
        return CL_SOCK_UNSAFE;
    if (lstat(path, &s) != 0)
        return unreachable(why, whylen, path);
    if (!S_ISSOCK(s.st_mode)) {
        snprintf(why, whylen, "%s is %s, not a socket", path, file_kind(s.st_mode));
        return CL_SOCK_UNSAFE;
    }
    if ((unsigned long)s.st_uid != me && s.st_uid != 0 && (unsigned long)s.st_uid != owner) {
        snprintf(why, whylen,
                 "the socket %s belongs to uid %lu, not to this user (uid %lu), root or the "
                 "directory's owner: it could be another user's trap",
                 path, (unsigned long)s.st_uid, me);
        return CL_SOCK_UNSAFE;
    }
    trust->dir_uid = owner;
    return CL_SOCK_OK;
}

int cl_sock_check_peer(int fd, const char *path, const cl_sock_trust *trust, char *why,
                       size_t whylen)
{
    unsigned long me = (unsigned long)geteuid(), peer;
#if defined(SO_PEERCRED)
    struct ucred uc;
    socklen_t len = sizeof uc;

    /* On a connected client socket: the listener's credentials at listen(). */
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) != 0)
        return 0;
    peer = (unsigned long)uc.uid;
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__)
    uid_t uid;
    gid_t gid;

    if (getpeereid(fd, &uid, &gid) != 0)
        return 0;
    peer = (unsigned long)uid;
#else
    (void)fd;
    return 0;
#endif
    if (peer == me || peer == 0 || peer == trust->dir_uid)
        return 0;
    snprintf(why, whylen,
             "the process listening on %s runs as uid %lu, not as this user (uid %lu), root or "
             "the directory's owner: it could be another user's trap",
             path, peer, me);
    return -1;
}

/* Appends "skipped PATH: WHY" to note. */
static void add_note(char *note, size_t notelen, const char *path, const char *why)
{
    size_t used;

    if (note == NULL || notelen == 0)
        return;
    used = strlen(note);
    if (used + 1 < notelen)
        snprintf(note + used, notelen - used, "%sskipped %s: %s", used ? "; " : "", path, why);
}

int cl_address_resolve_connect_in(const char *explicit_addr, const char *system_dir, char *out,
                                  size_t outlen, char *note, size_t notelen)
{
    const char *env = getenv(CL_ADDRESS_ENV), *xdg = getenv("XDG_RUNTIME_DIR");
    char own[512], sys[512], why[512];
    const char *order[2];
    cl_sock_trust t;
    int n;

    if (note != NULL && notelen > 0)
        note[0] = '\0';
    if (cl_address_resolve(explicit_addr, out, outlen) != 0)
        return -1;
    /* Only the default is ever replaced: an address someone chose is kept,
     * and the connecting code checks it (and refuses it if it fails). */
    if ((explicit_addr != NULL && explicit_addr[0] != '\0') || (env != NULL && env[0] != '\0') ||
        geteuid() == 0)
        return 0;
    n = snprintf(sys, sizeof sys, "%s/%s.sock", system_dir, CL_DEFAULT_PIPE_NAME);
    if (n < 0 || (size_t)n >= sizeof sys || snprintf(own, sizeof own, "%s", out) >= (int)sizeof own)
        return 0;
    /* $XDG_RUNTIME_DIR is private to the user and comes first; the /tmp
     * fallback is a name anyone can take, so the system collector, whose
     * directory only root can make, comes before it. */
    if (xdg != NULL && xdg[0] == '/') {
        order[0] = own;
        order[1] = sys;
    } else {
        order[0] = sys;
        order[1] = own;
    }
    for (int i = 0; i < 2; i++) {
        int r = cl_sock_check(order[i], &t, why, sizeof why);

        if (r == CL_SOCK_OK && strlen(order[i]) < outlen) {
            memcpy(out, order[i], strlen(order[i]) + 1);
            return 0;
        }
        if (r == CL_SOCK_UNSAFE)
            add_note(note, notelen, order[i], why);
    }
    return 0; /* out is still the user's own default: the error will name it */
}

int cl_address_resolve_connect_note(const char *explicit_addr, char *out, size_t outlen, char *note,
                                    size_t notelen)
{
    return cl_address_resolve_connect_in(explicit_addr, CL_SYSTEM_DIR, out, outlen, note, notelen);
}

int cl_address_resolve_connect(const char *explicit_addr, char *out, size_t outlen)
{
    return cl_address_resolve_connect_note(explicit_addr, out, outlen, NULL, 0);
}
