/* test_rfc5424.c - a stored entry as an RFC 5424 message (collector/forward/
 * rfc5424.h, schema/FORWARDING.md): whole messages compared byte for byte,
 * and the rules the mapping promises: every header value RFC 5424 forbids
 * is sanitised with its original in structured data, PARAM-VALUEs escaped,
 * no value ever cut without its original travelling along. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rfc5424.h"

#define S(lit) ((cl_row_str){ lit, sizeof(lit) - 1 })
#define NONE ((cl_row_str){ NULL, 0 })

/* 2026-11-27T10:15:03.000042Z and one second later. */
#define TS 1795774503000042LL
#define RECEIVED 1795774504000000LL

/* What the printf version wrote for test_many_entries_hash. */
#define MANY_BYTES 14328500
#define MANY_HASH 0x4e84d357be6b127aULL

static cl_row_entry base(void)
{
    cl_row_entry e;

    memset(&e, 0, sizeof e);
    e.id = 7;
    e.ts = TS;
    e.received = RECEIVED;
    e.level = 6;
    e.app = S("billing");
    e.host = S("web1");
    e.msg = S("hello");
    return e;
}

static const cl_s5424_opts USER = { CL_SYSLOG_FACILITY_USER, CL_S5424_RFC5424 };

static char *fmt(const cl_row_entry *e, const cl_s5424_opts *o)
{
    cl_strbuf b = CL_STRBUF_INIT;

    cl_s5424_format(&b, e, o);
    assert_false(b.oom);
    return b.p; /* the caller frees */
}

static void expect(const cl_row_entry *e, const cl_s5424_opts *o, const char *want)
{
    char *got = fmt(e, o);

    assert_string_equal(got, want);
    free(got);
}

static void test_minimal(void **state)
{
    cl_row_entry e = base();

    (void)state;
    expect(&e, &USER,
           "<14>1 2026-11-27T10:15:03.000042Z web1 billing - - "
           "[centrallog@32473 id=\"7\" received=\"2026-11-27T10:15:04.000000Z\"] hello");
}

static void test_pri_every_level_and_facility(void **state)
{
    (void)state;
    for (int f = 0; f <= CL_SYSLOG_FACILITY_MAX; f++) {
        for (int l = 0; l <= 8; l++) {
            cl_row_entry e = base();
            cl_s5424_opts o = { f, CL_S5424_RFC5424 };
            char want[16], *got;

            e.level = l;
            snprintf(want, sizeof want, "<%d>1 ", f * 8 + (l == 8 ? 7 : l));
            got = fmt(&e, &o);
            assert_memory_equal(got, want, strlen(want));
            /* trace is debug in PRI, so the level travels in the element. */
            assert_int_equal(strstr(got, " level=\"trace\"") != NULL, l == 8);
            free(got);
        }
    }
}

static void test_facility_names(void **state)
{
    (void)state;
    assert_int_equal(cl_syslog_facility_parse("user"), 1);
    assert_int_equal(cl_syslog_facility_parse("local0"), 16);
    assert_int_equal(cl_syslog_facility_parse("local7"), 23);
    assert_int_equal(cl_syslog_facility_parse("kern"), 0);
    assert_int_equal(cl_syslog_facility_parse("23"), 23);
    assert_int_equal(cl_syslog_facility_parse("24"), -1);
    assert_int_equal(cl_syslog_facility_parse("local8"), -1);
    assert_int_equal(cl_syslog_facility_parse(""), -1);
    assert_int_equal(cl_syslog_facility_parse("-1"), -1);
    for (int f = 0; f <= CL_SYSLOG_FACILITY_MAX; f++)
        assert_int_equal(cl_syslog_facility_parse(cl_syslog_facility_name(f)), f);
    assert_int_equal(cl_s5424_severity(8), 7);
    assert_int_equal(cl_s5424_severity(0), 0);
}

static void test_every_column(void **state)
{
    cl_row_entry e = base();

    (void)state;
    e.has_pid = 1;
    e.pid = 4242;
    e.has_tid = 1;
    e.tid = 4243;
    e.logger = S("db.pool");
    e.trace_id = S("4bf92f3577b34da6a3ce929d0e0e4736");
    e.span_id = S("00f067aa0ba902b7");
    e.peer.has_pid = e.peer.has_uid = e.peer.has_gid = 1;
    e.peer.pid = 4242;
    e.peer.uid = 1000;
    e.peer.gid = 100;
    e.fields = S("{\"user\":\"bob\",\"n\":42,\"ok\":true,\"o\":{\"a\":[1,\"]\"]}}");
    e.fields_json = 1;
    e.extra = S("{\"x\":1}");
    e.extra_json = 1;
    expect(&e, &USER,
           "<14>1 2026-11-27T10:15:03.000042Z web1 billing 4242 db.pool "
           "[centrallog@32473 id=\"7\" received=\"2026-11-27T10:15:04.000000Z\" tid=\"4243\" "
           "trace-id=\"4bf92f3577b34da6a3ce929d0e0e4736\" span-id=\"00f067aa0ba902b7\" "
           "peer-pid=\"4242\" peer-uid=\"1000\" peer-gid=\"100\" fields-nonstring=\"n ok o\" "
           "extra=\"{\\\"x\\\":1}\"]"
           "[fields@32473 user=\"bob\" n=\"42\" ok=\"true\" o=\"{\\\"a\\\":[1,\\\"\\]\\\"\\]}\"] "
           "hello");
}

static void test_windows_peer(void **state)
{
    cl_row_entry e = base();

    (void)state;
    e.peer.has_pid = 1;
    e.peer.pid = 12;
    e.peer.sid = S("S-1-5-21-1-2-3-1001");
    expect(&e, &USER,
           "<14>1 2026-11-27T10:15:03.000042Z web1 billing - - "
           "[centrallog@32473 id=\"7\" received=\"2026-11-27T10:15:04.000000Z\" peer-pid=\"12\" "
           "peer-sid=\"S-1-5-21-1-2-3-1001\"] hello");
}

static void test_param_value_escapes(void **state)
{
    cl_strbuf b = CL_STRBUF_INIT;

    (void)state;
    cl_s5424_param_value(&b, "a\"b\\c]d[e=f\n\xc3\xa9", 14);
    assert_string_equal(b.p, "a\\\"b\\\\c\\]d[e=f\n\xc3\xa9");
    cl_strbuf_reset(&b);
    cl_s5424_param_value(&b, "\"\"]]\\", 5);
    assert_string_equal(b.p, "\\\"\\\"\\]\\]\\\\");
    cl_strbuf_free(&b);
}

/* Each header field: a forbidden value is sanitised, its original moved. */
static void test_header_moves(void **state)
{
    cl_row_entry e = base();

    (void)state;
    e.app = S("caf\xc3\xa9 app");
    e.host = S("my host");
    e.logger = S("a\"b]");
    expect(&e, &USER,
           "<14>1 2026-11-27T10:15:03.000042Z my_host caf___app - a\"b] "
           "[centrallog@32473 id=\"7\" received=\"2026-11-27T10:15:04.000000Z\" host=\"my host\" "
           "app=\"caf\xc3\xa9 app\"] hello");
}

static void test_header_lengths(void **state)
{
    char app[60], host[300], logger[40];
    cl_row_entry e = base();
    char *got;

    (void)state;
    /* At the limit: kept, nothing moved. */
    memset(app, 'a', sizeof app);
    memset(host, 'h', sizeof host);
    memset(logger, 'l', sizeof logger);
    e.app = (cl_row_str){ app, 48 };
    e.host = (cl_row_str){ host, 255 };
    e.logger = (cl_row_str){ logger, 32 };
    got = fmt(&e, &USER);
    assert_null(strstr(got, " app=\""));
    assert_null(strstr(got, " host=\""));
    assert_null(strstr(got, " logger=\""));
    free(got);
    /* One more: cut in the header, whole in the element. */
    e.app = (cl_row_str){ app, 49 };
    e.host = (cl_row_str){ host, 256 };
    e.logger = (cl_row_str){ logger, 33 };
    got = fmt(&e, &USER);
    {
        char want[400];

        snprintf(want, sizeof want, " %.255s %.48s - %.32s [", host, app, logger);
        assert_non_null(strstr(got, want));
        snprintf(want, sizeof want, " host=\"%.256s\" app=\"%.49s\" logger=\"%.33s\"]", host, app,
                 logger);
        assert_non_null(strstr(got, want));
    }
    free(got);
}

/* NULL is the NILVALUE alone; "" and "-" are the NILVALUE with the original
 * in the element, so the three stay apart. */
static void test_nil_and_dash(void **state)
{
    cl_row_entry e = base();

    (void)state;
    e.host = NONE;
    e.app = S("-");
    e.logger = S("");
    expect(&e, &USER,
           "<14>1 2026-11-27T10:15:03.000042Z - - - - "
           "[centrallog@32473 id=\"7\" received=\"2026-11-27T10:15:04.000000Z\" app=\"-\" "
           "logger=\"\"] hello");
}

static void test_timestamp_out_of_range(void **state)
{
    cl_row_entry e = base();

    (void)state;
    e.ts = 253402300800000000LL; /* year 10000 */
    e.msg = S("");
    expect(&e, &USER,
           "<14>1 - web1 billing - - "
           "[centrallog@32473 id=\"7\" ts=\"253402300800000000\" "
           "received=\"2026-11-27T10:15:04.000000Z\"]");
    e.ts = 0;
    expect(&e, &USER,
           "<14>1 1970-01-01T00:00:00.000000Z web1 billing - - "
           "[centrallog@32473 id=\"7\" received=\"2026-11-27T10:15:04.000000Z\"]");
}

/* Field names that are no SD-NAME go into fields-rest as JSON, values and
 * names as they were stored (escapes included). */
static void test_fields_rest(void **state)
{
    cl_row_entry e = base();

    (void)state;
    e.fields = S("{\"ok_name\":\"v\",\"a b\":1,\"x=y\":\"\\n\",\"\\u00e9\":\"e\","
                 "\"0123456789012345678901234567890123\":null,\"\":2,\"q\\\"\":3,"
                 "\"esc\\/ok\":\"t\\tab \\ud83d\\ude00\",\"db.pool\":\"d\"}");
    e.fields_json = 1;
    expect(&e, &USER,
           "<14>1 2026-11-27T10:15:03.000042Z web1 billing - - "
           "[centrallog@32473 id=\"7\" received=\"2026-11-27T10:15:04.000000Z\" "
           "fields-rest=\"{\\\"a b\\\":1,\\\"x=y\\\":\\\"\\\\n\\\",\\\"\\\\u00e9\\\":\\\"e\\\","
           "\\\"0123456789012345678901234567890123\\\":null,\\\"\\\":2,\\\"q\\\\\\\"\\\":3,"
           "\\\"db.pool\\\":\\\"d\\\"}\"]"
           "[fields@32473 ok_name=\"v\" esc/ok=\"t\tab \xf0\x9f\x98\x80\"] hello");
}

static void test_fields_not_json(void **state)
{
    cl_row_entry e = base();

    (void)state;
    e.fields = S("{broken");
    e.fields_json = 0;
    e.extra = S("[1]");
    e.extra_json = 1;
    expect(&e, &USER,
           "<14>1 2026-11-27T10:15:03.000042Z web1 billing - - "
           "[centrallog@32473 id=\"7\" received=\"2026-11-27T10:15:04.000000Z\" "
           "fields-text=\"{broken\" extra=\"[1\\]\"] hello");
}

static void test_fields_empty_object(void **state)
{
    cl_row_entry e = base();

    (void)state;
    e.fields = S("{}");
    e.fields_json = 1;
    expect(&e, &USER,
           "<14>1 2026-11-27T10:15:03.000042Z web1 billing - - "
           "[centrallog@32473 id=\"7\" received=\"2026-11-27T10:15:04.000000Z\"] hello");
}

/* The message is MSG as it is: newlines, ']' and '"' need no escape there. */
static void test_message_verbatim(void **state)
{
    cl_row_entry e = base();

    (void)state;
    e.msg = S("line1\nline2 ] \" \\ [x@1 a=\"b\"]");
    expect(&e, &USER,
           "<14>1 2026-11-27T10:15:03.000042Z web1 billing - - "
           "[centrallog@32473 id=\"7\" received=\"2026-11-27T10:15:04.000000Z\"] "
           "line1\nline2 ] \" \\ [x@1 a=\"b\"]");
}

static void test_json_format(void **state)
{
    cl_row_entry e = base();
    cl_s5424_opts o = { 16, CL_S5424_JSON };

    (void)state;
    e.level = 8;
    e.has_pid = 1;
    e.pid = 5;
    e.app = S("caf\xc3\xa9");
    e.msg = S("a \"q\"\nb");
    e.fields = S("{\"n\":1}");
    e.fields_json = 1;
    e.peer.has_uid = 1;
    e.peer.uid = 0;
    expect(&e, &o,
           "<135>1 2026-11-27T10:15:03.000042Z web1 caf__ 5 - - "
           "@cee:{\"id\":7,\"ts\":\"2026-11-27T10:15:03.000042Z\","
           "\"received\":\"2026-11-27T10:15:04.000000Z\",\"level\":\"trace\","
           "\"app\":\"caf\xc3\xa9\",\"host\":\"web1\",\"pid\":5,\"msg\":\"a \\\"q\\\"\\nb\","
           "\"fields\":{\"n\":1},\"peer_uid\":0}");
}

static void test_framing(void **state)
{
    cl_row_entry e = base();
    cl_strbuf b = CL_STRBUF_INIT;
    char *one = fmt(&e, &USER);
    char want[512];
    size_t n;

    (void)state;
    cl_strbuf_puts(&b, "prefix");
    n = cl_s5424_append_framed(&b, &e, &USER);
    assert_int_equal(n, strlen(one));
    n = cl_s5424_append_framed(&b, &e, &USER);
    snprintf(want, sizeof want, "prefix%zu %s%zu %s", strlen(one), one, strlen(one), one);
    assert_string_equal(b.p, want);
    free(one);
    cl_strbuf_free(&b);
}

static void test_large_message(void **state)
{
    cl_row_entry e = base();
    cl_strbuf b = CL_STRBUF_INIT;
    size_t big = 64 * 1024;
    char *msg = malloc(big), head[32];
    size_t n;

    (void)state;
    assert_non_null(msg);
    memset(msg, 'm', big);
    e.msg = (cl_row_str){ msg, big };
    n = cl_s5424_append_framed(&b, &e, &USER);
    assert_true(n > big);
    snprintf(head, sizeof head, "%zu <14>1 ", n);
    assert_memory_equal(b.p, head, strlen(head));
    assert_int_equal(b.len, n + strlen(head) - strlen("<14>1 "));
    assert_memory_equal(b.p + b.len - big, msg, big);
    free(msg);
    cl_strbuf_free(&b);
}

static void test_sdname_rules(void **state)
{
    (void)state;
    assert_true(cl_s5424_sdname_ok("a", 1));
    assert_true(cl_s5424_sdname_ok("a.b-c_d/e@f", 11));
    assert_false(cl_s5424_sdname_ok("", 0));
    assert_false(cl_s5424_sdname_ok("a=b", 3));
    assert_false(cl_s5424_sdname_ok("a]b", 3));
    assert_false(cl_s5424_sdname_ok("a\"b", 3));
    assert_false(cl_s5424_sdname_ok("a b", 3));
    assert_false(cl_s5424_sdname_ok("\xc3\xa9", 2));
    assert_true(cl_s5424_sdname_ok("01234567890123456789012345678901", 32));
    assert_false(cl_s5424_sdname_ok("012345678901234567890123456789012", 33));
    assert_true(cl_s5424_header_ok("x", 1, 1));
    assert_false(cl_s5424_header_ok("-", 1, 48));
    assert_true(cl_s5424_header_ok("--", 2, 48));
    assert_false(cl_s5424_header_ok("a\x7f", 2, 48));
}

/* The hand-written integer formatting against printf, at every edge. */
static void test_put_int(void **state)
{
    static const int64_t v[] = { 0,
                                 1,
                                 -1,
                                 9,
                                 10,
                                 -10,
                                 99,
                                 100,
                                 999999,
                                 1000000,
                                 INT32_MAX,
                                 INT32_MIN,
                                 INT64_MAX,
                                 INT64_MIN,
                                 INT64_MIN + 1,
                                 INT64_MAX - 1 };
    char want[32];

    (void)state;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        cl_strbuf b = CL_STRBUF_INIT;

        snprintf(want, sizeof want, "%lld", (long long)v[i]);
        cl_s5424_put_int(&b, v[i]);
        assert_string_equal(b.p, want);
        cl_strbuf_free(&b);
    }
}

/* ------------------------------------------------- many entries, one hash */

/* The formatter was rewritten for speed (no printf, no per-entry buffers):
 * this pins its output for 40,000 generated entries, hostile values in every
 * column, both formats, to the hash of what the previous (printf) version
 * wrote. Any changed byte changes the hash. */
static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static cl_row_str pick(const cl_row_str *v, size_t n)
{
    return v[rnd() % n];
}

static const cl_row_str NAMES[] = {
    { NULL, 0 },
    S(""),
    S("-"),
    S("web1"),
    S("a b"),
    S("caf\xc3\xa9"),
    S("x]\"\\y"),
    S("a-very-long-application-name-that-is-longer-than-forty-eight-bytes-for-sure"),
    S("db.pool"),
    S("tab\there"),
    S("\xe6\x97\xa5\xe6\x9c\xac"),
};

static const cl_row_str TEXTS[] = {
    { NULL, 0 },
    S(""),
    S("hello"),
    S("line one\nline two"),
    S("brackets ] and \"quotes\" and \\ backslash"),
    S("\xef\xbb\xbf"
      "bom and caf\xc3\xa9"),
    S("4bf92f3577b34da6a3ce929d0e0e4736"),
};

static const cl_row_str FIELDS[] = {
    S("{}"),
    S("{\"i\":42}"),
    S("{\"user\":\"bob\",\"n\":-1.5e3,\"ok\":true,\"none\":null}"),
    S("{ \"a\" : \"x]y\\\"z\\\\\" , \"b\" : [1,{\"c\":\"]\"}] }"),
    S("{\"db.pool\":\"main\",\"k\":\"v\"}"),
    S("{\"na\\u006de\":\"\\u00e9\\ud83d\\ude00\\n\\t\\b\\f\\r\\/\"}"),
    S("{\"has space\":1,\"eq=\":2,\"quo\\\"te\":3,\"br]\":4}"),
    S("{\"a-name-that-is-longer-than-thirty-two-bytes\":\"v\"}"),
    S("{\"lone\":\"\\ud800x\",\"obj\":{\"x\":[1,2,\"3\"]}}"),
    S("{\"\":\"empty name\",\"caf\\u00e9\":\"v\"}"),
};

static int64_t pick_int(void)
{
    static const int64_t v[] = { 0,     1,      -1,         9,         10,        99,          100,
                                 12345, -98765, 2147483647, INT64_MAX, INT64_MIN, 4294967296LL };

    return v[rnd() % (sizeof v / sizeof v[0])];
}

static void gen(cl_row_entry *e, uint64_t i)
{
    static const int64_t ts[] = {
        TS, 0, -1, -1000001, 253402300799999999LL, 253402300800000000LL, INT64_MAX
    };
    size_t nn = sizeof NAMES / sizeof NAMES[0], nt = sizeof TEXTS / sizeof TEXTS[0];

    memset(e, 0, sizeof *e);
    e->id = (int64_t)i * 7919 + 1;
    e->ts = rnd() % 4 ? TS + (int64_t)(rnd() % 100000000000ULL) : ts[rnd() % 7];
    e->received = rnd() % 8 ? RECEIVED + (int64_t)(rnd() % 1000000) : ts[rnd() % 7];
    e->level = (int)(rnd() % 12) - 1;
    e->app = pick(NAMES, nn);
    e->host = pick(NAMES, nn);
    e->logger = pick(NAMES, nn);
    e->trace_id = pick(TEXTS, nt);
    e->span_id = rnd() % 2 ? NONE : pick(TEXTS, nt);
    e->msg = pick(TEXTS, nt);
    e->has_pid = (int)(rnd() % 2);
    e->pid = pick_int();
    e->has_tid = (int)(rnd() % 2);
    e->tid = pick_int();
    e->peer.has_pid = (int)(rnd() % 2);
    e->peer.pid = pick_int();
    e->peer.has_uid = (int)(rnd() % 2);
    e->peer.uid = pick_int();
    e->peer.has_gid = (int)(rnd() % 2);
    e->peer.gid = pick_int();
    e->peer.sid = rnd() % 3 ? NONE : pick(TEXTS, nt);
    switch (rnd() % 4) {
    case 0:
        e->fields = NONE;
        break;
    case 1:
        e->fields = pick(TEXTS, nt); /* not JSON: fields-text */
        break;
    default:
        e->fields = FIELDS[rnd() % (sizeof FIELDS / sizeof FIELDS[0])];
        e->fields_json = 1;
    }
    e->extra = rnd() % 2 ? NONE : FIELDS[rnd() % (sizeof FIELDS / sizeof FIELDS[0])];
    e->extra_json = e->extra.p != NULL && rnd() % 2;
}

static void test_many_entries_hash(void **state)
{
    cl_strbuf b = CL_STRBUF_INIT;
    uint64_t h = 14695981039346656037ULL;
    size_t total = 0;

    (void)state;
    rng_state = 88172645463325252ULL;
    for (uint64_t i = 0; i < 40000; i++) {
        cl_s5424_opts o;
        cl_row_entry e;
        size_t n;

        /* One statement each: an initializer list's order is unspecified. */
        o.facility = (int)(rnd() % 24);
        o.format = rnd() % 4 ? CL_S5424_RFC5424 : CL_S5424_JSON;
        gen(&e, i);
        cl_strbuf_reset(&b);
        n = cl_s5424_append_framed(&b, &e, &o);
        assert_false(b.oom);
        assert_true(n > 0 && n < b.len);
        for (size_t k = 0; k < b.len; k++)
            h = (h ^ (unsigned char)b.p[k]) * 1099511628211ULL;
        total += b.len;
    }
    cl_strbuf_free(&b);
    printf("many entries: %zu bytes, hash %016llx\n", total, (unsigned long long)h);
    assert_int_equal(total, MANY_BYTES);
    assert_int_equal(h, MANY_HASH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_pri_every_level_and_facility),
        cmocka_unit_test(test_facility_names),
        cmocka_unit_test(test_every_column),
        cmocka_unit_test(test_windows_peer),
        cmocka_unit_test(test_param_value_escapes),
        cmocka_unit_test(test_header_moves),
        cmocka_unit_test(test_header_lengths),
        cmocka_unit_test(test_nil_and_dash),
        cmocka_unit_test(test_timestamp_out_of_range),
        cmocka_unit_test(test_fields_rest),
        cmocka_unit_test(test_fields_not_json),
        cmocka_unit_test(test_fields_empty_object),
        cmocka_unit_test(test_message_verbatim),
        cmocka_unit_test(test_json_format),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_large_message),
        cmocka_unit_test(test_sdname_rules),
        cmocka_unit_test(test_put_int),
        cmocka_unit_test(test_many_entries_hash),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
