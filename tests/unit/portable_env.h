/* portable_env.h - setenv/unsetenv for the unit tests on Windows, where the
 * C runtime has _putenv_s instead (an empty value removes the variable). */
#ifndef CL_TEST_PORTABLE_ENV_H
#define CL_TEST_PORTABLE_ENV_H

#include <stdlib.h>

#ifdef _WIN32
#define setenv(name, value, overwrite) _putenv_s((name), (value))
#define unsetenv(name) _putenv_s((name), "")
#endif

#endif
