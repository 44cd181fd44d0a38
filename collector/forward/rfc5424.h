/* rfc5424.h - a stored entry as an RFC 5424 syslog message, framed by octet
 * counting (RFC 6587, 3.4.1), for the forwarders (forward.h).
 *
 * Pure functions: no I/O, no globals. The mapping, field by field, and the
 * rules a receiver follows to rebuild an entry exactly are in
 * schema/FORWARDING.md; the short of it:
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [centrallog@32473 ...]
 *   [fields@32473 ...] MSG
 *
 * A header value RFC 5424 does not allow (a space or a byte outside
 * PRINTUSASCII, too long, or the NILVALUE "-" itself) is written sanitised
 * in the header, and the original goes into the centrallog@32473 element,
 * which a receiver prefers: nothing is cut without its original travelling
 * along. */
#ifndef CL_RFC5424_H
#define CL_RFC5424_H

#include <stddef.h>

#include "rows.h"
#include "strbuf.h"
#include "syslogfac.h" /* facility names */

/* The private enterprise number of the SD-IDs: 32473 is the one RFC 5612
 * reserves for documentation and examples, as the issue asks. */
#define CL_S5424_PEN "32473"
#define CL_S5424_SDID_ENTRY "centrallog@" CL_S5424_PEN
#define CL_S5424_SDID_FIELDS "fields@" CL_S5424_PEN

/* RFC 5424's header limits (section 6). */
#define CL_S5424_HOSTNAME_MAX 255
#define CL_S5424_APPNAME_MAX 48
#define CL_S5424_PROCID_MAX 128
#define CL_S5424_MSGID_MAX 32
#define CL_S5424_SDNAME_MAX 32

enum cl_s5424_format {
    CL_S5424_RFC5424 = 0, /* header + structured data + MSG */
    CL_S5424_JSON = 1     /* header, no structured data, MSG "@cee:" + the entry as JSON */
};

typedef struct cl_s5424_opts {
    int facility;                /* 0..23 */
    enum cl_s5424_format format; /* rfc5424 or json */
} cl_s5424_opts;

/* The syslog severity of a stored level: 0-7 as they are, trace (8) as
 * debug (7). The entry element then carries level="trace". */
int cl_s5424_severity(int level);

/* The facility's name ("user", "local0", ...) and back: -1 for an unknown
 * name. Numbers 0-23 are accepted too. */

/* Whether s[0..n) may stand in the header as it is: 1..max bytes of
 * PRINTUSASCII (33-126) and not "-". */
int cl_s5424_header_ok(const char *s, size_t n, size_t max);

/* Whether s[0..n) is an SD-NAME: 1..32 bytes of PRINTUSASCII but '=', ']'
 * and '"'. */
int cl_s5424_sdname_ok(const char *s, size_t n);

/* Appends s[0..n) as a PARAM-VALUE (without its quotes): '"', '\' and ']'
 * get a backslash (RFC 5424, 6.3.3); every other byte is kept. */
void cl_s5424_param_value(cl_strbuf *b, const char *s, size_t n);

/* Appends v in decimal (what printf("%" PRId64) writes, without printf). */
void cl_s5424_put_int(cl_strbuf *b, int64_t v);

/* Appends one syslog message for e, unframed. b->oom tells of a failure. */
void cl_s5424_format(cl_strbuf *b, const cl_row_entry *e, const cl_s5424_opts *o);

/* Appends one framed message: the message's length in decimal, a space,
 * the message (RFC 6587 octet counting). Returns the message's length, or 0
 * when memory ran out (b->oom). */
size_t cl_s5424_append_framed(cl_strbuf *b, const cl_row_entry *e, const cl_s5424_opts *o);

#endif
