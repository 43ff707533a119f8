/* Integration: the database pool (daemon/pool.c) against the private
 * PostgreSQL: never more connections than its size, all queries answered
 * when more threads ask than it has connections, a reconfigure to a wrong
 * server fails cleanly and the right one works again; a query that finds
 * every connection busy past the wait deadline fails as busy (not as a
 * database error), one within it waits its turn. */
#include "harness.h"
#include "pool.h"

#include <check.h>
#include <pthread.h>
#include <stdint.h>
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
    w->ok = pool_query(w->pool, "SELECT pg_backend_pid(), pg_sleep(0.2)", 0, NULL, &res) == POOL_OK;
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
    pool_configure(pool, ci, 30000); /* every query gets its turn, however loaded the machine */

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

/* A query that holds the pool's only connection, marked so that
 * pg_stat_activity finds it. */
#define HOLD "SELECT pg_sleep(%s) AS held_by_test_pool"

struct holder {
    struct pool *pool;
    char sql[64];
    enum pool_status status;
};

static void *hold(void *arg)
{
    struct holder *h = arg;
    struct db_result *res = NULL;
    h->status = pool_query(h->pool, h->sql, 0, NULL, &res);
    db_result_free(res);
    return NULL;
}

/* Starts a thread holding the connection for `seconds`; returns once the
 * database runs its query. */
static void start_holder(struct holder *h, pthread_t *t, struct db *watch, const char *seconds)
{
    snprintf(h->sql, sizeof h->sql, HOLD, seconds);
    ck_assert_int_eq(pthread_create(t, NULL, hold, h), 0);
    char probe[256];
    snprintf(probe, sizeof probe,
             "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
             " AND state = 'active' AND query = '%s'",
             h->sql);
    long active = 0;
    for (int i = 0; i < 500 && !active; i++) {
        active = harness_long(watch, probe);
        if (!active)
            usleep(20000);
    }
    ck_assert_msg(active == 1, "the holding query never ran");
}

START_TEST(busy_past_the_deadline_fails_as_busy)
{
    char dbname[64];
    snprintf(dbname, sizeof dbname, "rt_it_pool_busy_%d", (int)getpid());
    char *ci = harness_create_db(dbname);
    struct pool *pool = pool_new(1);
    pool_configure(pool, ci, 10000);
    pool_set_wait(pool, 200);
    struct db *watch = NULL;
    ck_assert(db_connect(ci, 0, &watch));
    struct db_result *res = NULL;

    /* a failing query is a database error, not "busy" */
    ck_assert_int_eq(pool_query(pool, "SELECT 1/0", 0, NULL, &res), POOL_ERROR);
    ck_assert_ptr_null(res);

    /* held for 2 s: a query with a 200 ms deadline gives up, busy, while
     * the holder still runs */
    struct holder h = {.pool = pool};
    pthread_t t;
    start_holder(&h, &t, watch, "2");
    ck_assert_int_eq(pool_query(pool, "SELECT 1", 0, NULL, &res), POOL_BUSY);
    ck_assert_ptr_null(res);
    pool_set_wait(pool, 0); /* no wait at all: busy too */
    ck_assert_int_eq(pool_query(pool, "SELECT 1", 0, NULL, &res), POOL_BUSY);
    ck_assert_ptr_null(res);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_int_eq(h.status, POOL_OK);

    /* held for 0.3 s: a query whose deadline is 20 s waits its turn */
    pool_set_wait(pool, 20000);
    start_holder(&h, &t, watch, "0.3");
    ck_assert_int_eq(pool_query(pool, "SELECT 42", 0, NULL, &res), POOL_OK);
    ck_assert_str_eq(db_value(res, 0, 0), "42");
    db_result_free(res);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_int_eq(h.status, POOL_OK);

    db_close(watch);
    pool_free(pool);
    harness_drop_db(dbname);
    free(ci);
}
END_TEST

static void *sleep_long(void *arg)
{
    struct db *db = arg;
    return (void *)(intptr_t)db_query(db, "SELECT pg_sleep(30)", 0, NULL, NULL);
}

/* A statement cancelled at the daemon's request (db_cancel(): a stop) is
 * logged as such, not as a database error, which alerting would pick up
 * at every stop; a statement ended by its time-out still is an error. */
START_TEST(a_cancel_asked_for_is_no_error)
{
    char dbname[64];
    snprintf(dbname, sizeof dbname, "rt_it_pool_cancel_%d", (int)getpid());
    char *ci = harness_create_db(dbname);
    struct db *db = NULL, *timed = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert(db_connect(ci, 200, &timed));
    struct harness_capture cap;
    harness_capture_begin(&cap);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, sleep_long, db), 0);
    usleep(300000);
    db_cancel(db);
    void *ok = NULL;
    pthread_join(t, &ok);
    bool timed_ok = db_query(timed, "SELECT pg_sleep(5)", 0, NULL, NULL);
    char *log = harness_capture_end(&cap);
    ck_assert(!ok && !timed_ok);
    ck_assert_str_eq(db_sqlstate(db), "57014");
    ck_assert_msg(
        strstr(log, "level=info msg=\"statement cancelled\" what=\"SELECT pg_sleep(30)\""), "%s",
        log);
    const char *error = strstr(log, "level=error");
    ck_assert_msg(error && strstr(error, "sqlstate=57014") && !strstr(error + 1, "level=error"),
                  "%s", log);
    ck_assert_msg(strstr(error, "SELECT pg_sleep(5)"), "%s", log);
    free(log);
    db_close(timed);
    db_close(db);
    harness_drop_db(dbname);
    free(ci);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("pool");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, size_bounds_connections_and_reconfigure_recovers);
    tcase_add_test(tc, busy_past_the_deadline_fails_as_busy);
    tcase_add_test(tc, a_cancel_asked_for_is_no_error);
    suite_add_tcase(s, tc);
    int failed = harness_run_suite(s, false);
    return failed ? 1 : 0;
}
