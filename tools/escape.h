/* escape.h - making stored values safe to print.
 *
 * Everything in the database came from producers, so a value may hold an
 * ANSI escape sequence, a carriage return that overwrites the line, a bidi
 * override that reorders it, or bytes that are not UTF-8 at all (a copied or
 * foreign file). Every output format goes through one of these functions, so
 * viewing logs can never drive the operator's terminal or forge a line. */
#ifndef CLI_ESCAPE_H
#define CLI_ESCAPE_H

#include <stddef.h>

#include "highlight.h"
#include "strbuf.h"

/* The text escaping of the collector's text file, so that lines look alike:
 * "\\" for a backslash, \n \r \t, \xHH for other C0 controls, DEL and bytes
 * that are not UTF-8, \uHHHH (\UHHHHHHHH above U+FFFF) for the other unsafe
 * code points (common/textesc.h). */
void cli_esc_text(cl_strbuf *b, const char *s, size_t n);

/* A message as written, for the short and cat formats: cli_esc_text,
 * except that a tab is printed as a tab and a line feed as a line break
 * followed by indent spaces (the width of the line's prefix before the
 * message), so that a stack trace reads as it was logged while a
 * continuation line can never pass for an entry of its own (every entry's
 * line starts with its time). Line feeds at the end are left out. Every
 * other control character stays escaped: \r cannot return over the prefix,
 * nor an ANSI sequence or a bidi control rewrite it. In colour, on and off
 * (the level's SGR and its reset; "" when none) end each line and start
 * each continuation line after its indentation, as journalctl's lines
 * are: every line carries its own colour, in a pager that shows it from
 * the middle of an entry or through grep. */
void cli_esc_text_lines(cl_strbuf *b, const char *s, size_t n, size_t indent, const char *on,
                        const char *off);

/* cli_esc_text_lines (lines 1) or cli_esc_text (lines 0, where on and off
 * are unused), with the spans of hl highlighted: each starts with hl->on
 * and ends with a reset and on again (the line's own colour). The spans
 * must fall between the escaper's units (highlight.h, cli_hl_snap), so
 * that the text is escaped exactly as without them. A highlight that runs
 * over a line break ends with its line and starts again after the
 * indentation. hl NULL or without spans: exactly cli_esc_text_lines or
 * cli_esc_text. */
typedef struct cli_esc_spans {
    const cli_span *sp;
    size_t n;
    const char *on;
} cli_esc_spans;

#define CLI_ESC_SGR_RESET "\033[0m"

void cli_esc_text_hl(cl_strbuf *b, const char *s, size_t n, int lines, size_t indent,
                     const char *on, const char *off, const cli_esc_spans *hl);

/* The same for a name (app, host) in a text line: every ASCII byte outside
 * [A-Za-z0-9._/@+=,-] becomes \xHH and every non-ASCII code point \uHHHH
 * (\UHHHHHHHH above U+FFFF) as well, as in the collector's text file, so
 * that no name can pose as another producer's "host app[pid] LEVEL:", not
 * even with look-alikes. */
void cli_esc_name(cl_strbuf *b, const char *s, size_t n);

/* s as a JSON string literal, quotes included (common/jsonesc.h). Unsafe
 * code points become \u escapes (lossless; a surrogate pair above U+FFFF);
 * bytes that are not UTF-8 become \ufffd. */
void cli_esc_json_str(cl_strbuf *b, const char *s, size_t n);

/* One CSV field (RFC 4180): the text escaping above, so that a record is
 * always one line, then quoted when it holds a comma or a double quote. */
void cli_esc_csv(cl_strbuf *b, const char *s, size_t n);

/* Copies JSON text as stored in `fields`/`extra`. Inside strings unsafe code
 * points become \u escapes and bytes that are not UTF-8 become \ufffd;
 * whitespace outside strings is dropped. With indent >= 0 the value is
 * pretty-printed, two spaces per level, as if it started at depth indent.
 * Numbers and strings are copied byte for byte, never re-printed, so 64-bit
 * integers survive. The caller checks validity first (json_valid). */
void cli_json_copy(cl_strbuf *b, const char *s, size_t n, int indent);

#endif
