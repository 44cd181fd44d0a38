/* test_cli_pattern.c - shell globs for --app/--host and the SQL they become
 * (tools/pattern.h). Besides the translation itself, every pattern is run
 * through SQLite's GLOB and the CLI's prefix range on a list of names, and
 * the names it matches are compared with what fnmatch(3) - the shell's
 * meaning - says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fnmatch.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "pattern.h"

static void assert_glob(const char *pat, int exact, const char *sql, const char *prefix,
                        const char *upper)
{
    char err[64];
    cli_glob g;

    if (cli_glob_compile(pat, &g, err, sizeof err) != 0)
        fail_msg("'%s' refused: %s", pat, err);
    assert_int_equal(g.exact, exact);
    assert_string_equal(g.sql, sql);
    assert_int_equal(g.sql_len, strlen(sql));
    assert_string_equal(g.prefix, prefix);
    assert_int_equal(g.prefix_len, strlen(prefix));
    if (upper == NULL) {
        assert_null(g.upper);
    } else {
        assert_non_null(g.upper);
        assert_int_equal(g.upper_len, strlen(upper));
        assert_memory_equal(g.upper, upper, strlen(upper));
    }
    cli_glob_free(&g);
}

static void assert_glob_error(const char *pat, const char *why)
{
    char err[64] = "";
    cli_glob g;

    if (cli_glob_compile(pat, &g, err, sizeof err) == 0)
        fail_msg("'%s' accepted as %s", pat, g.sql);
    assert_string_equal(err, why);
    assert_null(g.sql);
}

static void test_translation(void **state)
{
    (void)state;
    assert_glob("billing", 1, "billing", "billing", NULL);
    assert_glob("web*", 0, "web*", "web", "wec");
    assert_glob("web-?", 0, "web-?", "web-", "web.");
    assert_glob("*-api", 0, "*-api", "", NULL);
    assert_glob("web[0-9]", 0, "web[0-9]", "web", "wec");
    assert_glob("web[!0-9]", 0, "web[^0-9]", "web", "wec");
    assert_glob("web[^a]", 0, "web[^a]", "web", "wec");
    assert_glob("[]a]x", 0, "[]a]x", "", NULL);
    assert_glob("[!]]x", 0, "[^]]x", "", NULL);
    /* Escapes: a quoted wildcard is a literal, in the prefix as well. */
    assert_glob("a\\*b", 1, "a*b", "a*b", NULL);
    assert_glob("a\\*b*", 0, "a[*]b*", "a*b", "a*c");
    assert_glob("what\\?*", 0, "what[?]*", "what?", "what@");
    assert_glob("x\\[y*", 0, "x[[]y*", "x[y", "x[z");
    assert_glob("\\a*", 0, "a*", "a", "b");
    assert_glob("caf\xc3\xa9*", 0, "caf\xc3\xa9*", "caf\xc3\xa9", "caf\xc3\xaa");
    assert_glob("z\xff*", 0, "z\xff*", "z\xff", "{");
}

static void test_errors(void **state)
{
    (void)state;
    assert_glob_error("", "empty pattern");
    assert_glob_error("web[", "unterminated '['");
    assert_glob_error("web[0-9", "unterminated '['");
    assert_glob_error("web[!", "unterminated '['");
    assert_glob_error("web\\", "'\\' at the end quotes nothing");
}

/* Which of names the pattern matches through SQL: the prefix range (when
 * any) and GLOB, or "=" for an exact one - exactly what filter.c builds. */
static unsigned sql_matches(sqlite3 *db, const cli_glob *g, const char *const *names, size_t n)
{
    sqlite3_stmt *st;
    unsigned mask = 0;
    const char *sql = g->exact   ? "SELECT ?1 = ?2"
                      : g->upper ? "SELECT ?1 >= ?3 AND ?1 < ?4 AND ?1 GLOB ?2"
                                 : "SELECT ?1 GLOB ?2";

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_text(st, 1, names[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, g->sql, (int)g->sql_len, SQLITE_STATIC);
        if (!g->exact && g->upper) {
            sqlite3_bind_text(st, 3, g->prefix, (int)g->prefix_len, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, g->upper, (int)g->upper_len, SQLITE_STATIC);
        }
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        if (sqlite3_column_int(st, 0))
            mask |= 1u << i;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return mask;
}

static void test_against_fnmatch(void **state)
{
    static const char *const names[] = {
        "web",     "web-1", "web-12", "webx", "wec",     "we",         "Web-1",
        "api-web", "a*b",   "axb",    "a*bc", "]x",      "ax",         "!x",
        "what?",   "whatx", "x[y",    "x[yz", "billing", "billing-eu",
    };
    static const char *const pats[] = {
        "web*",   "web-?",   "web-[0-9]", "web-[!0-9]*", "*web*", "?x", "[]a]x", "[!]]x", "a\\*b",
        "a\\*b*", "what\\?", "x\\[y*",    "billing",     "w*",    "*",  "we?",   "[wb]*",
    };
    size_t n = sizeof names / sizeof names[0];
    sqlite3 *db;

    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    for (size_t p = 0; p < sizeof pats / sizeof pats[0]; p++) {
        unsigned want = 0, got;
        char err[64];
        cli_glob g;

        for (size_t i = 0; i < n; i++) {
            if (fnmatch(pats[p], names[i], 0) == 0)
                want |= 1u << i;
        }
        assert_int_equal(cli_glob_compile(pats[p], &g, err, sizeof err), 0);
        got = sql_matches(db, &g, names, n);
        if (got != want)
            fail_msg("'%s' (SQL %s): matches %#x, the shell says %#x", pats[p], g.sql, got, want);
        cli_glob_free(&g);
    }
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_translation),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_against_fnmatch),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
