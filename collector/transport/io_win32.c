/* io_win32.c - the event loop over Windows named pipes: overlapped I/O on one
 * I/O completion port, no thread per client.
 *
 * Several pipe instances wait in ConnectNamedPipe at any time, so a burst of
 * producers does not meet ERROR_PIPE_BUSY. Each connected instance has at
 * most one ReadFile outstanding; writes are queued as they come. Every
 * outstanding operation holds a reference on its stream: a closed stream is
 * freed only when the completions of its cancelled operations have arrived.
 *
 * The pipe is created in message mode. A producer that writes one JSON entry
 * per WriteFile without a trailing newline (as the classic Win32 examples
 * do) is understood: the end of a pipe message ends a line, as '\n' does.
 */
#include "clock.h"
#include "ioloop.h"
#include "io_timer.h"
#include "pipesec.h"
#include "sidcache.h"
#include "wstr.h"

#include <windows.h>

#include <sddl.h>
#include <stddef.h>
#include <winternl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_BACKLOG_MAX (256u * 1024u)
#define PAUSED_READ_MAX 4096
#define PENDING_INSTANCES 8
#define PIPE_BUFFER 65536
#define WAKE_KEY ((ULONG_PTR)1)
#define MAX_EVENTS 64

enum op_kind { OP_CONNECT = 1, OP_READ, OP_WRITE };

typedef struct io_op {
    OVERLAPPED ov; /* first: the completion gives us &ov */
    enum op_kind kind;
    cl_stream *s;
    char *buf; /* OP_READ: the owner's buffer being filled */
    size_t len;
    char data[]; /* OP_WRITE: the bytes */
} io_op;

struct cl_stream {
    cl_io *io;
    HANDLE pipe;
    void *data;
    cl_peer peer;
    int refs;      /* outstanding operations + 1 while open */
    int connected; /* past ConnectNamedPipe */
    int closed;    /* on_close has run, handle closed */
    int eof;
    int held;
    int reading;  /* a ReadFile is outstanding */
    int sid_read; /* the producer's SID was looked up (see read_client_sid) */
    int shut_rd;  /* shutdown: read what is there, then end */
    io_op connect_op, read_op;
    size_t out_pending; /* bytes in outstanding writes */
    int throttled;      /* not read until the owner says (cl_stream_throttle) */
    cl_timer_node tn;   /* idle limit (cl_stream_set_timeout), see io_timer.h */
    cl_stream *prev, *next;
};

struct cl_io {
    cl_io_handlers h;
    void *data;
    HANDLE iocp;
    wchar_t *name;
    SECURITY_ATTRIBUTES sa;
    PSECURITY_DESCRIPTOR sd;
    DWORD pipe_mode;
    int listening;
    size_t max_streams;
    cl_stream *pending[PENDING_INSTANCES];
    size_t nstreams;
    cl_stream *streams;
    int paused;
    unsigned long long refused;
    cl_timers timers; /* the tick and idle limits */
};

static void win_error(char *err, size_t errlen, const char *what, DWORD code)
{
    char msg[256] = "";
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code,
                             0, msg, sizeof msg, NULL);

    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r' || msg[n - 1] == '.'))
        msg[--n] = '\0';
    snprintf(err, errlen, "%s: %s (error %lu)", what, msg, (unsigned long)code);
}

/* The user SID of a token as interned text ("S-1-5-21-..."), or NULL. */
static const char *token_user_sid(HANDLE token)
{
    union {
        TOKEN_USER tu;
        char buf[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    } info;
    DWORD len = 0;
    char *text = NULL;
    const char *sid;

    if (!GetTokenInformation(token, TokenUser, &info, sizeof info, &len) ||
        !ConvertSidToStringSidA(info.tu.User.Sid, &text))
        return NULL;
    sid = cl_sid_intern(text);
    LocalFree(text);
    return sid;
}

/* The producer's user SID, from its token. The only way to see a pipe
 * client's token is to impersonate it; the SDK grants identification level
 * only (SECURITY_IDENTIFICATION), which is enough to query the token and not
 * enough to act as the producer. OpenAsSelf: with an identification-level
 * token on the thread, opening the token as the client would fail
 * (ERROR_BAD_IMPERSONATION_LEVEL), so the access check uses our own identity.
 * Must be called after data has been read from the pipe: before that,
 * ImpersonateNamedPipeClient fails with ERROR_CANNOT_IMPERSONATE. */
static const char *read_client_sid(HANDLE pipe)
{
    HANDLE token = NULL;
    const char *sid = NULL;
    BOOL opened = ImpersonateNamedPipeClient(pipe) &&
                  OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, TRUE, &token);

    /* Revert at once, and whatever happened above (reverting when not
     * impersonating is harmless). An I/O thread left running as a producer
     * would serve every other producer with that producer's identity: if we
     * cannot get our own back, stopping is the only safe thing to do. */
    if (!RevertToSelf())
        abort();
    if (opened) {
        sid = token_user_sid(token);
        CloseHandle(token);
    }
    return sid;
}

int cl_io_new(cl_io **out, const cl_io_handlers *h, void *data)
{
    cl_io *io = calloc(1, sizeof *io);

    *out = NULL;
    if (io == NULL)
        return -1;
    io->h = *h;
    io->data = data;
    io->iocp = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    if (io->iocp == NULL) {
        free(io);
        return -1;
    }
    *out = io;
    return 0;
}

void *cl_io_data(cl_io *io)
{
    return io->data;
}

static void unref(cl_stream *s)
{
    if (--s->refs == 0)
        free(s);
}

/* Creates one instance waiting for a producer. */
static cl_stream *new_instance(cl_io *io, int first, DWORD *error)
{
    cl_stream *s = calloc(1, sizeof *s);
    DWORD open = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED;

    *error = ERROR_NOT_ENOUGH_MEMORY;
    if (s == NULL)
        return NULL;
    /* Attempt to create the first pipe with FILE_FLAG_FIRST_PIPE_INSTANCE:
     * if that fails, another server already owns the name. */
    if (first)
        open |= FILE_FLAG_FIRST_PIPE_INSTANCE;
    s->pipe = CreateNamedPipeW(io->name, open, io->pipe_mode, PIPE_UNLIMITED_INSTANCES, PIPE_BUFFER,
                               PIPE_BUFFER, 0, &io->sa);
    if (s->pipe == INVALID_HANDLE_VALUE) {
        *error = GetLastError();
        free(s);
        return NULL;
    }
    if (CreateIoCompletionPort(s->pipe, io->iocp, 0, 0) == NULL) {
        *error = GetLastError();
        CloseHandle(s->pipe);
        free(s);
        return NULL;
    }
    s->io = io;
    s->refs = 1;
    s->peer.pid = s->peer.uid = s->peer.gid = -1;
    s->peer.sid = NULL;
    s->connect_op.kind = OP_CONNECT;
    s->connect_op.s = s;
    s->read_op.kind = OP_READ;
    s->read_op.s = s;
    return s;
}

static void on_connected(cl_io *io, cl_stream *s);

/* Starts ConnectNamedPipe on an instance; a producer that connected between
 * CreateNamedPipe and now is handled at once. */
static int arm_instance(cl_io *io, int slot, cl_stream *s)
{
    memset(&s->connect_op.ov, 0, sizeof s->connect_op.ov);
    io->pending[slot] = s;
    s->refs++;
    if (ConnectNamedPipe(s->pipe, &s->connect_op.ov))
        return 0; /* completion is queued all the same */
    switch (GetLastError()) {
    case ERROR_IO_PENDING:
        return 0;
    case ERROR_PIPE_CONNECTED:
        /* No completion will be queued for this one. */
        s->refs--;
        io->pending[slot] = NULL;
        on_connected(io, s);
        return 1;
    default:
        s->refs--;
        io->pending[slot] = NULL;
        CloseHandle(s->pipe);
        unref(s);
        return -1;
    }
}

/* Keeps every pending slot filled. */
static void refill(cl_io *io)
{
    DWORD error;

    for (int slot = 0; slot < PENDING_INSTANCES && io->listening; slot++) {
        int guard = 0;

        while (io->pending[slot] == NULL && guard++ < 16) {
            cl_stream *s = new_instance(io, 0, &error);

            if (s == NULL)
                return;
            arm_instance(io, slot, s);
        }
    }
}

/* Is some server already answering on the name? (Wine does not enforce
 * FILE_FLAG_FIRST_PIPE_INSTANCE, so ask as a client first, like the POSIX
 * build's live-socket check.) */
static int name_is_live(const wchar_t *name)
{
    HANDLE h = CreateFileW(name, GENERIC_READ, 0, NULL, OPEN_EXISTING,
                           SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, NULL);

    if (h != INVALID_HANDLE_VALUE) {
        CloseHandle(h);
        return 1;
    }
    return GetLastError() == ERROR_PIPE_BUSY || GetLastError() == ERROR_ACCESS_DENIED;
}

int cl_io_listen(cl_io *io, const cl_listen_options *opt, char *err, size_t errlen)
{
    const wchar_t *sddl = CL_PIPE_DEFAULT_SDDL; /* see pipesec.h */
    wchar_t *custom = NULL;
    cl_stream *first;
    DWORD error;

    io->name = cl_wide(opt->address);
    if (io->name == NULL || wcsncmp(io->name, L"\\\\", 2) != 0) {
        snprintf(err, errlen, "'%s' is not a pipe name such as \\\\.\\pipe\\CentralLog",
                 opt->address);
        return -1;
    }
    if (opt->sddl != NULL && opt->sddl[0] != '\0') {
        custom = cl_wide(opt->sddl);
        sddl = custom;
    }
    if (sddl == NULL || !ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1,
                                                                              &io->sd, NULL)) {
        win_error(err, errlen, "--pipe-sddl is not a valid security descriptor",
                  sddl ? GetLastError() : ERROR_INVALID_PARAMETER);
        free(custom);
        return -1;
    }
    free(custom);
    io->sa.nLength = sizeof io->sa;
    io->sa.lpSecurityDescriptor = io->sd;
    io->sa.bInheritHandle = FALSE;
    io->pipe_mode = PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT |
                    (opt->accept_remote ? PIPE_ACCEPT_REMOTE_CLIENTS : PIPE_REJECT_REMOTE_CLIENTS);
    io->max_streams = opt->max_streams;
    if (name_is_live(io->name)) {
        snprintf(err, errlen,
                 "another centrallogd is already listening on %s; stop it first or choose "
                 "another --address",
                 opt->address);
        return -1;
    }
    first = new_instance(io, 1, &error);
    if (first == NULL) {
        if (error == ERROR_ACCESS_DENIED || error == ERROR_PIPE_BUSY)
            snprintf(err, errlen,
                     "the pipe name %s is already taken (another collector or a squatter); "
                     "refusing to share it",
                     opt->address);
        else
            win_error(err, errlen, "cannot create the named pipe", error);
        return -1;
    }
    io->listening = 1;
    arm_instance(io, 0, first);
    refill(io);
    return 0;
}

static void link_stream(cl_io *io, cl_stream *s)
{
    s->next = io->streams;
    if (io->streams)
        io->streams->prev = s;
    io->streams = s;
    io->nstreams++;
}

static void close_stream(cl_io *io, cl_stream *s, int err)
{
    if (s->closed)
        return;
    cl_timers_disarm(&io->timers, &s->tn);
    if (s->connected && io->h.on_close)
        io->h.on_close(s, err);
    s->closed = 1;
    /* Closing the handle cancels outstanding operations; their completions
     * (ERROR_OPERATION_ABORTED) drop the last references. */
    CloseHandle(s->pipe);
    s->pipe = INVALID_HANDLE_VALUE;
    if (s->connected) {
        if (s->prev)
            s->prev->next = s->next;
        else
            io->streams = s->next;
        if (s->next)
            s->next->prev = s->prev;
        io->nstreams--;
    }
    unref(s);
}

static int may_read(const cl_io *io, const cl_stream *s)
{
    return !s->closed && !s->eof && !s->reading && !(io->paused && s->held) &&
           !(s->throttled && !s->shut_rd) && (s->out_pending < OUT_BACKLOG_MAX || s->shut_rd);
}

/* Posts the next ReadFile, keeping one byte of the buffer for the newline
 * that a message end stands for. */
static void post_read(cl_io *io, cl_stream *s)
{
    char *buf;
    size_t len;

    if (!may_read(io, s))
        return;
    if (io->h.on_alloc(s, &buf, &len) != 0 || len < 2) {
        close_stream(io, s, ENOMEM);
        return;
    }
    len--;
    if (io->paused && len > PAUSED_READ_MAX)
        len = PAUSED_READ_MAX;
    memset(&s->read_op.ov, 0, sizeof s->read_op.ov);
    s->read_op.buf = buf;
    s->read_op.len = len;
    s->reading = 1;
    s->refs++;
    if (!ReadFile(s->pipe, buf, (DWORD)len, NULL, &s->read_op.ov) &&
        GetLastError() != ERROR_IO_PENDING && GetLastError() != ERROR_MORE_DATA) {
        /* Failed synchronously: no completion will come. */
        s->reading = 0;
        s->refs--;
        s->eof = 1;
        io->h.on_read(s, 0);
    }
}

static void on_connected(cl_io *io, cl_stream *s)
{
    static const char refuse[] = "{\"op\":\"error\",\"code\":\"too_many_connections\","
                                 "\"message\":\"the collector is at its connection limit; "
                                 "retry later\"}\n";
    ULONG pid = 0;

    if (io->max_streams && io->nstreams >= io->max_streams) {
        DWORD n;

        io->refused++;
        WriteFile(s->pipe, refuse, sizeof refuse - 1, &n, NULL);
        CloseHandle(s->pipe);
        unref(s);
        return;
    }
    s->connected = 1;
    if (GetNamedPipeClientProcessId(s->pipe, &pid))
        s->peer.pid = (int64_t)pid;
    link_stream(io, s);
    io->h.on_accept(io, s);
    post_read(io, s);
}

static void complete_read(cl_io *io, cl_stream *s, DWORD n, DWORD error)
{
    char *buf = s->read_op.buf;

    s->reading = 0;
    if (s->closed)
        return;
    if (error == ERROR_SUCCESS || error == ERROR_MORE_DATA) {
        /* ERROR_SUCCESS: the message ended here; ERROR_MORE_DATA: it goes on. */
        if (error == ERROR_SUCCESS && n > 0 && buf[n - 1] != '\n')
            buf[n++] = '\n';
        if (n > 0) {
            s->tn.progress_ms = cl_mono_ms();
            /* Now that the producer has written something its token can be
             * read; before on_read, so that every entry and reject of the
             * connection, the first included, carries the SID. */
            if (!s->sid_read) {
                s->sid_read = 1;
                s->peer.sid = read_client_sid(s->pipe);
            }
            io->h.on_read(s, n);
        }
        post_read(io, s);
        return;
    }
    /* Broken pipe (the producer closed), or cancelled at shutdown. */
    s->eof = 1;
    io->h.on_read(s, 0);
}

static void complete_write(cl_io *io, io_op *op, DWORD error)
{
    cl_stream *s = op->s;

    s->out_pending -= op->len;
    free(op);
    if (!s->closed && error != ERROR_SUCCESS && !s->eof) {
        /* The producer went away; its read side will tell the owner. */
        post_read(io, s);
    } else if (!s->closed) {
        post_read(io, s); /* the backlog may have dropped below the limit */
        if (!s->closed && s->out_pending == 0 && io->h.on_drained)
            io->h.on_drained(s);
    }
}

static void dispatch(cl_io *io, OVERLAPPED_ENTRY *e)
{
    io_op *op;
    cl_stream *s;
    DWORD n, error = ERROR_SUCCESS;

    if (e->lpCompletionKey == WAKE_KEY) {
        io->h.on_wakeup(io);
        return;
    }
    op = (io_op *)e->lpOverlapped;
    s = op->s;
    n = e->dwNumberOfBytesTransferred;
    /* The operation's status is an NTSTATUS in Internal; the handle may be
     * closed already, so translate it rather than ask GetOverlappedResult. */
    if (op->ov.Internal != 0)
        error = RtlNtStatusToDosError((NTSTATUS)op->ov.Internal);
    switch (op->kind) {
    case OP_CONNECT:
        for (int slot = 0; slot < PENDING_INSTANCES; slot++) {
            if (io->pending[slot] == s)
                io->pending[slot] = NULL;
        }
        if (error == ERROR_SUCCESS || error == ERROR_PIPE_CONNECTED) {
            s->refs--;
            on_connected(io, s);
        } else {
            if (s->pipe != INVALID_HANDLE_VALUE)
                CloseHandle(s->pipe);
            s->pipe = INVALID_HANDLE_VALUE;
            s->refs--;
            unref(s);
        }
        refill(io);
        break;
    case OP_READ:
        complete_read(io, s, n, error);
        unref(s);
        break;
    case OP_WRITE:
        complete_write(io, op, error);
        unref(s);
        break;
    }
}

/* At shutdown a stream ends when the pipe holds nothing more for it. */
static void check_drained(cl_io *io)
{
    for (cl_stream *s = io->streams; s != NULL; s = s->next) {
        DWORD avail = 0;

        if (!s->shut_rd || s->eof || s->closed || !s->reading)
            continue;
        if (PeekNamedPipe(s->pipe, NULL, 0, NULL, &avail, NULL) && avail == 0)
            CancelIoEx(s->pipe, &s->read_op.ov);
        else if (!PeekNamedPipe(s->pipe, NULL, 0, NULL, &avail, NULL))
            CancelIoEx(s->pipe, &s->read_op.ov);
    }
}

static cl_stream *node_stream(cl_timer_node *n)
{
    return (cl_stream *)((char *)n - offsetof(cl_stream, tn));
}

/* A stream with no ReadFile outstanding cannot be blamed for silence. */
static int node_reading(cl_timer_node *n, void *ctx)
{
    (void)ctx;
    return node_stream(n)->reading;
}

static void node_expired(cl_timer_node *n, void *ctx)
{
    cl_io *io = ctx;

    if (io->h.on_timeout)
        io->h.on_timeout(node_stream(n));
}

void cl_io_set_tick(cl_io *io, int interval_ms)
{
    cl_timers_set_tick(&io->timers, interval_ms, cl_mono_ms());
}

void cl_stream_set_timeout(cl_stream *s, int ms)
{
    if (!s->closed)
        cl_timers_arm(&s->io->timers, &s->tn, ms, cl_mono_ms());
}

void cl_stream_throttle(cl_stream *s, int on)
{
    if (s->throttled != !!on) {
        s->throttled = !!on;
        if (!on)
            post_read(s->io, s);
    }
}

unsigned long long cl_io_refused_count(cl_io *io)
{
    return io->refused;
}

void cl_io_self(cl_peer *out)
{
    HANDLE token;

    out->pid = (int64_t)GetCurrentProcessId();
    out->uid = out->gid = -1;
    out->sid = NULL;
    if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
        out->sid = token_user_sid(token);
        CloseHandle(token);
    }
}

int cl_io_run(cl_io *io, int timeout_ms)
{
    OVERLAPPED_ENTRY ev[MAX_EVENTS];
    ULONG n = 0;
    long long now = cl_mono_ms();

    if (cl_timers_run(&io->timers, now, node_reading, node_expired, io) && io->h.on_tick)
        io->h.on_tick(io);
    check_drained(io);
    timeout_ms = cl_timers_wait(&io->timers, now, timeout_ms);
    if (!GetQueuedCompletionStatusEx(io->iocp, ev, MAX_EVENTS, &n,
                                     timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms, FALSE))
        return GetLastError() == WAIT_TIMEOUT ? 0 : -1;
    for (ULONG i = 0; i < n; i++)
        dispatch(io, &ev[i]);
    return (int)n;
}

void cl_io_stop_listening(cl_io *io)
{
    if (!io->listening)
        return;
    /* Producers already connected (completions queued) are taken in first:
     * they may have written their last entries and gone. */
    while (cl_io_run(io, 0) > 0)
        ;
    io->listening = 0;
    for (int slot = 0; slot < PENDING_INSTANCES; slot++) {
        cl_stream *s = io->pending[slot];

        if (s != NULL) {
            CloseHandle(s->pipe);
            s->pipe = INVALID_HANDLE_VALUE;
        }
    }
    /* Their ConnectNamedPipe completions (aborted) free them. */
    while (cl_io_run(io, 0) > 0)
        ;
}

void cl_io_wakeup(cl_io *io)
{
    PostQueuedCompletionStatus(io->iocp, 0, WAKE_KEY, NULL);
}

void cl_io_pause(cl_io *io, int paused)
{
    if (io->paused == paused)
        return;
    io->paused = paused;
    if (paused)
        return;
    for (cl_stream *s = io->streams; s != NULL; s = s->next) {
        s->held = 0;
        post_read(io, s);
    }
}

void cl_stream_hold(cl_stream *s)
{
    if (s->io->paused)
        s->held = 1;
}

void cl_io_shutdown_reads(cl_io *io)
{
    /* Pipes have no half-close: read on until the pipe is empty (checked
     * before every wait), then the stream ends as if the producer had
     * closed it. */
    for (cl_stream *s = io->streams; s != NULL; s = s->next) {
        s->shut_rd = 1;
        post_read(io, s);
    }
}

size_t cl_io_stream_count(cl_io *io)
{
    return io->nstreams;
}

void cl_io_free(cl_io *io)
{
    if (io == NULL)
        return;
    cl_io_stop_listening(io);
    while (io->streams)
        close_stream(io, io->streams, 0);
    /* Collect the aborted operations so that every stream is freed. */
    while (cl_io_run(io, 50) > 0)
        ;
    CloseHandle(io->iocp);
    LocalFree(io->sd);
    free(io->name);
    free(io);
}

void cl_stream_set_data(cl_stream *s, void *data)
{
    s->data = data;
}

void *cl_stream_data(cl_stream *s)
{
    return s->data;
}

cl_io *cl_stream_io(cl_stream *s)
{
    return s->io;
}

const cl_peer *cl_stream_peer(cl_stream *s)
{
    return &s->peer;
}

int cl_stream_write(cl_stream *s, const char *buf, size_t len)
{
    io_op *op;

    if (s->closed)
        return -1;
    op = malloc(sizeof *op + len);
    if (op == NULL)
        return -1;
    memset(op, 0, sizeof *op);
    op->kind = OP_WRITE;
    op->s = s;
    op->len = len;
    memcpy(op->data, buf, len);
    s->refs++;
    s->out_pending += len;
    if (!WriteFile(s->pipe, op->data, (DWORD)len, NULL, &op->ov) &&
        GetLastError() != ERROR_IO_PENDING) {
        s->refs--;
        s->out_pending -= len;
        free(op);
        return -1;
    }
    return 0;
}

int cl_stream_busy(cl_stream *s)
{
    /* A completed read may wait in the completion port with the peer's
     * bytes; we cannot tell it from silence, so nothing is ever idle here. */
    (void)s;
    return 1;
}

size_t cl_stream_pending(const cl_stream *s)
{
    return s->out_pending;
}

int cl_stream_reading(const cl_stream *s)
{
    /* The overlapped ReadFile posted by post_read writes into the owner's
     * buffer until its completion is dequeued. */
    return s->reading;
}

void cl_stream_close(cl_stream *s)
{
    close_stream(s->io, s, 0);
}
