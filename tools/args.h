/* args.h - the option parser of the subcommands: a table of options, each
 * with the function that applies its value, over getopt_long(3); and the
 * number parsers every option uses (strtoll, never atoi: "12x", "", " 1"
 * and out-of-range values are refused, not read as something else).
 *
 * A command passes one or more groups: a table, the context its functions
 * work on, and which of the table's options this command accepts (so that
 * query, tail, stats and rejects share one table, readargs.h). The parser
 * never prints: errors come back as one line in err, ready for cli_fail. */
#ifndef CLI_ARGS_H
#define CLI_ARGS_H

#include <stddef.h>

/* What an option function returns besides CLI_OK, CLI_USAGE (err filled) and
 * CLI_FAILED (err filled, e.g. out of memory): --help was asked for. */
#define CLI_ARGS_HELP (-1)

typedef struct cli_opt cli_opt;

/* Applies option opt with its value arg (NULL for a flag) to ctx. */
typedef int (*cli_opt_fn)(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen);

struct cli_opt {
    const char *name; /* --name */
    char letter;      /* -x, or 0 for none */
    int has_arg;      /* 1: takes a value (arg), 0: a flag (arg NULL), CLI_ARG_OPTIONAL:
                         --name=VALUE or bare --name (arg NULL) */
    cli_opt_fn apply;
    unsigned cmds; /* the commands (bits of cli_opt_group.cmd) that accept it */
    size_t data;   /* for apply: the offsetof() of the field it sets, or a code */
};

typedef struct cli_opt_group {
    const cli_opt *opts;
    size_t n;
    void *ctx;    /* passed to the options' functions */
    unsigned cmd; /* the options with cmds & cmd are accepted */
} cli_opt_group;

#define CLI_ARG_OPTIONAL 2 /* has_arg: the value is optional, given as --name=VALUE */
#define CLI_ALL_CMDS (~0u)
#define CLI_ARGS_MAX 64 /* options in all groups of one command together */

enum {
    CLI_ARGS_PERMUTE = 0,     /* options anywhere, as getopt_long does */
    CLI_ARGS_IN_ORDER = 1,    /* options stop at the first operand ('+'), so that in
                               `send took -p 2h` the -p is part of the message */
    CLI_ARGS_NO_OPERANDS = 2, /* an operand is a usage error */
};

/* Parses argv[1..argc) (argv[0] is the command's name), flags from the enum
 * above. Returns CLI_OK with *first_operand (may be NULL with
 * CLI_ARGS_NO_OPERANDS) the index of the first argument that is not an option,
 * CLI_ARGS_HELP, or CLI_USAGE / CLI_FAILED with err (e.g. "unknown option
 * '--frobnicate'; see --help" or what an option function said). */
int cli_args_parse(const cli_opt_group *groups, size_t ngroups, int flags, int argc, char **argv,
                   int *first_operand, char *err, size_t errlen);

/* Stock option functions: -h/--help (returns CLI_ARGS_HELP); a flag that
 * sets the int at offset data in ctx to 1; a value kept as the const char *
 * at offset data (pointing into argv). */
int cli_opt_help(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen);
int cli_opt_flag(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen);
int cli_opt_string(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen);
/* -o/--output text|json: 0 or 1 into the int at offset data. */
int cli_opt_text_json(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen);

/* The index of s in names[0..n), or -1: for options that take one of a
 * few words (-o text|json, --by minute|hour|day). */
int cli_parse_choice(const char *s, const char *const *names, size_t n);

/* A count for -n/--limit and the like: digits only, or "all" when
 * allow_all (-1). Returns 0 or -1. */
int cli_parse_count(const char *s, int allow_all, long long *out);

/* A whole number in [lo, hi], in decimal with an optional '-'. Returns 0,
 * or -1 for anything else (empty, other characters, out of range). */
int cli_parse_long(const char *s, long long lo, long long hi, long long *out);

#endif
