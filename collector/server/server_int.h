/* server_int.h - what the parts of the server share (private to server/).
 *
 * The server is the collector's I/O thread: transport (ioloop.h) below it,
 * ingest (framing, validation, limits) in it, the writer (store/) after it.
 * server.c: the life cycle, the chain of records to the writer, the tick.
 * conn.c: connections - accept, read, close, slots, the partial-line budget.
 * ops.c: protocol ops - sync, stats, ping; replies in request order, acks,
 *        the stats cache.
 * notices.c: the writer's sink events become operator notices, and the
 *        collector's own entries (rate-limit, reject-limit and database
 *        reports, built by own_entry.h).
 */
#ifndef CL_SERVER_INT_H
#define CL_SERVER_INT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "framing.h"
#include "server.h"
#include "slots.h"

/* Replies a connection has asked for and not yet taken: past this much the
 * collector stops reading from it until it catches up, so that a producer
 * sending syncs it never reads (while the database is down, say) cannot make
 * the collector buffer without bound. */
#define REPLY_BACKLOG_MAX (64u * 1024u)
/* A connection whose replies wait unread (queued in the socket layer or
 * for commits) past this is not served further lines until they drain:
 * each request already read could otherwise add a reply of its own (a
 * stats reply is kilobytes), and one read holds thousands of requests. */
#define OUT_STALL_MAX (64u * 1024u)
/* Stats renderings: at most this many a second beyond a burst of as many;
 * past that a changed key is answered from the cache (see stats_cached). */
#define STATS_RENDERS_PER_S 1000
/* The periodic tick: rate-limit windows, notices. */
#define TICK_MS 250
/* A persisting failure is reported again at most this often. */
#define NOTICE_REPEAT_US (10 * 1000000LL)
/* A stats reply is rendered at most this often while nothing it counts has
 * changed (see stats_cached): a client looping stats must not take the
 * I/O thread from producers. */
#define STATS_CACHE_US (250 * 1000LL)
/* Returning freed memory to the system (cl_heap_release): after partial
 * lines of at least TRIM_BYTES or TRIM_CLOSES connections are let go, once a
 * second TRIM_ROUNDS times - the writer frees the rejects and entries of such
 * a burst a little later than the I/O thread lets go of the buffers. */
#define TRIM_BYTES (1024u * 1024u)
#define TRIM_CLOSES 64u
#define TRIM_ROUNDS 3
#define TRIM_EVERY_US 1000000LL

typedef struct reply {
    struct reply *next;
    uint64_t wait_seq; /* send once the writer has committed this far */
    size_t len;
    char text[];
} reply;

typedef struct conn {
    cl_server *srv;
    cl_stream *s;
    cl_framer fr;
    uint64_t accepted, rejected, suppressed;
    size_t r_bytes;         /* bytes of replies not yet sent */
    int throttled;          /* not read until its replies drain (REPLY_BACKLOG_MAX) */
    uint64_t last_seq;      /* last record this connection queued */
    reply *r_head, *r_tail; /* replies not yet sent, in request order */
    cl_record *oversize;    /* too_large reject waiting for its line to end */
    int eof;
    struct conn *w_prev, *w_next; /* on the server's waiting list */
    int waiting;
    uint64_t rejects_suppressed;    /* rejected lines not stored (reject limit) */
    cl_slot slot;                   /* its connection slot (slots.h) */
    int stalled;                    /* lines held back until replies drain (OUT_STALL_MAX) */
    struct conn *st_prev, *st_next; /* on the server's stalled list */
    uint64_t job_id;                /* a rotate or vacuum the writer is doing for it */
    reply *job_reply;               /* its place in the replies, filled in when done */
} conn;

/* What producers' lines and connections did: part of the stats cache key. */
typedef struct counters {
    uint64_t accepted, rejected, truncated, connections_total;
    uint64_t idle_timeouts;
    uint64_t rejects_suppressed;
    uint64_t partial_cuts; /* partial lines cut for the budget (--partial-bytes) */
    /* Datagrams of the syslog sockets (syslog_in.c): received = accepted +
     * rejected + suppressed (rate-limited). */
    uint64_t syslog_received, syslog_accepted, syslog_rejected, syslog_suppressed;
} counters;

/* What asking and reading change by themselves (a stats request adds to
 * bytes_in and may render): shown in stats, but no part of the cache key,
 * or every request would invalidate the reply it asks for. */
typedef struct meters {
    uint64_t bytes_in;
    uint64_t stats_computed;
    uint64_t stats_stale; /* stats replies served from the cache past the render budget */
    uint64_t stalls;      /* connections held back for unread replies */
} meters;

/* What a stats reply counts that can change without the clock: while none
 * of it has changed, a recent reply is still true (see stats_cached). */
typedef struct stats_key {
    uint64_t seq, committed, refused;
    size_t connections, partial_bytes;
    counters n;
    cl_ratelimit_stats rs, rj;
    cl_slots_stats ss;
    int paused;
} stats_key;

/* When to give memory back (see TRIM_*). */
typedef struct trim_state {
    size_t peak;     /* most partial-line bytes held since the last decision */
    unsigned closes; /* connections closed since then */
    int rounds;      /* releases still due, one per TRIM_EVERY_US */
    int64_t last_us;
} trim_state;

/* What the last notices said: a failure is said again only every
 * NOTICE_REPEAT_US while it lasts; the WAL's state is read on the tick. */
typedef struct notice_state {
    int db_failing, log_failing;
    int64_t db_said_us, log_said_us;
    uint64_t wal_warnings; /* WAL warnings already reported */
    int wal_over;
} notice_state;

struct cl_server {
    cl_server_config cfg;
    cl_validator val;
    cl_io *io;
    cl_writer *w;
    char address[4096];
    char *db_path, *log_path;
    uint64_t seq;               /* last sequence number handed out */
    cl_record *c_head, *c_tail; /* records of the current read, not yet pushed */
    char *scratch;              /* text rendering buffer */
    size_t scratch_cap;
    size_t c_count, c_bytes;
    int urgent;
    int paused;
    conn *waiting;       /* connections with unsent replies */
    conn *stalled;       /* connections not served until their replies drain */
    int draining;        /* shutting down: every line read is served, stalled or not */
    double stats_tokens; /* renderings allowed now (STATS_RENDERS_PER_S) */
    int64_t stats_tokens_us;
    cl_ratelimit *rl;
    cl_ratelimit *reject_rl; /* rejects stored per peer PID (cfg.reject_burst) */
    cl_slots *slots;
    char *stats_text; /* the last stats reply, and what it was made of */
    stats_key stats_key;
    int64_t stats_us;
    cl_partials partials; /* half lines held by all connections, and their budget */
    trim_state trim;
    cl_peer self;                        /* credentials of the collector's own entries */
    conn *job_conns[CL_WRITER_JOBS_MAX]; /* connections waiting for a job's reply */
    counters n;
    meters m;
    notice_state ns;
    int64_t started_us;
    struct cl_forwarder **fwd; /* one per destination (forward.h) */
    uint64_t *fwd_expired;     /* expired entries already reported, per destination */
    size_t n_fwd;
    volatile sig_atomic_t stop_req, reopen_req;
    struct cl_srv_syslog *syslog; /* the --syslog-socket sockets (syslog_in.c) */
};

/* server.c: the records of the current read go to the writer in one push. */
void cl_srv_queue(cl_server *srv, conn *c, cl_record *r); /* c NULL: our own entry */
/* A producer's entry (a stream's line or a syslog datagram), taken: the rate
 * limit, then rendered and queued. Returns 0 when the limit suppressed it
 * (counted on c, r freed), 1 when queued. */
int cl_srv_take_entry(cl_server *srv, conn *c, cl_record *r);
void cl_srv_flush(cl_server *srv);

/* conn.c: the transport's callbacks, and slots. */
void cl_srv_on_accept(cl_io *io, cl_stream *s);
int cl_srv_on_alloc(cl_stream *s, char **buf, size_t *len);
void cl_srv_on_read(cl_stream *s, size_t n);
void cl_srv_on_timeout(cl_stream *s);
void cl_srv_on_close(cl_stream *s, int err);
void cl_srv_reclaim_idle(cl_server *srv, int most);
void cl_srv_resume_stalled(cl_server *srv); /* on wake-up and tick */
void cl_srv_on_drained(cl_stream *s);

/* conn.c: stop reading producers while the writer's queue is full. */
void cl_srv_backpressure(cl_server *srv);

/* syslog_in.c (POSIX; syslog_in_none.c elsewhere): the --syslog-socket
 * datagram sockets. Open at start; at shutdown, drain takes in what is
 * queued and closes them; free is NULL-safe and runs before the loop's. */
int cl_srv_syslog_open(cl_server *srv, char *err, size_t errlen);
void cl_srv_syslog_drain(cl_server *srv);
void cl_srv_syslog_free(cl_server *srv);

/* ops.c: requests and replies. */
/* Answers a request (takes req and raw_id); returns 0 when it is none this
 * collector knows (sync, stats, ping, rotate, vacuum), which the caller keeps
 * as a reject. */
int cl_srv_handle_op(cl_server *srv, conn *c, cJSON *req, char *raw_id);
void cl_srv_add_reply(cl_server *srv, conn *c, char *json, uint64_t wait_seq);
void cl_srv_send_ready(cl_server *srv, conn *c, uint64_t committed);
void cl_srv_waiting_remove(cl_server *srv, conn *c);
char *cl_srv_error_reply(const char *code, const char *message);
/* Jobs (rotate, vacuum): replies the writer has finished, on wake-up and
 * tick; and a closing connection's job, which nobody will read. */
void cl_srv_jobs_poll(cl_server *srv);
void cl_srv_jobs_forget(cl_server *srv, conn *c);

/* notices.c: the limiters' reports (cl_ratelimit_report), and the writer's
 * sink events (writer.h: cl_writer_next_event), taken on wake-up and tick. */
void cl_srv_rate_report(void *arg, const char *app, size_t app_len, int64_t pid,
                        uint64_t suppressed);
void cl_srv_reject_report(void *arg, const char *app, size_t app_len, int64_t pid,
                          uint64_t suppressed);
void cl_srv_notices_drain(cl_server *srv); /* on wake-up */
void cl_srv_notices_tick(cl_server *srv);

/* server.c: starts the forwarders (forward.h) once the catalog exists, and
 * stops them (NULL-safe, idempotent). */
int cl_srv_forward_start(cl_server *srv, char *err, size_t errlen);
void cl_srv_forward_stop(cl_server *srv);

#endif
