/* test_sqlite.c - the SQLite sink (collector/sink_sqlite.h).
 *
 * What the sink writes is checked with a second, independent sqlite3
 * connection, the way the CLI and any other reader would see it. Databases
 * of an older schema are made from the historic DDL the way the collector of
 * that time made them (tests/schema/centrallog-v<N>.sql).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sink_sqlite.h"
#include "testutil.h"
#include "validate.h"

#define RECEIVED 1795774503000000LL
#define T_EXAMPLE 1795774502123456LL

static const cl_peer PEER = { 999, 1000, 100, NULL };
static const cl_peer NO_PEER = { -1, -1, -1, NULL };
/* As io_win32.c fills it: no uid/gid, the user's SID. */
static const cl_peer WIN_PEER = { 4711, -1, -1, "S-1-5-21-3623811015-3361044348-30300820-1013" };

/* Per-test scratch directory and database path. */
typedef tu_dir fixture;

static int make_fixture(void **state)
{
    return tu_dir_setup(state, "sqlite");
}

static int remove_fixture(void **state)
{
    return tu_dir_teardown(state);
}

/* A record as the collector would build it from line. */
static cl_record *record(const char *line, const cl_peer *peer, const char *default_host)
{
    return tu_record(line, peer, default_host, RECEIVED);
}

static cl_db *open_db(const char *path)
{
    return tu_db_open(path);
}

static void insert(cl_db *db, cl_record *r)
{
    assert_int_equal(cl_db_insert(db, r), SQLITE_OK);
    cl_record_free(r);
}

/* ---- reading back with plain sqlite3 ---- */

static sqlite3 *reader(const char *path)
{
    sqlite3 *h = NULL;

    assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    return h;
}

static int64_t query_int(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v;

    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(h));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void exec(sqlite3 *h, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
}

static void col_null(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) != SQLITE_NULL)
        fail_msg("column %s is not NULL", sqlite3_column_name(st, i));
}

static void col_int(sqlite3_stmt *st, int i, int64_t v)
{
    if (sqlite3_column_type(st, i) != SQLITE_INTEGER)
        fail_msg("column %s is not an integer", sqlite3_column_name(st, i));
    assert_int_equal(sqlite3_column_int64(st, i), v);
}

static void col_text(sqlite3_stmt *st, int i, const char *v)
{
    if (sqlite3_column_type(st, i) != SQLITE_TEXT)
        fail_msg("column %s is not text", sqlite3_column_name(st, i));
    assert_int_equal(sqlite3_column_bytes(st, i), (int)strlen(v));
    assert_string_equal((const char *)sqlite3_column_text(st, i), v);
}

/* ---- tests ---- */

static void test_new_database_schema(void **state)
{
    fixture *f = *state;
    cl_db *db = open_db(f->db);
    cl_db_stats st;
    sqlite3 *h;

    cl_db_get_stats(db, &st);
    assert_int_equal(st.last_id, 0);
    assert_int_equal(st.fts_indexed, 0);
    assert_int_equal(st.entries, 0);
    cl_db_close(db);

    h = reader(f->db);
    assert_int_equal(query_int(h, "PRAGMA user_version"), 3);
    assert_int_equal(query_int(h, "PRAGMA application_id"), 1129074503);
    assert_int_equal(query_int(h, "PRAGMA application_id"), CL_DB_APPLICATION_ID);
    assert_int_equal(query_int(h, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                  "name IN ('entries', 'rejects', 'meta', 'entries_fts')"),
                     4);
    assert_int_equal(query_int(h, "SELECT value FROM meta WHERE key = 'fts_indexed_upto'"), 0);
    assert_int_equal(query_int(h, "SELECT count(*) FROM meta WHERE key = 'created'"), 1);
    /* WAL is a property of the file: readers see it too. */
    {
        sqlite3_stmt *q;

        assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
        sqlite3_finalize(q);
    }
    sqlite3_close(h);
}

static void test_insert_entries_and_rejects(void **state)
{
    fixture *f = *state;
    cl_db *db = open_db(f->db);
    cl_db_stats st;
    sqlite3 *h;
    sqlite3_stmt *q;
    char *big;

    assert_int_equal(cl_db_begin(db), SQLITE_OK);
    insert(db,
           record("{\"ts\":\"2026-11-27T10:15:02.123456Z\",\"level\":\"error\",\"app\":\"billing\","
                  "\"host\":\"web-01\",\"pid\":4242,\"tid\":7,\"logger\":\"pay\","
                  "\"trace_id\":\"t1\",\"span_id\":\"s1\",\"msg\":\"payment declined\","
                  "\"fields\":{ \"order\" : 81723 },\"zone\":\"eu\"}",
                  &PEER, "collector-host"));
    /* Minimal: no host anywhere, unknown peer -> NULLs. */
    insert(db, record("{\"level\":\"trace\",\"app\":\"web\",\"msg\":\"m\"}", &NO_PEER, NULL));
    insert(db, record("{\"level\":\"info\"}", &PEER, "collector-host"));
    /* A long reject keeps 4 KiB of raw bytes and the full length. */
    big = malloc(10001);
    assert_non_null(big);
    memset(big, 'x', 10000);
    big[0] = '{';
    big[10000] = '\0';
    insert(db, record(big, &NO_PEER, NULL));
    assert_int_equal(cl_db_commit(db), SQLITE_OK);
    cl_db_get_stats(db, &st);
    assert_int_equal(st.entries, 2);
    assert_int_equal(st.rejects, 2);
    assert_int_equal(st.commits, 1);
    assert_int_equal(st.errors, 0);
    assert_int_equal(st.last_id, 2);

    h = reader(f->db);
    assert_int_equal(
        sqlite3_prepare_v2(h,
                           "SELECT id, ts, received, level, app, host, pid, tid, logger, "
                           "trace_id, span_id, msg, fields, extra, peer_pid, peer_uid, "
                           "peer_gid, peer_sid FROM entries ORDER BY id",
                           -1, &q, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    col_int(q, 0, 1);
    col_int(q, 1, T_EXAMPLE);
    col_int(q, 2, RECEIVED);
    col_int(q, 3, 3);
    col_text(q, 4, "billing");
    col_text(q, 5, "web-01");
    col_int(q, 6, 4242);
    col_int(q, 7, 7);
    col_text(q, 8, "pay");
    col_text(q, 9, "t1");
    col_text(q, 10, "s1");
    col_text(q, 11, "payment declined");
    col_text(q, 12, "{\"order\":81723}");
    col_text(q, 13, "{\"zone\":\"eu\"}");
    col_int(q, 14, 999);
    col_int(q, 15, 1000);
    col_int(q, 16, 100);
    col_null(q, 17); /* POSIX: no SID */

    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    col_int(q, 0, 2);
    col_int(q, 1, RECEIVED); /* no ts: the time of receipt */
    col_int(q, 2, RECEIVED);
    col_int(q, 3, 8);
    col_text(q, 4, "web");
    for (int i = 5; i <= 10; i++)
        col_null(q, i); /* host pid tid logger trace_id span_id */
    col_text(q, 11, "m");
    for (int i = 12; i <= 17; i++)
        col_null(q, i); /* fields extra peer_* */
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);

    assert_int_equal(
        sqlite3_prepare_v2(h,
                           "SELECT received, peer_pid, peer_uid, peer_gid, reason, "
                           "message, raw, raw_len, typeof(raw), peer_sid FROM rejects ORDER BY id",
                           -1, &q, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    col_int(q, 0, RECEIVED);
    col_int(q, 1, 999);
    col_int(q, 2, 1000);
    col_int(q, 3, 100);
    col_text(q, 4, "missing_field");
    assert_non_null(strstr((const char *)sqlite3_column_text(q, 5), "msg"));
    assert_int_equal(sqlite3_column_bytes(q, 6), 16);
    assert_memory_equal(sqlite3_column_blob(q, 6), "{\"level\":\"info\"}", 16);
    col_int(q, 7, 16);
    col_text(q, 8, "blob");
    col_null(q, 9);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    col_null(q, 1);
    col_null(q, 2);
    col_null(q, 3);
    col_text(q, 4, "not_json");
    assert_int_equal(sqlite3_column_bytes(q, 6), CL_REJECT_RAW_MAX);
    assert_memory_equal(sqlite3_column_blob(q, 6), big, CL_REJECT_RAW_MAX);
    col_int(q, 7, 10000);
    col_null(q, 9);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    sqlite3_close(h);
    free(big);
    cl_db_close(db);
}

/* Nothing of an unfinished transaction survives: not after a rollback, not
 * after closing mid-transaction. */
static void test_uncommitted_is_gone(void **state)
{
    fixture *f = *state;
    cl_db *db = open_db(f->db);
    sqlite3 *h;

    assert_int_equal(cl_db_begin(db), SQLITE_OK);
    insert(db, record("{\"level\":\"info\",\"app\":\"web\",\"msg\":\"rolled back\"}", &PEER, "h"));
    cl_db_rollback(db);
    assert_int_equal(cl_db_begin(db), SQLITE_OK);
    insert(db,
           record("{\"level\":\"info\",\"app\":\"web\",\"msg\":\"never committed\"}", &PEER, "h"));
    cl_db_close(db);
    h = reader(f->db);
    assert_int_equal(query_int(h, "SELECT count(*) FROM entries"), 0);
    sqlite3_close(h);
}

/* A failed insert reports SQLite's code and is counted. */
static void test_insert_error(void **state)
{
    fixture *f = *state;
    cl_db *db = open_db(f->db);
    cl_record *r = record("{\"level\":\"info\",\"app\":\"web\",\"msg\":\"m\"}", &PEER, "h");
    cl_db_stats st;

    /* The schema allows levels 0-8 only. */
    r->u.e.level = 9;
    assert_int_equal(cl_db_begin(db), SQLITE_OK);
    assert_int_equal(cl_db_insert(db, r), SQLITE_CONSTRAINT_CHECK);
    cl_db_get_stats(db, &st);
    assert_int_equal(st.errors, 1);
    assert_int_equal(st.last_error, SQLITE_CONSTRAINT_CHECK);
    assert_int_equal(st.entries, 0);
    assert_non_null(strstr(cl_db_errmsg(db), "CHECK"));
    /* The statement is reusable after the failure. */
    r->u.e.level = 8;
    assert_int_equal(cl_db_insert(db, r), SQLITE_OK);
    assert_int_equal(cl_db_commit(db), SQLITE_OK);
    cl_record_free(r);
    cl_db_close(db);
}

/* The live partition takes ids from its first ones on, keeps no full-text
 * rows, and a rolled-back transaction gives its ids back (its records are
 * retried in order). */
static void test_explicit_ids(void **state)
{
    fixture *f = *state;
    cl_db *db;
    cl_db_stats st;
    sqlite3 *h;
    char err[512];
    int64_t next_id, next_reject;

    assert_int_equal(cl_db_open(&db, f->db, 1001, 51, err, sizeof err), 0);
    assert_int_equal(cl_db_begin(db), SQLITE_OK);
    insert(db, record("{\"level\":\"info\",\"app\":\"a\",\"msg\":\"needle 1\"}", &PEER, "h"));
    insert(db, record("{\"level\":\"info\",\"app\":\"a\",\"msg\":\"needle 2\"}", &PEER, "h"));
    cl_db_rollback(db);
    cl_db_next_ids(db, &next_id, &next_reject);
    assert_int_equal(next_id, 1001);
    assert_int_equal(cl_db_begin(db), SQLITE_OK);
    insert(db, record("{\"level\":\"info\",\"app\":\"a\",\"msg\":\"needle 3\"}", &PEER, "h"));
    insert(db, record("{\"level\":\"info\",\"app\":\"a\",\"msg\":\"needle 4\"}", &PEER, "h"));
    assert_int_equal(cl_db_commit(db), SQLITE_OK);
    cl_db_next_ids(db, &next_id, &next_reject);
    assert_int_equal(next_id, 1003);
    assert_int_equal(next_reject, 51);
    cl_db_get_stats(db, &st);
    assert_int_equal(st.last_id, 1002);
    assert_int_equal(st.fts_indexed, 1000);
    h = reader(f->db);
    assert_int_equal(query_int(h, "SELECT min(id) FROM entries"), 1001);
    assert_int_equal(query_int(h, "SELECT max(id) FROM entries"), 1002);
    assert_int_equal(
        query_int(h, "SELECT count(*) FROM entries_fts WHERE entries_fts MATCH 'needle'"), 0);
    assert_int_equal(query_int(h, "SELECT value FROM meta WHERE key = 'first_id'"), 1001);
    assert_int_equal(query_int(h, "SELECT value FROM meta WHERE key = 'first_reject'"), 51);
    assert_int_equal(query_int(h, "SELECT value FROM meta WHERE key = 'fts_indexed_upto'"), 1000);
    assert_int_equal(
        query_int(h, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"),
        0);
    sqlite3_close(h);
    cl_db_close(db);
    /* Reopened: ids continue after what the file holds. */
    assert_int_equal(cl_db_open(&db, f->db, 1001, 51, err, sizeof err), 0);
    cl_db_next_ids(db, &next_id, &next_reject);
    assert_int_equal(next_id, 1003);
    cl_db_close(db);
}

static void test_reopen_existing(void **state)
{
    fixture *f = *state;
    cl_db *db = open_db(f->db);
    cl_db_stats st;
    sqlite3 *h;
    assert_int_equal(cl_db_begin(db), SQLITE_OK);
    for (int i = 0; i < 3; i++)
        insert(db,
               record("{\"level\":\"info\",\"app\":\"web\",\"msg\":\"first batch\"}", &PEER, "h"));
    assert_int_equal(cl_db_commit(db), SQLITE_OK);
    cl_db_close(db);

    /* The state carries over: ids continue. */
    db = open_db(f->db);
    cl_db_get_stats(db, &st);
    assert_int_equal(st.last_id, 3);
    assert_int_equal(st.fts_indexed, 0); /* a live partition has no full-text rows */
    assert_int_equal(st.entries, 0);     /* counts this process's inserts */
    assert_int_equal(cl_db_begin(db), SQLITE_OK);
    insert(db, record("{\"level\":\"info\",\"app\":\"web\",\"msg\":\"second batch\"}", &PEER, "h"));
    insert(db, record("{\"level\":\"info\",\"app\":\"web\",\"msg\":\"second batch\"}", &PEER, "h"));
    assert_int_equal(cl_db_commit(db), SQLITE_OK);
    cl_db_get_stats(db, &st);
    assert_int_equal(st.last_id, 5);
    cl_db_close(db);

    h = reader(f->db);
    assert_int_equal(query_int(h, "PRAGMA user_version"), 3);
    assert_int_equal(query_int(h, "SELECT count(*) FROM entries"), 5);
    assert_int_equal(query_int(h, "SELECT max(id) FROM entries WHERE msg = 'second batch'"), 5);
    sqlite3_close(h);
}

/* Checkpoints are the writer's business (see checkpoint.h): SQLite's own
 * automatic checkpoint is off, the WAL's size is reported after each commit,
 * and cl_db_checkpoint moves the pages into the database file. */
static void test_wal_pages_and_checkpoint(void **state)
{
    fixture *f = *state;
    cl_db *db = open_db(f->db);
    char *msg = malloc(2100), *line = malloc(2200);
    int last = 0;
    int64_t before;
    sqlite3 *h;

    assert_non_null(msg);
    assert_non_null(line);
    memset(msg, 'w', 2000);
    msg[2000] = '\0';
    snprintf(line, 2200, "{\"level\":\"info\",\"app\":\"web\",\"msg\":\"%s\"}", msg);
    assert_int_equal(cl_db_wal_pages(db), 0);
    /* About 6 MB: far past the 1000 pages at which SQLite would checkpoint
     * by itself inside a COMMIT. */
    for (int batch = 0; batch < 6; batch++) {
        assert_int_equal(cl_db_begin(db), SQLITE_OK);
        for (int i = 0; i < 500; i++)
            insert(db, record(line, &PEER, "h"));
        assert_int_equal(cl_db_commit(db), SQLITE_OK);
        assert_true(cl_db_wal_pages(db) > last);
        last = cl_db_wal_pages(db);
    }
    assert_true(last > 1000);
    before = tu_file_size(f->db);
    assert_true(before < 1000000);

    cl_db_checkpoint(db);
    assert_int_equal(cl_db_wal_pages(db), 0);
    assert_true(tu_file_size(f->db) > 6000000);
    h = reader(f->db);
    assert_int_equal(query_int(h, "SELECT count(*) FROM entries"), 3000);
    sqlite3_close(h);
    cl_db_close(db);
    free(msg);
    free(line);
}

/* R3 with a reader holding a snapshot of the file (a query or verify of
 * the live partition): the TRUNCATE checkpoint gives way at once instead of
 * holding the writer for the busy timeout (5 s), and nothing is lost: the
 * WAL stays beside the file and a reader sees every row. */
static void test_truncate_close_gives_way_to_a_reader(void **state)
{
    fixture *f = *state;
    cl_db *db = open_db(f->db);
    sqlite3 *h;
    struct timespec t0, t1;
    char wal[160];
    long ms;

    assert_int_equal(cl_db_begin(db), SQLITE_OK);
    for (int i = 0; i < 10; i++)
        insert(db, record("{\"level\":\"info\",\"app\":\"web\",\"msg\":\"m\"}", &PEER, "h"));
    assert_int_equal(cl_db_commit(db), SQLITE_OK);
    h = reader(f->db);
    assert_int_equal(sqlite3_exec(h, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(query_int(h, "SELECT count(*) FROM entries"), 10); /* the snapshot */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(cl_db_truncate_close(db), SQLITE_BUSY);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    /* At once, not after the busy timeout: 5000 ms before. */
    assert_true(ms < 2000);
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    assert_true(tu_file_size(wal) > 0);
    assert_int_equal(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    h = reader(f->db);
    assert_int_equal(query_int(h, "SELECT count(*) FROM entries"), 10);
    sqlite3_close(h);
}

/* An empty file (touch) is a new database, not a foreign one. */
static void test_empty_file_is_new(void **state)
{
    fixture *f = *state;
    FILE *fp = fopen(f->db, "w");
    cl_db *db;

    assert_non_null(fp);
    fclose(fp);
    db = open_db(f->db);
    cl_db_close(db);
}

static void test_refuses_foreign_database(void **state)
{
    fixture *f = *state;
    sqlite3 *h;
    cl_db *db = NULL;
    char err[512] = "";

    assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
    exec(h, "CREATE TABLE inventory (item TEXT); INSERT INTO inventory VALUES ('widget')");
    sqlite3_close(h);

    assert_int_equal(cl_db_open(&db, f->db, 1, 1, err, sizeof err), -1);
    assert_null(db);
    assert_non_null(strstr(err, "not a CentralLog"));

    /* The file is left exactly as it was. */
    h = reader(f->db);
    assert_int_equal(query_int(h, "SELECT count(*) FROM inventory"), 1);
    assert_int_equal(query_int(h, "SELECT count(*) FROM sqlite_master WHERE name = 'entries'"), 0);
    assert_int_equal(query_int(h, "PRAGMA application_id"), 0);
    assert_int_equal(query_int(h, "PRAGMA user_version"), 0);
    /* Another application's version 1 is not ours either. */
    exec(h, "PRAGMA user_version = 1");
    sqlite3_close(h);
    err[0] = '\0';
    assert_int_equal(cl_db_open(&db, f->db, 1, 1, err, sizeof err), -1);
    assert_null(db);
    assert_non_null(strstr(err, "not a CentralLog"));
}

static void test_refuses_newer_schema(void **state)
{
    fixture *f = *state;
    cl_db *db = open_db(f->db);
    sqlite3 *h;
    char err[512] = "";

    cl_db_close(db);
    h = reader(f->db);
    exec(h, "PRAGMA user_version = 99");
    sqlite3_close(h);

    db = NULL;
    assert_int_equal(cl_db_open(&db, f->db, 1, 1, err, sizeof err), -1);
    assert_null(db);
    assert_string_equal(err, "the partition has schema version 99, newer than this collector's 3; "
                             "use a newer centrallogd or another --db");
    h = reader(f->db);
    assert_int_equal(query_int(h, "PRAGMA user_version"), 99);
    sqlite3_close(h);
}

/* A negative user_version (never ours), and a version with no tables: both
 * refused, not "migrated" from a version that does not exist. */
static void test_refuses_stray_versions(void **state)
{
    fixture *f = *state;
    static const char *const set[] = { "PRAGMA user_version = -1", "PRAGMA user_version = 1" };
    static const char *const want[] = {
        "the database has schema version -1 but is not a CentralLog database; point --db at a "
        "new or CentralLog file",
        "the database has schema version 1 but is not a CentralLog database; point --db at a "
        "new or CentralLog file",
    };

    for (int i = 0; i < 2; i++) {
        cl_db *db = NULL;
        char err[512] = "";
        sqlite3 *h;

        remove(f->db);
        assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
        exec(h, set[i]);
        sqlite3_close(h);
        assert_int_equal(cl_db_open(&db, f->db, 1, 1, err, sizeof err), -1);
        assert_null(db);
        assert_string_equal(err, want[i]);
        h = reader(f->db);
        assert_int_equal(query_int(h, "SELECT count(*) FROM sqlite_master"), 0);
        sqlite3_close(h);
    }
}

/* Windows peers: uid and gid unknown, the SID stored in both tables. */
static void test_peer_sid_stored(void **state)
{
    fixture *f = *state;
    cl_db *db = open_db(f->db);
    sqlite3 *h;
    sqlite3_stmt *q;

    assert_int_equal(cl_db_begin(db), SQLITE_OK);
    insert(db, record("{\"level\":\"info\",\"app\":\"win\",\"msg\":\"m\"}", &WIN_PEER, "h"));
    insert(db, record("{\"level\":\"info\"}", &WIN_PEER, "h"));
    assert_int_equal(cl_db_commit(db), SQLITE_OK);
    cl_db_close(db);

    h = reader(f->db);
    assert_int_equal(
        sqlite3_prepare_v2(h,
                           "SELECT peer_pid, peer_uid, peer_gid, peer_sid FROM entries "
                           "UNION ALL SELECT peer_pid, peer_uid, peer_gid, peer_sid "
                           "FROM rejects",
                           -1, &q, NULL),
        SQLITE_OK);
    for (int row = 0; row < 2; row++) {
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        col_int(q, 0, 4711);
        col_null(q, 1);
        col_null(q, 2);
        col_text(q, 3, "S-1-5-21-3623811015-3361044348-30300820-1013");
    }
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    sqlite3_close(h);
}

/* ---- older schemas ---- */

static void test_refuses_non_sqlite_file(void **state)
{
    fixture *f = *state;
    FILE *fp = fopen(f->db, "w");
    cl_db *db = NULL;
    char err[512] = "";

    assert_non_null(fp);
    fputs("this is a text file, not a database, and it is long enough to have a header\n", fp);
    fclose(fp);
    assert_int_equal(cl_db_open(&db, f->db, 1, 1, err, sizeof err), -1);
    assert_null(db);
    assert_true(strlen(err) > 0);
    cl_db_close(NULL);
}

/* ---- the file deleted or damaged under the collector ---- */

static void insert_entries(cl_db *db, int n)
{
    char line[160];

    assert_int_equal(cl_db_begin(db), SQLITE_OK);
    for (int i = 0; i < n; i++) {
        snprintf(line, sizeof line,
                 "{\"app\":\"web\",\"level\":\"info\",\"msg\":\"entry %d with some padding "
                 "to fill pages .................................\"}",
                 i);
        insert(db, record(line, &PEER, "h"));
    }
    assert_int_equal(cl_db_commit(db), SQLITE_OK);
}

static char *read_bytes(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n >= 0);
    rewind(fp);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

/* Overwrites every page but the first (the header) with a byte pattern. */
static void damage_pages(const char *path)
{
    size_t len;
    char *buf = read_bytes(path, &len);
    FILE *fp = fopen(path, "r+b");

    assert_true(len >= 4 * 4096);
    for (size_t i = 4096; i < len; i++)
        buf[i] = (char)(i * 131 + 7);
    assert_non_null(fp);
    assert_int_equal(fwrite(buf, 1, len, fp), len);
    fclose(fp);
    free(buf);
}

static void test_deleted_database_replaced(void **state)
{
    fixture *f = *state;
    cl_db *db = open_db(f->db);
    cl_db_stats st;
    char err[512] = "", path[200];
    sqlite3 *h;

    insert_entries(db, 5);
    assert_int_equal(cl_db_check(db), CL_DB_FINE);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", f->db, i == 0 ? "" : i == 1 ? "-wal" : "-shm");
        assert_int_equal(unlink(path), 0);
    }
    assert_int_equal(cl_db_check(db), CL_DB_GONE);
    assert_int_equal(cl_db_replace(db, CL_DB_GONE, err, sizeof err), 0);
    assert_int_equal(cl_db_check(db), CL_DB_FINE);
    cl_db_get_stats(db, &st);
    assert_int_equal(st.reopens, 1);
    assert_int_equal(st.gone_entries, 5);
    assert_int_equal(st.gone_wal_only, 0);
    assert_int_equal(st.last_id, 5); /* ids only grow, across a replaced file too */
    insert_entries(db, 2);
    h = reader(f->db);
    assert_int_equal(query_int(h, "SELECT count(*) FROM entries"), 2);
    assert_int_equal(query_int(h, "PRAGMA application_id"), CL_DB_APPLICATION_ID);
    sqlite3_close(h);
    cl_db_close(db);
}

/* Only the WAL removed: what it holds is copied back, nothing is lost. */
static void test_deleted_wal_copied_back(void **state)
{
    fixture *f = *state;
    cl_db *db = open_db(f->db);
    cl_db_stats st;
    char err[512] = "", path[200];
    sqlite3 *h;

    insert_entries(db, 7);
    snprintf(path, sizeof path, "%s-wal", f->db);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(cl_db_check(db), CL_DB_GONE);
    assert_int_equal(cl_db_replace(db, CL_DB_GONE, err, sizeof err), 0);
    cl_db_get_stats(db, &st);
    assert_int_equal(st.reopens, 1);
    assert_int_equal(st.gone_wal_only, 1);
    assert_int_equal(st.gone_entries, 0);
    assert_int_equal(st.last_id, 7);
    insert_entries(db, 1);
    cl_db_close(db);
    h = reader(f->db);
    assert_int_equal(query_int(h, "SELECT count(*) FROM entries"), 8);
    sqlite3_close(h);
}

/* Only the -shm removed (readers opening the path now share a new one the
 * writer never updates): noticed, reopened, nothing lost, and a reader
 * opened after the reopen sees what is committed afterwards. */
static void test_deleted_shm_reopened(void **state)
{
    fixture *f = *state;
    cl_db *db = open_db(f->db);
    cl_db_stats st;
    char err[512] = "", path[200];
    sqlite3 *h;

    insert_entries(db, 5);
    snprintf(path, sizeof path, "%s-shm", f->db);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(cl_db_check(db), CL_DB_GONE);
    assert_int_equal(cl_db_replace(db, CL_DB_GONE, err, sizeof err), 0);
    assert_int_equal(cl_db_check(db), CL_DB_FINE);
    cl_db_get_stats(db, &st);
    assert_int_equal(st.reopens, 1);
    assert_int_equal(st.gone_shm_only, 1);
    assert_int_equal(st.gone_entries, 0);
    assert_int_equal(st.last_id, 5);
    h = reader(f->db);
    insert_entries(db, 3);
    assert_int_equal(query_int(h, "SELECT count(*) FROM entries"), 8);
    sqlite3_close(h);
    cl_db_close(db);
}

/* Another user's (empty) -wal or -shm in the data directory is refused
 * before SQLite maps or writes it: its owner could read every entry or
 * truncate the mapping under the collector (SIGBUS). Root only (chown). */
static void test_refuses_foreign_shm(void **state)
{
    static const char *const sfx[] = { "-shm", "-wal", "" };
    fixture *f = *state;

    if (geteuid() != 0)
        skip();
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        char path[200], err[1024] = "";
        cl_db *db = NULL;
        FILE *fp;

        snprintf(path, sizeof path, "%s%s", f->db, sfx[i]);
        fp = fopen(path, "w");
        assert_non_null(fp);
        fclose(fp);
        assert_int_equal(chown(path, 65534, 65534), 0);
        assert_int_equal(cl_db_open(&db, f->db, 1, 1, err, sizeof err), -1);
        assert_null(db);
        if (strstr(err, "belongs to") == NULL)
            fail_msg("error \"%s\" does not say whose the file is", err);
        assert_int_equal(unlink(path), 0);
    }
}

/* A damaged CentralLog file is renamed aside untouched; a new one starts. */
static void test_damaged_database_moved_aside(void **state)
{
    fixture *f = *state;
    cl_db *db = open_db(f->db);
    cl_db_stats st;
    char aside[256];
    size_t bad_len, kept_len;
    char *bad, *kept;

    insert_entries(db, 400);
    cl_db_close(db);
    damage_pages(f->db);
    bad = read_bytes(f->db, &bad_len);
    db = open_db(f->db);
    cl_db_get_stats(db, &st);
    assert_int_equal(st.corrupt, 1);
    assert_int_equal(strncmp(st.aside, "corrupt-", 8), 0);
    assert_true(strlen(st.damage) > 0);
    assert_int_equal(st.last_id, 0);
    snprintf(aside, sizeof aside, "%s.%s", f->db, st.aside);
    kept = read_bytes(aside, &kept_len);
    assert_int_equal(kept_len, bad_len);
    assert_memory_equal(kept, bad, bad_len);
    insert_entries(db, 1);
    cl_db_close(db);
    free(bad);
    free(kept);
}

/* Found damaged while running (SQLITE_CORRUPT from an insert): the same. */
static void test_replace_damaged(void **state)
{
    fixture *f = *state;
    cl_db *db = open_db(f->db);
    cl_db_stats st;
    char err[512] = "", aside[256];
    sqlite3 *h;

    insert_entries(db, 3);
    assert_true(cl_db_is_damage(SQLITE_CORRUPT));
    assert_true(cl_db_is_damage(SQLITE_CORRUPT_INDEX));
    assert_true(cl_db_is_damage(SQLITE_NOTADB));
    assert_false(cl_db_is_damage(SQLITE_FULL));
    assert_false(cl_db_is_damage(SQLITE_BUSY));
    assert_int_equal(cl_db_replace(db, CL_DB_DAMAGED, err, sizeof err), 0);
    cl_db_get_stats(db, &st);
    assert_int_equal(st.corrupt, 1);
    assert_int_equal(st.last_id, 3);
    insert_entries(db, 1);
    cl_db_close(db);
    snprintf(aside, sizeof aside, "%s.%s", f->db, st.aside);
    h = reader(aside);
    assert_int_equal(query_int(h, "SELECT count(*) FROM entries"), 3);
    sqlite3_close(h);
    h = reader(f->db);
    assert_int_equal(query_int(h, "SELECT count(*) FROM entries"), 1);
    sqlite3_close(h);
}

/* Damaged and without CentralLog's header: not ours to move. */
static void test_damaged_foreign_file_untouched(void **state)
{
    fixture *f = *state;
    cl_db *db = NULL;
    sqlite3 *h = NULL;
    char err[512] = "";
    size_t before_len, after_len;
    char *before, *after;

    assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);

    /* An SQLite file of someone else's (no application_id), then damaged. */
    exec(h, "CREATE TABLE t (x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            "WHERE i < 2000) INSERT INTO t SELECT randomblob(100) FROM n;");
    sqlite3_close(h);
    damage_pages(f->db);
    before = read_bytes(f->db, &before_len);
    assert_int_equal(cl_db_open(&db, f->db, 1, 1, err, sizeof err), -1);
    assert_null(db);
    assert_true(strlen(err) > 0);
    after = read_bytes(f->db, &after_len);
    assert_int_equal(after_len, before_len);
    assert_memory_equal(after, before, before_len);
    free(before);
    free(after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_database_schema, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_deleted_database_replaced, make_fixture,
                                        remove_fixture),
        cmocka_unit_test_setup_teardown(test_deleted_wal_copied_back, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_deleted_shm_reopened, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_refuses_foreign_shm, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_damaged_database_moved_aside, make_fixture,
                                        remove_fixture),
        cmocka_unit_test_setup_teardown(test_replace_damaged, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_damaged_foreign_file_untouched, make_fixture,
                                        remove_fixture),
        cmocka_unit_test_setup_teardown(test_insert_entries_and_rejects, make_fixture,
                                        remove_fixture),
        cmocka_unit_test_setup_teardown(test_uncommitted_is_gone, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_insert_error, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_explicit_ids, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_reopen_existing, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_wal_pages_and_checkpoint, make_fixture,
                                        remove_fixture),
        cmocka_unit_test_setup_teardown(test_truncate_close_gives_way_to_a_reader, make_fixture,
                                        remove_fixture),
        cmocka_unit_test_setup_teardown(test_empty_file_is_new, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_refuses_foreign_database, make_fixture,
                                        remove_fixture),
        cmocka_unit_test_setup_teardown(test_refuses_newer_schema, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_refuses_stray_versions, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_refuses_non_sqlite_file, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_peer_sid_stored, make_fixture, remove_fixture),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
