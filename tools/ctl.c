/* ctl.c - see ctl.h. */
#include "ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "clock.h"
#include "report.h"

const char *cli_ctl_why(int err)
{
    switch (err) {
    case CLI_CONN_NO_SOCKET:
        return "no socket there; is centrallogd running?";
    case CLI_CONN_REFUSED:
        return "nothing listens on the socket (a stale file); is centrallogd running?";
    case CLI_CONN_DENIED:
        return "permission denied; check the socket's mode and group (--socket-mode)";
    case CLI_CONN_CLOSED:
        return "the collector closed the connection without answering";
    default:
        return "cannot connect";
    }
}

int cli_ctl_unreachable(const cli_ctl *k, int err, const char *detail)
{
    if (k->quiet)
        return CLI_UNREACHABLE;
    if (err == CLI_CONN_TIMEOUT)
        return cli_fail(CLI_UNREACHABLE, k->cmd,
                        "no answer from a collector at %s (%s) within %.1f s", k->addr, k->origin,
                        (double)k->timeout_ms / 1000.0);
    if (err == CLI_CONN_UNSAFE)
        return cli_fail(CLI_UNREACHABLE, k->cmd, "refusing to use %s (%s): %s", k->addr, k->origin,
                        detail);
    return cli_fail(CLI_UNREACHABLE, k->cmd, "no collector at %s (%s): %s", k->addr, k->origin,
                    err == CLI_CONN_FAILED ? detail : cli_ctl_why(err));
}

int cli_ctl_open(cli_ctl *k, const cli_global *g, const char *cmd, long long timeout_ms)
{
    char note[1024], detail[512];
    int err;

    memset(k, 0, sizeof *k);
    k->cmd = cmd;
    k->timeout_ms = timeout_ms;
    k->origin = cl_address_origin(g->address);
    if (cl_address_resolve_connect_note(g->address, k->addr, sizeof k->addr, note, sizeof note) !=
        0)
        return cli_fail(CLI_USAGE, cmd, "--address: cannot use '%s' (%s)",
                        g->address ? g->address : "", k->origin);
    if (note[0] != '\0')
        fprintf(stderr, "centrallog %s: warning: %s\n", cmd, note);
    err = cli_conn_open(k->addr, (int)timeout_ms, &k->c, detail, sizeof detail);
    return err == CLI_CONN_OK ? CLI_OK : cli_ctl_unreachable(k, err, detail);
}

cJSON *cli_ctl_ask(cli_ctl *k, const char *line, const char *want_op, int *rc)
{
    char detail[512] = "";
    char *reply = NULL;
    cJSON *j, *op;
    int err = cli_conn_request(k->c, line, (int)k->timeout_ms, &reply, detail, sizeof detail);

    if (err != CLI_CONN_OK) {
        *rc = cli_ctl_unreachable(k, err, detail);
        return NULL;
    }
    j = cJSON_Parse(reply);
    free(reply);
    op = cJSON_GetObjectItemCaseSensitive(j, "op");
    if (!cJSON_IsString(op) ||
        (strcmp(op->valuestring, want_op) != 0 && strcmp(op->valuestring, "error") != 0)) {
        char why[128];

        cJSON_Delete(j);
        snprintf(why, sizeof why, "the reply is not a %s reply; is that a CentralLog collector?",
                 want_op);
        *rc = cli_ctl_unreachable(k, CLI_CONN_FAILED, why);
        return NULL;
    }
    *rc = CLI_OK;
    return j;
}

void cli_ctl_close(cli_ctl *k)
{
    cli_conn_close(k->c);
    k->c = NULL;
}

/* The stats of the collector at the resolved address, quietly; k->addr
 * holds the address after, *err (when not NULL) the connection's outcome:
 * CLI_CONN_OK when it connected, even if no reply came. */
static cJSON *stats_quiet(cli_ctl *k, const cli_global *g, long long timeout_ms, int *err)
{
    char note[1024], detail[512];
    cJSON *j = NULL;
    int rc, e = CLI_CONN_NO_SOCKET;

    memset(k, 0, sizeof *k);
    k->quiet = 1;
    k->cmd = "stats";
    k->timeout_ms = timeout_ms;
    k->origin = cl_address_origin(g->address);
    if (cl_address_resolve_connect_note(g->address, k->addr, sizeof k->addr, note, sizeof note) ==
        0)
        e = cli_conn_open(k->addr, (int)timeout_ms, &k->c, detail, sizeof detail);
    if (err != NULL)
        *err = e;
    if (e != CLI_CONN_OK)
        return NULL;
    j = cli_ctl_ask(k, "{\"op\":\"stats\"}\n", "stats", &rc);
    cli_ctl_close(k);
    if (j != NULL && strcmp(cJSON_GetObjectItemCaseSensitive(j, "op")->valuestring, "stats") != 0) {
        cJSON_Delete(j);
        j = NULL;
    }
    return j;
}

/* Absolute on either system: "/x", "\\server\x", "C:\x" (a collector
 * on POSIX never reports the last). */
static int absolute(const char *p)
{
    return p[0] == '/' || p[0] == '\\' ||
           (((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':' &&
            (p[2] == '\\' || p[2] == '/'));
}

int cli_ctl_find_db(const cli_global *g, long long timeout_ms, char *path, size_t plen,
                    char *origin, size_t olen)
{
    cli_ctl k;
    int err;
    cJSON *j = stats_quiet(&k, g, timeout_ms, &err), *p;
    int rc = err == CLI_CONN_OK || err == CLI_CONN_TIMEOUT ? 1 : -1;

    p = cJSON_GetObjectItemCaseSensitive(j, "db_path");
    if (cJSON_IsString(p) && absolute(p->valuestring) &&
        snprintf(path, plen, "%s", p->valuestring) < (int)plen) {
        snprintf(origin, olen, "the collector at %s", k.addr);
        rc = 0;
    } else if (rc == 1) {
        snprintf(origin, olen, "the collector at %s did not tell its database within %.1f s",
                 k.addr, (double)timeout_ms / 1000.0);
    }
    cJSON_Delete(j);
    return rc;
}

cJSON *cli_ctl_stats_quiet(const cli_global *g, long long timeout_ms)
{
    cli_ctl k;

    return stats_quiet(&k, g, timeout_ms, NULL);
}
