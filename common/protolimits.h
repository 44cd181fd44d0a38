/* protolimits.h - the protocol's limits (schema/PROTOCOL.md), in one place.
 * (Not "limits.h": on the include path that would hide the C library's.)
 *
 * The collector enforces them (collector/validate.c, collector/config.c); the
 * SDK shapes every entry to fit them (client-sdk/src/encode.c), so an entry
 * the SDK builds is never refused for its size or shape. */
#ifndef CL_PROTOLIMITS_H
#define CL_PROTOLIMITS_H

/* The longest line, terminating newline excluded: the default, and the range
 * an operator (--max-entry-bytes) or an application (max_entry_bytes) may
 * choose from. */
#define CL_LIMIT_ENTRY_BYTES 65536
#define CL_LIMIT_ENTRY_BYTES_MIN 256
#define CL_LIMIT_ENTRY_BYTES_MAX (128 * 1024)

/* Nesting of a whole entry (the entry object is depth 1). */
#define CL_LIMIT_DEPTH 9

/* Members of the entry object, and of any object or array nested in it. */
#define CL_LIMIT_TOP_MEMBERS 32
#define CL_LIMIT_MEMBERS 64

/* Code points of a member name inside "fields". */
#define CL_LIMIT_FIELD_KEY_CHARS 128

/* Code points of the known string keys (the smallest is 1). */
#define CL_LIMIT_APP_CHARS 128
#define CL_LIMIT_HOST_CHARS 255
#define CL_LIMIT_LOGGER_CHARS 256
#define CL_LIMIT_TRACE_ID_CHARS 64
#define CL_LIMIT_SPAN_ID_CHARS 64

#endif
