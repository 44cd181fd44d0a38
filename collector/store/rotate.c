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

#include "fsutil.h"
#include "timefmt.h"

#define ROTATE_ALTS 9

int cl_rotate_name(const char *base, int i, char *out, size_t outlen)
{
    int n = i == 0 ? snprintf(out, outlen, "%s", base) : snprintf(out, outlen, "%s.%d", base, i);

    return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

/* Whether a rotated file may land on name, plain and compressed. */
static int target_ok(const char *name)
{
    char gz[4200];

    if (snprintf(gz, sizeof gz, "%s.gz", name) >= (int)sizeof gz)
        return 0;
    return cl_rotate_target_ok(name) && cl_rotate_target_ok(gz);
}

/* The name slot i (>= 1) lives under: "<base>.<i>", or its first fallback
 * that nobody else holds (as itself and with ".gz"). Returns 0, or -1 (errno
 * EEXIST when every name is squatted, ENAMETOOLONG). */
static int slot_name(const char *base, int i, char *out, size_t outlen, cl_rotate_result *res)
{
    for (int alt = 0; alt <= ROTATE_ALTS; alt++) {
        int n = alt == 0 ? snprintf(out, outlen, "%s.%d", base, i)
                         : snprintf(out, outlen, "%s.%d~%d", base, i, alt);

        /* Room for ".gz" too. */
        if (n < 0 || (size_t)n + 3 >= outlen) {
            errno = ENAMETOOLONG;
            return -1;
        }
        if (target_ok(out)) {
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

int cl_rotate_slot_path(const char *base, int i, char *out, size_t outlen)
{
    return slot_name(base, i, out, outlen, NULL);
}

/* Whether the other kind of name of to exists: "<to>.gz" for a plain file
 * (suffix ""), to without ".gz" for a compressed one. */
static int twin_exists(const char *to, const char *suffix)
{
    char twin[4300];
    cl_file_id id;
    size_t n = strlen(to);

    if (suffix[0] == '\0')
        snprintf(twin, sizeof twin, "%s.gz", to);
    else
        snprintf(twin, sizeof twin, "%.*s", (int)(n - strlen(suffix)), to);
    return cl_file_id_path(twin, &id) == 0;
}

/* Renames from to "<base>.<i>~<UTC time>[-N]", a name that did not exist:
 * nobody can squat every one in advance, and the rename never replaces what
 * someone creates in the meantime. */
static int rename_unique(const char *base, int i, const char *from, const char *suffix,
                         cl_rotate_result *res, char *made, size_t madelen)
{
    char stamp[CL_TS_STAMP_LEN + 1], to[4200];

    cl_utc_stamp(cl_now_us(), stamp);
    for (int n = 1; n <= 1000; n++) {
        int len = n == 1 ? snprintf(to, sizeof to, "%s.%d~%s%s", base, i, stamp, suffix)
                         : snprintf(to, sizeof to, "%s.%d~%s-%d%s", base, i, stamp, n, suffix);

        if (len < 0 || (size_t)len >= sizeof to - 3) {
            errno = ENAMETOOLONG;
            return -1;
        }
        /* Free as a pair: the plain name of a file gzipped since (or the
         * other way round) must not be taken by another file. */
        if (twin_exists(to, suffix))
            continue;
        if (cl_rename_noreplace(from, to) == 0) {
            snprintf(made, madelen, "%s", to);
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
    int64_t mtime;
} uniq_file;

static int older_first(const void *a, const void *b)
{
    const uniq_file *x = a, *y = b;

    if (x->mtime != y->mtime)
        return x->mtime < y->mtime ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The last component of path. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL ? slash + 1 : path;
}

/* Whether a file (any kind) is at path. */
static int exists(const char *path)
{
    cl_file_id id;

    return cl_file_id_path(path, &id) == 0;
}

/* Whether slot i holds a file, plain or compressed. */
static int slot_used(const char *base, int i)
{
    char path[4200], gz[4300];

    if (slot_name(base, i, path, sizeof path, NULL) != 0)
        return 0;
    snprintf(gz, sizeof gz, "%s.gz", path);
    return exists(path) || exists(gz);
}

/* The directory of base and its file name within it. */
static const char *split_base(const char *base, char *dir, size_t dirlen)
{
    const char *file = strrchr(base, '/');

    if (file != NULL)
        snprintf(dir, dirlen, "%.*s", (int)(file - base == 0 ? 1 : file - base), base);
    else
        snprintf(dir, dirlen, ".");
    return file != NULL ? file + 1 : base;
}

/* Removes the collector's oldest uniquely named rotated files while, with
 * the chain's files of ours, more than keep remain; never the ones this
 * rotation just made (made[0..1]: it may reuse a freed name that sorts
 * first). */
static void prune_unique(const char *base, int keep, char made[2][4200], cl_rotate_moved_fn moved,
                         void *arg)
{
    char dir[4096], path[4400];
    const char *file = split_base(base, dir, sizeof dir);
    uniq_file *list = NULL;
    size_t count = 0, cap = 0;
    int chain = 0;
    struct dirent *de;
    DIR *d;

    if ((d = opendir(dir)) == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        cl_file_id id;

        if (!is_unique_name(file, de->d_name))
            continue;
        if (strcmp(de->d_name, base_name(made[0])) == 0 ||
            strcmp(de->d_name, base_name(made[1])) == 0) {
            chain++; /* counted, never removed */
            continue;
        }
        if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path)
            continue;
        /* Ours only: a regular file of our user (cl_rotate_target_ok). */
        if (cl_file_id_path(path, &id) != 0 || !cl_rotate_target_ok(path))
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
        /* µs: several rotations can happen in one second. */
        list[count++].mtime = id.mtime_us;
    }
    closedir(d);
    for (int i = 1; i <= keep; i++)
        chain += slot_used(base, i);
    if (count > 0)
        qsort(list, count, sizeof *list, older_first);
    for (size_t k = 0; k < count && (size_t)chain + (count - k) > (size_t)keep; k++)
        if (cl_remove(list[k].name) == 0 && moved != NULL)
            moved(arg, list[k].name, NULL);
    free(list);
}

/* Moves what slot i holds (i == 0: base itself) into slot i + 1: the plain
 * and the compressed file each to the same kind of name, and whatever kind
 * the destination held that nothing replaces is dropped (the oldest file). */
static int move_slot(const char *base, int i, cl_rotate_result *res, char made[2][4200],
                     cl_rotate_moved_fn moved, void *arg)
{
    static const char *const suffix[2] = { "", ".gz" };
    char from[2][4300], to[2][4300], stem[4200];
    int have[2], rc = i == 0 ? cl_rotate_name(base, 0, stem, sizeof stem)
                             : slot_name(base, i, stem, sizeof stem, NULL);

    if (rc != 0 && errno == ENAMETOOLONG)
        return -1;
    if (rc != 0)
        return 0; /* every name of slot i is someone else's: nothing of ours */
    for (int v = 0; v < 2; v++) {
        snprintf(from[v], sizeof from[v], "%s%s", stem, suffix[v]);
        /* The live file is never compressed: base.gz is not ours. */
        have[v] = (i > 0 || v == 0) && exists(from[v]);
    }
    if (!have[0] && !have[1])
        return 0;
    if (slot_name(base, i + 1, stem, sizeof stem, res) != 0) {
        if (errno != EEXIST)
            return -1;
        for (int v = 0; v < 2; v++) {
            if (have[v] &&
                rename_unique(base, i + 1, from[v], suffix[v], res, made[v], sizeof made[v]) != 0)
                return -1;
            if (have[v] && made[v][0] != '\0') {
                if (moved != NULL)
                    moved(arg, from[v], made[v]);
                if (i == 0 && res != NULL)
                    snprintf(res->rotated, sizeof res->rotated, "%.4199s", made[v]);
            }
        }
        return 0;
    }
    for (int v = 0; v < 2; v++) {
        snprintf(to[v], sizeof to[v], "%s%s", stem, suffix[v]);
        if (!have[v])
            continue;
        /* Windows' rename() does not replace; this does, everywhere. */
        if (cl_rename_replace(from[v], to[v]) != 0) {
            if (errno != ENOENT)
                return -1;
            continue;
        }
        if (moved != NULL)
            moved(arg, from[v], to[v]);
        if (i == 0 && res != NULL)
            snprintf(res->rotated, sizeof res->rotated, "%s", to[v]);
    }
    for (int v = 0; v < 2; v++)
        if (!have[v] && cl_remove(to[v]) == 0 && moved != NULL)
            moved(arg, to[v], NULL);
    return 0;
}

int cl_rotate_shift_ex(const char *base, int keep, cl_rotate_result *res, cl_rotate_moved_fn moved,
                       void *arg)
{
    char made[2][4200] = { "", "" };

    if (res != NULL)
        memset(res, 0, sizeof *res);
    if (keep <= 0)
        return (cl_remove(base) == 0 || errno == ENOENT) ? 0 : -1;
    for (int i = keep - 1; i >= 0; i--)
        if (move_slot(base, i, res, made, moved, arg) != 0)
            return -1;
    prune_unique(base, keep, made, moved, arg);
    return 0;
}

int cl_rotate_shift(const char *base, int keep, cl_rotate_result *res)
{
    return cl_rotate_shift_ex(base, keep, res, NULL, NULL);
}

int cl_rotate_list(const char *base, int keep, cl_rotated_file **out, size_t *n)
{
    char dir[4096], path[4400];
    const char *file = split_base(base, dir, sizeof dir);
    cl_rotated_file *list = NULL;
    size_t count = 0, cap = 0;
    struct dirent *de;
    DIR *d;

    *out = NULL;
    *n = 0;
    /* Slots first (newest first), then the unique names in directory order. */
    for (int i = 1; i <= keep; i++) {
        for (int v = 0; v < 2; v++) {
            char stem[4200];

            if (slot_name(base, i, stem, sizeof stem, NULL) != 0)
                break;
            snprintf(path, sizeof path, "%s%s", stem, v ? ".gz" : "");
            if (!exists(path) || !cl_rotate_target_ok(path))
                continue;
            if (count == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                cl_rotated_file *nl = realloc(list, ncap * sizeof *nl);

                if (nl == NULL)
                    goto nomem;
                list = nl;
                cap = ncap;
            }
            snprintf(list[count].path, sizeof list[count].path, "%s", path);
            list[count].slot = i;
            list[count++].compressed = v;
        }
    }
    if ((d = opendir(dir)) == NULL)
        goto done;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);

        if (!is_unique_name(file, de->d_name) ||
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path ||
            !cl_rotate_target_ok(path))
            continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            cl_rotated_file *nl = ncap < 100000 ? realloc(list, ncap * sizeof *nl) : NULL;

            if (nl == NULL) {
                closedir(d);
                goto nomem;
            }
            list = nl;
            cap = ncap;
        }
        snprintf(list[count].path, sizeof list[count].path, "%s", path);
        list[count].slot = 0;
        list[count++].compressed = len > 3 && strcmp(de->d_name + len - 3, ".gz") == 0;
    }
    closedir(d);
done:
    *out = list;
    *n = count;
    return 0;
nomem:
    free(list);
    errno = ENOMEM;
    return -1;
}
