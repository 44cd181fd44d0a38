/* catalog_write.c - see catalog_write.h. */
#include "catalog_write.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbschema.h"
#include "fsutil.h"
#include "timefmt.h"

#define ID_DIGITS 20
#define CL_STR2(x) #x
#define CL_STR(x) CL_STR2(x)

static int fail(sqlite3 *h, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "catalog: %s: %s%s", what, h != NULL ? sqlite3_errmsg(h) : "no memory",
             cl_db_full_hint(h));
    return -1;
}

void cl_part_live_name(int64_t first_id, char out[CL_PART_NAME_MAX])
{
    snprintf(out, CL_PART_NAME_MAX, "live-%020" PRId64 ".db", first_id);
}

void cl_part_closed_name(int64_t min_ts, int64_t max_ts, int64_t first_id,
                         char out[CL_PART_NAME_MAX])
{
    char a[CL_TS_STAMP_LEN + 1], b[CL_TS_STAMP_LEN + 1];

    cl_utc_stamp(min_ts, a);
    cl_utc_stamp(max_ts, b);
    snprintf(out, CL_PART_NAME_MAX, "%s--%s-%020" PRId64 ".db", a, b, first_id);
}

void cl_part_migrated_name(int64_t first_id, char out[CL_PART_NAME_MAX])
{
    snprintf(out, CL_PART_NAME_MAX, "v2-%020" PRId64 ".db", first_id);
}

void cl_part_seal_tmp_name(int64_t first_id, char out[CL_PART_NAME_MAX])
{
    snprintf(out, CL_PART_NAME_MAX, ".seal-%020" PRId64 ".tmp", first_id);
}

/* The ID_DIGITS digits that end name before its suffix. */
static int tail_id(const char *name, const char *suffix, int64_t *id)
{
    size_t n = strlen(name), s = strlen(suffix);
    int64_t v = 0;

    if (n < s + ID_DIGITS || strcmp(name + n - s, suffix) != 0)
        return -1;
    for (const char *p = name + n - s - ID_DIGITS; p < name + n - s; p++) {
        if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (*p - '0');
    }
    *id = v;
    return 0;
}

enum cl_part_file cl_part_name_parse(const char *name, int64_t *first_id)
{
    size_t n = strlen(name);

    if (strncmp(name, ".seal-", 6) == 0 && n == 6 + ID_DIGITS + 4)
        return tail_id(name, ".tmp", first_id) == 0 ? CL_PF_SEAL_TMP : CL_PF_OTHER;
    if (tail_id(name, ".db", first_id) != 0)
        return CL_PF_OTHER;
    if (strncmp(name, "live-", 5) == 0 && n == 5 + ID_DIGITS + 3)
        return CL_PF_LIVE;
    if (strncmp(name, "v2-", 3) == 0 && n == 3 + ID_DIGITS + 3)
        return CL_PF_MIGRATED;
    /* 20261204T101500Z--20261204T111459Z-<id>.db */
    if (n == 2 * CL_TS_STAMP_LEN + 3 + ID_DIGITS + 3 && name[CL_TS_STAMP_LEN] == '-' &&
        name[CL_TS_STAMP_LEN + 1] == '-')
        return CL_PF_CLOSED;
    return CL_PF_OTHER;
}

int cl_part_rel_path(const char *catalog_path, const char *name, char *out, size_t outlen)
{
    char dir[4096];
    const char *base;
    int n;

    if (cl_catalog_parts_dir(catalog_path, dir, sizeof dir) != 0)
        return -1;
    base = cl_path_last_sep(dir);
    base = base != NULL ? base + 1 : dir;
    n = snprintf(out, outlen, "%s/%s", base, name);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int exec(sqlite3 *h, const char *sql, char *err, size_t errlen)
{
    return sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(h, err, errlen, sql);
}

/* Version 3 to 4: the forwarders' cursors. The table is created by the same
 * DDL a new catalog gets, in one transaction with the version, so that a
 * crash leaves either version whole. */
static int migrate(sqlite3 *h, char *err, size_t errlen)
{
    if (exec(h, "BEGIN IMMEDIATE", err, errlen) != 0)
        return -1;
    if (exec(h, cl_db_catalog_sql, err, errlen) != 0 ||
        exec(h, "PRAGMA user_version = " CL_STR(CL_DB_CATALOG_VERSION), err, errlen) != 0 ||
        exec(h, "COMMIT", err, errlen) != 0) {
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

int cl_catw_open(const char *catalog_path, sqlite3 **out, int *created, char *err, size_t errlen)
{
    sqlite3 *h = NULL;
    int version = 0, rc = 0, tables = -1;
    enum cl_db_kind kind;
    sqlite3_stmt *st = NULL;

    *out = NULL;
    *created = 0;
    if (sqlite3_open_v2(catalog_path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        fail(h, err, errlen, "cannot open");
        goto fail;
    }
    sqlite3_extended_result_codes(h, 1);
    sqlite3_busy_timeout(h, 10000);
    kind = cl_db_kind_of(h, &version, &rc);
    if (sqlite3_prepare_v2(h, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        tables = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (kind == CL_DBK_CATALOG && version > CL_DB_CATALOG_VERSION) {
        snprintf(err, errlen,
                 "%s is a catalog of schema version %d, newer than this collector's %d; use a "
                 "newer centrallogd or another --db",
                 catalog_path, version, CL_DB_CATALOG_VERSION);
        goto fail;
    }
    /* An empty file is what a crash while creating the catalog leaves. */
    if (kind != CL_DBK_CATALOG && tables != 0) {
        snprintf(err, errlen, "%s is not a CentralLog catalog but %s", catalog_path,
                 cl_db_kind_name(kind));
        goto fail;
    }
    /* WAL: the writer's and the keeper's short transactions never wait for a
     * reader listing the partitions. FULL: a catalog change is rare and must
     * survive a power cut with the files it names. The catalog is a few
     * pages: checkpoint it after every few transactions and keep its WAL
     * small, or SQLite's default (1000 pages) lets it grow to megabytes that
     * no retention limit counts. */
    if (exec(h,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=16; "
             "PRAGMA journal_size_limit=262144",
             err, errlen) != 0)
        goto fail;
    if (kind != CL_DBK_CATALOG) {
        if (exec(h, "BEGIN IMMEDIATE", err, errlen) != 0)
            goto fail;
        if (exec(h, cl_db_catalog_sql, err, errlen) != 0 ||
            exec(h, "PRAGMA user_version = " CL_STR(CL_DB_CATALOG_VERSION), err, errlen) != 0 ||
            exec(h, "COMMIT", err, errlen) != 0) {
            sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
            goto fail;
        }
        *created = 1;
    } else if (version < CL_DB_CATALOG_VERSION && migrate(h, err, errlen) != 0) {
        goto fail;
    }
    *out = h;
    return 0;
fail:
    sqlite3_close(h);
    return -1;
}

static void bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
    if (v >= 0)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

int cl_catw_add(sqlite3 *h, const char *rel, enum cl_part_state state, int64_t first_id,
                int64_t last_id, int64_t first_reject, int64_t last_reject, int64_t created_us,
                int64_t *seq, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(h,
                           "INSERT INTO partitions (path, state, first_id, last_id, first_reject, "
                           "last_reject, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(h, err, errlen, "cannot add a partition");
    sqlite3_bind_text(st, 1, rel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, cl_part_state_name(state), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, first_id);
    bind_opt(st, 4, last_id);
    sqlite3_bind_int64(st, 5, first_reject);
    bind_opt(st, 6, last_reject);
    sqlite3_bind_int64(st, 7, created_us);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(h, err, errlen, "cannot add a partition");
    if (seq != NULL)
        *seq = sqlite3_last_insert_rowid(h);
    return 0;
}

int cl_catw_rotate(sqlite3 *h, int64_t seq, int64_t last_id, int64_t last_reject,
                   const char *new_rel, int64_t now_us, int64_t *new_seq, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (exec(h, "BEGIN IMMEDIATE", err, errlen) != 0)
        return -1;
    if (sqlite3_prepare_v2(h,
                           "UPDATE partitions SET state = 'sealing', last_id = ?2, "
                           "last_reject = ?3 WHERE seq = ?1 AND state = 'live'",
                           -1, &st, NULL) != SQLITE_OK) {
        fail(h, err, errlen, "cannot mark the live partition sealing");
        goto rollback;
    }
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, last_id);
    sqlite3_bind_int64(st, 3, last_reject);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        fail(h, err, errlen, "cannot mark the live partition sealing");
        goto rollback;
    }
    if (sqlite3_changes(h) != 1) {
        snprintf(err, errlen, "catalog: partition %lld is not the live one", (long long)seq);
        goto rollback;
    }
    if (cl_catw_add(h, new_rel, CL_PART_LIVE, last_id + 1, -1, last_reject + 1, -1, now_us, new_seq,
                    err, errlen) != 0)
        goto rollback;
    if (exec(h, "COMMIT", err, errlen) != 0)
        goto rollback;
    return 0;
rollback:
    sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int cl_catw_close(sqlite3 *h, int64_t seq, const char *rel, const cl_part *p, int64_t now_us,
                  char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(
            h,
            "UPDATE partitions SET path = ?2, state = 'closed', min_ts = ?3, max_ts = ?4, "
            "min_received = ?5, max_received = ?6, entries = ?7, rejects = ?8, bytes = ?9, "
            "fts = ?10, sealed = ?11 WHERE seq = ?1 AND state = 'sealing'",
            -1, &st, NULL) != SQLITE_OK)
        return fail(h, err, errlen, "cannot close a partition");
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_text(st, 2, rel, -1, SQLITE_STATIC);
    for (int i = 0; i < 4; i++) {
        const int64_t v[4] = { p->min_ts, p->max_ts, p->min_received, p->max_received };

        if (p->has_range)
            sqlite3_bind_int64(st, 3 + i, v[i]);
        else
            sqlite3_bind_null(st, 3 + i);
    }
    sqlite3_bind_int64(st, 7, p->entries);
    sqlite3_bind_int64(st, 8, p->rejects);
    sqlite3_bind_int64(st, 9, p->bytes);
    sqlite3_bind_text(st, 10, p->fts_complete ? "complete" : "none", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, now_us);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(h, err, errlen, "cannot close a partition");
    return sqlite3_changes(h) == 1 ? 0 : 1;
}

int cl_catw_mark_deleting(sqlite3 *h, int64_t seq, enum cl_part_state from, char *err,
                          size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(h,
                           "UPDATE partitions SET state = 'deleting' WHERE seq = ?1 AND state = ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(h, err, errlen, "cannot mark a partition deleting");
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_text(st, 2, cl_part_state_name(from), -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(h, err, errlen, "cannot mark a partition deleting");
    return sqlite3_changes(h) == 1 ? 0 : 1;
}

int cl_catw_delete(sqlite3 *h, int64_t seq, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(h, "DELETE FROM partitions WHERE seq = ?1", -1, &st, NULL) != SQLITE_OK)
        return fail(h, err, errlen, "cannot delete a partition row");
    sqlite3_bind_int64(st, 1, seq);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(h, err, errlen, "cannot delete a partition row");
}

int cl_catw_list_all(sqlite3 *h, const char *catalog_path, cl_part_list *out, char *err,
                     size_t errlen)
{
    return cl_catalog_list_all(h, catalog_path, 1, out, err, errlen);
}

int cl_catw_cursor_get(sqlite3 *h, const char *dest, int64_t *last_id, int64_t *expired, char *err,
                       size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(h, "SELECT last_id, expired FROM forward_cursors WHERE destination = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(h, err, errlen, "cannot read a forwarding cursor");
    sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *last_id = sqlite3_column_int64(st, 0);
        *expired = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : fail(h, err, errlen, "cannot read a forwarding cursor");
}

int cl_catw_cursor_put(sqlite3 *h, const char *dest, int64_t last_id, int64_t expired,
                       int64_t now_us, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(h,
                           "INSERT INTO forward_cursors (destination, last_id, expired, updated) "
                           "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (destination) DO UPDATE SET "
                           "last_id = excluded.last_id, expired = excluded.expired, "
                           "updated = excluded.updated",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(h, err, errlen, "cannot write a forwarding cursor");
    sqlite3_bind_text(st, 1, dest, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, last_id);
    sqlite3_bind_int64(st, 3, expired);
    sqlite3_bind_int64(st, 4, now_us);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(h, err, errlen, "cannot write a forwarding cursor");
}
