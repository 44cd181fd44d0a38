/* syslog_in_none.c - the syslog sockets where there are no Unix datagram
 * sockets (Windows): the option is refused by the configuration already
 * (config.c); this says so again should a caller set it anyway. */
#include "server_int.h"

#include <stdio.h>

int cl_srv_syslog_open(cl_server *srv, char *err, size_t errlen)
{
    if (srv->cfg.syslog_count == 0)
        return 0;
    snprintf(err, errlen,
             "--syslog-socket needs Unix datagram sockets, which this platform does not have");
    return -1;
}

void cl_srv_syslog_drain(cl_server *srv)
{
    (void)srv;
}

void cl_srv_syslog_free(cl_server *srv)
{
    (void)srv;
}
