/* test_cli_args.c - the option parser of the subcommands and its number
 * parsers (tools/args.h), and the reading commands' shared table
 * (tools/readargs.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "args.h"
#include "cli.h"
#include "output.h"
#include "readargs.h"

/* ---------------------------------------------------------------- numbers */

static void test_parse_long(void **state)
{
    long long v = 0;

    (void)state;
    assert_int_equal(cli_parse_long("42", 1, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(cli_parse_long("-5", -10, 10, &v), 0);
    assert_int_equal(v, -5);
    assert_int_equal(cli_parse_long("100", 1, 100, &v), 0);
    /* What atoi would have read as something: all refused, v untouched. */
    v = 7;
    for (const char *const *s = (const char *const[]){ "", "4x", "300ms", " 5", "+5", "5 ", "1e3",
                                                       "0x10", "-", "--1", "abc", NULL };
         *s != NULL; s++) {
        if (cli_parse_long(*s, -1000, 1000, &v) == 0)
            fail_msg("\"%s\" was accepted", *s);
    }
    assert_int_equal(v, 7);
    assert_int_equal(cli_parse_long("0", 1, 100, &v), -1);
    assert_int_equal(cli_parse_long("101", 1, 100, &v), -1);
    assert_int_equal(cli_parse_long("99999999999999999999", 0, INT64_MAX, &v), -1);
}

static void test_parse_count(void **state)
{
    long long v = 0;

    (void)state;
    assert_int_equal(cli_parse_count("10", 0, &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(cli_parse_count("all", 1, &v), 0);
    assert_int_equal(v, -1);
    assert_int_equal(cli_parse_count("all", 0, &v), -1);
    assert_int_equal(cli_parse_count("-1", 1, &v), -1);
    assert_int_equal(cli_parse_count("", 1, &v), -1);
    assert_int_equal(cli_parse_count("1x", 1, &v), -1);
}

static void test_parse_choice(void **state)
{
    (void)state;
    assert_int_equal(cli_parse_choice("json", cli_text_json_formats, 2), 1);
    assert_int_equal(cli_parse_choice("text", cli_text_json_formats, 2), 0);
    assert_int_equal(cli_parse_choice("JSON", cli_text_json_formats, 2), -1);
    assert_int_equal(cli_format_parse("json-pretty"), CLI_FMT_JSON_PRETTY);
    assert_int_equal(cli_format_parse("cat"), CLI_FMT_CAT);
    assert_int_equal(cli_format_parse("yaml"), -1);
}

/* ---------------------------------------------------------------- engine */

typedef struct ctx {
    int flag, seen;
    const char *name;
} ctx;

static int opt_count(void *c, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    (void)opt, (void)arg;
    if (++((ctx *)c)->seen > 2) {
        snprintf(err, errlen, "-c: at most twice");
        return CLI_USAGE;
    }
    return CLI_OK;
}

static const cli_opt table[] = {
    { "flag", 'f', 0, cli_opt_flag, 1, offsetof(ctx, flag) },
    { "name", 'n', 1, cli_opt_string, 1, offsetof(ctx, name) },
    { "count", 'c', 0, opt_count, 1, 0 },
    { "other", 'o', 0, cli_opt_flag, 2, offsetof(ctx, flag) }, /* command 2 only */
    { "help", 'h', 0, cli_opt_help, 3, 0 },
};

/* argv of "cmd" and argc words; returns argc + 1. */
static int make_argv(char **argv, int argc, va_list ap)
{
    argv[0] = "cmd";
    for (int i = 1; i <= argc; i++)
        argv[i] = va_arg(ap, char *);
    argv[argc + 1] = NULL;
    return argc + 1;
}

/* Parses the words for command cmd; returns the result, err in err. */
static int parse(ctx *c, unsigned cmd, int flags, char *err, int *first, int argc, ...)
{
    char *argv[16];
    cli_opt_group g = { table, sizeof table / sizeof table[0], c, cmd };
    va_list ap;

    memset(c, 0, sizeof *c);
    va_start(ap, argc);
    argc = make_argv(argv, argc, ap);
    va_end(ap);
    err[0] = '\0';
    return cli_args_parse(&g, 1, flags, argc, argv, first, err, 256);
}

static void test_engine(void **state)
{
    char err[256];
    ctx c;
    int first = -1;

    (void)state;
    assert_int_equal(parse(&c, 1, 0, err, &first, 4, "-f", "--name", "x", "rest"), CLI_OK);
    assert_int_equal(c.flag, 1);
    assert_string_equal(c.name, "x");
    assert_int_equal(first, 4);
    /* Permuted: options after an operand count too. */
    assert_int_equal(parse(&c, 1, 0, err, &first, 3, "rest", "-n", "y"), CLI_OK);
    assert_string_equal(c.name, "y");
    assert_int_equal(first, 3);
    /* In order: the operand ends the options. */
    assert_int_equal(parse(&c, 1, CLI_ARGS_IN_ORDER, err, &first, 3, "rest", "-n", "y"), CLI_OK);
    assert_null(c.name);
    assert_int_equal(first, 1);
    assert_int_equal(parse(&c, 1, CLI_ARGS_NO_OPERANDS, err, NULL, 2, "-f", "rest"), CLI_USAGE);
    assert_string_equal(err, "unexpected argument 'rest'; see --help");
    assert_int_equal(parse(&c, 1, 0, err, &first, 1, "--name"), CLI_USAGE);
    assert_string_equal(err, "option '--name' needs a value; see --help");
    assert_int_equal(parse(&c, 1, 0, err, &first, 1, "-n"), CLI_USAGE);
    assert_string_equal(err, "option '-n' needs a value; see --help");
    assert_int_equal(parse(&c, 1, 0, err, &first, 1, "--nope"), CLI_USAGE);
    assert_string_equal(err, "unknown option '--nope'; see --help");
    /* An option of another command is unknown to this one. */
    assert_int_equal(parse(&c, 1, 0, err, &first, 1, "-o"), CLI_USAGE);
    assert_string_equal(err, "unknown option '-o'; see --help");
    assert_int_equal(parse(&c, 2, 0, err, &first, 1, "--other"), CLI_OK);
    assert_int_equal(c.flag, 1);
    assert_int_equal(parse(&c, 2, 0, err, &first, 1, "--flag"), CLI_USAGE);
    /* An option function's error stops the parse, with its message. */
    assert_int_equal(parse(&c, 1, 0, err, &first, 3, "-c", "-c", "-c"), CLI_USAGE);
    assert_string_equal(err, "-c: at most twice");
    assert_int_equal(parse(&c, 1, 0, err, &first, 2, "-h", "--nope"), CLI_ARGS_HELP);
}

/* ---------------------------------------------------------------- readargs */

static int readargs(cli_readargs *a, unsigned cmd, char *err, int argc, ...)
{
    char *argv[16];
    va_list ap;

    cli_readargs_init(a, cmd);
    va_start(ap, argc);
    argc = make_argv(argv, argc, ap);
    va_end(ap);
    err[0] = '\0';
    return cli_readargs_parse(a, NULL, argc, argv, err, 256);
}

static void test_readargs(void **state)
{
    cli_readargs a;
    char err[256];

    (void)state;
    assert_int_equal(readargs(&a, CLI_READ_QUERY, err, 9, "-p", "warn", "-n", "5", "-r", "-o",
                              "csv", "--utc", "--explain"),
                     CLI_OK);
    assert_int_equal(a.f.lvl_lo, 0);
    assert_int_equal(a.f.lvl_hi, 4);
    assert_int_equal(a.lines, 5);
    assert_int_equal(a.lines_set, 1);
    assert_int_equal(a.reverse, 1);
    assert_int_equal(a.fmt, CLI_FMT_CSV);
    assert_int_equal(a.utc, 1);
    assert_int_equal(a.explain, 1);
    cli_readargs_free(&a);
    /* -S/-U are parsed after the loop, in UTC when --utc comes later. */
    assert_int_equal(readargs(&a, CLI_READ_STATS, err, 3, "-S", "@60", "--utc"), CLI_OK);
    assert_int_equal(a.f.has_since, 1);
    assert_int_equal(a.f.since, 60 * 1000000LL);
    cli_readargs_free(&a);
    assert_int_equal(readargs(&a, CLI_READ_QUERY, err, 4, "-S", "@60", "-U", "@60"), CLI_USAGE);
    assert_string_equal(err, "-S/--since '@60' is not before -U/--until '@60'");
    cli_readargs_free(&a);
    /* rejects has no level, query says more about an operand. */
    assert_int_equal(readargs(&a, CLI_READ_REJECTS, err, 2, "-p", "err"), CLI_USAGE);
    assert_string_equal(err, "unknown option '-p'; see --help");
    cli_readargs_free(&a);
    assert_int_equal(readargs(&a, CLI_READ_REJECTS, err, 1, "stray"), CLI_USAGE);
    assert_string_equal(err, "unexpected argument 'stray'; see --help");
    cli_readargs_free(&a);
    assert_int_equal(readargs(&a, CLI_READ_QUERY, err, 1, "stray"), CLI_USAGE);
    assert_string_equal(err, "unexpected argument 'stray'; filters are options, e.g. -g PATTERN "
                             "(see --help)");
    cli_readargs_free(&a);
    /* -g, --words, and --case-sensitive's optional value (only as =VALUE). */
    assert_int_equal(readargs(&a, CLI_READ_QUERY, err, 3, "-g", "time|out", "--case-sensitive"),
                     CLI_OK);
    assert_string_equal(a.f.grep_pattern, "time|out");
    assert_int_equal(a.f.grep_regex, 1);
    assert_int_equal(a.f.grep_case, CLI_CASE_SENSITIVE);
    cli_readargs_free(&a);
    assert_int_equal(readargs(&a, CLI_READ_STATS, err, 3, "--case-sensitive=no", "--words", "disk"),
                     CLI_OK);
    assert_int_equal(a.f.grep_regex, 0);
    assert_int_equal(a.f.grep_case, CLI_CASE_INSENSITIVE);
    cli_readargs_free(&a);
    assert_int_equal(readargs(&a, CLI_READ_QUERY, err, 2, "--case-sensitive", "no"), CLI_USAGE);
    assert_string_equal(err, "unexpected argument 'no'; filters are options, e.g. -g PATTERN "
                             "(see --help)");
    cli_readargs_free(&a);
    assert_int_equal(readargs(&a, CLI_READ_REJECTS, err, 1, "--words=x"), CLI_USAGE);
    assert_string_equal(err, "unknown option '--words=x'; see --help");
    cli_readargs_free(&a);
    assert_int_equal(readargs(&a, CLI_READ_QUERY, err, 2, "--limit", "0"), CLI_USAGE);
    assert_string_equal(err, "--limit: '0' is not a count; use a number 1 or more");
    cli_readargs_free(&a);
    assert_int_equal(readargs(&a, CLI_READ_STATS, err, 1, "-f"), CLI_USAGE);
    cli_readargs_free(&a);
    assert_int_equal(readargs(&a, CLI_READ_QUERY, err, 2, "-o", "text"), CLI_USAGE);
    assert_string_equal(err, "-o/--output: 'text' is not a format; " CLI_FORMATS_ACCEPTED);
    cli_readargs_free(&a);
}

/* Rewrites argv (NULL-terminated literals) with cli_readargs_bare_lines and
 * compares with want. */
static void bare(const char *const *in, const char *const *want)
{
    char *argv[16];
    int argc = 0;

    for (; in[argc] != NULL; argc++)
        argv[argc] = (char *)(uintptr_t)in[argc];
    argv[argc] = NULL;
    cli_readargs_bare_lines(NULL, argc, argv);
    for (int i = 0; i < argc; i++)
        assert_string_equal(argv[i], want[i]);
}

/* journalctl's bare -n: 10 when nothing or an option follows. */
static void test_bare_lines(void **state)
{
    (void)state;
    bare((const char *[]){ "q", "-n", NULL }, (const char *[]){ "q", "--lines=10" });
    bare((const char *[]){ "q", "-n", "-r", NULL }, (const char *[]){ "q", "--lines=10", "-r" });
    bare((const char *[]){ "q", "--lines", "--utc", NULL },
         (const char *[]){ "q", "--lines=10", "--utc" });
    bare((const char *[]){ "q", "-n", "5", NULL }, (const char *[]){ "q", "-n", "5" });
    bare((const char *[]){ "q", "-n5", "-n", NULL }, (const char *[]){ "q", "-n5", "--lines=10" });
    /* A value that happens to be "-n" stays a value. */
    bare((const char *[]){ "q", "-t", "-n", NULL }, (const char *[]){ "q", "-t", "-n" });
    bare((const char *[]){ "q", "--app", "-n", "-n", NULL },
         (const char *[]){ "q", "--app", "-n", "--lines=10" });
    bare((const char *[]){ "q", "-rt", "-n", NULL }, (const char *[]){ "q", "-rt", "-n" });
    bare((const char *[]){ "q", "-tx", "-n", NULL }, (const char *[]){ "q", "-tx", "--lines=10" });
    bare((const char *[]){ "q", "--", "-n", NULL }, (const char *[]){ "q", "--", "-n" });
    bare((const char *[]){ "q", "-n", "-", NULL }, (const char *[]){ "q", "-n", "-" });
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_long),   cmocka_unit_test(test_parse_count),
        cmocka_unit_test(test_parse_choice), cmocka_unit_test(test_engine),
        cmocka_unit_test(test_readargs),     cmocka_unit_test(test_bare_lines),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
