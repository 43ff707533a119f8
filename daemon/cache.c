#include "cache.h"

#include "mem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

struct cache_body {
    atomic_size_t refs;
    size_t len;
    char data[]; /* len bytes and a NUL */
};

/* One stored body: in a bucket's chain and in the list of use. */
struct entry {
    struct entry *chain;         /* next in the bucket */
    struct entry *newer, *older; /* the list of use */
    uint64_t hash;
    size_t cost;
    struct cache_body *body; /* the cache's reference */
    char key[];
};

struct cache {
    pthread_mutex_t mu; /* guards everything below */
    uint64_t seed[2];
    struct entry **buckets;
    size_t nbuckets; /* a power of two */
    struct entry *newest, *oldest;
    size_t bytes, entries, budget;
};

#define MIN_BUCKETS 16

/* Per entry beyond key and body: the entry and the body headers, the two
 * NULs, a bucket pointer (the table keeps at most one bucket per entry,
 * doubled: two) and the allocator's headers of the two blocks. */
#define ENTRY_OVERHEAD                                                                             \
    (sizeof(struct entry) + sizeof(struct cache_body) + 2 + 2 * sizeof(void *) + 32)

size_t cache_cost(size_t key_len, size_t body_len)
{
    size_t cost = ENTRY_OVERHEAD;
    if (key_len > SIZE_MAX - cost || body_len > SIZE_MAX - cost - key_len)
        return SIZE_MAX;
    return cost + key_len + body_len;
}

/* ---- hashing: SipHash-1-3, keyed per cache ---------------------------------- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = ROTL(v[1], 13) ^ v[0];
    v[0] = ROTL(v[0], 32);
    v[2] += v[3];
    v[3] = ROTL(v[3], 16) ^ v[2];
    v[0] += v[3];
    v[3] = ROTL(v[3], 21) ^ v[0];
    v[2] += v[1];
    v[1] = ROTL(v[1], 17) ^ v[2];
    v[2] = ROTL(v[2], 32);
}

static uint64_t sip_hash(const uint64_t k[2], const unsigned char *in, size_t len)
{
    uint64_t v[4] = {k[0] ^ 0x736f6d6570736575ULL, k[1] ^ 0x646f72616e646f6dULL,
                     k[0] ^ 0x6c7967656e657261ULL, k[1] ^ 0x7465646279746573ULL};
    uint64_t last = (uint64_t)len << 56, m;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        memcpy(&m, in + i, 8);
        v[3] ^= m;
        sip_round(v);
        v[0] ^= m;
    }
    for (size_t j = 0; i + j < len; j++)
        last |= (uint64_t)in[i + j] << (8 * j);
    v[3] ^= last;
    sip_round(v);
    v[0] ^= last;
    v[2] ^= 0xff;
    for (int r = 0; r < 3; r++)
        sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static void random_seed(uint64_t seed[2])
{
    if (getrandom(seed, 2 * sizeof *seed, GRND_NONBLOCK) == (ssize_t)(2 * sizeof *seed))
        return;
    struct timespec t; /* no entropy yet (early boot): still differs per process */
    clock_gettime(CLOCK_REALTIME, &t);
    seed[0] = (uint64_t)t.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
    seed[1] = (uint64_t)t.tv_sec ^ (uint64_t)(uintptr_t)seed;
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

/* ---- the table and the list of use (callers hold mu) ------------------------------ */

static struct entry **bucket_of(struct cache *c, uint64_t hash)
{
    return &c->buckets[hash & (c->nbuckets - 1)];
}

static struct entry *find(struct cache *c, const char *key, uint64_t hash)
{
    for (struct entry *e = *bucket_of(c, hash); e; e = e->chain)
        if (e->hash == hash && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

static void list_unlink(struct cache *c, struct entry *e)
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

static void list_push_newest(struct cache *c, struct entry *e)
{
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest)
        c->newest->newer = e;
    else
        c->oldest = e;
    c->newest = e;
}

static void touch(struct cache *c, struct entry *e)
{
    if (c->newest == e)
        return;
    list_unlink(c, e);
    list_push_newest(c, e);
}

/* Doubles the table when it holds more entries than buckets. */
static void maybe_grow(struct cache *c)
{
    if (c->entries <= c->nbuckets)
        return;
    size_t n = c->nbuckets * 2;
    struct entry **buckets = xcalloc(n, sizeof *buckets);
    for (size_t i = 0; i < c->nbuckets; i++) {
        for (struct entry *e = c->buckets[i], *next; e; e = next) {
            next = e->chain;
            e->chain = buckets[e->hash & (n - 1)];
            buckets[e->hash & (n - 1)] = e;
        }
    }
    free(c->buckets);
    c->buckets = buckets;
    c->nbuckets = n;
}

static void insert(struct cache *c, struct entry *e)
{
    struct entry **bucket = bucket_of(c, e->hash);
    e->chain = *bucket;
    *bucket = e;
    list_push_newest(c, e);
    c->bytes += e->cost;
    c->entries++;
    maybe_grow(c);
}

/* Takes the least recently used entry out of the table and the list and
 * pushes it on *gone (linked by `chain`), to be freed without the lock. */
static void evict_oldest(struct cache *c, struct entry **gone)
{
    struct entry *e = c->oldest;
    struct entry **p = bucket_of(c, e->hash);
    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    list_unlink(c, e);
    c->bytes -= e->cost;
    c->entries--;
    e->chain = *gone;
    *gone = e;
}

/* Evicts until `extra` more bytes fit the budget. */
static void make_room(struct cache *c, size_t extra, struct entry **gone)
{
    while (c->oldest && c->bytes > c->budget - extra)
        evict_oldest(c, gone);
}

static void free_entries(struct entry *e)
{
    for (struct entry *next; e; e = next) {
        next = e->chain;
        cache_body_unref(e->body);
        free(e);
    }
}

/* ---- the public face ---------------------------------------------------------------- */

struct cache *cache_new(size_t budget)
{
    struct cache *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    random_seed(c->seed);
    c->nbuckets = MIN_BUCKETS;
    c->buckets = xcalloc(c->nbuckets, sizeof *c->buckets);
    c->budget = budget;
    return c;
}

void cache_free(struct cache *c)
{
    if (!c)
        return;
    struct entry *gone = NULL;
    while (c->oldest)
        evict_oldest(c, &gone);
    free_entries(gone);
    free(c->buckets);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void cache_set_budget(struct cache *c, size_t budget)
{
    struct entry *gone = NULL;
    pthread_mutex_lock(&c->mu);
    c->budget = budget;
    make_room(c, 0, &gone);
    pthread_mutex_unlock(&c->mu);
    free_entries(gone);
}

struct cache_body *cache_get(struct cache *c, const char *key)
{
    uint64_t hash = sip_hash(c->seed, (const unsigned char *)key, strlen(key));
    struct cache_body *body = NULL;
    pthread_mutex_lock(&c->mu);
    struct entry *e = find(c, key, hash);
    if (e) {
        touch(c, e);
        body = body_ref(e->body);
    }
    pthread_mutex_unlock(&c->mu);
    return body;
}

/* The entry for key and a copy of the bytes, made before taking the lock. */
static struct entry *entry_new(const char *key, size_t key_len, uint64_t hash, const void *data,
                               size_t len)
{
    struct entry *e = xmalloc(sizeof *e + key_len + 1);
    *e = (struct entry){.hash = hash, .cost = cache_cost(key_len, len)};
    memcpy(e->key, key, key_len + 1);
    e->body = body_new(data, len);
    return e;
}

struct cache_body *cache_put(struct cache *c, const char *key, const void *data, size_t len)
{
    size_t key_len = strlen(key);
    uint64_t hash = sip_hash(c->seed, (const unsigned char *)key, key_len);
    struct entry *fresh = NULL, *gone = NULL;
    struct cache_body *body = NULL;
    pthread_mutex_lock(&c->mu);
    size_t budget = c->budget;
    pthread_mutex_unlock(&c->mu);
    if (cache_cost(key_len, len) > budget)
        return NULL;
    fresh = entry_new(key, key_len, hash, data, len);
    pthread_mutex_lock(&c->mu);
    struct entry *old = find(c, key, hash);
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
        fresh->chain = gone;
        gone = fresh;
    }
    free_entries(gone);
    return body;
}

void cache_stats(struct cache *c, struct cache_stats *out)
{
    pthread_mutex_lock(&c->mu);
    *out = (struct cache_stats){.bytes = c->bytes, .entries = c->entries, .budget = c->budget};
    pthread_mutex_unlock(&c->mu);
}
