/* test_common_strbuf.c - the growable buffer (common/strbuf.h): appends,
 * growth, in-place writes, and the sticky out-of-memory flag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

static void test_appends(void **state)
{
    cl_strbuf b = CL_STRBUF_INIT;

    (void)state;
    assert_string_equal(cl_strbuf_cstr(&b), "");
    cl_strbuf_put(&b, "ab", 2);
    cl_strbuf_puts(&b, "cd");
    cl_strbuf_putc(&b, 'e');
    cl_strbuf_printf(&b, "%d-%s", 42, "x");
    cl_strbuf_put(&b, "ignored", 0);
    assert_int_equal(b.len, 9);
    assert_string_equal(b.p, "abcde42-x");
    cl_strbuf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(cl_strbuf_cstr(&b), "");
    cl_strbuf_free(&b);
    cl_strbuf_free(&b); /* again: harmless */
    cl_strbuf_free(NULL);
}

static void test_growth(void **state)
{
    cl_strbuf b = CL_STRBUF_INIT;
    char chunk[1000];

    (void)state;
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 100; i++)
        cl_strbuf_put(&b, chunk, sizeof chunk);
    assert_false(b.oom);
    assert_int_equal(b.len, 100000);
    assert_true(b.cap > b.len);
    assert_int_equal(b.p[b.len], '\0');
    assert_int_equal(strspn(b.p, "x"), 100000);
    cl_strbuf_free(&b);
}

static void test_in_place(void **state)
{
    cl_strbuf b = CL_STRBUF_INIT;

    (void)state;
    cl_strbuf_puts(&b, "ab");
    assert_int_equal(cl_strbuf_reserve(&b, 3), 0);
    memcpy(b.p + b.len, "xyz", 3);
    b.len += 3;
    assert_string_equal(cl_strbuf_cstr(&b), "abxyz");
    cl_strbuf_free(&b);
}

static void test_oom_is_sticky(void **state)
{
    cl_strbuf b = CL_STRBUF_INIT;

    (void)state;
    cl_strbuf_puts(&b, "kept");
    /* A request no allocator can meet sets oom without touching the content. */
    assert_int_equal(cl_strbuf_reserve(&b, SIZE_MAX - 2), -1);
    assert_true(b.oom);
    cl_strbuf_puts(&b, "lost");
    assert_int_equal(b.len, 4);
    assert_int_equal(cl_strbuf_reserve(&b, 1), -1);
    /* reset forgets it. */
    cl_strbuf_reset(&b);
    assert_false(b.oom);
    cl_strbuf_puts(&b, "again");
    assert_string_equal(cl_strbuf_cstr(&b), "again");
    cl_strbuf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_appends),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_in_place),
        cmocka_unit_test(test_oom_is_sticky),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
