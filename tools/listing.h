/* listing.h - reading a listing of entries (query, tail) or rejected lines
 * (rejects): the SQL of "the last N", the order and the limit; the paging
 * that keeps every read transaction short; the polls of following; and
 * streaming the rows into an output (output.h).
 *
 * Nothing here prints or decides what a failure means to the user: every
 * function returns a cli_list_status, with the detail in the database handle
 * (sqlite3_errmsg) for a read error and in out->err for a write error. */
#ifndef CLI_LISTING_H
#define CLI_LISTING_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "filter.h"
#include "output.h"

typedef enum cli_list_status {
    CLI_LIST_DONE = 0, /* every row asked for is in the output's buffer or written */
    CLI_LIST_EREAD,    /* reading failed: sqlite3_errmsg of the handle */
    CLI_LIST_EWRITE,   /* writing failed: out->err (EPIPE: the reader went away) */
} cli_list_status;

/* What to list. Entries use the filter f; rejects use f's time range (on
 * received) and PIDs (on peer_pid), and reasons and grep. */
typedef struct cli_listing {
    const cli_filter *f;
    long long lines;            /* -n: only the last N; -1 all */
    long long limit;            /* --limit: stop after N; -1 none */
    int reverse;                /* newest first */
    const char *columns;        /* cl_row_entry_columns or cl_row_reject_columns of the database */
    const char *const *reasons; /* rejects: any of these reason codes; nreasons 0: any */
    size_t nreasons;
    const char *grep; /* rejects: text in raw or message (smart case) */
} cli_listing;

/* The one statement of a listing: the matching rows in order, the last
 * `lines` of them, at most `limit`. */
void cli_listing_entries_sql(const cli_listing *l, cli_sql *q);
void cli_listing_rejects_sql(const cli_listing *l, cli_sql *q);

/* How many of the newest matching rows the listing needs at most (-n,
 * or newest first the smaller of -n and --limit), or -1 when it reads
 * them all: what cli_filter_newest looks for. */
long long cli_listing_newest(const cli_listing *l);

/* Steps st to the end (or `limit` records in out, -1: no limit), writing
 * every row into out in out->kind's format, flushing every flush_bytes. */
cli_list_status cli_listing_stream(sqlite3_stmt *st, cli_output *out, long long limit,
                                   size_t flush_bytes);

/* Writes the current row of st (columns of out->kind's listing) into out;
 * *ts and *id become its time (ts, or received for rejects) and id. */
void cli_listing_put_row(sqlite3_stmt *st, cli_output *out, int64_t *ts, int64_t *id);

/* ---------------------------------------------------------------- paging
 *
 * A statement stays in its read transaction until it is reset, and while a
 * reader holds one the collector's checkpoints cannot recycle the WAL: a
 * `centrallog | less` left open would let it grow without bound. So a long
 * listing of entries is read in pages of CLI_PAGE_ROWS, each its own
 * transaction, every page resuming after the (ts, id) of the last row
 * printed. That is cheap only when SQLite walks an index in that order; with
 * a sort step (several levels or apps, --grep) each page would redo the
 * whole search, so such queries run as one statement. */
#define CLI_PAGE_ROWS 2000

/* Builds the page statement of l into q (rows after the key (?k1, ?k1+1) in
 * output order, CLI_PAGE_ROWS at most) and returns 1 when SQLite answers it
 * by walking an index in order; else returns 0 (q still holds it; the
 * caller frees it and uses cli_listing_entries_sql). */
int cli_listing_page_sql(sqlite3 *h, const cli_listing *l, cli_sql *q, int *k1);

/* Streams the listing page by page through st, the prepared page statement,
 * writing each page to out as it is read. */
cli_list_status cli_listing_stream_paged(sqlite3 *h, sqlite3_stmt *st, int k1, const cli_listing *l,
                                         cli_output *out);

/* ---------------------------------------------------------------- following */

/* The poll statement of following: the rows of entries with an id in
 * (?1, ?2] that match f, in arrival order, selecting columns. */
void cli_listing_poll_sql(const cli_filter *f, const char *columns, cli_sql *q);

/* One poll, inside one read transaction: the matching rows among those
 * added since *last (at most limit - out->count when limit >= 0) into out's
 * buffer; *last becomes the highest id now stored. */
cli_list_status cli_listing_poll(cli_db *db, sqlite3_stmt *poll, long long *last, cli_output *out,
                                 long long limit);

#endif
