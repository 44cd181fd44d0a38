/* heap_none.c - allocators without glibc's malloc_trim (the Windows heap,
 * musl, the BSDs' jemalloc-style allocators) decommit or unmap free memory
 * themselves; there is nothing to ask. */
#include "heap.h"

void cl_heap_release(void)
{
}
