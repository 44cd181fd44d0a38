/* test_cli_grep.c - -g/--grep (tools/grep.h): the FTS5 query it builds, and
 * its row-by-row matcher for entries the index has not reached yet. The
 * matcher must agree with FTS5 itself, so every pattern is checked against
 * a real FTS5 table (the schema's entries_fts) over the same messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cli_testdb.h"
#include "grep.h"

static const char *const corpus[] = {
    "disk full on /dev/sda1",
    "Disk FULL",
    "disk-full",
    "diskfull",
    "the disk is full",
    "full disk",
    "Connection timeout to db-01 after 30s",
    "connection timed out",
    "timeouts everywhere",
    "caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9"
    "e",
    "CAFE",
    "\xc3\x89T\xc3\x89 \xc3\xa0 Z\xc3\xbcrich",
    "user \"bob\" said \"hi\"",
    "a*b and a b",
    "x_y z",
    "snake_case_word",
    "42 errors in 3s",
    "tab\there\nnewline",
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88",
    "",
};

static const char *const patterns[] = {
    "disk full",
    "disk",
    "full",
    "disk-full",
    "DISK",
    "diskfull",
    "disk*",
    "dis*",
    "timeout",
    "timeout*",
    "time*",
    "db-01",
    "db",
    "30s",
    "cafe",
    "caf\xc3\xa9",
    "creme",
    "etat zurich",
    "\xc3\xa9t\xc3\xa9",
    "\"bob\"",
    "bob hi",
    "a*",
    "x_y",
    "snake",
    "snake_case*",
    "42",
    "3s",
    "here",
    "newline",
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
    "full disk",
    "on /dev/sda1",
    "said \"hi\"",
};

static sqlite3 *fts_db(void)
{
    sqlite3 *db = testdb_open();
    sqlite3_stmt *st;

    assert_non_null(db);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO entries (id, ts, received, level, app, "
                                        "msg) VALUES (?1, 0, 0, 6, 'a', ?2)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
        sqlite3_bind_int64(st, 1, (int64_t)i + 1);
        sqlite3_bind_text(st, 2, corpus[i], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    testdb_exec(db, "INSERT INTO entries_fts (rowid, msg) SELECT id, msg FROM entries");
    return db;
}

/* Bit i set: corpus[i] matches, according to FTS5. */
static uint64_t fts_says(sqlite3 *db, const char *query)
{
    sqlite3_stmt *st;
    uint64_t mask = 0;

    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT rowid FROM entries_fts WHERE entries_fts "
                                        "MATCH ?1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        mask |= 1ULL << (sqlite3_column_int64(st, 0) - 1);
    if (sqlite3_errcode(db) != SQLITE_DONE && sqlite3_errcode(db) != SQLITE_OK)
        fail_msg("FTS5 refused %s: %s", query, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return mask;
}

static void test_agrees_with_fts5(void **state)
{
    sqlite3 *db = fts_db();

    (void)state;
    for (size_t p = 0; p < sizeof patterns / sizeof patterns[0]; p++) {
        char err[256];
        cli_grep *g;
        uint64_t want, got = 0;

        if (cli_grep_compile(db, patterns[p], &g, err, sizeof err) != 0)
            fail_msg("'%s' refused: %s", patterns[p], err);
        want = fts_says(db, cli_grep_fts_query(g));
        for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
            if (cli_grep_match(g, corpus[i], strlen(corpus[i])) == 1)
                got |= 1ULL << i;
        }
        if (got != want)
            fail_msg("'%s' (%s): matcher %#llx, FTS5 %#llx", patterns[p], cli_grep_fts_query(g),
                     (unsigned long long)got, (unsigned long long)want);
        cli_grep_free(g);
    }
    sqlite3_close(db);
}

static void assert_query(sqlite3 *db, const char *pattern, const char *fts, int exact_case)
{
    char err[256];
    cli_grep *g;

    if (cli_grep_compile(db, pattern, &g, err, sizeof err) != 0)
        fail_msg("'%s' refused: %s", pattern, err);
    assert_string_equal(cli_grep_fts_query(g), fts);
    assert_int_equal(cli_grep_case_sensitive(g), exact_case);
    cli_grep_free(g);
}

static void test_query_text(void **state)
{
    sqlite3 *db = testdb_open();
    char err[256];
    cli_grep *g;

    (void)state;
    assert_query(db, "disk", "\"disk\"", 0);
    assert_query(db, "  disk \t full ", "\"disk\" \"full\"", 0);
    assert_query(db, "time*", "\"time\" *", 0);
    assert_query(db, "Timeout", "\"Timeout\"", 1);
    assert_query(db, "say \"hi\"", "\"say\" \"\"\"hi\"\"\"", 0);
    /* FTS5 operators are just words here. */
    assert_query(db, "a OR b NOT c", "\"a\" \"OR\" \"b\" \"NOT\" \"c\"", 1);
    assert_query(db, "NEAR(x y)", "\"NEAR(x\" \"y)\"", 1);
    assert_int_equal(cli_grep_compile(db, "disk Full", &g, err, sizeof err), 0);
    assert_int_equal(cli_grep_word_count(g), 2);
    assert_string_equal(cli_grep_word(g, 0), "disk");
    assert_string_equal(cli_grep_word(g, 1), "Full");
    cli_grep_free(g);
    assert_int_equal(cli_grep_compile(db, "db-01*", &g, err, sizeof err), 0);
    assert_string_equal(cli_grep_word(g, 0), "db-01");
    cli_grep_free(g);

    assert_int_equal(cli_grep_compile(db, "", &g, err, sizeof err), -1);
    assert_string_equal(err, "empty pattern");
    assert_int_equal(cli_grep_compile(db, "  ", &g, err, sizeof err), -1);
    assert_string_equal(err, "empty pattern");
    assert_int_equal(cli_grep_compile(db, "ok --", &g, err, sizeof err), -1);
    assert_string_equal(err, "'--' has no word to search for (punctuation is not indexed)");
    assert_int_equal(cli_grep_compile(db, "*", &g, err, sizeof err), -1);
    sqlite3_close(db);
}

static void test_sql_function(void **state)
{
    sqlite3 *db = fts_db();
    sqlite3_stmt *st;
    char err[256];
    cli_grep *g;

    (void)state;
    assert_int_equal(cli_grep_compile(db, "disk full", &g, err, sizeof err), 0);
    assert_int_equal(cli_grep_register(db, g), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT group_concat(id) FROM entries WHERE " CLI_GREP_FN "(msg)",
                           -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "1,2,3,5,6");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT " CLI_GREP_FN "(NULL)", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    cli_grep_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agrees_with_fts5),
        cmocka_unit_test(test_query_text),
        cmocka_unit_test(test_sql_function),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
