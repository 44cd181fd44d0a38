/* keeper_os.h - what the keeper needs from the platform: a lower priority
 * for its thread, the names in a folder, and removing a file with the
 * difference between "not there" and "refused" kept (on Windows a file a
 * reader holds open cannot be removed: SQLite opens without
 * FILE_SHARE_DELETE; the keeper retries on its next pass).
 * keeper_posix.c / keeper_win32.c. */
#ifndef CL_KEEPER_OS_H
#define CL_KEEPER_OS_H

/* Lowers the calling thread's scheduling priority (sealing and removal must
 * never take CPU from ingest). Best effort. */
void cl_keeper_lower_priority(void);

/* Calls fn for each name in dir ("." and ".." excepted) until it returns
 * non-zero. Returns 0, or -1 when the folder cannot be read (errno). */
int cl_keeper_list_dir(const char *dir, int (*fn)(const char *name, void *arg), void *arg);

enum { CL_UNLINK_DONE = 0, CL_UNLINK_ABSENT = 1, CL_UNLINK_REFUSED = -1 };
/* Removes a file: CL_UNLINK_DONE, CL_UNLINK_ABSENT, or CL_UNLINK_REFUSED
 * (errno: e.g. EACCES for a file held open on Windows). */
int cl_keeper_unlink(const char *path);

/* Whether a rename that failed with errno err was refused because another
 * process holds the file open (Windows: EACCES, a sharing violation) - worth
 * trying again once it lets go. Always 0 on POSIX, where open files move. */
int cl_keeper_rename_refused(int err);

#endif
