#include "pool.h"

#include "mem.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct pool_slot {
    struct db *db;       /* NULL until first used */
    unsigned generation; /* of the settings db was opened with */
    bool busy;
};

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t freed; /* on CLOCK_MONOTONIC */
    char *conninfo;       /* guarded by mu, like everything below */
    int statement_timeout;
    int wait_ms;
    unsigned generation;
    int size;
    struct pool_slot *slots;
};

struct pool *pool_new(int size)
{
    struct pool *pool = xcalloc(1, sizeof *pool);
    pool->size = size > 0 ? size : 1;
    pool->slots = xcalloc((size_t)pool->size, sizeof *pool->slots);
    pool->conninfo = xstrdup("");
    pool->wait_ms = POOL_WAIT_DEFAULT_MS;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&pool->freed, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&pool->mu, NULL);
    return pool;
}

void pool_free(struct pool *pool)
{
    if (!pool)
        return;
    for (int i = 0; i < pool->size; i++)
        db_close(pool->slots[i].db);
    pthread_cond_destroy(&pool->freed);
    pthread_mutex_destroy(&pool->mu);
    free(pool->slots);
    free(pool->conninfo);
    free(pool);
}

void pool_configure(struct pool *pool, const char *conninfo, int statement_timeout_ms)
{
    char *copy = xstrdup(conninfo ? conninfo : "");
    pthread_mutex_lock(&pool->mu);
    free(pool->conninfo);
    pool->conninfo = copy;
    pool->statement_timeout = statement_timeout_ms;
    pool->generation++;
    for (int i = 0; i < pool->size; i++) {
        if (!pool->slots[i].busy) {
            db_close(pool->slots[i].db);
            pool->slots[i].db = NULL;
        }
    }
    pthread_mutex_unlock(&pool->mu);
}

void pool_set_wait(struct pool *pool, int wait_ms)
{
    pthread_mutex_lock(&pool->mu);
    pool->wait_ms = wait_ms > 0 ? wait_ms : 0;
    pthread_mutex_unlock(&pool->mu);
}

/* now + ms on CLOCK_MONOTONIC. */
static struct timespec deadline_in(int ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static struct pool_slot *idle_slot(struct pool *pool)
{
    for (int i = 0; i < pool->size; i++)
        if (!pool->slots[i].busy)
            return &pool->slots[i];
    return NULL;
}

/* Waits, until the deadline, for an idle slot and marks it busy; NULL when
 * none came free. When its connection must be (re)opened, *conninfo
 * receives a copy of the settings (the caller frees). */
static struct pool_slot *acquire(struct pool *pool, char **conninfo, int *timeout)
{
    pthread_mutex_lock(&pool->mu);
    struct timespec deadline = deadline_in(pool->wait_ms);
    struct pool_slot *slot = idle_slot(pool);
    int rc = 0;
    while (!slot && rc != ETIMEDOUT) {
        rc = pthread_cond_timedwait(&pool->freed, &pool->mu, &deadline);
        slot = idle_slot(pool); /* also after a time-out: a slot freed meanwhile is taken */
    }
    if (slot) {
        slot->busy = true;
        if (!slot->db) {
            *conninfo = xstrdup(pool->conninfo);
            *timeout = pool->statement_timeout;
            slot->generation = pool->generation;
        }
    }
    pthread_mutex_unlock(&pool->mu);
    return slot;
}

/* Gives the slot back; a connection opened with older settings is closed. */
static void release(struct pool *pool, struct pool_slot *slot)
{
    struct db *stale = NULL;
    pthread_mutex_lock(&pool->mu);
    if (slot->generation != pool->generation) {
        stale = slot->db;
        slot->db = NULL;
    }
    slot->busy = false;
    pthread_cond_signal(&pool->freed);
    pthread_mutex_unlock(&pool->mu);
    db_close(stale);
}

enum pool_status pool_run(struct pool *pool, bool (*fn)(struct db *db, void *ctx), void *ctx)
{
    char *conninfo = NULL;
    int timeout = 0;
    enum pool_status status = POOL_ERROR;
    struct pool_slot *slot = acquire(pool, &conninfo, &timeout);
    if (!slot)
        return POOL_BUSY;
    if (!slot->db && !db_connect(conninfo, timeout, &slot->db))
        goto done;
    if (fn(slot->db, ctx)) {
        status = POOL_OK;
    } else if (!db_alive(slot->db)) {
        db_close(slot->db);
        slot->db = NULL;
    }
done:
    free(conninfo);
    release(pool, slot);
    return status;
}

struct one_query {
    const char *sql;
    int nparams;
    const char *const *params;
    struct db_result **res;
};

static bool run_one(struct db *db, void *ctx)
{
    const struct one_query *q = ctx;
    return db_query(db, q->sql, q->nparams, q->params, q->res);
}

enum pool_status pool_query(struct pool *pool, const char *sql, int nparams,
                            const char *const *params, struct db_result **res)
{
    struct one_query q = {sql, nparams, params, res};
    return pool_run(pool, run_one, &q);
}
