/* cli_testdb.h - an in-memory database with the real schema
 * (tests/schema/centrallog-v2.sql: a single database) for the CLI's unit tests. Header-only: each
 * test_cli_*.c that needs it includes it once. */
#ifndef CLI_TESTDB_H
#define CLI_TESTDB_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

static sqlite3 *testdb_open(void)
{
    FILE *f = fopen(CL_SCHEMA_SQL_PATH, "rb");
    char *sql;
    long n;
    sqlite3 *db = NULL;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
        return NULL;
    sql = calloc(1, (size_t)n + 1);
    if (sql == NULL || fread(sql, 1, (size_t)n, f) != (size_t)n) {
        free(sql);
        fclose(f);
        return NULL;
    }
    fclose(f);
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        db = NULL;
    }
    free(sql);
    return db;
}

/* Runs sql and fails the test on error. */
static void testdb_exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, err ? err : "?");
        sqlite3_free(err);
        abort();
    }
}

#endif
