/* test_sdk_flush.c - cl_flush reports the refusals of the entries it
 * flushed, whenever the ack that counted them arrived. The SDK also syncs
 * on its own (every 50 ms, or after 512 entries), so the ack for a refused
 * entry can be counted before the application calls cl_flush; the flush
 * used to compare the rejected counter before and after its wait, missed
 * such a refusal and returned CL_OK (`centrallog send --sync` exited 0 for
 * a rejected entry, an occasional failure of e2e test_sdk test_send_cli).
 *
 * A fake collector on a temporary socket answers as the real one does: a
 * pong to the hello, and to every sync an ack with the connection's running
 * totals, counting an entry whose message contains "BAD" as refused. The
 * test waits until the SDK has counted the refusal (the state that lost it,
 * reached deterministically), then flushes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "centrallog.h"

typedef struct fake {
    char dir[32], path[64];
    int lfd;
    atomic_int cfd; /* the connection being served, or -1 */
    pthread_t th;
} fake;

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);

        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Copies the value of a "key": number (or the text up to , or }) into out. */
static void raw_value(const char *line, const char *key, char *out, size_t outlen)
{
    const char *p = strstr(line, key);
    size_t n = 0;

    out[0] = '\0';
    if (p == NULL)
        return;
    p += strlen(key);
    while (p[n] != '\0' && p[n] != ',' && p[n] != '}' && n + 1 < outlen)
        n++;
    memcpy(out, p, n);
    out[n] = '\0';
}

/* One line from the SDK; returns -1 if the reply cannot be written. */
static int answer(int fd, const char *line, unsigned long *acc, unsigned long *rej)
{
    char reply[256], id[64];

    if (strstr(line, "\"op\":\"ping\"") != NULL)
        return write_all(fd, "{\"op\":\"pong\",\"protocol\":1}\n", 27);
    if (strstr(line, "\"op\":\"sync\"") != NULL) {
        raw_value(line, "\"id\":", id, sizeof id);
        snprintf(reply, sizeof reply,
                 "{\"op\":\"ack\",\"id\":%s,\"accepted\":%lu,\"rejected\":%lu}\n", id, *acc, *rej);
        return write_all(fd, reply, strlen(reply));
    }
    if (strstr(line, "BAD") != NULL)
        ++*rej;
    else
        ++*acc;
    return 0;
}

/* Serves one connection after another until the listener is shut down. */
static void *serve(void *arg)
{
    fake *f = arg;
    int fd;

    while ((fd = accept(f->lfd, NULL, NULL)) >= 0) {
        char buf[65536];
        size_t len = 0;
        unsigned long acc = 0, rej = 0;
        ssize_t n;

        atomic_store(&f->cfd, fd);
        while ((n = read(fd, buf + len, sizeof buf - 1 - len)) > 0) {
            char *start = buf, *nl;

            len += (size_t)n;
            buf[len] = '\0';
            while ((nl = strchr(start, '\n')) != NULL) {
                *nl = '\0';
                if (answer(fd, start, &acc, &rej) != 0)
                    break;
                start = nl + 1;
            }
            len -= (size_t)(start - buf);
            memmove(buf, start, len);
        }
        atomic_store(&f->cfd, -1);
        close(fd);
    }
    return NULL;
}

static int fake_start(void **state)
{
    fake *f = calloc(1, sizeof *f);
    struct sockaddr_un sa;

    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/cl-flush-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/c.sock", f->dir);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", f->path);
    atomic_init(&f->cfd, -1);
    f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(f->lfd >= 0);
    assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(f->lfd, 8), 0);
    assert_int_equal(pthread_create(&f->th, NULL, serve, f), 0);
    *state = f;
    return 0;
}

static int fake_stop(void **state)
{
    fake *f = *state;
    int cfd;

    /* Ends the accept(), and the read() of a connection a failed test left
     * open. */
    shutdown(f->lfd, SHUT_RDWR);
    cfd = atomic_load(&f->cfd);
    if (cfd >= 0)
        shutdown(cfd, SHUT_RDWR);
    pthread_join(f->th, NULL);
    close(f->lfd);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static cl_logger *open_fake(const fake *f)
{
    cl_options o;
    cl_logger *lg = NULL;

    cl_options_init(&o);
    o.address = f->path;
    assert_int_equal(cl_open(&lg, "flush-test", &o), CL_OK);
    return lg;
}

/* Waits until the SDK has counted n acknowledged refusals. The SDK syncs on
 * its own within 50 ms; the cap is only against a hang. */
static void wait_rejected(cl_logger *lg, uint64_t n)
{
    struct timespec pause = { 0, 1000000 };
    cl_stats st;

    for (int i = 0; i < 60000; i++) {
        cl_get_stats(lg, &st);
        if (st.rejected >= n)
            break;
        nanosleep(&pause, NULL);
    }
    assert_int_equal(st.rejected, n);
}

/* The refusal was counted (by a periodic sync's ack) before cl_flush was
 * called: the flush still reports it. It used to return CL_OK. */
static void test_reject_acked_before_flush(void **state)
{
    cl_logger *lg = open_fake(*state);

    assert_int_equal(cl_log(lg, CL_INFO, "BAD entry"), CL_OK);
    wait_rejected(lg, 1);
    assert_int_equal(cl_flush(lg, 30000), CL_EREJECTED);
    cl_close(lg);
}

/* A refusal is reported by the flush that covers it, not again by the next
 * flush, whose entries were all accepted. */
static void test_reject_reported_once(void **state)
{
    cl_logger *lg = open_fake(*state);

    assert_int_equal(cl_log(lg, CL_INFO, "good 1"), CL_OK);
    assert_int_equal(cl_log(lg, CL_INFO, "BAD 2"), CL_OK);
    assert_int_equal(cl_flush(lg, 30000), CL_EREJECTED);
    assert_int_equal(cl_log(lg, CL_INFO, "good 3"), CL_OK);
    assert_int_equal(cl_flush(lg, 30000), CL_OK);
    /* And one counted before the call again, after an accepted flush. */
    assert_int_equal(cl_log(lg, CL_INFO, "BAD 4"), CL_OK);
    wait_rejected(lg, 2);
    assert_int_equal(cl_flush(lg, 30000), CL_EREJECTED);
    assert_int_equal(cl_flush(lg, 30000), CL_OK); /* nothing new */
    cl_close(lg);
}

/* Only accepted entries: CL_OK, with the periodic acks too. */
static void test_all_accepted(void **state)
{
    cl_logger *lg = open_fake(*state);
    cl_stats st;

    for (int i = 0; i < 2000; i++)
        assert_int_equal(cl_log(lg, CL_INFO, "good %d", i), CL_OK);
    assert_int_equal(cl_flush(lg, 30000), CL_OK);
    cl_get_stats(lg, &st);
    assert_int_equal(st.acked, 2000);
    assert_int_equal(st.rejected, 0);
    cl_close(lg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reject_acked_before_flush, fake_start, fake_stop),
        cmocka_unit_test_setup_teardown(test_reject_reported_once, fake_start, fake_stop),
        cmocka_unit_test_setup_teardown(test_all_accepted, fake_start, fake_stop),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
