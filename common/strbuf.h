/* strbuf.h - the growable byte buffer every program builds text in.
 *
 * Appending never fails visibly: on allocation failure the buffer sets `oom`
 * and ignores every later append, so callers check once, after building. */
#ifndef CL_STRBUF_H
#define CL_STRBUF_H

#include <stddef.h>

#include "attr.h"

typedef struct cl_strbuf {
    char *p;    /* NUL-terminated after every append and cl_strbuf_cstr */
    size_t len; /* bytes used, not counting the NUL */
    size_t cap;
    int oom; /* an append failed; the content is incomplete */
} cl_strbuf;

#define CL_STRBUF_INIT                                                                             \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

/* Makes room for n more bytes plus a NUL at p[len..]. Returns 0, or -1 (and
 * sets oom) when memory runs out or the buffer already overflowed. For
 * writing in place: write at p + len, then add to len. */
int cl_strbuf_reserve(cl_strbuf *b, size_t n);

void cl_strbuf_put(cl_strbuf *b, const void *s, size_t n);
void cl_strbuf_puts(cl_strbuf *b, const char *s);
void cl_strbuf_putc(cl_strbuf *b, char c);
void cl_strbuf_printf(cl_strbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    CL_PRINTF_LIKE(2, 3)
#endif
        ;

/* The contents as a C string ("" for an empty buffer). Owned by b. */
const char *cl_strbuf_cstr(cl_strbuf *b);

/* Forgets the contents (and an earlier oom), keeps the memory. */
void cl_strbuf_reset(cl_strbuf *b);

/* Frees the memory; b is empty and reusable afterwards. NULL-safe. */
void cl_strbuf_free(cl_strbuf *b);

#endif
