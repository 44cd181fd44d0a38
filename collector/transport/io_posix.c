/* io_posix.c - the event loop over Unix domain sockets.
 *
 * One thread, level-triggered readiness, one read per ready stream per turn
 * so a flooding producer cannot starve the others. Streams closed during a
 * turn are freed at its end, because a later event of the same turn may still
 * point at them.
 */
#include "ioloop.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "clock.h"
#include "io_timer.h"
#include "iowatch.h"
#include "poller.h"
#include "sockfile.h"

/* Replies are small; a peer holding more than this unread stops being read
 * until it catches up, so it cannot make the collector buffer without bound. */
#define OUT_BACKLOG_MAX (256u * 1024u)
#define ACCEPT_BURST 64
#define PAUSED_READ_MAX 4096
#define EMFILE_PAUSE_MS 100

enum { TAG_LISTENER = 1, TAG_WAKE = 2, TAG_STREAM = 3, TAG_WATCH = 4 };

struct cl_stream {
    int tag; /* TAG_STREAM; first member so event pointers can be told apart */
    int fd;
    cl_io *io;
    void *data;
    cl_peer peer;
    char *out;
    size_t out_len, out_off, out_cap;
    int events; /* current poller interest */
    int closed; /* on the deferred-free list */
    int shut_rd;
    int eof;                /* the peer finished sending */
    int held;               /* not read until the pause ends (cl_stream_hold) */
    int throttled;          /* not read until the owner says (cl_stream_throttle) */
    cl_stream *prev, *next; /* all live streams */
    cl_stream *dead_next;
    cl_timer_node tn; /* idle limit (cl_stream_set_timeout), see io_timer.h */
};

typedef struct tagged {
    int tag;
} tagged;

/* A descriptor of the owner's (iowatch.h). */
struct cl_io_watch {
    int tag; /* TAG_WATCH */
    int fd;  /* -1 once deleted: on the dead list until the turn ends */
    cl_io *io;
    cl_io_watch_cb cb;
    void *arg;
    cl_io_watch *prev, *next;
};

struct cl_io {
    cl_io_handlers h;
    void *data;
    cl_poller *poller;
    tagged listener_tag, wake_tag;
    int listen_fd;
    cl_sockfile sock; /* the socket file, its directory and lock (sockfile.h) */
    char *path;
    size_t max_streams;
    int wake_rd, wake_wr;
    int paused;
    int accepting;         /* listener registered for reads */
    long long rearm_at_ms; /* after EMFILE: when to listen again */
    size_t nstreams;
    cl_stream *streams;
    cl_stream *dead;
    unsigned long long refused; /* connections turned away at max_streams */
    long long turn_ms;          /* the clock, read once per turn */
    cl_timers timers;           /* the tick and idle limits */
    cl_io_watch *watches;       /* descriptors of the owner's (iowatch.h) */
    cl_io_watch *dead_watches;
};

static void accept_some(cl_io *io);

static int set_flags(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int cl_io_new(cl_io **out, const cl_io_handlers *h, void *data)
{
    cl_io *io = calloc(1, sizeof *io);
    int p[2];

    *out = NULL;
    if (io == NULL)
        return -1;
    io->h = *h;
    io->data = data;
    io->listen_fd = io->wake_rd = io->wake_wr = -1;
    cl_sockfile_init(&io->sock);
    io->listener_tag.tag = TAG_LISTENER;
    io->wake_tag.tag = TAG_WAKE;
    if (cl_poller_new(&io->poller) != 0 || pipe2(p, O_CLOEXEC) != 0)
        goto fail;
    io->wake_rd = p[0];
    io->wake_wr = p[1];
    if (set_flags(p[0]) || set_flags(p[1]) ||
        cl_poller_set(io->poller, io->wake_rd, &io->wake_tag, CL_POLL_IN))
        goto fail;
    *out = io;
    return 0;
fail:
    cl_io_free(io);
    return -1;
}

void *cl_io_data(cl_io *io)
{
    return io->data;
}

/* "what path: strerror(e)" */
static int errf(char *err, size_t errlen, const char *what, const char *path, int e)
{
    snprintf(err, errlen, "%s%s%s: %s", what, what[0] ? " " : "", path, strerror(e));
    return -1;
}

/* The wording of a failed socket-file step (sockfile.h) for --address. */
static int sockfile_err(const cl_io *io, const cl_sockfile_fail *f, char *err, size_t errlen)
{
    const char *path = io->path, *dir = f->dir;

    switch (f->step) {
    case CL_SF_MKDIR:
        return errf(err, errlen, "cannot create the socket directory", dir, f->e);
    case CL_SF_DIR_LINK:
        snprintf(err, errlen,
                 "the socket directory %s is a symbolic link, which whoever owns it could "
                 "re-point later; refusing to follow it: remove it (the collector creates "
                 "the directory) or give --address a path in a directory you own",
                 dir);
        return -1;
    case CL_SF_DIR_NOTDIR:
        snprintf(err, errlen, "%s exists and is not a directory", dir);
        return -1;
    case CL_SF_DIR_OPEN:
        return errf(err, errlen, "cannot open the socket directory", dir, f->e);
    case CL_SF_DIR_CHMOD:
        return errf(err, errlen, "cannot chmod", dir, f->e);
    case CL_SF_DIR_STAT:
        return errf(err, errlen, "cannot inspect", dir, f->e);
    case CL_SF_PARENT_OPEN:
        snprintf(err, errlen,
                 "refusing to listen there: the directory above %s can be written by others "
                 "(mode %04o), who could replace the socket directory; use another directory",
                 dir, f->mode);
        return -1;
    case CL_SF_LOCK_OPEN:
    case CL_SF_LOCK:
        snprintf(err, errlen, "%s %s.lock: %s",
                 f->step == CL_SF_LOCK ? "cannot lock" : "cannot open the lock file", path,
                 strerror(f->e));
        return -1;
    case CL_SF_LOCK_BUSY:
        snprintf(err, errlen,
                 "another centrallogd is already listening on %s; stop it first or "
                 "choose another --address",
                 path);
        return -1;
    case CL_SF_NOT_SOCKET:
        snprintf(err, errlen, "%s exists and is not a socket; refusing to replace it", path);
        return -1;
    case CL_SF_LIVE:
        snprintf(err, errlen, "another process is already listening on %s; stop it first", path);
        return -1;
    case CL_SF_UNLINK_STALE:
        return errf(err, errlen, "cannot remove stale socket", path, f->e);
    case CL_SF_REPLACED:
        snprintf(err, errlen, "the socket directory %s was replaced while the collector started",
                 dir);
        return -1;
    default:
        break;
    }
    return cl_sockfile_say(f, "", path, err, errlen);
}

/* Socket activation: the manager created, bound and owns the socket file
 * (its SocketMode= and SocketGroup= apply) and keeps it for the next start,
 * so there is no directory to check, no lock and no stale file to clear:
 * a collector started by hand on the same path finds it live. */
static int adopt(cl_io *io, const cl_listen_options *opt, char *err, size_t errlen)
{
    io->path = strdup(opt->address);
    io->max_streams = opt->max_streams;
    if (io->path == NULL)
        return errf(err, errlen, "", opt->address, ENOMEM);
    io->listen_fd = opt->fd;
    if (set_flags(io->listen_fd) != 0)
        return errf(err, errlen, "cannot use the inherited socket", io->path, errno);
    if (cl_poller_set(io->poller, io->listen_fd, &io->listener_tag, CL_POLL_IN) != 0)
        return errf(err, errlen, "cannot watch", io->path, errno);
    io->accepting = 1;
    return 0;
}

int cl_io_listen(cl_io *io, const cl_listen_options *opt, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    cl_sockfile_fail f;

    if (opt->inherited)
        return adopt(io, opt, err, errlen);

    if (cl_sockfile_addr(&sa, opt->address) != 0) {
        snprintf(err, errlen, "socket path is longer than %zu bytes: %s", sizeof sa.sun_path - 1,
                 opt->address);
        return -1;
    }
    io->path = strdup(opt->address);
    io->max_streams = opt->max_streams;
    if (io->path == NULL)
        return errf(err, errlen, "", opt->address, ENOMEM);
    if (cl_sockfile_prepare(&io->sock, io->path, &sa, SOCK_STREAM, &f) != 0)
        return sockfile_err(io, &f, err, errlen);
    io->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (io->listen_fd < 0 || set_flags(io->listen_fd) != 0)
        return errf(err, errlen, "cannot create socket", io->path, errno);
    if (bind(io->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        return errf(err, errlen, "cannot bind", io->path, errno);
    if (cl_sockfile_bound(&io->sock, opt->mode, opt->gid, &f) != 0)
        return sockfile_err(io, &f, err, errlen);
    if (listen(io->listen_fd, opt->backlog > 0 ? opt->backlog : SOMAXCONN) != 0)
        return errf(err, errlen, "cannot listen on", io->path, errno);
    if (cl_poller_set(io->poller, io->listen_fd, &io->listener_tag, CL_POLL_IN) != 0)
        return errf(err, errlen, "cannot watch", io->path, errno);
    io->accepting = 1;
    return 0;
}

void cl_io_stop_listening(cl_io *io)
{
    if (io->listen_fd >= 0) {
        /* Connections waiting in the backlog may already hold a producer's
         * last words (it may even have hung up): take them in first. */
        size_t before;

        do {
            before = io->nstreams;
            accept_some(io);
        } while (io->nstreams > before);
        cl_poller_del(io->poller, io->listen_fd);
        close(io->listen_fd);
        io->listen_fd = -1;
        io->accepting = 0;
        cl_sockfile_unlink(&io->sock); /* an inherited one is the manager's: never linked */
    }
    cl_sockfile_unlock(&io->sock);
}

static void get_peer(int fd, cl_peer *p)
{
    p->pid = p->uid = p->gid = -1;
    p->sid = NULL; /* a Windows notion */
#if defined(SO_PEERCRED)
    {
        struct ucred uc;
        socklen_t len = sizeof uc;

        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0) {
            p->pid = uc.pid;
            p->uid = uc.uid;
            p->gid = uc.gid;
        }
    }
#else
    {
        uid_t uid;
        gid_t gid;

        if (getpeereid(fd, &uid, &gid) == 0) {
            p->uid = uid;
            p->gid = gid;
        }
    }
#endif
}

static int want_events(const cl_io *io, const cl_stream *s)
{
    int ev = 0;

    /* A peer that leaves its replies unread is not read either - except at
     * shutdown, when it can send nothing new and what it sent must be read. */
    if (!s->closed && !s->eof && !(io->paused && s->held) && !(s->throttled && !s->shut_rd) &&
        (s->out_len - s->out_off < OUT_BACKLOG_MAX || s->shut_rd))
        ev |= CL_POLL_IN;
    if (s->out_len > s->out_off)
        ev |= CL_POLL_OUT;
    return ev;
}

static void update_events(cl_io *io, cl_stream *s)
{
    int ev = want_events(io, s);

    if (ev != s->events && !s->closed) {
        cl_poller_set(io->poller, s->fd, s, ev);
        s->events = ev;
    }
}

void cl_stream_set_timeout(cl_stream *s, int ms)
{
    cl_io *io = s->io;

    if (!s->closed)
        cl_timers_arm(&io->timers, &s->tn, ms, io->turn_ms ? io->turn_ms : cl_mono_ms());
}

/* Unlinks and schedules the free; the owner hears about it through on_close. */
static void close_stream(cl_io *io, cl_stream *s, int err)
{
    if (s->closed)
        return;
    if (io->h.on_close)
        io->h.on_close(s, err);
    cl_timers_disarm(&io->timers, &s->tn);
    s->closed = 1;
    cl_poller_del(io->poller, s->fd);
    close(s->fd);
    s->fd = -1;
    if (s->prev)
        s->prev->next = s->next;
    else
        io->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    io->nstreams--;
    s->dead_next = io->dead;
    io->dead = s;
}

static void refuse(int fd)
{
    static const char msg[] =
        "{\"op\":\"error\",\"code\":\"too_many_connections\","
        "\"message\":\"the collector is at its connection limit; retry later\"}\n";
    ssize_t n = write(fd, msg, sizeof msg - 1);

    (void)n;
    close(fd);
}

static void accept_some(cl_io *io)
{
    for (int i = 0; i < ACCEPT_BURST; i++) {
        /* Close-on-exec from birth, as every descriptor the collector opens. */
        int fd = accept4(io->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        cl_stream *s;

        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                /* Out of descriptors: stop accepting briefly instead of
                 * spinning on a listener that stays readable. */
                cl_poller_set(io->poller, io->listen_fd, &io->listener_tag, 0);
                io->accepting = 0;
                io->rearm_at_ms = cl_mono_ms() + EMFILE_PAUSE_MS;
            }
            return;
        }
        if (set_flags(fd) != 0 || (io->max_streams && io->nstreams >= io->max_streams)) {
            refuse(fd);
            io->refused++;
            continue;
        }
        s = calloc(1, sizeof *s);
        if (s == NULL) {
            close(fd);
            continue;
        }
        s->tag = TAG_STREAM;
        s->fd = fd;
        s->io = io;
        get_peer(fd, &s->peer);
        s->next = io->streams;
        if (io->streams)
            io->streams->prev = s;
        io->streams = s;
        io->nstreams++;
        io->h.on_accept(io, s);
        update_events(io, s);
    }
}

static void read_stream(cl_io *io, cl_stream *s)
{
    char *buf;
    size_t len;
    ssize_t n;

    if (io->h.on_alloc(s, &buf, &len) != 0 || len == 0) {
        close_stream(io, s, ENOMEM);
        return;
    }
    /* While paused, small reads: enough for control requests (stats must
     * answer under backpressure), too little to grow memory meaningfully
     * before the owner holds a stream that sent entries. */
    if (io->paused && len > PAUSED_READ_MAX)
        len = PAUSED_READ_MAX;
    n = read(s->fd, buf, len);
    if (n > 0) {
        s->tn.progress_ms = io->turn_ms;
        io->h.on_read(s, (size_t)n);
    } else if (n == 0) {
        /* The owner closes when it has answered what the peer asked for. */
        s->eof = 1;
        update_events(io, s);
        io->h.on_read(s, 0);
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        close_stream(io, s, errno);
    }
}

static int flush_out(cl_io *io, cl_stream *s)
{
    while (s->out_off < s->out_len) {
        ssize_t n = send(s->fd, s->out + s->out_off, s->out_len - s->out_off, MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == EINTR)
                continue;
            return -1;
        }
        s->out_off += (size_t)n;
    }
    if (s->out_off == s->out_len)
        s->out_off = s->out_len = 0;
    update_events(io, s);
    return 0;
}

int cl_stream_reading(const cl_stream *s)
{
    /* read(2) fills the owner's buffer within read_stream, never later. */
    (void)s;
    return 0;
}

void cl_stream_close(cl_stream *s)
{
    close_stream(s->io, s, 0);
}

size_t cl_stream_pending(const cl_stream *s)
{
    return s->out_len - s->out_off;
}

int cl_stream_busy(cl_stream *s)
{
    int unread = 0;

    if (s->closed || s->out_len > s->out_off)
        return 1;
    /* FIONREAD on a stream socket: bytes the kernel holds for us. */
    return ioctl(s->fd, FIONREAD, &unread) != 0 || unread > 0;
}

int cl_stream_write(cl_stream *s, const char *buf, size_t len)
{
    if (s->closed)
        return -1;
    if (s->out_off > 0 && s->out_off == s->out_len)
        s->out_off = s->out_len = 0;
    if (s->out_len + len > s->out_cap) {
        size_t cap = s->out_cap ? s->out_cap : 512;
        char *nb;

        while (cap < s->out_len + len)
            cap *= 2;
        nb = realloc(s->out, cap);
        if (nb == NULL)
            return -1;
        s->out = nb;
        s->out_cap = cap;
    }
    memcpy(s->out + s->out_len, buf, len);
    s->out_len += len;
    if (flush_out(s->io, s) != 0) {
        /* The peer is gone; the next read reports it and the owner closes.
         * Closing here would pull the stream from under the caller. */
        s->out_off = s->out_len = 0;
        update_events(s->io, s);
        return -1;
    }
    return 0;
}

static void drain_wake(cl_io *io)
{
    char buf[256];

    while (read(io->wake_rd, buf, sizeof buf) > 0)
        ;
    io->h.on_wakeup(io);
}

static void free_dead(cl_io *io)
{
    while (io->dead_watches) {
        cl_io_watch *w = io->dead_watches;

        io->dead_watches = w->next;
        free(w);
    }
    while (io->dead) {
        cl_stream *s = io->dead;

        io->dead = s->dead_next;
        free(s->out);
        free(s);
    }
}

static cl_stream *node_stream(cl_timer_node *n)
{
    return (cl_stream *)((char *)n - offsetof(cl_stream, tn));
}

/* A stream we are not polling for input cannot be blamed for silence. */
static int node_reading(cl_timer_node *n, void *ctx)
{
    (void)ctx;
    return (node_stream(n)->events & CL_POLL_IN) != 0;
}

static void node_expired(cl_timer_node *n, void *ctx)
{
    cl_io *io = ctx;

    if (io->h.on_timeout)
        io->h.on_timeout(node_stream(n));
}

static void run_timers(cl_io *io, long long now)
{
    if (cl_timers_run(&io->timers, now, node_reading, node_expired, io) && io->h.on_tick)
        io->h.on_tick(io);
}

void cl_io_set_tick(cl_io *io, int interval_ms)
{
    cl_timers_set_tick(&io->timers, interval_ms, cl_mono_ms());
}

unsigned long long cl_io_refused_count(cl_io *io)
{
    return io->refused;
}

int cl_io_run(cl_io *io, int timeout_ms)
{
    cl_poll_event ev[256];
    long long now = cl_mono_ms();
    int n;

    if (!io->accepting && io->listen_fd >= 0 && now >= io->rearm_at_ms) {
        cl_poller_set(io->poller, io->listen_fd, &io->listener_tag, CL_POLL_IN);
        io->accepting = 1;
    }
    if (!io->accepting && io->listen_fd >= 0 && (timeout_ms < 0 || timeout_ms > EMFILE_PAUSE_MS))
        timeout_ms = EMFILE_PAUSE_MS;
    n = cl_poller_wait(io->poller, ev, 256, cl_timers_wait(&io->timers, now, timeout_ms));
    if (n < 0)
        return -1;
    io->turn_ms = cl_mono_ms();
    for (int i = 0; i < n; i++) {
        tagged *t = ev[i].ptr;

        if (t->tag == TAG_WAKE) {
            drain_wake(io);
        } else if (t->tag == TAG_LISTENER) {
            if (io->listen_fd >= 0)
                accept_some(io);
        } else if (t->tag == TAG_WATCH) {
            cl_io_watch *w = (cl_io_watch *)t;

            if (w->fd >= 0 && !io->paused)
                w->cb(w->arg);
        } else {
            cl_stream *s = (cl_stream *)t;

            if (s->closed)
                continue;
            if ((ev[i].events & CL_POLL_OUT) && flush_out(io, s) != 0) {
                close_stream(io, s, errno);
                continue;
            }
            if ((ev[i].events & CL_POLL_OUT) && s->out_off == s->out_len && io->h.on_drained) {
                io->h.on_drained(s);
                if (s->closed)
                    continue;
            }
            if ((ev[i].events & (CL_POLL_IN | CL_POLL_ERR)) && !(io->paused && s->held) &&
                !(s->throttled && !s->shut_rd) && !s->eof)
                read_stream(io, s);
            else if ((ev[i].events & CL_POLL_ERR) && s->eof)
                close_stream(io, s, 0);
        }
    }
    run_timers(io, io->turn_ms);
    free_dead(io);
    return n;
}

void cl_io_wakeup(cl_io *io)
{
    /* write(2) is async-signal-safe; a full pipe already means "wake up". */
    ssize_t n = write(io->wake_wr, "", 1);

    (void)n;
}

void cl_io_pause(cl_io *io, int paused)
{
    if (io->paused == paused)
        return;
    io->paused = paused;
    for (cl_io_watch *w = io->watches; w != NULL; w = w->next)
        cl_poller_set(io->poller, w->fd, w, paused ? 0 : CL_POLL_IN);
    for (cl_stream *s = io->streams; s != NULL; s = s->next) {
        if (!paused)
            s->held = 0;
        update_events(io, s);
    }
}

void cl_stream_hold(cl_stream *s)
{
    if (!s->held && s->io->paused) {
        s->held = 1;
        update_events(s->io, s);
    }
}

void cl_stream_throttle(cl_stream *s, int on)
{
    if (s->throttled != !!on) {
        s->throttled = !!on;
        update_events(s->io, s);
    }
}

void cl_io_shutdown_reads(cl_io *io)
{
    /* After SHUT_RD a Unix stream socket still returns what the peer had
     * already sent, then end-of-file; the peer's further writes fail. That
     * is exactly "read what producers already wrote, then stop". */
    for (cl_stream *s = io->streams; s != NULL; s = s->next) {
        if (!s->shut_rd) {
            shutdown(s->fd, SHUT_RD);
            s->shut_rd = 1;
            update_events(io, s);
        }
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
    while (io->streams)
        close_stream(io, io->streams, 0);
    while (io->watches)
        cl_io_watch_del(io->watches);
    free_dead(io);
    cl_io_stop_listening(io);
    if (io->wake_rd >= 0)
        close(io->wake_rd);
    if (io->wake_wr >= 0)
        close(io->wake_wr);
    cl_poller_free(io->poller);
    cl_sockfile_close(&io->sock);
    free(io->path);
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

void cl_io_self(cl_peer *out)
{
    out->pid = getpid();
    out->uid = getuid();
    out->gid = getgid();
    out->sid = NULL;
}

cl_io_watch *cl_io_watch_add(cl_io *io, int fd, cl_io_watch_cb cb, void *arg)
{
    cl_io_watch *w = calloc(1, sizeof *w);

    if (w == NULL)
        return NULL;
    w->tag = TAG_WATCH;
    w->fd = fd;
    w->io = io;
    w->cb = cb;
    w->arg = arg;
    if (cl_poller_set(io->poller, fd, w, io->paused ? 0 : CL_POLL_IN) != 0) {
        free(w);
        return NULL;
    }
    w->next = io->watches;
    if (io->watches)
        io->watches->prev = w;
    io->watches = w;
    return w;
}

void cl_io_watch_del(cl_io_watch *w)
{
    cl_io *io;

    if (w == NULL)
        return;
    io = w->io;
    cl_poller_del(io->poller, w->fd);
    w->fd = -1;
    if (w->prev)
        w->prev->next = w->next;
    else
        io->watches = w->next;
    if (w->next)
        w->next->prev = w->prev;
    /* A later event of this turn may still point at it. */
    w->next = io->dead_watches;
    io->dead_watches = w;
}
