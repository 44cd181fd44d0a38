/* test_ratelimit.c - per-source rate limiting (collector/ratelimit.h).
 *
 * Time is passed in explicitly, so every window boundary is exact. Each
 * report the limiter makes is recorded and compared in full: which source,
 * how many suppressed, and that nothing is reported twice or not at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

#define SEC 1000000LL
#define MAX_REPORTS 64
#define INFO 6
#define WARNING 4
#define ERROR 3

typedef struct report_log {
    size_t n;     /* reports recorded (the first MAX_REPORTS) */
    size_t total; /* reports made */
    uint64_t sum; /* entries they reported */
    char app[MAX_REPORTS][160];
    int64_t pid[MAX_REPORTS];
    uint64_t suppressed[MAX_REPORTS];
} report_log;

static void on_report(void *arg, const char *app, size_t app_len, int64_t pid, uint64_t suppressed)
{
    report_log *log = arg;

    log->total++;
    log->sum += suppressed;
    if (log->n == MAX_REPORTS)
        return;
    assert_true(app_len < sizeof log->app[0]);
    memcpy(log->app[log->n], app, app_len);
    log->app[log->n][app_len] = '\0';
    log->pid[log->n] = pid;
    log->suppressed[log->n] = suppressed;
    log->n++;
}

static cl_ratelimit *make(uint64_t burst, int64_t interval_us, int exempt, size_t max_sources,
                          report_log *log)
{
    cl_ratelimit_config cfg;
    cl_ratelimit *rl = NULL;

    cl_ratelimit_default(&cfg);
    cfg.burst = burst;
    cfg.interval_us = interval_us;
    cfg.exempt_level = exempt;
    cfg.max_sources = max_sources;
    memset(log, 0, sizeof *log);
    assert_int_equal(cl_ratelimit_new(&rl, &cfg, on_report, log), 0);
    assert_non_null(rl);
    return rl;
}

/* Sends n entries of (app, pid) at time t; returns how many passed. */
static uint64_t send_n(cl_ratelimit *rl, const char *app, int64_t pid, int level, uint64_t n,
                       int64_t t)
{
    uint64_t passed = 0;

    for (uint64_t i = 0; i < n; i++)
        passed += (uint64_t)cl_ratelimit_check(rl, app, strlen(app), pid, level, t);
    return passed;
}

static void test_defaults_are_journald_like(void **state)
{
    cl_ratelimit_config cfg;

    (void)state;
    cl_ratelimit_default(&cfg);
    assert_int_equal(cfg.interval_us, 30 * SEC);
    assert_int_equal(cfg.burst, 10000);
    assert_int_equal(cfg.exempt_level, 3); /* error and more severe */
    assert_true(cfg.max_sources >= 1024);
}

static void test_burst_then_suppressed(void **state)
{
    report_log log;
    cl_ratelimit *rl = make(10, 30 * SEC, ERROR, 16, &log);
    cl_ratelimit_stats st;

    (void)state;
    assert_int_equal(send_n(rl, "web", 100, INFO, 25, 1 * SEC), 10);
    cl_ratelimit_get_stats(rl, &st);
    assert_int_equal(st.suppressed, 15);
    assert_int_equal(st.sources, 1);
    assert_int_equal(st.limited, 1);
    assert_int_equal(log.n, 0); /* the window is still open */
    cl_ratelimit_free(rl);
}

/* The reject limit's use of the limiter (server.c): the key is the peer
 * PID alone (an empty app name), nothing exempt (exempt -1, level 0), and a
 * limit of its own that leaves the entry limiter untouched. */
static void test_rejects_by_pid(void **state)
{
    report_log log, elog;
    cl_ratelimit *rj = make(CL_REJECT_LIMIT_DEFAULT_BURST, 30 * SEC, -1, 16, &log);
    cl_ratelimit *rl = make(10, 30 * SEC, ERROR, 16, &elog);

    (void)state;
    assert_int_equal(CL_REJECT_LIMIT_DEFAULT_BURST, 1000);
    assert_int_equal(send_n(rj, "", 100, 0, 30000, 1 * SEC), 1000);
    assert_int_equal(send_n(rj, "", 101, 0, 5, 1 * SEC), 5);
    assert_int_equal(send_n(rl, "web", 100, INFO, 10, 1 * SEC), 10);
    cl_ratelimit_flush(rj);
    assert_int_equal(log.n, 1);
    assert_string_equal(log.app[0], "");
    assert_int_equal(log.pid[0], 100);
    assert_int_equal(log.suppressed[0], 29000);
    assert_int_equal(elog.total, 0);
    cl_ratelimit_free(rj);
    cl_ratelimit_free(rl);
}

static void test_report_when_window_closes(void **state)
{
    report_log log;
    cl_ratelimit *rl = make(10, 30 * SEC, ERROR, 16, &log);
    cl_ratelimit_stats st;

    (void)state;
    send_n(rl, "web", 100, INFO, 25, 1 * SEC);
    /* One microsecond before the window ends: nothing yet. */
    cl_ratelimit_sweep(rl, 31 * SEC - 1);
    assert_int_equal(log.n, 0);
    cl_ratelimit_sweep(rl, 31 * SEC);
    assert_int_equal(log.n, 1);
    assert_string_equal(log.app[0], "web");
    assert_int_equal(log.pid[0], 100);
    assert_int_equal(log.suppressed[0], 15);
    /* Reported once only. */
    cl_ratelimit_sweep(rl, 100 * SEC);
    assert_int_equal(log.n, 1);
    cl_ratelimit_get_stats(rl, &st);
    assert_int_equal(st.limited, 0);
    assert_int_equal(st.reports, 1);
    assert_int_equal(st.suppressed, 15); /* the total stays */
    cl_ratelimit_free(rl);
}

static void test_refill_after_window(void **state)
{
    report_log log;
    cl_ratelimit *rl = make(10, 30 * SEC, ERROR, 16, &log);

    (void)state;
    assert_int_equal(send_n(rl, "web", 100, INFO, 12, 0), 10);
    /* The next entry after the window both reports and opens a new one,
     * even when no sweep ran in between. */
    assert_int_equal(send_n(rl, "web", 100, INFO, 12, 30 * SEC), 10);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.suppressed[0], 2);
    cl_ratelimit_sweep(rl, 60 * SEC);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.suppressed[1], 2);
    cl_ratelimit_free(rl);
}

static void test_window_starts_with_first_entry(void **state)
{
    report_log log;
    cl_ratelimit *rl = make(3, 10 * SEC, ERROR, 16, &log);

    (void)state;
    assert_int_equal(send_n(rl, "a", 1, INFO, 3, 5 * SEC), 3);
    assert_int_equal(send_n(rl, "a", 1, INFO, 1, 14 * SEC), 0); /* window 5..15 */
    assert_int_equal(send_n(rl, "a", 1, INFO, 3, 15 * SEC), 3);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.suppressed[0], 1);
    cl_ratelimit_free(rl);
}

static void test_sources_are_app_and_pid(void **state)
{
    report_log log;
    cl_ratelimit *rl = make(5, 30 * SEC, ERROR, 16, &log);
    cl_ratelimit_stats st;

    (void)state;
    assert_int_equal(send_n(rl, "web", 100, INFO, 8, 0), 5);
    assert_int_equal(send_n(rl, "web", 101, INFO, 8, 0), 5); /* same app, other PID */
    assert_int_equal(send_n(rl, "db", 100, INFO, 8, 0), 5);  /* same PID, other app */
    /* A prefix of a name is another name. */
    assert_int_equal(send_n(rl, "we", 100, INFO, 5, 0), 5);
    cl_ratelimit_get_stats(rl, &st);
    assert_int_equal(st.sources, 4);
    assert_int_equal(st.limited, 3);
    assert_int_equal(st.suppressed, 9);
    cl_ratelimit_flush(rl);
    assert_int_equal(log.n, 3);
    for (size_t i = 0; i < log.n; i++)
        assert_int_equal(log.suppressed[i], 3);
    cl_ratelimit_free(rl);
}

static void test_errors_exempt(void **state)
{
    report_log log;
    cl_ratelimit *rl = make(2, 30 * SEC, ERROR, 16, &log);
    cl_ratelimit_stats st;

    (void)state;
    assert_int_equal(send_n(rl, "web", 1, INFO, 5, 0), 2);
    /* Error (3) down to emergency (0) always pass and take no tokens. */
    for (int lv = 0; lv <= ERROR; lv++)
        assert_int_equal(send_n(rl, "web", 1, lv, 100, 0), 100);
    assert_int_equal(send_n(rl, "web", 1, WARNING, 1, 0), 0);
    assert_int_equal(send_n(rl, "web", 1, 8 /* trace */, 1, 0), 0);
    cl_ratelimit_get_stats(rl, &st);
    assert_int_equal(st.suppressed, 5);
    cl_ratelimit_free(rl);
}

static void test_nothing_exempt(void **state)
{
    report_log log;
    cl_ratelimit *rl = make(2, 30 * SEC, -1, 16, &log);

    (void)state;
    assert_int_equal(send_n(rl, "web", 1, 0 /* emergency */, 5, 0), 2);
    cl_ratelimit_free(rl);
}

static void test_disabled(void **state)
{
    report_log log;
    cl_ratelimit *rl = make(0, 30 * SEC, -1, 16, &log);
    cl_ratelimit_stats st;

    (void)state;
    assert_int_equal(send_n(rl, "web", 1, INFO, 100000, 0), 100000);
    cl_ratelimit_get_stats(rl, &st);
    assert_int_equal(st.sources, 0); /* not even tracked */
    cl_ratelimit_free(rl);
    /* A NULL limiter lets everything through too. */
    assert_int_equal(cl_ratelimit_check(NULL, "x", 1, 1, INFO, 0), 1);
}

static void test_table_bounded_lru(void **state)
{
    report_log log;
    cl_ratelimit *rl = make(1, 30 * SEC, ERROR, 3, &log);
    cl_ratelimit_stats st;
    char app[32];

    (void)state;
    /* a is limited (2 suppressed); b, c fill the table. */
    assert_int_equal(send_n(rl, "a", 1, INFO, 3, 0), 1);
    assert_int_equal(send_n(rl, "b", 1, INFO, 1, 0), 1);
    assert_int_equal(send_n(rl, "c", 1, INFO, 1, 0), 1);
    /* Touch a: b is now the least recently seen. */
    assert_int_equal(send_n(rl, "a", 1, INFO, 1, 0), 0);
    assert_int_equal(send_n(rl, "d", 1, INFO, 1, 0), 1); /* evicts b */
    cl_ratelimit_get_stats(rl, &st);
    assert_int_equal(st.sources, 3);
    assert_int_equal(st.evictions, 1);
    assert_int_equal(log.n, 0); /* b had nothing to report */
    /* b is forgotten: a new bucket. Evicts c. */
    assert_int_equal(send_n(rl, "b", 1, INFO, 1, 0), 1);
    /* Now a is the oldest; evicting it must report its 3 suppressed. */
    assert_int_equal(send_n(rl, "e", 1, INFO, 1, 0), 1);
    assert_int_equal(log.n, 1);
    assert_string_equal(log.app[0], "a");
    assert_int_equal(log.suppressed[0], 3);
    /* Many sources: the table never grows past its bound. */
    for (int i = 0; i < 1000; i++) {
        snprintf(app, sizeof app, "app%d", i);
        send_n(rl, app, i, INFO, 2, 0);
    }
    cl_ratelimit_get_stats(rl, &st);
    assert_int_equal(st.sources, 3);
    /* Each of the 1000 suppressed one entry; all but the last 3 were
     * evicted and reported, the rest are reported by a flush. */
    assert_int_equal(log.total, 1 + 997);
    cl_ratelimit_flush(rl);
    assert_int_equal(log.total, 1 + 1000);
    assert_int_equal(log.sum, 3 + 1000);
    cl_ratelimit_get_stats(rl, &st);
    assert_int_equal(st.suppressed, 3 + 1000);
    assert_int_equal(st.reports, 1 + 1000);
    cl_ratelimit_free(rl);
}

static void test_eviction_reports_everything(void **state)
{
    report_log log;
    cl_ratelimit *rl = make(1, 30 * SEC, ERROR, 2, &log);
    cl_ratelimit_stats st;
    uint64_t reported = 0;

    (void)state;
    for (int i = 0; i < 40; i++) {
        char app[16];

        snprintf(app, sizeof app, "s%d", i);
        assert_int_equal(send_n(rl, app, 7, INFO, 4, 0), 1);
    }
    cl_ratelimit_flush(rl);
    cl_ratelimit_get_stats(rl, &st);
    assert_int_equal(log.n, 40);
    for (size_t i = 0; i < log.n; i++)
        reported += log.suppressed[i];
    assert_int_equal(reported, 40 * 3);
    assert_int_equal(st.suppressed, reported);
    assert_int_equal(st.limited, 0);
    cl_ratelimit_free(rl);
}

static void test_flush_reports_open_windows(void **state)
{
    report_log log;
    cl_ratelimit *rl = make(1, 30 * SEC, ERROR, 16, &log);

    (void)state;
    send_n(rl, "x", 9, INFO, 6, 0);
    cl_ratelimit_sweep(rl, 1 * SEC);
    assert_int_equal(log.n, 0);
    cl_ratelimit_flush(rl);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.suppressed[0], 5);
    cl_ratelimit_flush(rl);
    assert_int_equal(log.n, 1);
    cl_ratelimit_free(rl);
}

static void test_names_with_any_bytes(void **state)
{
    report_log log;
    cl_ratelimit *rl = make(1, 30 * SEC, ERROR, 16, &log);
    const char a[] = "caf\xc3\xa9 \xe2\x80\xa8";

    (void)state;
    assert_int_equal(cl_ratelimit_check(rl, a, sizeof a - 1, -1, INFO, 0), 1);
    assert_int_equal(cl_ratelimit_check(rl, a, sizeof a - 1, -1, INFO, 0), 0);
    cl_ratelimit_flush(rl);
    assert_int_equal(log.n, 1);
    assert_string_equal(log.app[0], a);
    assert_int_equal(log.pid[0], -1);
    cl_ratelimit_free(rl);
}

static void test_free_null(void **state)
{
    cl_ratelimit_stats st;

    (void)state;
    cl_ratelimit_free(NULL);
    cl_ratelimit_sweep(NULL, 0);
    cl_ratelimit_flush(NULL);
    cl_ratelimit_get_stats(NULL, &st);
    assert_int_equal(st.suppressed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_journald_like),
        cmocka_unit_test(test_burst_then_suppressed),
        cmocka_unit_test(test_rejects_by_pid),
        cmocka_unit_test(test_report_when_window_closes),
        cmocka_unit_test(test_refill_after_window),
        cmocka_unit_test(test_window_starts_with_first_entry),
        cmocka_unit_test(test_sources_are_app_and_pid),
        cmocka_unit_test(test_errors_exempt),
        cmocka_unit_test(test_nothing_exempt),
        cmocka_unit_test(test_disabled),
        cmocka_unit_test(test_table_bounded_lru),
        cmocka_unit_test(test_eviction_reports_everything),
        cmocka_unit_test(test_flush_reports_open_windows),
        cmocka_unit_test(test_names_with_any_bytes),
        cmocka_unit_test(test_free_null),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
