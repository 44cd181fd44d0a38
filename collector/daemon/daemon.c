/* daemon.c - from options to a running collector: the one mapping of
 * cl_config onto cl_server_config, the banner, and the report of how the
 * collector stopped. A console (main.c) and a Windows service
 * (service_win32.c) both run the collector through here. */
#include "daemon.h"
#include "retention.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fsutil.h"
#include "version.h"

/* Operator notices from the collector (a failing sink, a repaired file). */
static void print_notice(void *arg, const char *msg)
{
    fprintf((FILE *)arg, "centrallogd: %s\n", msg);
}

#ifdef _WIN32
#define CL_SEND_HINT "centrallog send --address %s hello"
#else
#define CL_SEND_HINT                                                                               \
    "printf '{\"app\":\"demo\",\"level\":\"info\",\"msg\":\"hello\"}\\n' | nc -NU %s"
#endif

/* How a syslog socket came to be, for the banner: its mode, or the
 * manager's socket. */
static const char *syslog_origin(const char *path, const cl_daemon_passed *passed, unsigned mode,
                                 char *buf, size_t len)
{
    for (size_t i = 0; i < passed->n_dgram; i++)
        if (strcmp(passed->dgram_path[i], path) == 0)
            return "socket activation";
    snprintf(buf, len, "mode %04o", mode);
    return buf;
}

static void banner(FILE *out, const cl_config *c, const cl_server_config *sc,
                   const cl_daemon_passed *passed, const char *origin, const char *stop_hint)
{
    const cl_listen_options *l = &sc->listen;
    char size[32], mode[32];

    snprintf(size, sizeof size, "%llu KiB", (unsigned long long)(c->rotate_size / 1024));
    fprintf(out,
            "centrallogd %s listening on %s (%s)\n"
            "  database: %s\n"
            "  text log: %s (%s, rotate at %s, keep %d)\n"
            "Send a first entry from another shell:\n"
            "  " CL_SEND_HINT "\n"
            "%s\n",
            CL_VERSION_STRING, l->address, origin, c->db, c->log_file,
            c->text_json ? "NDJSON" : "text", size, c->rotate_keep, l->address, stop_hint);
    for (size_t i = 0; i < sc->syslog_count; i++)
        fprintf(out, "  syslog socket: %s (datagrams, %s): logger -u %s hello\n",
                sc->syslog_sockets[i],
                syslog_origin(sc->syslog_sockets[i], passed, c->syslog_mode, mode, sizeof mode),
                sc->syslog_sockets[i]);
}

/* The limits in force: the options, with journald-like defaults that are
 * a share of the filesystem holding the data (retention.h). */
static void retention_limits(const cl_config *cfg, cl_ret_limits *out)
{
    char dir[4096];
    char *slash;
    uint64_t total = 0, avail = 0;

    snprintf(dir, sizeof dir, "%s", cfg->db);
    slash = (char *)cl_path_last_sep(dir);
    if (slash != NULL)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    if (cl_fs_space(dir[0] ? dir : "/", &total, &avail) != 0)
        total = 0; /* unknown: the caps apply */
    cl_retention_limits(&cfg->retention, total, cfg->db_rotate_size + cfg->rotate_size, out);
}

static void server_config(const cl_config *cfg, FILE *err, cl_server_config *sc,
                          const char **syslog_paths)
{
    memset(sc, 0, sizeof *sc);
    sc->listen.address = cfg->address;
    sc->listen.mode = cfg->socket_mode;
    sc->listen.gid = cfg->socket_gid;
    sc->listen.backlog = 4096;
    sc->listen.max_streams = cfg->max_connections;
    sc->listen.sddl = cfg->pipe_sddl[0] ? cfg->pipe_sddl : NULL;
    sc->listen.accept_remote = cfg->accept_remote;
    cl_limits_default(&sc->limits);
    sc->limits.max_entry_bytes = cfg->max_entry_bytes;
    sc->limits.max_ts_ahead_us =
        cfg->max_ts_ahead_ms == UINT64_MAX ? CL_TS_ANY : (int64_t)cfg->max_ts_ahead_ms * 1000;
    sc->limits.max_ts_age_us =
        cfg->max_ts_age_ms == UINT64_MAX ? CL_TS_ANY : (int64_t)cfg->max_ts_age_ms * 1000;
    sc->writer.db_path = cfg->db;
    sc->writer.text.path = cfg->log_file;
    sc->writer.text.rotate_size = cfg->rotate_size;
    sc->writer.text.rotate_keep = cfg->rotate_keep;
    sc->writer.text.rotate_age_us = cfg->rotate_age_us;
    sc->writer.text.compress_level = cfg->compress_level;
    sc->writer.text.format = cfg->text_json ? CL_TEXT_JSON : CL_TEXT_PLAIN;
    sc->writer.batch_size = cfg->batch_size;
    sc->writer.batch_ms = cfg->batch_ms;
    sc->writer.queue_bytes = cfg->queue_bytes;
    sc->writer.fts = cfg->fts;
    sc->writer.db_rotate_size = cfg->db_rotate_size;
    sc->writer.db_rotate_age_us = (int64_t)cfg->db_rotate_age_ms * 1000;
    sc->writer.wal_warn_bytes = cfg->wal_warn_size;
    retention_limits(cfg, &sc->writer.retention);
    sc->host = cfg->host;
    sc->shutdown_timeout_ms = cfg->shutdown_timeout_s * 1000;
    sc->idle_timeout_ms = (int)cfg->idle_timeout_ms;
    sc->max_connections_per_uid = (size_t)cfg->max_conn_per_uid;
    sc->idle_reclaim_ms = (int)cfg->idle_reclaim_ms;
    sc->reject_burst = cfg->reject_burst;
    sc->partial_bytes = (size_t)cfg->partial_bytes;
    cl_ratelimit_default(&sc->rate);
    sc->rate.interval_us = (int64_t)cfg->rate_interval_ms * 1000;
    sc->rate.burst = cfg->rate_burst;
    sc->rate.exempt_level = cfg->rate_exempt_level;
    sc->forward = cfg->forward;
    sc->n_forward = cfg->n_forward;
    sc->notice = print_notice;
    sc->notice_arg = err;
    sc->tick = cl_daemon_watchdog_tick;
    for (size_t i = 0; i < cfg->syslog_count; i++)
        syslog_paths[i] = cfg->syslog_sockets[i];
    sc->syslog_sockets = syslog_paths;
    sc->syslog_count = cfg->syslog_count;
    sc->syslog_mode = cfg->syslog_mode;
    sc->syslog_gid = cfg->socket_gid;
}

/* Socket activation: the service manager's socket replaces the one the
 * collector would create. Its path becomes the address unless the operator
 * named another one, which would be a unit at odds with its ExecStart=.
 * Checked before anything is created. Returns 0, or the exit status. */
static int inherited_sockets(const cl_config *cfg, cl_daemon_passed *passed, FILE *errf)
{
    char err[1024];

    if (cl_daemon_inherited(passed, err, sizeof err) != 0) {
        fprintf(errf, "centrallogd: %s\n", err);
        return 2;
    }
    if (passed->stream_fd >= 0 && strcmp(cfg->address_origin, "default") != 0 &&
        strcmp(passed->stream_path, cfg->address) != 0) {
        fprintf(errf,
                "centrallogd: the service manager passed a socket bound to %s but %s says %s; "
                "make ListenStream= and the address agree\n",
                passed->stream_path, cfg->address_origin, cfg->address);
        return 2;
    }
    return 0;
}

/* The syslog sockets: those of --syslog-socket (one the manager passed
 * takes its place), then each other one the manager passed (ListenDatagram=
 * in a socket unit is enough, as journald takes /dev/log). Returns 0, or
 * the exit status. */
static int syslog_sockets(const cl_config *cfg, const cl_daemon_passed *passed,
                          cl_server_config *sc, const char **paths, int *fds, FILE *errf)
{
    size_t n = sc->syslog_count;

    for (size_t k = 0; k < n; k++)
        fds[k] = -1;
    for (size_t i = 0; i < passed->n_dgram; i++) {
        size_t k = 0;

        while (k < cfg->syslog_count && strcmp(cfg->syslog_sockets[k], passed->dgram_path[i]) != 0)
            k++;
        if (k < cfg->syslog_count) {
            fds[k] = passed->dgram_fd[i];
            continue;
        }
        if (n == CL_SYSLOG_SOCKETS_MAX) {
            fprintf(errf,
                    "centrallogd: the service manager passed datagram sockets beyond the %d "
                    "syslog sockets the collector takes\n",
                    CL_SYSLOG_SOCKETS_MAX);
            return 2;
        }
        fds[n] = passed->dgram_fd[i];
        paths[n++] = passed->dgram_path[i];
    }
    sc->syslog_count = n;
    sc->syslog_fds = fds;
    return 0;
}

int cl_daemon_run(const cl_config *cfg, const cl_daemon_host *host)
{
    cl_server_config sc;
    const char *syslog_paths[CL_SYSLOG_SOCKETS_MAX];
    int syslog_fds[CL_SYSLOG_SOCKETS_MAX];
    cl_server *srv;
    char err[1024];
    const char *origin = cfg->address_origin;
    cl_daemon_passed passed;
    int rc;

    rc = inherited_sockets(cfg, &passed, host->err);
    if (rc != 0)
        return rc;
    if (cl_mkdir_parents(cfg->db, 0750) != 0) {
        int shared;

        /* Refused (EPERM): the check says whose directory or link it is. */
        if (errno != EPERM || cl_dir_check(cfg->db, &shared, err, sizeof err) == 0)
            snprintf(err, sizeof err, "cannot create the directory of %.900s: %s", cfg->db,
                     strerror(errno));
        fprintf(host->err, "centrallogd: %s\n", err);
        return 1;
    }
    if (cl_retention_validate(&cfg->retention, cfg->db_rotate_size, cfg->rotate_size, err,
                              sizeof err) != 0) {
        fprintf(host->err, "centrallogd: %s\n", err);
        return 2;
    }
    cl_daemon_prepare();
    server_config(cfg, host->err, &sc, syslog_paths);
    if (passed.stream_fd >= 0) {
        sc.listen.address = passed.stream_path;
        sc.listen.inherited = 1;
        sc.listen.fd = passed.stream_fd;
        origin = "socket activation";
    }
    rc = syslog_sockets(cfg, &passed, &sc, syslog_paths, syslog_fds, host->err);
    if (rc != 0)
        return rc;
    /* A manager that cannot be told "ready" would time the start out: say
     * why now, but serve anyway (it may be run by hand with a stray
     * variable). */
    if (cl_daemon_notify_open(err, sizeof err) != 0)
        fprintf(host->err, "centrallogd: %s\n", err);
    if (cl_server_new(&srv, &sc, err, sizeof err) != 0) {
        fprintf(host->err, "centrallogd: %s\n", err);
        cl_daemon_notify_close();
        return 1;
    }
    host->attach(host->arg, srv);
    if (!cfg->quiet)
        banner(host->err, cfg, &sc, &passed, origin, host->stop_hint);
    /* The socket accepts and the sinks are open (cl_server_new): ready. */
    cl_daemon_notify_ready(sc.listen.address);
    rc = cl_server_run(srv, err, sizeof err);
    if (rc != 0)
        fprintf(host->err, "centrallogd: stopped with an error: %s\n", err);
    else if (!cfg->quiet)
        fprintf(host->err, "centrallogd: stopped cleanly\n");
    host->attach(host->arg, NULL);
    cl_server_free(srv);
    cl_daemon_notify_close();
    return rc == 0 ? 0 : 1;
}
