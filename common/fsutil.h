/* fsutil.h - small filesystem helpers shared by the collector and tools,
 * with POSIX (fsutil_posix.c) and Win32 (fsutil_win32.c) versions. */
#ifndef CL_FSUTIL_H
#define CL_FSUTIL_H

/* Creates the directory that will hold path (and its parents) with mode.
 * Returns 0, or -1 with errno set. */
int cl_mkdir_parents(const char *path, unsigned mode);

/* Renames from to to, replacing to if it exists. Returns 0, or -1 with errno
 * (ENOENT when from does not exist). */
int cl_rename_replace(const char *from, const char *to);

/* Opens (creating with mode 0640 on POSIX) for appending; returns a file
 * descriptor usable with write/fstat/close, or -1 with errno. */
int cl_open_append(const char *path);

#endif
