/* rotate.h - rotation of the text file, logrotate style:
 * name -> name.1 -> name.2 ... -> name.<keep>, oldest dropped. Renaming (not
 * copying) lets `tail -F` finish the old file and pick up the new one without
 * losing or duplicating a line. A slot holds its file plain ("name.2") or
 * compressed ("name.2.gz", compress.h); both move together. */
#ifndef CL_ROTATE_H
#define CL_ROTATE_H

#include <stddef.h>

/* "<base>.<i>" for i >= 1, "<base>" for i == 0. Returns 0, or -1 if too long. */
int cl_rotate_name(const char *base, int i, char *out, size_t outlen);

/* What a shift had to work around. */
typedef struct cl_rotate_result {
    int fallbacks;       /* slots that used a fallback name */
    int unique;          /* ... of which a unique "<name>~<UTC time>" one */
    char squatted[4200]; /* the first name held by someone else */
    char fallback[4200]; /* ... and the name used instead */
    char rotated[4400];  /* where base went ("" if it did not exist) */
} cl_rotate_result;

/* Told of every rename (to: the new name) and removal (to: NULL) a shift or
 * prune does to a rotated file, so that a background compressor can follow
 * the file it works on (compress.h: cl_compressor_moved). */
typedef void (*cl_rotate_moved_fn)(void *arg, const char *from, const char *to);

/* Shifts base.(keep-1) -> base.keep ... base -> base.1. With keep == 0 the
 * current file is removed. Missing files are skipped. A slot whose name is
 * another user's file (or not a regular file) uses "<name>~1" .. "~9"
 * instead, and when all ten are taken a unique "<name>~<UTC time>[-N]",
 * reported in res (may be NULL); the collector's own uniquely named files
 * beyond keep (counting the chain) are removed, oldest first. Returns 0, or
 * -1 with errno set by the rename that failed. */
int cl_rotate_shift(const char *base, int keep, cl_rotate_result *res);

/* cl_rotate_shift, telling moved(arg, ...) of each rename and removal. */
int cl_rotate_shift_ex(const char *base, int keep, cl_rotate_result *res, cl_rotate_moved_fn moved,
                       void *arg);

/* The name rotated file i (>= 1) has now: "<base>.<i>" or the fallback the
 * shifts use. Returns 0, or -1 (every name squatted, or too long). */
int cl_rotate_slot_path(const char *base, int i, char *out, size_t outlen);

/* A rotated file of ours, as cl_rotate_list finds it. */
typedef struct cl_rotated_file {
    char path[4400];
    int slot;       /* 1..keep; 0 for a uniquely named one */
    int compressed; /* the name ends in ".gz" */
} cl_rotated_file;

/* Lists the rotated files of base that are ours (regular files of our
 * user): every slot 1..keep, plain and .gz, then the unique names. *out is
 * malloc'ed (free it); *n may be 0. Returns 0, or -1 with errno. */
int cl_rotate_list(const char *base, int keep, cl_rotated_file **out, size_t *n);

#endif
