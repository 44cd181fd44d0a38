/* compress_posix.c - the compressor thread's priority on POSIX (compress.h). */
#include "compress.h"

#include <sys/resource.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

void cl_compress_lower_priority(void)
{
#ifdef __linux__
    /* On Linux a nice value belongs to the thread (its tid): ingest's
     * threads keep theirs. Failure only means it competes as an equal. */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
#endif
}
