/* A cache of immutable byte bodies under string keys, bounded by a byte
 * budget: when a new body does not fit, the least recently used entries go.
 * What an entry costs is cache_cost(): its key, its body and the
 * bookkeeping around them, so that the budget bounds the memory the cache
 * holds. A body whose cost exceeds the whole budget is not stored (and
 * evicts nothing); a budget of 0 stores nothing. Entries are found in a
 * balanced tree (tsearch(3), O(log n) key comparisons whatever the keys,
 * which come from URLs) and kept in a doubly linked list in order of use.
 *
 * Threads: every function may be called from any thread; one mutex guards
 * the tree and the list, and a body's reference count is atomic.
 *
 * Ownership: cache_new() gives the caller a cache to cache_free()
 * (NULL-safe). Bodies are reference counted: cache_get() and cache_put()
 * give the caller a reference, dropped with cache_body_unref(); the cache
 * holds one more while the entry is stored, and eviction or cache_free()
 * drop only that one. A body therefore stays valid, bytes unchanged, as
 * long as its holder keeps the reference: after eviction, and after the
 * cache itself is freed. cache_put() copies key and bytes. */
#ifndef RETENTIOND_CACHE_H
#define RETENTIOND_CACHE_H

#include <stddef.h>

struct cache;
struct cache_body; /* opaque: read through cache_body_data()/cache_body_len() */

struct cache_stats {
    size_t bytes;   /* sum of cache_cost() of the stored entries; never above budget */
    size_t entries; /* stored entries */
    size_t budget;
};

/* budget: bytes, 0 = store nothing. */
struct cache *cache_new(size_t budget);
void cache_free(struct cache *c);

/* A new budget; evicts the least recently used entries until the cache
 * fits it. */
void cache_set_budget(struct cache *c, size_t budget);

/* What an entry of this key length and body length counts against the
 * budget (saturates at SIZE_MAX). */
size_t cache_cost(size_t key_len, size_t body_len);

/* The body stored under key, marked most recently used, with a reference
 * for the caller; NULL when absent. */
struct cache_body *cache_get(struct cache *c, const char *key);

/* Stores a copy of the len bytes at data under key, evicting the least
 * recently used entries until it fits, and marks it most recently used.
 * When key is already stored, the first body stays (and is returned).
 * Returns a reference for the caller to the body now stored under key, or
 * NULL when nothing was stored (its cost exceeds the budget). */
struct cache_body *cache_put(struct cache *c, const char *key, const void *data, size_t len);

/* Removes the entry under key, if any (a reader's reference stays valid). */
void cache_remove(struct cache *c, const char *key);

/* Drops a reference; the last frees the body. NULL-safe. */
void cache_body_unref(struct cache_body *b);
/* The bytes (followed by a NUL not counted in the length) and their length;
 * valid while the reference is held. */
const char *cache_body_data(const struct cache_body *b);
size_t cache_body_len(const struct cache_body *b);

void cache_stats(struct cache *c, struct cache_stats *out);

#endif
