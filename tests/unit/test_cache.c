/* Unit tests of the body cache (cache_): hits and misses, least recently
 * used out, the budget after every put, bodies larger than the budget,
 * bodies that outlive their entry and the cache, and get/put from several
 * threads (run under ASan/UBSan by scripts/test). */
#include "cache.h"

#include <check.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The body stored under key k<i>: i + 1 times the letter 'a' + i % 26, so
 * that any body read back can be checked against its key. */
static void body_of(int i, char *out, size_t *len)
{
    *len = (size_t)i + 1;
    memset(out, 'a' + i % 26, *len);
}

static struct cache_body *put_i(struct cache *c, int i)
{
    char key[32], body[4096];
    size_t len;
    snprintf(key, sizeof key, "k%d", i);
    body_of(i, body, &len);
    return cache_put(c, key, body, len);
}

static bool has(struct cache *c, const char *key)
{
    struct cache_body *b = cache_get(c, key);
    cache_body_unref(b);
    return b != NULL;
}

START_TEST(hit_and_miss)
{
    struct cache *c = cache_new(1 << 20);
    ck_assert_ptr_null(cache_get(c, "/a"));
    struct cache_body *put = cache_put(c, "/a", "hello\0world", 11);
    ck_assert_ptr_nonnull(put);
    struct cache_body *got = cache_get(c, "/a");
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(cache_body_len(got), 11);
    ck_assert(memcmp(cache_body_data(got), "hello\0world", 11) == 0);
    ck_assert_int_eq(cache_body_data(got)[11], '\0');
    ck_assert_ptr_null(cache_get(c, "/b"));
    ck_assert_ptr_null(cache_get(c, "/a\x1fkpi=x")); /* a longer key is another key */

    /* the first writer wins: a second put returns the stored body */
    struct cache_body *again = cache_put(c, "/a", "other", 5);
    ck_assert_ptr_eq(again, got);
    ck_assert_uint_eq(cache_body_len(again), 11);

    /* an empty body is a body */
    struct cache_body *empty = cache_put(c, "/empty", "", 0);
    ck_assert_ptr_nonnull(empty);
    ck_assert_uint_eq(cache_body_len(empty), 0);

    struct cache_stats st;
    cache_stats(c, &st);
    ck_assert_uint_eq(st.entries, 2);
    ck_assert_uint_eq(st.bytes, cache_cost(2, 11) + cache_cost(6, 0));
    ck_assert_uint_eq(st.budget, 1 << 20);
    cache_body_unref(put);
    cache_body_unref(got);
    cache_body_unref(again);
    cache_body_unref(empty);
    cache_body_unref(NULL);
    cache_free(c);
    cache_free(NULL);
}
END_TEST

/* Three entries fit: k17, k18, k19 (bodies of 18, 19, 20 bytes). */
START_TEST(least_recently_used_goes_first)
{
    size_t cost = cache_cost(3, 20);
    struct cache *c = cache_new(3 * cost);
    for (int i = 17; i <= 19; i++)
        cache_body_unref(put_i(c, i));
    ck_assert(has(c, "k17"));       /* a get marks it used */
    cache_body_unref(put_i(c, 19)); /* so does a put of a stored key */
    /* use, newest first: k19, k17, k18; k16 needs one place */
    struct cache_body *b = put_i(c, 16);
    ck_assert_ptr_nonnull(b);
    cache_body_unref(b);
    ck_assert(!has(c, "k18"));
    ck_assert(has(c, "k19"));
    ck_assert(has(c, "k17"));
    ck_assert(has(c, "k16"));
    struct cache_stats st;
    cache_stats(c, &st);
    ck_assert_uint_eq(st.entries, 3);
    ck_assert_uint_eq(st.bytes, cache_cost(3, 20) + cache_cost(3, 18) + cache_cost(3, 17));

    /* use, newest first: k16, k17, k19; a body worth two places */
    char big[4096];
    memset(big, 'z', sizeof big);
    b = cache_put(c, "kb", big, 2 * cost - cache_cost(2, 0) + 1);
    ck_assert_ptr_nonnull(b);
    cache_body_unref(b);
    ck_assert(!has(c, "k19"));
    ck_assert(!has(c, "k17"));
    ck_assert(has(c, "k16"));
    ck_assert(has(c, "kb"));
    cache_free(c);
}
END_TEST

/* A small xorshift generator: the same sequence on every run. */
static uint32_t next_rand(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

static bool body_matches(const struct cache_body *b, int i)
{
    char want[4096];
    size_t len;
    body_of(i, want, &len);
    return cache_body_len(b) == len && memcmp(cache_body_data(b), want, len) == 0;
}

/* The stored entries' costs, found by looking every key up. */
static void stored(struct cache *c, int nkeys, size_t *bytes, size_t *entries)
{
    *bytes = *entries = 0;
    for (int i = 0; i < nkeys; i++) {
        char key[32];
        snprintf(key, sizeof key, "k%d", i);
        struct cache_body *b = cache_get(c, key);
        if (!b)
            continue;
        ck_assert_msg(body_matches(b, i), "%s", key);
        *bytes += cache_cost(strlen(key), cache_body_len(b));
        (*entries)++;
        cache_body_unref(b);
    }
}

static const size_t budgets[] = {0, 1000, 20000, 100000};

/* What entry k<i> costs. */
static size_t cost_i(int i)
{
    char key[32];
    return cache_cost((size_t)snprintf(key, sizeof key, "k%d", i), (size_t)i + 1);
}

START_TEST(budget_never_exceeded)
{
    enum { NKEYS = 300, PUTS = 3000 };
    size_t budget = budgets[_i], all = 0, distinct = 0;
    bool seen[NKEYS] = {false};
    struct cache *c = cache_new(budget);
    uint32_t seed = 12345;
    struct cache_stats st;
    for (int n = 0; n < PUTS; n++) {
        int i = (int)(next_rand(&seed) % NKEYS);
        struct cache_body *b = put_i(c, i);
        cache_stats(c, &st);
        ck_assert_msg(st.bytes <= budget, "put %d: %zu bytes > %zu", n, st.bytes, budget);
        ck_assert((b != NULL) == (cost_i(i) <= budget));
        ck_assert(!b || body_matches(b, i));
        cache_body_unref(b);
        all += seen[i] ? 0 : cost_i(i);
        distinct += !seen[i];
        seen[i] = true;
        if (n % 100 == 0 || n == PUTS - 1) {
            size_t bytes, entries;
            stored(c, NKEYS, &bytes, &entries);
            cache_stats(c, &st);
            ck_assert_uint_eq(bytes, st.bytes);
            ck_assert_uint_eq(entries, st.entries);
        }
    }
    /* everything stays when everything fits; else entries went */
    if (all <= budget)
        ck_assert_uint_eq(st.entries, distinct);
    else
        ck_assert_uint_lt(st.entries, distinct);
    ck_assert(budget > 0 || st.entries == 0);
    cache_free(c);
}
END_TEST

START_TEST(many_keys_all_found)
{
    enum { NKEYS = 20000 };
    struct cache *c = cache_new((size_t)1 << 30);
    for (int i = 0; i < NKEYS; i++) {
        char key[48];
        snprintf(key, sizeof key, "/charts/trend.png\x1fwidth=%d", i);
        cache_body_unref(cache_put(c, key, &i, sizeof i));
    }
    for (int i = NKEYS; i-- > 0;) {
        char key[48];
        snprintf(key, sizeof key, "/charts/trend.png\x1fwidth=%d", i);
        struct cache_body *b = cache_get(c, key);
        ck_assert_msg(b != NULL, "%s", key);
        ck_assert(memcmp(cache_body_data(b), &i, sizeof i) == 0);
        cache_body_unref(b);
    }
    struct cache_stats st;
    cache_stats(c, &st);
    ck_assert_uint_eq(st.entries, NKEYS);
    cache_free(c);
}
END_TEST

START_TEST(oversized_body_refused)
{
    struct cache *c = cache_new(cache_cost(2, 100));
    char body[200];
    memset(body, 'x', sizeof body);
    cache_body_unref(cache_put(c, "k0", body, 1));
    ck_assert_ptr_null(cache_put(c, "kx", body, 101));
    ck_assert(has(c, "k0")); /* nothing was evicted for it */
    ck_assert(!has(c, "kx"));
    struct cache_stats st;
    cache_stats(c, &st);
    ck_assert_uint_eq(st.entries, 1);
    ck_assert_uint_eq(st.bytes, cache_cost(2, 1));
    /* exactly the budget fits, alone */
    struct cache_body *b = cache_put(c, "ky", body, 100);
    ck_assert_ptr_nonnull(b);
    cache_body_unref(b);
    ck_assert(!has(c, "k0"));
    cache_stats(c, &st);
    ck_assert_uint_eq(st.bytes, st.budget);
    cache_free(c);

    c = cache_new(0); /* no caching */
    ck_assert_ptr_null(cache_put(c, "k", "", 0));
    ck_assert(!has(c, "k"));
    cache_free(c);
}
END_TEST

START_TEST(body_outlives_eviction_and_cache)
{
    struct cache *c = cache_new(2 * cache_cost(3, 100));
    struct cache_body *put = put_i(c, 50);
    struct cache_body *reader = cache_get(c, "k50");
    ck_assert_ptr_eq(put, reader);
    cache_body_unref(put);
    for (int i = 60; i < 70; i++)
        cache_body_unref(put_i(c, i));
    ck_assert(!has(c, "k50"));
    ck_assert(body_matches(reader, 50)); /* ASan: no use after free */
    cache_free(c);
    ck_assert(body_matches(reader, 50));
    cache_body_unref(reader);
}
END_TEST

START_TEST(smaller_budget_evicts_oldest)
{
    struct cache *c = cache_new(1 << 20);
    for (int i = 0; i < 5; i++)
        cache_body_unref(put_i(c, 10 + i)); /* k10..k14, 11..15 bytes */
    cache_set_budget(c, cache_cost(3, 14) + cache_cost(3, 15));
    struct cache_stats st;
    cache_stats(c, &st);
    ck_assert_uint_eq(st.entries, 2);
    ck_assert(has(c, "k13") && has(c, "k14"));
    ck_assert(!has(c, "k12"));
    cache_set_budget(c, 0);
    cache_stats(c, &st);
    ck_assert_uint_eq(st.entries, 0);
    ck_assert_uint_eq(st.bytes, 0);
    ck_assert_ptr_null(put_i(c, 1));
    cache_free(c);
}
END_TEST

/* ---- threads -------------------------------------------------------------------- */

enum { THREADS = 4, OPS = 20000, HOT_KEYS = 64 };

struct worker {
    struct cache *c;
    uint32_t seed;
    size_t budget; /* the largest the cache is given */
    int bad_bodies, over_budget, hits;
};

static void *hammer(void *arg)
{
    struct worker *w = arg;
    for (int n = 0; n < OPS; n++) {
        int i = (int)(next_rand(&w->seed) % HOT_KEYS) * 7;
        char key[32];
        snprintf(key, sizeof key, "k%d", i);
        struct cache_body *b = next_rand(&w->seed) % 3 ? cache_get(w->c, key) : put_i(w->c, i);
        w->hits += b != NULL;
        w->bad_bodies += b && !body_matches(b, i);
        cache_body_unref(b);
        if (n % 64 == 0) {
            struct cache_stats st;
            cache_stats(w->c, &st);
            w->over_budget += st.bytes > st.budget;
        }
        if (w->seed % 997 == 0) /* now and then a smaller, then the full budget */
            cache_set_budget(w->c, n % 2 ? w->budget / 2 : w->budget);
    }
    return NULL;
}

START_TEST(threads_get_and_put)
{
    size_t budget = 16 * cache_cost(4, 200);
    struct cache *c = cache_new(budget);
    struct worker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.c = c, .seed = 2463534242u + (uint32_t)i * 7919u, .budget = budget};
        ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
    }
    int hits = 0;
    for (int i = 0; i < THREADS; i++) {
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
        ck_assert_int_eq(w[i].bad_bodies, 0);
        ck_assert_int_eq(w[i].over_budget, 0);
        hits += w[i].hits;
    }
    ck_assert_int_gt(hits, OPS); /* the cache did serve */
    size_t bytes, entries;
    cache_set_budget(c, budget);
    struct cache_stats st;
    cache_stats(c, &st);
    ck_assert_uint_le(st.bytes, budget);
    stored(c, HOT_KEYS * 7, &bytes, &entries);
    ck_assert_uint_eq(bytes, st.bytes);
    ck_assert_uint_eq(entries, st.entries);
    cache_free(c);
}
END_TEST

static Suite *cache_suite(void)
{
    Suite *s = suite_create("cache");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, hit_and_miss);
    tcase_add_test(tc, least_recently_used_goes_first);
    tcase_add_loop_test(tc, budget_never_exceeded, 0, (int)(sizeof budgets / sizeof budgets[0]));
    tcase_add_test(tc, many_keys_all_found);
    tcase_add_test(tc, oversized_body_refused);
    tcase_add_test(tc, body_outlives_eviction_and_cache);
    tcase_add_test(tc, smaller_budget_evicts_oldest);
    suite_add_tcase(s, tc);
    TCase *threads = tcase_create("threads");
    tcase_set_timeout(threads, 120);
    tcase_add_test(threads, threads_get_and_put);
    suite_add_tcase(s, threads);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cache_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
