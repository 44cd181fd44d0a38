/* retention.h - which whole units of stored logs to remove, and when the
 * live ones must close early: the arithmetic of --max-age, --max-disk and
 * --keep-free, with no I/O (the caller lists the units and the filesystem's
 * space, then acts on the plan on the thread that owns the files).
 *
 * A unit is a database partition or a text file. The live partition and the
 * text file being written are never removed; everything else goes whole,
 * oldest first, as journald vacuums its journal files:
 *   1. age:  a unit whose newest entry is older than max_age;
 *   2. disk: while all units together (live ones included) use more than
 *            max_disk, the oldest remaining;
 *   3. free: while the filesystem has less than keep_free available (counting
 *            what 1 and 2 give back), the oldest remaining.
 * "Oldest" is by newest time (the unit that stopped receiving first), then
 * oldest time, then the caller's order: partitions and text files interleave.
 *
 * When removing every other unit still leaves a limit broken, the live units
 * themselves must close so that the next pass can remove them (see
 * cl_ret_plan). Typical use, on each keeper pass:
 *
 *     cl_ret_limits lim;
 *     cl_retention_limits(&cfg.retention, fs_total, floor, &lim);   // at start
 *     ...
 *     cl_ret_plan plan;
 *     cl_retention_plan(units, n, &lim, &fs, cl_now_us(), actions, &plan);
 *     for (size_t i = 0; i < plan.n_actions; i++) ... actions[i] ...
 */
#ifndef CL_RETENTION_H
#define CL_RETENTION_H

#include <stddef.h>
#include <stdint.h>

/* journald's defaults (SystemMaxUse=, SystemKeepFree=): a share of the
 * filesystem, capped, so that the same binary is sane on a 2 GiB SD card and
 * on a 2 TiB server. */
#define CL_RET_DEFAULT_MAX_DISK_PERCENT 10u
#define CL_RET_DEFAULT_KEEP_FREE_PERCENT 15u
#define CL_RET_DEFAULT_CAP_BYTES (4ULL << 30)

enum cl_ret_kind { CL_RET_PARTITION = 0, CL_RET_TEXT_FILE = 1 };

typedef struct cl_ret_unit {
    enum cl_ret_kind kind;
    uint64_t bytes;
    int64_t oldest_us; /* time of its oldest entry (µs since the epoch) */
    int64_t newest_us; /* ... of its newest (a text file: its mtime is fine) */
    int live;          /* the live partition or the active text file: never removed */
} cl_ret_unit;

/* Which limit caused an action. Stable numbers (they may be logged). */
enum cl_ret_reason { CL_RET_NONE = 0, CL_RET_AGE = 1, CL_RET_DISK = 2, CL_RET_FREE = 3 };

/* "age", "disk", "free" ("none" for CL_RET_NONE): for logs and stats. */
const char *cl_ret_reason_name(enum cl_ret_reason r);

/* The options as given. A field left at its zero value means "not given",
 * so that cl_retention_limits applies the default. */
typedef struct cl_ret_options {
    int64_t max_age_us;       /* 0: no age limit (the default) */
    int max_disk_given;       /* --max-disk was given (max_disk 0: off) */
    uint64_t max_disk;        /* bytes */
    int keep_free_given;      /* --keep-free was given */
    int keep_free_is_percent; /* keep_free is a percentage (0-100) of the filesystem */
    uint64_t keep_free;       /* bytes, or percent; 0: off */
} cl_ret_options;

/* The limits in force, in bytes and µs; 0 means no limit of that kind. */
typedef struct cl_ret_limits {
    int64_t max_age_us;
    uint64_t max_disk_bytes;
    uint64_t keep_free_bytes;
} cl_ret_limits;

/* The filesystem that holds the units (fsutil.h: cl_fs_space). */
typedef struct cl_ret_fs {
    uint64_t total_bytes;
    uint64_t avail_bytes; /* available to the collector's user */
} cl_ret_fs;

/* Computes the limits in force from the options and the size of the
 * filesystem (fs_total; 0 if unknown). Defaults: max-disk 10% of the
 * filesystem capped at 4 GiB, and never below floor_bytes (what the live
 * units hold at most: --db-rotate-size + --rotate-size), so that the default
 * cannot make a small filesystem unusable; keep-free 15% capped at 4 GiB.
 * With fs_total unknown, max-disk defaults to the cap and keep-free to off.
 * A --keep-free percentage applies to fs_total, uncapped (it was asked). */
void cl_retention_limits(const cl_ret_options *o, uint64_t fs_total, uint64_t floor_bytes,
                         cl_ret_limits *out);

/* The start-up check of the options against the unit sizes: an explicit
 * --max-disk must hold the live partition and the active text file at their
 * largest (db_rotate_size + text_rotate_size), or every pass would close and
 * remove the newest data. Returns 0, or -1 with err saying what to change. */
int cl_retention_validate(const cl_ret_options *o, uint64_t db_rotate_size,
                          uint64_t text_rotate_size, char *err, size_t errlen);

enum cl_ret_action_kind { CL_RET_REMOVE = 1, CL_RET_ROTATE = 2 };

typedef struct cl_ret_action {
    enum cl_ret_action_kind action;
    size_t unit; /* index into the caller's units */
    enum cl_ret_reason why;
} cl_ret_action;

typedef struct cl_ret_plan {
    size_t n_actions;    /* actions[0..n): removals oldest first, then rotations */
    size_t n_remove;     /* of which removals */
    int rotate_live;     /* a live partition must rotate early (an action says which) */
    uint64_t bytes_used; /* all units, before the plan */
    uint64_t bytes_freed;
} cl_ret_plan;

/* Plans one retention pass over units[0..n) at time now. actions must have
 * room for n entries (a unit gets at most one action). Removals come first,
 * oldest first, each with the first limit (age, disk, free) that asks for it.
 * Then a live unit gets CL_RET_ROTATE:
 *   age:  when it holds an entry older than max_age (its oldest);
 *   disk: when all units left still use more than max_disk and it holds data;
 *   free: when free space is still short and closing the live units would
 *         give back enough (data that would not fix the shortage is kept).
 * Pure: reads only its arguments. Returns 0, or -1 (EINVAL) on NULL input. */
int cl_retention_plan(const cl_ret_unit *units, size_t n, const cl_ret_limits *lim,
                      const cl_ret_fs *fs, int64_t now_us, cl_ret_action *actions,
                      cl_ret_plan *plan);

#endif
