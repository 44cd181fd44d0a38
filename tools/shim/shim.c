/* TEMPORARY shim of common/db (STORAGE.md API) until main has it. */
#include "catalog.h"
#include "dbschema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long long one_int(sqlite3 *h, const char *sql, int *ok)
{
    sqlite3_stmt *st = NULL;
    long long v = 0;

    *ok = 0;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        v = sqlite3_column_int64(st, 0);
        *ok = 1;
    }
    sqlite3_finalize(st);
    return v;
}

int cl_db_kind_of(sqlite3 *h, int *version)
{
    sqlite3_stmt *st = NULL;
    int ok, kind = CL_DBK_SINGLE;
    long long appid = one_int(h, "PRAGMA application_id", &ok);

    if (!ok)
        return CL_DBK_NOT_SQLITE;
    *version = (int)one_int(h, "PRAGMA user_version", &ok);
    if (appid != 1129074503)
        return CL_DBK_FOREIGN;
    if (sqlite3_prepare_v2(h, "SELECT value FROM meta WHERE key = 'kind'", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);

        if (k != NULL && strcmp(k, "catalog") == 0)
            kind = CL_DBK_CATALOG;
        else if (k != NULL && strcmp(k, "partition") == 0)
            kind = CL_DBK_PARTITION;
    }
    sqlite3_finalize(st);
    return kind;
}

static char *dup_s(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);

    if (p)
        memcpy(p, s, n);
    return p;
}

static char *join_dir(const char *catalog_path, const char *rel)
{
    const char *slash = strrchr(catalog_path, '/');
    size_t d = slash ? (size_t)(slash - catalog_path) + 1 : 0, n = strlen(rel);
    char *p;

    if (rel[0] == '/')
        return dup_s(rel);
    p = malloc(d + n + 1);
    if (p) {
        memcpy(p, catalog_path, d);
        memcpy(p + d, rel, n + 1);
    }
    return p;
}

static int64_t col_or(sqlite3_stmt *st, int i, int64_t dflt)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, i);
}

int cl_catalog_list(sqlite3 *h, const char *catalog_path, cl_part_list *out, char *err, size_t errlen)
{
    static const char sql[] =
        "SELECT seq, path, state, first_id, last_id, first_reject, last_reject, min_ts, max_ts, "
        "min_received, max_received, entries, rejects, bytes, fts, created, sealed "
        "FROM partitions WHERE state <> 'deleting' ORDER BY first_id";
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    out->v = NULL;
    out->n = 0;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot read the catalog: %s", sqlite3_errmsg(h));
        return -1;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cl_part *p;
        const char *state = (const char *)sqlite3_column_text(st, 2);
        const char *fts = (const char *)sqlite3_column_text(st, 14);

        if (out->n == cap) {
            cl_part *v = realloc(out->v, (cap = cap ? cap * 2 : 8) * sizeof *v);

            if (v == NULL)
                break;
            out->v = v;
        }
        p = &out->v[out->n++];
        memset(p, 0, sizeof *p);
        p->seq = sqlite3_column_int64(st, 0);
        p->rel = dup_s((const char *)sqlite3_column_text(st, 1));
        p->path = join_dir(catalog_path, p->rel);
        p->state = strcmp(state, "live") == 0      ? CL_PART_LIVE
                   : strcmp(state, "sealing") == 0 ? CL_PART_SEALING
                                                   : CL_PART_CLOSED;
        p->first_id = sqlite3_column_int64(st, 3);
        p->last_id = col_or(st, 4, -1);
        p->first_reject = sqlite3_column_int64(st, 5);
        p->last_reject = col_or(st, 6, -1);
        p->has_range = p->state == CL_PART_CLOSED && sqlite3_column_type(st, 7) != SQLITE_NULL;
        p->min_ts = col_or(st, 7, 0);
        p->max_ts = col_or(st, 8, 0);
        p->min_received = col_or(st, 9, 0);
        p->max_received = col_or(st, 10, 0);
        p->entries = col_or(st, 11, -1);
        p->rejects = col_or(st, 12, -1);
        p->bytes = col_or(st, 13, -1);
        p->fts_complete = fts != NULL && strcmp(fts, "complete") == 0;
        p->created = col_or(st, 15, 0);
        p->sealed = col_or(st, 16, 0);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "cannot read the catalog: %s", sqlite3_errmsg(h));
        cl_part_list_free(out);
        return -1;
    }
    return 0;
}

void cl_part_list_free(cl_part_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].rel);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

int cl_catalog_parts_dir(const char *catalog_path, char *out, size_t outlen)
{
    size_t n = strlen(catalog_path);
    int w;

    if (n > 3 && strcmp(catalog_path + n - 3, ".db") == 0)
        n -= 3;
    w = snprintf(out, outlen, "%.*s.d", (int)n, catalog_path);
    return w < 0 || (size_t)w >= outlen ? -1 : 0;
}
