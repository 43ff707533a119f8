#include "pool.h"

#include "mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct pool_slot {
    struct db *db;       /* NULL until first used */
    unsigned generation; /* of the settings db was opened with */
    bool busy;
};

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t freed;
    char *conninfo; /* guarded by mu, like everything below */
    int statement_timeout;
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
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->freed, NULL);
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

/* Waits for an idle slot and marks it busy. When its connection must be
 * (re)opened, *conninfo receives a copy of the settings (the caller frees). */
static struct pool_slot *acquire(struct pool *pool, char **conninfo, int *timeout)
{
    struct pool_slot *slot = NULL;
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        for (int i = 0; i < pool->size && !slot; i++)
            if (!pool->slots[i].busy)
                slot = &pool->slots[i];
        if (slot)
            break;
        pthread_cond_wait(&pool->freed, &pool->mu);
    }
    slot->busy = true;
    if (!slot->db) {
        *conninfo = xstrdup(pool->conninfo);
        *timeout = pool->statement_timeout;
        slot->generation = pool->generation;
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

bool pool_query(struct pool *pool, const char *sql, int nparams, const char *const *params,
                struct db_result **res)
{
    char *conninfo = NULL;
    int timeout = 0;
    bool ok = false;
    struct pool_slot *slot = acquire(pool, &conninfo, &timeout);
    if (!slot->db && !db_connect(conninfo, timeout, &slot->db))
        goto done;
    ok = db_query(slot->db, sql, nparams, params, res);
    if (!ok && !db_alive(slot->db)) {
        db_close(slot->db);
        slot->db = NULL;
    }
done:
    free(conninfo);
    release(pool, slot);
    return ok;
}
