/* buf.h - a growable byte buffer for building output lines and SQL text.
 *
 * Appending never fails visibly: on allocation failure the buffer sets `oom`
 * and ignores further appends, so callers check once, after building. */
#ifndef CLI_BUF_H
#define CLI_BUF_H

#include "attr.h"
#include <stddef.h>

typedef struct cli_buf {
    char *p;  /* NUL-terminated when n > 0 or after cli_buf_cstr */
    size_t n; /* bytes used, not counting the NUL */
    size_t cap;
    int oom;
} cli_buf;

#define CLI_BUF_INIT                                                                               \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

void cli_buf_put(cli_buf *b, const void *s, size_t n);
void cli_buf_puts(cli_buf *b, const char *s);
void cli_buf_putc(cli_buf *b, char c);
void cli_buf_printf(cli_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    CL_PRINTF_LIKE(2, 3)
#endif
        ;

/* The contents as a C string ("" for an empty buffer). Owned by b. */
const char *cli_buf_cstr(cli_buf *b);

/* Forgets the contents, keeps the memory. */
void cli_buf_reset(cli_buf *b);

/* Frees the memory; b is empty and reusable afterwards. NULL-safe. */
void cli_buf_free(cli_buf *b);

#endif
