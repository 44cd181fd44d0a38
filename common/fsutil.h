/* fsutil.h - small filesystem helpers shared by the collector and tools,
 * with POSIX (fsutil_posix.c) and Win32 (fsutil_win32.c) versions. */
#ifndef CL_FSUTIL_H
#define CL_FSUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* write(), close() and friends on descriptors: <unistd.h> on POSIX, the C
 * runtime's <io.h> on Windows. */
#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

/* The last directory separator in path - '/', and '\\' too on Windows - or
 * NULL: where a file name starts, and its folder ends. */
static inline const char *cl_path_last_sep(const char *path)
{
    const char *s = strrchr(path, '/');
#ifdef _WIN32
    const char *b = strrchr(path, '\\');

    if (b != NULL && (s == NULL || b > s))
        s = b;
#endif
    return s;
}

/* path made absolute against the current directory (a relative --data-dir,
 * --db or --log-file), as a new string the caller frees; an absolute path
 * is copied as it is, and a leading "./" dropped. So that what the
 * collector reports (status, the CLI finding its database) means the same
 * file from any directory. NULL when out of memory or the current
 * directory cannot be read. */
char *cl_path_absolute(const char *path);

/* Creates the directory that will hold path (and its parents) with mode.
 * On POSIX the path is walked as cl_dir_check does, so a missing directory is
 * never created under (or through) something another user put in place.
 * Returns 0, or -1 with errno set (EPERM: refused; cl_dir_check says why). */
int cl_mkdir_parents(const char *path, unsigned mode);

/* Renames from to to, replacing to if it exists. Returns 0, or -1 with errno
 * (ENOENT when from does not exist). */
int cl_rename_replace(const char *from, const char *to);

/* Renames from to to only if nothing is at to (atomically where the system
 * can: renameat2 RENAME_NOREPLACE, else link+unlink). Returns 0, or -1 with
 * errno (EEXIST: the name is taken). */
int cl_rename_noreplace(const char *from, const char *to);

/* Opens for reading and appending, creating it (mode 0640 on POSIX; on
 * Windows shared for reading, writing and deletion, so that the file can be
 * rotated while a reader holds it). Returns a descriptor for
 * write/close and the helpers below, or -1 with errno. */
int cl_open_append(const char *path);

/* Checks the directory that holds (or will hold) path before the collector
 * writes there. It is reached component by component from "/" without
 * following a link another user could have placed (a link in a directory
 * others may write or not owned by root or us, or owned by another user),
 * nor entering another user's directory inside a directory others may
 * write, nor passing a world-writable directory without the sticky bit.
 * The directory itself must be ours or root's and not writable by everybody
 * without the sticky bit. *shared is set when others than its owner may
 * create names in it (group or world writable): names there are opened
 * without following symbolic links. Returns 0, or -1 with why filled (errno
 * EPERM, or that of the failed lookup). Windows: 0, never shared (ACLs are
 * inherited and checked by the system). */
int cl_dir_check(const char *path, int *shared, char *why, size_t whylen);

/* Opens the collector's text log for reading and appending, creating it
 * (mode 0640) if it is missing. It must be a regular file: a FIFO, device,
 * socket or directory is refused (a stalled reader of a pipe would stop the
 * writer), and it is opened O_NONBLOCK|O_NOCTTY so that even trying cannot
 * block or take a terminal. With nofollow a symbolic link is refused too.
 * An existing file must be the collector's user's own (EPERM otherwise).
 * Returns a descriptor, or -1 with errno and why filled. */
int cl_open_log(const char *path, int nofollow, char *why, size_t whylen);

/* The checks above for a database about to be opened: its directory, and
 * the database, -wal, -shm and -journal files, where they exist, must be
 * regular files owned by the collector's user (not links when the directory
 * is shared). Returns 0, or -1 with why filled. */
int cl_db_path_check(const char *db, char *why, size_t whylen);

/* Whether a rotation may rename a file onto path: 1 when nothing is there
 * or a regular file of ours (our user's, for root too) that rename replaces,
 * 0 when another user's file or a non-regular file squats the name (in a
 * sticky directory rename could not replace it). */
int cl_rotate_target_ok(const char *path);

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
    int64_t mtime_us; /* last modification, µs since the epoch */
} cl_file_id;
/* Both return 0, or -1 with errno (ENOENT: no such file). Paths are UTF-8 on
 * every platform. */
int cl_file_id_fd(int fd, cl_file_id *id);
int cl_file_id_path(const char *path, cl_file_id *id);

/* The size of the filesystem that holds path (an existing file or
 * directory) and the bytes available on it to the collector's user (POSIX:
 * statvfs f_blocks and f_bavail; Windows: GetDiskFreeSpaceExW, which counts
 * the user's quota). Retention keeps --keep-free of it free. Returns 0, or -1
 * with errno. */
int cl_fs_space(const char *path, uint64_t *total, uint64_t *avail);

/* Flushes the file's data to the disk (fsync; Windows: FlushFileBuffers),
 * so that a rename that follows never exposes an incomplete file after a
 * power loss. Returns 0 or -1 with errno. */
int cl_fsync_fd(int fd);

/* Flushes the directory that holds path, so that a rename or unlink in it
 * is durable (POSIX; on Windows NTFS journals its metadata: returns 0).
 * Returns 0 or -1 with errno. */
int cl_fsync_dir_of(const char *path);

/* Sets the modification time of the file open as fd (µs since the epoch):
 * a gzipped copy keeps the time of its last entry, which retention and the
 * order of rotated files go by. Returns 0 or -1 with errno. */
int cl_set_mtime_fd(int fd, int64_t mtime_us);

/* Removes a file (UTF-8 path everywhere: the C runtime's remove() reads an
 * ANSI code page on Windows). Returns 0 or -1 with errno (ENOENT). */
int cl_remove(const char *path);

/* Creates path for writing only if nothing is there (O_CREAT|O_EXCL, so never
 * through a link; mode 0640). Returns a descriptor or -1 with errno
 * (EEXIST: the name is taken). */
int cl_create_new(const char *path);

/* Opens an existing file for reading only. On Windows the file stays
 * renamable and deletable while it is open (FILE_SHARE_DELETE), so that a
 * background reader never holds up the writer's rotation. Returns a
 * descriptor or -1 with errno. */
int cl_open_read_shared(const char *path);

#endif
