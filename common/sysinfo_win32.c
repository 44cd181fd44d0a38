/* sysinfo_win32.c - host name on Windows; pipes are secured by descriptors,
 * not groups. */
#include "sysinfo.h"

#include <windows.h>

#include <stdio.h>

void cl_sys_hostname(char *out, size_t outlen)
{
    DWORD n = (DWORD)outlen;

    if (!GetComputerNameExA(ComputerNameDnsHostname, out, &n) || n == 0)
        snprintf(out, outlen, "localhost");
}

long cl_sys_group_id(const char *name)
{
    (void)name;
    return -1;
}
