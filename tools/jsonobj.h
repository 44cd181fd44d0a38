/* jsonobj.h - the top-level members of a stored JSON object (`fields`), for
 * -o verbose, which shows each member on a line of its own. The text is
 * JSON the collector checked (or the caller checked: json_valid); nothing
 * here validates it. */
#ifndef CLI_JSONOBJ_H
#define CLI_JSONOBJ_H

#include <stddef.h>

#include "strbuf.h"

typedef struct cli_jmember {
    const char *key; /* inside the quotes, escapes as stored */
    size_t key_n;
    const char *val; /* the value's JSON text; a string with its quotes */
    size_t val_n;
} cli_jmember;

/* Whether s[0..n) is an object (after leading whitespace). */
int cli_json_is_object(const char *s, size_t n);

/* The member after *pos (0 at first) of the object s[0..n): 1 and *m, or 0
 * after the last. */
int cli_json_next_member(const char *s, size_t n, size_t *pos, cli_jmember *m);

/* Appends the bytes a JSON string's contents s[0..n) (no quotes) stand for:
 * escapes decoded, a surrogate pair as its code point, a lone surrogate as
 * U+FFFD. */
void cli_json_unquote(cl_strbuf *b, const char *s, size_t n);

#endif
