/* fwd_url.h - a forwarding destination as the operator writes it:
 *
 *   syslog+tcp://HOST:PORT[?min-level=LEVEL&app=GLOB&facility=F&format=rfc5424|json&start=oldest|end]
 *   syslog+tls://HOST:PORT[?...&ca=FILE&cert=FILE&key=FILE&peer-name=NAME]
 *
 * HOST is a name, an IPv4 address or [an IPv6 address]. app may be given
 * several times (an entry passes if its app matches any); GLOB knows '*'
 * and '?'. The TLS parameters (ca, cert, key, peer-name) are the ones any
 * TLS transport reads: syslog+tls://, and
 *
 *   relp://HOST:PORT[?...&tls=1&ca=FILE[&cert=FILE&key=FILE][&peer-name=NAME]]
 *
 * where librelp is built in (CL_HAVE_RELP: POSIX; schema/FORWARDING.md).
 * RELP over TLS needs ca= (librelp does not read the system's trust store)
 * and, with an IP address as HOST, peer-name= (librelp matches names only).
 * Pure: no I/O. */
#ifndef CL_FWD_URL_H
#define CL_FWD_URL_H

#include <stddef.h>

#include "rfc5424.h"

#define CL_FWD_MAX_APPS 16
#define CL_FWD_APP_GLOB_MAX 128
#define CL_FWD_HOST_MAX 256
#define CL_FWD_PATH_MAX 512

enum cl_fwd_scheme { CL_FWD_SYSLOG_TCP = 0, CL_FWD_SYSLOG_TLS, CL_FWD_RELP };

/* defer= by default: how long forwarding may yield to one ingest burst. */
#define CL_FWD_DEFER_DEFAULT_US (10 * 1000000LL)

typedef struct cl_fwd_url {
    enum cl_fwd_scheme scheme;
    char host[CL_FWD_HOST_MAX]; /* without the brackets of an IPv6 address */
    char port[8];
    char
        key[CL_FWD_HOST_MAX + 40]; /* "syslog+tcp://HOST:PORT" or "relp://...": the cursor's name */
    int min_level;                 /* entries at this level or more severe; 8: all */
    char apps[CL_FWD_MAX_APPS][CL_FWD_APP_GLOB_MAX];
    size_t n_apps; /* 0: every app */
    cl_s5424_opts fmt;
    int start_at_end; /* a destination without a cursor starts after the newest entry */
    int64_t defer_us; /* longest yield to one ingest burst (forward.c); 0: never yield */
    /* TLS: "" means not given. No CA file: the system's trust store. The
     * peer's certificate must name tls_peer_name, or else host. */
    char tls_ca[CL_FWD_PATH_MAX];
    char tls_cert[CL_FWD_PATH_MAX]; /* client certificate (PEM), with tls_key */
    char tls_key[CL_FWD_PATH_MAX];
    char tls_peer_name[CL_FWD_HOST_MAX];
    int relp_tls; /* relp:// with tls=1 */
} cl_fwd_url;

/* Parses s. Returns 0, or -1 with a one-line reason in err. */
int cl_fwd_url_parse(const char *s, cl_fwd_url *u, char *err, size_t errlen);

/* Whether name[0..n) matches glob ('*': any run, '?': one byte). */
int cl_fwd_glob(const char *glob, const char *name, size_t n);

/* Whether an entry of this level and app goes to the destination. */
int cl_fwd_url_wants(const cl_fwd_url *u, int level, const char *app, size_t app_n);

#endif
