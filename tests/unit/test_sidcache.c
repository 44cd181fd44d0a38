/* test_sidcache.c - interned SID strings (collector/sidcache.h).
 *
 * The table is process-wide and never shrinks, so the tests run in order in
 * one process and the last one fills it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sidcache.h"

static const char *const USER = "S-1-5-21-3623811015-3361044348-30300820-1013";

/* Equal strings give one pointer to a copy of their own: the caller's
 * buffer may go (ConvertSidToStringSid's is LocalFree'd at once). */
static void test_same_pointer_for_equal_strings(void **state)
{
    char a[64], b[64];
    const char *p, *q;

    (void)state;
    snprintf(a, sizeof a, "%s", USER);
    snprintf(b, sizeof b, "%s", USER);
    p = cl_sid_intern(a);
    assert_non_null(p);
    assert_ptr_not_equal(p, a);
    assert_string_equal(p, USER);
    memset(a, 'x', sizeof a - 1);
    q = cl_sid_intern(b);
    assert_ptr_equal(p, q);
    assert_string_equal(p, USER);
    assert_int_equal(cl_sid_count(), 1);
    assert_ptr_not_equal(cl_sid_intern("S-1-5-18"), p);
    assert_string_equal(cl_sid_intern("S-1-5-18"), "S-1-5-18");
    assert_int_equal(cl_sid_count(), 2);
}

/* Only what ConvertSidToStringSid can produce gets in, so sinks can write
 * it without escaping. */
static void test_refuses_malformed(void **state)
{
    char longest[CL_SID_TEXT_MAX + 2];

    (void)state;
    assert_null(cl_sid_intern(NULL));
    assert_null(cl_sid_intern(""));
    assert_null(cl_sid_intern("S-1-5-\"21"));
    assert_null(cl_sid_intern("S-1-5-21\n"));
    assert_null(cl_sid_intern("S-1-5 21"));
    assert_null(cl_sid_intern("S-1-5-\\21"));
    assert_null(cl_sid_intern("S-1-5-21-\xc3\xa9"));
    memset(longest, '1', sizeof longest);
    longest[CL_SID_TEXT_MAX + 1] = '\0';
    assert_null(cl_sid_intern(longest)); /* one too long */
    assert_int_equal(cl_sid_count(), 2);
    longest[CL_SID_TEXT_MAX] = '\0';
    assert_string_equal(cl_sid_intern(longest), longest);
    assert_int_equal(cl_sid_count(), 3);
}

/* Bounded: once CL_SID_CACHE_MAX distinct SIDs are in, a new one is NULL
 * ("unknown"), and those already in are still found. */
static void test_full_table(void **state)
{
    char sid[64];
    const char *first = cl_sid_intern(USER);
    size_t n = cl_sid_count();

    (void)state;
    for (unsigned i = 0; n < CL_SID_CACHE_MAX; i++, n++) {
        snprintf(sid, sizeof sid, "S-1-5-21-1-2-3-%u", i);
        assert_string_equal(cl_sid_intern(sid), sid);
    }
    assert_int_equal(cl_sid_count(), CL_SID_CACHE_MAX);
    assert_null(cl_sid_intern("S-1-5-21-9-9-9-9"));
    assert_null(cl_sid_intern("S-1-5-21-9-9-9-10"));
    assert_int_equal(cl_sid_count(), CL_SID_CACHE_MAX);
    assert_ptr_equal(cl_sid_intern(USER), first);
    assert_string_equal(cl_sid_intern("S-1-5-21-1-2-3-0"), "S-1-5-21-1-2-3-0");
    assert_string_equal(cl_sid_intern("S-1-5-18"), "S-1-5-18");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_pointer_for_equal_strings),
        cmocka_unit_test(test_refuses_malformed),
        cmocka_unit_test(test_full_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
