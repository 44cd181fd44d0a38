/* sdk_probe.c - small scenarios of libcentrallog as an application developer
 * meets them, driven by tests/e2e/test_sdk.py. The collector's address comes
 * from $CENTRALLOG_ADDRESS. Each mode prints one JSON line on stdout:
 *
 *   sdk_probe once [--report-stderr]
 *       open, log one line, close, exit: how long does an application take to
 *       leave when no collector runs, and what does the SDK print unasked?
 *   sdk_probe hold SECONDS
 *       open, log one line, wait SECONDS, print the stats and cl_errmsg()
 *       (the reconnect behaviour against a collector that refuses).
 *   sdk_probe forkexec CHILDREN CHURN_ADDRESS
 *       with a connected logger, three threads open and close loggers on
 *       CHURN_ADDRESS (each one a new pipe and socket) while the main thread
 *       fork+execs CHILDREN copies of "sdk_probe fdcheck": every descriptor a
 *       child holds beyond 0-2 leaked through a missing close-on-exec.
 *   sdk_probe fdcheck
 *       exit status: the number of open descriptors beyond 0-2 (capped).
 */
#include <dirent.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "centrallog.h"

static void print_stats(const char *mode, cl_logger *lg, int rc)
{
    cl_stats st;
    const char *m = cl_errmsg(lg);

    cl_get_stats(lg, &st);
    printf("{\"mode\":\"%s\",\"rc\":%d,\"connected\":%d,\"reconnects\":%" PRIu64
           ",\"buffered\":%" PRIu64 ",\"acked\":%" PRIu64 ",\"errmsg\":\"",
           mode, rc, st.connected, st.reconnects, st.buffered, st.acked);
    for (; *m; m++) /* the messages are ours: only quotes need escaping */
        printf(*m == '"' || *m == '\\' ? "\\%c" : "%c", *m);
    printf("\"}\n");
    fflush(stdout);
}

static int fdcheck(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        char path[64], target[256];
        ssize_t k;

        if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d))
            continue;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        k = readlink(path, target, sizeof target - 1);
        target[k > 0 ? k : 0] = '\0';
        fprintf(stderr, "sdk_probe fdcheck: inherited fd %d -> %s\n", fd, target);
        n++;
    }
    closedir(d);
    return n > 100 ? 100 : n;
}

#define CHURN_THREADS 3
static atomic_int g_stop;
static const char *g_churn_address;

/* Every cycle creates the logger's pipe, and usually its socket. */
static void *churn(void *arg)
{
    cl_options o;

    (void)arg;
    cl_options_init(&o);
    o.address = g_churn_address;
    while (!atomic_load(&g_stop)) {
        cl_logger *lg;

        if (cl_open(&lg, "sdk-probe-churn", &o) == CL_OK)
            cl_close(lg);
    }
    return NULL;
}

static int forkexec(const char *self, int children)
{
    cl_logger *lg;
    pthread_t th[CHURN_THREADS];
    int leaked = 0, failed = 0, rc;

    if (cl_open(&lg, "sdk-probe", NULL) != CL_OK)
        return 1;
    cl_log(lg, CL_INFO, "forkexec probe");
    rc = cl_flush(lg, 10000); /* connected (and proven) from here on */
    for (int t = 0; t < CHURN_THREADS; t++)
        pthread_create(&th[t], NULL, churn, NULL);
    for (int i = 0; i < children; i++) {
        pid_t pid = fork();
        int status;

        if (pid == 0) {
            execl(self, self, "fdcheck", (char *)NULL);
            _exit(127);
        }
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) == 127) {
            failed++;
            continue;
        }
        leaked += WEXITSTATUS(status);
    }
    atomic_store(&g_stop, 1);
    for (int t = 0; t < CHURN_THREADS; t++)
        pthread_join(th[t], NULL);
    printf("{\"mode\":\"forkexec\",\"flush\":%d,\"children\":%d,\"failed\":%d,\"leaked\":%d}\n", rc,
           children, failed, leaked);
    fflush(stdout);
    cl_close(lg);
    return 0;
}

int main(int argc, char **argv)
{
    cl_options o;
    cl_logger *lg;
    int rc;

    if (argc < 2)
        return 2;
    if (strcmp(argv[1], "fdcheck") == 0)
        return fdcheck();
    if (strcmp(argv[1], "forkexec") == 0 && argc == 4) {
        g_churn_address = argv[3];
        return forkexec(argv[0], atoi(argv[2]));
    }
    cl_options_init(&o);
    if (strcmp(argv[1], "once") == 0) {
        o.report_stderr = argc > 2 && strcmp(argv[2], "--report-stderr") == 0;
        if ((rc = cl_open(&lg, "sdk-probe", &o)) != CL_OK)
            return 1;
        cl_log(lg, CL_INFO, "one line");
        cl_close(lg);
        return 0;
    }
    if (strcmp(argv[1], "hold") == 0 && argc == 3) {
        if ((rc = cl_open(&lg, "sdk-probe", &o)) != CL_OK)
            return 1;
        rc = cl_log(lg, CL_INFO, "held line");
        usleep((useconds_t)(atof(argv[2]) * 1e6));
        rc = cl_flush(lg, 0); /* its cl_errmsg says why nothing was delivered */
        print_stats("hold", lg, rc);
        cl_close(lg);
        return 0;
    }
    return 2;
}
