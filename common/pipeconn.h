/* pipeconn.h - connecting to the collector's named pipe as a producer
 * (Windows). The SDK and the CLI connect through this one function, so both
 * ask for exactly CL_PIPE_CLIENT_ACCESS (pipesec.h) and refuse to be
 * impersonated beyond identification. */
#ifndef CL_PIPECONN_H
#define CL_PIPECONN_H

#ifdef _WIN32
#include <windows.h>

/* Opens the pipe name (UTF-8) for overlapped I/O. While every instance is
 * busy it waits for one, up to wait_ms in all. Returns the handle, or
 * INVALID_HANDLE_VALUE with GetLastError() saying why: ERROR_BAD_PATHNAME
 * for a name that is not UTF-8, ERROR_PIPE_BUSY when every instance stayed
 * busy, or what CreateFileW said. */
HANDLE cl_pipe_connect(const char *name, DWORD wait_ms);
#endif

#endif
