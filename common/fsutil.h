/* fsutil.h - small filesystem helpers shared by the collector and tools,
 * with POSIX (fsutil_posix.c) and Win32 (fsutil_win32.c) versions. */
#ifndef CL_FSUTIL_H
#define CL_FSUTIL_H

#include <stddef.h>
#include <stdint.h>

/* write(), close() and friends on descriptors: <unistd.h> on POSIX, the C
 * runtime's <io.h> on Windows. */
#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

/* Creates the directory that will hold path (and its parents) with mode.
 * Returns 0, or -1 with errno set. */
int cl_mkdir_parents(const char *path, unsigned mode);

/* Renames from to to, replacing to if it exists. Returns 0, or -1 with errno
 * (ENOENT when from does not exist). */
int cl_rename_replace(const char *from, const char *to);

/* Opens for reading and appending, creating it (mode 0640 on POSIX; on
 * Windows shared for reading, writing and deletion, so that the file can be
 * rotated while a reader holds it). Returns a descriptor for
 * write/close and the helpers below, or -1 with errno. */
int cl_open_append(const char *path);

/* Reads n bytes at offset off without moving the write position. Returns
 * the bytes read or -1. */
long cl_pread(int fd, void *buf, size_t n, uint64_t off);

/* Cuts the file to len bytes. Returns 0 or -1. */
int cl_truncate_fd(int fd, uint64_t len);

/* Which file a descriptor or a path names, to notice that a path now names
 * another file (rotated or removed behind our back). */
typedef struct cl_file_id {
    uint64_t dev, ino;
    uint64_t size;
    int is_dir;
} cl_file_id;
/* Both return 0, or -1 with errno (ENOENT: no such file). Paths are UTF-8 on
 * every platform. */
int cl_file_id_fd(int fd, cl_file_id *id);
int cl_file_id_path(const char *path, cl_file_id *id);

#endif
