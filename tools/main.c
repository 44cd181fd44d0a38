/* main.c - `centrallog`: the operators' and shell users' tool.
 *
 * Global options may stand before or after the subcommand name; each
 * subcommand parses the rest of its arguments itself and has its own --help.
 * Exit codes are the CLI_* values in cli.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "version.h"

typedef struct command {
    const char *name;
    cli_command_fn fn;
    const char *summary;
} command;

static const command commands[] = {
    {"send", cmd_send, "send an entry from the shell (like logger(1))"},
    {"bench", cmd_bench, "measure throughput and latency through the SDK"},
};

int cli_fail(int code, const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "centrallog%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: centrallog [--address ADDR] [--db PATH] COMMAND [ARGS]\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nGlobal options (before or after COMMAND):\n"
               "  --address ADDR  collector socket or \\\\.\\pipe\\Name (env CENTRALLOG_ADDRESS)\n"
               "  --db PATH       database to read (env CENTRALLOG_DB; default ./var/centrallog.db)\n"
               "  --help          this help; COMMAND --help for a command's own\n"
               "  --version       print the version\n\n"
               "Exit status: 0 success, 1 the operation failed (e.g. an entry was rejected),\n"
               "2 bad usage, 3 the collector could not be reached or did not answer in time.\n");
}

/* Takes the global options out of argv wherever they are; returns the new
 * argc, or -1 after printing an error. */
static int take_globals(cli_global *g, int argc, char **argv)
{
    int out = 1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        size_t n = 0;

        if (strcmp(a, "--") == 0) {
            while (i < argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strncmp(a, "--address", 9) == 0 && (a[9] == '\0' || a[9] == '='))
            slot = &g->address, n = 9;
        else if (strncmp(a, "--db", 4) == 0 && (a[4] == '\0' || a[4] == '='))
            slot = &g->db, n = 4;
        if (slot == NULL) {
            argv[out++] = argv[i];
            continue;
        }
        if (a[n] == '=') {
            *slot = a + n + 1;
        } else if (i + 1 < argc) {
            *slot = argv[++i];
        } else {
            cli_fail(CLI_USAGE, NULL, "%s needs a value", a);
            return -1;
        }
    }
    argv[out] = NULL;
    return out;
}

int main(int argc, char **argv)
{
    cli_global g = {NULL, NULL, -1};

    g.db = getenv("CENTRALLOG_DB");
    argc = take_globals(&g, argc, argv);
    if (argc < 0)
        return CLI_USAGE;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("centrallog %s (protocol %d)\n", CL_VERSION_STRING, CL_PROTOCOL_VERSION);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(&g, argc - 1, argv + 1);
    }
    return cli_fail(CLI_USAGE, NULL, "unknown command '%s'; commands: send, bench (see --help)",
                    argv[1]);
}
