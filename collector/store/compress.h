/* compress.h - gzip of rotated text files, on a thread of its own.
 *
 * The writer thread only queues a name (cl_compressor_submit never waits on
 * I/O); one file at a time is compressed to a temporary name, flushed to the
 * disk, renamed to "<name>.gz" and only then is the plain file removed. A
 * crash at any point leaves the plain file, or a complete .gz (with perhaps
 * the plain one still beside it, which cl_compress_cleanup removes) and a
 * stale temporary file (removed by cl_compress_cleanup at start).
 *
 * The rotation renames files while one is being compressed. Both sides hold
 * the compressor's lock for renames: the writer's shift, told to
 * cl_compressor_moved, updates the names of the queued and the current
 * files; the compressor's final rename and unlink happen under the lock at
 * the name the file has then. So no rename races another. The lock is held
 * only around renames and unlinks, never while compressing.
 */
#ifndef CL_COMPRESS_H
#define CL_COMPRESS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cl_compressor cl_compressor;

typedef struct cl_compress_stats {
    uint64_t files;     /* compressed and renamed into place */
    uint64_t bytes_in;  /* of those files, plain */
    uint64_t bytes_out; /* ... and compressed */
    uint64_t errors;    /* failed (file left plain) */
    uint64_t dropped;   /* not queued: the queue was full (file left plain) */
    uint64_t cancelled; /* removed or replaced while queued or in progress */
    int last_errno;
} cl_compress_stats;

/* Most names waiting; beyond them a file stays plain (and is compressed at
 * the next start). More than --rotate-keep is pointless anyway. */
#define CL_COMPRESS_QUEUE_MAX 64

/* Starts the thread. tmp is the temporary file's name (cl_compress_tmp_name),
 * level zlib's 1-9. Returns 0, or -1 with errno. */
int cl_compressor_start(cl_compressor **out, const char *tmp, int level);

/* Stops the thread: a file in progress is abandoned (its temporary file
 * removed; the plain file stays, to be compressed at the next start).
 * Accepts NULL. */
void cl_compressor_stop(cl_compressor *c);

/* Queues path for compression to "<path>.gz". Takes the lock. Returns 0, or
 * -1 if the queue is full (counted in dropped) or memory is short. */
int cl_compressor_submit(cl_compressor *c, const char *path);

/* The lock around renames and removals of rotated files (see above). */
void cl_compressor_lock(cl_compressor *c);
void cl_compressor_unlock(cl_compressor *c);

/* With the lock held: the file at from is now at to (to NULL: removed, or
 * another file was renamed over it). A rotate.h cl_rotate_moved_fn with arg
 * the compressor. */
void cl_compressor_moved(void *compressor, const char *from, const char *to);

/* Files queued or in progress (tests wait for 0). Takes the lock. */
size_t cl_compressor_pending(cl_compressor *c);

void cl_compressor_get_stats(cl_compressor *c, cl_compress_stats *st);

/* Lowers the calling thread's priority (nice 10 on Linux, below normal on
 * Windows): the compressor runs behind ingest, never ahead of it. Platform
 * code: compress_posix.c, compress_win32.c. */
void cl_compress_lower_priority(void);

/* "<base>.gz.tmp": the one temporary name of base's compressor (a name no
 * rotation, zgrep *.gz or logrotate glob takes for a log). Returns 0 or -1. */
int cl_compress_tmp_name(const char *base, char *out, size_t outlen);

/* Compresses src into a new file dst (gzip, level 1-9), flushed to the disk,
 * with src's modification time. dst must not exist (EEXIST: nothing is
 * written or removed, so a name planted in a shared directory is safe).
 * stop, if not NULL, is read between blocks: non-zero abandons (errno
 * ECANCELED). *in_bytes and *out_bytes get the sizes. Returns 0, or -1 with
 * errno (dst removed). Synchronous: what the thread runs. */
int cl_gzip_file(int src_fd, const char *dst, int level, const atomic_int *stop, uint64_t *in_bytes,
                 uint64_t *out_bytes);

#endif
