/* poller_poll.c - poll(2) for POSIX systems without epoll. O(n) per wait,
 * which is fine for the connection counts a local collector sees. */
#include "poller.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>

struct cl_poller {
    struct pollfd *fds;
    void **ptrs;
    size_t n, cap;
    int *slot; /* fd -> index in fds, -1 if absent */
    size_t nslot;
    size_t next; /* where the next wait starts reporting, for fairness */
};

int cl_poller_new(cl_poller **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : -1;
}

static int grow_slots(cl_poller *p, int fd)
{
    size_t n = p->nslot ? p->nslot : 64;
    int *s;

    while (n <= (size_t)fd)
        n *= 2;
    s = realloc(p->slot, n * sizeof *s);
    if (s == NULL)
        return -1;
    for (size_t i = p->nslot; i < n; i++)
        s[i] = -1;
    p->slot = s;
    p->nslot = n;
    return 0;
}

int cl_poller_set(cl_poller *p, int fd, void *ptr, int events)
{
    short ev =
        (short)(((events & CL_POLL_IN) ? POLLIN : 0) | ((events & CL_POLL_OUT) ? POLLOUT : 0));
    int i;

    if ((size_t)fd >= p->nslot && grow_slots(p, fd) != 0)
        return -1;
    i = p->slot[fd];
    if (i < 0) {
        if (p->n == p->cap) {
            size_t cap = p->cap ? p->cap * 2 : 64;
            struct pollfd *f = realloc(p->fds, cap * sizeof *f);
            void **q;

            if (f == NULL)
                return -1;
            p->fds = f;
            q = realloc(p->ptrs, cap * sizeof *q);
            if (q == NULL)
                return -1;
            p->ptrs = q;
            p->cap = cap;
        }
        i = (int)p->n++;
        p->slot[fd] = i;
        p->fds[i].fd = fd;
    }
    p->fds[i].events = ev;
    p->fds[i].revents = 0;
    p->ptrs[i] = ptr;
    return 0;
}

void cl_poller_del(cl_poller *p, int fd)
{
    int i, last;

    if ((size_t)fd >= p->nslot || (i = p->slot[fd]) < 0)
        return;
    last = (int)--p->n;
    if (i != last) {
        p->fds[i] = p->fds[last];
        p->ptrs[i] = p->ptrs[last];
        p->slot[p->fds[i].fd] = i;
    }
    p->slot[fd] = -1;
}

int cl_poller_wait(cl_poller *p, cl_poll_event *out, int max, int timeout_ms)
{
    int n = poll(p->fds, (nfds_t)p->n, timeout_ms), got = 0;

    if (n < 0)
        return errno == EINTR ? 0 : -1;
    for (size_t k = 0; k < p->n && got < max && n > 0; k++) {
        size_t i = (p->next + k) % p->n;
        short r = p->fds[i].revents;

        if (r == 0)
            continue;
        out[got].ptr = p->ptrs[i];
        out[got].events = ((r & POLLIN) ? CL_POLL_IN : 0) | ((r & POLLOUT) ? CL_POLL_OUT : 0) |
                          ((r & (POLLERR | POLLHUP | POLLNVAL)) ? CL_POLL_ERR : 0);
        got++;
    }
    p->next = p->n ? (p->next + 1) % p->n : 0;
    return got;
}

void cl_poller_free(cl_poller *p)
{
    if (p == NULL)
        return;
    free(p->fds);
    free(p->ptrs);
    free(p->slot);
    free(p);
}
