/* platform_posix.c - platform.h on POSIX. */
#include "platform.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;

void cli_platform_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}

int cli_is_terminal(FILE *f)
{
    return isatty(fileno(f));
}

int cli_terminal_colors(FILE *f)
{
    const char *term = getenv("TERM");

    return isatty(fileno(f)) && term != NULL && strcmp(term, "dumb") != 0;
}

int cli_terminal_columns(FILE *f)
{
    struct winsize ws;

    if (isatty(fileno(f)) && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0)
        return ws.ws_col;
    return 0;
}

int cli_terminal_utf8(void)
{
    const char *cs;

    setlocale(LC_CTYPE, "");
    cs = nl_langinfo(CODESET);
    return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

static void on_signal(int sig)
{
    stop_signal = sig;
}

void cli_catch_stop(void)
{
    struct sigaction sa;

    /* No SA_RESTART: a signal ends a sleep early, so Ctrl-C is prompt. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cli_stop_requested(void)
{
    return stop_signal != 0;
}

void cli_ignore_broken_pipe(void)
{
    signal(SIGPIPE, SIG_IGN);
}

int cli_reader_gone(FILE *f, int err)
{
    (void)f;
    return err == EPIPE;
}

void cli_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    if (!stop_signal)
        nanosleep(&ts, NULL);
}

long cli_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n > 0 ? n : 1;
}

char *cli_strndup(const char *s, size_t n)
{
    return strndup(s, n);
}

long long cli_file_owner(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 ? (long long)sb.st_uid : -1;
}
