/* unsafe.c - see unsafe.h. */
#include "unsafe.h"

int cl_cp_unsafe(unsigned cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        return 1;
    if (cp < 0x061C)
        return 0;
    return cp == 0x061C || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
           (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

char *cl_put_u(char *o, unsigned cp)
{
    static const char hex[] = "0123456789abcdef";

    *o++ = '\\';
    *o++ = 'u';
    *o++ = hex[(cp >> 12) & 15];
    *o++ = hex[(cp >> 8) & 15];
    *o++ = hex[(cp >> 4) & 15];
    *o++ = hex[cp & 15];
    return o;
}

int cl_name_byte_unsafe(unsigned char c)
{
    return c == ' ' || c == '[' || c == ']' || c == ':';
}
