/* sink_sqlite.c - the live partition: batched inserts with prepared
 * statements, WAL mode, explicit ids.
 *
 * Only the writer thread touches the connection. Inserts happen inside
 * transactions the writer opens and commits (N entries or T ms). The live
 * partition has no secondary index and no full-text rows (schema/
 * partition.sql): the keeper builds them once the partition is closed.
 * Ids are assigned here, from the partition's first ids on, so that they
 * stay globally increasing across partitions and across a replaced file.
 *
 * The file can go wrong under us in two ways SQLite does not report. Deleted
 * (rm centrallog.db*), it keeps taking commits into unlinked inodes that
 * vanish at close; so cl_db_check compares what the path names with what we
 * opened, and the writer calls it before every commit. Damaged (pages
 * overwritten), it fails with SQLITE_CORRUPT or SQLITE_NOTADB; like
 * journald with a corrupt journal, we rename it aside untouched - no
 * checkpoint on close, so not even its WAL is folded in - and start anew.
 */
#include "sink_sqlite.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbschema.h"
#include "fsutil.h"
#include "timefmt.h"

struct cl_db {
    sqlite3 *h; /* NULL after a failed cl_db_replace */
    sqlite3_stmt *ins_entry, *ins_reject, *begin, *commit, *rollback, *set_range;
    int in_txn;
    /* The entries' ts range kept in meta min_ts/max_ts (has_range: both
     * there), and that of the open transaction's entries: readers skip a
     * live partition whose range misses their time filter, so the range is
     * written in the transaction that adds the rows (cl_db_commit). */
    int has_range, txn_has_range, range_dirty; /* dirty: known, not yet in meta */
    int64_t min_ts, max_ts, txn_min_ts, txn_max_ts;
    /* Ids: the partition's first ones (its meta, the catalog's row), the
     * next to assign, and those at the open transaction's BEGIN (a rollback
     * gives its ids back: the records are retried in order). */
    int64_t first_id, first_reject;
    int64_t next_id, next_reject, txn_id, txn_reject;
    int wal_pages;
    int schema_version; /* as found on open, then as written */
    int open_rc;        /* SQLite code of the failure that ended the last connect */
    char *path;
    int64_t journal_limit; /* -1: SQLite's default (no limit) */
    /* Identity of the files open, to notice that the path names others. */
    cl_file_id id_db, id_wal, id_shm;
    int have_wal_id, have_shm_id;
    cl_db_stats st;
};

static const char SQL_INSERT_ENTRY[] =
    "INSERT INTO entries (ts, received, level, app, host, pid, tid, logger, trace_id, "
    "span_id, msg, fields, extra, peer_pid, peer_uid, peer_gid, peer_sid, id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";
static const char SQL_SET_RANGE[] =
    "INSERT OR REPLACE INTO meta (key, value) VALUES ('min_ts', ?1), ('max_ts', ?2)";
static const char SQL_INSERT_REJECT[] =
    "INSERT INTO rejects (received, peer_pid, peer_uid, peer_gid, peer_sid, reason, message, raw, "
    "raw_len, id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

static int fail(cl_db *db, char *err, size_t errlen, const char *what)
{
    db->open_rc = db->h ? sqlite3_errcode(db->h) : SQLITE_NOMEM;
    snprintf(err, errlen, "%s: %s%s", what, db->h ? sqlite3_errmsg(db->h) : "out of memory",
             cl_db_full_hint(db->h));
    return -1;
}

int cl_db_is_damage(int rc)
{
    return (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
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

static int file_is_ours(const char *path);
static int quick_check(cl_db *db, char *err, size_t errlen);

/* Checks that an existing file is a partition this version understands (a
 * new, empty file passes). Read-only: a file we refuse stays as it was. */
static int check_schema(cl_db *db, char *err, size_t errlen)
{
    int64_t tables;
    int version = 0, rc = SQLITE_OK;
    enum cl_db_kind kind;

    if (query_int(db->h, "SELECT count(*) FROM sqlite_master", &tables)) {
        fail(db, err, errlen, "cannot read the database header (is it an SQLite file?)");
        return -1;
    }
    if (tables == 0) {
        int64_t version0;

        /* A version with no tables (or a negative one) is not ours to fill. */
        if (query_int(db->h, "PRAGMA user_version", &version0) == SQLITE_OK && version0 != 0) {
            snprintf(err, errlen,
                     "the database has schema version %lld but is not a CentralLog database; "
                     "point --db at a new or CentralLog file",
                     (long long)version0);
            return -1;
        }
        db->schema_version = 0;
        return 0;
    }
    kind = cl_db_kind_of(db->h, &version, &rc);
    if (kind == CL_DBK_ERROR || kind == CL_DBK_NOT_SQLITE) {
        db->open_rc = rc;
        snprintf(err, errlen, "cannot read the partition's header: %s", sqlite3_errstr(rc));
        return -1;
    }
    if (kind == CL_DBK_PARTITION && version > CL_DB_LAYOUT_VERSION) {
        snprintf(err, errlen,
                 "the partition has schema version %d, newer than this collector's %d; "
                 "use a newer centrallogd or another --db",
                 version, CL_DB_LAYOUT_VERSION);
        return -1;
    }
    /* Ours by its application_id but unreadable as a partition: damaged
     * (quick_check says so and sets open_rc), or another kind of file. */
    if (kind != CL_DBK_PARTITION && file_is_ours(db->path) && quick_check(db, err, errlen) != 0)
        return -1;
    if (kind != CL_DBK_PARTITION) {
        snprintf(err, errlen,
                 "%s is a %s of schema version %d, not a partition this collector writes "
                 "(version %d)",
                 db->path, cl_db_kind_name(kind), version, CL_DB_LAYOUT_VERSION);
        return -1;
    }
    db->schema_version = version;
    return 0;
}

/* A new file gets the partition schema and its meta rows (first ids, the
 * empty full-text index's mark) with the user_version, in one transaction:
 * a crash leaves an empty file, never a half-made partition. */
static int apply_schema(cl_db *db, char *err, size_t errlen)
{
    char sql[256];

    if (db->schema_version == CL_DB_LAYOUT_VERSION)
        return 0;
    if (sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, err, errlen, "cannot start the schema transaction");
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO meta (key, value) VALUES ('first_id', %lld), "
             "('first_reject', %lld), ('fts_indexed_upto', %lld); PRAGMA user_version = %d",
             (long long)db->first_id, (long long)db->first_reject, (long long)db->first_id - 1,
             CL_DB_LAYOUT_VERSION);
    if (sqlite3_exec(db->h, cl_db_partition_sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fail(db, err, errlen, "cannot create the partition schema");
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    db->schema_version = CL_DB_LAYOUT_VERSION;
    return 0;
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

static int64_t path_size(const char *path, const char *suffix)
{
    char p[4200];
    cl_file_id id;

    snprintf(p, sizeof p, "%s%s", path, suffix);
    return cl_file_id_path(p, &id) == 0 ? (int64_t)id.size : 0;
}

/* PRAGMA quick_check over a file small enough to read at every start (see
 * CL_DB_QUICK_CHECK_MAX); a larger one is left to the error codes. */
static int quick_check(cl_db *db, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int rc;

    if ((uint64_t)(path_size(db->path, "") + path_size(db->path, "-wal")) > CL_DB_QUICK_CHECK_MAX)
        return 0;
    if (sqlite3_prepare_v2(db->h, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK)
        return fail(db, err, errlen, "cannot check the database");
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
        db->open_rc = SQLITE_CORRUPT;
        snprintf(err, errlen, "PRAGMA quick_check: %s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : fail(db, err, errlen, "cannot check the database");
}

/* Records which files the path, its WAL and its shared-memory index name
 * now (the connection has all three open once it has read the database).
 * Readers find each other's commits through the -shm: if it is deleted or
 * replaced, readers opening the path share a new one the writer never
 * updates, and stop seeing new rows. */
static void remember_identity(cl_db *db)
{
    char wal[4200], shm[4200];

    snprintf(wal, sizeof wal, "%s-wal", db->path);
    snprintf(shm, sizeof shm, "%s-shm", db->path);
    if (cl_file_id_path(db->path, &db->id_db) != 0)
        memset(&db->id_db, 0, sizeof db->id_db);
    db->have_wal_id = cl_file_id_path(wal, &db->id_wal) == 0;
    db->have_shm_id = cl_file_id_path(shm, &db->id_shm) == 0;
}

static void finalize_all(cl_db *db)
{
    sqlite3_stmt **all[] = { &db->ins_entry, &db->ins_reject, &db->begin,
                             &db->commit,    &db->rollback,   &db->set_range };

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        sqlite3_finalize(*all[i]);
        *all[i] = NULL;
    }
}

/* Rolls back the open transaction, if any, and takes back its ids. */
static void txn_lost(cl_db *db)
{
    if (db->in_txn && sqlite3_get_autocommit(db->h) == 0)
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    if (db->in_txn) {
        db->next_id = db->txn_id;
        db->next_reject = db->txn_reject;
        db->st.last_id = db->next_id - 1;
    }
    db->in_txn = 0;
    db->txn_has_range = 0;
}

/* Closes the connection. keep_files: without the checkpoint (and WAL
 * removal) SQLite does on the last close, so that a damaged or vanished
 * file's WAL is left exactly as it was. */
static void disconnect(cl_db *db, int keep_files)
{
    if (db->h == NULL)
        return;
    txn_lost(db);
    finalize_all(db);
    if (keep_files)
        sqlite3_db_config(db->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    sqlite3_close(db->h);
    db->h = NULL;
}

enum { CONNECT_FAILED = -1, CONNECT_OK = 0, CONNECT_DAMAGED = 1 };

/* Opens the file at db->path as described at cl_db_open, without the
 * damage handling. Returns CONNECT_OK, CONNECT_FAILED, or CONNECT_DAMAGED
 * when SQLite found the file corrupt (err says how); closed on failure. */
/* The range in meta; a partition an older collector wrote has rows and no
 * range: it is computed once (a scan, at start only). */
static int read_range(cl_db *db)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db->h,
                                "SELECT (SELECT value FROM meta WHERE key = 'min_ts'), "
                                "(SELECT value FROM meta WHERE key = 'max_ts'), "
                                "(SELECT min(ts) FROM entries), (SELECT max(ts) FROM entries)",
                                -1, &st, NULL);

    db->has_range = db->txn_has_range = db->range_dirty = 0;
    if (rc != SQLITE_OK)
        return rc;
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int meta = sqlite3_column_type(st, 0) == SQLITE_INTEGER &&
                   sqlite3_column_type(st, 1) == SQLITE_INTEGER;
        int col = meta ? 0 : 2;

        db->has_range = sqlite3_column_type(st, col) == SQLITE_INTEGER;
        db->min_ts = sqlite3_column_int64(st, col);
        db->max_ts = sqlite3_column_int64(st, col + 1);
        /* Found by the scan: written with the next commit. */
        db->range_dirty = db->has_range && !meta;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

static int connect_db(cl_db *db, char *err, size_t errlen)
{
    int64_t last_id = 0, last_reject = 0;
    char pragmas[96];

    db->open_rc = SQLITE_OK;
    db->schema_version = 0;
    db->wal_pages = 0;
    /* Before SQLite opens anything (at start and at every reopen): no
     * planted link, FIFO or device in place of the database or its
     * -wal/-shm/-journal (fsutil.h). */
    if (cl_db_path_check(db->path, err, errlen) != 0)
        return CONNECT_FAILED;
    /* Allocation statistics take a global mutex on every malloc; we never
     * read them. Fails harmlessly if SQLite is already initialised. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    /* One thread owns this connection: no need for per-call locking. */
    if (sqlite3_open_v2(db->path, &db->h,
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
    if (db->schema_version > 0 && quick_check(db, err, errlen) != 0)
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
    snprintf(pragmas, sizeof pragmas, "PRAGMA journal_size_limit=%lld",
             (long long)db->journal_limit);
    sqlite3_exec(db->h, pragmas, NULL, NULL, NULL);
    if (apply_schema(db, err, errlen) != 0)
        goto fail;
    /* Replaces SQLite's auto-checkpoint hook: see checkpoint.h. */
    sqlite3_wal_hook(db->h, wal_hook, db);
    if (prepare(db, &db->ins_entry, SQL_INSERT_ENTRY) ||
        prepare(db, &db->ins_reject, SQL_INSERT_REJECT) || prepare(db, &db->begin, "BEGIN") ||
        prepare(db, &db->commit, "COMMIT") || prepare(db, &db->rollback, "ROLLBACK") ||
        prepare(db, &db->set_range, SQL_SET_RANGE)) {
        fail(db, err, errlen, "cannot prepare statements");
        goto fail;
    }
    if (query_int(db->h, "SELECT coalesce(max(id), 0) FROM entries", &last_id) ||
        query_int(db->h, "SELECT coalesce(max(id), 0) FROM rejects", &last_reject)) {
        fail(db, err, errlen, "cannot read the database state");
        goto fail;
    }
    /* Never below what this process already assigned: a file replaced
     * under us starts empty, and ids must still only grow. */
    if (db->next_id < db->first_id)
        db->next_id = db->first_id;
    if (db->next_id <= last_id)
        db->next_id = last_id + 1;
    if (db->next_reject < db->first_reject)
        db->next_reject = db->first_reject;
    if (db->next_reject <= last_reject)
        db->next_reject = last_reject + 1;
    if (read_range(db) != SQLITE_OK) {
        fail(db, err, errlen, "cannot read the database state");
        goto fail;
    }
    db->st.fts_indexed = db->first_id - 1;
    db->st.last_id = db->next_id - 1;
    remember_identity(db);
    return CONNECT_OK;
fail:
    disconnect(db, 1);
    return cl_db_is_damage(db->open_rc) ? CONNECT_DAMAGED : CONNECT_FAILED;
}

/* Whether the file at path carries CentralLog's application_id in an intact
 * SQLite header: only such a file is ours to move aside when damaged. */
static int file_is_ours(const char *path)
{
    static const char magic[16] = "SQLite format 3";
    unsigned char h[100];
    FILE *f = fopen(path, "rb");
    size_t n = f != NULL ? fread(h, 1, sizeof h, f) : 0;
    uint32_t appid;

    if (f != NULL)
        fclose(f);
    if (n < sizeof h || memcmp(h, magic, sizeof magic) != 0)
        return 0;
    appid = (uint32_t)h[68] << 24 | (uint32_t)h[69] << 16 | (uint32_t)h[70] << 8 | h[71];
    return appid == (uint32_t)CL_DB_APPLICATION_ID;
}

/* Renames the database and its WAL and shared-memory files to
 * PATH.corrupt-<UTC time>[-N] (and -wal, -shm after it, so that sqlite3
 * opens the renamed copy with its WAL). Never replaces an existing file. */
static int move_aside(cl_db *db, char *err, size_t errlen)
{
    static const char *const sfx[] = { "", "-wal", "-shm" };
    char stamp[CL_TS_STAMP_LEN + 1], from[4200], to[4300];
    cl_file_id id;

    cl_utc_stamp(cl_now_us(), stamp);
    for (int n = 1;; n++) {
        if (n == 1)
            snprintf(db->st.aside, sizeof db->st.aside, "corrupt-%s", stamp);
        else
            snprintf(db->st.aside, sizeof db->st.aside, "corrupt-%s-%d", stamp, n);
        snprintf(to, sizeof to, "%s.%s", db->path, db->st.aside);
        if (cl_file_id_path(to, &id) != 0)
            break;
        if (n == 1000) {
            snprintf(err, errlen, "cannot find a free name to rename the damaged %s to", db->path);
            return -1;
        }
    }
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        snprintf(from, sizeof from, "%s%s", db->path, sfx[i]);
        snprintf(to, sizeof to, "%s.%s%s", db->path, db->st.aside, sfx[i]);
        if (cl_rename_replace(from, to) != 0 && (i == 0 || cl_file_id_path(from, &id) == 0)) {
            snprintf(err, errlen, "cannot rename the damaged %s to %s: %s", from, to,
                     strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Connects; a damaged CentralLog file is renamed aside and a new database
 * started in its place. */
static int attach(cl_db *db, int known_ours, char *err, size_t errlen)
{
    char why[512];

    if (connect_db(db, err, errlen) != CONNECT_DAMAGED)
        return db->h != NULL ? 0 : -1;
    if (!known_ours && !file_is_ours(db->path)) {
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen,
                 "%s cannot be used (%s) and is not recognisably a CentralLog database, so it "
                 "is left untouched; move it away or point --db elsewhere",
                 db->path, why);
        return -1;
    }
    snprintf(db->st.damage, sizeof db->st.damage, "%s", err);
    if (move_aside(db, err, errlen) != 0)
        return -1;
    db->st.corrupt++;
    return connect_db(db, err, errlen) == CONNECT_OK ? 0 : -1;
}

int cl_db_open(cl_db **out, const char *path, int64_t first_id, int64_t first_reject, char *err,
               size_t errlen)
{
    cl_db *db = calloc(1, sizeof *db);

    *out = NULL;
    if (db == NULL || (db->path = strdup(path)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    db->journal_limit = -1;
    db->first_id = first_id;
    db->first_reject = first_reject;
    if (attach(db, 0, err, errlen) != 0)
        goto fail;
    *out = db;
    return 0;
fail:
    cl_db_close(db);
    return -1;
}

void cl_db_set_journal_limit(cl_db *db, int64_t bytes)
{
    char sql[96];

    db->journal_limit = bytes;
    snprintf(sql, sizeof sql, "PRAGMA journal_size_limit=%lld", (long long)bytes);
    if (db->h != NULL)
        sqlite3_exec(db->h, sql, NULL, NULL, NULL);
}

int cl_db_is_open(const cl_db *db)
{
    return db->h != NULL;
}

static int same_file(const cl_file_id *a, const cl_file_id *b)
{
    return a->dev == b->dev && a->ino == b->ino;
}

/* Whether path+suffix still names the file id (have: it did when opened). */
static int still_there(const cl_db *db, const char *suffix, int have, const cl_file_id *id)
{
    char p[4200];
    cl_file_id now;

    if (!have)
        return 1;
    snprintf(p, sizeof p, "%s%s", db->path, suffix);
    return cl_file_id_path(p, &now) == 0 && same_file(&now, id);
}

enum cl_db_fault cl_db_check(cl_db *db)
{
    cl_file_id now;

    if (db->h == NULL)
        return CL_DB_GONE;
    if (cl_file_id_path(db->path, &now) != 0 || !same_file(&now, &db->id_db))
        return CL_DB_GONE;
    if (!still_there(db, "-wal", db->have_wal_id, &db->id_wal) ||
        !still_there(db, "-shm", db->have_shm_id, &db->id_shm))
        return CL_DB_GONE;
    return CL_DB_FINE;
}

/* The vanished files are still open: note what only they hold. When only
 * the WAL was removed, its pages are first copied into the database file,
 * which is still at the path. */
static void note_gone(cl_db *db)
{
    cl_file_id now;
    int64_t e = 0, r = 0;

    if (db->h == NULL)
        return;
    txn_lost(db);
    /* Only the -shm gone: the database and WAL are intact and still at the
     * path, and reopening (without a checkpoint on close) loses nothing. */
    db->st.gone_shm_only = cl_file_id_path(db->path, &now) == 0 && same_file(&now, &db->id_db) &&
                           still_there(db, "-wal", db->have_wal_id, &db->id_wal);
    if (db->st.gone_shm_only) {
        db->st.gone_wal_only = 0;
        db->st.gone_entries = db->st.gone_rejects = 0;
        return;
    }
    db->st.gone_wal_only = cl_file_id_path(db->path, &now) == 0 && same_file(&now, &db->id_db);
    if (db->st.gone_wal_only) {
        int log = -1, done = -1;

        /* Copied back in full, nothing is lost. */
        if (sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) ==
                SQLITE_OK &&
            log == done) {
            db->st.gone_entries = db->st.gone_rejects = 0;
            return;
        }
    }
    query_int(db->h, "SELECT coalesce(max(id), 0) FROM entries", &e);
    query_int(db->h, "SELECT coalesce(max(id), 0) FROM rejects", &r);
    db->st.gone_entries = e;
    db->st.gone_rejects = r;
}

int cl_db_replace(cl_db *db, enum cl_db_fault why, char *err, size_t errlen)
{
    if (why == CL_DB_GONE && db->h != NULL) {
        note_gone(db);
        db->st.reopens++;
    }
    disconnect(db, 1);
    if (why == CL_DB_DAMAGED) {
        snprintf(
            db->st.damage, sizeof db->st.damage, "%s",
            cl_db_errstr(cl_db_is_damage(db->st.last_error) ? db->st.last_error : SQLITE_CORRUPT));
        if (move_aside(db, err, errlen) != 0)
            return -1;
        db->st.corrupt++;
    }
    /* rm -r of the data directory removes the directory as well. */
    cl_mkdir_parents(db->path, 0750);
    return attach(db, 0, err, errlen);
}

/* A database closed by a failed cl_db_replace refuses every statement. */
static int closed(cl_db *db)
{
    db->st.errors++;
    db->st.last_error = SQLITE_CANTOPEN;
    return SQLITE_CANTOPEN;
}

static int run(cl_db *db, sqlite3_stmt *st)
{
    int rc;

    if (db->h == NULL)
        return closed(db);
    rc = sqlite3_step(st);

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

    db->txn_has_range = 0;
    db->in_txn = rc == SQLITE_OK;
    db->txn_id = db->next_id;
    db->txn_reject = db->next_reject;
    return rc;
}

/* Widens meta's range to the transaction's entries, inside it. */
static int write_range(cl_db *db, int64_t *lo, int64_t *hi)
{
    *lo = db->min_ts;
    *hi = db->max_ts;
    if (db->txn_has_range && (!db->has_range || db->txn_min_ts < *lo))
        *lo = db->txn_min_ts;
    if (db->txn_has_range && (!db->has_range || db->txn_max_ts > *hi))
        *hi = db->txn_max_ts;
    if (!db->range_dirty &&
        (!db->txn_has_range || (db->has_range && *lo == db->min_ts && *hi == db->max_ts)))
        return SQLITE_OK;
    sqlite3_bind_int64(db->set_range, 1, *lo);
    sqlite3_bind_int64(db->set_range, 2, *hi);
    return run(db, db->set_range);
}

int cl_db_commit(cl_db *db)
{
    int64_t lo = 0, hi = 0;
    int rc = db->h != NULL ? write_range(db, &lo, &hi) : SQLITE_OK;

    if (rc == SQLITE_OK)
        rc = run(db, db->commit);
    if (rc == SQLITE_OK) {
        db->in_txn = 0;
        db->st.commits++;
        if (db->txn_has_range || db->range_dirty) {
            db->has_range = 1;
            db->min_ts = lo;
            db->max_ts = hi;
        }
        db->txn_has_range = db->range_dirty = 0;
    }
    return rc;
}

void cl_db_rollback(cl_db *db)
{
    if (db->h != NULL && sqlite3_get_autocommit(db->h) == 0)
        run(db, db->rollback);
    if (db->in_txn) {
        db->next_id = db->txn_id;
        db->next_reject = db->txn_reject;
        db->st.last_id = db->next_id - 1;
    }
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

    if (db->h == NULL)
        return closed(db);
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
        sqlite3_bind_int64(st, 18, db->next_id);
    } else {
        const cl_reject_fields *j = &r->u.r;

        st = db->ins_reject;
        sqlite3_bind_int64(st, 1, r->received_us);
        bind_peer(st, 2, &r->peer);
        sqlite3_bind_text(st, 6, cl_reason_code(j->reason), -1, SQLITE_STATIC);
        bind_str(st, 7, &j->message);
        sqlite3_bind_blob(st, 8, j->raw.p, (int)j->raw.n, SQLITE_STATIC);
        sqlite3_bind_int64(st, 9, (int64_t)j->raw_len);
        sqlite3_bind_int64(st, 10, db->next_reject);
    }
    /* Every parameter is bound on every call (NULL included), so there is
     * no need to clear bindings between rows. */
    rc = run(db, st);
    if (rc != SQLITE_OK)
        return rc;
    if (r->kind == CL_REC_ENTRY) {
        int64_t ts = r->u.e.ts_us;

        if (!db->txn_has_range || ts < db->txn_min_ts)
            db->txn_min_ts = ts;
        if (!db->txn_has_range || ts > db->txn_max_ts)
            db->txn_max_ts = ts;
        db->txn_has_range = 1;
        db->st.entries++;
        db->st.last_id = db->next_id++;
    } else {
        db->st.rejects++;
        db->next_reject++;
    }
    return SQLITE_OK;
}

void cl_db_next_ids(const cl_db *db, int64_t *next_id, int64_t *next_reject)
{
    *next_id = db->next_id;
    *next_reject = db->next_reject;
}

void cl_db_carry_stats(cl_db *to, const cl_db *from)
{
    int64_t fts = to->st.fts_indexed, last = to->st.last_id;

    to->st = from->st;
    to->st.fts_indexed = fts;
    to->st.last_id = last;
}

int cl_db_truncate_close(cl_db *db)
{
    int rc = SQLITE_OK;

    if (db == NULL)
        return SQLITE_OK;
    if (db->h != NULL && !db->in_txn) {
        /* TRUNCATE waits for every reader of the file to finish; a reader's
         * snapshot of the live partition (a query, tail, verify) would hold
         * the writer for the whole busy timeout. Refused, the WAL stays
         * beside the file until the keeper's copy, which reads through it
         * (and removes it with the file); readers see the 'sealing' file
         * with its WAL, never immutable. */
        sqlite3_busy_timeout(db->h, 0);
        rc = sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    }
    cl_db_close(db);
    return rc;
}

int cl_db_wal_pages(const cl_db *db)
{
    return db->wal_pages;
}

void cl_db_checkpoint(cl_db *db)
{
    if (db->h != NULL)
        sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    db->wal_pages = 0;
}

const char *cl_db_errmsg(cl_db *db)
{
    return db->h != NULL ? sqlite3_errmsg(db->h) : "the database is not open";
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
    finalize_all(db);
    sqlite3_close(db->h);
    free(db->path);
    free(db);
}
