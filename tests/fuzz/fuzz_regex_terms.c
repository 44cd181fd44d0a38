/* fuzz_regex_terms - -g's literal extraction (tools/regex.c) against its
 * oracle: the input is PATTERN NUL SUBJECT; whenever PCRE2 accepts the
 * pattern and it matches the subject, the index expression the extraction
 * made must find the subject in a trigram table like entries_tri
 * (schema/sealed.sql). A miss would be a lost match on a sealed partition:
 * abort(), which libFuzzer saves as a crash. Also catches memory errors in
 * the pattern reader (ASan + UBSan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "regex.h"

static sqlite3 *db;
static sqlite3_stmt *ins, *del, *find;

static void open_db(void)
{
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db,
                     "CREATE VIRTUAL TABLE t USING fts5(m, tokenize = 'trigram', detail = none)",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO t (rowid, m) VALUES (1, ?1)", -1, &ins, NULL) ||
        sqlite3_prepare_v2(db, "DELETE FROM t", -1, &del, NULL) ||
        sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ?1", -1, &find, NULL))
        abort();
}

/* Whether the table holding only subject finds it with fts. */
static int found(const char *subject, size_t n, const char *fts)
{
    int hits = -1;

    sqlite3_step(del);
    sqlite3_reset(del);
    sqlite3_bind_text(ins, 1, subject, (int)n, SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE)
        abort();
    sqlite3_reset(ins);
    sqlite3_bind_text(find, 1, fts, -1, SQLITE_STATIC);
    if (sqlite3_step(find) == SQLITE_ROW)
        hits = sqlite3_column_int(find, 0);
    sqlite3_reset(find);
    if (hits < 0)
        abort(); /* the expression is not valid FTS5 syntax */
    return hits == 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    char *pattern, err[200];
    const char *subject;
    size_t n;

    if (nul == NULL || nul - data > 1000)
        return 0;
    if (db == NULL)
        open_db();
    pattern = malloc((size_t)(nul - data) + 1);
    if (pattern == NULL)
        return 0;
    memcpy(pattern, data, (size_t)(nul - data));
    pattern[nul - data] = '\0';
    /* The subject ends at a second NUL: stored messages are text. */
    subject = (const char *)nul + 1;
    n = strnlen(subject, size - (size_t)(nul - data) - 1);
    for (int mode = CLI_CASE_SMART; mode <= CLI_CASE_SENSITIVE; mode++) {
        cli_regex *re;
        const char *fts;

        if (cli_regex_compile(pattern, mode, &re, err, sizeof err) != 0)
            break; /* refused: then in every case mode */
        fts = cli_regex_fts_query(re);
        if (fts != NULL && cli_regex_match(re, subject, n) == 1 && !found(subject, n, fts))
            abort();
        cli_regex_free(re);
    }
    free(pattern);
    return 0;
}
