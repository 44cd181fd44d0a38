/* reason.c - see reason.h. */
#include "reason.h"

#include <string.h>

static const char *const reason_codes[CL_R_COUNT] = {
    [CL_R_OK] = "ok",
    [CL_R_TOO_LARGE] = "too_large",
    [CL_R_INVALID_UTF8] = "invalid_utf8",
    [CL_R_CONTROL_CHAR] = "control_char",
    [CL_R_NOT_JSON] = "not_json",
    [CL_R_TOO_DEEP] = "too_deep",
    [CL_R_NOT_OBJECT] = "not_object",
    [CL_R_DUPLICATE_KEY] = "duplicate_key",
    [CL_R_MISSING_FIELD] = "missing_field",
    [CL_R_BAD_TYPE] = "bad_type",
    [CL_R_BAD_LEVEL] = "bad_level",
    [CL_R_BAD_TIMESTAMP] = "bad_timestamp",
    [CL_R_BAD_VALUE] = "bad_value",
    [CL_R_TOO_LONG] = "too_long",
    [CL_R_TOO_MANY_MEMBERS] = "too_many_members",
    [CL_R_NUL_CHAR] = "nul_char",
    [CL_R_BAD_NUMBER] = "bad_number",
    [CL_R_TRUNCATED] = "truncated",
    [CL_R_NO_MEMORY] = "no_memory",
    [CL_R_IDLE_TIMEOUT] = "idle_timeout",
    [CL_R_UNKNOWN_OP] = "unknown_op",
    [CL_R_SYSLOG_EMPTY] = "syslog_empty",
    [CL_R_SYSLOG_BAD_PRI] = "syslog_bad_pri",
    [CL_R_SYSLOG_BAD_HEADER] = "syslog_bad_header",
    [CL_R_SYSLOG_BAD_SD] = "syslog_bad_sd",
};

const char *cl_reason_code(enum cl_reason r)
{
    if ((int)r < 0 || r >= CL_R_COUNT)
        return "unknown";
    return reason_codes[r];
}

enum cl_reason cl_reason_from_code(const char *code)
{
    for (int r = CL_R_OK + 1; r < CL_R_COUNT; r++) {
        if (strcmp(code, reason_codes[r]) == 0)
            return (enum cl_reason)r;
    }
    return CL_R_OK;
}
