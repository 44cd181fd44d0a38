/* sink_text.h - the rotating text file. Used only by the writer thread
 * (the gzip compressor it starts runs on a thread of its own, compress.h). */
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
    int rotate_keep;      /* rotated files kept, plain or compressed */
    enum cl_text_format format;
    int64_t rotate_age_us; /* rotate once the file's first entry is older; 0: never */
    int compress_level;    /* gzip rotated files at this zlib level (1-9); 0: leave plain */
} cl_text_config;

/* The defaults the daemon's options start from (config.c):
 * - rotate-age 1 day: a quiet host still gets one file per day, which is
 *   what operators grep by (logrotate's "daily", Debian's rsyslog setup), and
 *   with --rotate-keep 7 a week of text; retention by --max-age can only
 *   remove whole files, so a file must not span months.
 * - compression at level 1: text logs still shrink 5-8 times, at about a
 *   third of the CPU of level 6, and the compressor competes with ingest. */
#define CL_TEXT_DEFAULT_ROTATE_AGE_US (24LL * 3600 * 1000000)
#define CL_TEXT_DEFAULT_COMPRESS_LEVEL 1

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
    uint64_t rotations_age;    /* of the rotations, those done because of --rotate-age */
    uint64_t compressed;       /* rotated files gzipped */
    uint64_t compress_errors;  /* rotated files left plain: an error, or the queue was full */
    uint64_t removed;          /* rotated files removed by cl_text_remove_file */
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
/* Opening also tidies what a crash during compression left: the temporary
 * "<path>.gz.tmp" is removed, a plain rotated file whose complete .gz sits
 * beside it is removed, and (with compress_level > 0) plain rotated files
 * are queued for compression. */

/* Formats r into the sink's buffer, rotating first when needed. Returns 0, or
 * -1 if the line could not be kept (counted in lost_lines). */
int cl_text_append(cl_text_sink *t, const cl_record *r);

/* Hands every buffered line to the kernel. Returns 0 or -1 (errno in stats). */
int cl_text_flush(cl_text_sink *t);

/* Closes and reopens the path (SIGHUP, for an external logrotate). */
int cl_text_reopen(cl_text_sink *t);

/* Rotates now (the `rotate` command) if the file holds any entry. Returns 0
 * (also when there was nothing to rotate) or -1. */
int cl_text_rotate(cl_text_sink *t);

/* Rotates by --rotate-age if it is due: cl_text_append checks it for each
 * line; a writer that has been idle may call this so that a quiet file is
 * closed on time too. Returns 1 if it rotated, 0 if not due, -1 on error. */
int cl_text_tick(cl_text_sink *t);

/* ---- Retention (retention.h) of the text files, on the writer thread ----
 *
 * The keeper's plan is made from the units these list; removals are done
 * here, by name, on the writer thread, so that they never race a rotation's
 * renames (and the compressor is told, under its lock, of what goes):
 *
 *     cl_text_file *f; size_t n;
 *     cl_text_list_files(t, &f, &n);      // f[i] -> cl_ret_unit:
 *         // { CL_RET_TEXT_FILE, f[i].bytes, f[i].oldest_us, f[i].newest_us, f[i].active }
 *     ... cl_retention_plan(...) ...
 *     cl_text_remove_file(t, f[k].path);  // for each CL_RET_REMOVE of a text unit
 *     cl_text_rotate(t);                  // for a CL_RET_ROTATE of the active file
 *     free(f);
 */
typedef struct cl_text_file {
    char path[4400];
    uint64_t bytes;
    int64_t oldest_us; /* its first line's time (the marker's "created"); mtime if unknown */
    int64_t newest_us; /* its last modification; now for the active file */
    int active;        /* the file being written: never removed */
    int compressed;    /* a .gz */
} cl_text_file;

/* Lists the active file (first; its bytes include the compressor's .gz.tmp
 * being written) and every rotated file of ours: the chain
 * .1 .. .<keep> (plain or .gz) and the unique fallback names, newest first.
 * *out is malloc'ed (the caller frees it). Returns 0, or -1 with errno. */
int cl_text_list_files(cl_text_sink *t, cl_text_file **out, size_t *n);

/* Removes one rotated file that cl_text_list_files listed. The active file,
 * or a name that is not one of this sink's rotated files, is refused
 * (EINVAL); a file already gone gives ENOENT; on Windows a file a reader
 * holds open may be refused (EACCES): try again on a later pass. Returns 0
 * or -1 with errno. */
int cl_text_remove_file(cl_text_sink *t, const char *path);

/* Files waiting for or in compression (tests wait for 0). */
size_t cl_text_compress_pending(cl_text_sink *t);

void cl_text_get_stats(const cl_text_sink *t, cl_text_stats *st);
void cl_text_close(cl_text_sink *t);

#endif
