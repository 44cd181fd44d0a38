/* poller_epoll.c - level-triggered epoll. Level triggering lets the loop
 * read one buffer per stream per turn (fairness) without bookkeeping of
 * which streams still have data. */
#include "poller.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

struct cl_poller {
    int epfd;
    /* Which fds are registered, indexed by fd, to choose ADD or MOD. */
    unsigned char *known;
    size_t nknown;
};

int cl_poller_new(cl_poller **out)
{
    cl_poller *p = calloc(1, sizeof *p);

    *out = NULL;
    if (p == NULL)
        return -1;
    p->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (p->epfd < 0) {
        free(p);
        return -1;
    }
    *out = p;
    return 0;
}

static int mark(cl_poller *p, int fd, unsigned char v)
{
    if ((size_t)fd >= p->nknown) {
        size_t n = p->nknown ? p->nknown : 64;
        unsigned char *k;

        while (n <= (size_t)fd)
            n *= 2;
        k = realloc(p->known, n);
        if (k == NULL)
            return -1;
        for (size_t i = p->nknown; i < n; i++)
            k[i] = 0;
        p->known = k;
        p->nknown = n;
    }
    p->known[fd] = v;
    return 0;
}

int cl_poller_set(cl_poller *p, int fd, void *ptr, int events)
{
    struct epoll_event ev = { 0 };
    int op = ((size_t)fd < p->nknown && p->known[fd]) ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

    ev.events = ((events & CL_POLL_IN) ? EPOLLIN : 0) | ((events & CL_POLL_OUT) ? EPOLLOUT : 0);
    ev.data.ptr = ptr;
    if (epoll_ctl(p->epfd, op, fd, &ev) != 0)
        return -1;
    return mark(p, fd, 1);
}

void cl_poller_del(cl_poller *p, int fd)
{
    if ((size_t)fd < p->nknown && p->known[fd]) {
        epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
        p->known[fd] = 0;
    }
}

int cl_poller_wait(cl_poller *p, cl_poll_event *out, int max, int timeout_ms)
{
    struct epoll_event ev[256];
    int n;

    if (max > 256)
        max = 256;
    n = epoll_wait(p->epfd, ev, max, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    for (int i = 0; i < n; i++) {
        out[i].ptr = ev[i].data.ptr;
        out[i].events = ((ev[i].events & EPOLLIN) ? CL_POLL_IN : 0) |
                        ((ev[i].events & EPOLLOUT) ? CL_POLL_OUT : 0) |
                        ((ev[i].events & (EPOLLERR | EPOLLHUP)) ? CL_POLL_ERR : 0);
    }
    return n;
}

void cl_poller_free(cl_poller *p)
{
    if (p == NULL)
        return;
    close(p->epfd);
    free(p->known);
    free(p);
}
