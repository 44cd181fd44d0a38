/* cmdline_win32.c - cmdline.h on Windows. */
#include "cmdline.h"

#include <windows.h>

#include <shellapi.h>
#include <stdlib.h>

void cl_args_utf8(int *argc, char ***argv)
{
    int n;
    wchar_t **w = CommandLineToArgvW(GetCommandLineW(), &n);
    char **out;

    if (w == NULL)
        return;
    out = calloc((size_t)n + 1, sizeof *out);
    for (int i = 0; out != NULL && i < n; i++) {
        int len = WideCharToMultiByte(CP_UTF8, 0, w[i], -1, NULL, 0, NULL, NULL);

        if (len <= 0 || (out[i] = malloc((size_t)len)) == NULL) {
            for (int k = 0; k < i; k++)
                free(out[k]);
            free(out);
            out = NULL; /* keep the runtime's argv rather than half of one */
            break;
        }
        WideCharToMultiByte(CP_UTF8, 0, w[i], -1, out[i], len, NULL, NULL);
    }
    LocalFree(w);
    if (out != NULL) {
        *argc = n;
        *argv = out;
    }
}

int cl_console_utf8(void)
{
    DWORD mode;

    if (!GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &mode) &&
        !GetConsoleMode(GetStdHandle(STD_ERROR_HANDLE), &mode))
        return 0;
    return SetConsoleOutputCP(CP_UTF8) != 0;
}
