/* daemon_win32.c - console control events on Windows: Ctrl-C, Ctrl-Break,
 * closing the console, logoff and shutdown all stop the collector
 * gracefully. The handler runs on a thread of its own, and
 * cl_server_request_stop is safe from any thread. */
#include "daemon.h"

#include <windows.h>

static cl_server *volatile g_server;

static BOOL WINAPI on_console(DWORD event)
{
    cl_server *srv = g_server;

    (void)event;
    if (srv == NULL)
        return FALSE;
    cl_server_request_stop(srv);
    /* Returning TRUE for CTRL_CLOSE_EVENT gives the process a few seconds
     * before Windows ends it: long enough to commit what was received. */
    return TRUE;
}

void cl_daemon_prepare(void)
{
}

void cl_daemon_handle_signals(cl_server *srv)
{
    g_server = srv;
    SetConsoleCtrlHandler(on_console, srv != NULL);
}

/* Windows services talk to the Service Control Manager (service_win32.c);
 * systemd's socket activation and readiness protocols do not exist there. */
int cl_daemon_inherited(cl_daemon_passed *out, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    out->stream_fd = -1;
    out->n_dgram = 0;
    return 0;
}

int cl_daemon_notify_open(char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    return 0;
}

void cl_daemon_notify_ready(const char *address)
{
    (void)address;
}

void cl_daemon_notify_close(void)
{
}

void cl_daemon_watchdog_tick(void *arg)
{
    (void)arg;
}
