/* retention.c - see retention.h. Pure arithmetic: no clock, no files. */
#include "retention.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

const char *cl_ret_reason_name(enum cl_ret_reason r)
{
    switch (r) {
    case CL_RET_AGE:
        return "age";
    case CL_RET_DISK:
        return "disk";
    case CL_RET_FREE:
        return "free";
    default:
        return "none";
    }
}

static uint64_t share_capped(uint64_t total, unsigned percent)
{
    uint64_t v = total / 100 * percent + total % 100 * percent / 100;

    return v < CL_RET_DEFAULT_CAP_BYTES ? v : CL_RET_DEFAULT_CAP_BYTES;
}

void cl_retention_limits(const cl_ret_options *o, uint64_t fs_total, uint64_t floor_bytes,
                         cl_ret_limits *out)
{
    out->max_age_us = o->max_age_us > 0 ? o->max_age_us : 0;
    if (o->max_disk_given) {
        out->max_disk_bytes = o->max_disk;
    } else {
        out->max_disk_bytes = fs_total > 0 ? share_capped(fs_total, CL_RET_DEFAULT_MAX_DISK_PERCENT)
                                           : CL_RET_DEFAULT_CAP_BYTES;
        if (out->max_disk_bytes < floor_bytes)
            out->max_disk_bytes = floor_bytes;
    }
    if (!o->keep_free_given)
        out->keep_free_bytes =
            fs_total > 0 ? share_capped(fs_total, CL_RET_DEFAULT_KEEP_FREE_PERCENT) : 0;
    else if (o->keep_free_is_percent)
        out->keep_free_bytes = fs_total / 100 * o->keep_free + fs_total % 100 * o->keep_free / 100;
    else
        out->keep_free_bytes = o->keep_free;
}

int cl_retention_validate(const cl_ret_options *o, uint64_t db_rotate_size,
                          uint64_t text_rotate_size, char *err, size_t errlen)
{
    uint64_t need = db_rotate_size + text_rotate_size;

    if (o->keep_free_given && o->keep_free_is_percent && o->keep_free > 100) {
        snprintf(err, errlen, "--keep-free: %llu%% is more than the whole filesystem",
                 (unsigned long long)o->keep_free);
        return -1;
    }
    if (!o->max_disk_given || o->max_disk == 0 || o->max_disk >= need)
        return 0;
    snprintf(err, errlen,
             "--max-disk %llu bytes cannot hold the live partition and the text file being "
             "written (--db-rotate-size %llu + --rotate-size %llu = %llu bytes): every pass "
             "would close and remove the newest entries; raise --max-disk to at least %llu or "
             "lower --db-rotate-size",
             (unsigned long long)o->max_disk, (unsigned long long)db_rotate_size,
             (unsigned long long)text_rotate_size, (unsigned long long)need,
             (unsigned long long)need);
    return -1;
}

typedef struct order {
    size_t unit;
    int64_t newest, oldest;
} order;

static int older_first(const void *a, const void *b)
{
    const order *x = a, *y = b;

    if (x->newest != y->newest)
        return x->newest < y->newest ? -1 : 1;
    if (x->oldest != y->oldest)
        return x->oldest < y->oldest ? -1 : 1;
    return x->unit < y->unit ? -1 : x->unit > y->unit;
}

/* Whether the unit's newest entry is older than the age limit. */
static int expired(const cl_ret_unit *u, const cl_ret_limits *lim, int64_t now_us)
{
    return lim->max_age_us > 0 && u->newest_us < now_us - lim->max_age_us;
}

static void add(cl_ret_action *actions, cl_ret_plan *plan, enum cl_ret_action_kind k, size_t unit,
                enum cl_ret_reason why)
{
    actions[plan->n_actions].action = k;
    actions[plan->n_actions].unit = unit;
    actions[plan->n_actions].why = why;
    plan->n_actions++;
}

/* The reason a removable unit goes, given what is used and available once
 * the removals before it are done; CL_RET_NONE when it stays. */
static enum cl_ret_reason why_remove(const cl_ret_unit *u, const cl_ret_limits *lim, int64_t now_us,
                                     uint64_t used, uint64_t avail)
{
    if (expired(u, lim, now_us))
        return CL_RET_AGE;
    if (lim->max_disk_bytes > 0 && used > lim->max_disk_bytes)
        return CL_RET_DISK;
    if (lim->keep_free_bytes > 0 && avail < lim->keep_free_bytes)
        return CL_RET_FREE;
    return CL_RET_NONE;
}

/* The live units that must close early: see retention.h. */
static void plan_rotations(const cl_ret_unit *units, size_t n, const cl_ret_limits *lim,
                           int64_t now_us, uint64_t used, uint64_t avail, cl_ret_action *actions,
                           cl_ret_plan *plan)
{
    uint64_t live_bytes = 0;
    int short_free;

    for (size_t i = 0; i < n; i++)
        if (units[i].live)
            live_bytes += units[i].bytes;
    short_free = lim->keep_free_bytes > 0 && avail < lim->keep_free_bytes &&
                 live_bytes >= lim->keep_free_bytes - avail;
    for (size_t i = 0; i < n; i++) {
        const cl_ret_unit *u = &units[i];
        enum cl_ret_reason why = CL_RET_NONE;

        if (!u->live || u->bytes == 0)
            continue;
        if (lim->max_age_us > 0 && u->oldest_us < now_us - lim->max_age_us)
            why = CL_RET_AGE;
        else if (lim->max_disk_bytes > 0 && used > lim->max_disk_bytes)
            why = CL_RET_DISK;
        else if (short_free)
            why = CL_RET_FREE;
        if (why == CL_RET_NONE)
            continue;
        add(actions, plan, CL_RET_ROTATE, i, why);
        if (u->kind == CL_RET_PARTITION)
            plan->rotate_live = 1;
    }
}

int cl_retention_plan(const cl_ret_unit *units, size_t n, const cl_ret_limits *lim,
                      const cl_ret_fs *fs, int64_t now_us, cl_ret_action *actions,
                      cl_ret_plan *plan)
{
    order *ord = NULL;
    size_t m = 0;
    uint64_t used = 0, avail;

    if ((units == NULL && n > 0) || lim == NULL || fs == NULL || plan == NULL ||
        (actions == NULL && n > 0)) {
        errno = EINVAL;
        return -1;
    }
    plan->n_actions = plan->n_remove = 0;
    plan->rotate_live = 0;
    plan->bytes_freed = 0;
    for (size_t i = 0; i < n; i++)
        used += units[i].bytes;
    plan->bytes_used = used;
    avail = fs->avail_bytes;
    if (n > 0 && (ord = malloc(n * sizeof *ord)) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (!units[i].live)
            ord[m++] = (order){ i, units[i].newest_us, units[i].oldest_us };
    if (m > 1)
        qsort(ord, m, sizeof *ord, older_first);
    /* One walk, oldest first: age may skip a unit that disk or free then
     * take, and each removal's bytes count for the limits of the next. */
    for (size_t k = 0; k < m; k++) {
        const cl_ret_unit *u = &units[ord[k].unit];
        enum cl_ret_reason why = why_remove(u, lim, now_us, used, avail);

        if (why == CL_RET_NONE)
            continue;
        add(actions, plan, CL_RET_REMOVE, ord[k].unit, why);
        used -= u->bytes;
        avail += u->bytes;
        plan->bytes_freed += u->bytes;
    }
    free(ord);
    plan->n_remove = plan->n_actions;
    plan_rotations(units, n, lim, now_us, used, avail, actions, plan);
    return 0;
}
