/* address_win32.c - address resolution for named pipes. On Windows the
 * address is the pipe name itself; only the default and the environment
 * variable need resolving. */
#include "address.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cl_address_default_dir(char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "\\\\.\\pipe");

    return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

int cl_address_resolve(const char *explicit_addr, char *out, size_t outlen)
{
    const char *a = explicit_addr;
    int n;

    if (a == NULL || a[0] == '\0')
        a = getenv(CL_ADDRESS_ENV);
    if (a == NULL || a[0] == '\0')
        a = CL_PIPE_PREFIX CL_DEFAULT_PIPE_NAME;
    /* "//./pipe/Name" is the same name with forward slashes. */
    if (strncmp(a, "//./pipe/", 9) == 0) {
        n = snprintf(out, outlen, "\\\\.\\pipe\\%s", a + 9);
        return (n < 0 || (size_t)n >= outlen || a[9] == '\0') ? -1 : 0;
    }
    if (strncmp(a, "\\\\", 2) != 0 || strstr(a, "\\pipe\\") == NULL || a[strlen(a) - 1] == '\\')
        return -1;
    n = snprintf(out, outlen, "%s", a);
    return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

int cl_address_resolve_connect_in(const char *explicit_addr, const char *system_dir, char *out,
                                  size_t outlen)
{
    (void)system_dir; /* pipe names are machine-wide: nothing to fall back to */
    return cl_address_resolve(explicit_addr, out, outlen);
}

int cl_address_resolve_connect(const char *explicit_addr, char *out, size_t outlen)
{
    return cl_address_resolve(explicit_addr, out, outlen);
}
