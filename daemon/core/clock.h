/* The monotonic clock, for durations and deadlines (never a date: see
 * date.h).
 *
 * Ownership: nothing is allocated. */
#ifndef RETENTIOND_CLOCK_H
#define RETENTIOND_CLOCK_H

#include <time.h>

/* Seconds on CLOCK_MONOTONIC (an arbitrary origin: only differences mean
 * something). */
double clock_seconds(void);

/* The time ms milliseconds from now on `clock` (CLOCK_REALTIME, or the
 * clock a condition variable was made with): pthread_cond_timedwait's
 * deadline. */
struct timespec clock_in_ms(clockid_t clock, long ms);

#endif
