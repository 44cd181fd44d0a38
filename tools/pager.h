/* pager.h - paging the output of a reading command, as journalctl does.
 *
 * On a terminal, query, stats and rejects write through a pager: the command
 * in $CENTRALLOG_PAGER, else $PAGER, else less(1). Either variable set to ""
 * or "cat" means no pager. less gets journalctl's options in $LESS
 * ("FRSXMK": quit when the output fits one screen, show colours, chop long
 * lines, keep the screen, long prompt, quit on Ctrl-C) unless $LESS is set
 * already; $CENTRALLOG_LESS, as journalctl's $SYSTEMD_LESS, overrides both;
 * "+G" is added to start at the end (-e). Never a pager when stdout is not
 * a terminal, on a dumb one (TERM=dumb), with --no-pager, or when
 * following.
 *
 * POSIX (pager_posix.c): the pager is a child process reading a pipe that
 * becomes our stdout; a command from the environment runs through sh -c,
 * the default tries less, then more, then copies its input itself. A
 * command whose program is not found (its first word, when a plain one)
 * falls back to that default, as journalctl's does, rather than lose the
 * output. A pager that quits early makes our writes fail with EPIPE
 * (SIGPIPE is ignored), the normal end of a listing (cli_reader_gone):
 * exit status 0. With less told not to quit on Ctrl-C (its options without
 * K), the CLI ignores SIGINT while less runs, as journalctl does: Ctrl-C
 * then belongs to less (it stops a search), and the CLI does not die
 * leaving less and the shell to fight over the terminal.
 * Windows (pager_win32.c): $CENTRALLOG_PAGER or $PAGER through _popen; no
 * default pager (the console's more neither shows colours nor UTF-8 well).
 *
 * Secure mode, as systemd's pager (CVE-2023-26604): a CLI run through sudo
 * or pkexec, or set-user/group-ID, must not hand the elevated user a shell
 * through the pager (less's !, |, v, :e; more's !). There the environment's
 * pager command is ignored (it is the invoking user's, or a shell command
 * anyway), less runs with LESSSECURE=1, more is never tried, and on Windows
 * there is no pager. CENTRALLOG_PAGERSECURE=0 trusts the environment's
 * pager again, =1 forces secure mode. */
#ifndef CLI_PAGER_H
#define CLI_PAGER_H

#include <stddef.h>

/* The pager to use when stdout is a terminal: NULL for none (disabled by
 * the environment, or no default on this system), "" for the built-in
 * default (less), else a shell command. (pager.c) */
const char *cli_pager_command(void);

/* Secure mode (above): 1 or 0. (pager.c) */
int cli_pager_secure(void);

/* Whether this process runs elevated for another user: sudo, pkexec, or a
 * set-user/group-ID bit (pager_posix.c, pager_win32.c). */
int cli_pager_elevated(void);

/* What cli_pager_command gives when neither variable is set: "" on POSIX,
 * NULL on Windows (defined by pager_posix.c, pager_win32.c). */
extern const char *const cli_pager_default;

/* The options for less's $LESS (above): $CENTRALLOG_LESS, else $LESS,
 * else "FRSXMK"; " +G" appended when jump_to_end. Writes them to out and
 * returns 0, or -1 when they do not fit in size bytes. (pager.c) */
int cli_pager_less_options(int jump_to_end, char *out, size_t size);

/* Whether less with these options quits on Ctrl-C (K, --quit-on-intr).
 * (pager.c) */
int cli_pager_less_quits_on_interrupt(const char *opts);

/* TERM=dumb: never a pager. (pager.c) */
int cli_pager_dumb_terminal(void);

/* Starts the pager (cli_pager_command) when stdout is a terminal; stdout
 * then writes to it. jump_to_end: start at the end of the output (less
 * +G). Returns 1 when a pager runs, 0 when not (not a terminal, disabled,
 * or it could not be started: the output then goes to the terminal). */
int cli_pager_open(int jump_to_end);

/* Flushes stdout, closes it and waits for the pager to exit (the user
 * quits it), so that the shell's prompt comes back after it. Nothing when
 * no pager runs. */
void cli_pager_close(void);

#endif
