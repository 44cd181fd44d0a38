/* sdk_stress.c - hammers one logger from many threads while another thread
 * flushes, reads the counters and makes failing calls, for
 * tests/e2e/test_sdk_stress.py (which restarts the collector under it).
 *
 *   sdk_stress --threads 8 --entries 4000 [--rate PER_THREAD_PER_S]
 *              [--buffer-entries N] [--overflow wait|drop_newest]
 *              [--flush-ms MS] [--until-eof 1] --dropped FILE
 *
 * Thread T logs "s<T> #<i>" for i < entries (with --until-eof: until
 * stdin reaches its end, at most entries), through cl_log, cl_log_kv and
 * cl_log_at in turn; the JSON's "calls" lists how many each thread made. Every call's result is kept: FILE gets one line "T i"
 * per call that returned CL_EDROPPED, so the test knows exactly which
 * entries must be stored. The checker thread asserts what the header
 * promises of the counters while they move: none ever decreases, and
 * queued + dropped never exceeds the calls made. After the threads, one
 * cl_flush; the last stdout line is JSON with the call results and
 * cl_stats; then cl_close (report_stderr on: it would say what it could not
 * deliver). cl_close is not called while threads log: the header forbids
 * it (it frees the logger). */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "centrallog.h"
#include "sleep_until.h"

#define MAX_THREADS 64

static cl_logger *g_lg;
static int g_threads = 8;
static long g_entries = 4000;
static double g_rate;
static unsigned char *g_result[MAX_THREADS]; /* per call: its cl_result */
static atomic_long g_started, g_ok, g_dropped, g_other;
static atomic_int g_running, g_eof;
static long g_calls[MAX_THREADS];

static void *worker(void *arg)
{
    int t = (int)(intptr_t)arg;
    struct timespec t0;
    char msg[64];

    clock_gettime(CLOCK_MONOTONIC, &t0);
    long i;

    for (i = 0; i < g_entries && !atomic_load(&g_eof); i++) {
        int rc;

        if (g_rate > 0)
            sleep_until(&t0, (double)i / g_rate);
        atomic_fetch_add(&g_started, 1);
        switch (i % 3) {
        case 0:
            rc = cl_log(g_lg, CL_INFO, "s%d #%ld", t, i);
            break;
        case 1:
            snprintf(msg, sizeof msg, "s%d #%ld", t, i);
            rc = cl_log_kv(g_lg, CL_NOTICE, msg, CL_INT("t", t), CL_INT("i", i));
            break;
        default:
            rc = cl_log_at(g_lg, CL_DEBUG, "sdk_stress.c", 1, "worker", "s%d #%ld", t, i);
            break;
        }
        g_result[t][i] = (unsigned char)rc;
        atomic_fetch_add(rc == CL_OK ? &g_ok : rc == CL_EDROPPED ? &g_dropped : &g_other, 1);
    }
    g_calls[t] = i;
    return NULL;
}

/* Counters only grow; the logger never accepts or drops more calls than
 * were started (read after the stats: every call the SDK has counted was
 * started before). */
static long check_stats(cl_stats *prev)
{
    cl_stats st;
    long bad = 0;

    cl_get_stats(g_lg, &st);
    if (st.queued < prev->queued || st.sent < prev->sent || st.acked < prev->acked ||
        st.dropped < prev->dropped || st.rejected < prev->rejected ||
        st.reconnects < prev->reconnects)
        bad++;
    if (st.queued + st.dropped > (uint64_t)atomic_load(&g_started))
        bad++;
    *prev = st;
    return bad;
}

typedef struct checker_out {
    long rounds, bad, flush_ok, flush_other, errmsg_bad;
} checker_out;

static void *checker(void *arg)
{
    checker_out *o = arg;
    cl_stats prev;

    memset(&prev, 0, sizeof prev);
    while (atomic_load(&g_running)) {
        int rc = cl_flush(g_lg, 20);

        if (rc == CL_OK)
            o->flush_ok++;
        else if (rc == CL_ETIMEDOUT || rc == CL_EUNREACHABLE)
            o->flush_other++;
        else
            o->bad++; /* no entry is refused: nothing else is expected */
        o->bad += check_stats(&prev);
        /* A failing call sets the message others may be reading. */
        if (cl_log(g_lg, (cl_level)99, "x") != CL_EINVAL ||
            strstr(cl_errmsg(g_lg), "level: 99") == NULL)
            o->errmsg_bad++;
        o->rounds++;
        /* A flush with nothing to wait for returns at once: not a spin. */
        nanosleep(&(struct timespec){ 0, 1000000L }, NULL);
    }
    o->bad += check_stats(&prev);
    return NULL;
}

/* --until-eof: the test closes stdin once its restarts are done. */
static void *eof_watch(void *arg)
{
    char buf[64];

    (void)arg;
    while (fread(buf, 1, sizeof buf, stdin) > 0)
        ;
    atomic_store(&g_eof, 1);
    return NULL;
}

static int write_dropped(const char *path)
{
    FILE *f = fopen(path, "w");

    if (f == NULL)
        return -1;
    for (int t = 0; t < g_threads; t++) {
        for (long i = 0; i < g_entries; i++) {
            if (g_result[t][i] == CL_EDROPPED)
                fprintf(f, "%d %ld\n", t, i);
        }
    }
    return fclose(f);
}

int main(int argc, char **argv)
{
    cl_options o;
    cl_stats st;
    checker_out co;
    const char *dropped_path = NULL;
    int flush_ms = 60000, rc, until_eof = 0;
    pthread_t th[MAX_THREADS], ck, eofw;

    cl_options_init(&o);
    o.report_stderr = 1;
    o.close_timeout_ms = 30000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];

        if (strcmp(k, "--threads") == 0)
            g_threads = atoi(v);
        else if (strcmp(k, "--entries") == 0)
            g_entries = atol(v);
        else if (strcmp(k, "--rate") == 0)
            g_rate = atof(v);
        else if (strcmp(k, "--buffer-entries") == 0)
            o.buffer_entries = (size_t)atol(v);
        else if (strcmp(k, "--overflow") == 0)
            o.overflow = strcmp(v, "drop_newest") == 0 ? CL_OVERFLOW_DROP_NEWEST : CL_OVERFLOW_WAIT;
        else if (strcmp(k, "--flush-ms") == 0)
            flush_ms = atoi(v);
        else if (strcmp(k, "--until-eof") == 0)
            until_eof = atoi(v);
        else if (strcmp(k, "--dropped") == 0)
            dropped_path = v;
        else {
            fprintf(stderr, "sdk_stress: unknown option %s\n", k);
            return 2;
        }
    }
    if (g_threads < 1 || g_threads > MAX_THREADS || g_entries < 1 || dropped_path == NULL)
        return 2;
    for (int t = 0; t < g_threads; t++) {
        g_result[t] = calloc((size_t)g_entries, 1);
        if (g_result[t] == NULL)
            return 1;
    }
    rc = cl_open(&g_lg, "sdk-stress", &o);
    if (rc != CL_OK) {
        fprintf(stderr, "cl_open: %s\n", cl_strerror(rc));
        return 1;
    }
    memset(&co, 0, sizeof co);
    atomic_store(&g_running, 1);
    if (until_eof)
        pthread_create(&eofw, NULL, eof_watch, NULL);
    pthread_create(&ck, NULL, checker, &co);
    for (int t = 0; t < g_threads; t++)
        pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t);
    for (int t = 0; t < g_threads; t++)
        pthread_join(th[t], NULL);
    atomic_store(&g_running, 0);
    pthread_join(ck, NULL);
    if (until_eof)
        pthread_join(eofw, NULL);
    if (write_dropped(dropped_path) != 0) {
        fprintf(stderr, "sdk_stress: cannot write %s\n", dropped_path);
        return 1;
    }
    printf("calls done\n");
    fflush(stdout);
    rc = cl_flush(g_lg, flush_ms);
    cl_get_stats(g_lg, &st);
    printf("{\"calls\":[");
    for (int t = 0; t < g_threads; t++)
        printf("%s%ld", t ? "," : "", g_calls[t]);
    printf(
        "],\"ok\":%ld,\"dropped_calls\":%ld,\"other\":%ld,\"flush\":\"%s\",\"checker_rounds\":%ld,"
        "\"checker_bad\":%ld,\"errmsg_bad\":%ld,\"flush_ok\":%ld,\"flush_other\":%ld,"
        "\"queued\":%" PRIu64 ",\"sent\":%" PRIu64 ",\"acked\":%" PRIu64 ",\"rejected\":%" PRIu64
        ",\"dropped\":%" PRIu64 ",\"reconnects\":%" PRIu64 ",\"buffered\":%" PRIu64 "}\n",
        atomic_load(&g_ok), atomic_load(&g_dropped), atomic_load(&g_other), cl_strerror(rc),
        co.rounds, co.bad, co.errmsg_bad, co.flush_ok, co.flush_other, st.queued, st.sent, st.acked,
        st.rejected, st.dropped, st.reconnects, st.buffered);
    fflush(stdout);
    cl_close(g_lg);
    for (int t = 0; t < g_threads; t++)
        free(g_result[t]);
    return 0;
}
