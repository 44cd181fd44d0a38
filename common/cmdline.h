/* cmdline.h - a program's arguments and console in UTF-8, on every platform.
 *
 * Every path and name inside CentralLog is UTF-8. On POSIX argv already is
 * (bytes, as the user typed them). On Windows the C runtime's argv is in the
 * ANSI code page, which cannot hold most of Unicode ("C:\logs\日志" arrives
 * as "C:\logs\??"), so programs replace it with the wide command line
 * converted to UTF-8 (cmdline_win32.c), and ask a console to show UTF-8. */
#ifndef CL_CMDLINE_H
#define CL_CMDLINE_H

#include <stdlib.h>

#ifdef _WIN32
/* Replaces *argc and *argv by the command line in UTF-8 (kept for the life of
 * the process); leaves them as they are if that fails. */
void cl_args_utf8(int *argc, char ***argv);

/* getenv(name) in UTF-8 (the C runtime's is in the ANSI code page). The
 * string lives as long as the process. For the main thread at start-up
 * (paths from CENTRALLOG_DB, CENTRALLOG_DATA_DIR): not thread-safe. */
const char *cl_getenv(const char *name);

/* Sets the console's output code page to UTF-8 when stdout or stderr is a
 * console. Returns 1 if so, 0 if there is no console or it refused. */
int cl_console_utf8(void);
#else
static inline void cl_args_utf8(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}

static inline const char *cl_getenv(const char *name)
{
    return getenv(name);
}

static inline int cl_console_utf8(void)
{
    return 0;
}
#endif

#endif
