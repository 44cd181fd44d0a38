/* platform.h - what the CLI needs from the operating system beyond C11 and
 * SQLite: terminals, Ctrl-C, sleeping, and on Windows UTF-8 arguments and
 * byte-exact output. POSIX in platform_posix.c, Win32 in platform_win32.c;
 * the commands themselves stay portable. */
#ifndef CLI_PLATFORM_H
#define CLI_PLATFORM_H

#include <stdio.h>

/* Called first by main. On Windows: replaces argv by the command line in
 * UTF-8 (the C runtime's argv is in the ANSI code page, which cannot hold
 * every name a filter may need), puts stdout and stderr in binary mode so
 * output is byte for byte what it is on POSIX (LF line ends, as git and
 * ripgrep write), and makes a console show UTF-8. */
void cli_platform_init(int *argc, char ***argv);

/* Whether f is a terminal. */
int cli_is_terminal(FILE *f);

/* Whether f is a terminal that understands ANSI colour sequences (on
 * Windows: a console where virtual-terminal processing could be enabled). */
int cli_terminal_colors(FILE *f);

/* Columns of the terminal f is, or 0 when f is not one. */
int cli_terminal_columns(FILE *f);

/* Whether output may use UTF-8 beyond what the data holds (stats' bars): the
 * locale's codeset on POSIX; on Windows yes, unless a console refused the
 * UTF-8 code page - files and pipes get UTF-8 as everything else we write. */
int cli_terminal_utf8(void);

/* From now on Ctrl-C (and SIGTERM on POSIX, Ctrl-Break/close on Windows)
 * only sets a flag that cli_stop_requested reads: followers end cleanly,
 * closing a JSON array. */
void cli_catch_stop(void);
int cli_stop_requested(void);

/* A reader that goes away (head, less quitting) must surface as a write
 * error, not kill the process: see cli_output_write. */
void cli_ignore_broken_pipe(void);

/* Whether a failed write to f with errno err means the reader went away:
 * EPIPE, or on Windows the EINVAL its C runtime makes of ERROR_NO_DATA on a
 * pipe. */
int cli_reader_gone(FILE *f, int err);

/* Sleeps ms milliseconds, or less when a stop is requested. */
void cli_sleep_ms(int ms);

/* Processors online, at least 1. */
long cli_cpu_count(void);

/* The user ID that owns path (the collector's, for its database), or -1
 * when unknown (always on Windows, where files have SIDs). */
long long cli_file_owner(const char *path);

/* What path names, without following a link (verify): CLI_FK_REGULAR,
 * CLI_FK_MISSING, CLI_FK_LINK (a symbolic link; Windows: a reparse point),
 * CLI_FK_OTHER (a directory, a device ...), or -1 with errno. *owner is
 * its user ID (-1 on Windows, where files have SIDs). */
enum { CLI_FK_REGULAR, CLI_FK_MISSING, CLI_FK_LINK, CLI_FK_OTHER };
int cli_file_kind(const char *path, long long *owner);

/* Whether the CLI may read the database at path, which it found by itself
 * under the current directory (./var/centrallog.db, the collector's default
 * with no collector answering): a directory anyone may use, such as /tmp,
 * is no evidence that the collector wrote it. POSIX, with lstat (no link
 * followed): the directory and, where it exists, the file must be a real
 * directory and a regular file, owned by this user or root (or, for root
 * under sudo, by $SUDO_UID, as git's safe.directory check allows), and
 * writable by nobody else (no group or other write bit). Returns 0 when
 * trusted or when nothing is there (the caller then says it is missing),
 * or -1 with why, a clause that names the file and what is wrong with it.
 * Windows: 0 - see platform_win32.c. */
int cli_db_default_trusted(const char *path, char *why, size_t whylen);

/* strndup(3), which the Windows C runtime lacks. */
char *cli_strndup(const char *s, size_t n);

#endif
