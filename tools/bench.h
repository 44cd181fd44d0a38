/* bench.h - the producers of `centrallog bench`, per platform: processes on
 * POSIX (fork, with their results in shared anonymous memory), threads on
 * Windows, which has no fork (each with a logger, so a connection, of its
 * own). bench_posix.c and bench_win32.c; cmd_bench.c is the portable rest. */
#ifndef CLI_BENCH_H
#define CLI_BENCH_H

#include <stddef.h>

typedef struct bench_team bench_team;
typedef struct bench_gate bench_gate;

/* A producer: sets itself up (connects), then waits at the gate so that all
 * start together; returns 0 on success. shared is the memory every producer
 * and the parent see. */
typedef int (*bench_fn)(void *shared, int id, const void *arg, bench_gate *gate);

/* Returns 0 once the team is released, -1 when the run was called off (a
 * producer could not be started): then return without producing. */
int bench_gate_wait(bench_gate *gate);

/* Starts n producers of fn, held until bench_team_release, and size bytes of
 * zeroed shared memory (*shared). Returns NULL with a reason in err. */
bench_team *bench_team_start(int n, bench_fn fn, const void *arg, size_t size, void **shared,
                             char *err, size_t errlen);

/* Lets every producer go at once. */
void bench_team_release(bench_team *t);

/* Collects producers that have finished, waiting for one if block is set.
 * Returns how many are still running. */
int bench_team_reap(bench_team *t, int block);

/* Producers that failed or died. */
int bench_team_failures(const bench_team *t);

/* CPU seconds (user + system) the producers used. */
double bench_team_cpu(const bench_team *t);

/* Calls the run off if it was never released, waits for the producers,
 * then frees the team and the shared memory. */
void bench_team_free(bench_team *t);

#endif
