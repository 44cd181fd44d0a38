/* syslog_parse.h - legacy syslog producers: one datagram of RFC 3164 or
 * RFC 5424, as glibc's syslog(3), logger(1) and rsyslog's omuxsock write them
 * to a local socket, into a log entry (schema/SYSLOG.md has the mapping).
 *
 * The message is taken apart here (cl_syslog_parse), written as an entry of
 * the wire protocol (cl_syslog_entry_json), and that entry is judged by the
 * validator like any other line (cl_syslog_judge): a syslog producer gets no
 * rule a JSON producer does not, and no exemption either. A malformed message
 * becomes a reject holding the datagram's own bytes, never silence.
 */
#ifndef CL_SYSLOG_PARSE_H
#define CL_SYSLOG_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"
#include "syslogfac.h" /* facility names */
#include "validate.h"

enum cl_syslog_format { CL_SYSLOG_RFC3164 = 1, CL_SYSLOG_RFC5424 = 2 };

/* RFC 5424's header field limits (section 6). */
#define CL_SYSLOG_HOST_MAX 255
#define CL_SYSLOG_APP_MAX 48
#define CL_SYSLOG_PROCID_MAX 128
#define CL_SYSLOG_MSGID_MAX 32
#define CL_SYSLOG_SDNAME_MAX 32
/* Structured-data elements and parameters one message may carry: each
 * becomes a member of "fields", which holds at most CL_LIMIT_MEMBERS. */
#define CL_SYSLOG_SD_PARAMS_MAX 48

/* A piece of the datagram (not NUL-terminated); p NULL: absent or NILVALUE. */
typedef struct cl_syslog_span {
    const char *p;
    size_t n;
} cl_syslog_span;

/* One SD-PARAM: the value still escaped as sent (\" \\ \]). */
typedef struct cl_syslog_sd_param {
    cl_syslog_span id, name, value;
} cl_syslog_sd_param;

typedef struct cl_syslog_msg {
    enum cl_syslog_format format;
    int facility; /* 0-23 */
    int severity; /* 0-7: the entry's level */
    int has_ts;   /* 0: none or NILVALUE, the entry's time is the arrival */
    int64_t ts_us;
    cl_syslog_span ts_text; /* RFC 5424: the TIMESTAMP as sent, kept as the claim */
    cl_syslog_span host, app, procid, msgid, msg;
    size_t nparams;
    cl_syslog_sd_param params[CL_SYSLOG_SD_PARAMS_MAX];
} cl_syslog_msg;

/* Why a message was refused: a reason code of reason.h and a sentence. */
typedef struct cl_syslog_error {
    enum cl_reason reason;
    char msg[200];
} cl_syslog_error;

/* Takes buf[0..len) apart. now_us is the time of receipt: an RFC 3164
 * timestamp has no year and no offset, so it is read as local time in the
 * year that puts it nearest to now_us. Returns 0, or -1 with *err set. The
 * spans of *m point into buf. */
int cl_syslog_parse(const char *buf, size_t len, int64_t now_us, cl_syslog_msg *m,
                    cl_syslog_error *err);

/* Appends m as one entry of the wire protocol (no newline) to out. */
void cl_syslog_entry_json(const cl_syslog_msg *m, cl_strbuf *out);

/* The whole way of one datagram of full_len bytes, of which buf[0..len) was
 * received (len < full_len: it was longer than max_bytes and is too_large).
 * out->kind is CL_LINE_ENTRY, CL_LINE_REJECT (its raw bytes the datagram's)
 * or CL_LINE_NOMEM. scratch is a buffer the caller keeps between calls. */
void cl_syslog_judge(const cl_validator *v, const char *buf, size_t len, size_t full_len,
                     size_t max_bytes, int64_t received_us, const cl_peer *peer, cl_strbuf *scratch,
                     cl_line_result *out);

#endif
