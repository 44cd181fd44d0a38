/* cmd_bench.c - `centrallog bench`: P producers x M entries of S
 * bytes through the SDK into a running collector. Reports throughput (from a
 * common start to the last acknowledgement, i.e. committed to both sinks),
 * the producers' CPU time, and the latency of a log call until the collector
 * has committed it (a paced phase of single entries, each flushed). The
 * producers are processes on POSIX and threads on Windows (bench.h). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "bench.h"
#include "centrallog.h"
#include "cli.h"
#include "platform.h"
#include "report.h"
#include "clock.h"

typedef struct shared_state {
    atomic_uint_fast64_t logged; /* progress, summed over producers */
    atomic_int failed;
    atomic_int ready;                /* producers set up and waiting at the gate */
    atomic_uint_fast64_t suppressed; /* held back by the collector's rate limit */
    double start_s, end_s[256];
    double lat_us[]; /* latency samples, producer-major */
} shared_state;

typedef struct bench_opts {
    long producers, latency_samples, entries, size;
    int json;
    const char *address;
} bench_opts;

/* Each producer's entries times the producers must fit a long (32 bits on
 * Windows). */
#define MAX_ENTRIES (LONG_MAX / 256)

static void bench_usage(FILE *f)
{
    fprintf(f,
            "Usage: centrallog bench [-P PRODUCERS] [-n ENTRIES] [-s BYTES] [--json]\n\n"
            "Runs PRODUCERS processes (threads on Windows; default 4), each logging ENTRIES\n"
            "entries (default 100000) with a message of BYTES bytes (default 200) through\n"
            "libcentrallog into the running collector, then measures log-to-commit latency\n"
            "with --latency-samples single flushed entries per producer (default 200).\n"
            "Producers connect (one \"ready\" entry each) before the clock starts.\n"
            "Entries go to app \"centrallog-bench\"; use a scratch collector if that matters.\n\n"
            "Options:\n"
            "  -P, --producers N    producers, 1-256 (default 4)\n"
            "  -n, --entries N      entries per producer, 1 or more (default 100000)\n"
            "  -s, --size BYTES     message size, 16-60000 (default 200)\n"
            "  -L, --latency-samples N\n"
            "                       flushed entries per producer timed one by one,\n"
            "                       0-100000 (default 200)\n"
            "      --json           the results as one JSON object\n"
            "  -h, --help           this help\n\n"
            "Exit status: 0 done, 1 entries were lost, rejected or rate-limited, 2 bad usage,\n"
            "3 no collector reachable.\n");
}

/* One producer: its own logger, hence its own connection. Returns 0, or 1
 * when it could not start; lost entries are counted in sh->failed. */
static int producer(void *shared, int id, const void *arg, bench_gate *gate)
{
    const bench_opts *b = arg;
    shared_state *sh = shared;
    cl_options o;
    cl_logger *lg;
    cl_stats st;
    char *msg = malloc((size_t)b->size + 1);

    cl_options_init(&o);
    o.address = b->address;
    if (msg == NULL || cl_open(&lg, "centrallog-bench", &o) != CL_OK) {
        free(msg);
        return 1;
    }
    memset(msg, 'x', (size_t)b->size);
    msg[b->size] = '\0';
    /* Connected before the clock starts: the first entry does it, and a
     * sync makes sure the collector has it. */
    cl_log(lg, CL_INFO, "bench producer %d ready", id);
    if (cl_flush(lg, 10000) != CL_OK)
        atomic_fetch_add(&sh->failed, 1);
    atomic_fetch_add(&sh->ready, 1);
    if (bench_gate_wait(gate) != 0) {
        cl_close(lg);
        free(msg);
        return 1;
    }
    for (long i = 0; i < b->entries; i++) {
        char head[32];
        int n = snprintf(head, sizeof head, "p%d #%ld ", id, i);

        memcpy(msg, head, (size_t)n < (size_t)b->size ? (size_t)n : (size_t)b->size);
        if (cl_log_kv(lg, CL_INFO, msg, CL_INT("seq", i), CL_INT("producer", id)) != CL_OK)
            atomic_fetch_add(&sh->failed, 1);
        if ((i & 1023) == 0)
            atomic_fetch_add(&sh->logged, 1024);
    }
    if (cl_flush(lg, 60000) != CL_OK)
        atomic_fetch_add(&sh->failed, 1);
    sh->end_s[id] = (double)cl_mono_us() / 1e6;
    for (int k = 0; k < b->latency_samples; k++) {
        double t0 = (double)cl_mono_us() / 1e6;

        cl_log(lg, CL_INFO, "latency probe %d", k);
        if (cl_flush(lg, 10000) != CL_OK)
            atomic_fetch_add(&sh->failed, 1);
        sh->lat_us[id * b->latency_samples + k] = ((double)cl_mono_us() / 1e6 - t0) * 1e6;
    }
    cl_get_stats(lg, &st);
    if (st.rejected || st.dropped)
        atomic_fetch_add(&sh->failed, 1);
    atomic_fetch_add(&sh->suppressed, st.suppressed);
    cl_close(lg);
    free(msg);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
    size_t i = (size_t)ceil(p / 100.0 * (double)n);

    return n ? v[i ? i - 1 : 0] : 0;
}

static void progress(const shared_state *sh, long total)
{
    uint64_t done = atomic_load(&sh->logged);
    int width = 40, fill = (int)(width * (double)(done > (uint64_t)total ? (uint64_t)total : done) /
                                 (double)total);

    fprintf(stderr, "\r[%-*.*s] %3d%%", width, fill, "########################################",
            (int)(100.0 * (double)fill / width));
}

/* The number options: what each takes, and where it goes. */
static const struct bench_limit {
    const char *opt, *what;
    long lo, hi;
    size_t off; /* of a long in bench_opts */
} limits[] = {
    { "-P/--producers", "1-256 producers", 1, 256, offsetof(bench_opts, producers) },
    { "-n/--entries", ">= 1 entries (per producer)", 1, MAX_ENTRIES,
      offsetof(bench_opts, entries) },
    { "-s/--size", "16-60000 bytes", 16, 60000, offsetof(bench_opts, size) },
    { "-L/--latency-samples", "0-100000 latency samples", 0, 100000,
      offsetof(bench_opts, latency_samples) },
};

/* opt->data is the index in limits. */
static int opt_number(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    const struct bench_limit *l = &limits[opt->data];
    long long v;

    if (cli_parse_long(arg, l->lo, l->hi, &v) != 0) {
        snprintf(err, errlen, "%s: expected %s, got '%s'", l->opt, l->what, arg);
        return CLI_USAGE;
    }
    *(long *)(void *)((char *)ctx + l->off) = (long)v;
    return CLI_OK;
}

static const cli_opt bench_options[] = {
    { "producers", 'P', 1, opt_number, CLI_ALL_CMDS, 0 },
    { "entries", 'n', 1, opt_number, CLI_ALL_CMDS, 1 },
    { "size", 's', 1, opt_number, CLI_ALL_CMDS, 2 },
    { "latency-samples", 'L', 1, opt_number, CLI_ALL_CMDS, 3 },
    { "json", 0, 0, cli_opt_flag, CLI_ALL_CMDS, offsetof(bench_opts, json) },
    { "help", 'h', 0, cli_opt_help, CLI_ALL_CMDS, 0 },
};

int cmd_bench(const cli_global *g, int argc, char **argv)
{
    bench_opts b = { 4, 200, 100000, 200, 0, NULL };
    cli_opt_group group = { bench_options, sizeof bench_options / sizeof bench_options[0], &b,
                            CLI_ALL_CMDS };
    int c, tty = cli_is_terminal(stderr);
    char err[256];
    bench_team *team;
    shared_state *sh;
    void *mem;
    size_t nlat;
    double end = 0, cpu, secs;
    long total;

    c = cli_args_parse(&group, 1, CLI_ARGS_NO_OPERANDS, argc, argv, NULL, err, sizeof err);
    if (cli_args_report(c, "bench", err, bench_usage) != CLI_OK)
        return c == CLI_ARGS_HELP ? CLI_OK : c;
    {
        cl_logger *probe;
        int rc;
        cl_options o;

        cl_options_init(&o);
        o.address = g->address;
        if (cl_open(&probe, "centrallog-bench", &o) != CL_OK)
            return cli_fail(CLI_USAGE, "bench", "cannot create a logger");
        cl_log(probe, CL_INFO, "centrallog bench: %ld producers x %ld entries x %ld bytes",
               b.producers, b.entries, b.size);
        rc = cl_flush(probe, 3000);
        cl_close(probe);
        if (rc != CL_OK)
            return cli_fail(CLI_UNREACHABLE, "bench", "no collector answered: %s", cl_strerror(rc));
    }
    b.address = g->address;
    nlat = (size_t)b.producers * (size_t)b.latency_samples;
    team = bench_team_start((int)b.producers, producer, &b, sizeof *sh + nlat * sizeof(double),
                            &mem, err, sizeof err);
    if (team == NULL)
        return cli_fail(CLI_FAILED, "bench", "%s", err);
    sh = mem;
    /* Every producer connected, or 30 s passed (one that cannot connect
     * counts as a failure anyway). */
    for (int waited = 0; atomic_load(&sh->ready) < b.producers && waited < 30000; waited += 20)
        cli_sleep_ms(20);
    sh->start_s = (double)cl_mono_us() / 1e6;
    bench_team_release(team);
    total = b.entries * b.producers;
    while (bench_team_reap(team, !tty) > 0) {
        if (tty) {
            progress(sh, total);
            cli_sleep_ms(100);
        }
    }
    if (tty)
        fprintf(stderr, "\r%60s\r", "");
    if (bench_team_failures(team))
        atomic_fetch_add(&sh->failed, bench_team_failures(team));
    for (int p = 0; p < b.producers; p++)
        end = sh->end_s[p] > end ? sh->end_s[p] : end;
    secs = end - sh->start_s;
    cpu = bench_team_cpu(team);
    qsort(sh->lat_us, nlat, sizeof(double), cmp_double);
    if (b.json) {
        printf("{\"producers\":%ld,\"entries\":%ld,\"size\":%ld,\"seconds\":%.3f,"
               "\"entries_per_s\":%.0f,\"mb_per_s\":%.2f,\"producer_cpu_s\":%.3f,"
               "\"latency_us\":{\"samples\":%zu,\"p50\":%.1f,\"p99\":%.1f,\"p99_9\":%.1f},"
               "\"suppressed\":%" PRIuFAST64 ",\"failures\":%d}\n",
               b.producers, total, b.size, secs, (double)total / secs,
               (double)total * (double)b.size / secs / 1e6, cpu, nlat, pct(sh->lat_us, nlat, 50),
               pct(sh->lat_us, nlat, 99), pct(sh->lat_us, nlat, 99.9),
               (uint_fast64_t)atomic_load(&sh->suppressed), atomic_load(&sh->failed));
    } else {
        printf("%ld producers x %ld entries x %ld bytes: %ld entries in %.2f s\n", b.producers,
               b.entries, b.size, total, secs);
        printf("  throughput: %.0f entries/s, %.1f MB/s of messages (committed to both sinks)\n",
               (double)total / secs, (double)total * (double)b.size / secs / 1e6);
        printf("  producers' CPU: %.2f s (%.2f us per entry)\n", cpu, cpu * 1e6 / (double)total);
        if (nlat)
            printf("  log-to-commit latency over %zu single entries: p50 %.0f us, p99 %.0f us, "
                   "p99.9 %.0f us\n",
                   nlat, pct(sh->lat_us, nlat, 50), pct(sh->lat_us, nlat, 99),
                   pct(sh->lat_us, nlat, 99.9));
        if (atomic_load(&sh->failed))
            printf("  FAILURES: %d (entries dropped, rejected or not acknowledged)\n",
                   atomic_load(&sh->failed));
    }
    /* Suppressed entries were never stored: the rate above is not a rate of
     * stored entries, so say why, and fail. */
    if (atomic_load(&sh->suppressed))
        cli_fail(0, "bench",
                 "the collector's rate limit held back %" PRIuFAST64
                 " entries, so this measured the limiter; start a collector with "
                 "--rate-limit-burst 0 to benchmark",
                 (uint_fast64_t)atomic_load(&sh->suppressed));
    c = atomic_load(&sh->failed) || atomic_load(&sh->suppressed) ? CLI_FAILED : CLI_OK;
    bench_team_free(team);
    return c;
}
