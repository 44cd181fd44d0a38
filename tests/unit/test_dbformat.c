/* test_dbformat.c - the database format's owner (common/db): the schema
 * texts create what they promise, files are told apart by kind, and the
 * catalog is read in id order with paths resolved and deleting rows left
 * out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "testutil.h"

#include "catalog.h"
#include "dbschema.h"

static sqlite3 *open_new(const char *path)
{
    sqlite3 *h = NULL;

    unlink(path);
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    return h;
}

static void exec(sqlite3 *h, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);

    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
}

static enum cl_db_kind kind(sqlite3 *h, int *version)
{
    int rc = -1;
    enum cl_db_kind k = cl_db_kind_of(h, version, &rc);

    assert_int_equal(rc, SQLITE_OK);
    return k;
}

static void test_kinds(void **state)
{
    tu_dir d;
    sqlite3 *h;
    int v = -1;
    char path[192];
    (void)state;

    tu_dir_make(&d, "dbformat");
    snprintf(path, sizeof path, "%s/c.db", d.path);
    h = open_new(path);
    exec(h, cl_db_catalog_sql);
    exec(h, "PRAGMA user_version = 3");
    assert_int_equal(kind(h, &v), CL_DBK_CATALOG);
    assert_int_equal(v, 3);
    sqlite3_close(h);

    snprintf(path, sizeof path, "%s/p.db", d.path);
    h = open_new(path);
    exec(h, cl_db_partition_sql);
    exec(h, cl_db_sealed_sql);
    exec(h, "PRAGMA user_version = 3");
    assert_int_equal(kind(h, &v), CL_DBK_PARTITION);
    /* The sealed indexes exist, and the live schema had none of its own. */
    {
        sqlite3_stmt *st;

        assert_int_equal(sqlite3_prepare_v2(h,
                                            "SELECT count(*) FROM sqlite_schema WHERE type = "
                                            "'index' AND sql IS NOT NULL",
                                            -1, &st, NULL),
                         SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 4);
        sqlite3_finalize(st);
    }
    sqlite3_close(h);

    /* A version 2 database is a single one; another program's is foreign;
     * a version 3 file with an unknown kind is foreign too. */
    snprintf(path, sizeof path, "%s/s.db", d.path);
    h = open_new(path);
    exec(h, cl_db_partition_sql);
    exec(h, "PRAGMA user_version = 2");
    assert_int_equal(kind(h, &v), CL_DBK_SINGLE);
    assert_int_equal(v, 2);
    exec(h, "PRAGMA user_version = 3; UPDATE meta SET value = 'x' WHERE key = 'kind'");
    assert_int_equal(kind(h, &v), CL_DBK_FOREIGN);
    exec(h, "PRAGMA application_id = 7");
    assert_int_equal(kind(h, &v), CL_DBK_FOREIGN);
    sqlite3_close(h);

    snprintf(path, sizeof path, "%s/junk.db", d.path);
    tu_write_file(path, "this is not a database, not even close to one......................"
                        "...................................................................");
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    {
        int rc = 0;

        assert_int_equal(cl_db_kind_of(h, &v, &rc), CL_DBK_NOT_SQLITE);
        assert_int_equal(rc & 0xff, SQLITE_NOTADB);
    }
    sqlite3_close(h);
    assert_string_equal(cl_db_kind_name(CL_DBK_CATALOG), "catalog");
    tu_remove_tree(d.path);
}

static void test_list(void **state)
{
    tu_dir d;
    sqlite3 *h;
    cl_part_list l;
    char err[256] = "", path[192];
    (void)state;

    tu_dir_make(&d, "catalog");
    snprintf(path, sizeof path, "%s/centrallog.db", d.path);
    h = open_new(path);
    exec(h, cl_db_catalog_sql);
    /* Inserted out of order; one being deleted; one closed with ranges. */
    exec(h, "INSERT INTO partitions (path, state, first_id, first_reject, created) VALUES "
            "('centrallog.d/live-3.db', 'live', 301, 31, 3000)");
    exec(h, "INSERT INTO partitions (path, state, first_id, last_id, first_reject, last_reject, "
            "min_ts, max_ts, min_received, max_received, entries, rejects, bytes, fts, created, "
            "sealed) VALUES ('centrallog.d/a--b-1.db', 'closed', 1, 150, 1, 10, 100, 200, 110, "
            "210, 150, 10, 8192, 'complete', 1000, 1500)");
    exec(h, "INSERT INTO partitions (path, state, first_id, first_reject, created) VALUES "
            "('centrallog.d/old-0.db', 'deleting', 0, 0, 500)");
    exec(h, "INSERT INTO partitions (path, state, first_id, last_id, first_reject, last_reject, "
            "created) VALUES ('/abs/live-2.db', 'sealing', 151, 300, 11, 30, 2000)");
    assert_int_equal(cl_catalog_list(h, path, &l, err, sizeof err), 0);
    assert_int_equal(l.n, 3);

    assert_int_equal(l.v[0].first_id, 1);
    assert_int_equal(l.v[0].last_id, 150);
    assert_int_equal(l.v[0].state, CL_PART_CLOSED);
    assert_true(l.v[0].has_range);
    assert_int_equal(l.v[0].min_ts, 100);
    assert_int_equal(l.v[0].max_received, 210);
    assert_int_equal(l.v[0].entries, 150);
    assert_int_equal(l.v[0].bytes, 8192);
    assert_true(l.v[0].fts_complete);
    assert_int_equal(l.v[0].sealed, 1500);
    assert_string_equal(l.v[0].rel, "centrallog.d/a--b-1.db");
    {
        char want[256];

        snprintf(want, sizeof want, "%s/centrallog.d/a--b-1.db", d.path);
        assert_string_equal(l.v[0].path, want);
    }

    assert_int_equal(l.v[1].state, CL_PART_SEALING);
    assert_string_equal(l.v[1].path, "/abs/live-2.db"); /* absolute: kept */
    assert_false(l.v[1].has_range);
    assert_int_equal(l.v[1].entries, -1);
    assert_int_equal(l.v[1].sealed, -1);

    assert_int_equal(l.v[2].state, CL_PART_LIVE);
    assert_int_equal(l.v[2].last_id, -1);
    assert_false(l.v[2].fts_complete);
    cl_part_list_free(&l);
    assert_int_equal(l.n, 0);

    /* A catalog that is not one fails with a reason, and an empty list. */
    exec(h, "DROP TABLE partitions");
    assert_int_equal(cl_catalog_list(h, path, &l, err, sizeof err), -1);
    assert_non_null(strstr(err, "no such table"));
    assert_int_equal(l.n, 0);
    sqlite3_close(h);
    tu_remove_tree(d.path);
}

static void test_parts_dir(void **state)
{
    char out[64];
    (void)state;

    assert_int_equal(cl_catalog_parts_dir("var/centrallog.db", out, sizeof out), 0);
    assert_string_equal(out, "var/centrallog.d");
    assert_int_equal(cl_catalog_parts_dir("/x/logs", out, sizeof out), 0);
    assert_string_equal(out, "/x/logs.d");
    assert_int_equal(cl_catalog_parts_dir("a.db", out, 4), 0);
    assert_string_equal(out, "a.d");
    assert_int_equal(cl_catalog_parts_dir("ab.db", out, 4), -1);
    assert_int_equal(cl_part_state_parse("sealing"), CL_PART_SEALING);
    assert_int_equal(cl_part_state_parse("nope"), -1);
    assert_string_equal(cl_part_state_name(CL_PART_DELETING), "deleting");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_parts_dir),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
