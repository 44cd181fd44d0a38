/* own_entry.c - the collector's own entries, built without the validator. */
#include "own_entry.h"

#include <stdlib.h>
#include <string.h>

#include "unsafe.h"

/* Whether s[0..n) is well-formed UTF-8 without NUL (what the validator
 * demands of every string of an entry). */
static int utf8_ok(const char *s, size_t n)
{
    size_t i = 0;
    unsigned cp;

    while (i < n) {
        size_t k = cl_utf8_seq((const unsigned char *)s + i, n - i, &cp);

        if (k == 0 || cp == 0)
            return 0;
        i += k;
    }
    return 1;
}

/* Copies a string into the record's data area (as validate.c does). */
static char *put(char *p, cl_str *dst, const char *s, size_t n)
{
    memcpy(p, s, n);
    p[n] = '\0';
    dst->p = p;
    dst->n = n;
    return p + n + 1;
}

cl_record *cl_own_entry_new(const cl_own_entry *e, int64_t received_us, const cl_peer *self)
{
    size_t mlen = strlen(e->msg), alen = strlen(CL_OWN_APP);
    size_t flen = e->fields != NULL ? strlen(e->fields) : 0;
    /* The validator's sizing, so the queue accounts the same bytes: the
     * strings and their NULs, the fields, and room for an "extra" object. */
    size_t need = mlen + alen + 6 + (e->fields != NULL ? flen + 1 : 0) + 3;
    cl_record *r;
    char *p;

    if (!utf8_ok(e->msg, mlen) || !utf8_ok(e->fields != NULL ? e->fields : "", flen))
        return NULL;
    r = malloc(sizeof *r + need);
    if (r == NULL)
        return NULL;
    memset(r, 0, sizeof *r);
    r->kind = CL_REC_ENTRY;
    r->size = sizeof *r + need;
    r->received_us = received_us;
    r->peer = *self;
    r->own = 1;
    r->u.e.level = e->level;
    r->u.e.ts_us = received_us;
    r->u.e.has_pid = 1;
    r->u.e.pid = e->pid;
    p = r->data;
    p = put(p, &r->u.e.msg, e->msg, mlen);
    p = put(p, &r->u.e.app, CL_OWN_APP, alen);
    r->u.e.host = e->host;
    if (e->fields != NULL)
        put(p, &r->u.e.fields, e->fields, flen);
    return r;
}
