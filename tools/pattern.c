/* pattern.c - see pattern.h. */
#include "pattern.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies the set that starts at pat[i] == '[' into out as SQLite syntax.
 * Returns the index just past its ']', or 0 when it is not terminated. */
static size_t copy_set(const char *pat, size_t i, char *out, size_t *o)
{
    size_t j = i + 1;

    out[(*o)++] = '[';
    if (pat[j] == '!' || pat[j] == '^') {
        out[(*o)++] = '^';
        j++;
    }
    /* A ']' right after the opening (or the negation) is a member. */
    if (pat[j] == ']')
        out[(*o)++] = pat[j++];
    while (pat[j] != '\0' && pat[j] != ']')
        out[(*o)++] = pat[j++];
    if (pat[j] != ']')
        return 0;
    out[(*o)++] = ']';
    return j + 1;
}

int cli_glob_compile(const char *pat, cli_glob *g, char *err, size_t errlen)
{
    size_t n = strlen(pat), o = 0, lit = 0, i = 0;
    int wild = 0;

    memset(g, 0, sizeof *g);
    if (n == 0) {
        snprintf(err, errlen, "empty pattern");
        return -1;
    }
    /* Worst case: every character escaped as "[c]". */
    g->sql = malloc(3 * n + 1);
    g->prefix = malloc(n + 1);
    if (g->sql == NULL || g->prefix == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    while (i < n) {
        char c = pat[i];

        if (c == '*' || c == '?') {
            g->sql[o++] = c;
            wild = 1;
            i++;
        } else if (c == '[') {
            size_t next = copy_set(pat, i, g->sql, &o);

            if (next == 0) {
                snprintf(err, errlen, "unterminated '['");
                goto fail;
            }
            wild = 1;
            i = next;
        } else if (c == '\\') {
            if (i + 1 == n) {
                snprintf(err, errlen, "'\\' at the end quotes nothing");
                goto fail;
            }
            c = pat[i + 1];
            if (c == '*' || c == '?' || c == '[') {
                g->sql[o++] = '[';
                g->sql[o++] = c;
                g->sql[o++] = ']';
            } else {
                g->sql[o++] = c;
            }
            if (!wild)
                g->prefix[lit++] = c;
            i += 2;
        } else {
            g->sql[o++] = c;
            if (!wild)
                g->prefix[lit++] = c;
            i++;
        }
    }
    g->prefix[lit] = '\0';
    g->prefix_len = lit;
    g->exact = !wild;
    if (g->exact) {
        /* Compared with "=": the literal, escapes removed. */
        memcpy(g->sql, g->prefix, lit + 1);
        o = lit;
    }
    g->sql[o] = '\0';
    g->sql_len = o;
    /* The index range for the prefix (the prefix has at most n bytes). */
    if (!g->exact && g->prefix_len > 0) {
        g->upper = malloc(g->prefix_len + 1);
        if (g->upper == NULL) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        g->upper_len = cli_glob_upper(g, g->upper);
        g->upper[g->upper_len] = '\0';
        if (g->upper_len == 0) {
            free(g->upper);
            g->upper = NULL;
        }
    }
    return 0;
fail:
    cli_glob_free(g);
    return -1;
}

size_t cli_glob_upper(const cli_glob *g, char *out)
{
    size_t n = g->prefix_len;

    while (n > 0 && (unsigned char)g->prefix[n - 1] == 0xFF)
        n--;
    if (n == 0)
        return 0;
    memcpy(out, g->prefix, n);
    out[n - 1] = (char)((unsigned char)out[n - 1] + 1);
    return n;
}

void cli_glob_free(cli_glob *g)
{
    if (g == NULL)
        return;
    free(g->sql);
    free(g->prefix);
    free(g->upper);
    memset(g, 0, sizeof *g);
}
