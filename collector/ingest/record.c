/* record.c - construction and naming helpers for queue records. */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
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
};

const char *cl_reason_code(enum cl_reason r)
{
    if ((int)r < 0 || r >= CL_R_COUNT)
        return "unknown";
    return reason_codes[r];
}

static const char *const level_lower[CL_LVL_COUNT] = {
    "emergency", "alert", "critical", "error", "warning", "notice", "info", "debug", "trace",
};
static const char *const level_upper[CL_LVL_COUNT] = {
    "EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG", "TRACE",
};

const char *cl_level_name(int level)
{
    return (level >= 0 && level < CL_LVL_COUNT) ? level_lower[level] : "unknown";
}

const char *cl_level_upper(int level)
{
    return (level >= 0 && level < CL_LVL_COUNT) ? level_upper[level] : "UNKNOWN";
}

cl_record *cl_record_reject(enum cl_reason reason, const char *message, const char *raw,
                            size_t raw_len, int64_t received_us, const cl_peer *peer)
{
    size_t mlen = strlen(message);
    size_t keep = raw_len < CL_REJECT_RAW_MAX ? raw_len : CL_REJECT_RAW_MAX;
    cl_record *r = malloc(sizeof *r + mlen + 1 + keep + 1);
    char *p;

    if (r == NULL)
        return NULL;
    memset(r, 0, sizeof *r);
    r->kind = CL_REC_REJECT;
    r->size = sizeof *r + mlen + keep + 2;
    r->received_us = received_us;
    r->peer = *peer;
    r->u.r.reason = reason;
    r->u.r.raw_len = raw_len;
    p = r->data;
    memcpy(p, message, mlen + 1);
    r->u.r.message.p = p;
    r->u.r.message.n = mlen;
    p += mlen + 1;
    if (keep)
        memcpy(p, raw, keep);
    p[keep] = '\0';
    r->u.r.raw.p = p;
    r->u.r.raw.n = keep;
    return r;
}

void cl_record_free(cl_record *r)
{
    if (r == NULL)
        return;
    free(r->rendered);
    free(r);
}
