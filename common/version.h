/* version.h - one place for the version every program reports.
 *
 * The build takes the project's version from CL_VERSION_STRING here (the
 * top-level CMakeLists.txt). The SDK's public header repeats it as
 * CL_SDK_VERSION_* because an installed header must stand alone;
 * client-sdk/src/logger.c refuses to compile when the two disagree. */
#ifndef CL_VERSION_H
#define CL_VERSION_H

#define CL_VERSION_MAJOR 0
#define CL_VERSION_MINOR 1
#define CL_VERSION_PATCH 0
#define CL_VERSION_STRING "0.1.0"
#define CL_PROTOCOL_VERSION 1

#endif
