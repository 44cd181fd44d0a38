/* syslogfac.c - see syslogfac.h. */
#include "syslogfac.h"

#include <string.h>

static const char *const facilities[CL_SYSLOG_FACILITY_MAX + 1] = {
    "kern",   "user",   "mail",     "daemon", "auth",   "syslog", "lpr",    "news",
    "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "audit",  "alert",  "clock",
    "local0", "local1", "local2",   "local3", "local4", "local5", "local6", "local7",
};

const char *cl_syslog_facility_name(int facility)
{
    return facility >= 0 && facility <= CL_SYSLOG_FACILITY_MAX ? facilities[facility] : NULL;
}

int cl_syslog_facility_parse(const char *s)
{
    int n = 0;

    for (int i = 0; i <= CL_SYSLOG_FACILITY_MAX; i++) {
        if (strcmp(s, facilities[i]) == 0)
            return i;
    }
    if (s[0] == '\0' || strlen(s) > 2)
        return -1;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        n = n * 10 + (*p - '0');
    }
    return n <= CL_SYSLOG_FACILITY_MAX ? n : -1;
}
