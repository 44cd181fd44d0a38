/* cmd_send.c - `centrallog send`: one entry per argument list or per stdin
 * line, through the SDK, like logger(1) with structured fields. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "centrallog.h"
#include "cli.h"

#define MAX_FIELDS 64

static void send_usage(FILE *f)
{
    fprintf(f, "Usage: centrallog send [OPTIONS] [MESSAGE...]\n\n"
               "Sends one entry with MESSAGE (the arguments joined by spaces), or with no\n"
               "MESSAGE one entry per line of standard input.\n\n"
               "Options:\n"
               "  -p, --level LEVEL    trace debug info notice warning error critical alert\n"
               "                       emergency, or 0-7 (default info)\n"
               "  -t, --app NAME       application name (default: shell)\n"
               "  -f, --field KEY=VAL  add a field; VAL is an integer, true/false, or a string\n"
               "                       (repeatable; KEY:s=VAL forces a string)\n"
               "      --host NAME      host name to record (default: this machine)\n"
               "  -s, --sync           wait for the collector's acknowledgement and fail if the\n"
               "                       entry was rejected\n"
               "      --timeout MS     how long to wait for delivery (default 5000)\n"
               "  -h, --help           this help\n\n"
               "Examples:\n"
               "  centrallog send -p warning -t backup --field files=1200 \"backup took 2h\"\n"
               "  journalctl -f -o cat | centrallog send -t journal\n\n"
               "Exit status: 0 delivered, 1 rejected by the collector, 2 bad usage,\n"
               "3 the collector could not be reached or did not acknowledge in time.\n");
}

static int parse_level(const char *s)
{
    static const char *const names[] = { "emergency", "alert", "critical", "error", "warning",
                                         "notice",    "info",  "debug",    "trace" };

    for (int i = 0; i < 9; i++) {
        if (strcasecmp(s, names[i]) == 0)
            return i;
    }
    if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0')
        return s[0] - '0';
    return -1;
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

int cmd_send(const cli_global *g, int argc, char **argv)
{
    static const struct option opts[] = {
        { "level", required_argument, NULL, 'p' }, { "app", required_argument, NULL, 't' },
        { "field", required_argument, NULL, 'f' }, { "host", required_argument, NULL, 'H' },
        { "sync", no_argument, NULL, 's' },        { "timeout", required_argument, NULL, 'T' },
        { "help", no_argument, NULL, 'h' },        { NULL, 0, NULL, 0 },
    };
    cl_field fields[MAX_FIELDS];
    size_t nfields = 0, sent = 0;
    const char *app = "shell";
    int level = CL_INFO, sync = 0, timeout = 5000, c, rc;
    char addr[4096], note[1024];
    cl_sock_trust trust;
    cl_options o;
    cl_logger *lg;
    cl_stats st;

    cl_options_init(&o);
    o.address = g->address;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+p:t:f:sh", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if ((level = parse_level(optarg)) < 0)
                return cli_fail(CLI_USAGE, "send",
                                "--level: '%s' is not a level; use trace, debug, info, notice, "
                                "warning, error, critical, alert, emergency or 0-7",
                                optarg);
            break;
        case 't':
            app = optarg;
            break;
        case 'f':
            if (nfields == MAX_FIELDS)
                return cli_fail(CLI_USAGE, "send", "--field: at most %d fields", MAX_FIELDS);
            if (parse_field(optarg, &fields[nfields]) != 0)
                return cli_fail(CLI_USAGE, "send", "--field: expected KEY=VALUE, got '%s'", optarg);
            nfields++;
            break;
        case 'H':
            o.host = optarg;
            break;
        case 's':
            sync = 1;
            break;
        case 'T':
            timeout = atoi(optarg);
            if (timeout <= 0)
                return cli_fail(CLI_USAGE, "send", "--timeout: expected milliseconds > 0");
            break;
        case 'h':
            send_usage(stdout);
            return CLI_OK;
        default:
            return cli_fail(CLI_USAGE, "send", "unknown or incomplete option '%s'; see --help",
                            argv[optind - 1]);
        }
    }
    /* A shell user would rather wait than lose a line typed or piped in. */
    o.overflow = CL_OVERFLOW_BLOCK;
    /* Resolved here, not in the SDK, to warn about a default socket skipped
     * because another user could have put it there. */
    if (cl_address_resolve_connect_note(g->address, addr, sizeof addr, note, sizeof note) == 0) {
        o.address = addr;
        if (note[0] != '\0')
            fprintf(stderr, "centrallog send: warning: %s\n", note);
        /* An address that fails the check is refused at once, with the
         * reason (the SDK would only keep retrying it). */
        if (cl_sock_check(addr, &trust, note, sizeof note) == CL_SOCK_UNSAFE)
            return cli_fail(CLI_UNREACHABLE, "send", "refusing to use %s (%s): %s", addr,
                            cl_address_origin(g->address), note);
    }
    rc = cl_open(&lg, app, &o);
    if (rc != CL_OK)
        return cli_fail(CLI_USAGE, "send", "%s: %s", rc == CL_EINVAL ? "--app" : "--address",
                        cl_strerror(rc));
    if (optind < argc) {
        size_t len = 0;
        char *msg;

        for (int i = optind; i < argc; i++)
            len += strlen(argv[i]) + 1;
        msg = malloc(len + 1);
        if (msg == NULL)
            return cli_fail(CLI_FAILED, "send", "out of memory");
        msg[0] = '\0';
        for (int i = optind; i < argc; i++) {
            if (i > optind)
                strcat(msg, " ");
            strcat(msg, argv[i]);
        }
        rc = send_one(lg, level, msg, fields, nfields);
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
            if (send_one(lg, level, line, fields, nfields) == CL_OK)
                sent++;
        }
        free(line);
    }
    rc = cl_flush(lg, timeout);
    cl_get_stats(lg, &st);
    cl_close(lg);
    if (rc == CL_EUNREACHABLE || rc == CL_ETIMEDOUT)
        return cli_fail(CLI_UNREACHABLE, "send",
                        "%zu entr%s not delivered: %s; is centrallogd running (centrallog status)?",
                        sent, sent == 1 ? "y" : "ies", cl_strerror(rc));
    if (sync && rc == CL_EREJECTED)
        return cli_fail(CLI_FAILED, "send",
                        "the collector rejected %" PRIu64
                        " of %zu entr%s; see `centrallog rejects`",
                        st.rejected, sent, sent == 1 ? "y" : "ies");
    return CLI_OK;
}
