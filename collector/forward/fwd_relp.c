/* fwd_relp.c - relp://: RFC 5424 messages (without RFC 6587 framing: RELP
 * frames them itself) over RELP through librelp, POSIX only (librelp is not
 * cross-built for Windows; fwd_url.c refuses relp:// there).
 *
 * Confirmed means the receiver answered "rsp 200". librelp's client API
 * does not say which messages were answered, so this transport learns it
 * from two facts of librelp's client (1.11, src/relpsess.c):
 *
 *  - relpCltSendSyslog sends only once fewer than WINDOW messages are
 *    unanswered (it reads responses until then), so when the send of the
 *    k-th message returns, at most WINDOW are unanswered: with a server
 *    that answers in order (librelp's own, hence rsyslog's imrelp, answers
 *    each frame as it reads it), message k - WINDOW and all before it were
 *    answered;
 *  - a graceful close sends "close" and waits for its answer, which comes
 *    after the answers to everything before it. When the forwarder has
 *    nothing more to send for FLUSH_IDLE_US, the session is closed that way
 *    and, if librelp reported no error, everything sent is confirmed; the
 *    next batch opens a new session.
 *
 * Any answer other than 200, and any broken session, comes through the
 * engine's error callback: the connection is then reported broken and the
 * forwarder sends again from its cursor. Nothing confirmed is lost when the
 * receiver dies; what is sent twice is bounded by WINDOW plus one batch
 * (schema/FORWARDING.md).
 *
 * With tls=1 the session runs over TLS through librelp's GnuTLS layer. The
 * peer is always checked in librelp's "name" mode: its chain must verify
 * against ca= (librelp reads no system trust store; fwd_url.c requires
 * ca=) and a dNSName or the CN must equal peer-name or the host. Without
 * an auth mode librelp would fall back to anonymous TLS, which checks
 * nothing. The refusal reaches us through the auth-error callback.
 *
 * Each connection is first tried with our own TLS client (fwd_tls.c: the
 * same ca, cert, key and name; handshake bounded by 10 s and a stop), then
 * closed, and only then is librelp's session opened. That works around two
 * defects of librelp 1.11's client (src/tcp.c): its handshake runs on a
 * blocking socket without a timeout, so a receiver that never answers would
 * hold the thread and a stop for ever; and a failed handshake leaks its
 * GnuTLS session and credentials (~45 KB per attempt), which a refused
 * certificate, retried for hours, would pile up. The sessions reopened after
 * an idle flush (below) are not probed: the receiver just answered.
 *
 * The probe cannot cover a receiver that completes it and then stalls the
 * next handshake (overloaded, or hostile): librelp's blocking handshake
 * would hold the thread, and a stop, until the receiver closes. So on Linux
 * that handshake is bounded too: the debug hook (below) sees it begin and
 * end, and a timer of this thread's own (SIGEV_THREAD_ID) interrupts it
 * after HANDSHAKE_TIMEOUT_S with a signal whose handler does nothing: the
 * blocked recv() returns EINTR, GnuTLS says "interrupted", librelp leaves
 * the handshake unfinished and its first send fails, and the session is
 * reported as timed out. */
#include "fwd_transport.h"

#include <librelp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#ifdef __linux__
#include <signal.h>
#endif
#if defined(__linux__) && defined(SIGEV_THREAD_ID)
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#define BOUND_HANDSHAKE 1
#ifndef sigev_notify_thread_id /* glibc before 2.38 names only the field */
#define sigev_notify_thread_id _sigev_un._tid
#endif
#endif

#include "clock.h"

/* Messages sent and not answered, at most: bounds the duplicates after a
 * broken session. 1024 keeps a loopback session busy (rsyslog answers in
 * bursts) at a few hundred KB held by librelp. */
#define WINDOW 1024
/* Seconds librelp waits for an answer (or for room in the window) before
 * calling the session broken; also how long a stop may wait for a blocked
 * send, as librelp's waits cannot be woken. */
#define RSP_TIMEOUT_S 10
#define CONNECT_TIMEOUT_S 10
/* librelp's TLS handshake, at most (see the top); then the timer fires
 * again every second, in case a signal came between two reads. */
#define HANDSHAKE_TIMEOUT_S 10
/* No send for this long with messages unanswered: close gracefully to learn
 * that they were all answered. */
#define FLUSH_IDLE_US 100000
/* Messages sent under one burst hint (librelp's TCP_CORK), at most: librelp
 * writes each frame with its own send(), and over loopback every one of
 * them woke the receiver for one message (about 10 us of CPU per message
 * on the two sides together; corked, 6). A burst is never longer than the
 * room left in the window (tl_unacked below), so that no send inside it
 * waits for answers to frames still corked: corking whole batches, blind to
 * the window, waited for the kernel's 200 ms cork timer (3x slower,
 * bench/RESULTS.md). Not over TLS, where it did not help (librelp sends
 * one TLS record per message either way). */
#define BURST 64

typedef struct relp {
    relpEngine_t *eng;
    relpClt_t *clt; /* NULL between a flush and the next send */
    int stop;       /* librelp's "shut down immediately" flag */
    int failed;     /* the error callback fired */
    char why[256];
    const cl_fwd_url *url;
    int64_t ring[WINDOW]; /* ids of the last WINDOW messages sent */
    uint64_t seq;         /* messages sent on this session */
    int64_t last_sent;
    int64_t confirmed;
    int64_t last_send_us;
    const atomic_int *cancel; /* the forwarder stops */
    cl_fwd_tick_fn tick;      /* in relp_send: the batch's tick */
    void *tick_arg;
#ifdef BOUND_HANDSHAKE
    timer_t timer; /* this thread's (see the top), for the session's life */
    int timer_made;
#endif
} relp;

/* What librelp's debug hook tells this thread about its session. librelp's
 * client API says neither how many messages are unanswered nor which
 * socket it uses; its debug lines do, and the hook (which has no user
 * pointer) keeps them per thread, as each forwarder thread drives one
 * session. Three lines are read, by their format strings:
 *  - "ADD/DEL sess %p unacked %d": the unanswered count after each send
 *    and each answer, so that a burst fits in the room left in the window;
 *  - "relpSessWaitRsp waiting for data on fd %d", printed just before
 *    librelp waits in poll() for answers: the socket, and the moment to
 *    uncork (a wait with frames still corked would last until the kernel's
 *    200 ms cork timer; and the receiver may hold its answers back by
 *    Nagle's rule until our ACK, which the uncorked frames carry).
 * A librelp that words them otherwise leaves both at -1: messages then go
 * one by one as before, slower but not wrong. */
static _Thread_local int tl_fd = -1;
static _Thread_local int tl_unacked = -1;

/* The connection whose thread this is: the debug hook has no user pointer
 * (for the tick while librelp waits, below). */
static _Thread_local relp *tl_r;

#ifdef BOUND_HANDSHAKE
/* The thread's timer (see the top), created with the connection and set by
 * timer_set: off; HANDSHAKE (librelp's TLS handshake, armed by the debug
 * hook: fires after HANDSHAKE_TIMEOUT_S, which abandons it); or TICK (while
 * relp_send runs, and once the forwarder stops: every CL_FWD_TICK_MS, so
 * that librelp's wait for answers, whose poll() continues after EINTR,
 * comes back to the debug hook with "select interrupted": the tick, and
 * the stop, without waiting for librelp's 10 s). The handler's state is
 * per thread; the timer itself is in the relp struct, for relp_close. */
enum { TIMER_OFF, TIMER_HANDSHAKE, TIMER_TICK };
static _Thread_local timer_t tl_timer;
static _Thread_local volatile sig_atomic_t tl_timer_made;
static _Thread_local volatile sig_atomic_t tl_timer_armed; /* HANDSHAKE */
static _Thread_local volatile sig_atomic_t tl_timed_out;
static _Thread_local const atomic_int *volatile tl_cancel;
static pthread_once_t tick_once = PTHREAD_ONCE_INIT;

static void timer_values(struct itimerspec *it, int mode)
{
    memset(it, 0, sizeof *it);
    if (mode == TIMER_HANDSHAKE) {
        it->it_value.tv_sec = HANDSHAKE_TIMEOUT_S;
        it->it_interval.tv_sec = 1;
    } else if (mode == TIMER_TICK) {
        it->it_value.tv_nsec = CL_FWD_TICK_MS * 1000000L;
        it->it_interval.tv_nsec = CL_FWD_TICK_MS * 1000000L;
    }
}

/* The timer, or relp_wake (a stop). A stop abandons a handshake at once,
 * and turns the timer to TICK (timer_settime is async-signal-safe), so
 * that a wake that came just before a blocking call is repeated. */
static void on_tick(int sig)
{
    int saved = errno;
    const atomic_int *c = tl_cancel;

    (void)sig;
    if (tl_timer_armed)
        tl_timed_out = 1;
    if (c != NULL && atomic_load(c) && tl_timer_made) {
        struct itimerspec it;

        timer_values(&it, TIMER_TICK);
        (void)timer_settime(tl_timer, 0, &it, NULL);
    }
    errno = saved;
}

/* No SA_RESTART: the point is the EINTR. The signal goes only to a thread
 * whose timer names it, or that relp_wake names. */
static void tick_install(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_tick;
    sigemptyset(&sa.sa_mask);
    (void)sigaction(SIGRTMIN, &sa, NULL);
}

static void timer_make(relp *r)
{
    struct sigevent ev;

    tl_timed_out = 0;
    tl_timer_armed = 0;
    (void)pthread_once(&tick_once, tick_install);
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev.sigev_signo = SIGRTMIN;
    ev.sigev_notify_thread_id = gettid();
    r->timer_made = timer_create(CLOCK_MONOTONIC, &ev, &r->timer) == 0;
    tl_timer = r->timer;
    tl_timer_made = r->timer_made;
    tl_cancel = r->cancel;
}

/* Once the forwarder stops, "off" is TICK: every later wait of librelp
 * (a graceful close) comes back to see r->stop (relp_interrupt). */
static void timer_set(int mode)
{
    struct itimerspec it;

    if (!tl_timer_made)
        return;
    if (mode == TIMER_OFF && tl_cancel != NULL && atomic_load(tl_cancel))
        mode = TIMER_TICK;
    timer_values(&it, mode);
    tl_timer_armed = mode == TIMER_HANDSHAKE;
    (void)timer_settime(tl_timer, 0, &it, NULL);
}

/* From relp_close, on whichever thread. */
static void timer_drop(relp *r)
{
    if (!r->timer_made)
        return;
    if (tl_r == r) {
        tl_timer_made = 0;
        tl_timer_armed = 0;
        tl_cancel = NULL;
    }
    (void)timer_delete(r->timer);
    r->timer_made = 0;
}
#endif

/* librelp's wait for answers was interrupted (the TICK timer): while a
 * batch is sent, what is confirmed so far goes to the forwarder, which
 * stores its cursor; and a stop ends the wait (librelp looks at r->stop
 * right after this line) - except a graceful close's, which gets the
 * forwarder's grace until relp_interrupt. */
static void on_wait_interrupted(void)
{
    relp *r = tl_r;

    if (r == NULL)
        return;
    if (r->tick != NULL && r->tick(r->tick_arg, r->confirmed) != 0)
        r->stop = 1;
    else if (r->clt != NULL && r->tick == NULL && r->cancel != NULL && atomic_load(r->cancel) &&
             r->seq == 0)
        r->stop = 1; /* connecting: the answer to "open" */
}

/* Before a wait for answers: send what is corked, and ACK now what came
 * in (TCP_QUICKACK sends a delayed ACK at once), as a receiver that holds
 * small answers back by Nagle's rule sends the next ones only when its
 * first is ACKed, and a delayed ACK waits up to 40 ms. */
static void uncork(int fd)
{
    int off = 0, on = 1;

    (void)setsockopt(fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
    (void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
}

static void relp_dbg(char *fmt, ...)
{
    static const char wait_line[] = "relpSessWaitRsp waiting for data on fd %d";
    static const char intr_line[] = "relpSessWaitRsp select interrupted";
    va_list ap;

    if ((fmt[0] == 'A' || fmt[0] == 'D') && (strncmp(fmt, "ADD sess %p unacked %d", 22) == 0 ||
                                             strncmp(fmt, "DEL sess %p unacked %d", 22) == 0)) {
        va_start(ap, fmt);
        (void)va_arg(ap, void *);
        tl_unacked = va_arg(ap, int);
        va_end(ap);
    } else if (fmt[0] == 'r' && strncmp(fmt, wait_line, sizeof wait_line - 1) == 0) {
        int fd, on = 1;

        va_start(ap, fmt);
        fd = va_arg(ap, int);
        va_end(ap);
        if (fd != tl_fd) {
            /* Nagle's rule would hold the end of each uncorked burst until
             * the receiver ACKs the start, while the receiver delays that
             * ACK to send it with answers it holds back by the same rule:
             * each burst then waited for a delayed-ACK timer. */
            (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
            tl_fd = fd;
        }
        uncork(fd);
    } else if (fmt[0] == 'r' && strncmp(fmt, intr_line, sizeof intr_line - 1) == 0)
        on_wait_interrupted();
#ifdef BOUND_HANDSHAKE
    /* librelp 1.11's GnuTLS client prints the first just before its
     * blocking handshake and the second as soon as it returns. */
    else if (fmt[0] == 'r' && strcmp(fmt, "relpTcpConnectTLSInit_gnutls\n") == 0)
        timer_set(TIMER_HANDSHAKE);
    else if (fmt[0] == 'D' && strncmp(fmt, "DDDD: gnutls_handshake:", 23) == 0)
        timer_set(TIMER_OFF);
#endif
}

static void on_err(void *usr, char *objinfo, char *errmsg, relpRetVal code)
{
    relp *r = usr;

    if (r == NULL || r->failed)
        return;
    r->failed = 1;
    snprintf(r->why, sizeof r->why, "RELP: %s: %s (librelp error %d)", objinfo ? objinfo : "",
             errmsg ? errmsg : "", (int)code);
}

/* A refused certificate: librelp's reason and the names the peer offered
 * ("DNSname: a; DNSname: b; ", the CN last), without the final "; ". */
static void on_auth_err(void *usr, char *authinfo, char *errmsg, relpRetVal code)
{
    relp *r = usr;
    char names[128] = "";
    size_t n;

    if (r == NULL || r->failed)
        return;
    r->failed = 1;
    if (authinfo != NULL && authinfo[0] != '\0')
        snprintf(names, sizeof names, " (it names: %s", authinfo);
    n = strlen(names);
    while (n > 0 && (names[n - 1] == ' ' || names[n - 1] == ';'))
        names[--n] = '\0';
    snprintf(r->why, sizeof r->why,
             "RELP TLS: the receiver's certificate was refused: %s%s%s (librelp error %d)",
             errmsg ? errmsg : "", names, n > 0 ? ")" : "", (int)code);
}

static int failed(relp *r, relpRetVal rc, const char *what, char *err, size_t errlen)
{
    if (r->failed)
        snprintf(err, errlen, "%s", r->why);
    else
        snprintf(err, errlen, "RELP: %s %s port %s failed (librelp error %d)", what, r->url->host,
                 r->url->port, (int)rc);
    return -1;
}

/* TLS on r->clt: CA, our certificate if given, and the name to expect. */
static relpRetVal tls_setup(relp *r)
{
    const cl_fwd_url *u = r->url;
    const char *peer = u->tls_peer_name[0] ? u->tls_peer_name : u->host;
    relpRetVal rc;

    if ((rc = relpCltEnableTLS(r->clt)) != RELP_RET_OK ||
        (rc = relpCltSetCACert(r->clt, (char *)u->tls_ca)) != RELP_RET_OK ||
        (rc = relpCltSetAuthMode(r->clt, (char *)"name")) != RELP_RET_OK ||
        (rc = relpCltAddPermittedPeer(r->clt, (char *)peer)) != RELP_RET_OK)
        return rc;
    if (u->tls_cert[0] != '\0' &&
        ((rc = relpCltSetOwnCert(r->clt, (char *)u->tls_cert)) != RELP_RET_OK ||
         (rc = relpCltSetPrivKey(r->clt, (char *)u->tls_key)) != RELP_RET_OK))
        return rc;
    return RELP_RET_OK;
}

/* A new session: window, timeouts, TLS, our error callback, then connect. */
static int session(relp *r, char *err, size_t errlen)
{
    relpRetVal rc;

    r->seq = 0;
    tl_fd = -1;
    tl_unacked = -1;
    if ((rc = relpEngineCltConstruct(r->eng, &r->clt)) != RELP_RET_OK)
        return failed(r, rc, "a client for", err, errlen);
    relpCltSetUsrPtr(r->clt, r);
    relpCltSetTimeout(r->clt, RSP_TIMEOUT_S);
    relpCltSetConnTimeout(r->clt, CONNECT_TIMEOUT_S);
    relpCltSetWindowSize(r->clt, WINDOW);
    if (r->url->relp_tls && (rc = tls_setup(r)) != RELP_RET_OK) {
        int ret = failed(r, rc, "setting up TLS for", err, errlen);

        relpEngineCltDestruct(r->eng, &r->clt);
        return ret;
    }
#ifdef BOUND_HANDSHAKE
    tl_timed_out = 0;
#endif
    rc = relpCltConnect(r->clt, AF_UNSPEC, (unsigned char *)r->url->port,
                        (unsigned char *)r->url->host);
#ifdef BOUND_HANDSHAKE
    timer_set(TIMER_OFF);
    if (tl_timed_out) {
        r->failed = 1;
        if (atomic_load(r->cancel))
            snprintf(r->why, sizeof r->why, "RELP TLS: handshake cancelled (stopping)");
        else
            snprintf(r->why, sizeof r->why,
                     "RELP TLS: the receiver did not complete the handshake within %d s",
                     HANDSHAKE_TIMEOUT_S);
    }
#endif
    if (rc != RELP_RET_OK || r->failed) {
        int ret = failed(r, rc, "connecting to", err, errlen);

        relpEngineCltDestruct(r->eng, &r->clt);
        return ret;
    }
    return 0;
}

/* A TLS handshake with the receiver, verified, then closed (see the top). */
static int probe_tls(const cl_fwd_url *u, const atomic_int *cancel, char *err, size_t errlen)
{
    void *t = NULL;
    char why[512];

    if (cl_fwd_tls.open(&t, u, cancel, why, sizeof why) != 0) {
        /* fwd_tls.c's reasons start "TLS: ", or name a file ("ca=..."). */
        snprintf(err, errlen, "RELP %s%s", strncmp(why, "TLS", 3) == 0 ? "" : "TLS: ", why);
        return -1;
    }
    cl_fwd_tls.close(t);
    return 0;
}

static void relp_close(void *ctx)
{
    relp *r = ctx;

    if (r == NULL)
        return;
    /* Stopping (the stopping thread frees the connection): librelp's
     * graceful close would wait up to RSP_TIMEOUT_S for a stalled
     * receiver's answer, on a thread no timer interrupts. Whatever that
     * answer would confirm is sent again from the cursor. */
    if (r->cancel != NULL && atomic_load(r->cancel))
        r->stop = 1;
    if (r->clt != NULL)
        relpEngineCltDestruct(r->eng, &r->clt);
    if (r->eng != NULL)
        relpEngineDestruct(&r->eng);
#ifdef BOUND_HANDSHAKE
    timer_drop(r);
#endif
    if (tl_r == r)
        tl_r = NULL;
    free(r);
}

static int relp_open(void **ctx, const cl_fwd_url *u, const atomic_int *cancel, char *err,
                     size_t errlen)
{
    relp *r = calloc(1, sizeof *r);

    /* Past the probe, a RELP connect gives up after CONNECT_TIMEOUT_S. */
    *ctx = NULL;
    if (r == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->url = u;
    r->cancel = cancel;
    r->confirmed = -1;
    r->last_sent = -1;
    tl_r = r;
#ifdef BOUND_HANDSHAKE
    timer_make(r);
#endif
    if (relpEngineConstruct(&r->eng) != RELP_RET_OK) {
        snprintf(err, errlen, "RELP: cannot start librelp");
        free(r);
        return -1;
    }
    relpEngineSetDbgprint(r->eng, relp_dbg);
    relpEngineSetEnableCmd(r->eng, (unsigned char *)"syslog", eRelpCmdState_Required);
    relpEngineSetOnErr(r->eng, on_err);
    relpEngineSetOnAuthErr(r->eng, on_auth_err);
    /* The verification described at the top is GnuTLS's path in librelp. */
    if (u->relp_tls && relpEngineSetTLSLib(r->eng, RELP_USE_GNUTLS) != RELP_RET_OK) {
        snprintf(err, errlen, "RELP: this librelp has no GnuTLS support for tls=1");
        relpEngineDestruct(&r->eng);
        free(r);
        return -1;
    }
    relpEngineSetShutdownImmdtPtr(r->eng, &r->stop);
    if (u->relp_tls && probe_tls(u, cancel, err, errlen) != 0) {
        relp_close(r);
        return -1;
    }
    if (session(r, err, errlen) != 0) {
        relp_close(r);
        return -1;
    }
    *ctx = r;
    return 0;
}

/* One message to librelp; the ring learns what its send proves answered. */
static int send_one(relp *r, const cl_fwd_batch *b, size_t i)
{
    const cl_fwd_msg *m = &b->msgs[i];
    size_t slot = (size_t)(r->seq % WINDOW);
    int64_t older = r->ring[slot];
    relpRetVal st = relpCltSendSyslog(r->clt, (unsigned char *)b->framed + m->off, m->len);

    if (st != RELP_RET_OK || r->failed)
        return (int)(st != RELP_RET_OK ? st : RELP_RET_SESSION_BROKEN);
    /* At most WINDOW unanswered now: the one WINDOW back was answered. */
    if (r->seq >= WINDOW && older > r->confirmed)
        r->confirmed = older;
    r->ring[slot] = m->id;
    r->seq++;
    r->last_sent = m->id;
    return 0;
}

/* The batch in corked bursts of up to BURST messages, each no longer than
 * the room left in the window (a full window: one message, whose wait
 * reads the answers that make room again); without what the hook learns,
 * one message at a time. */
static int relp_send(void *ctx, const cl_fwd_batch *b, char *err, size_t errlen)
{
    relp *r = ctx;
    size_t i = 0;
    int st = 0;

    if (r->clt == NULL && session(r, err, errlen) != 0)
        return -1;
    /* Not during session(): a TICK would abandon a TLS handshake. */
    r->tick = b->tick;
    r->tick_arg = b->tick_arg;
#ifdef BOUND_HANDSHAKE
    if (r->tick != NULL)
        timer_set(TIMER_TICK);
#endif
    while (i < b->n && st == 0) {
        size_t end = i + 1;
        int corked;

        if (tl_unacked >= 0 && !r->url->relp_tls) {
            int room = WINDOW - tl_unacked;
            size_t k = room > BURST ? BURST : (room > 1 ? (size_t)room : 1);

            end = i + k < b->n ? i + k : b->n;
        }
        corked = end - i > 1;
        if (corked)
            relpCltHintBurstBegin(r->clt);
        for (; i < end && st == 0; i++)
            st = send_one(r, b, i);
        if (corked)
            relpCltHintBurstEnd(r->clt);
    }
#ifdef BOUND_HANDSHAKE
    if (r->tick != NULL)
        timer_set(TIMER_OFF);
#endif
    r->tick = NULL;
    r->last_send_us = cl_mono_us();
    return st != 0 ? failed(r, (relpRetVal)st, "sending to", err, errlen) : 0;
}

static int relp_confirmed(void *ctx, int64_t *id, char *err, size_t errlen)
{
    relp *r = ctx;

    if (r->failed) {
        snprintf(err, errlen, "%s", r->why);
        return -1;
    }
    if (r->clt != NULL && r->last_sent > r->confirmed &&
        cl_mono_us() - r->last_send_us >= FLUSH_IDLE_US) {
        /* The close's answer comes after every earlier one. */
        relpEngineCltDestruct(r->eng, &r->clt);
        if (r->failed || r->stop) {
            snprintf(err, errlen, "%s", r->failed ? r->why : "RELP: stopped");
            return -1;
        }
        r->confirmed = r->last_sent;
    }
    *id = r->confirmed;
    return 0;
}

static void relp_interrupt(void *ctx)
{
    /* Read by librelp after each wakeup of its waits: at once where the
     * stop turned the thread's timer to TICK (Linux), else within its
     * RSP_TIMEOUT_S. */
    ((relp *)ctx)->stop = 1;
}

/* A stop: the forwarder thread's wait ends at once, whatever librelp is
 * doing (on_tick): a blocking TLS handshake is abandoned, a wait for
 * answers comes back to the debug hook. The handler is installed first:
 * SIGRTMIN's default action ends the process. */
static void relp_wake(pthread_t thread)
{
#ifdef BOUND_HANDSHAKE
    (void)pthread_once(&tick_once, tick_install);
    (void)pthread_kill(thread, SIGRTMIN);
#else
    (void)thread;
#endif
}

const cl_fwd_transport cl_fwd_relp = {
    "relp", relp_open, relp_send, relp_confirmed, relp_interrupt, relp_close, relp_wake,
};
