/* fsutil.h - small filesystem helpers shared by the collector and tools. */
#ifndef CL_FSUTIL_H
#define CL_FSUTIL_H

/* Creates the directory that will hold path (and its parents) with mode.
 * Returns 0, or -1 with errno set. */
int cl_mkdir_parents(const char *path, unsigned mode);

#endif
