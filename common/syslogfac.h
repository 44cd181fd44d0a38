/* syslogfac.h - syslog's facility names (RFC 5424 table 1, with the names
 * syslog(3), logger and rsyslog use). One table for both directions: the
 * syslog socket names a received message's facility (ingest/syslog_parse.c)
 * and a forwarding destination's facility is given by name
 * (forward/fwd_url.c). */
#ifndef CL_SYSLOGFAC_H
#define CL_SYSLOGFAC_H

/* Facilities 0 (kern) .. 23 (local7). */
#define CL_SYSLOG_FACILITY_USER 1
#define CL_SYSLOG_FACILITY_MAX 23

/* The name of a facility ("kern", "daemon", "local3"); NULL outside 0-23. */
const char *cl_syslog_facility_name(int facility);

/* A facility by name, or by number 0-23 written in decimal; -1 otherwise. */
int cl_syslog_facility_parse(const char *s);

#endif
