/* escape.c - see escape.h. */
#include "escape.h"

#include <stdint.h>
#include <string.h>

#include "jsonesc.h"
#include "textesc.h"
#include "unsafe.h"

/* The text file's escaping (common/textesc.h), so that lines look alike. */
void cli_esc_text(cl_strbuf *b, const char *s, size_t n)
{
    cl_strbuf_text(b, s, n, 0);
}

void cli_esc_text_lines(cl_strbuf *b, const char *s, size_t n, size_t indent, const char *on,
                        const char *off)
{
    cli_esc_text_hl(b, s, n, 1, indent, on, off, NULL);
}

/* A piece of text with no span boundary inside: escaped, or in lines mode
 * with its tabs and line feeds as written. in_hl: the piece is highlighted,
 * so a line break ends the highlight with the line and takes it up again
 * after the indentation. */
static void esc_piece(cl_strbuf *b, const char *s, size_t n, int lines, size_t indent,
                      const char *on, const char *off, const char *hl_on)
{
    size_t i = 0;

    if (!lines) {
        cli_esc_text(b, s, n);
        return;
    }
    while (i < n) {
        size_t j = i;

        /* Tab and line feed are ASCII: never inside a UTF-8 sequence, so a
         * cut there leaves every code point whole for the escaper. */
        while (j < n && s[j] != '\n' && s[j] != '\t')
            j++;
        cli_esc_text(b, s + i, j - i);
        if (j == n)
            break;
        if (s[j] == '\t') {
            cl_strbuf_putc(b, '\t');
        } else {
            /* A highlight stops at the end of the line even when the line
             * has no colour of its own to end. */
            cl_strbuf_puts(b, hl_on != NULL && off[0] == '\0' ? CLI_ESC_SGR_RESET : off);
            cl_strbuf_putc(b, '\n');
            for (size_t k = 0; k < indent; k++)
                cl_strbuf_putc(b, ' ');
            cl_strbuf_puts(b, on);
            if (hl_on != NULL)
                cl_strbuf_puts(b, hl_on);
        }
        i = j + 1;
    }
}

void cli_esc_text_hl(cl_strbuf *b, const char *s, size_t n, int lines, size_t indent,
                     const char *on, const char *off, const cli_esc_spans *hl)
{
    size_t i = 0, k = 0;

    if (lines)
        while (n > 0 && s[n - 1] == '\n')
            n--;
    while (i < n) {
        const cli_span *sp = hl != NULL && k < hl->n ? &hl->sp[k] : NULL;

        if (sp != NULL && sp->so >= n)
            sp = NULL; /* in the line feeds left out at the end */
        if (sp == NULL || i < sp->so) {
            size_t j = sp == NULL ? n : sp->so;

            esc_piece(b, s + i, j - i, lines, indent, on, off, NULL);
            i = j;
        } else {
            size_t j = sp->eo < n ? sp->eo : n;

            cl_strbuf_puts(b, hl->on);
            esc_piece(b, s + i, j - i, lines, indent, on, off, hl->on);
            /* Back to the line's own colour. */
            cl_strbuf_puts(b, CLI_ESC_SGR_RESET);
            cl_strbuf_puts(b, on);
            i = j;
            k++;
        }
    }
}

void cli_esc_name(cl_strbuf *b, const char *s, size_t n)
{
    cl_strbuf_text(b, s, n, 1);
}

/* The JSON escaping of the text file's NDJSON (common/jsonesc.h). */
void cli_esc_json_str(cl_strbuf *b, const char *s, size_t n)
{
    cl_strbuf_json(b, s, n, SIZE_MAX, CL_JSONESC_DISPLAY);
}

void cli_esc_csv(cl_strbuf *b, const char *s, size_t n)
{
    cl_strbuf tmp = CL_STRBUF_INIT;

    cli_esc_text(&tmp, s, n);
    if (tmp.len > 0 && (memchr(tmp.p, ',', tmp.len) || memchr(tmp.p, '"', tmp.len))) {
        cl_strbuf_putc(b, '"');
        for (size_t i = 0; i < tmp.len; i++) {
            if (tmp.p[i] == '"')
                cl_strbuf_putc(b, '"');
            cl_strbuf_putc(b, tmp.p[i]);
        }
        cl_strbuf_putc(b, '"');
    } else {
        cl_strbuf_put(b, tmp.p, tmp.len);
    }
    b->oom |= tmp.oom;
    cl_strbuf_free(&tmp);
}

static void newline_indent(cl_strbuf *b, int depth)
{
    cl_strbuf_putc(b, '\n');
    for (int i = 0; i < depth; i++)
        cl_strbuf_put(b, "  ", 2);
}

/* Index of the quote that closes the JSON string opened at s[i], or n. */
static size_t closing_quote(const unsigned char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i;
    }
    return n;
}

/* Length of the JSON escape at s (s[0] is a backslash), or 0 if it is none. */
static size_t escape_len(const unsigned char *s, size_t n)
{
    if (n >= 2 && s[1] != '\0' && strchr("\"\\/bfnrt", s[1]) != NULL)
        return 2;
    if (n < 6 || s[1] != 'u')
        return 0;
    for (size_t k = 2; k < 6; k++) {
        unsigned c = s[k], lower = c | 0x20u;

        if (!((c >= '0' && c <= '9') || (lower >= 'a' && lower <= 'f')))
            return 0;
    }
    return 6;
}

/* Copies the string's raw contents with escapes kept as they are, except
 * that unsafe characters are escaped. The collector stores only valid
 * escapes, but the file may come from elsewhere (or from a collector before
 * issue 13, which kept "\uqqqq" in fields): a backslash that starts no JSON
 * escape is printed as an escaped backslash, so the output stays JSON and the
 * byte after it (a raw newline, say) goes through the checks below. */
static void copy_string(cl_strbuf *b, const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t j = i, k;

        /* Up to the next escape: the text file's JSON-text escaping. */
        while (j < n && s[j] != '\\')
            j++;
        cl_strbuf_json(b, (const char *)s + i, j - i, SIZE_MAX,
                       CL_JSONESC_DISPLAY | CL_JSONESC_JSON_TEXT);
        if ((i = j) == n)
            break;
        k = escape_len(s + i, n - i);
        if (k > 0) {
            cl_strbuf_put(b, s + i, k);
            i += k;
        } else {
            cl_strbuf_put(b, "\\\\", 2);
            i++;
        }
    }
}

void cli_json_copy(cl_strbuf *b, const char *str, size_t n, int indent)
{
    const unsigned char *s = (const unsigned char *)str;
    int depth = indent < 0 ? 0 : indent;
    int pretty = indent >= 0;

    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];

        if (c == '"') {
            size_t q = closing_quote(s, n, i);

            cl_strbuf_putc(b, '"');
            copy_string(b, s + i + 1, (q < n ? q : n) - i - 1);
            cl_strbuf_putc(b, '"');
            i = q;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            continue;
        } else if (c < 0x20 || c >= 0x7F) {
            char e[CL_CP_ESCAPE_MAX]; /* cannot occur in valid JSON outside strings */

            cl_strbuf_put(b, e, cl_cp_escape(c, 1, e));
        } else if (!pretty) {
            cl_strbuf_putc(b, (char)c);
        } else if (c == '{' || c == '[') {
            size_t j = i + 1;

            while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r'))
                j++;
            cl_strbuf_putc(b, (char)c);
            /* An empty object or array stays "{}" / "[]". */
            if (j < n && (s[j] == '}' || s[j] == ']')) {
                cl_strbuf_putc(b, (char)s[j]);
                i = j;
            } else {
                newline_indent(b, ++depth);
            }
        } else if (c == '}' || c == ']') {
            newline_indent(b, --depth);
            cl_strbuf_putc(b, (char)c);
        } else if (c == ',') {
            cl_strbuf_putc(b, ',');
            newline_indent(b, depth);
        } else if (c == ':') {
            cl_strbuf_put(b, ": ", 2);
        } else {
            cl_strbuf_putc(b, (char)c);
        }
    }
}
