/* json_arena.c - see json_arena.h. */
#include "json_arena.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#define ARENA_MIN (64u * 1024u)
#define ARENA_MAX (4u * 1024u * 1024u)

typedef struct arena {
    char *base;
    size_t used, cap;
    size_t wanted; /* bytes the last use needed, to size the next */
    int active;
} arena;

/* The arena itself is on the heap and the thread-local slot holds only a
 * pointer: the destructor must not touch thread-local storage, which some
 * runtimes (mingw's emulated TLS) free before other key destructors run. */
static _Thread_local arena *tl_arena;
static pthread_key_t arena_key;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

/* Frees a thread's arena when the thread exits. */
static void arena_release(void *p)
{
    arena *a = p;

    free(a->base);
    free(a);
}

static void make_key(void)
{
    pthread_key_create(&arena_key, arena_release);
}

static void *arena_malloc(size_t n)
{
    arena *a = tl_arena;
    size_t need = (n + 15) & ~(size_t)15;

    if (a != NULL && a->active) {
        a->wanted += need;
        if (a->used + need <= a->cap) {
            void *p = a->base + a->used;

            a->used += need;
            return p;
        }
    }
    return malloc(n);
}

static void arena_free(void *p)
{
    arena *a = tl_arena;

    if (a != NULL && a->base != NULL && (char *)p >= a->base && (char *)p < a->base + a->cap)
        return;
    free(p);
}

void cl_json_arena_install(void)
{
    cJSON_Hooks h = { arena_malloc, arena_free };

    cJSON_InitHooks(&h);
}

void cl_json_arena_begin(void)
{
    static atomic_int installed;
    arena *a = tl_arena;

    /* Installing late is safe: the hooks fall back to malloc/free for
     * anything not in an arena, so earlier objects are freed correctly. */
    if (!atomic_exchange(&installed, 1))
        cl_json_arena_install();
    if (a == NULL) {
        a = calloc(1, sizeof *a);
        if (a == NULL)
            return; /* no arena: cJSON uses malloc as usual */
        pthread_once(&arena_once, make_key);
        pthread_setspecific(arena_key, a);
        tl_arena = a;
    }

    if (a->base == NULL || (a->wanted > a->cap && a->cap < ARENA_MAX)) {
        /* Grow to what the last parse needed, so a run of large entries
         * stops falling back to malloc. */
        size_t cap = a->cap ? a->cap : ARENA_MIN;
        char *nb;

        while (cap < a->wanted && cap < ARENA_MAX)
            cap *= 2;
        nb = malloc(cap);
        if (nb != NULL) {
            free(a->base);
            a->base = nb;
            a->cap = cap;
        }
    }
    a->used = 0;
    a->wanted = 0;
    a->active = a->base != NULL;
}

void cl_json_arena_end(void)
{
    arena *a = tl_arena;

    if (a != NULL) {
        a->active = 0;
        a->used = 0;
    }
}
