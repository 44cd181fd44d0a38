/* test_config.c - centrallogd's options (collector/config.h): defaults, then
 * a --config JSON file, then flags, each overriding the last.
 *
 * cl_config_load prints nothing: --help and --version are results, and
 * main prints cl_config_usage or cl_config_version (test_help_version).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "testutil.h"
#include "version.h"
#include "validate.h"

#define MAX_ARGS 16

/* The environment variables the defaults depend on, cleared for each test
 * and restored afterwards. */
static const char *const env_names[] = { "CENTRALLOG_ADDRESS", "CENTRALLOG_DATA_DIR" };
static char *saved_env[2];
static tu_dir tmp;

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        const char *v = getenv(env_names[i]);

        saved_env[i] = v ? strdup(v) : NULL;
        unsetenv(env_names[i]);
    }
    tu_dir_make(&tmp, "config");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        if (saved_env[i])
            setenv(env_names[i], saved_env[i], 1);
        else
            unsetenv(env_names[i]);
        free(saved_env[i]);
        saved_env[i] = NULL;
    }
    tu_remove_tree(tmp.path);
    return 0;
}

/* Writes text to <tmp>/config.json and returns its path (static buffer). */
static const char *config_file(const char *text)
{
    static char path[128];

    tu_path(tmp.path, "config.json", path, sizeof path);
    tu_write_file(path, text);
    return path;
}

/* Runs cl_config_load on "centrallogd" followed by the NULL-terminated
 * arguments; err receives the message. */
static enum cl_config_result load(cl_config *cfg, char *err, size_t errlen, ...)
{
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    va_list ap;
    const char *a;

    argv[argc++] = (char *)"centrallogd";
    va_start(ap, errlen);
    while ((a = va_arg(ap, const char *)) != NULL) {
        assert_true(argc <= MAX_ARGS);
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    argv[argc] = NULL;
    err[0] = '\0';
    return cl_config_load(cfg, argc, argv, err, errlen);
}

/* Loading must fail with a message that mentions every given word. */
static void assert_error(const char *what, enum cl_config_result rc, const char *err,
                         const char *word1, const char *word2)
{
    if (rc != CL_CONFIG_ERROR)
        fail_msg("%s: result %d, expected an error", what, rc);
    if (word1 != NULL && strstr(err, word1) == NULL)
        fail_msg("%s: message \"%s\" does not mention \"%s\"", what, err, word1);
    if (word2 != NULL && strstr(err, word2) == NULL)
        fail_msg("%s: message \"%s\" does not mention \"%s\"", what, err, word2);
}

/* ---- cl_parse_size ---- */

static void test_parse_size(void **state)
{
    static const struct {
        const char *s;
        uint64_t v;
    } good[] = {
        { "4096", 4096 },
        { "0", 0 },
        { "64K", 65536 },
        { "64k", 65536 },
        { "16M", 16777216 },
        { "1G", 1073741824 },
        { "16MiB", 16777216 },
        { "16MB", 16777216 },
        { "2KiB", 2048 },
        { "8G", 8589934592ULL },
        { "18446744073709551615", 18446744073709551615ULL },
        { "17179869183G", 17179869183ULL << 30 }, /* the largest G that fits */
    };
    static const char *const bad[] = {
        "",
        "K",
        "M",
        "12X",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1 K",
        "1KK",
        "1.5M",
        "0x10",
        "1Gi B",
        "18446744073709551616", /* 2^64 */
        "17179869184G",         /* 2^64 once multiplied */
        "18014398509481984K",   /* 2^64 */
        "99999999999999999999999",
    };
    uint64_t v;

    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        v = 12345;
        if (cl_parse_size(good[i].s, &v) != 0)
            fail_msg("\"%s\" was refused", good[i].s);
        if (v != good[i].v)
            fail_msg("\"%s\" -> %llu, expected %llu", good[i].s, (unsigned long long)v,
                     (unsigned long long)good[i].v);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 12345;
        if (cl_parse_size(bad[i], &v) == 0)
            fail_msg("\"%s\" was accepted as %llu", bad[i], (unsigned long long)v);
        assert_int_equal(v, 12345);
    }
    assert_int_equal(cl_parse_size(NULL, &v), -1);
}

/* ---- cl_parse_duration_ms ---- */

static void test_parse_duration(void **state)
{
    static const struct {
        const char *s;
        uint64_t ms;
    } good[] = {
        { "30", 30000 },     { "30s", 30000 },   { "0", 0 },        { "0s", 0 },
        { "250ms", 250 },    { "1.5s", 1500 },   { "1.5", 1500 },   { "0.25", 250 },
        { "2m", 120000 },    { "2min", 120000 }, { "1h", 3600000 }, { "0.001s", 1 },
        { "1.0001s", 1000 }, /* below a millisecond is dropped */
    };
    static const char *const bad[] = {
        "",    "s",  "ms", "-1",   "+1",   " 1",  "1 ",   "1 s",
        "1.s", ".5", "1x", "1sec", "1,5s", "1e3", "0x10", "99999999999999999999",
    };
    uint64_t v;

    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        v = 12345;
        if (cl_parse_duration_ms(good[i].s, &v) != 0)
            fail_msg("\"%s\" was refused", good[i].s);
        if (v != good[i].ms)
            fail_msg("\"%s\" -> %llu ms, expected %llu", good[i].s, (unsigned long long)v,
                     (unsigned long long)good[i].ms);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 12345;
        if (cl_parse_duration_ms(bad[i], &v) == 0)
            fail_msg("\"%s\" was accepted as %llu ms", bad[i], (unsigned long long)v);
        assert_int_equal(v, 12345);
    }
    assert_int_equal(cl_parse_duration_ms(NULL, &v), -1);
}

/* ---- cl_config_load ---- */

/* The library only answers; the daemon's main prints (one error convention:
 * only the top level prints). */
static void test_help_version(void **state)
{
    cl_config cfg;
    char err[512], text[8192];
    FILE *f = tmpfile();
    size_t n;

    (void)state;
    assert_non_null(f);
    assert_int_equal(load(&cfg, err, sizeof err, "--help", NULL), CL_CONFIG_HELP);
    assert_int_equal(load(&cfg, err, sizeof err, "--version", NULL), CL_CONFIG_VERSION);
    cl_config_usage(f);
    cl_config_version(f);
    rewind(f);
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    assert_non_null(strstr(text, "Usage: centrallogd [OPTIONS]"));
    assert_non_null(strstr(text, "--rotate-size SIZE"));
    assert_non_null(strstr(text, "--rotate-age TIME"));
    assert_non_null(strstr(text, "--no-compress"));
    assert_non_null(strstr(text, "--keep-free SIZE|N%"));
    assert_non_null(strstr(text, "\ncentrallogd " CL_VERSION_STRING " (protocol "));
}

static void test_defaults(void **state)
{
    cl_config cfg;
    char err[512], host[256] = "";

    (void)state;
    assert_int_equal(load(&cfg, err, sizeof err, NULL), CL_CONFIG_OK);
    assert_string_equal(cfg.data_dir, "./var");
    assert_string_equal(cfg.db, "./var/centrallog.db");
    assert_string_equal(cfg.log_file, "./var/centrallog.log");
    if (geteuid() == 0)
        assert_string_equal(cfg.address, "/run/centrallog/CentralLog.sock");
    assert_non_null(strstr(cfg.address, "/CentralLog.sock"));
    assert_string_equal(cfg.address_origin, "default");
    assert_int_equal(cfg.text_json, 0);
    assert_int_equal(cfg.rotate_size, 16 * 1024 * 1024);
    assert_int_equal(cfg.rotate_keep, 7);
    assert_int_equal(cfg.max_entry_bytes, CL_DEFAULT_MAX_ENTRY_BYTES);
    assert_int_equal(cfg.socket_mode, 0666);
    assert_int_equal(cfg.socket_gid, -1);
    assert_int_equal(cfg.batch_size, 16384);
    assert_int_equal(cfg.batch_ms, 25);
    assert_int_equal(cfg.queue_bytes, 32 * 1024 * 1024);
    assert_int_equal(cfg.fts, 1);
    assert_int_equal(cfg.max_connections, 16384);
    assert_int_equal(cfg.partial_bytes, 64 * 1024 * 1024);
    assert_int_equal(cfg.shutdown_timeout_s, 30);
    assert_int_equal(cfg.idle_timeout_ms, 30000);
    assert_int_equal(cfg.rate_interval_ms, 30000);
    assert_int_equal(cfg.rate_burst, 10000);
    assert_int_equal(cfg.rate_exempt_level, 3);
    assert_int_equal(cfg.max_conn_per_uid, 16384 / 4);
    assert_int_equal(cfg.idle_reclaim_ms, 60000);
    assert_int_equal(cfg.reject_burst, 1000);
    assert_int_equal(cfg.quiet, 0);
    assert_int_equal(cfg.rotate_age_us, 86400LL * 1000000);
    assert_int_equal(cfg.compress_level, 1);
    /* Retention: nothing given, so cl_retention_limits applies the defaults. */
    assert_int_equal(cfg.retention.max_age_us, 0);
    assert_int_equal(cfg.retention.max_disk_given, 0);
    assert_int_equal(cfg.retention.keep_free_given, 0);
    /* The host defaults to this machine's name. */
    assert_int_equal(gethostname(host, sizeof host - 1), 0);
    assert_string_equal(cfg.host, host);
}

static void test_flags(void **state)
{
    cl_config cfg;
    char err[512];

    (void)state;
    assert_int_equal(load(&cfg, err, sizeof err, "--rotate-size", "1M", "--rotate-keep", "3",
                          "--text-format=json", "--fts", "off", "--quiet", "--socket-mode", "0660",
                          "--batch-ms=100", "--max-entry-bytes", "128K", NULL),
                     CL_CONFIG_OK);
    assert_int_equal(cfg.rotate_size, 1048576);
    assert_int_equal(cfg.rotate_keep, 3);
    assert_int_equal(cfg.text_json, 1);
    assert_int_equal(cfg.fts, 0);
    assert_int_equal(cfg.quiet, 1);
    assert_int_equal(cfg.socket_mode, 0660);
    assert_int_equal(cfg.batch_ms, 100);
    assert_int_equal(cfg.max_entry_bytes, 131072);
    /* Untouched options keep their defaults. */
    assert_int_equal(cfg.batch_size, 16384);
    assert_int_equal(cfg.queue_bytes, 32 * 1024 * 1024);
}

/* db and log-file follow data-dir unless given themselves, in any order. */
static void test_paths(void **state)
{
    cl_config cfg;
    char err[512];

    (void)state;
    assert_int_equal(
        load(&cfg, err, sizeof err, "--db", "/srv/x.db", "--data-dir", "/srv/cl", NULL),
        CL_CONFIG_OK);
    assert_string_equal(cfg.data_dir, "/srv/cl");
    assert_string_equal(cfg.db, "/srv/x.db");
    assert_string_equal(cfg.log_file, "/srv/cl/centrallog.log");
    /* $CENTRALLOG_DATA_DIR replaces the built-in ./var. */
    setenv("CENTRALLOG_DATA_DIR", "/data", 1);
    assert_int_equal(load(&cfg, err, sizeof err, "--log-file=/logs/c.log", NULL), CL_CONFIG_OK);
    assert_string_equal(cfg.db, "/data/centrallog.db");
    assert_string_equal(cfg.log_file, "/logs/c.log");
    /* The text log is a regular file: devices and pipes are refused at once,
     * with the way to watch entries instead; nor may it be the database. */
    assert_error("--log-file /dev/stdout",
                 load(&cfg, err, sizeof err, "--log-file", "/dev/stdout", NULL), err, "/dev/stdout",
                 "centrallog tail");
    assert_error("--log-file /proc/self/fd/1",
                 load(&cfg, err, sizeof err, "--log-file", "/proc/self/fd/1", NULL), err,
                 "not a device or pipe", NULL);
    assert_error("--log-file = --db",
                 load(&cfg, err, sizeof err, "--db", "/x/c.db", "--log-file", "/x/c.db", NULL), err,
                 "same file", NULL);
}

static void test_address_sources(void **state)
{
    cl_config cfg;
    char err[512];

    (void)state;
    setenv("CENTRALLOG_ADDRESS", "/tmp/env.sock", 1);
    assert_int_equal(load(&cfg, err, sizeof err, NULL), CL_CONFIG_OK);
    assert_string_equal(cfg.address, "/tmp/env.sock");
    assert_string_equal(cfg.address_origin, "$CENTRALLOG_ADDRESS");
    assert_int_equal(load(&cfg, err, sizeof err, "--address", "/tmp/flag.sock", NULL),
                     CL_CONFIG_OK);
    assert_string_equal(cfg.address, "/tmp/flag.sock");
    assert_string_equal(cfg.address_origin, "--address");
    assert_error("empty pipe name", load(&cfg, err, sizeof err, "--address", "//./pipe/", NULL),
                 err, "--address", NULL);
}

static void test_unknown_option(void **state)
{
    cl_config cfg;
    char err[512];

    (void)state;
    assert_error("--bogus", load(&cfg, err, sizeof err, "--bogus", "1", NULL), err, "--bogus",
                 NULL);
    assert_error("--bogus=1", load(&cfg, err, sizeof err, "--rotate-keep", "2", "--bogus=1", NULL),
                 err, "--bogus", NULL);
    /* Arguments that are not options are refused and named. */
    assert_error("stray argument", load(&cfg, err, sizeof err, "stray", NULL), err, "stray", NULL);
    assert_error("single dash", load(&cfg, err, sizeof err, "-q", NULL), err, "-q", NULL);
}

static void test_missing_value(void **state)
{
    cl_config cfg;
    char err[512];

    (void)state;
    assert_error("--rotate-size", load(&cfg, err, sizeof err, "--rotate-size", NULL), err,
                 "--rotate-size", NULL);
    assert_error("--config", load(&cfg, err, sizeof err, "--config", NULL), err, "--config", NULL);
}

/* A bad value is refused with a message naming the option and the value. */
static void test_bad_values(void **state)
{
    static const struct {
        const char *opt, *val;
    } bad[] = {
        { "rotate-size", "12X" },
        { "rotate-size", "1K" }, /* below 4K */
        { "rotate-size", "" },
        { "queue-bytes", "1K" },
        { "max-entry-bytes", "200" },
        { "max-entry-bytes", "129K" },
        { "rotate-keep", "1001" },
        { "rotate-keep", "-1" },
        { "rotate-keep", "x" },
        { "batch-size", "0" },
        { "batch-ms", "0" },
        { "batch-ms", "10001" },
        { "max-connections", "0" },
        { "shutdown-timeout", "3601" },
        { "text-format", "xml" },
        { "fts", "yes" },
        { "socket-mode", "0999" },
        { "socket-mode", "1777" },
        { "socket-mode", "" },
        { "socket-group", "no-such-group-cl" },
        { "host", "" },
        { "max-connections-per-uid", "x" },
        { "max-connections-per-uid", "-1" },
        { "idle-reclaim", "25h" },
        { "idle-reclaim", "soon" },
        { "reject-limit-burst", "1000000001" },
        { "rotate-age", "500ms" }, /* below 1s */
        { "rotate-age", "36501d" },
        { "rotate-age", "daily" },
        { "compress", "10" },
        { "compress", "fast" },
        { "max-age", "-1" },
        { "max-age", "0.5s" },
        { "max-disk", "lots" },
        { "max-disk", "-1G" },
        { "keep-free", "101%" },
        { "keep-free", "x%" },
        { "keep-free", "%" },
        { "keep-free", "15 %" },
    };
    cl_config cfg;
    char err[512];

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char opt[64], what[128];

        snprintf(opt, sizeof opt, "--%s", bad[i].opt);
        snprintf(what, sizeof what, "%s '%s'", opt, bad[i].val);
        assert_error(what, load(&cfg, err, sizeof err, opt, bad[i].val, NULL), err, opt,
                     bad[i].val[0] ? bad[i].val : NULL);
    }
}

/* The per-UID share follows --max-connections, wherever that is given,
 * unless it is given itself; 0 turns each limit off. */
static void test_slot_and_reject_options(void **state)
{
    cl_config cfg;
    char err[512];

    (void)state;
    assert_int_equal(load(&cfg, err, sizeof err, "--max-connections", "10", NULL), CL_CONFIG_OK);
    assert_int_equal(cfg.max_conn_per_uid, 2);
    assert_int_equal(load(&cfg, err, sizeof err, "--max-connections", "3", NULL), CL_CONFIG_OK);
    assert_int_equal(cfg.max_conn_per_uid, 1);
    assert_int_equal(load(&cfg, err, sizeof err, "--max-connections-per-uid", "7",
                          "--max-connections", "10", NULL),
                     CL_CONFIG_OK);
    assert_int_equal(cfg.max_conn_per_uid, 7);
    assert_int_equal(load(&cfg, err, sizeof err, "--max-connections-per-uid=0", "--idle-reclaim",
                          "0", "--reject-limit-burst", "0", NULL),
                     CL_CONFIG_OK);
    assert_int_equal(cfg.max_conn_per_uid, 0);
    assert_int_equal(cfg.idle_reclaim_ms, 0);
    assert_int_equal(cfg.reject_burst, 0);
    assert_int_equal(
        load(&cfg, err, sizeof err, "--idle-reclaim", "1.5s", "--reject-limit-burst", "5", NULL),
        CL_CONFIG_OK);
    assert_int_equal(cfg.idle_reclaim_ms, 1500);
    assert_int_equal(cfg.reject_burst, 5);
}

static void test_limits_accepted(void **state)
{
    cl_config cfg;
    char err[512];

    (void)state;
    assert_int_equal(load(&cfg, err, sizeof err, "--rotate-size", "4K", "--max-entry-bytes", "256",
                          "--queue-bytes", "64K", "--rotate-keep", "0", "--socket-group", "0",
                          "--shutdown-timeout", "0", NULL),
                     CL_CONFIG_OK);
    assert_int_equal(cfg.rotate_size, 4096);
    assert_int_equal(cfg.max_entry_bytes, 256);
    assert_int_equal(cfg.queue_bytes, 65536);
    assert_int_equal(cfg.rotate_keep, 0);
    assert_int_equal(cfg.socket_gid, 0);
    assert_int_equal(cfg.shutdown_timeout_s, 0);
    /* Group names work as well as numbers. */
    assert_int_equal(load(&cfg, err, sizeof err, "--socket-group", "root", NULL), CL_CONFIG_OK);
    assert_int_equal(cfg.socket_gid, 0);
}

static void test_config_file(void **state)
{
    cl_config cfg;
    char err[512];
    const char *path = config_file("{\"rotate-size\": \"32M\", \"rotate-keep\": 3, \"fts\": false,"
                                   " \"text-format\": \"json\", \"data-dir\": \"/srv/cl\","
                                   " \"batch-size\": 100}");

    (void)state;
    assert_int_equal(load(&cfg, err, sizeof err, "--config", path, NULL), CL_CONFIG_OK);
    assert_int_equal(cfg.rotate_size, 32 * 1024 * 1024);
    assert_int_equal(cfg.rotate_keep, 3);
    assert_int_equal(cfg.fts, 0);
    assert_int_equal(cfg.text_json, 1);
    assert_int_equal(cfg.batch_size, 100);
    assert_string_equal(cfg.db, "/srv/cl/centrallog.db");
    /* Flags override the file wherever they stand on the command line. */
    assert_int_equal(
        load(&cfg, err, sizeof err, "--rotate-keep", "5", "--config", path, "--fts=on", NULL),
        CL_CONFIG_OK);
    assert_int_equal(cfg.rotate_keep, 5);
    assert_int_equal(cfg.fts, 1);
    assert_int_equal(cfg.rotate_size, 32 * 1024 * 1024);
    assert_int_equal(load(&cfg, err, sizeof err, "--config=", NULL), CL_CONFIG_ERROR);
}

/* JSON booleans mean what they say for on/off options: "quiet": false must
 * leave the collector talkative, not turn quiet on. */
static void test_config_file_booleans(void **state)
{
    cl_config cfg;
    char err[512];

    (void)state;
    assert_int_equal(load(&cfg, err, sizeof err, "--config",
                          config_file("{\"quiet\": true, \"fts\": false}"), NULL),
                     CL_CONFIG_OK);
    assert_int_equal(cfg.quiet, 1);
    assert_int_equal(cfg.fts, 0);
    assert_int_equal(load(&cfg, err, sizeof err, "--config",
                          config_file("{\"quiet\": false, \"fts\": true}"), NULL),
                     CL_CONFIG_OK);
    assert_int_equal(cfg.fts, 1);
    assert_int_equal(cfg.quiet, 0);
}

/* A number in the file is taken as written: a fraction where a count is
 * expected is a bad value, not something to round. */
static void test_config_file_fraction_refused(void **state)
{
    cl_config cfg;
    char err[512];
    const char *path = config_file("{\"rotate-keep\": 2.5}");

    (void)state;
    assert_error("fraction", load(&cfg, err, sizeof err, "--config", path, NULL), err, path,
                 "rotate-keep");
}

static void test_config_file_errors(void **state)
{
    cl_config cfg;
    char err[512];
    const char *path;

    (void)state;
    path = config_file("{\"bogus\": 1}");
    assert_error("unknown key", load(&cfg, err, sizeof err, "--config", path, NULL), err, path,
                 "bogus");
    path = config_file("{\"rotate-size\": \"12X\"}");
    assert_error("bad value", load(&cfg, err, sizeof err, "--config", path, NULL), err, path,
                 "rotate-size");
    path = config_file("[1, 2]");
    assert_error("not an object", load(&cfg, err, sizeof err, "--config", path, NULL), err, path,
                 NULL);
    path = config_file("{\"rotate-size\": ");
    assert_error("not JSON", load(&cfg, err, sizeof err, "--config", path, NULL), err, path, NULL);
    path = config_file("{\"batch-size\": {\"n\": 1}}");
    assert_error("object value", load(&cfg, err, sizeof err, "--config", path, NULL), err, path,
                 "batch-size");
    path = config_file("{\"help\": true}");
    assert_error("help in a file", load(&cfg, err, sizeof err, "--config", path, NULL), err, path,
                 "help");
    path = config_file("{\"config\": \"other.json\"}");
    assert_error("config in a file", load(&cfg, err, sizeof err, "--config", path, NULL), err, path,
                 "config");
    assert_error("missing file",
                 load(&cfg, err, sizeof err, "--config", "/nonexistent/cl.json", NULL), err,
                 "/nonexistent/cl.json", NULL);
}

/* cJSON alone would read "\uqqqq" as U+0000 and take "/srv/a" as the path. */
static void test_config_file_escapes(void **state)
{
    cl_config cfg;
    char err[512];
    const char *path;

    (void)state;
    path = config_file("{\"log-file\": \"/srv/a\\uqqqq.log\"}");
    assert_error("bad \\u", load(&cfg, err, sizeof err, "--config", path, NULL), err,
                 "byte 20: \\u must be followed by four hex digits", path);
    path = config_file("{\"host\": \"h\\u0000x\"}");
    assert_error("\\u0000", load(&cfg, err, sizeof err, "--config", path, NULL), err,
                 "byte 11: \\u0000", path);
    path = config_file("{\"host\": \"h\\ud800\"}");
    assert_error("lone surrogate", load(&cfg, err, sizeof err, "--config", path, NULL), err,
                 "unpaired surrogate", path);
    path = config_file("{\"host\": \"h\\x41\"}");
    assert_error("\\x", load(&cfg, err, sizeof err, "--config", path, NULL), err, "invalid escape",
                 path);
    path = config_file("{\"host\": \"\xff\"}");
    assert_error("invalid UTF-8", load(&cfg, err, sizeof err, "--config", path, NULL), err,
                 "byte 10: invalid UTF-8", path);
    /* Valid escapes, and a byte-order mark before the object, are fine. */
    path = config_file("\xEF\xBB\xBF{\"host\": \"caf\\u00e9\\ud83d\\ude00\\/x\"}");
    assert_int_equal(load(&cfg, err, sizeof err, "--config", path, NULL), CL_CONFIG_OK);
    assert_string_equal(cfg.host, "caf\xc3\xa9\xf0\x9f\x98\x80/x");
    path = config_file("\xEF\xBB\xBF{\"host\": \"\\q\"}");
    assert_error("bad escape after a BOM", load(&cfg, err, sizeof err, "--config", path, NULL), err,
                 "byte 13: invalid escape", path);
}

/* The budget for partial lines: a size, 0 for none, never so small that one
 * long line would be cut for being alone. */
static void test_partial_bytes(void **state)
{
    cl_config cfg;
    char err[512];
    enum cl_config_result rc;

    (void)state;
    assert_int_equal(load(&cfg, err, sizeof err, "--partial-bytes", "16M", NULL), CL_CONFIG_OK);
    assert_int_equal(cfg.partial_bytes, 16 * 1024 * 1024);
    assert_int_equal(load(&cfg, err, sizeof err, "--partial-bytes", "0", NULL), CL_CONFIG_OK);
    assert_int_equal(cfg.partial_bytes, 0);
    assert_int_equal(
        load(&cfg, err, sizeof err, "--config", config_file("{\"partial-bytes\": \"1G\"}"), NULL),
        CL_CONFIG_OK);
    assert_int_equal(cfg.partial_bytes, 1024ULL * 1024 * 1024);
    rc = load(&cfg, err, sizeof err, "--partial-bytes", "512K", NULL);
    assert_error("--partial-bytes 512K", rc, err, "--partial-bytes", "512K");
    rc = load(&cfg, err, sizeof err, "--partial-bytes", "lots", NULL);
    assert_error("--partial-bytes lots", rc, err, "--partial-bytes", "lots");
}

/* Limits and rate limiting, from flags and from a file. */
static void test_hardening_options(void **state)
{
    cl_config cfg;
    char err[512];
    enum cl_config_result rc;

    (void)state;
    assert_int_equal(load(&cfg, err, sizeof err, "--idle-timeout", "1.5s", "--rate-limit-interval",
                          "500ms", "--rate-limit-burst", "0", "--rate-limit-exempt", "warning",
                          NULL),
                     CL_CONFIG_OK);
    assert_int_equal(cfg.idle_timeout_ms, 1500);
    assert_int_equal(cfg.rate_interval_ms, 500);
    assert_int_equal(cfg.rate_burst, 0);
    assert_int_equal(cfg.rate_exempt_level, 4);
    assert_int_equal(
        load(&cfg, err, sizeof err, "--idle-timeout", "0", "--rate-limit-exempt", "none", NULL),
        CL_CONFIG_OK);
    assert_int_equal(cfg.idle_timeout_ms, 0);
    assert_int_equal(cfg.rate_exempt_level, -1);
    assert_int_equal(load(&cfg, err, sizeof err, "--rate-limit-exempt", "7", NULL), CL_CONFIG_OK);
    assert_int_equal(cfg.rate_exempt_level, 7);
    assert_int_equal(load(&cfg, err, sizeof err, "--config",
                          config_file("{\"idle-timeout\": \"2s\", \"rate-limit-burst\": 50, "
                                      "\"rate-limit-interval\": 10, "
                                      "\"rate-limit-exempt\": \"critical\"}"),
                          NULL),
                     CL_CONFIG_OK);
    assert_int_equal(cfg.idle_timeout_ms, 2000);
    assert_int_equal(cfg.rate_burst, 50);
    assert_int_equal(cfg.rate_interval_ms, 10000);
    assert_int_equal(cfg.rate_exempt_level, 2);
    rc = load(&cfg, err, sizeof err, "--idle-timeout", "soon", NULL);
    assert_error("--idle-timeout soon", rc, err, "--idle-timeout", "soon");
    rc = load(&cfg, err, sizeof err, "--idle-timeout", "25h", NULL);
    assert_error("--idle-timeout 25h", rc, err, "--idle-timeout", NULL);
    rc = load(&cfg, err, sizeof err, "--rate-limit-interval", "0", NULL);
    assert_error("--rate-limit-interval 0", rc, err, "--rate-limit-interval", NULL);
    rc = load(&cfg, err, sizeof err, "--rate-limit-burst", "-1", NULL);
    assert_error("--rate-limit-burst -1", rc, err, "--rate-limit-burst", NULL);
    rc = load(&cfg, err, sizeof err, "--rate-limit-exempt", "loud", NULL);
    assert_error("--rate-limit-exempt loud", rc, err, "--rate-limit-exempt", "loud");
    rc = load(&cfg, err, sizeof err, "--rate-limit-exempt", "8", NULL);
    assert_error("--rate-limit-exempt 8", rc, err, "--rate-limit-exempt", NULL);
}

/* --wal-warn-size: a size, 0 for never; 256M unless given. */
static void test_wal_warn_size(void **state)
{
    cl_config cfg;
    char err[512];
    enum cl_config_result rc;

    (void)state;
    assert_int_equal(load(&cfg, err, sizeof err, NULL), CL_CONFIG_OK);
    assert_int_equal(cfg.wal_warn_size, 256ULL * 1024 * 1024);
    assert_int_equal(load(&cfg, err, sizeof err, "--wal-warn-size", "8M", NULL), CL_CONFIG_OK);
    assert_int_equal(cfg.wal_warn_size, 8ULL * 1024 * 1024);
    assert_int_equal(load(&cfg, err, sizeof err, "--wal-warn-size", "0", NULL), CL_CONFIG_OK);
    assert_int_equal(cfg.wal_warn_size, 0);
    assert_int_equal(
        load(&cfg, err, sizeof err, "--config", config_file("{\"wal-warn-size\": \"1G\"}"), NULL),
        CL_CONFIG_OK);
    assert_int_equal(cfg.wal_warn_size, 1024ULL * 1024 * 1024);
    rc = load(&cfg, err, sizeof err, "--wal-warn-size", "big", NULL);
    assert_error("--wal-warn-size big", rc, err, "--wal-warn-size", "big");
}

/* The text file's rotation by age and compression, and the retention
 * options (stored as given; cl_retention_limits applies them). */
static void test_storage_options(void **state)
{
    cl_config cfg;
    char err[512];

    (void)state;
    assert_int_equal(load(&cfg, err, sizeof err, "--rotate-age", "2h", "--no-compress", "--max-age",
                          "30d", "--max-disk", "2G", "--keep-free", "5%", NULL),
                     CL_CONFIG_OK);
    assert_int_equal(cfg.rotate_age_us, 2LL * 3600 * 1000000);
    assert_int_equal(cfg.compress_level, 0);
    assert_int_equal(cfg.retention.max_age_us, 30LL * 86400 * 1000000);
    assert_int_equal(cfg.retention.max_disk_given, 1);
    assert_int_equal(cfg.retention.max_disk, 2ULL << 30);
    assert_int_equal(cfg.retention.keep_free_given, 1);
    assert_int_equal(cfg.retention.keep_free_is_percent, 1);
    assert_int_equal(cfg.retention.keep_free, 5);
    assert_int_equal(load(&cfg, err, sizeof err, "--rotate-age", "0", "--compress=9", "--max-age",
                          "off", "--max-disk", "off", "--keep-free", "512M", NULL),
                     CL_CONFIG_OK);
    assert_int_equal(cfg.rotate_age_us, 0);
    assert_int_equal(cfg.compress_level, 9);
    assert_int_equal(cfg.retention.max_age_us, 0);
    assert_int_equal(cfg.retention.max_disk_given, 1);
    assert_int_equal(cfg.retention.max_disk, 0);
    assert_int_equal(cfg.retention.keep_free_is_percent, 0);
    assert_int_equal(cfg.retention.keep_free, 512ULL << 20);
    assert_int_equal(load(&cfg, err, sizeof err, "--compress", "off", NULL), CL_CONFIG_OK);
    assert_int_equal(cfg.compress_level, 0);
    assert_int_equal(load(&cfg, err, sizeof err, "--compress=0", NULL), CL_CONFIG_OK);
    assert_int_equal(cfg.compress_level, 0);
    assert_int_equal(load(&cfg, err, sizeof err, "--no-compress", "--compress", "on", NULL),
                     CL_CONFIG_OK);
    assert_int_equal(cfg.compress_level, 1);
    assert_int_equal(
        load(&cfg, err, sizeof err, "--keep-free", "off", "--rotate-age", "1.5s", NULL),
        CL_CONFIG_OK);
    assert_int_equal(cfg.retention.keep_free_given, 1);
    assert_int_equal(cfg.retention.keep_free, 0);
    assert_int_equal(cfg.rotate_age_us, 1500000);
    /* From a file: booleans and strings. */
    assert_int_equal(load(&cfg, err, sizeof err, "--config",
                          config_file("{\"no-compress\": true, \"rotate-age\": \"1d\", "
                                      "\"keep-free\": \"15%\", \"max-disk\": \"4G\"}"),
                          NULL),
                     CL_CONFIG_OK);
    assert_int_equal(cfg.compress_level, 0);
    assert_int_equal(cfg.rotate_age_us, 86400LL * 1000000);
    assert_int_equal(cfg.retention.keep_free, 15);
    assert_int_equal(cfg.retention.keep_free_is_percent, 1);
    assert_int_equal(cfg.retention.max_disk, 4ULL << 30);
    assert_int_equal(
        load(&cfg, err, sizeof err, "--config", config_file("{\"no-compress\": false}"), NULL),
        CL_CONFIG_OK);
    assert_int_equal(cfg.compress_level, 1);
    /* --no-compress takes no value on the command line. */
    assert_error("--no-compress=7", load(&cfg, err, sizeof err, "--no-compress=7", NULL), err,
                 "--no-compress", "7");
}

/* --syslog-socket: repeatable, a list in a file that the command line
 * replaces, bounded; --syslog-socket-mode an octal mode, 0666 by default. */
static void test_syslog_options(void **state)
{
    cl_config cfg;
    char err[512];
    const char *f;

    (void)state;
    assert_int_equal(load(&cfg, err, sizeof err, NULL), CL_CONFIG_OK);
    assert_int_equal(cfg.syslog_count, 0);
    assert_int_equal(cfg.syslog_mode, 0666);
    assert_int_equal(load(&cfg, err, sizeof err, "--syslog-socket", "/run/a",
                          "--syslog-socket=/run/b", "--syslog-socket-mode", "0620", NULL),
                     CL_CONFIG_OK);
    assert_int_equal(cfg.syslog_count, 2);
    assert_string_equal(cfg.syslog_sockets[0], "/run/a");
    assert_string_equal(cfg.syslog_sockets[1], "/run/b");
    assert_int_equal(cfg.syslog_mode, 0620);
    f = config_file("{\"syslog-socket\": [\"/f/1\", \"/f/2\"], \"syslog-socket-mode\": \"0600\"}");
    assert_int_equal(load(&cfg, err, sizeof err, "--config", f, NULL), CL_CONFIG_OK);
    assert_int_equal(cfg.syslog_count, 2);
    assert_string_equal(cfg.syslog_sockets[1], "/f/2");
    assert_int_equal(cfg.syslog_mode, 0600);
    /* The command line's list replaces the file's. */
    assert_int_equal(load(&cfg, err, sizeof err, "--config", f, "--syslog-socket", "/c", NULL),
                     CL_CONFIG_OK);
    assert_int_equal(cfg.syslog_count, 1);
    assert_string_equal(cfg.syslog_sockets[0], "/c");
    f = config_file("{\"syslog-socket\": \"/one\"}");
    assert_int_equal(load(&cfg, err, sizeof err, "--config", f, NULL), CL_CONFIG_OK);
    assert_int_equal(cfg.syslog_count, 1);
    assert_string_equal(cfg.syslog_sockets[0], "/one");
    f = config_file("{\"syslog-socket\": [\"/one\", 3]}");
    assert_error("a number in the list", load(&cfg, err, sizeof err, "--config", f, NULL), err,
                 "\"syslog-socket\": a list of strings", NULL);
    assert_error(
        "twice",
        load(&cfg, err, sizeof err, "--syslog-socket", "/a", "--syslog-socket", "/a", NULL), err,
        "a path not given already", NULL);
    assert_error("empty", load(&cfg, err, sizeof err, "--syslog-socket", "", NULL), err,
                 "a socket path of 1-107 bytes", NULL);
    assert_error("mode", load(&cfg, err, sizeof err, "--syslog-socket-mode", "1000", NULL), err,
                 "an octal mode", NULL);
    f = config_file("{\"syslog-socket\": [\"/1\", \"/2\", \"/3\", \"/4\", \"/5\", \"/6\", "
                    "\"/7\", \"/8\", \"/9\"]}");
    assert_error("nine", load(&cfg, err, sizeof err, "--config", f, NULL), err, "at most 8 sockets",
                 NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_syslog_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_warn_size, setup, teardown),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_parse_duration),
        cmocka_unit_test_setup_teardown(test_hardening_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_address_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_option, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slot_and_reject_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_file_booleans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_file_fraction_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_file_escapes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_storage_options, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
