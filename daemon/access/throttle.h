/* Throttling of failed sign-ins, checked before any password is hashed:
 * per account ("user:NAME") and per client address ("addr:IP"). After F
 * failures in a row (THROTTLE_FREE for an account, THROTTLE_FREE_ADDR for
 * an address, which may be a proxy or an office's NAT in front of many
 * people), every next attempt must wait 2^(n - F) seconds after the last
 * failure (at most THROTTLE_MAX_WAIT); a success clears the account (an
 * address keeps its count: one client trying many accounts stays
 * slowed). An entry is forgotten an hour after its last failure; at most
 * THROTTLE_KEYS are kept (the oldest go).
 *
 * Threads: every function may be called from any thread (one mutex).
 * Ownership: throttle_new() gives the caller a throttle to throttle_free();
 * keys are copied. */
#ifndef RETENTIOND_THROTTLE_H
#define RETENTIOND_THROTTLE_H

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

#endif
