/* cmd_stats.c - `centrallog stats`: counts by level, app and host over a
 * range, the busiest apps and hosts, and a bar chart of entries per minute,
 * hour or day. The counting is tally.h's; this file holds the options and
 * the text and JSON reports. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggmap.h"
#include "cli.h"
#include "clock.h"
#include "db.h"
#include "escape.h"
#include "filter.h"
#include "levelarg.h"
#include "output.h"
#include "pager.h"
#include "partset.h"
#include "platform.h"
#include "readargs.h"
#include "report.h"
#include "tally.h"
#include "timefmt.h"

typedef struct sopts {
    cli_readargs a; /* a.fmt: 0 text, 1 json */
    int by;         /* enum cli_time_unit, or -1: chosen from the range */
    long long top;  /* 0: all */
    int width;
    int rollup; /* sealed partitions' counts per hour may be read (tally.h) */
} sopts;

static const char *const unit_names[] = { "minute", "hour", "day" };

/* "minute", "5 minutes": the bucket's name in the chart's title. */
static void step_name(int unit, int step, char *out, size_t len)
{
    if (step <= 1)
        snprintf(out, len, "%s", unit_names[unit]);
    else
        snprintf(out, len, "%d %ss", step, unit_names[unit]);
}

static void usage(FILE *f)
{
    fprintf(f, "Usage: centrallog stats [OPTIONS]\n\n"
               "Counts the entries that match, by level, app and host, lists the busiest apps\n"
               "and hosts (top talkers) with their errors and warnings, and draws one bar per\n"
               "minute, hour or day (errors red and warnings yellow on a terminal). Filtered\n"
               "by time alone, it also counts the lines the collector rejected meanwhile.\n\n"
               "Options:\n"
               "  -S, --since TIME, -U, --until TIME, -p, --level LEVEL, -t, --app GLOB,\n"
               "  --host GLOB, --pid PID, -g, --grep PATTERN, --case-sensitive[=yes|no],\n"
               "  --words WORDS, --field KEY=VAL, --uid UID, --gid GID, --sid SID\n"
               "                       filters, as in `centrallog query --help`\n"
               "      --by UNIT        minute, hour or day (default: by the range's length, at\n"
               "                       most 60 bars: 1, 5, 10, 15, 30 minutes, 1, 2, 3, 6, 12\n"
               "                       hours, 1 or 7 days)\n"
               "      --top N          how many apps and hosts to list (default 10; 0: all)\n"
               "  -o, --output FMT     text (default) or json\n"
               "      --width N        columns for the chart (default: the terminal's, or 80)\n"
               "      --utc            read and show times in UTC instead of local time\n"
               "      --color WHEN     auto (default: on a terminal), always, never\n"
               "      --explain        print the SQL and SQLite's query plan instead\n"
               "  -q, --quiet          no notes or warnings on stderr\n"
               "      --no-pager       not through the pager (see `query --help`)\n"
               "  -h, --help           this help\n\n"
               "Examples:\n"
               "  centrallog stats -S today --by hour\n"
               "  centrallog stats -S -7d --by day -p warning\n"
               "  centrallog stats -S -1h --top 0 -o json | jq '.apps[0]'\n\n"
               "Exit status: 0 done, 1 the database cannot be read, 2 bad usage, 4 some\n"
               "partitions could not be read (named on stderr): the counts are the others'.\n");
}

static int opt_by(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    sopts *o = ctx;

    (void)opt;
    if ((o->by = cli_parse_choice(arg, unit_names, 3)) < 0) {
        snprintf(err, errlen, "--by: '%s' is not accepted; use minute, hour or day", arg);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int opt_top(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    (void)opt;
    if (cli_parse_count(arg, 0, &((sopts *)ctx)->top) != 0) {
        snprintf(err, errlen, "--top: '%s' is not a count; use a number (0 for all)", arg);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int opt_width(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    long long v;

    (void)opt;
    if (cli_parse_count(arg, 0, &v) != 0 || v < 40 || v > 1000) {
        snprintf(err, errlen, "--width: '%s' is not accepted; use 40-1000", arg);
        return CLI_USAGE;
    }
    ((sopts *)ctx)->width = (int)v;
    return CLI_OK;
}

static const cli_opt stats_opts[] = {
    { "by", 0, 1, opt_by, CLI_ALL_CMDS, 0 },
    { "top", 0, 1, opt_top, CLI_ALL_CMDS, 0 },
    { "width", 0, 1, opt_width, CLI_ALL_CMDS, 0 },
};

/* Returns CLI_OK, -1 after --help, or an exit code. */
static int parse_args(sopts *o, int argc, char **argv)
{
    cli_opt_group own = { stats_opts, sizeof stats_opts / sizeof stats_opts[0], o, CLI_ALL_CMDS };
    char err[512];
    int rc;

    o->a.formats = cli_text_json_formats;
    o->a.nformats = 2;
    o->a.formats_accepted = "use text or json";
    rc = cli_readargs_parse(&o->a, &own, argc, argv, err, sizeof err);
    return cli_args_report(rc, "stats", err, usage);
}

/* ---------------------------------------------------------------- text */

static void pct(cl_strbuf *b, int64_t share, int64_t whole)
{
    if (whole > 0 && share > 0)
        cl_strbuf_printf(b, " %5.1f%%", 100.0 * (double)share / (double)whole);
}

static void text_levels(cl_strbuf *b, const cli_tally *s)
{
    cl_strbuf_puts(b, "\nBy level:\n");
    for (int l = 0; l < CL_LVL_COUNT; l++) {
        cl_strbuf_printf(b, "  %-10s %12" PRId64, cli_level_name(l), s->level[l]);
        pct(b, s->level[l], s->total);
        cl_strbuf_putc(b, '\n');
    }
}

static int64_t errors_of(const int64_t *level)
{
    return level[0] + level[1] + level[2] + level[3];
}

static void text_top(cl_strbuf *b, const char *what, const char *col, const cli_aggmap *m,
                     long long top, int64_t total)
{
    size_t n, shown;
    cli_agg **v = cli_agg_sorted(m, &n);
    int64_t rest = 0;

    shown = top > 0 && (size_t)top < n ? (size_t)top : n;
    cl_strbuf_printf(b, "\nTop %s (%zu of %zu):\n", what, shown, n);
    cl_strbuf_printf(b, "  %-32s %12s %6s %10s %10s\n", col, "entries", "share", "errors",
                     "warnings");
    for (size_t i = 0; i < n; i++) {
        cl_strbuf name = CL_STRBUF_INIT;

        if (i >= shown) {
            rest += v[i]->total;
            continue;
        }
        if (v[i]->key != NULL)
            cli_esc_name(&name, v[i]->key, v[i]->len); /* a name, as in every line */
        else
            cl_strbuf_putc(&name, '-');
        cl_strbuf_printf(b, "  %-32s %12" PRId64, cl_strbuf_cstr(&name), v[i]->total);
        cl_strbuf_printf(b, " %5.1f%% %10" PRId64 " %10" PRId64 "\n",
                         total ? 100.0 * (double)v[i]->total / (double)total : 0.0,
                         errors_of(v[i]->level), v[i]->level[4]);
        b->oom |= name.oom;
        cl_strbuf_free(&name);
    }
    if (shown < n)
        cl_strbuf_printf(b, "  %-32s %12" PRId64 "\n", "(the others)", rest);
    free(v);
}

static void bucket_label(int64_t start, int unit, int utc, char *out, size_t len)
{
    cli_tm tm;

    cli_time_to_civil(start, utc, &tm);
    if (unit == CLI_UNIT_DAY)
        snprintf(out, len, "%04lld-%02d-%02d", (long long)tm.year, tm.month, tm.day);
    else
        snprintf(out, len, "%04lld-%02d-%02d %02d:%02d", (long long)tm.year, tm.month, tm.day,
                 tm.hour, tm.min);
}

static void zone_name(int64_t at, int utc, char *out, size_t len)
{
    cli_tm tm;
    long a;

    cli_time_to_civil(at, utc, &tm);
    a = (tm.gmtoff < 0 ? -tm.gmtoff : tm.gmtoff) % 86400;
    if (tm.gmtoff == 0)
        snprintf(out, len, "UTC");
    else
        snprintf(out, len, "UTC%c%02ld:%02ld", tm.gmtoff < 0 ? '-' : '+', a / 3600, a / 60 % 60);
}

static void put_blocks(cl_strbuf *b, long n, const char *block, const char *color)
{
    if (n <= 0)
        return;
    cl_strbuf_puts(b, color);
    for (long i = 0; i < n; i++)
        cl_strbuf_puts(b, block);
    if (color[0] != '\0')
        cl_strbuf_puts(b, CLI_COLOR_RESET);
}

/* One bar: errors (red), warnings (yellow), the rest, in proportion. */
static void bar(cl_strbuf *b, const cli_bucket *k, int64_t max, int width, int color,
                const char *block)
{
    long len = max > 0 ? (long)((double)k->total * width / (double)max + 0.5) : 0;
    long err, warn;

    if (k->total > 0 && len == 0)
        len = 1;
    if (!color) {
        put_blocks(b, len, block, "");
        return;
    }
    err = k->total ? (long)((double)errors_of(k->level) * len / (double)k->total + 0.5) : 0;
    warn = k->total ? (long)((double)k->level[4] * len / (double)k->total + 0.5) : 0;
    if (errors_of(k->level) > 0 && err == 0 && len > 1)
        err = 1;
    if (warn > len - err)
        warn = len - err;
    put_blocks(b, err, block, "\033[31m");
    put_blocks(b, warn, block, "\033[33m");
    put_blocks(b, len - err - warn, block, "");
}

static void text_chart(cl_strbuf *b, const cli_bucket *k, long n, int unit, int step,
                       const sopts *o, int color)
{
    char per[32];

    const char *block = cli_terminal_utf8() ? "\xe2\x96\x88" : "#";
    int64_t max = 0;
    int cw, lw = unit == CLI_UNIT_DAY ? 10 : 16, width;
    char label[40], zone[48], num[24];

    for (long i = 0; i < n; i++)
        max = k[i].total > max ? k[i].total : max;
    cw = snprintf(num, sizeof num, "%" PRId64, max);
    width = o->width - 2 - lw - 1 - cw - 1;
    if (width < 10)
        width = 10;
    zone_name(n ? k[0].start : 0, o->a.utc, zone, sizeof zone);
    step_name(unit, step, per, sizeof per);
    cl_strbuf_printf(b, "\nEntries per %s (%s%s):\n", per, zone,
                     color ? "; red: errors and worse, yellow: warnings" : "");
    for (long i = 0; i < n; i++) {
        bucket_label(k[i].start, unit, o->a.utc, label, sizeof label);
        cl_strbuf_printf(b, "  %-*s %*" PRId64, lw, label, cw, k[i].total);
        if (k[i].total > 0) {
            cl_strbuf_putc(b, ' ');
            bar(b, &k[i], max, width, color, block);
        }
        cl_strbuf_putc(b, '\n');
    }
}

static void text_report(cl_strbuf *b, const cli_tally *s, const sopts *o, const cli_bucket *k,
                        long n, int unit, int step, int color)
{
    char a[40], z[40];

    cl_strbuf_printf(b, "%" PRId64 " entries", s->total);
    if (o->a.f.has_since || o->a.f.has_until) {
        cli_time_format_iso(o->a.f.since, o->a.utc, a);
        cli_time_format_iso(o->a.f.until, o->a.utc, z);
        cl_strbuf_printf(
            b, " %s%s%s%s", o->a.f.has_since ? "since " : "", o->a.f.has_since ? a : "",
            o->a.f.has_since && o->a.f.has_until ? ", " : "", o->a.f.has_until ? "before " : "");
        cl_strbuf_puts(b, o->a.f.has_until ? z : "");
    }
    if (s->total > 0) {
        cli_time_format_iso(s->first_ts, o->a.utc, a);
        cli_time_format_iso(s->last_ts, o->a.utc, z);
        cl_strbuf_printf(b, "; first %s, last %s", a, z);
    }
    cl_strbuf_putc(b, '\n');
    if (s->rejected >= 0)
        cl_strbuf_printf(b, "%" PRId64 " lines rejected%s (see centrallog rejects)\n", s->rejected,
                         o->a.f.has_since || o->a.f.has_until ? " in that time" : "");
    if (s->total == 0)
        return;
    text_levels(b, s);
    text_top(b, "apps", "app", &s->apps, o->top, s->total);
    text_top(b, "hosts", "host", &s->hosts, o->top, s->total);
    if (n > 0)
        text_chart(b, k, n, unit, step, o, color);
    else if (n < 0)
        cl_strbuf_printf(b, "\n(no chart: more than %d %ss; narrow -S/-U or use a larger --by)\n",
                         CLI_MAX_BARS, unit_names[unit]);
}

/* ---------------------------------------------------------------- JSON */

static void json_levels(cl_strbuf *b, const int64_t *level)
{
    cl_strbuf_putc(b, '{');
    for (int l = 0; l < CL_LVL_COUNT; l++)
        cl_strbuf_printf(b, "%s\"%s\":%" PRId64, l ? "," : "", cli_level_name(l), level[l]);
    cl_strbuf_putc(b, '}');
}

static void json_time(cl_strbuf *b, const char *name, int has, int64_t us)
{
    char ts[CL_TS_TEXT_LEN + 1];

    if (!has) {
        cl_strbuf_printf(b, ",\"%s\":null", name);
        return;
    }
    cl_rfc3339_format(us, ts);
    cl_strbuf_printf(b, ",\"%s\":\"%s\"", name, ts);
}

static void json_top(cl_strbuf *b, const char *list, const char *key, const cli_aggmap *m,
                     long long top)
{
    size_t n, shown;
    cli_agg **v = cli_agg_sorted(m, &n);

    shown = top > 0 && (size_t)top < n ? (size_t)top : n;
    cl_strbuf_printf(b, ",\"%s_total\":%zu,\"%s\":[", list, n, list);
    for (size_t i = 0; i < shown; i++) {
        cl_strbuf_printf(b, "%s{\"%s\":", i ? "," : "", key);
        if (v[i]->key != NULL)
            cli_esc_json_str(b, v[i]->key, v[i]->len);
        else
            cl_strbuf_puts(b, "null");
        cl_strbuf_printf(b, ",\"count\":%" PRId64 ",\"levels\":", v[i]->total);
        json_levels(b, v[i]->level);
        cl_strbuf_putc(b, '}');
    }
    cl_strbuf_putc(b, ']');
    free(v);
}

static void json_report(cl_strbuf *b, const cli_tally *s, const sopts *o, const cli_bucket *k,
                        long n, int unit, int step)
{
    cl_strbuf_printf(b, "{\"total\":%" PRId64, s->total);
    json_time(b, "since", o->a.f.has_since, o->a.f.since);
    json_time(b, "until", o->a.f.has_until, o->a.f.until);
    json_time(b, "first", s->total > 0, s->first_ts);
    json_time(b, "last", s->total > 0, s->last_ts);
    cl_strbuf_puts(b, ",\"levels\":");
    json_levels(b, s->level);
    json_top(b, "apps", "app", &s->apps, o->top);
    json_top(b, "hosts", "host", &s->hosts, o->top);
    if (s->rejected >= 0)
        cl_strbuf_printf(b, ",\"rejected\":%" PRId64, s->rejected);
    cl_strbuf_printf(
        b, ",\"interval\":\"%s\",\"interval_count\":%d,\"intervals\":", unit_names[unit], step);
    if (n < 0) {
        cl_strbuf_puts(b, "null");
    } else {
        cl_strbuf_putc(b, '[');
        for (long i = 0; i < n; i++) {
            char ts[CL_TS_TEXT_LEN + 1];

            cl_rfc3339_format(k[i].start, ts);
            cl_strbuf_printf(b,
                             "%s{\"start\":\"%s\",\"count\":%" PRId64 ",\"levels\":", i ? "," : "",
                             ts, k[i].total);
            json_levels(b, k[i].level);
            cl_strbuf_putc(b, '}');
        }
        cl_strbuf_putc(b, ']');
    }
    cl_strbuf_puts(b, "}\n");
}

/* ---------------------------------------------------------------- main */

static int terminal_width(void)
{
    int cols = cli_terminal_columns(stdout);

    return cols >= 40 ? cols : 80;
}

/* The chart's range - -S/-U, else the counted rows' first and last - and
 * its bucket: --by, else chosen by the range's length. */
static void chart_grid(const sopts *o, const cli_tally *s, int64_t *lo, int64_t *hi, int *unit,
                       int *step)
{
    *lo = o->a.f.has_since ? o->a.f.since : s->first_ts;
    *hi = o->a.f.has_until ? o->a.f.until : s->last_ts + 1;
    if (!o->a.f.has_until && o->a.f.has_since && s->total == 0)
        *hi = *lo + 1;
    *unit = o->by;
    *step = 1;
    if (*unit < 0)
        cli_tally_auto_step(*lo, *hi, o->a.utc, unit, step);
}

static int report(const sopts *o, cli_tally *s, int color)
{
    cl_strbuf b = CL_STRBUF_INIT;
    cli_bucket *k = NULL;
    int64_t lo, hi;
    int unit, step;
    long n = 0;
    int rc = CLI_OK;

    chart_grid(o, s, &lo, &hi, &unit, &step);
    if (s->total > 0 || o->a.f.has_since) {
        n = cli_tally_buckets(s, lo, hi, unit, step, o->a.utc, &k);
        if (n < 0 && o->by >= 0) {
            rc = cli_fail(CLI_USAGE, "stats",
                          "--by %s: the range needs more than %d bars; narrow -S/-U or use a "
                          "larger --by",
                          unit_names[unit], CLI_MAX_BARS);
            goto out;
        }
    }
    if (o->a.fmt == 1)
        json_report(&b, s, o, k, n, unit, step);
    else
        text_report(&b, s, o, k, n, unit, step, color);
    rc = cli_write_buf(&b, "stats");
out:
    free(k);
    cl_strbuf_free(&b);
    return rc;
}

/* Counts over a catalog's partitions: those whose range f can match, one
 * after the other (each perhaps split across cores), into s. The rejected
 * lines are summed over every partition that holds any. */
static int count_parts(sopts *o, const cli_global *g, cli_pset *ps, cli_tally *s)
{
    const cli_filter *f = &o->a.f;
    char err[512];
    int rejected = cli_tally_time_only(f);

    s->rejected = rejected ? 0 : -1;
    cli_pset_live_ranges(ps);
    for (size_t i = 0; i < ps->parts.n; i++) {
        const cl_part *p = &ps->parts.v[i];
        int want_rows = cli_part_overlaps(p, f);
        int want_rejects = rejected && cli_part_has_rejects(p, f);
        cli_tally t;
        cli_db db;
        int64_t n;

        if ((!want_rows && !want_rejects) || cli_pset_open(ps, i, &db) != 0)
            continue;
        memset(&t, 0, sizeof t);
        t.use_rollup = o->rollup;
        if (want_rows && (cli_filter_prepare(&o->a.f, db.h, err, sizeof err) != 0 ||
                          cli_tally_count(g, p, db.h, f, &t, err, sizeof err) != CLI_OK)) {
            cli_pset_failed(ps, i, err);
        } else if (want_rejects && (n = cli_tally_rejects(db.h, f)) < 0) {
            cli_pset_failed(ps, i, "counting its rejected lines failed");
        } else {
            cli_tally_merge(s, &t);
            if (want_rejects)
                s->rejected += n;
        }
        cli_tally_free(&t);
        cli_db_close(&db);
    }
    if (s->apps.oom || s->hosts.oom || s->minutes.oom || s->rolled.oom)
        return cli_fail(CLI_FAILED, "stats", "out of memory");
    return CLI_OK;
}

/* --explain over a catalog: the tally's statement for a partition. */
static void explain_sql(void *ctx, const cli_db *db, cli_sql *q)
{
    const sopts *o = ctx;

    cli_tally_part_sql(db->h, &o->a.f, o->rollup, q);
}

/* A little beyond the newest ts the collector accepts: its --max-ts-ahead
 * default. */
#define TS_AHEAD_US (600 * 1000000LL)

/* Whether the counts per hour may serve this chart, as far as is known
 * before counting: never for minute buckets. Without --by, -S gives the
 * bucket: the range to -U, else to now (and a little beyond), is at least
 * as long as the chart's, and a longer range never picks a smaller bucket.
 * Saying no is never wrong, only slower; `stats -S today` would otherwise
 * read the counts and then the rows again. */
static int rollup_wanted(const sopts *o)
{
    int unit = o->by, step;

    if (unit < 0 && o->a.f.has_since)
        cli_tally_auto_step(o->a.f.since,
                            o->a.f.has_until ? o->a.f.until : cl_now_us() + TS_AHEAD_US, o->a.utc,
                            &unit, &step);
    return unit != CLI_UNIT_MINUTE;
}

/* Counts over a catalog; again row by row when an hour read from a rollup
 * straddles two buckets of the chart (minute buckets chosen by the rows'
 * range, a zone whose offset is not whole hours): the output never depends
 * on how it was counted. */
static int count_catalog(sopts *o, const cli_global *g, cli_pset *ps, cli_tally *s)
{
    int64_t lo, hi;
    int unit, step, rc;

    rc = count_parts(o, g, ps, s);
    if (rc != CLI_OK || s->rolled.n == 0)
        return rc;
    chart_grid(o, s, &lo, &hi, &unit, &step);
    if (cli_tally_fits(s, unit, o->a.utc))
        return rc;
    cli_tally_free(s);
    memset(s, 0, sizeof *s);
    o->rollup = 0;
    return count_parts(o, g, ps, s);
}

static int run(sopts *o, const cli_global *g)
{
    cli_pset ps;
    cli_sql q = CLI_SQL_INIT;
    cli_tally s;
    char err[512];
    int rc, color = cli_color_wanted(g->color, stdout);

    memset(&s, 0, sizeof s);
    /* Width and colours are the terminal's, read before a pager takes
     * stdout. */
    if (o->width == 0)
        o->width = terminal_width();
    cli_report_quiet(o->a.quiet);
    if ((rc = cli_open_pset(g, "stats", &ps)) != CLI_OK)
        return rc;
    if (!g->no_pager)
        cli_pager_open(0);
    if (cli_pset_is_catalog(&ps)) {
        o->rollup = rollup_wanted(o);
        if (cli_filter_compile(&o->a.f, ps.top.h, err, sizeof err) != 0)
            rc = cli_fail(CLI_USAGE, "stats", "%s", err);
        else if (o->a.explain)
            rc = cli_explain_parts(&ps, &o->a.f, explain_sql, o, "stats");
        else
            rc = count_catalog(o, g, &ps, &s);
        if (rc != CLI_OK || o->a.explain)
            goto out;
    } else {
        if (cli_filter_prepare(&o->a.f, ps.top.h, err, sizeof err) != 0) {
            rc = cli_fail(CLI_USAGE, "stats", "%s", err);
            goto out;
        }
        if (o->a.explain) {
            cli_tally_sql(&o->a.f, &q);
            rc = cli_explain(ps.top.h, &q, "stats");
            goto out;
        }
        if (cli_tally_count(g, NULL, ps.top.h, &o->a.f, &s, err, sizeof err) != CLI_OK) {
            rc = cli_fail(CLI_FAILED, "stats", "%s", err);
            goto out;
        }
        s.rejected = cli_tally_time_only(&o->a.f) ? cli_tally_rejects(ps.top.h, &o->a.f) : -1;
    }
    rc = cli_pset_exit(&ps, report(o, &s, color));
out:
    cli_tally_free(&s);
    cli_sql_free(&q);
    cli_pset_free(&ps);
    return rc;
}

int cmd_stats(const cli_global *g, int argc, char **argv)
{
    sopts o;
    int rc;

    memset(&o, 0, sizeof o);
    cli_readargs_init(&o.a, CLI_READ_STATS);
    o.by = -1;
    o.top = 10;
    rc = parse_args(&o, argc, argv);
    if (rc == CLI_OK)
        rc = run(&o, g);
    else if (rc < 0)
        rc = CLI_OK;
    cli_readargs_free(&o.a);
    return rc;
}
