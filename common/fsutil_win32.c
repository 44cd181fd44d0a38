/* fsutil_win32.c - file system helpers with UTF-8 paths converted to wide
 * strings for the Win32 calls. */
#include "fsutil.h"
#include "wstr.h"

#include <windows.h>

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The errno a caller can explain: "no such file" for every way a path can
 * name nothing. */
static int errno_of(DWORD e)
{
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_NETPATH:
    case ERROR_BAD_NET_NAME:
    case ERROR_INVALID_DRIVE:
    case ERROR_NOT_READY:
        return ENOENT;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
        return EACCES;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
        return EEXIST;
    default:
        return EIO;
    }
}

/* The C runtime descriptor of CreateFileW(path, access, share, how), with
 * crt_flags (_O_APPEND, _O_RDONLY, ...); -1 with errno. */
static int open_fd(const char *path, DWORD access, DWORD share, DWORD how, int crt_flags)
{
    wchar_t *w = cl_wide(path);
    HANDLE h;
    int fd;

    if (w == NULL) {
        errno = ENOMEM;
        return -1;
    }
    h = CreateFileW(w, access, share, NULL, how, FILE_ATTRIBUTE_NORMAL, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        errno = errno_of(GetLastError());
        return -1;
    }
    fd = _open_osfhandle((intptr_t)h, crt_flags | _O_BINARY);
    if (fd < 0)
        CloseHandle(h);
    return fd;
}

int cl_mkdir_parents(const char *path, unsigned mode)
{
    wchar_t *w = cl_wide(path);
    wchar_t *last = NULL;

    (void)mode; /* ACLs are inherited from the parent directory */
    if (w == NULL) {
        errno = ENOMEM;
        return -1;
    }
    for (wchar_t *p = w; *p; p++) {
        if (*p == L'/' || *p == L'\\')
            last = p;
    }
    if (last != NULL) {
        *last = L'\0';
        for (wchar_t *p = w + 1; *p; p++) {
            if ((*p == L'/' || *p == L'\\') && p[-1] != L':') {
                wchar_t c = *p;

                *p = L'\0';
                CreateDirectoryW(w, NULL);
                *p = c;
            }
        }
        if (!CreateDirectoryW(w, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
            free(w);
            errno = EACCES;
            return -1;
        }
    }
    free(w);
    return 0;
}

int cl_rename_noreplace(const char *from, const char *to)
{
    wchar_t *wf = cl_wide(from), *wt = cl_wide(to);
    int rc = -1;

    errno = ENOMEM;
    /* Without MOVEFILE_REPLACE_EXISTING the move fails if to exists. */
    if (wf != NULL && wt != NULL) {
        if (MoveFileExW(wf, wt, 0))
            rc = 0;
        else
            errno = errno_of(GetLastError());
    }
    free(wf);
    free(wt);
    return rc;
}

int cl_rename_replace(const char *from, const char *to)
{
    wchar_t *wf = cl_wide(from), *wt = cl_wide(to);
    int rc = -1;

    if (wf != NULL && wt != NULL) {
        /* Another process (an editor, a tail) may hold the file for a
         * moment without FILE_SHARE_DELETE: retry briefly. */
        for (int attempt = 0; attempt < 20; attempt++) {
            if (MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING)) {
                rc = 0;
                break;
            }
            if (GetLastError() == ERROR_FILE_NOT_FOUND || GetLastError() == ERROR_PATH_NOT_FOUND) {
                errno = ENOENT;
                break;
            }
            errno = EACCES;
            Sleep(50);
        }
    }
    free(wf);
    free(wt);
    return rc;
}

int cl_open_append(const char *path)
{
    /* FILE_SHARE_DELETE lets the file be renamed (rotated) while readers
     * such as a tail have it open; _O_APPEND: the C runtime moves to the end
     * before every write. */
    return open_fd(path, GENERIC_READ | GENERIC_WRITE,
                   FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, OPEN_ALWAYS, _O_APPEND);
}

long cl_pread(int fd, void *buf, size_t n, uint64_t off)
{
    OVERLAPPED ov;
    DWORD got;

    memset(&ov, 0, sizeof ov);
    ov.Offset = (DWORD)off;
    ov.OffsetHigh = (DWORD)(off >> 32);
    if (!ReadFile((HANDLE)_get_osfhandle(fd), buf, (DWORD)n, &got, &ov))
        return -1;
    return (long)got;
}

int cl_truncate_fd(int fd, uint64_t len)
{
    HANDLE h = (HANDLE)_get_osfhandle(fd);
    LARGE_INTEGER at;

    at.QuadPart = (LONGLONG)len;
    return (SetFilePointerEx(h, at, NULL, FILE_BEGIN) && SetEndOfFile(h)) ? 0 : -1;
}

static void fill_id(const BY_HANDLE_FILE_INFORMATION *fi, cl_file_id *id)
{
    id->dev = fi->dwVolumeSerialNumber;
    id->ino = ((uint64_t)fi->nFileIndexHigh << 32) | fi->nFileIndexLow;
    id->size = ((uint64_t)fi->nFileSizeHigh << 32) | fi->nFileSizeLow;
    id->is_dir = (fi->dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
    /* FILETIME: 100 ns units since 1601-01-01. */
    id->mtime_us = (int64_t)((((uint64_t)fi->ftLastWriteTime.dwHighDateTime << 32) |
                              fi->ftLastWriteTime.dwLowDateTime) /
                             10) -
                   11644473600000000LL;
}

int cl_file_id_fd(int fd, cl_file_id *id)
{
    BY_HANDLE_FILE_INFORMATION fi;

    if (!GetFileInformationByHandle((HANDLE)_get_osfhandle(fd), &fi))
        return -1;
    fill_id(&fi, id);
    return 0;
}

int cl_file_id_path(const char *path, cl_file_id *id)
{
    wchar_t *w = cl_wide(path);
    BY_HANDLE_FILE_INFORMATION fi;
    HANDLE h;
    int rc = -1;

    if (w == NULL) {
        errno = ENOMEM;
        return -1;
    }
    h = CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                    OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        errno = errno_of(GetLastError());
        return -1;
    }
    if (GetFileInformationByHandle(h, &fi)) {
        fill_id(&fi, id);
        rc = 0;
    } else {
        errno = errno_of(GetLastError());
    }
    CloseHandle(h);
    return rc;
}

/* On Windows the directory's ACL (inherited from the data directory) is what
 * protects the files, and reparse points need privileges to create: the
 * POSIX mode checks have no counterpart. */
int cl_dir_check(const char *path, int *shared, char *why, size_t whylen)
{
    (void)path;
    (void)why;
    (void)whylen;
    *shared = 0;
    return 0;
}

int cl_open_log(const char *path, int nofollow, char *why, size_t whylen)
{
    cl_file_id id;
    int fd;

    (void)nofollow;
    if (cl_file_id_path(path, &id) == 0 && id.is_dir) {
        snprintf(why, whylen, "%s is a directory, not a regular file", path);
        errno = EISDIR;
        return -1;
    }
    fd = cl_open_append(path);
    if (fd < 0) {
        snprintf(why, whylen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (GetFileType((HANDLE)_get_osfhandle(fd)) != FILE_TYPE_DISK) {
        snprintf(why, whylen, "%s is not a regular file: the text log must be one", path);
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

int cl_db_path_check(const char *db, char *why, size_t whylen)
{
    cl_file_id id;

    if (cl_file_id_path(db, &id) == 0 && id.is_dir) {
        snprintf(why, whylen, "%s is a directory, not a database file", db);
        errno = EISDIR;
        return -1;
    }
    return 0;
}

int cl_rotate_target_ok(const char *path)
{
    cl_file_id id;

    if (cl_file_id_path(path, &id) != 0)
        return errno == ENOENT;
    return !id.is_dir;
}

int cl_fs_space(const char *path, uint64_t *total, uint64_t *avail)
{
    wchar_t *w = cl_wide(path);
    ULARGE_INTEGER free_to_us, size, free_all;
    BOOL ok;

    if (w == NULL) {
        errno = ENOMEM;
        return -1;
    }
    ok = GetDiskFreeSpaceExW(w, &free_to_us, &size, &free_all);
    if (!ok) {
        /* The call wants a directory: try the one that holds a file. */
        wchar_t *last = NULL;

        for (wchar_t *p = w; *p; p++)
            if (*p == L'/' || *p == L'\\')
                last = p;
        if (last != NULL)
            last[1] = L'\0';
        ok = GetDiskFreeSpaceExW(last != NULL ? w : L".", &free_to_us, &size, &free_all);
    }
    if (!ok)
        errno = errno_of(GetLastError());
    free(w);
    if (!ok)
        return -1;
    *total = size.QuadPart;
    *avail = free_to_us.QuadPart;
    return 0;
}

int cl_fsync_fd(int fd)
{
    if (FlushFileBuffers((HANDLE)_get_osfhandle(fd)))
        return 0;
    errno = errno_of(GetLastError());
    return -1;
}

int cl_fsync_dir_of(const char *path)
{
    (void)path;
    return 0;
}

int cl_open_read_shared(const char *path)
{
    return open_fd(path, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                   OPEN_EXISTING, _O_RDONLY);
}

int cl_set_mtime_fd(int fd, int64_t mtime_us)
{
    uint64_t t = (uint64_t)(mtime_us + 11644473600000000LL) * 10; /* 100 ns since 1601 */
    FILETIME ft;

    ft.dwLowDateTime = (DWORD)t;
    ft.dwHighDateTime = (DWORD)(t >> 32);
    if (SetFileTime((HANDLE)_get_osfhandle(fd), NULL, NULL, &ft))
        return 0;
    errno = errno_of(GetLastError());
    return -1;
}

int cl_remove(const char *path)
{
    wchar_t *w = cl_wide(path);
    BOOL ok;

    if (w == NULL) {
        errno = ENOMEM;
        return -1;
    }
    ok = DeleteFileW(w);
    if (!ok)
        errno = errno_of(GetLastError());
    free(w);
    return ok ? 0 : -1;
}

int cl_create_new(const char *path)
{
    return open_fd(path, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE, CREATE_NEW, _O_WRONLY);
}

char *cl_path_absolute(const char *path)
{
    wchar_t *w = cl_wide(path), *full = NULL;
    DWORD n = w != NULL ? GetFullPathNameW(w, 0, NULL, NULL) : 0;
    char *out = NULL;

    if (path[0] == '\0') {
        free(w);
        return _strdup(path);
    }
    /* GetFullPathNameW also resolves "." and ".." and takes both slashes. */
    if (n > 0 && (full = malloc(n * sizeof *full)) != NULL &&
        GetFullPathNameW(w, n, full, NULL) > 0)
        out = cl_utf8(full);
    free(full);
    free(w);
    return out;
}
