/* cli.c - helpers every subcommand shares (see cli.h). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "query.h"

int cli_fail(int code, const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout); /* keep what was printed before the error in order */
    fprintf(stderr, "centrallog%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int cli_parse_count(const char *s, int allow_all, long long *out)
{
    char *end;
    long long v;

    if (allow_all && strcmp(s, "all") == 0) {
        *out = -1;
        return 0;
    }
    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

int cli_option_error(const char *cmd, int c, char **argv)
{
    if (c == ':')
        return cli_fail(CLI_USAGE, cmd, "option '%s' needs a value; see --help", argv[optind - 1]);
    return cli_fail(CLI_USAGE, cmd, "unknown option '%s'; see --help", argv[optind - 1]);
}
