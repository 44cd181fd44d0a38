/* service_posix.c - service.h where there is no Service Control Manager.
 * config.c already refuses the options with exit status 2; these keep
 * main.c the same on every platform and say the same if ever reached. */
#include "service.h"

#include <stdio.h>

static int windows_only(const char *option)
{
    fprintf(stderr, "centrallogd: --%s is Windows-only\n", option);
    return 2;
}

int cl_service_install(const cl_config *cfg, int argc, char **argv)
{
    (void)cfg;
    (void)argc;
    (void)argv;
    return windows_only("install-service");
}

int cl_service_uninstall(void)
{
    return windows_only("uninstall-service");
}

int cl_service_run(const cl_config *cfg, const char *config_err)
{
    (void)cfg;
    (void)config_err;
    return windows_only("service");
}
