/* shown.h - the records the reading commands show: an entry, a rejected
 * line, and who sent it. Decoded from the database by rows.h, written in
 * every output format by output.h; neither header needs the other. */
#ifndef CLI_SHOWN_H
#define CLI_SHOWN_H

#include <stddef.h>
#include <stdint.h>

/* A stored string; p == NULL for SQL NULL. */
typedef struct cli_str {
    const char *p;
    size_t n;
} cli_str;

/* Who sent a row, as the operating system said (the peer_* columns): PID,
 * UID and GID on POSIX; PID and user SID on Windows. */
typedef struct cli_peer {
    int has_pid, has_uid, has_gid;
    int64_t pid, uid, gid;
    cli_str sid;
} cli_peer;

/* One row of entries, as read from the database. */
typedef struct cli_entry {
    int64_t id, ts, received;
    int level;
    cli_str app, host, logger, trace_id, span_id, msg, fields, extra;
    int has_pid, has_tid;
    int64_t pid, tid;
    cli_peer peer;
    int fields_json, extra_json; /* the column holds valid JSON */
} cli_entry;

/* One row of rejects: a line the collector refused. raw holds the first
 * bytes of the line (at most 4 KiB), raw_len its whole length. */
typedef struct cli_reject {
    int64_t id, received, raw_len;
    cli_peer peer;
    cli_str reason, message, raw;
} cli_reject;

#endif
