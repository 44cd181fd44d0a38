/* fsutil_posix.c - mkdir -p for a file's directory. */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cl_mkdir_parents(const char *path, unsigned mode)
{
    char dir[4096];
    char *slash;

    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, (mode_t)mode) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return (mkdir(dir, (mode_t)mode) == 0 || errno == EEXIST) ? 0 : -1;
}

int cl_rename_replace(const char *from, const char *to)
{
    /* POSIX rename replaces the target atomically. */
    return rename(from, to);
}

int cl_open_append(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}
