/* tally.c - see tally.h. */
#include "tally.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "dbschema.h"
#include "platform.h"
#include "timefmt.h"

#define US 1000000LL
#define HOUR (3600 * US)

/* ---------------------------------------------------------------- counting */

void cli_tally_sql(const cli_filter *f, cli_sql *q)
{
    cli_filter_select(f, q, "ts, level, app, host");
}

static int64_t floor_minute(int64_t ts)
{
    int64_t m = ts / (60 * US);

    return (ts % (60 * US) != 0 && ts < 0) ? m - 1 : m;
}

/* One row of cli_tally_sql (ts, level, app, host), or of a rollup
 * statement (ROLLUP_COLS: an hour's start, level, app, host, then how many,
 * their first and last ts, and 1 for an hour or 0 for a row). */
static void count_row(sqlite3_stmt *st, int wide, cli_tally *s)
{
    int64_t ts = sqlite3_column_int64(st, 0), minute = floor_minute(ts);
    int64_t n = wide ? sqlite3_column_int64(st, 4) : 1;
    int64_t lo = wide ? sqlite3_column_int64(st, 5) : ts,
            hi = wide ? sqlite3_column_int64(st, 6) : ts;
    int level = sqlite3_column_int(st, 1);
    const void *app = sqlite3_column_text(st, 2), *host = sqlite3_column_text(st, 3);

    if (level < 0 || level >= CL_LVL_COUNT)
        level = CL_LVL_TRACE;
    if (s->total == 0 || lo < s->first_ts)
        s->first_ts = lo;
    if (s->total == 0 || hi > s->last_ts)
        s->last_ts = hi;
    if (wide && sqlite3_column_int(st, 7) == 1)
        cli_agg_add_n(&s->rolled, &ts, sizeof ts, level, n);
    s->total += n;
    s->level[level] += n;
    cli_agg_add_n(&s->apps, app, (size_t)sqlite3_column_bytes(st, 2), level, n);
    cli_agg_add_n(&s->hosts, host, (size_t)sqlite3_column_bytes(st, 3), level, n);
    cli_agg_add_n(&s->minutes, &minute, sizeof minute, level, n);
}

static int count_rows(sqlite3 *h, const cli_sql *q, cli_tally *s)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, q->text.p, -1, &st, NULL);
    int wide = rc == SQLITE_OK && sqlite3_column_count(st) > 4;

    if (rc == SQLITE_OK)
        rc = cli_sql_bind(q, st);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        count_row(st, wide, s);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (s->apps.oom || s->hosts.oom || s->minutes.oom || s->rolled.oom)
        return SQLITE_NOMEM;
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int64_t scalar(sqlite3 *h, const char *sql, int *ok);

/* ---------------------------------------------------------------- rollups */

static int64_t floor_hour(int64_t ts)
{
    return ts - ((ts % HOUR) + HOUR) % HOUR;
}

/* Whether the counts per hour can answer f: they know time, level, app and
 * host, nothing else. */
static int rollup_answers(const cli_filter *f)
{
    return f->npids == 0 && f->nfields == 0 && f->nuids == 0 && f->ngids == 0 && f->nsids == 0 &&
           f->grep_pattern == NULL && f->grep == NULL && !f->has_ids && !f->has_newest_from;
}

/* The whole UTC hours [*lo, *hi) inside f's range (unbounded sides stay
 * open); 0 when there is none. */
static int rollup_hours(const cli_filter *f, int64_t *lo, int64_t *hi)
{
    *lo = INT64_MIN;
    *hi = INT64_MAX;
    if (f->has_since) {
        if (f->since > INT64_MAX - HOUR)
            return 0;
        *lo = floor_hour(f->since + HOUR - 1);
    }
    if (f->has_until)
        *hi = floor_hour(f->until);
    return *lo < *hi;
}

/* Whether h is a sealed partition whose rollup_hour holds every entry. */
static int rollup_ready(sqlite3 *h)
{
    int ok;
    int64_t ready = scalar(h,
                           "SELECT (SELECT value FROM meta WHERE key = 'sealed') = 1 AND "
                           "(SELECT value FROM meta WHERE key = '" CL_DB_ROLLUP_KEY "') >= "
                           "coalesce((SELECT max(id) FROM entries), 0)",
                           &ok);

    return ok && ready == 1;
}

#define ROLLUP_COLS "start, level, app, host, n, min_ts, max_ts, 1"
#define EDGE_COLS "ts, level, app, host, 1, ts, ts, 0"

/* The rows of f's range in [a, b), as a rollup statement's rows. */
static void edge_sql(const cli_filter *f, int64_t a, int64_t b, cli_sql *q)
{
    cli_filter e = *f; /* shallow: shares the globs */

    e.has_since = e.has_until = 1;
    e.since = a;
    e.until = b;
    cl_strbuf_puts(&q->text, " UNION ALL ");
    cli_filter_select(&e, q, EDGE_COLS);
}

/* One statement: the hours [lo, hi) from rollup_hour, with f's level, app
 * and host terms (the same SQL as on entries: same columns, same values),
 * then the rows of the partial hours at either edge of f's range. */
static void rollup_sql(const cli_filter *f, int64_t lo, int64_t hi, cli_sql *q)
{
    cli_filter r = *f;

    r.has_since = r.has_until = 0;
    q->terms = 0;
    cl_strbuf_puts(&q->text, "SELECT " ROLLUP_COLS " FROM rollup_hour");
    cli_sql_and(q);
    cl_strbuf_printf(&q->text, "start >= ?%d AND start < ?%d", cli_sql_int(q, lo),
                     cli_sql_int(q, hi));
    cli_filter_where(&r, q, CLI_WHERE_ROWID);
    if (f->has_since && f->since < lo)
        edge_sql(f, f->since, lo, q);
    if (f->has_until && hi < f->until)
        edge_sql(f, hi, f->until, q);
}

/* Whether partition h is counted by rollup_sql, and its hours. */
static int rollup_plan(sqlite3 *h, const cli_filter *f, int use_rollup, int64_t *lo, int64_t *hi)
{
    return use_rollup && rollup_answers(f) && rollup_hours(f, lo, hi) && rollup_ready(h);
}

void cli_tally_part_sql(sqlite3 *h, const cli_filter *f, int use_rollup, cli_sql *q)
{
    int64_t lo, hi;

    if (rollup_plan(h, f, use_rollup, &lo, &hi))
        rollup_sql(f, lo, hi, q);
    else
        cli_tally_sql(f, q);
}

int cli_tally_fits(const cli_tally *t, int unit, int utc)
{
    for (size_t i = 0; i < t->rolled.cap; i++) {
        const cli_agg *a = t->rolled.slots[i];
        int64_t u;

        if (a == NULL)
            continue;
        memcpy(&u, a->key, sizeof u);
        if (cli_time_floor(u + HOUR - 1, (enum cli_time_unit)unit, utc) > u)
            return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- parallel */

/* A long range is split in time across the cores: one connection and one
 * thread per part, each with the options' filters and its own slice of
 * time, merged at the end. Reading the rows dominates stats, and SQLite
 * reads in parallel on separate connections. Each part reads its own
 * snapshot, so rows committed meanwhile may count in one part and not
 * another - as if the stats had been taken a moment later. */
#define MAX_PARTS 4

typedef struct part {
    const cli_global *g;
    const cl_part *cp; /* the partition to read, else g's database */
    cli_filter f;      /* shallow copy of the options' filter: shares its arrays */
    cli_tally s;
    pthread_t thread;
    int started, rc;
    char err[512];
} part;

static void *scan_part(void *arg)
{
    part *p = arg;
    cli_sql q = CLI_SQL_INIT;
    cli_db db;

    if ((p->cp != NULL ? cli_db_open_part(&db, p->cp, p->err, sizeof p->err)
                       : cli_db_open(p->g, &db, p->err, sizeof p->err)) != CLI_OK) {
        p->rc = SQLITE_CANTOPEN;
        return NULL;
    }
    cli_tally_sql(&p->f, &q);
    p->rc = count_rows(db.h, &q, &p->s);
    if (p->rc != SQLITE_OK)
        snprintf(p->err, sizeof p->err, "reading the database failed: %s", sqlite3_errmsg(db.h));
    cli_sql_free(&q);
    cli_db_close(&db);
    return NULL;
}

static int64_t scalar(sqlite3 *h, const char *sql, int *ok)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;

    *ok = sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    if (*ok)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* How many parts: one per core, up to MAX_PARTS; 1 when the range is
 * unknown or tiny, or with --grep (its matcher is not shared between
 * threads). [*lo, *hi) is the time range to split. */
static int plan_parts(sqlite3 *h, const cli_filter *f, int by_id, int64_t *lo, int64_t *hi)
{
    long cpus = cli_cpu_count();
    int ok = 1;

    if (cpus < 2 || f->grep != NULL)
        return 1;
    if (by_id) {
        /* No time index (a live partition): a time split would have every
         * thread scan every row; rowid ranges split the scan itself. */
        *lo = scalar(h, "SELECT min(id) FROM entries", &ok);
        if (ok)
            *hi = scalar(h, "SELECT max(id) FROM entries", &ok) + 1;
        if (!ok || *hi - *lo < 20000)
            return 1;
        return cpus < MAX_PARTS ? (int)cpus : MAX_PARTS;
    }
    *lo = f->has_since ? f->since : scalar(h, "SELECT min(ts) FROM entries", &ok);
    if (ok)
        *hi = f->has_until ? f->until : scalar(h, "SELECT max(ts) FROM entries", &ok) + 1;
    if (!ok || *hi - *lo < 60 * US)
        return 1;
    return cpus < MAX_PARTS ? (int)cpus : MAX_PARTS;
}

void cli_tally_merge(cli_tally *s, const cli_tally *p)
{
    if (p->total > 0) {
        if (s->total == 0 || p->first_ts < s->first_ts)
            s->first_ts = p->first_ts;
        if (s->total == 0 || p->last_ts > s->last_ts)
            s->last_ts = p->last_ts;
    }
    s->total += p->total;
    for (int l = 0; l < CL_LVL_COUNT; l++)
        s->level[l] += p->level[l];
    cli_agg_merge(&s->apps, &p->apps);
    cli_agg_merge(&s->hosts, &p->hosts);
    cli_agg_merge(&s->minutes, &p->minutes);
    cli_agg_merge(&s->rolled, &p->rolled);
}

int cli_tally_count(const cli_global *g, const cl_part *cp, sqlite3 *h, const cli_filter *f,
                    cli_tally *s, char *err, size_t errlen)
{
    part parts[MAX_PARTS];
    cli_sql q = CLI_SQL_INIT;
    int64_t lo = 0, hi = 0;
    int by_id = cp != NULL && cp->state != CL_PART_CLOSED;
    int n, rc = CLI_OK;

    /* The hours from the rollup and the edges' rows in one statement, on
     * one thread: the edges are at most two partial hours. */
    if (cp != NULL && !by_id && rollup_plan(h, f, s->use_rollup, &lo, &hi)) {
        rollup_sql(f, lo, hi, &q);
        if (count_rows(h, &q, s) != SQLITE_OK) {
            snprintf(err, errlen, "reading the database failed: %s", sqlite3_errmsg(h));
            rc = CLI_FAILED;
        }
        cli_sql_free(&q);
        return rc;
    }
    n = plan_parts(h, f, by_id, &lo, &hi);
    if (n == 1) {
        cli_tally_sql(f, &q);
        if (count_rows(h, &q, s) != SQLITE_OK) {
            snprintf(err, errlen, "reading the database failed: %s", sqlite3_errmsg(h));
            rc = CLI_FAILED;
        }
        cli_sql_free(&q);
        return rc;
    }
    memset(parts, 0, sizeof parts);
    for (int i = 0; i < n; i++) {
        part *p = &parts[i];

        p->g = g;
        p->cp = cp;
        p->f = *f;
        if (by_id) {
            p->f.has_ids = 1;
            p->f.id_lo = lo + (hi - lo) / n * i;
            p->f.id_hi = (i == n - 1 ? hi : lo + (hi - lo) / n * (i + 1)) - 1;
        } else {
            p->f.has_since = p->f.has_until = 1;
            p->f.since = lo + (hi - lo) / n * i;
            p->f.until = i == n - 1 ? hi : lo + (hi - lo) / n * (i + 1);
        }
        p->started = pthread_create(&p->thread, NULL, scan_part, p) == 0;
        if (!p->started)
            scan_part(p);
    }
    for (int i = 0; i < n; i++) {
        if (parts[i].started)
            pthread_join(parts[i].thread, NULL);
        if (parts[i].rc != SQLITE_OK && rc == CLI_OK) {
            snprintf(err, errlen, "%s", parts[i].err);
            rc = CLI_FAILED;
        }
        cli_tally_merge(s, &parts[i].s);
        cli_tally_free(&parts[i].s);
    }
    if (rc == CLI_OK && (s->apps.oom || s->hosts.oom || s->minutes.oom)) {
        snprintf(err, errlen, "out of memory");
        rc = CLI_FAILED;
    }
    return rc;
}

int cli_tally_time_only(const cli_filter *f)
{
    return f->lvl_lo == 0 && f->lvl_hi == CL_LVL_TRACE && f->napps == 0 && f->nhosts == 0 &&
           f->npids == 0 && f->nfields == 0 && f->grep_pattern == NULL;
}

int64_t cli_tally_rejects(sqlite3 *h, const cli_filter *f)
{
    cli_sql q = CLI_SQL_INIT;
    sqlite3_stmt *st = NULL;
    int64_t n = -1;

    cl_strbuf_puts(&q.text, "SELECT count(*) FROM rejects");
    cli_sql_time_range(&q, "received", f);
    if (!q.oom && !q.text.oom && sqlite3_prepare_v2(h, q.text.p, -1, &st, NULL) == SQLITE_OK &&
        cli_sql_bind(&q, st) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    cli_sql_free(&q);
    return n;
}

/* ---------------------------------------------------------------- intervals */

static int64_t floor_step(int64_t us, int unit, int step, int utc);

void cli_tally_auto_step(int64_t lo, int64_t hi, int utc, int *unit, int *step)
{
    /* Steps people read on a clock: 5, 10, 15, 30 minutes, 2, 3, 6, 12
     * hours, a week; the smallest that fits the range in the rows. */
    static const struct {
        int unit, step;
    } steps[] = {
        { CLI_UNIT_MINUTE, 1 },  { CLI_UNIT_MINUTE, 5 },  { CLI_UNIT_MINUTE, 10 },
        { CLI_UNIT_MINUTE, 15 }, { CLI_UNIT_MINUTE, 30 }, { CLI_UNIT_HOUR, 1 },
        { CLI_UNIT_HOUR, 2 },    { CLI_UNIT_HOUR, 3 },    { CLI_UNIT_HOUR, 6 },
        { CLI_UNIT_HOUR, 12 },   { CLI_UNIT_DAY, 1 },     { CLI_UNIT_DAY, 7 },
    };
    static const int64_t width[] = { 60 * US, 3600 * US, 86400 * US };
    int64_t range = hi > lo ? hi - lo : 1;

    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        /* The buckets from the one that holds lo (a day more or less
         * across a DST change makes no difference here). */
        int64_t w = width[steps[i].unit] * steps[i].step;
        int64_t from = floor_step(lo, steps[i].unit, steps[i].step, utc);

        if ((hi - from + w - 1) / w <= CLI_AUTO_BARS) {
            *unit = steps[i].unit;
            *step = steps[i].step;
            return;
        }
    }
    *unit = CLI_UNIT_DAY;
    *step = (int)(range / (width[CLI_UNIT_DAY] * (CLI_AUTO_BARS - 1)) + 1);
}

/* The start of the bucket of step units that holds us: whole multiples of
 * step minutes past the hour, of step hours past midnight (local time);
 * days count from the range's first. */
static int64_t floor_step(int64_t us, int unit, int step, int utc)
{
    int64_t t = cli_time_floor(us, (enum cli_time_unit)unit, utc);
    cli_tm tm;

    if (step <= 1 || unit == CLI_UNIT_DAY)
        return t;
    cli_time_to_civil(t, utc, &tm);
    if (unit == CLI_UNIT_MINUTE)
        return t - (int64_t)(tm.min % step) * 60 * US;
    return cli_time_floor(t - (int64_t)(tm.hour % step) * 3600 * US, CLI_UNIT_HOUR, utc);
}

/* Fills the buckets covering [lo, hi); returns how many, or -1 when more
 * than CLI_MAX_BARS would be needed. */
static long make_buckets(int64_t lo, int64_t hi, int unit, int step, int utc, cli_bucket **out)
{
    int64_t t = floor_step(lo, unit, step, utc);
    long n = 0;
    cli_bucket *b = calloc(CLI_MAX_BARS, sizeof *b);

    *out = b;
    if (b == NULL)
        return -1;
    while (t < hi) {
        if (n == CLI_MAX_BARS)
            return -1;
        b[n++].start = t;
        for (int i = 0; i < step; i++)
            t = cli_time_next(t, (enum cli_time_unit)unit, utc);
    }
    return n;
}

/* Adds each minute's counts to the bucket that holds it. */
static void fill_buckets(const cli_tally *s, cli_bucket *b, long n)
{
    for (size_t i = 0; i < s->minutes.cap; i++) {
        const cli_agg *a = s->minutes.slots[i];
        int64_t minute, ts;
        long lo = 0, hi = n - 1;

        if (a == NULL)
            continue;
        memcpy(&minute, a->key, sizeof minute);
        ts = minute * 60 * US;
        if (n == 0 || ts < b[0].start)
            continue;
        while (lo < hi) { /* the last bucket starting at or before ts */
            long mid = lo + (hi - lo + 1) / 2;

            if (b[mid].start <= ts)
                lo = mid;
            else
                hi = mid - 1;
        }
        b[lo].total += a->total;
        for (int l = 0; l < CL_LVL_COUNT; l++)
            b[lo].level[l] += a->level[l];
    }
}

long cli_tally_buckets(const cli_tally *t, int64_t lo, int64_t hi, int unit, int step, int utc,
                       cli_bucket **out)
{
    long n = make_buckets(lo, hi, unit, step < 1 ? 1 : step, utc, out);

    if (n > 0)
        fill_buckets(t, *out, n);
    return n;
}

void cli_tally_free(cli_tally *t)
{
    cli_aggmap_free(&t->apps);
    cli_aggmap_free(&t->hosts);
    cli_aggmap_free(&t->minutes);
    cli_aggmap_free(&t->rolled);
}
