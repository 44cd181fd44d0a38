/* cmd_send.c - `centrallog send`: one entry per argument list or per stdin
 * line, through the SDK, like logger(1) with structured fields. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "args.h"
#include "centrallog.h"
#include "cli.h"
#include "clock.h"
#include "ctl.h"
#include "levelarg.h"
#include "report.h"

#define MAX_FIELDS 64

typedef struct send_opts {
    cl_options o;
    cl_field fields[MAX_FIELDS];
    size_t nfields;
    const char *app;
    int level, sync;
    long long timeout;
} send_opts;

static void send_usage(FILE *f)
{
    fprintf(f, "Usage: centrallog send [OPTIONS] [MESSAGE...]\n\n"
               "Sends one entry with MESSAGE (the arguments joined by spaces), or with no\n"
               "MESSAGE one entry per line of standard input.\n\n"
               "Options:\n"
               "  -p, --level LEVEL    trace debug info notice warning error critical alert\n"
               "                       emergency (or emerg crit err warn), or 0-7 (default\n"
               "                       info)\n"
               "  -t, --app NAME       application name (default: shell)\n"
               "  -f, --field KEY=VAL  add a field; VAL is an integer, true/false, or a string\n"
               "                       (repeatable; KEY:s=VAL forces a string)\n"
               "      --host NAME      host name to record (default: this machine)\n"
               "  -s, --sync           wait for the collector's acknowledgement and fail if the\n"
               "                       entry was rejected\n"
               "      --timeout MS     how long to wait for delivery, in all (default 5000);\n"
               "                       no socket at the address at all fails at once\n"
               "  -h, --help           this help\n\n"
               "Examples:\n"
               "  centrallog send -p warning -t backup --field files=1200 \"backup took 2h\"\n"
               "  journalctl -f -o cat | centrallog send -t journal\n\n"
               "Exit status: 0 delivered, 1 rejected by the collector, 2 bad usage,\n"
               "3 the collector could not be reached or did not acknowledge in time.\n");
}

/* "k=v": integers and booleans in canonical form are typed, anything else is
 * a string; "k:s=v" is always a string (a zip code "01234" stays a string
 * either way, being non-canonical). */
static int parse_field(char *arg, cl_field *f)
{
    char *eq = strchr(arg, '=');
    char *val, *end;
    size_t klen;

    if (eq == NULL || eq == arg)
        return -1;
    *eq = '\0';
    val = eq + 1;
    klen = strlen(arg);
    if (klen > 2 && strcmp(arg + klen - 2, ":s") == 0) {
        arg[klen - 2] = '\0';
        *f = CL_STR(arg, val);
        return 0;
    }
    if (strcmp(val, "true") == 0 || strcmp(val, "false") == 0) {
        *f = CL_BOOL(arg, val[0] == 't');
        return 0;
    }
    if ((val[0] == '-' && val[1] >= '1' && val[1] <= '9') || (val[0] >= '1' && val[0] <= '9') ||
        strcmp(val, "0") == 0) {
        long long v;

        errno = 0;
        v = strtoll(val, &end, 10);
        if (errno == 0 && *end == '\0') {
            *f = CL_INT(arg, v);
            return 0;
        }
    }
    *f = CL_STR(arg, val);
    return 0;
}

/* getline(3) is POSIX; this reads one line of any length portably. Returns
 * its length without the newline, or -1 at end of input. */
static long read_line(FILE *f, char **buf, size_t *cap)
{
    size_t n = 0;

    for (;;) {
        if (*cap - n < 2) {
            size_t nc = *cap ? *cap * 2 : 256;
            char *nb = realloc(*buf, nc);

            if (nb == NULL)
                return -1;
            *buf = nb;
            *cap = nc;
        }
        if (fgets(*buf + n, (int)(*cap - n), f) == NULL)
            return n > 0 ? (long)n : -1;
        n += strlen(*buf + n);
        if (n > 0 && (*buf)[n - 1] == '\n')
            return (long)n;
    }
}

static int send_one(cl_logger *lg, int level, const char *msg, const cl_field *f, size_t n)
{
    return n ? cl_log_fields(lg, (cl_level)level, msg, f, n)
             : cl_log(lg, (cl_level)level, "%s", msg);
}

static int opt_level(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    (void)opt;
    if ((((send_opts *)ctx)->level = cli_level_parse(arg)) < 0) {
        snprintf(err, errlen,
                 "--level: '%s' is not a level; use trace, debug, info, notice, warning, error, "
                 "critical, alert, emergency or 0-7",
                 arg);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* The field keeps pointers into arg (argv), split in place. */
static int opt_field(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    send_opts *s = ctx;

    (void)opt;
    if (s->nfields == MAX_FIELDS) {
        snprintf(err, errlen, "--field: at most %d fields", MAX_FIELDS);
        return CLI_USAGE;
    }
    if (parse_field((char *)arg, &s->fields[s->nfields]) != 0) {
        snprintf(err, errlen, "--field: expected KEY=VALUE, got '%s'", arg);
        return CLI_USAGE;
    }
    s->nfields++;
    return CLI_OK;
}

static int opt_timeout(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    (void)opt;
    if (cli_parse_long(arg, 1, INT_MAX, &((send_opts *)ctx)->timeout) != 0) {
        snprintf(err, errlen, "--timeout: expected milliseconds > 0, got '%s'", arg);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static const cli_opt send_options[] = {
    { "level", 'p', 1, opt_level, CLI_ALL_CMDS, 0 },
    { "app", 't', 1, cli_opt_string, CLI_ALL_CMDS, offsetof(send_opts, app) },
    { "field", 'f', 1, opt_field, CLI_ALL_CMDS, 0 },
    { "host", 0, 1, cli_opt_string, CLI_ALL_CMDS, offsetof(send_opts, o.host) },
    { "sync", 's', 0, cli_opt_flag, CLI_ALL_CMDS, offsetof(send_opts, sync) },
    { "timeout", 0, 1, opt_timeout, CLI_ALL_CMDS, 0 },
    { "help", 'h', 0, cli_opt_help, CLI_ALL_CMDS, 0 },
};

/* The message is the arguments joined by spaces. */
static char *join(int argc, char **argv)
{
    size_t len = 0;
    char *msg;

    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    if ((msg = malloc(len + 1)) == NULL)
        return NULL;
    msg[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i > 0)
            strcat(msg, " ");
        strcat(msg, argv[i]);
    }
    return msg;
}

/* Nothing at the address at all (no socket, a stale one nobody listens on,
 * one we may not open): say so now. The SDK would keep retrying for the
 * whole --timeout, as it should for a collector that is restarting. */
static int probe(const cli_global *g, const char *addr, long long timeout)
{
    char detail[512];
    cli_conn *c = NULL;
    int err = cli_conn_open(addr, timeout < 1000 ? (int)timeout : 1000, &c, detail, sizeof detail);

    cli_conn_close(c);
    if (err != CLI_CONN_NO_SOCKET && err != CLI_CONN_REFUSED && err != CLI_CONN_DENIED)
        return CLI_OK;
    return cli_fail(CLI_UNREACHABLE, "send",
                    "not delivered: no collector is reachable at %s (%s): %s", addr,
                    cl_address_origin(g->address), cli_ctl_why(err));
}

int cmd_send(const cli_global *g, int argc, char **argv)
{
    send_opts s;
    cli_opt_group group = { send_options, sizeof send_options / sizeof send_options[0], &s,
                            CLI_ALL_CMDS };
    size_t sent = 0;
    char err[512];
    int first, rc;
    char addr[4096], note[1024];
    cl_sock_trust trust;
    cl_logger *lg;
    cl_stats st;
    int64_t start = cl_mono_us();
    long long elapsed;

    memset(&s, 0, sizeof s);
    cl_options_init(&s.o);
    s.o.address = g->address;
    s.app = "shell";
    s.level = CL_INFO;
    s.timeout = 5000;
    /* In order: options end at the first word of the message (or at --),
     * so that `send took -p 2h` sends "took -p 2h". */
    rc = cli_args_parse(&group, 1, CLI_ARGS_IN_ORDER, argc, argv, &first, err, sizeof err);
    if (cli_args_report(rc, "send", err, send_usage) != CLI_OK)
        return rc == CLI_ARGS_HELP ? CLI_OK : rc;
    /* A shell user would rather wait than lose a line typed or piped in. */
    s.o.overflow = CL_OVERFLOW_BLOCK;
    /* Resolved here, not in the SDK, to warn about a default socket skipped
     * because another user could have put it there. */
    if (cl_address_resolve_connect_note(g->address, addr, sizeof addr, note, sizeof note) == 0) {
        s.o.address = addr;
        if (note[0] != '\0')
            fprintf(stderr, "centrallog send: warning: %s\n", note);
        /* An address that fails the check is refused at once, with the
         * reason (the SDK would only keep retrying it). */
        if (cl_sock_check(addr, &trust, note, sizeof note) == CL_SOCK_UNSAFE)
            return cli_fail(CLI_UNREACHABLE, "send", "refusing to use %s (%s): %s", addr,
                            cl_address_origin(g->address), note);
        if ((rc = probe(g, addr, s.timeout)) != CLI_OK)
            return rc;
    }
    /* --timeout bounds the whole run: what the flush leaves is lost at
     * once, not waited for again by cl_close (2 s more by default). */
    s.o.close_timeout_ms = 1;
    s.o.close_unreachable_ms = 1;
    rc = cl_open(&lg, s.app, &s.o);
    if (rc != CL_OK)
        return cli_fail(CLI_USAGE, "send", "%s: %s", rc == CL_EINVAL ? "--app" : "--address",
                        cl_strerror(rc));
    if (first < argc) {
        char *msg = join(argc - first, argv + first);

        if (msg == NULL) {
            cl_close(lg);
            return cli_fail(CLI_FAILED, "send", "out of memory");
        }
        rc = send_one(lg, s.level, msg, s.fields, s.nfields);
        sent += rc == CL_OK;
        free(msg);
    } else {
        char *line = NULL;
        size_t cap = 0;
        long n;

        while ((n = read_line(stdin, &line, &cap)) >= 0) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = '\0';
            if (n == 0)
                continue;
            if (send_one(lg, s.level, line, s.fields, s.nfields) == CL_OK)
                sent++;
        }
        free(line);
    }
    elapsed = (cl_mono_us() - start) / 1000;
    rc = cl_flush(lg, elapsed < s.timeout ? (int)(s.timeout - elapsed) : 1);
    cl_get_stats(lg, &st);
    cl_close(lg);
    if (rc == CL_EUNREACHABLE || rc == CL_ETIMEDOUT)
        return cli_fail(CLI_UNREACHABLE, "send",
                        "%zu entr%s not delivered: %s; is centrallogd running (centrallog status)?",
                        sent, sent == 1 ? "y" : "ies", cl_strerror(rc));
    if (s.sync && rc == CL_EREJECTED)
        return cli_fail(CLI_FAILED, "send",
                        "the collector rejected %" PRIu64
                        " of %zu entr%s; see `centrallog rejects`",
                        st.rejected, sent, sent == 1 ? "y" : "ies");
    return CLI_OK;
}
