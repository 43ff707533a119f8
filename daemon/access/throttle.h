/* Throttling of failed sign-ins, checked before any password is hashed:
 * per account ("user:NAME") and per client address ("addr:IP"). After F
 * failures in a row (THROTTLE_FREE for an account, THROTTLE_FREE_ADDR for
 * an address, which may be a proxy or an office's NAT in front of many
 * people), every next attempt must wait 2^(n - F) seconds after the last
 * failure (at most THROTTLE_MAX_WAIT); a success clears the account (an
 * address keeps its count: one client trying many accounts stays
 * slowed). An entry is forgotten an hour after its last failure; at most
 * THROTTLE_KEYS are kept (when full, one of the fewest failures goes, the
 * oldest of them: a flood of single failures does not push out a count
 * that is throttling).
 *
 * Threads: every function may be called from any thread (one mutex).
 * Ownership: throttle_new() gives the caller a throttle to throttle_free();
 * keys are copied. */
#ifndef RETENTIOND_THROTTLE_H
#define RETENTIOND_THROTTLE_H

#include <stdbool.h>
#include <time.h>

#define THROTTLE_FREE      3
#define THROTTLE_FREE_ADDR 10
#define THROTTLE_MAX_WAIT  900
#define THROTTLE_KEYS      4096
#define THROTTLE_FORGET    3600

struct throttle;

struct throttle *throttle_new(void);
void throttle_free(struct throttle *t);

/* Seconds key must still wait at `now` (0: it may try), after
 * free_failures free ones. */
long throttle_wait(struct throttle *t, const char *key, int free_failures, time_t now);
void throttle_failed(struct throttle *t, const char *key, time_t now);
void throttle_clear(struct throttle *t, const char *key);

/* A sign-in's attempt for an account (ukey, THROTTLE_FREE) from an address
 * (akey, THROTTLE_FREE_ADDR), checked and begun in one step: the seconds
 * either must still wait, or 0 with the attempt pending on both. A pending
 * attempt counts as a failure at `now` for the attempts checked meanwhile,
 * so that attempts made at once (one per HTTP thread) cannot all pass the
 * check before the first failure is counted. Each begun attempt is settled
 * on both keys with throttle_settle: failed (a failure at now, as
 * throttle_failed counts it) or not (as if it had not been made). */
long throttle_attempt(struct throttle *t, const char *ukey, const char *akey, time_t now);
void throttle_settle(struct throttle *t, const char *key, bool failed, time_t now);

#endif
