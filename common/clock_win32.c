/* clock_win32.c - clock.h over the system time and the performance counter. */
#include "clock.h"

#include <windows.h>

/* 100-ns intervals from 1601-01-01 (FILETIME's epoch) to 1970-01-01. */
#define EPOCH_DIFF_100NS 116444736000000000LL

int64_t cl_now_us(void)
{
    FILETIME ft;
    ULARGE_INTEGER t;

    GetSystemTimePreciseAsFileTime(&ft);
    t.LowPart = ft.dwLowDateTime;
    t.HighPart = ft.dwHighDateTime;
    return ((int64_t)t.QuadPart - EPOCH_DIFF_100NS) / 10;
}

int64_t cl_mono_us(void)
{
    static LARGE_INTEGER freq; /* constant from boot; reading it twice is harmless */
    LARGE_INTEGER now;

    if (freq.QuadPart == 0)
        QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    /* Whole seconds and the rest apart, so that the product cannot overflow. */
    return (int64_t)(now.QuadPart / freq.QuadPart) * 1000000 +
           (int64_t)(now.QuadPart % freq.QuadPart) * 1000000 / freq.QuadPart;
}
