/* rows.c - see rows.h. */
#include "rows.h"

#include <string.h>

#define ENTRY_COLUMNS                                                                              \
    "id, ts, received, level, app, host, pid, tid, logger, trace_id, span_id, msg, "               \
    "fields, extra, peer_pid, peer_uid, peer_gid, json_valid(fields), json_valid(extra)"

#define REJECT_COLUMNS "id, received, peer_pid, peer_uid, peer_gid, reason, message, raw, raw_len"

static cl_row_str col_str(sqlite3_stmt *st, int i)
{
    cl_row_str s = { NULL, 0 };

    if (sqlite3_column_type(st, i) != SQLITE_NULL) {
        s.p = (const char *)sqlite3_column_text(st, i);
        s.n = (size_t)sqlite3_column_bytes(st, i);
    }
    return s;
}

/* A BLOB column (rejects.raw): its bytes as they are. */
static cl_row_str col_blob(sqlite3_stmt *st, int i)
{
    cl_row_str s = { NULL, 0 };

    if (sqlite3_column_type(st, i) != SQLITE_NULL) {
        s.p = (const char *)sqlite3_column_blob(st, i);
        s.n = (size_t)sqlite3_column_bytes(st, i);
        if (s.p == NULL)
            s.p = "";
    }
    return s;
}

static int col_int(sqlite3_stmt *st, int i, int64_t *v)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return 0;
    *v = sqlite3_column_int64(st, i);
    return 1;
}

/* The columns peer_pid, peer_uid, peer_gid at first and on, and peer_sid
 * at sid. */
static void peer_read(sqlite3_stmt *st, int first, int sid, cl_row_peer *p)
{
    p->has_pid = col_int(st, first, &p->pid);
    p->has_uid = col_int(st, first + 1, &p->uid);
    p->has_gid = col_int(st, first + 2, &p->gid);
    p->sid = col_str(st, sid);
}

const char *cl_row_entry_columns(int version)
{
    /* peer_sid came with version 2; partitions (3) have it. */
    return version >= 2 ? ENTRY_COLUMNS ", peer_sid" : ENTRY_COLUMNS ", NULL";
}

void cl_row_entry_read(sqlite3_stmt *st, cl_row_entry *e)
{
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(st, 0);
    e->ts = sqlite3_column_int64(st, 1);
    e->received = sqlite3_column_int64(st, 2);
    e->level = sqlite3_column_int(st, 3);
    e->app = col_str(st, 4);
    e->host = col_str(st, 5);
    e->has_pid = col_int(st, 6, &e->pid);
    e->has_tid = col_int(st, 7, &e->tid);
    e->logger = col_str(st, 8);
    e->trace_id = col_str(st, 9);
    e->span_id = col_str(st, 10);
    e->msg = col_str(st, 11);
    e->fields = col_str(st, 12);
    e->extra = col_str(st, 13);
    e->fields_json = sqlite3_column_int(st, 17) == 1;
    e->extra_json = sqlite3_column_int(st, 18) == 1;
    peer_read(st, 14, 19, &e->peer);
}

const char *cl_row_reject_columns(int version)
{
    return version >= 2 ? REJECT_COLUMNS ", peer_sid" : REJECT_COLUMNS ", NULL";
}

void cl_row_reject_read(sqlite3_stmt *st, cl_row_reject *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    r->received = sqlite3_column_int64(st, 1);
    peer_read(st, 2, 9, &r->peer);
    r->reason = col_blob(st, 5);
    r->message = col_blob(st, 6);
    r->raw = col_blob(st, 7);
    r->raw_len = sqlite3_column_int64(st, 8);
}
