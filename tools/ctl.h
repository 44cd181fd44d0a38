/* ctl.h - asking the running collector over its control connection: the
 * address as every command resolves it, one request and its reply within a
 * deadline, and the one wording of "no collector answered" (`status`,
 * `rotate`, `vacuum`). */
#ifndef CLI_CTL_H
#define CLI_CTL_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "cli.h"
#include "conn.h"

typedef struct cli_ctl {
    cli_conn *c;
    const char *cmd;    /* the command, for messages */
    const char *origin; /* where the address came from */
    char addr[4096];
    long long timeout_ms;
    int quiet; /* failures return their exit code without a message */
} cli_ctl;

/* Resolves the address (--address, $CENTRALLOG_ADDRESS, the default) and
 * connects within timeout_ms. Returns CLI_OK, or prints the reason as cmd
 * and returns the exit code (CLI_USAGE, CLI_UNREACHABLE). */
int cli_ctl_open(cli_ctl *k, const cli_global *g, const char *cmd, long long timeout_ms);

/* Sends one request line (with its '\n') and parses the reply within the
 * timeout. Returns the reply, or NULL after printing why (*rc: the exit
 * code). A reply whose op is not want_op (nor "error") is refused as not a
 * collector's. An {"op":"error"} reply is returned as it is. */
cJSON *cli_ctl_ask(cli_ctl *k, const char *line, const char *want_op, int *rc);

void cli_ctl_close(cli_ctl *k);

/* The stats of the collector at the resolved address, asked quietly (no
 * message when none answers within timeout_ms): the reply, or NULL. For
 * commands that show what a running collector knows when there is one. */
cJSON *cli_ctl_stats_quiet(const cli_global *g, long long timeout_ms);

/* The database of the collector answering at the resolved address, asked
 * quietly within timeout_ms (at once when there is no socket at all): its
 * absolute path into path and "the collector at ADDR" into origin; returns
 * 0, or -1 when there is none or it reports no absolute path (a collector
 * before issue 12 reported the path as configured, perhaps relative to its
 * own directory), or 1 when a collector took the connection but did not
 * answer in time (busy, stopped): then origin says so, for a note. */
int cli_ctl_find_db(const cli_global *g, long long timeout_ms, char *path, size_t plen,
                    char *origin, size_t olen);

/* Why a connection failed (err: a cli_conn_error other than TIMEOUT,
 * UNSAFE or FAILED), as the messages below say it: "no socket there; is
 * centrallogd running?". */
const char *cli_ctl_why(int err);

/* The one message for a collector that could not be asked (err: a
 * cli_conn_error); returns CLI_UNREACHABLE. */
int cli_ctl_unreachable(const cli_ctl *k, int err, const char *detail);

#endif
