/* platform_win32.c - named pipe transport for the SDK.
 *
 * The pipe is opened overlapped. One ReadFile is kept outstanding into a
 * buffer of the connection's own, so that "is there a reply?" is a wait on
 * its event; a write that cannot finish at once stays outstanding (the data
 * is copied) and "writable" means it has completed. The sender thread can
 * therefore wait on replies, on the end of a write and on its waker at once,
 * like poll() does on POSIX.
 *
 * Security: the SDK asks only for the rights a producer needs (read and write
 * data, read attributes, synchronize) - never GENERIC_WRITE, which includes
 * the right to create pipe instances - and says SECURITY_IDENTIFICATION, so a
 * server squatting on the name cannot impersonate the application.
 */
#include "platform.h"

#include <windows.h>

#include "clock.h"
#include "pipeconn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_BUF 4096
#define CONNECT_WAIT_MS 1000

struct cl_conn {
    HANDLE pipe;
    OVERLAPPED rd, wr;
    char rbuf[READ_BUF];
    DWORD rlen; /* bytes of a completed read not yet handed out */
    DWORD roff;
    int reading; /* a ReadFile is outstanding */
    int broken;
    char *wbuf; /* the outstanding write's copy */
    size_t wcap;
    DWORD wlen;
    int writing;
};

struct cl_waker {
    HANDLE ev;
};

static void start_read(cl_conn *c)
{
    DWORD n;

    if (c->reading || c->broken || c->rlen > c->roff)
        return;
    c->rlen = c->roff = 0;
    ResetEvent(c->rd.hEvent);
    if (ReadFile(c->pipe, c->rbuf, sizeof c->rbuf, &n, &c->rd)) {
        c->rlen = n; /* finished at once; the event is set too */
        return;
    }
    if (GetLastError() == ERROR_IO_PENDING || GetLastError() == ERROR_MORE_DATA)
        c->reading = 1;
    else
        c->broken = 1;
}

int cl_conn_open(cl_conn **out, const char *address, char *err, size_t errlen)
{
    /* While every instance is busy, wait a while for one (the caller backs
     * off and retries if this times out too). */
    HANDLE h = cl_pipe_connect(address, CONNECT_WAIT_MS);
    cl_conn *c;

    *out = NULL;
    if (h == INVALID_HANDLE_VALUE && GetLastError() == ERROR_BAD_PATHNAME) {
        snprintf(err, errlen, "invalid pipe name %s", address);
        return -1;
    }
    if (h == INVALID_HANDLE_VALUE) {
        snprintf(err, errlen, "cannot connect to %s (error %lu)", address,
                 (unsigned long)GetLastError());
        return -1;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL || (c->rd.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL ||
        (c->wr.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL) {
        if (c != NULL && c->rd.hEvent)
            CloseHandle(c->rd.hEvent);
        free(c);
        CloseHandle(h);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->pipe = h;
    start_read(c);
    *out = c;
    return 0;
}

/* Collects a finished write; returns 1 if none is outstanding any more. */
static int finish_write(cl_conn *c)
{
    DWORD n;

    if (!c->writing)
        return 1;
    if (!GetOverlappedResult(c->pipe, &c->wr, &n, FALSE)) {
        if (GetLastError() == ERROR_IO_INCOMPLETE)
            return 0;
        c->broken = 1;
    }
    c->writing = 0;
    return 1;
}

long cl_conn_write(cl_conn *c, const char *buf, size_t len)
{
    DWORD n;

    if (c->broken)
        return -1;
    if (!finish_write(c))
        return 0;
    if (c->broken)
        return -1;
    if (len > c->wcap) {
        char *nb = realloc(c->wbuf, len);

        if (nb == NULL)
            return 0;
        c->wbuf = nb;
        c->wcap = len;
    }
    /* Whole lines per WriteFile: in message mode every write is a message,
     * and a message end ends a line at the collector. */
    memcpy(c->wbuf, buf, len);
    c->wlen = (DWORD)len;
    ResetEvent(c->wr.hEvent);
    if (WriteFile(c->pipe, c->wbuf, c->wlen, &n, &c->wr))
        return (long)n;
    if (GetLastError() != ERROR_IO_PENDING) {
        c->broken = 1;
        return -1;
    }
    /* Accepted: the bytes are ours now and will be written. */
    c->writing = 1;
    return (long)len;
}

long cl_conn_read(cl_conn *c, char *buf, size_t len)
{
    DWORD n;

    if (c->reading) {
        if (!GetOverlappedResult(c->pipe, &c->rd, &n, FALSE)) {
            DWORD e = GetLastError();

            if (e == ERROR_IO_INCOMPLETE)
                return 0;
            if (e != ERROR_MORE_DATA) {
                c->reading = 0;
                c->broken = 1;
                return -1;
            }
        }
        c->reading = 0;
        c->rlen = n;
        c->roff = 0;
    }
    if (c->rlen > c->roff) {
        size_t k = c->rlen - c->roff < len ? c->rlen - c->roff : len;

        memcpy(buf, c->rbuf + c->roff, k);
        c->roff += (DWORD)k;
        start_read(c);
        return (long)k;
    }
    if (c->broken)
        return -1;
    start_read(c);
    return c->broken ? -1 : 0;
}

int cl_waker_new(cl_waker **out)
{
    cl_waker *w = malloc(sizeof *w);

    *out = NULL;
    if (w == NULL)
        return -1;
    w->ev = CreateEventW(NULL, FALSE, FALSE, NULL); /* auto-reset: consumed by the wait */
    if (w->ev == NULL) {
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

void cl_waker_signal(cl_waker *w)
{
    SetEvent(w->ev);
}

void cl_waker_free(cl_waker *w)
{
    if (w == NULL)
        return;
    CloseHandle(w->ev);
    free(w);
}

int cl_conn_wait(cl_conn *c, int mask, cl_waker *w, int timeout_ms)
{
    HANDLE hs[3];
    int what[3], n = 0, r = 0;
    DWORD got;

    if (c != NULL) {
        if ((mask & CL_WAIT_WRITE) && finish_write(c))
            r |= CL_WAIT_WRITE;
        if ((mask & CL_WAIT_READ) && (c->broken || c->rlen > c->roff))
            r |= CL_WAIT_READ;
        if (r)
            return r;
        if (mask & CL_WAIT_READ) {
            hs[n] = c->rd.hEvent;
            what[n++] = CL_WAIT_READ;
        }
        if ((mask & CL_WAIT_WRITE) && c->writing) {
            hs[n] = c->wr.hEvent;
            what[n++] = CL_WAIT_WRITE;
        }
    }
    if (w != NULL) {
        hs[n] = w->ev;
        what[n++] = CL_WAIT_WOKEN;
    }
    if (n == 0) {
        Sleep(timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
        return 0;
    }
    got =
        WaitForMultipleObjects((DWORD)n, hs, FALSE, timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms);
    if (got - WAIT_OBJECT_0 < (DWORD)n) /* WAIT_OBJECT_0 is 0 */
        return what[got - WAIT_OBJECT_0];
    return 0;
}

void cl_conn_close(cl_conn *c)
{
    if (c == NULL)
        return;
    /* Cancel and wait for both operations: their buffers are freed next. */
    CancelIoEx(c->pipe, NULL);
    if (c->reading) {
        DWORD n;

        GetOverlappedResult(c->pipe, &c->rd, &n, TRUE);
    }
    if (c->writing) {
        DWORD n;

        GetOverlappedResult(c->pipe, &c->wr, &n, TRUE);
    }
    CloseHandle(c->pipe);
    CloseHandle(c->rd.hEvent);
    CloseHandle(c->wr.hEvent);
    free(c->wbuf);
    free(c);
}

int64_t cl_thread_id(void)
{
    return (int64_t)GetCurrentThreadId();
}

int64_t cl_process_id(void)
{
    return (int64_t)GetCurrentProcessId();
}

void cl_host_name(char *out, size_t outlen)
{
    DWORD n = (DWORD)outlen;

    if (!GetComputerNameExA(ComputerNameDnsHostname, out, &n) || n == 0)
        snprintf(out, outlen, "localhost");
}

/* winpthreads' condition variables take a wall-clock deadline (the
 * monotonic clock is a POSIX-only choice here): a wall-clock step during a
 * wait still moves its end on Windows. */
int cl_cond_init(pthread_cond_t *cv)
{
    return pthread_cond_init(cv, NULL) == 0 ? 0 : -1;
}

void cl_cond_deadline(struct timespec *ts, int64_t ms)
{
    cl_abstime_in(ts, ms);
}
