/* cmdline_win32.c - cmdline.h on Windows. */
#include "cmdline.h"
#include "wstr.h"

#include <windows.h>

#include <shellapi.h>
#include <stdlib.h>
#include <string.h>

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

/* Values already converted, so that each keeps its address (as getenv's
 * do) and repeated calls cost nothing. */
typedef struct env_value {
    struct env_value *next;
    char *name, *value;
} env_value;

static env_value *env_cache;

const char *cl_getenv(const char *name)
{
    wchar_t wname[256];
    const wchar_t *w;
    env_value *e;

    for (e = env_cache; e != NULL; e = e->next) {
        if (strcmp(e->name, name) == 0)
            return e->value;
    }
    if (!MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 256) || (w = _wgetenv(wname)) == NULL)
        return NULL;
    if ((e = calloc(1, sizeof *e)) == NULL || (e->name = _strdup(name)) == NULL ||
        (e->value = cl_utf8(w)) == NULL) {
        if (e != NULL)
            free(e->name);
        free(e);
        return getenv(name); /* out of memory: the ANSI value is better than none */
    }
    e->next = env_cache;
    env_cache = e;
    return e->value;
}

int cl_console_utf8(void)
{
    DWORD mode;

    if (!GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &mode) &&
        !GetConsoleMode(GetStdHandle(STD_ERROR_HANDLE), &mode))
        return 0;
    return SetConsoleOutputCP(CP_UTF8) != 0;
}
