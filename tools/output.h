/* output.h - the -o formats of query and tail, and colours.
 *
 *   short      Nov 27 10:15:02 web-01 billing[4242] ERROR: payment declined {"order":81723}
 *   short-iso  2026-11-27T10:15:02.123456+01:00 web-01 billing[4242] ERROR: payment ...
 *   cat        payment declined
 *   json       one JSON array of entry objects; json-pretty the same, indented
 *   ndjson     one JSON object per line
 *   csv        RFC 4180 with a header row
 *
 * The text formats show local time (UTC with --utc) and escape values like
 * the collector's text file; JSON and CSV always carry UTC RFC 3339 times.
 * Every stored value passes through escape.h. */
#ifndef CLI_OUTPUT_H
#define CLI_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

typedef enum cli_format {
    CLI_FMT_SHORT,
    CLI_FMT_SHORT_ISO,
    CLI_FMT_JSON,
    CLI_FMT_JSON_PRETTY,
    CLI_FMT_NDJSON,
    CLI_FMT_CSV,
    CLI_FMT_CAT,
} cli_format;

#define CLI_FORMATS_ACCEPTED "use short, short-iso, json, json-pretty, ndjson, csv or cat"

/* Returns the format named s, or -1. */
int cli_format_parse(const char *s);

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

/* Appends the JSON object of what is known of p (pretty: laid out as a
 * member of a top-level object); appends nothing and returns 0 when nothing
 * is known, so that the caller leaves the member out. */
int cli_json_peer(cli_buf *b, const cli_peer *p, int pretty);

typedef struct cli_output {
    cli_format fmt;
    int color;    /* 1: ANSI colours by level */
    int utc;      /* text formats in UTC instead of local time */
    size_t count; /* entries written so far */
    /* The collector's user (the database's owner), -1 if unknown: an entry
     * with app centrallogd whose claimed PID is the kernel's and whose peer
     * is that user is the collector's own, shown "[centrallogd]" as in its
     * text file. Nobody else can log as that user and PID - except that user,
     * who could as well write the database directly. */
    long long collector_uid;
    cli_buf buf; /* pending output */
    FILE *f;
} cli_output;

/* The SGR sequence that colours a level ("" for info), and the reset. */
const char *cli_level_color(int level);
#define CLI_COLOR_RESET "\033[0m"

void cli_output_init(cli_output *o, FILE *f, cli_format fmt, int color, int utc);

/* What comes before the first entry (CSV header) and after the last (the
 * closing bracket of a JSON array), into o->buf. */
void cli_output_begin(cli_output *o);
void cli_output_end(cli_output *o);

/* Appends one entry to o->buf. */
void cli_output_entry(cli_output *o, const cli_entry *e);

/* Writes o->buf to o->f when it holds at least min bytes (0: always) and
 * empties it. Returns 0, or -1 when writing failed (errno set; EPIPE when the
 * reader went away). */
int cli_output_flush(cli_output *o, size_t min);

void cli_output_free(cli_output *o);

/* Whether to colour: --color=always/never, else only when f is a terminal,
 * TERM is not "dumb" and NO_COLOR is unset (https://no-color.org). */
int cli_color_wanted(int setting, FILE *f);

#endif
