/* highlight.h - where -g's matches are in a message, for the colours of
 * the text formats (journalctl highlights the match of its -g the same way).
 *
 * A span is a run of the message's bytes. It is highlighted in its escaped
 * form (escape.h), so its ends must fall where the escaper cuts the text:
 * between the units it escapes one at a time (a well-formed UTF-8 sequence,
 * or a single byte that is not UTF-8). cli_hl_snap widens every span to
 * whole units, so a highlight never splits "\x1b" or a multi-byte letter,
 * and escaping the pieces apart writes the very bytes of escaping the
 * whole. */
#ifndef CLI_HIGHLIGHT_H
#define CLI_HIGHLIGHT_H

#include <stddef.h>

#include "regex.h"

typedef struct cli_span {
    size_t so, eo; /* bytes [so, eo) of the message */
} cli_span;

/* The spans of one message; reused from message to message. */
typedef struct cli_hl {
    cli_span *sp;
    size_t n, cap;
} cli_hl;

/* Widens the spans sp[0..k) - in order, none starting before the previous
 * one - to whole escaper units of s[0..n), clips them to n, drops empty
 * ones and merges those that overlap or touch. Returns how many remain
 * (at the front of sp). */
size_t cli_hl_snap(const char *s, size_t n, cli_span *sp, size_t k);

/* Every non-empty match of re in s[0..n), snapped, into h (h->n of them).
 * Returns 0, or -1 when memory ran out or PCRE2 gave up (h->n is then 0:
 * the message is shown without highlight, never cut). */
int cli_hl_find(cli_regex *re, const char *s, size_t n, cli_hl *h);

void cli_hl_free(cli_hl *h);

/* The SGR sequence of a match on a line of the given level: bold red, or
 * bold in the terminal's colour on lines that are red already (error and
 * worse), as journalctl does. It resets the line's attributes first. */
const char *cli_hl_color(int level);

#endif
