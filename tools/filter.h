/* filter.h - the filters shared by query, tail, stats and rejects, and the
 * parameterized SQL they become.
 *
 * Nothing the user types is ever pasted into SQL text: every value becomes a
 * numbered parameter (?N) bound with sqlite3_bind_*. The SQL text itself is
 * built only from constant fragments, chosen so that SQLite can use the
 * indexes of schema/sealed.sql: entries_app_ts for --app, the partial
 * entries_level_ts (which needs the literal term "level <= 4") for warnings
 * and worse, entries_ts for time ranges. */
#ifndef CLI_FILTER_H
#define CLI_FILTER_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "strbuf.h"
#include "pattern.h"
#include "grep.h"
#include "timearg.h"

/* ---------------------------------------------------------------- SQL text */

enum cli_param_type { CLI_PARAM_INT, CLI_PARAM_TEXT, CLI_PARAM_REAL, CLI_PARAM_NULL };

typedef struct cli_param {
    enum cli_param_type type;
    int64_t i;
    double d;
    const char *s; /* borrowed: the filter that made it outlives the statement */
    size_t n;
} cli_param;

typedef struct cli_sql {
    cl_strbuf text;
    cli_param *params;
    size_t nparams, cap;
    int terms; /* WHERE terms written so far; reset to 0 to start a new WHERE */
    int oom;
} cli_sql;

#define CLI_SQL_INIT                                                                               \
    {                                                                                              \
        CL_STRBUF_INIT, NULL, 0, 0, 0, 0                                                           \
    }

/* Adds a parameter; returns its number N for "?N". */
int cli_sql_int(cli_sql *q, int64_t v);
int cli_sql_text(cli_sql *q, const char *s, size_t n);
int cli_sql_real(cli_sql *q, double v);
int cli_sql_null(cli_sql *q);

/* Writes " WHERE " before the first term and " AND " before the others. */
void cli_sql_and(cli_sql *q);

/* Writes the term "expr IN (?N, ...)", v bound as parameters (n > 0). */
void cli_sql_in_ints(cli_sql *q, const char *expr, const int64_t *v, size_t n);

/* Binds every parameter. Returns an SQLite result code. */
int cli_sql_bind(const cli_sql *q, sqlite3_stmt *st);

void cli_sql_free(cli_sql *q);

/* Appends p readably: 'text' (escaped), a number, or NULL. */
void cli_sql_describe(const cli_param *p, cl_strbuf *out);

/* ---------------------------------------------------------------- filters */

typedef struct cli_filter cli_filter;

typedef struct cli_field_match {
    char *path;                   /* SQLite JSON path, e.g. $."user"."id" */
    char *value;                  /* as given: compared with a string member, true, false, null */
    enum cli_param_type num_type; /* value as a number (INT or REAL), else NULL */
    int64_t inum;
    double dnum;
    cli_glob *glob; /* VALUE has * ? or [: matched as a glob; NULL: by equality */
} cli_field_match;

struct cli_filter {
    int has_since, has_until;
    int64_t since, until; /* [since, until) */
    int lvl_lo, lvl_hi;   /* 0..8, both included */
    cli_glob *apps, *hosts;
    size_t napps, nhosts;
    int64_t *pids;
    size_t npids;
    cli_field_match *fields;
    size_t nfields;
    /* --uid, --gid, --sid: the sender's identity as the kernel reported it
     * (peer_uid, peer_gid, peer_sid), never as claimed. */
    int64_t *uids, *gids;
    size_t nuids, ngids;
    const char **sids; /* borrowed from argv */
    size_t nsids;
    const char *grep_pattern; /* compiled by cli_filter_prepare */
    int grep_regex;           /* -g (a regex) rather than --words */
    /* The search option given: CLI_OPT_GREP, CLI_OPT_WORDS or 0. Also set
     * by -g '', which matches every message (as journalctl's and grep's
     * empty pattern) and so leaves grep_pattern NULL: no filter, but a
     * search all the same for query's exit status. */
    int search_opt;
    int grep_case; /* -g: CLI_CASE_* (--case-sensitive) */
    cli_grep *grep;
    /* Set by cli_filter_prepare for the database at hand: whether its
     * index for the search (entries_tri for -g) exists and the pattern has
     * terms to look up there; else every row is tested. */
    int grep_indexed;
    /* With --grep and a time range: ids [fts_lo, fts_hi] hold the bulk of
     * the range (see cli_filter_prepare). */
    int has_fts_bounds;
    int64_t fts_lo, fts_hi;
    /* With the bounds: the matches outside them are few (see
     * cli_filter_prepare), so they are found from the index's rowids
     * outside the bounds rather than by a walk of the time index over the
     * whole range. */
    int fts_outside_by_match;
    /* Set by cli_filter_prepare: the database is sealed (meta sealed = 1:
     * a closed partition, no row is ever added) and the search's index
     * covers every row of it: no part for unindexed rows is needed, and
     * without bounds the search is one SELECT (see cli_filter_select). */
    int fts_whole;
    /* Set by the partition reader (partset.c), never by an option: the
     * matching rows' ids lie in [id_lo, id_hi] (where the last N are), and
     * no full-text bounds are worth finding (a partition without FTS rows
     * or time index). */
    int has_ids, no_fts_bounds;
    int64_t id_lo, id_hi;
    /* Set by cli_filter_newest for the database at hand: the newest N
     * matches have ts >= newest_from (has_newest_from); the listing
     * searches only those rows, never a poll of following. */
    int has_newest_from;
    int64_t newest_from;
};

/* Writes the terms "col >= ?N" and "col < ?M" of f's time range [since,
 * until), those that are set. */
void cli_sql_time_range(cli_sql *q, const char *col, const cli_filter *f);

void cli_filter_init(cli_filter *f);
void cli_filter_free(cli_filter *f);

/* The codes of the filter options for cli_filter_option (readargs.c). */
enum {
    CLI_OPT_SINCE = 'S',
    CLI_OPT_UNTIL = 'U',
    CLI_OPT_LEVEL = 'p',
    CLI_OPT_APP = 't',
    CLI_OPT_GREP = 'g',
    CLI_OPT_HOST = 0x100,
    CLI_OPT_PID,
    CLI_OPT_FIELD,
    CLI_OPT_UID,
    CLI_OPT_GID,
    CLI_OPT_SID,
    CLI_OPT_WORDS, /* --words: the whole-word full-text search */
    CLI_OPT_CASE,  /* --case-sensitive[=yes|no], for -g */
};

/* Parses the -S/-U values given (NULL: none) against the clock of now, in
 * local time or UTC, and checks that since is before until. Done after the
 * option loop, because --utc may follow them. Returns CLI_OK, or CLI_USAGE
 * with one line in err. */
int cli_filter_times(cli_filter *f, const char *since, const char *until, int utc, char *err,
                     size_t errlen);

/* Applies one filter option. Returns 1 when it was applied, 0 when opt is not
 * a filter option, -1 when arg is bad (err then holds one line naming the
 * option and what it accepts). */
int cli_filter_option(cli_filter *f, int opt, const char *arg, const cli_clock *clk, char *err,
                      size_t errlen);

/* Parses "KEY=VALUE" for --field: KEY is a member name, dots separate
 * nested names ("http.status"). VALUE matches a string member with that
 * text, a number member equal to it (500 matches 500, 500.0 and "500"),
 * true, false, null, or an object/array written as compact JSON. A VALUE
 * with * ? or [ is a shell glob (pattern.h) matched against the text of a
 * string, number, true, false or null member ("5*" finds 500 and "5xx");
 * without them it is compared for equality, as fast as before. Returns 0,
 * or -1 with err. */
int cli_field_parse(const char *arg, cli_field_match *out, char *err, size_t errlen);

/* Whether the filter can only match levels in entries_level_ts. */
int cli_filter_uses_level_index(const cli_filter *f);

/* Compiles --grep with db's tokenizer (any connection: a catalog too),
 * once for every partition read after. Returns 0, or -1 with err. */
int cli_filter_compile(cli_filter *f, sqlite3 *db, char *err, size_t errlen);

/* Compiles --grep with db's tokenizer and registers its SQL function there;
 * with a time range also finds the ids of the first and last entries of the
 * range in time order, which bound the full-text lookup (see
 * cli_filter_select), and counts the index's matches outside them, up to a
 * 16th of the ids the bounds span: fewer are found from the index
 * (fts_outside_by_match), more by the time index. Returns 0, or -1 with
 * err. Needed again after reopening the database. */
int cli_filter_prepare(cli_filter *f, sqlite3 *db, char *err, size_t errlen);

/* With a search and "the newest n" to list (-n, -r with --limit, the
 * start of following): a newest-first walk of the time index, testing each
 * row, finds the newest n matches of a frequent term after a few rows,
 * where the full-text index would collect every match first. After
 * cli_filter_prepare on db, walks at most CLI_NEWEST_ROWS(n) rows that match
 * the other filters; when it finds n matches there (or sees every row), the
 * search is switched to that walk (grep_indexed = 0) from the n-th match's
 * time on, so the listing's own query repeats it; otherwise (a rare term)
 * f is left on the index. Where SQLite would sort for that order (no
 * time index: a live partition, or filters no index serves in time order)
 * the walk goes by id instead: any n matches found there bound the newest
 * n from below by the oldest of their times, and the listing (a full read
 * there anyway) runs the search only on rows at or after it. The answer is
 * the same in every case: only the plan differs. Returns an SQLite result
 * code (f unchanged). */
#define CLI_NEWEST_ROWS(n) ((n) > 1000 ? 104000 : 4000 + 100 * (n))
int cli_filter_newest(cli_filter *f, sqlite3 *db, long long n);

/* How the WHERE terms may use indexes. */
enum {
    CLI_WHERE_INDEXED = 0, /* a query over a range: use the indexes */
    CLI_WHERE_ROWID = 1,   /* follow mode: the caller bounds the rowid range, which is
                              the only index to use ("+col" keeps SQLite off the others) */
};

/* Appends the filter's terms on table entries to q. With --grep, mode must
 * be CLI_WHERE_ROWID (the caller bounds the rows; the tokenizer decides). */
void cli_filter_where(const cli_filter *f, cli_sql *q, int mode);

/* Appends a statement that selects cols (columns of entries) from the rows
 * that match, for the caller to order and limit: a plain SELECT, or with
 * --grep a materialized union of three parts - rows the full-text index
 * finds within [fts_lo, fts_hi], rows it finds outside those ids (any whose
 * time is in range though their id is not: late or early arrivals; from the
 * time index, or with fts_outside_by_match from the full-text index's rowids
 * below and above the bounds, two parts), and the rows it has not indexed
 * yet, asked of the tokenizer directly. In a sealed database the index
 * covers whole (fts_whole) and without bounds, only the first part is
 * left: one SELECT, no materialized union (a copy of every match less). */
void cli_filter_select(const cli_filter *f, cli_sql *q, const char *cols);

/* Appends the SQL, its parameters and SQLite's EXPLAIN QUERY PLAN for q to
 * out (the --explain option). Returns an SQLite result code; what was
 * appended before a failure stays in out. */
int cli_sql_explain(sqlite3 *db, const cli_sql *q, cl_strbuf *out);

#endif
