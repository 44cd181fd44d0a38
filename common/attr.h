/* attr.h - compiler annotations used across the project. */
#ifndef CL_ATTR_H
#define CL_ATTR_H

/* printf-style checking. mingw's "printf" archetype is Microsoft's, which
 * knows neither %zu nor %lld; the project is built with mingw's own C99
 * stdio (__USE_MINGW_ANSI_STDIO), whose archetype is gnu_printf. */
#if defined(__MINGW32__)
#define CL_PRINTF_LIKE(fmt, args) __attribute__((format(gnu_printf, fmt, args)))
#elif defined(__GNUC__)
#define CL_PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CL_PRINTF_LIKE(fmt, args)
#endif

#endif
