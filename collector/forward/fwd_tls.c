/* fwd_tls.c - syslog+tls:// (RFC 5425): the RFC 5424 messages and
 * octet-counting framing of syslog+tcp://, in TLS 1.2 or later, through
 * GnuTLS. POSIX only: GnuTLS is not cross-built for Windows, where
 * forward.c refuses the scheme.
 *
 * The receiver's certificate is always verified: against ca= or else the
 * system's trust store, and for the name peer-name= or else the URL's host
 * (an IP address is matched against the certificate's IP addresses). A
 * refusal says why, in GnuTLS's words ("The certificate issuer is unknown",
 * "The name in the certificate does not match the expected", ...), and
 * that is the destination's last error.
 *
 * Confirmed, as for plain TCP (fwd_tcp.c): a batch whose last TLS record
 * the peer's TCP acknowledged (netsock.h: cl_net_unacked). GnuTLS writes
 * each record as soon as it is made (no corking), so the bytes counted on
 * their way into the socket are the stream the kernel's send queue is
 * measured against. What a reset loses is what plain TCP loses:
 * acknowledged by the receiver's kernel, never processed by the receiver
 * (schema/FORWARDING.md). */
#include "fwd_inflight.h"
#include "fwd_transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "netsock.h"

#define CONNECT_TIMEOUT_MS 10000
#define SEND_TIMEOUT_MS 30000
/* TLS 1.2 or later (1.0 and 1.1 are deprecated: RFC 8996), whatever the
 * system's default priorities would still allow. */
#define PRIORITY_APPEND "-VERS-TLS1.0:-VERS-TLS1.1:-VERS-SSL3.0"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

typedef struct tls {
    cl_netsock *s;
    int fd;
    gnutls_certificate_credentials_t cred;
    gnutls_session_t sess;
    int session_ok;   /* sess was initialised */
    int closing;      /* writes no longer wait (the close_notify at close) */
    uint64_t read;    /* TCP bytes read from the receiver */
    int last_rc;      /* GnuTLS's code of drain's last failure */
    int io_errno;     /* of the last failed send or recv: GnuTLS only says "push error" */
    uint64_t written; /* TCP bytes handed to the socket */
    cl_fwd_inflight inflight;
    const cl_fwd_batch *sending; /* in tls_send: the batch, for its tick */
    char push_err[128];          /* why push failed in tls_send */
    size_t partial;              /* of push's record, written at the last tick */
} tls;

/* Confirmed up to what the peer's TCP acknowledged of written + done,
 * unless the connection is broken (see fwd_tcp.c). No GnuTLS call: this
 * runs inside gnutls_record_send (push). */
static int tls_tick(void *arg, size_t done)
{
    tls *t = arg;
    uint64_t written = t->written + done, unacked = cl_net_unacked(t->s);
    int64_t id = -1;

    t->partial = done;
    if (!cl_net_broken(t->s))
        id = cl_fwd_inflight_ack(&t->inflight, unacked < written ? written - unacked : 0);
    return t->sending->tick(t->sending->tick_arg, id);
}

/* GnuTLS writes through here: the one place that counts the TCP stream. A
 * blocking send, bounded by the socket's send timeout (netsock). */
static ssize_t push(gnutls_transport_ptr_t p, const void *buf, size_t n)
{
    tls *t = p;
    ssize_t w;

    /* A batch's records wait in netsock's slices with its tick (the cursor
     * and a stop do not wait for the send timeout). */
    if (t->sending != NULL && !t->closing) {
        t->partial = 0;
        if (cl_net_send_all(t->s, buf, n, t->sending->tick ? tls_tick : NULL, t, t->push_err,
                            sizeof t->push_err) == 0) {
            t->written += n;
            return (ssize_t)n;
        }
        t->written += t->partial;                   /* as fwd_tcp.c */
        gnutls_transport_set_errno(t->sess, EPIPE); /* the reason: push_err */
        return -1;
    }
    w = send(t->fd, buf, n, MSG_NOSIGNAL | (t->closing ? MSG_DONTWAIT : 0));

    if (w > 0) {
        t->written += (uint64_t)w;
    } else if (w < 0) {
        t->io_errno = errno;
        gnutls_transport_set_errno(t->sess, errno);
    }
    return w;
}

/* Reads never wait: the handshake polls in slices (cancel), and afterwards
 * the only reading is a look for alerts or a close (tls_confirmed). */
static ssize_t pull(gnutls_transport_ptr_t p, void *buf, size_t n)
{
    tls *t = p;
    ssize_t r = recv(t->fd, buf, n, MSG_DONTWAIT);

    if (r > 0)
        t->read += (uint64_t)r;
    if (r < 0) {
        t->io_errno = errno;
        gnutls_transport_set_errno(t->sess, errno);
    }
    return r;
}

/* Asked by GnuTLS in some paths; never waits longer than a cancel slice. */
static int pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
    tls *t = p;
    struct pollfd pf = { t->fd, POLLIN, 0 };

    return poll(&pf, 1, ms < CL_NET_CANCEL_MS ? (int)ms : CL_NET_CANCEL_MS);
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int load_credentials(tls *t, const cl_fwd_url *u, char *err, size_t errlen)
{
    int rc;

    if (gnutls_certificate_allocate_credentials(&t->cred) < 0) {
        t->cred = NULL;
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* Read at each connection: a renewed certificate is used without a
     * restart. */
    if (u->tls_ca[0] != '\0') {
        rc = gnutls_certificate_set_x509_trust_file(t->cred, u->tls_ca, GNUTLS_X509_FMT_PEM);
        if (rc <= 0) {
            snprintf(err, errlen, "ca=%s: %s", u->tls_ca,
                     rc == 0 ? "no certificate in the file" : gnutls_strerror(rc));
            return -1;
        }
    } else {
        rc = gnutls_certificate_set_x509_system_trust(t->cred);
        if (rc <= 0) {
            snprintf(err, errlen, "the system's trust store: %s (give ca=FILE)",
                     rc == 0 ? "no certificate" : gnutls_strerror(rc));
            return -1;
        }
    }
    if (u->tls_cert[0] != '\0') {
        rc = gnutls_certificate_set_x509_key_file(t->cred, u->tls_cert, u->tls_key,
                                                  GNUTLS_X509_FMT_PEM);
        if (rc < 0) {
            snprintf(err, errlen, "cert=%s key=%s: %s", u->tls_cert, u->tls_key,
                     gnutls_strerror(rc));
            return -1;
        }
    }
    return 0;
}

static int is_ip(const char *name)
{
    unsigned char buf[16];

    return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

static int make_session(tls *t, const cl_fwd_url *u, char *err, size_t errlen)
{
    const char *name = u->tls_peer_name[0] != '\0' ? u->tls_peer_name : u->host;
    const char *errpos = NULL;
    int rc;

    if ((rc = gnutls_init(&t->sess, GNUTLS_CLIENT)) < 0)
        goto fail;
    t->session_ok = 1;
    if ((rc = gnutls_set_default_priority_append(t->sess, PRIORITY_APPEND, &errpos, 0)) < 0 ||
        (rc = gnutls_credentials_set(t->sess, GNUTLS_CRD_CERTIFICATE, t->cred)) < 0)
        goto fail;
    /* SNI carries names only (RFC 6066 3). */
    if (!is_ip(name) &&
        (rc = gnutls_server_name_set(t->sess, GNUTLS_NAME_DNS, name, strlen(name))) < 0)
        goto fail;
    /* The handshake fails unless the chain is trusted and names `name`. */
    gnutls_session_set_verify_cert(t->sess, name, 0);
    gnutls_transport_set_ptr(t->sess, t);
    gnutls_transport_set_push_function(t->sess, push);
    gnutls_transport_set_pull_function(t->sess, pull);
    gnutls_transport_set_pull_timeout_function(t->sess, pull_timeout);
    return 0;
fail:
    snprintf(err, errlen, "TLS set-up: %s", gnutls_strerror(rc));
    return -1;
}

/* The reason of a failed handshake, as the operator needs it. */
static void handshake_error(tls *t, const cl_fwd_url *u, int rc, char *err, size_t errlen)
{
    gnutls_datum_t why = { NULL, 0 };

    if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR &&
        gnutls_certificate_verification_status_print(gnutls_session_get_verify_cert_status(t->sess),
                                                     gnutls_certificate_type_get(t->sess), &why,
                                                     0) == 0) {
        snprintf(err, errlen, "TLS: the certificate of %s:%s is refused: %s", u->host, u->port,
                 (const char *)why.data);
        gnutls_free(why.data);
    } else if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
        snprintf(err, errlen, "TLS: %s:%s refused the handshake: %s", u->host, u->port,
                 gnutls_alert_get_name(gnutls_alert_get(t->sess)));
    } else {
        snprintf(err, errlen, "TLS handshake with %s:%s: %s", u->host, u->port,
                 gnutls_strerror(rc));
    }
}

static int drain(tls *t, char *err, size_t errlen);

/* TLS 1.3 lets the client finish its handshake before the server has
 * checked the client's certificate: a refusal (alert "certificate
 * required", "unknown CA", ...) comes after, and the first batch could be
 * acknowledged by the receiver's TCP, counted confirmed and lost. So when
 * the server asked for a certificate, wait for its verdict: an alert (the
 * connection fails, with its reason) or any record after the handshake
 * (session tickets, which servers send once they accepted the client). A
 * server that sends nothing - syslog-ng 3.38 sends no tickets, nor did it
 * answer a KeyUpdate request when we tried one - is trusted after
 * CLIENT_VERDICT_MS: its alert, when it refuses, comes at
 * once (test_tls_client_certificate), so the wait is a bound on how slow a
 * refusal may be, paid at each connection that uses client certificates. */
#define CLIENT_VERDICT_MS 2000
static int client_verdict(tls *t, const cl_fwd_url *u, const atomic_int *cancel, char *err,
                          size_t errlen)
{
    int64_t deadline = now_ms() + CLIENT_VERDICT_MS;
    uint64_t before = t->read;
    int slices_after = 0;

    if (gnutls_protocol_get_version(t->sess) != GNUTLS_TLS1_3 ||
        !gnutls_certificate_client_get_request_status(t->sess))
        return 0;
    while (now_ms() < deadline && !atomic_load(cancel)) {
        struct pollfd pf = { t->fd, POLLIN, 0 };

        if (drain(t, err, errlen) != 0) {
            if (t->last_rc == GNUTLS_E_FATAL_ALERT_RECEIVED)
                snprintf(err, errlen, "TLS: %s:%s refused this client: %s", u->host, u->port,
                         gnutls_alert_get_name(gnutls_alert_get(t->sess)));
            return -1;
        }
        /* One more slice after the first bytes: the rest of a record. */
        if (t->read > before && ++slices_after > 1)
            return 0;
        poll(&pf, 1, CL_NET_CANCEL_MS);
    }
    if (atomic_load(cancel)) {
        snprintf(err, errlen, "TLS handshake with %s:%s: cancelled", u->host, u->port);
        return -1;
    }
    return 0;
}

/* Non-blocking handshake in cancel slices, at most CONNECT_TIMEOUT_MS. */
static int handshake(tls *t, const cl_fwd_url *u, const atomic_int *cancel, char *err,
                     size_t errlen)
{
    int64_t deadline = now_ms() + CONNECT_TIMEOUT_MS;
    int rc;

    while ((rc = gnutls_handshake(t->sess)) < 0) {
        struct pollfd pf = { t->fd, POLLIN, 0 };

        if (gnutls_error_is_fatal(rc)) {
            handshake_error(t, u, rc, err, errlen);
            return -1;
        }
        if (gnutls_record_get_direction(t->sess) == 1)
            pf.events = POLLOUT;
        if (poll(&pf, 1, CL_NET_CANCEL_MS) < 0 && errno != EINTR) {
            snprintf(err, errlen, "TLS handshake with %s:%s: %s", u->host, u->port,
                     strerror(errno));
            return -1;
        }
        if (atomic_load(cancel) || now_ms() >= deadline) {
            snprintf(err, errlen, "TLS handshake with %s:%s: %s", u->host, u->port,
                     atomic_load(cancel) ? "cancelled" : "timed out");
            return -1;
        }
    }
    return 0;
}

static void tls_close(void *ctx)
{
    tls *t = ctx;

    if (t == NULL)
        return;
    if (t->session_ok) {
        /* A close_notify if the socket takes it at once; never waits. */
        t->closing = 1;
        if (t->s != NULL)
            gnutls_bye(t->sess, GNUTLS_SHUT_WR);
        gnutls_deinit(t->sess);
    }
    if (t->cred != NULL)
        gnutls_certificate_free_credentials(t->cred);
    cl_net_close(t->s);
    free(t);
}

static int tls_open(void **ctx, const cl_fwd_url *u, const atomic_int *cancel, char *err,
                    size_t errlen)
{
    tls *t = calloc(1, sizeof *t);

    *ctx = NULL;
    if (t == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    cl_fwd_inflight_init(&t->inflight);
    /* Credentials first: a missing CA file is reported as such, not as a
     * refused connection. */
    if (load_credentials(t, u, err, errlen) != 0)
        goto fail;
    if (cl_net_connect(u->host, u->port, CONNECT_TIMEOUT_MS, SEND_TIMEOUT_MS, cancel, &t->s, err,
                       errlen) != 0)
        goto fail;
    t->fd = cl_net_fd(t->s);
    if (make_session(t, u, err, errlen) != 0 || handshake(t, u, cancel, err, errlen) != 0 ||
        client_verdict(t, u, cancel, err, errlen) != 0)
        goto fail;
    *ctx = t;
    return 0;
fail:
    /* No close_notify after a failed handshake. */
    if (t->session_ok) {
        gnutls_deinit(t->sess);
        t->session_ok = 0;
    }
    tls_close(t);
    return -1;
}

static int tls_send(void *ctx, const cl_fwd_batch *b, char *err, size_t errlen)
{
    tls *t = ctx;
    const char *p = b->framed;
    size_t left = b->framed_n;

    if (cl_fwd_inflight_full(&t->inflight)) {
        snprintf(err, errlen, "too many batches unconfirmed");
        return -1;
    }
    /* Each call makes and writes records of at most 16 KiB. */
    t->sending = b;
    t->push_err[0] = '\0';
    while (left > 0) {
        ssize_t w = gnutls_record_send(t->sess, p, left);

        if (w == GNUTLS_E_INTERRUPTED)
            continue;
        if (w <= 0 && t->push_err[0] != '\0') {
            t->sending = NULL;
            snprintf(err, errlen, "%s", t->push_err);
            return -1;
        }
        if (w <= 0) {
            t->sending = NULL;
            snprintf(err, errlen, "cannot send: %s",
                     w == GNUTLS_E_AGAIN        ? "the receiver takes nothing (send timeout)"
                     : w == GNUTLS_E_PUSH_ERROR ? strerror(t->io_errno)
                                                : gnutls_strerror((int)w));
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    t->sending = NULL;
    cl_fwd_inflight_push(&t->inflight, t->written, b->msgs[b->n - 1].id);
    return 0;
}

/* Reads whatever the receiver sent, without waiting: a syslog receiver
 * sends no data, but TLS 1.3 session tickets, alerts (a client certificate
 * refused after the handshake) and close_notify come this way. 0 while the
 * session stands, else -1 with err. */
static int drain(tls *t, char *err, size_t errlen)
{
    char buf[1024];

    for (;;) {
        ssize_t r = gnutls_record_recv(t->sess, buf, sizeof buf);

        if (r > 0 || r == GNUTLS_E_INTERRUPTED || r == GNUTLS_E_WARNING_ALERT_RECEIVED ||
            r == GNUTLS_E_REHANDSHAKE)
            continue;
        if (r == GNUTLS_E_AGAIN)
            return 0;
        t->last_rc = (int)r;
        if (r == 0)
            snprintf(err, errlen, "the receiver closed the connection");
        else if (r == GNUTLS_E_FATAL_ALERT_RECEIVED)
            snprintf(err, errlen, "TLS: the receiver ended the session: %s",
                     gnutls_alert_get_name(gnutls_alert_get(t->sess)));
        else if (r == GNUTLS_E_PREMATURE_TERMINATION)
            snprintf(err, errlen, "the receiver closed the connection");
        else if (r == GNUTLS_E_PULL_ERROR)
            snprintf(err, errlen, "the connection broke: %s", strerror(t->io_errno));
        else
            snprintf(err, errlen, "TLS: %s", gnutls_strerror((int)r));
        return -1;
    }
}

static int tls_confirmed(void *ctx, int64_t *id, char *err, size_t errlen)
{
    tls *t = ctx;
    uint64_t acked;

    /* The send queue first, then whether the session still stands: a reset
     * empties the queue, which must not read as "all acknowledged". */
    acked = t->written - cl_net_unacked(t->s);
    if (drain(t, err, errlen) != 0)
        return -1;
    *id = cl_fwd_inflight_ack(&t->inflight, acked);
    return 0;
}

static void tls_interrupt(void *ctx)
{
    cl_net_interrupt(((tls *)ctx)->s);
}

const cl_fwd_transport cl_fwd_tls = {
    "syslog+tls", tls_open, tls_send, tls_confirmed, tls_interrupt, tls_close, NULL,
};
