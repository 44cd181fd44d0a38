/* test_sdk_encode.c - the SDK's JSON encoder (client-sdk/src/encode.c):
 * every field type, escaping, UTF-8 repair, truncation, field limits. Each
 * encoded line is also fed to the collector's validator: whatever the SDK
 * builds must be a valid entry. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "validate.h"

/* 2026-11-27T10:15:02.123456Z */
#define TS 1795774502123456LL

static cl_encoder enc(size_t max)
{
    cl_encoder e = { "billing", "web-01", 4242, max };

    return e;
}

/* Encodes and returns the line without its "\n" (static buffer). */
static const char *encode(const cl_encoder *e, cl_level lvl, const char *msg, const cl_field *f,
                          size_t n, cl_encode_info *info)
{
    static cl_strbuf b;
    static char out[200000];

    assert_int_equal(cl_encode_entry(e, &b, TS, 77, lvl, msg, strlen(msg), f, n, info), 0);
    assert_true(b.len > 0 && b.p[b.len - 1] == '\n');
    assert_true(b.len < sizeof out);
    memcpy(out, b.p, b.len - 1);
    out[b.len - 1] = '\0';
    return out;
}

/* The collector must accept what the SDK produces. */
static void assert_accepted(const char *line, size_t max)
{
    cl_validator v;
    cl_line_result r;
    cl_peer peer = { 1, 2, 3, NULL };
    char *copy = strdup(line);

    memset(&v, 0, sizeof v);
    cl_limits_default(&v.limits);
    v.limits.max_entry_bytes = max;
    cl_validate_line(&v, copy, strlen(copy), 0, &peer, &r);
    if (r.kind != CL_LINE_ENTRY)
        fail_msg("collector refused the SDK's line (%s): %s", r.rec ? r.rec->u.r.message.p : "?",
                 line);
    cl_record_free(r.rec);
    free(copy);
}

static void test_basic_entry(void **state)
{
    cl_encoder e = enc(65536);
    cl_encode_info info;
    const char *s = encode(&e, CL_ERROR, "payment declined", NULL, 0, &info);

    (void)state;
    assert_string_equal(s, "{\"ts\":\"2026-11-27T10:15:02.123456Z\",\"level\":\"error\","
                           "\"app\":\"billing\",\"host\":\"web-01\",\"pid\":4242,\"tid\":77,"
                           "\"msg\":\"payment declined\"}");
    assert_int_equal(info.truncated, 0);
    assert_accepted(s, 65536);
}

static void test_every_level_name(void **state)
{
    static const char *names[] = { "emergency", "alert", "critical", "error", "warning",
                                   "notice",    "info",  "debug",    "trace" };
    cl_encoder e = enc(65536);
    cl_encode_info info;

    (void)state;
    for (int l = CL_EMERGENCY; l <= CL_TRACE; l++) {
        char want[64];

        snprintf(want, sizeof want, "\"level\":\"%s\"", names[l]);
        assert_non_null(strstr(encode(&e, (cl_level)l, "m", NULL, 0, &info), want));
    }
}

/* One level table for all: each level the SDK encodes is read back by the
 * collector's validator as the same level, under the name level.h gives it;
 * every spelling the protocol knows (the nine names, any letter case) is
 * accepted by the validator as the level cl_level_parse gives it; and the
 * short forms and digits that people may type (CL_LEVEL_ALIASES,
 * CL_LEVEL_DIGITS) mean the same level as the full name but are not protocol
 * names, which the validator refuses. (The CLI's -p reads every spelling as
 * cl_level_parse does: test_cli_level.c.) */
static int validated_level(const char *level_json)
{
    cl_validator v;
    cl_line_result r;
    cl_peer peer = { 1, 2, 3, NULL };
    char line[128];
    int level;

    memset(&v, 0, sizeof v);
    cl_limits_default(&v.limits);
    snprintf(line, sizeof line, "{\"app\":\"a\",\"msg\":\"m\",\"level\":%s}", level_json);
    cl_validate_line(&v, line, strlen(line), 0, &peer, &r);
    level = r.kind == CL_LINE_ENTRY ? r.rec->u.e.level : -1;
    cl_record_free(r.rec);
    return level;
}

static void test_one_level_table(void **state)
{
    cl_encoder e = enc(65536);
    cl_encode_info info;
    const char *alias;
    int alias_level;

    (void)state;
    for (int l = CL_LVL_EMERGENCY; l < CL_LVL_COUNT; l++) {
        char want[64], json[32], up[32], *p;

        /* SDK -> validator. */
        snprintf(want, sizeof want, "\"level\":\"%s\"", cl_level_name(l));
        p = strstr(encode(&e, (cl_level)l, "m", NULL, 0, &info), want);
        assert_non_null(p);
        snprintf(json, sizeof json, "\"%s\"", cl_level_name(l));
        assert_int_equal(validated_level(json), l);
        snprintf(up, sizeof up, "\"%s\"", cl_level_upper(l));
        assert_int_equal(validated_level(up), l);
        /* Names -> parser, in every mode. */
        for (unsigned accept = 0; accept < 4; accept++)
            assert_int_equal(cl_level_parse(cl_level_name(l), strlen(cl_level_name(l)), accept), l);
    }
    for (int d = 0; d <= 7; d++) {
        char num[4], str[8];

        snprintf(num, sizeof num, "%d", d);
        snprintf(str, sizeof str, "\"%d\"", d);
        assert_int_equal(validated_level(num), d);
        assert_int_equal(cl_level_parse(num, 1, CL_LEVEL_DIGITS), d);
        assert_int_equal(validated_level(str), -1);
    }
    for (size_t i = 0; cl_level_alias(i, &alias, &alias_level) == 0; i++) {
        char json[32];

        snprintf(json, sizeof json, "\"%s\"", alias);
        assert_int_equal(cl_level_parse(alias, strlen(alias), CL_LEVEL_ALIASES), alias_level);
        assert_int_equal(validated_level(json), -1);
    }
}

static void test_field_types(void **state)
{
    cl_encoder e = enc(65536);
    cl_encode_info info;
    cl_field f[] = { CL_STR("s", "a \"q\" \\ b"),
                     CL_INT("i", -9223372036854775807LL - 1),
                     CL_INT("big", 9223372036854775807LL),
                     CL_DOUBLE("d", 0.1),
                     CL_DOUBLE("third", 1.0 / 3),
                     CL_DOUBLE("whole", 3.0),
                     CL_DOUBLE("nan", 0.0 / 0.0),
                     CL_DOUBLE("inf", 1.0 / 0.0),
                     CL_DOUBLE("ninf", -1.0 / 0.0),
                     CL_BOOL("t", 7),
                     CL_BOOL("f", 0),
                     CL_STR("null", NULL) };
    const char *s = encode(&e, CL_INFO, "m", f, sizeof f / sizeof f[0], &info);

    (void)state;
    assert_non_null(strstr(s, "\"fields\":{\"s\":\"a \\\"q\\\" \\\\ b\","
                              "\"i\":-9223372036854775808,\"big\":9223372036854775807,"
                              "\"d\":0.1,\"third\":0.3333333333333333,\"whole\":3,"
                              "\"nan\":\"NaN\",\"inf\":\"Infinity\",\"ninf\":\"-Infinity\","
                              "\"t\":true,\"f\":false,\"null\":null}"));
    assert_accepted(s, 65536);
}

static void test_control_characters_escaped(void **state)
{
    cl_encoder e = enc(65536);
    cl_encode_info info;
    char msg[40];
    const char *s;

    (void)state;
    for (int c = 1; c < 32; c++)
        msg[c - 1] = (char)c;
    msg[31] = 0x7f;
    msg[32] = '\0';
    s = encode(&e, CL_INFO, msg, NULL, 0, &info);
    assert_non_null(strstr(s, "\"msg\":\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
                              "\\u0008\\t\\n\\u000b\\u000c\\r\\u000e"));
    assert_non_null(strstr(s, "\\u001f\\u007f\"}"));
    for (const char *p = s; *p; p++)
        assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
    assert_accepted(s, 65536);
}

static void test_invalid_utf8_repaired(void **state)
{
    cl_encoder e = enc(65536);
    cl_encode_info info;
    /* lone continuation, overlong '/', surrogate, truncated 3-byte, valid e-acute */
    const char *s = encode(&e, CL_INFO,
                           "a\x80"
                           "b\xC0\xAF"
                           "c\xED\xA0\x80"
                           "d\xE2\x82"
                           "e\xC3\xA9",
                           NULL, 0, &info);

    (void)state;
    assert_non_null(strstr(s, "\"msg\":\"a\xEF\xBF\xBD"
                              "b\xEF\xBF\xBD\xEF\xBF\xBD"
                              "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                              "d\xEF\xBF\xBD\xEF\xBF\xBD"
                              "e\xC3\xA9\"}"));
    assert_accepted(s, 65536);
}

static void test_truncation_marker(void **state)
{
    cl_encoder e = enc(1024);
    cl_encode_info info;
    char *msg = malloc(5001);
    const char *s;

    (void)state;
    memset(msg, 'z', 5000);
    msg[5000] = '\0';
    s = encode(&e, CL_INFO, msg, NULL, 0, &info);
    assert_int_equal(info.truncated, 1);
    assert_true(strlen(s) <= 1024);
    assert_true(strlen(s) > 900); /* cut to fit, not emptied */
    assert_non_null(strstr(s, " of 5000 bytes]\"}"));
    assert_non_null(strstr(s, "zzz [truncated: "));
    assert_accepted(s, 1024);
    free(msg);
}

static void test_truncation_never_splits_escapes_or_chars(void **state)
{
    cl_encoder e = enc(600);
    cl_encode_info info;
    char msg[3001];

    (void)state;
    /* "\n" becomes 2 bytes and e-acute is 2 bytes: cuts must fall between. */
    for (int i = 0; i < 3000; i += 3) {
        msg[i] = '\n';
        msg[i + 1] = (char)0xC3;
        msg[i + 2] = (char)0xA9;
    }
    msg[3000] = '\0';
    for (size_t max = 400; max < 600; max += 7) {
        const char *s;

        e.max_entry_bytes = max;
        s = encode(&e, CL_INFO, msg, NULL, 0, &info);
        assert_int_equal(info.truncated, 1);
        assert_true(strlen(s) <= max);
        assert_accepted(s, max);
    }
}

static void test_duplicate_and_excess_fields(void **state)
{
    cl_encoder e = enc(65536);
    cl_encode_info info;
    cl_field f[70];
    char keys[70][8];
    const char *s;

    (void)state;
    f[0] = CL_INT("dup", 1);
    f[1] = CL_INT("dup", 2);
    for (int i = 2; i < 70; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        f[i] = CL_INT(keys[i], i);
    }
    s = encode(&e, CL_INFO, "m", f, 70, &info);
    assert_non_null(strstr(s, "{\"dup\":1,\"k2\":2,"));
    assert_null(strstr(s, "\"dup\":2"));
    /* 63 kept (dup + k2..k63), 7 dropped (the second dup and k64..k69). */
    assert_non_null(strstr(s, "\"k63\":63,\"cl_fields_dropped\":7}"));
    assert_accepted(s, 65536);
}

static void test_long_key_cut(void **state)
{
    cl_encoder e = enc(65536);
    cl_encode_info info;
    char key[301];
    cl_field f[1];
    const char *s;

    (void)state;
    memset(key, 'k', 300);
    key[300] = '\0';
    f[0] = CL_INT(key, 1);
    s = encode(&e, CL_INFO, "m", f, 1, &info);
    key[128] = '\0';
    assert_non_null(strstr(s, key));
    assert_null(
        strstr(s, "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                  "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"));
    assert_accepted(s, 65536);
}

static void test_fields_too_big_replaced_by_note(void **state)
{
    cl_encoder e = enc(512);
    cl_encode_info info;
    char big[2000];
    cl_field f[1];
    const char *s;

    (void)state;
    memset(big, 'v', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    f[0] = CL_STR("blob", big);
    s = encode(&e, CL_WARNING, "m", f, 1, &info);
    assert_int_equal(info.truncated, 1);
    assert_true(strlen(s) <= 512);
    assert_non_null(strstr(s, "fields larger than the collector's limit"));
    assert_accepted(s, 512);
}

/* Found by fuzz_sdk_encode: keys that differ as given but are equal as
 * sent must not both be written (the collector refuses duplicate names). */
static void test_keys_equal_after_encoding(void **state)
{
    cl_encoder e = enc(65536);
    cl_encode_info info;
    char a[200], b2[200];
    cl_field f[5];
    const char *s;

    (void)state;
    memset(a, 'k', 150);
    a[150] = '\0';
    memset(b2, 'k', 150);
    b2[149] = 'x'; /* differs after the 128th character only */
    b2[150] = '\0';
    f[0] = CL_INT("\xff", 1);
    f[1] = CL_INT("\xfe", 2); /* both repair to U+FFFD */
    f[2] = CL_INT(a, 3);
    f[3] = CL_INT(b2, 4);
    f[4] = CL_INT("cl_fields_dropped", 5); /* reserved for the SDK's count */
    s = encode(&e, CL_INFO, "m", f, 5, &info);
    assert_non_null(strstr(s, "\"fields\":{\"\xEF\xBF\xBD\":1,\""));
    assert_null(strstr(s, "\":2,"));
    assert_null(strstr(s, "kx\":4"));
    assert_non_null(strstr(s, ":3,\"cl_fields_dropped\":3}"));
    assert_accepted(s, 65536);
}

static void test_check_options_explains(void **state)
{
    char why[200], app[200];
    cl_options o;

    (void)state;
    assert_int_equal(cl_check_options("billing", NULL, why, sizeof why), CL_OK);
    assert_string_equal(why, "");
    assert_int_equal(cl_check_options("", NULL, why, sizeof why), CL_EINVAL);
    assert_string_equal(why, "app: must be a non-empty string");
    assert_int_equal(cl_check_options("a\xc2\x85"
                                      "b",
                                      NULL, why, sizeof why),
                     CL_EINVAL);
    assert_string_equal(why, "app: control character at byte 1");
    assert_int_equal(cl_check_options("a\xff"
                                      "b",
                                      NULL, why, sizeof why),
                     CL_EINVAL);
    assert_string_equal(why, "app: byte 1 is not valid UTF-8");
    memset(app, 'a', 129);
    app[129] = '\0';
    assert_int_equal(cl_check_options(app, NULL, why, sizeof why), CL_EINVAL);
    assert_string_equal(why, "app: 129 characters, the collector's limit is 128");
    app[128] = '\0';
    assert_int_equal(cl_check_options(app, NULL, why, sizeof why), CL_OK);
    cl_options_init(&o);
    o.buffer_bytes = 10;
    assert_int_equal(cl_check_options("x", &o, why, sizeof why), CL_EINVAL);
    assert_string_equal(why, "buffer_bytes: 10 is too small; at least 1024");
    cl_options_init(&o);
    o.overflow = (cl_overflow)9;
    assert_int_equal(cl_check_options("x", &o, why, sizeof why), CL_EINVAL);
    assert_string_equal(why, "overflow: 9 is not a cl_overflow value");
    cl_options_init(&o);
    o.max_entry_bytes = 100;
    assert_int_equal(cl_check_options("x", &o, NULL, 0), CL_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_entry),
        cmocka_unit_test(test_every_level_name),
        cmocka_unit_test(test_one_level_table),
        cmocka_unit_test(test_field_types),
        cmocka_unit_test(test_control_characters_escaped),
        cmocka_unit_test(test_invalid_utf8_repaired),
        cmocka_unit_test(test_truncation_marker),
        cmocka_unit_test(test_truncation_never_splits_escapes_or_chars),
        cmocka_unit_test(test_duplicate_and_excess_fields),
        cmocka_unit_test(test_long_key_cut),
        cmocka_unit_test(test_fields_too_big_replaced_by_note),
        cmocka_unit_test(test_keys_equal_after_encoding),
        cmocka_unit_test(test_check_options_explains),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
