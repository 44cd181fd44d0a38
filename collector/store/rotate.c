/* rotate.c - rotation naming and renames (POSIX rename replaces atomically).
 *
 * A name in the chain may be squatted: in a sticky, world-writable log
 * directory another user can create centrallog.log.1 before us, and rename
 * cannot replace another user's file there. Such a slot moves to a fallback
 * name beside it ("centrallog.log.1~1", up to ~9), chosen the same way at
 * every rotation, so the chain keeps turning and stays bounded by --rotate-keep.
 */
#include "rotate.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fsutil.h"

#define ROTATE_ALTS 9

int cl_rotate_name(const char *base, int i, char *out, size_t outlen)
{
    int n = i == 0 ? snprintf(out, outlen, "%s", base) : snprintf(out, outlen, "%s.%d", base, i);

    return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

/* The name slot i (>= 1) lives under: "<base>.<i>", or its first fallback
 * that nobody else holds. Returns 0, or -1 (errno EEXIST when every name is
 * squatted, ENAMETOOLONG). */
static int slot_name(const char *base, int i, char *out, size_t outlen, cl_rotate_result *res)
{
    for (int alt = 0; alt <= ROTATE_ALTS; alt++) {
        int n = alt == 0 ? snprintf(out, outlen, "%s.%d", base, i)
                         : snprintf(out, outlen, "%s.%d~%d", base, i, alt);

        if (n < 0 || (size_t)n >= outlen) {
            errno = ENAMETOOLONG;
            return -1;
        }
        if (cl_rotate_target_ok(out)) {
            if (alt > 0 && res != NULL && res->fallbacks++ == 0) {
                snprintf(res->squatted, sizeof res->squatted, "%s.%d", base, i);
                snprintf(res->fallback, sizeof res->fallback, "%s", out);
            }
            return 0;
        }
    }
    errno = EEXIST;
    if (res != NULL)
        snprintf(res->squatted, sizeof res->squatted, "%s.%d", base, i);
    return -1;
}

int cl_rotate_shift(const char *base, int keep, cl_rotate_result *res)
{
    char from[4096], to[4096];

    if (res != NULL)
        memset(res, 0, sizeof *res);
    if (keep <= 0)
        return (remove(base) == 0 || errno == ENOENT) ? 0 : -1;
    for (int i = keep - 1; i >= 0; i--) {
        int rc = i == 0 ? cl_rotate_name(base, 0, from, sizeof from)
                        : slot_name(base, i, from, sizeof from, NULL);

        if (rc != 0 && errno == ENAMETOOLONG)
            return -1;
        if (rc != 0)
            continue; /* every name of slot i is someone else's: nothing of ours */
        if (slot_name(base, i + 1, to, sizeof to, res) != 0)
            return -1;
        /* Windows' rename() does not replace; this does, everywhere. */
        if (cl_rename_replace(from, to) != 0 && errno != ENOENT)
            return -1;
    }
    return 0;
}
