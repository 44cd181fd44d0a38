/* fieldlist.c - see fieldlist.h. */
#include "fieldlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "levelarg.h"

/* The columns a field name may be, and since which schema version. */
static const struct column {
    const char *name;
    int since;
} columns[] = {
    { "level", 1 },    { "app", 1 },      { "host", 1 },     { "pid", 1 }, { "tid", 1 },
    { "logger", 1 },   { "trace_id", 1 }, { "span_id", 1 },  { "msg", 1 }, { "peer_pid", 1 },
    { "peer_uid", 1 }, { "peer_gid", 1 }, { "peer_sid", 2 },
};

#define NCOLUMNS (sizeof columns / sizeof columns[0])

static const struct column *column_named(const char *name)
{
    for (size_t i = 0; i < NCOLUMNS; i++) {
        if (strcmp(columns[i].name, name) == 0)
            return &columns[i];
    }
    return NULL;
}

/* One database (a partition, or a single file): runs q, built by build for
 * its schema version, and hands each row to row. */
typedef int (*build_fn)(const void *ctx, int version, const cli_filter *f, cli_sql *q);
typedef int (*row_fn)(const void *ctx, sqlite3_stmt *st, cli_aggmap *set);

static int one_db(cli_db *db, cli_filter *f, build_fn build, row_fn row, const void *ctx,
                  cli_aggmap *set, char *err, size_t errlen)
{
    cli_sql q = CLI_SQL_INIT;
    sqlite3_stmt *st = NULL;
    int rc = -1, s;

    if (cli_filter_prepare(f, db->h, err, errlen) != 0)
        return -1;
    if (build(ctx, db->version, f, &q) != 0 || q.oom || q.text.oom) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    if (sqlite3_prepare_v2(db->h, q.text.p, -1, &st, NULL) != SQLITE_OK ||
        cli_sql_bind(&q, st) != SQLITE_OK) {
        snprintf(err, errlen, "cannot read %s: %s", db->path, sqlite3_errmsg(db->h));
        goto done;
    }
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (row(ctx, st, set) != 0) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
    }
    if (s != SQLITE_DONE) {
        snprintf(err, errlen, "cannot read %s: %s", db->path, sqlite3_errmsg(db->h));
        goto done;
    }
    rc = 0;
done:
    sqlite3_finalize(st);
    cli_sql_free(&q);
    return rc;
}

/* Every database of ps that f may match. */
static int each_db(cli_pset *ps, cli_filter *f, build_fn build, row_fn row, const void *ctx,
                   cli_aggmap *set, char *err, size_t errlen)
{
    if (!cli_pset_is_catalog(ps))
        return one_db(&ps->top, f, build, row, ctx, set, err, errlen);
    if (cli_filter_compile(f, ps->top.h, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < ps->parts.n; i++) {
        cli_db db;
        int rc;

        if (ps->bad[i] || !cli_part_overlaps(&ps->parts.v[i], f))
            continue;
        if (cli_pset_open(ps, i, &db) != 0)
            continue;
        rc = one_db(&db, f, build, row, ctx, set, err, errlen);
        cli_db_close(&db);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- -F */

typedef struct values_ctx {
    const struct column *col; /* NULL: a member of fields */
    cli_field_match m;        /* its JSON path */
} values_ctx;

static int values_sql(const void *ctx, int version, const cli_filter *f, cli_sql *q)
{
    const values_ctx *v = ctx;

    cl_strbuf_puts(&q->text, "SELECT v, count(*) FROM (");
    if (v->col != NULL && v->col->since > version) {
        cli_filter_select(f, q, "NULL AS v"); /* an old file has no such column */
    } else if (v->col != NULL) {
        char expr[64];

        snprintf(expr, sizeof expr, "CAST(%s AS TEXT) AS v", v->col->name);
        cli_filter_select(f, q, expr);
    } else {
        cl_strbuf expr = CL_STRBUF_INIT;
        int p = cli_sql_text(q, v->m.path, strlen(v->m.path));

        /* true and false by name (json_extract makes them 1 and 0); CASE
         * keeps json_* away from a malformed column. */
        cl_strbuf_printf(&expr,
                         "CASE WHEN json_valid(fields) THEN CASE json_type(fields, ?%d) "
                         "WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
                         "WHEN 'null' THEN 'null' "
                         "ELSE CAST(json_extract(fields, ?%d) AS TEXT) END END AS v",
                         p, p);
        if (expr.oom)
            q->oom = 1;
        else
            cli_filter_select(f, q, expr.p);
        cl_strbuf_free(&expr);
    }
    cl_strbuf_puts(&q->text, ") WHERE v IS NOT NULL GROUP BY v");
    return 0;
}

static int values_row(const void *ctx, sqlite3_stmt *st, cli_aggmap *set)
{
    const values_ctx *v = ctx;
    const char *s = (const char *)sqlite3_column_text(st, 0);
    size_t n = (size_t)sqlite3_column_bytes(st, 0);
    int64_t count = sqlite3_column_int64(st, 1);

    if (s == NULL)
        return 0;
    if (v->col != NULL && strcmp(v->col->name, "level") == 0) {
        s = cli_level_name(atoi(s));
        n = strlen(s);
    }
    if (cli_agg_add(set, s, n, 0) != 0)
        return -1;
    set->last->total += count - 1;
    return 0;
}

int cli_field_values(cli_pset *ps, cli_filter *f, const char *name, cli_aggmap *set, char *err,
                     size_t errlen)
{
    values_ctx v;
    cl_strbuf kv = CL_STRBUF_INIT;
    int rc;

    memset(&v, 0, sizeof v);
    if ((v.col = column_named(name)) == NULL) {
        /* A member of fields: --field's KEY, with a value to satisfy its
         * parser. */
        cl_strbuf_puts(&kv, name);
        cl_strbuf_putc(&kv, '=');
        if (kv.oom || name[0] == '\0' || strchr(name, '=') != NULL ||
            cli_field_parse(kv.p, &v.m, err, errlen) != 0) {
            snprintf(err, errlen,
                     "-F/--field-values: '%s' is not a field; use a column (level, app, host, "
                     "pid, ...; see -N) or a member of fields, NAME or NAME.NAME",
                     name);
            cl_strbuf_free(&kv);
            return -1;
        }
        cl_strbuf_free(&kv);
    }
    rc = each_db(ps, f, values_sql, values_row, &v, set, err, errlen);
    free(v.m.path);
    free(v.m.value);
    return rc;
}

/* ---------------------------------------------------------------- -N */

/* The columns' presence, then fields' member names: two statements in one
 * pass would need a join; -N is rare, two scans are fine. */
typedef struct names_ctx {
    int members; /* 0: the columns' pass, 1: the members' */
} names_ctx;

static int names_sql(const void *ctx, int version, const cli_filter *f, cli_sql *q)
{
    const names_ctx *c = ctx;

    if (c->members) {
        cl_strbuf_puts(&q->text, "SELECT j.key, count(*) FROM (");
        cli_filter_select(f, q, "fields");
        cl_strbuf_puts(&q->text, ") AS s, json_each(CASE WHEN json_valid(s.fields) AND "
                                 "json_type(s.fields) = 'object' THEN s.fields ELSE '{}' END) "
                                 "AS j GROUP BY j.key");
        return 0;
    }
    cl_strbuf_puts(&q->text, "SELECT ");
    for (size_t i = 0; i < NCOLUMNS; i++) {
        if (columns[i].since <= version)
            cl_strbuf_printf(&q->text, "%scount(%s)", i ? ", " : "", columns[i].name);
        else
            cl_strbuf_puts(&q->text, ", 0");
    }
    cl_strbuf_puts(&q->text, " FROM (");
    {
        cl_strbuf cols = CL_STRBUF_INIT;

        for (size_t i = 0; i < NCOLUMNS; i++) {
            if (columns[i].since <= version)
                cl_strbuf_printf(&cols, "%s%s", i ? ", " : "", columns[i].name);
        }
        if (cols.oom)
            q->oom = 1;
        else
            cli_filter_select(f, q, cols.p);
        cl_strbuf_free(&cols);
    }
    cl_strbuf_putc(&q->text, ')');
    return 0;
}

static int names_row(const void *ctx, sqlite3_stmt *st, cli_aggmap *set)
{
    const names_ctx *c = ctx;

    if (c->members) {
        const char *s = (const char *)sqlite3_column_text(st, 0);

        return s == NULL ? 0 : cli_agg_add(set, s, (size_t)sqlite3_column_bytes(st, 0), 0);
    }
    for (size_t i = 0; i < NCOLUMNS; i++) {
        if (sqlite3_column_int64(st, (int)i) > 0 &&
            cli_agg_add(set, columns[i].name, strlen(columns[i].name), 0) != 0)
            return -1;
    }
    return 0;
}

int cli_field_names(cli_pset *ps, cli_filter *f, cli_aggmap *set, char *err, size_t errlen)
{
    names_ctx c = { 0 };

    if (each_db(ps, f, names_sql, names_row, &c, set, err, errlen) != 0)
        return -1;
    c.members = 1;
    return each_db(ps, f, names_sql, names_row, &c, set, err, errlen);
}

/* ---------------------------------------------------------------- order */

static int by_key(const void *a, const void *b)
{
    const cli_agg *x = *(cli_agg *const *)a, *y = *(cli_agg *const *)b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);

    return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

cli_agg **cli_field_sorted(const cli_aggmap *set, size_t *n)
{
    cli_agg **v = cli_agg_sorted(set, n);

    if (v != NULL)
        qsort(v, *n, sizeof *v, by_key);
    return v;
}
