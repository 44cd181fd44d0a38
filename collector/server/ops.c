/* ops.c - the protocol's requests (sync, stats, ping; rotate and vacuum
 * for operators) and the replies a connection is owed, sent in request
 * order once what they acknowledge is committed (or, for an operator's job,
 * once the writer has done it); acks, and the stats cache. */
#include "server_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "forward.h"
#include "timefmt.h"
#include "version.h"

static void waiting_add(cl_server *srv, conn *c)
{
    if (c->waiting)
        return;
    c->waiting = 1;
    c->w_prev = NULL;
    c->w_next = srv->waiting;
    if (srv->waiting)
        srv->waiting->w_prev = c;
    srv->waiting = c;
}

void cl_srv_waiting_remove(cl_server *srv, conn *c)
{
    if (!c->waiting)
        return;
    if (c->w_prev)
        c->w_prev->w_next = c->w_next;
    else
        srv->waiting = c->w_next;
    if (c->w_next)
        c->w_next->w_prev = c->w_prev;
    c->waiting = 0;
}

/* Sends every reply at the head of c's queue whose data is committed. */
void cl_srv_send_ready(cl_server *srv, conn *c, uint64_t committed)
{
    while (c->r_head != NULL && c->r_head->wait_seq <= committed) {
        reply *r = c->r_head;

        c->r_head = r->next;
        if (c->r_head == NULL)
            c->r_tail = NULL;
        c->r_bytes -= r->len;
        cl_stream_write(c->s, r->text, r->len);
        free(r);
    }
    if (c->r_head == NULL)
        cl_srv_waiting_remove(srv, c);
    if (c->throttled && c->r_bytes < REPLY_BACKLOG_MAX / 2) {
        c->throttled = 0;
        cl_stream_throttle(c->s, 0);
    }
}

void cl_srv_add_reply(cl_server *srv, conn *c, char *json, uint64_t wait_seq)
{
    size_t len = strlen(json);
    reply *r = malloc(sizeof *r + len + 2);

    if (r == NULL) {
        free(json);
        return;
    }
    memcpy(r->text, json, len);
    r->text[len] = '\n';
    r->text[len + 1] = '\0';
    r->len = len + 1;
    r->wait_seq = wait_seq;
    r->next = NULL;
    free(json);
    if (c->r_tail)
        c->r_tail->next = r;
    else
        c->r_head = r;
    c->r_tail = r;
    c->r_bytes += r->len;
    waiting_add(srv, c);
    cl_srv_send_ready(srv, c, cl_writer_committed(srv->w));
    if (!c->throttled && c->r_bytes > REPLY_BACKLOG_MAX) {
        c->throttled = 1;
        cl_stream_throttle(c->s, 1);
    }
}

char *cl_srv_error_reply(const char *code, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    char *s;

    cJSON_AddStringToObject(o, "op", "error");
    cJSON_AddStringToObject(o, "code", code);
    cJSON_AddStringToObject(o, "message", message);
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

/* ---------------------------------------------------------------- jobs */

/* Who may have the collector rotate or remove files: root and the
 * collector's own user (POSIX, from the kernel's peer credentials); on
 * Windows the collector's own account and LocalSystem. A producer that may
 * log may not make the collector forget. */
static int may_administer(const cl_server *srv, const cl_peer *p)
{
    if (p->uid >= 0)
        return p->uid == 0 || p->uid == srv->self.uid;
    return p->sid != NULL && (strcmp(p->sid, "S-1-5-18") == 0 ||
                              (srv->self.sid && strcmp(p->sid, srv->self.sid) == 0));
}

/* A vacuum's limits from the request: older_than_us and/or max_disk. */
static int vacuum_args(const cJSON *req, cl_writer_job *job, const char **why)
{
    const cJSON *age = cJSON_GetObjectItemCaseSensitive(req, "older_than_us");
    const cJSON *disk = cJSON_GetObjectItemCaseSensitive(req, "max_disk");

    *why = "vacuum needs older_than_us (a positive number of microseconds) and/or max_disk "
           "(bytes, 0 or more)";
    if ((age != NULL &&
         (!cJSON_IsNumber(age) || age->valuedouble < 1 || age->valuedouble > 9e18)) ||
        (disk != NULL &&
         (!cJSON_IsNumber(disk) || disk->valuedouble < 0 || disk->valuedouble > 9e18)) ||
        (age == NULL && disk == NULL))
        return -1;
    job->has_age = age != NULL;
    job->older_than_us = age != NULL ? (int64_t)age->valuedouble : 0;
    job->has_disk = disk != NULL;
    job->max_disk = disk != NULL ? (uint64_t)disk->valuedouble : 0;
    return 0;
}

/* Hands the job to the writer and keeps the connection's place in its
 * replies: replies go out in request order, so later ones wait behind it. */
static void start_job(cl_server *srv, conn *c, const cl_writer_job *job)
{
    int slot = -1;
    reply *r;

    for (int i = 0; i < CL_WRITER_JOBS_MAX; i++)
        if (srv->job_conns[i] == NULL && slot < 0)
            slot = i;
    if (c->job_id != 0 || slot < 0) {
        cl_srv_add_reply(srv, c,
                         cl_srv_error_reply("busy", "a rotate or vacuum is already being done; "
                                                    "ask again when it has answered"),
                         0);
        return;
    }
    c->job_id = cl_writer_submit(srv->w, job);
    if (c->job_id == 0) {
        cl_srv_add_reply(srv, c, cl_srv_error_reply("busy", "too many jobs pending"), 0);
        return;
    }
    r = calloc(1, sizeof *r + 1);
    if (r == NULL) {
        cl_writer_job_forget(srv->w, c->job_id);
        c->job_id = 0;
        return;
    }
    r->wait_seq = UINT64_MAX; /* never ready until replaced */
    if (c->r_tail)
        c->r_tail->next = r;
    else
        c->r_head = r;
    c->r_tail = r;
    c->job_reply = r;
    srv->job_conns[slot] = c;
}

/* Puts the finished reply text where the placeholder stood. */
static void finish_job(cl_server *srv, conn *c, char *json)
{
    size_t len = strlen(json);
    reply *r = malloc(sizeof *r + len + 2), **pp;

    if (r != NULL) {
        memcpy(r->text, json, len);
        r->text[len] = '\n';
        r->text[len + 1] = '\0';
        r->len = len + 1;
        r->wait_seq = 0;
    }
    free(json);
    for (pp = &c->r_head; *pp != NULL && *pp != c->job_reply; pp = &(*pp)->next)
        ;
    if (*pp == c->job_reply) {
        reply *old = *pp;

        if (r != NULL) {
            r->next = old->next;
            *pp = r;
        } else {
            *pp = old->next;
        }
        if (c->r_tail == old) {
            c->r_tail = r != NULL ? r : c->r_head;
            while (c->r_tail != NULL && c->r_tail->next != NULL)
                c->r_tail = c->r_tail->next;
        }
        if (r != NULL)
            c->r_bytes += r->len;
        free(old);
    }
    c->job_reply = NULL;
    c->job_id = 0;
    waiting_add(srv, c);
    cl_srv_send_ready(srv, c, cl_writer_committed(srv->w));
}

void cl_srv_jobs_poll(cl_server *srv)
{
    for (int i = 0; i < CL_WRITER_JOBS_MAX; i++) {
        conn *c = srv->job_conns[i];
        char *json = NULL;

        if (c != NULL && cl_writer_job_reply(srv->w, c->job_id, &json)) {
            srv->job_conns[i] = NULL;
            finish_job(srv, c, json);
        }
    }
}

void cl_srv_jobs_forget(cl_server *srv, conn *c)
{
    if (c->job_id == 0)
        return;
    cl_writer_job_forget(srv->w, c->job_id);
    for (int i = 0; i < CL_WRITER_JOBS_MAX; i++)
        if (srv->job_conns[i] == c)
            srv->job_conns[i] = NULL;
    c->job_id = 0;
    c->job_reply = NULL; /* freed with the connection's replies */
}

static void handle_job(cl_server *srv, conn *c, const cJSON *req, enum cl_writer_job_kind kind)
{
    cl_writer_job job;
    const char *why;

    memset(&job, 0, sizeof job);
    job.kind = kind;
    if (!may_administer(srv, cl_stream_peer(c->s))) {
        cl_srv_add_reply(srv, c,
                         cl_srv_error_reply("not_permitted",
                                            "only root and the collector's own user may rotate "
                                            "or vacuum its files"),
                         0);
        return;
    }
    if (kind == CL_JOB_VACUUM && vacuum_args(req, &job, &why) != 0) {
        cl_srv_add_reply(srv, c, cl_srv_error_reply("bad_request", why), 0);
        return;
    }
    /* What was sent before the request is written first. */
    cl_srv_flush(srv);
    start_job(srv, c, &job);
}

static long long file_size(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* Each forwarding destination (forward.h): "forward": [ {...} ]. */
static void forward_stats(cl_server *srv, cJSON *o)
{
    cJSON *a = cJSON_AddArrayToObject(o, "forward");

    for (size_t i = 0; a != NULL && i < srv->n_fwd; i++) {
        cJSON *d = cJSON_CreateObject();
        cl_forwarder_stats st;
        int64_t behind;

        if (d == NULL)
            break;
        cl_forwarder_get_stats(srv->fwd[i], &st);
        behind = st.newest > st.cursor ? st.newest - st.cursor : 0;
        cJSON_AddStringToObject(d, "destination", st.dest);
        cJSON_AddStringToObject(d, "state", cl_fwd_state_name(st.state));
        cJSON_AddStringToObject(d, "last_error", st.last_error);
        cJSON_AddNumberToObject(d, "last_error_age_s",
                                st.last_error_us ? (double)(cl_now_us() - st.last_error_us) / 1e6
                                                 : -1.0);
        cJSON_AddNumberToObject(d, "sent", (double)st.sent);
        cJSON_AddNumberToObject(d, "confirmed", (double)st.confirmed);
        cJSON_AddNumberToObject(d, "retried", (double)st.retried);
        cJSON_AddNumberToObject(d, "expired", (double)st.expired);
        cJSON_AddNumberToObject(d, "filtered", (double)st.filtered);
        cJSON_AddNumberToObject(d, "connects", (double)st.connects);
        cJSON_AddNumberToObject(d, "connect_errors", (double)st.connect_errors);
        cJSON_AddNumberToObject(d, "cursor", (double)st.cursor);
        cJSON_AddNumberToObject(d, "newest_id", (double)st.newest);
        cJSON_AddNumberToObject(d, "behind", (double)behind);
        cJSON_AddNumberToObject(d, "behind_s", st.behind_s);
        cJSON_AddBoolToObject(d, "yielding", st.yielding);
        cJSON_AddNumberToObject(d, "yielded_s", st.yielded_s);
        cJSON_AddItemToArray(a, d);
    }
}

static char *stats_reply(cl_server *srv)
{
    cl_writer_stats ws;
    cl_ratelimit_stats rs, rj;
    cl_slots_stats ss;
    cJSON *o = cJSON_CreateObject();
    char *s;

    srv->m.stats_computed++;
    cl_writer_get_stats(srv->w, &ws);
    cl_ratelimit_get_stats(srv->rl, &rs);
    cl_ratelimit_get_stats(srv->reject_rl, &rj);
    cl_slots_get_stats(srv->slots, &ss);
    cJSON_AddStringToObject(o, "op", "stats");
    cJSON_AddStringToObject(o, "version", CL_VERSION_STRING);
    cJSON_AddNumberToObject(o, "protocol", CL_PROTOCOL_VERSION);
    cJSON_AddNumberToObject(o, "pid", (double)getpid());
    cJSON_AddNumberToObject(o, "uptime_s", (double)(cl_now_us() - srv->started_us) / 1e6);
    cJSON_AddStringToObject(o, "address", srv->address);
    cJSON_AddNumberToObject(o, "connections", (double)cl_io_stream_count(srv->io));
    cJSON_AddNumberToObject(o, "connections_total", (double)srv->n.connections_total);
    cJSON_AddNumberToObject(o, "connections_refused",
                            (double)(cl_io_refused_count(srv->io) + ss.refused_uid));
    cJSON_AddNumberToObject(o, "connections_refused_uid", (double)ss.refused_uid);
    cJSON_AddNumberToObject(o, "idle_reclaimed", (double)ss.reclaimed);
    cJSON_AddNumberToObject(o, "idle_timeouts", (double)srv->n.idle_timeouts);
    cJSON_AddNumberToObject(o, "accepted", (double)srv->n.accepted);
    cJSON_AddNumberToObject(o, "rejected", (double)srv->n.rejected);
    cJSON_AddNumberToObject(o, "truncated", (double)srv->n.truncated);
    cJSON_AddNumberToObject(o, "partial_bytes", (double)srv->partials.bytes);
    cJSON_AddNumberToObject(o, "partial_cuts", (double)srv->n.partial_cuts);
    cJSON_AddNumberToObject(o, "bytes_in", (double)srv->m.bytes_in);
    cJSON_AddNumberToObject(o, "rate_limited", (double)rs.suppressed);
    cJSON_AddNumberToObject(o, "rate_limited_sources", (double)rs.limited);
    cJSON_AddNumberToObject(o, "rate_limit_sources", (double)rs.sources);
    cJSON_AddNumberToObject(o, "rate_limit_reports", (double)rs.reports);
    cJSON_AddNumberToObject(o, "rejects_suppressed", (double)srv->n.rejects_suppressed);
    cJSON_AddNumberToObject(o, "syslog_received", (double)srv->n.syslog_received);
    cJSON_AddNumberToObject(o, "syslog_accepted", (double)srv->n.syslog_accepted);
    cJSON_AddNumberToObject(o, "syslog_rejected", (double)srv->n.syslog_rejected);
    cJSON_AddNumberToObject(o, "syslog_rate_limited", (double)srv->n.syslog_suppressed);
    {
        cJSON *paths = cJSON_AddArrayToObject(o, "syslog_sockets");

        for (size_t i = 0; paths != NULL && i < srv->cfg.syslog_count; i++)
            cJSON_AddItemToArray(paths, cJSON_CreateString(srv->cfg.syslog_sockets[i]));
    }
    cJSON_AddNumberToObject(o, "reject_limit_reports", (double)rj.reports);
    cJSON_AddNumberToObject(o, "stats_computed", (double)srv->m.stats_computed);
    cJSON_AddNumberToObject(o, "stats_stale", (double)srv->m.stats_stale);
    cJSON_AddNumberToObject(o, "stalls", (double)srv->m.stalls);
    cJSON_AddNumberToObject(o, "committed", (double)ws.committed_seq);
    cJSON_AddNumberToObject(o, "queue_entries", (double)(srv->seq - ws.committed_seq));
    cJSON_AddNumberToObject(o, "queue_bytes", (double)ws.queue_bytes);
    cJSON_AddBoolToObject(o, "backpressure", srv->paused);
    cJSON_AddStringToObject(o, "db_path", srv->db_path);
    cJSON_AddNumberToObject(o, "db_size", (double)file_size(srv->db_path));
    cJSON_AddNumberToObject(o, "db_errors", (double)ws.db.errors);
    cJSON_AddNumberToObject(o, "db_retries", (double)ws.retries);
    cJSON_AddNumberToObject(o, "db_held", (double)ws.held);
    cJSON_AddStringToObject(o, "db_last_error",
                            ws.db.last_error ? cl_writer_db_errstr(ws.db.last_error) : "");
    cJSON_AddStringToObject(o, "log_path", srv->log_path);
    cJSON_AddNumberToObject(o, "log_size", (double)ws.text.file_size);
    cJSON_AddNumberToObject(o, "rotations", (double)ws.text.rotations);
    cJSON_AddNumberToObject(o, "log_errors", (double)ws.text.errors);
    cJSON_AddNumberToObject(o, "log_lost_lines", (double)ws.text.lost_lines);
    cJSON_AddStringToObject(o, "log_last_error",
                            ws.text.last_error[0] ? ws.text.last_error
                            : ws.text.last_errno  ? strerror(ws.text.last_errno)
                                                  : "");
    cJSON_AddNumberToObject(o, "log_reopens", (double)ws.text.reopens);
    cJSON_AddNumberToObject(o, "log_repaired_bytes", (double)ws.text.repaired_bytes);
    cJSON_AddNumberToObject(o, "db_reopens", (double)ws.db.reopens);
    cJSON_AddNumberToObject(o, "db_corrupt", (double)ws.db.corrupt);
    cJSON_AddStringToObject(o, "db_corrupt_aside", ws.db.aside);
    cJSON_AddNumberToObject(o, "wal_size", (double)ws.wal.wal_bytes);
    cJSON_AddNumberToObject(o, "wal_peak", (double)ws.wal.wal_peak);
    cJSON_AddNumberToObject(o, "wal_warn_size", (double)srv->cfg.writer.wal_warn_bytes);
    cJSON_AddBoolToObject(o, "wal_over_warn_size", ws.wal.over);
    cJSON_AddNumberToObject(o, "wal_warnings", (double)ws.wal.warnings);
    cJSON_AddNumberToObject(o, "wal_truncations", (double)ws.wal.truncations);
    cJSON_AddNumberToObject(o, "log_rotate_fallbacks", (double)ws.text.rotate_fallbacks);
    cJSON_AddNumberToObject(o, "log_rotate_errors", (double)ws.text.rotate_errors);
    /* The live partition is never indexed (a reader scans it); closed ones
     * are, completely, with --fts on: what waits for an index is the
     * partitions not sealed yet, and what has one is every id before them. */
    {
        uint64_t pending = srv->cfg.writer.fts ? ws.keeper.sealing_ids : 0;
        int64_t indexed = srv->cfg.writer.fts ? ws.live_first_id - 1 - (int64_t)pending : 0;

        cJSON_AddNumberToObject(o, "fts_indexed", (double)(indexed > 0 ? indexed : 0));
        cJSON_AddNumberToObject(o, "fts_pending", (double)pending);
    }
    cJSON_AddNumberToObject(o, "db_rotations", (double)ws.rotations);
    cJSON_AddNumberToObject(o, "db_rotate_errors", (double)ws.rotate_errors);
    cJSON_AddStringToObject(o, "db_rotate_last_error", ws.rotate_error);
    cJSON_AddNumberToObject(o, "partitions", (double)ws.keeper.partitions);
    cJSON_AddNumberToObject(o, "partitions_sealing", (double)ws.keeper.sealing);
    cJSON_AddNumberToObject(o, "partitions_closed_bytes", (double)ws.keeper.closed_bytes);
    cJSON_AddNumberToObject(o, "seals", (double)ws.keeper.seals);
    cJSON_AddNumberToObject(o, "seal_errors", (double)ws.keeper.seal_errors);
    cJSON_AddStringToObject(o, "keeper_last_error", ws.keeper.last_error);
    cJSON_AddNumberToObject(o, "partitions_faulty", (double)ws.keeper.faulty);
    cJSON_AddNumberToObject(o, "removed_partitions", (double)ws.removed_partitions);
    cJSON_AddNumberToObject(o, "removed_text_files", (double)ws.removed_text_files);
    cJSON_AddNumberToObject(o, "removed_entries", (double)ws.removed_entries);
    cJSON_AddNumberToObject(o, "removed_bytes", (double)ws.removed_bytes);
    cJSON_AddNumberToObject(o, "removals_pending", (double)ws.keeper.unlink_retries);
    cJSON_AddNumberToObject(o, "retention_errors", (double)ws.retention_errors);
    cJSON_AddNumberToObject(o, "early_rotations", (double)ws.early_rotations);
    cJSON_AddNumberToObject(o, "retention_passes", (double)ws.retention_passes);
    cJSON_AddNumberToObject(o, "retention_bytes", (double)ws.retention_bytes);
    cJSON_AddNumberToObject(o, "seals_aborted", (double)ws.keeper.seals_aborted);
    cJSON_AddNumberToObject(o, "max_age_s", (double)srv->cfg.writer.retention.max_age_us / 1e6);
    cJSON_AddNumberToObject(o, "max_disk", (double)srv->cfg.writer.retention.max_disk_bytes);
    cJSON_AddNumberToObject(o, "keep_free", (double)srv->cfg.writer.retention.keep_free_bytes);
    cJSON_AddNumberToObject(o, "db_rotate_size", (double)srv->cfg.writer.db_rotate_size);
    cJSON_AddNumberToObject(o, "log_rotations_age", (double)ws.text.rotations_age);
    cJSON_AddNumberToObject(o, "log_compressed", (double)ws.text.compressed);
    cJSON_AddNumberToObject(o, "log_compress_errors", (double)ws.text.compress_errors);
    forward_stats(srv, o);
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

static void get_stats_key(cl_server *srv, stats_key *k)
{
    memset(k, 0, sizeof *k); /* padding too: keys are compared with memcmp */
    k->seq = srv->seq;
    k->committed = cl_writer_committed(srv->w);
    k->refused = cl_io_refused_count(srv->io);
    k->connections = cl_io_stream_count(srv->io);
    k->partial_bytes = srv->partials.bytes; /* a connection's half line counts */
    k->n = srv->n;
    cl_ratelimit_get_stats(srv->rl, &k->rs);
    cl_ratelimit_get_stats(srv->reject_rl, &k->rj);
    cl_slots_get_stats(srv->slots, &k->ss);
    k->paused = srv->paused;
}

/* The stats reply, rendered again only when something it counts has changed
 * or it is STATS_CACHE_US old. Rendering costs tens of microseconds on the
 * I/O thread; two clients looping stats once made another producer's acks
 * a hundred times slower. Every count a connection can have caused or been
 * told about (its entries, rejects and acks, its own connection) changes the
 * key, so a reply is never older than what the asker has seen; only values
 * that move by themselves (uptime, sizes, the writer's retries and the
 * full-text index) and bytes_in may be up to STATS_CACHE_US old. Returns a
 * copy. */
/* Takes one rendering from the budget (STATS_RENDERS_PER_S, refilled with
 * the clock, a second's worth at most). */
static int stats_token(cl_server *srv, int64_t now)
{
    if (now > srv->stats_tokens_us) {
        srv->stats_tokens += (double)(now - srv->stats_tokens_us) * STATS_RENDERS_PER_S / 1000000.0;
        if (srv->stats_tokens > STATS_RENDERS_PER_S)
            srv->stats_tokens = STATS_RENDERS_PER_S;
    }
    srv->stats_tokens_us = now;
    if (srv->stats_tokens < 1.0)
        return 0;
    srv->stats_tokens -= 1.0;
    return 1;
}

static char *stats_cached(cl_server *srv)
{
    int64_t now = cl_now_us();
    stats_key k;

    get_stats_key(srv, &k);
    if (srv->stats_text == NULL || now - srv->stats_us >= STATS_CACHE_US || now < srv->stats_us ||
        memcmp(&k, &srv->stats_key, sizeof k) != 0) {
        char *fresh;

        /* Anyone can change the key (one junk line before each request), so
         * renderings also have a budget: past it the last reply is served,
         * counted as stale - at most 1/STATS_RENDERS_PER_S s old while
         * someone keeps asking. */
        if (srv->stats_text != NULL && !stats_token(srv, now)) {
            srv->m.stats_stale++;
            return strdup(srv->stats_text);
        }
        fresh = stats_reply(srv);

        if (fresh == NULL)
            return NULL;
        free(srv->stats_text);
        srv->stats_text = fresh;
        srv->stats_key = k;
        srv->stats_us = now;
    }
    return strdup(srv->stats_text);
}

/* Built by hand: the id is echoed byte-for-byte as the producer sent it. */
static char *ack_reply(const conn *c, const char *raw_id)
{
    size_t n = (raw_id ? strlen(raw_id) : 0) + 192;
    char *s = malloc(n);
    char sup[48] = "", rsup[48] = "";

    if (s == NULL)
        return NULL;
    /* Rate-limited entries are neither stored nor rejected; the member
     * appears once there are any, so older producers see the same acks. */
    if (c->suppressed > 0)
        snprintf(sup, sizeof sup, ",\"suppressed\":%llu", (unsigned long long)c->suppressed);
    /* Rejected lines the reject limit kept out of the database: still
     * counted in "rejected" (they were refused), and this says how many of
     * those have no row. */
    if (c->rejects_suppressed > 0)
        snprintf(rsup, sizeof rsup, ",\"rejects_suppressed\":%llu",
                 (unsigned long long)c->rejects_suppressed);
    snprintf(s, n, "{\"op\":\"ack\"%s%s,\"accepted\":%llu,\"rejected\":%llu%s%s}",
             raw_id ? ",\"id\":" : "", raw_id ? raw_id : "", (unsigned long long)c->accepted,
             (unsigned long long)c->rejected, sup, rsup);
    return s;
}

int cl_srv_handle_op(cl_server *srv, conn *c, cJSON *req, char *raw_id)
{
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(req, "op");
    int known = 1;
    char *out;

    if (!cJSON_IsString(op)) {
        cl_srv_add_reply(srv, c, cl_srv_error_reply("bad_request", "\"op\" must be a string"), 0);
        known = 0;
    } else if (strcmp(op->valuestring, "sync") == 0) {
        /* Everything before the sync must reach the writer now, and be
         * committed without waiting for the batch timer. */
        srv->urgent = c->last_seq > cl_writer_committed(srv->w);
        cl_srv_flush(srv);
        out = ack_reply(c, raw_id);
        if (out != NULL)
            cl_srv_add_reply(srv, c, out, c->last_seq);
    } else if (strcmp(op->valuestring, "stats") == 0) {
        out = stats_cached(srv);
        if (out != NULL)
            cl_srv_add_reply(srv, c, out, 0);
    } else if (strcmp(op->valuestring, "rotate") == 0) {
        handle_job(srv, c, req, CL_JOB_ROTATE);
    } else if (strcmp(op->valuestring, "vacuum") == 0) {
        handle_job(srv, c, req, CL_JOB_VACUUM);
    } else if (strcmp(op->valuestring, "ping") == 0) {
        char buf[128];

        snprintf(buf, sizeof buf, "{\"op\":\"pong\",\"version\":\"%s\",\"protocol\":%d}",
                 CL_VERSION_STRING, CL_PROTOCOL_VERSION);
        cl_srv_add_reply(srv, c, strdup(buf), 0);
    } else {
        cl_srv_add_reply(
            srv, c,
            cl_srv_error_reply(
                "unknown_op", "unknown op; this collector knows sync, stats, ping, rotate, vacuum"),
            0);
        known = 0;
    }
    cJSON_Delete(req);
    free(raw_id);
    return known;
}
