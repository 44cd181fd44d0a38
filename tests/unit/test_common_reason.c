/* test_common_reason.c - reject reason codes (common/reason.h): every code
 * reads back to its reason, anything else to none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reason.h"

/* The reason codes (common/reason.h) read back to themselves. */
static void test_reason_codes_round_trip(void **state)
{
    (void)state;
    for (int r = CL_R_OK + 1; r < CL_R_COUNT; r++)
        assert_int_equal(cl_reason_from_code(cl_reason_code((enum cl_reason)r)), r);
    assert_int_equal(cl_reason_from_code("ok"), CL_R_OK);
    assert_int_equal(cl_reason_from_code("not-json"), CL_R_OK);
    assert_int_equal(cl_reason_from_code(""), CL_R_OK);
    assert_string_equal(cl_reason_code(CL_R_COUNT), "unknown");
    assert_string_equal(cl_reason_code(CL_R_NOT_JSON), "not_json");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reason_codes_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
