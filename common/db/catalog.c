/* catalog.c - see catalog.h. */
#include "catalog.h"

#include "fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_names[] = { "live", "sealing", "closed", "deleting" };

const char *cl_part_state_name(enum cl_part_state s)
{
    return (unsigned)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "?";
}

int cl_part_state_parse(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof state_names / sizeof state_names[0]; i++)
        if (strcmp(name, state_names[i]) == 0)
            return (int)i;
    return -1;
}

int cl_catalog_parts_dir(const char *catalog_path, char *out, size_t outlen)
{
    size_t n = strlen(catalog_path);

    if (n >= 3 && strcmp(catalog_path + n - 3, ".db") == 0)
        n -= 3;
    if (n + 3 > outlen)
        return -1;
    memcpy(out, catalog_path, n);
    memcpy(out + n, ".d", 3);
    return 0;
}

static int is_absolute(const char *p)
{
    return p[0] == '/' || p[0] == '\\' ||
           (((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z') && p[1] == ':');
}

/* rel resolved against the directory of catalog_path; malloc'd or NULL. */
static char *resolve(const char *catalog_path, const char *rel)
{
    const char *slash = cl_path_last_sep(catalog_path);
    size_t dlen;
    char *p;

    if (is_absolute(rel) || slash == NULL)
        return strdup(rel);
    dlen = (size_t)(slash - catalog_path) + 1;
    p = malloc(dlen + strlen(rel) + 1);
    if (p != NULL) {
        memcpy(p, catalog_path, dlen);
        strcpy(p + dlen, rel);
    }
    return p;
}

static int64_t col_or(sqlite3_stmt *st, int i, int64_t dflt)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, i);
}

#define PART_COLUMNS                                                                               \
    "seq, path, state, first_id, last_id, first_reject, last_reject, min_ts, max_ts, "             \
    "min_received, max_received, entries, rejects, bytes, fts, created, sealed"

/* Fills p from the row: 0, -1 when out of memory, -2 when the row is not one
 * the schema allows (a hand-edited catalog). */
static int read_part(sqlite3_stmt *st, const char *catalog_path, cl_part *p)
{
    const char *rel = (const char *)sqlite3_column_text(st, 1);
    const char *fts = (const char *)sqlite3_column_text(st, 14);
    int state = cl_part_state_parse((const char *)sqlite3_column_text(st, 2));

    memset(p, 0, sizeof *p);
    if (rel == NULL || rel[0] == '\0' || state < 0)
        return -2;
    p->seq = sqlite3_column_int64(st, 0);
    p->state = (enum cl_part_state)state;
    p->first_id = sqlite3_column_int64(st, 3);
    p->last_id = col_or(st, 4, -1);
    p->first_reject = sqlite3_column_int64(st, 5);
    p->last_reject = col_or(st, 6, -1);
    p->has_range =
        sqlite3_column_type(st, 7) != SQLITE_NULL && sqlite3_column_type(st, 8) != SQLITE_NULL;
    p->min_ts = col_or(st, 7, 0);
    p->max_ts = col_or(st, 8, 0);
    p->min_received = col_or(st, 9, p->min_ts);
    p->max_received = col_or(st, 10, p->max_ts);
    p->entries = col_or(st, 11, -1);
    p->rejects = col_or(st, 12, -1);
    p->bytes = col_or(st, 13, -1);
    p->fts_complete = fts != NULL && strcmp(fts, "complete") == 0;
    p->created = sqlite3_column_int64(st, 15);
    p->sealed = col_or(st, 16, -1);
    p->rel = strdup(rel);
    p->path = resolve(catalog_path, rel);
    return p->rel != NULL && p->path != NULL ? 0 : -1;
}

static void part_free(cl_part *p)
{
    free(p->path);
    free(p->rel);
}

void cl_part_list_free(cl_part_list *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        part_free(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int push(cl_part_list *l, size_t *cap, const cl_part *p)
{
    if (l->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        cl_part *nv = realloc(l->v, ncap * sizeof *nv);

        if (nv == NULL)
            return -1;
        l->v = nv;
        *cap = ncap;
    }
    l->v[l->n++] = *p;
    return 0;
}

int cl_catalog_list(sqlite3 *h, const char *catalog_path, cl_part_list *out, char *err,
                    size_t errlen)
{
    return cl_catalog_list_all(h, catalog_path, 0, out, err, errlen);
}

int cl_catalog_list_all(sqlite3 *h, const char *catalog_path, int with_deleting, cl_part_list *out,
                        char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    out->v = NULL;
    out->n = 0;
    rc = sqlite3_prepare_v2(h,
                            with_deleting ? "SELECT " PART_COLUMNS
                                            " FROM partitions ORDER BY first_id, seq"
                                          : "SELECT " PART_COLUMNS " FROM partitions WHERE state "
                                            "<> 'deleting' ORDER BY first_id, seq",
                            -1, &st, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        cl_part p;
        int bad = read_part(st, catalog_path, &p);

        if (bad != 0) {
            part_free(&p);
            snprintf(err, errlen, "catalog %s: %s (partition row %lld)", catalog_path,
                     bad == -2 ? "a row with no path or an unknown state" : "out of memory",
                     (long long)sqlite3_column_int64(st, 0));
            rc = SQLITE_ERROR;
            goto fail;
        }
        if (push(out, &cap, &p) != 0) {
            part_free(&p);
            snprintf(err, errlen, "catalog %s: out of memory", catalog_path);
            rc = SQLITE_NOMEM;
            goto fail;
        }
        rc = SQLITE_OK;
    }
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        return 0;
    }
    snprintf(err, errlen, "cannot read the catalog %s: %s", catalog_path, sqlite3_errmsg(h));
fail:
    sqlite3_finalize(st);
    cl_part_list_free(out);
    return -1;
}
