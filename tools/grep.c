/* grep.c - see grep.h. */
#include "grep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "platform.h"

/* A phrase: consecutive tokens; the last may be a prefix. Tokens are stored
 * NUL-separated in `text`, their lengths in `len`. */
typedef struct phrase {
    size_t ntok, first; /* index of the first token in the grep's token list */
    int prefix;
} phrase;

typedef struct token {
    size_t off, len; /* into a byte buffer */
} token;

struct cli_grep {
    cli_regex *re; /* -g: the regular expression; NULL for --words */
    fts5_tokenizer api;
    Fts5Tokenizer *tok;
    cl_strbuf fts; /* the MATCH expression */
    char **words;  /* as typed, for the exact-case check */
    size_t nwords;
    phrase *phrases; /* one per word */
    cl_strbuf qtext; /* query tokens' bytes */
    token *qtok;
    size_t nqtok, capqtok;
    int exact_case;
    /* Scratch for matching one row. */
    cl_strbuf rtext;
    token *rtok;
    size_t nrtok, caprtok;
};

/* The fts5_api of db, by the documented fts5(?1) pointer handshake. */
static fts5_api *fts5_api_of(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;

    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
        sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return api;
}

typedef struct collect {
    cl_strbuf *text;
    token **tok;
    size_t *n, *cap;
    int oom;
} collect;

static int on_token(void *ctx, int flags, const char *p, int n, int start, int end)
{
    collect *c = ctx;

    (void)start;
    (void)end;
    /* Synonyms (colocated tokens) are not produced by unicode61. */
    if (flags & FTS5_TOKEN_COLOCATED)
        return SQLITE_OK;
    if (*c->n == *c->cap) {
        size_t cap = *c->cap ? *c->cap * 2 : 32;
        token *t = realloc(*c->tok, cap * sizeof *t);

        if (t == NULL) {
            c->oom = 1;
            return SQLITE_NOMEM;
        }
        *c->tok = t;
        *c->cap = cap;
    }
    (*c->tok)[*c->n].off = c->text->len;
    (*c->tok)[*c->n].len = (size_t)n;
    cl_strbuf_put(c->text, p, (size_t)n);
    (*c->n)++;
    return c->text->oom ? SQLITE_NOMEM : SQLITE_OK;
}

static int tokenize(cli_grep *g, int mode, const char *s, size_t n, cl_strbuf *text, token **tok,
                    size_t *ntok, size_t *cap)
{
    collect c = { text, tok, ntok, cap, 0 };

    return g->api.xTokenize(g->tok, &c, mode, s, (int)n, on_token);
}

/* Adds one word: its phrase, its FTS5 quoting and its exact-case form. */
static int add_word(cli_grep *g, const char *w, size_t n, char *err, size_t errlen)
{
    phrase *ph = &g->phrases[g->nwords];
    char *copy;
    int rc;

    ph->prefix = n > 1 && w[n - 1] == '*';
    if (ph->prefix)
        n--;
    copy = cli_strndup(w, n);
    if (copy == NULL)
        goto oom;
    g->words[g->nwords++] = copy;
    ph->first = g->nqtok;
    rc = tokenize(g, FTS5_TOKENIZE_QUERY | (ph->prefix ? FTS5_TOKENIZE_PREFIX : 0), w, n, &g->qtext,
                  &g->qtok, &g->nqtok, &g->capqtok);
    if (rc != SQLITE_OK)
        goto oom;
    ph->ntok = g->nqtok - ph->first;
    if (ph->ntok == 0) {
        snprintf(err, errlen, "'%s' has no word to search for (punctuation is not indexed)", copy);
        return -1;
    }
    /* A quoted FTS5 string: only '"' is special inside, written twice. */
    if (g->fts.len > 0)
        cl_strbuf_putc(&g->fts, ' ');
    cl_strbuf_putc(&g->fts, '"');
    for (size_t i = 0; i < n; i++) {
        if (w[i] == '"')
            cl_strbuf_putc(&g->fts, '"');
        cl_strbuf_putc(&g->fts, w[i]);
    }
    cl_strbuf_putc(&g->fts, '"');
    if (ph->prefix)
        cl_strbuf_puts(&g->fts, " *");
    for (size_t i = 0; i < n; i++)
        g->exact_case |= w[i] >= 'A' && w[i] <= 'Z';
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

int cli_grep_compile(sqlite3 *db, const char *pattern, cli_grep **out, char *err, size_t errlen)
{
    cli_grep *g = calloc(1, sizeof *g);
    fts5_api *api = fts5_api_of(db);
    void *ud = NULL;
    size_t n = strlen(pattern);
    const char *p = pattern;

    *out = NULL;
    if (g == NULL || (g->words = calloc(n / 2 + 1, sizeof *g->words)) == NULL ||
        (g->phrases = calloc(n / 2 + 1, sizeof *g->phrases)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (api == NULL || api->xFindTokenizer(api, "unicode61", &ud, &g->api) != SQLITE_OK ||
        g->api.xCreate(ud, NULL, 0, &g->tok) != SQLITE_OK) {
        snprintf(err, errlen, "this SQLite has no FTS5 unicode61 tokenizer");
        goto fail;
    }
    while (*p != '\0') {
        size_t len;

        while (*p == ' ' || *p == '\t')
            p++;
        for (len = 0; p[len] != '\0' && p[len] != ' ' && p[len] != '\t'; len++)
            ;
        if (len > 0 && add_word(g, p, len, err, errlen) != 0)
            goto fail;
        p += len;
    }
    if (g->nwords == 0) {
        snprintf(err, errlen, "empty pattern");
        goto fail;
    }
    if (g->fts.oom || g->qtext.oom) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    *out = g;
    return 0;
fail:
    cli_grep_free(g);
    return -1;
}

int cli_grep_compile_regex(const char *pattern, int case_mode, cli_grep **out, char *err,
                           size_t errlen)
{
    cli_grep *g = calloc(1, sizeof *g);

    *out = NULL;
    if (g == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (cli_regex_compile(pattern, case_mode, &g->re, err, errlen) != 0) {
        free(g);
        return -1;
    }
    *out = g;
    return 0;
}

int cli_grep_is_regex(const cli_grep *g)
{
    return g->re != NULL;
}

const char *cli_grep_fts_query(const cli_grep *g)
{
    return g->re != NULL ? cli_regex_fts_query(g->re) : g->fts.p;
}

const char *cli_grep_fts_table(const cli_grep *g)
{
    return g->re != NULL ? "entries_tri" : "entries_fts";
}

const char *cli_grep_fts_key(const cli_grep *g)
{
    return g->re != NULL ? "tri_indexed_upto" : "fts_indexed_upto";
}

int cli_grep_needs_confirm(const cli_grep *g)
{
    return g->re != NULL;
}

int cli_grep_case_sensitive(const cli_grep *g)
{
    return g->exact_case;
}

size_t cli_grep_word_count(const cli_grep *g)
{
    return g->nwords;
}

const char *cli_grep_word(const cli_grep *g, size_t i)
{
    return g->words[i];
}

/* Whether the row's tokens hold the phrase at some position. */
static int has_phrase(const cli_grep *g, const phrase *ph)
{
    for (size_t i = 0; i + ph->ntok <= g->nrtok; i++) {
        size_t k;

        for (k = 0; k < ph->ntok; k++) {
            const token *q = &g->qtok[ph->first + k], *r = &g->rtok[i + k];
            int last_prefix = ph->prefix && k == ph->ntok - 1;

            if (last_prefix ? r->len < q->len : r->len != q->len)
                break;
            if (memcmp(g->rtext.p + r->off, g->qtext.p + q->off, q->len) != 0)
                break;
        }
        if (k == ph->ntok)
            return 1;
    }
    return 0;
}

int cli_grep_match(cli_grep *g, const char *msg, size_t n)
{
    if (g->re != NULL)
        return cli_regex_match(g->re, msg, n);
    cl_strbuf_reset(&g->rtext);
    g->nrtok = 0;
    if (tokenize(g, FTS5_TOKENIZE_DOCUMENT, msg, n, &g->rtext, &g->rtok, &g->nrtok, &g->caprtok) !=
        SQLITE_OK)
        return -1;
    for (size_t i = 0; i < g->nwords; i++) {
        if (!has_phrase(g, &g->phrases[i]))
            return 0;
    }
    return 1;
}

static void sql_match(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    cli_grep *g = sqlite3_user_data(ctx);
    const unsigned char *s;
    int rc;

    (void)argc;
    s = sqlite3_value_text(argv[0]);
    if (s == NULL) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    rc = cli_grep_match(g, (const char *)s, (size_t)sqlite3_value_bytes(argv[0]));
    if (rc < 0 && g->re != NULL)
        sqlite3_result_error(ctx, cli_regex_error(g->re), -1);
    else if (rc < 0)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_int(ctx, rc);
}

int cli_grep_register(sqlite3 *db, cli_grep *g)
{
    return sqlite3_create_function_v2(db, CLI_GREP_FN, 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, g,
                                      sql_match, NULL, NULL, NULL);
}

void cli_grep_free(cli_grep *g)
{
    if (g == NULL)
        return;
    cli_regex_free(g->re);
    if (g->tok != NULL)
        g->api.xDelete(g->tok);
    for (size_t i = 0; i < g->nwords; i++)
        free(g->words[i]);
    free(g->words);
    free(g->phrases);
    free(g->qtok);
    free(g->rtok);
    cl_strbuf_free(&g->fts);
    cl_strbuf_free(&g->qtext);
    cl_strbuf_free(&g->rtext);
    free(g);
}
