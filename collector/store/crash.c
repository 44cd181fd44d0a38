/* crash.c - see crash.h. Compiled into the tests' build only. */
#include "crash.h"

#ifdef CL_TESTING
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_int hits;

void cl_crash_point(const char *step)
{
    const char *want = getenv("CENTRALLOG_CRASH_AT");
    size_t n = strlen(step);
    long nth = 1;

    if (want == NULL || strncmp(want, step, n) != 0 || (want[n] != '\0' && want[n] != ':'))
        return;
    if (want[n] == ':')
        nth = strtol(want + n + 1, NULL, 10);
    if (atomic_fetch_add(&hits, 1) + 1 < nth)
        return;
    fprintf(stderr, "centrallogd: CENTRALLOG_CRASH_AT=%s: aborting before %s\n", want, step);
    fflush(stderr);
    abort();
}

static atomic_long refusals;

int cl_refuse_point(const char *step)
{
    const char *want = getenv("CENTRALLOG_REFUSE");
    size_t n = strlen(step);

    if (want == NULL || strncmp(want, step, n) != 0 || want[n] != ':' ||
        atomic_fetch_add(&refusals, 1) >= strtol(want + n + 1, NULL, 10))
        return 0;
    errno = EACCES;
    return 1;
}
#endif
