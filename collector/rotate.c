/* rotate.c - rotation naming and renames (POSIX rename replaces atomically). */
#include "rotate.h"

#include <errno.h>
#include <stdio.h>
#include "fsutil.h"

int cl_rotate_name(const char *base, int i, char *out, size_t outlen)
{
    int n = i == 0 ? snprintf(out, outlen, "%s", base) : snprintf(out, outlen, "%s.%d", base, i);

    return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

int cl_rotate_shift(const char *base, int keep)
{
    char from[4096], to[4096];

    if (keep <= 0)
        return (remove(base) == 0 || errno == ENOENT) ? 0 : -1;
    for (int i = keep - 1; i >= 0; i--) {
        if (cl_rotate_name(base, i, from, sizeof from) ||
            cl_rotate_name(base, i + 1, to, sizeof to)) {
            errno = ENAMETOOLONG;
            return -1;
        }
        /* Windows' rename() does not replace; this does, everywhere. */
        if (cl_rename_replace(from, to) != 0 && errno != ENOENT)
            return -1;
    }
    return 0;
}
