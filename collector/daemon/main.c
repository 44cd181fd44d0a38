/* main.c - centrallogd: options, then the collector in this console or
 * what the Windows service options ask for. Everything else lives in the
 * collector library so that tests and fuzzers can link it. */
#include <stdio.h>

#include "cmdline.h"
#include "config.h"
#include "daemon.h"
#include "service.h"

static void attach_signals(void *arg, cl_server *srv)
{
    (void)arg;
    cl_daemon_handle_signals(srv);
}

int main(int argc, char **argv)
{
    cl_daemon_host console = { attach_signals, NULL,
                               "Stop with Ctrl-C (everything received is committed first).",
                               stderr };
    enum cl_config_result r;
    cl_config cfg;
    char err[1024];

    cl_args_utf8(&argc, &argv); /* paths in UTF-8 on Windows too */
    cl_console_utf8();
    r = cl_config_load(&cfg, argc, argv, err, sizeof err);
    if (r == CL_CONFIG_HELP || r == CL_CONFIG_VERSION) {
        (r == CL_CONFIG_HELP ? cl_config_usage : cl_config_version)(stdout);
        return 0;
    }
    /* A service has no console: even a bad option is reported in its data
     * directory and as its exit code, not here. */
    if (cfg.service == CL_SERVICE_RUN)
        return cl_service_run(&cfg, r == CL_CONFIG_ERROR ? err : NULL);
    if (r == CL_CONFIG_ERROR) {
        fprintf(stderr, "centrallogd: %s\n", err);
        return 2;
    }
    if (cfg.service == CL_SERVICE_INSTALL)
        return cl_service_install(&cfg, argc, argv);
    if (cfg.service == CL_SERVICE_UNINSTALL)
        return cl_service_uninstall();
    return cl_daemon_run(&cfg, &console);
}
