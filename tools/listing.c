/* listing.c - see listing.h. */
#include "listing.h"

#include <string.h>

#include "rows.h"

/* ---------------------------------------------------------------- SQL */

/* Appends the SELECT of the matching rows, unordered (l->columns). */
typedef void (*select_fn)(const cli_listing *l, cli_sql *q);

/* The last N (newest first through the index, then put in order), or all
 * in order; then the limit. tcol is the time column the listing is in order
 * of, with id breaking ties. */
static void listing_sql(const cli_listing *l, const char *tcol, select_fn select, cli_sql *q)
{
    long long limit = l->limit;

    if (l->lines >= 0 && !l->reverse) {
        cl_strbuf_puts(&q->text, "SELECT * FROM (");
        select(l, q);
        cl_strbuf_printf(&q->text, " ORDER BY %s DESC, id DESC LIMIT ?%d) ORDER BY %s, id", tcol,
                         cli_sql_int(q, l->lines), tcol);
    } else {
        select(l, q);
        if (l->reverse)
            cl_strbuf_printf(&q->text, " ORDER BY %s DESC, id DESC", tcol);
        else
            cl_strbuf_printf(&q->text, " ORDER BY %s, id", tcol);
        if (l->lines >= 0 && (limit < 0 || l->lines < limit))
            limit = l->lines;
    }
    if (limit >= 0)
        cl_strbuf_printf(&q->text, " LIMIT ?%d", cli_sql_int(q, limit));
}

long long cli_listing_newest(const cli_listing *l)
{
    if (!l->reverse)
        return l->lines;
    if (l->lines < 0 || (l->limit >= 0 && l->limit < l->lines))
        return l->limit;
    return l->lines;
}

static void select_entries(const cli_listing *l, cli_sql *q)
{
    cli_filter_select(l->f, q, l->columns);
}

void cli_listing_entries_sql(const cli_listing *l, cli_sql *q)
{
    listing_sql(l, "ts", select_entries, q);
}

static int has_upper(const char *s)
{
    for (; *s; s++) {
        if (*s >= 'A' && *s <= 'Z')
            return 1;
    }
    return 0;
}

/* "reason IN (?1, ?2)" and the like; the values bound, never pasted. */
static void in_texts(cli_sql *q, const char *col, const char *const *v, size_t n)
{
    cli_sql_and(q);
    cl_strbuf_printf(&q->text, "%s IN (", col);
    for (size_t i = 0; i < n; i++)
        cl_strbuf_printf(&q->text, "%s?%d", i ? ", " : "", cli_sql_text(q, v[i], strlen(v[i])));
    cl_strbuf_putc(&q->text, ')');
}

static void rejects_grep(const cli_listing *l, cli_sql *q)
{
    int p = cli_sql_text(q, l->grep, strlen(l->grep));

    cli_sql_and(q);
    if (has_upper(l->grep))
        cl_strbuf_printf(&q->text, "(instr(CAST(raw AS TEXT), ?%d) > 0 OR instr(message, ?%d) > 0)",
                         p, p);
    else
        cl_strbuf_printf(&q->text,
                         "(instr(lower(CAST(raw AS TEXT)), lower(?%d)) > 0 OR "
                         "instr(lower(message), lower(?%d)) > 0)",
                         p, p);
}

static void select_rejects(const cli_listing *l, cli_sql *q)
{
    const cli_filter *f = l->f;

    cl_strbuf_printf(&q->text, "SELECT %s FROM rejects", l->columns);
    cli_sql_time_range(q, "received", f);
    if (l->nreasons > 0)
        in_texts(q, "reason", l->reasons, l->nreasons);
    if (f->npids > 0)
        cli_sql_in_ints(q, "peer_pid", f->pids, f->npids);
    if (l->grep != NULL)
        rejects_grep(l, q);
}

void cli_listing_rejects_sql(const cli_listing *l, cli_sql *q)
{
    listing_sql(l, "received", select_rejects, q);
}

/* ---------------------------------------------------------------- rows */

void cli_listing_put_row(sqlite3_stmt *st, cli_output *out, int64_t *ts, int64_t *id)
{
    if (out->kind == CLI_REC_REJECT) {
        cl_row_reject r;

        cl_row_reject_read(st, &r);
        cli_output_reject(out, &r);
        *ts = r.received;
        *id = r.id;
    } else {
        cl_row_entry e;

        cl_row_entry_read(st, &e);
        cli_output_entry(out, &e);
        *ts = e.ts;
        *id = e.id;
    }
}

static int below(const cli_output *out, long long cap)
{
    return cap < 0 || (long long)out->count < cap;
}

cli_list_status cli_listing_stream(sqlite3_stmt *st, cli_output *out, long long limit,
                                   size_t flush_bytes)
{
    int64_t ts, id;
    int rc = SQLITE_DONE;

    while (below(out, limit) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        cli_listing_put_row(st, out, &ts, &id);
        if (cli_output_flush(out, flush_bytes) != 0)
            return CLI_LIST_EWRITE;
    }
    if (!below(out, limit))
        return CLI_LIST_DONE;
    return rc == SQLITE_DONE ? CLI_LIST_DONE : CLI_LIST_EREAD;
}

/* ---------------------------------------------------------------- paging */

/* Whether SQLite answers q by walking an index in order (no sort step). */
static int plan_in_order(sqlite3 *h, const cli_sql *q)
{
    cl_strbuf sql = CL_STRBUF_INIT;
    sqlite3_stmt *st = NULL;
    int in_order = 1;

    cl_strbuf_puts(&sql, "EXPLAIN QUERY PLAN ");
    cl_strbuf_put(&sql, q->text.p, q->text.len);
    if (sql.oom || sqlite3_prepare_v2(h, sql.p, -1, &st, NULL) != SQLITE_OK ||
        cli_sql_bind(q, st) != SQLITE_OK)
        in_order = 0;
    while (in_order && sqlite3_step(st) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 3);

        if (d != NULL && strstr(d, "TEMP B-TREE") != NULL)
            in_order = 0;
    }
    sqlite3_finalize(st);
    cl_strbuf_free(&sql);
    return in_order;
}

/* The time bound on the side pages move away from is left out: the first
 * key carries it (two lower bounds on ts, and SQLite might start the index
 * walk at the wrong one, every page). */
int cli_listing_page_sql(sqlite3 *h, const cli_listing *l, cli_sql *q, int *k1)
{
    cli_filter f = *l->f;

    if (l->reverse)
        f.has_until = 0;
    else
        f.has_since = 0;
    cli_filter_select(&f, q, l->columns);
    cli_sql_and(q);
    *k1 = cli_sql_int(q, 0);
    cl_strbuf_printf(&q->text, l->reverse ? "(ts, id) < (?%d, ?%d)" : "(ts, id) > (?%d, ?%d)", *k1,
                     cli_sql_int(q, 0));
    cl_strbuf_printf(&q->text,
                     l->reverse ? " ORDER BY ts DESC, id DESC LIMIT ?%d"
                                : " ORDER BY ts, id LIMIT ?%d",
                     cli_sql_int(q, CLI_PAGE_ROWS));
    return plan_in_order(h, q);
}

/* For -n N: the key just before the N-th newest matching row, so that the
 * pages start there; *found = 0 when fewer than N rows match (start at the
 * beginning). Returns an SQLite result code. */
static int last_n_key(sqlite3 *h, const cli_listing *l, int64_t *ts, int64_t *id, int *found)
{
    cli_sql q = CLI_SQL_INIT;
    sqlite3_stmt *st = NULL;
    int rc;

    *found = 0;
    cli_filter_select(l->f, &q, "ts, id");
    cl_strbuf_printf(&q.text, " ORDER BY ts DESC, id DESC LIMIT 1 OFFSET ?%d",
                     cli_sql_int(&q, l->lines - 1));
    rc = q.oom || q.text.oom ? SQLITE_NOMEM : sqlite3_prepare_v2(h, q.text.p, -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = cli_sql_bind(&q, st)) == SQLITE_OK) {
        if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            *ts = sqlite3_column_int64(st, 0);
            *id = sqlite3_column_int64(st, 1) - 1; /* pages start after the key */
            *found = 1;
        }
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    cli_sql_free(&q);
    return rc;
}

cli_list_status cli_listing_stream_paged(sqlite3 *h, sqlite3_stmt *st, int k1, const cli_listing *l,
                                         cli_output *out)
{
    int64_t key_ts, key_id;
    long long cap = l->limit;
    int found = 0, rc = SQLITE_DONE;

    /* The first key: (since, min) is "ts >= since", (until, min) with "<"
     * is "ts < until". */
    if (l->reverse) {
        key_ts = l->f->has_until ? l->f->until : INT64_MAX;
        key_id = l->f->has_until ? INT64_MIN : INT64_MAX;
    } else {
        key_ts = l->f->has_since ? l->f->since : INT64_MIN;
        key_id = INT64_MIN;
    }
    if (l->lines >= 0 && l->reverse && (cap < 0 || l->lines < cap))
        cap = l->lines;
    if (l->lines >= 0 && !l->reverse && last_n_key(h, l, &key_ts, &key_id, &found) != SQLITE_OK)
        return CLI_LIST_EREAD;
    for (;;) {
        size_t before = out->count;

        sqlite3_bind_int64(st, k1, key_ts);
        sqlite3_bind_int64(st, k1 + 1, key_id);
        while (below(out, cap) && (rc = sqlite3_step(st)) == SQLITE_ROW)
            cli_listing_put_row(st, out, &key_ts, &key_id);
        /* Reset before writing: the page's transaction ends here. */
        sqlite3_reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return CLI_LIST_EREAD;
        if (cli_output_flush(out, 0) != 0)
            return CLI_LIST_EWRITE;
        if (out->count - before < CLI_PAGE_ROWS || !below(out, cap))
            return CLI_LIST_DONE;
    }
}

/* ---------------------------------------------------------------- following */

void cli_listing_poll_sql(const cli_filter *f, const char *columns, cli_sql *q)
{
    cl_strbuf_printf(&q->text, "SELECT %s FROM entries", columns);
    cli_sql_and(q);
    cl_strbuf_printf(&q->text, "id > ?%d", cli_sql_int(q, 0));
    cli_sql_and(q);
    cl_strbuf_printf(&q->text, "id <= ?%d", cli_sql_int(q, 0));
    cli_filter_where(f, q, CLI_WHERE_ROWID);
    cl_strbuf_puts(&q->text, " ORDER BY id");
}

cli_list_status cli_listing_poll(cli_db *db, sqlite3_stmt *poll, long long *last, cli_output *out,
                                 long long limit)
{
    long long hi;
    int64_t ts, id;
    int step = SQLITE_DONE;

    if (sqlite3_exec(db->h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return CLI_LIST_EREAD;
    hi = cli_db_max_id(db);
    if (hi > *last) {
        sqlite3_bind_int64(poll, 1, *last);
        sqlite3_bind_int64(poll, 2, hi);
        while (below(out, limit) && (step = sqlite3_step(poll)) == SQLITE_ROW)
            cli_listing_put_row(poll, out, &ts, &id);
        sqlite3_reset(poll);
    }
    sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
    if (hi < 0 || (step != SQLITE_DONE && step != SQLITE_ROW))
        return CLI_LIST_EREAD;
    if (hi > *last)
        *last = hi;
    return CLI_LIST_DONE;
}
