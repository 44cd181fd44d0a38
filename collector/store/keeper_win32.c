/* keeper_win32.c - keeper_os.h on Windows. */
#include "keeper_os.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#include "wstr.h"

void cl_keeper_lower_priority(void)
{
    SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_BELOW_NORMAL);
}

int cl_keeper_list_dir(const char *dir, int (*fn)(const char *name, void *arg), void *arg)
{
    char pattern[4200];
    wchar_t *wp;
    WIN32_FIND_DATAW fd;
    HANDLE f;

    snprintf(pattern, sizeof pattern, "%s\\*", dir);
    if ((wp = cl_wide(pattern)) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    f = FindFirstFileW(wp, &fd);
    free(wp);
    if (f == INVALID_HANDLE_VALUE) {
        errno = GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : ENOENT;
        return errno == 0 ? 0 : -1;
    }
    do {
        char *name = cl_utf8(fd.cFileName);
        int stop;

        if (name == NULL)
            continue;
        stop = strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && fn(name, arg) != 0;
        free(name);
        if (stop)
            break;
    } while (FindNextFileW(f, &fd));
    FindClose(f);
    return 0;
}

int cl_keeper_unlink(const char *path)
{
    wchar_t *w = cl_wide(path);
    DWORD e;

    if (w == NULL) {
        errno = ENOMEM;
        return CL_UNLINK_REFUSED;
    }
    if (DeleteFileW(w)) {
        free(w);
        return CL_UNLINK_DONE;
    }
    e = GetLastError();
    free(w);
    if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND)
        return CL_UNLINK_ABSENT;
    /* ERROR_SHARING_VIOLATION / ERROR_ACCESS_DENIED: a reader holds it. */
    errno = EACCES;
    return CL_UNLINK_REFUSED;
}

int cl_keeper_rename_refused(int err)
{
    /* errno_of (fsutil_win32.c) maps ERROR_SHARING_VIOLATION and
     * ERROR_ACCESS_DENIED to EACCES. */
    return err == EACCES;
}
