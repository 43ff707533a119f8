/* Retries with exponential backoff, for a caller (the bulletin job) that
 * sends mail: attempt, and after a failure that may pass (a refused
 * connection, a time-out, a 4xx reply) wait first_delay_ms, then twice
 * that, and so on up to max_delay_ms, at most max_attempts attempts in all.
 * A failure that cannot pass (a 5xx reply, a refused login) ends at once.
 *
 * The wait goes through a sleep function the caller may replace: the tests
 * record the delays instead of sleeping, and a daemon thread can wait on
 * its own condition variable so that a shutdown does not wait for it.
 *
 * Ownership: struct mail_retry and the contexts are the caller's, borrowed
 * for the call; nothing is kept. */
#ifndef RETENTIOND_MAIL_RETRY_H
#define RETENTIOND_MAIL_RETRY_H

#include <stdbool.h>

/* Waits ms milliseconds; ctx is the policy's sleep_ctx. */
typedef void (*mail_retry_sleep_fn)(void *ctx, long ms);

struct mail_retry {
    int max_attempts;          /* >= 1; 1 = no retry */
    long first_delay_ms;       /* the wait after the first failure (>= 0) */
    long max_delay_ms;         /* the doubling stops here */
    mail_retry_sleep_fn sleep; /* NULL: mail_retry_sleep (nanosleep) */
    void *sleep_ctx;
    /* NULL, or true once the process stops (ctx: sleep_ctx): no attempt
     * follows a wait cut short by it */
    bool (*stopped)(void *ctx);
};

/* 4 attempts, 1 s, 2 s, 4 s apart (60 s at most). */
#define MAIL_RETRY_DEFAULT                                                                         \
    {                                                                                              \
        4, 1000, 60000, NULL, NULL, NULL                                                           \
    }

enum mail_retry_verdict {
    MAIL_RETRY_DONE,   /* the attempt succeeded */
    MAIL_RETRY_AGAIN,  /* it failed, a later attempt may succeed */
    MAIL_RETRY_GIVE_UP /* it failed for good */
};

/* One attempt; attempt counts from 1. */
typedef enum mail_retry_verdict (*mail_retry_fn)(void *ctx, int attempt);

/* The wait after `failures` failed attempts (>= 1): first_delay_ms x
 * 2^(failures - 1), at most max_delay_ms (never overflows). */
long mail_retry_delay_ms(const struct mail_retry *r, int failures);

/* Calls fn until it is DONE or GIVE_UP, or max_attempts were made, waiting
 * mail_retry_delay_ms() between attempts. True when an attempt succeeded;
 * *attempts (may be NULL) receives the number of attempts made. Logs each
 * wait (log_info); fn logs its own failures. */
bool mail_retry_run(const struct mail_retry *r, mail_retry_fn fn, void *ctx, int *attempts);

/* The default sleep: nanosleep(2), resumed after a signal. ctx unused. */
void mail_retry_sleep(void *ctx, long ms);

#endif
