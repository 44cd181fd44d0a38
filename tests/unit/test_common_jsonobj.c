/* test_common_jsonobj.c - the members of a stored JSON object and the text of a
 * JSON string (jsonobj.h), as the CLI's verbose/export output and the
 * forwarder's structured data read them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "jsonobj.h"

static void members(const char *json, const char *expect)
{
    char got[512] = "";
    size_t pos = 0;
    cl_jmember m;

    while (cl_json_next_member(json, strlen(json), &pos, &m)) {
        cl_strbuf k = CL_STRBUF_INIT;

        cl_json_unquote(&k, m.key, m.key_n);
        snprintf(got + strlen(got), sizeof got - strlen(got), "[%.*s]=[%.*s]", (int)k.len, k.p,
                 (int)m.val_n, m.val);
        cl_strbuf_free(&k);
    }
    assert_string_equal(got, expect);
}

static void test_members(void **state)
{
    (void)state;
    members("{}", "");
    members(" { } ", "");
    members("{\"a\":1,\"b\":\"x,}\",\"c\":{\"d\":[1,{\"e\":2}]},\"f\":null}",
            "[a]=[1][b]=[\"x,}\"][c]=[{\"d\":[1,{\"e\":2}]}][f]=[null]");
    members("{ \"a\" : true , \"b\\\"q\" : [ ] }", "[a]=[true][b\"q]=[[ ]]");
    members("{\"k\\u003d\":\"v\\\\\"}", "[k=]=[\"v\\\\\"]");
    assert_true(cl_json_is_object(" {\"a\":1}", 8));
    assert_false(cl_json_is_object("[1]", 3));
}

static void unquoted(const char *s, const char *expect, size_t len)
{
    cl_strbuf b = CL_STRBUF_INIT;

    cl_json_unquote(&b, s, strlen(s));
    assert_int_equal(b.len, len);
    assert_memory_equal(b.p, expect, len);
    cl_strbuf_free(&b);
}

static void test_unquote(void **state)
{
    (void)state;
    unquoted("a\\nb\\tc\\\"\\\\\\/", "a\nb\tc\"\\/", 8);
    unquoted("\\u00e9\\u0000x", "\xc3\xa9\0x", 4);
    unquoted("\\ud83d\\ude00", "\xf0\x9f\x98\x80", 4);
    /* Lone surrogates: U+FFFD. */
    unquoted("\\ud83dx", "\xef\xbf\xbdx", 4);
    unquoted("\\ude00", "\xef\xbf\xbd", 3);
    unquoted("\\u12",
             "\xef\xbf\xbd"
             "12",
             5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members),
        cmocka_unit_test(test_unquote),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
