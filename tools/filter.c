/* filter.c - see filter.h. */
#include "filter.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "cli.h"
#include "escape.h"
#include "levelarg.h"
#include "timefmt.h"

/* ---------------------------------------------------------------- SQL text */

static int add_param(cli_sql *q, enum cli_param_type type, int64_t i, double d, const char *s,
                     size_t n)
{
    if (q->nparams == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 16;
        cli_param *p = realloc(q->params, cap * sizeof *p);

        if (p == NULL) {
            q->oom = 1;
            return 0;
        }
        q->params = p;
        q->cap = cap;
    }
    q->params[q->nparams] = (cli_param){ type, i, d, s, n };
    return (int)++q->nparams;
}

int cli_sql_int(cli_sql *q, int64_t v)
{
    return add_param(q, CLI_PARAM_INT, v, 0, NULL, 0);
}

int cli_sql_text(cli_sql *q, const char *s, size_t n)
{
    return add_param(q, CLI_PARAM_TEXT, 0, 0, s, n);
}

int cli_sql_real(cli_sql *q, double v)
{
    return add_param(q, CLI_PARAM_REAL, 0, v, NULL, 0);
}

int cli_sql_null(cli_sql *q)
{
    return add_param(q, CLI_PARAM_NULL, 0, 0, NULL, 0);
}

void cli_sql_in_ints(cli_sql *q, const char *expr, const int64_t *v, size_t n)
{
    cli_sql_and(q);
    cl_strbuf_printf(&q->text, "%s IN (", expr);
    for (size_t i = 0; i < n; i++)
        cl_strbuf_printf(&q->text, "%s?%d", i ? ", " : "", cli_sql_int(q, v[i]));
    cl_strbuf_putc(&q->text, ')');
}

void cli_sql_time_range(cli_sql *q, const char *col, const cli_filter *f)
{
    if (f->has_since) {
        cli_sql_and(q);
        cl_strbuf_printf(&q->text, "%s >= ?%d", col, cli_sql_int(q, f->since));
    }
    if (f->has_until) {
        cli_sql_and(q);
        cl_strbuf_printf(&q->text, "%s < ?%d", col, cli_sql_int(q, f->until));
    }
}

void cli_sql_and(cli_sql *q)
{
    cl_strbuf_puts(&q->text, q->terms++ ? " AND " : " WHERE ");
}

int cli_sql_bind(const cli_sql *q, sqlite3_stmt *st)
{
    for (size_t i = 0; i < q->nparams; i++) {
        const cli_param *p = &q->params[i];
        int rc;

        switch (p->type) {
        case CLI_PARAM_TEXT:
            rc = sqlite3_bind_text(st, (int)i + 1, p->s, (int)p->n, SQLITE_STATIC);
            break;
        case CLI_PARAM_REAL:
            rc = sqlite3_bind_double(st, (int)i + 1, p->d);
            break;
        case CLI_PARAM_NULL:
            rc = sqlite3_bind_null(st, (int)i + 1);
            break;
        default:
            rc = sqlite3_bind_int64(st, (int)i + 1, p->i);
            break;
        }

        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

void cli_sql_free(cli_sql *q)
{
    if (q == NULL)
        return;
    cl_strbuf_free(&q->text);
    free(q->params);
    q->params = NULL;
    q->nparams = q->cap = 0;
    q->terms = 0;
    q->oom = 0;
}

/* ---------------------------------------------------------------- options */

void cli_filter_init(cli_filter *f)
{
    memset(f, 0, sizeof *f);
    f->grep_case = CLI_CASE_SMART;
    f->lvl_lo = 0;
    f->lvl_hi = CL_LVL_TRACE;
}

void cli_filter_free(cli_filter *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->napps; i++)
        cli_glob_free(&f->apps[i]);
    for (size_t i = 0; i < f->nhosts; i++)
        cli_glob_free(&f->hosts[i]);
    for (size_t i = 0; i < f->nfields; i++) {
        free(f->fields[i].path);
        free(f->fields[i].value);
        cli_glob_free(f->fields[i].glob);
        free(f->fields[i].glob);
    }
    free(f->uids);
    free(f->gids);
    free(f->sids);
    free(f->apps);
    free(f->hosts);
    free(f->pids);
    free(f->fields);
    cli_grep_free(f->grep);
    cli_filter_init(f);
}

/* Room for one more of n elements of size sz: the reallocated array, or
 * NULL (arr is then unchanged). */
static void *grow(void *arr, size_t n, size_t sz)
{
    return realloc(arr, (n + 1) * sz);
}

static int add_glob(cli_glob **arr, size_t *n, const char *opt, const char *arg, char *err,
                    size_t errlen)
{
    char why[64];
    cli_glob g, *a;

    if (cli_glob_compile(arg, &g, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: bad pattern '%s': %s; %s", opt, arg, why, CLI_GLOB_ACCEPTED);
        return -1;
    }
    if ((a = grow(*arr, *n, sizeof *a)) == NULL) {
        cli_glob_free(&g);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *arr = a;
    a[(*n)++] = g;
    return 1;
}

static int parse_pid(const char *arg, int64_t *pid)
{
    char *end;
    long long v;

    if (arg[0] < '0' || arg[0] > '9')
        return -1;
    errno = 0;
    v = strtoll(arg, &end, 10);
    if (errno != 0 || *end != '\0' || v > 4294967295LL)
        return -1;
    *pid = v;
    return 0;
}

/* --uid/--gid: a numeric ID, repeatable (any of them matches). */
static int add_id(int64_t **arr, size_t *n, const char *opt, const char *arg, char *err,
                  size_t errlen)
{
    int64_t id, *a;

    if (parse_pid(arg, &id) != 0) {
        snprintf(err, errlen, "%s: '%s' is not a numeric ID; use an integer 0-4294967295", opt,
                 arg);
        return -1;
    }
    if ((a = grow(*arr, *n, sizeof *a)) == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *arr = a;
    a[(*n)++] = id;
    return 1;
}

/* The value as a JSON number would read: an integer when it fits 64 bits,
 * else a finite double, else none (NULL: matches no number). */
static void field_number(cli_field_match *m)
{
    const char *v = m->value;
    char *end;

    m->num_type = CLI_PARAM_NULL;
    if (!((v[0] >= '0' && v[0] <= '9') || (v[0] == '-' && v[1] >= '0' && v[1] <= '9')))
        return;
    errno = 0;
    m->inum = strtoll(v, &end, 10);
    if (errno == 0 && *end == '\0') {
        m->num_type = CLI_PARAM_INT;
        return;
    }
    errno = 0;
    m->dnum = strtod(v, &end);
    if (*end == '\0' && errno == 0 && m->dnum == m->dnum && m->dnum - m->dnum == 0)
        m->num_type = CLI_PARAM_REAL;
}

/* A VALUE with a wildcard becomes a glob; one without stays an equality
 * (and keeps its backslashes: it was always taken literally). */
static int field_glob(cli_field_match *m, const char *arg, char *err, size_t errlen)
{
    char why[64];

    if (strpbrk(m->value, "*?[") == NULL)
        return 0;
    if ((m->glob = calloc(1, sizeof *m->glob)) == NULL) {
        snprintf(err, errlen, "out of memory");
    } else if (cli_glob_compile(m->value, m->glob, why, sizeof why) != 0) {
        snprintf(err, errlen, "--field: bad pattern in '%s': %s; %s", arg, why, CLI_GLOB_ACCEPTED);
        free(m->glob);
        m->glob = NULL;
    } else if (!m->glob->exact) {
        return 0;
    } else {
        /* Only quoted wildcards (a\*b): the literal they spell, by the
         * equality path; its sql is that literal, which GLOB would read
         * as a pattern again. */
        char *literal = m->glob->sql;

        m->glob->sql = NULL;
        cli_glob_free(m->glob);
        free(m->glob);
        m->glob = NULL;
        free(m->value);
        m->value = literal;
        field_number(m);
        return 0;
    }
    free(m->path);
    free(m->value);
    m->path = m->value = NULL;
    return -1;
}

int cli_field_parse(const char *arg, cli_field_match *out, char *err, size_t errlen)
{
    const char *eq = strchr(arg, '=');
    cl_strbuf path = CL_STRBUF_INIT;
    const char *seg = arg;

    memset(out, 0, sizeof *out);
    if (eq == NULL && arg[0] != '\0') {
        /* journalctl's --field NAME lists values: ours is -F. */
        snprintf(err, errlen,
                 "--field: expected KEY=VALUE, got '%s' (to list its values as journalctl "
                 "--field does: -F %s)",
                 arg, arg);
        return -1;
    }
    if (eq == NULL || eq == arg) {
        snprintf(err, errlen, "--field: expected KEY=VALUE, got '%s'", arg);
        return -1;
    }
    /* Each dot-separated name becomes a quoted JSON path step, so that names
     * with other punctuation ("a-b", "x[0]") are taken literally. */
    cl_strbuf_putc(&path, '$');
    while (seg < eq) {
        const char *dot = memchr(seg, '.', (size_t)(eq - seg));
        const char *end = dot ? dot : eq;

        if (end == seg || memchr(seg, '"', (size_t)(end - seg)) != NULL) {
            snprintf(err, errlen,
                     "--field: bad key in '%s'; use NAME or NAME.NAME (no empty names, no '\"')",
                     arg);
            cl_strbuf_free(&path);
            return -1;
        }
        cl_strbuf_puts(&path, ".\"");
        cl_strbuf_put(&path, seg, (size_t)(end - seg));
        cl_strbuf_putc(&path, '"');
        seg = dot ? dot + 1 : eq;
        if (dot && seg == eq) {
            snprintf(err, errlen, "--field: bad key in '%s'; use NAME or NAME.NAME", arg);
            cl_strbuf_free(&path);
            return -1;
        }
    }
    out->value = strdup(eq + 1);
    if (path.oom || out->value == NULL) {
        snprintf(err, errlen, "out of memory");
        cl_strbuf_free(&path);
        free(out->value);
        out->value = NULL;
        return -1;
    }
    out->path = path.p;
    field_number(out);
    return field_glob(out, arg, err, errlen);
}

/* -g PATTERN (a regex, checked now: a bad one is a usage error with
 * PCRE2's reason) or --words WORDS; one search per query. */
static int search_option(cli_filter *f, int opt, const char *arg, char *err, size_t errlen)
{
    const char *name = opt == CLI_OPT_GREP ? "-g/--grep" : "--words";
    char why[200];
    cli_regex *re = NULL;

    if (f->search_opt != 0 && f->search_opt != opt) {
        snprintf(err, errlen, "-g/--grep and --words cannot be combined; use one of them");
        return -1;
    }
    if (arg[0] == '\0' && opt != CLI_OPT_GREP) {
        snprintf(err, errlen, "%s: empty pattern; give one or more words", name);
        return -1;
    }
    f->search_opt = opt;
    if (arg[0] == '\0') {
        /* The empty regex matches every message: no filter to run. */
        f->grep_pattern = NULL;
        return 1;
    }
    if (opt == CLI_OPT_GREP) {
        if (cli_regex_compile(arg, CLI_CASE_SMART, &re, why, sizeof why) != 0) {
            snprintf(err, errlen, "-g/--grep: bad regular expression '%s': %s", arg, why);
            return -1;
        }
        cli_regex_free(re);
    }
    f->grep_pattern = arg;
    f->grep_regex = opt == CLI_OPT_GREP;
    return 1;
}

/* The index of arg among names, ignoring ASCII case; -1 when none. */
static int choice_nocase(const char *arg, const char *const *names, size_t n)
{
    char low[8];
    size_t i;

    for (i = 0; arg[i] != '\0' && i < sizeof low - 1; i++)
        low[i] = (char)(arg[i] >= 'A' && arg[i] <= 'Z' ? arg[i] - 'A' + 'a' : arg[i]);
    if (arg[i] != '\0')
        return -1;
    low[i] = '\0';
    return cli_parse_choice(low, names, n);
}

/* --case-sensitive[=BOOL]: journalctl's words for yes and no, in any case
 * (its parse_boolean: YES, True, ON). */
static int case_option(cli_filter *f, const char *arg, char *err, size_t errlen)
{
    static const char *const yes[] = { "yes", "y", "true", "t", "on", "1" };
    static const char *const no[] = { "no", "n", "false", "f", "off", "0" };

    if (arg == NULL || choice_nocase(arg, yes, 6) >= 0) {
        f->grep_case = CLI_CASE_SENSITIVE;
        return 1;
    }
    if (choice_nocase(arg, no, 6) >= 0) {
        f->grep_case = CLI_CASE_INSENSITIVE;
        return 1;
    }
    snprintf(err, errlen, "--case-sensitive: '%s' is not a boolean; use yes or no", arg);
    return -1;
}

int cli_filter_option(cli_filter *f, int opt, const char *arg, const cli_clock *clk, char *err,
                      size_t errlen)
{
    switch (opt) {
    case CLI_OPT_SINCE:
    case CLI_OPT_UNTIL: {
        int64_t *slot = opt == CLI_OPT_SINCE ? &f->since : &f->until;

        if (cli_time_parse(arg, clk, slot) != 0) {
            snprintf(err, errlen, "%s: '%s' is not a time; %s",
                     opt == CLI_OPT_SINCE ? "-S/--since" : "-U/--until", arg, CLI_TIME_ACCEPTED);
            return -1;
        }
        *(opt == CLI_OPT_SINCE ? &f->has_since : &f->has_until) = 1;
        return 1;
    }
    case CLI_OPT_LEVEL:
        if (cli_level_range_parse(arg, &f->lvl_lo, &f->lvl_hi) != 0) {
            snprintf(err, errlen, "-p/--level: '%s' is not a level; %s", arg, CLI_LEVEL_ACCEPTED);
            return -1;
        }
        return 1;
    case CLI_OPT_APP:
        return add_glob(&f->apps, &f->napps, "-t/--app", arg, err, errlen);
    case CLI_OPT_HOST:
        return add_glob(&f->hosts, &f->nhosts, "--host", arg, err, errlen);
    case CLI_OPT_PID: {
        int64_t pid, *a;

        if (parse_pid(arg, &pid) != 0) {
            snprintf(err, errlen, "--pid: '%s' is not a process id; use an integer 0-4294967295",
                     arg);
            return -1;
        }
        if ((a = grow(f->pids, f->npids, sizeof *a)) == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        f->pids = a;
        a[f->npids++] = pid;
        return 1;
    }
    case CLI_OPT_UID:
    case CLI_OPT_GID:
        return add_id(opt == CLI_OPT_UID ? &f->uids : &f->gids,
                      opt == CLI_OPT_UID ? &f->nuids : &f->ngids,
                      opt == CLI_OPT_UID ? "--uid" : "--gid", arg, err, errlen);
    case CLI_OPT_SID: {
        const char **a;

        if (arg[0] == '\0') {
            snprintf(err, errlen, "--sid: empty; give a SID such as S-1-5-18");
            return -1;
        }
        if ((a = grow(f->sids, f->nsids, sizeof *a)) == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        f->sids = a;
        a[f->nsids++] = arg;
        return 1;
    }
    case CLI_OPT_FIELD: {
        cli_field_match m, *a;

        if (cli_field_parse(arg, &m, err, errlen) != 0)
            return -1;
        if ((a = grow(f->fields, f->nfields, sizeof *a)) == NULL) {
            free(m.path);
            free(m.value);
            cli_glob_free(m.glob);
            free(m.glob);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        f->fields = a;
        a[f->nfields++] = m;
        return 1;
    }
    case CLI_OPT_GREP:
    case CLI_OPT_WORDS:
        return search_option(f, opt, arg, err, errlen);
    case CLI_OPT_CASE:
        return case_option(f, arg, err, errlen);
    default:
        return 0;
    }
}

/* The id of the first (or last) entry in time order within the range; 0 and
 * *found = 0 when there is none. */
static int edge_id(sqlite3 *db, const char *sql, int64_t ts, int64_t *id, int *found)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    *found = 0;
    if (rc == SQLITE_OK && (rc = sqlite3_bind_int64(st, 1, ts)) == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
            *id = sqlite3_column_int64(st, 0);
            *found = 1;
        }
        rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    return rc;
}

/* How the matches outside the bounds [fts_lo, fts_hi] are found: by
 * walking the time index over the range (each of its rows tested, about 80
 * ns each), or from the full-text index's matches outside the bounds
 * (each looked up by rowid for its time, about 1 us each). The latter
 * wins where the range covers most of a partition's rows (a partition cut
 * near its end by the range: the range's rows are many, the matches
 * outside it few) and loses where the range is a small part of a big
 * database (the matches outside are most of a frequent term's). So the
 * matches outside are counted first, up to a cap of 1/16th of the ids the
 * bounds span - a doclist read (about 0.25 us a match), stopped at the
 * cap - and used when fewer. */
#define CLI_FTS_OUTSIDE_RATIO 16

static int outside_by_match(cli_filter *f, sqlite3 *db)
{
    const char *tab = cli_grep_fts_table(f->grep); /* a constant name, never input */
    const char *m = cli_grep_fts_query(f->grep);
    int64_t cap = (f->fts_hi - f->fts_lo + 1) / CLI_FTS_OUTSIDE_RATIO;
    sqlite3_stmt *st = NULL;
    char sql[512];
    int rc;

    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM (SELECT 1 FROM %s WHERE %s MATCH ?1 AND rowid < ?2 "
             "LIMIT ?4)) + (SELECT count(*) FROM (SELECT 1 FROM %s WHERE %s MATCH ?1 AND "
             "rowid > ?3 LIMIT ?4))",
             tab, tab, tab, tab);
    rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, m, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, f->fts_lo);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 3, f->fts_hi);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 4, cap + 1);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        f->fts_outside_by_match = sqlite3_column_int64(st, 0) <= cap;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Entries arrive roughly in time order, so the ids of the first and last
 * entry of a time range bound almost all of it: the index lookup can skip
 * every match outside them (two index seeks, instead of checking all the
 * matches of a common word over months). What the bounds miss is found
 * separately, so they need not be exact. */
static int fts_bounds(cli_filter *f, sqlite3 *db)
{
    int64_t lo = 0, hi = INT64_MAX;
    int found = 1, rc = SQLITE_OK;

    if (f->has_since)
        rc = edge_id(db, "SELECT id FROM entries WHERE ts >= ?1 ORDER BY ts, id LIMIT 1", f->since,
                     &lo, &found);
    if (rc == SQLITE_OK && found && f->has_until)
        rc = edge_id(db, "SELECT id FROM entries WHERE ts < ?1 ORDER BY ts DESC, id DESC LIMIT 1",
                     f->until, &hi, &found);
    if (rc != SQLITE_OK)
        return rc;
    if (!found || (f->has_since && f->has_until && f->since >= f->until)) {
        lo = 1; /* an empty bracket: everything goes the exact way */
        hi = 0;
    } else if (lo > hi) {
        int64_t t = lo;

        lo = hi;
        hi = t;
    }
    f->has_fts_bounds = 1;
    f->fts_lo = lo;
    f->fts_hi = hi;
    f->fts_outside_by_match = 0;
    if (lo <= hi)
        rc = outside_by_match(f, db);
    return rc;
}

int cli_filter_compile(cli_filter *f, sqlite3 *db, char *err, size_t errlen)
{
    char why[256];
    int rc;

    if (f->grep_pattern == NULL || f->grep != NULL)
        return 0;
    rc = f->grep_regex
             ? cli_grep_compile_regex(f->grep_pattern, f->grep_case, &f->grep, why, sizeof why)
             : cli_grep_compile(db, f->grep_pattern, &f->grep, why, sizeof why);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", f->grep_regex ? "-g/--grep" : "--words", why);
        return -1;
    }
    return 0;
}

/* Whether db has the search's index: every database has entries_fts; the
 * trigram index of -g is only in partitions sealed since it exists, which
 * say so with the meta key (an older one, a single database or an export
 * lacks it: then the rows are tested one by one - slower, the same answer). */
static int has_index(const cli_filter *f, sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int found = 0;

    if (cli_grep_fts_query(f->grep) == NULL)
        return 0;
    if (!cli_grep_is_regex(f->grep))
        return 1;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM meta WHERE key = ?1", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_bind_text(st, 1, cli_grep_fts_key(f->grep), -1, SQLITE_STATIC) == SQLITE_OK)
        found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

/* Whether db is sealed and the search's index holds every row of it. */
static int index_whole(const cli_filter *f, sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int whole = 0;

    if (sqlite3_prepare_v2(db,
                           "SELECT (SELECT value FROM meta WHERE key = 'sealed') = 1 AND "
                           "(SELECT value FROM meta WHERE key = ?1) >= "
                           "coalesce((SELECT max(id) FROM entries), 0)",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_bind_text(st, 1, cli_grep_fts_key(f->grep), -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        whole = sqlite3_column_int(st, 0) == 1;
    sqlite3_finalize(st);
    return whole;
}

int cli_filter_prepare(cli_filter *f, sqlite3 *db, char *err, size_t errlen)
{
    if (f->grep_pattern == NULL)
        return 0;
    if (cli_filter_compile(f, db, err, errlen) != 0)
        return -1;
    if (cli_grep_register(db, f->grep) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot register the search function: %s",
                 f->grep_regex ? "-g/--grep" : "--words", sqlite3_errmsg(db));
        return -1;
    }
    f->grep_indexed = has_index(f, db);
    f->fts_whole = f->grep_indexed && index_whole(f, db);
    f->has_fts_bounds = 0;
    f->fts_outside_by_match = 0;
    f->has_newest_from = 0;
    if ((f->has_since || f->has_until) && f->grep_indexed && !f->no_fts_bounds &&
        fts_bounds(f, db) != SQLITE_OK) {
        snprintf(err, errlen, "cannot read the database: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- WHERE */

int cli_filter_uses_level_index(const cli_filter *f)
{
    return f->lvl_hi <= 4;
}

/* One OR group over a column for a list of globs: exact names in one IN
 * list (an index lookup each), patterns as prefix range plus GLOB. */
static void globs_where(cli_sql *q, const char *col, const cli_glob *g, size_t n)
{
    size_t exact = 0, parts = 0;

    for (size_t i = 0; i < n; i++)
        exact += g[i].exact;
    cli_sql_and(q);
    if (n > 1)
        cl_strbuf_putc(&q->text, '(');
    if (exact == 1) {
        for (size_t i = 0; i < n; i++) {
            if (g[i].exact)
                cl_strbuf_printf(&q->text, "%s = ?%d", col,
                                 cli_sql_text(q, g[i].sql, g[i].sql_len));
        }
        parts++;
    } else if (exact > 1) {
        cl_strbuf_printf(&q->text, "%s IN (", col);
        for (size_t i = 0, k = 0; i < n; i++) {
            if (g[i].exact)
                cl_strbuf_printf(&q->text, "%s?%d", k++ ? ", " : "",
                                 cli_sql_text(q, g[i].sql, g[i].sql_len));
        }
        cl_strbuf_putc(&q->text, ')');
        parts++;
    }
    for (size_t i = 0; i < n; i++) {
        if (g[i].exact)
            continue;
        if (parts++)
            cl_strbuf_puts(&q->text, " OR ");
        if (g[i].upper != NULL) {
            int lo = cli_sql_text(q, g[i].prefix, g[i].prefix_len);
            int hi = cli_sql_text(q, g[i].upper, g[i].upper_len);

            cl_strbuf_printf(&q->text, "(%s >= ?%d AND %s < ?%d AND ", col, lo, col, hi);
        }
        cl_strbuf_printf(&q->text, "%s GLOB ?%d", col, cli_sql_text(q, g[i].sql, g[i].sql_len));
        if (g[i].upper != NULL)
            cl_strbuf_putc(&q->text, ')');
    }
    if (n > 1)
        cl_strbuf_putc(&q->text, ')');
}

static void level_where(const cli_filter *f, cli_sql *q, int mode)
{
    if (f->lvl_lo == 0 && f->lvl_hi == CL_LVL_TRACE)
        return;
    cli_sql_and(q);
    if (mode == CLI_WHERE_INDEXED && cli_filter_uses_level_index(f)) {
        /* The literal term lets SQLite prove that entries_level_ts covers the
         * rows; listing the levels (rather than a range) lets it use the ts
         * part of that index as well. */
        cl_strbuf_puts(&q->text, "level <= 4 AND level IN (");
        for (int l = f->lvl_lo; l <= f->lvl_hi; l++)
            cl_strbuf_printf(&q->text, "%s?%d", l > f->lvl_lo ? ", " : "", cli_sql_int(q, l));
        cl_strbuf_putc(&q->text, ')');
    } else {
        const char *col = mode == CLI_WHERE_ROWID ? "+level" : "level";
        int lo = cli_sql_int(q, f->lvl_lo);

        cl_strbuf_printf(&q->text, "%s BETWEEN ?%d AND ?%d", col, lo, cli_sql_int(q, f->lvl_hi));
    }
}

/* The exact-case part of smart case: each word as typed. */
static void exact_case_where(const cli_filter *f, cli_sql *q)
{
    size_t nw = cli_grep_word_count(f->grep);

    if (!cli_grep_case_sensitive(f->grep))
        return;
    for (size_t i = 0; i < nw; i++) {
        const char *w = cli_grep_word(f->grep, i);

        cli_sql_and(q);
        cl_strbuf_printf(&q->text, "instr(msg, ?%d) > 0", cli_sql_text(q, w, strlen(w)));
    }
}

static void field_where_exact(cli_sql *q, const cli_field_match *m);

/* One --field: by the member's JSON type, so that 500 finds 500 and "500"
 * but "abc" never finds 0. CASE keeps json_* away from a malformed column
 * (a foreign file): no match rather than an error. */
static void field_where(cli_sql *q, const cli_field_match *m)
{
    int p, g;

    if (m->glob != NULL) {
        /* A glob against the member's text: a string as it is, a number as
         * SQLite prints it, true/false/null by name; never an object. */
        p = cli_sql_text(q, m->path, strlen(m->path));
        g = cli_sql_text(q, m->glob->sql, m->glob->sql_len);
        cli_sql_and(q);
        cl_strbuf_printf(&q->text,
                         "CASE WHEN json_valid(fields) THEN CASE json_type(fields, ?%d) "
                         "WHEN 'text' THEN json_extract(fields, ?%d) GLOB ?%d "
                         "WHEN 'integer' THEN CAST(json_extract(fields, ?%d) AS TEXT) GLOB ?%d "
                         "WHEN 'real' THEN CAST(json_extract(fields, ?%d) AS TEXT) GLOB ?%d "
                         "WHEN 'true' THEN 'true' GLOB ?%d WHEN 'false' THEN 'false' GLOB ?%d "
                         "WHEN 'null' THEN 'null' GLOB ?%d END END",
                         p, p, g, p, g, p, g, g, g, g);
        return;
    }
    field_where_exact(q, m);
}

static void field_where_exact(cli_sql *q, const cli_field_match *m)
{
    int p = cli_sql_text(q, m->path, strlen(m->path));
    int v = cli_sql_text(q, m->value, strlen(m->value));
    int num = m->num_type == CLI_PARAM_INT    ? cli_sql_int(q, m->inum)
              : m->num_type == CLI_PARAM_REAL ? cli_sql_real(q, m->dnum)
                                              : cli_sql_null(q);

    cli_sql_and(q);
    cl_strbuf_printf(&q->text,
                     "CASE WHEN json_valid(fields) THEN CASE json_type(fields, ?%d) "
                     "WHEN 'integer' THEN json_extract(fields, ?%d) = ?%d "
                     "WHEN 'real' THEN json_extract(fields, ?%d) = ?%d "
                     "WHEN 'true' THEN ?%d = 'true' WHEN 'false' THEN ?%d = 'false' "
                     "WHEN 'null' THEN ?%d = 'null' "
                     "ELSE json_extract(fields, ?%d) = ?%d END END",
                     p, p, num, p, num, v, v, v, p, v);
}

/* --uid/--gid/--sid: what the kernel (or Windows) said of the sender. */
static void identity_where(const cli_filter *f, cli_sql *q)
{
    if (f->nuids > 0)
        cli_sql_in_ints(q, "peer_uid", f->uids, f->nuids);
    if (f->ngids > 0)
        cli_sql_in_ints(q, "peer_gid", f->gids, f->ngids);
    if (f->nsids > 0) {
        cli_sql_and(q);
        cl_strbuf_puts(&q->text, "peer_sid IN (");
        for (size_t i = 0; i < f->nsids; i++)
            cl_strbuf_printf(&q->text, "%s?%d", i ? ", " : "",
                             cli_sql_text(q, f->sids[i], strlen(f->sids[i])));
        cl_strbuf_putc(&q->text, ')');
    }
}

static void where_terms(const cli_filter *f, cli_sql *q, int mode, int with_grep)
{
    if (f->has_ids) {
        cli_sql_and(q);
        cl_strbuf_printf(&q->text, "id BETWEEN ?%d AND ?%d", cli_sql_int(q, f->id_lo),
                         cli_sql_int(q, f->id_hi));
    }
    cli_sql_time_range(q, mode == CLI_WHERE_ROWID ? "+ts" : "ts", f);
    level_where(f, q, mode);
    if (f->napps > 0)
        globs_where(q, mode == CLI_WHERE_ROWID ? "+app" : "app", f->apps, f->napps);
    if (f->nhosts > 0)
        globs_where(q, "host", f->hosts, f->nhosts);
    /* The PID the text shows: claimed by the producer, else the kernel's. */
    if (f->npids > 0)
        cli_sql_in_ints(q, "coalesce(pid, peer_pid)", f->pids, f->npids);
    for (size_t i = 0; i < f->nfields; i++)
        field_where(q, &f->fields[i]);
    identity_where(f, q);
    if (f->grep != NULL && with_grep) {
        /* Following: a handful of new rows, cheaper to ask the tokenizer
         * than to collect every indexed match. */
        cli_sql_and(q);
        cl_strbuf_puts(&q->text, CLI_GREP_FN "(msg)");
        exact_case_where(f, q);
    }
}

void cli_filter_where(const cli_filter *f, cli_sql *q, int mode)
{
    where_terms(f, q, mode, 1);
}

/* One part of the --grep union; see cli_filter_select. PART_BELOW and
 * PART_ABOVE replace PART_OUTSIDE when the matches outside the bounds are
 * found from the index (fts_outside_by_match). */
enum { PART_INDEXED, PART_OUTSIDE, PART_BELOW, PART_ABOVE, PART_UNINDEXED };

static void grep_part(const cli_filter *f, cli_sql *q, const char *cols, int part, int match,
                      int lo, int hi)
{
    const char *tab = cli_grep_fts_table(f->grep); /* a constant name, never input */

    q->terms = 0;
    cl_strbuf_printf(&q->text, "SELECT %s FROM entries", cols);
    cli_sql_and(q);
    switch (part) {
    case PART_INDEXED:
        /* Driven by the index's rowids; "+col" keeps SQLite from scanning
         * the time index instead. */
        cl_strbuf_printf(&q->text, "id IN (SELECT rowid FROM %s WHERE %s MATCH ?%d", tab, tab,
                         match);
        if (f->has_fts_bounds)
            cl_strbuf_printf(&q->text, " AND rowid BETWEEN ?%d AND ?%d", lo, hi);
        cl_strbuf_putc(&q->text, ')');
        where_terms(f, q, CLI_WHERE_ROWID, 0);
        break;
    case PART_BELOW:
    case PART_ABOVE:
        /* Driven by the index's rowids outside the bounds, each row's time
         * tested. */
        cl_strbuf_printf(&q->text,
                         "id IN (SELECT rowid FROM %s WHERE %s MATCH ?%d AND rowid %s ?%d)", tab,
                         tab, match, part == PART_BELOW ? "<" : ">", part == PART_BELOW ? lo : hi);
        where_terms(f, q, CLI_WHERE_ROWID, 0);
        break;
    case PART_OUTSIDE:
        /* Driven by the time range; the matches are collected only if a row
         * outside the bounds turns up at all. */
        cl_strbuf_printf(&q->text, "(id < ?%d OR id > ?%d)", lo, hi);
        cli_sql_and(q);
        cl_strbuf_printf(&q->text, "+id IN (SELECT rowid FROM %s WHERE %s MATCH ?%d)", tab, tab,
                         match);
        where_terms(f, q, CLI_WHERE_INDEXED, 0);
        break;
    default:
        cl_strbuf_printf(&q->text, "id > coalesce((SELECT value FROM meta WHERE key = '%s'), 0)",
                         cli_grep_fts_key(f->grep));
        where_terms(f, q, CLI_WHERE_ROWID, 0);
        cli_sql_and(q);
        cl_strbuf_puts(&q->text, CLI_GREP_FN "(msg)");
        break;
    }
    /* The trigram index finds the regex's literal text; PCRE2 decides. */
    if (part != PART_UNINDEXED && cli_grep_needs_confirm(f->grep)) {
        cli_sql_and(q);
        cl_strbuf_puts(&q->text, CLI_GREP_FN "(msg)");
    }
    exact_case_where(f, q);
}

void cli_filter_select(const cli_filter *f, cli_sql *q, const char *cols)
{
    const char *m;
    int match, lo = 0, hi = 0;

    if (f->grep == NULL || !f->grep_indexed) {
        /* No search, or one no index can narrow here: the other filters'
         * indexes, and the search function on the rows they leave. */
        q->terms = 0;
        cl_strbuf_printf(&q->text, "SELECT %s FROM entries", cols);
        if (f->grep != NULL && f->has_newest_from) {
            /* Only for this listing, never a poll of following: a late
             * arrival may be older. First: tested before the search. */
            cli_sql_and(q);
            cl_strbuf_printf(&q->text, "ts >= ?%d", cli_sql_int(q, f->newest_from));
        }
        where_terms(f, q, CLI_WHERE_INDEXED, f->grep != NULL);
        return;
    }
    m = cli_grep_fts_query(f->grep);
    match = cli_sql_text(q, m, strlen(m));
    if (f->fts_whole && !f->has_fts_bounds) {
        /* One part: nothing is unindexed, nothing outside bounds. */
        grep_part(f, q, cols, PART_INDEXED, match, lo, hi);
        return;
    }
    if (f->has_fts_bounds) {
        lo = cli_sql_int(q, f->fts_lo);
        hi = cli_sql_int(q, f->fts_hi);
    }
    /* MATERIALIZED: otherwise SQLite may push the caller's ORDER BY into
     * the parts and walk the whole time index to get that order. */
    cl_strbuf_puts(&q->text, "WITH grep AS MATERIALIZED (");
    grep_part(f, q, cols, PART_INDEXED, match, lo, hi);
    if (f->has_fts_bounds && f->fts_outside_by_match) {
        cl_strbuf_puts(&q->text, " UNION ALL ");
        grep_part(f, q, cols, PART_BELOW, match, lo, hi);
        cl_strbuf_puts(&q->text, " UNION ALL ");
        grep_part(f, q, cols, PART_ABOVE, match, lo, hi);
    } else if (f->has_fts_bounds) {
        cl_strbuf_puts(&q->text, " UNION ALL ");
        grep_part(f, q, cols, PART_OUTSIDE, match, lo, hi);
    }
    cl_strbuf_puts(&q->text, " UNION ALL ");
    grep_part(f, q, cols, PART_UNINDEXED, match, lo, hi);
    cl_strbuf_puts(&q->text, ") SELECT * FROM grep");
    q->terms = 1; /* the caller adds no WHERE to this */
}

/* ---------------------------------------------------------------- newest */

/* Whether SQLite answers q by walking an index in its order (no sort). */
static int walks_in_order(sqlite3 *db, const cli_sql *q)
{
    cl_strbuf sql = CL_STRBUF_INIT;
    sqlite3_stmt *st = NULL;
    int ok = 0, rc;

    cl_strbuf_puts(&sql, "EXPLAIN QUERY PLAN ");
    cl_strbuf_put(&sql, q->text.p, q->text.len);
    if (!sql.oom && sqlite3_prepare_v2(db, cl_strbuf_cstr(&sql), -1, &st, NULL) == SQLITE_OK &&
        cli_sql_bind(q, st) == SQLITE_OK) {
        ok = 1;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *d = (const char *)sqlite3_column_text(st, 3);

            if (d != NULL && strstr(d, "TEMP B-TREE") != NULL)
                ok = 0;
        }
        ok = ok && rc == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    cl_strbuf_free(&sql);
    return ok;
}

/* The walk of cli_filter_newest: the rows matching every filter but the
 * search, newest first (by_id: in id order, for a table without time
 * index), at most `rows`, with whether the search matches. */
static void newest_sql(const cli_filter *f, cli_sql *q, long long rows, int by_id)
{
    size_t nw = cli_grep_word_count(f->grep);

    cl_strbuf_puts(&q->text, "SELECT ts, " CLI_GREP_FN "(msg)");
    for (size_t i = 0; cli_grep_case_sensitive(f->grep) && i < nw; i++) {
        const char *w = cli_grep_word(f->grep, i);

        cl_strbuf_printf(&q->text, " AND instr(msg, ?%d) > 0", cli_sql_text(q, w, strlen(w)));
    }
    cl_strbuf_puts(&q->text, " FROM entries");
    q->terms = 0;
    where_terms(f, q, CLI_WHERE_INDEXED, 0);
    cl_strbuf_printf(&q->text, " ORDER BY %s LIMIT ?%d", by_id ? "id DESC" : "ts DESC, id DESC",
                     cli_sql_int(q, rows));
}

typedef struct walk {
    long long seen, hits;
    int64_t min_ts;  /* the oldest match seen */
    long long ticks; /* progress callbacks left */
    int gave_up;     /* the walk did too much work */
} walk;

/* SQLite's progress callback, every CLI_WALK_OPS virtual machine steps:
 * stops a walk whose other filters skip many rows (a rare --field) after
 * about what its budget of rows costs - the index is cheaper then. */
#define CLI_WALK_OPS 1000
#define CLI_WALK_OPS_PER_ROW 200
static int walk_progress(void *arg)
{
    walk *w = arg;

    if (w->ticks-- > 0)
        return 0;
    w->gave_up = 1;
    return 1;
}

/* Steps q's walk until n matches or its end. Returns an SQLite code. */
static int newest_walk(sqlite3 *db, const cli_sql *q, long long n, long long rows, walk *w)
{
    sqlite3_stmt *st = NULL;
    int rc;

    memset(w, 0, sizeof *w);
    if (q->oom || q->text.oom)
        return SQLITE_NOMEM;
    w->ticks = rows * CLI_WALK_OPS_PER_ROW / CLI_WALK_OPS;
    rc = sqlite3_prepare_v2(db, q->text.p, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = cli_sql_bind(q, st);
    sqlite3_progress_handler(db, CLI_WALK_OPS, walk_progress, w);
    while (rc == SQLITE_OK && w->hits < n && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t ts = sqlite3_column_int64(st, 0);

        rc = SQLITE_OK;
        w->seen++;
        if (sqlite3_column_int(st, 1)) {
            if (w->hits == 0 || ts < w->min_ts)
                w->min_ts = ts;
            w->hits++;
        }
    }
    sqlite3_progress_handler(db, 0, NULL, NULL);
    sqlite3_finalize(st);
    if (w->gave_up) {
        w->hits = 0; /* as if nothing was found: the index answers */
        w->seen = rows;
        return SQLITE_OK;
    }
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The listing of f searches rows one by one, those at or after ts: any n
 * matches at or after ts mean that the newest n are there too. */
static void newest_from(cli_filter *f, const walk *w, long long n)
{
    f->grep_indexed = 0;
    f->has_fts_bounds = 0;
    if (w->hits == n) {
        f->has_newest_from = 1;
        f->newest_from = w->min_ts;
    }
}

int cli_filter_newest(cli_filter *f, sqlite3 *db, long long n)
{
    cli_sql q = CLI_SQL_INIT;
    long long rows = CLI_NEWEST_ROWS(n);
    walk w;
    int rc = SQLITE_OK;

    if (f->grep == NULL || n <= 0)
        return SQLITE_OK;
    newest_sql(f, &q, rows, 0);
    if (walks_in_order(db, &q)) {
        /* Not indexed: the listing walks the time index already. */
        if (f->grep_indexed && (rc = newest_walk(db, &q, n, rows, &w)) == SQLITE_OK &&
            (w.hits == n || w.seen < rows))
            newest_from(f, &w, n); /* else a rare term: the index finds it sooner */
        goto out;
    }
    /* No time index (a live partition), or filters that no index serves
     * in time order: n matches in id order - entries arrive roughly in
     * time order - bound the newest n by the oldest of their times, and
     * only the rows at or after it need the search. */
    cli_sql_free(&q);
    newest_sql(f, &q, rows, 1);
    if (walks_in_order(db, &q) && (rc = newest_walk(db, &q, n, rows, &w)) == SQLITE_OK &&
        w.hits == n)
        newest_from(f, &w, n);
out:
    cli_sql_free(&q);
    return rc;
}

/* ---------------------------------------------------------------- explain */

void cli_sql_describe(const cli_param *p, cl_strbuf *out)
{
    switch (p->type) {
    case CLI_PARAM_TEXT:
        cl_strbuf_putc(out, '\'');
        cli_esc_text(out, p->s, p->n);
        cl_strbuf_putc(out, '\'');
        break;
    case CLI_PARAM_REAL:
        cl_strbuf_printf(out, "%.17g", p->d);
        break;
    case CLI_PARAM_NULL:
        cl_strbuf_puts(out, "NULL");
        break;
    default:
        cl_strbuf_printf(out, "%lld", (long long)p->i);
        break;
    }
}

/* Plan rows come as (id, parent, detail); indent each under its parent. */
static int plan_depth(const int *ids, const int *parents, int n, int parent)
{
    int depth = 0;

    for (int guard = 0; parent != 0 && guard < n; guard++) {
        int i;

        for (i = 0; i < n && ids[i] != parent; i++)
            ;
        if (i == n)
            break;
        depth++;
        parent = parents[i];
    }
    return depth;
}

int cli_sql_explain(sqlite3 *db, const cli_sql *q, cl_strbuf *out)
{
    cl_strbuf sql = CL_STRBUF_INIT;
    sqlite3_stmt *st = NULL;
    int ids[256], parents[256], n = 0, rc;

    cl_strbuf_put(out, q->text.p, q->text.len);
    cl_strbuf_putc(out, '\n');
    for (size_t i = 0; i < q->nparams; i++) {
        cl_strbuf_printf(out, "  ?%zu = ", i + 1);
        cli_sql_describe(&q->params[i], out);
        cl_strbuf_putc(out, '\n');
    }
    cl_strbuf_puts(&sql, "EXPLAIN QUERY PLAN ");
    cl_strbuf_put(&sql, q->text.p, q->text.len);
    rc = sqlite3_prepare_v2(db, cl_strbuf_cstr(&sql), -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = cli_sql_bind(q, st);
    cl_strbuf_puts(out, "QUERY PLAN\n");
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0), parent = sqlite3_column_int(st, 1);
        int depth = plan_depth(ids, parents, n, parent);

        if (n < 256) {
            ids[n] = id;
            parents[n++] = parent;
        }
        cl_strbuf_printf(out, "%*s`--%s\n", 2 * depth, "",
                         (const char *)sqlite3_column_text(st, 3));
        rc = SQLITE_OK;
    }
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    sqlite3_finalize(st);
    cl_strbuf_free(&sql);
    return rc;
}

int cli_filter_times(cli_filter *f, const char *since, const char *until, int utc, char *err,
                     size_t errlen)
{
    cli_clock clk;

    tzset();
    clk.now_us = cl_now_us();
    clk.utc = utc;
    if ((since && cli_filter_option(f, CLI_OPT_SINCE, since, &clk, err, errlen) < 0) ||
        (until && cli_filter_option(f, CLI_OPT_UNTIL, until, &clk, err, errlen) < 0))
        return CLI_USAGE;
    if (f->has_since && f->has_until && f->since >= f->until) {
        snprintf(err, errlen, "-S/--since '%s' is not before -U/--until '%s'", since, until);
        return CLI_USAGE;
    }
    return CLI_OK;
}
