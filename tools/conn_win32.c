/* conn_win32.c - conn.h over a Windows named pipe. Overlapped I/O with
 * waits bounded by the deadline, so a hung collector cannot hang `status`. */
#include "conn.h"

#include <windows.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "pipeconn.h"

#define MAX_REPLY (1 << 20)

struct cli_conn {
    HANDLE pipe;
    HANDLE ev;
    char *buf; /* bytes read past the last reply */
    size_t n, cap;
};

/* Translates the Win32 error once, here, into the codes every platform shares. */
static int from_win32(DWORD e, char *detail, size_t len)
{
    snprintf(detail, len, "Windows error %lu", (unsigned long)e);
    switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_BAD_PATHNAME:
        return CLI_CONN_NO_SOCKET;
    case ERROR_ACCESS_DENIED:
        return CLI_CONN_DENIED;
    case ERROR_SEM_TIMEOUT:
    case WAIT_TIMEOUT:
        return CLI_CONN_TIMEOUT;
    case ERROR_BROKEN_PIPE:
    case ERROR_PIPE_NOT_CONNECTED:
    case ERROR_NO_DATA:
        return CLI_CONN_CLOSED;
    default:
        return CLI_CONN_FAILED;
    }
}

int cli_conn_open(const char *path, int timeout_ms, cli_conn **out, char *detail, size_t len)
{
    HANDLE h = cl_pipe_connect(path, timeout_ms > 0 ? (DWORD)timeout_ms : 0);
    cli_conn *c;

    *out = NULL;
    /* Every instance busy until the deadline is a timeout like any other. */
    if (h == INVALID_HANDLE_VALUE)
        return from_win32(GetLastError() == ERROR_PIPE_BUSY ? WAIT_TIMEOUT : GetLastError(), detail,
                          len);
    c = calloc(1, sizeof *c);
    if (c == NULL || (c->ev = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL) {
        free(c);
        CloseHandle(h);
        return from_win32(ERROR_NOT_ENOUGH_MEMORY, detail, len);
    }
    c->pipe = h;
    *out = c;
    return CLI_CONN_OK;
}

/* One overlapped transfer, waited for until the deadline. */
static int transfer(cli_conn *c, int write, void *buf, DWORD n, DWORD *done, int64_t deadline,
                    char *detail, size_t len)
{
    OVERLAPPED ov;
    BOOL ok;
    int64_t now = cl_mono_ms();

    memset(&ov, 0, sizeof ov);
    ov.hEvent = c->ev;
    ResetEvent(c->ev);
    ok = write ? WriteFile(c->pipe, buf, n, NULL, &ov) : ReadFile(c->pipe, buf, n, NULL, &ov);
    if (!ok && GetLastError() != ERROR_IO_PENDING && GetLastError() != ERROR_MORE_DATA)
        return from_win32(GetLastError(), detail, len);
    if (WaitForSingleObject(c->ev, now < deadline ? (DWORD)(deadline - now) : 0) != WAIT_OBJECT_0) {
        CancelIoEx(c->pipe, &ov);
        GetOverlappedResult(c->pipe, &ov, done, TRUE);
        return from_win32(WAIT_TIMEOUT, detail, len);
    }
    if (!GetOverlappedResult(c->pipe, &ov, done, FALSE) && GetLastError() != ERROR_MORE_DATA)
        return from_win32(GetLastError(), detail, len);
    return CLI_CONN_OK;
}

int cli_conn_request(cli_conn *c, const char *line, int timeout_ms, char **reply, char *detail,
                     size_t len)
{
    int64_t deadline = cl_mono_ms() + timeout_ms;
    DWORD done;
    int rc;

    *reply = NULL;
    rc = transfer(c, 1, (void *)line, (DWORD)strlen(line), &done, deadline, detail, len);
    if (rc != CLI_CONN_OK)
        return rc;
    for (;;) {
        char *nl = c->buf ? memchr(c->buf, '\n', c->n) : NULL;

        if (nl != NULL) {
            size_t k = (size_t)(nl - c->buf);

            *reply = malloc(k + 1);
            if (*reply == NULL)
                return from_win32(ERROR_NOT_ENOUGH_MEMORY, detail, len);
            memcpy(*reply, c->buf, k);
            (*reply)[k] = '\0';
            c->n -= k + 1;
            memmove(c->buf, nl + 1, c->n);
            return CLI_CONN_OK;
        }
        if (c->n == MAX_REPLY) {
            snprintf(detail, len, "reply longer than %d bytes", MAX_REPLY);
            return CLI_CONN_FAILED;
        }
        if (c->cap - c->n < 4096) {
            size_t cap = c->cap ? c->cap * 2 : 8192;
            char *nb = realloc(c->buf, cap > MAX_REPLY ? MAX_REPLY : cap);

            if (nb == NULL)
                return from_win32(ERROR_NOT_ENOUGH_MEMORY, detail, len);
            c->buf = nb;
            c->cap = cap > MAX_REPLY ? MAX_REPLY : cap;
        }
        rc = transfer(c, 0, c->buf + c->n, (DWORD)(c->cap - c->n), &done, deadline, detail, len);
        if (rc != CLI_CONN_OK)
            return rc;
        if (done == 0)
            return from_win32(ERROR_BROKEN_PIPE, detail, len);
        c->n += done;
    }
}

void cli_conn_close(cli_conn *c)
{
    if (c == NULL)
        return;
    CloseHandle(c->pipe);
    CloseHandle(c->ev);
    free(c->buf);
    free(c);
}
