/* textfiles.h - the text log's files next to a catalog: centrallog.log and
 * its rotations centrallog.log.N[.gz], in rotation order, for disk-usage
 * (their sizes) and verify (read through). One listing, so both name the
 * same files in the same order. */
#ifndef CLI_TEXTFILES_H
#define CLI_TEXTFILES_H

#include <stddef.h>

typedef struct cli_textfile {
    char *path; /* the directory of the catalog joined with the name */
    long rank;  /* 0 the active file, N for centrallog.log.N[.gz] */
    int gz;     /* the name ends in .gz */
} cli_textfile;

/* The rotation number of a file name: 0 for centrallog.log, N for
 * centrallog.log.N and centrallog.log.N.gz, -1 for anything else; *gz set
 * for .gz. */
long cli_text_rank(const char *name, int *gz);

/* The text files in the directory of catalog (a path; "" or a bare name:
 * the working directory), the active one first, then .1, .2, ... A
 * directory that cannot be read has none. Returns 0, or -1 out of memory
 * (*out then holds what was listed). Free with cli_text_files_free. */
int cli_text_files(const char *catalog, cli_textfile **out, size_t *n);

void cli_text_files_free(cli_textfile *v, size_t n);

#endif
