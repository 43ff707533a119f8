#include "clock.h"

#include <time.h>

double clock_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct timespec clock_in_ms(clockid_t clock, long ms)
{
    struct timespec t;
    clock_gettime(clock, &t);
    long ns = t.tv_nsec + ms % 1000 * 1000000L;
    t.tv_sec += ms / 1000 + ns / 1000000000L;
    t.tv_nsec = ns % 1000000000L;
    return t;
}
