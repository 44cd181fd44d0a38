/* ratelimit.c - fixed-window token buckets per (app, peer PID), in a
 * bounded hash table with least-recently-used eviction. */
#include "ratelimit.h"

#include <stdlib.h>
#include <string.h>

typedef struct source {
    struct source *h_next;              /* hash chain */
    struct source *lru_prev, *lru_next; /* most recently seen first */
    struct source *l_prev, *l_next;     /* sources with unreported suppressions */
    uint64_t hash;
    int64_t pid;
    int64_t window_end_us;
    uint64_t used;       /* tokens taken in the current window */
    uint64_t suppressed; /* entries refused and not yet reported */
    int limited;         /* on the l_ list */
    size_t app_len;
    char app[];
} source;

struct cl_ratelimit {
    cl_ratelimit_config cfg;
    cl_ratelimit_report report;
    void *arg;
    source **buckets;
    size_t nbuckets; /* a power of two */
    source *lru_head, *lru_tail;
    source *limited;
    cl_ratelimit_stats st;
};

void cl_ratelimit_default(cl_ratelimit_config *cfg)
{
    cfg->interval_us = CL_RATELIMIT_DEFAULT_INTERVAL_US;
    cfg->burst = CL_RATELIMIT_DEFAULT_BURST;
    cfg->exempt_level = CL_RATELIMIT_DEFAULT_EXEMPT;
    cfg->max_sources = CL_RATELIMIT_DEFAULT_SOURCES;
}

int cl_ratelimit_new(cl_ratelimit **out, const cl_ratelimit_config *cfg, cl_ratelimit_report report,
                     void *arg)
{
    cl_ratelimit *rl = calloc(1, sizeof *rl);
    size_t n = 16;

    *out = NULL;
    if (rl == NULL)
        return -1;
    rl->cfg = *cfg;
    if (rl->cfg.max_sources == 0)
        rl->cfg.max_sources = 1;
    rl->report = report;
    rl->arg = arg;
    /* Chains of about half a source on average when the table is full. */
    while (n < rl->cfg.max_sources * 2 && n < ((size_t)1 << 24))
        n *= 2;
    rl->buckets = calloc(n, sizeof *rl->buckets);
    if (rl->buckets == NULL) {
        free(rl);
        return -1;
    }
    rl->nbuckets = n;
    *out = rl;
    return 0;
}

/* FNV-1a over the name and the PID. Sources are chosen by producers, but
 * a collision only lengthens one chain within a table of bounded size. */
static uint64_t hash_source(const char *app, size_t n, int64_t pid)
{
    uint64_t h = 14695981039346656037ULL;
    uint64_t p = (uint64_t)pid;

    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)app[i];
        h *= 1099511628211ULL;
    }
    for (int i = 0; i < 8; i++) {
        h ^= (p >> (8 * i)) & 0xff;
        h *= 1099511628211ULL;
    }
    return h;
}

static void lru_unlink(cl_ratelimit *rl, source *s)
{
    if (s->lru_prev)
        s->lru_prev->lru_next = s->lru_next;
    else
        rl->lru_head = s->lru_next;
    if (s->lru_next)
        s->lru_next->lru_prev = s->lru_prev;
    else
        rl->lru_tail = s->lru_prev;
    s->lru_prev = s->lru_next = NULL;
}

static void lru_push(cl_ratelimit *rl, source *s)
{
    s->lru_prev = NULL;
    s->lru_next = rl->lru_head;
    if (rl->lru_head)
        rl->lru_head->lru_prev = s;
    rl->lru_head = s;
    if (rl->lru_tail == NULL)
        rl->lru_tail = s;
}

static void limited_add(cl_ratelimit *rl, source *s)
{
    if (s->limited)
        return;
    s->limited = 1;
    s->l_prev = NULL;
    s->l_next = rl->limited;
    if (rl->limited)
        rl->limited->l_prev = s;
    rl->limited = s;
    rl->st.limited++;
}

static void limited_remove(cl_ratelimit *rl, source *s)
{
    if (!s->limited)
        return;
    if (s->l_prev)
        s->l_prev->l_next = s->l_next;
    else
        rl->limited = s->l_next;
    if (s->l_next)
        s->l_next->l_prev = s->l_prev;
    s->l_prev = s->l_next = NULL;
    s->limited = 0;
    rl->st.limited--;
}

/* Hands the source's suppressed count to the report callback, once. */
static void report(cl_ratelimit *rl, source *s)
{
    uint64_t n = s->suppressed;

    limited_remove(rl, s);
    if (n == 0)
        return;
    s->suppressed = 0;
    rl->st.reports++;
    if (rl->report)
        rl->report(rl->arg, s->app, s->app_len, s->pid, n);
}

static void evict(cl_ratelimit *rl, source *s)
{
    source **pp = &rl->buckets[s->hash & (rl->nbuckets - 1)];

    report(rl, s);
    while (*pp != s)
        pp = &(*pp)->h_next;
    *pp = s->h_next;
    lru_unlink(rl, s);
    rl->st.sources--;
    rl->st.evictions++;
    free(s);
}

static source *lookup(cl_ratelimit *rl, const char *app, size_t n, int64_t pid)
{
    uint64_t h = hash_source(app, n, pid);
    source **slot = &rl->buckets[h & (rl->nbuckets - 1)];
    source *s;

    for (s = *slot; s != NULL; s = s->h_next) {
        if (s->hash == h && s->pid == pid && s->app_len == n && memcmp(s->app, app, n) == 0) {
            lru_unlink(rl, s);
            lru_push(rl, s);
            return s;
        }
    }
    if (rl->st.sources >= rl->cfg.max_sources && rl->lru_tail != NULL)
        evict(rl, rl->lru_tail);
    s = malloc(sizeof *s + n);
    if (s == NULL)
        return NULL;
    memset(s, 0, sizeof *s);
    s->hash = h;
    s->pid = pid;
    s->app_len = n;
    memcpy(s->app, app, n);
    /* The slot may have changed: eviction can unlink the chain's head. */
    slot = &rl->buckets[h & (rl->nbuckets - 1)];
    s->h_next = *slot;
    *slot = s;
    lru_push(rl, s);
    rl->st.sources++;
    return s;
}

int cl_ratelimit_check(cl_ratelimit *rl, const char *app, size_t app_len, int64_t pid, int level,
                       int64_t now_us)
{
    source *s;

    if (rl == NULL || rl->cfg.burst == 0 || rl->cfg.interval_us <= 0 ||
        level <= rl->cfg.exempt_level)
        return 1;
    s = lookup(rl, app, app_len, pid);
    if (s == NULL)
        return 1;
    if (now_us >= s->window_end_us) {
        /* The previous window is over: say what it cost, refill. */
        report(rl, s);
        s->used = 0;
        s->window_end_us = now_us + rl->cfg.interval_us;
    }
    if (s->used < rl->cfg.burst) {
        s->used++;
        return 1;
    }
    s->suppressed++;
    rl->st.suppressed++;
    limited_add(rl, s);
    return 0;
}

void cl_ratelimit_sweep(cl_ratelimit *rl, int64_t now_us)
{
    source *next;

    if (rl == NULL)
        return;
    for (source *s = rl->limited; s != NULL; s = next) {
        next = s->l_next;
        if (now_us >= s->window_end_us)
            report(rl, s);
    }
}

void cl_ratelimit_flush(cl_ratelimit *rl)
{
    if (rl == NULL)
        return;
    while (rl->limited != NULL)
        report(rl, rl->limited);
}

void cl_ratelimit_get_stats(const cl_ratelimit *rl, cl_ratelimit_stats *st)
{
    if (rl == NULL) {
        memset(st, 0, sizeof *st);
        return;
    }
    *st = rl->st;
}

void cl_ratelimit_free(cl_ratelimit *rl)
{
    if (rl == NULL)
        return;
    while (rl->lru_head != NULL) {
        source *s = rl->lru_head;

        rl->lru_head = s->lru_next;
        free(s);
    }
    free(rl->buckets);
    free(rl);
}
