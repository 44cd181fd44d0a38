/* sockfile.h - POSIX only: the file of a Unix domain socket the collector
 * binds, made one careful way for every socket that has one: --address's
 * stream socket (io_posix.c, cl_io_listen) and --syslog-socket's datagram
 * socket (dgram_posix.c). schema/PROTOCOL.md section 1, "The check", gives
 * the reasons.
 *
 * The steps: the directory is created (0755, parents too) or checked (its
 * owner and mode, not a symbolic link, the directory above not open to
 * others) and from then on used only through a descriptor, so a path
 * re-pointed later cannot redirect any step; a lock file next to the socket
 * decides who owns the path (a socket file can be a crash's leftover); a
 * socket file already there is replaced only when nothing answers on it;
 * after bind() the path must still lead into the same directory, to a
 * socket; the mode and group are set explicitly, never left to the umask.
 *
 * The wording stays with each caller (its option names, its advice): a step
 * that fails fills a cl_sockfile_fail with what went wrong and the facts to
 * say it with. Windows has named pipes instead (io_win32.c), hence no twin.
 */
#ifndef CL_SOCKFILE_H
#define CL_SOCKFILE_H

#include <sys/un.h>

typedef struct cl_sockfile {
    const char *path; /* the caller's, as given; outlives this */
    const char *name; /* the last component, in dir_fd; points into path */
    int dir_fd;       /* the checked directory */
    int lock_fd;
    int linked; /* the socket file is ours and still there */
    /* The socket file bound (device, inode): at exit only that file is
     * removed, never one that replaced it at the path. */
    unsigned long long dev, ino;
} cl_sockfile;

typedef enum cl_sockfile_step {
    CL_SF_MKDIR,        /* the directory could not be created: e, dir */
    CL_SF_DIR_LINK,     /* the directory is a symbolic link: dir */
    CL_SF_DIR_NOTDIR,   /* something else than a directory is there: dir */
    CL_SF_DIR_OPEN,     /* e, dir */
    CL_SF_DIR_CHMOD,    /* a directory made here could not be set to 0755: e, dir */
    CL_SF_DIR_STAT,     /* e, dir */
    CL_SF_DIR_UNSAFE,   /* its owner or mode lets others in: dir, why */
    CL_SF_PARENT_OPEN,  /* the directory above is writable by others: dir, mode */
    CL_SF_LOCK_OPEN,    /* e */
    CL_SF_LOCK_BUSY,    /* another process holds the lock */
    CL_SF_LOCK,         /* e */
    CL_SF_INSPECT,      /* the file at the path could not be looked at: e */
    CL_SF_NOT_SOCKET,   /* something else than a socket is there: is_link */
    CL_SF_LIVE,         /* a socket something still answers on */
    CL_SF_UNLINK_STALE, /* e */
    CL_SF_REPLACED,     /* the directory or socket was swapped after bind(): dir */
    CL_SF_CHMOD,        /* e */
    CL_SF_CHOWN         /* e */
} cl_sockfile_step;

typedef struct cl_sockfile_fail {
    cl_sockfile_step step;
    int e;       /* errno, where the step has one */
    int is_link; /* CL_SF_NOT_SOCKET: a symbolic link rather than another file */
    unsigned mode;
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char why[512];
} cl_sockfile_fail;

/* The wording both sockets share, after prefix ("" or the option's name and
 * ": "): "refusing to listen there: why" and "cannot inspect|chmod|set the
 * group of PATH: error"; any other step as "cannot set up PATH: error".
 * Steps each caller words its own way are the caller's. Returns -1. */
int cl_sockfile_say(const cl_sockfile_fail *f, const char *prefix, const char *path, char *err,
                    size_t errlen);

/* Nothing held yet: safe to pass to cl_sockfile_close. */
void cl_sockfile_init(cl_sockfile *sf);

/* sa for path; -1 when it does not fit sun_path. */
int cl_sockfile_addr(struct sockaddr_un *sa, const char *path);

/* Before the socket is bound at sa: the directory, the lock, and a stale
 * socket file removed. type is the socket's (SOCK_STREAM, SOCK_DGRAM): the
 * stale probe connects with it. Returns 0, or -1 with *f filled. */
int cl_sockfile_prepare(cl_sockfile *sf, const char *path, const struct sockaddr_un *sa, int type,
                        cl_sockfile_fail *f);

/* Right after a successful bind(): checks the path still leads to the
 * checked directory and a socket, then sets mode and (gid >= 0) group.
 * Returns 0, or -1 with *f filled; the file counts as ours either way. */
int cl_sockfile_bound(cl_sockfile *sf, unsigned mode, long gid, cl_sockfile_fail *f);

/* Removes the socket file if it is ours. */
void cl_sockfile_unlink(cl_sockfile *sf);

/* Gives the path up: closes the lock. */
void cl_sockfile_unlock(cl_sockfile *sf);

/* unlock, and closes the directory. Does not unlink. */
void cl_sockfile_close(cl_sockfile *sf);

#endif
