/* pager_win32.c - pager.h on Windows: the pager the user named, through
 * _popen. There is no default: the console's more shows neither colours
 * nor UTF-8 well, and blocks Ctrl-C. */
#include "pager.h"

#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "platform.h"

static FILE *pager;
static int saved_stdout = -1;

const char *cli_pager_command(void)
{
    const char *env[] = { "CENTRALLOG_PAGER", "PAGER" };

    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++) {
        const char *v = cl_getenv(env[i]);

        if (v == NULL)
            continue;
        return v[0] == '\0' || strcmp(v, "cat") == 0 ? NULL : v;
    }
    return NULL;
}

/* A terminal that cannot run a pager (an editor's shell buffer), as
 * journalctl judges it. */
static int dumb_terminal(void)
{
    const char *term = cl_getenv("TERM");

    return term != NULL && strcmp(term, "dumb") == 0;
}

int cli_pager_open(int jump_to_end)
{
    const char *cmd = cli_pager_command();

    if (pager != NULL || cmd == NULL || !cli_is_terminal(stdout) || dumb_terminal())
        return 0;
    if (getenv("LESS") == NULL)
        _putenv(jump_to_end ? "LESS=FRSXMK +G" : "LESS=FRSXMK");
    fflush(stdout);
    if ((pager = _popen(cmd, "wb")) == NULL)
        return 0;
    saved_stdout = _dup(_fileno(stdout));
    if (saved_stdout < 0 || _dup2(_fileno(pager), _fileno(stdout)) != 0) {
        _pclose(pager);
        pager = NULL;
        return 0;
    }
    return 1;
}

void cli_pager_close(void)
{
    if (pager == NULL)
        return;
    fflush(stdout);
    /* The pager sees the end of its input only when no descriptor of the
     * pipe is left open: put the console back on stdout first. */
    _dup2(saved_stdout, _fileno(stdout));
    _close(saved_stdout);
    _pclose(pager);
    pager = NULL;
}
