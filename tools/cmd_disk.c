/* cmd_disk.c - `centrallog disk-usage`, journalctl --disk-usage's
 * counterpart: every partition of the catalog (its file, time range,
 * entries, bytes, state and full-text state), the text log files next to
 * the catalog (centrallog.log and its rotations, .gz included) and the
 * total. A live or sealing partition has no counts in the catalog: they are
 * read from the file (one scan of a partition bounded by --db-rotate-size). */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "db.h"
#include "escape.h"
#include "ctl.h"
#include "fsutil.h"
#include "partset.h"
#include "report.h"
#include "textfiles.h"
#include "timearg.h"
#include "timefmt.h"

typedef struct dopts {
    int json, utc;
} dopts;

typedef struct du_part {
    const char *path;
    const char *state, *fts;
    int has_range;
    int64_t first_ts, last_ts, entries, bytes;
} du_part;

typedef struct du_file {
    char *path;
    int64_t bytes;
} du_file;

/* The limits of the collector writing this data, when one answers on the
 * address and reports this very database (by file identity). */
typedef struct du_limits {
    int known;
    long long pid;
    double max_disk, keep_free, max_age_s;
} du_limits;

static void collector_limits(const cli_global *g, const char *db_path, du_limits *l)
{
    cJSON *j = cli_ctl_stats_quiet(g, 500);
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(j, "db_path");
    cl_file_id a, b;

    memset(l, 0, sizeof *l);
    if (j != NULL && cJSON_IsString(path) && cl_file_id_path(path->valuestring, &a) == 0 &&
        cl_file_id_path(db_path, &b) == 0 && a.dev == b.dev && a.ino == b.ino &&
        cJSON_GetObjectItemCaseSensitive(j, "max_disk") != NULL) {
        l->known = 1;
        l->pid = (long long)cJSON_GetObjectItemCaseSensitive(j, "pid")->valuedouble;
        l->max_disk = cJSON_GetObjectItemCaseSensitive(j, "max_disk")->valuedouble;
        l->keep_free = cJSON_GetObjectItemCaseSensitive(j, "keep_free")->valuedouble;
        l->max_age_s = cJSON_GetObjectItemCaseSensitive(j, "max_age_s")->valuedouble;
    }
    cJSON_Delete(j);
}

static void usage(FILE *f)
{
    fprintf(
        f, "Usage: centrallog disk-usage [OPTIONS]\n\n"
           "Lists what the collector's data takes on disk: every partition of the\n"
           "database (its file, first and last entry time, entries, bytes, state: live,\n"
           "sealing or closed, and full-text index: none, partial or complete), the text\n"
           "log files next to it (centrallog.log and its rotations, .gz included), and\n"
           "the total. --db names the catalog (centrallog.db) or a single database.\n\n"
           "Options:\n"
           "  -o, --output FMT     text (default) or json:\n"
           "                       {\"partitions\":[{\"path\",\"first_ts\",\"last_ts\",\n"
           "                       \"entries\",\"bytes\",\"state\",\"fts\"},...],\n"
           "                       \"text_files\":[{\"path\",\"bytes\"},...],\"total_bytes\"}\n"
           "                       and, when the collector writing this data answers on\n"
           "                       the address, \"limits\":{\"max_disk\",\"keep_free\",\n"
           "                       \"max_age_s\"} (bytes and seconds in force; 0: none)\n"
           "                       with times in RFC 3339 UTC, microseconds, as query -o json\n"
           "                       (null for a partition without entries)\n"
           "      --utc            text: show times in UTC instead of local time\n"
           "  -h, --help           this help\n\n"
           "bytes counts a partition's file and its -wal file; total_bytes is the sum of\n"
           "all partitions and text files.\n\n"
           "Examples:\n"
           "  centrallog disk-usage\n"
           "  centrallog disk-usage -o json | jq '.partitions[] | select(.state == \"closed\")'\n\n"
           "Exit status: 0 done, 1 the database cannot be read, 2 bad usage, 4 some\n"
           "partition could not be read (named on stderr; listed without counts).\n");
}

static int opt_utc(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    (void)opt;
    (void)arg;
    (void)err;
    (void)errlen;
    ((dopts *)ctx)->utc = 1;
    return CLI_OK;
}

static int64_t file_bytes(const char *path)
{
    cl_file_id sb;

    return cl_file_id_path(path, &sb) == 0 ? (int64_t)sb.size : 0;
}

/* A file's bytes with its -wal (a live partition's recent rows). */
static int64_t db_bytes(const char *path)
{
    char wal[4200];

    snprintf(wal, sizeof wal, "%s-wal", path);
    return file_bytes(path) + file_bytes(wal);
}

/* Counts and range from the file itself: live, sealing or single. */
static int scan_counts(cli_db *db, du_part *d)
{
    sqlite3_stmt *st = NULL;
    int rc =
        sqlite3_prepare_v2(db->h, "SELECT count(*), min(ts), max(ts) FROM entries", -1, &st, NULL);

    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        d->entries = sqlite3_column_int64(st, 0);
        d->has_range = d->entries > 0;
        d->first_ts = sqlite3_column_int64(st, 1);
        d->last_ts = sqlite3_column_int64(st, 2);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* The full-text state of a single database: complete when its index
 * reaches its last entry. */
static const char *single_fts(cli_db *db)
{
    sqlite3_stmt *st = NULL;
    const char *s = "none";

    if (sqlite3_prepare_v2(db->h,
                           "SELECT coalesce((SELECT value FROM meta WHERE key = "
                           "'fts_indexed_upto'), 0), (SELECT coalesce(max(id), 0) FROM entries)",
                           -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        int64_t upto = sqlite3_column_int64(st, 0), max = sqlite3_column_int64(st, 1);

        s = upto >= max ? "complete" : upto > 0 ? "partial" : "none";
    }
    sqlite3_finalize(st);
    return s;
}

static const char *const state_names[] = { "live", "sealing", "closed", "deleting" };

/* The catalog's fts column of partition seq. */
static const char *part_fts(cli_pset *ps, int64_t seq)
{
    static const char *const names[] = { "none", "partial", "complete" };
    sqlite3_stmt *st = NULL;
    const char *s = "none";

    if (sqlite3_prepare_v2(ps->top.h, "SELECT fts FROM partitions WHERE seq = ?1", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_bind_int64(st, 1, seq) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        int i = v != NULL ? cli_parse_choice(v, names, 3) : -1;

        s = i >= 0 ? names[i] : "none";
    }
    sqlite3_finalize(st);
    return s;
}

static void part_of_catalog(cli_pset *ps, size_t i, du_part *d)
{
    const cl_part *p = &ps->parts.v[i];
    cli_db db;

    memset(d, 0, sizeof *d);
    d->path = p->path;
    d->state = state_names[p->state];
    d->fts = part_fts(ps, p->seq);
    d->bytes = db_bytes(p->path);
    d->entries = -1;
    if (p->state == CL_PART_CLOSED && p->entries >= 0) {
        d->entries = p->entries;
        d->has_range = p->has_range && p->entries > 0;
        d->first_ts = p->min_ts;
        d->last_ts = p->max_ts;
        return;
    }
    if (cli_pset_open(ps, i, &db) != 0)
        return;
    if (scan_counts(&db, d) != SQLITE_OK) {
        char why[600];

        snprintf(why, sizeof why, "reading it failed (%s)", sqlite3_errmsg(db.h));
        cli_pset_failed(ps, i, why);
    }
    cli_db_close(&db);
}

/* ---------------------------------------------------------------- text files */

/* The text files with their sizes, in rotation order (textfiles.h). */
static void text_files(const char *catalog, du_file **out, size_t *n)
{
    cli_textfile *t;
    size_t nt;

    *out = NULL;
    *n = 0;
    cli_text_files(catalog, &t, &nt);
    if (nt > 0 && (*out = calloc(nt, sizeof **out)) != NULL) {
        for (size_t i = 0; i < nt; i++) {
            (*out)[i].path = t[i].path; /* now ours */
            (*out)[i].bytes = file_bytes(t[i].path);
            t[i].path = NULL;
        }
        *n = nt;
    }
    cli_text_files_free(t, nt);
}

/* ---------------------------------------------------------------- report */

static void json_time(cl_strbuf *b, int has, int64_t us)
{
    char t[64];

    if (!has) {
        cl_strbuf_puts(b, "null");
        return;
    }
    cl_rfc3339_format(us, t);
    cl_strbuf_printf(b, "\"%s\"", t);
}

static void json_report(cl_strbuf *b, const du_part *p, size_t np, const du_file *t, size_t nt,
                        int64_t total, const du_limits *l)
{
    cl_strbuf_puts(b, "{\"partitions\":[");
    for (size_t i = 0; i < np; i++) {
        cl_strbuf_puts(b, i ? ",{\"path\":" : "{\"path\":");
        cli_esc_json_str(b, p[i].path, strlen(p[i].path));
        cl_strbuf_puts(b, ",\"first_ts\":");
        json_time(b, p[i].has_range, p[i].first_ts);
        cl_strbuf_puts(b, ",\"last_ts\":");
        json_time(b, p[i].has_range, p[i].last_ts);
        if (p[i].entries >= 0)
            cl_strbuf_printf(b, ",\"entries\":%lld", (long long)p[i].entries);
        else
            cl_strbuf_puts(b, ",\"entries\":null");
        cl_strbuf_printf(b, ",\"bytes\":%lld,\"state\":\"%s\",\"fts\":\"%s\"}",
                         (long long)p[i].bytes, p[i].state, p[i].fts);
    }
    cl_strbuf_puts(b, "],\"text_files\":[");
    for (size_t i = 0; i < nt; i++) {
        cl_strbuf_puts(b, i ? ",{\"path\":" : "{\"path\":");
        cli_esc_json_str(b, t[i].path, strlen(t[i].path));
        cl_strbuf_printf(b, ",\"bytes\":%lld}", (long long)t[i].bytes);
    }
    cl_strbuf_printf(b, "],\"total_bytes\":%lld", (long long)total);
    if (l->known)
        cl_strbuf_printf(b, ",\"limits\":{\"max_disk\":%.0f,\"keep_free\":%.0f,\"max_age_s\":%.0f}",
                         l->max_disk, l->keep_free, l->max_age_s);
    cl_strbuf_puts(b, "}\n");
}

static void human(char *out, size_t n, int64_t bytes)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    double v = (double)bytes;
    int u = 0;

    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, n, "%lld B", (long long)bytes);
    else
        snprintf(out, n, "%.1f %s", v, units[u]);
}

static void text_limits(cl_strbuf *b, const du_limits *l, int64_t total)
{
    char h[32];

    if (!l->known)
        return;
    cl_strbuf_printf(b, "Limits of the collector (pid %lld): max-disk ", l->pid);
    if (l->max_disk > 0) {
        human(h, sizeof h, (int64_t)l->max_disk);
        cl_strbuf_printf(b, "%s (%.0f%% used)", h, 100.0 * (double)total / l->max_disk);
    } else {
        cl_strbuf_puts(b, "off");
    }
    cl_strbuf_puts(b, ", keep-free ");
    if (l->keep_free > 0) {
        human(h, sizeof h, (int64_t)l->keep_free);
        cl_strbuf_puts(b, h);
    } else {
        cl_strbuf_puts(b, "off");
    }
    if (l->max_age_s > 0)
        cl_strbuf_printf(b, ", max-age %.0f s.\n", l->max_age_s);
    else
        cl_strbuf_puts(b, ", max-age off.\n");
}

static void text_report(cl_strbuf *b, const du_part *p, size_t np, const du_file *t, size_t nt,
                        int64_t total, int utc)
{
    char h[32], t1[40], t2[40];

    cl_strbuf_printf(b, "%-8s %-9s %10s %10s  %-19s  %-19s  %s\n", "STATE", "FTS", "ENTRIES",
                     "SIZE", "FIRST", "LAST", "PATH");
    for (size_t i = 0; i < np; i++) {
        char e[24];

        human(h, sizeof h, p[i].bytes);
        if (p[i].entries >= 0)
            snprintf(e, sizeof e, "%lld", (long long)p[i].entries);
        else
            snprintf(e, sizeof e, "?");
        if (p[i].has_range) {
            cli_time_format_short(p[i].first_ts, utc, t1);
            cli_time_format_short(p[i].last_ts, utc, t2);
        } else {
            snprintf(t1, sizeof t1, "-");
            snprintf(t2, sizeof t2, "-");
        }
        cl_strbuf_printf(b, "%-8s %-9s %10s %10s  %-19s  %-19s  ", p[i].state, p[i].fts, e, h, t1,
                         t2);
        cli_esc_text(b, p[i].path, strlen(p[i].path));
        cl_strbuf_putc(b, '\n');
    }
    if (nt > 0)
        cl_strbuf_puts(b, "\nText files:\n");
    for (size_t i = 0; i < nt; i++) {
        human(h, sizeof h, t[i].bytes);
        cl_strbuf_printf(b, "%10s  ", h);
        cli_esc_text(b, t[i].path, strlen(t[i].path));
        cl_strbuf_putc(b, '\n');
    }
    human(h, sizeof h, total);
    cl_strbuf_printf(b, "\nTotal: %s (%lld bytes) in %zu partition%s and %zu text file%s.\n", h,
                     (long long)total, np, np == 1 ? "" : "s", nt, nt == 1 ? "" : "s");
}

static int run(const dopts *o, const cli_global *g)
{
    cli_pset ps;
    du_part *parts = NULL;
    du_file *texts = NULL;
    size_t np = 0, nt = 0;
    int64_t total = 0;
    cl_strbuf b = CL_STRBUF_INIT;
    du_limits lim;
    int rc;

    if ((rc = cli_open_pset(g, "disk-usage", &ps)) != CLI_OK)
        return rc;
    np = cli_pset_is_catalog(&ps) ? ps.parts.n : 1;
    if ((parts = calloc(np ? np : 1, sizeof *parts)) == NULL) {
        rc = cli_fail(CLI_FAILED, "disk-usage", "out of memory");
        goto out;
    }
    if (cli_pset_is_catalog(&ps)) {
        for (size_t i = 0; i < np; i++)
            part_of_catalog(&ps, i, &parts[i]);
    } else {
        parts[0].path = ps.top.path;
        parts[0].state = "single";
        parts[0].fts = single_fts(&ps.top);
        parts[0].bytes = db_bytes(ps.top.path);
        parts[0].entries = -1;
        scan_counts(&ps.top, &parts[0]);
    }
    text_files(ps.top.path, &texts, &nt);
    for (size_t i = 0; i < np; i++)
        total += parts[i].bytes;
    for (size_t i = 0; i < nt; i++)
        total += texts[i].bytes;
    collector_limits(g, ps.top.path, &lim);
    if (o->json) {
        json_report(&b, parts, np, texts, nt, total, &lim);
    } else {
        text_report(&b, parts, np, texts, nt, total, o->utc);
        text_limits(&b, &lim, total);
    }
    rc = cli_pset_exit(&ps, cli_write_buf(&b, "disk-usage"));
out:
    for (size_t i = 0; i < nt; i++)
        free(texts[i].path);
    free(texts);
    free(parts);
    cl_strbuf_free(&b);
    cli_pset_free(&ps);
    return rc;
}

static const cli_opt disk_opts[] = {
    { "output", 'o', 1, cli_opt_text_json, CLI_ALL_CMDS, offsetof(dopts, json) },
    { "utc", 0, 0, opt_utc, CLI_ALL_CMDS, 0 },
    { "help", 'h', 0, cli_opt_help, CLI_ALL_CMDS, 0 },
};

int cmd_disk_usage(const cli_global *g, int argc, char **argv)
{
    dopts o;
    cli_opt_group grp = { disk_opts, sizeof disk_opts / sizeof disk_opts[0], &o, CLI_ALL_CMDS };
    char err[512];
    int rc;

    memset(&o, 0, sizeof o);
    rc = cli_args_parse(&grp, 1, CLI_ARGS_NO_OPERANDS, argc, argv, NULL, err, sizeof err);
    if ((rc = cli_args_report(rc, "disk-usage", err, usage)) != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    return run(&o, g);
}
