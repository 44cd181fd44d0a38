/* centrallog.h - libcentrallog, the CentralLog client SDK.
 *
 * Log structured entries to a local CentralLog collector from any thread,
 * without ever waiting on the network:
 *
 *     cl_logger *lg;
 *     if (cl_open(&lg, "billing", NULL) != CL_OK) ...
 *     cl_log(lg, CL_INFO, "started, %d workers", n);
 *     cl_log_kv(lg, CL_ERROR, "payment declined",
 *               CL_INT("order", 81723), CL_STR("currency", "EUR"));
 *     cl_flush(lg, 2000);   // returns CL_OK once the collector committed all of it
 *     cl_close(lg);
 *
 * Delivery: a call encodes the entry and appends it to the logger's bounded
 * buffer; one background thread per logger writes to the collector, reconnects
 * with capped exponential backoff when it is down, and keeps every entry until
 * the collector acknowledges it (at-least-once: after a collector crash or
 * restart, entries it committed but did not acknowledge are sent again). What
 * cannot be kept is counted (cl_stats.dropped) and reported to the collector
 * as a synthetic warning entry (fields "dropped": how many since the last
 * report, "report": 1, 2, ... per logger, so that a resent copy is known as
 * one) once it is reachable again, or within a second when the drops happen
 * while it is reachable; cl_close reports the last ones. Nothing is dropped
 * silently - except what cl_close itself cannot deliver (see cl_close).
 *
 * Memory: the SDK copies every string it is given; the caller keeps ownership of
 * its arguments. Objects returned by the SDK are freed by the SDK (cl_close).
 *
 * Threads: every function may be called from any thread, except that
 * cl_close() must not race with other calls on the same logger.
 *
 * fork(): a child process must not use its parent's logger (its background
 * thread does not exist in the child). Call cl_open() again in the child; the
 * parent's logger is not affected. In the child, calls on the inherited logger
 * return CL_EINVAL (cl_errmsg says why, cl_get_stats gives zeroes) without
 * waiting for anything, whatever the parent's threads were doing at the fork;
 * cl_close() on it frees memory without touching the parent's connection.
 */
#ifndef CENTRALLOG_H
#define CENTRALLOG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CL_SDK_VERSION_MAJOR 0
#define CL_SDK_VERSION_MINOR 1
#define CL_SDK_VERSION_PATCH 0
#define CL_SDK_VERSION_STRING "0.1.0"
/* Encoded as 0xMMmmpp for comparisons in #if. */
#define CL_SDK_VERSION_NUMBER                                                                      \
    ((CL_SDK_VERSION_MAJOR << 16) | (CL_SDK_VERSION_MINOR << 8) | CL_SDK_VERSION_PATCH)

#if defined(_WIN32) && !defined(CL_STATIC)
#ifdef CL_BUILDING_DLL
#define CL_API __declspec(dllexport)
#else
#define CL_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define CL_API __attribute__((visibility("default")))
#else
#define CL_API
#endif

#if defined(__MINGW32__)
#define CL_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define CL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CL_PRINTF(f, a)
#endif

/* Result codes. Stable numbers; cl_strerror() describes each. */
typedef enum cl_result {
    CL_OK = 0,
    CL_EINVAL = 1,       /* an argument or option is invalid (cl_errmsg says which) */
    CL_ENOMEM = 2,       /* out of memory */
    CL_EDROPPED = 3,     /* the entry was not kept: buffer full (see cl_stats.dropped) */
    CL_ETIMEDOUT = 4,    /* cl_flush: not everything was acknowledged in time */
    CL_EUNREACHABLE = 5, /* cl_flush: the collector could not be reached */
    CL_EREJECTED = 6,    /* cl_flush: all acknowledged, but the collector refused some */
    CL_EADDRESS = 7,     /* the collector address cannot be used */
    CL_ETHREAD = 8,      /* the background thread could not be started */
    CL_ECLOSED = 9       /* the logger is closing */
} cl_result;

/* Severity, numbered as syslog does; CL_TRACE is below debug. */
typedef enum cl_level {
    CL_EMERGENCY = 0,
    CL_ALERT = 1,
    CL_CRITICAL = 2,
    CL_ERROR = 3,
    CL_WARNING = 4,
    CL_NOTICE = 5,
    CL_INFO = 6,
    CL_DEBUG = 7,
    CL_TRACE = 8
} cl_level;

/* What a log call does when the buffer is full. */
typedef enum cl_overflow {
    /* Default. Collector reachable: wait for room up to overflow_wait_ms (a
     * producer faster than the collector is slowed to its pace). Collector
     * unreachable: drop the new entry at once (CL_EDROPPED). */
    CL_OVERFLOW_WAIT = 0,
    CL_OVERFLOW_DROP_NEWEST = 1, /* drop the new entry (CL_EDROPPED) */
    CL_OVERFLOW_DROP_OLDEST = 2, /* drop the oldest buffered entry; the call succeeds */
    CL_OVERFLOW_BLOCK = 3        /* wait for room without limit */
} cl_overflow;

typedef struct cl_options {
    /* Set by cl_options_init; lets newer SDKs accept older callers' structs. */
    size_t struct_size;
    const char *address;    /* NULL: $CENTRALLOG_ADDRESS, else the platform default */
    const char *host;       /* NULL: this machine's name */
    size_t buffer_entries;  /* default 10000 */
    size_t buffer_bytes;    /* default 8 MiB */
    cl_overflow overflow;   /* default CL_OVERFLOW_WAIT */
    int overflow_wait_ms;   /* default 1000 */
    int mirror_stderr;      /* also print each entry to stderr; default 0 */
    size_t max_entry_bytes; /* collector's limit; longer messages are cut; default 65536 */
    int connect_timeout_ms; /* unused on POSIX (connect is immediate); default 1000 */
    /* Added after 0.1.0: read only when struct_size covers them. */
    int close_timeout_ms;     /* cl_close: longest wait for the collector to acknowledge
                                 what is buffered while it is reachable; default 2000 */
    int close_unreachable_ms; /* cl_close: longest wait while the collector is NOT
                                 reachable (not running, or refusing connections);
                                 default 100 */
    int report_stderr;        /* print the SDK's own problems (entries still undelivered
                                 at cl_close) to stderr; default 0: the library prints
                                 nothing unasked (see cl_stats.dropped instead) */
} cl_options;

/* Fills o (of size bytes, normally sizeof(cl_options)) with the defaults and
 * sets o->struct_size = size. Call before setting fields. A program built
 * against an older header passes its older, smaller struct, and the fields it
 * does not know keep their defaults. */
CL_API void cl_options_init_size(cl_options *o, size_t size);

/* Fills o with the defaults. Call before setting fields. This is now a
 * macro over cl_options_init_size() with the size of the struct this header
 * declares; the exported function of the same name (used by programs built
 * against the 0.1.0 header) fills only the fields 0.1.0 had. */
CL_API void cl_options_init(cl_options *o);
#define cl_options_init(o) cl_options_init_size((o), sizeof *(o))

typedef struct cl_logger cl_logger;

/* Creates a logger for application name app (1-128 characters of UTF-8, no
 * control characters). opts may be NULL. Succeeds even when no collector is
 * running yet: entries are buffered and delivered once it is. On error *out
 * is NULL; CL_EINVAL means cl_check_options() explains why. */
CL_API int cl_open(cl_logger **out, const char *app, const cl_options *opts);

/* Checks what cl_open would check. Returns CL_OK, or CL_EINVAL with a
 * message naming the offending argument in why (may be NULL). */
CL_API int cl_check_options(const char *app, const cl_options *opts, char *why, size_t whylen);

/* printf-style message. Returns CL_OK (queued), CL_EDROPPED (not kept,
 * counted in cl_stats.dropped), CL_EINVAL or CL_ENOMEM. How long it may wait
 * is the overflow policy's (cl_overflow); otherwise it never waits on the
 * collector. The same holds for cl_log_fields and cl_log_at. */
CL_API int cl_log(cl_logger *lg, cl_level level, const char *fmt, ...) CL_PRINTF(3, 4);

/* Typed structured fields, stored in the entry's "fields" object. Keys and
 * string values are copied and escaped; invalid UTF-8 is repaired. */
typedef enum cl_field_type {
    CL_FIELD_STRING = 1,
    CL_FIELD_INT = 2,
    CL_FIELD_DOUBLE = 3,
    CL_FIELD_BOOL = 4
} cl_field_type;

typedef struct cl_field {
    const char *key;
    cl_field_type type;
    union {
        const char *s;
        int64_t i;
        double d;
        int b;
    } v;
} cl_field;

#define CL_STR(k, val) ((cl_field){ (k), CL_FIELD_STRING, { .s = (val) } })
#define CL_INT(k, val) ((cl_field){ (k), CL_FIELD_INT, { .i = (int64_t)(val) } })
#define CL_DOUBLE(k, val) ((cl_field){ (k), CL_FIELD_DOUBLE, { .d = (double)(val) } })
#define CL_BOOL(k, val) ((cl_field){ (k), CL_FIELD_BOOL, { .b = !!(val) } })

/* Logs msg (not a format) with n fields. Every field must have a key and a
 * known type, and a CL_FIELD_STRING field a non-NULL value: otherwise the
 * call is refused with CL_EINVAL (nothing is queued) and cl_errmsg() names
 * the field, since a NULL there is a bug in the caller that a silently
 * altered entry would hide. Keys longer than 128 characters are cut;
 * duplicate keys and fields beyond 63 are dropped and counted in the
 * entry's "cl_fields_dropped" field. */
CL_API int cl_log_fields(cl_logger *lg, cl_level level, const char *msg, const cl_field *fields,
                         size_t n);

/* cl_log_kv(lg, CL_INFO, "msg", CL_INT("k", 1), CL_STR("s", "v")) */
#define cl_log_kv(lg, level, msg, ...)                                                             \
    cl_log_fields((lg), (level), (msg), (const cl_field[]){ __VA_ARGS__ },                         \
                  sizeof((const cl_field[]){ __VA_ARGS__ }) / sizeof(cl_field))

/* Source location as fields "file", "line", "func" (file or func NULL: that
 * field is left out). */
CL_API int cl_log_at(cl_logger *lg, cl_level level, const char *file, int line, const char *func,
                     const char *fmt, ...) CL_PRINTF(6, 7);

#define cl_error(lg, ...) cl_log_at((lg), CL_ERROR, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define cl_warning(lg, ...) cl_log_at((lg), CL_WARNING, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define cl_info(lg, ...) cl_log_at((lg), CL_INFO, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define cl_debug(lg, ...) cl_log_at((lg), CL_DEBUG, __FILE__, __LINE__, __func__, __VA_ARGS__)

/* Waits until every entry logged before the call is committed by the
 * collector, at most timeout_ms (-1: no limit; the wait is measured on a
 * monotonic clock on POSIX, so a wall-clock step neither stretches nor cuts
 * it). Returns CL_OK, CL_EREJECTED (all acknowledged, some refused),
 * CL_ETIMEDOUT (reachable, but not all acknowledged in time) or
 * CL_EUNREACHABLE (not reachable when the time ran out), or CL_EINVAL for a
 * NULL, closed or inherited logger.
 * CL_EREJECTED reports the refusals among the entries logged since the last
 * cl_flush that did not time out, however early the collector acknowledged
 * them. The collector counts refusals per acknowledgement, not per entry: an
 * acknowledgement that also covers entries logged by other threads after the
 * call began may report theirs too (never fewer than the flush's own). */
CL_API int cl_flush(cl_logger *lg, int timeout_ms);

typedef struct cl_stats {
    uint64_t queued;     /* accepted by log calls */
    uint64_t sent;       /* written to the collector (resends included) */
    uint64_t acked;      /* acknowledged by the collector as accepted */
    uint64_t rejected;   /* acknowledged as refused by the collector */
    uint64_t dropped;    /* not kept: buffer full or logger closing */
    uint64_t truncated;  /* messages cut to fit the collector's limit */
    uint64_t reconnects; /* connections made after the first */
    uint64_t buffered;   /* entries held now (queued or awaiting ack) */
    int connected;       /* the collector is reachable right now: it answered on the
                            current connection (a connection it accepted only to
                            refuse, too_many_connections, does not count) */
    uint64_t suppressed; /* accepted but held back by the collector's rate limit */
} cl_stats;

/* Copies the logger's counters into out. With lg NULL, or a logger already
 * closed, *out is zeroed. */
CL_API void cl_get_stats(cl_logger *lg, cl_stats *out);

/* Waits for the collector to acknowledge what is buffered - at most
 * close_timeout_ms (default 2 s) while it is reachable, at most
 * close_unreachable_ms (default 100 ms) while it is not - then stops the
 * background thread and FREES the logger: lg must not be used afterwards. What
 * could not be delivered is lost (printed to stderr only with report_stderr).
 * NULL-safe. A second cl_close of the same pointer is a use after free by
 * contract, but it is detected and does nothing: the SDK keeps a registry of
 * live loggers and only touches a pointer it finds there. The other calls
 * detect a closed logger too (cl_flush, cl_log... return CL_EINVAL) as long
 * as its memory has not been reused. */
CL_API void cl_close(cl_logger *lg);

/* Description of a result code; never NULL. */
CL_API const char *cl_strerror(int rc);

/* Detail of the last error on this logger (thread-local per logger is not
 * promised: the last error of any thread). Every CL_EINVAL of a call on a
 * live logger leaves a message here. Never NULL. The text is a copy for the
 * calling thread, valid until that thread's next cl_errmsg: other threads'
 * failing calls do not change it under the reader. */
CL_API const char *cl_errmsg(const cl_logger *lg);

/* "0.1.0" - the library actually loaded. */
CL_API const char *cl_version(void);

#ifdef __cplusplus
}
#endif

#endif
