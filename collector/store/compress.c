/* compress.c - see compress.h. zlib's deflate with a gzip wrapper, written
 * through our own descriptor so that it can be flushed before the rename. */
#include "compress.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fsutil.h"

#define CHUNK (256u * 1024)

struct cl_compressor {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int started;
    atomic_int stop;
    int level;
    char *tmp;
    /* Guarded by mu. */
    char *queue[CL_COMPRESS_QUEUE_MAX];
    size_t nqueue;
    char *cur;    /* the file in progress, at its current name */
    int cur_gone; /* ... removed or replaced while in progress */
    cl_compress_stats st;
};

int cl_compress_tmp_name(const char *base, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s.gz.tmp", base);

    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        long w = (long)write(fd, p, (unsigned)n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Deflates everything in z's input (flush Z_NO_FLUSH or Z_FINISH) to fd. */
static int deflate_out(z_stream *z, int flush, int fd, unsigned char *out, uint64_t *out_bytes)
{
    do {
        int rc;

        z->next_out = out;
        z->avail_out = CHUNK;
        rc = deflate(z, flush);
        if (rc == Z_STREAM_ERROR) {
            errno = EIO;
            return -1;
        }
        if (write_all(fd, out, CHUNK - z->avail_out) != 0)
            return -1;
        *out_bytes += CHUNK - z->avail_out;
    } while (z->avail_out == 0);
    return 0;
}

int cl_gzip_file(int src_fd, const char *dst, int level, const atomic_int *stop, uint64_t *in_bytes,
                 uint64_t *out_bytes)
{
    unsigned char *in = malloc(CHUNK), *out = malloc(CHUNK);
    z_stream z;
    cl_file_id src;
    int fd = -1, zinit = 0, e;

    *in_bytes = *out_bytes = 0;
    memset(&z, 0, sizeof z);
    if (in == NULL || out == NULL) {
        errno = ENOMEM;
        goto fail;
    }
    /* windowBits 15 + 16: the gzip wrapper that zless, zgrep and lnav read. */
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        errno = ENOMEM;
        goto fail;
    }
    zinit = 1;
    /* O_EXCL: never through a link or into a file someone put at the name
     * (the log directory may be shared); a stale one of ours was removed. */
    fd = cl_create_new(dst);
    if (fd < 0) {
        e = errno;
        free(in);
        free(out);
        deflateEnd(&z);
        errno = e;
        return -1; /* not ours to remove */
    }
    for (;;) {
        long n = (long)read(src_fd, in, CHUNK);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto fail;
        if (stop != NULL && atomic_load(stop)) {
            errno = ECANCELED;
            goto fail;
        }
        *in_bytes += (uint64_t)n;
        z.next_in = in;
        z.avail_in = (uInt)n;
        if (deflate_out(&z, n == 0 ? Z_FINISH : Z_NO_FLUSH, fd, out, out_bytes) != 0)
            goto fail;
        if (n == 0)
            break;
    }
    /* The copy keeps the time of its last entry (as gzip does). */
    if (cl_file_id_fd(src_fd, &src) != 0 || cl_set_mtime_fd(fd, src.mtime_us) != 0 ||
        cl_fsync_fd(fd) != 0)
        goto fail;
    e = close(fd);
    fd = -1;
    if (e != 0)
        goto fail;
    deflateEnd(&z);
    free(in);
    free(out);
    return 0;
fail:
    e = errno;
    if (fd >= 0)
        close(fd);
    cl_remove(dst);
    if (zinit)
        deflateEnd(&z);
    free(in);
    free(out);
    errno = e;
    return -1;
}

void cl_compressor_lock(cl_compressor *c)
{
    pthread_mutex_lock(&c->mu);
}

void cl_compressor_unlock(cl_compressor *c)
{
    pthread_mutex_unlock(&c->mu);
}

/* Replaces *name by a copy of to; NULL frees it. Returns 0 or -1. */
static int rename_to(char **name, const char *to)
{
    char *copy = to != NULL ? strdup(to) : NULL;

    if (to != NULL && copy == NULL)
        return -1;
    free(*name);
    *name = copy;
    return 0;
}

void cl_compressor_moved(void *compressor, const char *from, const char *to)
{
    cl_compressor *c = compressor;
    size_t k = 0;

    if (c->cur != NULL && !c->cur_gone) {
        if (strcmp(c->cur, from) == 0) {
            if (to == NULL || rename_to(&c->cur, to) != 0)
                c->cur_gone = 1;
        } else if (to != NULL && strcmp(c->cur, to) == 0) {
            c->cur_gone = 1; /* another file renamed over ours */
        }
    }
    for (size_t i = 0; i < c->nqueue; i++) {
        char *q = c->queue[i];
        int gone = 0;

        if (strcmp(q, from) == 0)
            gone = to == NULL || rename_to(&c->queue[i], to) != 0;
        else if (to != NULL && strcmp(q, to) == 0)
            gone = 1;
        if (gone) {
            free(c->queue[i]);
            c->st.cancelled++;
            continue;
        }
        c->queue[k++] = c->queue[i];
    }
    c->nqueue = k;
}

int cl_compressor_submit(cl_compressor *c, const char *path)
{
    char *copy = strdup(path);
    int rc = -1;

    pthread_mutex_lock(&c->mu);
    if (copy != NULL && c->nqueue < CL_COMPRESS_QUEUE_MAX) {
        c->queue[c->nqueue++] = copy;
        copy = NULL;
        rc = 0;
        pthread_cond_signal(&c->cv);
    } else {
        c->st.dropped++;
    }
    pthread_mutex_unlock(&c->mu);
    free(copy);
    return rc;
}

size_t cl_compressor_pending(cl_compressor *c)
{
    size_t n;

    pthread_mutex_lock(&c->mu);
    n = c->nqueue + (c->cur != NULL);
    pthread_mutex_unlock(&c->mu);
    return n;
}

void cl_compressor_get_stats(cl_compressor *c, cl_compress_stats *st)
{
    pthread_mutex_lock(&c->mu);
    *st = c->st;
    pthread_mutex_unlock(&c->mu);
}

/* With the lock held: puts the finished temporary file in place of c->cur
 * and removes the plain file. Returns 0 or -1 with errno. */
static int finish(cl_compressor *c)
{
    char gz[4400];

    if (snprintf(gz, sizeof gz, "%s.gz", c->cur) >= (int)sizeof gz) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* The rotation checked the name (ours or free); never replace a file
     * another user put there since. */
    if (!cl_rotate_target_ok(gz)) {
        errno = EEXIST;
        return -1;
    }
    if (cl_rename_replace(c->tmp, gz) != 0)
        return -1;
    /* The .gz is complete and in place: from here a crash leaves both, and
     * the next start removes the plain one. On Windows a reader holding the
     * plain file may refuse the removal: the same. */
    cl_remove(c->cur);
    return 0;
}

/* Takes the next name off the queue and opens it, under the lock so that
 * no rename can come between. Returns the descriptor, -1 when there is
 * nothing to do (stopping), or -2 when the file could not be opened. */
static int next_file(cl_compressor *c)
{
    int fd;

    pthread_mutex_lock(&c->mu);
    while (c->nqueue == 0 && !atomic_load(&c->stop))
        pthread_cond_wait(&c->cv, &c->mu);
    if (atomic_load(&c->stop)) {
        pthread_mutex_unlock(&c->mu);
        return -1;
    }
    c->cur = c->queue[0];
    memmove(c->queue, c->queue + 1, (c->nqueue - 1) * sizeof *c->queue);
    c->nqueue--;
    c->cur_gone = 0;
    fd = cl_open_read_shared(c->cur);
    if (fd < 0) {
        c->st.errors++;
        c->st.last_errno = errno;
        free(c->cur);
        c->cur = NULL;
        fd = -2;
    }
    pthread_mutex_unlock(&c->mu);
    return fd;
}

static void *run(void *arg)
{
    cl_compressor *c = arg;

    cl_compress_lower_priority();

    for (;;) {
        uint64_t in, out;
        int fd = next_file(c), rc, e;

        if (fd == -1)
            break;
        if (fd == -2)
            continue;
        /* A temporary file left by a failure is ours: start afresh. */
        if (cl_rotate_target_ok(c->tmp))
            cl_remove(c->tmp);
        rc = cl_gzip_file(fd, c->tmp, c->level, &c->stop, &in, &out);
        e = errno;
        close(fd);
        pthread_mutex_lock(&c->mu);
        if (rc == 0 && c->cur_gone) {
            cl_remove(c->tmp);
            c->st.cancelled++;
        } else if (rc == 0 && finish(c) == 0) {
            c->st.files++;
            c->st.bytes_in += in;
            c->st.bytes_out += out;
        } else if (!(rc != 0 && e == ECANCELED)) {
            if (rc == 0)
                e = errno;
            cl_remove(c->tmp);
            c->st.errors++;
            c->st.last_errno = e;
        }
        free(c->cur);
        c->cur = NULL;
        pthread_mutex_unlock(&c->mu);
        if (rc == 0)
            cl_fsync_dir_of(c->tmp); /* the rename and the removal, durable */
    }
    return NULL;
}

int cl_compressor_start(cl_compressor **out, const char *tmp, int level)
{
    cl_compressor *c = calloc(1, sizeof *c);

    *out = NULL;
    if (c == NULL || (c->tmp = strdup(tmp)) == NULL) {
        free(c);
        errno = ENOMEM;
        return -1;
    }
    c->level = level < 1 ? 1 : level > 9 ? 9 : level;
    atomic_init(&c->stop, 0);
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->thread, NULL, run, c) != 0) {
        c->started = 0;
        cl_compressor_stop(c);
        errno = EAGAIN;
        return -1;
    }
    c->started = 1;
    *out = c;
    return 0;
}

void cl_compressor_stop(cl_compressor *c)
{
    if (c == NULL)
        return;
    if (c->started) {
        pthread_mutex_lock(&c->mu);
        atomic_store(&c->stop, 1);
        pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
        pthread_join(c->thread, NULL);
    }
    for (size_t i = 0; i < c->nqueue; i++)
        free(c->queue[i]);
    free(c->cur);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c->tmp);
    free(c);
}
