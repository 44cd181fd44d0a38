/* test_cli_output.c - the -o formats of query/tail and rejects
 * (tools/output.h), each asserted byte for byte, with hostile values in
 * every string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portable_env.h"
#include "output.h"

#define S(lit) ((cl_row_str){ lit, sizeof(lit) - 1 })
#define NONE ((cl_row_str){ NULL, 0 })

/* 2026-11-27T10:15:02.123456Z, received 1.5 ms later. */
static cl_row_entry full_entry(void)
{
    cl_row_entry e;

    memset(&e, 0, sizeof e);
    e.id = 7;
    e.ts = 1795774502123456LL;
    e.received = 1795774502124956LL;
    e.level = 3;
    e.app = S("billing");
    e.host = S("web-01");
    e.has_pid = 1;
    e.pid = 4242;
    e.has_tid = 1;
    e.tid = 4243;
    e.logger = S("pay.core");
    e.trace_id = S("t1");
    e.span_id = S("s1");
    e.msg = S("payment declined, \"card\" \x1b[31mX\x1b[0m\nnext");
    e.fields = S("{\"order\":81723,\"big\":18446744073709551615}");
    e.fields_json = 1;
    e.extra = S("{\"v\":2}");
    e.extra_json = 1;
    e.peer.has_pid = e.peer.has_uid = e.peer.has_gid = 1;
    e.peer.pid = 4242;
    e.peer.uid = 1000;
    e.peer.gid = 100;
    return e;
}

/* The bare minimum: no host, no pid, no optional members. */
static cl_row_entry small_entry(void)
{
    cl_row_entry e;

    memset(&e, 0, sizeof e);
    e.id = 8;
    e.ts = 1795774502000000LL;
    e.received = 1795774502000000LL;
    e.level = 6;
    e.app = S("a");
    e.msg = S("hi");
    e.peer.has_pid = 1;
    e.peer.pid = 99;
    return e;
}

static int escape_all; /* render with --escape-all */

static void render(cli_format fmt, int color, const cl_row_entry *e, size_t n, const char *expect)
{
    cli_output o;

    cli_output_init(&o, stdout, fmt, color, 1);
    o.escape_all = escape_all;
    cli_output_begin(&o);
    for (size_t i = 0; i < n; i++)
        cli_output_entry(&o, &e[i]);
    cli_output_end(&o);
    if (strcmp(cl_strbuf_cstr(&o.buf), expect) != 0)
        fail_msg("format %d:\n--- got\n%s--- expected\n%s---", fmt, cl_strbuf_cstr(&o.buf), expect);
    assert_int_equal(o.count, n);
    cli_output_free(&o);
}

static void test_text_formats(void **state)
{
    cl_row_entry e[2] = { full_entry(), small_entry() };

    (void)state;
    /* A line feed in a message is a line break, the next line indented
     * under the message's start; the ANSI sequence stays escaped. */
    render(CLI_FMT_SHORT, 0, e, 2,
           "Nov 27 10:15:02 web-01 billing[4242] ERROR: payment declined, \"card\" "
           "\\x1b[31mX\\x1b[0m\n"
           "                                            next "
           "{\"order\":81723,\"big\":18446744073709551615} extra={\"v\":2}\n"
           "Nov 27 10:15:02 - a[99] INFO: hi\n");
    render(CLI_FMT_SHORT_ISO, 0, e, 2,
           "2026-11-27T10:15:02.123456Z web-01 billing[4242] ERROR: payment declined, \"card\" "
           "\\x1b[31mX\\x1b[0m\n"
           "                                                        next "
           "{\"order\":81723,\"big\":18446744073709551615} extra={\"v\":2}\n"
           "2026-11-27T10:15:02.000000Z - a[99] INFO: hi\n");
    render(CLI_FMT_CAT, 0, e, 2, "payment declined, \"card\" \\x1b[31mX\\x1b[0m\nnext\nhi\n");
    /* journalctl's short-precise and short-unix: the continuation line is
     * indented by the longer prefix. */
    render(CLI_FMT_SHORT_PRECISE, 0, e, 2,
           "Nov 27 10:15:02.123456 web-01 billing[4242] ERROR: payment declined, \"card\" "
           "\\x1b[31mX\\x1b[0m\n"
           "                                                   next "
           "{\"order\":81723,\"big\":18446744073709551615} extra={\"v\":2}\n"
           "Nov 27 10:15:02.000000 - a[99] INFO: hi\n");
    render(CLI_FMT_SHORT_UNIX, 0, e, 2,
           "1795774502.123456 web-01 billing[4242] ERROR: payment declined, \"card\" "
           "\\x1b[31mX\\x1b[0m\n"
           "                                              next "
           "{\"order\":81723,\"big\":18446744073709551615} extra={\"v\":2}\n"
           "1795774502.000000 - a[99] INFO: hi\n");
    /* Before 1970, a microsecond before the epoch is -0.000001. */
    {
        cl_row_entry early = small_entry();

        early.ts = -1;
        render(CLI_FMT_SHORT_UNIX, 0, &early, 1, "-0.000001 - a[99] INFO: hi\n");
        early.ts = -1500000;
        render(CLI_FMT_SHORT_UNIX, 0, &early, 1, "-1.500000 - a[99] INFO: hi\n");
    }
    /* short-iso-precise is journalctl's name for what short-iso shows. */
    {
        cli_output a, b;

        cli_output_init(&a, NULL, CLI_FMT_SHORT_ISO, 0, 1);
        cli_output_init(&b, NULL, CLI_FMT_SHORT_ISO_PRECISE, 0, 1);
        for (size_t i = 0; i < 2; i++) {
            cli_output_entry(&a, &e[i]);
            cli_output_entry(&b, &e[i]);
        }
        assert_string_equal(cl_strbuf_cstr(&b.buf), cl_strbuf_cstr(&a.buf));
        cli_output_free(&a);
        cli_output_free(&b);
    }
    /* --escape-all: one line per entry, as in the text file. */
    escape_all = 1;
    render(CLI_FMT_SHORT, 0, e, 2,
           "Nov 27 10:15:02 web-01 billing[4242] ERROR: payment declined, \"card\" "
           "\\x1b[31mX\\x1b[0m\\nnext {\"order\":81723,\"big\":18446744073709551615} "
           "extra={\"v\":2}\n"
           "Nov 27 10:15:02 - a[99] INFO: hi\n");
    render(CLI_FMT_CAT, 0, e, 2, "payment declined, \"card\" \\x1b[31mX\\x1b[0m\\nnext\nhi\n");
    escape_all = 0;
}

/* Names cannot pose as another producer's line, a claimed PID that is not
 * the kernel's says so, and only the collector's own entries get its mark:
 * as in the collector's text file (collector/textfmt.h). */
static void test_text_trust_marks(void **state)
{
    cl_row_entry e = small_entry();
    cli_output o;

    (void)state;
    e.app = S("sshd[1] CRITICAL: root");
    e.host = S("h 1");
    e.has_pid = 1;
    e.pid = 7;
    render(
        CLI_FMT_SHORT_ISO, 0, &e, 1,
        "2026-11-27T10:15:02.000000Z h\\x201 sshd\\x5b1\\x5d\\x20CRITICAL\\x3a\\x20root[7,peer=99] "
        "INFO: hi\n");
    /* The collector's own: app centrallogd, its PID claimed and vouched for,
     * from the database owner's user. */
    e.app = S("centrallogd");
    e.host = S("h");
    e.pid = 99;
    e.peer.has_uid = 1;
    e.peer.uid = 1000;
    cli_output_init(&o, stdout, CLI_FMT_SHORT_ISO, 0, 1);
    o.collector_uid = 1000;
    cli_output_entry(&o, &e);
    e.peer.uid = 1001; /* another user claiming the name and PID */
    cli_output_entry(&o, &e);
    assert_string_equal(cl_strbuf_cstr(&o.buf),
                        "2026-11-27T10:15:02.000000Z h [centrallogd] INFO: hi\n"
                        "2026-11-27T10:15:02.000000Z h centrallogd[99] INFO: hi\n");
    cli_output_free(&o);
}

static void test_color(void **state)
{
    cl_row_entry e[2] = { full_entry(), small_entry() };

    (void)state;
    e[0].fields = NONE;
    e[0].extra = NONE;
    /* The only escape sequences are ours; info stays plain; each line of
     * a message opens and closes its colour. */
    render(
        CLI_FMT_CAT, 1, e, 2,
        "\033[31mpayment declined, \"card\" \\x1b[31mX\\x1b[0m\033[0m\n\033[31mnext\033[0m\nhi\n");
    assert_string_equal(cli_level_color(0), "\033[1;31m");
    assert_string_equal(cli_level_color(4), "\033[33m");
    assert_string_equal(cli_level_color(6), "");
    assert_string_equal(cli_level_color(8), "\033[2m");
    /* Never in machine formats, even when asked. */
    render(CLI_FMT_NDJSON, 1, &e[1], 1,
           "{\"id\":8,\"ts\":\"2026-11-27T10:15:02.000000Z\",\"received\":\"2026-11-27T10:15:02."
           "000000Z\",\"level\":\"info\",\"app\":\"a\",\"msg\":\"hi\",\"peer\":{\"pid\":99}}\n");
}

static void test_json_formats(void **state)
{
    cl_row_entry e[2] = { full_entry(), small_entry() };
    const char *obj0 =
        "{\"id\":7,\"ts\":\"2026-11-27T10:15:02.123456Z\",\"received\":\"2026-11-27T10:15:02."
        "124956Z\",\"level\":\"error\",\"app\":\"billing\",\"host\":\"web-01\",\"pid\":4242,"
        "\"tid\":4243,\"logger\":\"pay.core\",\"trace_id\":\"t1\",\"span_id\":\"s1\",\"msg\":"
        "\"payment declined, \\\"card\\\" \\u001b[31mX\\u001b[0m\\nnext\",\"fields\":{\"order\":"
        "81723,\"big\":18446744073709551615},\"extra\":{\"v\":2},\"peer\":{\"pid\":4242,\"uid\":"
        "1000,\"gid\":100}}";
    const char *obj1 =
        "{\"id\":8,\"ts\":\"2026-11-27T10:15:02.000000Z\",\"received\":\"2026-11-27T"
        "10:15:02.000000Z\",\"level\":\"info\",\"app\":\"a\",\"msg\":\"hi\",\"peer\":"
        "{\"pid\":99}}";
    char expect[4096];

    (void)state;
    snprintf(expect, sizeof expect, "%s\n%s\n", obj0, obj1);
    render(CLI_FMT_NDJSON, 0, e, 2, expect);
    snprintf(expect, sizeof expect, "[\n%s,\n%s\n]\n", obj0, obj1);
    render(CLI_FMT_JSON, 0, e, 2, expect);
    render(CLI_FMT_JSON, 0, e, 0, "[]\n");
    render(CLI_FMT_JSON_PRETTY, 0, e, 0, "[]\n");
    render(CLI_FMT_JSON_PRETTY, 0, &e[1], 1,
           "[\n"
           "  {\n"
           "    \"id\": 8,\n"
           "    \"ts\": \"2026-11-27T10:15:02.000000Z\",\n"
           "    \"received\": \"2026-11-27T10:15:02.000000Z\",\n"
           "    \"level\": \"info\",\n"
           "    \"app\": \"a\",\n"
           "    \"msg\": \"hi\",\n"
           "    \"peer\": {\n"
           "      \"pid\": 99\n"
           "    }\n"
           "  }\n"
           "]\n");
    /* fields that are not JSON (a foreign file) become a string. */
    e[1].fields = S("{broken");
    e[1].fields_json = 0;
    render(CLI_FMT_NDJSON, 0, &e[1], 1,
           "{\"id\":8,\"ts\":\"2026-11-27T10:15:02.000000Z\",\"received\":\"2026-11-27T10:15:02."
           "000000Z\",\"level\":\"info\",\"app\":\"a\",\"msg\":\"hi\",\"fields\":\"{broken\","
           "\"peer\":{\"pid\":99}}\n");
}

static void test_csv(void **state)
{
    cl_row_entry e[2] = { full_entry(), small_entry() };

    (void)state;
    render(CLI_FMT_CSV, 0, e, 2,
           "id,ts,received,level,app,host,pid,tid,logger,trace_id,span_id,msg,fields,extra,"
           "peer_pid,peer_uid,peer_gid,peer_sid\n"
           "7,2026-11-27T10:15:02.123456Z,2026-11-27T10:15:02.124956Z,error,billing,web-01,4242,"
           "4243,pay.core,t1,s1,\"payment declined, \"\"card\"\" \\x1b[31mX\\x1b[0m\\nnext\","
           "\"{\"\"order\"\":81723,\"\"big\"\":18446744073709551615}\",\"{\"\"v\"\":2}\",4242,"
           "1000,100,\n"
           "8,2026-11-27T10:15:02.000000Z,2026-11-27T10:15:02.000000Z,info,a,,,,,,,hi,,,99,,,\n");
    render(CLI_FMT_CSV, 0, e, 0,
           "id,ts,received,level,app,host,pid,tid,logger,trace_id,span_id,msg,fields,extra,"
           "peer_pid,peer_uid,peer_gid,peer_sid\n");
}

/* A Windows producer: PID and user SID, no UID or GID - and none made up. */
static void test_windows_peer(void **state)
{
    cl_row_entry e = small_entry();

    (void)state;
    e.peer.sid = S("S-1-5-21-1-2-3-1001");
    render(CLI_FMT_NDJSON, 0, &e, 1,
           "{\"id\":8,\"ts\":\"2026-11-27T10:15:02.000000Z\",\"received\":\"2026-11-27T10:15:02."
           "000000Z\",\"level\":\"info\",\"app\":\"a\",\"msg\":\"hi\",\"peer\":{\"pid\":99,"
           "\"sid\":\"S-1-5-21-1-2-3-1001\"}}\n");
    render(CLI_FMT_CSV, 0, &e, 1,
           "id,ts,received,level,app,host,pid,tid,logger,trace_id,span_id,msg,fields,extra,"
           "peer_pid,peer_uid,peer_gid,peer_sid\n"
           "8,2026-11-27T10:15:02.000000Z,2026-11-27T10:15:02.000000Z,info,a,,,,,,,hi,,,99,,,"
           "S-1-5-21-1-2-3-1001\n");
    /* Only a SID known: still a peer object. */
    e.peer.has_pid = 0;
    render(CLI_FMT_NDJSON, 0, &e, 1,
           "{\"id\":8,\"ts\":\"2026-11-27T10:15:02.000000Z\",\"received\":\"2026-11-27T10:15:02."
           "000000Z\",\"level\":\"info\",\"app\":\"a\",\"msg\":\"hi\",\"peer\":{"
           "\"sid\":\"S-1-5-21-1-2-3-1001\"}}\n");
}

static void test_parse(void **state)
{
    (void)state;
    assert_int_equal(cli_format_parse("short"), CLI_FMT_SHORT);
    assert_int_equal(cli_format_parse("short-iso"), CLI_FMT_SHORT_ISO);
    assert_int_equal(cli_format_parse("json"), CLI_FMT_JSON);
    assert_int_equal(cli_format_parse("json-pretty"), CLI_FMT_JSON_PRETTY);
    assert_int_equal(cli_format_parse("ndjson"), CLI_FMT_NDJSON);
    assert_int_equal(cli_format_parse("csv"), CLI_FMT_CSV);
    assert_int_equal(cli_format_parse("cat"), CLI_FMT_CAT);
    assert_int_equal(cli_format_parse("short-precise"), CLI_FMT_SHORT_PRECISE);
    assert_int_equal(cli_format_parse("short-unix"), CLI_FMT_SHORT_UNIX);
    assert_int_equal(cli_format_parse("short-iso-precise"), CLI_FMT_SHORT_ISO_PRECISE);
    assert_int_equal(cli_format_parse("JSON"), -1);
    assert_int_equal(cli_format_parse(""), -1);
}

/* Two rejected lines: bytes that are not UTF-8, cut short (raw_len beyond
 * raw); no raw at all, from a Windows peer. */
static void rejects(cl_row_reject r[2])
{
    memset(r, 0, 2 * sizeof *r);
    r[0].id = 3;
    r[0].received = 1795774502000000LL;
    r[0].peer.has_pid = r[0].peer.has_uid = r[0].peer.has_gid = 1;
    r[0].peer.pid = 42;
    r[0].peer.uid = 1000;
    r[0].peer.gid = 100;
    r[0].reason = S("not_json");
    r[0].message = S("byte 0: x");
    r[0].raw = S("\xff\xfe"
                 "A");
    r[0].raw_len = 5000;
    r[1].id = 4;
    r[1].received = 1795774502000000LL;
    r[1].peer.has_pid = 1;
    r[1].peer.pid = 7;
    r[1].peer.sid = S("S-1-5-21-1");
    r[1].reason = S("too_large");
    r[1].message = S("m, big");
    r[1].raw_len = 70000;
}

static void render_rejects(cli_format fmt, int color, const char *expect)
{
    cl_row_reject r[2];
    cli_output o;

    rejects(r);
    cli_output_init(&o, stdout, fmt, color, 1);
    o.kind = CLI_REC_REJECT;
    cli_output_begin(&o);
    cli_output_reject(&o, &r[0]);
    cli_output_reject(&o, &r[1]);
    cli_output_end(&o);
    if (strcmp(cl_strbuf_cstr(&o.buf), expect) != 0)
        fail_msg("format %d:\n--- got\n%s--- expected\n%s---", fmt, cl_strbuf_cstr(&o.buf), expect);
    assert_int_equal(o.count, 2);
    cli_output_free(&o);
}

static void test_rejects(void **state)
{
    static const char json0[] =
        "{\"id\":3,\"received\":\"2026-11-27T10:15:02.000000Z\",\"peer\":{\"pid\":42,"
        "\"uid\":1000,\"gid\":100},\"reason\":\"not_json\",\"message\":\"byte 0: x\","
        "\"raw\":\"//5B\",\"raw_encoding\":\"base64\",\"raw_len\":5000}";
    static const char json1[] =
        "{\"id\":4,\"received\":\"2026-11-27T10:15:02.000000Z\",\"peer\":{\"pid\":7,"
        "\"sid\":\"S-1-5-21-1\"},\"reason\":\"too_large\",\"message\":\"m, big\","
        "\"raw_len\":70000}";

    (void)state;
    render_rejects(CLI_FMT_SHORT, 0,
                   "Nov 27 10:15:02 [pid 42 uid 1000] not_json: byte 0: x | \\xff\\xfeA | "
                   "first 3 of 5000 bytes\n"
                   "Nov 27 10:15:02 [pid 7 sid S-1-5-21-1] too_large: m, big |  | first 0 of "
                   "70000 bytes\n");
    render_rejects(CLI_FMT_SHORT_ISO, 1,
                   "2026-11-27T10:15:02.000000Z [pid 42 uid 1000] \033[31mnot_json\033[0m: "
                   "byte 0: x | \\xff\\xfeA | first 3 of 5000 bytes\n"
                   "2026-11-27T10:15:02.000000Z [pid 7 sid S-1-5-21-1] "
                   "\033[31mtoo_large\033[0m: m, big |  | first 0 of 70000 bytes\n");
    render_rejects(CLI_FMT_CAT, 0, "\\xff\\xfeA\n\n");
    {
        char nd[1024], arr[1024];

        snprintf(nd, sizeof nd, "%s\n%s\n", json0, json1);
        render_rejects(CLI_FMT_NDJSON, 0, nd);
        snprintf(arr, sizeof arr, "[\n%s,\n%s\n]\n", json0, json1);
        render_rejects(CLI_FMT_JSON, 0, arr);
    }
    render_rejects(CLI_FMT_CSV, 0,
                   "id,received,peer_pid,peer_uid,peer_gid,reason,message,raw,raw_len,peer_sid\n"
                   "3,2026-11-27T10:15:02.000000Z,42,1000,100,not_json,byte 0: x,\\xff\\xfeA,"
                   "5000,\n"
                   "4,2026-11-27T10:15:02.000000Z,7,,,too_large,\"m, big\",,70000,S-1-5-21-1\n");
}

static void test_color_wanted(void **state)
{
    (void)state;
    assert_int_equal(cli_color_wanted(1, stdout), 1);
    assert_int_equal(cli_color_wanted(0, stdout), 0);
    setenv("NO_COLOR", "1", 1);
    assert_int_equal(cli_color_wanted(-1, stdout), 0);
    assert_int_equal(cli_color_wanted(1, stdout), 1);
    unsetenv("NO_COLOR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_formats), cmocka_unit_test(test_text_trust_marks),
        cmocka_unit_test(test_color),        cmocka_unit_test(test_json_formats),
        cmocka_unit_test(test_csv),          cmocka_unit_test(test_windows_peer),
        cmocka_unit_test(test_parse),        cmocka_unit_test(test_color_wanted),
        cmocka_unit_test(test_rejects),
    };

    setenv("TZ", "UTC0", 1);
    tzset();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
