/* daemon_posix.c - signals and limits on POSIX. */
#include "daemon.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>

static cl_server *volatile g_server;

static void on_signal(int sig)
{
    cl_server *srv = g_server;

    if (srv == NULL)
        return;
    if (sig == SIGHUP)
        cl_server_request_reopen(srv);
    else
        cl_server_request_stop(srv);
}

void cl_daemon_prepare(void)
{
    struct sigaction sa;
    struct rlimit rl;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    /* Many producers means many descriptors: use what the hard limit allows. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

void cl_daemon_handle_signals(cl_server *srv)
{
    struct sigaction sa;

    g_server = srv;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = srv != NULL ? on_signal : SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}
