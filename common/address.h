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

/* For programs that connect: cl_address_resolve, except that when neither
 * an explicit address nor $CENTRALLOG_ADDRESS was given, and nothing exists
 * at this (non-root) user's default socket, the system collector's default
 * socket is used if there is one (CL_SYSTEM_DIR/CentralLog.sock, in a
 * directory only root can create, so no user can squat it). Windows pipe
 * names are machine-wide already: there it is cl_address_resolve. */
int cl_address_resolve_connect(const char *explicit_addr, char *out, size_t outlen);

/* The same with another system directory (for tests). */
int cl_address_resolve_connect_in(const char *explicit_addr, const char *system_dir, char *out,
                                  size_t outlen);

/* Human-readable description of where the address came from: "--address",
 * "$CENTRALLOG_ADDRESS" or "default". */
const char *cl_address_origin(const char *explicit_addr);

#endif
