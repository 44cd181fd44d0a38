/* daemon.h - process-level set-up that differs per OS (daemon_posix.c,
 * daemon_win32.c): resource limits and how a stop or reopen request arrives
 * (signals on POSIX, console control events on Windows). */
#ifndef CL_DAEMON_H
#define CL_DAEMON_H

#include "server.h"

/* Before the server starts: raise descriptor limits, ignore SIGPIPE. */
void cl_daemon_prepare(void);

/* Routes stop requests (SIGTERM, SIGINT, Ctrl-C, console close, shutdown)
 * and reopen requests (SIGHUP) to srv; NULL detaches. */
void cl_daemon_handle_signals(cl_server *srv);

#endif
