/* retain.h - one retention pass, on the writer thread: lists what is
 * stored (the catalog's partitions, the text files, the filesystem's free
 * space), asks the policy (retention.h) what must go, and does it - closed
 * partitions through the keeper (D1-D3), rotated text files through the text
 * sink - oldest first. The live partition and the active text file are never
 * removed; when they alone break a limit the pass says they must rotate
 * early, and the next pass removes them once closed.
 *
 * Used for the limits in force (--max-age, --max-disk, --keep-free, about
 * once a second and after each rotation) and for `centrallog vacuum` (the
 * limits it gives, once, without early rotations). */
#ifndef CL_RETAIN_H
#define CL_RETAIN_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "keeper.h"
#include "retention.h"
#include "sink_text.h"

typedef struct cl_retain_in {
    sqlite3 *cat;             /* the writer's catalog connection */
    const char *catalog_path; /* its file: the filesystem measured is its folder's */
    cl_keeper *keeper;
    cl_text_sink *text;
    uint64_t live_bytes;     /* the live partition: file and WAL */
    int64_t live_created_us; /* when its first row could have come */
    const cl_ret_limits *lim;
    int allow_rotate; /* 0: a vacuum, which never closes the live units */
    /* The keeper's last copy over its source in thousandths (0: unknown,
     * CL_SEAL_RATIO_DEFAULT is used): the partition next in line to
     * be sealed counts with the copy it will need, before the copy exists,
     * so that a seal never takes the disk past the limit. */
    uint64_t seal_ratio_permille;
    /* Entries are coming (bytes written since the last pass): the disk will
     * grow by up to next_bytes (--db-rotate-size) before the next partition
     * closes, so the partitions that growth will remove are not sealed
     * (cl_keeper_set_skip; 0 when idle). */
    int busy;
    uint64_t next_bytes;
    /* Bytes that count against the limits but that no removal gives back:
     * the catalog's files, the live partition's -shm. Counted with the
     * live partition, as is a sealed partition's former file not yet
     * removed (cl_keeper_leftover). */
    uint64_t fixed_bytes;
} cl_retain_in;

typedef struct cl_retain_out {
    cl_removal *removed; /* what went, oldest first (malloc'd; cl_retain_out_free) */
    size_t n_removed;
    uint64_t bytes_freed;
    size_t pending;        /* partitions whose file a reader still holds (removed later) */
    int rotate_db;         /* the live partition must close now */
    size_t sealing;        /* partitions waiting for the keeper */
    int rotate_text;       /* the active text file must rotate now */
    uint64_t bytes_before; /* everything stored, before the pass */
    int64_t skip_seq;      /* the hint given to the keeper (cl_keeper_set_skip) */
    char err[256];         /* the last failure ("" when none); the pass goes on past it */
} cl_retain_out;

/* Each removal's reason is the option whose limit asked for it ("max-age",
 * "max-disk", "keep-free"; a vacuum's "vacuum --older-than", "vacuum
 * --max-disk"). Text files removed carry seq -1 and entries -1; rel is the
 * file's name. Returns 0, or -1 when nothing could be listed (err). */
int cl_retain_pass(const cl_retain_in *in, int64_t now_us, cl_retain_out *out);

void cl_retain_out_free(cl_retain_out *out);

#endif
