/* io_timer.c - see io_timer.h. */
#include "io_timer.h"

#include <stddef.h>

#include "ioloop.h"

void cl_timers_disarm(cl_timers *t, cl_timer_node *n)
{
    if (n->timeout_ms == 0)
        return;
    if (n->prev)
        n->prev->next = n->next;
    else
        t->armed = n->next;
    if (n->next)
        n->next->prev = n->prev;
    n->prev = n->next = NULL;
    n->timeout_ms = 0;
}

void cl_timers_arm(cl_timers *t, cl_timer_node *n, int ms, long long now)
{
    if (ms <= 0) {
        cl_timers_disarm(t, n);
        return;
    }
    if (n->timeout_ms == 0) {
        if (t->armed == NULL)
            t->next_sweep_ms = now + CL_IO_SWEEP_MS;
        n->progress_ms = now;
        n->prev = NULL;
        n->next = t->armed;
        if (t->armed)
            t->armed->prev = n;
        t->armed = n;
    }
    n->timeout_ms = ms;
}

void cl_timers_set_tick(cl_timers *t, int ms, long long now)
{
    t->tick_ms = ms > 0 ? ms : 0;
    t->next_tick_ms = now + t->tick_ms;
}

int cl_timers_wait(const cl_timers *t, long long now, int timeout_ms)
{
    long long due = -1;

    if (t->armed != NULL)
        due = t->next_sweep_ms;
    if (t->tick_ms > 0 && (due < 0 || t->next_tick_ms < due))
        due = t->next_tick_ms;
    if (due >= 0) {
        long long left = due > now ? due - now : 0;

        if (timeout_ms < 0 || left < timeout_ms)
            timeout_ms = (int)left;
    }
    return timeout_ms;
}

int cl_timers_run(cl_timers *t, long long now, int (*reading)(cl_timer_node *, void *),
                  void (*expired)(cl_timer_node *, void *), void *ctx)
{
    if (t->armed != NULL && now >= t->next_sweep_ms) {
        cl_timer_node *next;

        t->next_sweep_ms = now + CL_IO_SWEEP_MS;
        for (cl_timer_node *n = t->armed; n != NULL; n = next) {
            next = n->next;
            if (!reading(n, ctx)) {
                n->progress_ms = now;
            } else if (now - n->progress_ms >= n->timeout_ms) {
                cl_timers_disarm(t, n);
                expired(n, ctx); /* may free n's stream, never another one */
            }
        }
    }
    if (t->tick_ms > 0 && now >= t->next_tick_ms) {
        t->next_tick_ms = now + t->tick_ms;
        return 1;
    }
    return 0;
}
