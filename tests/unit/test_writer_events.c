/* test_writer_events.c - sink events travel from the writer to the I/O
 * thread as events (collector/store/writer_event.h): each change of a sink
 * once, in order, with its data, the I/O thread woken for it; a full ring
 * folds events of one kind together (issue 14).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "own_entry.h"
#include "writer_event.h"

static const cl_peer PEER = { 999, 1000, 100, NULL };

typedef struct fixture {
    char dir[64], db[128], log[128];
    cl_writer_config cfg;
    cl_writer *w;
    atomic_int wakeups;
    uint64_t seq;
} fixture;

static void on_notify(void *arg)
{
    fixture *f = arg;

    atomic_fetch_add(&f->wakeups, 1);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/cl-test-wev-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/test.db", f->dir);
    snprintf(f->log, sizeof f->log, "%s/test.log", f->dir);
    f->cfg.db_path = f->db;
    f->cfg.text.path = f->log;
    f->cfg.text.rotate_size = 1 << 30;
    f->cfg.text.rotate_keep = 1;
    f->cfg.batch_size = 16;
    f->cfg.batch_ms = 1;
    f->cfg.queue_bytes = 1 << 20;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];

    cl_writer_stop(f->w);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void start(fixture *f)
{
    char err[256];

    assert_int_equal(cl_writer_start(&f->w, &f->cfg, on_notify, f, err, sizeof err), 0);
}

/* Stores one entry and waits until it is committed. */
static void store_one(fixture *f)
{
    cl_own_entry e = { CL_LVL_INFO, "hello", NULL, 1, { NULL, 0 } };
    cl_record *r = cl_own_entry_new(&e, 1, &PEER);
    struct timespec ms = { 0, 1000000 };

    assert_non_null(r);
    r->seq = ++f->seq;
    cl_writer_push(f->w, r, r, 1, r->size, 1);
    for (int i = 0; i < 10000 && cl_writer_committed(f->w) < f->seq; i++)
        nanosleep(&ms, NULL);
    assert_int_equal(cl_writer_committed(f->w), f->seq);
    cl_writer_reclaim(f->w);
}

/* A torn last line of the text log is cut when the writer opens it: one
 * event, taken at the I/O thread's first look, with the bytes cut. */
static void test_repair_event(void **state)
{
    fixture *f = *state;
    cl_writer_event ev;
    FILE *fp;

    start(f);
    assert_int_equal(cl_writer_next_event(f->w, &ev), 0); /* a new file: nothing */
    store_one(f);
    cl_writer_stop(f->w);
    f->w = NULL;
    fp = fopen(f->log, "a");
    assert_non_null(fp);
    fputs("torn li", fp); /* 7 bytes, no newline */
    fclose(fp);
    start(f);
    assert_int_equal(cl_writer_next_event(f->w, &ev), 1);
    assert_int_equal(ev.kind, CL_WEV_LOG_REPAIRED);
    assert_int_equal(ev.n, 7);
    assert_int_equal(ev.st.text.repaired_bytes, 7);
    assert_int_equal(cl_writer_next_event(f->w, &ev), 0);
    store_one(f);
    assert_int_equal(cl_writer_next_event(f->w, &ev), 0); /* said once */
}

/* The text log removed under the writer, again and again, without the I/O
 * thread taking the events: the ring keeps CL_WRITER_EVENTS_MAX of them and
 * folds the rest into the last, so none is lost and the count adds up. */
static void test_reopen_events_fold(void **state)
{
    fixture *f = *state;
    const int n = CL_WRITER_EVENTS_MAX + 8;
    cl_writer_event ev;
    uint64_t sum = 0;
    int events = 0, woken;

    start(f);
    store_one(f);
    woken = atomic_load(&f->wakeups);
    for (int i = 0; i < n; i++) {
        assert_int_equal(unlink(f->log), 0);
        store_one(f);
    }
    assert_true(atomic_load(&f->wakeups) > woken);
    while (cl_writer_next_event(f->w, &ev)) {
        assert_int_equal(ev.kind, CL_WEV_LOG_REOPENED);
        sum += ev.n;
        events++;
    }
    assert_int_equal(events, CL_WRITER_EVENTS_MAX);
    assert_int_equal(sum, n);
    assert_int_equal(cl_writer_events_dropped(f->w), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_repair_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_events_fold, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
