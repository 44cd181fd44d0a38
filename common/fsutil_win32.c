/* fsutil_win32.c - file system helpers with UTF-8 paths converted to wide
 * strings for the Win32 calls. */
#include "fsutil.h"

#include <windows.h>

#include <errno.h>
#include <io.h>
#include <stdlib.h>
#include <string.h>

static wchar_t *to_wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;

    if (w != NULL)
        MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

int cl_mkdir_parents(const char *path, unsigned mode)
{
    wchar_t *w = to_wide(path);
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

int cl_rename_replace(const char *from, const char *to)
{
    wchar_t *wf = to_wide(from), *wt = to_wide(to);
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
    wchar_t *w = to_wide(path);
    HANDLE h;
    int fd;

    if (w == NULL) {
        errno = ENOMEM;
        return -1;
    }
    /* FILE_SHARE_DELETE lets the file be renamed (rotated) while readers
     * such as a tail have it open. */
    h = CreateFileW(w, FILE_APPEND_DATA | SYNCHRONIZE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                    NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        errno = GetLastError() == ERROR_ACCESS_DENIED ? EACCES : ENOENT;
        return -1;
    }
    fd = _open_osfhandle((intptr_t)h, 0);
    if (fd < 0)
        CloseHandle(h);
    return fd;
}
