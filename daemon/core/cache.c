#include "cache.h"

#include "mem.h"

#include <pthread.h>
#include <search.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct cache_body {
    atomic_size_t refs;
    size_t len;
    char data[]; /* len bytes and a NUL */
};

/* One stored body: in the tree of keys and in the list of use. */
struct cache_entry {
    struct cache_entry *gone;          /* next in a list of evicted entries */
    struct cache_entry *newer, *older; /* the list of use */
    size_t cost;
    struct cache_body *body; /* the cache's reference */
    char key[];
};

struct cache {
    pthread_mutex_t mu; /* guards everything below */
    void *tree;         /* tsearch(3) root: entries by key */
    struct cache_entry *newest, *oldest;
    size_t bytes, entries, budget;
};

/* Per entry beyond key and body: the entry and the body headers, the two
 * NULs, the tree's node (glibc: a key pointer and two tagged child
 * pointers) and the allocator's headers of the three blocks. */
#define ENTRY_OVERHEAD                                                                             \
    (sizeof(struct cache_entry) + sizeof(struct cache_body) + 2 + 3 * sizeof(void *) + 48)

size_t cache_cost(size_t key_len, size_t body_len)
{
    size_t cost = ENTRY_OVERHEAD;
    if (key_len > SIZE_MAX - cost || body_len > SIZE_MAX - cost - key_len)
        return SIZE_MAX;
    return cost + key_len + body_len;
}

/* The tree holds each entry's key (a pointer into the entry), so that a
 * lookup needs nothing but the key. */
static int by_key(const void *a, const void *b)
{
    return strcmp(a, b);
}

static struct cache_entry *entry_of(const char *key)
{
    return (struct cache_entry *)(void *)(key - offsetof(struct cache_entry, key));
}

/* ---- bodies ---------------------------------------------------------------------- */

static struct cache_body *body_new(const void *data, size_t len)
{
    struct cache_body *b = xmalloc(sizeof *b + len + 1);
    atomic_init(&b->refs, 1);
    b->len = len;
    if (len)
        memcpy(b->data, data, len);
    b->data[len] = '\0';
    return b;
}

static struct cache_body *body_ref(struct cache_body *b)
{
    atomic_fetch_add(&b->refs, 1);
    return b;
}

void cache_body_unref(struct cache_body *b)
{
    if (b && atomic_fetch_sub(&b->refs, 1) == 1)
        free(b);
}

const char *cache_body_data(const struct cache_body *b)
{
    return b->data;
}

size_t cache_body_len(const struct cache_body *b)
{
    return b->len;
}

/* ---- the tree and the list of use (callers hold mu) ------------------------------ */

/* The entry stored under key, or NULL. A balanced tree (glibc's tsearch is
 * red-black): O(log n) comparisons whatever the keys, which come from URLs. */
static struct cache_entry *find(struct cache *c, const char *key)
{
    char **found = tfind(key, &c->tree, by_key);
    return found ? entry_of(*found) : NULL;
}

static void list_unlink(struct cache *c, struct cache_entry *e)
{
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void list_push_newest(struct cache *c, struct cache_entry *e)
{
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest)
        c->newest->newer = e;
    else
        c->oldest = e;
    c->newest = e;
}

static void touch(struct cache *c, struct cache_entry *e)
{
    if (c->newest == e)
        return;
    list_unlink(c, e);
    list_push_newest(c, e);
}

static void insert(struct cache *c, struct cache_entry *e)
{
    if (!tsearch(e->key, &c->tree, by_key))
        mem_failed("tsearch", 1, 3 * sizeof(void *));
    list_push_newest(c, e);
    c->bytes += e->cost;
    c->entries++;
}

/* Takes entry e out of the tree and the list and pushes it on *gone, to be
 * freed without the lock. */
static void take_out(struct cache *c, struct cache_entry *e, struct cache_entry **gone)
{
    tdelete(e->key, &c->tree, by_key);
    list_unlink(c, e);
    c->bytes -= e->cost;
    c->entries--;
    e->gone = *gone;
    *gone = e;
}

static void evict_oldest(struct cache *c, struct cache_entry **gone)
{
    take_out(c, c->oldest, gone);
}

/* Evicts until `extra` more bytes fit the budget. */
static void make_room(struct cache *c, size_t extra, struct cache_entry **gone)
{
    while (c->oldest && c->bytes > c->budget - extra)
        evict_oldest(c, gone);
}

static void free_entries(struct cache_entry *e)
{
    for (struct cache_entry *next; e; e = next) {
        next = e->gone;
        cache_body_unref(e->body);
        free(e);
    }
}

/* ---- the public face ---------------------------------------------------------------- */

struct cache *cache_new(size_t budget)
{
    struct cache *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    c->budget = budget;
    return c;
}

void cache_free(struct cache *c)
{
    if (!c)
        return;
    struct cache_entry *gone = NULL;
    while (c->oldest)
        evict_oldest(c, &gone);
    free_entries(gone);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void cache_set_budget(struct cache *c, size_t budget)
{
    struct cache_entry *gone = NULL;
    pthread_mutex_lock(&c->mu);
    c->budget = budget;
    make_room(c, 0, &gone);
    pthread_mutex_unlock(&c->mu);
    free_entries(gone);
}

struct cache_body *cache_get(struct cache *c, const char *key)
{
    struct cache_body *body = NULL;
    pthread_mutex_lock(&c->mu);
    struct cache_entry *e = find(c, key);
    if (e) {
        touch(c, e);
        body = body_ref(e->body);
    }
    pthread_mutex_unlock(&c->mu);
    return body;
}

/* The entry for key and a copy of the bytes, made before taking the lock. */
static struct cache_entry *entry_new(const char *key, size_t key_len, const void *data, size_t len)
{
    struct cache_entry *e = xmalloc(sizeof *e + key_len + 1);
    *e = (struct cache_entry){.cost = cache_cost(key_len, len)};
    memcpy(e->key, key, key_len + 1);
    e->body = body_new(data, len);
    return e;
}

struct cache_body *cache_put(struct cache *c, const char *key, const void *data, size_t len)
{
    size_t key_len = strlen(key);
    struct cache_entry *fresh = NULL, *gone = NULL;
    struct cache_body *body = NULL;
    pthread_mutex_lock(&c->mu);
    size_t budget = c->budget;
    pthread_mutex_unlock(&c->mu);
    if (cache_cost(key_len, len) > budget)
        return NULL;
    fresh = entry_new(key, key_len, data, len);
    pthread_mutex_lock(&c->mu);
    struct cache_entry *old = find(c, key);
    if (old) {
        touch(c, old); /* first writer wins; fresh is dropped */
        body = body_ref(old->body);
    } else if (fresh->cost <= c->budget) { /* the budget may have shrunk meanwhile */
        make_room(c, fresh->cost, &gone);
        insert(c, fresh);
        body = body_ref(fresh->body);
        fresh = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    if (fresh) {
        fresh->gone = gone;
        gone = fresh;
    }
    free_entries(gone);
    return body;
}

void cache_remove(struct cache *c, const char *key)
{
    struct cache_entry *gone = NULL;
    pthread_mutex_lock(&c->mu);
    struct cache_entry *e = find(c, key);
    if (e)
        take_out(c, e, &gone);
    pthread_mutex_unlock(&c->mu);
    free_entries(gone);
}

void cache_stats(struct cache *c, struct cache_stats *out)
{
    pthread_mutex_lock(&c->mu);
    *out = (struct cache_stats){.bytes = c->bytes, .entries = c->entries, .budget = c->budget};
    pthread_mutex_unlock(&c->mu);
}
