/* address.h - where producers, the collector and the CLI meet.
 *
 * One resolver for every program so that they can never disagree: an explicit
 * address (the --address option), else $CENTRALLOG_ADDRESS, else the platform
 * default. On POSIX a Windows-style pipe name "\\.\pipe\Name" maps to
 * "<default dir>/Name.sock", so one configuration works on both platforms.
 * Programs that connect (SDK, CLI) add one step: with nothing given and no
 * collector of the user's own, the system collector's socket (below).
 */
#ifndef CL_ADDRESS_H
#define CL_ADDRESS_H

#include <stddef.h>

#define CL_ADDRESS_ENV "CENTRALLOG_ADDRESS"
#define CL_PIPE_PREFIX "\\\\.\\pipe\\"
#define CL_DEFAULT_PIPE_NAME "CentralLog"
#define CL_SYSTEM_DIR "/run/centrallog" /* root's default dir: the system collector's */

/* Fills out with the directory that holds default sockets: /run/centrallog for
 * root, else $XDG_RUNTIME_DIR/centrallog, else /tmp/centrallog-<uid>.
 * Returns 0, or -1 when out is too small. */
int cl_address_default_dir(char *out, size_t outlen);

/* Resolves the address to use. explicit may be NULL or "". The result is the
 * socket path on POSIX (the pipe name on Windows). Returns 0, or -1 when the
 * result does not fit in outlen or names an empty pipe. */
int cl_address_resolve(const char *explicit_addr, char *out, size_t outlen);

/* For programs that connect: cl_address_resolve, except when neither an
 * explicit address nor $CENTRALLOG_ADDRESS was given and this user is not
 * root. Then the candidates are, in order:
 *   1. $XDG_RUNTIME_DIR/centrallog/CentralLog.sock (only when that variable
 *      is set: a private directory of the user's own);
 *   2. the system collector, CL_SYSTEM_DIR/CentralLog.sock (in a directory
 *      only root can create, so no user can squat it);
 *   3. /tmp/centrallog-<uid>/CentralLog.sock (when $XDG_RUNTIME_DIR is not
 *      set) - last, because anyone can create that name in /tmp.
 * The first that passes cl_sock_check is used. A candidate that fails it is
 * skipped, never used, and named in note (may be NULL) for the caller to show
 * as a warning; when none passes, out is the user's own default, so that the
 * error names it. An address that was given is used as given: the connecting
 * code checks it and refuses it when it fails. Windows pipe names are
 * machine-wide already: there it is cl_address_resolve. */
int cl_address_resolve_connect(const char *explicit_addr, char *out, size_t outlen);
int cl_address_resolve_connect_note(const char *explicit_addr, char *out, size_t outlen, char *note,
                                    size_t notelen);

/* The same with another system directory (for tests). */
int cl_address_resolve_connect_in(const char *explicit_addr, const char *system_dir, char *out,
                                  size_t outlen, char *note, size_t notelen);

/* Checking a socket before connecting to it (POSIX; on Windows the pipe's
 * DACL and FILE_FLAG_FIRST_PIPE_INSTANCE do this job, and these functions
 * accept everything).
 *
 * A socket is trusted when nobody but the connecting user, root, or whoever
 * root let own the socket's directory can have put it there:
 * - the directory (lstat: a symbolic link is refused, since whoever owns the
 *   link could re-point it) belongs to this user, to root, or to a user that
 *   root or this user handed it to (its parent belongs to root or this user
 *   and nobody else can write there, as with /run/centrallog); and nobody
 *   else may write to it, except in a sticky directory such as /tmp, where
 *   nobody can replace another's file;
 * - the socket (lstat) is a socket owned by one of those users;
 * - after connecting, the listening process runs as one of them
 *   (SO_PEERCRED / getpeereid), which also closes the window between the
 *   check and connect(). */
typedef struct cl_sock_trust {
    unsigned long dir_uid; /* the owner of the socket's directory */
} cl_sock_trust;

enum {
    CL_SOCK_OK = 0,      /* trusted: connect */
    CL_SOCK_MISSING = 1, /* nothing this user can reach there (errno: ENOENT, EACCES...) */
    CL_SOCK_UNSAFE = 2   /* someone else could have put it there: why says who */
};

/* Checks the socket at path; fills trust for cl_sock_check_peer. Returns a
 * CL_SOCK_* value; why (always NUL-terminated) says what is wrong. Never
 * prints. */
int cl_sock_check(const char *path, cl_sock_trust *trust, char *why, size_t whylen);

/* After connect(): 0 when the process listening on fd runs as this user,
 * root or trust->dir_uid (or the platform cannot tell), else -1 with why. */
int cl_sock_check_peer(int fd, const char *path, const cl_sock_trust *trust, char *why,
                       size_t whylen);

/* Whether a socket directory's owner and mode are acceptable (see above):
 * 0, or -1 with why. delegated: the owner need not be this user or root
 * because root handed the directory over. Shared by cl_sock_check and the
 * collector, which checks the directory it listens in the same way. */
int cl_sock_dir_ok(const char *dir, unsigned long uid, unsigned mode, int delegated, char *why,
                   size_t whylen);

/* Human-readable description of where the address came from: "--address",
 * "$CENTRALLOG_ADDRESS" or "default". */
const char *cl_address_origin(const char *explicit_addr);

#endif
