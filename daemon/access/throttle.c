#include "throttle.h"

#include "mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    char *key;
    int failures;
    time_t last;    /* the last failure's time (0: none yet) */
    int pending;    /* attempts begun and not settled */
    time_t started; /* the last pending attempt's start */
};

struct throttle {
    pthread_mutex_t mu;
    struct entry entries[THROTTLE_KEYS];
    size_t n;
};

struct throttle *throttle_new(void)
{
    struct throttle *t = xcalloc(1, sizeof *t);
    pthread_mutex_init(&t->mu, NULL);
    return t;
}

void throttle_free(struct throttle *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->entries[i].key);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

/* The entry of key, or NULL; forgets the entries too old to matter. */
static struct entry *find(struct throttle *t, const char *key, time_t now)
{
    struct entry *found = NULL;
    for (size_t i = 0; i < t->n;) {
        struct entry *e = &t->entries[i];
        if (!e->pending && now - e->last > THROTTLE_FORGET) {
            free(e->key);
            *e = t->entries[--t->n];
            continue;
        }
        if (strcmp(e->key, key) == 0)
            found = e;
        i++;
    }
    return found;
}

/* When an entry was last used: its last failure, or a pending attempt. */
static time_t used(const struct entry *e)
{
    return e->pending && e->started > e->last ? e->started : e->last;
}

/* Pending attempts count as failures at their start. */
static long wait_of(const struct entry *e, int free_failures, time_t now)
{
    int failures = e ? e->failures + e->pending : 0;
    if (failures < free_failures)
        return 0;
    int shift = failures - free_failures;
    long delay = shift >= 10 ? THROTTLE_MAX_WAIT : 1L << shift;
    if (delay > THROTTLE_MAX_WAIT)
        delay = THROTTLE_MAX_WAIT;
    long left = (long)(used(e) + delay - now);
    return left > 0 ? left : 0;
}

long throttle_wait(struct throttle *t, const char *key, int free_failures, time_t now)
{
    pthread_mutex_lock(&t->mu);
    long left = wait_of(find(t, key, now), free_failures, now);
    pthread_mutex_unlock(&t->mu);
    return left;
}

/* The entry that goes to make room: the fewest failures and attempts,
 * then the oldest. Not the oldest alone: one failure each from enough
 * addresses flushed an account's count out of a full table (4,000 names
 * from 400 addresses gave an attacked account its free attempts again). */
static struct entry *evicted(struct throttle *t)
{
    struct entry *o = &t->entries[0];
    for (size_t i = 1; i < t->n; i++) {
        const struct entry *e = &t->entries[i];
        int ef = e->failures + e->pending, of = o->failures + o->pending;
        if (ef < of || (ef == of && used(e) < used(o)))
            o = &t->entries[i];
    }
    return o;
}

/* The entry of key, made when there is none; t->mu held. */
static struct entry *entry_of(struct throttle *t, const char *key, time_t now)
{
    struct entry *e = find(t, key, now);
    if (!e) {
        if (t->n < THROTTLE_KEYS) {
            e = &t->entries[t->n++];
        } else {
            e = evicted(t);
            free(e->key);
        }
        *e = (struct entry){.key = xstrdup(key)};
    }
    return e;
}

void throttle_failed(struct throttle *t, const char *key, time_t now)
{
    pthread_mutex_lock(&t->mu);
    struct entry *e = entry_of(t, key, now);
    e->failures++;
    e->last = now;
    pthread_mutex_unlock(&t->mu);
}

long throttle_attempt(struct throttle *t, const char *ukey, const char *akey, time_t now)
{
    pthread_mutex_lock(&t->mu);
    long u = wait_of(find(t, ukey, now), THROTTLE_FREE, now),
         a = wait_of(find(t, akey, now), THROTTLE_FREE_ADDR, now);
    for (int i = 0; u == 0 && a == 0 && i < 2; i++) {
        struct entry *e = entry_of(t, i ? akey : ukey, now);
        e->pending++;
        e->started = now;
    }
    pthread_mutex_unlock(&t->mu);
    return u > a ? u : a;
}

void throttle_settle(struct throttle *t, const char *key, bool failed, time_t now)
{
    pthread_mutex_lock(&t->mu);
    struct entry *e = failed ? entry_of(t, key, now) : find(t, key, now);
    if (e && e->pending > 0)
        e->pending--;
    if (e && failed) {
        e->failures++;
        e->last = now;
    }
    if (e && !e->pending && !e->failures) { /* nothing to remember */
        free(e->key);
        *e = t->entries[--t->n];
    }
    pthread_mutex_unlock(&t->mu);
}

void throttle_clear(struct throttle *t, const char *key)
{
    pthread_mutex_lock(&t->mu);
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->entries[i].key, key) == 0) {
            free(t->entries[i].key);
            t->entries[i] = t->entries[--t->n];
            break;
        }
    pthread_mutex_unlock(&t->mu);
}
