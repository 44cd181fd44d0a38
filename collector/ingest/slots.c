/* slots.c - per-UID connection counts in a small hash table, and the
 * connections in a list ordered by last activity for idle reclaim. */
#include "slots.h"

#include <stdlib.h>
#include <string.h>

#define UID_BUCKETS 256 /* a power of two; chains stay short for real UID counts */

typedef struct uid_count {
    struct uid_count *next;
    int64_t uid;
    size_t count;
} uid_count;

struct cl_slots {
    cl_slots_config cfg;
    size_t short_mark;
    uid_count *buckets[UID_BUCKETS];
    cl_slot *head, *tail; /* most recently active first */
    cl_slots_stats st;
};

int cl_slots_new(cl_slots **out, const cl_slots_config *cfg)
{
    cl_slots *sl = calloc(1, sizeof *sl);

    *out = NULL;
    if (sl == NULL)
        return -1;
    sl->cfg = *cfg;
    /* Rounded up, and at least one: a limit of 10 is short at 9, 3 at 3. */
    sl->short_mark = (cfg->max_total * CL_SLOTS_SHORT_PCT + 99) / 100;
    if (sl->short_mark == 0)
        sl->short_mark = 1;
    *out = sl;
    return 0;
}

void cl_slots_free(cl_slots *sl)
{
    if (sl == NULL)
        return;
    for (size_t i = 0; i < UID_BUCKETS; i++) {
        while (sl->buckets[i] != NULL) {
            uid_count *u = sl->buckets[i];

            sl->buckets[i] = u->next;
            free(u);
        }
    }
    free(sl);
}

static uid_count **bucket(cl_slots *sl, int64_t uid)
{
    uint64_t h = (uint64_t)uid * 0x9E3779B97F4A7C15ULL;

    return &sl->buckets[(h >> 56) & (UID_BUCKETS - 1)];
}

static int exempt(const cl_slots *sl, int64_t uid)
{
    return sl->cfg.max_per_uid == 0 || uid < 0 || uid == 0 || uid == sl->cfg.self_uid;
}

static void list_push(cl_slots *sl, cl_slot *s)
{
    s->prev = NULL;
    s->next = sl->head;
    if (sl->head)
        sl->head->prev = s;
    sl->head = s;
    if (sl->tail == NULL)
        sl->tail = s;
}

static void list_unlink(cl_slots *sl, cl_slot *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        sl->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        sl->tail = s->prev;
    s->prev = s->next = NULL;
}

int cl_slots_admit(cl_slots *sl, cl_slot *slot, int64_t uid, int64_t now_us)
{
    uid_count **pp, *u = NULL;

    if (!exempt(sl, uid)) {
        pp = bucket(sl, uid);
        for (u = *pp; u != NULL && u->uid != uid; u = u->next)
            ;
        if (u != NULL && u->count >= sl->cfg.max_per_uid) {
            sl->st.refused_uid++;
            return -1;
        }
        if (u == NULL && (u = calloc(1, sizeof *u)) != NULL) {
            u->uid = uid;
            u->next = *pp;
            *pp = u;
            sl->st.uids++;
        }
        if (u != NULL)
            u->count++;
    }
    slot->owner = u;
    slot->active_us = now_us;
    slot->admitted = 1;
    list_push(sl, slot);
    sl->st.in_use++;
    return 0;
}

void cl_slots_touch(cl_slots *sl, cl_slot *slot, int64_t now_us)
{
    if (!slot->admitted)
        return;
    slot->active_us = now_us;
    if (sl->head != slot) {
        list_unlink(sl, slot);
        list_push(sl, slot);
    }
}

void cl_slots_leave(cl_slots *sl, cl_slot *slot)
{
    uid_count *u = slot->owner;

    if (!slot->admitted)
        return;
    slot->admitted = 0;
    list_unlink(sl, slot);
    sl->st.in_use--;
    slot->owner = NULL;
    if (u != NULL && --u->count == 0) {
        uid_count **pp = bucket(sl, u->uid);

        while (*pp != u)
            pp = &(*pp)->next;
        *pp = u->next;
        free(u);
        sl->st.uids--;
    }
}

int cl_slots_short(const cl_slots *sl)
{
    return sl->cfg.max_total > 0 && sl->st.in_use >= sl->short_mark;
}

cl_slot *cl_slots_reclaim(cl_slots *sl, int64_t now_us, cl_slots_can_close can_close, void *arg)
{
    if (sl->cfg.idle_reclaim_us <= 0)
        return NULL;
    /* From the least recently active: the first one not idle long enough
     * ends the search, since every later one was active more recently. */
    for (int seen = 0; seen < CL_SLOTS_SCAN_MAX && sl->tail != NULL; seen++) {
        cl_slot *s = sl->tail;

        if (now_us - s->active_us < sl->cfg.idle_reclaim_us)
            return NULL;
        if (can_close(s, arg)) {
            sl->st.reclaimed++;
            return s;
        }
        /* Something is in flight (half a line, unread replies): that is
         * not idleness. It goes to the front, so that a tail of such
         * connections cannot hide the idle ones behind it. */
        cl_slots_touch(sl, s, now_us);
    }
    return NULL;
}

void cl_slots_get_stats(const cl_slots *sl, cl_slots_stats *st)
{
    if (sl == NULL) {
        memset(st, 0, sizeof *st);
        return;
    }
    *st = sl->st;
}
