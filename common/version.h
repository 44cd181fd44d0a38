/* version.h - one place for the version every program reports. */
#ifndef CL_VERSION_H
#define CL_VERSION_H

#define CL_VERSION_MAJOR 0
#define CL_VERSION_MINOR 1
#define CL_VERSION_PATCH 0
#define CL_VERSION_STRING "0.1.0"
#define CL_PROTOCOL_VERSION 1

#endif
