/* jsonobj.h - the top-level members of a stored JSON object (`fields`) and
 * the text of a JSON string: for the CLI's -o verbose and -o export, which
 * show each member on its own, and the forwarder's RFC 5424 structured
 * data, which carries each as an SD-PARAM. The text is JSON the collector
 * checked (or the caller checked: json_valid); nothing here validates it,
 * it only finds ends. */
#ifndef CL_JSONOBJ_H
#define CL_JSONOBJ_H

#include <stddef.h>

#include "strbuf.h"

typedef struct cl_jmember {
    const char *key; /* inside the quotes, escapes as stored */
    size_t key_n;
    const char *val; /* the value's JSON text; a string with its quotes */
    size_t val_n;
} cl_jmember;

/* Whether s[0..n) is an object (after leading whitespace). */
int cl_json_is_object(const char *s, size_t n);

/* The member after *pos (0 at first) of the object s[0..n): 1 and *m, or 0
 * after the last. */
int cl_json_next_member(const char *s, size_t n, size_t *pos, cl_jmember *m);

/* Appends the bytes a JSON string's contents s[0..n) (no quotes) stand for:
 * escapes decoded, a surrogate pair as its code point, a lone surrogate as
 * U+FFFD. */
void cl_json_unquote(cl_strbuf *b, const char *s, size_t n);

#endif
