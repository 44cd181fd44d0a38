/* sdk_bench.c - libcentrallog's costs as an application sees them, against a
 * running collector ($CENTRALLOG_ADDRESS). Prints one JSON object:
 *  - call_ns: cost of one cl_log() on the caller's thread (median and p99 of
 *    per-batch averages over batches of 1000 calls; the buffer is made large
 *    enough that no call waits, so this is the call itself);
 *  - threads8_per_s: one process, 8 threads, 100,000 entries each, from the
 *    first call until cl_flush() returns (committed to both sinks);
 *  - sync_us: log one entry + cl_flush(), p50/p99 over 2,000 round trips.
 * Usage: cl-bench-sdk [CALLS] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "centrallog.h"

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);

    return v[i];
}

static cl_logger *g_lg;

static void *thread_main(void *arg)
{
    long id = (long)(intptr_t)arg;

    for (long i = 0; i < 100000; i++)
        cl_log_kv(g_lg, CL_INFO, "request handled", CL_INT("thread", id), CL_INT("i", i),
                  CL_STR("path", "/api/v1/orders"), CL_DOUBLE("ms", 12.5));
    return NULL;
}

int main(int argc, char **argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 200000;
    size_t batches = (size_t)(calls / 1000);
    double *per = malloc(batches * sizeof *per), *rt = malloc(2000 * sizeof *rt);
    cl_options o;
    cl_logger *lg;
    pthread_t th[8];
    double t0;

    if (per == NULL || rt == NULL || batches == 0)
        return 2;
    cl_options_init(&o);
    o.buffer_entries = (size_t)calls + 10;
    o.buffer_bytes = (size_t)calls * 512;
    if (cl_open(&lg, "sdk-bench", &o) != CL_OK)
        return 1;
    /* Warm up: connection, thread-local buffers, page faults. */
    for (int i = 0; i < 2000; i++)
        cl_log(lg, CL_INFO, "warm-up %d", i);
    if (cl_flush(lg, 10000) != CL_OK)
        return fprintf(stderr, "sdk_bench: no collector at $CENTRALLOG_ADDRESS\n"), 3;
    for (size_t b = 0; b < batches; b++) {
        double s = now_ns();

        for (int i = 0; i < 1000; i++)
            cl_log_kv(lg, CL_INFO, "request handled", CL_INT("i", i),
                      CL_STR("path", "/api/v1/orders"), CL_DOUBLE("ms", 12.5));
        per[b] = (now_ns() - s) / 1000.0;
    }
    if (cl_flush(lg, 60000) != CL_OK)
        return 1;
    for (int i = 0; i < 2000; i++) {
        double s = now_ns();

        cl_log(lg, CL_INFO, "round trip %d", i);
        cl_flush(lg, 10000);
        rt[i] = (now_ns() - s) / 1000.0;
    }
    cl_close(lg);

    cl_options_init(&o);
    o.overflow = CL_OVERFLOW_BLOCK;
    if (cl_open(&g_lg, "sdk-bench-threads", &o) != CL_OK)
        return 1;
    t0 = now_ns();
    for (long t = 0; t < 8; t++)
        pthread_create(&th[t], NULL, thread_main, (void *)(intptr_t)t);
    for (int t = 0; t < 8; t++)
        pthread_join(th[t], NULL);
    if (cl_flush(g_lg, 120000) != CL_OK)
        return 1;
    {
        double secs = (now_ns() - t0) / 1e9;

        cl_close(g_lg);
        qsort(per, batches, sizeof *per, cmp);
        qsort(rt, 2000, sizeof *rt, cmp);
        printf("{\"calls\":%ld,\"call_ns\":{\"median\":%.0f,\"p99\":%.0f},"
               "\"threads8_per_s\":%.0f,\"sync_us\":{\"p50\":%.0f,\"p99\":%.0f}}\n",
               calls, pct(per, batches, 50), pct(per, batches, 99), 800000.0 / secs,
               pct(rt, 2000, 50), pct(rt, 2000, 99));
    }
    free(per);
    free(rt);
    return 0;
}
