/* conn_posix.c - conn.h over a Unix domain socket. */
#include "conn.h"

#include "address.h"
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPLY (1 << 20)

struct cli_conn {
    int fd;
    char *buf; /* bytes read past the last reply */
    size_t n, cap;
};

/* Translates errno once, here, into the codes every platform shares. */
static int from_errno(int e, char *detail, size_t len)
{
    snprintf(detail, len, "%s", strerror(e));
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return CLI_CONN_NO_SOCKET;
    case ECONNREFUSED:
        return CLI_CONN_REFUSED;
    case EACCES:
    case EPERM:
        return CLI_CONN_DENIED;
    case ETIMEDOUT:
        return CLI_CONN_TIMEOUT;
    case EPIPE:
    case ECONNRESET:
        return CLI_CONN_CLOSED;
    default:
        return CLI_CONN_FAILED;
    }
}

/* Waits for events on fd until the deadline; 0, or an error code. */
static int wait_fd(int fd, short events, long long deadline, char *detail, size_t len)
{
    for (;;) {
        struct pollfd p = { fd, events, 0 };
        long long left = deadline - cl_mono_ms();
        int r;

        if (left <= 0) {
            snprintf(detail, len, "no answer in time");
            return CLI_CONN_TIMEOUT;
        }
        r = poll(&p, 1, (int)left);
        if (r > 0)
            return CLI_CONN_OK;
        if (r < 0 && errno != EINTR)
            return from_errno(errno, detail, len);
    }
}

int cli_conn_open(const char *path, int timeout_ms, cli_conn **out, char *detail, size_t len)
{
    struct sockaddr_un sa;
    long long deadline = cl_mono_ms() + timeout_ms;
    cl_sock_trust trust;
    cli_conn *c;
    socklen_t sl = sizeof sa;
    int err = 0, rc;

    *out = NULL;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa.sun_path) {
        snprintf(detail, len, "the path is longer than %zu bytes", sizeof sa.sun_path - 1);
        return CLI_CONN_FAILED;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    rc = cl_sock_check(path, &trust, detail, len);
    if (rc == CL_SOCK_MISSING)
        return from_errno(errno, detail, len);
    if (rc != CL_SOCK_OK)
        return CLI_CONN_UNSAFE;
    if ((c = calloc(1, sizeof *c)) == NULL) {
        snprintf(detail, len, "out of memory");
        return CLI_CONN_FAILED;
    }
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c->fd < 0) {
        rc = from_errno(errno, detail, len);
        goto fail;
    }
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        /* A full listen backlog makes a Unix socket connect wait. */
        if (errno != EINPROGRESS && errno != EAGAIN) {
            rc = from_errno(errno, detail, len);
            goto fail;
        }
        if ((rc = wait_fd(c->fd, POLLOUT, deadline, detail, len)) != CLI_CONN_OK)
            goto fail;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl) != 0 || err != 0) {
            rc = from_errno(err ? err : errno, detail, len);
            goto fail;
        }
    }
    if (cl_sock_check_peer(c->fd, path, &trust, detail, len) != 0) {
        rc = CLI_CONN_UNSAFE;
        goto fail;
    }
    *out = c;
    return CLI_CONN_OK;
fail:
    cli_conn_close(c);
    return rc;
}

static int send_all(cli_conn *c, const char *p, size_t n, long long deadline, char *detail,
                    size_t len)
{
    while (n > 0) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        int rc;

        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
            return from_errno(errno, detail, len);
        } else if ((rc = wait_fd(c->fd, POLLOUT, deadline, detail, len)) != CLI_CONN_OK) {
            return rc;
        }
    }
    return CLI_CONN_OK;
}

int cli_conn_request(cli_conn *c, const char *line, int timeout_ms, char **reply, char *detail,
                     size_t len)
{
    long long deadline = cl_mono_ms() + timeout_ms;
    char *nl;
    int rc;

    *reply = NULL;
    if ((rc = send_all(c, line, strlen(line), deadline, detail, len)) != CLI_CONN_OK)
        return rc;
    while ((nl = c->n ? memchr(c->buf, '\n', c->n) : NULL) == NULL) {
        ssize_t r;

        if (c->n + 4096 > c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 8192;
            char *b;

            if (cap > MAX_REPLY || (b = realloc(c->buf, cap)) == NULL) {
                snprintf(detail, len, "the reply is too long");
                return CLI_CONN_FAILED;
            }
            c->buf = b;
            c->cap = cap;
        }
        r = recv(c->fd, c->buf + c->n, c->cap - c->n, 0);
        if (r > 0) {
            c->n += (size_t)r;
        } else if (r == 0) {
            snprintf(detail, len, "the connection was closed before a reply");
            return CLI_CONN_CLOSED;
        } else if (errno != EAGAIN && errno != EINTR) {
            return from_errno(errno, detail, len);
        } else if ((rc = wait_fd(c->fd, POLLIN, deadline, detail, len)) != CLI_CONN_OK) {
            return rc;
        }
    }
    *reply = strndup(c->buf, (size_t)(nl - c->buf));
    if (*reply == NULL) {
        snprintf(detail, len, "out of memory");
        return CLI_CONN_FAILED;
    }
    c->n -= (size_t)(nl + 1 - c->buf);
    memmove(c->buf, nl + 1, c->n);
    return CLI_CONN_OK;
}

void cli_conn_close(cli_conn *c)
{
    if (c == NULL)
        return;
    if (c->fd >= 0)
        close(c->fd);
    free(c->buf);
    free(c);
}
