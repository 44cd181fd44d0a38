/* compress_win32.c - the compressor thread's priority on Windows (compress.h). */
#include "compress.h"

#include <windows.h>

void cl_compress_lower_priority(void)
{
    /* Below the writer and I/O threads; failure only means it competes as
     * an equal. */
    (void)SetThreadPriority(GetCurrentThread(), THREAD_PRIORITY_BELOW_NORMAL);
}
