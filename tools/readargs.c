/* readargs.c - see readargs.h. */
#include "readargs.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "output.h"

/* The filter options: cli_filter_option knows them by their codes
 * (filter.h), which the table holds in data. */
static int opt_filter(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    cli_readargs *a = ctx;

    return cli_filter_option(&a->f, (int)opt->data, arg, NULL, err, errlen) < 0 ? CLI_USAGE
                                                                                : CLI_OK;
}

static int opt_lines(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    cli_readargs *a = ctx;

    (void)opt;
    a->lines_set = 1;
    if (cli_parse_count(arg, 1, &a->lines) != 0) {
        snprintf(err, errlen, "-n/--lines: '%s' is not a count; use a number 0 or more, or all",
                 arg);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* -e: as journalctl, the last 1000 entries unless -n says otherwise. */
static int opt_pager_end(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    cli_readargs *a = ctx;

    (void)opt, (void)arg, (void)err, (void)errlen;
    a->pager_end = 1;
    if (!a->lines_set)
        a->lines = 1000;
    return CLI_OK;
}

static int opt_limit(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    cli_readargs *a = ctx;

    (void)opt;
    if (cli_parse_count(arg, 0, &a->limit) != 0 || a->limit < 1) {
        snprintf(err, errlen, "--limit: '%s' is not a count; use a number 1 or more", arg);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int opt_output(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    cli_readargs *a = ctx;
    int i = cli_parse_choice(arg, a->formats, a->nformats);

    (void)opt;
    if (i >= 0) {
        a->fmt = i;
        return CLI_OK;
    }
    snprintf(err, errlen, "-o/--output: '%s' is not a format; %s", arg, a->formats_accepted);
    return CLI_USAGE;
}

#define Q CLI_READ_QUERY
#define S CLI_READ_STATS
#define R CLI_READ_REJECTS

/* rejects has -g of its own (plain text in the raw line, not a regex
 * on msg), and no level, app, host or field: a rejected line has
 * none that can be trusted. */
#define OFF(field) offsetof(cli_readargs, field)

static const cli_opt reading_opts[] = {
    { "since", 'S', 1, cli_opt_string, Q | S | R, OFF(since) },
    { "until", 'U', 1, cli_opt_string, Q | S | R, OFF(until) },
    { "level", 'p', 1, opt_filter, Q | S, CLI_OPT_LEVEL },
    { "app", 't', 1, opt_filter, Q | S, CLI_OPT_APP },
    { "host", 0, 1, opt_filter, Q | S, CLI_OPT_HOST },
    { "pid", 0, 1, opt_filter, Q | S | R, CLI_OPT_PID },
    { "grep", 'g', 1, opt_filter, Q | S, CLI_OPT_GREP },
    { "words", 0, 1, opt_filter, Q | S, CLI_OPT_WORDS },
    { "case-sensitive", 0, CLI_ARG_OPTIONAL, opt_filter, Q | S, CLI_OPT_CASE },
    { "field", 0, 1, opt_filter, Q | S, CLI_OPT_FIELD },
    { "lines", 'n', 1, opt_lines, Q | R, 0 },
    { "uid", 0, 1, opt_filter, Q | S, CLI_OPT_UID },
    { "gid", 0, 1, opt_filter, Q | S, CLI_OPT_GID },
    { "sid", 0, 1, opt_filter, Q | S, CLI_OPT_SID },
    { "pager-end", 'e', 0, opt_pager_end, Q, 0 },
    { "quiet", 'q', 0, cli_opt_flag, Q | S | R, OFF(quiet) },
    { "catalog", 'x', 0, cli_opt_flag, Q, OFF(catalog) },
    { "field-values", 'F', 1, cli_opt_string, Q, OFF(field_values) },
    { "field-names", 'N', 0, cli_opt_flag, Q, OFF(field_names) },
    /* journalctl's long names where ours differ (its --field is our -F,
     * but that name is our filter: a value without '=' gets a hint). */
    { "priority", 0, 1, opt_filter, Q | S, CLI_OPT_LEVEL },
    { "identifier", 0, 1, opt_filter, Q | S, CLI_OPT_APP },
    { "fields", 0, 0, cli_opt_flag, Q, OFF(field_names) },
    { "escape-all", 0, 0, cli_opt_flag, Q, OFF(escape_all) },
    { "reverse", 'r', 0, cli_opt_flag, Q | R, OFF(reverse) },
    { "limit", 0, 1, opt_limit, Q | R, 0 },
    { "follow", 'f', 0, cli_opt_flag, Q, OFF(follow) },
    { "output", 'o', 1, opt_output, Q | S | R, 0 },
    { "utc", 0, 0, cli_opt_flag, Q | S | R, OFF(utc) },
    { "explain", 0, 0, cli_opt_flag, Q | S | R, OFF(explain) },
    { "help", 'h', 0, cli_opt_help, Q | S | R, 0 },
};

#undef OFF

#undef Q
#undef S
#undef R

void cli_readargs_init(cli_readargs *a, unsigned cmd)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->formats = cli_format_names;
    a->nformats = CLI_FORMAT_COUNT;
    a->formats_accepted = CLI_FORMATS_ACCEPTED;
    cli_filter_init(&a->f);
    a->lines = -1;
    a->limit = -1;
}

void cli_readargs_free(cli_readargs *a)
{
    cli_filter_free(&a->f);
}

/* Whether the option named by argv element arg (a long name "--x" or the
 * letter c) in the tables takes a value. */
static int takes_value(const cli_opt_group *own, const char *name, size_t len, char c)
{
    const cli_opt_group groups[2] = {
        { reading_opts, sizeof reading_opts / sizeof reading_opts[0], NULL, CLI_ALL_CMDS },
        own != NULL ? *own : (cli_opt_group){ NULL, 0, NULL, 0 },
    };

    for (size_t g = 0; g < 2; g++) {
        for (size_t i = 0; i < groups[g].n; i++) {
            const cli_opt *o = &groups[g].opts[i];

            if (name != NULL ? strlen(o->name) == len && strncmp(o->name, name, len) == 0
                             : o->letter == c)
                return o->has_arg;
        }
    }
    return 0;
}

void cli_readargs_bare_lines(const cli_opt_group *own, int argc, char **argv)
{
    static char ten[] = "--lines=10";

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--") == 0)
            return;
        if ((strcmp(a, "-n") == 0 || strcmp(a, "--lines") == 0) &&
            (i + 1 == argc || (argv[i + 1][0] == '-' && argv[i + 1][1] != '\0'))) {
            argv[i] = ten;
        } else if (a[0] == '-' && a[1] == '-' && a[2] != '\0') {
            /* --name VALUE: skip the value (it may begin with '-'). */
            if (strchr(a, '=') == NULL && takes_value(own, a + 2, strlen(a + 2), 0))
                i++;
        } else if (a[0] == '-' && a[1] != '\0') {
            /* -abc: the first letter that takes a value takes the rest, or
             * the next element when it is the last. */
            for (size_t k = 1; a[k] != '\0'; k++) {
                if (takes_value(own, NULL, 0, a[k])) {
                    i += a[k + 1] == '\0';
                    break;
                }
            }
        }
    }
}

int cli_readargs_parse(cli_readargs *a, const cli_opt_group *own, int argc, char **argv, char *err,
                       size_t errlen)
{
    cli_opt_group groups[2] = {
        { reading_opts, sizeof reading_opts / sizeof reading_opts[0], a, a->cmd },
    };
    /* query, the default command, says more: "centrallog error" means -g. */
    int query = a->cmd == CLI_READ_QUERY, first, rc;

    if (own != NULL)
        groups[1] = *own;
    if (a->cmd != CLI_READ_STATS)
        cli_readargs_bare_lines(own, argc, argv);
    rc = cli_args_parse(groups, own != NULL ? 2 : 1, query ? 0 : CLI_ARGS_NO_OPERANDS, argc, argv,
                        &first, err, errlen);
    if (rc != CLI_OK)
        return rc;
    if (first < argc) {
        snprintf(err, errlen,
                 "unexpected argument '%s'; filters are options, e.g. -g PATTERN (see --help)",
                 argv[first]);
        return CLI_USAGE;
    }
    return cli_filter_times(&a->f, a->since, a->until, a->utc, err, errlen);
}
