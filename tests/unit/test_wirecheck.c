/* test_wirecheck.c - string escapes (collector/wirecheck.c), issue 13 item 8.
 *
 * cJSON reads "\uqqqq" as U+0000 and so silently cuts the string: the line
 * {"app":"t","level":"info","msg":"bad \uqqqq esc"} was acknowledged as
 * accepted and stored as "bad ". Every escape is therefore judged on the wire,
 * before the parser sees it: each case below is checked both at the level of
 * cl_wirecheck (reason, offset, what) and through cl_validate_line (the reject
 * record keeps the raw bytes, and the line is never an entry).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "record.h"
#include "validate.h"
#include "wirecheck.h"

#define RECEIVED 1795774503000000LL

static const cl_peer PEER = { 31337, 1000, 100, NULL };

/* What the messages say, by family (a word each message must contain). */
#define W_HEX "four hex digits"
#define W_LETTER "invalid escape"
#define W_SURROGATE "unpaired surrogate"
#define W_END "ends the line"

typedef struct esc_case {
    const char *line;
    enum cl_reason reason;
    size_t at;        /* byte offset the message names */
    const char *word; /* in the message; NULL for nul_char */
} esc_case;

/* The entry prefix is 33 bytes: {"app":"t","level":"info","msg":" */
#define P "{\"app\":\"t\",\"level\":\"info\",\"msg\":\""
#define AT(k) (sizeof P - 1 + (k))

static const esc_case cases[] = {
    /* The issue's exact example. */
    { P "bad \\uqqqq esc\"}", CL_R_NOT_JSON, AT(4), W_HEX },
    /* \u with fewer than four hex digits, or non-hex among them. */
    { P "\\u12\"}", CL_R_NOT_JSON, AT(0), W_HEX },
    { P "\\u\"}", CL_R_NOT_JSON, AT(0), W_HEX },
    { P "\\u00e\"}", CL_R_NOT_JSON, AT(0), W_HEX },
    { P "\\u00eg\"}", CL_R_NOT_JSON, AT(0), W_HEX },
    { P "\\u 123\"}", CL_R_NOT_JSON, AT(0), W_HEX },
    { P "\\u+123\"}", CL_R_NOT_JSON, AT(0), W_HEX },
    { P "\\u-123\"}", CL_R_NOT_JSON, AT(0), W_HEX },
    { P "x\\u0q00\"}", CL_R_NOT_JSON, AT(1), W_HEX },
    { P "\\u00\\u0041\"}", CL_R_NOT_JSON, AT(0), W_HEX },
    { P "\\U0041\"}", CL_R_NOT_JSON, AT(0), W_LETTER }, /* capital U is no escape */
    /* Letters JSON does not define. */
    { P "\\x41\"}", CL_R_NOT_JSON, AT(0), W_LETTER },
    { P "it\\'s\"}", CL_R_NOT_JSON, AT(2), W_LETTER },
    { P "\\a\"}", CL_R_NOT_JSON, AT(0), W_LETTER },
    { P "\\0\"}", CL_R_NOT_JSON, AT(0), W_LETTER },
    { P "\\v\"}", CL_R_NOT_JSON, AT(0), W_LETTER },
    { P "\\e[31m\"}", CL_R_NOT_JSON, AT(0), W_LETTER },
    { P "\\\xc3\xa9\"}", CL_R_NOT_JSON, AT(0), W_LETTER }, /* backslash, then U+00E9 */
    /* A line that ends inside an escape. */
    { P "\\u12", CL_R_NOT_JSON, AT(0), W_HEX },
    { P "\\u", CL_R_NOT_JSON, AT(0), W_HEX },
    { P "\\", CL_R_NOT_JSON, AT(0), W_END },
    { P "\\ud800", CL_R_NOT_JSON, AT(0), W_SURROGATE },
    { P "\\ud800\\u", CL_R_NOT_JSON, AT(6), W_HEX },
    /* Unpaired surrogates: not characters, no UTF-8 form to store. */
    { P "\\ud800\"}", CL_R_NOT_JSON, AT(0), W_SURROGATE },
    { P "\\uDBFF\"}", CL_R_NOT_JSON, AT(0), W_SURROGATE },
    { P "\\udc00\"}", CL_R_NOT_JSON, AT(0), W_SURROGATE },
    { P "ok \\uDFFF\"}", CL_R_NOT_JSON, AT(3), W_SURROGATE },
    { P "\\ud800\\u0041\"}", CL_R_NOT_JSON, AT(0), W_SURROGATE },
    { P "\\ud800\\ud800\"}", CL_R_NOT_JSON, AT(0), W_SURROGATE },        /* high, high */
    { P "\\ud800\\ud800\\udc00\"}", CL_R_NOT_JSON, AT(0), W_SURROGATE }, /* first unpaired */
    { P "\\udc00\\ud800\"}", CL_R_NOT_JSON, AT(0), W_SURROGATE },        /* reversed */
    { P "\\ud83dx\"}", CL_R_NOT_JSON, AT(0), W_SURROGATE },              /* then text */
    { P "\\ud83d\\n\"}", CL_R_NOT_JSON, AT(0), W_SURROGATE },            /* then \n */
    { P "\\ud83d\\uqqqq\"}", CL_R_NOT_JSON, AT(6), W_HEX },              /* then bad */
    /* Elsewhere than msg: in a key, in fields, in an unknown key, in app. */
    { "{\"app\":\"t\\uZZZZ\",\"level\":\"info\",\"msg\":\"m\"}", CL_R_NOT_JSON, 9, W_HEX },
    { "{\"app\":\"t\",\"level\":\"info\",\"msg\":\"m\",\"fields\":{\"k\\q\":1}}", CL_R_NOT_JSON, 48,
      W_LETTER },
    { "{\"app\":\"t\",\"level\":\"info\",\"msg\":\"m\",\"x\":[\"\\udc00\"]}", CL_R_NOT_JSON, 42,
      W_SURROGATE },
    /* U+0000 is a character, but one we refuse (nul_char), however spelt. */
    { P "a\\u0000b\"}", CL_R_NUL_CHAR, 0, NULL },
    { P "\\u0000\"}", CL_R_NUL_CHAR, 0, NULL },
    /* The first problem wins: a bad escape before a bad number, ... */
    { P "\\q\",\"n\":01}", CL_R_NOT_JSON, AT(0), W_LETTER },
    /* ... a raw control character over any escape problem, ... */
    { P "\\q\x01\"}", CL_R_CONTROL_CHAR, AT(2), NULL },
    /* ... and a backslash before a raw control is a control character. */
    { P "\\\x0a\"}", CL_R_CONTROL_CHAR, AT(1), NULL },
};

/* Escapes that are valid, with the code points they stand for. */
static const struct {
    const char *json; /* msg's content as sent */
    const char *utf8; /* msg as stored */
} valid[] = {
    { "\\\" \\\\ \\/ \\b \\f \\n \\r \\t", "\" \\ / \b \f \n \r \t" },
    { "\\u0041\\u00e9\\u00E9", "A\xc3\xa9\xc3\xa9" },
    { "\\u20ac", "\xe2\x82\xac" },
    { "\\uFFFF", "\xef\xbf\xbf" },
    { "\\ud83d\\ude00", "\xf0\x9f\x98\x80" },
    { "\\uD83D\\uDE00", "\xf0\x9f\x98\x80" },
    { "\\udbff\\udfff", "\xf4\x8f\xbf\xbf" },
    { "\\ud800\\udc00", "\xf0\x90\x80\x80" },
    { "a\\\\u0000b", "a\\u0000b" }, /* an escaped backslash, then text */
    { "\\\\uqqqq", "\\uqqqq" },     /* the same: not an escape at all */
    { "\\u0001", "\x01" },          /* a control, escaped: fine in msg */
};

/* The reject record: reason, message, raw bytes and length, who and when. */
static void check_record(const esc_case *c, const cl_record *r)
{
    size_t n = strlen(c->line);
    char at[32];

    assert_non_null(r);
    assert_int_equal(r->kind, CL_REC_REJECT);
    if (r->u.r.reason != c->reason)
        fail_msg("%s: %s (%s), expected %s", c->line, cl_reason_code(r->u.r.reason),
                 r->u.r.message.p, cl_reason_code(c->reason));
    if (c->word != NULL) {
        snprintf(at, sizeof at, "byte %zu: ", c->at);
        if (strncmp(r->u.r.message.p, at, strlen(at)) != 0 ||
            strstr(r->u.r.message.p, c->word) == NULL)
            fail_msg("%s: message \"%s\", expected \"%s...%s...\"", c->line, r->u.r.message.p, at,
                     c->word);
    }
    assert_int_equal(r->u.r.raw_len, n);
    assert_int_equal(r->u.r.raw.n, n);
    assert_memory_equal(r->u.r.raw.p, c->line, n);
    assert_int_equal(r->received_us, RECEIVED);
    assert_int_equal(r->peer.pid, PEER.pid);
}

static void judge_line(const char *line, cl_line_result *res)
{
    cl_validator v;
    size_t n = strlen(line);
    char *buf = malloc(n + 1);

    assert_non_null(buf);
    memcpy(buf, line, n + 1);
    memset(&v, 0, sizeof v);
    cl_limits_default(&v.limits);
    v.default_host.p = "h";
    v.default_host.n = 1;
    cl_validate_line(&v, buf, n, RECEIVED, &PEER, res);
    assert_memory_equal(buf, line, n + 1);
    free(buf);
}

static void test_bad_escapes_rejected(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cl_line_result res;

        judge_line(cases[i].line, &res);
        if (res.kind != CL_LINE_REJECT)
            fail_msg("%s: kind %d, expected a reject", cases[i].line, res.kind);
        check_record(&cases[i], res.rec);
        cl_record_free(res.rec);
    }
}

/* The same cases at the level of the scanner: the reason and the offset,
 * and for not_json a description. */
static void test_wirecheck_reasons(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const esc_case *c = &cases[i];
        cl_scan scan;
        enum cl_reason r = cl_wirecheck(c->line, strlen(c->line), 9, &scan);

        if (c->reason == CL_R_NUL_CHAR) {
            /* Not the scanner's verdict: it notes the escape for later. */
            assert_int_equal(r, CL_R_OK);
            assert_int_equal(scan.has_nul_escape, 1);
            continue;
        }
        if (r != c->reason || scan.err_off != c->at)
            fail_msg("%s: %s at %zu, expected %s at %zu", c->line, cl_reason_code(r), scan.err_off,
                     cl_reason_code(c->reason), c->at);
        if (r == CL_R_NOT_JSON && strstr(scan.err_what, c->word) == NULL)
            fail_msg("%s: \"%s\" lacks \"%s\"", c->line, scan.err_what, c->word);
    }
}

/* The issue's example, end to end through the validator: never an entry,
 * and stored byte for byte as a reject. */
static void test_issue_example(void **state)
{
    static const char line[] = "{\"app\":\"t\",\"level\":\"info\",\"msg\":\"bad \\uqqqq esc\"}";
    cl_line_result res;

    (void)state;
    judge_line(line, &res);
    assert_int_equal(res.kind, CL_LINE_REJECT);
    assert_int_equal(res.rec->u.r.reason, CL_R_NOT_JSON);
    assert_string_equal(cl_reason_code(res.rec->u.r.reason), "not_json");
    assert_string_equal(res.rec->u.r.message.p, "byte 37: \\u must be followed by four hex digits");
    assert_int_equal(res.rec->u.r.raw_len, sizeof line - 1);
    assert_memory_equal(res.rec->u.r.raw.p, line, sizeof line - 1);
    cl_record_free(res.rec);
}

static void test_valid_escapes_kept(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        char line[256];
        cl_line_result res;

        snprintf(line, sizeof line, P "%s\"}", valid[i].json);
        judge_line(line, &res);
        if (res.kind != CL_LINE_ENTRY)
            fail_msg("%s: kind %d (%s)", line, res.kind,
                     res.rec != NULL ? res.rec->u.r.message.p : "");
        assert_int_equal(res.rec->u.e.msg.n, strlen(valid[i].utf8));
        assert_memory_equal(res.rec->u.e.msg.p, valid[i].utf8, res.rec->u.e.msg.n);
        cl_record_free(res.rec);
    }
}

/* A valid pair as the last bytes of a line that is cut short, and escapes
 * that end exactly at the end of the buffer: nothing is read past len. */
static void test_escape_at_buffer_end(void **state)
{
    static const char *const tails[] = {
        "\\",      "\\u",       "\\u1",       "\\u12",         "\\u123",        "\\u1234",
        "\\ud800", "\\ud800\\", "\\ud800\\u", "\\ud800\\udc0", "\\ud800\\udc00"
    };

    (void)state;
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        size_t p = strlen(P), t = strlen(tails[i]);
        char *exact = malloc(p + t); /* no terminator: ASan sees any over-read */
        cl_scan scan;
        enum cl_reason r;

        assert_non_null(exact);
        memcpy(exact, P, p);
        memcpy(exact + p, tails[i], t);
        r = cl_wirecheck(exact, p + t, 9, &scan);
        /* An unterminated string is cJSON's to refuse; an escape in it that
         * is complete and valid is no reason of the scanner's. */
        if (strcmp(tails[i], "\\u1234") == 0 || strcmp(tails[i], "\\ud800\\udc00") == 0)
            assert_int_equal(r, CL_R_OK);
        else
            assert_int_equal(r, CL_R_NOT_JSON);
        free(exact);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_example),        cmocka_unit_test(test_bad_escapes_rejected),
        cmocka_unit_test(test_wirecheck_reasons),    cmocka_unit_test(test_valid_escapes_kept),
        cmocka_unit_test(test_escape_at_buffer_end),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
