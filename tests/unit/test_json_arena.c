/* test_json_arena.c - cJSON allocations from a per-thread bump arena
 * (collector/json_arena.h).
 *
 * The arena is invisible when it works, so these tests look at where cJSON's
 * nodes land: next to each other while an arena is active, back at the start
 * of the arena after end/begin, and on the ordinary heap otherwise. Under
 * AddressSanitizer they also prove that nothing is freed twice, leaked, or
 * used after the arena moved.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json_arena.h"

#define ARENA_MIN (64 * 1024) /* json_arena.c's first arena size */

static int setup(void **state)
{
    (void)state;
    cl_json_arena_install();
    return 0;
}

static int within(const void *p, const void *base, size_t n)
{
    return (const char *)p >= (const char *)base && (const char *)p < (const char *)base + n;
}

/* A JSON array of n strings of len bytes each. */
static char *big_array(size_t n, size_t len)
{
    char *s = malloc(n * (len + 3) + 3);
    size_t o = 0;

    assert_non_null(s);
    s[o++] = '[';
    for (size_t i = 0; i < n; i++) {
        if (i)
            s[o++] = ',';
        s[o++] = '"';
        memset(s + o, 'a' + (char)(i % 26), len);
        o += len;
        s[o++] = '"';
    }
    s[o++] = ']';
    s[o] = '\0';
    return s;
}

static void test_values_intact(void **state)
{
    cJSON *doc;

    (void)state;
    cl_json_arena_begin();
    doc = cJSON_Parse("{\"k\":[1,2,3],\"s\":\"text\",\"n\":{\"deep\":true}}");
    assert_non_null(doc);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "k")), 3);
    assert_int_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "k"), 2)->valueint, 3);
    assert_string_equal(cJSON_GetObjectItem(doc, "s")->valuestring, "text");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "n"), "deep")));
    cJSON_Delete(doc); /* a no-op for arena memory: must not reach free() */
    cl_json_arena_end();
}

/* Bump allocation: consecutive documents sit next to each other, and the
 * next begin starts again from the same place. */
static void test_bump_and_reuse(void **state)
{
    cJSON *a, *b, *c;
    const void *first;

    (void)state;
    cl_json_arena_begin();
    a = cJSON_Parse("{\"a\":1}");
    b = cJSON_Parse("{\"b\":2}");
    assert_true((const char *)b > (const char *)a);
    assert_true(within(b, a, ARENA_MIN));
    first = a;
    cJSON_Delete(a);
    cJSON_Delete(b);
    cl_json_arena_end();

    cl_json_arena_begin();
    c = cJSON_Parse("{\"c\":3}");
    assert_ptr_equal(c, first);
    assert_int_equal(cJSON_GetObjectItem(c, "c")->valueint, 3);
    cJSON_Delete(c);
    cl_json_arena_end();
}

/* Outside begin/end cJSON uses the heap, and such objects are really freed
 * (LeakSanitizer would report them otherwise), even while an arena exists. */
static void test_heap_outside_arena(void **state)
{
    cJSON *in, *out;
    const void *arena_start;

    (void)state;
    cl_json_arena_begin();
    in = cJSON_Parse("[0]");
    arena_start = in;
    cJSON_Delete(in);
    cl_json_arena_end();

    out = cJSON_Parse("{\"outside\":\"the arena\"}");
    assert_non_null(out);
    assert_false(within(out, arena_start, ARENA_MIN));
    assert_string_equal(cJSON_GetObjectItem(out, "outside")->valuestring, "the arena");
    /* A heap object may even be deleted while an arena is active. */
    cl_json_arena_begin();
    cJSON_Delete(out);
    cl_json_arena_end();
}

/* A document larger than the arena spills to the heap (and is freed there);
 * the next arena is sized to hold it. */
static void test_overflow_and_growth(void **state)
{
    char *text = big_array(2000, 100); /* > 200 KB of strings plus nodes */
    cJSON *doc, *small;
    const void *old_start;

    (void)state;
    cl_json_arena_begin();
    small = cJSON_Parse("0");
    old_start = small;
    cJSON_Delete(small);
    doc = cJSON_Parse(text);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetArraySize(doc), 2000);
    assert_int_equal(strlen(cJSON_GetArrayItem(doc, 1999)->valuestring), 100);
    assert_int_equal(cJSON_GetArrayItem(doc, 1999)->valuestring[0], 'a' + 1999 % 26);
    cJSON_Delete(doc);
    cl_json_arena_end();

    /* The new arena is a new block (allocated before the old is freed). */
    cl_json_arena_begin();
    small = cJSON_Parse("1");
    assert_ptr_not_equal(small, old_start);
    cJSON_Delete(small);
    doc = cJSON_Parse(text);
    assert_non_null(doc);
    /* All of it fits now: the last string lies inside the same block. */
    assert_true(within(cJSON_GetArrayItem(doc, 1999)->valuestring, small, 1024 * 1024));
    cJSON_Delete(doc);
    cl_json_arena_end();
    free(text);
}

/* What must outlive the arena is copied out after cl_json_arena_end, the
 * way the validator hands out control requests. */
static void test_copy_outlives_arena(void **state)
{
    char *text = big_array(4000, 200);
    cJSON *tmp, *kept;

    (void)state;
    cl_json_arena_begin();
    tmp = cJSON_Parse("{\"op\":\"sync\",\"id\":7}");
    cl_json_arena_end();
    kept = cJSON_Duplicate(tmp, 1);
    cJSON_Delete(tmp);
    assert_non_null(kept);
    /* Reuse and regrow the arena; the copy must be untouched. */
    for (int i = 0; i < 3; i++) {
        cl_json_arena_begin();
        tmp = cJSON_Parse(text);
        assert_non_null(tmp);
        cJSON_Delete(tmp);
        cl_json_arena_end();
    }
    assert_string_equal(cJSON_GetObjectItem(kept, "op")->valuestring, "sync");
    assert_int_equal(cJSON_GetObjectItem(kept, "id")->valueint, 7);
    cJSON_Delete(kept);
    free(text);
}

typedef struct thread_result {
    const void *first;
    int ok;
} thread_result;

static void *parse_in_thread(void *arg)
{
    thread_result *res = arg;
    cJSON *doc;

    cl_json_arena_begin();
    doc = cJSON_Parse("{\"thread\":\"local\"}");
    res->first = doc;
    res->ok = doc != NULL && strcmp(cJSON_GetObjectItem(doc, "thread")->valuestring, "local") == 0;
    cJSON_Delete(doc);
    cl_json_arena_end();
    return NULL;
}

/* Each thread has its own arena, and a thread that ends takes its arena
 * with it: a thread that validated lines must not leak up to 4 MiB when it
 * exits (LeakSanitizer checks this in the sanitizer build). */
static void test_per_thread(void **state)
{
    thread_result r1 = { NULL, 0 }, r2 = { NULL, 0 };
    pthread_t t1, t2;
    cJSON *mine;

    (void)state;
    cl_json_arena_begin();
    mine = cJSON_Parse("[1]");
    assert_int_equal(pthread_create(&t1, NULL, parse_in_thread, &r1), 0);
    assert_int_equal(pthread_join(t1, NULL), 0);
    assert_int_equal(pthread_create(&t2, NULL, parse_in_thread, &r2), 0);
    assert_int_equal(pthread_join(t2, NULL), 0);
    assert_true(r1.ok);
    assert_true(r2.ok);
    assert_false(within(r1.first, mine, ARENA_MIN));
    assert_int_equal(cJSON_GetArrayItem(mine, 0)->valueint, 1);
    cJSON_Delete(mine);
    cl_json_arena_end();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_intact),       cmocka_unit_test(test_bump_and_reuse),
        cmocka_unit_test(test_heap_outside_arena),  cmocka_unit_test(test_overflow_and_growth),
        cmocka_unit_test(test_copy_outlives_arena), cmocka_unit_test(test_per_thread),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
