/* crash.h - injected crashes for the crash-safety tests.
 *
 * Every step of a rotation (R1-R3), a seal (S1-S4), a removal (D1-D3) and
 * the migration of a single database (M1-M3) calls cl_crash_point with its
 * name right before it acts. In a build with CL_TESTING (the tests' build,
 * CMake option CL_TESTING), CENTRALLOG_CRASH_AT=<step>[:<n>] aborts the
 * process there, at the n-th time the step is reached (default the first),
 * as SQLite's own crash tests do; a SIGKILL at that point leaves the same
 * files. Without CL_TESTING the call compiles to nothing. */
#ifndef CL_CRASH_H
#define CL_CRASH_H

/* Likewise CENTRALLOG_REFUSE=<step>:<n> makes the file operation of a step
 * that a reader can refuse on Windows (M2's move: SQLite opens without
 * FILE_SHARE_DELETE) be refused its first n times, on any platform: the
 * retry is tested where Wine does not refuse. Returns 1 (errno EACCES) when
 * the caller must act as if refused. Without CL_TESTING: always 0. */
#ifdef CL_TESTING
void cl_crash_point(const char *step);
int cl_refuse_point(const char *step);
#else
static inline void cl_crash_point(const char *step)
{
    (void)step;
}
static inline int cl_refuse_point(const char *step)
{
    (void)step;
    return 0;
}
#endif

#endif
