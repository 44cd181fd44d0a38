/* sink_sqlite.c - batched inserts with prepared statements, WAL mode.
 *
 * Only the writer thread touches the connection. Inserts happen inside
 * transactions the writer opens and commits (N entries or T ms); full-text
 * indexing runs in separate small transactions when the writer has spare
 * time, so that FTS5 never caps ingest (see docs/DESIGN.md).
 */
#include "sink_sqlite.h"

#include "fsutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cl_db {
    sqlite3 *h;
    sqlite3_stmt *ins_entry, *ins_reject, *begin, *commit, *rollback;
    sqlite3_stmt *fts_upto, *fts_insert, *fts_mark;
    int in_txn;
    int wal_pages;
    int schema_version; /* as found on open, then as written */
    cl_db_stats st;
};

static const char SQL_INSERT_ENTRY[] =
    "INSERT INTO entries (ts, received, level, app, host, pid, tid, logger, trace_id, "
    "span_id, msg, fields, extra, peer_pid, peer_uid, peer_gid, peer_sid) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
static const char SQL_INSERT_REJECT[] =
    "INSERT INTO rejects (received, peer_pid, peer_uid, peer_gid, peer_sid, reason, message, raw, "
    "raw_len) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

/* Migrations: MIGRATIONS[v] takes a database from user_version v to v + 1.
 * Each only adds (columns, tables, indexes), so that readers selecting the
 * columns they know keep working (the CLI checks user_version itself and
 * needs upgrading with the collector). New databases get
 * schema/centrallog.sql instead, which must end up identical: ALTER TABLE
 * appends columns, hence peer_sid is the last column of rejects there too. */
static const char *const MIGRATIONS[CL_DB_SCHEMA_VERSION] = {
    [1] = "ALTER TABLE entries ADD COLUMN peer_sid TEXT; "
          "ALTER TABLE rejects ADD COLUMN peer_sid TEXT;",
};
static const char SQL_FTS_UPTO[] =
    "SELECT max(id) FROM (SELECT id FROM entries WHERE id > ?1 ORDER BY id LIMIT ?2)";
static const char SQL_FTS_INSERT[] =
    "INSERT INTO entries_fts (rowid, msg) SELECT id, msg FROM entries WHERE id > ?1 AND id <= ?2";
static const char SQL_FTS_MARK[] = "UPDATE meta SET value = ?1 WHERE key = 'fts_indexed_upto'";

static int fail(cl_db *db, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, db->h ? sqlite3_errmsg(db->h) : "out of memory");
    return -1;
}

static int query_int(sqlite3 *h, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);

    if (rc != SQLITE_OK)
        return rc;
    rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Checks that an existing file is a CentralLog database this version
 * understands (a new, empty file passes). Read-only. */
static int check_schema(cl_db *db, char *err, size_t errlen)
{
    int64_t version, appid, tables;

    if (query_int(db->h, "PRAGMA user_version", &version) ||
        query_int(db->h, "PRAGMA application_id", &appid) ||
        query_int(db->h, "SELECT count(*) FROM sqlite_master", &tables)) {
        fail(db, err, errlen, "cannot read the database header (is it an SQLite file?)");
        return -1;
    }
    if (version > CL_DB_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "the database has schema version %lld, newer than this collector's %d; "
                 "use a newer centrallogd or another --db",
                 (long long)version, CL_DB_SCHEMA_VERSION);
        return -1;
    }
    /* A negative or a stray version (a file with user_version set and no
     * CentralLog tables) is not ours to migrate. */
    if (version < 0 || (version > 0 && tables == 0)) {
        snprintf(err, errlen,
                 "the database has schema version %lld but is not a CentralLog database; "
                 "point --db at a new or CentralLog file",
                 (long long)version);
        return -1;
    }
    if (tables > 0 && appid != CL_DB_APPLICATION_ID) {
        snprintf(err, errlen,
                 "the file is an SQLite database but not a CentralLog one; "
                 "point --db at a new or CentralLog file");
        return -1;
    }
    db->schema_version = (int)version;
    return 0;
}

/* Brings the file to CL_DB_SCHEMA_VERSION: the whole schema for a new file
 * (version 0), else each migration from the version found. All in one
 * transaction with the new user_version, so a crash or a failure leaves the
 * file at its old version, never half-migrated. */
static int apply_schema(cl_db *db, char *err, size_t errlen)
{
    char sql[64], what[96];
    int64_t found;
    int v;

    if (db->schema_version == CL_DB_SCHEMA_VERSION)
        return 0;
    if (sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, err, errlen, "cannot start the schema transaction");
    /* Again, under the write lock: another collector opening the same file
     * at the same moment may have done the work already. */
    if (query_int(db->h, "PRAGMA user_version", &found) != SQLITE_OK) {
        fail(db, err, errlen, "cannot read the schema version");
        goto rollback;
    }
    if (found == CL_DB_SCHEMA_VERSION) {
        db->schema_version = CL_DB_SCHEMA_VERSION;
        return sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) == SQLITE_OK
                   ? 0
                   : fail(db, err, errlen, "cannot commit the schema transaction");
    }
    if (found != db->schema_version) {
        snprintf(err, errlen,
                 "the database's schema version changed to %lld while opening it; try again",
                 (long long)found);
        goto rollback;
    }
    v = db->schema_version;
    if (v == 0) {
        if (sqlite3_exec(db->h, cl_schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
            fail(db, err, errlen, "cannot create the schema");
            goto rollback;
        }
    } else {
        for (; v < CL_DB_SCHEMA_VERSION; v++) {
            if (MIGRATIONS[v] == NULL ||
                sqlite3_exec(db->h, MIGRATIONS[v], NULL, NULL, NULL) != SQLITE_OK) {
                snprintf(what, sizeof what, "cannot migrate the schema from version %d to %d", v,
                         v + 1);
                fail(db, err, errlen, what);
                goto rollback;
            }
        }
    }
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", CL_DB_SCHEMA_VERSION);
    if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fail(db, err, errlen, "cannot record the schema version");
        goto rollback;
    }
    db->st.migrated_from = db->schema_version; /* 0: a new file */
    db->schema_version = CL_DB_SCHEMA_VERSION;
    return 0;
rollback:
    sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

static int wal_hook(void *arg, sqlite3 *h, const char *name, int pages)
{
    (void)h;
    (void)name;
    ((cl_db *)arg)->wal_pages = pages;
    return SQLITE_OK;
}

static int prepare(cl_db *db, sqlite3_stmt **st, const char *sql)
{
    return sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
}

int cl_db_open(cl_db **out, const char *path, char *err, size_t errlen)
{
    cl_db *db = calloc(1, sizeof *db);
    int64_t upto = 0, last = 0;

    *out = NULL;
    if (db == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* Before SQLite opens anything: no planted link, FIFO or device in place
     * of the database or its -wal/-shm/-journal (fsutil.h). */
    if (cl_db_path_check(path, err, errlen) != 0) {
        free(db);
        return -1;
    }
    /* Allocation statistics take a global mutex on every malloc; we never
     * read them. Fails harmlessly if SQLite is already initialised. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    /* One thread owns this connection: no need for per-call locking. */
    if (sqlite3_open_v2(path, &db->h,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        fail(db, err, errlen, "cannot open the database");
        goto fail;
    }
    sqlite3_extended_result_codes(db->h, 1);
    sqlite3_busy_timeout(db->h, 5000);
    /* Look before touching: a file we refuse must be left exactly as it was
     * (switching to WAL rewrites the header). */
    if (check_schema(db, err, errlen) != 0)
        goto fail;
    /* WAL lets readers (the CLI, sqlite3) work while we write; NORMAL sync
     * keeps committed data safe from a collector crash without an fsync per
     * transaction. The cache is bounded so RSS stays predictable. */
    if (sqlite3_exec(db->h,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                     "PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY;",
                     NULL, NULL, NULL) != SQLITE_OK) {
        fail(db, err, errlen, "cannot configure the database");
        goto fail;
    }
    if (apply_schema(db, err, errlen) != 0)
        goto fail;
    /* Replaces SQLite's auto-checkpoint hook: see checkpoint.h. */
    sqlite3_wal_hook(db->h, wal_hook, db);
    if (prepare(db, &db->ins_entry, SQL_INSERT_ENTRY) ||
        prepare(db, &db->ins_reject, SQL_INSERT_REJECT) || prepare(db, &db->begin, "BEGIN") ||
        prepare(db, &db->commit, "COMMIT") || prepare(db, &db->rollback, "ROLLBACK") ||
        prepare(db, &db->fts_upto, SQL_FTS_UPTO) || prepare(db, &db->fts_insert, SQL_FTS_INSERT) ||
        prepare(db, &db->fts_mark, SQL_FTS_MARK)) {
        fail(db, err, errlen, "cannot prepare statements");
        goto fail;
    }
    if (query_int(db->h, "SELECT value FROM meta WHERE key = 'fts_indexed_upto'", &upto) ||
        query_int(db->h, "SELECT coalesce(max(id), 0) FROM entries", &last)) {
        fail(db, err, errlen, "cannot read the database state");
        goto fail;
    }
    db->st.fts_indexed = upto;
    db->st.last_id = last;
    *out = db;
    return 0;
fail:
    cl_db_close(db);
    return -1;
}

static int run(cl_db *db, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return SQLITE_OK;
    db->st.errors++;
    db->st.last_error = rc;
    return rc;
}

int cl_db_begin(cl_db *db)
{
    int rc = run(db, db->begin);

    db->in_txn = rc == SQLITE_OK;
    return rc;
}

int cl_db_commit(cl_db *db)
{
    int rc = run(db, db->commit);

    if (rc == SQLITE_OK) {
        db->in_txn = 0;
        db->st.commits++;
    }
    return rc;
}

void cl_db_rollback(cl_db *db)
{
    if (sqlite3_get_autocommit(db->h) == 0)
        run(db, db->rollback);
    db->in_txn = 0;
}

static void bind_str(sqlite3_stmt *st, int i, const cl_str *s)
{
    if (s->p != NULL)
        sqlite3_bind_text(st, i, s->p, (int)s->n, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_opt_int(sqlite3_stmt *st, int i, int present, int64_t v)
{
    if (present)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* peer_pid, peer_uid, peer_gid, peer_sid from parameter first on. */
static void bind_peer(sqlite3_stmt *st, int first, const cl_peer *p)
{
    bind_opt_int(st, first, p->pid >= 0, p->pid);
    bind_opt_int(st, first + 1, p->uid >= 0, p->uid);
    bind_opt_int(st, first + 2, p->gid >= 0, p->gid);
    /* Interned: lives as long as the process, no copy needed. */
    if (p->sid != NULL)
        sqlite3_bind_text(st, first + 3, p->sid, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, first + 3);
}

int cl_db_insert(cl_db *db, const cl_record *r)
{
    sqlite3_stmt *st;
    int rc;

    if (r->kind == CL_REC_ENTRY) {
        const cl_entry_fields *e = &r->u.e;

        st = db->ins_entry;
        sqlite3_bind_int64(st, 1, e->ts_us);
        sqlite3_bind_int64(st, 2, r->received_us);
        sqlite3_bind_int(st, 3, e->level);
        bind_str(st, 4, &e->app);
        bind_str(st, 5, &e->host);
        bind_opt_int(st, 6, e->has_pid, e->pid);
        bind_opt_int(st, 7, e->has_tid, e->tid);
        bind_str(st, 8, &e->logger);
        bind_str(st, 9, &e->trace_id);
        bind_str(st, 10, &e->span_id);
        bind_str(st, 11, &e->msg);
        bind_str(st, 12, &e->fields);
        bind_str(st, 13, &e->extra);
        bind_peer(st, 14, &r->peer);
    } else {
        const cl_reject_fields *j = &r->u.r;

        st = db->ins_reject;
        sqlite3_bind_int64(st, 1, r->received_us);
        bind_peer(st, 2, &r->peer);
        sqlite3_bind_text(st, 6, cl_reason_code(j->reason), -1, SQLITE_STATIC);
        bind_str(st, 7, &j->message);
        sqlite3_bind_blob(st, 8, j->raw.p, (int)j->raw.n, SQLITE_STATIC);
        sqlite3_bind_int64(st, 9, (int64_t)j->raw_len);
    }
    /* Every parameter is bound on every call (NULL included), so there is
     * no need to clear bindings between rows. */
    rc = run(db, st);
    if (rc != SQLITE_OK)
        return rc;
    if (r->kind == CL_REC_ENTRY) {
        db->st.entries++;
        db->st.last_id = sqlite3_last_insert_rowid(db->h);
    } else {
        db->st.rejects++;
    }
    return SQLITE_OK;
}

int cl_db_fts_step(cl_db *db, int max_rows)
{
    int64_t upto;
    int rc;

    if (db->st.fts_indexed >= db->st.last_id)
        return 0;
    sqlite3_bind_int64(db->fts_upto, 1, db->st.fts_indexed);
    sqlite3_bind_int(db->fts_upto, 2, max_rows);
    rc = sqlite3_step(db->fts_upto);
    upto = rc == SQLITE_ROW ? sqlite3_column_int64(db->fts_upto, 0) : 0;
    sqlite3_reset(db->fts_upto);
    if (rc != SQLITE_ROW || upto <= db->st.fts_indexed)
        return rc == SQLITE_ROW ? 0 : -1;
    if (cl_db_begin(db) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(db->fts_insert, 1, db->st.fts_indexed);
    sqlite3_bind_int64(db->fts_insert, 2, upto);
    sqlite3_bind_int64(db->fts_mark, 1, upto);
    if (run(db, db->fts_insert) != SQLITE_OK || run(db, db->fts_mark) != SQLITE_OK ||
        cl_db_commit(db) != SQLITE_OK) {
        cl_db_rollback(db);
        return -1;
    }
    rc = (int)(upto - db->st.fts_indexed);
    db->st.fts_indexed = upto;
    return rc;
}

int cl_db_wal_pages(const cl_db *db)
{
    return db->wal_pages;
}

void cl_db_checkpoint(cl_db *db)
{
    sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    db->wal_pages = 0;
}

const char *cl_db_errmsg(cl_db *db)
{
    return sqlite3_errmsg(db->h);
}

const char *cl_db_errstr(int code)
{
    return sqlite3_errstr(code);
}

void cl_db_get_stats(const cl_db *db, cl_db_stats *st)
{
    *st = db->st;
}

void cl_db_close(cl_db *db)
{
    if (db == NULL)
        return;
    if (db->in_txn)
        cl_db_rollback(db);
    sqlite3_finalize(db->ins_entry);
    sqlite3_finalize(db->ins_reject);
    sqlite3_finalize(db->begin);
    sqlite3_finalize(db->commit);
    sqlite3_finalize(db->rollback);
    sqlite3_finalize(db->fts_upto);
    sqlite3_finalize(db->fts_insert);
    sqlite3_finalize(db->fts_mark);
    sqlite3_close(db->h);
    free(db);
}
