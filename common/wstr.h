/* wstr.h - UTF-8 inside, UTF-16 for the Win32 calls (wstr_win32.c; Windows
 * only). Every path, pipe name and SID in CentralLog is UTF-8; these are the
 * one place it meets the wide API. */
#ifndef CL_WSTR_H
#define CL_WSTR_H

#ifdef _WIN32
#include <wchar.h>

/* The wide form of s (malloc'd; the caller frees), or NULL when s is not
 * valid UTF-8 (never a lossy substitute: a wrong file name is worse than
 * none) or memory is short. */
wchar_t *cl_wide(const char *s);

/* The UTF-8 form of w (malloc'd), or NULL when memory is short. */
char *cl_utf8(const wchar_t *w);
#endif

#endif
