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
                                  size_t outlen, char *note, size_t notelen)
{
    (void)system_dir; /* pipe names are machine-wide: nothing to fall back to */
    if (note != NULL && notelen > 0)
        note[0] = '\0';
    return cl_address_resolve(explicit_addr, out, outlen);
}

int cl_address_resolve_connect_note(const char *explicit_addr, char *out, size_t outlen, char *note,
                                    size_t notelen)
{
    return cl_address_resolve_connect_in(explicit_addr, NULL, out, outlen, note, notelen);
}

int cl_address_resolve_connect(const char *explicit_addr, char *out, size_t outlen)
{
    return cl_address_resolve(explicit_addr, out, outlen);
}

/* Pipes: the server's DACL and FILE_FLAG_FIRST_PIPE_INSTANCE stop a squatter
 * (see pipesec.h); there is no directory to check. */
int cl_sock_check(const char *path, cl_sock_trust *trust, char *why, size_t whylen)
{
    (void)path;
    trust->dir_uid = 0;
    if (whylen > 0)
        why[0] = '\0';
    return CL_SOCK_OK;
}

int cl_sock_check_peer(int fd, const char *path, const cl_sock_trust *trust, char *why,
                       size_t whylen)
{
    (void)fd;
    (void)path;
    (void)trust;
    if (whylen > 0)
        why[0] = '\0';
    return 0;
}

int cl_sock_dir_ok(const char *dir, unsigned long uid, unsigned mode, int delegated, char *why,
                   size_t whylen)
{
    (void)dir;
    (void)uid;
    (void)mode;
    (void)delegated;
    if (whylen > 0)
        why[0] = '\0';
    return 0;
}
