/* grep.h - the message searches: --words (whole words, the full-text
 * index) and -g/--grep (a PCRE2 regular expression, regex.h). Both give
 * the listing the same three things: an FTS5 MATCH expression that narrows
 * the rows (on entries_fts for words, on the trigram index entries_tri for
 * a regex - none when the pattern has no literal text to look up), the meta
 * key that says how far that index reaches, and an SQL function that
 * decides a row by itself.
 *
 * --words: words are searched through the FTS5 index on msg (entries_fts). The
 * collector fills that index in the background, so the newest entries (id
 * above meta.fts_indexed_upto) are not in it yet; for those a SQL function
 * answers the same question row by row, using the very tokenizer FTS5 uses
 * (unicode61: case folded, accents removed, punctuation separates words), so
 * a search gives the same answer before and after indexing.
 *
 * Each word the user types is a quoted FTS5 phrase - never FTS5 syntax, so
 * no input can be a query syntax error - and all words must match. A word
 * ending in '*' matches as a prefix. Smart case: a pattern with an upper-case
 * letter must also appear with exactly that case (instr() on msg). */
#ifndef CLI_GREP_H
#define CLI_GREP_H

#include <sqlite3.h>
#include <stddef.h>

#include "regex.h"

typedef struct cli_grep cli_grep;

/* Compiles the pattern using the FTS5 tokenizer of db (any connection with
 * FTS5). Returns 0, or -1 with a reason in err. */
int cli_grep_compile(sqlite3 *db, const char *pattern, cli_grep **out, char *err, size_t errlen);

/* Compiles a -g/--grep regular expression (case_mode: CLI_CASE_*).
 * Returns 0, or -1 with PCRE2's message and offset in err. */
int cli_grep_compile_regex(const char *pattern, int case_mode, cli_grep **out, char *err,
                           size_t errlen);

/* Whether g is a regular expression (else words). */
int cli_grep_is_regex(const cli_grep *g);

/* The FTS5 MATCH expression, e.g. "\"connection\" \"time\" *" for words,
 * "\"timeout\" OR \"order\"" for a regex; NULL when the index cannot narrow
 * (a regex without literal text: every row is tested). */
const char *cli_grep_fts_query(const cli_grep *g);

/* The FTS5 table that expression is for, and the meta key holding the last
 * id that table has indexed. */
const char *cli_grep_fts_table(const cli_grep *g);
const char *cli_grep_fts_key(const cli_grep *g);

/* Whether a row the index finds must still be tested with CLI_GREP_FN:
 * the index only proves that the regex's literal text is there. */
int cli_grep_needs_confirm(const cli_grep *g);

/* Words: whether the pattern asks for exact case (has an upper-case
 * letter); always 0 for a regex (PCRE2 itself minds the case). */
int cli_grep_case_sensitive(const cli_grep *g);

/* The words as typed, without a trailing '*', for the exact-case check. */
size_t cli_grep_word_count(const cli_grep *g);
const char *cli_grep_word(const cli_grep *g, size_t i);

/* Whether msg matches: words as entries_fts MATCH would say
 * (case-insensitively; the exact-case check is separate), a regex as PCRE2
 * says. -1: out of memory, or the regex hit PCRE2's match limit. */
int cli_grep_match(cli_grep *g, const char *msg, size_t n);

/* Name of the SQL function cli_grep_register defines: CLI_GREP_FN(msg). */
#define CLI_GREP_FN "cl_grep_unindexed"

/* Defines CLI_GREP_FN on db for this pattern; g must outlive the statement
 * that uses it. Returns an SQLite result code. */
int cli_grep_register(sqlite3 *db, cli_grep *g);

/* NULL-safe. */
void cli_grep_free(cli_grep *g);

#endif
