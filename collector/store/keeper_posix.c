/* keeper_posix.c - keeper_os.h on POSIX. */
#include "keeper_os.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

void cl_keeper_lower_priority(void)
{
#ifdef __linux__
    /* On Linux a nice value belongs to a thread, named by its thread id. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
#endif
}

int cl_keeper_list_dir(const char *dir, int (*fn)(const char *name, void *arg), void *arg)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (fn(e->d_name, arg) != 0)
            break;
    }
    closedir(d);
    return 0;
}

int cl_keeper_unlink(const char *path)
{
    if (unlink(path) == 0)
        return CL_UNLINK_DONE;
    return errno == ENOENT ? CL_UNLINK_ABSENT : CL_UNLINK_REFUSED;
}

int cl_keeper_rename_refused(int err)
{
    (void)err;
    return 0;
}
