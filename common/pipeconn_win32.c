/* pipeconn_win32.c - see pipeconn.h. */
#include "pipeconn.h"

#include <stdlib.h>

#include "clock.h"
#include "pipesec.h"
#include "wstr.h"

HANDLE cl_pipe_connect(const char *name, DWORD wait_ms)
{
    wchar_t *w = cl_wide(name);
    int64_t deadline = cl_mono_ms() + wait_ms;
    HANDLE h = INVALID_HANDLE_VALUE;
    DWORD err;

    if (w == NULL) {
        SetLastError(ERROR_BAD_PATHNAME);
        return INVALID_HANDLE_VALUE;
    }
    for (;;) {
        int64_t left;

        /* Only the rights a producer has (never GENERIC_WRITE, which includes
         * creating pipe instances), and a server squatting on the name may
         * identify the application but not impersonate it. */
        h = CreateFileW(w, CL_PIPE_CLIENT_ACCESS, 0, NULL, OPEN_EXISTING,
                        FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION,
                        NULL);
        if (h != INVALID_HANDLE_VALUE || GetLastError() != ERROR_PIPE_BUSY)
            break;
        /* Every instance is busy: wait for one to be free, then race for it. */
        left = deadline - cl_mono_ms();
        if (left <= 0 || !WaitNamedPipeW(w, (DWORD)left)) {
            SetLastError(ERROR_PIPE_BUSY);
            break;
        }
    }
    err = GetLastError();
    free(w);
    SetLastError(err);
    return h;
}
