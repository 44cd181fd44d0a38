/* test_cli_filter.c - the CLI's filter options and the SQL they build
 * (tools/filter.h). The SQL text is asserted exactly (it decides which index
 * SQLite uses: see schema/sealed.sql), then the same statements run on
 * an in-memory database with the real schema to check what they select. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cli_testdb.h"
#include "filter.h"

static const cli_clock utc_clock = { 1795774502123456LL, 1 };

static void opt(cli_filter *f, int o, const char *arg)
{
    char err[512];

    if (cli_filter_option(f, o, arg, &utc_clock, err, sizeof err) != 1)
        fail_msg("option %d '%s' refused: %s", o, arg, err);
}

static void opt_error(int o, const char *arg, const char *expect)
{
    cli_filter f;
    char err[512] = "";

    cli_filter_init(&f);
    assert_int_equal(cli_filter_option(&f, o, arg, &utc_clock, err, sizeof err), -1);
    assert_string_equal(err, expect);
    cli_filter_free(&f);
}

/* The WHERE part the filter builds for "SELECT id FROM entries", and the
 * parameters as text ("1,'web',..."). */
static void assert_where(const cli_filter *f, int mode, const char *where, const char *params)
{
    cli_sql q = CLI_SQL_INIT;
    cl_strbuf p = CL_STRBUF_INIT;

    cl_strbuf_puts(&q.text, "SELECT id FROM entries");
    cli_filter_where(f, &q, mode);
    for (size_t i = 0; i < q.nparams; i++) {
        if (i > 0)
            cl_strbuf_putc(&p, ',');
        cli_sql_describe(&q.params[i], &p);
    }
    if (strcmp(cl_strbuf_cstr(&q.text) + strlen("SELECT id FROM entries"), where) != 0)
        fail_msg("SQL [%s], expected [%s]", cl_strbuf_cstr(&q.text), where);
    if (strcmp(cl_strbuf_cstr(&p), params) != 0)
        fail_msg("params [%s], expected [%s]", cl_strbuf_cstr(&p), params);
    cli_sql_free(&q);
    cl_strbuf_free(&p);
}

static void test_sql_text(void **state)
{
    cli_filter f;

    (void)state;
    cli_filter_init(&f);
    assert_where(&f, CLI_WHERE_INDEXED, "", "");
    opt(&f, CLI_OPT_SINCE, "2026-11-27T10:00:00Z");
    opt(&f, CLI_OPT_UNTIL, "2026-11-27T11:00:00Z");
    assert_where(&f, CLI_WHERE_INDEXED, " WHERE ts >= ?1 AND ts < ?2",
                 "1795773600000000,1795777200000000");
    assert_where(&f, CLI_WHERE_ROWID, " WHERE +ts >= ?1 AND +ts < ?2",
                 "1795773600000000,1795777200000000");
    cli_filter_free(&f);

    /* Warnings and worse: the literal term for the partial index, and the
     * levels listed so that its ts column can be used too. */
    opt(&f, CLI_OPT_LEVEL, "err");
    assert_where(&f, CLI_WHERE_INDEXED, " WHERE level <= 4 AND level IN (?1, ?2, ?3, ?4)",
                 "0,1,2,3");
    assert_where(&f, CLI_WHERE_ROWID, " WHERE +level BETWEEN ?1 AND ?2", "0,3");
    opt(&f, CLI_OPT_LEVEL, "warning..error");
    assert_where(&f, CLI_WHERE_INDEXED, " WHERE level <= 4 AND level IN (?1, ?2)", "3,4");
    opt(&f, CLI_OPT_LEVEL, "info");
    assert_where(&f, CLI_WHERE_INDEXED, " WHERE level BETWEEN ?1 AND ?2", "0,6");
    opt(&f, CLI_OPT_LEVEL, "trace");
    assert_where(&f, CLI_WHERE_INDEXED, "", "");
    cli_filter_free(&f);

    opt(&f, CLI_OPT_APP, "billing");
    assert_where(&f, CLI_WHERE_INDEXED, " WHERE app = ?1", "'billing'");
    assert_where(&f, CLI_WHERE_ROWID, " WHERE +app = ?1", "'billing'");
    opt(&f, CLI_OPT_APP, "web*");
    assert_where(&f, CLI_WHERE_INDEXED,
                 " WHERE (app = ?1 OR (app >= ?2 AND app < ?3 AND app GLOB ?4))",
                 "'billing','web','wec','web*'");
    opt(&f, CLI_OPT_APP, "auth");
    opt(&f, CLI_OPT_APP, "*-api");
    assert_where(
        &f, CLI_WHERE_INDEXED,
        " WHERE (app IN (?1, ?2) OR (app >= ?3 AND app < ?4 AND app GLOB ?5) OR app GLOB ?6)",
        "'billing','auth','web','wec','web*','*-api'");
    cli_filter_free(&f);

    opt(&f, CLI_OPT_HOST, "db-?");
    opt(&f, CLI_OPT_PID, "42");
    opt(&f, CLI_OPT_PID, "4294967295");
    assert_where(&f, CLI_WHERE_INDEXED,
                 " WHERE (host >= ?1 AND host < ?2 AND host GLOB ?3) AND "
                 "coalesce(pid, peer_pid) IN (?4, ?5)",
                 "'db-','db.','db-?',42,4294967295");
    cli_filter_free(&f);

    opt(&f, CLI_OPT_FIELD, "http.status=500");
    assert_where(&f, CLI_WHERE_INDEXED,
                 " WHERE CASE WHEN json_valid(fields) THEN CASE json_type(fields, ?1) "
                 "WHEN 'integer' THEN json_extract(fields, ?1) = ?3 "
                 "WHEN 'real' THEN json_extract(fields, ?1) = ?3 "
                 "WHEN 'true' THEN ?2 = 'true' WHEN 'false' THEN ?2 = 'false' "
                 "WHEN 'null' THEN ?2 = 'null' ELSE json_extract(fields, ?1) = ?2 END END",
                 "'$.\"http\".\"status\"','500',500");
    cli_filter_free(&f);
    opt(&f, CLI_OPT_FIELD, "r=-2.5e3");
    opt(&f, CLI_OPT_FIELD, "s=abc");
    opt(&f, CLI_OPT_FIELD, "b=18446744073709551615");
    {
        cli_sql q = CLI_SQL_INIT;
        cl_strbuf p = CL_STRBUF_INIT;

        cli_filter_where(&f, &q, CLI_WHERE_INDEXED);
        for (size_t i = 0; i < q.nparams; i++) {
            cl_strbuf_putc(&p, ',');
            cli_sql_describe(&q.params[i], &p);
        }
        assert_string_equal(cl_strbuf_cstr(&p), ",'$.\"r\"','-2.5e3',-2500,'$.\"s\"','abc',NULL,"
                                                "'$.\"b\"','18446744073709551615',"
                                                "1.8446744073709552e+19");
        cli_sql_free(&q);
        cl_strbuf_free(&p);
    }
    cli_filter_free(&f);
}

static void test_option_errors(void **state)
{
    (void)state;
    opt_error(CLI_OPT_SINCE, "soon",
              "-S/--since: 'soon' is not a time; use RFC 3339 (2026-11-27T10:00:00Z), "
              "'2026-11-27 10:00', 10:00, -1h, '30m ago', now, today, yesterday or @EPOCH");
    opt_error(CLI_OPT_UNTIL, "25:00",
              "-U/--until: '25:00' is not a time; use RFC 3339 (2026-11-27T10:00:00Z), "
              "'2026-11-27 10:00', 10:00, -1h, '30m ago', now, today, yesterday or @EPOCH");
    opt_error(CLI_OPT_LEVEL, "loud",
              "-p/--level: 'loud' is not a level; use trace, debug, info, notice, warning, error, "
              "critical, alert, emergency, 0-7, or a range like warning..error");
    opt_error(CLI_OPT_APP, "web[",
              "-t/--app: bad pattern 'web[': unterminated '['; use * ? [abc] [a-z] [!abc], and \\ "
              "before a character to match it literally");
    opt_error(CLI_OPT_HOST, "",
              "--host: bad pattern '': empty pattern; use * ? [abc] [a-z] [!abc], and \\ before a "
              "character to match it literally");
    opt_error(CLI_OPT_PID, "-1", "--pid: '-1' is not a process id; use an integer 0-4294967295");
    opt_error(CLI_OPT_PID, "4294967296",
              "--pid: '4294967296' is not a process id; use an integer 0-4294967295");
    opt_error(CLI_OPT_PID, "12x", "--pid: '12x' is not a process id; use an integer 0-4294967295");
    opt_error(CLI_OPT_FIELD, "novalue",
              "--field: expected KEY=VALUE, got 'novalue' (to list its values as journalctl "
              "--field does: -F novalue)");
    opt_error(CLI_OPT_FIELD, "", "--field: expected KEY=VALUE, got ''");
    opt_error(CLI_OPT_FIELD, "=1", "--field: expected KEY=VALUE, got '=1'");
    opt_error(CLI_OPT_FIELD, "a..b=1",
              "--field: bad key in 'a..b=1'; use NAME or NAME.NAME (no empty names, no '\"')");
    opt_error(CLI_OPT_FIELD, "a.=1", "--field: bad key in 'a.=1'; use NAME or NAME.NAME");
    opt_error(CLI_OPT_FIELD, "a\"b=1",
              "--field: bad key in 'a\"b=1'; use NAME or NAME.NAME (no empty names, no '\"')");
    opt_error(CLI_OPT_WORDS, "", "--words: empty pattern; give one or more words");
    opt_error(CLI_OPT_GREP, "time(out",
              "-g/--grep: bad regular expression 'time(out': missing closing parenthesis at "
              "offset 8");
    opt_error(CLI_OPT_CASE, "maybe", "--case-sensitive: 'maybe' is not a boolean; use yes or no");
    opt_error(CLI_OPT_CASE, "yesss", "--case-sensitive: 'yesss' is not a boolean; use yes or no");
}

/* -g '' matches every message, as journalctl's and grep's empty pattern:
 * no filter, but still a search (query's exit status); one search option
 * per query all the same. */
static void test_grep_empty(void **state)
{
    cli_filter f;
    char err[512];

    (void)state;
    cli_filter_init(&f);
    opt(&f, CLI_OPT_GREP, "");
    assert_null(f.grep_pattern);
    assert_int_equal(f.search_opt, CLI_OPT_GREP);
    assert_where(&f, CLI_WHERE_INDEXED, "", "");
    opt(&f, CLI_OPT_GREP, "time");
    assert_string_equal(f.grep_pattern, "time");
    opt(&f, CLI_OPT_GREP, ""); /* the last -g wins */
    assert_null(f.grep_pattern);
    assert_int_equal(cli_filter_option(&f, CLI_OPT_WORDS, "x", &utc_clock, err, sizeof err), -1);
    assert_string_equal(err, "-g/--grep and --words cannot be combined; use one of them");
    cli_filter_free(&f);
    cli_filter_init(&f);
    opt(&f, CLI_OPT_WORDS, "x");
    assert_int_equal(cli_filter_option(&f, CLI_OPT_GREP, "", &utc_clock, err, sizeof err), -1);
    cli_filter_free(&f);
}

/* --case-sensitive takes journalctl's booleans in any case. */
static void test_case_booleans(void **state)
{
    static const char *const yes[] = { "yes", "YES", "Y", "true", "True", "T", "on", "ON", "1" };
    static const char *const no[] = { "no", "No", "N", "false", "FALSE", "F", "off", "Off", "0" };
    cli_filter f;

    (void)state;
    cli_filter_init(&f);
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        f.grep_case = CLI_CASE_SMART;
        opt(&f, CLI_OPT_CASE, yes[i]);
        assert_int_equal(f.grep_case, CLI_CASE_SENSITIVE);
        opt(&f, CLI_OPT_CASE, no[i]);
        assert_int_equal(f.grep_case, CLI_CASE_INSENSITIVE);
    }
    f.grep_case = CLI_CASE_SMART; /* bare --case-sensitive */
    assert_int_equal(cli_filter_option(&f, CLI_OPT_CASE, NULL, &utc_clock, NULL, 0), 1);
    assert_int_equal(f.grep_case, CLI_CASE_SENSITIVE);
    cli_filter_free(&f);
}

static void test_field_parse(void **state)
{
    char err[256];
    cli_field_match m;

    (void)state;
    assert_int_equal(cli_field_parse("order=81723", &m, err, sizeof err), 0);
    assert_string_equal(m.path, "$.\"order\"");
    assert_string_equal(m.value, "81723");
    free(m.path);
    free(m.value);
    assert_int_equal(cli_field_parse("a-b.c[0]==x", &m, err, sizeof err), 0);
    assert_string_equal(m.path, "$.\"a-b\".\"c[0]\"");
    assert_string_equal(m.value, "=x");
    free(m.path);
    free(m.value);
    /* Quoted wildcards only: the literal they spell, compared exactly. */
    assert_int_equal(cli_field_parse("k=a\\*b\\?", &m, err, sizeof err), 0);
    assert_null(m.glob);
    assert_string_equal(m.value, "a*b?");
    free(m.path);
    free(m.value);
    assert_int_equal(cli_field_parse("k=a\\*b*", &m, err, sizeof err), 0);
    assert_non_null(m.glob);
    assert_string_equal(m.glob->sql, "a[*]b*");
    free(m.path);
    free(m.value);
    cli_glob_free(m.glob);
    free(m.glob);
    assert_int_equal(cli_field_parse("empty=", &m, err, sizeof err), 0);
    assert_string_equal(m.value, "");
    free(m.path);
    free(m.value);
}

/* ---------------------------------------------------------------- on data */

static sqlite3 *sample_db(void)
{
    sqlite3 *db = testdb_open();

    assert_non_null(db);
    /* ts in seconds for readability: id, ts, level, app, host, pid, peer_pid, msg, fields. */
    testdb_exec(
        db, "INSERT INTO entries (id, ts, received, level, app, host, pid, peer_pid, msg, "
            "fields) VALUES "
            "(1, 100, 1, 6, 'web-1', 'h1', 10, 99, 'started', '{\"port\":8080}'),"
            "(2, 200, 1, 3, 'web-2', 'h2', NULL, 20, 'failed', '{\"status\":500,\"ok\":false}'),"
            "(3, 300, 1, 4, 'billing', 'h1', 30, 30, 'slow', '{\"status\":\"500\"}'),"
            "(4, 400, 1, 0, 'billing', NULL, 40, 40, 'down', '{\"http\":{\"status\":503}}'),"
            "(5, 500, 1, 8, 'web*', 'db-1', 50, 50, 'trace', 'not json'),"
            "(6, 600, 1, 7, 'Web-3', 'db-22', 60, 60, 'debug', NULL)");
    return db;
}

/* The ids the filter selects, as "1,2,3". */
static void assert_ids(sqlite3 *db, const cli_filter *f, const char *expect)
{
    cli_sql q = CLI_SQL_INIT;
    cl_strbuf got = CL_STRBUF_INIT;
    sqlite3_stmt *st;

    cli_filter_select(f, &q, "id, ts");
    cl_strbuf_puts(&q.text, " ORDER BY ts, id");
    if (sqlite3_prepare_v2(db, q.text.p, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", q.text.p, sqlite3_errmsg(db));
    assert_int_equal(cli_sql_bind(&q, st), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        cl_strbuf_printf(&got, "%s%lld", got.len ? "," : "",
                         (long long)sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    if (strcmp(cl_strbuf_cstr(&got), expect) != 0)
        fail_msg("%s: ids [%s], expected [%s]", q.text.p, cl_strbuf_cstr(&got), expect);
    cl_strbuf_free(&got);
    cli_sql_free(&q);
}

static void test_on_data(void **state)
{
    sqlite3 *db = sample_db();
    cli_filter f;

    (void)state;
    cli_filter_init(&f);
    assert_ids(db, &f, "1,2,3,4,5,6");
    opt(&f, CLI_OPT_LEVEL, "warning");
    assert_ids(db, &f, "2,3,4");
    opt(&f, CLI_OPT_LEVEL, "critical..error");
    assert_ids(db, &f, "2");
    opt(&f, CLI_OPT_LEVEL, "debug..trace");
    assert_ids(db, &f, "5,6");
    cli_filter_free(&f);

    opt(&f, CLI_OPT_APP, "web*");
    assert_ids(db, &f, "1,2,5");
    opt(&f, CLI_OPT_APP, "billing");
    assert_ids(db, &f, "1,2,3,4,5");
    cli_filter_free(&f);
    opt(&f, CLI_OPT_APP, "web\\*");
    assert_ids(db, &f, "5");
    cli_filter_free(&f);
    opt(&f, CLI_OPT_APP, "[Ww]eb-[13]");
    assert_ids(db, &f, "1,6");
    cli_filter_free(&f);

    opt(&f, CLI_OPT_HOST, "db-?");
    assert_ids(db, &f, "5");
    opt(&f, CLI_OPT_HOST, "h1");
    assert_ids(db, &f, "1,3,5");
    cli_filter_free(&f);

    /* The PID shown: the claimed one, else the kernel's. */
    opt(&f, CLI_OPT_PID, "20");
    assert_ids(db, &f, "2");
    opt(&f, CLI_OPT_PID, "99");
    assert_ids(db, &f, "2");
    opt(&f, CLI_OPT_PID, "10");
    assert_ids(db, &f, "1,2");
    cli_filter_free(&f);

    /* A number matches the number and the string; nested keys; booleans;
     * a row whose fields are not JSON is simply not matched. */
    opt(&f, CLI_OPT_FIELD, "status=500");
    assert_ids(db, &f, "2,3");
    cli_filter_free(&f);
    opt(&f, CLI_OPT_FIELD, "http.status=503");
    assert_ids(db, &f, "4");
    cli_filter_free(&f);
    opt(&f, CLI_OPT_FIELD, "ok=false");
    assert_ids(db, &f, "2");
    opt(&f, CLI_OPT_FIELD, "status=500");
    assert_ids(db, &f, "2");
    cli_filter_free(&f);
    opt(&f, CLI_OPT_FIELD, "http={\"status\":503}");
    assert_ids(db, &f, "4");
    cli_filter_free(&f);
    /* Numbers compare as numbers; text never matches a number. */
    opt(&f, CLI_OPT_FIELD, "port=8080.0");
    assert_ids(db, &f, "1");
    cli_filter_free(&f);
    opt(&f, CLI_OPT_FIELD, "port=08080");
    assert_ids(db, &f, "1");
    cli_filter_free(&f);
    opt(&f, CLI_OPT_FIELD, "status=500.0");
    assert_ids(db, &f, "2");
    cli_filter_free(&f);
    opt(&f, CLI_OPT_FIELD, "port=abc");
    assert_ids(db, &f, "");
    cli_filter_free(&f);

    opt(&f, CLI_OPT_SINCE, "@0.0002");
    opt(&f, CLI_OPT_UNTIL, "@0.0004");
    assert_ids(db, &f, "2,3");
    cli_filter_free(&f);
    sqlite3_close(db);
}

/* --words: the three parts of the union, each proven by a row only it finds. */
static void test_grep_parts(void **state)
{
    sqlite3 *db = testdb_open();
    char err[256];
    cli_filter f;

    (void)state;
    assert_non_null(db);
    /* ids 1-5 are indexed; 6 is not yet. Id 1 arrived early with a time
     * inside the range (its id is below the range's first id), id 5 late. */
    testdb_exec(db,
                "INSERT INTO entries (id, ts, received, level, app, msg) VALUES "
                "(1, 250, 1, 6, 'a', 'disk full on sda'),"
                "(2, 200, 1, 6, 'a', 'disk ok'),"
                "(3, 300, 1, 6, 'a', 'Disk full again'),"
                "(4, 400, 1, 6, 'a', 'cpu full'),"
                "(5, 260, 1, 6, 'a', 'late: disk full'),"
                "(6, 350, 1, 6, 'a', 'disk FULL, not indexed yet');"
                "INSERT INTO entries_fts (rowid, msg) SELECT id, msg FROM entries WHERE id <= 5;"
                "UPDATE meta SET value = 5 WHERE key = 'fts_indexed_upto';");
    cli_filter_init(&f);
    opt(&f, CLI_OPT_WORDS, "disk full");
    assert_int_equal(cli_filter_prepare(&f, db, err, sizeof err), 0);
    assert_int_equal(f.has_fts_bounds, 0);
    assert_ids(db, &f, "1,5,3,6");
    cli_filter_free(&f);

    opt(&f, CLI_OPT_WORDS, "disk full");
    opt(&f, CLI_OPT_SINCE, "@0.000250");
    opt(&f, CLI_OPT_UNTIL, "@0.000400");
    assert_int_equal(cli_filter_prepare(&f, db, err, sizeof err), 0);
    /* First in time order in [250, 400) is id 1 (ts 250), last is 6 (ts 350). */
    assert_int_equal(f.has_fts_bounds, 1);
    assert_int_equal(f.fts_lo, 1);
    assert_int_equal(f.fts_hi, 6);
    assert_ids(db, &f, "1,5,3,6");
    cli_filter_free(&f);

    /* In [255, 400) the first entry by time is id 5 and the last id 6, so
     * the bracket is [5, 6]: id 3 (ts 300) is found only by the part that
     * looks outside the bracket. */
    opt(&f, CLI_OPT_WORDS, "disk full");
    opt(&f, CLI_OPT_SINCE, "@0.000255");
    opt(&f, CLI_OPT_UNTIL, "@0.000400");
    assert_int_equal(cli_filter_prepare(&f, db, err, sizeof err), 0);
    assert_int_equal(f.fts_lo, 5);
    assert_int_equal(f.fts_hi, 6);
    assert_ids(db, &f, "5,3,6");
    cli_filter_free(&f);

    /* Smart case: an upper-case letter asks for that exact spelling. */
    opt(&f, CLI_OPT_WORDS, "Disk");
    assert_int_equal(cli_filter_prepare(&f, db, err, sizeof err), 0);
    assert_ids(db, &f, "3");
    cli_filter_free(&f);
    opt(&f, CLI_OPT_WORDS, "FULL");
    assert_int_equal(cli_filter_prepare(&f, db, err, sizeof err), 0);
    assert_ids(db, &f, "6");
    cli_filter_free(&f);

    /* An empty time range: no bracket, nothing found, no error. */
    opt(&f, CLI_OPT_WORDS, "disk");
    opt(&f, CLI_OPT_SINCE, "@0.000900");
    assert_int_equal(cli_filter_prepare(&f, db, err, sizeof err), 0);
    assert_int_equal(f.fts_lo, 1);
    assert_int_equal(f.fts_hi, 0);
    assert_ids(db, &f, "");
    cli_filter_free(&f);
    sqlite3_close(db);
}

/* --words with a time range: the matches outside the bounds (the ids of
 * the range's first and last entries by time) are found from the index's
 * rowids below and above them when they are few (at most a 16th of the ids
 * the bounds span), else by walking the time index - the same rows. */
static void test_grep_outside(void **state)
{
    char err[256];
    cli_filter f;

    (void)state;
    for (int many = 0; many < 2; many++) {
        sqlite3 *db = testdb_open();

        assert_non_null(db);
        /* ids 1-200 at ts = 10 * id; "disk" at 5 (before the range), 10
         * (late: ts 1000), 50, 100, 190 (early: ts 300, an id above the
         * range's last) and 195 (after the range); with many, also at
         * 1-19 (before the range): 24 matches outside the bounds. */
        testdb_exec(db,
                    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                    "WHERE i < 200) INSERT INTO entries (id, ts, received, level, app, msg) "
                    "SELECT i, 10 * i, 1, 6, 'a', 'row ' || i FROM n;"
                    "UPDATE entries SET ts = 1000 WHERE id = 10;"
                    "UPDATE entries SET ts = 300 WHERE id = 190;"
                    "UPDATE entries SET msg = 'disk full' WHERE id IN (5, 10, 50, 100, 190, 195);");
        if (many)
            testdb_exec(db, "UPDATE entries SET msg = 'disk ' || id WHERE id < 20 AND id <> 10;");
        testdb_exec(db, "INSERT INTO entries_fts (rowid, msg) SELECT id, msg FROM entries;"
                        "UPDATE meta SET value = 200 WHERE key = 'fts_indexed_upto';");
        cli_filter_init(&f);
        opt(&f, CLI_OPT_WORDS, "disk");
        opt(&f, CLI_OPT_SINCE, "@0.000200");
        opt(&f, CLI_OPT_UNTIL, "@0.001810");
        assert_int_equal(cli_filter_prepare(&f, db, err, sizeof err), 0);
        assert_int_equal(f.has_fts_bounds, 1);
        assert_int_equal(f.fts_lo, 20);
        assert_int_equal(f.fts_hi, 180);
        assert_int_equal(f.fts_outside_by_match, !many);
        assert_ids(db, &f, "190,50,10,100");
        cli_filter_free(&f);
        sqlite3_close(db);
    }
}

/* A sealed database whose index covers every row: without a time range
 * the search is one SELECT (no union, no part for unindexed rows); not
 * sealed, or a row beyond the index: the union, which finds that row. */
static void test_grep_whole(void **state)
{
    static const struct {
        int sealed, upto;
        const char *ids;
        int whole;
    } cases[] = { { 1, 6, "1,5,3,6", 1 }, { 0, 6, "1,5,3,6", 0 }, { 1, 5, "1,5,3,6", 0 } };
    char err[256];
    cli_filter f;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sqlite3 *db = testdb_open();
        cli_sql q = CLI_SQL_INIT;
        char sql[400];

        assert_non_null(db);
        testdb_exec(db, "INSERT INTO entries (id, ts, received, level, app, msg) VALUES "
                        "(1, 250, 1, 6, 'a', 'disk full on sda'),"
                        "(2, 200, 1, 6, 'a', 'disk ok'),"
                        "(3, 300, 1, 6, 'a', 'Disk full again'),"
                        "(4, 400, 1, 6, 'a', 'cpu full'),"
                        "(5, 260, 1, 6, 'a', 'late: disk full'),"
                        "(6, 350, 1, 6, 'a', 'disk FULL, the last');");
        snprintf(sql, sizeof sql,
                 "INSERT INTO entries_fts (rowid, msg) SELECT id, msg FROM entries WHERE id <= %d;"
                 "UPDATE meta SET value = %d WHERE key = 'fts_indexed_upto';"
                 "INSERT OR REPLACE INTO meta (key, value) VALUES ('sealed', %d);",
                 cases[i].upto, cases[i].upto, cases[i].sealed);
        testdb_exec(db, sql);
        cli_filter_init(&f);
        opt(&f, CLI_OPT_WORDS, "disk full");
        assert_int_equal(cli_filter_prepare(&f, db, err, sizeof err), 0);
        assert_int_equal(f.fts_whole, cases[i].whole);
        cli_filter_select(&f, &q, "id");
        assert_int_equal(strstr(q.text.p, "WITH grep") == NULL, cases[i].whole);
        assert_ids(db, &f, cases[i].ids);
        cli_sql_free(&q);
        cli_filter_free(&f);
        sqlite3_close(db);
    }
}

/* -g: with a trigram index (meta tri_indexed_upto) the index narrows and
 * PCRE2 confirms; without one (a partition sealed before it existed, a
 * single database) every row is tested - the same answer either way. */
static void test_regex_parts(void **state)
{
    static const char *const with_tri =
        "CREATE VIRTUAL TABLE entries_tri USING fts5 (msg, content = 'entries', "
        "content_rowid = 'id', tokenize = 'trigram', detail = none);"
        "INSERT INTO entries_tri (rowid, msg) SELECT id, msg FROM entries WHERE id <= 5;"
        "INSERT INTO meta (key, value) VALUES ('tri_indexed_upto', 5);";
    /* pattern, its answer (in time order), whether the index can narrow */
    static const struct {
        const char *re, *ids;
        int indexed;
    } cases[] = {
        { "disk full", "1,5,3,6", 1 }, { "isk fu", "1,5,3,6", 1 }, { "full|cpu", "1,5,3,6,4", 1 },
        { "^disk", "2,1,3,6", 1 },     { "Disk", "3", 1 },         { "disk.*again$", "3", 1 },
        { "d[i]s. f", "1,5,3,6", 0 },  { "^.{7}$", "2", 0 },       { "late: disk|yet", "5,6", 1 },
        { "nothing here", "", 1 },
    };
    char err[256];
    cli_filter f;

    (void)state;
    for (int tri = 0; tri < 2; tri++) {
        sqlite3 *db = testdb_open();

        assert_non_null(db);
        testdb_exec(db, "INSERT INTO entries (id, ts, received, level, app, msg) VALUES "
                        "(1, 250, 1, 6, 'a', 'disk full on sda'),"
                        "(2, 200, 1, 6, 'a', 'disk ok'),"
                        "(3, 300, 1, 6, 'a', 'Disk full again'),"
                        "(4, 400, 1, 6, 'a', 'cpu full'),"
                        "(5, 260, 1, 6, 'a', 'late: disk full'),"
                        "(6, 350, 1, 6, 'a', 'disk FULL, not indexed yet');");
        if (tri)
            testdb_exec(db, with_tri);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            cli_filter_init(&f);
            opt(&f, CLI_OPT_GREP, cases[i].re);
            assert_int_equal(cli_filter_prepare(&f, db, err, sizeof err), 0);
            if (f.grep_indexed != (tri && cases[i].indexed))
                fail_msg("'%s': indexed %d", cases[i].re, f.grep_indexed);
            assert_ids(db, &f, cases[i].ids);
            cli_filter_free(&f);
        }
        /* A time range: the bracket, the part outside it, the unindexed. */
        cli_filter_init(&f);
        opt(&f, CLI_OPT_GREP, "disk f");
        opt(&f, CLI_OPT_SINCE, "@0.000255");
        opt(&f, CLI_OPT_UNTIL, "@0.000400");
        assert_int_equal(cli_filter_prepare(&f, db, err, sizeof err), 0);
        assert_int_equal(f.has_fts_bounds, tri);
        assert_ids(db, &f, "5,3,6");
        cli_filter_free(&f);
        /* --case-sensitive, before or after -g. */
        cli_filter_init(&f);
        opt(&f, CLI_OPT_CASE, "yes");
        opt(&f, CLI_OPT_GREP, "full");
        assert_int_equal(cli_filter_prepare(&f, db, err, sizeof err), 0);
        assert_ids(db, &f, "1,5,3,4");
        cli_filter_free(&f);
        cli_filter_init(&f);
        opt(&f, CLI_OPT_GREP, "FULL");
        assert_int_equal(cli_filter_option(&f, CLI_OPT_CASE, NULL, &utc_clock, err, sizeof err), 1);
        opt(&f, CLI_OPT_CASE, "no");
        assert_int_equal(cli_filter_prepare(&f, db, err, sizeof err), 0);
        assert_ids(db, &f, "1,5,3,6,4");
        cli_filter_free(&f);
        sqlite3_close(db);
    }
    /* One search per query. */
    cli_filter_init(&f);
    opt(&f, CLI_OPT_GREP, "x");
    assert_int_equal(cli_filter_option(&f, CLI_OPT_WORDS, "x", &utc_clock, err, sizeof err), -1);
    assert_string_equal(err, "-g/--grep and --words cannot be combined; use one of them");
    cli_filter_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sql_text),     cmocka_unit_test(test_option_errors),
        cmocka_unit_test(test_grep_empty),   cmocka_unit_test(test_case_booleans),
        cmocka_unit_test(test_field_parse),  cmocka_unit_test(test_on_data),
        cmocka_unit_test(test_grep_parts),   cmocka_unit_test(test_regex_parts),
        cmocka_unit_test(test_grep_outside), cmocka_unit_test(test_grep_whole),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
