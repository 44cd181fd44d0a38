/* test_cli_regex.c - -g/--grep's regular expressions (tools/regex.h): the
 * literal terms extracted for the trigram index (exact expressions, and
 * never a term a match need not contain), smart case, PCRE2's errors, and
 * that every code point PCRE2 folds onto an ASCII letter is folded the same
 * way by SQLite's trigram tokenizer (what makes ASCII terms safe for a
 * caseless pattern). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "regex.h"

static void assert_terms(const char *pattern, const char *want)
{
    cl_strbuf b = CL_STRBUF_INIT;

    cli_regex_terms(pattern, 0, &b);
    if (strcmp(cl_strbuf_cstr(&b), want) != 0)
        fail_msg("'%s': terms [%s], want [%s]", pattern, cl_strbuf_cstr(&b), want);
    cl_strbuf_free(&b);
}

static void test_terms(void **state)
{
    (void)state;
    /* Concatenations of literals. */
    assert_terms("timeout", "\"timeout\"");
    assert_terms("time", "\"time\"");
    assert_terms("connection timeout", "\"connection timeout\"");
    assert_terms("a.b", "");
    assert_terms("disk.*full", "\"disk\" AND \"full\"");
    assert_terms("^timeout$", "\"timeout\"");
    assert_terms("\\btimeout\\b", "\"timeout\"");
    assert_terms("db-01\\.example", "\"db-01.example\"");
    assert_terms("say \"hi\"", "\"say \"\"hi\"\"\"");
    /* Too short for a trigram: nothing to narrow by. */
    assert_terms("ab", "");
    assert_terms("a|bc", "");
    /* Alternation gives OR; one branch without a term makes it all TRUE. */
    assert_terms("timeout|order", "\"timeout\" OR \"order\"");
    assert_terms("timeout|order|x", "");
    assert_terms("(timeout|refused) after", "(\"timeout\" OR \"refused\") AND \" after\"");
    assert_terms("disk (full|gone) now", "\"disk \" AND (\"full\" OR \"gone\") AND \" now\"");
    assert_terms("(abc def|ghi)", "\"abc def\" OR \"ghi\"");
    assert_terms("(?:timeout)", "\"timeout\"");
    assert_terms("(?>timeout)", "\"timeout\"");
    /* Quantifiers: optional parts drop out, repeats keep one copy. */
    assert_terms("timeouts?", "\"timeout\"");
    assert_terms("time(out)?s", "\"time\"");
    assert_terms("(timeout)+", "\"timeout\"");
    assert_terms("(timeout)*", "");
    assert_terms("(timeout){0,3}", "");
    assert_terms("(timeout){2}", "\"timeout\"");
    assert_terms("abc+def", "\"abc\" AND \"cdef\"");
    assert_terms("ab{2,}cd", "\"bcd\"");
    assert_terms("abc*def", "\"def\"");
    assert_terms("abc+?def", "\"abc\" AND \"cdef\"");
    /* Classes, escapes and dots break runs; they are not terms. */
    assert_terms("err[0-9]+or", "\"err\"");
    assert_terms("[]abc]def", "\"def\"");
    assert_terms("[[:alpha:]]xyz", "\"xyz\"");
    assert_terms("[[:^digit:]x]xyz", "\"xyz\"");
    /* "[:" that is no POSIX class: '[' and ':' are members (found by
     * tests/fuzz/fuzz_regex_terms.c). */
    assert_terms("[.[:]abc|d:]", "\"abc\" OR \"d:]\"");
    assert_terms("[[:a]:]abc", "\":]abc\"");
    /* "\cX" in a class takes X, ']' too: one class, no literal after it
     * (found by fuzz_regex_terms: "[\c]0?nt\.-:o*]" matches "?"). */
    assert_terms("[\\c]0?nt\\.-:o*]", "");
    assert_terms("[\\c]x]abcd", "\"abcd\"");
    assert_terms("\\d+ ms", "\" ms\"");
    assert_terms("\\p{L}+abc", "\"abc\"");
    /* Non-ASCII characters end a run (see regex.c). */
    assert_terms("caf\xc3\xa9 cr\xc3\xa8me", "\"caf\" AND \" cr\"");
    /* Look-around text is not part of the match: not required. */
    assert_terms("(?=abc)abd", "\"abd\"");
    assert_terms("(?<!foo)bar", "\"bar\"");
    /* What the reader does not take: no narrowing at all. */
    assert_terms("\\x41BC", "");
    assert_terms("\\QA|B\\Eabc", "");
    assert_terms("(?i)timeout", "");
    assert_terms("(?x) t i m e", "");
    assert_terms("(?<n>abc)", "");
    assert_terms("(abc)\\1", "");
    assert_terms("(*UTF)abc", "");
    assert_terms("abc{x", "");
    assert_terms("\\N{U+41}bcd", "");
    assert_terms(".*", "");
    assert_terms("", "");
}

static void test_trigrams(void **state)
{
    cl_strbuf b = CL_STRBUF_INIT;

    (void)state;
    cli_regex_terms("timeout|order", 1, &b);
    assert_string_equal(cl_strbuf_cstr(&b), "(\"tim\" AND \"ime\" AND \"meo\" AND \"eou\" AND "
                                            "\"out\") OR (\"ord\" AND \"rde\" AND \"der\")");
    cl_strbuf_reset(&b);
    /* A trigram twice (case folded) is looked up once. */
    cli_regex_terms("aaaAa", 1, &b);
    assert_string_equal(cl_strbuf_cstr(&b), "\"aaa\"");
    cl_strbuf_reset(&b);
    cli_regex_terms("abc", 1, &b);
    assert_string_equal(cl_strbuf_cstr(&b), "\"abc\"");
    cl_strbuf_free(&b);
}

static void test_match(void **state)
{
    char err[200];
    cli_regex *re;

    (void)state;
    /* Smart case: lower-case pattern ignores case. */
    assert_int_equal(cli_regex_compile("time", CLI_CASE_SMART, &re, err, sizeof err), 0);
    assert_int_equal(cli_regex_caseless(re), 1);
    assert_int_equal(cli_regex_match(re, "Connection TIMEOUT", 18), 1);
    assert_int_equal(cli_regex_match(re, "tim e", 5), 0);
    assert_string_equal(cli_regex_fts_query(re), "\"tim\" AND \"ime\"");
    cli_regex_free(re);
    /* An upper-case letter (also a non-ASCII one) makes it exact. */
    assert_int_equal(cli_regex_compile("Time", CLI_CASE_SMART, &re, err, sizeof err), 0);
    assert_int_equal(cli_regex_caseless(re), 0);
    assert_int_equal(cli_regex_match(re, "time", 4), 0);
    assert_int_equal(cli_regex_match(re, "Time", 4), 1);
    cli_regex_free(re);
    assert_int_equal(cli_regex_compile("\xc3\x89t\xc3\xa9", CLI_CASE_SMART, &re, err, sizeof err),
                     0);
    assert_int_equal(cli_regex_caseless(re), 0);
    assert_int_equal(cli_regex_match(re, "\xc3\xa9t\xc3\xa9", 5), 0);
    cli_regex_free(re);
    /* Unicode caseless: é matches É. */
    assert_int_equal(cli_regex_compile("\xc3\xa9t\xc3\xa9", CLI_CASE_SMART, &re, err, sizeof err),
                     0);
    assert_int_equal(cli_regex_match(re, "\xc3\x89T\xc3\x89", 6), 1);
    /* A message with invalid UTF-8 is searched, not an error. */
    assert_int_equal(cli_regex_match(re, "\xff\xc3\xa9t\xc3\xa9", 6), 1);
    assert_int_equal(cli_regex_match(re, "\xff\xfe", 2), 0);
    cli_regex_free(re);
    /* --case-sensitive overrides smart case either way. */
    assert_int_equal(cli_regex_compile("time", CLI_CASE_SENSITIVE, &re, err, sizeof err), 0);
    assert_int_equal(cli_regex_match(re, "TIME", 4), 0);
    cli_regex_free(re);
    assert_int_equal(cli_regex_compile("Time", CLI_CASE_INSENSITIVE, &re, err, sizeof err), 0);
    assert_int_equal(cli_regex_match(re, "TIME", 4), 1);
    /* A pattern without literal text has no index expression. */
    cli_regex_free(re);
    assert_int_equal(cli_regex_compile("^.{5}$", CLI_CASE_SMART, &re, err, sizeof err), 0);
    assert_null(cli_regex_fts_query(re));
    cli_regex_free(re);
}

static void test_errors(void **state)
{
    char err[200];
    cli_regex *re = (cli_regex *)&err;

    (void)state;
    assert_int_equal(cli_regex_compile("time(out", CLI_CASE_SMART, &re, err, sizeof err), -1);
    assert_null(re);
    assert_string_equal(err, "missing closing parenthesis at offset 8");
    assert_int_equal(cli_regex_compile("[a-", CLI_CASE_SMART, &re, err, sizeof err), -1);
    assert_string_equal(err, "missing terminating ] for character class at offset 3");
    assert_int_equal(cli_regex_compile("*x", CLI_CASE_SMART, &re, err, sizeof err), -1);
    assert_string_equal(err, "quantifier does not follow a repeatable item at offset 0");
    assert_int_equal(cli_regex_compile("\xff", CLI_CASE_SMART, &re, err, sizeof err), -1);
    assert_string_equal(err, "UTF-8 error: illegal byte (0xfe or 0xff) at offset 0");
    cli_regex_free(NULL);
}

/* Every code point PCRE2 matches caselessly with an ASCII letter, folded
 * to that letter by the trigram tokenizer too: "K" (U+212A KELVIN SIGN)
 * in "xx\u212Ayy" must be found by the trigram "xky". */
static void test_fold_agrees(void **state)
{
    sqlite3 *db;
    sqlite3_stmt *ins, *q;
    char err[200];
    int checked = 0;

    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE VIRTUAL TABLE t USING fts5(m, tokenize = 'trigram', "
                                  "detail = none)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "INSERT INTO t (rowid, m) VALUES (?1, ?2)", -1, &ins, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM t WHERE t MATCH ?1 AND rowid = ?2",
                                        -1, &q, NULL),
                     SQLITE_OK);
    for (char c = 'a'; c <= 'z'; c++) {
        char pat[2] = { c, 0 };
        cli_regex *re;

        assert_int_equal(cli_regex_compile(pat, CLI_CASE_SMART, &re, err, sizeof err), 0);
        for (unsigned cp = 0x80; cp < 0x30000; cp++) {
            char u[4];
            size_t n;
            char doc[16], tri[8];

            if (cp >= 0xd800 && cp < 0xe000)
                continue;
            if (cp < 0x800) {
                u[0] = (char)(0xc0 | cp >> 6);
                u[1] = (char)(0x80 | (cp & 0x3f));
                n = 2;
            } else if (cp < 0x10000) {
                u[0] = (char)(0xe0 | cp >> 12);
                u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
                u[2] = (char)(0x80 | (cp & 0x3f));
                n = 3;
            } else {
                u[0] = (char)(0xf0 | cp >> 18);
                u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
                u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
                u[3] = (char)(0x80 | (cp & 0x3f));
                n = 4;
            }
            if (cli_regex_match(re, u, n) != 1)
                continue;
            snprintf(doc, sizeof doc, "x%.*sy", (int)n, u);
            snprintf(tri, sizeof tri, "\"x%cy\"", c);
            sqlite3_bind_int64(ins, 1, (sqlite3_int64)cp);
            sqlite3_bind_text(ins, 2, doc, -1, SQLITE_TRANSIENT);
            assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
            sqlite3_reset(ins);
            sqlite3_bind_text(q, 1, tri, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(q, 2, (sqlite3_int64)cp);
            assert_int_equal(sqlite3_step(q), SQLITE_ROW);
            if (sqlite3_column_int(q, 0) != 1)
                fail_msg("U+%04X matches '%c' in PCRE2 but not in the trigram index", cp, c);
            sqlite3_reset(q);
            checked++;
        }
        cli_regex_free(re);
    }
    /* At least K (U+212A) and long s (U+017F) are among them. */
    assert_true(checked >= 2);
    sqlite3_finalize(ins);
    sqlite3_finalize(q);
    sqlite3_close(db);
}

/* The index expression never loses a match: over a corpus in a trigram
 * table like entries_tri, every message a pattern matches is among the
 * rows the expression finds, for patterns of every construct the reader
 * takes (and some it gives up on). */
static const char *const corpus[] = {
    "connection timeout after 30s",
    "Connection TIMEOUT after 5s",
    "Timeouts everywhere",
    "job timed out",
    "order 17 shipped",
    "ORDER cancelled; reorder later",
    "Disk full on /dev/sda1",
    "disk ok",
    "caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9"
    "e",
    "\xc3\x89T\xc3\x89 \xc3\xa0 Z\xc3\xbcrich",
    "payment declined: code=51",
    "user \"bob\" logged in",
    "aaaaab abbbc abbbbbc",
    "x{2} [brackets] (parens) a|b a.b a+b",
    "\xe2\x84\xaa"
    "ill -9 \xc5\xbf"
    "ession",
    "tab\there\nnew line",
    "bad utf-8 \xff\xfe timeout",
    "",
};

static const char *const sound_patterns[] = {
    "timeout",
    "time",
    "TIMEOUT",
    "timeouts?",
    "time(out)?s",
    "(timeout|order)",
    "timeout|order",
    "^disk",
    "ok$",
    "d.sk f",
    "code=\\d+",
    "cr\xc3\xa8me|z\xc3\xbcrich",
    "\xc3\xa9t\xc3\xa9",
    "ab+c",
    "ab{3}c",
    "ab{2,}c",
    "a(b)+c",
    "(ab|cd)+ef",
    "x\\{2\\}",
    "\\[brackets\\]",
    "\\(parens\\)",
    "a\\|b",
    "a\\.b",
    "a\\+b",
    "kill",
    "session",
    "\"bob\"",
    "here\\nnew",
    "(?=.*disk)full",
    "(?<!re)order",
    "(?:con|dis)nection",
    "\\btimeout\\b",
    "[Tt]imeout",
    "ti[m]eout",
    "t(?i)imeout",
    "\\Qa|b\\E",
    "(?x) t i m e",
    "\\x74imeout",
    "out\\s+after",
    "after \\d+s$",
    "^$",
    "",
    ".*",
    "(timeout){0}x",
    "(?>timeout)",
    "(order|)",
    "or(der)?",
};

static void test_never_loses_a_match(void **state)
{
    sqlite3 *db;
    sqlite3_stmt *ins, *q;
    char err[200];

    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE VIRTUAL TABLE t USING fts5(m, tokenize = 'trigram', "
                                  "detail = none)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "INSERT INTO t (rowid, m) VALUES (?1, ?2)", -1, &ins, NULL),
        SQLITE_OK);
    for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)i);
        sqlite3_bind_text(ins, 2, corpus[i], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    for (size_t p = 0; p < sizeof sound_patterns / sizeof sound_patterns[0]; p++) {
        for (int mode = CLI_CASE_SMART; mode <= CLI_CASE_SENSITIVE; mode++) {
            cli_regex *re;
            const char *fts;
            uint64_t found = 0;

            if (cli_regex_compile(sound_patterns[p], mode, &re, err, sizeof err) != 0)
                fail_msg("'%s' refused: %s", sound_patterns[p], err);
            fts = cli_regex_fts_query(re);
            if (fts != NULL) {
                assert_int_equal(
                    sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t MATCH ?1", -1, &q, NULL),
                    SQLITE_OK);
                sqlite3_bind_text(q, 1, fts, -1, SQLITE_STATIC);
                while (sqlite3_step(q) == SQLITE_ROW)
                    found |= 1ULL << sqlite3_column_int64(q, 0);
                if (sqlite3_errcode(db) != SQLITE_DONE && sqlite3_errcode(db) != SQLITE_OK)
                    fail_msg("'%s': FTS5 refused %s: %s", sound_patterns[p], fts,
                             sqlite3_errmsg(db));
                sqlite3_finalize(q);
            }
            for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
                if (cli_regex_match(re, corpus[i], strlen(corpus[i])) == 1 && fts != NULL &&
                    !(found >> i & 1))
                    fail_msg("'%s' (case %d) matches \"%s\" but the index expression %s "
                             "does not find it",
                             sound_patterns[p], mode, corpus[i], fts);
            }
            cli_regex_free(re);
        }
    }
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terms),       cmocka_unit_test(test_trigrams),
        cmocka_unit_test(test_match),       cmocka_unit_test(test_errors),
        cmocka_unit_test(test_fold_agrees), cmocka_unit_test(test_never_loses_a_match),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
