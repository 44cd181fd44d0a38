/* test_cli_aggmap.c - the counting table of `centrallog stats`
 * (tools/aggmap.h): counts per key and level, the NULL key, growth, merging
 * and the top-talkers order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggmap.h"

static void test_counts_and_order(void **state)
{
    cli_aggmap m = { 0 };
    cli_agg **v;
    size_t n;

    (void)state;
    assert_int_equal(cli_agg_add(&m, "web", 3, 6), 0);
    assert_int_equal(cli_agg_add(&m, "db", 2, 3), 0);
    assert_int_equal(cli_agg_add(&m, "web", 3, 3), 0);
    assert_int_equal(cli_agg_add(&m, NULL, 0, 4), 0);
    assert_int_equal(cli_agg_add(&m, "", 0, 4), 0);    /* empty is not NULL */
    assert_int_equal(cli_agg_add(&m, "db", 2, 99), 0); /* out of range: trace */
    assert_int_equal(cli_agg_add(&m, "ab", 2, 6), 0);
    assert_int_equal(cli_agg_add(&m, "ab", 2, 6), 0);
    v = cli_agg_sorted(&m, &n);
    assert_int_equal(n, 5);
    /* Largest first; ties by bytes; NULL last among equals. */
    assert_memory_equal(v[0]->key, "ab", 2);
    assert_int_equal(v[0]->total, 2);
    assert_memory_equal(v[1]->key, "db", 2);
    assert_int_equal(v[1]->level[3], 1);
    assert_int_equal(v[1]->level[8], 1);
    assert_memory_equal(v[2]->key, "web", 3);
    assert_int_equal(v[2]->level[6], 1);
    assert_int_equal(v[3]->len, 0);
    assert_non_null(v[3]->key);
    assert_null(v[4]->key);
    assert_int_equal(v[4]->level[4], 1);
    free(v);
    cli_aggmap_free(&m);
    assert_null(cli_agg_sorted(&m, &n));
    assert_int_equal(n, 0);
}

static void test_growth_and_merge(void **state)
{
    cli_aggmap a = { 0 }, b = { 0 };
    cli_agg **v;
    char key[16];
    size_t n;

    (void)state;
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%d", i % 1000);
        assert_int_equal(cli_agg_add(&a, key, strlen(key), i % 9), 0);
        snprintf(key, sizeof key, "k%d", 500 + i % 1000);
        assert_int_equal(cli_agg_add(&b, key, strlen(key), 3), 0);
    }
    assert_int_equal(a.n, 1000);
    assert_int_equal(cli_agg_merge(&a, &b), 0);
    assert_int_equal(a.n, 1500);
    v = cli_agg_sorted(&a, &n);
    assert_int_equal(n, 1500);
    /* k500..k999 have 5 + 5; the first of them by bytes is "k500". */
    assert_memory_equal(v[0]->key, "k500", 4);
    assert_int_equal(v[0]->total, 10);
    assert_int_equal(v[0]->level[3], 5); /* i % 9 for i = 500, 1500, ... is never 3 */
    assert_int_equal(v[1499]->total, 5);
    free(v);
    cli_aggmap_free(&a);
    cli_aggmap_free(&b);
    cli_aggmap_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_order),
        cmocka_unit_test(test_growth_and_merge),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
