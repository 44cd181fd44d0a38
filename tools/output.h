/* output.h - the -o formats of query, tail and rejects, and colours: the
 * one format layer for every record kind (common/db/rows.h).
 *
 *   short      Nov 27 10:15:02 web-01 billing[4242] ERROR: payment declined {"order":81723}
 *   short-iso  2026-11-27T10:15:02.123456+01:00 web-01 billing[4242] ERROR: payment ...
 *   short-precise      Nov 27 10:15:02.123456 web-01 billing[4242] ERROR: ...
 *   short-unix         1732698902.123456 web-01 billing[4242] ERROR: ...
 *   short-iso-precise  the same as short-iso (journalctl's name for it: its
 *                      short-iso has no fraction, ours always had one)
 *   short-full         Fri 2026-11-27 10:15:02 CET web-01 billing[4242] ERROR: ...
 *   verbose    a header line, then every column and fields member that has a
 *              value, one per line:
 *                Fri 2026-11-27 10:15:02.123456 CET [id=81723]
 *                    id=81723
 *                    ts=2026-11-27T10:15:02.123456+01:00
 *                    ...
 *                    msg=payment declined
 *                    fields.order=81723
 *   export     the journal export format (systemd's journal-export-format),
 *              for systemd-journal-remote and journalctl --file; see
 *              entry_export for the field names
 *   cat        payment declined
 *   json       one JSON array of entry objects; json-pretty the same, indented
 *   ndjson     one JSON object per line
 *   csv        RFC 4180 with a header row
 *
 * The text formats show local time (UTC with --utc) and escape values like
 * the collector's text file, except that a message's line feeds and tabs
 * are printed as written (continuation lines indented under the message,
 * as journalctl does; escape_all: escaped too); JSON and CSV always carry
 * UTC RFC 3339 times.
 * Every stored value passes through escape.h. A rejected line shows as
 *
 *   short      Nov 27 10:15:02 [pid 42 uid 1000] not_json: <why> | <raw bytes>
 *   cat        <raw bytes>
 *
 * and in JSON and CSV with its own members and columns; the framing (the
 * JSON array, the record separators, the CSV header) is the same. */
#ifndef CLI_OUTPUT_H
#define CLI_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "highlight.h"
#include "regex.h"
#include "rows.h" /* common/db: the records shown */
#include "strbuf.h"

typedef enum cli_format {
    CLI_FMT_SHORT,
    CLI_FMT_SHORT_ISO,
    CLI_FMT_JSON,
    CLI_FMT_JSON_PRETTY,
    CLI_FMT_NDJSON,
    CLI_FMT_CSV,
    CLI_FMT_CAT,
    /* journalctl's other short modes, where they mean something here. */
    CLI_FMT_SHORT_PRECISE,
    CLI_FMT_SHORT_UNIX,
    CLI_FMT_SHORT_ISO_PRECISE,
    CLI_FMT_SHORT_FULL,
    CLI_FMT_VERBOSE,
    CLI_FMT_EXPORT,
} cli_format;

#define CLI_FORMATS_ACCEPTED                                                                       \
    "use short, short-iso, short-precise, short-iso-precise, short-unix, short-full, verbose, "    \
    "export, json, json-pretty, ndjson, csv or cat"

/* The formats' names, in the order of cli_format. */
#define CLI_FORMAT_COUNT 13
extern const char *const cli_format_names[CLI_FORMAT_COUNT];

/* Returns the format named s, or -1. */
int cli_format_parse(const char *s);

/* The -o names of the reports (stats, status): text or json. */
extern const char *const cli_text_json_formats[2];

/* What an output holds: one kind of record throughout (its CSV header). */
typedef enum cli_record_kind {
    CLI_REC_ENTRY,
    CLI_REC_REJECT,
} cli_record_kind;

typedef struct cli_output {
    cli_format fmt;
    cli_record_kind kind; /* CLI_REC_ENTRY unless set after cli_output_init */
    int color;            /* 1: ANSI colours by level */
    int utc;              /* text formats in UTC instead of local time */
    int escape_all;       /* short/cat: \n and \t escaped too, one line per entry */
    size_t count;         /* records written so far */
    /* The collector's user (the database's owner), -1 if unknown: an entry
     * with app centrallogd whose claimed PID is the kernel's and whose peer
     * is that user is the collector's own, shown "[centrallogd]" as in its
     * text file. Nobody else can log as that user and PID - except that user,
     * who could as well write the database directly. */
    long long collector_uid;
    /* -g's pattern, to highlight its matches in the message when colour
     * is on (text formats but verbose); NULL: none. Not owned. */
    cli_regex *highlight;
    cli_hl hl;     /* the spans of the message at hand */
    cl_strbuf tmp; /* scratch for a decoded value (verbose) */
    cl_strbuf buf; /* pending output */
    FILE *f;
    int err; /* errno of the last failed cli_output_flush */
} cli_output;

/* The SGR sequence that colours a level ("" for info), and the reset. */
const char *cli_level_color(int level);
#define CLI_COLOR_RESET "\033[0m"

void cli_output_init(cli_output *o, FILE *f, cli_format fmt, int color, int utc);

/* What comes before the first entry (CSV header) and after the last (the
 * closing bracket of a JSON array), into o->buf. */
void cli_output_begin(cli_output *o);
void cli_output_end(cli_output *o);

/* Appends one entry, or one rejected line, to o->buf. */
void cli_output_entry(cli_output *o, const cl_row_entry *e);
void cli_output_reject(cli_output *o, const cl_row_reject *r);

/* Writes o->buf to o->f when it holds at least min bytes (0: always) and
 * empties it. Returns 0, or -1 when writing failed (o->err and errno set;
 * EPIPE when the reader went away, ENOMEM when building o->buf failed). */
int cli_output_flush(cli_output *o, size_t min);

void cli_output_free(cli_output *o);

/* Whether to colour: --color=always/never, else only when f is a terminal,
 * TERM is not "dumb" and NO_COLOR is unset (https://no-color.org). */
int cli_color_wanted(int setting, FILE *f);

#endif
