/* heap_glibc.c - glibc keeps freed pages in its arenas; malloc_trim(0) hands
 * back every whole free page of every arena (madvise), not only the top. */
#include "heap.h"

#include <malloc.h>

void cl_heap_release(void)
{
    malloc_trim(0);
}
