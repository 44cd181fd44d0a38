/* sidcache.c - a small, bounded, never-shrinking intern table.
 *
 * Open addressing over twice as many slots as entries may ever be stored, so
 * a probe always ends at an empty slot and chains stay short. A lookup runs
 * once per connection (not per entry), so one mutex is contention enough.
 */
#include "sidcache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS (2 * CL_SID_CACHE_MAX)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *slots[SLOTS];
static size_t count;

/* Only what ConvertSidToStringSid produces: sinks rely on it needing no
 * escaping in JSON or in the text file. */
static int well_formed(const char *s, size_t *len)
{
    size_t n = 0;

    for (; s[n] != '\0'; n++) {
        unsigned char c = (unsigned char)s[n];

        if (n >= CL_SID_TEXT_MAX)
            return 0;
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              c == '-'))
            return 0;
    }
    *len = n;
    return n > 0;
}

static uint32_t hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

const char *cl_sid_intern(const char *sid)
{
    const char *found = NULL;
    size_t n, i;

    if (sid == NULL || !well_formed(sid, &n))
        return NULL;
    pthread_mutex_lock(&lock);
    for (i = hash(sid, n) % SLOTS; slots[i] != NULL; i = (i + 1) % SLOTS) {
        if (strcmp(slots[i], sid) == 0) {
            found = slots[i];
            break;
        }
    }
    if (found == NULL && count < CL_SID_CACHE_MAX) {
        char *copy = malloc(n + 1);

        if (copy != NULL) {
            memcpy(copy, sid, n + 1);
            slots[i] = copy;
            count++;
            found = copy;
        }
    }
    pthread_mutex_unlock(&lock);
    return found;
}

size_t cl_sid_count(void)
{
    size_t n;

    pthread_mutex_lock(&lock);
    n = count;
    pthread_mutex_unlock(&lock);
    return n;
}
