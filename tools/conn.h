/* conn.h - a control connection to the running collector (`status`).
 *
 * One request line out, one reply line back, each within a deadline, so a
 * hung collector can never hang a health check. On POSIX this is the Unix
 * domain socket (conn_posix.c); a named-pipe version would sit behind the
 * same functions on Windows. */
#ifndef CLI_CONN_H
#define CLI_CONN_H

#include <stddef.h>

typedef struct cli_conn cli_conn;

/* Why a connection or request failed, for the one-line message. */
enum cli_conn_error {
    CLI_CONN_OK = 0,
    CLI_CONN_NO_SOCKET, /* nothing at the path */
    CLI_CONN_REFUSED,   /* a socket file, but nobody listening (stale) */
    CLI_CONN_DENIED,    /* no permission */
    CLI_CONN_TIMEOUT,   /* no connection or no reply before the deadline */
    CLI_CONN_CLOSED,    /* the collector closed the connection */
    CLI_CONN_FAILED,    /* anything else; see the detail text */
    CLI_CONN_UNSAFE,    /* another user could have put the socket there (detail: why) */
};

/* Connects to the socket at path within timeout_ms. Returns CLI_CONN_OK and
 * *out, or an error (detail: strerror text). On POSIX the socket is checked
 * first (cl_sock_check): one that another user could have put there is never
 * connected to (CLI_CONN_UNSAFE). */
int cli_conn_open(const char *path, int timeout_ms, cli_conn **out, char *detail, size_t len);

/* Sends line (with its '\n') and reads one reply line (without '\n', NUL
 * terminated, at most 1 MiB) within timeout_ms. *reply is the caller's to
 * free. */
int cli_conn_request(cli_conn *c, const char *line, int timeout_ms, char **reply, char *detail,
                     size_t len);

/* NULL-safe. */
void cli_conn_close(cli_conn *c);

#endif
