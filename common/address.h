/* address.h - where producers, the collector and the CLI meet.
 *
 * One resolver for every program so that they can never disagree: an explicit
 * address (the --address option), else $CENTRALLOG_ADDRESS, else the platform
 * default. On POSIX a Windows-style pipe name "\\.\pipe\Name" maps to
 * "<default dir>/Name.sock", so one configuration works on both platforms.
 */
#ifndef CL_ADDRESS_H
#define CL_ADDRESS_H

#include <stddef.h>

#define CL_ADDRESS_ENV "CENTRALLOG_ADDRESS"
#define CL_PIPE_PREFIX "\\\\.\\pipe\\"
#define CL_DEFAULT_PIPE_NAME "CentralLog"

/* Fills out with the directory that holds default sockets: /run/centrallog for
 * root, else $XDG_RUNTIME_DIR/centrallog, else /tmp/centrallog-<uid>.
 * Returns 0, or -1 when out is too small. */
int cl_address_default_dir(char *out, size_t outlen);

/* Resolves the address to use. explicit may be NULL or "". The result is the
 * socket path on POSIX (the pipe name on Windows). Returns 0, or -1 when the
 * result does not fit in outlen or names an empty pipe. */
int cl_address_resolve(const char *explicit_addr, char *out, size_t outlen);

/* Human-readable description of where the address came from: "--address",
 * "$CENTRALLOG_ADDRESS" or "default". */
const char *cl_address_origin(const char *explicit_addr);

#endif
