/* sink_text.h - the rotating text file. Used only by the writer thread. */
#ifndef CL_SINK_TEXT_H
#define CL_SINK_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "textfmt.h"

typedef struct cl_text_sink cl_text_sink;

typedef struct cl_text_config {
    const char *path;
    uint64_t rotate_size; /* rotate before a line would take the file past it */
    int rotate_keep;      /* rotated files kept */
    enum cl_text_format format;
} cl_text_config;

typedef struct cl_text_stats {
    uint64_t lines;
    uint64_t rotations;
    uint64_t errors;     /* failed writes/opens */
    uint64_t lost_lines; /* lines that could not be written */
    uint64_t file_size;
    uint64_t repaired_bytes;   /* torn tail cut off when opening (after a crash) */
    uint64_t reopens;          /* the file was removed or renamed under us */
    uint64_t rotate_fallbacks; /* rotations that used a fallback name (squatted .N) */
    uint64_t rotate_errors;    /* rotations that could not be done (lines kept) */
    int last_errno;
    int rotate_errno;       /* why the last rotation failed */
    char last_error[1024];  /* a refusal explained (foreign file, FIFO, link); "" otherwise */
    char rotate_note[1024]; /* the first squatted name and its fallback, or why rotation failed */
} cl_text_stats;

/* Opens (creating with mode 0640, and the directory with 0750) for append.
 * A new file starts with the collector's marker line; an existing one must
 * start with it (a file the collector did not create is refused), and a
 * torn last line (a crash during a write) is cut off. Only regular files
 * are accepted; in a directory others may write, links are not followed,
 * and a world-writable directory without the sticky bit is refused. */
int cl_text_open(cl_text_sink **out, const cl_text_config *cfg, char *err, size_t errlen);

/* Formats r into the sink's buffer, rotating first when needed. Returns 0, or
 * -1 if the line could not be kept (counted in lost_lines). */
int cl_text_append(cl_text_sink *t, const cl_record *r);

/* Hands every buffered line to the kernel. Returns 0 or -1 (errno in stats). */
int cl_text_flush(cl_text_sink *t);

/* Closes and reopens the path (SIGHUP, for an external logrotate). */
int cl_text_reopen(cl_text_sink *t);

void cl_text_get_stats(const cl_text_sink *t, cl_text_stats *st);
void cl_text_close(cl_text_sink *t);

#endif
