/* cli.c - helpers every subcommand shares (see cli.h). */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

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
