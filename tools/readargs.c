/* readargs.c - see readargs.h. */
#include "readargs.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "output.h"
#include "timefmt.h"

/* The filter options: cli_filter_option knows them by their letters and
 * codes (filter.h). */
static int filter_opt(cli_readargs *a, int code, const char *arg, char *err, size_t errlen)
{
    return cli_filter_option(&a->f, code, arg, NULL, err, errlen) < 0 ? CLI_USAGE : CLI_OK;
}

static int opt_since(void *ctx, const char *arg, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    ((cli_readargs *)ctx)->since = arg; /* parsed after the loop: --utc may follow */
    return CLI_OK;
}

static int opt_until(void *ctx, const char *arg, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    ((cli_readargs *)ctx)->until = arg;
    return CLI_OK;
}

static int opt_level(void *ctx, const char *arg, char *err, size_t errlen)
{
    return filter_opt(ctx, CLI_OPT_LEVEL, arg, err, errlen);
}

static int opt_app(void *ctx, const char *arg, char *err, size_t errlen)
{
    return filter_opt(ctx, CLI_OPT_APP, arg, err, errlen);
}

static int opt_host(void *ctx, const char *arg, char *err, size_t errlen)
{
    return filter_opt(ctx, CLI_OPT_HOST, arg, err, errlen);
}

static int opt_pid(void *ctx, const char *arg, char *err, size_t errlen)
{
    return filter_opt(ctx, CLI_OPT_PID, arg, err, errlen);
}

static int opt_grep(void *ctx, const char *arg, char *err, size_t errlen)
{
    return filter_opt(ctx, CLI_OPT_GREP, arg, err, errlen);
}

static int opt_field(void *ctx, const char *arg, char *err, size_t errlen)
{
    return filter_opt(ctx, CLI_OPT_FIELD, arg, err, errlen);
}

static int opt_lines(void *ctx, const char *arg, char *err, size_t errlen)
{
    cli_readargs *a = ctx;

    a->lines_set = 1;
    if (cli_parse_count(arg, 1, &a->lines) != 0) {
        snprintf(err, errlen, "-n/--lines: '%s' is not a count; use a number 0 or more, or all",
                 arg);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int opt_limit(void *ctx, const char *arg, char *err, size_t errlen)
{
    cli_readargs *a = ctx;

    if (cli_parse_count(arg, 0, &a->limit) != 0 || a->limit < 1) {
        snprintf(err, errlen, "--limit: '%s' is not a count; use a number 1 or more", arg);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int opt_reverse(void *ctx, const char *arg, char *err, size_t errlen)
{
    (void)arg, (void)err, (void)errlen;
    ((cli_readargs *)ctx)->reverse = 1;
    return CLI_OK;
}

static int opt_follow(void *ctx, const char *arg, char *err, size_t errlen)
{
    (void)arg, (void)err, (void)errlen;
    ((cli_readargs *)ctx)->follow = 1;
    return CLI_OK;
}

static int opt_output(void *ctx, const char *arg, char *err, size_t errlen)
{
    cli_readargs *a = ctx;
    int i = cli_parse_choice(arg, a->formats, a->nformats);

    if (i >= 0) {
        a->fmt = i;
        return CLI_OK;
    }
    snprintf(err, errlen, "-o/--output: '%s' is not a format; %s", arg, a->formats_accepted);
    return CLI_USAGE;
}

static int opt_utc(void *ctx, const char *arg, char *err, size_t errlen)
{
    (void)arg, (void)err, (void)errlen;
    ((cli_readargs *)ctx)->utc = 1;
    return CLI_OK;
}

static int opt_explain(void *ctx, const char *arg, char *err, size_t errlen)
{
    (void)arg, (void)err, (void)errlen;
    ((cli_readargs *)ctx)->explain = 1;
    return CLI_OK;
}

#define Q CLI_READ_QUERY
#define S CLI_READ_STATS
#define R CLI_READ_REJECTS

/* rejects has -g of its own (plain text in the raw line, not full-text
 * search of msg), and no level, app, host or field: a rejected line has
 * none that can be trusted. */
static const cli_opt reading_opts[] = {
    { "since", 'S', 1, opt_since, Q | S | R },
    { "until", 'U', 1, opt_until, Q | S | R },
    { "level", 'p', 1, opt_level, Q | S },
    { "app", 't', 1, opt_app, Q | S },
    { "host", 0, 1, opt_host, Q | S },
    { "pid", 0, 1, opt_pid, Q | S | R },
    { "grep", 'g', 1, opt_grep, Q | S },
    { "field", 0, 1, opt_field, Q | S },
    { "lines", 'n', 1, opt_lines, Q | R },
    { "reverse", 'r', 0, opt_reverse, Q | R },
    { "limit", 0, 1, opt_limit, Q | R },
    { "follow", 'f', 0, opt_follow, Q },
    { "output", 'o', 1, opt_output, Q | S | R },
    { "utc", 0, 0, opt_utc, Q | S | R },
    { "explain", 0, 0, opt_explain, Q | S | R },
    { "help", 'h', 0, cli_opt_help, Q | S | R },
};

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

int cli_readargs_parse(cli_readargs *a, const cli_opt_group *own, int argc, char **argv,
                       char *err, size_t errlen)
{
    cli_opt_group groups[2] = {
        { reading_opts, sizeof reading_opts / sizeof reading_opts[0], a, a->cmd },
    };
    int first, rc;

    if (own != NULL)
        groups[1] = *own;
    rc = cli_args_parse(groups, own != NULL ? 2 : 1, CLI_ARGS_PERMUTE, argc, argv, &first, err,
                        errlen);
    if (rc != CLI_OK)
        return rc;
    if (first < argc) {
        snprintf(err, errlen, "unexpected argument '%s'; %s", argv[first],
                 a->cmd == CLI_READ_QUERY ? "filters are options, e.g. -g WORDS (see --help)"
                                          : "see --help");
        return CLI_USAGE;
    }
    return cli_filter_times(&a->f, a->since, a->until, a->utc, err, errlen);
}
