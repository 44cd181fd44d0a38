/* pager.c - pager.h: which pager, and when not, the same on every system;
 * running one is pager_posix.c's or pager_win32.c's. */
#include "pager.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"

int cli_pager_secure(void)
{
    const char *v = cl_getenv("CENTRALLOG_PAGERSECURE");

    if (v != NULL && (strcmp(v, "0") == 0 || strcmp(v, "no") == 0 || strcmp(v, "false") == 0))
        return 0;
    if (v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0))
        return 1;
    return cli_pager_elevated();
}

const char *cli_pager_command(void)
{
    const char *env[] = { "CENTRALLOG_PAGER", "PAGER" };

    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++) {
        const char *v = cl_getenv(env[i]);

        if (v == NULL)
            continue;
        /* Set but empty, or cat: the user asked for no pager. */
        if (v[0] == '\0' || strcmp(v, "cat") == 0)
            return NULL;
        /* Elevated: the command is not run (pager.h, secure mode); only the
         * default pager, itself in secure mode. */
        return cli_pager_secure() ? cli_pager_default : v;
    }
    return cli_pager_default;
}

/* A terminal that cannot run a pager (an editor's shell buffer), as
 * journalctl judges it. */
int cli_pager_dumb_terminal(void)
{
    const char *term = cl_getenv("TERM");

    return term != NULL && strcmp(term, "dumb") == 0;
}

int cli_pager_less_options(int jump_to_end, char *out, size_t size)
{
    const char *opts = cl_getenv("CENTRALLOG_LESS");
    int n;

    if (opts == NULL)
        opts = cl_getenv("LESS");
    if (opts == NULL)
        opts = "FRSXMK";
    n = snprintf(out, size, "%s%s", opts, jump_to_end ? " +G" : "");
    return n >= 0 && (size_t)n < size ? 0 : -1;
}

int cli_pager_less_quits_on_interrupt(const char *opts)
{
    return strchr(opts, 'K') != NULL || strstr(opts, "quit-on-intr") != NULL;
}
