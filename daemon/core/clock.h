/* The monotonic clock, for durations and deadlines (never a date: see
 * date.h).
 *
 * Ownership: nothing is allocated. */
#ifndef RETENTIOND_CLOCK_H
#define RETENTIOND_CLOCK_H

/* Seconds on CLOCK_MONOTONIC (an arbitrary origin: only differences mean
 * something). */
double clock_seconds(void);

#endif
