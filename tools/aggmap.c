/* aggmap.c - see aggmap.h. */
#include "aggmap.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    if (key == NULL)
        return 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static int same(const cli_agg *a, const void *key, size_t len, uint64_t h)
{
    if (a->hash != h)
        return 0;
    if (key == NULL || a->key == NULL)
        return key == NULL && a->key == NULL;
    return a->len == len && memcmp(a->key, key, len) == 0;
}

static int grow(cli_aggmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    cli_agg **slots = calloc(cap, sizeof *slots);

    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        cli_agg *a = m->slots[i];
        size_t j;

        if (a == NULL)
            continue;
        for (j = a->hash & (cap - 1); slots[j] != NULL; j = (j + 1) & (cap - 1))
            ;
        slots[j] = a;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

/* The aggregate for key, created when missing; NULL when out of memory. */
static cli_agg *lookup(cli_aggmap *m, const void *key, size_t len)
{
    cli_agg *a;
    uint64_t h;
    size_t j;

    /* Keep the table at most half full: probes stay short. */
    if (2 * (m->n + 1) > m->cap && grow(m) != 0)
        return NULL;
    h = hash(key, len);
    for (j = h & (m->cap - 1); (a = m->slots[j]) != NULL; j = (j + 1) & (m->cap - 1)) {
        if (same(a, key, len, h))
            return a;
    }
    a = calloc(1, sizeof *a);
    if (a == NULL || (key != NULL && (a->key = malloc(len ? len : 1)) == NULL)) {
        free(a);
        return NULL;
    }
    if (key != NULL)
        memcpy(a->key, key, len);
    a->len = len;
    a->hash = h;
    m->slots[j] = a;
    m->n++;
    return a;
}

int cli_agg_add(cli_aggmap *m, const void *key, size_t len, int level)
{
    return cli_agg_add_n(m, key, len, level, 1);
}

int cli_agg_add_n(cli_aggmap *m, const void *key, size_t len, int level, int64_t n)
{
    cli_agg *a = m->last;

    if (level < 0 || level >= CL_LVL_COUNT)
        level = CL_LVL_COUNT - 1;
    /* Rows in time order often repeat the last key (always, for minutes). */
    if (a == NULL || a->len != len || (key == NULL) != (a->key == NULL) ||
        (key != NULL && memcmp(a->key, key, len) != 0)) {
        if ((a = lookup(m, key, len)) == NULL) {
            m->oom = 1;
            return -1;
        }
        m->last = a;
    }
    a->total += n;
    a->level[level] += n;
    return 0;
}

int cli_agg_merge(cli_aggmap *dst, const cli_aggmap *src)
{
    for (size_t i = 0; i < src->cap; i++) {
        const cli_agg *s = src->slots[i];
        cli_agg *d;

        if (s == NULL)
            continue;
        if ((d = lookup(dst, s->key, s->len)) == NULL) {
            dst->oom = 1;
            return -1;
        }
        d->total += s->total;
        for (int l = 0; l < CL_LVL_COUNT; l++)
            d->level[l] += s->level[l];
    }
    dst->oom |= src->oom;
    return 0;
}

static int by_total(const void *pa, const void *pb)
{
    const cli_agg *a = *(cli_agg *const *)pa, *b = *(cli_agg *const *)pb;
    size_t n;
    int c;

    if (a->total != b->total)
        return a->total > b->total ? -1 : 1;
    if (a->key == NULL || b->key == NULL)
        return a->key == NULL ? 1 : b->key == NULL ? -1 : 0;
    n = a->len < b->len ? a->len : b->len;
    c = memcmp(a->key, b->key, n);
    return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

cli_agg **cli_agg_sorted(const cli_aggmap *m, size_t *n)
{
    cli_agg **out;
    size_t k = 0;

    *n = 0;
    if (m->n == 0 || (out = malloc(m->n * sizeof *out)) == NULL)
        return NULL;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i] != NULL)
            out[k++] = m->slots[i];
    }
    qsort(out, k, sizeof *out, by_total);
    *n = k;
    return out;
}

void cli_aggmap_free(cli_aggmap *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i] != NULL) {
            free(m->slots[i]->key);
            free(m->slots[i]);
        }
    }
    free(m->slots);
    memset(m, 0, sizeof *m);
}
