/* sysinfo.h - facts about this machine and its accounts, per platform
 * (sysinfo_posix.c, sysinfo_win32.c). */
#ifndef CL_SYSINFO_H
#define CL_SYSINFO_H

#include <stddef.h>

/* This machine's name into out; "localhost" if it has none. */
void cl_sys_hostname(char *out, size_t outlen);

/* The numeric id of group name (or of a number given as text); -1 when there
 * is no such group or the platform has no groups for sockets (Windows). */
long cl_sys_group_id(const char *name);

#endif
