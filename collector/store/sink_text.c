/* sink_text.c - buffered, rotating, line-atomic text output.
 *
 * Lines are collected in a large buffer and written with one write() per
 * batch; rotation happens only between lines, after a flush, so every file
 * holds whole lines only. A write error does not stop the database: the
 * sink keeps counting and retries opening the file at most once a second.
 *
 * Two things can still leave half a line at the end of the file: the kernel
 * stops a large write() at a page boundary when the process is killed, and a
 * full disk accepts part of a buffer. Neither half line was ever
 * acknowledged (acks follow the write and the database commit), so opening
 * the file cuts such a tail off before appending. And because a file that
 * was deleted or renamed under us would swallow every later line unseen,
 * each flush first checks that the path still names the file we hold open.
 *
 * Cutting is only ever done to a file of ours. The collector starts every
 * file it creates with a marker line ("# centrallogd text log ..." or, in
 * NDJSON, {"centrallogd":"text log",...}); an existing non-empty file
 * without it - notes, an SQLite database, someone's ~/.bashrc behind a
 * planted link - is refused, never cut or appended to; so is any existing
 * file (even empty) that is not our user's own, which its owner could read. Only regular files
 * are opened (fsutil.h: cl_open_log), so a FIFO or a stalled pipe swapped in
 * for the log can never block the writer thread, and with it the database,
 * the acknowledgements and shutdown.
 */
#include "sink_text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "compress.h"
#include "fsutil.h"
#include "rotate.h"
#include "timefmt.h"

#define TEXT_BUF_SIZE (1u << 20)
/* How far back from the end a torn tail is looked for. Our longest line is
 * far shorter; a file without a newline in its last MiB is not ours to cut. */
#define REPAIR_WINDOW (1u << 20)
/* The first line of every file the collector creates, and how it knows one
 * of its own files again. */
#define MARK_TEXT "# centrallogd text log"
#define MARK_JSON "{\"centrallogd\":\"text log\""
/* A rotation that failed is tried again after this long, not on every line. */
#define ROTATE_RETRY_US (60 * 1000000LL)

struct cl_text_sink {
    cl_text_config cfg;
    char *path;
    int fd;
    char *buf;
    size_t len, cap;
    uint64_t size; /* bytes in the current file, buffered bytes included */
    int64_t retry_at_us;
    cl_file_id id; /* identity of the open file, to notice it was replaced */
    int64_t rotate_retry_at_us;
    uint64_t head_size; /* the marker line's bytes: the file holds entries beyond it */
    int64_t first_us;   /* when the file's first entry was written; 0: none yet */
    cl_compressor *gz;  /* NULL with compression off */
    cl_text_stats st;
};

/* A refusal (not a plain I/O error) explains itself in st.last_error. */
static void refuse(cl_text_sink *t, const char *why)
{
    snprintf(t->st.last_error, sizeof t->st.last_error, "%s", why);
}

/* Writes the marker line that makes a new file recognisably ours. */
static int write_marker(cl_text_sink *t, int fd, uint64_t *size)
{
    char ts[CL_TS_TEXT_LEN + 1], line[256];
    int n;

    cl_rfc3339_format(cl_now_us(), ts);
    if (t->cfg.format == CL_TEXT_JSON)
        n = snprintf(line, sizeof line, MARK_JSON ",\"format\":\"ndjson\",\"created\":\"%s\"}\n",
                     ts);
    else
        n = snprintf(line, sizeof line,
                     MARK_TEXT " (format: text; one entry per line, see PROTOCOL.md), created %s\n",
                     ts);
    if (write(fd, line, (size_t)n) != n)
        return -1;
    *size = (uint64_t)n;
    t->head_size = (uint64_t)n;
    t->first_us = 0;
    return 0;
}

/* The time in a marker line ("created <RFC 3339>" or "created":"..."), or
 * 0 if there is none. */
static int64_t marker_time(const char *head)
{
    const char *p = strstr(head, "created");
    int64_t us;

    if (p == NULL)
        return 0;
    p += strlen("created");
    while (*p == ' ' || *p == '"' || *p == ':')
        p++;
    if (strlen(p) < CL_TS_TEXT_LEN || cl_rfc3339_parse(p, CL_TS_TEXT_LEN, &us) != 0)
        return 0;
    return us;
}

/* For a file the collector reopens: the marker's length, and its creation
 * time standing for the first entry's. */
static void read_head(cl_text_sink *t, int fd, uint64_t size)
{
    char head[256];
    long n = cl_pread(fd, head, sizeof head - 1, 0);
    char *nl;

    t->head_size = 0;
    t->first_us = 0;
    if (n <= 0)
        return;
    head[n] = '\0';
    if ((nl = strchr(head, '\n')) == NULL)
        return;
    nl[1] = '\0';
    t->head_size = (uint64_t)(nl + 1 - head);
    if (size > t->head_size) {
        t->first_us = marker_time(head);
        if (t->first_us == 0)
            t->first_us = cl_now_us(); /* not ours to date: a full period from now */
    }
}

/* Whether the non-empty file open as fd starts with our marker. Returns 1,
 * 0 (with the refusal explained), or -1 on an I/O error. */
static int is_ours(cl_text_sink *t, int fd)
{
    char head[64] = "", why[1024];
    long n = cl_pread(fd, head, sizeof head - 1, 0);

    if (n < 0)
        return -1;
    head[n] = '\0';
    if (strncmp(head, MARK_TEXT, strlen(MARK_TEXT)) == 0 ||
        strncmp(head, MARK_JSON, strlen(MARK_JSON)) == 0)
        return 1;
    if (n >= 16 && memcmp(head, "SQLite format 3", 16) == 0)
        snprintf(why, sizeof why,
                 "%s is an SQLite database, not a text log: refusing to write to it (is --log-file "
                 "meant to be --db?)",
                 t->path);
    else
        snprintf(why, sizeof why,
                 "%s exists and was not created by centrallogd (its first line is not \"" MARK_TEXT
                 "\"): refusing to append to or repair another file; move it aside or "
                 "choose another --log-file",
                 t->path);
    refuse(t, why);
    return 0;
}

/* Cuts a torn last line (no '\n' at the end) off the file open as fd, whose
 * size is *size. Returns 0, or -1 on an I/O error. */
static int repair_tail(cl_text_sink *t, int fd, uint64_t *size)
{
    char buf[4096];
    uint64_t end = *size, floor = end > REPAIR_WINDOW ? end - REPAIR_WINDOW : 0;
    uint64_t pos = end;

    if (end == 0)
        return 0;
    if (cl_pread(fd, buf, 1, end - 1) != 1)
        return -1;
    if (buf[0] == '\n')
        return 0;
    while (pos > floor) {
        size_t n = pos - floor < sizeof buf ? (size_t)(pos - floor) : sizeof buf;

        pos -= n;
        if (cl_pread(fd, buf, n, pos) != (long)n)
            return -1;
        for (size_t i = n; i-- > 0;) {
            if (buf[i] == '\n') {
                uint64_t keep = pos + i + 1;

                if (cl_truncate_fd(fd, keep) != 0)
                    return -1;
                t->st.repaired_bytes += end - keep;
                *size = keep;
                return 0;
            }
        }
    }
    if (floor == 0) {
        /* The whole file is one torn line. */
        if (cl_truncate_fd(fd, 0) != 0)
            return -1;
        t->st.repaired_bytes += end;
        *size = 0;
        return 0;
    }
    /* Not a line of ours: end it rather than cut someone's data. */
    if (write(fd, "\n", 1) != 1)
        return -1;
    *size = end + 1;
    return 0;
}

static int open_file(cl_text_sink *t)
{
    char why[1024];
    uint64_t size;
    int shared, fd, ours;

    t->st.last_error[0] = '\0';
    /* Re-created while running too (rm -r, a tmp cleaner): walked and
     * checked like at start, so another user's directory put in its place
     * is refused (cl_dir_check below says why). */
    if (cl_mkdir_parents(t->path, 0750) != 0 && errno != EPERM)
        return -1;
    if (cl_dir_check(t->path, &shared, why, sizeof why) != 0) {
        if (errno == EPERM)
            refuse(t, why);
        return -1;
    }
    fd = cl_open_log(t->path, shared, why, sizeof why);
    if (fd < 0) {
        if (errno == EINVAL || errno == ELOOP || errno == EISDIR || errno == EPERM)
            refuse(t, why);
        return -1;
    }
    if (cl_file_id_fd(fd, &t->id) != 0)
        goto fail;
    size = t->id.size;
    if (size == 0) {
        /* New (or emptied by logrotate's "create"): nothing to lose, ours now. */
        if (write_marker(t, fd, &size) != 0)
            goto fail;
    } else if ((ours = is_ours(t, fd)) != 1) {
        if (ours == 0)
            errno = EEXIST;
        goto fail;
    } else if (repair_tail(t, fd, &size) != 0 || (size == 0 && write_marker(t, fd, &size) != 0)) {
        /* (Emptied by the repair: only a torn marker was there.) */
        goto fail;
    } else {
        read_head(t, fd, size);
    }
    t->fd = fd;
    t->size = size;
    return 0;
fail : {
    int e = errno;

    close(fd);
    errno = e;
    return -1;
}
}

/* The file we write was removed or renamed (rm -r of its directory, an
 * external logrotate without SIGHUP): lines written to it now would be
 * unreachable. Returns 1 when the path no longer names the open file. */
static int file_replaced(const cl_text_sink *t)
{
    cl_file_id now;

    if (cl_file_id_path(t->path, &now) != 0)
        return 1;
    return now.dev != t->id.dev || now.ino != t->id.ino;
}

/* What a crash during compression can leave (compress.h): the temporary
 * file, and a plain rotated file beside its complete .gz. With compression
 * on, the plain rotated files are queued, oldest last. */
static void tidy_rotated(cl_text_sink *t)
{
    char tmp[4200], gz[4400];
    cl_rotated_file *files = NULL;
    size_t n = 0;

    if (cl_compress_tmp_name(t->path, tmp, sizeof tmp) == 0 && cl_rotate_target_ok(tmp))
        cl_remove(tmp);
    if (cl_rotate_list(t->path, t->cfg.rotate_keep, &files, &n) != 0)
        return;
    for (size_t i = 0; i < n; i++) {
        cl_file_id id;

        if (files[i].compressed)
            continue;
        /* The .gz was renamed into place only once complete and flushed. */
        if (snprintf(gz, sizeof gz, "%s.gz", files[i].path) < (int)sizeof gz &&
            cl_file_id_path(gz, &id) == 0 && cl_rotate_target_ok(gz)) {
            cl_remove(files[i].path);
            continue;
        }
        if (t->gz != NULL)
            cl_compressor_submit(t->gz, files[i].path);
    }
    free(files);
}

int cl_text_open(cl_text_sink **out, const cl_text_config *cfg, char *err, size_t errlen)
{
    cl_text_sink *t = calloc(1, sizeof *t);
    char tmp[4200];

    *out = NULL;
    if (t == NULL || (t->path = strdup(cfg->path)) == NULL ||
        (t->buf = malloc(TEXT_BUF_SIZE)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    t->cfg = *cfg;
    t->cfg.path = t->path;
    t->cap = TEXT_BUF_SIZE;
    t->fd = -1;
    if (open_file(t) != 0) {
        if (t->st.last_error[0] != '\0')
            snprintf(err, errlen, "cannot use the text log: %s", t->st.last_error);
        else
            snprintf(err, errlen, "cannot open text log %s: %s", cfg->path, strerror(errno));
        goto fail;
    }
    if (cfg->compress_level > 0 && (cl_compress_tmp_name(t->path, tmp, sizeof tmp) != 0 ||
                                    cl_compressor_start(&t->gz, tmp, cfg->compress_level) != 0)) {
        snprintf(err, errlen, "cannot start the text log's compressor: %s", strerror(errno));
        goto fail;
    }
    tidy_rotated(t);
    *out = t;
    return 0;
fail:
    cl_text_close(t);
    return -1;
}

static void note_error(cl_text_sink *t)
{
    t->st.errors++;
    t->st.last_errno = errno;
}

/* Writes buf[0..n) and moves what follows it to the front of the buffer.
 * On failure the unwritten lines of that range are counted as lost (never
 * half a line: rotation and retries start from a line boundary). With
 * follow_path, lines go to whatever file the path names now. */
static int write_out(cl_text_sink *t, size_t n, int follow_path)
{
    size_t off = 0;
    int rc = 0;

    if (follow_path && n > 0 && t->fd >= 0 && file_replaced(t)) {
        /* Start a new file under the path; what is buffered goes there. */
        close(t->fd);
        t->fd = -1;
        t->st.reopens++;
        if (open_file(t) != 0)
            t->st.last_errno = errno; /* counted once, by the failure below */
        else
            t->size += t->len;
    }
    while (off < n) {
        ssize_t w;

        if (t->fd < 0) {
            /* Reopening just failed: keep the reason it gave. */
            errno = t->st.last_errno ? t->st.last_errno : EBADF;
            break;
        }
        w = write(t->fd, t->buf + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    if (off < n) {
        note_error(t);
        for (size_t i = off; i < n; i++)
            t->st.lost_lines += t->buf[i] == '\n';
        t->size -= n - off;
        if (t->fd >= 0)
            close(t->fd);
        t->fd = -1;
        t->retry_at_us = cl_now_us() + 1000000;
        rc = -1;
    }
    memmove(t->buf, t->buf + n, t->len - n);
    t->len -= n;
    return rc;
}

static int rotate_files(cl_text_sink *t);

/* Whether --rotate-age says the file (holding entries) is due at now. */
static int age_due(const cl_text_sink *t, int64_t now)
{
    return t->cfg.rotate_age_us > 0 && t->first_us != 0 &&
           now - t->first_us >= t->cfg.rotate_age_us;
}

/* --rotate-age is checked once per batch, here, not for every line: what the
 * batch buffered arrived after the file came of age, so the file is rotated
 * first and the batch starts the new one. */
static void rotate_by_age(cl_text_sink *t)
{
    int64_t now = cl_now_us();
    uint64_t rotations = t->st.rotations;

    if (!age_due(t, now) || now < t->rotate_retry_at_us || t->fd < 0)
        return;
    if (rotate_files(t) != 0)
        return; /* no file: the buffer's lines are counted lost by the write */
    if (t->st.rotations == rotations)
        return; /* the rename failed; tried again later */
    t->st.rotations_age++;
    t->size += t->len; /* what is buffered goes to the new file */
    t->first_us = t->len > 0 ? now : 0;
}

int cl_text_flush(cl_text_sink *t)
{
    if (t->cfg.rotate_age_us > 0 && t->len > 0)
        rotate_by_age(t);
    return write_out(t, t->len, 1);
}

/* Closes the current file and starts a new one under the same name. A
 * rotation that cannot be done loses nothing: lines go on into the current
 * file, and rotation is tried again a minute later. */
static int rotate_files(cl_text_sink *t)
{
    cl_rotate_result res;
    int rc;

    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    /* The compressor may be working on a rotated file: it follows the
     * renames, and its own rename waits for the shift (compress.h). */
    if (t->gz != NULL) {
        cl_compressor_lock(t->gz);
        rc = cl_rotate_shift_ex(t->path, t->cfg.rotate_keep, &res, cl_compressor_moved, t->gz);
        cl_compressor_unlock(t->gz);
    } else {
        rc = cl_rotate_shift(t->path, t->cfg.rotate_keep, &res);
    }
    if (rc == 0 && t->gz != NULL && res.rotated[0] != '\0')
        cl_compressor_submit(t->gz, res.rotated);
    if (res.fallbacks > 0) {
        if (t->st.rotate_fallbacks++ == 0 && res.unique > 0)
            snprintf(t->st.rotate_note, sizeof t->st.rotate_note,
                     "%.450s and its fallback names ~1 to ~9 belong to another user (or are not "
                     "regular files); rotated to %.450s instead",
                     res.squatted, res.fallback);
        else if (t->st.rotate_fallbacks == 1)
            snprintf(t->st.rotate_note, sizeof t->st.rotate_note,
                     "%.450s belongs to another user (or is not a regular file) and cannot be "
                     "replaced; rotating to %.450s instead",
                     res.squatted, res.fallback);
    }
    if (rc != 0) {
        t->st.rotate_errors++;
        t->st.rotate_errno = errno;
        if (errno == EEXIST)
            snprintf(t->st.rotate_note, sizeof t->st.rotate_note,
                     "every name for %.900s (and ~1 to ~9) belongs to another user", res.squatted);
        t->rotate_retry_at_us = cl_now_us() + ROTATE_RETRY_US;
    } else {
        t->st.rotations++;
    }
    if (open_file(t) != 0) {
        note_error(t);
        t->retry_at_us = cl_now_us() + 1000000;
        return -1;
    }
    return 0;
}

/* Reopens the file after an error, at most once a second. */
static int ensure_open(cl_text_sink *t)
{
    int64_t now;

    if (t->fd >= 0)
        return 0;
    now = cl_now_us();
    if (now < t->retry_at_us)
        return -1;
    if (open_file(t) == 0)
        return 0;
    note_error(t);
    t->retry_at_us = now + 1000000;
    return -1;
}

int cl_text_append(cl_text_sink *t, const cl_record *r)
{
    size_t bound = r->rendered ? r->rendered_len : cl_text_bound(r);
    size_t n;

    if (ensure_open(t) != 0 || bound > t->cap ||
        (t->len + bound > t->cap && cl_text_flush(t) != 0)) {
        t->st.lost_lines++;
        return -1;
    }
    if (r->rendered != NULL) {
        n = r->rendered_len;
        memcpy(t->buf + t->len, r->rendered, n);
    } else {
        n = cl_text_format_entry(r, t->cfg.format, t->buf + t->len);
    }
    t->len += n;
    if (t->size > 0 && t->size + n > t->cfg.rotate_size && cl_now_us() >= t->rotate_retry_at_us) {
        /* What is buffered before this line belongs to the old file. */
        write_out(t, t->len - n, 1);
        if (rotate_files(t) != 0) {
            t->len -= n;
            t->st.lost_lines++;
            return -1;
        }
    }
    /* The clock is read once per file (--rotate-age, retention). */
    if (t->first_us == 0)
        t->first_us = cl_now_us();
    t->size += n;
    t->st.lines++;
    return 0;
}

/* Flushes and rotates, if the file holds any entry. */
static int rotate_now(cl_text_sink *t)
{
    if (t->size <= t->head_size && t->len == 0)
        return 0;
    if (write_out(t, t->len, 1) != 0)
        return -1;
    return rotate_files(t);
}

int cl_text_rotate(cl_text_sink *t)
{
    return rotate_now(t);
}

int cl_text_tick(cl_text_sink *t)
{
    if (!age_due(t, cl_now_us()) || cl_now_us() < t->rotate_retry_at_us)
        return 0;
    if (rotate_now(t) != 0)
        return -1;
    t->st.rotations_age++;
    return 1;
}

int cl_text_reopen(cl_text_sink *t)
{
    /* An explicit reopen (SIGHUP after logrotate renamed the file): what was
     * logged before it still belongs to the renamed file. */
    if (write_out(t, t->len, 0) != 0)
        return -1;
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    if (open_file(t) != 0) {
        note_error(t);
        t->retry_at_us = cl_now_us() + 1000000;
        return -1;
    }
    return 0;
}

/* The first line's time of a rotated file, plain or gzipped; 0 if unknown. */
static int64_t file_first_time(const char *path, int compressed)
{
    char head[256];
    int fd = cl_open_read_shared(path);
    long n;

    if (fd < 0)
        return 0;
    if (compressed) {
        gzFile z = gzdopen(fd, "rb");

        if (z == NULL) {
            close(fd);
            return 0;
        }
        n = gzread(z, head, sizeof head - 1);
        gzclose(z); /* closes fd */
    } else {
        n = cl_pread(fd, head, sizeof head - 1, 0);
        close(fd);
    }
    if (n <= 0)
        return 0;
    head[n] = '\0';
    if (strchr(head, '\n') != NULL)
        *strchr(head, '\n') = '\0';
    return marker_time(head);
}

/* The compressor's lock, if there is a compressor: the rotated files do not
 * change under a listing or a removal (compress.h). */
static void lock_files(cl_text_sink *t)
{
    if (t->gz != NULL)
        cl_compressor_lock(t->gz);
}

static void unlock_files(cl_text_sink *t)
{
    if (t->gz != NULL)
        cl_compressor_unlock(t->gz);
}

/* With the lock held: the rotated files, sized and dated, after the active
 * file in list[0]. */
static size_t list_rotated(cl_text_sink *t, const cl_rotated_file *rot, size_t nrot,
                           cl_text_file *list)
{
    size_t k = 1;

    for (size_t i = 0; i < nrot; i++) {
        cl_file_id id;
        cl_text_file *f = &list[k];

        if (cl_file_id_path(rot[i].path, &id) != 0)
            continue;
        snprintf(f->path, sizeof f->path, "%s", rot[i].path);
        f->bytes = id.size;
        f->newest_us = id.mtime_us;
        f->oldest_us = file_first_time(rot[i].path, rot[i].compressed);
        if (f->oldest_us == 0 || f->oldest_us > f->newest_us)
            f->oldest_us = f->newest_us;
        f->compressed = rot[i].compressed;
        k++;
    }
    (void)t;
    return k;
}

int cl_text_list_files(cl_text_sink *t, cl_text_file **out, size_t *n)
{
    cl_rotated_file *rot = NULL;
    size_t nrot = 0;
    cl_text_file *list = NULL;
    int rc = -1;

    *out = NULL;
    *n = 0;
    lock_files(t);
    if (cl_rotate_list(t->path, t->cfg.rotate_keep, &rot, &nrot) != 0)
        goto done;
    if ((list = calloc(nrot + 1, sizeof *list)) == NULL) {
        errno = ENOMEM;
        goto done;
    }
    snprintf(list[0].path, sizeof list[0].path, "%s", t->path);
    list[0].bytes = t->size;
    /* ... plus the compressor's .gz being written: it is on the disk beside
     * the plain file it replaces (counted with the file that stays). */
    if (t->gz != NULL) {
        char tmp[4400];
        cl_file_id id;

        if (cl_compress_tmp_name(t->path, tmp, sizeof tmp) == 0 && cl_file_id_path(tmp, &id) == 0)
            list[0].bytes += id.size;
    }
    list[0].newest_us = cl_now_us();
    list[0].oldest_us = t->first_us != 0 ? t->first_us : list[0].newest_us;
    list[0].active = 1;
    *n = list_rotated(t, rot, nrot, list);
    *out = list;
    rc = 0;
done:
    unlock_files(t);
    free(rot);
    return rc;
}

int cl_text_remove_file(cl_text_sink *t, const char *path)
{
    cl_rotated_file *rot = NULL;
    size_t nrot = 0;
    int found = 0, rc = -1;

    lock_files(t);
    if (cl_rotate_list(t->path, t->cfg.rotate_keep, &rot, &nrot) != 0)
        goto done;
    for (size_t i = 0; i < nrot && !found; i++)
        found = strcmp(rot[i].path, path) == 0;
    if (!found) {
        cl_file_id id;

        errno = cl_file_id_path(path, &id) != 0 && errno == ENOENT ? ENOENT : EINVAL;
        goto done;
    }
    rc = cl_remove(path);
    if (rc == 0 && t->gz != NULL)
        cl_compressor_moved(t->gz, path, NULL);
    if (rc == 0)
        t->st.removed++;
done:
    unlock_files(t);
    free(rot);
    return rc;
}

size_t cl_text_compress_pending(cl_text_sink *t)
{
    return t->gz != NULL ? cl_compressor_pending(t->gz) : 0;
}

void cl_text_get_stats(const cl_text_sink *t, cl_text_stats *st)
{
    *st = t->st;
    st->file_size = t->size;
    if (t->gz != NULL) {
        cl_compress_stats cs;

        cl_compressor_get_stats(t->gz, &cs);
        st->compressed = cs.files;
        st->compress_errors = cs.errors + cs.dropped;
    }
}

void cl_text_close(cl_text_sink *t)
{
    if (t == NULL)
        return;
    /* First: a file in progress is abandoned (compressed at the next start). */
    cl_compressor_stop(t->gz);
    if (t->fd >= 0) {
        cl_text_flush(t);
        if (t->fd >= 0)
            close(t->fd);
    }
    free(t->buf);
    free(t->path);
    free(t);
}
