/* rotate.c - rotation naming and renames (POSIX rename replaces atomically).
 *
 * A name in the chain may be squatted: in a sticky, world-writable log
 * directory another user can create centrallog.log.1 before us, and rename
 * cannot replace another user's file there. Such a slot moves to a fallback
 * name beside it ("centrallog.log.1~1", up to ~9), chosen the same way at
 * every rotation, so the chain keeps turning and stays bounded by --rotate-keep.
 * When all ten are taken, the file goes to a name nobody can hold in advance,
 * "<name>~<UTC time>[-N]", renamed without replacing anything; those files
 * are counted with the chain and the collector's oldest removed beyond
 * --rotate-keep (another user's files are never touched).
 */
#include "rotate.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "timefmt.h"

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

/* Renames from to "<base>.<i>~<UTC time>[-N]", a name that did not exist:
 * nobody can squat every one in advance, and the rename never replaces what
 * someone creates in the meantime. */
static int rename_unique(const char *base, int i, const char *from, cl_rotate_result *res,
                         char *made, size_t madelen)
{
    char stamp[CL_TS_STAMP_LEN + 1], to[4200];

    cl_utc_stamp(cl_now_us(), stamp);
    for (int n = 1; n <= 1000; n++) {
        int len = n == 1 ? snprintf(to, sizeof to, "%s.%d~%s", base, i, stamp)
                         : snprintf(to, sizeof to, "%s.%d~%s-%d", base, i, stamp, n);

        if (len < 0 || (size_t)len >= sizeof to) {
            errno = ENAMETOOLONG;
            return -1;
        }
        if (cl_rename_noreplace(from, to) == 0) {
            const char *slash = strrchr(to, '/');

            snprintf(made, madelen, "%s", slash != NULL ? slash + 1 : to);
            if (res != NULL) {
                res->unique++;
                if (res->fallbacks++ == 0)
                    snprintf(res->fallback, sizeof res->fallback, "%s", to);
            }
            return 0;
        }
        if (errno == ENOENT)
            return 0; /* nothing to move */
        if (errno != EEXIST)
            return -1;
    }
    errno = EEXIST;
    return -1;
}

/* Whether name (in the directory of base) is "<base>.<digits>~<stamp>...":
 * a name rename_unique makes. */
static int is_unique_name(const char *file, const char *name)
{
    size_t n = strlen(file);
    const char *p;

    if (strncmp(name, file, n) != 0 || name[n] != '.')
        return 0;
    p = name + n + 1;
    if (*p < '0' || *p > '9')
        return 0;
    while (*p >= '0' && *p <= '9')
        p++;
    if (*p++ != '~')
        return 0;
    /* "20261204T134709Z": more than the "~1".."~9" fallbacks. */
    for (int k = 0; k < 8; k++)
        if (p[k] < '0' || p[k] > '9')
            return 0;
    return p[8] == 'T' && strchr(p, 'Z') != NULL;
}

typedef struct uniq_file {
    char name[4400];
    long long mtime; /* ns: several rotations can happen in one second */
} uniq_file;

static int older_first(const void *a, const void *b)
{
    const uniq_file *x = a, *y = b;

    if (x->mtime != y->mtime)
        return x->mtime < y->mtime ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Removes the collector's oldest uniquely named rotated files while, with
 * the chain's files of ours, more than keep remain; never newest, the one
 * this rotation just made (it may reuse a freed name that sorts first). */
static void prune_unique(const char *base, int keep, const char *newest)
{
    char dir[4096], path[4400];
    const char *file = strrchr(base, '/');
    uniq_file *list = NULL;
    size_t count = 0, cap = 0;
    int chain = 0;
    struct dirent *de;
    DIR *d;

    if (file != NULL)
        snprintf(dir, sizeof dir, "%.*s", (int)(file - base == 0 ? 1 : file - base), base);
    else
        snprintf(dir, sizeof dir, ".");
    file = file != NULL ? file + 1 : base;
    if ((d = opendir(dir)) == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        struct stat sb;

        if (!is_unique_name(file, de->d_name))
            continue;
        if (strcmp(de->d_name, newest) == 0) {
            chain++; /* counted, never removed */
            continue;
        }
        if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path)
            continue;
        /* Ours only: a regular file of our user (cl_rotate_target_ok). */
        if (stat(path, &sb) != 0 || !cl_rotate_target_ok(path))
            continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            uniq_file *nl = ncap < 100000 ? realloc(list, ncap * sizeof *nl) : NULL;

            if (nl == NULL)
                break;
            list = nl;
            cap = ncap;
        }
        snprintf(list[count].name, sizeof list[count].name, "%s", path);
#ifdef _WIN32
        list[count++].mtime = (long long)sb.st_mtime * 1000000000LL;
#else
        list[count++].mtime = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
#endif
    }
    closedir(d);
    for (int i = 1; i <= keep; i++) {
        cl_file_id id;

        if (slot_name(base, i, path, sizeof path, NULL) == 0 && cl_file_id_path(path, &id) == 0)
            chain++;
    }
    if (count > 0)
        qsort(list, count, sizeof *list, older_first);
    for (size_t k = 0; k < count && (size_t)chain + (count - k) > (size_t)keep; k++)
        remove(list[k].name);
    free(list);
}

int cl_rotate_shift(const char *base, int keep, cl_rotate_result *res)
{
    char from[4096], to[4096], made[4200] = "";

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
        if (slot_name(base, i + 1, to, sizeof to, res) != 0) {
            if (errno != EEXIST || rename_unique(base, i + 1, from, res, made, sizeof made) != 0)
                return -1;
            continue;
        }
        /* Windows' rename() does not replace; this does, everywhere. */
        if (cl_rename_replace(from, to) != 0 && errno != ENOENT)
            return -1;
    }
    prune_unique(base, keep, made);
    return 0;
}
