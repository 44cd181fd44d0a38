/* args.c - see args.h. */
#include "args.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Long options get values above any letter, their index in `found`. */
#define LONG_BASE 0x100

typedef struct found {
    const cli_opt *opt;
    void *ctx;
} found;

/* The options this command accepts, in the tables' order. Returns how many,
 * or -1 when more than CLI_ARGS_MAX. */
static int collect(const cli_opt_group *groups, size_t ngroups, found *out)
{
    int n = 0;

    for (size_t g = 0; g < ngroups; g++) {
        for (size_t i = 0; i < groups[g].n; i++) {
            if (!(groups[g].opts[i].cmds & groups[g].cmd))
                continue;
            if (n == CLI_ARGS_MAX)
                return -1;
            out[n].opt = &groups[g].opts[i];
            out[n++].ctx = groups[g].ctx;
        }
    }
    return n;
}

/* getopt_long's tables for the options found: the short option string
 * (":" first, so that a missing value is told from an unknown option) and
 * the long options. */
static void tables(const found *f, int n, int flags, char *shorts, struct option *longs)
{
    size_t k = 0;

    if (flags & CLI_ARGS_IN_ORDER)
        shorts[k++] = '+';
    shorts[k++] = ':';
    for (int i = 0; i < n; i++) {
        longs[i].name = f[i].opt->name;
        longs[i].has_arg = f[i].opt->has_arg == CLI_ARG_OPTIONAL ? optional_argument
                           : f[i].opt->has_arg                   ? required_argument
                                                                 : no_argument;
        longs[i].flag = NULL;
        longs[i].val = LONG_BASE + i;
        if (f[i].opt->letter != 0) {
            shorts[k++] = f[i].opt->letter;
            if (f[i].opt->has_arg)
                shorts[k++] = ':';
            if (f[i].opt->has_arg == CLI_ARG_OPTIONAL)
                shorts[k++] = ':';
        }
    }
    shorts[k] = '\0';
    memset(&longs[n], 0, sizeof longs[n]);
}

/* The option getopt_long returned c for, or -1. */
static int lookup(const found *f, int n, int c)
{
    if (c >= LONG_BASE && c < LONG_BASE + n)
        return c - LONG_BASE;
    for (int i = 0; i < n; i++) {
        if (f[i].opt->letter != 0 && f[i].opt->letter == c)
            return i;
    }
    return -1;
}

int cli_args_parse(const cli_opt_group *groups, size_t ngroups, int flags, int argc, char **argv,
                   int *first_operand, char *err, size_t errlen)
{
    found f[CLI_ARGS_MAX];
    struct option longs[CLI_ARGS_MAX + 1];
    char shorts[3 + 3 * CLI_ARGS_MAX + 1];
    int n = collect(groups, ngroups, f), c, i, rc;

    if (n < 0) {
        snprintf(err, errlen, "too many options (at most %d)", CLI_ARGS_MAX);
        return CLI_FAILED;
    }
    tables(f, n, flags, shorts, longs);
    /* 0, not 1: glibc then starts afresh, reading the ordering ('+') of
     * this parse's string rather than keeping that of an earlier one. */
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (c == ':') {
            snprintf(err, errlen, "option '%s' needs a value; see --help", argv[optind - 1]);
            return CLI_USAGE;
        }
        if (c == '?' || (i = lookup(f, n, c)) < 0) {
            snprintf(err, errlen, "unknown option '%s'; see --help", argv[optind - 1]);
            return CLI_USAGE;
        }
        rc = f[i].opt->apply(f[i].ctx, f[i].opt, f[i].opt->has_arg ? optarg : NULL, err, errlen);
        if (rc != CLI_OK)
            return rc;
    }
    if ((flags & CLI_ARGS_NO_OPERANDS) && optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'; see --help", argv[optind]);
        return CLI_USAGE;
    }
    if (first_operand != NULL)
        *first_operand = optind;
    return CLI_OK;
}

int cli_opt_help(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    (void)ctx, (void)opt, (void)arg, (void)err, (void)errlen;
    return CLI_ARGS_HELP;
}

int cli_opt_flag(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    (void)arg, (void)err, (void)errlen;
    *(int *)(void *)((char *)ctx + opt->data) = 1;
    return CLI_OK;
}

int cli_opt_string(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    *(const char **)(void *)((char *)ctx + opt->data) = arg;
    return CLI_OK;
}

int cli_opt_text_json(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    static const char *const names[] = { "text", "json" };
    int i = cli_parse_choice(arg, names, 2);

    if (i < 0) {
        snprintf(err, errlen, "-o/--output: '%s' is not a format; use text or json", arg);
        return CLI_USAGE;
    }
    *(int *)(void *)((char *)ctx + opt->data) = i;
    return CLI_OK;
}

int cli_parse_choice(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    }
    return -1;
}

int cli_parse_count(const char *s, int allow_all, long long *out)
{
    if (allow_all && strcmp(s, "all") == 0) {
        *out = -1;
        return 0;
    }
    if (s[0] < '0' || s[0] > '9')
        return -1;
    return cli_parse_long(s, 0, LLONG_MAX, out);
}

int cli_parse_long(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    long long v;

    /* strtoll would skip leading white space and take a '+'. */
    if (!((s[0] >= '0' && s[0] <= '9') || (s[0] == '-' && s[1] >= '0' && s[1] <= '9')))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}
