/* main.c - centrallogd: options, signals, start-up banner. Everything else
 * lives in the collector library so that tests and fuzzers can link it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "config.h"
#include "daemon.h"
#include "fsutil.h"
#include "server.h"
#include "version.h"

/* Operator notices from the collector (a failing sink, a repaired file). */
static void print_notice(void *arg, const char *msg)
{
    (void)arg;
    fprintf(stderr, "centrallogd: %s\n", msg);
}

#ifdef _WIN32
#define CL_SEND_HINT "centrallog send --address %s hello"
#else
#define CL_SEND_HINT                                                                               \
    "printf '{\"app\":\"demo\",\"level\":\"info\",\"msg\":\"hello\"}\\n' | nc -NU %s"
#endif

static void banner(const cl_config *c)
{
    char size[32];

    snprintf(size, sizeof size, "%llu KiB", (unsigned long long)(c->rotate_size / 1024));
    fprintf(stderr,
            "centrallogd %s listening on %s (%s)\n"
            "  database: %s\n"
            "  text log: %s (%s, rotate at %s, keep %d)\n"
            "Send a first entry from another shell:\n"
            "  " CL_SEND_HINT "\n"
            "Stop with Ctrl-C (everything received is committed first).\n",
            CL_VERSION_STRING, c->address, c->address_origin, c->db, c->log_file,
            c->text_json ? "NDJSON" : "text", size, c->rotate_keep, c->address);
}

int main(int argc, char **argv)
{
    cl_server_config sc;
    cl_server *srv;
    cl_config cfg;
    char err[1024];
    int rc;

    cl_args_utf8(&argc, &argv); /* paths in UTF-8 on Windows too */
    cl_console_utf8();
    switch (cl_config_load(&cfg, argc, argv, err, sizeof err)) {
    case CL_CONFIG_EXIT:
        return 0;
    case CL_CONFIG_ERROR:
        fprintf(stderr, "centrallogd: %s\n", err);
        return 2;
    case CL_CONFIG_OK:
        break;
    }
    if (cl_mkdir_parents(cfg.db, 0750) != 0) {
        fprintf(stderr, "centrallogd: cannot create the directory of %s: %s\n", cfg.db,
                strerror(errno));
        return 1;
    }
    cl_daemon_prepare();
    memset(&sc, 0, sizeof sc);
    sc.listen.address = cfg.address;
    sc.listen.mode = cfg.socket_mode;
    sc.listen.gid = cfg.socket_gid;
    sc.listen.backlog = 4096;
    sc.listen.max_streams = cfg.max_connections;
    sc.listen.sddl = cfg.pipe_sddl[0] ? cfg.pipe_sddl : NULL;
    sc.listen.accept_remote = cfg.accept_remote;
    cl_limits_default(&sc.limits);
    sc.limits.max_entry_bytes = cfg.max_entry_bytes;
    sc.writer.db_path = cfg.db;
    sc.writer.text.path = cfg.log_file;
    sc.writer.text.rotate_size = cfg.rotate_size;
    sc.writer.text.rotate_keep = cfg.rotate_keep;
    sc.writer.text.format = cfg.text_json ? CL_TEXT_JSON : CL_TEXT_PLAIN;
    sc.writer.batch_size = cfg.batch_size;
    sc.writer.batch_ms = cfg.batch_ms;
    sc.writer.queue_bytes = cfg.queue_bytes;
    sc.writer.fts = cfg.fts;
    sc.host = cfg.host;
    sc.shutdown_timeout_ms = cfg.shutdown_timeout_s * 1000;
    sc.idle_timeout_ms = (int)cfg.idle_timeout_ms;
    cl_ratelimit_default(&sc.rate);
    sc.rate.interval_us = (int64_t)cfg.rate_interval_ms * 1000;
    sc.rate.burst = cfg.rate_burst;
    sc.rate.exempt_level = cfg.rate_exempt_level;
    sc.notice = print_notice;

    if (cl_server_new(&srv, &sc, err, sizeof err) != 0) {
        fprintf(stderr, "centrallogd: %s\n", err);
        return 1;
    }
    cl_daemon_handle_signals(srv);
    if (!cfg.quiet)
        banner(&cfg);
    rc = cl_server_run(srv, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "centrallogd: stopped with an error: %s\n", err);
    else if (!cfg.quiet)
        fprintf(stderr, "centrallogd: stopped cleanly\n");
    cl_daemon_handle_signals(NULL);
    cl_server_free(srv);
    return rc == 0 ? 0 : 1;
}
