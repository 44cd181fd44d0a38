/* seal.c - see seal.h. */
#include "seal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "dbschema.h"
#include "fsutil.h"
#include "keeper_os.h"

/* The columns of schema/partition.sql, version 2's in the same order. */
#define ENTRY_COLS                                                                                 \
    "id, ts, received, level, app, host, pid, tid, logger, trace_id, span_id, msg, fields, "       \
    "extra, peer_pid, peer_uid, peer_gid"
#define REJECT_COLS "id, received, peer_pid, peer_uid, peer_gid, reason, message, raw, raw_len"

static int fail(sqlite3 *h, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, h != NULL ? sqlite3_errmsg(h) : "out of memory");
    return -1;
}

static int q64(sqlite3 *h, const char *sql, int64_t dflt, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);

    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = sqlite3_column_type(st, 0) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        *out = dflt;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

/* Opened read-write without creating (a WAL file left by a crash needs a
 * writer to recover it); nothing is changed. */
static int open_existing(const char *path, sqlite3 **h, char *err, size_t errlen)
{
    if (sqlite3_open_v2(path, h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        fail(*h, err, errlen, path);
        sqlite3_close(*h);
        *h = NULL;
        return -1;
    }
    sqlite3_busy_timeout(*h, 10000);
    return 0;
}

int cl_part_probe_file(const char *path, cl_part_probe *out, char *err, size_t errlen)
{
    sqlite3 *h = NULL;
    int rc = SQLITE_OK;
    int64_t sealed = 0;

    memset(out, 0, sizeof *out);
    if (open_existing(path, &h, err, errlen) != 0)
        return -1;
    out->kind = cl_db_kind_of(h, &out->version, &rc);
    if (out->kind == CL_DBK_PARTITION) {
        rc = q64(h, "SELECT value FROM meta WHERE key = 'first_id'", 1, &out->first_id);
        if (rc == SQLITE_OK)
            rc = q64(h, "SELECT value FROM meta WHERE key = 'first_reject'", 1, &out->first_reject);
        if (rc == SQLITE_OK)
            rc = q64(h, "SELECT value FROM meta WHERE key = 'sealed'", 0, &sealed);
    } else if (out->kind == CL_DBK_SINGLE) {
        rc = q64(h, "SELECT min(id) FROM entries", 1, &out->first_id);
        if (rc == SQLITE_OK)
            rc = q64(h, "SELECT min(id) FROM rejects", 1, &out->first_reject);
    } else {
        snprintf(err, errlen, "%s: %s", path, cl_db_kind_name(out->kind));
        sqlite3_close(h);
        return -1;
    }
    if (rc == SQLITE_OK)
        rc = q64(h, "SELECT max(id) FROM entries", out->first_id - 1, &out->last_id);
    if (rc == SQLITE_OK)
        rc = q64(h, "SELECT max(id) FROM rejects", out->first_reject - 1, &out->last_reject);
    out->sealed = sealed == 1;
    if (rc != SQLITE_OK)
        fail(h, err, errlen, path);
    sqlite3_close(h);
    return rc == SQLITE_OK ? 0 : -1;
}

static int progress(void *arg)
{
    return atomic_load((atomic_int *)arg) != 0;
}

static int exec(sqlite3 *h, const char *sql, char *err, size_t errlen)
{
    return sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(h, err, errlen, sql);
}

/* The rows of src (attached as "src") in id order within the bounds. A
 * version 1 database has no peer_sid column. */
static int copy_rows(sqlite3 *h, int src_version, int64_t first_id, int64_t last_id,
                     int64_t first_reject, int64_t last_reject, char *err, size_t errlen)
{
    char sql[1024];
    const char *sid = src_version == 1 ? "NULL" : "peer_sid";

    snprintf(sql, sizeof sql,
             "INSERT INTO main.entries (" ENTRY_COLS ", peer_sid) SELECT " ENTRY_COLS
             ", %s FROM src.entries WHERE id BETWEEN %lld AND %lld ORDER BY id",
             sid, (long long)first_id, (long long)last_id);
    if (exec(h, sql, err, errlen) != 0)
        return -1;
    snprintf(sql, sizeof sql,
             "INSERT INTO main.rejects (" REJECT_COLS ", peer_sid) SELECT " REJECT_COLS
             ", %s FROM src.rejects WHERE id BETWEEN %lld AND %lld ORDER BY id",
             sid, (long long)first_reject, (long long)last_reject);
    return exec(h, sql, err, errlen);
}

/* The word index (entries_fts, --words) and the trigram index
 * (entries_tri, -g), complete; meta tri_indexed_upto tells readers that
 * this file's trigram index may be used (schema/sealed.sql). */
static int build_fts(sqlite3 *h, int64_t last_id, char *err, size_t errlen)
{
    char sql[128];

    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO meta (key, value) VALUES ('tri_indexed_upto', %lld)",
             (long long)last_id);
    if (exec(h, "INSERT INTO entries_fts (entries_fts) VALUES ('rebuild')", err, errlen) != 0 ||
        exec(h, "INSERT INTO entries_fts (entries_fts) VALUES ('optimize')", err, errlen) != 0 ||
        exec(h, "INSERT INTO entries_tri (entries_tri) VALUES ('rebuild')", err, errlen) != 0 ||
        exec(h, "INSERT INTO entries_tri (entries_tri) VALUES ('optimize')", err, errlen) != 0)
        return -1;
    return exec(h, sql, err, errlen);
}

int cl_seal_build(const char *src, const char *tmp, int64_t first_id, int64_t last_id,
                  int64_t first_reject, int64_t last_reject, int fts, atomic_int *stop, char *err,
                  size_t errlen)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    cl_part_probe pr;
    char sql[512];
    int rc = -1;

    if (atomic_load(stop)) {
        snprintf(err, errlen, "sealing interrupted (shutdown, or the partition was removed)");
        return -1;
    }
    if (cl_part_probe_file(src, &pr, err, errlen) != 0)
        return -1;
    cl_keeper_unlink(tmp);
    if (sqlite3_open_v2(tmp, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        fail(h, err, errlen, "cannot create the sealed copy");
        goto done;
    }
    sqlite3_progress_handler(h, 10000, progress, stop);
    /* Nobody reads the copy before it is renamed, and a crash discards it:
     * no journal, no sync until the end. The page cache is kept small (the
     * collector's memory budget); index sorts spill to temporary files. */
    if (exec(h,
             "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-2048; "
             "PRAGMA temp_store=FILE;",
             err, errlen) != 0 ||
        exec(h, "BEGIN", err, errlen) != 0 || exec(h, cl_db_partition_sql, err, errlen) != 0)
        goto done;
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO meta (key, value) VALUES ('first_id', %lld), "
             "('first_reject', %lld), ('fts_indexed_upto', %lld), ('sealed', 0); "
             "PRAGMA user_version = %d",
             (long long)first_id, (long long)first_reject,
             (long long)(fts ? last_id : first_id - 1), CL_DB_LAYOUT_VERSION);
    if (exec(h, sql, err, errlen) != 0 || exec(h, "COMMIT", err, errlen) != 0)
        goto done;
    if (sqlite3_prepare_v2(h, "ATTACH ?1 AS src", -1, &st, NULL) != SQLITE_OK) {
        fail(h, err, errlen, "cannot attach the partition");
        goto done;
    }
    sqlite3_bind_text(st, 1, src, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        fail(h, err, errlen, "cannot attach the partition");
        goto done;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (exec(h, "BEGIN", err, errlen) != 0 ||
        copy_rows(h, pr.version, first_id, last_id, first_reject, last_reject, err, errlen) != 0 ||
        exec(h, "COMMIT", err, errlen) != 0 || exec(h, "DETACH src", err, errlen) != 0)
        goto done;
    /* Indexes by one sort each; stats' counts per hour (schema/rollup.sql)
     * by one more; the full-text indexes from the content table at once,
     * each merged into a single segment. */
    if (exec(h, "BEGIN", err, errlen) != 0 || exec(h, cl_db_sealed_sql, err, errlen) != 0 ||
        exec(h, cl_db_rollup_sql, err, errlen) != 0 ||
        (fts && build_fts(h, last_id, err, errlen) != 0) || exec(h, "COMMIT", err, errlen) != 0)
        goto done;
    /* The last transaction marks it sealed and, with synchronous FULL in
     * rollback-journal mode, syncs the whole file: what is renamed into
     * place next is durable. */
    if (exec(h, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL;", err, errlen) != 0 ||
        exec(h, "UPDATE meta SET value = 1 WHERE key = 'sealed'", err, errlen) != 0)
        goto done;
    rc = 0;
done:
    if (rc != 0 && atomic_load(stop))
        snprintf(err, errlen, "sealing interrupted (shutdown, or the partition was removed)");
    sqlite3_finalize(st);
    sqlite3_close(h);
    if (rc != 0)
        cl_keeper_unlink(tmp);
    return rc;
}

int cl_seal_facts(const char *path, cl_part *f, char *err, size_t errlen)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    int rc;
    cl_file_id id;
    int64_t upto = 0, last = 0;

    if (open_existing(path, &h, err, errlen) != 0)
        return -1;
    rc = sqlite3_prepare_v2(h,
                            "SELECT min(ts), max(ts), min(received), max(received), count(*) "
                            "FROM entries",
                            -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        f->has_range = sqlite3_column_type(st, 0) != SQLITE_NULL;
        f->min_ts = sqlite3_column_int64(st, 0);
        f->max_ts = sqlite3_column_int64(st, 1);
        f->min_received = sqlite3_column_int64(st, 2);
        f->max_received = sqlite3_column_int64(st, 3);
        f->entries = sqlite3_column_int64(st, 4);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_OK)
        rc = q64(h, "SELECT count(*) FROM rejects", 0, &f->rejects);
    if (rc == SQLITE_OK)
        rc = q64(h, "SELECT value FROM meta WHERE key = 'fts_indexed_upto'", 0, &upto);
    if (rc == SQLITE_OK)
        rc = q64(h, "SELECT max(id) FROM entries", 0, &last);
    if (rc != SQLITE_OK)
        fail(h, err, errlen, path);
    sqlite3_close(h);
    f->fts_complete = upto >= last;
    f->bytes = cl_file_id_path(path, &id) == 0 ? (int64_t)id.size : 0;
    return rc == SQLITE_OK ? 0 : -1;
}
