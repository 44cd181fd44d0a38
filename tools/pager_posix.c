/* pager_posix.c - pager.h on POSIX: a child process reading a pipe. */
#include "pager.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform.h"

/* No pager named: less, else more, else a copy of our own (pager.h). */
const char *const cli_pager_default = "";

static pid_t pager_pid = -1;

int cli_pager_elevated(void)
{
    const char *sudo = getenv("SUDO_UID"), *pkexec = getenv("PKEXEC_UID");

    return getuid() != geteuid() || getgid() != getegid() || (sudo != NULL && sudo[0] != '\0') ||
           (pkexec != NULL && pkexec[0] != '\0');
}

/* The pager's environment: journalctl's less options unless the user has
 * their own; "+G" for -e. Runs in the child, before exec. */
static void less_env(int jump_to_end)
{
    const char *less = getenv("LESS");
    char opts[1024];

    if (less == NULL)
        less = "FRSXMK";
    if (jump_to_end && snprintf(opts, sizeof opts, "%s +G", less) < (int)sizeof opts)
        less = opts;
    setenv("LESS", less, 1);
    if (getenv("LESSCHARSET") == NULL && cli_terminal_utf8())
        setenv("LESSCHARSET", "utf-8", 1);
}

/* No pager program at all: pass the input through, so the output is
 * still seen. */
static void copy_through(void)
{
    char buf[65536];
    ssize_t n;

    while ((n = read(STDIN_FILENO, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
        for (ssize_t off = 0; n > 0 && off < n;) {
            ssize_t w = write(STDOUT_FILENO, buf + off, (size_t)(n - off));

            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                _exit(0);
            off += w;
        }
    }
    _exit(0);
}

/* The child: reads the pipe as its stdin and becomes the pager. */
static void run_pager(const char *cmd, int jump_to_end, int secure)
{
    /* Our ignored SIGPIPE would be inherited through exec. */
    signal(SIGPIPE, SIG_DFL);
    less_env(jump_to_end);
    if (secure) {
        /* No shell, editor, pipe or log file from less for an elevated
         * user (pager.h); more has no such mode, so it is never tried. */
        setenv("LESSSECURE", "1", 1);
        execlp("less", "less", (char *)NULL);
        copy_through();
    }
    if (cmd[0] != '\0') {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    execlp("less", "less", (char *)NULL);
    execlp("more", "more", (char *)NULL);
    copy_through();
}

int cli_pager_open(int jump_to_end)
{
    const char *cmd = cli_pager_command();
    int fds[2], secure;
    pid_t pid;

    if (pager_pid > 0 || cmd == NULL || !isatty(STDOUT_FILENO) || cli_pager_dumb_terminal())
        return 0;
    /* Decided before fork: the child only execs. */
    secure = cli_pager_secure();
    fflush(stdout);
    if (pipe(fds) != 0)
        return 0;
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return 0;
    }
    if (pid == 0) {
        if (dup2(fds[0], STDIN_FILENO) < 0)
            _exit(127);
        close(fds[0]);
        close(fds[1]);
        run_pager(cmd, jump_to_end, secure);
    }
    /* A pager that quits before the end makes writes fail (EPIPE), which
     * ends a listing normally, instead of killing us with SIGPIPE. */
    cli_ignore_broken_pipe();
    if (dup2(fds[1], STDOUT_FILENO) < 0) {
        close(fds[0]);
        close(fds[1]);
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        return 0;
    }
    close(fds[0]);
    close(fds[1]);
    pager_pid = pid;
    return 1;
}

void cli_pager_close(void)
{
    int status, devnull;

    if (pager_pid <= 0)
        return;
    /* A pager gone already makes this fail: nothing is lost that it wanted. */
    fflush(stdout);
    /* The pager sees the end of its input when the pipe's last write end
     * closes; stdout stays a valid stream (exit flushes it) on /dev/null. */
    if ((devnull = open("/dev/null", O_WRONLY)) >= 0) {
        dup2(devnull, STDOUT_FILENO);
        close(devnull);
    } else {
        close(STDOUT_FILENO);
    }
    while (waitpid(pager_pid, &status, 0) < 0 && errno == EINTR)
        ;
    pager_pid = -1;
}
