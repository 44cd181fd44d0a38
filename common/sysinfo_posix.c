/* sysinfo_posix.c - host name and group lookup on POSIX. */
#include "sysinfo.h"

#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void cl_sys_hostname(char *out, size_t outlen)
{
    if (gethostname(out, outlen - 1) != 0 || out[0] == '\0')
        snprintf(out, outlen, "localhost");
    out[outlen - 1] = '\0';
}

long cl_sys_group_id(const char *name)
{
    struct group *g = getgrnam(name);
    char *end;
    long v;

    if (g != NULL)
        return (long)g->gr_gid;
    v = strtol(name, &end, 10);
    return (name[0] >= '0' && name[0] <= '9' && *end == '\0' && v >= 0) ? v : -1;
}
