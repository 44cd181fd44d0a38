/* fwd_url.c - see fwd_url.h. */
#include "fwd_url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "level.h"
#include "parse.h"

#define SCHEME_TCP "syslog+tcp://"
#define SCHEME_TLS "syslog+tls://"
#define SCHEME_RELP "relp://"

static int fail(char *err, size_t errlen, const char *url, const char *why)
{
    snprintf(err, errlen, "--forward %s: %s", url, why);
    return -1;
}

int cl_fwd_glob(const char *glob, const char *name, size_t n)
{
    const char *star = NULL;
    size_t i = 0, back = 0;

    /* The usual greedy match with one backtracking point: the last '*'. */
    while (i < n) {
        if (*glob == '*') {
            star = ++glob;
            back = i;
        } else if (*glob != '\0' && (*glob == '?' || *glob == name[i])) {
            glob++;
            i++;
        } else if (star != NULL) {
            glob = star;
            i = ++back;
        } else {
            return 0;
        }
    }
    while (*glob == '*')
        glob++;
    return *glob == '\0';
}

int cl_fwd_url_wants(const cl_fwd_url *u, int level, const char *app, size_t app_n)
{
    if (level > u->min_level)
        return 0;
    if (u->n_apps == 0)
        return 1;
    for (size_t i = 0; i < u->n_apps; i++) {
        if (cl_fwd_glob(u->apps[i], app, app_n))
            return 1;
    }
    return 0;
}

/* HOST:PORT from s[0..n). */
static int host_port(const char *url, const char *s, size_t n, cl_fwd_url *u, char *err,
                     size_t errlen)
{
    const char *host = s, *colon = NULL, *end = s + n;
    size_t hn;
    long port = 0;

    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);

        if (close == NULL || close + 1 >= end || close[1] != ':')
            return fail(err, errlen, url, "an IPv6 address goes in brackets: [::1]:514");
        host = s + 1;
        hn = (size_t)(close - host);
        colon = close + 1;
    } else {
        for (const char *p = s; p < end; p++) {
            if (*p == ':')
                colon = p;
        }
        if (colon == NULL)
            return fail(err, errlen, url, "the port is missing (HOST:PORT)");
        hn = (size_t)(colon - s);
    }
    if (hn == 0 || hn >= sizeof u->host)
        return fail(err, errlen, url, "the host is empty or too long");
    memcpy(u->host, host, hn);
    u->host[hn] = '\0';
    if (strpbrk(u->host, "/?#@[] ") != NULL || (host == s && strchr(u->host, ':') != NULL))
        return fail(err, errlen, url, "the host has a character host names do not have");
    if (colon + 1 == end || end - (colon + 1) > 5)
        return fail(err, errlen, url, "the port must be a number from 1 to 65535");
    for (const char *p = colon + 1; p < end; p++) {
        if (*p < '0' || *p > '9')
            return fail(err, errlen, url, "the port must be a number from 1 to 65535");
        port = port * 10 + (*p - '0');
    }
    if (port < 1 || port > 65535)
        return fail(err, errlen, url, "the port must be a number from 1 to 65535");
    snprintf(u->port, sizeof u->port, "%ld", port);
    return 0;
}

/* ca, cert, key, peer-name: 1 if k is one of them (then 0 or -1 in *rc). */
static int tls_param(const char *url, const char *k, size_t kn, const char *val, size_t vn,
                     cl_fwd_url *u, int *rc, char *err, size_t errlen)
{
    char *dst;
    size_t cap;

    if (kn == 2 && memcmp(k, "ca", 2) == 0) {
        dst = u->tls_ca;
        cap = sizeof u->tls_ca;
    } else if (kn == 4 && memcmp(k, "cert", 4) == 0) {
        dst = u->tls_cert;
        cap = sizeof u->tls_cert;
    } else if (kn == 3 && memcmp(k, "key", 3) == 0) {
        dst = u->tls_key;
        cap = sizeof u->tls_key;
    } else if (kn == 9 && memcmp(k, "peer-name", 9) == 0) {
        dst = u->tls_peer_name;
        cap = sizeof u->tls_peer_name;
    } else {
        return 0;
    }
    if (u->scheme == CL_FWD_SYSLOG_TCP)
        *rc = fail(err, errlen, url,
                   "ca, cert, key and peer-name are for syslog+tls:// and relp://...?tls=1");
    else if (vn == 0 || vn >= cap)
        *rc = fail(err, errlen, url, "a TLS parameter is empty or too long");
    else
        *rc = (memcpy(dst, val, vn + 1), 0);
    return 1;
}

static int param(const char *url, const char *k, size_t kn, const char *v, size_t vn, cl_fwd_url *u,
                 char *err, size_t errlen)
{
    char val[CL_FWD_PATH_MAX];
    int rc;

    if (vn >= sizeof val)
        return fail(err, errlen, url, "a parameter's value is too long");
    memcpy(val, v, vn);
    val[vn] = '\0';
    if (tls_param(url, k, kn, val, vn, u, &rc, err, errlen))
        return rc;
    if (kn == 3 && memcmp(k, "tls", 3) == 0) {
        if (u->scheme != CL_FWD_RELP)
            return fail(err, errlen, url, "tls= is for relp:// (syslog+tls:// is always TLS)");
        if (strcmp(val, "1") != 0 && strcmp(val, "0") != 0)
            return fail(err, errlen, url, "tls: 1 or 0");
        u->relp_tls = val[0] == '1';
        return 0;
    }
    if (kn == 9 && memcmp(k, "min-level", 9) == 0) {
        u->min_level = cl_level_parse(val, vn, CL_LEVEL_DIGITS | CL_LEVEL_ALIASES);
        return u->min_level < 0
                   ? fail(err, errlen, url, "min-level: a level such as warning, err or 4")
                   : 0;
    }
    if (kn == 3 && memcmp(k, "app", 3) == 0) {
        if (u->n_apps == CL_FWD_MAX_APPS || vn == 0 || vn >= CL_FWD_APP_GLOB_MAX)
            return fail(err, errlen, url, "app: 1 to 16 non-empty globs");
        memcpy(u->apps[u->n_apps++], val, vn + 1);
        return 0;
    }
    if (kn == 8 && memcmp(k, "facility", 8) == 0) {
        u->fmt.facility = cl_syslog_facility_parse(val);
        return u->fmt.facility < 0
                   ? fail(err, errlen, url, "facility: kern, user, ..., local7, or 0-23")
                   : 0;
    }
    if (kn == 6 && memcmp(k, "format", 6) == 0) {
        if (strcmp(val, "rfc5424") == 0)
            u->fmt.format = CL_S5424_RFC5424;
        else if (strcmp(val, "json") == 0)
            u->fmt.format = CL_S5424_JSON;
        else
            return fail(err, errlen, url, "format: rfc5424 or json");
        return 0;
    }
    if (kn == 5 && memcmp(k, "defer", 5) == 0) {
        uint64_t ms;

        if (cl_parse_duration_ms(val, &ms) != 0 || ms > 3600 * 1000)
            return fail(err, errlen, url, "defer: a duration up to 1h, such as 10s or 0");
        u->defer_us = (int64_t)ms * 1000;
        return 0;
    }
    if (kn == 5 && memcmp(k, "start", 5) == 0) {
        if (strcmp(val, "oldest") != 0 && strcmp(val, "end") != 0)
            return fail(err, errlen, url, "start: oldest or end");
        u->start_at_end = strcmp(val, "end") == 0;
        return 0;
    }
    return fail(err, errlen, url,
                "unknown parameter; known: min-level, app, facility, format, start, defer, for "
                "relp://: tls, and for syslog+tls:// or relp://...?tls=1: ca, cert, key, "
                "peer-name");
}

/* Whether host is an IP address: IPv6 (host_port took its brackets off;
 * no name has a colon) or only digits and dots. */
static int is_ip_literal(const char *host)
{
    if (strchr(host, ':') != NULL)
        return 1;
    return host[0] != '\0' && strspn(host, "0123456789.") == strlen(host);
}

int cl_fwd_url_parse(const char *s, cl_fwd_url *u, char *err, size_t errlen)
{
    const char *rest, *q, *scheme;
    size_t n;

    memset(u, 0, sizeof *u);
    u->min_level = CL_LVL_TRACE;
    u->fmt.facility = CL_SYSLOG_FACILITY_USER;
    u->fmt.format = CL_S5424_RFC5424;
    u->defer_us = CL_FWD_DEFER_DEFAULT_US;
    if (strncmp(s, SCHEME_RELP, strlen(SCHEME_RELP)) == 0) {
#ifndef CL_HAVE_RELP
        return fail(err, errlen, s,
                    "RELP is not available in this build (librelp is POSIX-only here); use "
                    "syslog+tcp://");
#endif
        u->scheme = CL_FWD_RELP;
        scheme = SCHEME_RELP;
    } else if (strncmp(s, SCHEME_TCP, strlen(SCHEME_TCP)) == 0) {
        u->scheme = CL_FWD_SYSLOG_TCP;
        scheme = SCHEME_TCP;
    } else if (strncmp(s, SCHEME_TLS, strlen(SCHEME_TLS)) == 0) {
        u->scheme = CL_FWD_SYSLOG_TLS;
        scheme = SCHEME_TLS;
#ifdef _WIN32
        /* GnuTLS is not cross-built (scripts/build-win-deps.sh). */
        return fail(err, errlen, s, "syslog+tls:// is not available on Windows; use syslog+tcp://");
#endif
    } else {
        return fail(err, errlen, s,
                    "expected syslog+tcp://HOST:PORT, syslog+tls://HOST:PORT or relp://HOST:PORT");
    }
    rest = s + strlen(scheme);
    q = strchr(rest, '?');
    n = q ? (size_t)(q - rest) : strlen(rest);
    if (n > 0 && rest[n - 1] == '/')
        n--;
    if (host_port(s, rest, n, u, err, errlen) != 0)
        return -1;
    snprintf(u->key, sizeof u->key, "%s%s%s%s:%s", scheme, strchr(u->host, ':') ? "[" : "", u->host,
             strchr(u->host, ':') ? "]" : "", u->port);
    while (q != NULL) {
        const char *k = q + 1, *amp = strchr(k, '&'), *eq;
        size_t len = amp ? (size_t)(amp - k) : strlen(k);

        eq = memchr(k, '=', len);
        if (eq == NULL)
            return fail(err, errlen, s, "a parameter is NAME=VALUE");
        if (param(s, k, (size_t)(eq - k), eq + 1, len - (size_t)(eq - k) - 1, u, err, errlen) != 0)
            return -1;
        q = amp;
    }
    if (u->scheme == CL_FWD_RELP && !u->relp_tls &&
        (u->tls_ca[0] || u->tls_cert[0] || u->tls_key[0] || u->tls_peer_name[0]))
        return fail(err, errlen, s, "ca, cert, key and peer-name need tls=1 with relp://");
    /* librelp (GnuTLS) verifies against ca= only, never the system's store:
     * without it every certificate would be refused. */
    if (u->relp_tls && u->tls_ca[0] == '\0')
        return fail(err, errlen, s,
                    "relp:// with tls=1 needs ca=FILE (librelp does not read the system's "
                    "trust store)");
    /* librelp matches the certificate's DNS names and CN, never its IP
     * addresses: an address as HOST could never pass. */
    if (u->relp_tls && u->tls_peer_name[0] == '\0' && is_ip_literal(u->host))
        return fail(err, errlen, s,
                    "relp:// with tls=1 to an IP address needs peer-name=NAME (librelp "
                    "matches the certificate's names, not its IP addresses)");
    if ((u->tls_cert[0] != '\0') != (u->tls_key[0] != '\0'))
        return fail(err, errlen, s, "cert and key go together (the client's certificate)");
    return 0;
}
