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
