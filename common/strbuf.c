/* strbuf.c - see strbuf.h. */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cl_strbuf_reserve(cl_strbuf *b, size_t n)
{
    size_t want, cap;
    char *p;

    if (b->oom)
        return -1;
    if (n > (size_t)-1 / 2 - b->len) {
        b->oom = 1;
        return -1;
    }
    want = b->len + n + 1;
    if (want <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < want)
        cap *= 2;
    p = realloc(b->p, cap);
    if (p == NULL) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void cl_strbuf_put(cl_strbuf *b, const void *s, size_t n)
{
    if (n == 0 || cl_strbuf_reserve(b, n) != 0)
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void cl_strbuf_puts(cl_strbuf *b, const char *s)
{
    cl_strbuf_put(b, s, strlen(s));
}

void cl_strbuf_putc(cl_strbuf *b, char c)
{
    cl_strbuf_put(b, &c, 1);
}

void cl_strbuf_printf(cl_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0 || cl_strbuf_reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *cl_strbuf_cstr(cl_strbuf *b)
{
    if (b->p == NULL)
        return "";
    b->p[b->len] = '\0'; /* in place writes leave it to here */
    return b->p;
}

void cl_strbuf_reset(cl_strbuf *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->p != NULL)
        b->p[0] = '\0';
}

void cl_strbuf_free(cl_strbuf *b)
{
    if (b == NULL)
        return;
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}
