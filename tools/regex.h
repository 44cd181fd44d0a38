/* regex.h - the -g/--grep regular expression, as journalctl means it: a
 * PCRE2 pattern (8-bit, UTF mode, JIT-compiled where PCRE2 has a JIT)
 * matched against the message, with smart case.
 *
 * It also says which literal text every match must contain, as an FTS5
 * MATCH expression for the trigram index of a sealed partition
 * (entries_tri, schema/sealed.sql): the index narrows the rows, the regex
 * decides. The extraction is conservative - a pattern it cannot reason
 * about gives no expression (scan every row), never one that would lose a
 * match. */
#ifndef CLI_REGEX_H
#define CLI_REGEX_H

#include <stddef.h>

#include "strbuf.h"

typedef struct cli_regex cli_regex;

/* Case modes: smart (insensitive unless the pattern has an upper-case
 * letter, as journalctl), or forced by --case-sensitive[=yes|no]. */
enum { CLI_CASE_SMART = -1, CLI_CASE_INSENSITIVE = 0, CLI_CASE_SENSITIVE = 1 };

/* Compiles pattern (NUL-terminated UTF-8). Returns 0, or -1 with PCRE2's
 * message and the offset it points at in err ("missing closing
 * parenthesis at offset 4"). */
int cli_regex_compile(const char *pattern, int case_mode, cli_regex **out, char *err,
                      size_t errlen);

/* Whether s[0..n) matches: 1, 0, or -1 when PCRE2 gives up (its match
 * limit: a pattern that backtracks without end); cli_regex_error then says
 * why. Invalid UTF-8 in s is not an error: it just never matches a
 * character. Not thread-safe (one match block per pattern). */
int cli_regex_match(cli_regex *re, const char *s, size_t n);
const char *cli_regex_error(const cli_regex *re);

/* The first match in s[0..n) that starts at or after from: 1 with its
 * bytes [*so, *eo) (empty for a pattern that can match nothing), 0 when
 * there is none, -1 as cli_regex_match. Offsets fall on code point
 * boundaries of the valid parts of s (PCRE2_MATCH_INVALID_UTF). */
int cli_regex_next(cli_regex *re, const char *s, size_t n, size_t from, size_t *so, size_t *eo);

/* Whether it matches ignoring case (smart case or --case-sensitive=no). */
int cli_regex_caseless(const cli_regex *re);

/* The FTS5 MATCH expression of the literal text every match contains, for
 * a trigram index; NULL when there is none to narrow by. */
const char *cli_regex_fts_query(const cli_regex *re);

/* NULL-safe. */
void cli_regex_free(cli_regex *re);

/* The extraction behind cli_regex_fts_query, for any pattern PCRE2
 * accepts: appends the expression to out (nothing when the index cannot
 * narrow). Terms are quoted FTS5 strings of 3 or more ASCII characters
 * (what a trigram index can look up, and what folds the same way in PCRE2
 * and the index); AND joins what a branch needs, OR its alternatives. With
 * trigrams, each term is written as the AND of its trigrams (what the
 * detail=none index can look up); without, as the literal itself. */
void cli_regex_terms(const char *pattern, int trigrams, cl_strbuf *out);

#endif
