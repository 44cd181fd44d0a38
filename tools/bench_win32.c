/* bench_win32.c - bench.h with threads: Windows has no fork. Each producer
 * thread opens a logger of its own, hence its own pipe connection, so the
 * collector sees as many clients as with processes; they share one PID,
 * and so one rate-limit bucket (start the collector with
 * --rate-limit-burst 0 to measure without it). */
#include "bench.h"

#include <windows.h>

#include <stdio.h>
#include <stdlib.h>

typedef struct producer {
    bench_team *t;
    int id;
    int rc;
    HANDLE thread;
    int done;
} producer;

struct bench_gate {
    HANDLE go;         /* manual-reset event: the starting gun */
    volatile LONG off; /* set before go when the run is called off */
};

struct bench_team {
    int n, running, failures;
    bench_fn fn;
    const void *arg;
    void *shared;
    bench_gate gate;
    double cpu0;
    producer p[];
};

int bench_gate_wait(bench_gate *gate)
{
    WaitForSingleObject(gate->go, INFINITE);
    return InterlockedCompareExchange(&gate->off, 0, 0) ? -1 : 0;
}

static double process_cpu(void)
{
    FILETIME c, e, k, u;
    ULARGE_INTEGER kk, uu;

    if (!GetProcessTimes(GetCurrentProcess(), &c, &e, &k, &u))
        return 0;
    kk.LowPart = k.dwLowDateTime;
    kk.HighPart = k.dwHighDateTime;
    uu.LowPart = u.dwLowDateTime;
    uu.HighPart = u.dwHighDateTime;
    return (double)(kk.QuadPart + uu.QuadPart) / 1e7; /* 100 ns units */
}

static DWORD WINAPI run(void *arg)
{
    producer *p = arg;

    p->rc = p->t->fn(p->t->shared, p->id, p->t->arg, &p->t->gate);
    return 0;
}

bench_team *bench_team_start(int n, bench_fn fn, const void *arg, size_t size, void **shared,
                             char *err, size_t errlen)
{
    bench_team *t = calloc(1, sizeof *t + (size_t)n * sizeof t->p[0]);

    if (t == NULL || (t->shared = calloc(1, size)) == NULL) {
        snprintf(err, errlen, "out of memory");
        free(t);
        return NULL;
    }
    t->fn = fn;
    t->arg = arg;
    t->gate.go = CreateEventW(NULL, TRUE, FALSE, NULL);
    t->cpu0 = process_cpu();
    for (int id = 0; t->gate.go != NULL && id < n; id++) {
        producer *p = &t->p[id];

        p->t = t;
        p->id = id;
        p->thread = CreateThread(NULL, 0, run, p, 0, NULL);
        if (p->thread == NULL)
            break;
        t->n++;
        t->running++;
    }
    if (t->n < n) {
        snprintf(err, errlen, "cannot start producer threads (Windows error %lu)",
                 (unsigned long)GetLastError());
        bench_team_free(t);
        return NULL;
    }
    *shared = t->shared;
    return t;
}

void bench_team_release(bench_team *t)
{
    if (t->gate.go != NULL)
        SetEvent(t->gate.go);
}

int bench_team_reap(bench_team *t, int block)
{
    for (;;) {
        for (int i = 0; i < t->n; i++) {
            producer *p = &t->p[i];

            if (!p->done && WaitForSingleObject(p->thread, 0) == WAIT_OBJECT_0) {
                p->done = 1;
                t->running--;
                t->failures += p->rc != 0;
                block = 0;
            }
        }
        if (!block || t->running == 0)
            return t->running;
        Sleep(20); /* more than 64 threads: no single wait covers them all */
    }
}

int bench_team_failures(const bench_team *t)
{
    return t->failures;
}

double bench_team_cpu(const bench_team *t)
{
    return process_cpu() - t->cpu0;
}

void bench_team_free(bench_team *t)
{
    if (t == NULL)
        return;
    if (t->gate.go != NULL && WaitForSingleObject(t->gate.go, 0) != WAIT_OBJECT_0)
        InterlockedExchange(&t->gate.off, 1); /* never released: the run is off */
    bench_team_release(t);
    while (bench_team_reap(t, 1) > 0)
        ;
    for (int i = 0; i < t->n; i++)
        CloseHandle(t->p[i].thread);
    if (t->gate.go != NULL)
        CloseHandle(t->gate.go);
    free(t->shared);
    free(t);
}
