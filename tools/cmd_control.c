/* cmd_control.c - `centrallog rotate` and `centrallog vacuum`: journalctl's
 * --rotate and --vacuum-time/--vacuum-size. The running collector does the
 * work (it alone owns the files; a reader removing a partition under it
 * would race a rotation); these ask it over the control connection and
 * print what it did. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "ctl.h"
#include "escape.h"
#include "output.h"
#include "parse.h"
#include "report.h"
#include "strbuf.h"

typedef struct ctlopts {
    long long timeout_ms;
    int json;
    int has_age, has_disk;
    int64_t older_than_us;
    uint64_t max_disk;
} ctlopts;

static void rotate_usage(FILE *f)
{
    fprintf(f, "Usage: centrallog rotate [OPTIONS]\n\n"
               "Asks the running collector to close its live database partition (it is then\n"
               "sealed: indexed and made read-only in the background) and to rotate its text\n"
               "file now, as journalctl --rotate does. Entries go on being accepted meanwhile.\n\n"
               "Options:\n"
               "      --timeout MS     give up when no answer comes within MS (default 30000)\n"
               "  -o, --output FMT     text (default) or json (the collector's reply)\n"
               "  -h, --help           this help\n\n"
               "Only root and the collector's own user may ask (the collector checks the\n"
               "peer's credentials). The address is --address, else $CENTRALLOG_ADDRESS,\n"
               "else the default (see `centrallog --help`).\n\n"
               "Examples:\n"
               "  sudo centrallog rotate\n"
               "  centrallog --address /tmp/test.sock rotate -o json\n\n"
               "Exit status: 0 done, 1 the collector refused or failed (the reason is\n"
               "printed), 2 bad usage, 3 no collector answered in time.\n");
}

static void vacuum_usage(FILE *f)
{
    fprintf(f, "Usage: centrallog vacuum --older-than DURATION | --max-disk SIZE [OPTIONS]\n\n"
               "Asks the running collector to remove closed database partitions and rotated\n"
               "text files, whole and oldest first, as journalctl --vacuum-time and\n"
               "--vacuum-size do: those whose newest entry is older than DURATION, and/or\n"
               "as many as needed for everything stored to fit in SIZE. The live partition\n"
               "and the text file being written are never removed (rotate first to include\n"
               "them). Each removal is also recorded as an entry of app centrallogd.\n\n"
               "Options:\n"
               "      --older-than DURATION  e.g. 30d, 12h, \"2 weeks\"\n"
               "      --max-disk SIZE        e.g. 500M, 2G (powers of 1024)\n"
               "      --timeout MS           give up when no answer comes within MS (default\n"
               "                             30000)\n"
               "  -o, --output FMT           text (default) or json (the collector's reply)\n"
               "  -h, --help                 this help\n\n"
               "Only root and the collector's own user may ask. The collector's own limits\n"
               "(--max-age, --max-disk, --keep-free) apply all the time; this is for once.\n\n"
               "Examples:\n"
               "  sudo centrallog vacuum --older-than 30d\n"
               "  sudo centrallog vacuum --max-disk 1G -o json\n\n"
               "Exit status: 0 done (also when nothing had to go), 1 the collector refused or\n"
               "failed (the reason is printed), 2 bad usage, 3 no collector answered in time.\n");
}

static int opt_timeout(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    ctlopts *o = ctx;

    (void)opt;
    if (cli_parse_count(arg, 0, &o->timeout_ms) != 0 || o->timeout_ms < 1 ||
        o->timeout_ms > 3600000) {
        snprintf(err, errlen, "--timeout: '%s' is not accepted; use milliseconds, 1-3600000", arg);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int opt_older(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    ctlopts *o = ctx;

    (void)opt;
    if (cl_parse_duration_us(arg, strlen(arg), INT64_MAX / 2, &o->older_than_us) != 0 ||
        o->older_than_us <= 0) {
        snprintf(err, errlen,
                 "--older-than: '%s' is not a duration; use e.g. 30d, 12h, \"2 weeks\"", arg);
        return CLI_USAGE;
    }
    o->has_age = 1;
    return CLI_OK;
}

static int opt_disk(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    ctlopts *o = ctx;

    (void)opt;
    if (cl_parse_size(arg, &o->max_disk) != 0) {
        snprintf(err, errlen, "--max-disk: '%s' is not a size; use e.g. 500M, 2G", arg);
        return CLI_USAGE;
    }
    o->has_disk = 1;
    return CLI_OK;
}

static const cli_opt rotate_opts[] = {
    { "timeout", 0, 1, opt_timeout, CLI_ALL_CMDS, 0 },
    { "output", 'o', 1, cli_opt_text_json, CLI_ALL_CMDS, offsetof(ctlopts, json) },
    { "help", 'h', 0, cli_opt_help, CLI_ALL_CMDS, 0 },
};

static const cli_opt vacuum_opts[] = {
    { "older-than", 0, 1, opt_older, CLI_ALL_CMDS, 0 },
    { "max-disk", 0, 1, opt_disk, CLI_ALL_CMDS, 0 },
    { "timeout", 0, 1, opt_timeout, CLI_ALL_CMDS, 0 },
    { "output", 'o', 1, cli_opt_text_json, CLI_ALL_CMDS, offsetof(ctlopts, json) },
    { "help", 'h', 0, cli_opt_help, CLI_ALL_CMDS, 0 },
};

static const char *str(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

    return cJSON_IsString(v) ? v->valuestring : "";
}

static double num(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

    return cJSON_IsNumber(v) ? v->valuedouble : 0.0;
}

/* The collector's text, escaped for the terminal. */
static void safe(cl_strbuf *b, const char *s)
{
    cli_esc_text(b, s, strlen(s));
}

static void print_json(cl_strbuf *b, cJSON *j)
{
    char *s = cJSON_PrintUnformatted(j);

    if (s != NULL) {
        cli_json_copy(b, s, strlen(s), -1);
        cl_strbuf_putc(b, '\n');
    }
    free(s);
}

static void print_removed(cl_strbuf *b, const cJSON *reply)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(reply, "removed");
    const cJSON *u;
    int n = 0;

    cJSON_ArrayForEach(u, list)
    {
        cl_strbuf_puts(b, "removed ");
        safe(b, str(u, "path"));
        if (strcmp(str(u, "kind"), "partition") == 0)
            cl_strbuf_printf(b, " (%.0f entries, %.0f bytes)\n", num(u, "entries"),
                             num(u, "bytes"));
        else
            cl_strbuf_printf(b, " (%.0f bytes)\n", num(u, "bytes"));
        n++;
    }
    if (n == 0)
        cl_strbuf_puts(b, "nothing to remove\n");
    else
        cl_strbuf_printf(b, "%d removed, %.0f bytes freed\n", n, num(reply, "bytes"));
    if (num(reply, "pending") > 0)
        cl_strbuf_printf(b, "%.0f held open by a reader: removed as soon as it lets go\n",
                         num(reply, "pending"));
}

/* Sends line, prints the reply. */
static int request(const cli_global *g, const char *cmd, const ctlopts *o, const char *line,
                   const char *want_op)
{
    cl_strbuf b = CL_STRBUF_INIT;
    cli_ctl k;
    cJSON *j;
    int rc;

    if ((rc = cli_ctl_open(&k, g, cmd, o->timeout_ms)) != CLI_OK)
        return rc;
    j = cli_ctl_ask(&k, line, want_op, &rc);
    cli_ctl_close(&k);
    if (j == NULL)
        return rc;
    if (strcmp(str(j, "op"), "error") == 0) {
        rc = cli_fail(CLI_FAILED, cmd, "the collector refused: %s (%s)", str(j, "message"),
                      str(j, "code"));
        cJSON_Delete(j);
        return rc;
    }
    if (o->json)
        print_json(&b, j);
    else if (strcmp(cmd, "vacuum") == 0)
        print_removed(&b, j);
    else
        cl_strbuf_puts(&b, "rotated the database and the text file\n");
    cJSON_Delete(j);
    rc = cli_write_buf(&b, cmd);
    cl_strbuf_free(&b);
    return rc;
}

int cmd_rotate(const cli_global *g, int argc, char **argv)
{
    ctlopts o = { 30000, 0, 0, 0, 0, 0 };
    cli_opt_group grp = { rotate_opts, sizeof rotate_opts / sizeof rotate_opts[0], &o,
                          CLI_ALL_CMDS };
    char err[512];
    int rc = cli_args_parse(&grp, 1, CLI_ARGS_NO_OPERANDS, argc, argv, NULL, err, sizeof err);

    if ((rc = cli_args_report(rc, "rotate", err, rotate_usage)) != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    return request(g, "rotate", &o, "{\"op\":\"rotate\"}\n", "rotated");
}

int cmd_vacuum(const cli_global *g, int argc, char **argv)
{
    ctlopts o = { 30000, 0, 0, 0, 0, 0 };
    cli_opt_group grp = { vacuum_opts, sizeof vacuum_opts / sizeof vacuum_opts[0], &o,
                          CLI_ALL_CMDS };
    char err[512], line[160];
    int rc = cli_args_parse(&grp, 1, CLI_ARGS_NO_OPERANDS, argc, argv, NULL, err, sizeof err);

    if ((rc = cli_args_report(rc, "vacuum", err, vacuum_usage)) != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    if (!o.has_age && !o.has_disk)
        return cli_fail(CLI_USAGE, "vacuum",
                        "say what to remove: --older-than DURATION and/or --max-disk SIZE");
    snprintf(line, sizeof line, "{\"op\":\"vacuum\"");
    if (o.has_age)
        snprintf(line + strlen(line), sizeof line - strlen(line), ",\"older_than_us\":%lld",
                 (long long)o.older_than_us);
    if (o.has_disk)
        snprintf(line + strlen(line), sizeof line - strlen(line), ",\"max_disk\":%llu",
                 (unsigned long long)o.max_disk);
    snprintf(line + strlen(line), sizeof line - strlen(line), "}\n");
    return request(g, "vacuum", &o, line, "vacuumed");
}
