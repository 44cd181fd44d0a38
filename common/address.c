/* address.c - the platform-independent part of address resolution. */
#include "address.h"

#include <stdlib.h>

const char *cl_address_origin(const char *explicit_addr)
{
    const char *env;

    if (explicit_addr != NULL && explicit_addr[0] != '\0')
        return "--address";
    env = getenv(CL_ADDRESS_ENV);
    if (env != NULL && env[0] != '\0')
        return "$" CL_ADDRESS_ENV;
    return "default";
}
