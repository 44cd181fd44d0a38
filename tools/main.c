/* main.c - `centrallog`: the operators' and shell users' tool.
 *
 * Global options may stand before or after the subcommand name; each
 * subcommand parses the rest of its arguments itself and has its own --help.
 * With no subcommand name (nothing, or an option first) it runs `query`, as
 * journalctl shows the journal. Exit codes are the CLI_* values in cli.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "ctl.h"
#include "report.h"
#include "cmdline.h"
#include "pager.h"
#include "platform.h"
#include "version.h"

typedef struct command {
    const char *name;
    cli_command_fn fn;
    const char *summary;
    int reads_db; /* reads the database: the running collector's, unless --db */
} command;

static const command commands[] = {
    { "query", cmd_query, "show entries, filtered (the default command)", 1 },
    { "tail", cmd_tail, "show the last entries and follow new ones", 1 },
    { "stats", cmd_stats, "counts by level, app and host; entries per interval", 1 },
    { "rejects", cmd_rejects, "lines the collector refused, and why", 1 },
    { "disk-usage", cmd_disk_usage, "what the partitions and text files take on disk", 1 },
    { "verify", cmd_verify, "check that the stored logs are whole (journalctl --verify)", 1 },
    { "export", cmd_export, "write entries to one SQLite file or NDJSON (for sqlite3)", 1 },
    { "status", cmd_status, "ask the running collector how it is doing", 0 },
    { "rotate", cmd_rotate, "have the collector rotate its database and text file now", 0 },
    { "vacuum", cmd_vacuum, "have the collector remove old partitions and text files", 0 },
    { "send", cmd_send, "send an entry from the shell (like logger(1))", 0 },
    { "bench", cmd_bench, "measure throughput and latency through the SDK", 0 },
#ifdef _WIN32
    { "pipes", cmd_pipes, "list named pipes and describe the collector's", 0 },
#endif
};

static const cli_command_fn default_command = cmd_query;

/* No --db nor $CENTRALLOG_DB: the database of the collector answering at
 * the address (it reports its absolute path), so that `centrallog` works
 * from any directory; else the defaults of db.h. At once when there is no
 * socket; 500 ms at most for one that does not answer. */
static void collector_db(cli_global *g)
{
    static char path[4096], origin[4200];

    if (g->db != NULL && g->db[0] != '\0')
        return;
    int rc = cli_ctl_find_db(g, 500, path, sizeof path, origin, sizeof origin);

    if (rc == 0) {
        g->db = path;
        g->db_origin = origin;
    } else if (rc > 0) {
        g->collector_note = origin;
    }
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: centrallog [--address ADDR] [--db PATH] [COMMAND] [ARGS]\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nGlobal options (before or after COMMAND):\n"
               "  --address ADDR  collector socket or \\\\.\\pipe\\Name (env CENTRALLOG_ADDRESS)\n"
               "  --db PATH       database to read: a catalog (a data directory's centrallog.db)\n"
               "                  or a single database file (env CENTRALLOG_DB; default: that\n"
               "                  of the collector answering at the address, which reports\n"
               "                  its absolute path; with none, $CENTRALLOG_DATA_DIR/\n"
               "                  centrallog.db, else ./var/centrallog.db, else the system\n"
               "                  collector's /var/lib/centrallog/centrallog.db; ./var is\n"
               "                  read only if it and the file are yours or root's and no one\n"
               "                  else may write them: else --db ./var/centrallog.db)\n"
               "  --color WHEN    colour by level: auto (on a terminal), always or never\n"
               "  --no-pager      never page: query, stats and rejects write through\n"
               "                  $CENTRALLOG_PAGER, else $PAGER, else less (LESS=FRSXMK unless\n"
               "                  set; $CENTRALLOG_LESS overrides both) on a terminal; a pager\n"
               "                  of \"\" or cat means none; one not found: less\n"
               "                  (under sudo/pkexec only less, LESSSECURE=1: see\n"
               "                  CENTRALLOG_PAGERSECURE in centrallog(1))\n"
               "  --help          this help; COMMAND --help for a command's own\n"
               "  --version       print the version\n\n"
               "Without COMMAND, centrallog runs query: `centrallog -p err -S -1h`.\n\n"
               "Exit status: 0 success; 1 the operation failed (an entry was rejected, the\n"
               "database cannot be read) or query -g listed no entry (as journalctl -g);\n"
               "2 bad usage; 3 the collector could not be reached or did not answer in time;\n"
               "4 a partial result: some partitions of the database could not be read (each\n"
               "is named on stderr) and were left out.\n");
}

/* --color: never (0), always (1) or auto (-1). */
static int parse_color(cli_global *g, const char *v)
{
    static const char *const names[] = { "never", "always", "auto" };
    int i = cli_parse_choice(v, names, 3);

    if (i < 0)
        return cli_fail(-1, NULL, "--color: '%s' is not accepted; use auto, always or never", v);
    g->color = i == 2 ? -1 : i;
    return 0;
}

/* Takes the global options out of argv wherever they are; returns the new
 * argc, or -1 after printing an error. */
static int take_globals(cli_global *g, int argc, char **argv)
{
    int out = 1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        const char **slot = NULL;
        size_t n = 0;

        if (strcmp(a, "--") == 0) {
            while (i < argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strcmp(a, "--no-pager") == 0) {
            g->no_pager = 1;
            continue;
        }
        if (strncmp(a, "--address", 9) == 0 && (a[9] == '\0' || a[9] == '='))
            slot = &g->address, n = 9;
        else if (strncmp(a, "--db", 4) == 0 && (a[4] == '\0' || a[4] == '='))
            slot = &g->db, n = 4;
        else if (strncmp(a, "--color", 7) == 0 && (a[7] == '\0' || a[7] == '='))
            n = 7;
        if (n == 0) {
            argv[out++] = argv[i];
            continue;
        }
        if (a[n] == '=') {
            v = a + n + 1;
        } else if (i + 1 < argc) {
            v = argv[++i];
        } else {
            cli_fail(CLI_USAGE, NULL, "%s needs a value", a);
            return -1;
        }
        if (slot == NULL) {
            if (parse_color(g, v) != 0)
                return -1;
        } else {
            *slot = v;
            if (slot == &g->db)
                g->db_origin = "--db";
        }
    }
    argv[out] = NULL;
    return out;
}

static int run_command(cli_global *g, int argc, char **argv);

int main(int argc, char **argv)
{
    cli_global g = { NULL, NULL, NULL, -1, 0, NULL };
    int rc;

    cli_platform_init(&argc, &argv);
    rc = run_command(&g, argc, argv);
    /* The shell's prompt comes back when the user has quit the pager. */
    cli_pager_close();
    return rc;
}

static int run_command(cli_global *g, int argc, char **argv)
{
    static char query_name[] = "query";
    char *query_argv[] = { query_name, NULL };

    g->db = cl_getenv("CENTRALLOG_DB");
    if (g->db != NULL && g->db[0] != '\0')
        g->db_origin = "$CENTRALLOG_DB";
    argc = take_globals(g, argc, argv);
    if (argc < 0)
        return CLI_USAGE;
    if (argc < 2 && default_command == NULL) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (argc < 2 || (argv[1][0] == '-' && strcmp(argv[1], "--help") != 0 &&
                     strcmp(argv[1], "-h") != 0 && strcmp(argv[1], "--version") != 0))
        collector_db(g);
    if (argc < 2)
        return default_command(g, 1, query_argv);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("centrallog %s (protocol %d)\n", CL_VERSION_STRING, CL_PROTOCOL_VERSION);
        return CLI_OK;
    }
    /* An option first: the options of the default command. argv[0] stands
     * in for the command name that getopt skips. */
    if (argv[1][0] == '-' && default_command != NULL)
        return default_command(g, argc, argv);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        if (commands[i].reads_db &&
            !(argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)))
            collector_db(g);
        return commands[i].fn(g, argc - 1, argv + 1);
    }
    {
        char names[256] = "";

        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                     commands[i].name);
        return cli_fail(CLI_USAGE, NULL, "unknown command '%s'; commands: %s (see --help)", argv[1],
                        names);
    }
}
