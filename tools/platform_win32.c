/* platform_win32.c - platform.h on Windows. */
#include "platform.h"

#include "cmdline.h"
#include "wstr.h"

#include <windows.h>

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdlib.h>
#include <string.h>

#ifndef ENABLE_VIRTUAL_TERMINAL_PROCESSING
#define ENABLE_VIRTUAL_TERMINAL_PROCESSING 0x0004
#endif

static volatile LONG stop_flag;
static int console_utf8 = 1; /* everything we write is UTF-8 */

static HANDLE handle_of(FILE *f)
{
    return (HANDLE)_get_osfhandle(_fileno(f));
}

void cli_platform_init(int *argc, char ***argv)
{
    DWORD mode;

    cl_args_utf8(argc, argv);
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stderr), _O_BINARY);
    if (GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &mode) ||
        GetConsoleMode(GetStdHandle(STD_ERROR_HANDLE), &mode))
        console_utf8 = cl_console_utf8(); /* else: ASCII bars */
}

int cli_is_terminal(FILE *f)
{
    DWORD mode;

    /* _isatty is true for NUL too; a console handle is what we mean. */
    return GetConsoleMode(handle_of(f), &mode) != 0;
}

int cli_terminal_colors(FILE *f)
{
    HANDLE h = handle_of(f);
    DWORD mode;

    if (!GetConsoleMode(h, &mode))
        return 0;
    /* Windows 10 and later interpret ANSI sequences once asked to. */
    return (mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING) ||
           SetConsoleMode(h, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING);
}

int cli_terminal_columns(FILE *f)
{
    CONSOLE_SCREEN_BUFFER_INFO info;

    if (!GetConsoleScreenBufferInfo(handle_of(f), &info))
        return 0;
    return info.srWindow.Right - info.srWindow.Left + 1;
}

int cli_terminal_utf8(void)
{
    return console_utf8;
}

static BOOL WINAPI on_ctrl(DWORD type)
{
    (void)type; /* Ctrl-C, Ctrl-Break, the console closing: all mean stop */
    InterlockedExchange(&stop_flag, 1);
    return TRUE;
}

void cli_catch_stop(void)
{
    SetConsoleCtrlHandler(on_ctrl, TRUE);
}

int cli_stop_requested(void)
{
    return InterlockedCompareExchange(&stop_flag, 0, 0) != 0;
}

void cli_ignore_broken_pipe(void)
{
    /* Nothing to do: Windows has no SIGPIPE; see cli_reader_gone. */
}

int cli_reader_gone(FILE *f, int err)
{
    unsigned long os = (unsigned long)_doserrno;

    /* A pipe whose reader has gone fails with ERROR_NO_DATA, which the C
     * runtime maps to EINVAL, not EPIPE (and Wine's leaves _doserrno 0):
     * EINVAL from a write to a pipe means the same. */
    return err == EPIPE || (err == EINVAL && (os == ERROR_NO_DATA || os == ERROR_BROKEN_PIPE ||
                                              GetFileType(handle_of(f)) == FILE_TYPE_PIPE));
}

void cli_sleep_ms(int ms)
{
    /* Sleep cannot be interrupted by the control handler: nap in slices. */
    while (ms > 0 && !cli_stop_requested()) {
        int nap = ms < 50 ? ms : 50;

        Sleep((DWORD)nap);
        ms -= nap;
    }
}

long cli_cpu_count(void)
{
    SYSTEM_INFO si;

    GetSystemInfo(&si);
    return si.dwNumberOfProcessors > 0 ? (long)si.dwNumberOfProcessors : 1;
}

char *cli_strndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = malloc(len + 1);

    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

long long cli_file_owner(const char *path)
{
    (void)path;
    return -1;
}

/* Not checked: a folder's owner is often the Administrators group rather
 * than the user, so owner SIDs alone would refuse ordinary data folders,
 * and who may write is the folder's (inherited) ACL, not one mode. The
 * default ./var is relative to the current folder, as on POSIX; the
 * folders every user may write (C:\Users\Public, C:\ProgramData) are
 * where to pass --db instead. */
int cli_db_default_trusted(const char *path, char *why, size_t whylen)
{
    (void)path;
    (void)why;
    (void)whylen;
    return 0;
}

int cli_file_kind(const char *path, long long *owner)
{
    wchar_t *w = cl_wide(path);
    DWORD a;

    *owner = -1;
    if (w == NULL) {
        errno = ENOMEM;
        return -1;
    }
    a = GetFileAttributesW(w);
    free(w);
    if (a == INVALID_FILE_ATTRIBUTES) {
        DWORD e = GetLastError();

        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND)
            return CLI_FK_MISSING;
        errno = EIO;
        return -1;
    }
    if (a & FILE_ATTRIBUTE_REPARSE_POINT)
        return CLI_FK_LINK;
    return (a & FILE_ATTRIBUTE_DIRECTORY) ? CLI_FK_OTHER : CLI_FK_REGULAR;
}
