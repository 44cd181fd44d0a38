/* cmd_verify.c - `centrallog verify`, journalctl --verify's counterpart:
 * after a crash, a full disk, a restore or a suspicion, checks that the
 * stored logs are whole, one line per file (PASS path / FAIL path: what).
 *
 * Read-only throughout: every file is opened mode=ro (closed partitions
 * immutable=1, as the readers do), the CLI never takes a write lock, and a
 * live or sealing partition is checked inside one read transaction - a WAL
 * snapshot that never blocks the collector's writer. FTS5's integrity-check
 * is an INSERT, refused on a read-only connection: the index's shadow
 * tables are copied into the connection's temp schema (temp_store FILE)
 * under an FTS5 table of the same shape whose content is a temp view of
 * the partition's entries, and that table is checked. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "args.h"
#include "attr.h"
#include "cli.h"
#include "db.h"
#include "escape.h"
#include "fsutil.h"
#include "platform.h"
#include "report.h"
#include "strbuf.h"
#include "textfiles.h"

typedef struct vopts {
    int json, quiet, quick;
} vopts;

/* The run: its output and tallies. */
typedef struct vrun {
    const vopts *o;
    cl_strbuf out;
    size_t checked, failed;
    int first_json;
} vrun;

/* One file's problems, "; "-separated. */
typedef struct vfile {
    cl_strbuf why;
    const char *note; /* said after PASS: "live partition: a snapshot" */
} vfile;

static void usage(FILE *f)
{
    fprintf(f, "Usage: centrallog verify [OPTIONS]\n\n"
               "Checks that the stored logs are whole, as journalctl --verify: the catalog\n"
               "(SQLite integrity, a CentralLog catalog of a version this reads), every\n"
               "partition it lists (a regular file, not a link, with the catalog's owner;\n"
               "SQLite integrity; its kind and first ids as the catalog says; its ids and\n"
               "counts inside the catalog's range and, when closed, equal to the catalog's\n"
               "counts; no overlap and no gap between partitions; a sealed partition's\n"
               "full-text indexes pass FTS5's integrity-check and its counts per hour\n"
               "equal its entries'), files in the partitions' folder the catalog does not\n"
               "list (reported, never removed), and the text files next to the catalog\n"
               "(each .gz decompresses whole; plain ones read). One line a file:\n"
               "\"PASS path\" or \"FAIL path: what is wrong\", then a summary.\n\n"
               "Everything is opened read-only; safe while the collector writes: the live\n"
               "partition is checked as a snapshot (one read transaction), said on its line.\n"
               "Ids before the first partition were removed by retention (said in the\n"
               "summary).\n\n"
               "Options:\n"
               "  -q, --quiet          print only the failures (no PASS lines, no summary)\n"
               "      --quick          PRAGMA quick_check instead of integrity_check (faster:\n"
               "                       no index against table cross-check)\n"
               "  -o, --output FMT     text (default) or json: {\"files\":[{\"path\",\"kind\",\n"
               "                       \"ok\",\"problem\"},...],\"checked\",\"failed\",\n"
               "                       \"first_id\"} (problem null when ok)\n"
               "  -h, --help           this help\n\n"
               "Progress (partition N of M) goes to standard error when it is a terminal.\n\n"
               "Examples:\n"
               "  centrallog verify\n"
               "  centrallog verify -q --db /var/lib/centrallog/centrallog.db\n\n"
               "Exit status: 0 every check passed, 1 some check failed or the database\n"
               "cannot be opened at all (said on stderr), 2 bad usage.\n");
}

static int opt_flag(void *ctx, const cli_opt *opt, const char *arg, char *err, size_t errlen)
{
    (void)arg;
    (void)err;
    (void)errlen;
    *(int *)((char *)ctx + opt->data) = 1;
    return CLI_OK;
}

/* ---------------------------------------------------------------- output */

static void problem(vfile *f, const char *fmt, ...) CL_PRINTF_LIKE(2, 3);

static void problem(vfile *f, const char *fmt, ...)
{
    char line[1200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (f->why.len > 0)
        cl_strbuf_puts(&f->why, "; ");
    cl_strbuf_puts(&f->why, line);
}

/* Prints a file's line and counts it; frees its problems. */
static void report(vrun *r, const char *path, const char *kind, vfile *f)
{
    int ok = f->why.len == 0;

    r->checked++;
    r->failed += !ok;
    if (r->o->json) {
        cl_strbuf_puts(&r->out, r->first_json ? "{\"path\":" : ",{\"path\":");
        r->first_json = 0;
        cli_esc_json_str(&r->out, path, strlen(path));
        cl_strbuf_printf(&r->out, ",\"kind\":\"%s\",\"ok\":%s,\"problem\":", kind,
                         ok ? "true" : "false");
        if (ok)
            cl_strbuf_puts(&r->out, "null");
        else
            cli_esc_json_str(&r->out, f->why.p, f->why.len);
        if (f->note != NULL)
            cl_strbuf_puts(&r->out, ",\"snapshot\":true");
        cl_strbuf_putc(&r->out, '}');
    } else if (!ok || !r->o->quiet) {
        cl_strbuf_puts(&r->out, ok ? "PASS " : "FAIL ");
        cli_esc_text(&r->out, path, strlen(path));
        if (!ok) {
            cl_strbuf_puts(&r->out, ": ");
            cli_esc_text(&r->out, f->why.p, f->why.len);
        } else if (f->note != NULL) {
            cl_strbuf_printf(&r->out, " (%s)", f->note);
        }
        cl_strbuf_putc(&r->out, '\n');
    }
    cl_strbuf_free(&f->why);
    memset(f, 0, sizeof *f);
}

static void progress(size_t i, size_t n)
{
    if (!cli_is_terminal(stderr))
        return;
    if (i < n)
        fprintf(stderr, "\rverify: partition %zu of %zu", i + 1, n);
    else
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

/* ---------------------------------------------------------------- SQLite */

/* PRAGMA integrity_check / quick_check: the first message and how many. */
static void integrity(sqlite3 *h, int quick, vfile *f)
{
    sqlite3_stmt *st = NULL;
    char first[600] = "";
    long n = 0;
    int rc = sqlite3_prepare_v2(h, quick ? "PRAGMA quick_check" : "PRAGMA integrity_check", -1, &st,
                                NULL);

    while ((rc == SQLITE_OK || rc == SQLITE_ROW) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *m = (const char *)sqlite3_column_text(st, 0);

        if (m != NULL && strcmp(m, "ok") != 0 && n++ == 0)
            snprintf(first, sizeof first, "%s", m);
    }
    if (rc != SQLITE_DONE)
        problem(f, "%s failed: %s", quick ? "quick_check" : "integrity_check", sqlite3_errmsg(h));
    else if (n > 0)
        problem(f, "%s: %s%s", quick ? "quick_check" : "integrity_check", first,
                n > 1 ? " (and more)" : "");
    sqlite3_finalize(st);
}

/* meta's value for key as an integer; 0 when absent (*found 0). */
static int64_t meta_int(sqlite3 *h, const char *key, int *found)
{
    sqlite3_stmt *st = NULL;
    int64_t v = 0;

    *found = 0;
    if (sqlite3_prepare_v2(h, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        *found = 1;
        v = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return v;
}

static int meta_is(sqlite3 *h, const char *key, const char *want)
{
    sqlite3_stmt *st = NULL;
    int same = 0;

    if (sqlite3_prepare_v2(h, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);

        same = v != NULL && strcmp(v, want) == 0;
    }
    sqlite3_finalize(st);
    return same;
}

static int has_table(sqlite3 *h, const char *name)
{
    long long n = 0;
    char sql[200];

    snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_schema WHERE name = '%s'", name);
    return cl_db_query_int(h, sql, &n) == SQLITE_OK && n > 0;
}

/* FTS5's integrity-check (with rank 1: the index against the content too)
 * of the external-content index name over entries, on a copy of its shadow
 * tables in temp (see the top of the file). */
static void fts_check(sqlite3 *h, const char *name, const char *options, vfile *f)
{
    static const char *const shadows[] = { "data", "idx", "docsize", "config" };
    char sql[1024];
    char *msg = NULL;
    int rc;

    snprintf(sql, sizeof sql,
             "CREATE TEMP VIEW cl_vfy_content AS SELECT id, msg FROM main.entries;"
             "CREATE VIRTUAL TABLE temp.cl_vfy USING fts5(msg, content = 'cl_vfy_content', "
             "content_rowid = 'id'%s);",
             options);
    rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    for (size_t i = 0; rc == SQLITE_OK && i < sizeof shadows / sizeof shadows[0]; i++) {
        /* detail=none has no docsize table. */
        char src[100];

        snprintf(src, sizeof src, "%s_%s", name, shadows[i]);
        if (!has_table(h, src))
            continue;
        snprintf(sql, sizeof sql,
                 "DELETE FROM temp.cl_vfy_%s; INSERT INTO temp.cl_vfy_%s SELECT * FROM main.%s;",
                 shadows[i], shadows[i], src);
        rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(h, "INSERT INTO temp.cl_vfy (cl_vfy, rank) VALUES ('integrity-check', 1)",
                          NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        problem(f, "%s: FTS5 integrity-check failed (%s)", name, msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    sqlite3_exec(h, "DROP TABLE IF EXISTS temp.cl_vfy; DROP VIEW IF EXISTS temp.cl_vfy_content;",
                 NULL, NULL, NULL);
}

/* rollup_hour against the counts per hour the entries give now. */
static void rollup_check(sqlite3 *h, vfile *f)
{
    long long n = 0;
    int rc = cl_db_query_int(
        h,
        "WITH e AS (SELECT ts - (ts % 3600000000 + 3600000000) % 3600000000, level, app, host, "
        "count(*), min(ts), max(ts) FROM entries GROUP BY 1, 2, 3, 4), "
        "r AS (SELECT start, level, app, host, n, min_ts, max_ts FROM rollup_hour) "
        "SELECT (SELECT count(*) FROM (SELECT * FROM e EXCEPT SELECT * FROM r)) + "
        "(SELECT count(*) FROM (SELECT * FROM r EXCEPT SELECT * FROM e))",
        &n);

    if (rc != SQLITE_OK)
        problem(f, "rollup_hour cannot be compared: %s", sqlite3_errmsg(h));
    else if (n > 0)
        problem(f, "rollup_hour: %lld row%s differ from the entries' counts per hour", n,
                n == 1 ? "" : "s");
}

/* ---------------------------------------------------------------- partitions */

typedef struct vrange {
    int64_t count, min, max;
} vrange;

static int scan_range(sqlite3 *h, const char *table, vrange *v)
{
    sqlite3_stmt *st = NULL;
    char sql[200];
    int rc;

    snprintf(sql, sizeof sql,
             "SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM %s NOT INDEXED",
             table);
    rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        v->count = sqlite3_column_int64(st, 0);
        v->min = sqlite3_column_int64(st, 1);
        v->max = sqlite3_column_int64(st, 2);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Ids of what (entries or rejects) inside [first, last] (last < 0: open);
 * when count >= 0 (closed), the count too. */
static void range_check(vfile *f, const char *what, const vrange *v, int64_t first, int64_t last,
                        int64_t count)
{
    if (v->count > 0 && v->min < first)
        problem(f, "%s id %lld is below the catalog's first id %lld", what, (long long)v->min,
                (long long)first);
    if (v->count > 0 && last >= 0 && v->max > last)
        problem(f, "%s id %lld is above the catalog's last id %lld", what, (long long)v->max,
                (long long)last);
    if (count >= 0 && v->count != count)
        problem(f, "%lld %s, the catalog says %lld", (long long)v->count, what, (long long)count);
}

/* The checks inside a partition's file, open at db. */
static void part_content(const vopts *o, cli_db *db, const cl_part *p, vfile *f)
{
    int found, sealed;
    vrange e, r;

    integrity(db->h, o->quick, f);
    if (!meta_is(db->h, "kind", "partition")) {
        problem(f, "its meta kind is not 'partition'");
        return;
    }
    if (meta_int(db->h, "first_id", &found) != p->first_id || !found)
        problem(f, "its first_id is not the catalog's %lld", (long long)p->first_id);
    if (meta_int(db->h, "first_reject", &found) != p->first_reject || !found)
        problem(f, "its first_reject is not the catalog's %lld", (long long)p->first_reject);
    sealed = meta_int(db->h, "sealed", &found) == 1;
    if (p->state == CL_PART_CLOSED && !sealed)
        problem(f, "the catalog says closed but the file is not sealed");
    if (p->state == CL_PART_LIVE && sealed)
        problem(f, "the catalog says live but the file is sealed");
    if (scan_range(db->h, "entries", &e) != SQLITE_OK ||
        scan_range(db->h, "rejects", &r) != SQLITE_OK) {
        problem(f, "its ids cannot be read: %s", sqlite3_errmsg(db->h));
        return;
    }
    range_check(f, "entries", &e, p->first_id, p->last_id,
                p->state == CL_PART_CLOSED ? p->entries : -1);
    range_check(f, "rejects", &r, p->first_reject, p->last_reject,
                p->state == CL_PART_CLOSED ? p->rejects : -1);
    if (!sealed)
        return;
    if (meta_int(db->h, "fts_indexed_upto", &found) > 0 && has_table(db->h, "entries_fts_data"))
        fts_check(db->h, "entries_fts", "", f);
    if (meta_int(db->h, "tri_indexed_upto", &found), found)
        fts_check(db->h, "entries_tri", ", tokenize = 'trigram', detail = none", f);
    if (meta_int(db->h, CL_DB_ROLLUP_KEY, &found), found)
        rollup_check(db->h, f);
}

/* The file itself: present, regular, not a link, the catalog's owner.
 * Returns 0 when it may be opened. */
static int part_file(const cl_part *p, long long owner, vfile *f)
{
    long long o;
    int k = cli_file_kind(p->path, &o);

    if (k == CLI_FK_MISSING) {
        problem(f, "is missing (the catalog lists it, %s)", cl_part_state_name(p->state));
        return -1;
    }
    if (k < 0) {
        problem(f, "cannot be examined: %s", strerror(errno));
        return -1;
    }
    if (k == CLI_FK_LINK) {
        problem(f, "is a symbolic link, not a regular file (not followed)");
        return -1;
    }
    if (k == CLI_FK_OTHER) {
        problem(f, "is not a regular file");
        return -1;
    }
    if (owner >= 0 && o != owner)
        problem(f, "belongs to uid %lld, the catalog to uid %lld", o, owner);
    return 0;
}

/* What became of partition seq since the listing, when its file is gone:
 * the keeper sealed it (S3, S4: another path) or retention removed it.
 * Returns 1 with *now (to free) when it has a new file, 0 when it is gone
 * or being deleted, -1 when the catalog still names the same file. */
static int moved(sqlite3 *top, const char *catalog, const cl_part *p, cl_part_list *now, size_t *at)
{
    char err[600];

    if (cl_catalog_list_all(top, catalog, 1, now, err, sizeof err) != 0)
        return -1;
    for (size_t i = 0; i < now->n; i++) {
        if (now->v[i].seq != p->seq)
            continue;
        *at = i;
        if (now->v[i].state == CL_PART_DELETING)
            return 0;
        return strcmp(now->v[i].rel, p->rel) != 0 ? 1 : -1;
    }
    return 0;
}

/* The file's checks, open at db. */
static void part_open(vrun *r, const cl_part *p, vfile *f)
{
    char err[600];
    cli_db db;

    if (cli_db_open_part(&db, p, err, sizeof err) != CLI_OK) {
        problem(f, "%s", err);
        return;
    }
    /* Large sorts and the FTS copies spill to a file, not memory; temp may
     * be written (the connection itself is read-only). */
    sqlite3_exec(db.h, "PRAGMA temp_store = FILE; PRAGMA query_only = 0", NULL, NULL, NULL);
    if (p->state != CL_PART_CLOSED) {
        /* One snapshot for every check; a reader never blocks the writer
         * in WAL mode. */
        sqlite3_exec(db.h, "BEGIN", NULL, NULL, NULL);
        f->note = p->state == CL_PART_LIVE ? "live partition: checked as a snapshot"
                                           : "sealing partition: checked as a snapshot";
    }
    part_content(r->o, &db, p, f);
    sqlite3_exec(db.h, "COMMIT", NULL, NULL, NULL);
    cli_db_close(&db);
}

/* f holds the range problems check_ranges found already. A file gone
 * since the listing is looked up again: sealed meanwhile, its new file is
 * checked; removed by retention, it is no fault. */
static void check_part(vrun *r, cli_db *top, const cl_part *p, long long owner, vfile *fp)
{
    vfile f = *fp;
    cl_part_list now = { NULL, 0 };
    size_t at = 0;
    long long o;
    int m;

    if (cli_file_kind(p->path, &o) == CLI_FK_MISSING &&
        (m = moved(top->h, top->path, p, &now, &at)) >= 0) {
        if (m == 1) {
            check_part(r, top, &now.v[at], owner, fp);
        } else {
            f.note = "removed by retention while verify ran";
            report(r, p->path, "partition", &f);
        }
        cl_part_list_free(&now);
        return;
    }
    cl_part_list_free(&now);
    if (part_file(p, owner, &f) == 0)
        part_open(r, p, &f);
    report(r, p->path, "partition", &f);
}

/* Overlaps and gaps between the catalog's ranges (in first_id order), said
 * on the later partition's line. */
static void check_ranges(const cl_part_list *l, size_t i, vfile *f)
{
    const cl_part *a, *b = &l->v[i];

    if (i == 0)
        return;
    a = &l->v[i - 1];
    if (a->last_id < 0) {
        problem(f, "follows %s, which the catalog has no last id for (%s)", a->rel,
                cl_part_state_name(a->state));
        return;
    }
    if (b->first_id <= a->last_id)
        problem(f, "its ids from %lld overlap %s's (up to %lld)", (long long)b->first_id, a->rel,
                (long long)a->last_id);
    else if (b->first_id > a->last_id + 1)
        problem(f, "ids %lld-%lld are in no partition (a gap after %s)", (long long)a->last_id + 1,
                (long long)b->first_id - 1, a->rel);
}

/* ---------------------------------------------------------------- orphans */

static int listed(const cl_part_list *l, const char *dir_name, const char *name)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *rel = l->v[i].rel;
        size_t n = strlen(dir_name);

        if (strncmp(rel, dir_name, n) == 0 && (rel[n] == '/' || rel[n] == '\\') &&
            strcmp(rel + n + 1, name) == 0)
            return 1;
    }
    return 0;
}

/* The first id a partition file's name carries: live-<id>.db, or
 * <min ts>--<max ts>-<id>.db; with -wal, -shm or -journal. -1 otherwise. */
static long long name_id(const char *name, int *is_live)
{
    const char *dash = strrchr(name, '-'), *end;
    char *e;
    long long id;

    *is_live = strncmp(name, "live-", 5) == 0;
    end = strstr(name, ".db");
    if (end == NULL || (end[3] != '\0' && strcmp(end + 3, "-wal") != 0 &&
                        strcmp(end + 3, "-shm") != 0 && strcmp(end + 3, "-journal") != 0))
        return -1;
    if (*is_live)
        dash = name + 4;
    else
        for (dash = end; dash > name && dash[-1] != '-'; dash--)
            ;
    if (dash == NULL || dash[*is_live ? 1 : 0] < '0' || dash[*is_live ? 1 : 0] > '9')
        return -1;
    id = strtoll(dash + (*is_live ? 1 : 0), &e, 10);
    return e == end ? id : -1;
}

/* A file of a rotation or a seal in progress, which the collector lists or
 * removes itself (DESIGN.md's steps): named for the first id of a listed
 * partition (the sealed copy between S2 and S3, the former live file
 * between S3 and S4), or a live-<id>.db after every listed partition's
 * start (a new live partition between R1 and R2). */
static int in_transition(const cl_part_list *l, const char *name)
{
    int is_live;
    long long id = name_id(name, &is_live), top = -1;

    if (id < 0)
        return 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].first_id == id)
            return 1;
        if (l->v[i].first_id > top)
            top = l->v[i].first_id;
    }
    return is_live && id > top;
}

/* A name SQLite keeps beside a listed file (-wal, -shm, -journal), or the
 * keeper's copy in progress (.seal-*.tmp and its journal; removed at start). */
static int companion(const cl_part_list *l, const char *dir_name, const char *name)
{
    static const char *const tails[] = { "-wal", "-shm", "-journal" };
    char base[1024];

    if (strncmp(name, ".seal-", 6) == 0 || in_transition(l, name))
        return 1;
    for (size_t t = 0; t < 3; t++) {
        size_t n = strlen(name), k = strlen(tails[t]);

        if (n > k && n - k < sizeof base && strcmp(name + n - k, tails[t]) == 0) {
            snprintf(base, sizeof base, "%.*s", (int)(n - k), name);
            if (listed(l, dir_name, base))
                return 1;
        }
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void check_orphans(vrun *r, const char *catalog, const cl_part_list *l)
{
    char dir[4096], path[8192];
    const char *dir_name;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    DIR *d;

    if (cl_catalog_parts_dir(catalog, dir, sizeof dir) != 0 || (d = opendir(dir)) == NULL)
        return;
    dir_name = cl_path_last_sep(dir) ? cl_path_last_sep(dir) + 1 : dir;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            listed(l, dir_name, e->d_name) || companion(l, dir_name, e->d_name))
            continue;
        if (n == cap) {
            char **v = realloc(names, (cap = cap ? 2 * cap : 8) * sizeof *v);

            if (v == NULL)
                break;
            names = v;
        }
        if ((names[n] = strdup(e->d_name)) != NULL)
            n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        vfile f = { CL_STRBUF_INIT, NULL };

        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        problem(&f, "not listed in the catalog (an orphan: left in place; move it away once "
                    "you know what it is)");
        report(r, path, "orphan", &f);
        free(names[i]);
    }
    free(names);
}

/* ---------------------------------------------------------------- text files */

/* Reads the file through; gzip ones decompressed whole (zlib reports a
 * truncated stream or a bad CRC at its end). Returns 1 when the file is
 * gone since the listing (the collector rotated or compressed it: nothing
 * to say), else 0. */
static int check_text(const char *path, int is_gz, vfile *f)
{
    static char buf[65536];
    long long o;
    int k = cli_file_kind(path, &o), n, e = 0;
    gzFile z;
    FILE *in;

    if (k == CLI_FK_MISSING)
        return 1;
    if (k == CLI_FK_LINK || k == CLI_FK_OTHER) {
        problem(f, k == CLI_FK_LINK ? "is a symbolic link, not a regular file (not followed)"
                                    : "is not a regular file");
        return 0;
    }
    if (!is_gz) {
        if ((in = fopen(path, "rb")) == NULL) {
            if (errno == ENOENT)
                return 1;
            problem(f, "cannot be read: %s", strerror(errno));
            return 0;
        }
        while (fread(buf, 1, sizeof buf, in) == sizeof buf)
            ;
        if (ferror(in))
            problem(f, "cannot be read: read error");
        fclose(in);
        return 0;
    }
    if ((z = gzopen(path, "rb")) == NULL) {
        if (errno == ENOENT)
            return 1;
        problem(f, "cannot be read: %s", strerror(errno));
        return 0;
    }
    while ((n = gzread(z, buf, sizeof buf)) > 0)
        ;
    /* zlib passes data that is not gzip through as is. */
    if (n == 0 && gzdirect(z)) {
        problem(f, "is not gzip data");
        gzclose(z);
        return 0;
    }
    if (n < 0) {
        const char *m = gzerror(z, &e);

        problem(f, "does not decompress whole: %s", m != NULL && *m ? m : "read error");
    }
    /* gzclose says Z_BUF_ERROR when the data ended inside a gzip stream
     * (a truncated file whose end gzread took for the end). */
    e = gzclose(z);
    if (n >= 0 && e != Z_OK)
        problem(f, "does not decompress whole: %s",
                e == Z_BUF_ERROR ? "unexpected end of file" : "read error");
    return 0;
}

static void check_texts(vrun *r, const char *catalog)
{
    cli_textfile *t;
    size_t n;

    cli_text_files(catalog, &t, &n);
    for (size_t i = 0; i < n; i++) {
        vfile f = { CL_STRBUF_INIT, NULL };

        if (check_text(t[i].path, t[i].gz, &f) == 0)
            report(r, t[i].path, "text", &f);
        else
            cl_strbuf_free(&f.why);
    }
    cli_text_files_free(t, n);
}

/* ---------------------------------------------------------------- catalog */

static void check_catalog(vrun *r, cli_db *top, vfile *f)
{
    integrity(top->h, r->o->quick, f);
    if (top->kind != CL_DBK_CATALOG)
        return; /* a single database: its own checks are the file's */
    if (!meta_is(top->h, "kind", "catalog"))
        problem(f, "its meta kind is not 'catalog'");
}

/* A single database (v1/v2, an export, one partition named by --db). */
static void check_single(vrun *r, cli_db *top, vfile *f)
{
    int found;

    check_catalog(r, top, f);
    if (meta_int(top->h, "fts_indexed_upto", &found) > 0 && has_table(top->h, "entries_fts_data")) {
        sqlite3_exec(top->h, "PRAGMA temp_store = FILE; PRAGMA query_only = 0", NULL, NULL, NULL);
        fts_check(top->h, "entries_fts", "", f);
    }
}

static int run(const vopts *o, const cli_global *g)
{
    vrun r;
    cli_db top;
    cl_part_list parts = { NULL, 0 };
    vfile f = { CL_STRBUF_INIT, NULL };
    char err[1200];
    long long owner, oo;
    int64_t first = 1;
    int rc;

    memset(&r, 0, sizeof r);
    r.o = o;
    r.first_json = 1;
    if (cli_db_open(g, &top, err, sizeof err) != CLI_OK)
        return cli_fail(CLI_FAILED, "verify", "%s", err);
    owner = cli_file_kind(top.path, &oo) == CLI_FK_REGULAR ? oo : -1;
    if (o->json)
        cl_strbuf_puts(&r.out, "{\"files\":[");
    if (top.kind != CL_DBK_CATALOG) {
        check_single(&r, &top, &f);
        report(&r, top.path, "database", &f);
        goto done;
    }
    /* The catalog, read inside one transaction: one consistent list. */
    sqlite3_exec(top.h, "BEGIN", NULL, NULL, NULL);
    check_catalog(&r, &top, &f);
    if (cl_catalog_list(top.h, top.path, &parts, err, sizeof err) != 0)
        problem(&f, "its partitions cannot be listed: %s", err);
    sqlite3_exec(top.h, "COMMIT", NULL, NULL, NULL);
    report(&r, top.path, "catalog", &f);
    if (parts.n > 0)
        first = parts.v[0].first_id;
    for (size_t i = 0; i < parts.n; i++) {
        vfile rf = { CL_STRBUF_INIT, NULL };

        progress(i, parts.n);
        check_ranges(&parts, i, &rf);
        check_part(&r, &top, &parts.v[i], owner, &rf);
    }
    progress(parts.n, parts.n);
    /* Orphans against the catalog as it is now: the collector may have
     * rotated or sealed while the partitions were checked. */
    {
        cl_part_list now = { NULL, 0 };

        if (cl_catalog_list_all(top.h, top.path, 1, &now, err, sizeof err) == 0)
            check_orphans(&r, top.path, &now);
        cl_part_list_free(&now);
    }
    check_texts(&r, top.path);
done:
    if (o->json) {
        cl_strbuf_printf(&r.out, "],\"checked\":%zu,\"failed\":%zu,\"first_id\":%lld}\n", r.checked,
                         r.failed, (long long)first);
    } else if (!o->quiet) {
        if (first > 1)
            cl_strbuf_printf(&r.out, "Ids 1-%lld were removed by retention (or never stored).\n",
                             (long long)first - 1);
        cl_strbuf_printf(&r.out, "%zu file%s checked, %zu failed.\n", r.checked,
                         r.checked == 1 ? "" : "s", r.failed);
    }
    rc = cli_write_buf(&r.out, "verify");
    cl_strbuf_free(&r.out);
    cl_part_list_free(&parts);
    cli_db_close(&top);
    if (rc != CLI_OK)
        return rc;
    return r.failed > 0 ? CLI_FAILED : CLI_OK;
}

static const cli_opt verify_opts[] = {
    { "output", 'o', 1, cli_opt_text_json, CLI_ALL_CMDS, offsetof(vopts, json) },
    { "quiet", 'q', 0, opt_flag, CLI_ALL_CMDS, offsetof(vopts, quiet) },
    { "quick", 0, 0, opt_flag, CLI_ALL_CMDS, offsetof(vopts, quick) },
    { "help", 'h', 0, cli_opt_help, CLI_ALL_CMDS, 0 },
};

int cmd_verify(const cli_global *g, int argc, char **argv)
{
    vopts o;
    cli_opt_group grp = { verify_opts, sizeof verify_opts / sizeof verify_opts[0], &o,
                          CLI_ALL_CMDS };
    char err[512];
    int rc;

    memset(&o, 0, sizeof o);
    rc = cli_args_parse(&grp, 1, CLI_ARGS_NO_OPERANDS, argc, argv, NULL, err, sizeof err);
    if ((rc = cli_args_report(rc, "verify", err, usage)) != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    return run(&o, g);
}
