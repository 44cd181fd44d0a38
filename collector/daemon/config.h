/* config.h - centrallogd's options: built-in defaults, then an optional
 * JSON --config file, then command-line flags, each overriding the last. */
#ifndef CL_CONFIG_H
#define CL_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fwd_url.h"   /* cl_fwd_url: --forward */
#include "parse.h"     /* cl_parse_size, cl_parse_duration_ms: how options are read */
#include "retention.h" /* cl_ret_options: --max-age, --max-disk, --keep-free */

/* Syslog datagram sockets one collector may serve (--syslog-socket). */
#define CL_SYSLOG_SOCKETS_MAX 8
/* Destinations of --forward (repeatable). */
#define CL_CONFIG_FORWARD_MAX 8

typedef struct cl_config {
    char address[4096]; /* resolved socket path */
    const char *address_origin;
    char data_dir[4096];
    char db[4096];
    char log_file[4096];
    char host[256];
    int text_json;
    uint64_t rotate_size;
    int rotate_keep;
    int64_t rotate_age_us;     /* --rotate-age; 0: never */
    int compress_level;        /* gzip level of rotated text files; 0: --no-compress */
    cl_ret_options retention;  /* as given; cl_retention_limits makes the limits */
    uint64_t db_rotate_size;   /* --db-rotate-size */
    uint64_t db_rotate_age_ms; /* --db-rotate-age; 0: never */
    uint64_t max_entry_bytes;
    unsigned socket_mode;
    long socket_gid;
    char pipe_sddl[1024]; /* Windows: "" means the built-in default */
    int accept_remote;    /* Windows: allow \\server\pipe\... producers */
    uint64_t batch_size;
    int batch_ms;
    uint64_t queue_bytes;
    int fts;
    uint64_t wal_warn_size; /* warn when the WAL grows past this; 0: never */
    uint64_t max_connections;
    uint64_t partial_bytes; /* half lines held, all connections together; 0: no limit */
    int shutdown_timeout_s;
    uint64_t idle_timeout_ms; /* 0: never cut a connection mid-line */
    uint64_t max_ts_ahead_ms; /* plausible claimed ts; UINT64_MAX: no bound */
    uint64_t max_ts_age_ms;
    uint64_t rate_interval_ms; /* rate-limit window */
    uint64_t rate_burst;       /* entries per window and source; 0: off */
    int rate_exempt_level;     /* this level and more severe pass; -1: none */
    uint64_t max_conn_per_uid; /* connections per UID; 0: no limit */
    int max_conn_per_uid_given;
    uint64_t idle_reclaim_ms; /* close idle connections when slots are short; 0: never */
    uint64_t reject_burst;    /* rejects stored per peer PID and window; 0: off */
    int quiet;
    int data_dir_given;        /* --data-dir on the command line or in --config */
    int service;               /* enum cl_service_mode (Windows; POSIX refuses the options) */
    char service_account[256]; /* --service-account; "" means the default */
    /* --syslog-socket (repeatable; POSIX only) and --syslog-socket-mode. */
    char syslog_sockets[CL_SYSLOG_SOCKETS_MAX][108];
    size_t syslog_count;
    unsigned syslog_mode;
    cl_fwd_url forward[CL_CONFIG_FORWARD_MAX]; /* --forward, in the order given */
    size_t n_forward;
} cl_config;

/* What the command line asks of the Windows Service Control Manager. */
enum cl_service_mode {
    CL_SERVICE_NONE = 0,  /* run in the console */
    CL_SERVICE_INSTALL,   /* --install-service */
    CL_SERVICE_UNINSTALL, /* --uninstall-service */
    CL_SERVICE_RUN        /* --service: started by the SCM */
};

enum cl_config_result {
    CL_CONFIG_OK = 0,
    CL_CONFIG_HELP = 1,    /* --help: print cl_config_usage and exit 0 */
    CL_CONFIG_VERSION = 2, /* --version: print cl_config_version and exit 0 */
    CL_CONFIG_ERROR = -1
};

/* Fills cfg from defaults, --config and argv; prints nothing (main does). On
 * CL_CONFIG_ERROR err says what to fix, and cfg->service and cfg->data_dir
 * (the command line's --data-dir, if any) are still set, so that a service
 * can say where it failed. */
enum cl_config_result cl_config_load(cl_config *cfg, int argc, char **argv, char *err,
                                     size_t errlen);

/* The text of --help and of --version, written to out. */
void cl_config_usage(FILE *out);
void cl_config_version(FILE *out);

#endif
