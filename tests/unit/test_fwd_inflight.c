/* test_fwd_inflight.c - the batches a stream transport has written and not
 * yet seen acknowledged: confirmed in order, only up to the acknowledged
 * byte, across the ring's wrap, and never more than the ring holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fwd_inflight.h"

static void test_order_and_partial_ack(void **state)
{
    cl_fwd_inflight q;

    (void)state;
    cl_fwd_inflight_init(&q);
    assert_int_equal(cl_fwd_inflight_ack(&q, 0), -1);
    cl_fwd_inflight_push(&q, 100, 10); /* bytes 0-99: entries up to id 10 */
    cl_fwd_inflight_push(&q, 250, 25);
    cl_fwd_inflight_push(&q, 300, 31);
    /* Nothing acknowledged, or not all of the first batch. */
    assert_int_equal(cl_fwd_inflight_ack(&q, 0), -1);
    assert_int_equal(cl_fwd_inflight_ack(&q, 99), -1);
    /* Exactly the first batch's end; then into the third. */
    assert_int_equal(cl_fwd_inflight_ack(&q, 100), 10);
    assert_int_equal(cl_fwd_inflight_ack(&q, 299), 25);
    assert_int_equal(q.n, 1);
    assert_int_equal(cl_fwd_inflight_ack(&q, 300), 31);
    assert_int_equal(q.n, 0);
    /* An acknowledgement never goes back. */
    assert_int_equal(cl_fwd_inflight_ack(&q, 50), 31);
}

static void test_full_and_wrap(void **state)
{
    cl_fwd_inflight q;
    uint64_t end = 0;
    int64_t id = 0;

    (void)state;
    cl_fwd_inflight_init(&q);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < CL_FWD_INFLIGHT_MAX; i++) {
            assert_false(cl_fwd_inflight_full(&q));
            end += 10;
            cl_fwd_inflight_push(&q, end, ++id);
        }
        assert_true(cl_fwd_inflight_full(&q));
        /* Half of them, then the rest: the ring wraps on the next round. */
        assert_int_equal(cl_fwd_inflight_ack(&q, end - 10 * (CL_FWD_INFLIGHT_MAX / 2)),
                         id - CL_FWD_INFLIGHT_MAX / 2);
        assert_false(cl_fwd_inflight_full(&q));
        assert_int_equal(cl_fwd_inflight_ack(&q, end), id);
        assert_int_equal(q.n, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_partial_ack),
        cmocka_unit_test(test_full_and_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
