/* json_arena.h - cJSON allocations from a per-thread bump arena.
 *
 * Parsing an entry makes cJSON allocate a node per value and a copy per
 * string, and free them all a microsecond later: at 200,000 entries/s that
 * malloc/free traffic was a tenth of the collector's CPU. While an arena is
 * active on a thread, cJSON's allocations come from it and frees are no-ops;
 * cl_json_arena_end() releases everything at once. Nothing allocated inside
 * may outlive cl_json_arena_end(). */
#ifndef CL_JSON_ARENA_H
#define CL_JSON_ARENA_H

/* Installs the cJSON hooks; idempotent, call before any other cJSON use. */
void cl_json_arena_install(void);

void cl_json_arena_begin(void);
void cl_json_arena_end(void);

#endif
