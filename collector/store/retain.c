/* retain.c - see retain.h. */
#include "retain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_write.h"
#include "fsutil.h"

/* What each unit of the pass is: a catalog row or a text file. */
typedef struct unit_ref {
    int64_t seq;      /* partition; -1 for a text file */
    size_t text;      /* index into the text files */
    const cl_part *p; /* partition row */
} unit_ref;

static int push_removal(cl_retain_out *out, const cl_removal *rm)
{
    cl_removal *v = realloc(out->removed, (out->n_removed + 1) * sizeof *v);

    if (v == NULL)
        return -1;
    out->removed = v;
    v[out->n_removed++] = *rm;
    return 0;
}

/* Bytes of the keeper's copy of a partition being sealed (0: none now),
 * with the rollback journal of its last transaction (seal.c). */
static uint64_t seal_copy_bytes(const char *catalog_path, int64_t first_id)
{
    char dir[4096], name[CL_PART_NAME_MAX], path[4400];
    cl_file_id id;
    uint64_t n = 0;

    if (cl_catalog_parts_dir(catalog_path, dir, sizeof dir) != 0)
        return 0;
    cl_part_seal_tmp_name(first_id, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (cl_file_id_path(path, &id) == 0)
        n += id.size;
    snprintf(path, sizeof path, "%s/%s-journal", dir, name);
    if (cl_file_id_path(path, &id) == 0)
        n += id.size;
    return n;
}

/* Whether the keeper leaves parts->v[i] unsealed (keeper.c: skipped). */
static int skipped(const cl_retain_in *in, const cl_part_list *parts, size_t i)
{
    if (in->keeper == NULL || parts->v[i].seq > cl_keeper_skip(in->keeper))
        return 0;
    for (size_t j = i + 1; j < parts->n; j++)
        if (parts->v[j].state == CL_PART_SEALING)
            return 1;
    return 0;
}

/* The last partition that the growth until the next rotation would remove
 * (oldest first, after this pass's removals), if it waits to be sealed:
 * sealing it would be work and disk spent on data about to go. Text files
 * are left out (they count as staying): at worst a partition is sealed
 * that could have been skipped. */
static int64_t doomed(const cl_retain_in *in, const cl_part_list *parts, const cl_ret_unit *u,
                      const int *gone, const cl_ret_plan *plan)
{
    uint64_t used = plan->bytes_used - plan->bytes_freed + in->next_bytes;
    int64_t last = 0;

    if (!in->busy || in->lim->max_disk_bytes == 0)
        return 0;
    for (size_t i = 0; i < parts->n && used > in->lim->max_disk_bytes; i++) {
        if (gone[i] || u[i].live)
            continue;
        used -= u[i].bytes < used ? u[i].bytes : used;
        if (parts->v[i].state == CL_PART_SEALING)
            last = parts->v[i].seq;
    }
    return last;
}

/* The units: closed partitions (removable), sealing ones (removable too,
 * the first the keeper will seal counting its copy), the live one, then the
 * text files. */
static size_t list_units(const cl_retain_in *in, const cl_part_list *parts, const cl_text_file *tf,
                         size_t ntf, int64_t now, cl_ret_unit *u, unit_ref *ref, cl_retain_out *out)
{
    size_t n = 0;
    uint64_t ratio = in->seal_ratio_permille > 0 ? in->seal_ratio_permille : CL_SEAL_RATIO_DEFAULT;
    int reserved = 0;

    for (size_t i = 0; i < parts->n; i++) {
        const cl_part *p = &parts->v[i];
        cl_ret_unit *x = &u[n];

        memset(x, 0, sizeof *x);
        x->kind = CL_RET_PARTITION;
        if (p->state == CL_PART_CLOSED) {
            x->bytes = p->bytes > 0 ? (uint64_t)p->bytes : 0;
            x->oldest_us = p->has_range ? p->min_received : p->created;
            x->newest_us = p->has_range ? p->max_received : p->sealed;
        } else if (p->state == CL_PART_LIVE) {
            x->bytes = in->live_bytes + in->fixed_bytes + cl_keeper_leftover(in->keeper);
            x->oldest_us = in->live_created_us;
            x->newest_us = now;
            x->live = 1;
        } else { /* sealing: the oldest data too, when the keeper lags */
            uint64_t copy, need;

            x->bytes = cl_db_file_bytes(p->path);
            /* ... and the copy the keeper builds of it: the first in line
             * (the keeper seals in this order) counts with the whole copy
             * it will need, whether or not the keeper has started it. */
            copy = seal_copy_bytes(in->catalog_path, p->first_id);
            need = !reserved && !skipped(in, parts, i)
                       ? x->bytes / 1000 * ratio + x->bytes % 1000 * ratio / 1000
                       : 0;
            reserved |= need > 0;
            x->bytes += copy > need ? copy : need;
            out->sealing++;
            /* Its entries came between its start and the next one's. */
            x->oldest_us = p->created;
            x->newest_us = i + 1 < parts->n ? parts->v[i + 1].created : now;
        }
        ref[n].seq = p->seq;
        ref[n].p = p;
        n++;
    }
    for (size_t i = 0; i < ntf; i++) {
        cl_ret_unit *x = &u[n];

        memset(x, 0, sizeof *x);
        x->kind = CL_RET_TEXT_FILE;
        x->bytes = tf[i].bytes;
        x->oldest_us = tf[i].oldest_us;
        x->newest_us = tf[i].newest_us;
        x->live = tf[i].active;
        ref[n].seq = -1;
        ref[n].text = i;
        ref[n].p = NULL;
        n++;
    }
    return n;
}

/* The limit as the option that set it, or the vacuum that asked. */
static const char *reason(const cl_retain_in *in, enum cl_ret_reason why)
{
    if (!in->allow_rotate)
        return why == CL_RET_AGE ? "vacuum --older-than" : "vacuum --max-disk";
    return why == CL_RET_AGE ? "max-age" : why == CL_RET_DISK ? "max-disk" : "keep-free";
}

static void remove_partition(const cl_retain_in *in, const unit_ref *r, enum cl_ret_reason why,
                             cl_retain_out *out)
{
    char err[256];
    cl_removal rm;
    int rc = cl_keeper_remove(in->keeper, r->seq, reason(in, why), &rm, err, sizeof err);

    if (rc != 0) {
        if (rc < 0)
            snprintf(out->err, sizeof out->err, "%s", err);
        return; /* 1: no longer a closed partition (a vacuum raced us) */
    }
    out->bytes_freed += rm.bytes > 0 ? (uint64_t)rm.bytes : 0;
    out->pending += rm.pending != 0;
    push_removal(out, &rm);
}

static const char *base_name(const char *path)
{
    const char *s = cl_path_last_sep(path);

    return s != NULL ? s + 1 : path;
}

static void remove_text(const cl_retain_in *in, const cl_text_file *f, enum cl_ret_reason why,
                        cl_retain_out *out)
{
    cl_removal rm;
    int rc = cl_text_remove_file(in->text, f->path);

    if (rc != 0) {
        if (rc != ENOENT)
            snprintf(out->err, sizeof out->err, "cannot remove %.160s: %.60s", f->path,
                     strerror(rc));
        return;
    }
    memset(&rm, 0, sizeof rm);
    rm.seq = -1;
    /* Its name: the text files sit in one folder, named in the notices. */
    snprintf(rm.rel, sizeof rm.rel, "%.127s", base_name(f->path));
    snprintf(rm.reason, sizeof rm.reason, "%s", reason(in, why));
    rm.entries = rm.rejects = -1;
    rm.bytes = (int64_t)f->bytes;
    rm.has_range = 1;
    rm.min_ts = f->oldest_us;
    rm.max_ts = f->newest_us;
    out->bytes_freed += f->bytes;
    push_removal(out, &rm);
}

int cl_retain_pass(const cl_retain_in *in, int64_t now_us, cl_retain_out *out)
{
    cl_part_list parts = { NULL, 0 };
    cl_text_file *tf = NULL;
    size_t ntf = 0, n;
    cl_ret_unit *u = NULL;
    unit_ref *ref = NULL;
    cl_ret_action *act = NULL;
    int *gone = NULL;
    cl_ret_plan plan;
    cl_ret_fs fs = { 0, 0 };
    int rc = -1;

    memset(out, 0, sizeof *out);
    if (cl_catw_list_all(in->cat, in->catalog_path, &parts, out->err, sizeof out->err) != 0)
        return -1;
    if (in->text != NULL && cl_text_list_files(in->text, &tf, &ntf) != 0)
        ntf = 0;
    n = parts.n + ntf;
    u = calloc(n ? n : 1, sizeof *u);
    ref = calloc(n ? n : 1, sizeof *ref);
    act = calloc(n ? n : 1, sizeof *act);
    if (u == NULL || ref == NULL || act == NULL) {
        snprintf(out->err, sizeof out->err, "out of memory");
        goto done;
    }
    n = list_units(in, &parts, tf, ntf, now_us, u, ref, out);
    if (cl_fs_space(in->catalog_path, &fs.total_bytes, &fs.avail_bytes) != 0)
        fs.total_bytes = fs.avail_bytes = 0; /* unknown: keep-free cannot act */
    if (cl_retention_plan(u, n, in->lim, &fs, now_us, act, &plan) != 0) {
        snprintf(out->err, sizeof out->err, "retention plan failed");
        goto done;
    }
    out->bytes_before = plan.bytes_used;
    if ((gone = calloc(n ? n : 1, sizeof *gone)) == NULL) {
        snprintf(out->err, sizeof out->err, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < plan.n_actions; i++) {
        const unit_ref *r = &ref[act[i].unit];

        if (act[i].action == CL_RET_REMOVE) {
            gone[act[i].unit] = 1;
            if (r->seq >= 0)
                remove_partition(in, r, act[i].why, out);
            else
                remove_text(in, &tf[r->text], act[i].why, out);
        } else if (act[i].action == CL_RET_ROTATE && in->allow_rotate) {
            /* Not while partitions wait to be sealed: they are the excess,
             * and closing the live one early would only add to them (and
             * to the keeper's work) - a storm of tiny partitions. */
            if (r->seq >= 0 && r->p->state == CL_PART_LIVE && out->sealing == 0)
                out->rotate_db = 1;
            else if (r->seq < 0)
                out->rotate_text = 1;
        }
    }
    if (in->allow_rotate && in->keeper != NULL) {
        out->skip_seq = doomed(in, &parts, u, gone, &plan);
        cl_keeper_set_skip(in->keeper, out->skip_seq);
    }
    rc = 0;
done:
    free(gone);
    free(u);
    free(ref);
    free(act);
    free(tf);
    cl_part_list_free(&parts);
    return rc;
}

void cl_retain_out_free(cl_retain_out *out)
{
    free(out->removed);
    out->removed = NULL;
    out->n_removed = 0;
}
