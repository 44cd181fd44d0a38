/* pattern.h - shell-style patterns for --app and --host, as SQL.
 *
 * The user writes a shell glob: * any text, ? one character, [abc] [a-z]
 * [!abc] a set, \c the character c itself. SQLite's GLOB is close but spells
 * negation [^...] and has no escape character, so a pattern is translated
 * (\* becomes [*]). A pattern without wildcards is compared with "=", and the
 * literal prefix of one with wildcards gives an index range, so that both
 * use the (app, ts) index. */
#ifndef CLI_PATTERN_H
#define CLI_PATTERN_H

#include <stddef.h>

typedef struct cli_glob {
    char *sql; /* SQLite GLOB pattern; the unescaped literal when exact */
    size_t sql_len;
    char *prefix; /* the literal text before the first wildcard */
    size_t prefix_len;
    char *upper; /* cli_glob_upper of the prefix; NULL when there is none */
    size_t upper_len;
    int exact; /* no wildcard: match with "=" against sql */
} cli_glob;

/* Translates pat. Returns 0, or -1 with a short reason in err (e.g.
 * "unterminated '['"). Free with cli_glob_free. */
int cli_glob_compile(const char *pat, cli_glob *g, char *err, size_t errlen);

/* The least string above every string that starts with the prefix: the
 * prefix without trailing 0xFF bytes, its last byte incremented. Writes it to
 * out (room for prefix_len bytes) and returns its length; 0 when there is no
 * such bound (empty prefix). */
size_t cli_glob_upper(const cli_glob *g, char *out);

/* NULL-safe; g may be half-built. */
void cli_glob_free(cli_glob *g);

#define CLI_GLOB_ACCEPTED                                                                          \
    "use * ? [abc] [a-z] [!abc], and \\ before a character to match it literally"

#endif
