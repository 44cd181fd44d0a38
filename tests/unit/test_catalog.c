/* test_catalog.c - writing the catalog (common/db/catalog_write.c) and
 * repairing a data directory (collector/store: repair.c, keeper.c, seal.c):
 * partition file names, the rows of a rotation, a seal and a removal, the
 * start-up sweep over what each interrupted step leaves (a temporary copy,
 * a former live file, an unlisted rotation target, a 'deleting' row, a lost
 * catalog), sealing by copy with complete indexes, and the migration of a
 * single version 2 database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>

#include "testutil.h"

#include "catalog_write.h"
#include "dbschema.h"
#include "keeper.h"
#include "repair.h"
#include "seal.h"

static const cl_peer PEER = { 999, 1000, 100, NULL };

typedef struct fixture {
    tu_dir d;
    char cat[160];   /* DIR/centrallog.db */
    char parts[160]; /* DIR/centrallog.d */
} fixture;

static int make_fixture(void **state)
{
    fixture *f = calloc(1, sizeof *f);

    tu_dir_make(&f->d, "catalog");
    tu_path(f->d.path, "centrallog.db", f->cat, sizeof f->cat);
    tu_path(f->d.path, "centrallog.d", f->parts, sizeof f->parts);
    *state = f;
    return 0;
}

static int remove_fixture(void **state)
{
    fixture *f = *state;

    tu_remove_tree(f->d.path);
    free(f);
    return 0;
}

static void exec(sqlite3 *h, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
}

/* The version 2 single-database DDL, as older collectors created it
 * (tests/schema/centrallog-v2.sql): what migration starts from. */
static const char *v2_schema(void)
{
    static char *sql;

    if (sql == NULL)
        sql = tu_read_file(CL_SCHEMA_V2_SQL_PATH, NULL);
    assert_non_null(sql);
    return sql;
}

static int64_t q64(const char *path, const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v;

    assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(h));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* A live partition file in the folder with n entries from first_id on. */
static void make_partition(fixture *f, const char *name, int64_t first_id, int n)
{
    char path[256], line[128];
    cl_db *db = NULL;
    char err[512];

    mkdir(f->parts, 0750);
    tu_path(f->parts, name, path, sizeof path);
    assert_int_equal(cl_db_open(&db, path, first_id, 1, err, sizeof err), 0);
    assert_int_equal(cl_db_begin(db), SQLITE_OK);
    for (int i = 0; i < n; i++) {
        cl_record *r;

        snprintf(line, sizeof line,
                 "{\"level\":\"%s\",\"app\":\"a%d\",\"msg\":\"row %d %s\",\"ts\":%d}",
                 i % 3 ? "info" : "error", i % 2, i, i % 4 ? "hay" : "needle", 1700000000 + i);
        r = tu_record(line, &PEER, "h", 1700000100000000LL);
        assert_int_equal(cl_db_insert(db, r), SQLITE_OK);
        cl_record_free(r);
    }
    assert_int_equal(cl_db_commit(db), SQLITE_OK);
    cl_db_close(db);
}

static void test_names(void **state)
{
    char n[CL_PART_NAME_MAX], rel[256];
    int64_t id = 0;

    (void)state;
    cl_part_live_name(1000001, n);
    assert_string_equal(n, "live-00000000000001000001.db");
    assert_int_equal(cl_part_name_parse(n, &id), CL_PF_LIVE);
    assert_int_equal(id, 1000001);
    /* 2026-12-04T10:15:00Z .. 11:14:59Z */
    cl_part_closed_name(1796379300000000LL, 1796382899999999LL, 7, n);
    assert_string_equal(n, "20261204T101500Z--20261204T111459Z-00000000000000000007.db");
    assert_int_equal(cl_part_name_parse(n, &id), CL_PF_CLOSED);
    assert_int_equal(id, 7);
    cl_part_seal_tmp_name(42, n);
    assert_string_equal(n, ".seal-00000000000000000042.tmp");
    assert_int_equal(cl_part_name_parse(n, &id), CL_PF_SEAL_TMP);
    cl_part_migrated_name(1, n);
    assert_int_equal(cl_part_name_parse(n, &id), CL_PF_MIGRATED);
    assert_int_equal(cl_part_name_parse("live-1.db", &id), CL_PF_OTHER);
    assert_int_equal(cl_part_name_parse("live-00000000000001000001.db-wal", &id), CL_PF_OTHER);
    assert_int_equal(cl_part_name_parse("live-0000000000000100000x.db", &id), CL_PF_OTHER);
    assert_int_equal(cl_part_name_parse("notes.txt", &id), CL_PF_OTHER);
    assert_int_equal(cl_part_rel_path("/data/centrallog.db", "x.db", rel, sizeof rel), 0);
    assert_string_equal(rel, "centrallog.d/x.db");
    assert_int_equal(cl_part_rel_path("other.db", "x.db", rel, sizeof rel), 0);
    assert_string_equal(rel, "other.d/x.db");
}

/* The rows of a data directory's life: live, rotated, closed, removed. */
static void test_rows(void **state)
{
    fixture *f = *state;
    sqlite3 *h = NULL;
    cl_part_list l;
    cl_part facts;
    char err[512] = "";
    int created = 0;
    int64_t seq = 0, seq2 = 0;

    assert_int_equal(cl_catw_open(f->cat, &h, &created, err, sizeof err), 0);
    assert_true(created);
    assert_int_equal(cl_catw_add(h, "centrallog.d/live-1.db", CL_PART_LIVE, 1, -1, 1, -1, 5, &seq,
                                 err, sizeof err),
                     0);
    assert_int_equal(
        cl_catw_rotate(h, seq, 100, 3, "centrallog.d/live-101.db", 6, &seq2, err, sizeof err), 0);
    /* Only the live row rotates. */
    assert_int_equal(cl_catw_rotate(h, seq, 100, 3, "centrallog.d/x.db", 7, NULL, err, sizeof err),
                     -1);
    assert_int_equal(cl_catw_list_all(h, f->cat, &l, err, sizeof err), 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].state, CL_PART_SEALING);
    assert_int_equal(l.v[0].last_id, 100);
    assert_int_equal(l.v[0].last_reject, 3);
    assert_int_equal(l.v[1].state, CL_PART_LIVE);
    assert_int_equal(l.v[1].first_id, 101);
    assert_int_equal(l.v[1].first_reject, 4);
    assert_int_equal(l.v[1].last_id, -1);
    assert_int_equal(
        strcmp(l.v[1].path + strlen(l.v[1].path) - strlen("/live-101.db"), "/live-101.db"), 0);
    cl_part_list_free(&l);

    memset(&facts, 0, sizeof facts);
    facts.has_range = 1;
    facts.min_ts = 10;
    facts.max_ts = 20;
    facts.min_received = 11;
    facts.max_received = 21;
    facts.entries = 100;
    facts.rejects = 3;
    facts.bytes = 4096;
    facts.fts_complete = 1;
    assert_int_equal(cl_catw_close(h, seq, "centrallog.d/closed-1.db", &facts, 9, err, sizeof err),
                     0);
    /* Closing twice changes nothing. */
    assert_int_equal(cl_catw_close(h, seq, "centrallog.d/y.db", &facts, 9, err, sizeof err), 1);
    assert_int_equal(cl_catalog_list(h, f->cat, &l, err, sizeof err), 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.v[0].state, CL_PART_CLOSED);
    assert_string_equal(l.v[0].rel, "centrallog.d/closed-1.db");
    assert_int_equal(l.v[0].entries, 100);
    assert_int_equal(l.v[0].max_ts, 20);
    assert_int_equal(l.v[0].sealed, 9);
    assert_true(l.v[0].fts_complete);
    cl_part_list_free(&l);

    /* D1 only from the state named; readers no longer list it. */
    assert_int_equal(cl_catw_mark_deleting(h, seq, CL_PART_SEALING, err, sizeof err), 1);
    assert_int_equal(cl_catw_mark_deleting(h, seq, CL_PART_CLOSED, err, sizeof err), 0);
    assert_int_equal(cl_catalog_list(h, f->cat, &l, err, sizeof err), 0);
    assert_int_equal(l.n, 1);
    cl_part_list_free(&l);
    assert_int_equal(cl_catw_delete(h, seq, err, sizeof err), 0);
    assert_int_equal(cl_catw_list_all(h, f->cat, &l, err, sizeof err), 0);
    assert_int_equal(l.n, 1);
    cl_part_list_free(&l);
    sqlite3_close(h);

    assert_int_equal(q64(f->cat, "PRAGMA user_version"), CL_DB_CATALOG_VERSION);
    assert_int_equal(q64(f->cat, "PRAGMA application_id"), CL_DB_APPLICATION_ID);
    /* Reopened: not created again. */
    assert_int_equal(cl_catw_open(f->cat, &h, &created, err, sizeof err), 0);
    assert_false(created);
    sqlite3_close(h);
}

static void test_refuses_foreign_and_newer(void **state)
{
    fixture *f = *state;
    sqlite3 *h = NULL;
    char err[512] = "";
    int created;

    assert_int_equal(sqlite3_open(f->cat, &h), SQLITE_OK);
    exec(h, "CREATE TABLE t (x)");
    sqlite3_close(h);
    assert_int_equal(cl_catw_open(f->cat, &h, &created, err, sizeof err), -1);
    assert_non_null(strstr(err, "is not a CentralLog catalog"));
    unlink(f->cat);
    assert_int_equal(cl_catw_open(f->cat, &h, &created, err, sizeof err), 0);
    exec(h, "PRAGMA user_version = 5");
    sqlite3_close(h);
    assert_int_equal(cl_catw_open(f->cat, &h, &created, err, sizeof err), -1);
    assert_non_null(strstr(err, "newer than this collector's 4"));
}

/* Version 3 to 4: a catalog without forward_cursors gets it on open, its
 * rows untouched; the cursors then read back what was written. */
static void test_migrates_to_cursors(void **state)
{
    fixture *f = *state;
    sqlite3 *h = NULL;
    char err[512] = "";
    int64_t last = -1, expired = -1;
    int created;

    assert_int_equal(cl_catw_open(f->cat, &h, &created, err, sizeof err), 0);
    assert_int_equal(cl_catw_add(h, "centrallog.d/live-00000000000000000001.db", CL_PART_LIVE, 1,
                                 -1, 1, -1, 5, NULL, err, sizeof err),
                     0);
    exec(h, "DROP TABLE forward_cursors; PRAGMA user_version = 3");
    sqlite3_close(h);
    assert_int_equal(q64(f->cat, "SELECT count(*) FROM sqlite_master WHERE name = "
                                 "'forward_cursors'"),
                     0);
    assert_int_equal(cl_catw_open(f->cat, &h, &created, err, sizeof err), 0);
    assert_false(created);
    assert_int_equal(q64(f->cat, "PRAGMA user_version"), 4);
    assert_int_equal(q64(f->cat, "SELECT count(*) FROM partitions"), 1);
    assert_int_equal(cl_catw_cursor_get(h, "syslog+tcp://a:1", &last, &expired, err, sizeof err),
                     0);
    assert_int_equal(cl_catw_cursor_put(h, "syslog+tcp://a:1", 41, 2, 7, err, sizeof err), 0);
    assert_int_equal(cl_catw_cursor_put(h, "syslog+tcp://a:1", 42, 3, 8, err, sizeof err), 0);
    assert_int_equal(cl_catw_cursor_get(h, "syslog+tcp://a:1", &last, &expired, err, sizeof err),
                     1);
    assert_int_equal(last, 42);
    assert_int_equal(expired, 3);
    assert_int_equal(cl_catw_cursor_get(h, "syslog+tcp://b:1", &last, &expired, err, sizeof err),
                     0);
    sqlite3_close(h);
    assert_int_equal(q64(f->cat, "SELECT count(*) FROM forward_cursors"), 1);
}

/* A partition sealed by copy: every row, the indexes, a complete and
 * optimized full-text index, rollback-journal mode, and its facts. */
static void test_seal_build(void **state)
{
    fixture *f = *state;
    char src[256], tmp[256], err[512] = "";
    cl_part facts;
    atomic_int stop = 0;

    make_partition(f, "live-00000000000000000101.db", 101, 50);
    tu_path(f->parts, "live-00000000000000000101.db", src, sizeof src);
    tu_path(f->parts, ".seal-00000000000000000101.tmp", tmp, sizeof tmp);
    assert_int_equal(cl_seal_build(src, tmp, 101, 150, 1, 0, 1, &stop, err, sizeof err), 0);
    assert_int_equal(q64(tmp, "SELECT count(*) FROM entries"), 50);
    assert_int_equal(q64(tmp, "SELECT min(id) FROM entries"), 101);
    assert_int_equal(q64(tmp, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                              "name IN ('entries_ts', 'entries_app_ts', 'entries_level_ts', "
                              "'rejects_received')"),
                     4);
    assert_int_equal(q64(tmp, "SELECT count(*) FROM entries_fts WHERE entries_fts MATCH 'needle'"),
                     q64(tmp, "SELECT count(*) FROM entries WHERE msg LIKE '%needle%'"));
    assert_int_equal(q64(tmp, "SELECT count(*) FROM entries_fts WHERE entries_fts MATCH 'hay'"),
                     q64(tmp, "SELECT count(*) FROM entries WHERE msg LIKE '%hay%'"));
    assert_int_equal(q64(tmp, "SELECT value FROM meta WHERE key = 'sealed'"), 1);
    assert_int_equal(q64(tmp, "SELECT value FROM meta WHERE key = 'fts_indexed_upto'"), 150);
    /* stats' counts per hour (schema/rollup.sql): exactly the GROUP BY. */
    assert_int_equal(q64(tmp, "SELECT value FROM meta WHERE key = '" CL_DB_ROLLUP_KEY "'"), 150);
    assert_int_equal(q64(tmp, "SELECT sum(n) FROM rollup_hour"), 50);
    assert_int_equal(q64(tmp, "SELECT count(*) FROM (SELECT ts / 3600000000 AS h FROM entries "
                              "GROUP BY h, level, app, host)"),
                     q64(tmp, "SELECT count(*) FROM rollup_hour"));
    assert_int_equal(q64(tmp, "SELECT count(*) FROM (SELECT start, level, app, host, n, min_ts, "
                              "max_ts FROM rollup_hour EXCEPT SELECT ts / 3600000000 * 3600000000, "
                              "level, app, host, count(*), min(ts), max(ts) FROM entries "
                              "GROUP BY 1, 2, 3, 4)"),
                     0);
    assert_int_equal(q64(tmp, "SELECT value FROM meta WHERE key = 'first_id'"), 101);
    assert_int_equal(q64(tmp, "PRAGMA user_version"), CL_DB_LAYOUT_VERSION);
    memset(&facts, 0, sizeof facts);
    assert_int_equal(cl_seal_facts(tmp, &facts, err, sizeof err), 0);
    assert_int_equal(facts.entries, 50);
    assert_true(facts.has_range);
    assert_int_equal(facts.min_ts, 1700000000LL * 1000000);
    assert_int_equal(facts.max_ts, 1700000049LL * 1000000);
    assert_int_equal(facts.bytes, tu_file_size(tmp));
    assert_true(facts.fts_complete);
    {
        sqlite3 *h = NULL;
        sqlite3_stmt *st = NULL;

        assert_int_equal(sqlite3_open(tmp, &h), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL), 0);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(st, 0), "delete");
        sqlite3_finalize(st);
        sqlite3_close(h);
    }
    /* Asked to stop: interrupted, and nothing left behind. */
    assert_int_equal(unlink(tmp), 0);
    stop = 1;
    assert_int_equal(cl_seal_build(src, tmp, 101, 150, 1, 0, 1, &stop, err, sizeof err), -1);
    assert_false(exists(tmp));
}

/* Start-up repair of every leftover an interrupted step can leave. */
static void test_sweep_at_start(void **state)
{
    fixture *f = *state;
    sqlite3 *h = NULL;
    cl_keeper_stats st;
    cl_part_list l;
    char err[512] = "", p[256];
    int created;
    int64_t seq;

    memset(&st, 0, sizeof st);
    /* Closed 1..10 (its former live file still there: S4 interrupted), live
     * from 11, a rotation target from 31 never listed (R2 interrupted), a
     * temporary copy (S1/S2 interrupted), a 'deleting' row (D2 interrupted),
     * a file of someone else's. */
    make_partition(f, "live-00000000000000000001.db", 1, 10);
    make_partition(f, "live-00000000000000000011.db", 11, 20);
    make_partition(f, "live-00000000000000000031.db", 31, 0);
    make_partition(f, "live-00000000000000000900.db", 900, 3);
    tu_path(f->parts, ".seal-00000000000000000011.tmp", p, sizeof p);
    tu_write_file(p, "half a copy");
    tu_path(f->parts, "notes.txt", p, sizeof p);
    tu_write_file(p, "mine");
    assert_int_equal(cl_catw_open(f->cat, &h, &created, err, sizeof err), 0);
    assert_int_equal(cl_catw_add(h,
                                 "centrallog.d/20231114T221320Z--20231114T221329Z-"
                                 "00000000000000000001.db",
                                 CL_PART_CLOSED, 1, 10, 1, 0, 1, &seq, err, sizeof err),
                     0);
    assert_int_equal(cl_catw_add(h, "centrallog.d/gone-00000000000000000500.db", CL_PART_DELETING,
                                 500, 600, 1, 0, 1, NULL, err, sizeof err),
                     0);
    assert_int_equal(cl_catw_add(h, "centrallog.d/live-00000000000000000011.db", CL_PART_LIVE, 11,
                                 -1, 1, -1, 1, NULL, err, sizeof err),
                     0);
    /* While the writer runs: only what a listed row covers. */
    assert_int_equal(cl_keeper_sweep(h, f->cat, 0, &st, err, sizeof err), 0);
    tu_path(f->parts, "live-00000000000000000001.db", p, sizeof p);
    assert_false(exists(p));
    tu_path(f->parts, "live-00000000000000000031.db", p, sizeof p);
    assert_true(exists(p));
    /* At start: the unlisted, empty rotation target too. A file after the
     * live row's start with rows in it is no leftover of ours: left alone. */
    assert_int_equal(cl_keeper_sweep(h, f->cat, 1, &st, err, sizeof err), 0);
    assert_false(exists(p));
    tu_path(f->parts, ".seal-00000000000000000011.tmp", p, sizeof p);
    assert_false(exists(p));
    tu_path(f->parts, "notes.txt", p, sizeof p);
    assert_true(exists(p));
    tu_path(f->parts, "live-00000000000000000900.db", p, sizeof p);
    assert_true(exists(p));
    assert_int_equal(cl_catw_list_all(h, f->cat, &l, err, sizeof err), 0);
    assert_int_equal(l.n, 2); /* the 'deleting' row finished */
    assert_int_equal(l.v[0].state, CL_PART_CLOSED);
    assert_int_equal(l.v[1].state, CL_PART_LIVE);
    cl_part_list_free(&l);
    assert_int_equal(st.removals, 1);
    assert_int_equal(st.repairs, 3); /* the former live file, the target, the copy */
    sqlite3_close(h);
}

/* The catalog lost: every partition file is adopted in id order, a sealed
 * one as closed, the others to be sealed, and the live one starts after. */
static void test_lost_catalog_rebuilt(void **state)
{
    fixture *f = *state;
    sqlite3 *h = NULL;
    cl_keeper_stats st;
    cl_store_live live;
    cl_part_list l;
    char err[512] = "", src[256], fin[256], name[CL_PART_NAME_MAX];
    atomic_int stop = 0;
    cl_part facts;

    memset(&st, 0, sizeof st);
    make_partition(f, "live-00000000000000000001.db", 1, 10);
    tu_path(f->parts, "live-00000000000000000001.db", src, sizeof src);
    cl_part_seal_tmp_name(1, name);
    memset(&facts, 0, sizeof facts);
    tu_path(f->parts, name, fin, sizeof fin);
    assert_int_equal(cl_seal_build(src, fin, 1, 10, 1, 0, 1, &stop, err, sizeof err), 0);
    assert_int_equal(cl_seal_facts(fin, &facts, err, sizeof err), 0);
    cl_part_closed_name(facts.min_ts, facts.max_ts, 1, name);
    tu_path(f->parts, name, src, sizeof src);
    assert_int_equal(rename(fin, src), 0);
    tu_path(f->parts, "live-00000000000000000001.db", src, sizeof src);
    assert_int_equal(unlink(src), 0);
    make_partition(f, "live-00000000000000000011.db", 11, 5);

    assert_int_equal(cl_store_prepare(f->cat, &h, &live, &st, err, sizeof err), 0);
    assert_int_equal(live.first_id, 16);
    assert_int_equal(cl_catw_list_all(h, f->cat, &l, err, sizeof err), 0);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.v[0].state, CL_PART_CLOSED);
    assert_int_equal(l.v[0].entries, 10);
    assert_int_equal(l.v[1].state, CL_PART_SEALING);
    assert_int_equal(l.v[1].first_id, 11);
    assert_int_equal(l.v[1].last_id, 15);
    assert_int_equal(l.v[2].state, CL_PART_LIVE);
    cl_part_list_free(&l);
    sqlite3_close(h);
}

/* A version 2 database at the catalog's path: moved into the folder as the
 * first partition ('sealing'), a new live one after its last ids. */
static void test_migration(void **state)
{
    fixture *f = *state;
    sqlite3 *h = NULL;
    cl_keeper_stats st;
    cl_store_live live;
    cl_part_list l;
    char err[512] = "";

    memset(&st, 0, sizeof st);
    assert_int_equal(sqlite3_open(f->cat, &h), SQLITE_OK);
    exec(h, "PRAGMA journal_mode=WAL");
    exec(h, v2_schema());
    exec(h, "PRAGMA user_version = 2");
    exec(h, "INSERT INTO entries (ts, received, level, app, msg) VALUES (1, 1, 6, 'a', 'x'), "
            "(2, 2, 6, 'a', 'y'); INSERT INTO rejects (received, reason, message, raw_len) "
            "VALUES (1, 'not_json', 'm', 0)");
    sqlite3_close(h);
    assert_int_equal(cl_store_prepare(f->cat, &h, &live, &st, err, sizeof err), 0);
    assert_int_equal(live.migrated_from, 2);
    assert_int_equal(live.first_id, 3);
    assert_int_equal(live.first_reject, 2);
    assert_int_equal(cl_catw_list_all(h, f->cat, &l, err, sizeof err), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0].rel, "centrallog.d/v2-00000000000000000001.db");
    assert_int_equal(l.v[0].state, CL_PART_SEALING);
    assert_int_equal(l.v[0].last_id, 2);
    assert_int_equal(l.v[0].last_reject, 1);
    assert_int_equal(q64(l.v[0].path, "SELECT count(*) FROM entries"), 2);
    assert_int_equal(q64(l.v[0].path, "PRAGMA user_version"), 2);
    cl_part_list_free(&l);
    sqlite3_close(h);
    assert_int_equal(q64(f->cat, "SELECT count(*) FROM partitions"), 2);
}

/* The keeper seals in the background and removes on request. */
static void test_keeper_seals_and_removes(void **state)
{
    fixture *f = *state;
    sqlite3 *h = NULL;
    cl_keeper *k = NULL;
    cl_keeper_stats st;
    cl_store_live live;
    cl_removal rm;
    cl_part_list l;
    char err[512] = "", old[256];
    int64_t seq;

    memset(&st, 0, sizeof st);
    assert_int_equal(cl_store_prepare(f->cat, &h, &live, &st, err, sizeof err), 0);
    make_partition(f, strrchr(live.path, '/') + 1, 1, 30);
    strcpy(old, live.path);
    assert_int_equal(cl_catw_rotate(h, live.seq, 30, 0, "centrallog.d/live-00000000000000000031.db",
                                    2, &seq, err, sizeof err),
                     0);
    assert_int_equal(cl_keeper_start(&k, f->cat, 1, err, sizeof err), 0);
    for (int i = 0; i < 500; i++) {
        cl_keeper_get_stats(k, &st);
        if (st.seals == 1 && !exists(old))
            break;
        usleep(10000);
    }
    assert_int_equal(st.seals, 1);
    assert_false(exists(old));
    assert_int_equal(cl_catw_list_all(h, f->cat, &l, err, sizeof err), 0);
    assert_int_equal(l.v[0].state, CL_PART_CLOSED);
    assert_int_equal(l.v[0].entries, 30);
    strcpy(old, l.v[0].path);
    seq = l.v[0].seq;
    cl_part_list_free(&l);
    assert_int_equal(cl_keeper_remove(k, live.seq + 1, "test", &rm, err, sizeof err), 1);
    assert_int_equal(cl_keeper_remove(k, seq, "max-age", &rm, err, sizeof err), 0);
    assert_false(rm.pending);
    assert_int_equal(rm.entries, 30);
    assert_string_equal(rm.reason, "max-age");
    assert_true(rm.has_range);
    assert_false(exists(old));
    assert_int_equal(cl_catw_list_all(h, f->cat, &l, err, sizeof err), 0);
    assert_int_equal(l.n, 1);
    cl_part_list_free(&l);
    cl_keeper_get_stats(k, &st);
    assert_int_equal(st.removals, 1);
    cl_keeper_stop(k);
    sqlite3_close(h);
}

#ifdef CL_TESTING
/* A removal killed right before each of its steps (an abort in a child, as
 * a SIGKILL would leave it): the next start finishes it or leaves the
 * partition whole - never a row without its file or the reverse. */
static void test_removal_crash_at_each_step(void **state)
{
    static const char *const steps[] = { "D1", "D2", "D3" };
    fixture *f = *state;

    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3 *h = NULL;
        cl_keeper_stats st;
        cl_store_live live;
        cl_part_list l;
        cl_part facts;
        char err[512] = "", path[256], name[CL_PART_NAME_MAX];
        int64_t seq = 0;
        int status = 0;
        pid_t pid;

        tu_remove_tree(f->cat);
        tu_remove_tree(f->parts);
        unlink(f->cat);
        memset(&st, 0, sizeof st);
        /* A closed partition 1..10; the live one after it (cl_store_prepare). */
        make_partition(f, "live-00000000000000000001.db", 1, 10);
        tu_path(f->parts, "live-00000000000000000001.db", path, sizeof path);
        memset(&facts, 0, sizeof facts);
        assert_int_equal(cl_seal_facts(path, &facts, err, sizeof err), 0);
        cl_part_closed_name(facts.min_ts, facts.max_ts, 1, name);
        {
            char to[256], rel[256];
            int created;

            assert_int_equal(cl_catw_open(f->cat, &h, &created, err, sizeof err), 0);
            tu_path(f->parts, name, to, sizeof to);
            assert_int_equal(rename(path, to), 0);
            snprintf(rel, sizeof rel, "centrallog.d/%s", name);
            assert_int_equal(
                cl_catw_add(h, rel, CL_PART_SEALING, 1, 10, 1, 0, 1, &seq, err, sizeof err), 0);
            assert_int_equal(cl_catw_close(h, seq, rel, &facts, 2, err, sizeof err), 0);
            strcpy(path, to);
        }
        sqlite3_close(h);
        assert_int_equal(cl_store_prepare(f->cat, &h, &live, &st, err, sizeof err), 0);
        assert_int_equal(live.first_id, 11);
        sqlite3_close(h);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            cl_keeper *k = NULL;
            cl_removal rm;

            setenv("CENTRALLOG_CRASH_AT", steps[i], 1);
            if (cl_keeper_start(&k, f->cat, 1, err, sizeof err) == 0)
                cl_keeper_remove(k, seq, "test", &rm, err, sizeof err);
            _exit(0); /* not reached: aborted at the step */
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
        /* The next start. */
        assert_int_equal(cl_store_prepare(f->cat, &h, &live, &st, err, sizeof err), 0);
        assert_int_equal(cl_catw_list_all(h, f->cat, &l, err, sizeof err), 0);
        if (i == 0) { /* before D1: nothing happened */
            assert_int_equal(l.n, 2);
            assert_int_equal(l.v[0].state, CL_PART_CLOSED);
            assert_true(exists(path));
        } else { /* D1 done: finished */
            assert_int_equal(l.n, 1);
            assert_int_equal(l.v[0].state, CL_PART_LIVE);
            assert_false(exists(path));
        }
        cl_part_list_free(&l);
        sqlite3_close(h);
    }
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup_teardown(test_rows, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_migrates_to_cursors, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_refuses_foreign_and_newer, make_fixture,
                                        remove_fixture),
        cmocka_unit_test_setup_teardown(test_seal_build, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_sweep_at_start, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_lost_catalog_rebuilt, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_migration, make_fixture, remove_fixture),
        cmocka_unit_test_setup_teardown(test_keeper_seals_and_removes, make_fixture,
                                        remove_fixture),
#ifdef CL_TESTING
        cmocka_unit_test_setup_teardown(test_removal_crash_at_each_step, make_fixture,
                                        remove_fixture),
#endif
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
