/* test_cli_partset.c - the partition set (tools/partset.c): which
 * partitions a filter selects, the k-way merge in (ts, id) order - either
 * way - opening partitions lazily by their time range and closing each when
 * exhausted, and skipping one that cannot be read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dbschema.h"
#include "partset.h"
#include "platform.h"

#define NP 4

static char dir[64];
static char *paths[NP];

/* Partition k holds ids [k*100+1, k*100+100] with ts = id*10, except that
 * partition 2 (overlapping 1 and 3) also has ts shifted back by 995, and
 * partition 3 is the live one (no range known). */
static int64_t ts_of(int k, int64_t id)
{
    return k == 2 ? id * 10 - 995 : id * 10;
}

static void make_part(int k)
{
    sqlite3 *h;
    char sql[256];

    assert_int_equal(sqlite3_open(paths[k], &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, cl_db_partition_sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_exec(h, "PRAGMA user_version = 3; BEGIN", NULL, NULL, NULL);
    for (int64_t id = k * 100 + 1; id <= k * 100 + 100; id++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO entries (id, ts, received, level, app, msg) "
                 "VALUES (%lld, %lld, 0, 6, 'a', 'm')",
                 (long long)id, (long long)ts_of(k, id));
        assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
    }
    sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(h);
}

static void fill_set(cli_pset *ps)
{
    memset(ps, 0, sizeof *ps);
    ps->parts.n = NP;
    ps->parts.v = calloc(NP, sizeof *ps->parts.v);
    ps->bad = calloc(NP, 1);
    for (int k = 0; k < NP; k++) {
        cl_part *p = &ps->parts.v[k];

        p->seq = k + 1;
        p->path = strdup(paths[k]);
        p->rel = strdup(paths[k]);
        p->first_id = k * 100 + 1;
        p->state = k == NP - 1 ? CL_PART_LIVE : CL_PART_CLOSED;
        p->last_id = k == NP - 1 ? -1 : k * 100 + 100;
        p->entries = k == NP - 1 ? -1 : 100;
        p->rejects = 0;
        p->has_range = k != NP - 1;
        p->min_ts = ts_of(k, k * 100 + 1);
        p->max_ts = ts_of(k, k * 100 + 100);
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cl-partset-XXXXXX");
    assert_non_null(mkdtemp(dir));
    for (int k = 0; k < NP; k++) {
        paths[k] = malloc(128);
        snprintf(paths[k], 128, "%s/p%d.db", dir, k);
        make_part(k);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int k = 0; k < NP; k++) {
        unlink(paths[k]);
        free(paths[k]);
    }
    rmdir(dir);
    return 0;
}

static int keys_sql(void *ctx, size_t i, cli_db *db, cli_sql *q, char *err, size_t errlen)
{
    const int *desc = ctx;

    (void)i;
    (void)db;
    (void)err;
    (void)errlen;
    cl_strbuf_puts(&q->text, *desc ? "SELECT id, ts FROM entries ORDER BY ts DESC, id DESC"
                                   : "SELECT id, ts FROM entries ORDER BY ts, id");
    return 0;
}

/* Merges all, either way: every row once, strictly in order. */
static void test_merge_order(void **state)
{
    (void)state;
    for (int desc = 0; desc <= 1; desc++) {
        cli_pset ps;
        cli_filter f;
        cli_merge m;
        sqlite3_stmt *st;
        int64_t pts = 0, pid = 0;
        int n = 0;

        fill_set(&ps);
        cli_filter_init(&f);
        assert_int_equal(cli_merge_start(&m, &ps, &f, 0, desc, NULL, keys_sql, &desc), 0);
        while ((st = cli_merge_next(&m)) != NULL) {
            int64_t id = sqlite3_column_int64(st, 0), ts = sqlite3_column_int64(st, 1);

            if (n > 0) {
                int after = ts > pts || (ts == pts && id > pid);

                assert_true(desc ? !after : after);
            }
            pts = ts;
            pid = id;
            n++;
        }
        assert_int_equal(n, NP * 100);
        /* The live one (no range) and at most two overlapping closed ones:
         * never all four at once. */
        assert_true(m.max_open <= 3);
        assert_int_equal(m.open, 0);
        assert_int_equal(ps.partial, 0);
        cli_merge_free(&m);
        cli_filter_free(&f);
        ps.top.h = NULL;
        cli_pset_free(&ps);
    }
}

/* A time range selects the live partition and the closed ones whose
 * [min_ts, max_ts] meets [since, until). */
/* The statement of a search, its function registered on the partition's
 * connection as the listing does (cli_filter_prepare). */
static int search_sql(void *ctx, size_t i, cli_db *db, cli_sql *q, char *err, size_t errlen)
{
    (void)i;
    if (cli_filter_prepare(ctx, db->h, err, errlen) != 0)
        return -1;
    cl_strbuf_puts(&q->text, "SELECT id, ts FROM entries WHERE " CLI_GREP_FN "(msg) AND id % 3 = 0 "
                             "ORDER BY ts, id");
    return 0;
}

/* Prefetch: the first steps taken ahead (on 2+ CPUs, one on another
 * thread with its own copy of the search) give the same rows in the same
 * order, and no partition is left open. */
static void test_merge_prefetch(void **state)
{
    char err[256];

    (void)state;
    for (int ahead = 0; ahead <= 1; ahead++) {
        cli_pset ps;
        cli_filter f;
        cli_merge m;
        sqlite3_stmt *st;
        sqlite3 *h;
        int64_t pts = 0, pid = 0;
        int n = 0;

        fill_set(&ps);
        cli_filter_init(&f);
        assert_int_equal(cli_filter_option(&f, CLI_OPT_WORDS, "m", NULL, err, sizeof err), 1);
        assert_int_equal(sqlite3_open(":memory:", &h), SQLITE_OK);
        assert_int_equal(cli_filter_compile(&f, h, err, sizeof err), 0);
        assert_int_equal(cli_merge_start(&m, &ps, &f, 0, 0, NULL, search_sql, &f), 0);
        if (ahead)
            cli_merge_prefetch(&m, &f);
        while ((st = cli_merge_next(&m)) != NULL) {
            int64_t id = sqlite3_column_int64(st, 0), ts = sqlite3_column_int64(st, 1);

            assert_int_equal(id % 3, 0);
            if (n > 0)
                assert_true(ts > pts || (ts == pts && id > pid));
            pts = ts;
            pid = id;
            n++;
        }
        assert_int_equal(n, 133); /* 3, 6, ..., 399 */
        assert_int_equal(m.prefetched > 0, ahead && cli_cpu_count() >= 2);
        assert_int_equal(m.open, 0);
        assert_int_equal(ps.partial, 0);
        cli_merge_free(&m);
        cli_filter_free(&f);
        sqlite3_close(h);
        ps.top.h = NULL;
        cli_pset_free(&ps);
    }
}

static void test_overlaps(void **state)
{
    cli_pset ps;
    cli_filter f;

    (void)state;
    fill_set(&ps);
    cli_filter_init(&f);
    f.has_since = f.has_until = 1;
    f.since = ts_of(0, 100) + 1; /* just after partition 0 ends */
    f.until = ts_of(1, 150);
    assert_false(cli_part_overlaps(&ps.parts.v[0], &f));
    assert_true(cli_part_overlaps(&ps.parts.v[1], &f));
    assert_true(cli_part_overlaps(&ps.parts.v[2], &f)); /* shifted back into the range */
    assert_true(cli_part_overlaps(&ps.parts.v[3], &f)); /* live: always */
    f.until = ts_of(1, 101);                            /* until is excluded */
    assert_false(cli_part_overlaps(&ps.parts.v[1], &f));
    f.since = ts_of(0, 100); /* since is included */
    assert_true(cli_part_overlaps(&ps.parts.v[0], &f));
    ps.parts.v[0].entries = 0; /* an empty closed partition: never */
    assert_false(cli_part_overlaps(&ps.parts.v[0], &f));
    cli_filter_free(&f);
    cli_pset_free(&ps);
}

/* Rejected lines of a closed partition lie between its creation (less a
 * minute) and its sealing. */
static void test_rejects_range(void **state)
{
    cl_part p;
    cli_filter f;
    int64_t lo, hi;

    (void)state;
    memset(&p, 0, sizeof p);
    cli_filter_init(&f);
    p.state = CL_PART_LIVE;
    assert_int_equal(cli_part_rejects_range(&p, &lo, &hi), 0);
    p.state = CL_PART_CLOSED;
    p.created = 1000000000;
    p.sealed = 2000000000;
    p.rejects = 3;
    assert_int_equal(cli_part_rejects_range(&p, &lo, &hi), 1);
    assert_int_equal(lo, 1000000000 - CLI_REJECT_SLACK_US);
    assert_int_equal(hi, 2000000000);
    f.has_since = 1;
    f.since = 2000000001;
    assert_false(cli_part_has_rejects(&p, &f));
    f.since = 2000000000;
    assert_true(cli_part_has_rejects(&p, &f));
    p.rejects = 0;
    assert_false(cli_part_has_rejects(&p, &f));
    cli_filter_free(&f);
}

/* A partition that is missing is skipped once, and the merge goes on. */
static void test_missing_skipped(void **state)
{
    cli_pset ps;
    cli_filter f;
    cli_merge m;
    int desc = 0, n = 0;

    (void)state;
    fill_set(&ps);
    free(ps.parts.v[1].path);
    ps.parts.v[1].path = strdup("/nonexistent/p1.db");
    cli_filter_init(&f);
    assert_int_equal(cli_merge_start(&m, &ps, &f, 0, 0, NULL, keys_sql, &desc), 0);
    while (cli_merge_next(&m) != NULL)
        n++;
    assert_int_equal(n, (NP - 1) * 100);
    assert_int_equal(ps.partial, 1);
    assert_int_equal(ps.bad[1], 1);
    cli_merge_free(&m);
    cli_filter_free(&f);
    cli_pset_free(&ps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_order),     cmocka_unit_test(test_merge_prefetch),
        cmocka_unit_test(test_overlaps),        cmocka_unit_test(test_rejects_range),
        cmocka_unit_test(test_missing_skipped),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
