/* dgram.h - POSIX only: a Unix datagram socket that syslog producers write
 * to (--syslog-socket), as glibc's syslog(3) and logger(1) write to /dev/log.
 *
 * The socket file is made as carefully as the stream socket (ioloop.h,
 * cl_io_listen): its directory created or checked (owner, mode, no symbolic
 * link, the directory above not open to others) and then used only through
 * a descriptor, a lock file deciding who owns the path, a stale socket
 * replaced only when nothing answers on it, and the mode and group set
 * explicitly, never left to the umask. Windows has no Unix datagram sockets
 * (the option is refused there), so there is no win32 twin.
 */
#ifndef CL_DGRAM_H
#define CL_DGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "ioloop.h"
#include "peer.h"

typedef struct cl_dgram cl_dgram;

typedef struct cl_dgram_options {
    const char *path;
    unsigned mode; /* e.g. 0666: every local user may log, as with /dev/log */
    long gid;      /* group owner of the socket, -1 to leave it */
    int rcvbuf;    /* SO_RCVBUF to ask for; 0: the system's default */
    /* A socket bound to path that a service manager passed (socket
     * activation: ListenDatagram=), taken instead of making one; -1: none.
     * The manager made the file (its SocketMode= and SocketGroup= apply)
     * and keeps both the file and the socket for the next start, so such a
     * socket is never removed nor shut down: datagrams sent while no
     * collector runs wait there for the next one. */
    int inherited_fd;
} cl_dgram_options;

/* Creates the socket and has io call on_ready(arg) when datagrams wait
 * (iowatch.h). Returns 0, or -1 with err saying what to fix; *out is then
 * NULL and nothing is left behind. */
int cl_dgram_open(cl_dgram **out, cl_io *io, const cl_dgram_options *opt,
                  void (*on_ready)(void *arg), void *arg, char *err, size_t errlen);

/* Takes the next datagram: copies at most cap bytes of it to buf, sets *len
 * to the bytes copied, *full_len to its whole size (more than cap: the rest
 * is lost, the caller refuses it as too large), *peer to the sender's
 * credentials as the kernel reports them (Linux SCM_CREDENTIALS; -1 where
 * the system does not say) and *queued_us to when the kernel queued it
 * (SCM_TIMESTAMP; 0 where the system does not say). Returns 1, 0 when none
 * waits, -1 on an error. */
int cl_dgram_recv(cl_dgram *d, char *buf, size_t cap, size_t *len, size_t *full_len, cl_peer *peer,
                  int64_t *queued_us);

/* Shutdown: removes the socket file, so that no new producer finds it, and
 * takes no more datagrams (SHUT_RD: a sender still holding the socket gets
 * EPIPE at once), but those already queued can still be received. So every
 * datagram whose send(2) succeeded is received: none is lost between the
 * last receive and the close. An adopted socket (inherited_fd) is the
 * manager's, which keeps it open, and producers may still send to it:
 * cl_dgram_recv takes about what it held (its SO_RCVBUF in bytes), then no
 * more; the rest waits in it for the next start. */
void cl_dgram_shutdown(cl_dgram *d);

const char *cl_dgram_path(const cl_dgram *d);

/* Stops watching, closes, removes the socket file and the lock. NULL-safe. */
void cl_dgram_close(cl_dgram *d);

#endif
