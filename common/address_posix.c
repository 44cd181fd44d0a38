/* address_posix.c - address resolution for Unix domain sockets. */
#include "address.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cl_address_default_dir(char *out, size_t outlen)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    int n;

    /* root owns /run; everyone else gets a per-user directory so that two
     * users' collectors never collide and neither can squat the other's. */
    if (geteuid() == 0)
        n = snprintf(out, outlen, "%s", CL_SYSTEM_DIR);
    else if (xdg != NULL && xdg[0] == '/')
        n = snprintf(out, outlen, "%s/centrallog", xdg);
    else
        n = snprintf(out, outlen, "/tmp/centrallog-%lu", (unsigned long)geteuid());
    return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

static int is_pipe_name(const char *a)
{
    /* Accept both "\\.\pipe\" and "//./pipe/" spellings, as Windows does. */
    return (strncmp(a, "\\\\.\\pipe\\", 9) == 0 || strncmp(a, "//./pipe/", 9) == 0);
}

int cl_address_resolve(const char *explicit_addr, char *out, size_t outlen)
{
    const char *a = explicit_addr;
    char dir[512];
    int n;

    if (a == NULL || a[0] == '\0')
        a = getenv(CL_ADDRESS_ENV);
    if (a == NULL || a[0] == '\0')
        a = CL_PIPE_PREFIX CL_DEFAULT_PIPE_NAME;

    if (!is_pipe_name(a)) {
        n = snprintf(out, outlen, "%s", a);
        return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
    }
    a += 9;
    if (a[0] == '\0' || strpbrk(a, "/\\") != NULL)
        return -1;
    if (cl_address_default_dir(dir, sizeof dir) != 0)
        return -1;
    n = snprintf(out, outlen, "%s/%s.sock", dir, a);
    return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

int cl_address_resolve_connect_in(const char *explicit_addr, const char *system_dir, char *out,
                                  size_t outlen)
{
    const char *env = getenv(CL_ADDRESS_ENV);
    char sys[512];
    struct stat sb;
    int n;

    if (cl_address_resolve(explicit_addr, out, outlen) != 0)
        return -1;
    /* Only the default is ever replaced: an address someone chose is kept,
     * even if nothing answers there (the caller says so). */
    if ((explicit_addr != NULL && explicit_addr[0] != '\0') || (env != NULL && env[0] != '\0') ||
        geteuid() == 0 || lstat(out, &sb) == 0)
        return 0;
    n = snprintf(sys, sizeof sys, "%s/%s.sock", system_dir, CL_DEFAULT_PIPE_NAME);
    if (n > 0 && (size_t)n < sizeof sys && (size_t)n < outlen && stat(sys, &sb) == 0 &&
        S_ISSOCK(sb.st_mode))
        memcpy(out, sys, (size_t)n + 1);
    return 0;
}

int cl_address_resolve_connect(const char *explicit_addr, char *out, size_t outlen)
{
    return cl_address_resolve_connect_in(explicit_addr, CL_SYSTEM_DIR, out, outlen);
}
