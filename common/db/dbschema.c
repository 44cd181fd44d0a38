/* dbschema.c - see dbschema.h. */
#include "dbschema.h"

#include <errno.h>

#include <string.h>

int cl_db_query_int(sqlite3 *h, const char *sql, long long *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        rc = rc == SQLITE_ROW ? SQLITE_OK : rc;
    }
    sqlite3_finalize(st);
    return rc;
}

static int query_int(sqlite3 *h, const char *sql, int *out)
{
    long long v = 0;
    int rc = cl_db_query_int(h, sql, &v);

    *out = (int)v;
    return rc;
}

/* meta.kind of a version 3 file: CL_DBK_CATALOG, CL_DBK_PARTITION, or
 * CL_DBK_FOREIGN for anything else. */
static enum cl_db_kind kind_from_meta(sqlite3 *h, int *rc)
{
    sqlite3_stmt *st = NULL;
    enum cl_db_kind k = CL_DBK_FOREIGN;

    *rc = sqlite3_prepare_v2(h, "SELECT value FROM meta WHERE key = 'kind'", -1, &st, NULL);
    if (*rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);

        if (v != NULL && strcmp(v, "catalog") == 0)
            k = CL_DBK_CATALOG;
        else if (v != NULL && strcmp(v, "partition") == 0)
            k = CL_DBK_PARTITION;
    } else if (*rc == SQLITE_ERROR) {
        *rc = SQLITE_OK; /* no meta table: not ours */
    }
    sqlite3_finalize(st);
    return *rc == SQLITE_OK ? k : CL_DBK_ERROR;
}

enum cl_db_kind cl_db_kind_of(sqlite3 *h, int *version, int *rc)
{
    int appid = 0;

    *version = 0;
    *rc = query_int(h, "PRAGMA application_id", &appid);
    if (*rc == SQLITE_OK)
        *rc = query_int(h, "PRAGMA user_version", version);
    if ((*rc & 0xff) == SQLITE_NOTADB)
        return CL_DBK_NOT_SQLITE;
    if (*rc != SQLITE_OK)
        return CL_DBK_ERROR;
    if (appid != CL_DB_APPLICATION_ID)
        return CL_DBK_FOREIGN;
    if (*version < CL_DB_LAYOUT_VERSION)
        return CL_DBK_SINGLE;
    return kind_from_meta(h, rc);
}

const char *cl_db_kind_name(enum cl_db_kind k)
{
    switch (k) {
    case CL_DBK_SINGLE:
        return "single database";
    case CL_DBK_CATALOG:
        return "catalog";
    case CL_DBK_PARTITION:
        return "partition";
    case CL_DBK_FOREIGN:
        return "not a CentralLog database";
    case CL_DBK_NOT_SQLITE:
        return "not an SQLite database";
    default:
        return "unreadable";
    }
}

const char *cl_db_full_hint(sqlite3 *h)
{
#ifdef _WIN32
    enum { DISK_FULL = 112, HANDLE_DISK_FULL = 39 }; /* ERROR_DISK_FULL, ERROR_HANDLE_DISK_FULL */
    int sys = h != NULL ? sqlite3_system_errno(h) : 0;
    int full = sys == DISK_FULL || sys == HANDLE_DISK_FULL;
#else
    int full = h != NULL && sqlite3_system_errno(h) == ENOSPC;
#endif
    if (!full || sqlite3_errcode(h) == SQLITE_FULL)
        return ""; /* SQLite's own message already says "full" */
    return " (the disk is full)";
}
