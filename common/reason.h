/* reason.h - why a line was refused. The codes are part of the protocol
 * (schema/PROTOCOL.md): stable strings stored in the rejects table. */
#ifndef CL_REASON_H
#define CL_REASON_H

enum cl_reason {
    CL_R_OK = 0,
    CL_R_TOO_LARGE,
    CL_R_INVALID_UTF8,
    CL_R_CONTROL_CHAR,
    CL_R_NOT_JSON,
    CL_R_TOO_DEEP,
    CL_R_NOT_OBJECT,
    CL_R_DUPLICATE_KEY,
    CL_R_MISSING_FIELD,
    CL_R_BAD_TYPE,
    CL_R_BAD_LEVEL,
    CL_R_BAD_TIMESTAMP,
    CL_R_BAD_VALUE,
    CL_R_TOO_LONG,
    CL_R_TOO_MANY_MEMBERS,
    CL_R_NUL_CHAR,
    CL_R_BAD_NUMBER,
    CL_R_TRUNCATED,
    CL_R_NO_MEMORY,
    CL_R_IDLE_TIMEOUT,
    CL_R_UNKNOWN_OP,
    /* Syslog datagrams (--syslog-socket, schema/SYSLOG.md). */
    CL_R_SYSLOG_EMPTY,
    CL_R_SYSLOG_BAD_PRI,
    CL_R_SYSLOG_BAD_HEADER,
    CL_R_SYSLOG_BAD_SD,
    CL_R_COUNT
};

/* "too_large", "invalid_utf8", ...; "unknown" for an out-of-range value. */
const char *cl_reason_code(enum cl_reason r);

/* The reason a stored code names (for `centrallog rejects --reason`);
 * CL_R_OK when code is none of them ("ok" included). */
enum cl_reason cl_reason_from_code(const char *code);

#endif
