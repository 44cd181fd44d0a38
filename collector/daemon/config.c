/* config.c - option parsing shared by flags and the JSON config file: both
 * go through set_option(), so a key means the same thing in either. */
#include "config.h"

#include "dbformat.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "cmdline.h"
#include "level.h"
#include "parse.h"
#include "protolimits.h"
#include "sysinfo.h"
#include "ratelimit.h"
#include "sink_text.h"
#include "slots.h"
#include "validate.h"
#include "version.h"
#include "wirecheck.h"

#define DATA_DIR_ENV "CENTRALLOG_DATA_DIR"

typedef struct option_doc {
    const char *name;
    const char *arg;
    const char *help;
} option_doc;

/* Options of the Windows named pipe exist only where there are such pipes. */
#ifdef _WIN32
#define PIPE_OPTIONS 1
#else
#define PIPE_OPTIONS 0
#endif

/* Syslog producers write Unix datagrams (/dev/log), which Windows lacks. */
#ifdef _WIN32
#define SYSLOG_OPTIONS 0
#else
#define SYSLOG_OPTIONS 1
#endif

/* A daemon is a service on Windows (service_win32.c); elsewhere the system's
 * service manager starts centrallogd as it is, so the options are refused. */
#ifdef _WIN32
#define SERVICE_OPTIONS 1
#else
#define SERVICE_OPTIONS 0
#endif

static const option_doc docs[] = {
    { "address", "ADDR",
      "socket path or \\\\.\\pipe\\Name (env CENTRALLOG_ADDRESS; default: see below)" },
    { "data-dir", "DIR",
      "where the database and text log go (env CENTRALLOG_DATA_DIR; default ./var)" },
    { "db", "PATH", "SQLite database (default DATA_DIR/centrallog.db)" },
    { "log-file", "PATH", "text log (default DATA_DIR/centrallog.log)" },
    { "text-format", "text|json", "text log format: one readable line, or NDJSON (default text)" },
    { "rotate-size", "SIZE", "rotate the text log at this size (default 16M)" },
    { "rotate-keep", "N", "rotated text files kept, compressed or not (default 7)" },
    { "rotate-age", "TIME",
      "... and rotate it once its first entry is older than this (default 1d; 0: never)" },
    { "compress", "on|off|1-9",
      "gzip rotated text files (.gz, read by zless, zgrep, lnav) at this zlib level "
      "(default on = 1, the fastest)" },
    { "no-compress", NULL, "leave rotated text files plain (same as --compress=off)" },
    { "max-age", "TIME",
      "remove stored entries (whole partitions and text files) older than this (default off)" },
    { "max-disk", "SIZE",
      "most disk for partitions and text files together (default 10% of the filesystem, at "
      "most 4G; off: no limit)" },
    { "keep-free", "SIZE|N%",
      "free space to leave on the filesystem (default 15%, at most 4G; off: none)" },
    { "db-rotate-size", "SIZE", "close the live database partition at this size (default 128M)" },
    { "db-rotate-age", "DURATION", "... or at this age, if not empty (default 1d; 0: never)" },
    { "max-entry-bytes", "SIZE", "longest accepted line (default 64K)" },
    { "socket-mode", "OCTAL", "permissions of the socket file (default 0666, like /dev/log)" },
    { "socket-group", "GROUP", "group owner of the socket (name or number; default: unchanged)" },
#if PIPE_OPTIONS
    { "pipe-sddl", "SDDL", "security descriptor of the pipe (default: see README, Windows)" },
    { "accept-remote", NULL, "accept producers on other machines (\\\\server\\pipe\\...)" },
#endif
#if SYSLOG_OPTIONS
    { "syslog-socket", "PATH",
      "also take RFC 3164/5424 syslog messages (syslog(3), logger -u PATH) on a Unix datagram "
      "socket at PATH, e.g. /run/centrallog/dev-log, or /dev/log if you choose; repeatable "
      "(at most 8; see schema/SYSLOG.md)" },
    { "syslog-socket-mode", "OCTAL",
      "permissions of the syslog sockets (default 0666: every local user may log, as /dev/log "
      "needs; 0660 with --socket-group for one group only)" },
#endif
    { "max-connections", "N", "concurrent producer connections (default 16384)" },
    { "max-connections-per-uid", "N",
      "connections one user may hold; root and the collector's own user are exempt "
      "(default: a quarter of --max-connections; 0: no limit; POSIX only)" },
    { "idle-reclaim", "TIME",
      "when 90% of --max-connections are in use, close connections silent this long, "
      "longest silent first (default 60s; 0: never; POSIX only)" },
    { "partial-bytes", "SIZE",
      "memory for half-received lines, all connections together; beyond it the longest-"
      "waiting is cut and stored as a truncated reject (default 64M; 0: no limit)" },
    { "batch-size", "N", "commit after this many entries (default 16384)" },
    { "batch-ms", "MS", "... or this many milliseconds, whichever first (default 25)" },
    { "queue-bytes", "SIZE",
      "memory for entries awaiting the writer before producers are slowed (default 32M)" },
    { "fts", "on|off", "full-text index on msg in closed partitions (default on)" },
    { "wal-warn-size", "SIZE",
      "warn when the database's write-ahead log grows past this because a reader holds it "
      "(default 256M; 0: never)" },
    { "host", "NAME", "host name stored for entries that name none (default: this machine's)" },
    { "max-ts-ahead", "TIME",
      "a claimed ts later than arrival by more is not believed: ts is the arrival, the claim "
      "goes to extra (default 10m; off: no bound)" },
    { "max-ts-age", "TIME", "... or earlier than arrival by more (default 7d; off: no bound)" },
    { "shutdown-timeout", "SECONDS",
      "on SIGTERM, how long to wait for producers' data (default 30)" },
    { "idle-timeout", "TIME",
      "close a connection that sends half a line and then nothing for this long "
      "(default 30s; 0: never)" },
    { "rate-limit-interval", "TIME",
      "rate-limit window per source, i.e. per app and producer PID (default 30s)" },
    { "rate-limit-burst", "N",
      "entries a source may send per window; more are counted and reported, not stored "
      "(default 10000; 0: no limit)" },
    { "rate-limit-exempt", "LEVEL",
      "entries at this level or more severe are never limited (default error; none: no level)" },
    { "reject-limit-burst", "N",
      "rejected lines stored per producer process and rate-limit window; more are counted "
      "and reported, not stored (default 1000; 0: no limit)" },
    { "forward", "URL",
      "send stored entries to a syslog receiver, resuming where it stopped: "
      "syslog+tcp://HOST:PORT[?min-level=LEVEL&app=GLOB&facility=local0&format=rfc5424|json"
      "&start=oldest|end], or syslog+tls://HOST:PORT (RFC 5425; certificate verified against "
      "the system's trust store or ca=FILE, for peer-name=NAME or HOST; client cert=FILE&key=FILE; "
      "not on Windows), or relp://HOST:PORT[?...] (acknowledged by the receiver; with "
      "tls=1&ca=FILE over TLS, same cert, key, peer-name; not on Windows) (repeatable, at most 8; "
      "in a file: a string or a list; see "
      "schema/FORWARDING.md)" },
    { "config", "FILE", "JSON object of these options, e.g. {\"rotate-size\": \"32M\"}" },
    { "quiet", NULL, "print nothing at start-up" },
#if SERVICE_OPTIONS
    { "install-service", NULL,
      "register the Windows service CentralLog (automatic start, LocalService) that runs "
      "centrallogd with the other options given; needs an elevated prompt" },
    { "service-account", "NAME",
      "with --install-service: the account (default NT AUTHORITY\\LocalService; built-in or "
      "virtual accounts, no password)" },
    { "uninstall-service", NULL, "stop the service CentralLog and remove it" },
    { "service", NULL, "run under the Service Control Manager (--install-service puts it there)" },
#endif
    { "help", NULL, "show this help and exit" },
    { "version", NULL, "show the version and exit" },
};

void cl_config_usage(FILE *out)
{
    char dir[512];

    fprintf(out,
            "Usage: centrallogd [OPTIONS]\n\n"
            "CentralLog collector: receives JSON log entries on a local socket and stores them\n"
            "in an SQLite database and a rotating text file.\n\nOptions:\n");
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        char left[64];

        snprintf(left, sizeof left, "--%s%s%s", docs[i].name, docs[i].arg ? " " : "",
                 docs[i].arg ? docs[i].arg : "");
        fprintf(out, "  %-26s %s\n", left, docs[i].help);
    }
    cl_address_default_dir(dir, sizeof dir);
    fprintf(
        out,
        "\nSIZE accepts K, M, G suffixes (powers of 1024); TIME accepts ms, s, m, h, d (250ms,\n"
        "1.5s; a bare number is seconds). The default address is\n"
        "%s/" CL_DEFAULT_PIPE_NAME ".sock for this user.\n\n"
        "Signals: SIGTERM/SIGINT stop gracefully (everything received is committed);\n"
        "SIGHUP reopens the text log (for logrotate).\n"
        "Exit status: 0 clean stop, 1 runtime failure, 2 bad usage or configuration.\n"
        "Protocol and schema: schema/PROTOCOL.md.\n",
        dir);
}

void cl_config_version(FILE *out)
{
    fprintf(out, "centrallogd %s (protocol %d)\n", CL_VERSION_STRING, CL_PROTOCOL_VERSION);
}

static int copy(char *dst, size_t n, const char *src)
{
    return snprintf(dst, n, "%s", src) >= (int)n ? -1 : 0;
}

/* Options that are only known after all others: paths depend on data-dir. */
typedef struct pending {
    char address[4096];
    int has_address, has_db, has_log;
    int in_file;    /* set_option is reading --config */
    int syslog_cli; /* the command line gave --syslog-socket: it replaces the file's */
} pending;

static int bad(char *err, size_t errlen, const char *name, const char *val, const char *accepts)
{
    snprintf(err, errlen, "--%s: invalid value '%s'; expected %s", name, val ? val : "", accepts);
    return -1;
}

/* "on", "true", "yes" or nothing (a bare flag): 1; "off", "false", "no": 0;
 * anything else: -1. */
static int flag_value(const char *v)
{
    if (v[0] == '\0' || strcmp(v, "on") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0)
        return 1;
    if (strcmp(v, "off") == 0 || strcmp(v, "false") == 0 || strcmp(v, "no") == 0)
        return 0;
    return -1;
}

/* A socket file's mode (--socket-mode, --syslog-socket-mode): octal, at
 * most 0777. */
static int socket_mode(unsigned *out, const char *name, const char *v, char *err, size_t errlen)
{
    char *end;
    unsigned long m = strtoul(v, &end, 8);

    if (!v[0] || *end || m > 0777)
        return bad(err, errlen, name, v, "an octal mode such as 0666 or 0660");
    *out = (unsigned)m;
    return 0;
}

/* A duration in µs from 1 s to 36500 days, or "off"/"0" (0). */
static int duration_or_off(const char *v, int64_t *out)
{
    uint64_t ms;

    if (strcmp(v, "off") == 0 || strcmp(v, "0") == 0) {
        *out = 0;
        return 0;
    }
    if (cl_parse_duration_ms(v, &ms) != 0 || ms < 1000 || ms > 36500ULL * 86400 * 1000)
        return -1;
    *out = (int64_t)ms * 1000;
    return 0;
}

/* The text file's rotation by age and compression, and the retention
 * limits (whose use the storage keeper decides: retention.h). */
static int set_storage_option(cl_config *c, const char *name, const char *v, char *err,
                              size_t errlen)
{
    cl_ret_options *r = &c->retention;
    uint64_t u;
    int f;

    if (strcmp(name, "rotate-age") == 0)
        return duration_or_off(v, &c->rotate_age_us)
                   ? bad(err, errlen, name, v, "a duration from 1s to 36500d such as 1d, or 0")
                   : 0;
    if (strcmp(name, "max-age") == 0)
        return duration_or_off(v, &r->max_age_us)
                   ? bad(err, errlen, name, v, "a duration from 1s to 36500d such as 30d, or off")
                   : 0;
    if (strcmp(name, "no-compress") == 0) {
        if ((f = flag_value(v)) < 0)
            return bad(err, errlen, name, v, "no value (or on/off in a file)");
        c->compress_level = f ? 0 : CL_TEXT_DEFAULT_COMPRESS_LEVEL;
        return 0;
    }
    if (strcmp(name, "compress") == 0) {
        if ((f = flag_value(v)) >= 0 && v[0] != '\0')
            c->compress_level = f ? CL_TEXT_DEFAULT_COMPRESS_LEVEL : 0;
        else if (cl_parse_uint(v, 0, 9, &u) == 0)
            c->compress_level = (int)u;
        else
            return bad(err, errlen, name, v, "on, off, or a zlib level 0-9 (0: off)");
        return 0;
    }
    if (strcmp(name, "max-disk") == 0) {
        r->max_disk_given = 1;
        if (strcmp(v, "off") == 0) {
            r->max_disk = 0;
            return 0;
        }
        return cl_parse_size(v, &r->max_disk)
                   ? bad(err, errlen, name, v, "a size such as 2G, or off")
                   : 0;
    }
    /* keep-free */
    r->keep_free_given = 1;
    r->keep_free_is_percent = 0;
    if (strcmp(v, "off") == 0) {
        r->keep_free = 0;
        return 0;
    }
    if (v[0] != '\0' && v[strlen(v) - 1] == '%') {
        char num[32];

        if (strlen(v) >= sizeof num)
            return bad(err, errlen, name, v, "a size such as 1G, a percentage such as 15%, or off");
        snprintf(num, sizeof num, "%.*s", (int)(strlen(v) - 1), v);
        if (cl_parse_uint(num, 0, 100, &r->keep_free) != 0)
            return bad(err, errlen, name, v, "a percentage from 0% to 100%");
        r->keep_free_is_percent = 1;
        return 0;
    }
    return cl_parse_size(v, &r->keep_free)
               ? bad(err, errlen, name, v, "a size such as 1G, a percentage such as 15%, or off")
               : 0;
}

/* --syslog-socket and --syslog-socket-mode. */
static int set_syslog_option(cl_config *c, pending *p, const char *name, const char *v, char *err,
                             size_t errlen)
{
    if (!SYSLOG_OPTIONS) {
        snprintf(err, errlen,
                 "--%s is not available on Windows: syslog producers write to a Unix datagram "
                 "socket (/dev/log), which Windows does not have; Windows programs log through "
                 "the named pipe (--address)",
                 name);
        return -1;
    }
    if (strcmp(name, "syslog-socket-mode") == 0) {
        return socket_mode(&c->syslog_mode, name, v, err, errlen);
    }
    if (!p->in_file && !p->syslog_cli) {
        p->syslog_cli = 1;
        c->syslog_count = 0;
    }
    if (c->syslog_count == CL_SYSLOG_SOCKETS_MAX) {
        snprintf(err, errlen, "--syslog-socket: at most %d sockets", CL_SYSLOG_SOCKETS_MAX);
        return -1;
    }
    for (size_t i = 0; i < c->syslog_count; i++) {
        if (strcmp(c->syslog_sockets[i], v) == 0)
            return bad(err, errlen, name, v, "a path not given already");
    }
    if (!v[0] || copy(c->syslog_sockets[c->syslog_count], sizeof c->syslog_sockets[0], v))
        return bad(err, errlen, name, v, "a socket path of 1-107 bytes");
    c->syslog_count++;
    return 0;
}

/* --forward: parsed now, so that a mistyped URL stops the start. */
static int add_forward(cl_config *c, const char *v, char *err, size_t errlen)
{
    if (c->n_forward == CL_CONFIG_FORWARD_MAX) {
        snprintf(err, errlen, "--forward: at most %d destinations", CL_CONFIG_FORWARD_MAX);
        return -1;
    }
    if (cl_fwd_url_parse(v, &c->forward[c->n_forward], err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < c->n_forward; i++) {
        if (strcmp(c->forward[i].key, c->forward[c->n_forward].key) == 0) {
            snprintf(err, errlen, "--forward %s: given twice (one cursor per HOST:PORT)",
                     c->forward[i].key);
            return -1;
        }
    }
    c->n_forward++;
    return 0;
}

static int set_option(cl_config *c, pending *p, const char *name, const char *v, char *err,
                      size_t errlen)
{
    uint64_t u;

    if (strcmp(name, "syslog-socket") == 0 || strcmp(name, "syslog-socket-mode") == 0)
        return set_syslog_option(c, p, name, v, err, errlen);
    if (strcmp(name, "forward") == 0)
        return add_forward(c, v, err, errlen);

    if (strcmp(name, "address") == 0) {
        p->has_address = 1;
        return copy(p->address, sizeof p->address, v) ? bad(err, errlen, name, v, "a shorter path")
                                                      : 0;
    }
    if (strcmp(name, "data-dir") == 0) {
        c->data_dir_given = 1;
        return copy(c->data_dir, sizeof c->data_dir, v)
                   ? bad(err, errlen, name, v, "a shorter path")
                   : 0;
    }
    if (strcmp(name, "db") == 0) {
        p->has_db = 1;
        return copy(c->db, sizeof c->db, v) ? bad(err, errlen, name, v, "a shorter path") : 0;
    }
    if (strcmp(name, "log-file") == 0) {
        p->has_log = 1;
        return copy(c->log_file, sizeof c->log_file, v)
                   ? bad(err, errlen, name, v, "a shorter path")
                   : 0;
    }
    if (strcmp(name, "host") == 0)
        return copy(c->host, sizeof c->host, v) || !v[0]
                   ? bad(err, errlen, name, v, "1-255 characters")
                   : 0;
    if (strcmp(name, "text-format") == 0) {
        if (strcmp(v, "text") != 0 && strcmp(v, "json") != 0)
            return bad(err, errlen, name, v, "text or json");
        c->text_json = strcmp(v, "json") == 0;
        return 0;
    }
    if (strcmp(name, "fts") == 0) {
        if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
            return bad(err, errlen, name, v, "on or off");
        c->fts = strcmp(v, "on") == 0;
        return 0;
    }
    if (strcmp(name, "rotate-size") == 0)
        return (cl_parse_size(v, &c->rotate_size) || c->rotate_size < 4096)
                   ? bad(err, errlen, name, v, "a size of at least 4K, e.g. 16M")
                   : 0;
    if (strcmp(name, "db-rotate-size") == 0)
        return (cl_parse_size(v, &c->db_rotate_size) || c->db_rotate_size < 65536)
                   ? bad(err, errlen, name, v, "a size of at least 64K, e.g. 128M")
                   : 0;
    if (strcmp(name, "db-rotate-age") == 0)
        return (cl_parse_duration_ms(v, &c->db_rotate_age_ms) ||
                (c->db_rotate_age_ms != 0 && c->db_rotate_age_ms < 1000) ||
                c->db_rotate_age_ms > 36500ULL * 86400 * 1000)
                   ? bad(err, errlen, name, v, "0 (never) or a duration from 1s, e.g. 1d")
                   : 0;
    if (strcmp(name, "queue-bytes") == 0)
        return (cl_parse_size(v, &c->queue_bytes) || c->queue_bytes < 65536)
                   ? bad(err, errlen, name, v, "a size of at least 64K, e.g. 32M")
                   : 0;
    if (strcmp(name, "wal-warn-size") == 0)
        return cl_parse_size(v, &c->wal_warn_size)
                   ? bad(err, errlen, name, v, "a size such as 256M, or 0 for never")
                   : 0;
    if (strcmp(name, "partial-bytes") == 0)
        return (cl_parse_size(v, &c->partial_bytes) ||
                (c->partial_bytes != 0 && c->partial_bytes < 1024 * 1024))
                   ? bad(err, errlen, name, v, "0 (no limit) or a size of at least 1M, e.g. 64M")
                   : 0;
    if (strcmp(name, "max-entry-bytes") == 0)
        return (cl_parse_size(v, &c->max_entry_bytes) ||
                c->max_entry_bytes < CL_LIMIT_ENTRY_BYTES_MIN ||
                c->max_entry_bytes > CL_LIMIT_ENTRY_BYTES_MAX)
                   ? bad(err, errlen, name, v, "a size from 256 to 128K")
                   : 0;
    if (strcmp(name, "rotate-age") == 0 || strcmp(name, "compress") == 0 ||
        strcmp(name, "no-compress") == 0 || strcmp(name, "max-age") == 0 ||
        strcmp(name, "max-disk") == 0 || strcmp(name, "keep-free") == 0)
        return set_storage_option(c, name, v, err, errlen);
    if (strcmp(name, "rotate-keep") == 0) {
        if (cl_parse_uint(v, 0, 1000, &u))
            return bad(err, errlen, name, v, "a number from 0 to 1000");
        c->rotate_keep = (int)u;
        return 0;
    }
    if (strcmp(name, "batch-size") == 0)
        return cl_parse_uint(v, 1, 1000000, &c->batch_size)
                   ? bad(err, errlen, name, v, "1 to 1000000")
                   : 0;
    if (strcmp(name, "max-connections") == 0)
        return cl_parse_uint(v, 1, 1000000, &c->max_connections)
                   ? bad(err, errlen, name, v, "1 to 1000000")
                   : 0;
    if (strcmp(name, "max-connections-per-uid") == 0) {
        c->max_conn_per_uid_given = 1;
        return cl_parse_uint(v, 0, 1000000, &c->max_conn_per_uid)
                   ? bad(err, errlen, name, v, "0 (no limit) to 1000000")
                   : 0;
    }
    if (strcmp(name, "idle-reclaim") == 0)
        return (cl_parse_duration_ms(v, &c->idle_reclaim_ms) ||
                c->idle_reclaim_ms > 24ULL * 3600 * 1000)
                   ? bad(err, errlen, name, v, "a duration up to 24h such as 60s, or 0")
                   : 0;
    if (strcmp(name, "reject-limit-burst") == 0)
        return cl_parse_uint(v, 0, 1000000000, &c->reject_burst)
                   ? bad(err, errlen, name, v, "0 (no limit) to 1000000000")
                   : 0;
    if (strcmp(name, "batch-ms") == 0) {
        if (cl_parse_uint(v, 1, 10000, &u))
            return bad(err, errlen, name, v, "1 to 10000 milliseconds");
        c->batch_ms = (int)u;
        return 0;
    }
    if (strcmp(name, "shutdown-timeout") == 0) {
        if (cl_parse_uint(v, 0, 3600, &u))
            return bad(err, errlen, name, v, "0 to 3600 seconds");
        c->shutdown_timeout_s = (int)u;
        return 0;
    }
    if (strcmp(name, "idle-timeout") == 0)
        return (cl_parse_duration_ms(v, &c->idle_timeout_ms) ||
                c->idle_timeout_ms > 24ULL * 3600 * 1000)
                   ? bad(err, errlen, name, v, "a duration up to 24h such as 30s, 500ms or 0")
                   : 0;
    if (strcmp(name, "rate-limit-interval") == 0)
        return (cl_parse_duration_ms(v, &c->rate_interval_ms) || c->rate_interval_ms < 1 ||
                c->rate_interval_ms > 24ULL * 3600 * 1000)
                   ? bad(err, errlen, name, v, "a duration from 1ms to 24h such as 30s")
                   : 0;
    if (strcmp(name, "max-ts-ahead") == 0 || strcmp(name, "max-ts-age") == 0) {
        uint64_t *dst = strcmp(name, "max-ts-ahead") == 0 ? &c->max_ts_ahead_ms : &c->max_ts_age_ms;

        if (strcmp(v, "off") == 0)
            *dst = UINT64_MAX;
        else if (cl_parse_duration_ms(v, dst) || *dst > 36500ULL * 86400 * 1000)
            return bad(err, errlen, name, v, "a duration up to 36500d such as 10m or 7d, or off");
        return 0;
    }
    if (strcmp(name, "rate-limit-burst") == 0)
        return cl_parse_uint(v, 0, 1000000000, &c->rate_burst)
                   ? bad(err, errlen, name, v, "0 (no limit) to 1000000000")
                   : 0;
    if (strcmp(name, "rate-limit-exempt") == 0) {
        int lv = strcmp(v, "none") == 0 ? -1 : cl_level_parse(v, strlen(v), CL_LEVEL_DIGITS);

        if (lv < -1 || (lv == -1 && strcmp(v, "none") != 0))
            return bad(err, errlen, name, v, "a level name or 0-7 (e.g. error), or none");
        c->rate_exempt_level = lv;
        return 0;
    }
    if (strcmp(name, "socket-mode") == 0) {
        return socket_mode(&c->socket_mode, name, v, err, errlen);
    }
    if (strcmp(name, "socket-group") == 0) {
        c->socket_gid = cl_sys_group_id(v);
        if (c->socket_gid < 0)
            return bad(err, errlen, name, v, "an existing group name or a numeric gid");
        return 0;
    }
    if (PIPE_OPTIONS && strcmp(name, "pipe-sddl") == 0)
        return copy(c->pipe_sddl, sizeof c->pipe_sddl, v)
                   ? bad(err, errlen, name, v, "a shorter SDDL string")
                   : 0;
    if (PIPE_OPTIONS && strcmp(name, "accept-remote") == 0) {
        int on = flag_value(v);

        if (on < 0)
            return bad(err, errlen, name, v, "on or off");
        c->accept_remote = on;
        return 0;
    }
    if (strcmp(name, "quiet") == 0) {
        /* "--quiet" alone means on; a file or --quiet=VALUE may say either. */
        int on = flag_value(v);

        if (on < 0)
            return bad(err, errlen, name, v, "on or off");
        c->quiet = on;
        return 0;
    }
    snprintf(err, errlen, "unknown option --%s; see centrallogd --help", name);
    return -1;
}

static int service_mode(const char *name)
{
    if (strcmp(name, "install-service") == 0)
        return CL_SERVICE_INSTALL;
    if (strcmp(name, "uninstall-service") == 0)
        return CL_SERVICE_UNINSTALL;
    if (strcmp(name, "service") == 0)
        return CL_SERVICE_RUN;
    return CL_SERVICE_NONE;
}

static int is_service_option(const char *name)
{
    return service_mode(name) != CL_SERVICE_NONE || strcmp(name, "service-account") == 0;
}

/* The service options are read in the first pass, with --config, so that a
 * service whose other options turn out wrong still knows it is one and can
 * report the error where an operator looks (see cl_config_load). */
static int set_service_option(cl_config *c, const char *name, const char *v, char *err,
                              size_t errlen)
{
    int mode = service_mode(name);

    if (!SERVICE_OPTIONS) {
        snprintf(err, errlen,
                 "--%s is Windows-only (it concerns the Windows Service Control Manager); "
                 "on Linux, run the systemd unit (packaging/systemd, see the README)",
                 name);
        return -1;
    }
    if (mode == CL_SERVICE_NONE) {
        if (v == NULL || !v[0] || copy(c->service_account, sizeof c->service_account, v))
            return bad(err, errlen, name, v, "an account name such as NT AUTHORITY\\LocalService");
        return 0;
    }
    if (v[0] != '\0')
        return bad(err, errlen, name, v, "no value");
    if (c->service != CL_SERVICE_NONE && c->service != mode) {
        snprintf(err, errlen, "--%s cannot be combined with another service option", name);
        return -1;
    }
    c->service = mode;
    return 0;
}

/* cJSON reads an invalid \u escape ("\uqqqq") as U+0000 and so would cut a
 * path or a name short without a word: the file's bytes are judged first by
 * the rules entries follow (schema/PROTOCOL.md), but for a byte-order mark,
 * which Windows editors write and cJSON skips. */
static int check_file_text(const char *path, const char *text, size_t n, char *err, size_t errlen)
{
    size_t bom = n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    cl_scan scan;
    enum cl_reason r = cl_wirecheck(text + bom, n - bom, 64, &scan);
    const char *what = r == CL_R_INVALID_UTF8   ? "invalid UTF-8"
                       : r == CL_R_CONTROL_CHAR ? "a raw control character; escape it"
                       : r == CL_R_TOO_DEEP     ? "nesting too deep"
                       : r == CL_R_NOT_JSON     ? scan.err_what
                                                : "\\u0000 in a string";

    if (r == CL_R_OK && !scan.has_nul_escape)
        return 0;
    snprintf(err, errlen, "--config %s: byte %zu: %s", path,
             bom + (r == CL_R_OK ? scan.nul_off : scan.err_off), what);
    return -1;
}

static int load_file(cl_config *c, pending *p, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rbe"); /* e: O_CLOEXEC */
    char *text = NULL;
    long n;
    cJSON *root;
    int rc = 0;

    if (f == NULL) {
        snprintf(err, errlen, "--config %s: %s", path, strerror(errno));
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > 1024 * 1024 ||
        fseek(f, 0, SEEK_SET) != 0 || (text = malloc((size_t)n + 1)) == NULL ||
        fread(text, 1, (size_t)n, f) != (size_t)n) {
        snprintf(err, errlen, "--config %s: cannot read the file (at most 1 MiB)", path);
        fclose(f);
        free(text);
        return -1;
    }
    fclose(f);
    text[n] = '\0';
    if (check_file_text(path, text, (size_t)n, err, errlen) != 0) {
        free(text);
        return -1;
    }
    root = cJSON_Parse(text);
    free(text);
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "--config %s: not a JSON object", path);
        cJSON_Delete(root);
        return -1;
    }
    p->in_file = 1;
    for (cJSON *it = root->child; it != NULL && rc == 0; it = it->next) {
        char num[64];
        const char *v;

        if (cJSON_IsArray(it) &&
            (strcmp(it->string, "syslog-socket") == 0 || strcmp(it->string, "forward") == 0)) {
            /* The repeatable options: a list in a file. */
            for (cJSON *e = it->child; e != NULL && rc == 0; e = e->next) {
                if (!cJSON_IsString(e) ||
                    set_option(c, p, it->string, e->valuestring, err, errlen) != 0) {
                    char inner[512];

                    if (cJSON_IsString(e))
                        snprintf(inner, sizeof inner, "%s", err);
                    else
                        snprintf(inner, sizeof inner, "\"%s\": a list of strings", it->string);
                    snprintf(err, errlen, "--config %s: %s", path, inner);
                    rc = -1;
                }
            }
            continue;
        }
        if (cJSON_IsString(it)) {
            v = it->valuestring;
        } else if (cJSON_IsNumber(it)) {
            double d = it->valuedouble;

            if (d != (double)(long long)d || d < 0) {
                snprintf(err, errlen,
                         "--config %s: \"%s\" must be a whole number >= 0, or a "
                         "string such as \"16M\"",
                         path, it->string);
                rc = -1;
                break;
            }
            snprintf(num, sizeof num, "%lld", (long long)d);
            v = num;
        } else if (cJSON_IsBool(it)) {
            v = cJSON_IsTrue(it) ? "on" : "off";
        } else {
            snprintf(err, errlen, "--config %s: \"%s\" must be a string or number", path,
                     it->string);
            rc = -1;
            break;
        }
        if (strcmp(it->string, "config") == 0 || strcmp(it->string, "help") == 0 ||
            is_service_option(it->string)) {
            snprintf(err, errlen, "--config %s: \"%s\" cannot be set in a file", path, it->string);
            rc = -1;
        } else if (set_option(c, p, it->string, v, err, errlen) != 0) {
            char inner[512];

            snprintf(inner, sizeof inner, "%s", err);
            snprintf(err, errlen, "--config %s: %s", path, inner);
            rc = -1;
        }
    }
    p->in_file = 0;
    cJSON_Delete(root);
    return rc;
}

static void defaults(cl_config *c)
{
    const char *dd = cl_getenv(DATA_DIR_ENV);

    memset(c, 0, sizeof *c);
    copy(c->data_dir, sizeof c->data_dir, dd && dd[0] ? dd : CL_DEFAULT_DATA_DIR);
    c->rotate_size = 16 * 1024 * 1024;
    c->rotate_keep = 7;
    c->rotate_age_us = CL_TEXT_DEFAULT_ROTATE_AGE_US;
    c->compress_level = CL_TEXT_DEFAULT_COMPRESS_LEVEL;
    /* A partition is the unit retention removes and a time filter skips:
     * 128M is journald's cap on one journal file (SystemMaxFileSize), small
     * enough to seal in seconds, large enough that a day of a busy host is a
     * handful of files; a day bounds a quiet host's live partition. */
    c->db_rotate_size = 128ULL * 1024 * 1024;
    c->db_rotate_age_ms = 86400ULL * 1000;
    c->max_entry_bytes = CL_DEFAULT_MAX_ENTRY_BYTES;
    c->socket_mode = 0666;
    c->socket_gid = -1;
    c->syslog_mode = 0666;
    c->batch_size = 16384;
    c->batch_ms = 25;
    c->queue_bytes = 32 * 1024 * 1024;
    c->fts = 1;
    c->wal_warn_size = 256ULL * 1024 * 1024;
    c->max_connections = 16384;
    c->partial_bytes = 64 * 1024 * 1024;
    c->shutdown_timeout_s = 30;
    c->idle_timeout_ms = 30 * 1000;
    c->max_ts_ahead_ms = CL_DEFAULT_MAX_TS_AHEAD_US / 1000;
    c->max_ts_age_ms = CL_DEFAULT_MAX_TS_AGE_US / 1000;
    c->rate_interval_ms = CL_RATELIMIT_DEFAULT_INTERVAL_US / 1000;
    c->rate_burst = CL_RATELIMIT_DEFAULT_BURST;
    c->rate_exempt_level = CL_RATELIMIT_DEFAULT_EXEMPT;
    c->idle_reclaim_ms = 60 * 1000;
    c->reject_burst = CL_REJECT_LIMIT_DEFAULT_BURST;
    cl_sys_hostname(c->host, sizeof c->host);
}

/* Splits "--name=value" / "--name value"; returns the value or NULL. */
static const char *option_value(int argc, char **argv, int *i, const char *arg, char *name,
                                size_t namelen)
{
    const char *eq = strchr(arg, '=');

    if (eq != NULL) {
        snprintf(name, namelen, "%.*s", (int)(eq - arg), arg);
        return eq + 1;
    }
    snprintf(name, namelen, "%s", arg);
    if (strcmp(name, "quiet") == 0 || strcmp(name, "accept-remote") == 0 ||
        strcmp(name, "no-compress") == 0 || strcmp(name, "help") == 0 ||
        strcmp(name, "version") == 0 || service_mode(name) != CL_SERVICE_NONE)
        return "";
    return (*i + 1 < argc) ? argv[++*i] : NULL;
}

/* The text log is a file the collector creates, marks and rotates; a device
 * (/dev/stdout into a pipe whose reader stops) could stall the writer. The
 * sinks check again at every open; this says it at once, and why. */
static enum cl_config_result check_paths(const cl_config *c, char *err, size_t errlen)
{
    if (strncmp(c->log_file, "/dev/", 5) == 0 || strncmp(c->log_file, "/proc/", 6) == 0) {
        snprintf(err, errlen,
                 "--log-file %s: the text log must be a regular file that centrallogd creates "
                 "and rotates, not a device or pipe (a stalled reader would stop the "
                 "collector); to watch entries as they arrive use `centrallog tail` or "
                 "`tail -F` on the log file",
                 c->log_file);
        return CL_CONFIG_ERROR;
    }
    if (strcmp(c->log_file, c->db) == 0) {
        snprintf(err, errlen, "--log-file and --db name the same file (%s)", c->db);
        return CL_CONFIG_ERROR;
    }
    return CL_CONFIG_OK;
}

static enum cl_config_result load_all(cl_config *c, int argc, char **argv, char *err, size_t errlen)
{
    pending p;
    char name[64];

    defaults(c);
    memset(&p, 0, sizeof p);
    /* First pass: --help, --version and --config, which change what follows. */
    for (int i = 1; i < argc; i++) {
        const char *v;

        if (strncmp(argv[i], "--", 2) != 0) {
            snprintf(err, errlen, "unexpected argument '%s'; options start with --, see --help",
                     argv[i]);
            return CL_CONFIG_ERROR;
        }
        v = option_value(argc, argv, &i, argv[i] + 2, name, sizeof name);
        if (strcmp(name, "help") == 0)
            return CL_CONFIG_HELP;
        if (strcmp(name, "version") == 0)
            return CL_CONFIG_VERSION;
        if (strcmp(name, "config") == 0) {
            if (v == NULL || load_file(c, &p, v, err, errlen) != 0) {
                if (v == NULL)
                    snprintf(err, errlen, "--config needs a file name");
                return CL_CONFIG_ERROR;
            }
        }
        if (is_service_option(name) && set_service_option(c, name, v, err, errlen) != 0)
            return CL_CONFIG_ERROR;
    }
    if (c->service_account[0] && c->service != CL_SERVICE_INSTALL) {
        snprintf(err, errlen, "--service-account goes with --install-service");
        return CL_CONFIG_ERROR;
    }
    for (int i = 1; i < argc; i++) {
        const char *v = option_value(argc, argv, &i, argv[i] + 2, name, sizeof name);

        if (strcmp(name, "config") == 0 || is_service_option(name))
            continue;
        if (v == NULL) {
            snprintf(err, errlen, "--%s needs a value; see centrallogd --help", name);
            return CL_CONFIG_ERROR;
        }
        if (set_option(c, &p, name, v, err, errlen) != 0)
            return CL_CONFIG_ERROR;
    }
    if (cl_address_resolve(p.has_address ? p.address : NULL, c->address, sizeof c->address) != 0) {
        snprintf(err, errlen, "--address: cannot use '%s' (empty pipe name or path too long)",
                 p.has_address ? p.address : getenv(CL_ADDRESS_ENV));
        return CL_CONFIG_ERROR;
    }
    c->address_origin = cl_address_origin(p.has_address ? p.address : NULL);
    /* The per-UID share follows --max-connections unless it was given. */
    if (!c->max_conn_per_uid_given) {
        c->max_conn_per_uid = c->max_connections / CL_SLOTS_DEFAULT_UID_DIVISOR;
        if (c->max_conn_per_uid == 0)
            c->max_conn_per_uid = 1;
    }
    if ((!p.has_db &&
         snprintf(c->db, sizeof c->db, "%s/" CL_DB_FILE, c->data_dir) >= (int)sizeof c->db) ||
        (!p.has_log && snprintf(c->log_file, sizeof c->log_file, "%s/" CL_LOG_FILE, c->data_dir) >=
                           (int)sizeof c->log_file)) {
        snprintf(err, errlen, "--data-dir: path too long");
        return CL_CONFIG_ERROR;
    }
    return check_paths(c, err, errlen);
}

/* The last --data-dir of the command line, if any, into c. */
static void command_line_data_dir(cl_config *c, int argc, char **argv)
{
    char name[64];

    for (int i = 1; i < argc; i++) {
        const char *v;

        if (strncmp(argv[i], "--", 2) != 0)
            continue;
        v = option_value(argc, argv, &i, argv[i] + 2, name, sizeof name);
        if (v != NULL && strcmp(name, "data-dir") == 0 &&
            copy(c->data_dir, sizeof c->data_dir, v) == 0)
            c->data_dir_given = 1;
    }
}

enum cl_config_result cl_config_load(cl_config *c, int argc, char **argv, char *err, size_t errlen)
{
    enum cl_config_result r = load_all(c, argc, argv, err, errlen);

    /* A service reports even a broken --config file in its data directory,
     * so after an error the command line's --data-dir is the one that holds,
     * whatever the file had set before it failed. */
    if (r == CL_CONFIG_ERROR)
        command_line_data_dir(c, argc, argv);
    return r;
}
