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
    /* RFC 3164's "Mmm dd hh:mm:ss" when it is not about the arrival (then
     * fields.syslog_timestamp); the entry's time is the arrival either way. */
    cl_syslog_span bsd_ts;
    size_t latin1; /* bytes that were not UTF-8, read as Latin-1 (cl_syslog_judge) */
    cl_syslog_span host, app, procid, msgid, msg;
    size_t nparams;
    cl_syslog_sd_param params[CL_SYSLOG_SD_PARAMS_MAX];
} cl_syslog_msg;

/* Why a message was refused: a reason code of reason.h and a sentence. */
typedef struct cl_syslog_error {
    enum cl_reason reason;
    char msg[200];
} cl_syslog_error;

/* Takes buf[0..len) apart; it must be UTF-8 (cl_syslog_judge repairs it
 * first). now_us is the arrival: an RFC 3164 timestamp names no year, zone
 * or fraction, so the message's time is now_us, and the claim, read as local
 * time in the year that puts it nearest to now_us, is kept in m->bsd_ts only
 * when it is a minute or more away. Returns 0, or -1 with *err set. The
 * spans of *m point into buf. */
int cl_syslog_parse(const char *buf, size_t len, int64_t now_us, cl_syslog_msg *m,
                    cl_syslog_error *err);

/* Legacy programs write Latin-1 (or logger --size cuts a character in
 * two): when buf[0..len) is not UTF-8, writes it to out with each byte that
 * does not belong to a well-formed UTF-8 sequence read as the Latin-1
 * character of that value (U+0080-U+00FF), and returns how many such bytes
 * there were; returns 0, out untouched, when buf is UTF-8 already. */
size_t cl_syslog_latin1(const char *buf, size_t len, cl_strbuf *out);

/* Appends m as one entry of the wire protocol (no newline) to out. */
void cl_syslog_entry_json(const cl_syslog_msg *m, cl_strbuf *out);

/* The whole way of one datagram of full_len bytes, of which buf[0..len) was
 * received (len < full_len: it was longer than max_bytes and is too_large).
 * received_us is when the collector read it, arrival_us when the kernel
 * queued it (SO_TIMESTAMP; received_us where unknown): the time of an entry
 * whose message names no instant. out->kind is CL_LINE_ENTRY,
 * CL_LINE_REJECT (its raw bytes the datagram's) or CL_LINE_NOMEM. scratch
 * and repair are buffers the caller keeps between calls. */
void cl_syslog_judge(const cl_validator *v, const char *buf, size_t len, size_t full_len,
                     size_t max_bytes, int64_t received_us, int64_t arrival_us, const cl_peer *peer,
                     cl_strbuf *scratch, cl_strbuf *repair, cl_line_result *out);

#endif
