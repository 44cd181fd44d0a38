/* pipesec.h - the security of the collector's named pipe on Windows, in one
 * place: the collector puts CL_PIPE_DEFAULT_SDDL on every instance, the SDK
 * asks for CL_PIPE_CLIENT_ACCESS and nothing more, and a unit test
 * (tests/unit/test_pipe_sddl.c) checks with AccessCheck that the one grants
 * the other to any authenticated user but never the right to create pipe
 * instances.
 *
 * The default descriptor, protected from inheritance (P):
 *   SYSTEM, Administrators, the owner (the collector's account): full control;
 *   Authenticated Users: 0x00120183 = READ_CONTROL | SYNCHRONIZE |
 *     FILE_READ_DATA | FILE_WRITE_DATA | FILE_READ_ATTRIBUTES |
 *     FILE_WRITE_ATTRIBUTES - what a producer needs to write entries and
 *     read acks. Not FILE_CREATE_PIPE_INSTANCE (= FILE_APPEND_DATA, part of
 *     GENERIC_WRITE), which would let a local user add a rogue instance of
 *     the pipe and read other producers' entries.
 * Anonymous logons and guests get nothing. Remote clients are refused
 * before any of this by PIPE_REJECT_REMOTE_CLIENTS unless the collector runs
 * with --accept-remote (see the README for the SDDL that admits them). */
#ifndef CL_PIPESEC_H
#define CL_PIPESEC_H

#ifdef _WIN32
#include <windows.h>

#define CL_PIPE_DEFAULT_SDDL L"D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;OW)(A;;0x00120183;;;AU)"

/* What a producer opens the pipe with: read acks, write entries, and
 * SYNCHRONIZE for overlapped waits. */
#define CL_PIPE_CLIENT_ACCESS                                                                      \
    (FILE_READ_DATA | FILE_WRITE_DATA | FILE_READ_ATTRIBUTES | SYNCHRONIZE)
#endif

#endif
