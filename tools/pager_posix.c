/* pager_posix.c - pager.h on POSIX: a child process reading a pipe. */
#include "pager.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"
#include "platform.h"

/* No pager named: less, else more, else a copy of our own (pager.h). */
const char *const cli_pager_default = "";

int cli_pager_elevated(void)
{
    const char *sudo = getenv("SUDO_UID"), *pkexec = getenv("PKEXEC_UID");

    return getuid() != geteuid() || getgid() != getegid() || (sudo != NULL && sudo[0] != '\0') ||
           (pkexec != NULL && pkexec[0] != '\0');
}

/* The pager's environment: less's options (pager.h), decided by the
 * parent. Runs in the child, before exec. */
static void less_env(const char *less_opts)
{
    setenv("LESS", less_opts, 1);
    if (getenv("LESSCHARSET") == NULL && cli_terminal_utf8())
        setenv("LESSCHARSET", "utf-8", 1);
}

/* Whether path is a file we may execute (not a directory). */
static int executable(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Whether the program name can be run: a path that is executable, or a
 * name found executable in a directory of $PATH. */
static int runnable(const char *name)
{
    const char *path = getenv("PATH"), *p;
    char full[4096];

    if (strchr(name, '/') != NULL)
        return executable(name);
    for (p = path != NULL ? path : "/usr/bin:/bin"; p != NULL;) {
        const char *colon = strchr(p, ':');
        size_t len = colon != NULL ? (size_t)(colon - p) : strlen(p);
        /* An empty element is the current directory, as for execvp. */
        int n = len == 0 ? snprintf(full, sizeof full, "./%s", name)
                         : snprintf(full, sizeof full, "%.*s/%s", (int)len, p, name);

        if (n > 0 && (size_t)n < sizeof full && executable(full))
            return 1;
        p = colon != NULL ? colon + 1 : NULL;
    }
    return 0;
}

/* The program a pager command names: its first word into out, when that
 * word is a plain file name (no quote, expansion or assignment, which only
 * sh can read) and not one of sh's own words. Returns 1 when it is one,
 * else 0. */
static int command_program(const char *cmd, char *out, size_t size)
{
    static const char *const shell_words[] = { "exec", "command", "eval", "builtin", "time",
                                               "if",   "case",    "for",  "while",   "until",
                                               ".",    "set",     "trap", "export" };
    size_t n;

    cmd += strspn(cmd, " \t");
    n = strcspn(cmd, " \t");
    if (n == 0 || n >= size ||
        strspn(cmd, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789_./+-@%,:") < n)
        return 0;
    memcpy(out, cmd, n);
    out[n] = '\0';
    return cli_parse_choice(out, shell_words, sizeof shell_words / sizeof shell_words[0]) < 0;
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
static void run_pager(const char *cmd, const char *less_opts, int secure)
{
    /* Our ignored SIGPIPE would be inherited through exec. */
    signal(SIGPIPE, SIG_DFL);
    less_env(less_opts);
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

/* Which pager runs: "" for the default when the command's program cannot
 * be found (pager.h); *is_less tells whether it is less, whose options
 * decide what Ctrl-C does. */
static const char *choose(const char *cmd, int secure, int *is_less)
{
    char prog[1024];
    const char *base;

    if (!secure && cmd[0] != '\0' && command_program(cmd, prog, sizeof prog)) {
        if (!runnable(prog))
            cmd = cli_pager_default;
        base = strrchr(prog, '/');
        *is_less = strcmp(base != NULL ? base + 1 : prog, "less") == 0;
    }
    if (secure || cmd[0] == '\0')
        *is_less = runnable("less");
    return secure ? cli_pager_default : cmd;
}

static pid_t pager_pid = -1;
static int sigint_ignored;
static struct sigaction saved_sigint;

int cli_pager_open(int jump_to_end)
{
    const char *cmd = cli_pager_command();
    char less_opts[1024];
    int fds[2], secure, is_less = 0;
    pid_t pid;

    if (pager_pid > 0 || cmd == NULL || !isatty(STDOUT_FILENO) || cli_pager_dumb_terminal())
        return 0;
    /* Decided before fork: the child only execs. */
    secure = cli_pager_secure();
    cmd = choose(cmd, secure, &is_less);
    if (cli_pager_less_options(jump_to_end, less_opts, sizeof less_opts) != 0)
        snprintf(less_opts, sizeof less_opts, "%s", jump_to_end ? "FRSXMK +G" : "FRSXMK");
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
        run_pager(cmd, less_opts, secure);
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
    /* Ctrl-C reaches the whole foreground group. less without K keeps
     * running: we must too, or the shell's prompt comes back under it. */
    if (is_less && !cli_pager_less_quits_on_interrupt(less_opts)) {
        struct sigaction ign;

        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        sigint_ignored = sigaction(SIGINT, &ign, &saved_sigint) == 0;
    }
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
    if (sigint_ignored) {
        sigaction(SIGINT, &saved_sigint, NULL);
        sigint_ignored = 0;
    }
}
