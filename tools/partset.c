/* partset.c - see partset.h. */
#include "partset.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "rows.h"

int cli_pset_is_catalog(const cli_pset *ps)
{
    return ps->top.kind == CL_DBK_CATALOG;
}

static sqlite3_int64 data_version(sqlite3 *h)
{
    sqlite3_stmt *st = NULL;
    sqlite3_int64 v = -1;

    if (sqlite3_prepare_v2(h, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int cli_pset_list(cli_pset *ps, char *err, size_t errlen)
{
    cl_part_list l;

    ps->data_version = data_version(ps->top.h);
    if (cl_catalog_list(ps->top.h, ps->top.path, &l, err, errlen) != 0)
        return -1;
    /* Keep what was said about a partition (by its file) across lists. */
    {
        unsigned char *bad = calloc(l.n ? l.n : 1, 1);

        if (bad == NULL) {
            cl_part_list_free(&l);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        for (size_t i = 0; i < l.n; i++) {
            for (size_t j = 0; j < ps->parts.n; j++) {
                if (ps->bad[j] && strcmp(ps->parts.v[j].path, l.v[i].path) == 0)
                    bad[i] = 1;
            }
        }
        free(ps->bad);
        ps->bad = bad;
    }
    cl_part_list_free(&ps->parts);
    ps->parts = l;
    return 0;
}

int cli_pset_changed(cli_pset *ps)
{
    return data_version(ps->top.h) != ps->data_version;
}

void cli_pset_failed(cli_pset *ps, size_t i, const char *why)
{
    ps->partial = 1;
    if (ps->bad[i])
        return;
    ps->bad[i] = 1;
    if (ps->warn != NULL)
        ps->warn(ps->cmd, ps->parts.v[i].path, why);
}

/* Partition i as the catalog has it now: a live or sealing file may have
 * been sealed (a new name) since the list was read. Returns 1 when its
 * entry changed. */
static int refresh(cli_pset *ps, size_t i)
{
    cl_part_list l;
    char err[256];
    int changed = 0;

    if (!cli_pset_changed(ps) || cl_catalog_list(ps->top.h, ps->top.path, &l, err, sizeof err) != 0)
        return 0;
    for (size_t j = 0; j < l.n; j++) {
        cl_part t;

        if (l.v[j].seq != ps->parts.v[i].seq || strcmp(l.v[j].path, ps->parts.v[i].path) == 0)
            continue;
        t = ps->parts.v[i];
        ps->parts.v[i] = l.v[j];
        l.v[j] = t; /* freed with l */
        changed = 1;
    }
    cl_part_list_free(&l);
    return changed;
}

int cli_pset_open(cli_pset *ps, size_t i, cli_db *db)
{
    char err[512];

    if (ps->bad[i]) {
        ps->partial = 1;
        return -1;
    }
    ps->opened++;
    if (cli_db_open_part(db, &ps->parts.v[i], err, sizeof err) == CLI_OK)
        return 0;
    if (ps->parts.v[i].state != CL_PART_CLOSED && refresh(ps, i) &&
        cli_db_open_part(db, &ps->parts.v[i], err, sizeof err) == CLI_OK)
        return 0;
    cli_pset_failed(ps, i, err);
    return -1;
}

void cli_pset_free(cli_pset *ps)
{
    cl_part_list_free(&ps->parts);
    free(ps->bad);
    ps->bad = NULL;
    cli_db_close(&ps->top);
}

int cli_part_overlaps(const cl_part *p, const cli_filter *f)
{
    if (p->state == CL_PART_CLOSED && p->entries == 0)
        return 0;
    if (!p->has_range)
        return 1;
    if (f->has_since && p->max_ts < f->since)
        return 0;
    if (f->has_until && p->min_ts >= f->until)
        return 0;
    return 1;
}

int cli_part_within(const cl_part *p, const cli_filter *f)
{
    /* Only a closed partition's range is final: a live one still grows. */
    if (p->state != CL_PART_CLOSED || !p->has_range || (!f->has_since && !f->has_until))
        return 0;
    return (!f->has_since || p->min_ts >= f->since) && (!f->has_until || p->max_ts < f->until);
}

void cli_part_scope(const cl_part *p, cli_filter *f, cli_time_scope *saved)
{
    saved->has_since = f->has_since;
    saved->has_until = f->has_until;
    if (cli_part_within(p, f))
        f->has_since = f->has_until = 0;
}

void cli_part_unscope(cli_filter *f, const cli_time_scope *saved)
{
    f->has_since = saved->has_since;
    f->has_until = saved->has_until;
}

int cli_part_rejects_range(const cl_part *p, int64_t *lo, int64_t *hi)
{
    if (p->state != CL_PART_CLOSED || p->sealed <= 0 || p->created <= 0)
        return 0;
    *lo = p->created;
    *hi = p->sealed;
    if (p->has_range && p->min_received < *lo)
        *lo = p->min_received;
    if (p->has_range && p->max_received > *hi)
        *hi = p->max_received;
    *lo -= CLI_REJECT_SLACK_US;
    return 1;
}

int cli_part_has_rejects(const cl_part *p, const cli_filter *f)
{
    int64_t lo, hi;

    if (p->state == CL_PART_CLOSED && p->rejects == 0)
        return 0;
    if (!cli_part_rejects_range(p, &lo, &hi))
        return 1;
    return !(f->has_since && hi < f->since) && !(f->has_until && lo >= f->until);
}

size_t cli_pset_explain_pick(const cli_pset *ps, const cli_filter *f,
                             size_t pick[CLI_EXPLAIN_PICKS], size_t *selected)
{
    size_t n = 0, closed = (size_t)-1, inside = (size_t)-1, other = (size_t)-1;

    *selected = 0;
    for (size_t i = 0; i < ps->parts.n; i++) {
        const cl_part *p = &ps->parts.v[i];

        if (!cli_part_overlaps(p, f))
            continue;
        (*selected)++;
        if (ps->scoped && cli_part_within(p, f))
            inside = i;
        else if (p->state == CL_PART_CLOSED)
            closed = i;
        else
            other = i;
    }
    /* In the catalog's order. */
    for (size_t i = 0; i < ps->parts.n; i++) {
        if (i == inside || i == closed || i == other)
            pick[n++] = i;
    }
    return n;
}

/* ---------------------------------------------------------------- merge */

void cli_pset_live_ranges(cli_pset *ps)
{
    for (size_t i = 0; i < ps->parts.n; i++) {
        cl_part *p = &ps->parts.v[i];
        sqlite3_stmt *st = NULL;
        cli_db db;

        if (p->state == CL_PART_CLOSED || p->has_range || ps->bad[i] ||
            cli_pset_open(ps, i, &db) != 0)
            continue;
        if (sqlite3_prepare_v2(db.h,
                               "SELECT (SELECT value FROM meta WHERE key = 'min_ts'), "
                               "(SELECT value FROM meta WHERE key = 'max_ts')",
                               -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER &&
            sqlite3_column_type(st, 1) == SQLITE_INTEGER) {
            p->min_ts = sqlite3_column_int64(st, 0);
            p->max_ts = sqlite3_column_int64(st, 1);
            p->has_range = 1;
        }
        sqlite3_finalize(st);
        cli_db_close(&db);
    }
}

static int before(const cli_merge *m, const cli_cursor *a, const cli_cursor *b)
{
    int lt = a->ts < b->ts || (a->ts == b->ts && a->id < b->id);

    return m->desc ? !lt : lt;
}

static void heap_push(cli_merge *m, cli_cursor *c)
{
    size_t i = m->nheap++;

    m->heap[i] = c;
    while (i > 0 && before(m, m->heap[i], m->heap[(i - 1) / 2])) {
        cli_cursor *t = m->heap[i];

        m->heap[i] = m->heap[(i - 1) / 2];
        m->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static cli_cursor *heap_pop(cli_merge *m)
{
    cli_cursor *top = m->heap[0];
    size_t i = 0;

    m->heap[0] = m->heap[--m->nheap];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, s = i;

        if (l < m->nheap && before(m, m->heap[l], m->heap[s]))
            s = l;
        if (r < m->nheap && before(m, m->heap[r], m->heap[s]))
            s = r;
        if (s == i)
            break;
        cli_cursor *t = m->heap[i];

        m->heap[i] = m->heap[s];
        m->heap[s] = t;
        i = s;
    }
    return top;
}

static void cursor_close(cli_cursor *c)
{
    if (c == NULL)
        return;
    sqlite3_finalize(c->st);
    cli_db_close(&c->db);
    cli_grep_free(c->grep); /* after the statement that calls it */
    free(c);
}

/* Takes the result rc of a step of c: 1 on a row (its key read), 0 at its
 * end or on an error (then said, and the partition's remaining rows are
 * skipped). */
static int cursor_took(cli_merge *m, cli_cursor *c, int rc)
{
    if (rc == SQLITE_ROW) {
        c->id = sqlite3_column_int64(c->st, 0);
        c->ts = sqlite3_column_int64(c->st, 1);
        return 1;
    }
    if (rc != SQLITE_DONE) {
        char why[600];

        snprintf(why, sizeof why, "reading it failed (%s); the rest of it is skipped",
                 sqlite3_errmsg(c->db.h));
        cli_pset_failed(m->ps, c->part, why);
    }
    return 0;
}

static int cursor_step(cli_merge *m, cli_cursor *c)
{
    return cursor_took(m, c, sqlite3_step(c->st));
}

/* Opens partition i and prepares its statement (not stepped yet); NULL
 * when it cannot be read (said). With own_grep, the search function of
 * its connection gets a copy of the search of its own (another thread
 * steps it). */
static cli_cursor *cursor_open(cli_merge *m, size_t i, int own_grep)
{
    cli_cursor *c = calloc(1, sizeof *c);
    cli_sql q = CLI_SQL_INIT;
    char err[512];
    int ok = 0;

    if (c == NULL) {
        cli_pset_failed(m->ps, i, "out of memory");
        return NULL;
    }
    c->part = i;
    if (cli_pset_open(m->ps, i, &c->db) != 0) {
        free(c);
        return NULL;
    }
    if (++m->open > m->max_open)
        m->max_open = m->open;
    if (m->sql(m->ctx, i, &c->db, &q, err, sizeof err) != 0) {
        cli_pset_failed(m->ps, i, err);
    } else if (q.oom || q.text.oom) {
        cli_pset_failed(m->ps, i, "out of memory");
    } else if (sqlite3_prepare_v2(c->db.h, q.text.p, -1, &c->st, NULL) != SQLITE_OK ||
               cli_sql_bind(&q, c->st) != SQLITE_OK) {
        snprintf(err, sizeof err, "cannot query it: %s", sqlite3_errmsg(c->db.h));
        cli_pset_failed(m->ps, i, err);
    } else if (own_grep && m->prefetch->grep_pattern != NULL) {
        /* Compiled again, for this connection alone: the shared one keeps
         * scratch space (and words their tokenizer's) while matching. The
         * statement, expired by the new function, is prepared again by
         * its first step, with its bindings. */
        cli_filter t = *m->prefetch;

        t.grep = NULL;
        if (cli_filter_compile(&t, c->db.h, err, sizeof err) != 0 ||
            cli_grep_register(c->db.h, t.grep) != SQLITE_OK) {
            cli_grep_free(t.grep);
            cli_pset_failed(m->ps, i, "cannot compile the search for it");
        } else {
            c->grep = t.grep;
            ok = 1;
        }
    } else {
        ok = 1;
    }
    cli_sql_free(&q);
    if (!ok) {
        m->open--;
        cursor_close(c);
        c = NULL;
    }
    return c;
}

/* Puts c on the heap after its first step (rc), or closes it. */
static void cursor_first(cli_merge *m, cli_cursor *c, int rc)
{
    if (cursor_took(m, c, rc)) {
        heap_push(m, c);
        return;
    }
    m->open--;
    cursor_close(c);
}

/* ---------------------------------------------------------------- prefetch */

#define AHEAD 2 /* order slots opened ahead of the one needed, at most */

static void *first_step(void *arg)
{
    cli_cursor *c = arg;

    c->rc = sqlite3_step(c->st);
    return NULL;
}

/* The first order slot after j (within AHEAD) not opened yet, or 0. */
static size_t next_untried(const cli_merge *m, size_t j)
{
    for (size_t k = j + 1; k < m->n && k <= j + AHEAD; k++) {
        if (!m->tried[k])
            return k;
    }
    return 0;
}

/* Starts the other thread on the first step of the slot after j, if it is
 * free and there is one. */
static void start_worker(cli_merge *m, size_t j)
{
    size_t k = next_untried(m, j);
    cli_cursor *c;

    if (m->working || k == 0)
        return;
    m->tried[k] = 1;
    if ((c = cursor_open(m, m->order[k], 1)) == NULL)
        return;
    m->ahead[k] = c;
    if (pthread_create(&m->worker, NULL, first_step, c) == 0) {
        m->working = 1;
        m->worker_slot = k;
        m->prefetched++;
    } else {
        c->rc = sqlite3_step(c->st); /* no thread: here, now */
    }
}

static void join_worker(cli_merge *m)
{
    if (m->working) {
        pthread_join(m->worker, NULL);
        m->working = 0;
    }
}

/* Opens order slot j (needed now) and puts its first row on the heap:
 * taken ahead already, or here - with the other thread started on the
 * next slot first, and while it works on this one, the next one after it
 * stepped here. */
static void take_slot(cli_merge *m, size_t j)
{
    cli_cursor *c;

    if (m->prefetch == NULL) {
        if ((c = cursor_open(m, m->order[j], 0)) != NULL)
            cursor_first(m, c, sqlite3_step(c->st));
        return;
    }
    if (m->working && m->worker_slot == j) {
        size_t k = next_untried(m, j);

        if (k != 0) {
            m->tried[k] = 1;
            if ((m->ahead[k] = cursor_open(m, m->order[k], 0)) != NULL)
                m->ahead[k]->rc = sqlite3_step(m->ahead[k]->st);
        }
        join_worker(m);
    }
    c = m->ahead[j];
    m->ahead[j] = NULL;
    if (c == NULL && !m->tried[j]) {
        m->tried[j] = 1;
        start_worker(m, j);
        if ((c = cursor_open(m, m->order[j], 0)) != NULL)
            c->rc = sqlite3_step(c->st);
    }
    start_worker(m, j);
    if (c != NULL)
        cursor_first(m, c, c->rc);
}

void cli_merge_prefetch(cli_merge *m, const cli_filter *f)
{
    if (m->n < 2 || cli_cpu_count() < 2 || !sqlite3_threadsafe())
        return;
    m->ahead = calloc(m->n, sizeof *m->ahead);
    m->tried = calloc(m->n, 1);
    if (m->ahead == NULL || m->tried == NULL) {
        free(m->ahead);
        free(m->tried);
        m->ahead = NULL;
        m->tried = NULL;
        return;
    }
    m->prefetch = f;
}

static int entry_candidate(const cl_part *p, const cli_filter *f, int rejects)
{
    if (rejects)
        return cli_part_has_rejects(p, f);
    return cli_part_overlaps(p, f);
}

/* The opening bound of p: no row of it sorts before it. */
static int64_t bound_of(const cl_part *p, int rejects, int desc)
{
    int64_t lo, hi;

    if (rejects && cli_part_rejects_range(p, &lo, &hi))
        return desc ? hi : lo;
    if (rejects || !p->has_range)
        return desc ? INT64_MAX : INT64_MIN;
    return desc ? p->max_ts : p->min_ts;
}

int cli_merge_start(cli_merge *m, cli_pset *ps, const cli_filter *f, int rejects, int desc,
                    const unsigned char *only, cli_merge_sql_fn sql, void *ctx)
{
    size_t n = ps->parts.n ? ps->parts.n : 1;

    memset(m, 0, sizeof *m);
    m->ps = ps;
    m->desc = desc;
    m->sql = sql;
    m->ctx = ctx;
    m->order = calloc(n, sizeof *m->order);
    m->bound = calloc(n, sizeof *m->bound);
    m->heap = calloc(n, sizeof *m->heap);
    if (m->order == NULL || m->bound == NULL || m->heap == NULL)
        return -1;
    for (size_t i = 0; i < ps->parts.n; i++) {
        size_t j;

        if ((only != NULL && !only[i]) || !entry_candidate(&ps->parts.v[i], f, rejects))
            continue;
        /* Insertion by bound (then first_id, the list's order). */
        int64_t b = bound_of(&ps->parts.v[i], rejects, desc);

        for (j = m->n; j > 0 && (desc ? m->bound[j - 1] < b : m->bound[j - 1] > b); j--) {
            m->bound[j] = m->bound[j - 1];
            m->order[j] = m->order[j - 1];
        }
        m->bound[j] = b;
        m->order[j] = i;
        m->n++;
    }
    return 0;
}

/* Opens every partition that may hold a row sorting before the heap's top. */
static void fill(cli_merge *m)
{
    while (m->next < m->n) {
        int64_t b = m->bound[m->next];

        if (m->nheap > 0 && (m->desc ? b < m->heap[0]->ts : b > m->heap[0]->ts))
            break;
        take_slot(m, m->next++);
    }
}

/* Steps the cursor returned last and puts it back (or closes it). */
static void advance(cli_merge *m)
{
    if (m->cur == NULL)
        return;
    if (cursor_step(m, m->cur)) {
        heap_push(m, m->cur);
    } else {
        cursor_close(m->cur); /* exhausted: its file is closed at once */
        m->open--;
    }
    m->cur = NULL;
}

sqlite3_stmt *cli_merge_next(cli_merge *m)
{
    for (;;) {
        advance(m);
        fill(m);
        if (m->nheap == 0)
            return NULL;
        m->cur = heap_pop(m);
        /* A row that sorts before one already returned can only come from a
         * live partition opened late by the range in its meta, written
         * after the merge began: it is after this snapshot (following
         * shows it). */
        if (m->has_last && !before(m, &m->last, m->cur))
            continue;
        m->last = *m->cur;
        m->has_last = 1;
        return m->cur->st;
    }
}

void cli_merge_free(cli_merge *m)
{
    /* Ended early (the reader went away, an error): what the other thread
     * still steps is not wanted - stopped (sqlite3_interrupt is meant to be
     * called from another thread), then joined. */
    if (m->working && m->ahead[m->worker_slot] != NULL)
        sqlite3_interrupt(m->ahead[m->worker_slot]->db.h);
    join_worker(m);
    for (size_t k = 0; m->ahead != NULL && k < m->n; k++)
        cursor_close(m->ahead[k]);
    free(m->ahead);
    free(m->tried);
    cursor_close(m->cur);
    for (size_t i = 0; i < m->nheap; i++)
        cursor_close(m->heap[i]);
    free(m->heap);
    free(m->order);
    free(m->bound);
    memset(m, 0, sizeof *m);
}

/* ---------------------------------------------------------------- listing */

typedef struct lctx {
    cli_pset *ps;
    cli_listing l;
    cli_filter f;
    int rejects;
    int keys;         /* select the keys only (id, time): finding where the last N start */
    int64_t *lo, *hi; /* per partition: the ids of its rows among the last N, or NULL */
    long long max_id; /* entries: none above it (following from there), or -1 */
} lctx;

static int listing_sql(void *ctx, size_t i, cli_db *db, cli_sql *q, char *err, size_t errlen)
{
    lctx *c = ctx;
    cli_time_scope saved;

    if (c->rejects) {
        c->l.columns = c->keys ? "id, received" : cl_row_reject_columns(db->version);
        cli_listing_rejects_sql(&c->l, q);
        return 0;
    }
    /* A live or sealing partition has no FTS rows and no time index:
     * bounding an FTS lookup there would cost two scans for nothing. */
    c->f.no_fts_bounds = c->ps->parts.v[i].state != CL_PART_CLOSED;
    c->f.has_ids = c->lo != NULL || c->max_id >= 0;
    if (c->lo != NULL) {
        c->f.id_lo = c->lo[i];
        c->f.id_hi = c->hi[i];
    } else if (c->max_id >= 0) {
        c->f.id_lo = 0;
        c->f.id_hi = c->max_id;
    }
    /* A partition wholly inside the time range is read without it. */
    cli_part_scope(&c->ps->parts.v[i], &c->f, &saved);
    /* The --grep function and the full-text bounds are per database. */
    if (cli_filter_prepare(&c->f, db->h, err, errlen) != 0) {
        cli_part_unscope(&c->f, &saved);
        return -1;
    }
    /* The newest N of a frequent term: a few rows of the time index rather
     * than every match of the full-text index (a failure leaves the index
     * in use, and the listing meets it). */
    (void)cli_filter_newest(&c->f, db->h, cli_listing_newest(&c->l));
    c->l.columns = c->keys ? "id, ts" : cl_row_entry_columns(db->version);
    cli_listing_entries_sql(&c->l, q);
    cli_part_unscope(&c->f, &saved);
    return 0;
}

static int below(const cli_output *out, long long cap)
{
    return cap < 0 || (long long)out->count < cap;
}

static void lctx_init(lctx *c, cli_pset *ps, const cli_listing *l, int rejects)
{
    memset(c, 0, sizeof *c);
    c->ps = ps;
    c->l = *l;
    c->f = *l->f;
    c->l.f = &c->f;
    c->rejects = rejects;
    c->l.lines = -1;
    c->max_id = -1;
}

/* ---------------------------------------------------------------- live keys
 *
 * A live partition has no time index: its newest keys come from a scan of
 * all its rows. A big one is scanned by two threads, each over half its
 * rowids with its own connection; their keys are merged in memory. */

#define SPLIT_ROWS 20000 /* a live partition of fewer rows is scanned as it is */
#define SPLITS 2

typedef struct kscan {
    const cl_part *p;
    cli_listing l;
    cli_filter f;
    int64_t *id, *ts; /* a heap while scanning; then newest first */
    size_t n, cap, pos;
    int rc, started;
    pthread_t thread;
} kscan;

/* Whether key a sorts after key b (newer). */
static int newer(int64_t ats, int64_t aid, int64_t bts, int64_t bid)
{
    return ats > bts || (ats == bts && aid > bid);
}

/* Puts key (ts, id) at slot i of the heap k->ts/id[0..cnt) (root: the
 * oldest), moving newer children up until it fits. */
static void sift_down(kscan *k, size_t i, size_t cnt, int64_t ts, int64_t id)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        int64_t mts = ts, mid = id;

        if (l < cnt && newer(mts, mid, k->ts[l], k->id[l])) {
            m = l;
            mts = k->ts[l];
            mid = k->id[l];
        }
        if (r < cnt && newer(mts, mid, k->ts[r], k->id[r]))
            m = r;
        if (m == i)
            break;
        k->ts[i] = k->ts[m];
        k->id[i] = k->id[m];
        i = m;
    }
    k->ts[i] = ts;
    k->id[i] = id;
}

/* Keeps the cap newest keys seen in a heap whose root is the oldest kept. */
static void keep_newest(kscan *k, int64_t id, int64_t ts)
{
    size_t i;

    if (k->n < k->cap) {
        i = k->n++;
        while (i > 0 && newer(k->ts[(i - 1) / 2], k->id[(i - 1) / 2], ts, id)) {
            k->ts[i] = k->ts[(i - 1) / 2];
            k->id[i] = k->id[(i - 1) / 2];
            i = (i - 1) / 2;
        }
        k->ts[i] = ts;
        k->id[i] = id;
    } else if (newer(ts, id, k->ts[0], k->id[0])) {
        sift_down(k, 0, k->n, ts, id);
    }
}

/* Pops the heap into newest-first order (in place). */
static void heap_sort_newest(kscan *k)
{
    size_t n = k->n;

    while (k->n > 1) {
        int64_t ts = k->ts[0], id = k->id[0], lts = k->ts[k->n - 1], lid = k->id[k->n - 1];

        k->n--; /* the oldest goes to the end; re-insert the last from the root */
        k->ts[k->n] = ts;
        k->id[k->n] = id;
        sift_down(k, 0, k->n, lts, lid);
    }
    k->n = n;
}

/* Scans the rows of k's partition (its rowid range) that match, keeping
 * the newest keys: one pass, no sort of all the rows. */
static void *kscan_run(void *arg)
{
    kscan *k = arg;
    cli_sql q = CLI_SQL_INIT;
    sqlite3_stmt *st = NULL;
    char err[512];
    cli_db db;

    k->rc = -1;
    if (cli_db_open_part(&db, k->p, err, sizeof err) != CLI_OK)
        return NULL;
    cli_filter_select(&k->f, &q, "id, ts");
    if (!q.oom && !q.text.oom && sqlite3_prepare_v2(db.h, q.text.p, -1, &st, NULL) == SQLITE_OK &&
        cli_sql_bind(&q, st) == SQLITE_OK) {
        int rc;

        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            keep_newest(k, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
        k->rc = rc == SQLITE_DONE ? 0 : -1;
        heap_sort_newest(k);
    }
    sqlite3_finalize(st);
    cli_sql_free(&q);
    cli_db_close(&db);
    return NULL;
}

/* The rowid span of partition i, or 0 when it cannot be read now. */
static int id_span(cli_pset *ps, size_t i, int64_t *lo, int64_t *hi)
{
    sqlite3_stmt *st = NULL;
    cli_db db;
    int ok = 0;

    if (cli_pset_open(ps, i, &db) != 0)
        return 0;
    /* Two subqueries: each is one b-tree seek, where min and max together
     * would scan the table. */
    if (sqlite3_prepare_v2(db.h,
                           "SELECT (SELECT min(id) FROM entries), (SELECT max(id) FROM entries)",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER) {
        *lo = sqlite3_column_int64(st, 0);
        *hi = sqlite3_column_int64(st, 1);
        ok = 1;
    }
    sqlite3_finalize(st);
    cli_db_close(&db);
    return ok;
}

/* The newest `lines` keys of live partition i that match c's filter, in
 * k[0..SPLITS) (each sorted newest first): one scan keeping the newest in
 * a heap (SQLite would sort every row), by two threads over halves of the
 * rowids when it is big. Returns 0 when not done (closed, --grep, many
 * lines) or failed: then the merge reads the partition itself. */
static int live_keys(cli_pset *ps, size_t i, const lctx *c, long long lines, kscan *k)
{
    int64_t lo, hi;
    int ok = 1, split;

    if (ps->parts.v[i].state == CL_PART_CLOSED || c->f.grep != NULL || lines <= 0 ||
        lines > 100000 || !id_span(ps, i, &lo, &hi))
        return 0;
    split = hi - lo >= SPLIT_ROWS && cli_cpu_count() >= 2;
    memset(k, 0, SPLITS * sizeof *k);
    for (int j = 0; j < SPLITS; j++) {
        k[j].p = &ps->parts.v[i];
        k[j].l = c->l;
        k[j].f = c->f;
        k[j].f.no_fts_bounds = 1;
        k[j].f.has_ids = 1;
        k[j].f.id_lo = split ? lo + (hi - lo + 1) / SPLITS * j : lo;
        k[j].f.id_hi = !split || j == SPLITS - 1 ? hi : lo + (hi - lo + 1) / SPLITS * (j + 1) - 1;
        k[j].cap = (size_t)lines;
        k[j].id = calloc(k[j].cap, sizeof *k[j].id);
        k[j].ts = calloc(k[j].cap, sizeof *k[j].ts);
        if (k[j].id == NULL || k[j].ts == NULL)
            ok = 0;
    }
    for (int j = 0; ok && j < SPLITS; j++) {
        if (!split && j > 0) {
            k[j].rc = 0;
            continue;
        }
        k[j].started = split && pthread_create(&k[j].thread, NULL, kscan_run, &k[j]) == 0;
        if (!k[j].started)
            kscan_run(&k[j]);
    }
    for (int j = 0; j < SPLITS; j++) {
        if (k[j].started)
            pthread_join(k[j].thread, NULL);
        ok = ok && k[j].rc == 0;
    }
    return ok;
}

static void kscan_free(kscan *k)
{
    for (int j = 0; j < SPLITS; j++) {
        free(k[j].id);
        free(k[j].ts);
    }
}

/* The newest of the in-memory keys (k, nk sets of SPLITS), or -1. */
static int newest_key(kscan *k, size_t nk, int64_t *ts, int64_t *id)
{
    int best = -1;

    for (size_t j = 0; j < nk * SPLITS; j++) {
        if (k[j].pos >= k[j].n)
            continue;
        if (best < 0 || k[j].ts[k[j].pos] > *ts ||
            (k[j].ts[k[j].pos] == *ts && k[j].id[k[j].pos] > *id)) {
            best = (int)j;
            *ts = k[j].ts[k[j].pos];
            *id = k[j].id[k[j].pos];
        }
    }
    return best;
}

/* Finds where "the last N" (l->lines) start: the key (ts, id) of the N-th
 * newest row, by a merge newest first over the keys only (a big live
 * partition's keys found by live_keys). For entries, also which partitions
 * hold those N rows and their ids' span there (only, lo, hi): the listing
 * then reads those id ranges alone - a rowid range even in a partition
 * without index. Returns 0 when there are fewer rows. */
static int last_n_key(cli_pset *ps, const cli_listing *l, int rejects, long long max_id,
                      int64_t *kts, int64_t *kid, unsigned char *only, int64_t *lo, int64_t *hi)
{
    lctx c;
    cli_merge m;
    sqlite3_stmt *st = NULL;
    size_t n = ps->parts.n ? ps->parts.n : 1, nk = 0, *kpart = calloc(n, sizeof *kpart);
    kscan *k = calloc(n * SPLITS, sizeof *k);
    unsigned char *mask = malloc(n);
    long long seen = 0;
    int found = 0;

    if (k == NULL || mask == NULL || kpart == NULL)
        goto out;
    lctx_init(&c, ps, l, rejects);
    c.keys = 1;
    c.l.reverse = 1;
    /* Following: the rows up to max_id, so that each partition's newest
     * `lines` are enough (and found by cli_filter_newest). */
    c.max_id = rejects ? -1 : max_id;
    c.l.limit = max_id >= 0 && rejects ? -1 : l->lines;
    memset(mask, 1, n);
    for (size_t i = 0; !rejects && max_id < 0 && i < ps->parts.n; i++) {
        if (cli_part_overlaps(&ps->parts.v[i], &c.f) &&
            live_keys(ps, i, &c, l->lines, &k[nk * SPLITS])) {
            mask[i] = 0;
            kpart[nk++] = i;
        }
    }
    if (cli_merge_start(&m, ps, &c.f, rejects, 1, mask, listing_sql, &c) == 0) {
        int pull = 1;  /* the heap's row was taken: step it before comparing again */
        int taken = 0; /* a row was taken from the merge (heap_ts: its time) */
        int64_t heap_ts = 0;

        for (;;) {
            int64_t id = 0, ts = 0;
            int j;
            size_t i;

            /* Stepped only when needed: a step opens the partitions the next
             * row may come from, which the N-th row may not need - nor
             * while a key in memory is newer than anything the merge can
             * still give (its last row, the next partition's max_ts). */
            j = newest_key(k, nk, &ts, &id);
            if (pull && j >= 0) {
                int64_t u = INT64_MIN;

                if (taken)
                    u = heap_ts;
                if (m.next < m.n && m.bound[m.next] > u)
                    u = m.bound[m.next];
                if (ts > u) {
                    i = kpart[j / SPLITS];
                    k[j].pos++;
                    goto got;
                }
            }
            if (pull)
                st = cli_merge_next(&m);
            pull = 0;
            if (st != NULL &&
                (j < 0 || sqlite3_column_int64(st, 1) > ts ||
                 (sqlite3_column_int64(st, 1) == ts && sqlite3_column_int64(st, 0) > id))) {
                i = m.cur->part;
                id = sqlite3_column_int64(st, 0);
                ts = sqlite3_column_int64(st, 1);
                pull = 1;
                taken = 1;
                heap_ts = ts;
            } else if (j >= 0) {
                i = kpart[j / SPLITS];
                k[j].pos++;
            } else {
                break;
            }
        got:
            if (max_id >= 0 && id > max_id)
                continue;
            if (!only[i] || id < lo[i])
                lo[i] = id;
            if (!only[i] || id > hi[i])
                hi[i] = id;
            only[i] = 1;
            if (++seen == l->lines) {
                *kid = id;
                *kts = ts;
                found = 1;
                break;
            }
        }
    }
    cli_merge_free(&m);
out:
    for (size_t j = 0; k != NULL && j < nk; j++)
        kscan_free(&k[j * SPLITS]);
    free(k);
    free(kpart);
    free(mask);
    return found;
}

cli_list_status cli_pset_listing(cli_pset *ps, const cli_listing *l, int rejects, long long max_id,
                                 cli_output *out, size_t flush_bytes)
{
    lctx c;
    cli_listing newest;
    cli_merge m;
    sqlite3_stmt *st;
    size_t n = ps->parts.n ? ps->parts.n : 1;
    int64_t kts = 0, kid = 0, ts, id, *lo = calloc(n, sizeof *lo), *hi = calloc(n, sizeof *hi);
    unsigned char *only = calloc(n, 1);
    long long cap = l->limit;
    int found = 0;
    cli_list_status rc = CLI_LIST_DONE;

    if (lo == NULL || hi == NULL || only == NULL) {
        rc = CLI_LIST_EREAD;
        goto out;
    }
    if (l->lines == 0)
        goto out;
    if (!rejects)
        cli_pset_live_ranges(ps);
    lctx_init(&c, ps, l, rejects);
    /* The newest N - the last N in order, or newest first (-r) the first
     * N of them or of --limit - are found by their keys first. */
    newest = *l;
    if (l->reverse)
        newest.lines = l->lines < 0 || (l->limit >= 0 && l->limit < l->lines) ? l->limit : l->lines;
    if (newest.lines > 0) {
        found = last_n_key(ps, &newest, rejects, max_id, &kts, &kid, only, lo, hi);
        /* The last N start at that key: a time bound the catalog and the
         * indexes use; ties in ts are cut by id below. */
        if (found && (!c.f.has_since || c.f.since < kts))
            c.f.since = kts;
        c.f.has_since |= found;
        /* Found or not (then fewer rows match: all were seen), the rows to
         * list are in those partitions' id spans. */
        if (!rejects) {
            c.lo = lo;
            c.hi = hi;
        }
    }
    if (l->reverse && newest.lines >= 0)
        cap = newest.lines;
    c.l.limit = max_id >= 0 || found || c.lo != NULL ? -1 : cap;
    if (cli_merge_start(&m, ps, &c.f, rejects, l->reverse, c.lo != NULL ? only : NULL, listing_sql,
                        &c) != 0) {
        cli_merge_free(&m);
        rc = CLI_LIST_EREAD;
        goto out;
    }
    /* Every partition selected is read: two cores may share the work. */
    if (!rejects && cap < 0)
        cli_merge_prefetch(&m, &c.f);
    while (below(out, cap) && (st = cli_merge_next(&m)) != NULL) {
        id = sqlite3_column_int64(st, 0);
        ts = sqlite3_column_int64(st, 1);
        if (max_id >= 0 && id > max_id)
            continue;
        if (found && (ts < kts || (ts == kts && id < kid)))
            continue;
        cli_listing_put_row(st, out, &ts, &id);
        if (cli_output_flush(out, flush_bytes) != 0) {
            rc = CLI_LIST_EWRITE;
            break;
        }
    }
    cli_merge_free(&m);
out:
    free(lo);
    free(hi);
    free(only);
    return rc;
}

long long cli_pset_max_id(cli_pset *ps)
{
    for (size_t i = ps->parts.n; i-- > 0;) {
        cli_db db;
        long long id;

        if (cli_pset_open(ps, i, &db) != 0)
            continue;
        id = cli_db_max_id(&db);
        cli_db_close(&db);
        if (id > 0)
            return id;
    }
    return 0;
}
