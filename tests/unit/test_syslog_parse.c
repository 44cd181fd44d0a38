/* test_syslog_parse.c - one syslog datagram in, one entry or reject out
 * (collector/ingest/syslog_parse.h), field by field, for the forms glibc's
 * syslog(3), util-linux logger and rsyslog send, and for each way a message
 * can be malformed, with its reason code (schema/SYSLOG.md).
 *
 * Local time is pinned with TZ: UTC for most cases, a POSIX rule for
 * Central European time (no tzdata needed) where the offset matters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "record.h"
#include "syslog_parse.h"
#include "timefmt.h"
#include "validate.h"

#define CET "CET-1CEST,M3.5.0,M10.5.0/3"

static const cl_peer PEER = { 4242, 1000, 100, NULL };
static cl_validator V;
static cl_strbuf SCRATCH = CL_STRBUF_INIT, REPAIR = CL_STRBUF_INIT;

static void set_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

static int64_t at(const char *rfc3339)
{
    int64_t us;

    assert_int_equal(cl_rfc3339_parse(rfc3339, strlen(rfc3339), &us), 0);
    return us;
}

static int setup(void **state)
{
    (void)state;
    memset(&V, 0, sizeof V);
    cl_limits_default(&V.limits);
    V.limits.max_ts_age_us = CL_TS_ANY; /* the tests' clocks are fixed */
    V.limits.max_ts_ahead_us = CL_TS_ANY;
    V.default_host.p = "collector-host";
    V.default_host.n = strlen(V.default_host.p);
    set_tz("UTC");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cl_strbuf_free(&SCRATCH);
    cl_strbuf_free(&REPAIR);
    return 0;
}

/* Judges the n bytes of s (received at now) and returns the record. */
static cl_record *judge_n(const char *s, size_t n, int64_t now, enum cl_record_kind kind)
{
    cl_line_result res;

    cl_syslog_judge(&V, s, n, n, 65536, now, now, &PEER, &SCRATCH, &REPAIR, &res);
    assert_int_equal(res.kind, kind == CL_REC_ENTRY ? CL_LINE_ENTRY : CL_LINE_REJECT);
    assert_non_null(res.rec);
    assert_int_equal(res.rec->kind, kind);
    assert_int_equal(res.rec->peer.pid, PEER.pid);
    assert_int_equal(res.rec->peer.uid, PEER.uid);
    assert_int_equal(res.rec->peer.gid, PEER.gid);
    assert_int_equal(res.rec->received_us, now);
    return res.rec;
}

static cl_record *entry(const char *s, int64_t now)
{
    return judge_n(s, strlen(s), now, CL_REC_ENTRY);
}

/* An optional string of the entry: NULL means absent. */
static void str_is(const cl_str *got, const char *want)
{
    if (want == NULL) {
        assert_null(got->p);
        return;
    }
    assert_non_null(got->p);
    assert_string_equal(got->p, want);
    assert_int_equal(got->n, strlen(want));
}

typedef struct want {
    const char *ts; /* NULL: the time of receipt */
    int level;
    const char *app, *host, *logger, *msg, *fields;
    long long pid; /* -1: none claimed */
} want;

static void check_entry(const char *s, int64_t now, const want *w)
{
    cl_record *r = entry(s, now);

    assert_int_equal(r->u.e.ts_us, w->ts ? at(w->ts) : now);
    assert_int_equal(r->u.e.level, w->level);
    str_is(&r->u.e.app, w->app);
    str_is(&r->u.e.host, w->host ? w->host : "collector-host");
    str_is(&r->u.e.logger, w->logger);
    str_is(&r->u.e.msg, w->msg);
    str_is(&r->u.e.fields, w->fields);
    str_is(&r->u.e.extra, NULL);
    str_is(&r->u.e.trace_id, NULL);
    assert_int_equal(r->u.e.has_pid, w->pid >= 0);
    if (w->pid >= 0)
        assert_int_equal(r->u.e.pid, w->pid);
    assert_int_equal(r->u.e.has_tid, 0);
    cl_record_free(r);
}

static void check_reject(const char *s, size_t n, enum cl_reason reason, const char *msg_part)
{
    cl_record *r = judge_n(s, n, at("2026-12-04T19:05:00Z"), CL_REC_REJECT);

    assert_int_equal(r->u.r.reason, reason);
    assert_non_null(strstr(r->u.r.message.p, msg_part));
    /* The reject keeps the datagram as sent. */
    assert_int_equal(r->u.r.raw_len, n);
    assert_int_equal(r->u.r.raw.n, n);
    assert_memory_equal(r->u.r.raw.p, s, n);
    cl_record_free(r);
}

#define REJECT(lit, reason, part) check_reject(lit, sizeof(lit) - 1, reason, part)

/* ---- RFC 3164 ---- */

static void test_glibc(void **state)
{
    /* glibc's syslog(3) with LOG_PID: no host name; the day space-padded.
     * The timestamp is about the arrival: the entry's time is the arrival,
     * to the microsecond. */
    want w = { NULL, 5, "tag", NULL, NULL, "msg", "{\"syslog_facility\":\"user\"}", 12 };

    (void)state;
    check_entry("<13>Dec  4 19:00:00 tag[12]: msg", at("2026-12-04T19:00:00.25Z"), &w);
    /* Without LOG_PID; LOG_DAEMON | LOG_ERR = 27. */
    w.level = 3;
    w.pid = -1;
    w.fields = "{\"syslog_facility\":\"daemon\"}";
    w.msg = "disk on fire: 98% [sda]";
    check_entry("<27>Dec  4 19:00:00 tag: disk on fire: 98% [sda]", at("2026-12-04T19:00:01Z"), &w);
}

static void test_logger_local_and_3164(void **state)
{
    /* logger -u PATH (its local format), then --rfc3164 -i (with a host). */
    want w = { NULL, 5, "root", NULL, NULL, "hello world", "{\"syslog_facility\":\"user\"}", -1 };

    (void)state;
    check_entry("<13>Dec  4 19:10:57 root: hello world", at("2026-12-04T19:11:00Z"), &w);
    w.host = "vm";
    w.pid = 904;
    check_entry("<13>Dec  4 19:10:57 vm root[904]: hello world", at("2026-12-04T19:11:00Z"), &w);
    /* -p local3.err = 19 * 8 + 3. */
    w.level = 3;
    w.fields = "{\"syslog_facility\":\"local3\"}";
    check_entry("<155>Dec  4 19:10:57 vm root[904]: hello world", at("2026-12-04T19:11:00Z"), &w);
    /* rsyslog's omuxsock (RSYSLOG_TraditionalForwardFormat) looks the same. */
    w.level = 6;
    w.app = "sshd";
    w.host = "web-1.example.org";
    w.pid = 77;
    w.msg = "Accepted publickey for root";
    w.fields = "{\"syslog_facility\":\"daemon\"}";
    check_entry("<30>Dec  4 19:10:57 web-1.example.org sshd[77]: Accepted publickey for root",
                at("2026-12-04T19:11:00Z"), &w);
    /* A relay that could not resolve the sender writes its address. */
    w.host = "2001:db8::1";
    check_entry("<30>Dec  4 19:10:57 2001:db8::1 sshd[77]: Accepted publickey for root",
                at("2026-12-04T19:11:00Z"), &w);
    w.host = "::ffff:192.0.2.7";
    check_entry("<30>Dec  4 19:10:57 ::ffff:192.0.2.7 sshd[77]: Accepted publickey for root",
                at("2026-12-04T19:11:00Z"), &w);
    w.host = "192.0.2.7";
    check_entry("<30>Dec  4 19:10:57 192.0.2.7 sshd[77]: Accepted publickey for root",
                at("2026-12-04T19:11:00Z"), &w);
}

/* An RFC 3164 timestamp names no year, zone or fraction: the entry's time
 * is the arrival; the claim, read as local time in the nearest year, only
 * decides whether it is about the arrival (within a minute) or is kept as
 * fields.syslog_timestamp for the reader to see (another zone, a backlog). */
static void test_3164_year_and_zone(void **state)
{
    want w = { NULL, 5, "t", NULL, NULL, "m", "{\"syslog_facility\":\"user\"}", -1 };

    (void)state;
    /* Read just after New Year: last year's December, so about now. */
    check_entry("<13>Dec 31 23:59:59 t: m", at("2027-01-01T00:00:00.3Z"), &w);
    /* A zero-padded day is taken too. */
    check_entry("<13>Jul 04 09:08:07 t: m", at("2026-07-04T09:08:07.5Z"), &w);
    /* 59 s late still agrees; 60 s and a second ahead do not. */
    check_entry("<13>Jul  4 09:08:07 t: m", at("2026-07-04T09:09:06.9Z"), &w);
    w.fields = "{\"syslog_facility\":\"user\",\"syslog_timestamp\":\"Jul  4 09:08:07\"}";
    check_entry("<13>Jul  4 09:08:07 t: m", at("2026-07-04T09:09:07Z"), &w);
    check_entry("<13>Jul  4 09:08:07 t: m", at("2026-07-04T09:08:05.9Z"), &w);
    /* Local time: summer (+02:00) and winter (+01:00) in Central Europe. */
    set_tz(CET);
    w.fields = "{\"syslog_facility\":\"user\"}";
    check_entry("<13>Jul  1 12:00:00 t: m", at("2026-07-01T10:00:00.5Z"), &w);
    check_entry("<13>Dec  4 19:00:00 t: m", at("2026-12-04T18:00:00.5Z"), &w);
    /* 29 February exists only in leap years: 2028's. */
    check_entry("<13>Feb 29 12:00:00 t: m", at("2028-02-29T11:00:00.5Z"), &w);
    /* A sender whose TZ is UTC writes 10:00 at 12:00 CEST: kept as sent. */
    w.fields = "{\"syslog_facility\":\"user\",\"syslog_timestamp\":\"Jul  1 10:00:00\"}";
    check_entry("<13>Jul  1 10:00:00 t: m", at("2026-07-01T10:00:00.5Z"), &w);
    /* No 29 February near 2026: still a timestamp, not message text. */
    w.fields = "{\"syslog_facility\":\"user\",\"syslog_timestamp\":\"Feb 29 12:00:00\"}";
    check_entry("<13>Feb 29 12:00:00 t: m", at("2026-06-01T00:00:00Z"), &w);
    set_tz("UTC");
}

/* The entry's time is when the kernel queued the datagram (arrival_us),
 * not when the collector read it, for a message that names no instant. */
static void test_arrival_time(void **state)
{
    const int64_t read = at("2026-12-04T19:00:05.5Z"), queued = at("2026-12-04T19:00:01.25Z");
    static const char *const msgs[] = { "<13>Dec  4 19:00:01 t: m", "<13>t: m",
                                        "<13>1 - - t - - - m" };
    cl_line_result res;

    (void)state;
    for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
        cl_syslog_judge(&V, msgs[i], strlen(msgs[i]), strlen(msgs[i]), 65536, read, queued, &PEER,
                        &SCRATCH, &REPAIR, &res);
        assert_int_equal(res.kind, CL_LINE_ENTRY);
        assert_int_equal(res.rec->u.e.ts_us, queued);
        assert_int_equal(res.rec->received_us, read);
        str_is(&res.rec->u.e.fields, "{\"syslog_facility\":\"user\"}");
        cl_record_free(res.rec);
    }
}

static void test_3164_partial_headers(void **state)
{
    const int64_t now = at("2026-12-04T19:05:00Z");
    want w = { NULL, 5, "tag", NULL, NULL, "msg", "{\"syslog_facility\":\"user\"}", -1 };

    (void)state;
    /* No timestamp: the time of receipt. */
    check_entry("<13>tag: msg", now, &w);
    /* Neither timestamp nor tag: all of it is the message; app is "-". */
    w.app = "-";
    w.msg = "hello world";
    check_entry("<13>hello world", now, &w);
    /* A timestamp and free text: the words are not taken for host or tag. */
    w.msg = "just some words";
    check_entry("<13>Dec  4 19:04:59 just some words", now, &w);
    /* A time is no host name (nor an IPv6 address): all message text. */
    w.msg = "12:30:00 started: ok";
    check_entry("<13>Dec  4 19:04:59 12:30:00 started: ok", now, &w);
    /* logger -t '' writes an empty tag: app "-", as journald reads it. */
    w.msg = "empty tag";
    check_entry("<13>Dec  4 19:04:59 : empty tag", now, &w);
    check_entry("<13>: empty tag", now, &w);
    /* Not a timestamp (no such month): message text. */
    w.msg = "Foo  4 19:00:00 x";
    check_entry("<13>Foo  4 19:00:00 x", now, &w);
    /* A non-numeric "pid" is kept as syslog_procid. */
    w.app = "worker";
    w.msg = "m";
    w.fields = "{\"syslog_facility\":\"user\",\"syslog_procid\":\"main-3\"}";
    check_entry("<13>worker[main-3]: m", now, &w);
    /* An RFC 3339 timestamp where BSD syslog has its own (rsyslog's
     * high-precision formats), with an offset. */
    w.ts = "2026-12-04T18:00:00.123Z";
    w.host = "myhost";
    w.app = "app";
    w.msg = "x";
    w.fields = "{\"syslog_facility\":\"user\"}";
    check_entry("<13>2026-12-04T19:00:00.123+01:00 myhost app: x", now, &w);
    /* The message is kept as it is: spaces, a colon, a tab. */
    w.ts = NULL;
    w.host = NULL;
    w.app = "t";
    w.msg = "  a:\tb ";
    check_entry("<13>t:   a:\tb ", now, &w);
}

/* ---- RFC 5424 ---- */

static void test_5424_logger(void **state)
{
    const int64_t now = at("2026-12-04T19:11:00Z");
    want w = { "2026-12-04T19:10:57.065406Z",
               5,
               "root",
               "vm",
               NULL,
               "hello world",
               "{\"syslog_facility\":\"user\",\"sd\":{\"timeQuality\":{\"tzKnown\":\"1\","
               "\"isSynced\":\"0\"}}}",
               -1 };

    (void)state;
    check_entry("<13>1 2026-12-04T19:10:57.065406+00:00 vm root - - [timeQuality tzKnown=\"1\" "
                "isSynced=\"0\"] hello world",
                now, &w);
    /* --sd-id test@32473 --sd-param a="b\"c" --msgid MID1 -p local3.err -i */
    w.ts = "2026-12-04T19:10:57.067049Z";
    w.level = 3;
    w.logger = "MID1";
    w.pid = 903;
    w.fields = "{\"syslog_facility\":\"local3\",\"sd\":{\"timeQuality\":{\"tzKnown\":\"1\","
               "\"isSynced\":\"0\"},\"test@32473\":{\"a\":\"b\\\"c\"}}}";
    check_entry("<155>1 2026-12-04T19:10:57.067049+00:00 vm root 903 MID1 [timeQuality "
                "tzKnown=\"1\" isSynced=\"0\"][test@32473 a=\"b\\\"c\"] hello world",
                now, &w);
    /* An offset and a short fraction. */
    w.ts = "2026-12-04T18:10:57.5Z";
    w.level = 5;
    w.logger = NULL;
    w.pid = -1;
    w.fields = "{\"syslog_facility\":\"user\"}";
    check_entry("<13>1 2026-12-04T19:10:57.5+01:00 vm root - - - hello world", now, &w);
}

static void test_5424_nil(void **state)
{
    const int64_t now = at("2026-12-04T19:11:00Z");
    want w = { NULL, 5, "root", NULL, NULL, "hello world", "{\"syslog_facility\":\"user\"}", -1 };

    (void)state;
    /* logger --rfc5424=notq,notime,nohost */
    check_entry("<13>1 - - root - - - hello world", now, &w);
    /* Every field NILVALUE and no MSG at all. */
    w.app = "-";
    w.msg = "";
    check_entry("<13>1 - - - - - -", now, &w);
    /* MSG present but empty. */
    check_entry("<13>1 - - - - - - ", now, &w);
    /* A non-numeric PROCID, and one too large for a pid. */
    w.msg = "m";
    w.fields = "{\"syslog_facility\":\"user\",\"syslog_procid\":\"worker-3\"}";
    check_entry("<13>1 - - - worker-3 - - m", now, &w);
    w.fields = "{\"syslog_facility\":\"user\",\"syslog_procid\":\"4294967296\"}";
    check_entry("<13>1 - - - 4294967296 - - m", now, &w);
    w.fields = "{\"syslog_facility\":\"user\"}";
    w.pid = 4294967295LL;
    check_entry("<13>1 - - - 4294967295 - - m", now, &w);
}

static void test_5424_sd(void **state)
{
    const int64_t now = at("2026-12-04T19:11:00Z");
    want w = { NULL, 6, "app", NULL, NULL, "m", NULL, -1 };

    (void)state;
    /* \" \\ \] stand for the character; another backslash is itself. */
    w.fields = "{\"syslog_facility\":\"kern\",\"sd\":{\"x@1\":{\"p\":\"a\\\\b]c\\\"d\\\\e\"}}}";
    check_entry("<6>1 - - app - - [x@1 p=\"a\\\\b\\]c\\\"d\\e\"] m", now, &w);
    /* A name given twice is an array; an element without parameters is {}; an
     * SD-ID given twice (RFC 5424 forbids it) is merged into the first. */
    w.fields = "{\"syslog_facility\":\"kern\",\"sd\":{\"origin\":{\"ip\":[\"10.0.0.1\","
               "\"10.0.0.2\"],\"software\":\"x\"},\"bare@1\":{}}}";
    check_entry("<6>1 - - app - - [origin ip=\"10.0.0.1\" ip=\"10.0.0.2\"][bare@1][origin "
                "software=\"x\"] m",
                now, &w);
    /* UTF-8 and an empty value; a value may hold '=' and spaces. */
    w.fields = "{\"syslog_facility\":\"kern\",\"sd\":{\"u\":{\"v\":\"h\xc3\xa9 = ]\",\"e\":\"\"}}}";
    check_entry("<6>1 - - app - - [u v=\"h\xc3\xa9 = \\]\" e=\"\"] m", now, &w);
    /* No MSG after the structured data. */
    w.msg = "";
    w.fields = "{\"syslog_facility\":\"kern\",\"sd\":{\"a\":{}}}";
    check_entry("<6>1 - - app - - [a]", now, &w);
}

static void test_framing_details(void **state)
{
    const int64_t now = at("2026-12-04T19:11:00Z");
    want w = { NULL, 5, "t", NULL, NULL, "m", "{\"syslog_facility\":\"user\"}", -1 };

    (void)state;
    /* Python's SysLogHandler ends with NUL; others with a newline. */
    check_entry("<13>t: m\n", now, &w);
    cl_record_free(judge_n("<13>t: m\0", 9, now, CL_REC_ENTRY));
    /* logger --octet-count writes RFC 6587's length even on a datagram. */
    check_entry("8 <13>t: m", now, &w);
    /* ... a number that is not the length is no PRI: all of it is text. */
    w.app = "-";
    w.msg = "9 <13>t: m";
    check_entry("9 <13>t: m", now, &w);
    /* A BOM opens an RFC 5424 MSG in UTF-8: it is no part of the text. */
    w.app = "t";
    w.msg = "h\xc3\xa9";
    check_entry("<13>1 - - t - - - \xEF\xBB\xBFh\xc3\xa9", now, &w);
    /* A message with a newline inside keeps it (sinks escape it). */
    w.msg = "a\nb";
    check_entry("<13>t: a\nb", now, &w);
}

static void test_entry_json(void **state)
{
    cl_syslog_msg m;
    cl_syslog_error err;
    cl_strbuf b = CL_STRBUF_INIT;
    static const char in[] = "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - "
                             "ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" "
                             "eventID=\"1011\"] \xEF\xBB\xBF"
                             "An application event log entry...";

    (void)state;
    /* RFC 5424's own example 4. */
    assert_int_equal(cl_syslog_parse(in, sizeof in - 1, 0, &m, &err), 0);
    assert_int_equal(m.format, CL_SYSLOG_RFC5424);
    assert_int_equal(m.facility, 20);
    assert_int_equal(m.severity, 5);
    cl_syslog_entry_json(&m, &b);
    assert_false(b.oom);
    assert_string_equal(
        b.p, "{\"app\":\"evntslog\",\"level\":5,\"msg\":\"An application event log entry...\","
             "\"ts\":\"2003-10-11T22:14:15.003Z\",\"host\":\"mymachine.example.com\","
             "\"logger\":\"ID47\",\"fields\":{\"syslog_facility\":\"local4\",\"sd\":{"
             "\"exampleSDID@32473\":{\"iut\":\"3\",\"eventSource\":\"Application\","
             "\"eventID\":\"1011\"}}}}");
    cl_strbuf_free(&b);
    assert_string_equal(cl_syslog_facility_name(0), "kern");
    assert_string_equal(cl_syslog_facility_name(10), "authpriv");
    assert_string_equal(cl_syslog_facility_name(23), "local7");
    assert_null(cl_syslog_facility_name(24));
    assert_null(cl_syslog_facility_name(-1));
}

/* Every facility, by the names rsyslog's %syslogfacility-text% gives them
 * (RFC 5424 table 1). */
static void test_facilities(void **state)
{
    static const char *const names[24] = {
        "kern",   "user",   "mail",     "daemon", "auth",   "syslog", "lpr",    "news",
        "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "audit",  "alert",  "clock",
        "local0", "local1", "local2",   "local3", "local4", "local5", "local6", "local7",
    };
    want w = { NULL, 6, "t", NULL, NULL, "m", NULL, -1 };
    char in[32], fields[64];

    (void)state;
    for (int f = 0; f < 24; f++) {
        snprintf(in, sizeof in, "<%d>t: m", f * 8 + 6);
        snprintf(fields, sizeof fields, "{\"syslog_facility\":\"%s\"}", names[f]);
        w.fields = fields;
        check_entry(in, 0, &w);
    }
}

/* ---- malformed ---- */

static void test_reject_empty(void **state)
{
    (void)state;
    REJECT("", CL_R_SYSLOG_EMPTY, "empty");
    REJECT("\n", CL_R_SYSLOG_EMPTY, "empty");
    check_reject("\0\0", 2, CL_R_SYSLOG_EMPTY, "empty");
    REJECT("<13>", CL_R_SYSLOG_EMPTY, "nothing after <PRI>");
    REJECT("<13>\n", CL_R_SYSLOG_EMPTY, "nothing after <PRI>");
}

/* RFC 3164 section 4.3.3 (journald and rsyslog agree): without a PRI that
 * can be read, a message is user.notice and all of it is the text. */
static void test_no_pri(void **state)
{
    const int64_t now = at("2026-12-04T19:05:00Z");
    static const char *const texts[] = { "hello",        "<192>x", "<013>x", "<>x",
                                         "<1234>x",      "<13x",   "<-1>x",  "<999>bad pri",
                                         "x <13>tag: m", "<13",    "<",      "tag: m" };
    want w = { NULL, 5, "-", NULL, NULL, NULL, "{\"syslog_facility\":\"user\"}", -1 };

    (void)state;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        w.msg = texts[i];
        check_entry(texts[i], now, &w);
    }
    /* Not even the timestamp or tag of a header is taken. */
    w.msg = "Dec  4 19:04:59 host tag[1]: m";
    check_entry("Dec  4 19:04:59 host tag[1]: m\n", now, &w);
    /* The extremes of a PRI are valid. */
    cl_record_free(judge_n("<0>k: m", 7, 0, CL_REC_ENTRY));
    cl_record_free(judge_n("<191>k: m", 9, 0, CL_REC_ENTRY));
}

static void test_reject_bytes(void **state)
{
    (void)state;
    REJECT("<13>tag: a\0b", CL_R_NUL_CHAR, "byte 10: a NUL byte");
    /* Not UTF-8 and an RFC 5424 HOSTNAME outside ASCII: the reject holds
     * the datagram as sent, not its Latin-1 reading. */
    REJECT("<13>1 - h\xe9 app - - - m", CL_R_SYSLOG_BAD_HEADER, "HOSTNAME: only printable");
}

/* A legacy program writes Latin-1: each byte that is not UTF-8 is read as
 * the Latin-1 character, and the entry says how many there were. */
static void test_latin1(void **state)
{
    const int64_t now = at("2026-12-04T19:11:00Z");
    want w = { NULL,
               5,
               "Ger\xc3\xa4t",
               NULL,
               NULL,
               "def\xc3\xa9kt, \xc3\xa9 stays",
               "{\"syslog_facility\":\"user\",\"syslog_latin1_bytes\":2}",
               -1 };
    cl_strbuf b = CL_STRBUF_INIT;

    (void)state;
    /* Latin-1 in the tag and the message, UTF-8 beside it unchanged. */
    check_entry("<13>Ger\xe4t: def\xe9kt, \xc3\xa9 stays", now, &w);
    /* logger --size cut a character in two: its first byte alone. */
    w.app = "t";
    w.msg = "caf\xc3\x83";
    w.fields = "{\"syslog_facility\":\"user\",\"syslog_latin1_bytes\":1}";
    check_entry("<13>t: caf\xc3", now, &w);
    /* An RFC 5424 MSG without a BOM may be any octets. C1 bytes become
     * U+0080-U+009F (the text file escapes them). */
    w.msg = "\xc2\x80\xc3\xbf";
    w.fields = "{\"syslog_facility\":\"user\",\"syslog_latin1_bytes\":2}";
    check_entry("<13>1 - - t - - - \x80\xff", now, &w);
    /* Overlong and surrogate forms are not UTF-8 either: byte by byte. */
    w.msg = "\xc3\x80\xc2\x80 \xc3\xad\xc2\xa0\xc2\x80";
    w.fields = "{\"syslog_facility\":\"user\",\"syslog_latin1_bytes\":5}";
    check_entry("<13>1 - - t - - - \xc0\x80 \xed\xa0\x80", now, &w);
    /* UTF-8 already: nothing to do, out untouched. */
    assert_int_equal(cl_syslog_latin1("h\xc3\xa9", 3, &b), 0);
    assert_int_equal(b.len, 0);
    assert_int_equal(cl_syslog_latin1("\xe9", 1, &b), 1);
    assert_int_equal(b.len, 2);
    assert_memory_equal(b.p, "\xc3\xa9", 2);
    cl_strbuf_free(&b);
}

static void test_reject_5424_header(void **state)
{
    char app[100];

    (void)state;
    REJECT("<13>1 ", CL_R_SYSLOG_BAD_HEADER, "header ends at TIMESTAMP");
    REJECT("<13>1 - host app", CL_R_SYSLOG_BAD_HEADER, "header ends at APP-NAME");
    REJECT("<13>1 - host app - -", CL_R_SYSLOG_BAD_HEADER, "header ends at MSGID");
    REJECT("<13>1  - app - - - m", CL_R_SYSLOG_BAD_HEADER, "header ends at TIMESTAMP");
    REJECT("<13>1 - ho\tst app - - - m", CL_R_SYSLOG_BAD_HEADER, "HOSTNAME: only printable");
    REJECT("<13>1 - h\xc3\xa9 app - - - m", CL_R_SYSLOG_BAD_HEADER, "HOSTNAME: only printable");
    snprintf(app, sizeof app, "<13>1 - - %.49s - - - m",
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    check_reject(app, strlen(app), CL_R_SYSLOG_BAD_HEADER, "APP-NAME is longer");
    REJECT("<13>1 - - - - 123456789012345678901234567890123 - m", CL_R_SYSLOG_BAD_HEADER,
           "MSGID is longer");
    REJECT("<13>1 2026-13-01T00:00:00Z - - - - - m", CL_R_BAD_TIMESTAMP, "TIMESTAMP");
    REJECT("<13>1 2026-12-04t19:00:00Z - - - - - m", CL_R_BAD_TIMESTAMP, "TIMESTAMP");
    REJECT("<13>1 2026-12-04T19:00:00 - - - - - m", CL_R_BAD_TIMESTAMP, "offset");
    REJECT("<13>1 Dec-4 - - - - - m", CL_R_BAD_TIMESTAMP, "TIMESTAMP");
}

static void test_reject_5424_sd(void **state)
{
    (void)state;
    REJECT("<13>1 - - - - - [x", CL_R_SYSLOG_BAD_SD, "expected ']'");
    REJECT("<13>1 - - - - - [x a=b] m", CL_R_SYSLOG_BAD_SD, "PARAM-NAME=\"value\"");
    REJECT("<13>1 - - - - - [x a=\"b] m", CL_R_SYSLOG_BAD_SD, "no closing quote");
    REJECT("<13>1 - - - - - -x", CL_R_SYSLOG_BAD_SD, "space before MSG");
    REJECT("<13>1 - - - - - [] m", CL_R_SYSLOG_BAD_SD, "SD-ID");
    REJECT("<13>1 - - - - - x m", CL_R_SYSLOG_BAD_SD, "expected '-' or '['");
    REJECT("<13>1 - - - - - [x a=\"1\"]m", CL_R_SYSLOG_BAD_SD, "byte 9 of it");
    REJECT("<13>1 - - - - - [x =\"1\"] m", CL_R_SYSLOG_BAD_SD, "PARAM-NAME");
}

static void test_reject_by_validator(void **state)
{
    char big[300];

    (void)state;
    /* The entry made of a message is judged like any: a tag of 129
     * characters is an app too long, and the reject holds the datagram. */
    snprintf(big, sizeof big, "<13>%0129d: m", 0);
    check_reject(big, strlen(big), CL_R_TOO_LONG, "app: 129 characters, the limit is 128");
    /* A control character in a tag. */
    REJECT("<13>ta\x01g: m", CL_R_BAD_VALUE, "app: must not contain control characters");
}

static void test_too_large(void **state)
{
    static char big[70000];
    cl_line_result res;

    (void)state;
    memset(big, 'x', sizeof big);
    memcpy(big, "<13>t: ", 7);
    /* Received cut at the buffer (max + 1 bytes), 70000 sent. */
    cl_syslog_judge(&V, big, 65537, sizeof big, 65536, 5, 5, &PEER, &SCRATCH, &REPAIR, &res);
    assert_int_equal(res.kind, CL_LINE_REJECT);
    assert_int_equal(res.rec->u.r.reason, CL_R_TOO_LARGE);
    assert_string_equal(res.rec->u.r.message.p,
                        "datagram of 70000 bytes; the limit is 65536 bytes (--max-entry-bytes)");
    assert_int_equal(res.rec->u.r.raw_len, 70000);
    assert_int_equal(res.rec->u.r.raw.n, CL_REJECT_RAW_MAX);
    cl_record_free(res.rec);
    /* Exactly the limit is taken. */
    cl_syslog_judge(&V, big, 65536, 65536, 65536, 5, 5, &PEER, &SCRATCH, &REPAIR, &res);
    assert_int_equal(res.kind, CL_LINE_ENTRY);
    assert_int_equal(res.rec->u.e.msg.n, 65536 - 7);
    cl_record_free(res.rec);
}

static void test_ts_window(void **state)
{
    cl_record *r;

    (void)state;
    /* A claimed time outside --max-ts-age is kept in extra, as for JSON. */
    V.limits.max_ts_age_us = 7LL * 86400 * 1000000;
    r = entry("<13>1 2020-01-01T00:00:00Z - t - - - m", at("2026-12-04T19:11:00Z"));
    assert_int_equal(r->u.e.ts_us, at("2026-12-04T19:11:00Z"));
    str_is(&r->u.e.extra, "{\"ts\":\"2020-01-01T00:00:00Z\"}");
    cl_record_free(r);
    V.limits.max_ts_age_us = CL_TS_ANY;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glibc),
        cmocka_unit_test(test_logger_local_and_3164),
        cmocka_unit_test(test_3164_year_and_zone),
        cmocka_unit_test(test_arrival_time),
        cmocka_unit_test(test_3164_partial_headers),
        cmocka_unit_test(test_5424_logger),
        cmocka_unit_test(test_5424_nil),
        cmocka_unit_test(test_5424_sd),
        cmocka_unit_test(test_framing_details),
        cmocka_unit_test(test_entry_json),
        cmocka_unit_test(test_facilities),
        cmocka_unit_test(test_reject_empty),
        cmocka_unit_test(test_no_pri),
        cmocka_unit_test(test_reject_bytes),
        cmocka_unit_test(test_latin1),
        cmocka_unit_test(test_reject_5424_header),
        cmocka_unit_test(test_reject_5424_sd),
        cmocka_unit_test(test_reject_by_validator),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_ts_window),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
