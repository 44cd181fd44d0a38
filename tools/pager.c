/* pager.c - pager.h: which pager, and when not, the same on every system;
 * running one is pager_posix.c's or pager_win32.c's. */
#include "pager.h"

#include <stddef.h>
#include <string.h>

#include "cmdline.h"

const char *cli_pager_command(void)
{
    const char *env[] = { "CENTRALLOG_PAGER", "PAGER" };

    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++) {
        const char *v = cl_getenv(env[i]);

        if (v == NULL)
            continue;
        /* Set but empty, or cat: the user asked for no pager. */
        return v[0] == '\0' || strcmp(v, "cat") == 0 ? NULL : v;
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
