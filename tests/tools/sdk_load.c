/* sdk_load.c - a multi-threaded application using libcentrallog, driven by
 * the end-to-end tests. Each thread logs N entries "t<T> #<i>" (optionally
 * paced), then the program flushes and prints one JSON line with the results:
 *
 *   sdk_load --threads 16 --entries 10000 [--rate PER_THREAD_PER_S]
 *            [--buffer-entries N] [--overflow wait|drop_newest|drop_oldest|block]
 *            [--flush-ms MS] [--app NAME] [--msg-bytes N] [--fork N]
 *
 * --fork N: after the threads finish, fork a child that checks it may not
 * use the parent's logger, opens its own and logs N entries "child #<i>".
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifndef _WIN32
#include <sys/wait.h>
#include <unistd.h>
#endif

#include "centrallog.h"
#include "sleep_until.h"

typedef struct cfg {
    int threads;
    long entries;
    double rate;
    size_t msg_bytes;
} cfg;

static cl_logger *g_lg;
static cfg g_cfg;
static atomic_long g_ok, g_dropped, g_other;

static void *worker(void *arg)
{
    int t = (int)(intptr_t)arg;
    struct timespec t0;
    char pad[4096];
    size_t padn = g_cfg.msg_bytes < sizeof pad ? g_cfg.msg_bytes : sizeof pad - 1;

    memset(pad, 'x', padn);
    pad[padn] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < g_cfg.entries; i++) {
        int rc;

        if (g_cfg.rate > 0)
            sleep_until(&t0, (double)i / g_cfg.rate);
        rc = cl_log(g_lg, CL_INFO, "t%d #%ld%s%s", t, i, padn ? " " : "", pad);
        if (rc == CL_OK)
            atomic_fetch_add(&g_ok, 1);
        else if (rc == CL_EDROPPED)
            atomic_fetch_add(&g_dropped, 1);
        else
            atomic_fetch_add(&g_other, 1);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    cl_options o;
    cl_stats st;
    const char *app = "sdk-load";
    int flush_ms = 30000, rc, fork_n = 0;
    pthread_t th[256];

    cl_options_init(&o);
    g_cfg.threads = 1;
    g_cfg.entries = 1000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];

        if (strcmp(k, "--threads") == 0)
            g_cfg.threads = atoi(v);
        else if (strcmp(k, "--entries") == 0)
            g_cfg.entries = atol(v);
        else if (strcmp(k, "--rate") == 0)
            g_cfg.rate = atof(v);
        else if (strcmp(k, "--msg-bytes") == 0)
            g_cfg.msg_bytes = (size_t)atol(v);
        else if (strcmp(k, "--buffer-entries") == 0)
            o.buffer_entries = (size_t)atol(v);
        else if (strcmp(k, "--flush-ms") == 0)
            flush_ms = atoi(v);
        else if (strcmp(k, "--app") == 0)
            app = v;
        else if (strcmp(k, "--fork") == 0)
            fork_n = atoi(v);
        else if (strcmp(k, "--overflow") == 0)
            o.overflow = strcmp(v, "drop_newest") == 0   ? CL_OVERFLOW_DROP_NEWEST
                         : strcmp(v, "drop_oldest") == 0 ? CL_OVERFLOW_DROP_OLDEST
                         : strcmp(v, "block") == 0       ? CL_OVERFLOW_BLOCK
                                                         : CL_OVERFLOW_WAIT;
        else {
            fprintf(stderr, "sdk_load: unknown option %s\n", k);
            return 2;
        }
    }
    if (g_cfg.threads < 1 || g_cfg.threads > 256)
        return 2;
    rc = cl_open(&g_lg, app, &o);
    if (rc != CL_OK) {
        fprintf(stderr, "cl_open: %s\n", cl_strerror(rc));
        return 1;
    }
    for (int t = 0; t < g_cfg.threads; t++)
        pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t);
    for (int t = 0; t < g_cfg.threads; t++)
        pthread_join(th[t], NULL);
    /* Every call has returned: a test that starts the collector after the
     * calls (to count drops exactly) waits for this line, not a time. */
    printf("calls done\n");
    fflush(stdout);
#ifdef _WIN32
    /* Windows has no fork(): the option is accepted and ignored there. */
    (void)fork_n;
#else
    if (fork_n > 0) {
        pid_t pid = fork();

        if (pid == 0) {
            cl_logger *mine;
            int bad = cl_log(g_lg, CL_INFO, "must not be sent");

            int told = strstr(cl_errmsg(g_lg), "cl_open() in the child") != NULL;

            /* The inherited logger is refused, freeing it is harmless. */
            cl_close(g_lg);
            if (bad != CL_EINVAL || !told || cl_open(&mine, "sdk-load-child", &o) != CL_OK)
                _exit(3);
            for (int i = 0; i < fork_n; i++)
                cl_log(mine, CL_INFO, "child #%d", i);
            rc = cl_flush(mine, flush_ms);
            cl_close(mine);
            _exit(rc == CL_OK ? 0 : 4);
        }
        if (pid < 0 || waitpid(pid, &rc, 0) != pid || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
            fprintf(stderr, "sdk_load: forked child failed (status %d)\n", rc);
            return 1;
        }
        /* The parent's logger still works after the child is gone. */
        cl_log(g_lg, CL_INFO, "parent after fork");
    }
#endif
    rc = cl_flush(g_lg, flush_ms);
    cl_get_stats(g_lg, &st);
    printf("{\"ok\":%ld,\"dropped_calls\":%ld,\"other\":%ld,\"flush\":\"%s\",\"flush_rc\":%d,"
           "\"queued\":%" PRIu64 ",\"sent\":%" PRIu64 ",\"acked\":%" PRIu64 ",\"rejected\":%" PRIu64
           ",\"dropped\":%" PRIu64 ",\"reconnects\":%" PRIu64 ",\"buffered\":%" PRIu64
           ",\"truncated\":%" PRIu64 "}\n",
           atomic_load(&g_ok), atomic_load(&g_dropped), atomic_load(&g_other), cl_strerror(rc), rc,
           st.queued, st.sent, st.acked, st.rejected, st.dropped, st.reconnects, st.buffered,
           st.truncated);
    fflush(stdout);
    cl_close(g_lg);
    return 0;
}
