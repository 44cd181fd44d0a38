/* test_io.c - the event loop's timers and per-stream controls (collector/io.h):
 * the periodic tick, idle limits (armed, re-armed, disarmed, not counted while
 * the loop is not reading), throttling, the connection limit and the
 * process's own credentials.
 *
 * A real listening socket in a temporary directory; clients are plain
 * sockets in the same thread, and the loop is turned by hand. Time bounds
 * are generous (the sweep runs every CL_IO_SWEEP_MS) so that a loaded
 * machine does not make them flaky.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ioloop.h"

typedef struct state {
    cl_io *io;
    char dir[64];
    char path[128];
    cl_stream *last; /* the most recently accepted stream */
    int accepted, closed, ticks, timeouts;
    size_t bytes;
    int arm_ms; /* arm this idle limit after every read (0: don't touch) */
    long long timeout_at_ms;
    char buf[4096];
} state;

static state *g; /* the handlers reach the test's state through the loop's data */

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_accept(cl_io *io, cl_stream *s)
{
    state *st = cl_io_data(io);

    st->accepted++;
    st->last = s;
}

static int on_alloc(cl_stream *s, char **buf, size_t *len)
{
    (void)s;
    *buf = g->buf;
    *len = sizeof g->buf;
    return 0;
}

static void on_read(cl_stream *s, size_t n)
{
    g->bytes += n;
    if (n == 0) {
        cl_stream_close(s);
        return;
    }
    if (g->arm_ms > 0)
        cl_stream_set_timeout(s, g->arm_ms);
}

static void on_close(cl_stream *s, int err)
{
    (void)err;
    g->closed++;
    if (g->last == s)
        g->last = NULL;
}

static void on_wakeup(cl_io *io)
{
    (void)io;
}

static void on_timeout(cl_stream *s)
{
    g->timeouts++;
    g->timeout_at_ms = now_ms();
    cl_stream_close(s);
}

static void on_tick(cl_io *io)
{
    (void)io;
    g->ticks++;
}

static const cl_io_handlers handlers = { on_accept, on_alloc,   on_read, on_close,
                                         on_wakeup, on_timeout, on_tick, NULL };

static int setup(void **ctx)
{
    state *st = calloc(1, sizeof *st);
    cl_listen_options opt = { 0 };
    char err[256];

    assert_non_null(st);
    snprintf(st->dir, sizeof st->dir, "/tmp/cl-test-io-XXXXXX");
    assert_non_null(mkdtemp(st->dir));
    snprintf(st->path, sizeof st->path, "%s/s.sock", st->dir);
    assert_int_equal(cl_io_new(&st->io, &handlers, st), 0);
    opt.address = st->path;
    opt.mode = 0600;
    opt.gid = -1;
    opt.max_streams = 2;
    if (cl_io_listen(st->io, &opt, err, sizeof err) != 0)
        fail_msg("cl_io_listen: %s", err);
    g = st;
    *ctx = st;
    return 0;
}

static int teardown(void **ctx)
{
    state *st = *ctx;
    char p[160];

    cl_io_free(st->io);
    snprintf(p, sizeof p, "%s.lock", st->path);
    unlink(p);
    unlink(st->path);
    rmdir(st->dir);
    free(st);
    g = NULL;
    return 0;
}

static int client(const state *st)
{
    struct sockaddr_un sa;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    assert_true(strlen(st->path) < sizeof sa.sun_path);
    memcpy(sa.sun_path, st->path, strlen(st->path) + 1);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* Turns the loop until cond holds, failing the test if ms pass first. */
#define RUN_UNTIL(st, cond, ms)                                                                    \
    do {                                                                                           \
        long long until_ = now_ms() + (ms);                                                        \
        while (!(cond) && now_ms() < until_)                                                       \
            assert_true(cl_io_run((st)->io, 20) >= 0);                                             \
        assert_true(cond);                                                                         \
    } while (0)

/* Turns the loop for ms regardless. */
static void run_for(state *st, int ms)
{
    long long until = now_ms() + ms;

    while (now_ms() < until)
        assert_true(cl_io_run(st->io, 20) >= 0);
}

static void send_str(int fd, const char *s)
{
    assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

static void test_tick(void **ctx)
{
    state *st = *ctx;

    run_for(st, 300);
    assert_int_equal(st->ticks, 0); /* off until asked for */
    cl_io_set_tick(st->io, 100);
    run_for(st, 1000);
    /* About 10; the loop wakes for the tick even with nothing to do. */
    assert_in_range(st->ticks, 7, 11);
    cl_io_set_tick(st->io, 0);
    st->ticks = 0;
    run_for(st, 300);
    assert_int_equal(st->ticks, 0);
}

static void test_idle_timeout_fires_after_silence(void **ctx)
{
    state *st = *ctx;
    int fd = client(st);
    long long last;

    st->arm_ms = 300;
    RUN_UNTIL(st, st->accepted == 1, 1000);
    /* Bytes every 150 ms keep it alive: the clock is silence, not age. */
    for (int i = 0; i < 5; i++) {
        last = now_ms();
        send_str(fd, "x");
        run_for(st, 150);
    }
    assert_int_equal(st->timeouts, 0);
    RUN_UNTIL(st, st->timeouts == 1, 2000);
    assert_in_range(st->timeout_at_ms - last, 250, 300 + CL_IO_SWEEP_MS + 150);
    assert_int_equal(st->closed, 1);
    close(fd);
}

static void test_disarmed_never_fires(void **ctx)
{
    state *st = *ctx;
    int fd = client(st);

    st->arm_ms = 200;
    RUN_UNTIL(st, st->accepted == 1, 1000);
    send_str(fd, "x");
    RUN_UNTIL(st, st->bytes == 1, 1000);
    cl_stream_set_timeout(st->last, 0);
    st->arm_ms = 0;
    run_for(st, 800);
    assert_int_equal(st->timeouts, 0);
    assert_int_equal(st->closed, 0);
    close(fd);
    RUN_UNTIL(st, st->closed == 1, 1000);
}

static void test_not_counted_while_not_reading(void **ctx)
{
    state *st = *ctx;
    int fd = client(st);
    long long resumed;

    st->arm_ms = 300;
    RUN_UNTIL(st, st->accepted == 1, 1000);
    send_str(fd, "x");
    RUN_UNTIL(st, st->bytes == 1, 1000);
    /* Backpressure holds this stream: its silence is ours, not its fault. */
    cl_io_pause(st->io, 1);
    cl_stream_hold(st->last);
    run_for(st, 900);
    assert_int_equal(st->timeouts, 0);
    cl_io_pause(st->io, 0);
    resumed = now_ms();
    RUN_UNTIL(st, st->timeouts == 1, 2000);
    assert_true(st->timeout_at_ms - resumed >= 300 - CL_IO_SWEEP_MS);
    close(fd);
}

static void test_throttle(void **ctx)
{
    state *st = *ctx;
    int fd = client(st);

    RUN_UNTIL(st, st->accepted == 1, 1000);
    cl_stream_throttle(st->last, 1);
    send_str(fd, "abc");
    run_for(st, 200);
    assert_int_equal(st->bytes, 0);
    /* A throttled stream is not read, so its idle clock does not run. */
    cl_stream_set_timeout(st->last, 100);
    run_for(st, 500);
    assert_int_equal(st->timeouts, 0);
    cl_stream_set_timeout(st->last, 0);
    cl_stream_throttle(st->last, 0);
    RUN_UNTIL(st, st->bytes == 3, 1000);
    close(fd);
}

static void test_connection_limit(void **ctx)
{
    state *st = *ctx;
    int a = client(st), b = client(st), c = client(st);
    char buf[256];
    ssize_t n;

    RUN_UNTIL(st, cl_io_refused_count(st->io) == 1, 1000);
    assert_int_equal(st->accepted, 2);
    assert_int_equal(cl_io_stream_count(st->io), 2);
    n = read(c, buf, sizeof buf - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "\"code\":\"too_many_connections\""));
    assert_int_equal(read(c, buf, sizeof buf), 0); /* then closed */
    close(a);
    close(b);
    close(c);
}

static void test_self(void **ctx)
{
    cl_peer p;

    (void)ctx;
    cl_io_self(&p);
    assert_int_equal(p.pid, getpid());
    assert_int_equal(p.uid, getuid());
    assert_int_equal(p.gid, getgid());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tick, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_timeout_fires_after_silence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disarmed_never_fires, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_counted_while_not_reading, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throttle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
