/* A fixed-size pool of database connections for the HTTP threads.
 *
 * Connections are opened on first use, so that the daemon starts (and
 * serves its snapshot) while the database is down; a connection that fails
 * is closed and reopened by a later query. pool_configure() changes the
 * connection settings: idle connections are closed at once, busy ones when
 * their query returns. A query waits while all `size` connections are busy,
 * but no longer than the wait deadline (pool_set_wait()): past it, it gives
 * up at once with POOL_BUSY, so that a client hears "busy" instead of
 * timing out.
 *
 * Ownership: pool_new() gives the caller a pool to pool_free() (NULL-safe),
 * which must not be called while queries run. pool_query() gives a result to
 * db_result_free(). pool_configure() copies conninfo. */
#ifndef RETENTIOND_POOL_H
#define RETENTIOND_POOL_H

#include "db.h"

#include <stdbool.h>

/* The wait deadline of a new pool, ms (database.pool_wait_ms's default). */
#define POOL_WAIT_DEFAULT_MS 2000

enum pool_status {
    POOL_OK,    /* the query ran; *res is set */
    POOL_BUSY,  /* every connection stayed busy past the wait deadline; nothing ran */
    POOL_ERROR, /* no connection could be opened, or the query failed (logged by db) */
};

struct pool;

/* size >= 1 (less counts as 1). */
struct pool *pool_new(int size);
void pool_free(struct pool *pool);

void pool_configure(struct pool *pool, const char *conninfo, int statement_timeout_ms);
/* The longest a query waits for a connection, ms; 0 = it does not wait.
 * Applies to queries that start waiting from now on. */
void pool_set_wait(struct pool *pool, int wait_ms);

/* db_query on one of the pool's connections. */
enum pool_status pool_query(struct pool *pool, const char *sql, int nparams,
                            const char *const *params, struct db_result **res);
/* fn on one of the pool's connections, for work of several statements
 * (db borrowed for the call; fn must leave no transaction open). POOL_OK
 * when fn returned true, POOL_ERROR when it returned false or no
 * connection could be opened. */
enum pool_status pool_run(struct pool *pool, bool (*fn)(struct db *db, void *ctx), void *ctx);

#endif
