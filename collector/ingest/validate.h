/* validate.h - turns one line of the wire protocol into a record.
 *
 * Every line ends up as exactly one of: a validated entry, a reject with a
 * reason code and a human message, a control request (op), or nothing (a
 * blank keep-alive line). Validation never stops at the connection level:
 * each line is judged alone.
 */
#ifndef CL_VALIDATE_H
#define CL_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "protolimits.h"
#include "record.h"

typedef struct cl_limits {
    size_t max_entry_bytes; /* longest line */
    int max_depth;          /* nesting of the whole entry, entry object = 1 */
    size_t max_top_members; /* members of the entry object */
    size_t max_members;     /* members of any nested object or array */
    size_t max_field_key;   /* code points in a member name inside fields */
    /* How far a claimed ts may lie after (ahead) or before (age) the time the
     * line was received and still be taken as the event time; CL_TS_ANY: no
     * bound. Beyond them ts is the time of receipt and the claim is kept in
     * extra (schema/PROTOCOL.md, "Claimed timestamps"). */
    int64_t max_ts_ahead_us;
    int64_t max_ts_age_us;
} cl_limits;

#define CL_DEFAULT_MAX_ENTRY_BYTES CL_LIMIT_ENTRY_BYTES
#define CL_DEFAULT_MAX_DEPTH CL_LIMIT_DEPTH
#define CL_DEFAULT_MAX_TOP_MEMBERS CL_LIMIT_TOP_MEMBERS
#define CL_DEFAULT_MAX_MEMBERS CL_LIMIT_MEMBERS
#define CL_DEFAULT_MAX_FIELD_KEY CL_LIMIT_FIELD_KEY_CHARS
#define CL_DEFAULT_MAX_TS_AHEAD_US (10 * 60 * 1000000LL)     /* 10 minutes */
#define CL_DEFAULT_MAX_TS_AGE_US (7 * 24 * 3600 * 1000000LL) /* 7 days */
#define CL_TS_ANY INT64_MAX

void cl_limits_default(cl_limits *lim);

typedef struct cl_validator {
    cl_limits limits;
    cl_str default_host; /* used when an entry names no host; must outlive records */
    int full_only;       /* tests: judge every line the full way (no entryscan.h) */
} cl_validator;

enum cl_line_kind {
    CL_LINE_BLANK = 0, /* empty or whitespace only: ignored */
    CL_LINE_ENTRY,     /* out->rec is an entry record */
    CL_LINE_REJECT,    /* out->rec is a reject record */
    CL_LINE_OP,        /* out->op is the parsed request; caller frees it */
    CL_LINE_NOMEM      /* allocation failed; nothing was produced */
};

typedef struct cl_line_result {
    enum cl_line_kind kind;
    cl_record *rec;
    cJSON *op;
    /* For CL_LINE_OP: the request's "id" exactly as sent (compact JSON),
     * so that acks echo 2^64-1 or 0.30000000000000004 unchanged; NULL if
     * absent. Caller frees. */
    char *op_id;
} cl_line_result;

/* Judges line[0..len). The line need not be NUL-terminated but line[len]
 * must be readable and is temporarily used as a terminator when it is not
 * already '\0' (the framer guarantees this). */
void cl_validate_line(const cl_validator *v, char *line, size_t len, int64_t received_us,
                      const cl_peer *peer, cl_line_result *out);

#endif
