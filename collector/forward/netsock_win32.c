/* netsock_win32.c - netsock.h over Winsock 2. Windows does not say how much
 * of the send queue the peer has acknowledged without the TCP_INFO ioctl of
 * recent versions, so a written byte counts as confirmed (cl_net_unacked
 * is 0): on a reset, what sat in the send buffer is lost, as FORWARDING.md
 * says of plain TCP. */
#include "netsock.h"

#include <winsock2.h>
#include <ws2tcpip.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cl_netsock {
    SOCKET fd;
    int send_timeout_ms;
};

void cl_net_lower_priority(void)
{
    (void)SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_BELOW_NORMAL);
}

int cl_net_init(void)
{
    WSADATA d;

    return WSAStartup(MAKEWORD(2, 2), &d) == 0 ? 0 : -1;
}

static void wsa_message(int code, char *out, size_t n)
{
    DWORD len = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                               (DWORD)code, 0, out, (DWORD)n, NULL);

    while (len > 0 && (out[len - 1] == '\r' || out[len - 1] == '\n' || out[len - 1] == '.'))
        out[--len] = '\0';
    if (len == 0)
        snprintf(out, n, "Winsock error %d", code);
}

/* One address: non-blocking connect, select until timeout_ms, blocking. */
static int try_addr(const struct addrinfo *ai, int timeout_ms, const atomic_int *cancel,
                    SOCKET *out, int *code)
{
    SOCKET fd = WSASocketW(ai->ai_family, ai->ai_socktype, ai->ai_protocol, NULL, 0,
                           WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    u_long nb = 1;
    fd_set w, e;
    int soerr = 0, len = sizeof soerr;

    if (fd == INVALID_SOCKET) {
        *code = WSAGetLastError();
        return -1;
    }
    ioctlsocket(fd, FIONBIO, &nb);
    if (connect(fd, ai->ai_addr, (int)ai->ai_addrlen) != 0) {
        if (WSAGetLastError() != WSAEWOULDBLOCK) {
            *code = WSAGetLastError();
            goto fail;
        }
        /* In slices, so that a stop does not wait for the whole timeout. */
        for (;;) {
            int slice = timeout_ms < CL_NET_CANCEL_MS ? timeout_ms : CL_NET_CANCEL_MS;
            struct timeval tv = { 0, slice * 1000 };
            int r;

            FD_ZERO(&w);
            FD_ZERO(&e);
            FD_SET(fd, &w);
            FD_SET(fd, &e);
            r = select(0, NULL, &w, &e, &tv);
            if (r > 0)
                break;
            timeout_ms -= slice;
            if (r < 0 || timeout_ms <= 0 || atomic_load(cancel)) {
                *code = atomic_load(cancel) ? WSAEINTR : WSAETIMEDOUT;
                goto fail;
            }
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, (char *)&soerr, &len) != 0 || soerr != 0) {
            *code = soerr ? soerr : WSAGetLastError();
            goto fail;
        }
    }
    nb = 0;
    ioctlsocket(fd, FIONBIO, &nb);
    *out = fd;
    return 0;
fail:
    closesocket(fd);
    return -1;
}

int cl_net_connect(const char *host, const char *port, int timeout_ms, int send_timeout_ms,
                   const atomic_int *cancel, cl_netsock **out, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    SOCKET fd = INVALID_SOCKET;
    int rc, code = 0;
    BOOL one = TRUE;
    DWORD tmo = (DWORD)send_timeout_ms;
    u_long nbio = 1;
    char msg[256];

    *out = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        wsa_message(rc, msg, sizeof msg);
        snprintf(err, errlen, "cannot resolve %s: %s", host, msg);
        return -1;
    }
    for (const struct addrinfo *ai = res;
         ai != NULL && fd == INVALID_SOCKET && !atomic_load(cancel); ai = ai->ai_next)
        try_addr(ai, timeout_ms, cancel, &fd, &code);
    freeaddrinfo(res);
    if (fd == INVALID_SOCKET) {
        wsa_message(code, msg, sizeof msg);
        snprintf(err, errlen, "cannot connect to %s port %s: %s", host, port, msg);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, (const char *)&tmo, sizeof tmo);
    /* Writes wait in cl_net_send_all's slices, not in send() (see there). */
    ioctlsocket(fd, FIONBIO, &nbio);
    if ((*out = malloc(sizeof **out)) == NULL) {
        closesocket(fd);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    (*out)->fd = fd;
    (*out)->send_timeout_ms = send_timeout_ms;
    return 0;
}

/* As netsock_posix.c: non-blocking writes, and while the peer takes
 * nothing, select() in slices of CL_NET_CANCEL_MS with the tick between. */
int cl_net_send_all(cl_netsock *s, const void *p, size_t n, cl_net_tick_fn tick, void *arg,
                    char *err, size_t errlen)
{
    const char *c = p;
    size_t done = 0;
    int waited = 0;
    char msg[256];

    while (done < n) {
        size_t left = n - done;
        int w = send(s->fd, c + done, left > 1 << 30 ? 1 << 30 : (int)left, 0);
        int code = w < 0 ? WSAGetLastError() : 0;

        if (w > 0) {
            done += (size_t)w;
            waited = 0;
            continue;
        }
        if (w < 0 && code == WSAEWOULDBLOCK) {
            fd_set wr;
            struct timeval tv = { 0, CL_NET_CANCEL_MS * 1000 };

            if (waited >= s->send_timeout_ms) {
                snprintf(err, errlen, "cannot send: the receiver takes nothing (send timeout)");
                return -1;
            }
            FD_ZERO(&wr);
            FD_SET(s->fd, &wr);
            if (select(0, NULL, &wr, NULL, &tv) == 0)
                waited += CL_NET_CANCEL_MS;
            if (tick != NULL && tick(arg, done) != 0) {
                snprintf(err, errlen, "cannot send: stopped");
                return -1;
            }
            continue;
        }
        wsa_message(w == 0 ? WSAECONNRESET : code, msg, sizeof msg);
        snprintf(err, errlen, "cannot send: %s", msg);
        return -1;
    }
    return 0;
}

uint64_t cl_net_unacked(cl_netsock *s)
{
    (void)s;
    return 0;
}

int cl_net_peer_closed(cl_netsock *s)
{
    fd_set r;
    struct timeval tv = { 0, 0 };
    char buf[512];

    for (;;) {
        u_long avail = 0;
        int got;

        FD_ZERO(&r);
        FD_SET(s->fd, &r);
        if (select(0, &r, NULL, NULL, &tv) <= 0)
            return 0;
        if (ioctlsocket(s->fd, FIONREAD, &avail) != 0)
            return 1;
        if (avail == 0)
            return 1; /* readable with nothing to read: closed */
        got = recv(s->fd, buf, sizeof buf, 0);
        if (got <= 0)
            return 1;
    }
}

int cl_net_broken(cl_netsock *s)
{
    (void)s; /* nothing counts as unacknowledged here (cl_net_unacked) */
    return 0;
}

void cl_net_interrupt(cl_netsock *s)
{
    shutdown(s->fd, SD_BOTH);
}

void cl_net_close(cl_netsock *s)
{
    if (s == NULL)
        return;
    closesocket(s->fd);
    free(s);
}
