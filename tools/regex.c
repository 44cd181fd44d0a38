/* regex.c - see regex.h. */
#include "regex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

struct cli_regex {
    pcre2_code *code;
    pcre2_match_data *md;
    pcre2_match_context *mctx; /* the limits below */
    pcre2_jit_stack *jstack;   /* NULL: no JIT code, or no memory for one */
    int caseless;
    cl_strbuf fts; /* the MATCH expression; empty: none */
    char err[160];
};

/* ---------------------------------------------------------------- terms
 *
 * A small recursive reading of the pattern's syntax that builds, for each
 * part, a condition on the text any match contains: TRUE (nothing known), a
 * term (a literal string), or AND / OR of those. It understands only the
 * common constructs; anything else ends the reading with TRUE for the whole
 * pattern ("give up"), because a construct read wrongly (an escape that
 * takes arguments, an option that changes what the rest means) could make
 * up a term the text need not contain - a lost match. Literals are ASCII
 * only: those fold the same way in PCRE2's caseless matching and in the
 * trigram tokenizer (tests/unit/test_cli_regex.c checks every code point
 * PCRE2 folds onto an ASCII letter). */

enum { E_TRUE, E_TERM, E_AND, E_OR };

typedef struct expr {
    int kind;
    cl_strbuf s; /* FTS5 text, for every kind but E_TRUE */
} expr;

typedef struct rparse {
    const unsigned char *p;
    int fail;     /* gave up: the whole pattern is TRUE */
    int depth;    /* of groups, bounded like PCRE2's own nesting limit */
    int trigrams; /* a term as its trigrams (see flush) */
} rparse;

#define TERM_MIN 3    /* a trigram index cannot look up less */
#define MAX_DEPTH 250 /* PCRE2's default parenthesis nesting limit */

static void expr_free(expr *e)
{
    cl_strbuf_free(&e->s);
    e->kind = E_TRUE;
}

/* Appends e to out, in parentheses when it is of kind paren_kind. */
static void put_sub(cl_strbuf *out, expr *e, int paren_kind)
{
    if (e->kind == paren_kind)
        cl_strbuf_putc(out, '(');
    cl_strbuf_put(out, e->s.p, e->s.len);
    if (e->kind == paren_kind)
        cl_strbuf_putc(out, ')');
}

/* a = a op b (E_AND or E_OR); b is consumed. */
static void combine(expr *a, expr *b, int op)
{
    cl_strbuf s = CL_STRBUF_INIT;

    if (op == E_AND ? b->kind == E_TRUE : a->kind == E_TRUE) {
        expr_free(b);
        return;
    }
    if (a->kind == E_TRUE) {
        if (op == E_AND) {
            *a = *b;
            b->s = (cl_strbuf)CL_STRBUF_INIT;
            b->kind = E_TRUE;
        } else {
            expr_free(b);
        }
        return;
    }
    if (op == E_OR && b->kind == E_TRUE) {
        expr_free(a);
        return;
    }
    put_sub(&s, a, op == E_AND ? E_OR : E_AND);
    cl_strbuf_puts(&s, op == E_AND ? " AND " : " OR ");
    put_sub(&s, b, op == E_AND ? E_OR : E_AND);
    expr_free(a);
    expr_free(b);
    a->s = s;
    a->kind = op;
}

/* Appends s[0..n) as an FTS5 string: only '"' is special inside, written
 * twice. */
static void put_string(cl_strbuf *out, const char *s, size_t n)
{
    cl_strbuf_putc(out, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            cl_strbuf_putc(out, '"');
        cl_strbuf_putc(out, s[i]);
    }
    cl_strbuf_putc(out, '"');
}

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Whether the trigram at s[i] occurs earlier in s, case folded as the
 * index folds (ASCII only here). */
static int seen_before(const char *s, size_t i)
{
    for (size_t k = 0; k < i; k++) {
        size_t j;

        for (j = 0; j < 3 && fold((unsigned char)s[k + j]) == fold((unsigned char)s[i + j]); j++)
            ;
        if (j == 3)
            return 1;
    }
    return 0;
}

/* Ends the current literal run: a term if it is long enough. The trigram
 * index has detail=none (schema/sealed.sql), which looks up single tokens
 * only, so a term of the index is the AND of its distinct trigrams:
 * "timeout" is "tim" AND "ime" AND "meo" AND "eou" AND "out". */
static void flush(rparse *r, cl_strbuf *run, expr *acc)
{
    expr t = { E_TERM, CL_STRBUF_INIT };

    if (run->len >= TERM_MIN && !r->trigrams) {
        put_string(&t.s, run->p, run->len);
        combine(acc, &t, E_AND);
    } else if (run->len >= TERM_MIN) {
        t.kind = E_TRUE;
        for (size_t i = 0; i + 3 <= run->len; i++) {
            expr g = { E_TERM, CL_STRBUF_INIT };

            if (seen_before(run->p, i))
                continue;
            put_string(&g.s, run->p + i, 3);
            combine(&t, &g, E_AND);
        }
        combine(acc, &t, E_AND);
    }
    cl_strbuf_reset(run);
}

/* What follows an item: none (exactly once), an optional one (the item may
 * be absent), or a repeat of at least one. */
enum { Q_ONCE, Q_OPTIONAL, Q_REPEAT };

static int digits(rparse *r, long *v)
{
    int n = 0;

    *v = 0;
    while (*r->p >= '0' && *r->p <= '9' && n < 9) {
        *v = *v * 10 + (*r->p++ - '0');
        n++;
    }
    return n;
}

static int quantifier(rparse *r)
{
    int q = Q_ONCE;
    long lo, hi;

    switch (*r->p) {
    case '?':
    case '*':
        q = Q_OPTIONAL;
        r->p++;
        break;
    case '+':
        q = Q_REPEAT;
        r->p++;
        break;
    case '{':
        /* {n}, {n,}, {n,m}; any other '{' is a literal to PCRE2 - and a
         * construct this reader does not take. */
        r->p++;
        if (digits(r, &lo) == 0) {
            r->fail = 1;
            return Q_ONCE;
        }
        if (*r->p == ',') {
            r->p++;
            digits(r, &hi);
        }
        if (*r->p != '}') {
            r->fail = 1;
            return Q_ONCE;
        }
        r->p++;
        q = lo == 0 ? Q_OPTIONAL : Q_REPEAT;
        break;
    default:
        return Q_ONCE;
    }
    if (*r->p == '?' || *r->p == '+') /* lazy or possessive: the same text */
        r->p++;
    return q;
}

static int is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Skips a character class "[...]" (r->p at '['). */
static void skip_class(rparse *r)
{
    r->p++;
    if (*r->p == '^')
        r->p++;
    if (*r->p == ']') /* a ']' first is a member */
        r->p++;
    while (*r->p != '\0' && *r->p != ']') {
        if (r->p[0] == '\\') {
            if (r->p[1] == 'Q' || r->p[1] == 'E' || r->p[1] == '\0' ||
                (r->p[1] == 'c' && r->p[2] == '\0')) {
                r->fail = 1;
                return;
            }
            /* "\cX" takes the next character whatever it is: "[\c]x]" is
             * one class of two members (fuzz_regex_terms). */
            r->p += r->p[1] == 'c' ? 3 : 2;
        } else if (r->p[0] == '[' && r->p[1] == ':') {
            /* "[:alpha:]" or "[:^alpha:]" (PCRE2 refuses other names);
             * any other '[' is a member, as in "[[:]". */
            const unsigned char *q = r->p + 2 + (r->p[2] == '^');

            while (*q >= 'a' && *q <= 'z')
                q++;
            r->p = q[0] == ':' && q[1] == ']' ? q + 2 : r->p + 1;
        } else {
            r->p++;
        }
    }
    if (*r->p != ']') {
        r->fail = 1;
        return;
    }
    r->p++;
}

/* An escape "\x" that stands for one character of a set (\d, \w, ...) or
 * for a position (\b, \A, ...) and takes no argument: skipped, and the run
 * ends. Others (\x41, \Q...\E, \1, \N{...}, \k<n>) give up. Returns 1 when
 * skipped. */
static int skip_simple_escape(rparse *r)
{
    unsigned char c = r->p[1];

    if (strchr("dDwWsShHvVRXbBAzZGKtnrfea", c) != NULL && c != '\0') {
        r->p += 2;
        return 1;
    }
    if ((c == 'p' || c == 'P') && r->p[2] == '{') {
        const char *end = strchr((const char *)r->p + 3, '}');

        if (end != NULL) {
            r->p = (const unsigned char *)end + 1;
            return 1;
        }
    }
    r->fail = 1;
    return 0;
}

static expr parse_alt(rparse *r);

/* "(...)": r->p just after '('. Sets *counts to 0 for a look-around (its
 * text is not part of the match). */
static expr parse_group(rparse *r, int *counts)
{
    expr e = { E_TRUE, CL_STRBUF_INIT };

    *counts = 1;
    if (r->p[0] == '?') {
        if (r->p[1] == ':' || r->p[1] == '>') {
            r->p += 2;
        } else if (r->p[1] == '=' || r->p[1] == '!') {
            r->p += 2;
            *counts = 0;
        } else if (r->p[1] == '<' && (r->p[2] == '=' || r->p[2] == '!')) {
            r->p += 3;
            *counts = 0;
        } else {
            r->fail = 1; /* options, names, comments, conditions, recursion */
            return e;
        }
    } else if (r->p[0] == '*') {
        r->fail = 1; /* (*VERB) */
        return e;
    }
    if (++r->depth > MAX_DEPTH) {
        r->fail = 1;
        return e;
    }
    e = parse_alt(r);
    r->depth--;
    if (*r->p != ')') {
        r->fail = 1;
        return e;
    }
    r->p++;
    return e;
}

/* One literal character at r->p, or 0 when r->p is not one. */
static unsigned char literal(rparse *r)
{
    unsigned char c = r->p[0];

    if (c == '\\') {
        c = r->p[1];
        if (c >= 0x20 && c < 0x7f && !is_alnum(c)) {
            r->p += 2;
            return c;
        }
        return 0;
    }
    if (c < 0x20 || c >= 0x7f || strchr("^$.|?*+()[{", c) != NULL)
        return 0;
    r->p++;
    return c;
}

/* A concatenation, up to '|', ')' or the end: every item's condition
 * ANDed, consecutive literals joined into runs. */
static expr parse_seq(rparse *r)
{
    expr acc = { E_TRUE, CL_STRBUF_INIT };
    cl_strbuf run = CL_STRBUF_INIT;

    while (!r->fail && *r->p != '\0' && *r->p != '|' && *r->p != ')') {
        unsigned char c = literal(r);
        int q;

        if (c != 0) {
            q = quantifier(r);
            if (q == Q_OPTIONAL) {
                flush(r, &run, &acc);
            } else if (q == Q_REPEAT) {
                /* "ab+c" holds "ab" and "bc". */
                cl_strbuf_putc(&run, (char)c);
                flush(r, &run, &acc);
                cl_strbuf_putc(&run, (char)c);
            } else {
                cl_strbuf_putc(&run, (char)c);
            }
            continue;
        }
        flush(r, &run, &acc);
        c = *r->p;
        if (c == '(') {
            int counts;
            expr sub;

            r->p++;
            sub = parse_group(r, &counts);
            q = r->fail ? Q_ONCE : quantifier(r);
            if (!counts || q == Q_OPTIONAL)
                expr_free(&sub);
            combine(&acc, &sub, E_AND);
            continue;
        }
        if (c == '[')
            skip_class(r);
        else if (c == '.' || c == '^' || c == '$')
            r->p++;
        else if (c == '\\')
            skip_simple_escape(r);
        else if (c >= 0x80) /* one UTF-8 character: not a term (see above) */
            for (r->p++; *r->p >= 0x80 && *r->p < 0xc0; r->p++)
                ;
        else
            r->fail = 1; /* a quantifier with nothing before it, a control byte */
        if (!r->fail)
            quantifier(r);
    }
    flush(r, &run, &acc);
    cl_strbuf_free(&run);
    return acc;
}

static expr parse_alt(rparse *r)
{
    expr e = parse_seq(r);

    while (!r->fail && *r->p == '|') {
        expr b;

        r->p++;
        b = parse_seq(r);
        combine(&e, &b, E_OR);
    }
    return e;
}

void cli_regex_terms(const char *pattern, int trigrams, cl_strbuf *out)
{
    rparse r = { (const unsigned char *)pattern, 0, 0, trigrams };
    expr e = parse_alt(&r);

    if (!r.fail && *r.p == '\0' && e.kind != E_TRUE && !e.s.oom)
        cl_strbuf_put(out, e.s.p, e.s.len);
    expr_free(&e);
}

/* ---------------------------------------------------------------- PCRE2 */

static void pcre2_message(int code, size_t offset, int with_offset, char *err, size_t errlen)
{
    PCRE2_UCHAR msg[120];

    if (pcre2_get_error_message(code, msg, sizeof msg) < 0)
        snprintf((char *)msg, sizeof msg, "error %d", code);
    if (with_offset)
        snprintf(err, errlen, "%s at offset %zu", (const char *)msg, offset);
    else
        snprintf(err, errlen, "%s", (const char *)msg);
}

/* Whether the pattern holds an upper-case letter (Unicode's Lu), the
 * journalctl rule for smart case - an escape such as \S counts too. */
static int has_upper(const char *pattern)
{
    static const PCRE2_UCHAR upper[] = "\\p{Lu}";
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile(upper, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &off, NULL);
    pcre2_match_data *md = re != NULL ? pcre2_match_data_create(1, NULL) : NULL;
    int found = 0;

    if (md != NULL)
        found = pcre2_match(re, (PCRE2_SPTR)pattern, strlen(pattern), 0, 0, md, NULL) >= 0;
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return found;
}

/* Messages are the producers' (up to 128 KiB): a pattern that recurses per
 * character must still match a long one, or a single entry could make -g
 * fail (and leave out what follows it in the partition). PCRE2's default
 * JIT stack is 32 KiB, which `(a )+!` exhausts on a 60 KB message; the
 * JIT gets up to 8 MiB here, and what exceeds even that is matched again by
 * the interpreter, whose memory is bounded by REGEX_HEAP_KIB instead of
 * PCRE2's default of 20 GB. match_limit stays PCRE2's (10 million steps:
 * well under a second per message). */
#define REGEX_JIT_STACK_MIN (32 * 1024)
#define REGEX_JIT_STACK_MAX (8 * 1024 * 1024)
#define REGEX_HEAP_KIB (256 * 1024)

static int match_limits(cli_regex *re, int jit)
{
    re->mctx = pcre2_match_context_create(NULL);
    if (re->mctx == NULL || pcre2_set_heap_limit(re->mctx, REGEX_HEAP_KIB) != 0)
        return -1;
    if (!jit)
        return 0;
    /* No memory for a stack: the JIT keeps its 32 KiB and the interpreter
     * takes over where that is not enough (cli_regex_match). */
    re->jstack = pcre2_jit_stack_create(REGEX_JIT_STACK_MIN, REGEX_JIT_STACK_MAX, NULL);
    if (re->jstack != NULL)
        pcre2_jit_stack_assign(re->mctx, NULL, re->jstack);
    return 0;
}

int cli_regex_compile(const char *pattern, int case_mode, cli_regex **out, char *err, size_t errlen)
{
    cli_regex *re = calloc(1, sizeof *re);
    /* MATCH_INVALID_UTF: a message with a bad byte is searched, not an
     * error (the collector stores what producers send). */
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    int code, jit;
    PCRE2_SIZE off;

    *out = NULL;
    if (re == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    re->caseless =
        case_mode == CLI_CASE_SMART ? !has_upper(pattern) : case_mode == CLI_CASE_INSENSITIVE;
    if (re->caseless)
        opts |= PCRE2_CASELESS;
    re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &code, &off, NULL);
    if (re->code == NULL) {
        pcre2_message(code, (size_t)off, 1, err, errlen);
        goto fail;
    }
    /* A JIT is an accelerator only: without one (a platform PCRE2 has no
     * JIT for, or memory that may not be executable) the interpreter
     * matches the same. */
    jit = pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0;
    re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
    if (re->md == NULL || match_limits(re, jit) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    cli_regex_terms(pattern, 1, &re->fts);
    if (re->fts.oom) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    *out = re;
    return 0;
fail:
    cli_regex_free(re);
    return -1;
}

int cli_regex_match(cli_regex *re, const char *s, size_t n)
{
    int rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, 0, re->md, re->mctx);

    /* Beyond the JIT's stack: the interpreter keeps its frames on the heap
     * (bounded by REGEX_HEAP_KIB), so the message is still searched. */
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
        rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, 0, PCRE2_NO_JIT, re->md, re->mctx);
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    pcre2_message(rc, 0, 0, re->err, sizeof re->err);
    return -1;
}

int cli_regex_next(cli_regex *re, const char *s, size_t n, size_t from, size_t *so, size_t *eo)
{
    int rc;
    PCRE2_SIZE *ov;

    if (from > n)
        return 0;
    rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, from, 0, re->md, re->mctx);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
        rc = pcre2_match(re->code, (PCRE2_SPTR)s, n, from, PCRE2_NO_JIT, re->md, re->mctx);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0) {
        pcre2_message(rc, 0, 0, re->err, sizeof re->err);
        return -1;
    }
    ov = pcre2_get_ovector_pointer(re->md);
    /* \K in a lookbehind can end a match before its start: no span. */
    *so = ov[0];
    *eo = ov[1] < ov[0] ? ov[0] : ov[1];
    return 1;
}

const char *cli_regex_error(const cli_regex *re)
{
    return re->err;
}

int cli_regex_caseless(const cli_regex *re)
{
    return re->caseless;
}

const char *cli_regex_fts_query(const cli_regex *re)
{
    return re->fts.len > 0 ? re->fts.p : NULL;
}

void cli_regex_free(cli_regex *re)
{
    if (re == NULL)
        return;
    pcre2_match_data_free(re->md);
    pcre2_match_context_free(re->mctx);
    pcre2_jit_stack_free(re->jstack);
    pcre2_code_free(re->code);
    cl_strbuf_free(&re->fts);
    free(re);
}
