/* peer.h - who is on the other end of a connection, as the OS says. */
#ifndef CL_PEER_H
#define CL_PEER_H

#include <stdint.h>

/* Identity of the producer as the operating system reports it. -1: unknown. */
typedef struct cl_peer {
    int64_t pid;
    int64_t uid;
    int64_t gid;
} cl_peer;

#endif
