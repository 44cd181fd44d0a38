/* service.h - centrallogd as a Windows service (service_win32.c): installed
 * once with the options it should run with, started by the Service Control
 * Manager at boot. POSIX has no such thing (service_posix.c): config.c
 * refuses the options there, and these only say so. */
#ifndef CL_SERVICE_H
#define CL_SERVICE_H

#include "config.h"

/* The service's name (sc start CentralLog) and the file in the data
 * directory that takes a service's stderr, since it has no console. */
#define CL_SERVICE_NAME "CentralLog"
#define CL_SERVICE_ERR_FILE "centrallogd.err"

/* --install-service: registers the service to run this executable with
 * --service and the other options of argv (UTF-8), paths made absolute and
 * --data-dir added if none was given. Prints what it did; returns the exit
 * status (0 installed, 1 failed, e.g. already installed or not elevated). */
int cl_service_install(const cl_config *cfg, int argc, char **argv);

/* --uninstall-service: stops the service (waiting a bounded time) and
 * deletes it. Returns 0, or 1 (not installed, not elevated, ...). */
int cl_service_uninstall(void);

/* --service: hands the process to the Service Control Manager and runs the
 * collector under it. config_err is the error of cl_config_load, or NULL:
 * even that is written to the data directory's CL_SERVICE_ERR_FILE and
 * reported as the service's exit code. Returns the exit status. */
int cl_service_run(const cl_config *cfg, const char *config_err);

#endif
