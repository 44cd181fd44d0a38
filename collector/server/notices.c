/* notices.c - what an operator must know and what the collector stores of
 * its own: the sinks' reports become notices (cl_server_config.notice), the
 * limiters' reports and database events become entries (own_entry.h). */
#include "attr.h"
#include "server_int.h"
#include "textesc.h" /* a producer's app named in our reports as a text line names it */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"
#include "own_entry.h"
#include "timefmt.h"
#include "writer_event.h"

/* Stores an entry of the collector's own (own_entry.h) with these fields
 * (taken), built directly into the record a producer's would become. */
static void store_own(cl_server *srv, int level, const char *msg, cJSON *fields)
{
    char *text = fields != NULL ? cJSON_PrintUnformatted(fields) : NULL;
    cl_own_entry e = { level, msg, text, srv->self.pid, srv->val.default_host };
    cl_record *r;

    cJSON_Delete(fields);
    if (text == NULL)
        return;
    r = cl_own_entry_new(&e, cl_now_us(), &srv->self);
    free(text);
    if (r == NULL)
        return;
    /* If rendering fails for lack of memory the writer formats it. */
    cl_writer_prerender(&srv->cfg.writer, r, &srv->scratch, &srv->scratch_cap);
    cl_srv_queue(srv, NULL, r);
}

/* The reject limiter closed a window in which it kept rejects of a peer out
 * of the database: an entry of our own says how many, like cl_srv_rate_report.
 * Its key is the peer PID alone (app is empty). */
void cl_srv_reject_report(void *arg, const char *app, size_t app_len, int64_t pid,
                          uint64_t suppressed)
{
    cl_server *srv = arg;
    cJSON *f = cJSON_CreateObject();
    char msg[512];

    (void)app;
    (void)app_len;
    snprintf(msg, sizeof msg,
             "reject limit: %llu rejected lines from peer pid %lld were counted, not stored "
             "(more than %llu in %g s)",
             (unsigned long long)suppressed, (long long)pid,
             (unsigned long long)srv->cfg.reject_burst, (double)srv->cfg.rate.interval_us / 1e6);
    cJSON_AddNumberToObject(f, "rejects_suppressed", (double)suppressed);
    cJSON_AddNumberToObject(f, "source_pid", (double)pid);
    cJSON_AddNumberToObject(f, "burst", (double)srv->cfg.reject_burst);
    cJSON_AddNumberToObject(f, "interval_s", (double)srv->cfg.rate.interval_us / 1e6);
    store_own(srv, CL_LVL_WARNING, msg, f);
}

/* The rate limiter closed a window in which it suppressed entries: store
 * an entry of our own that names the source and the count. It is stored
 * like any producer's entry, through the same sinks. */
void cl_srv_rate_report(void *arg, const char *app, size_t app_len, int64_t pid,
                        uint64_t suppressed)
{
    cl_server *srv = arg;
    cJSON *f = cJSON_CreateObject();
    char name[1024], shown[CL_TEXTESC_BOUND(512) + 1], msg[3400];

    /* app was validated: at most 128 characters (512 bytes), no NUL. The
     * message names it as a text line names an app (textesc.h), so that a
     * producer's app cannot write words of its own into the collector's
     * report ("web[1] (more than 9 in 1 s); all clear"); the field keeps it
     * as sent. */
    if (app_len > 512)
        app_len = 512;
    snprintf(name, sizeof name, "%.*s", (int)app_len, app);
    shown[cl_text_escape_name(app, app_len, shown)] = '\0';
    snprintf(msg, sizeof msg,
             "rate limit: suppressed %llu entries from %s[%lld] (more than %llu in %g s)",
             (unsigned long long)suppressed, shown, (long long)pid,
             (unsigned long long)srv->cfg.rate.burst, (double)srv->cfg.rate.interval_us / 1e6);
    cJSON_AddNumberToObject(f, "suppressed", (double)suppressed);
    cJSON_AddStringToObject(f, "source_app", name);
    cJSON_AddNumberToObject(f, "source_pid", (double)pid);
    cJSON_AddNumberToObject(f, "burst", (double)srv->cfg.rate.burst);
    cJSON_AddNumberToObject(f, "interval_s", (double)srv->cfg.rate.interval_us / 1e6);
    store_own(srv, CL_LVL_WARNING, msg, f);
}

/* Tells the operator (cl_server_config.notice): the one way every notice
 * goes out. */
static void notice(cl_server *srv, const char *msg)
{
    if (srv->cfg.notice != NULL)
        srv->cfg.notice(srv->cfg.notice_arg, msg);
}

#if defined(__GNUC__)
CL_PRINTF_LIKE(2, 3)
#endif
static void say(cl_server *srv, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    notice(srv, buf);
}

/* Sink events that only the operator hears of: once when a failure starts
 * (again every NOTICE_REPEAT_US while it lasts), once when it ends. None of
 * these can be triggered by a producer. */
static void log_event(cl_server *srv, const cl_writer_event *ev)
{
    notice_state *ns = &srv->ns;
    const cl_writer_stats *ws = &ev->st;
    int64_t now = cl_now_us();

    switch (ev->kind) {
    case CL_WEV_DB_MIGRATED:
        say(srv, "the database %s was migrated from schema version %d to %d", srv->db_path,
            ws->db.migrated_from, cl_writer_db_schema());
        break;
    case CL_WEV_DB_FAILING:
        if (!ns->db_failing || now - ns->db_said_us >= NOTICE_REPEAT_US) {
            say(srv,
                "the database %s refuses writes (%s); %llu record(s) are held in memory and "
                "retried, the text log keeps going",
                srv->db_path, cl_writer_db_errstr(ws->db.last_error), (unsigned long long)ws->held);
            ns->db_said_us = now;
        }
        ns->db_failing = 1;
        break;
    case CL_WEV_DB_RESUMED:
        say(srv, "database writes resumed: every held record is committed (%llu attempts)",
            (unsigned long long)ws->retries);
        ns->db_failing = 0;
        break;
    case CL_WEV_LOG_REPAIRED:
        say(srv,
            "the text log %s ended in half a line (a crash during a write); cut %llu byte(s) "
            "that were never acknowledged",
            srv->log_path, (unsigned long long)ev->n);
        break;
    case CL_WEV_LOG_REOPENED:
        say(srv, "the text log %s was removed or replaced; writing to a new file at that path",
            srv->log_path);
        break;
    case CL_WEV_LOG_ROTATE_FALLBACK:
        say(srv, "rotating the text log: %s", ws->text.rotate_note);
        break;
    case CL_WEV_LOG_ROTATE_ERROR:
        /* At most once a minute: a failed rotation is retried that seldom. */
        say(srv,
            "cannot rotate the text log %s (%s); no line is lost: lines go on into the same "
            "file, and rotation is tried again in a minute",
            srv->log_path,
            ws->text.rotate_errno == EEXIST ? ws->text.rotate_note
                                            : strerror(ws->text.rotate_errno));
        break;
    case CL_WEV_LOG_FAILING:
        if (!ns->log_failing || now - ns->log_said_us >= NOTICE_REPEAT_US) {
            say(srv,
                "cannot write the text log %s (%s); %llu line(s) lost so far, retrying every "
                "second; the database keeps going",
                srv->log_path,
                ws->text.last_error[0] ? ws->text.last_error : strerror(ws->text.last_errno),
                (unsigned long long)ws->text.lost_lines);
            ns->log_said_us = now;
        }
        ns->log_failing = 1;
        break;
    case CL_WEV_LOG_RESUMED:
        say(srv, "text log writes resumed (%s); %llu line(s) were lost in all", srv->log_path,
            (unsigned long long)ws->text.lost_lines);
        ns->log_failing = 0;
        break;
    default:
        break;
    }
}

/* An entry of the collector's own about its database file. It is stored
 * like a producer's, so it is the first entry of a new database file and is
 * in the text log too. */
static void db_event_entry(cl_server *srv, const char *event, const char *msg, cJSON *fields)
{
    cJSON_AddStringToObject(fields, "event", event);
    cJSON_AddStringToObject(fields, "db_path", srv->db_path);
    store_own(srv, CL_LVL_ERROR, msg, fields);
    cl_srv_flush(srv);
}

/* The database file deleted, replaced or damaged (the writer has started a
 * new one: store/sink_sqlite.h): said once to the operator, and as an entry
 * in the new file. */
static void db_file_event(cl_server *srv, const cl_writer_event *ev)
{
    const cl_writer_stats *ws = &ev->st;
    char msg[1024];
    cJSON *f;

    if (ev->kind == CL_WEV_DB_REOPENED && (f = cJSON_CreateObject()) != NULL) {
        if (ws->db.gone_shm_only)
            snprintf(msg, sizeof msg,
                     "the shared-memory index %s-shm was deleted or replaced while in use, so "
                     "readers no longer saw new entries; reopened the database so that they "
                     "share one again: nothing was lost",
                     srv->db_path);
        else if (ws->db.gone_wal_only && ws->db.gone_entries == 0 && ws->db.gone_rejects == 0)
            snprintf(msg, sizeof msg,
                     "the write-ahead log %s-wal was deleted while in use; its pages were copied "
                     "back into the database and a new log started: nothing was lost",
                     srv->db_path);
        else
            snprintf(msg, sizeof msg,
                     "the database %s was %s while in use; started a new one at that path. "
                     "Entries with id up to %lld and rejects with id up to %lld were only in "
                     "the removed file%s (the text log has the entries)",
                     srv->db_path,
                     ws->db.gone_wal_only ? "left without its write-ahead log"
                                          : "deleted or replaced",
                     (long long)ws->db.gone_entries, (long long)ws->db.gone_rejects,
                     ws->db.gone_wal_only ? " and may be missing" : " and are not in this one");
        notice(srv, msg);
        cJSON_AddNumberToObject(f, "lost_entries_upto_id", (double)ws->db.gone_entries);
        cJSON_AddNumberToObject(f, "lost_rejects_upto_id", (double)ws->db.gone_rejects);
        cJSON_AddBoolToObject(f, "wal_only", ws->db.gone_wal_only);
        cJSON_AddBoolToObject(f, "shm_only", ws->db.gone_shm_only);
        db_event_entry(srv, "db_reopened", msg, f);
    }
    if (ev->kind == CL_WEV_DB_CORRUPT && (f = cJSON_CreateObject()) != NULL) {
        snprintf(msg, sizeof msg,
                 "the database %s is damaged (%s); renamed it to %s.%s (with its -wal and -shm "
                 "files) for inspection and started a new database at the path; what was "
                 "committed before is in the renamed file",
                 srv->db_path, ws->db.damage, srv->db_path, ws->db.aside);
        notice(srv, msg);
        cJSON_AddStringToObject(f, "damage", ws->db.damage);
        snprintf(msg, sizeof msg, "%s.%s", srv->db_path, ws->db.aside);
        cJSON_AddStringToObject(f, "renamed_to", msg);
        snprintf(msg, sizeof msg, "the database was damaged (%s) and renamed to %s.%s",
                 ws->db.damage, srv->db_path, ws->db.aside);
        db_event_entry(srv, "db_corrupt", msg, f);
    }
}

/* The WAL past its warning size, and back: the checkpoint thread's state,
 * read as of the tick (it moves without the writer), said once each. */
static void check_wal(cl_server *srv)
{
    notice_state *ns = &srv->ns;
    cl_writer_stats ws;
    char msg[1024];

    cl_writer_get_stats(srv->w, &ws);
    if (ws.wal.warnings > ns->wal_warnings) {
        ns->wal_warnings = ws.wal.warnings;
        ns->wal_over = 1;
        snprintf(msg, sizeof msg,
                 "the write-ahead log %s-wal has grown to %llu MiB, past --wal-warn-size (%llu "
                 "MiB): checkpoints have not caught up - a reader may keep an old snapshot "
                 "open (sqlite3 or centrallog in a long transaction?), or writes outpace "
                 "checkpoints; it is truncated once they catch up and no reader holds it",
                 srv->db_path, (unsigned long long)(ws.wal.wal_bytes >> 20),
                 (unsigned long long)(srv->cfg.writer.wal_warn_bytes >> 20));
        notice(srv, msg);
    } else if (ns->wal_over && !ws.wal.over) {
        ns->wal_over = 0;
        snprintf(msg, sizeof msg, "the write-ahead log %s-wal is back to %llu MiB", srv->db_path,
                 (unsigned long long)(ws.wal.wal_bytes >> 20));
        notice(srv, msg);
    }
}

/* What retention or a vacuum removed: an entry of our own for each (app
 * centrallogd, level notice), so that forgetting is never silent. */
static void removals(cl_server *srv)
{
    cl_removal *rm = NULL;
    size_t n = 0;

    cl_writer_take_removals(srv->w, &rm, &n);
    for (size_t i = 0; i < n; i++) {
        const cl_removal *r = &rm[i];
        cJSON *f = cJSON_CreateObject();
        char msg[768], a[CL_TS_TEXT_LEN + 1] = "", b[CL_TS_TEXT_LEN + 1] = "";

        if (f == NULL)
            break;
        if (r->has_range) {
            cl_rfc3339_format(r->min_ts, a);
            cl_rfc3339_format(r->max_ts, b);
        }
        if (r->seq >= 0)
            snprintf(msg, sizeof msg,
                     "removed partition %s: %lld entries and %lld rejected lines from %s to %s, "
                     "%lld bytes (%s)%s",
                     r->rel, (long long)r->entries, (long long)r->rejects, r->has_range ? a : "-",
                     r->has_range ? b : "-", (long long)r->bytes, r->reason,
                     r->pending ? "; its file goes once a reader lets go" : "");
        else
            snprintf(msg, sizeof msg, "removed text file %s: %lld bytes, last written %s (%s)",
                     r->rel, (long long)r->bytes, b, r->reason);
        cJSON_AddStringToObject(f, "removed", r->seq >= 0 ? "partition" : "text_file");
        cl_removal_fields(r, f);
        cJSON_AddStringToObject(f, "limit", r->reason);
        store_own(srv, CL_LVL_NOTICE, msg, f);
    }
    free(rm);
}

/* Closed partitions someone else deleted or cut short: readers skip them and
 * say which; the collector says it once, to the operator and as an entry. */
static void faults(cl_server *srv)
{
    cl_removal *f = NULL;
    size_t n = 0;

    cl_keeper_take_faults(cl_writer_keeper(srv->w), &f, &n);
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        char msg[768], a[CL_TS_TEXT_LEN + 1] = "-", b[CL_TS_TEXT_LEN + 1] = "-";

        if (o == NULL)
            break;
        if (f[i].has_range) {
            cl_rfc3339_format(f[i].min_ts, a);
            cl_rfc3339_format(f[i].max_ts, b);
        }
        snprintf(msg, sizeof msg,
                 "partition %s is %s (deleted or cut by something other than the collector): its "
                 "%lld entries from %s to %s cannot be read; readers skip it",
                 f[i].rel, f[i].reason, (long long)f[i].entries, a, b);
        notice(srv, msg);
        cJSON_AddStringToObject(o, "partition", f[i].rel);
        cJSON_AddStringToObject(o, "problem", f[i].reason);
        cJSON_AddNumberToObject(o, "entries", (double)f[i].entries);
        cJSON_AddNumberToObject(o, "bytes", (double)f[i].bytes);
        store_own(srv, CL_LVL_WARNING, msg, o);
    }
    free(f);
}

/* The writer's sink events, in the order they happened: on every wake-up
 * (the writer wakes the I/O thread for them) and tick. */
void cl_srv_notices_drain(cl_server *srv)
{
    cl_writer_event ev;

    while (srv->w != NULL && cl_writer_next_event(srv->w, &ev)) {
        if (ev.kind == CL_WEV_DB_REOPENED || ev.kind == CL_WEV_DB_CORRUPT)
            db_file_event(srv, &ev);
        else if (srv->cfg.notice != NULL)
            log_event(srv, &ev);
    }
    if (srv->w != NULL) {
        removals(srv);
        faults(srv);
    }
}

/* Entries retention removed before a forwarder sent them: an entry of our
 * own per destination and tick that saw more, never silent. */
static void forward_expired(cl_server *srv)
{
    for (size_t i = 0; i < srv->n_fwd; i++) {
        cl_forwarder_stats st;
        cJSON *f;
        char msg[768];
        uint64_t n;

        cl_forwarder_get_stats(srv->fwd[i], &st);
        if (st.expired <= srv->fwd_expired[i] || (f = cJSON_CreateObject()) == NULL)
            continue;
        n = st.expired - srv->fwd_expired[i];
        srv->fwd_expired[i] = st.expired;
        snprintf(msg, sizeof msg,
                 "%llu entries were removed by retention before they were forwarded to %s "
                 "(%llu in all); forwarding goes on after them",
                 (unsigned long long)n, st.dest, (unsigned long long)st.expired);
        cJSON_AddStringToObject(f, "event", "forward_expired");
        cJSON_AddStringToObject(f, "destination", st.dest);
        cJSON_AddNumberToObject(f, "expired", (double)n);
        cJSON_AddNumberToObject(f, "expired_total", (double)st.expired);
        store_own(srv, CL_LVL_WARNING, msg, f);
    }
}

void cl_srv_notices_tick(cl_server *srv)
{
    cl_srv_notices_drain(srv);
    check_wal(srv);
    forward_expired(srv);
}
