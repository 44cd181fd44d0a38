/* sqlite_insert.c - the baseline for bench/ingest.py: how fast SQLite alone
 * inserts rows of the live partition's schema (schema/partition.sql: no
 * secondary index, same PRAGMAs, prepared statement, 4096-row transactions),
 * with no sockets, parsing or text file. Prints one JSON line. Usage:
 * cl-bench-sqlite DB ROWS */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dbschema.h"
#include "sink_sqlite.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    long rows;
    double t0, t1;
    char msg[256];

    if (argc != 3 || (rows = atol(argv[2])) <= 0) {
        fprintf(stderr, "usage: %s DB ROWS\n", argv[0]);
        return 2;
    }
    if (sqlite3_open(argv[1], &db) != SQLITE_OK ||
        sqlite3_exec(
            db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-16384;",
            NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, cl_db_partition_sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO entries (ts, received, level, app, host, pid, tid, logger, "
                           "trace_id, span_id, msg, fields, extra, peer_pid, peer_uid, peer_gid) "
                           "VALUES (?1,?2,?3,?4,?5,?6,NULL,NULL,NULL,NULL,?7,?8,NULL,?9,0,0)",
                           -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    t0 = now();
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (long i = 0; i < rows; i++) {
        int n = snprintf(msg, sizeof msg,
                         "request handled path=/api/v1/orders/%ld status=200 duration_ms=12.5 "
                         "user=u%ld",
                         i, i % 10000);

        sqlite3_bind_int64(st, 1, 1795754332000000LL + i);
        sqlite3_bind_int64(st, 2, 1795754332000000LL + i);
        sqlite3_bind_int(st, 3, 6);
        sqlite3_bind_text(st, 4, "bench-app", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, "web-01", -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 6, 1234);
        sqlite3_bind_text(st, 7, msg, n, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, "{\"order\":123456,\"status\":200,\"region\":\"eu-west-1\"}", -1,
                          SQLITE_STATIC);
        sqlite3_bind_int(st, 9, 1234);
        if (sqlite3_step(st) != SQLITE_DONE) {
            fprintf(stderr, "sqlite: %s\n", sqlite3_errmsg(db));
            return 1;
        }
        sqlite3_reset(st);
        if ((i + 1) % 4096 == 0) {
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
            sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        }
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    t1 = now();
    printf("{\"rows\":%ld,\"seconds\":%.3f,\"rows_per_s\":%.0f}\n", rows, t1 - t0,
           (double)rows / (t1 - t0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return 0;
}
