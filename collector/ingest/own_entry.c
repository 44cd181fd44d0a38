/* own_entry.c - the collector's own entries, built without the validator. */
#include "own_entry.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Whether s[0..n) is well-formed UTF-8 without NUL (what the validator
 * demands of every string of an entry). */
static int utf8_ok(const char *s, size_t n)
{
    return cl_utf8_check((const unsigned char *)s, n) == n && memchr(s, '\0', n) == NULL;
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
    r = cl_record_alloc(CL_REC_ENTRY, need);
    if (r == NULL)
        return NULL;
    r->received_us = received_us;
    r->peer = *self;
    r->own = 1;
    r->u.e.level = e->level;
    r->u.e.ts_us = received_us;
    r->u.e.has_pid = 1;
    r->u.e.pid = e->pid;
    p = r->data;
    p = cl_record_put_str(p, &r->u.e.msg, e->msg, mlen);
    p = cl_record_put_str(p, &r->u.e.app, CL_OWN_APP, alen);
    r->u.e.host = e->host;
    if (e->fields != NULL)
        cl_record_put_str(p, &r->u.e.fields, e->fields, flen);
    return r;
}
