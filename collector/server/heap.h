/* heap.h - giving freed memory back to the system.
 *
 * Some allocators (glibc's) keep the pages of freed blocks for reuse, so a
 * daemon's resident size stays at its peak after a burst - a flood of half
 * lines from thousands of connections, say. One function, one file per
 * allocator, chosen in CMake: heap_glibc.c asks malloc_trim, heap_none.c is
 * for allocators that return memory on their own (or offer no way to ask).
 */
#ifndef CL_HEAP_H
#define CL_HEAP_H

/* Returns free heap memory to the system where the allocator allows it.
 * Costs time in proportion to the heap (a walk of its free lists): call it
 * rarely, after memory was let go, not on every free. */
void cl_heap_release(void);

#endif
