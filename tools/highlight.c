/* highlight.c - see highlight.h. */
#include "highlight.h"

#include <stdint.h>
#include <stdlib.h>

#include "utf8.h"

/* Length of the escaper's unit at s[i]: a UTF-8 sequence, else one byte
 * (common/textesc.c escapes a byte that starts no sequence on its own). */
static size_t unit_len(const char *s, size_t n, size_t i)
{
    const unsigned char *u = (const unsigned char *)s + i;
    size_t k = *u < 0x80 ? 1 : cl_utf8_len(u, n - i);

    return k == 0 ? 1 : k;
}

size_t cli_hl_snap(const char *s, size_t n, cli_span *sp, size_t k)
{
    size_t i = 0, len = i < n ? unit_len(s, n, 0) : 0, out = 0;

    for (size_t j = 0; j < k; j++) {
        size_t so = sp[j].so, eo = sp[j].eo < n ? sp[j].eo : n;

        if (so >= eo)
            continue;
        /* The unit holding so: units only move forward, as spans do. */
        while (i + len <= so) {
            i += len;
            len = unit_len(s, n, i);
        }
        if (i > so) /* a span behind the walk: in order, it overlaps the last */
            so = i;
        else
            so = i;
        while (i + len < eo) {
            i += len;
            len = unit_len(s, n, i);
        }
        eo = i + len;
        if (out > 0 && so <= sp[out - 1].eo) {
            if (eo > sp[out - 1].eo)
                sp[out - 1].eo = eo;
        } else {
            sp[out].so = so;
            sp[out].eo = eo;
            out++;
        }
    }
    return out;
}

static int push(cli_hl *h, size_t so, size_t eo)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        cli_span *p = cap > SIZE_MAX / sizeof *p ? NULL : realloc(h->sp, cap * sizeof *p);

        if (p == NULL)
            return -1;
        h->sp = p;
        h->cap = cap;
    }
    h->sp[h->n].so = so;
    h->sp[h->n].eo = eo;
    h->n++;
    return 0;
}

int cli_hl_find(cli_regex *re, const char *s, size_t n, cli_hl *h)
{
    size_t from = 0, so, eo;
    int rc;

    h->n = 0;
    while (from <= n && (rc = cli_regex_next(re, s, n, from, &so, &eo)) == 1) {
        if (eo > so && push(h, so, eo) != 0) {
            h->n = 0;
            return -1;
        }
        /* After an empty match, on by a unit: never the same match again. */
        from = eo > so ? eo : so < n ? so + unit_len(s, n, so) : n + 1;
    }
    if (from <= n && rc < 0) {
        h->n = 0;
        return -1;
    }
    h->n = cli_hl_snap(s, n, h->sp, h->n);
    return 0;
}

void cli_hl_free(cli_hl *h)
{
    free(h->sp);
    h->sp = NULL;
    h->n = h->cap = 0;
}

const char *cli_hl_color(int level)
{
    return level >= 0 && level <= 3 ? "\033[0;1;39m" : "\033[0;1;31m";
}
