/* netsock.h - the TCP client the forwarders' transports use: connect with a
 * deadline, write everything, and what the peer's TCP has acknowledged.
 * netsock_posix.c (BSD sockets) and netsock_win32.c (Winsock) implement it;
 * OS errors become one-line messages here, at the boundary. */
#ifndef CL_NETSOCK_H
#define CL_NETSOCK_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cl_netsock cl_netsock;

/* Once per process, before any other call (Winsock's start-up). 0 or -1. */
int cl_net_init(void);

/* Lowers the calling forwarder thread's priority below ingest's (nice + 10
 * on Linux, where a nice value belongs to the thread; below normal on
 * Windows): on a busy machine the forwarder falls behind, which the
 * database absorbs, rather than slowing ingest. Failure changes nothing. */
void cl_net_lower_priority(void);

/* Connects to host:port (names resolved, every address tried in turn), each
 * attempt given at most timeout_ms, given up early once *cancel is set
 * (looked at every CL_NET_CANCEL_MS); writes then block at most
 * send_timeout_ms. Returns 0 and *out, or -1 with err. */
#define CL_NET_CANCEL_MS 100
int cl_net_connect(const char *host, const char *port, int timeout_ms, int send_timeout_ms,
                   const atomic_int *cancel, cl_netsock **out, char *err, size_t errlen);

/* Called by cl_net_send_all while the peer takes nothing, at least every
 * CL_NET_CANCEL_MS, with the bytes of this call written so far: the
 * caller's chance to take confirmations in (and store its cursor) while the
 * send waits. Nonzero gives the send up (a stop). */
typedef int (*cl_net_tick_fn)(void *arg, size_t done);

/* Writes all of p[0..n), waiting at most the connection's send timeout for
 * the peer to take any byte; tick (NULL: none) runs while it waits. Returns
 * 0, or -1 with err (the connection is then useless: close it). */
int cl_net_send_all(cl_netsock *s, const void *p, size_t n, cl_net_tick_fn tick, void *arg,
                    char *err, size_t errlen);

/* Bytes written that the peer's TCP has not acknowledged yet; 0 where the
 * system does not tell (then written counts as confirmed). */
uint64_t cl_net_unacked(cl_netsock *s);

/* Whether the peer closed or reset the connection, looking without
 * waiting. A syslog receiver sends nothing; whatever it sends is read and
 * discarded. */
int cl_net_peer_closed(cl_netsock *s);

/* Whether the connection was reset or failed, looking without reading (a
 * reset empties the send queue: what cl_net_unacked said before it must
 * not be taken for acknowledged). */
int cl_net_broken(cl_netsock *s);

/* Makes a write blocked on another thread return (with an error). */
void cl_net_interrupt(cl_netsock *s);

/* NULL-safe. */
void cl_net_close(cl_netsock *s);

#ifndef _WIN32
/* The connected socket, for a TLS session on top of it (fwd_tls.c, POSIX
 * only). It stays the netsock's: close it with cl_net_close. */
int cl_net_fd(const cl_netsock *s);
#endif

#endif
