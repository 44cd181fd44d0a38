/* bench_posix.c - bench.h with processes: each producer is a fork of the
 * CLI, so producers have PIDs (and rate-limit buckets) of their own, as real
 * applications do. */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

struct bench_team {
    int n, running, failures;
    int go[2]; /* one byte per producer: go; end-of-file without one: off */
    void *shared;
    size_t size;
};

struct bench_gate {
    int fd;
};

int bench_gate_wait(bench_gate *gate)
{
    char c;

    return read(gate->fd, &c, 1) == 1 ? 0 : -1;
}

bench_team *bench_team_start(int n, bench_fn fn, const void *arg, size_t size, void **shared,
                             char *err, size_t errlen)
{
    bench_team *t = calloc(1, sizeof *t);

    if (t == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->n = n;
    t->size = size;
    t->shared = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (t->shared == MAP_FAILED || pipe(t->go) != 0) {
        snprintf(err, errlen, "cannot set up shared memory: %s", strerror(errno));
        if (t->shared != MAP_FAILED)
            munmap(t->shared, size);
        free(t);
        return NULL;
    }
    for (int id = 0; id < n; id++) {
        pid_t pid = fork();

        if (pid == 0) {
            bench_gate gate = { t->go[0] };

            close(t->go[1]);
            _exit(fn(t->shared, id, arg, &gate) != 0);
        }
        if (pid < 0) {
            snprintf(err, errlen, "fork: %s", strerror(errno));
            bench_team_free(t);
            return NULL;
        }
        t->running++;
    }
    close(t->go[0]);
    t->go[0] = -1;
    *shared = t->shared;
    return t;
}

/* go: one byte for each producer (each reads one), then end-of-file;
 * called off: end-of-file only. */
static void open_gate(bench_team *t, int go)
{
    char buf[256];

    if (t->go[1] < 0)
        return;
    memset(buf, 'g', sizeof buf);
    for (int left = go ? t->n : 0; left > 0;) {
        ssize_t w = write(t->go[1], buf, (size_t)(left < 256 ? left : 256));

        if (w <= 0 && errno != EINTR)
            break;
        left -= w > 0 ? (int)w : 0;
    }
    close(t->go[1]);
    t->go[1] = -1;
}

void bench_team_release(bench_team *t)
{
    open_gate(t, 1);
}

int bench_team_reap(bench_team *t, int block)
{
    int st;
    pid_t w;

    while (t->running > 0 && (w = waitpid(-1, &st, block ? 0 : WNOHANG)) != 0) {
        if (w < 0) {
            if (errno == EINTR)
                continue;
            t->failures += t->running; /* lost track of them: count as failed */
            t->running = 0;
            break;
        }
        t->running--;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            t->failures++;
        block = 0; /* one was enough; collect any others without waiting */
    }
    return t->running;
}

int bench_team_failures(const bench_team *t)
{
    return t->failures;
}

double bench_team_cpu(const bench_team *t)
{
    struct rusage ru;

    (void)t;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

void bench_team_free(bench_team *t)
{
    if (t == NULL)
        return;
    open_gate(t, 0); /* never released: the run is off */
    while (bench_team_reap(t, 1) > 0)
        ;
    if (t->go[0] >= 0)
        close(t->go[0]);
    munmap(t->shared, t->size);
    free(t);
}
