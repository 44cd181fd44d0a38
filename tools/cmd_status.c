/* cmd_status.c - `centrallog status`: asks the running collector for its
 * counters (protocol op "stats") and prints them for a human, or as JSON.
 *
 * It doubles as a health check: exit 0 when a collector answered, exit 3
 * with a one-line reason when none did within the timeout. Rates are
 * measured, not averaged since start: a second request after a short window
 * gives the accepted/rejected per second right now. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "address.h"
#include "strbuf.h"
#include "cli.h"
#include "conn.h"
#include "ctl.h"
#include "escape.h"
#include "platform.h"
#include "report.h"
#include "args.h"
#include "clock.h"

typedef struct stopts {
    long long timeout_ms, window_ms;
    int json;
} stopts;

static void usage(FILE *f)
{
    fprintf(f, "Usage: centrallog status [OPTIONS]\n\n"
               "Asks the running collector how it is doing: version, uptime, address,\n"
               "connections, accepted/rejected/truncated totals and rates per second, queue\n"
               "depth and backpressure, database and text file paths and sizes, rotations,\n"
               "and the full-text index backlog.\n\n"
               "Options:\n"
               "      --timeout MS     give up when no answer comes within MS (default 2000)\n"
               "      --rate-window MS measure rates over MS between two requests (default 500;\n"
               "                       0: only averages since the collector started)\n"
               "  -o, --output FMT     text (default) or json (the collector's reply, plus rates)\n"
               "  -h, --help           this help\n\n"
               "The address is --address, else $CENTRALLOG_ADDRESS, else the default (see\n"
               "`centrallog --help`).\n\n"
               "Examples:\n"
               "  centrallog status\n"
               "  centrallog status --timeout 500 -o json | jq .queue_entries\n"
               "  centrallog status >/dev/null || echo \"collector down\"\n\n"
               "Exit status: 0 a collector answered, 2 bad usage, 3 no collector answered in\n"
               "time (the reason is printed on one line).\n");
}

static int opt_timeout(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    (void)opt;
    if (cli_parse_count(arg, 0, &((stopts *)ctx)->timeout_ms) != 0 ||
        ((stopts *)ctx)->timeout_ms < 1 || ((stopts *)ctx)->timeout_ms > 600000) {
        snprintf(err, errlen, "--timeout: '%s' is not accepted; use milliseconds, 1-600000", arg);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int opt_window(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    (void)opt;
    if (cli_parse_count(arg, 0, &((stopts *)ctx)->window_ms) != 0 ||
        ((stopts *)ctx)->window_ms > 60000) {
        snprintf(err, errlen, "--rate-window: '%s' is not accepted; use milliseconds, 0-60000",
                 arg);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static const cli_opt status_opts[] = {
    { "timeout", 0, 1, opt_timeout, CLI_ALL_CMDS, 0 },
    { "rate-window", 0, 1, opt_window, CLI_ALL_CMDS, 0 },
    { "output", 'o', 1, cli_opt_text_json, CLI_ALL_CMDS, offsetof(stopts, json) },
    { "help", 'h', 0, cli_opt_help, CLI_ALL_CMDS, 0 },
};

/* Returns CLI_OK, -1 after --help, or an exit code. */
static int parse_args(stopts *o, int argc, char **argv)
{
    cli_opt_group g = { status_opts, sizeof status_opts / sizeof status_opts[0], o, CLI_ALL_CMDS };
    char err[512];
    int rc = cli_args_parse(&g, 1, CLI_ARGS_NO_OPERANDS, argc, argv, NULL, err, sizeof err);

    return cli_args_report(rc, "status", err, usage);
}

/* ---------------------------------------------------------------- asking */

/* One stats request; the reply, or NULL after printing why (*rc). */
static cJSON *ask(cli_ctl *k, int *rc)
{
    cJSON *j = cli_ctl_ask(k, "{\"op\":\"stats\"}\n", "stats", rc);
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(j, "op");

    if (j != NULL && strcmp(op->valuestring, "stats") != 0) {
        cJSON_Delete(j);
        *rc = cli_ctl_unreachable(k, CLI_CONN_FAILED, "the collector refused the stats request");
        return NULL;
    }
    return j;
}

static double num(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

    return cJSON_IsNumber(v) ? v->valuedouble : 0.0;
}

static const char *str(const cJSON *j, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

    return cJSON_IsString(v) ? v->valuestring : "?";
}

/* ---------------------------------------------------------------- printing */

static void human_bytes(cl_strbuf *b, double n)
{
    static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
    int u = 0;

    if (n < 0) {
        cl_strbuf_puts(b, "size unknown");
        return;
    }
    while (n >= 1024 && u < 4) {
        n /= 1024;
        u++;
    }
    cl_strbuf_printf(b, u ? "%.1f %s" : "%.0f %s", n, units[u]);
}

static void duration(cl_strbuf *b, double s)
{
    long long t = (long long)s;

    if (t >= 86400)
        cl_strbuf_printf(b, "%lldd ", t / 86400);
    if (t >= 3600)
        cl_strbuf_printf(b, "%lldh ", t / 3600 % 24);
    if (t >= 60)
        cl_strbuf_printf(b, "%lldm ", t / 60 % 60);
    cl_strbuf_printf(b, "%llds", t % 60);
}

/* A path or version from the collector, escaped for the terminal. */
static void safe(cl_strbuf *b, const char *s)
{
    cli_esc_text(b, s, strlen(s));
}

#define STATUS_FWD_MAX 8

typedef struct rates {
    int measured;
    double accepted, rejected, bytes;
    double fwd[STATUS_FWD_MAX]; /* confirmed per second, per destination */
    size_t n_fwd;
} rates;

static void counter(cl_strbuf *b, const char *name, const cJSON *j, const char *key, double rate,
                    int measured)
{
    double up = num(j, "uptime_s");

    cl_strbuf_printf(b, "  %-12s %.0f", name, num(j, key));
    if (measured)
        cl_strbuf_printf(b, "  (%.1f/s now, %.1f/s average)", rate,
                         up > 0 ? num(j, key) / up : 0.0);
    else
        cl_strbuf_printf(b, "  (%.1f/s average)", up > 0 ? num(j, key) / up : 0.0);
    cl_strbuf_putc(b, '\n');
}

static void problems(cl_strbuf *b, const cJSON *j)
{
    const cJSON *bp = cJSON_GetObjectItemCaseSensitive(j, "backpressure");

    if (cJSON_IsTrue(bp))
        cl_strbuf_puts(b,
                       "  warning      backpressure: the queue is full, producers are held back\n");
    if (num(j, "db_errors") > 0)
        cl_strbuf_printf(b, "  warning      %.0f database errors, %.0f retries\n",
                         num(j, "db_errors"), num(j, "db_retries"));
    if (num(j, "log_errors") > 0)
        cl_strbuf_printf(b, "  warning      %.0f text file errors, %.0f lines lost from it\n",
                         num(j, "log_errors"), num(j, "log_lost_lines"));
}

/* One line per forwarding destination, and its last error if it has one
 * (collectors with --forward). The rate is confirmed entries per second
 * between the two samples. */
static void forwarding(cl_strbuf *b, const cJSON *j, const rates *r)
{
    const cJSON *d, *a = cJSON_GetObjectItemCaseSensitive(j, "forward");
    size_t i = 0;

    cJSON_ArrayForEach(d, a)
    {
        cl_strbuf_puts(b, "  forward      ");
        safe(b, str(d, "destination"));
        cl_strbuf_puts(b, ": ");
        safe(b, str(d, "state"));
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "yielding")))
            cl_strbuf_puts(b, " (yielding to an ingest burst)");
        cl_strbuf_printf(b, ", %.0f entries behind (%.1f s), %.0f confirmed", num(d, "behind"),
                         num(d, "behind_s"), num(d, "confirmed"));
        if (r->measured && i < r->n_fwd)
            cl_strbuf_printf(b, " (%.1f/s now)", r->fwd[i]);
        cl_strbuf_printf(b, ", %.0f retried, %.0f expired\n", num(d, "retried"), num(d, "expired"));
        if (str(d, "last_error")[0] != '\0' && strcmp(str(d, "last_error"), "?") != 0) {
            cl_strbuf_puts(b, "               last error: ");
            safe(b, str(d, "last_error"));
            cl_strbuf_printf(b, " (%.0f s ago)\n", num(d, "last_error_age_s"));
        }
        i++;
    }
}

static void print_text(cl_strbuf *b, const cJSON *j, const rates *r)
{
    cl_strbuf_puts(b, "centrallogd ");
    safe(b, str(j, "version"));
    cl_strbuf_printf(b, " (protocol %.0f), pid %.0f, up ", num(j, "protocol"), num(j, "pid"));
    duration(b, num(j, "uptime_s"));
    cl_strbuf_puts(b, "\n  address      ");
    safe(b, str(j, "address"));
    cl_strbuf_printf(b, "\n  connections  %.0f open, %.0f since start\n", num(j, "connections"),
                     num(j, "connections_total"));
    counter(b, "accepted", j, "accepted", r->accepted, r->measured);
    counter(b, "rejected", j, "rejected", r->rejected, r->measured);
    cl_strbuf_printf(b, "  truncated    %.0f\n", num(j, "truncated"));
    /* Dropped on purpose by the per-source rate limit: never hidden. Older
     * collectors do not report it. */
    if (cJSON_GetObjectItemCaseSensitive(j, "rate_limited") != NULL)
        cl_strbuf_printf(b, "  rate-limited %.0f dropped (%.0f sources over the limit now)\n",
                         num(j, "rate_limited"), num(j, "rate_limited_sources"));
    cl_strbuf_printf(b, "  committed    %.0f\n", num(j, "committed"));
    cl_strbuf_printf(b, "  queue        %.0f entries, ", num(j, "queue_entries"));
    human_bytes(b, num(j, "queue_bytes"));
    cl_strbuf_puts(b, "\n  database     ");
    safe(b, str(j, "db_path"));
    cl_strbuf_puts(b, ", ");
    human_bytes(b, num(j, "db_size"));
    cl_strbuf_printf(b, "; full-text index %.0f entries behind\n", num(j, "fts_pending"));
    /* Storage (collectors of schema version 3 on). */
    if (cJSON_GetObjectItemCaseSensitive(j, "partitions") != NULL) {
        cl_strbuf_printf(b, "  partitions   %.0f (%.0f being sealed), closed ones ",
                         num(j, "partitions"), num(j, "partitions_sealing"));
        human_bytes(b, num(j, "partitions_closed_bytes"));
        cl_strbuf_printf(b, "; %.0f rotations\n", num(j, "db_rotations"));
        cl_strbuf_puts(b, "  retention    max-disk ");
        if (num(j, "max_disk") > 0)
            human_bytes(b, num(j, "max_disk"));
        else
            cl_strbuf_puts(b, "off");
        cl_strbuf_puts(b, ", keep-free ");
        if (num(j, "keep_free") > 0)
            human_bytes(b, num(j, "keep_free"));
        else
            cl_strbuf_puts(b, "off");
        cl_strbuf_puts(b, ", max-age ");
        if (num(j, "max_age_s") > 0)
            duration(b, num(j, "max_age_s"));
        else
            cl_strbuf_puts(b, "off");
        cl_strbuf_printf(b, "; removed %.0f partitions (%.0f entries) and %.0f text files\n",
                         num(j, "removed_partitions"), num(j, "removed_entries"),
                         num(j, "removed_text_files"));
    }
    cl_strbuf_puts(b, "  text file    ");
    safe(b, str(j, "log_path"));
    cl_strbuf_puts(b, ", ");
    human_bytes(b, num(j, "log_size"));
    cl_strbuf_printf(b, "; %.0f rotations\n", num(j, "rotations"));
    forwarding(b, j, r);
    problems(b, j);
}

static void print_json(cl_strbuf *b, cJSON *j, const rates *r)
{
    char *s;

    if (r->measured) {
        cJSON_AddNumberToObject(j, "accepted_per_s", r->accepted);
        cJSON_AddNumberToObject(j, "rejected_per_s", r->rejected);
        cJSON_AddNumberToObject(j, "bytes_in_per_s", r->bytes);
        for (size_t i = 0; i < r->n_fwd; i++)
            cJSON_AddNumberToObject(
                cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "forward"), (int)i),
                "confirmed_per_s", r->fwd[i]);
    }
    s = cJSON_PrintUnformatted(j);
    if (s != NULL) {
        cli_json_copy(b, s, strlen(s), -1);
        cl_strbuf_putc(b, '\n');
    }
    free(s);
}

/* ---------------------------------------------------------------- main */

static void fwd_rates(rates *r, const cJSON *first, const cJSON *last, double dt)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(first, "forward");
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(last, "forward");

    for (r->n_fwd = 0; r->n_fwd < STATUS_FWD_MAX; r->n_fwd++) {
        const cJSON *x = cJSON_GetArrayItem(a, (int)r->n_fwd);
        const cJSON *y = cJSON_GetArrayItem(b, (int)r->n_fwd);

        if (x == NULL || y == NULL)
            break;
        r->fwd[r->n_fwd] = (num(y, "confirmed") - num(x, "confirmed")) / dt;
    }
}

int cmd_status(const cli_global *g, int argc, char **argv)
{
    stopts o = { 2000, 500, 0 };
    cli_ctl k;
    cJSON *first = NULL, *last = NULL;
    rates r;
    cl_strbuf b = CL_STRBUF_INIT;
    int rc, rc2;

    memset(&r, 0, sizeof r);
    if ((rc = parse_args(&o, argc, argv)) != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    if ((rc = cli_ctl_open(&k, g, "status", o.timeout_ms)) != CLI_OK)
        return rc;
    if ((first = ask(&k, &rc)) == NULL)
        goto out;
    /* The second sample for rates; without it (timeout), averages do. */
    if (o.window_ms > 0) {
        long long t0 = cl_mono_ms();
        struct timespec ts = { o.window_ms / 1000, (long)(o.window_ms % 1000) * 1000000L };

        nanosleep(&ts, NULL);
        k.quiet = 1; /* no second sample: averages since start will do */
        last = cli_ctl_ask(&k, "{\"op\":\"stats\"}\n", "stats", &rc2);
        if (last != NULL) {
            double dt = num(last, "uptime_s") - num(first, "uptime_s");

            if (dt <= 0)
                dt = (double)(cl_mono_ms() - t0) / 1000.0;
            r.measured = 1;
            r.accepted = (num(last, "accepted") - num(first, "accepted")) / dt;
            r.rejected = (num(last, "rejected") - num(first, "rejected")) / dt;
            r.bytes = (num(last, "bytes_in") - num(first, "bytes_in")) / dt;
            fwd_rates(&r, first, last, dt);
        }
    }
    if (o.json)
        print_json(&b, last ? last : first, &r);
    else
        print_text(&b, last ? last : first, &r);
    rc = cli_write_buf(&b, "status");
out:
    cJSON_Delete(first);
    cJSON_Delete(last);
    cli_ctl_close(&k);
    cl_strbuf_free(&b);
    return rc;
}
