/* readargs.h - the options of the reading commands (query, tail, stats,
 * rejects), in one table (readargs.c) so that every command spells and
 * checks -S/-U/-p/-t/--host/--pid/-g/--field, -n, --limit, -r, -o, --utc and
 * --explain the same way. A command adds a table of its own options (stats
 * --by, rejects --reason) as a second group. */
#ifndef CLI_READARGS_H
#define CLI_READARGS_H

#include <stddef.h>

#include "args.h"
#include "filter.h"

/* Which command is parsing: the `cmds` bits of the shared table. */
enum {
    CLI_READ_QUERY = 1u << 0, /* query and tail */
    CLI_READ_STATS = 1u << 1,
    CLI_READ_REJECTS = 1u << 2,
};

typedef struct cli_readargs {
    unsigned cmd; /* CLI_READ_* */
    /* The -o names this command accepts, and what to say when another is
     * given ("use text or json"); the index of the one given goes to fmt. */
    const char *const *formats;
    size_t nformats;
    const char *formats_accepted;
    cli_filter f;
    long long lines; /* -n: -1 all (also when not given; lines_set tells) */
    long long limit; /* --limit: -1 none */
    int lines_set, reverse, follow, utc, explain, fmt;
    const char *since, *until; /* as given: parsed when --utc is known */
    /* journalctl's: -e (pager at the end, -n 1000 unless -n), -q (no notes
     * or warnings on stderr; the exit status still tells), -x (accepted,
     * no catalog here), -F NAME (distinct values), -N (field names). */
    int pager_end, quiet, catalog, field_names, escape_all;
    const char *field_values;
} cli_readargs;

/* Sets the defaults: no filter, all lines, no limit, format 0, and the
 * format names of query's -o unless the command sets its own. */
void cli_readargs_init(cli_readargs *a, unsigned cmd);
void cli_readargs_free(cli_readargs *a);

/* The -n of journalctl: a bare -n (or --lines) - last, or followed by an
 * option - means 10. Rewrites such an argv element to "--lines=10" before
 * the parse; "-n 5" and "-n5" stay as they are. own: the command's own
 * options, whose values are skipped (NULL: none). */
void cli_readargs_bare_lines(const cli_opt_group *own, int argc, char **argv);

/* Parses argv with the shared options, and the command's own group when
 * own is not NULL; refuses operands; then parses -S and -U against the
 * clock, in UTC with --utc. Returns CLI_OK, CLI_ARGS_HELP, or CLI_USAGE /
 * CLI_FAILED with err. */
int cli_readargs_parse(cli_readargs *a, const cli_opt_group *own, int argc, char **argv, char *err,
                       size_t errlen);

#endif
