/* Integration: the database pool (daemon/pool.c) against the private
 * PostgreSQL: never more connections than its size, all queries answered
 * when more threads ask than it has connections, a reconfigure to a wrong
 * server fails cleanly and the right one works again. */
#include "harness.h"
#include "pool.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 6

struct worker {
    struct pool *pool;
    bool ok;
    long backend; /* pg_backend_pid() the query ran on */
};

static void *work(void *arg)
{
    struct worker *w = arg;
    struct db_result *res = NULL;
    w->ok = pool_query(w->pool, "SELECT pg_backend_pid(), pg_sleep(0.2)", 0, NULL, &res);
    if (w->ok)
        w->backend = atol(db_value(res, 0, 0));
    db_result_free(res);
    return NULL;
}

static int distinct_backends(const struct worker *w, int n)
{
    int distinct = 0;
    for (int i = 0; i < n; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen = seen || w[j].backend == w[i].backend;
        distinct += !seen;
    }
    return distinct;
}

START_TEST(size_bounds_connections_and_reconfigure_recovers)
{
    char dbname[64];
    snprintf(dbname, sizeof dbname, "rt_it_pool_%d", (int)getpid());
    char *ci = harness_create_db(dbname);
    struct pool *pool = pool_new(2);
    ck_assert_ptr_nonnull(pool);
    pool_configure(pool, ci, 5000);

    struct worker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.pool = pool};
        ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        ck_assert(w[i].ok);
    }
    ck_assert_int_eq(distinct_backends(w, THREADS), 2);

    /* a server that does not answer: the query fails, nothing is kept */
    pool_configure(pool, "host=127.0.0.1 port=1 connect_timeout=2", 5000);
    struct worker bad = {.pool = pool};
    work(&bad);
    ck_assert(!bad.ok);

    pool_configure(pool, ci, 5000);
    struct worker good = {.pool = pool};
    work(&good);
    ck_assert(good.ok);
    /* a new connection: the old ones were closed by the reconfigure */
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_ne(good.backend, w[i].backend);

    pool_free(pool);
    pool_free(NULL);
    harness_drop_db(dbname);
    free(ci);
}
END_TEST

int main(void)
{
    harness_server();
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("pool");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, size_bounds_connections_and_reconfigure_recovers);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
