/* peer.h - who is on the other end of a connection, as the OS says. */
#ifndef CL_PEER_H
#define CL_PEER_H

#include <stdint.h>

/* Identity of the producer as the operating system reports it. -1: unknown.
 * A cl_peer is copied into every record, so it stays small: the SID is a
 * pointer, not an array. */
typedef struct cl_peer {
    int64_t pid;
    int64_t uid;
    int64_t gid;
    /* Windows: the producer's user SID as text ("S-1-5-21-..."), interned
     * by sidcache.h, so it lives as long as the process and any thread may
     * read it. NULL on POSIX and whenever unknown. */
    const char *sid;
} cl_peer;

#endif
