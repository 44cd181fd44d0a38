/* platform_posix.c - platform.h on POSIX. */
#include "platform.h"

#include <errno.h>
#include <pwd.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
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

/* This user, root, and for root under sudo the user who ran sudo: whoever
 * else owns a file could have written anything in it. */
static int trusted_owner(uid_t u)
{
    const char *s = getenv("SUDO_UID");
    char *end;
    unsigned long v;

    if (u == 0 || u == geteuid())
        return 1;
    if (geteuid() != 0 || s == NULL || *s == '\0')
        return 0;
    errno = 0;
    v = strtoul(s, &end, 10);
    return errno == 0 && *end == '\0' && v == (unsigned long)u;
}

static const char *owner_name(uid_t u, char *buf, size_t n)
{
    struct passwd pw, *res = NULL;
    char tmp[1024];

    if (getpwuid_r(u, &pw, tmp, sizeof tmp, &res) == 0 && res != NULL)
        snprintf(buf, n, "uid %u (%s)", (unsigned)u, res->pw_name);
    else
        snprintf(buf, n, "uid %u", (unsigned)u);
    return buf;
}

static int distrust(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Checks one name (lstat): 1 when missing, 0 when trusted, -1 with why. */
static int check_name(const char *name, int is_dir, char *why, size_t whylen)
{
    struct stat sb;
    char who[300];

    if (lstat(name, &sb) != 0)
        return 1;
    if (S_ISLNK(sb.st_mode))
        return distrust(why, whylen, "%s is a symbolic link, not followed for the default", name);
    if (is_dir ? !S_ISDIR(sb.st_mode) : !S_ISREG(sb.st_mode))
        return distrust(why, whylen, "%s is not a %s", name, is_dir ? "directory" : "regular file");
    if (!trusted_owner(sb.st_uid))
        return distrust(why, whylen,
                        "%s belongs to %s, not to you or root, so its owner could have "
                        "written anything in it",
                        name, owner_name(sb.st_uid, who, sizeof who));
    if (sb.st_mode & (S_IWGRP | S_IWOTH))
        return distrust(why, whylen,
                        "%s may be written by others than its owner (mode %04o), so any of "
                        "them could have %s",
                        name, (unsigned)(sb.st_mode & 07777),
                        is_dir ? "put a database there" : "written anything in it");
    return 0;
}

int cli_db_default_trusted(const char *path, char *why, size_t whylen)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    int rc;

    if (slash == NULL || slash == path ||
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path) >= (int)sizeof dir)
        return distrust(why, whylen, "%s: not a path under a directory", path);
    rc = check_name(dir, 1, why, whylen);
    if (rc == 0)
        rc = check_name(path, 0, why, whylen);
    return rc < 0 ? -1 : 0;
}

int cli_file_kind(const char *path, long long *owner)
{
    struct stat sb;

    *owner = -1;
    if (lstat(path, &sb) != 0)
        return errno == ENOENT ? CLI_FK_MISSING : -1;
    *owner = (long long)sb.st_uid;
    if (S_ISLNK(sb.st_mode))
        return CLI_FK_LINK;
    return S_ISREG(sb.st_mode) ? CLI_FK_REGULAR : CLI_FK_OTHER;
}
