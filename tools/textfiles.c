/* textfiles.c - see textfiles.h. */
#include "textfiles.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbformat.h"
#include "fsutil.h"

long cli_text_rank(const char *name, int *gz)
{
    size_t n = strlen(CL_LOG_FILE);
    char *end;
    long rank;

    *gz = 0;
    if (strncmp(name, CL_LOG_FILE, n) != 0)
        return -1;
    if (name[n] == '\0')
        return 0;
    if (name[n] != '.' || name[n + 1] < '0' || name[n + 1] > '9')
        return -1;
    rank = strtol(name + n + 1, &end, 10);
    *gz = strcmp(end, ".gz") == 0;
    return (*end == '\0' || *gz) ? rank : -1;
}

static int by_rank(const void *a, const void *b)
{
    const cli_textfile *x = a, *y = b;

    return x->rank != y->rank ? (x->rank < y->rank ? -1 : 1) : strcmp(x->path, y->path);
}

int cli_text_files(const char *catalog, cli_textfile **out, size_t *n)
{
    const char *slash = cl_path_last_sep(catalog);
    char dir[4096], path[8192];
    size_t cap = 0;
    struct dirent *e;
    int rc = 0;
    DIR *d;

    *out = NULL;
    *n = 0;
    if (slash == catalog)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - catalog) : 1,
                 slash ? catalog : ".");
    if ((d = opendir(dir)) == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        cli_textfile t;

        if ((t.rank = cli_text_rank(e->d_name, &t.gz)) < 0)
            continue;
        if (slash != NULL)
            snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") ? dir : "", e->d_name);
        else
            snprintf(path, sizeof path, "%s", e->d_name);
        if (*n == cap) {
            cli_textfile *v = realloc(*out, (cap = cap ? 2 * cap : 8) * sizeof *v);

            if (v == NULL) {
                rc = -1;
                break;
            }
            *out = v;
        }
        if ((t.path = strdup(path)) == NULL) {
            rc = -1;
            break;
        }
        (*out)[(*n)++] = t;
    }
    closedir(d);
    if (*n > 1)
        qsort(*out, *n, sizeof **out, by_rank);
    return rc;
}

void cli_text_files_free(cli_textfile *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].path);
    free(v);
}
