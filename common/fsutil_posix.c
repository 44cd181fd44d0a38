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
    return open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

long cl_pread(int fd, void *buf, size_t n, uint64_t off)
{
    return (long)pread(fd, buf, n, (off_t)off);
}

int cl_truncate_fd(int fd, uint64_t len)
{
    return ftruncate(fd, (off_t)len);
}

static void fill_id(const struct stat *sb, cl_file_id *id)
{
    id->dev = (uint64_t)sb->st_dev;
    id->ino = (uint64_t)sb->st_ino;
    id->size = (uint64_t)sb->st_size;
    id->is_dir = S_ISDIR(sb->st_mode);
}

int cl_file_id_fd(int fd, cl_file_id *id)
{
    struct stat sb;

    if (fstat(fd, &sb) != 0)
        return -1;
    fill_id(&sb, id);
    return 0;
}

int cl_file_id_path(const char *path, cl_file_id *id)
{
    struct stat sb;

    if (stat(path, &sb) != 0)
        return -1;
    fill_id(&sb, id);
    return 0;
}
