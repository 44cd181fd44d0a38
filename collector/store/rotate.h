/* rotate.h - size-based rotation of the text file, logrotate style:
 * name -> name.1 -> name.2 ... -> name.<keep>, oldest dropped. Renaming (not
 * copying) lets `tail -F` finish the old file and pick up the new one without
 * losing or duplicating a line. */
#ifndef CL_ROTATE_H
#define CL_ROTATE_H

#include <stddef.h>

/* "<base>.<i>" for i >= 1, "<base>" for i == 0. Returns 0, or -1 if too long. */
int cl_rotate_name(const char *base, int i, char *out, size_t outlen);

/* What a shift had to work around. */
typedef struct cl_rotate_result {
    int fallbacks;       /* slots that used a fallback name */
    char squatted[4200]; /* the first name held by someone else */
    char fallback[4200]; /* ... and the name used instead */
} cl_rotate_result;

/* Shifts base.(keep-1) -> base.keep ... base -> base.1. With keep == 0 the
 * current file is removed. Missing files are skipped. A slot whose name is
 * another user's file (or not a regular file) uses "<name>~1" .. "~9"
 * instead, reported in res (may be NULL). Returns 0, or -1 with errno set
 * by the rename that failed (EEXIST: every name of a slot is squatted). */
int cl_rotate_shift(const char *base, int keep, cl_rotate_result *res);

#endif
