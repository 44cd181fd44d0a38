/* test_fwd_url.c - --forward URLs (collector/forward/fwd_url.h): what is
 * accepted, the cursor's key, the defaults, every refusal's message, and
 * the filters (level threshold and app globs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fwd_url.h"

static cl_fwd_url parse_ok(const char *s)
{
    cl_fwd_url u;
    char err[512] = "";

    if (cl_fwd_url_parse(s, &u, err, sizeof err) != 0)
        fail_msg("%s: %s", s, err);
    return u;
}

static void refused(const char *s, const char *why)
{
    cl_fwd_url u;
    char err[512] = "", want[600];

    assert_int_equal(cl_fwd_url_parse(s, &u, err, sizeof err), -1);
    snprintf(want, sizeof want, "--forward %s: %s", s, why);
    assert_string_equal(err, want);
}

static void test_defaults(void **state)
{
    cl_fwd_url u = parse_ok("syslog+tcp://logs.example.org:6514");

    (void)state;
    assert_string_equal(u.host, "logs.example.org");
    assert_string_equal(u.port, "6514");
    assert_string_equal(u.key, "syslog+tcp://logs.example.org:6514");
    assert_int_equal(u.min_level, 8);
    assert_int_equal(u.n_apps, 0);
    assert_int_equal(u.fmt.facility, 1);
    assert_int_equal(u.fmt.format, CL_S5424_RFC5424);
    assert_int_equal(u.start_at_end, 0);
    assert_int_equal(u.defer_us, 10000000);
}

static void test_parameters(void **state)
{
    cl_fwd_url u = parse_ok("syslog+tcp://[::1]:514/?min-level=warn&app=billing*&app=web-?"
                            "&facility=local0&format=json&start=end");

    (void)state;
    assert_string_equal(u.host, "::1");
    assert_string_equal(u.key, "syslog+tcp://[::1]:514");
    assert_int_equal(u.min_level, 4);
    assert_int_equal(u.n_apps, 2);
    assert_string_equal(u.apps[0], "billing*");
    assert_string_equal(u.apps[1], "web-?");
    assert_int_equal(u.fmt.facility, 16);
    assert_int_equal(u.fmt.format, CL_S5424_JSON);
    assert_int_equal(u.start_at_end, 1);
    u = parse_ok("syslog+tcp://10.0.0.1:1?min-level=3&facility=23&format=rfc5424&start=oldest"
                 "&defer=0");
    assert_int_equal(u.defer_us, 0);
    assert_int_equal(parse_ok("syslog+tcp://h:1?defer=250ms").defer_us, 250000);
    assert_int_equal(u.min_level, 3);
    assert_int_equal(u.fmt.facility, 23);
    assert_int_equal(u.start_at_end, 0);
}

#ifdef _WIN32
static void test_tls(void **state)
{
    (void)state;
    refused("syslog+tls://x:1", "syslog+tls:// is not available on Windows; use syslog+tcp://");
}
#else
static void test_tls(void **state)
{
    cl_fwd_url u = parse_ok("syslog+tls://logs.example.org:6514?ca=/etc/ca.pem&cert=/c.pem"
                            "&key=/k.pem&peer-name=relay.example.org&min-level=info");

    (void)state;
    assert_int_equal(u.scheme, CL_FWD_SYSLOG_TLS);
    assert_string_equal(u.key, "syslog+tls://logs.example.org:6514");
    assert_string_equal(u.tls_ca, "/etc/ca.pem");
    assert_string_equal(u.tls_cert, "/c.pem");
    assert_string_equal(u.tls_key, "/k.pem");
    assert_string_equal(u.tls_peer_name, "relay.example.org");
    assert_int_equal(u.min_level, 6);
    /* Nothing given: the system's trust store, the host's name checked. */
    u = parse_ok("syslog+tls://[::1]:6514");
    assert_string_equal(u.key, "syslog+tls://[::1]:6514");
    assert_string_equal(u.tls_ca, "");
    assert_string_equal(u.tls_peer_name, "");
    refused("syslog+tls://x:1?ca=", "a TLS parameter is empty or too long");
    refused("syslog+tls://x:1?cert=/c", "cert and key go together (the client's certificate)");
    refused("syslog+tls://x:1?key=/k", "cert and key go together (the client's certificate)");
}
#endif

static void test_relp(void **state)
{
#ifdef CL_HAVE_RELP
    cl_fwd_url u = parse_ok("relp://[::1]:2514?min-level=err&facility=local1");

    (void)state;
    assert_int_equal(u.scheme, CL_FWD_RELP);
    assert_string_equal(u.host, "::1");
    assert_string_equal(u.port, "2514");
    assert_string_equal(u.key, "relp://[::1]:2514");
    assert_int_equal(u.min_level, 3);
    assert_int_equal(u.fmt.facility, 17);
    assert_int_equal(u.relp_tls, 0);
    u = parse_ok("syslog+tcp://h:1");
    assert_int_equal(u.scheme, CL_FWD_SYSLOG_TCP);
    /* RELP over TLS: the TLS parameters, and the cursor's name unchanged. */
    u = parse_ok("relp://r.example.org:2514?tls=1&ca=/ca.pem&cert=/c.pem&key=/k.pem"
                 "&peer-name=relay");
    assert_int_equal(u.relp_tls, 1);
    assert_string_equal(u.key, "relp://r.example.org:2514");
    assert_string_equal(u.tls_ca, "/ca.pem");
    assert_string_equal(u.tls_cert, "/c.pem");
    assert_string_equal(u.tls_key, "/k.pem");
    assert_string_equal(u.tls_peer_name, "relay");
    u = parse_ok("relp://h:1?tls=0");
    assert_int_equal(u.relp_tls, 0);
    refused("relp://h:1?tls=1", "relp:// with tls=1 needs ca=FILE (librelp does not read the "
                                "system's trust store)");
    refused("relp://h:1?tls=yes&ca=/a", "tls: 1 or 0");
    refused("relp://10.0.0.5:1?tls=1&ca=/a",
            "relp:// with tls=1 to an IP address needs peer-name=NAME (librelp matches the "
            "certificate's names, not its IP addresses)");
    refused("relp://[::1]:1?tls=1&ca=/a",
            "relp:// with tls=1 to an IP address needs peer-name=NAME (librelp matches the "
            "certificate's names, not its IP addresses)");
    u = parse_ok("relp://10.0.0.5:1?tls=1&ca=/a&peer-name=relay");
    assert_string_equal(u.tls_peer_name, "relay");
    u = parse_ok("relp://relay1.example.org:1?tls=1&ca=/a");
    assert_string_equal(u.tls_peer_name, "");
    refused("relp://h:1?ca=/a", "ca, cert, key and peer-name need tls=1 with relp://");
    refused("relp://h:1?peer-name=x", "ca, cert, key and peer-name need tls=1 with relp://");
    refused("relp://h:1?tls=1&ca=/a&cert=/c",
            "cert and key go together (the client's certificate)");
#else
    (void)state;
#endif
}

static void test_refusals(void **state)
{
    (void)state;
    refused("http://x:1",
            "expected syslog+tcp://HOST:PORT, syslog+tls://HOST:PORT or relp://HOST:PORT");
    refused("syslog+tcp://x:1?ca=/a",
            "ca, cert, key and peer-name are for syslog+tls:// and relp://...?tls=1");
    refused("syslog+tcp://x:1?tls=1", "tls= is for relp:// (syslog+tls:// is always TLS)");
#ifndef _WIN32
    refused("syslog+tls://x:1?tls=1", "tls= is for relp:// (syslog+tls:// is always TLS)");
#endif
#ifndef CL_HAVE_RELP
    refused("relp://x:1", "RELP is not available in this build (librelp is POSIX-only here); use "
                          "syslog+tcp://");
#endif
    refused("syslog+tcp://x", "the port is missing (HOST:PORT)");
    refused("syslog+tcp://:514", "the host is empty or too long");
    refused("syslog+tcp://x:", "the port must be a number from 1 to 65535");
    refused("syslog+tcp://x:65536", "the port must be a number from 1 to 65535");
    refused("syslog+tcp://x:12a", "the port must be a number from 1 to 65535");
    refused("syslog+tcp://x:0", "the port must be a number from 1 to 65535");
    refused("syslog+tcp://::1:514", "the host has a character host names do not have");
    refused("syslog+tcp://[::1]514", "an IPv6 address goes in brackets: [::1]:514");
    refused("syslog+tcp://u@x:1", "the host has a character host names do not have");
    refused("syslog+tcp://x:1?min-level", "a parameter is NAME=VALUE");
    refused("syslog+tcp://x:1?min-level=loud", "min-level: a level such as warning, err or 4");
    refused("syslog+tcp://x:1?facility=mail2", "facility: kern, user, ..., local7, or 0-23");
    refused("syslog+tcp://x:1?format=xml", "format: rfc5424 or json");
    refused("syslog+tcp://x:1?start=now", "start: oldest or end");
    refused("syslog+tcp://x:1?app=", "app: 1 to 16 non-empty globs");
    refused("syslog+tcp://x:1?defer=soon", "defer: a duration up to 1h, such as 10s or 0");
    refused("syslog+tcp://x:1?defer=2h", "defer: a duration up to 1h, such as 10s or 0");
    refused("syslog+tcp://x:1?x=1", "unknown parameter; known: min-level, app, facility, "
                                    "format, start, defer, for relp://: tls, and for syslog+tls:// "
                                    "or relp://...?tls=1: ca, cert, key, peer-name");
}

static void test_glob(void **state)
{
    (void)state;
    assert_true(cl_fwd_glob("*", "", 0));
    assert_true(cl_fwd_glob("bill*", "billing", 7));
    assert_false(cl_fwd_glob("bill*", "bil", 3));
    assert_true(cl_fwd_glob("*ing", "billing", 7));
    assert_true(cl_fwd_glob("b*l*g", "billing", 7));
    assert_false(cl_fwd_glob("b*l*x", "billing", 7));
    assert_true(cl_fwd_glob("?eb", "web", 3));
    assert_false(cl_fwd_glob("?eb", "webs", 4));
    assert_true(cl_fwd_glob("a*b*c", "aXbYbZc", 7));
    assert_false(cl_fwd_glob("abc", "ab", 2));
    /* n bounds the name: a longer buffer does not match more. */
    assert_true(cl_fwd_glob("web", "webserver", 3));
}

static void test_wants(void **state)
{
    cl_fwd_url u = parse_ok("syslog+tcp://h:1?min-level=warning&app=bill*&app=auth");

    (void)state;
    assert_true(cl_fwd_url_wants(&u, 4, "billing", 7));
    assert_true(cl_fwd_url_wants(&u, 0, "auth", 4));
    assert_false(cl_fwd_url_wants(&u, 5, "billing", 7));
    assert_false(cl_fwd_url_wants(&u, 3, "web", 3));
    u = parse_ok("syslog+tcp://h:1");
    assert_true(cl_fwd_url_wants(&u, 8, "anything", 8));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults), cmocka_unit_test(test_parameters),
        cmocka_unit_test(test_tls),      cmocka_unit_test(test_relp),
        cmocka_unit_test(test_refusals), cmocka_unit_test(test_glob),
        cmocka_unit_test(test_wants),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
