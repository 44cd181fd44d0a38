/* keeper.c - see keeper.h. */
#include "keeper.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_write.h"
#include "timefmt.h"
#include "clock.h"
#include "crash.h"
#include "fsutil.h"
#include "keeper_os.h"
#include "seal.h"

/* A pass runs at least this often without a wake-up: it retries removals
 * a reader refused and seals that failed. */
#define PASS_MS 2000
/* A seal that failed (a full disk, a damaged file) is tried again after a
 * pause that doubles up to this: each attempt copies the whole partition. */
#define SEAL_RETRY_MAX_US (300 * 1000000LL)

struct cl_keeper {
    char *catalog_path;
    sqlite3 *cat; /* the thread's connection */
    int fts;      /* seals build the full-text index */
    pthread_t thread;
    int started;
    pthread_mutex_t mu, rm_mu;
    pthread_cond_t cv;
    int woken;             /* guarded by mu */
    int64_t seal_at_us;    /* thread: no seal before this (after failures) */
    int64_t seal_pause_us; /* thread: the current pause */
    /* thread: the last seal failed for want of space; free space this large
     * lets the next attempt start at once (0: not waiting for space). */
    uint64_t seal_need;
    atomic_int stop; /* also interrupts a seal in progress */
    /* The seal in progress: its partition's seq (0: none), and the flag
     * that interrupts it (shutdown, or retention removed that partition). */
    atomic_llong seal_seq;
    atomic_int seal_abort;
    atomic_ullong events;   /* seals and removals done: cl_keeper_events */
    atomic_llong skip;      /* cl_keeper_set_skip */
    atomic_ullong leftover; /* cl_keeper_leftover */
    cl_keeper_stats st;     /* guarded by mu */
    /* Closed partitions found missing or cut short (by someone else), said
     * once each: their seqs (thread), and those not yet taken (mu). */
    int64_t *faulty;
    size_t n_faulty;
    cl_removal *fq;
    size_t n_fq;
};

/* Removes a database file and what SQLite keeps beside it. The main file's
 * outcome is returned: the others follow it (a refused -wal is swept up
 * with the main file's next attempt or as an orphan). */
int cl_keeper_unlink_db(const char *path)
{
    static const char *const sfx[] = { "-wal", "-shm", "-journal" };
    char p[4200];
    int rc = cl_keeper_unlink(path);

    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        snprintf(p, sizeof p, "%s%s", path, sfx[i]);
        cl_keeper_unlink(p);
    }
    return rc;
}

static void set_error(cl_keeper_stats *st, const char *err)
{
    snprintf(st->last_error, sizeof st->last_error, "%s", err);
}

/* The files of the partitions folder, by name. */
typedef struct names {
    char (*v)[CL_PART_NAME_MAX];
    size_t n, cap;
} names;

static int collect(const char *name, void *arg)
{
    names *ns = arg;

    if (strlen(name) >= CL_PART_NAME_MAX)
        return 0;
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 32;
        void *nv = realloc(ns->v, cap * sizeof *ns->v);

        if (nv == NULL)
            return 1;
        ns->v = nv;
        ns->cap = cap;
    }
    memcpy(ns->v[ns->n++], name, strlen(name) + 1);
    return 0;
}

static int list_names(const char *catalog_path, char *dir, size_t dirlen, names *ns)
{
    memset(ns, 0, sizeof *ns);
    if (cl_catalog_parts_dir(catalog_path, dir, dirlen) != 0)
        return -1;
    if (cl_keeper_list_dir(dir, collect, ns) != 0)
        return errno == ENOENT ? 0 : -1;
    return 0;
}

/* The file name part of a catalog-relative path. */
static const char *base_name(const char *rel)
{
    const char *s = strrchr(rel, '/');

    return s != NULL ? s + 1 : rel;
}

static const cl_part *row_named(const cl_part_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(base_name(l->v[i].rel), name) == 0)
            return &l->v[i];
    return NULL;
}

/* Whether a file starting at fid is a leftover of a listed partition: its
 * id range lies in a row that is not live (the row names another file: the
 * seal's copy or the former live file), or, with no writer running, it is
 * empty and at or after the live row's start (a rotation that stopped
 * before its catalog transaction: nothing was written into it). A file
 * there with rows in it is no leftover of ours: it is left alone. */
static int covered(const cl_part_list *l, int64_t fid, int at_start, const char *path)
{
    for (size_t i = 0; i < l->n; i++) {
        const cl_part *p = &l->v[i];

        if (p->state == CL_PART_LIVE) {
            cl_part_probe pr;
            char err[256];

            if (at_start && fid >= p->first_id &&
                cl_part_probe_file(path, &pr, err, sizeof err) == 0 && pr.last_id < pr.first_id &&
                pr.last_reject < pr.first_reject)
                return 1;
            continue;
        }
        if (fid == p->first_id || (fid > p->first_id && p->last_id >= 0 && fid <= p->last_id))
            return 1;
    }
    return 0;
}

/* Whether fid is at or after the live row's start. */
static int after_live(const cl_part_list *l, int64_t fid)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].state == CL_PART_LIVE && fid >= l->v[i].first_id)
            return 1;
    return 0;
}

/* Lists a partition file the catalog does not know (with no writer
 * running): a sealed one as 'closed' with its facts, anything else as
 * 'sealing' for the keeper to seal. */
static int adopt(sqlite3 *cat, const char *catalog_path, const char *dir, const char *name,
                 cl_keeper_stats *st, char *err, size_t errlen)
{
    char path[4200], rel[4200];
    cl_part_probe pr;
    cl_part f;
    int64_t seq;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (cl_part_probe_file(path, &pr, err, errlen) != 0 ||
        cl_part_rel_path(catalog_path, name, rel, sizeof rel) != 0)
        return -1;
    /* Empty (a start that stopped before its first row): nothing to keep,
     * and its name is the one the new live partition will take. */
    if (pr.last_id < pr.first_id && pr.last_reject < pr.first_reject) {
        if (cl_keeper_unlink_db(path) != CL_UNLINK_REFUSED)
            st->repairs++;
        return 0;
    }
    if (cl_catw_add(cat, rel, CL_PART_SEALING, pr.first_id, pr.last_id, pr.first_reject,
                    pr.last_reject, cl_now_us(), &seq, err, errlen) != 0)
        return -1;
    st->repairs++;
    if (!pr.sealed)
        return 0;
    memset(&f, 0, sizeof f);
    if (cl_seal_facts(path, &f, err, errlen) != 0)
        return -1;
    return cl_catw_close(cat, seq, rel, &f, cl_now_us(), err, errlen) < 0 ? -1 : 0;
}

/* D2 and D3 for a row already 'deleting'. */
static int finish_removal(sqlite3 *cat, const cl_part *p, cl_keeper_stats *st, char *err,
                          size_t errlen)
{
    cl_crash_point("D2");
    if (cl_keeper_unlink_db(p->path) == CL_UNLINK_REFUSED) {
        st->unlink_retries++;
        snprintf(err, errlen, "cannot remove %s (%s): retried", p->path, strerror(errno));
        return 1;
    }
    cl_crash_point("D3");
    if (cl_catw_delete(cat, p->seq, err, errlen) != 0)
        return -1;
    st->removals++;
    return 0;
}

int cl_keeper_sweep(sqlite3 *cat, const char *catalog_path, int at_start, cl_keeper_stats *st,
                    char *err, size_t errlen)
{
    cl_part_list l = { NULL, 0 };
    names ns;
    char dir[4096], path[4200];
    int rc = 0;

    if (cl_catw_list_all(cat, catalog_path, &l, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < l.n; i++)
        if (l.v[i].state == CL_PART_DELETING && finish_removal(cat, &l.v[i], st, err, errlen) < 0)
            rc = -1;
    if (list_names(catalog_path, dir, sizeof dir, &ns) != 0) {
        snprintf(err, errlen, "cannot read the partitions folder: %s", strerror(errno));
        cl_part_list_free(&l);
        return -1;
    }
    for (size_t i = 0; i < ns.n; i++) {
        const char *name = ns.v[i];
        int64_t fid;
        enum cl_part_file kind = cl_part_name_parse(name, &fid);

        if (kind == CL_PF_OTHER || row_named(&l, name) != NULL)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (kind == CL_PF_SEAL_TMP || covered(&l, fid, at_start, path)) {
            int u = kind == CL_PF_SEAL_TMP ? cl_keeper_unlink(path) : cl_keeper_unlink_db(path);

            if (u == CL_UNLINK_DONE)
                st->repairs++;
            else if (u == CL_UNLINK_REFUSED)
                st->unlink_retries++;
        } else if (at_start && !after_live(&l, fid) &&
                   adopt(cat, catalog_path, dir, name, st, err, errlen) != 0) {
            rc = -1;
        }
    }
    free(ns.v);
    cl_part_list_free(&l);
    return rc;
}

/* The sealed file of partition fid if one exists complete (S2 done, S3 not):
 * its name in out. */
static int find_sealed(const char *catalog_path, int64_t fid, char *out)
{
    names ns;
    char dir[4096], path[4200], err[256];
    int found = 0;

    if (list_names(catalog_path, dir, sizeof dir, &ns) != 0)
        return 0;
    for (size_t i = 0; i < ns.n && !found; i++) {
        int64_t id;
        cl_part_probe pr;

        if (cl_part_name_parse(ns.v[i], &id) != CL_PF_CLOSED || id != fid)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, ns.v[i]);
        if (cl_part_probe_file(path, &pr, err, sizeof err) == 0 && pr.sealed) {
            memcpy(out, ns.v[i], CL_PART_NAME_MAX);
            found = 1;
        }
    }
    free(ns.v);
    return found;
}

/* Whether partition seq is still listed as 'sealing' (retention may have
 * removed it while its copy was being built). */
static int still_sealing(cl_keeper *k, int64_t seq)
{
    sqlite3_stmt *st = NULL;
    int yes = 0;

    if (sqlite3_prepare_v2(k->cat, "SELECT state = 'sealing' FROM partitions WHERE seq = ?1", -1,
                           &st, NULL) == SQLITE_OK &&
        sqlite3_bind_int64(st, 1, seq) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        yes = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return yes;
}

/* S1 with the seal made interruptible by a removal of its partition
 * (cl_keeper_remove) as well as by shutdown. */
static int build_copy(cl_keeper *k, const cl_part *p, const char *tmp, char *err, size_t errlen)
{
    int rc;

    atomic_store(&k->seal_abort, atomic_load(&k->stop));
    atomic_store(&k->seal_seq, (long long)p->seq);
    /* A removal between the listing and here: not worth a copy. */
    if (!still_sealing(k, p->seq))
        atomic_store(&k->seal_abort, 1);
    rc = cl_seal_build(p->path, tmp, p->first_id, p->last_id, p->first_reject, p->last_reject,
                       k->fts, &k->seal_abort, err, errlen);
    atomic_store(&k->seal_seq, 0);
    return rc;
}

/* Whether a failed copy was interrupted because retention removed the
 * partition (not an error: nothing to retry; the copy is already gone). */
static int aborted_by_removal(cl_keeper *k, const cl_part *p)
{
    if (atomic_load(&k->stop) || !atomic_load(&k->seal_abort) || still_sealing(k, p->seq))
        return 0;
    pthread_mutex_lock(&k->mu);
    k->st.seals_aborted++;
    pthread_mutex_unlock(&k->mu);
    return 1;
}

uint64_t cl_db_file_bytes(const char *path)
{
    static const char *const sfx[] = { "", "-wal", "-shm" };
    char p[4300];
    cl_file_id id;
    uint64_t n = 0;

    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
        snprintf(p, sizeof p, "%s%s", path, sfx[i]);
        if (cl_file_id_path(p, &id) == 0)
            n += id.size;
    }
    return n;
}

/* The copy's size over its source's (file and WAL), the largest seen: what
 * retention reserves for the next seal before its copy exists. */
static void note_ratio(cl_keeper *k, const cl_part *p, const cl_part *f)
{
    uint64_t src = cl_db_file_bytes(p->path);

    if (src < 65536 || f->bytes <= 0)
        return; /* too small to say anything about the next one */
    /* The largest seen: a copy must never outgrow what was reserved. */
    pthread_mutex_lock(&k->mu);
    if ((uint64_t)f->bytes * 1000 / src > k->st.seal_ratio_permille)
        k->st.seal_ratio_permille = (uint64_t)f->bytes * 1000 / src;
    pthread_mutex_unlock(&k->mu);
}

/* S1-S4 for one 'sealing' row. */
static int seal_one(cl_keeper *k, const cl_part *p, char *err, size_t errlen)
{
    char dir[4096], tmp[4200], final[4200], name[CL_PART_NAME_MAX], rel[4200];
    cl_part f;
    cl_file_id id;
    int rc;

    memset(&f, 0, sizeof f);
    if (cl_catalog_parts_dir(k->catalog_path, dir, sizeof dir) != 0)
        return -1;
    if (!find_sealed(k->catalog_path, p->first_id, name)) {
        if (cl_file_id_path(p->path, &id) != 0) {
            /* Deleted by someone else before we could seal it: say so and
             * forget it rather than retrying forever. */
            snprintf(err, errlen, "partition %s vanished before it was sealed", p->rel);
            if (cl_catw_mark_deleting(k->cat, p->seq, CL_PART_SEALING, err, errlen) == 0)
                cl_catw_delete(k->cat, p->seq, err, errlen);
            pthread_mutex_lock(&k->mu);
            k->st.lost++;
            pthread_mutex_unlock(&k->mu);
            return -1;
        }
        cl_part_seal_tmp_name(p->first_id, name);
        snprintf(tmp, sizeof tmp, "%s/%s", dir, name);
        cl_crash_point("S1");
        if (build_copy(k, p, tmp, err, errlen) != 0)
            return aborted_by_removal(k, p) ? 0 : -1;
        if (cl_seal_facts(tmp, &f, err, errlen) != 0)
            return -1;
        note_ratio(k, p, &f);
        if (!f.has_range)
            f.min_ts = f.max_ts = p->created;
        cl_part_closed_name(f.min_ts, f.max_ts, p->first_id, name);
        snprintf(final, sizeof final, "%s/%s", dir, name);
        /* S2 and S3 with removals held off: retention may have removed the
         * partition while it was copied (it was over a limit before the
         * keeper got to it); then the copy goes, or a sweep would adopt it
         * and bring back what was removed. */
        pthread_mutex_lock(&k->rm_mu);
        if (!still_sealing(k, p->seq)) {
            pthread_mutex_unlock(&k->rm_mu);
            cl_keeper_unlink(tmp);
            snprintf(err, errlen, "partition %s was removed while it was being sealed", p->rel);
            return 0;
        }
        cl_crash_point("S2");
        if (cl_rename_noreplace(tmp, final) != 0) {
            pthread_mutex_unlock(&k->rm_mu);
            snprintf(err, errlen, "cannot rename the sealed copy to %.100s: %s", name,
                     strerror(errno));
            cl_keeper_unlink(tmp);
            return -1;
        }
    } else {
        pthread_mutex_lock(&k->rm_mu);
        snprintf(final, sizeof final, "%s/%s", dir, name);
        if (cl_seal_facts(final, &f, err, errlen) != 0) {
            pthread_mutex_unlock(&k->rm_mu);
            return -1;
        }
    }
    f.has_range = f.entries > 0;
    if (cl_part_rel_path(k->catalog_path, name, rel, sizeof rel) != 0) {
        pthread_mutex_unlock(&k->rm_mu);
        return -1;
    }
    atomic_store(&k->leftover, cl_db_file_bytes(p->path));
    cl_crash_point("S3");
    if (cl_catw_close(k->cat, p->seq, rel, &f, cl_now_us(), err, errlen) < 0) {
        atomic_store(&k->leftover, 0);
        pthread_mutex_unlock(&k->rm_mu);
        return -1;
    }
    pthread_mutex_unlock(&k->rm_mu);
    cl_crash_point("S4");
    rc = cl_keeper_unlink_db(p->path);
    atomic_store(&k->leftover, 0);
    if (rc == CL_UNLINK_REFUSED) {
        /* Held open (Windows): a leftover the next passes sweep up. */
        pthread_mutex_lock(&k->mu);
        k->st.unlink_retries++;
        pthread_mutex_unlock(&k->mu);
    }
    pthread_mutex_lock(&k->mu);
    k->st.seals++;
    pthread_mutex_unlock(&k->mu);
    atomic_fetch_add(&k->events, 1);
    return 0;
}

static int said_faulty(const cl_keeper *k, int64_t seq)
{
    for (size_t i = 0; i < k->n_faulty; i++)
        if (k->faulty[i] == seq)
            return 1;
    return 0;
}

/* A closed partition whose file is gone or shorter than when it was sealed
 * was deleted or cut by someone else: readers skip it; we say so once, as
 * the collector's own entry (cl_keeper_take_faults). */
static void check_closed(cl_keeper *k, const cl_part *p)
{
    cl_file_id id;
    int64_t *seqs;
    cl_removal *q;
    cl_removal f;
    int gone;

    if (p->state != CL_PART_CLOSED || said_faulty(k, p->seq))
        return;
    gone = cl_file_id_path(p->path, &id) != 0;
    if (!gone && (p->bytes <= 0 || id.size >= (uint64_t)p->bytes))
        return;
    memset(&f, 0, sizeof f);
    f.seq = p->seq;
    snprintf(f.rel, sizeof f.rel, "%s", p->rel);
    snprintf(f.reason, sizeof f.reason, "%s", gone ? "missing" : "truncated");
    f.entries = p->entries;
    f.rejects = p->rejects;
    f.bytes = p->bytes;
    f.has_range = p->has_range;
    f.min_ts = p->min_ts;
    f.max_ts = p->max_ts;
    seqs = realloc(k->faulty, (k->n_faulty + 1) * sizeof *seqs);
    if (seqs == NULL)
        return;
    k->faulty = seqs;
    k->faulty[k->n_faulty++] = p->seq;
    pthread_mutex_lock(&k->mu);
    q = realloc(k->fq, (k->n_fq + 1) * sizeof *q);
    if (q != NULL) {
        k->fq = q;
        k->fq[k->n_fq++] = f;
        k->st.faulty++;
    }
    pthread_mutex_unlock(&k->mu);
}

/* Counts for the stats. */
static void census(cl_keeper *k, const cl_part_list *l)
{
    uint64_t n = 0, sealing = 0, bytes = 0, waiting = 0;

    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].state == CL_PART_DELETING)
            continue;
        n++;
        check_closed(k, &l->v[i]);
        sealing += l->v[i].state == CL_PART_SEALING;
        if (l->v[i].state == CL_PART_SEALING && l->v[i].last_id >= l->v[i].first_id)
            waiting += (uint64_t)(l->v[i].last_id - l->v[i].first_id + 1);
        if (l->v[i].state == CL_PART_CLOSED && l->v[i].bytes > 0)
            bytes += (uint64_t)l->v[i].bytes;
    }
    pthread_mutex_lock(&k->mu);
    k->st.partitions = n;
    k->st.sealing = sealing;
    k->st.sealing_ids = waiting;
    k->st.closed_bytes = bytes;
    pthread_mutex_unlock(&k->mu);
}

/* The space a seal of p needs: its copy, by the largest ratio seen (twice
 * the partition before the first seal). */
static uint64_t copy_need(cl_keeper *k, const cl_part *p)
{
    uint64_t src = cl_db_file_bytes(p->path), ratio;

    pthread_mutex_lock(&k->mu);
    ratio = k->st.seal_ratio_permille > 0 ? k->st.seal_ratio_permille : CL_SEAL_RATIO_DEFAULT;
    pthread_mutex_unlock(&k->mu);
    return src / 1000 * ratio + src % 1000 * ratio / 1000 + 1;
}

/* After a failed seal: whether the filesystem lacks the room its copy needs
 * (SQLite says "full", or a reader of the partition could not even create
 * what it needs to open it - then the words are SQLite's I/O error). Then
 * err says so and the keeper waits for the space (k->seal_need). */
static int wants_space(cl_keeper *k, const cl_part *p, char *err, size_t errlen)
{
    uint64_t need = copy_need(k, p), total, avail = 0;
    size_t len = strlen(err);
    int full = strstr(err, "full") != NULL;

    if (cl_fs_space(k->catalog_path, &total, &avail) == 0 && avail < need)
        full = 1;
    k->seal_need = full ? need : 0;
    if (full && len < errlen)
        snprintf(err + len, errlen - len,
                 "; waiting for space: the sealed copy needs about %llu bytes, %llu free",
                 (unsigned long long)need, (unsigned long long)avail);
    return full;
}

/* A seal that failed on a full disk starts again as soon as the filesystem
 * has room for its copy, not after its pause. */
static void space_returned(cl_keeper *k)
{
    uint64_t total, avail;

    if (k->seal_need == 0 || cl_now_us() >= k->seal_at_us ||
        cl_fs_space(k->catalog_path, &total, &avail) != 0 || avail < k->seal_need)
        return;
    k->seal_at_us = 0;
    k->seal_pause_us = 0;
}

/* Whether l->v[i] is left for retention to remove (cl_keeper_set_skip):
 * never the newest partition waiting to be sealed. */
static int skipped(cl_keeper *k, const cl_part_list *l, size_t i)
{
    if (l->v[i].seq > (int64_t)atomic_load(&k->skip))
        return 0;
    for (size_t j = i + 1; j < l->n; j++)
        if (l->v[j].state == CL_PART_SEALING)
            return 1;
    return 0;
}

static void pass(cl_keeper *k)
{
    cl_keeper_stats st;
    cl_part_list l = { NULL, 0 };
    char err[512] = "";

    /* One removal at a time: cl_keeper_remove on another thread finishes
     * the same rows. */
    pthread_mutex_lock(&k->rm_mu);
    pthread_mutex_lock(&k->mu);
    st = k->st;
    pthread_mutex_unlock(&k->mu);
    if (cl_keeper_sweep(k->cat, k->catalog_path, 0, &st, err, sizeof err) != 0 || err[0]) {
        pthread_mutex_lock(&k->mu);
        set_error(&k->st, err);
        pthread_mutex_unlock(&k->mu);
    }
    pthread_mutex_lock(&k->mu);
    k->st.removals = st.removals;
    k->st.repairs = st.repairs;
    k->st.unlink_retries = st.unlink_retries;
    pthread_mutex_unlock(&k->mu);
    pthread_mutex_unlock(&k->rm_mu);
    if (cl_catw_list_all(k->cat, k->catalog_path, &l, err, sizeof err) != 0)
        return;
    space_returned(k);
    for (size_t i = 0; i < l.n && !atomic_load(&k->stop) && cl_now_us() >= k->seal_at_us; i++) {
        if (l.v[i].state != CL_PART_SEALING || skipped(k, &l, i))
            continue;
        err[0] = '\0';
        if (seal_one(k, &l.v[i], err, sizeof err) == 0) {
            k->seal_pause_us = 0;
            k->seal_need = 0;
            continue;
        }
        k->seal_pause_us = k->seal_pause_us == 0 ? PASS_MS * 1000LL : k->seal_pause_us * 2;
        if (k->seal_pause_us > SEAL_RETRY_MAX_US)
            k->seal_pause_us = SEAL_RETRY_MAX_US;
        /* A full disk: each attempt would take the space the live
         * partition's inserts need and fail again; wait for the space
         * (space_returned), or the longest pause. */
        if (wants_space(k, &l.v[i], err, sizeof err))
            k->seal_pause_us = SEAL_RETRY_MAX_US;
        k->seal_at_us = cl_now_us() + k->seal_pause_us;
        pthread_mutex_lock(&k->mu);
        if (!atomic_load(&k->stop))
            k->st.seal_errors++;
        set_error(&k->st, err);
        pthread_mutex_unlock(&k->mu);
    }
    cl_part_list_free(&l);
    if (cl_catw_list_all(k->cat, k->catalog_path, &l, err, sizeof err) == 0)
        census(k, &l);
    cl_part_list_free(&l);
}

static void *keeper_main(void *arg)
{
    cl_keeper *k = arg;

    cl_keeper_lower_priority();
    while (!atomic_load(&k->stop)) {
        struct timespec ts;

        pass(k);
        pthread_mutex_lock(&k->mu);
        if (!k->woken && !atomic_load(&k->stop)) {
            cl_abstime_in(&ts, PASS_MS);
            pthread_cond_timedwait(&k->cv, &k->mu, &ts);
        }
        k->woken = 0;
        pthread_mutex_unlock(&k->mu);
    }
    return NULL;
}

int cl_keeper_start(cl_keeper **out, const char *catalog_path, int fts, char *err, size_t errlen)
{
    cl_keeper *k = calloc(1, sizeof *k);
    int created;

    *out = NULL;
    if (k == NULL || (k->catalog_path = strdup(catalog_path)) == NULL) {
        free(k);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    k->fts = fts;
    pthread_mutex_init(&k->mu, NULL);
    pthread_mutex_init(&k->rm_mu, NULL);
    pthread_cond_init(&k->cv, NULL);
    if (cl_catw_open(catalog_path, &k->cat, &created, err, errlen) != 0)
        goto fail;
    if (pthread_create(&k->thread, NULL, keeper_main, k) != 0) {
        snprintf(err, errlen, "cannot start the keeper thread");
        goto fail;
    }
    k->started = 1;
    *out = k;
    return 0;
fail:
    cl_keeper_stop(k);
    return -1;
}

void cl_keeper_wake(cl_keeper *k)
{
    if (k == NULL)
        return;
    pthread_mutex_lock(&k->mu);
    k->woken = 1;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
}

static void fill_removal(cl_removal *out, const cl_part *p, const char *reason)
{
    memset(out, 0, sizeof *out);
    out->seq = p->seq;
    snprintf(out->rel, sizeof out->rel, "%s", p->rel);
    snprintf(out->reason, sizeof out->reason, "%s", reason != NULL ? reason : "");
    out->entries = p->entries;
    out->rejects = p->rejects;
    out->bytes = p->bytes;
    if (p->state == CL_PART_SEALING) {
        cl_file_id id;

        /* Not sealed yet: its ids are contiguous, its size is its file's. */
        out->entries = p->last_id >= p->first_id ? p->last_id - p->first_id + 1 : 0;
        out->rejects = p->last_reject >= p->first_reject ? p->last_reject - p->first_reject + 1 : 0;
        out->bytes = cl_file_id_path(p->path, &id) == 0 ? (int64_t)id.size : 0;
    }
    out->has_range = p->has_range;
    out->min_ts = p->min_ts;
    out->max_ts = p->max_ts;
}

int cl_keeper_remove(cl_keeper *k, int64_t seq, const char *reason, cl_removal *out, char *err,
                     size_t errlen)
{
    sqlite3 *cat = NULL;
    cl_part_list l = { NULL, 0 };
    cl_keeper_stats st;
    const cl_part *p = NULL;
    int created, rc = -1;

    pthread_mutex_lock(&k->rm_mu);
    if (cl_catw_open(k->catalog_path, &cat, &created, err, errlen) != 0 ||
        cl_catw_list_all(cat, k->catalog_path, &l, err, errlen) != 0)
        goto done;
    for (size_t i = 0; i < l.n; i++)
        if (l.v[i].seq == seq)
            p = &l.v[i];
    /* A partition still waiting to be sealed can go too: past a limit,
     * the oldest data goes whether or not the keeper got to it (seal_one
     * drops its copy then). */
    if (p == NULL || (p->state != CL_PART_CLOSED && p->state != CL_PART_SEALING)) {
        snprintf(err, errlen, "partition %lld is neither closed nor sealing", (long long)seq);
        rc = 1;
        goto done;
    }
    fill_removal(out, p, reason);
    cl_crash_point("D1");
    if ((rc = cl_catw_mark_deleting(cat, seq, p->state, err, errlen)) != 0)
        goto done;
    /* Its copy, if the keeper is building one, is of data that is gone:
     * stop it now rather than when it is finished (its bytes count against
     * the limits until then, and it holds the removed file open). */
    if (atomic_load(&k->seal_seq) == (long long)seq)
        atomic_store(&k->seal_abort, 1);
    memset(&st, 0, sizeof st);
    rc = finish_removal(cat, p, &st, err, errlen);
    out->pending = rc == 1;
    if (rc == 1)
        rc = 0;
    pthread_mutex_lock(&k->mu);
    k->st.removals += st.removals;
    k->st.unlink_retries += st.unlink_retries;
    pthread_mutex_unlock(&k->mu);
    atomic_fetch_add(&k->events, 1);
done:
    cl_part_list_free(&l);
    sqlite3_close(cat);
    pthread_mutex_unlock(&k->rm_mu);
    return rc;
}

void cl_keeper_get_stats(cl_keeper *k, cl_keeper_stats *st)
{
    pthread_mutex_lock(&k->mu);
    *st = k->st;
    pthread_mutex_unlock(&k->mu);
}

void cl_keeper_set_skip(cl_keeper *k, int64_t seq)
{
    if (k != NULL)
        atomic_store(&k->skip, (long long)seq);
}

int64_t cl_keeper_skip(cl_keeper *k)
{
    return k != NULL ? (int64_t)atomic_load(&k->skip) : 0;
}

uint64_t cl_keeper_leftover(cl_keeper *k)
{
    return k != NULL ? atomic_load(&k->leftover) : 0;
}

uint64_t cl_keeper_events(cl_keeper *k)
{
    return k != NULL ? atomic_load(&k->events) : 0;
}

void cl_keeper_stop(cl_keeper *k)
{
    if (k == NULL)
        return;
    atomic_store(&k->stop, 1);
    atomic_store(&k->seal_abort, 1);
    cl_keeper_wake(k);
    if (k->started)
        pthread_join(k->thread, NULL);
    sqlite3_close(k->cat);
    pthread_mutex_destroy(&k->mu);
    pthread_mutex_destroy(&k->rm_mu);
    pthread_cond_destroy(&k->cv);
    free(k->catalog_path);
    free(k->faulty);
    free(k->fq);
    free(k);
}

void cl_keeper_take_faults(cl_keeper *k, cl_removal **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (k == NULL)
        return;
    pthread_mutex_lock(&k->mu);
    *out = k->fq;
    *n = k->n_fq;
    k->fq = NULL;
    k->n_fq = 0;
    pthread_mutex_unlock(&k->mu);
}

void cl_removal_fields(const cl_removal *rm, cJSON *o)
{
    char ts[CL_TS_TEXT_LEN + 1];

    cJSON_AddStringToObject(o, "path", rm->rel);
    if (rm->seq >= 0) {
        cJSON_AddNumberToObject(o, "entries", (double)rm->entries);
        cJSON_AddNumberToObject(o, "rejects", (double)rm->rejects);
    }
    cJSON_AddNumberToObject(o, "bytes", (double)rm->bytes);
    if (rm->has_range) {
        cl_rfc3339_format(rm->min_ts, ts);
        cJSON_AddStringToObject(o, "first_ts", ts);
        cl_rfc3339_format(rm->max_ts, ts);
        cJSON_AddStringToObject(o, "last_ts", ts);
    }
}
