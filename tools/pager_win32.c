/* pager_win32.c - pager.h on Windows: the pager the user named, through
 * _popen. There is no default: the console's more shows neither colours
 * nor UTF-8 well, and blocks Ctrl-C. */
#include "pager.h"

#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

/* No pager named: none (see the top of this file). */
const char *const cli_pager_default = NULL;

/* No sudo nor pkexec here, but Windows' own sudo sets nothing we could
 * read either: elevation is only what the user says
 * (CENTRALLOG_PAGERSECURE); secure mode means no pager at all, as there is
 * no default one. */
int cli_pager_elevated(void)
{
    return 0;
}

static FILE *pager;
static int saved_stdout = -1;

int cli_pager_open(int jump_to_end)
{
    const char *cmd = cli_pager_command();
    char less[1024] = "LESS="; /* _putenv copies it */

    if (pager != NULL || cmd == NULL || !cli_is_terminal(stdout) || cli_pager_dumb_terminal())
        return 0;
    if (cli_pager_less_options(jump_to_end, less + 5, sizeof less - 5) == 0)
        _putenv(less);
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
