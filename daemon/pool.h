/* A fixed-size pool of database connections for the HTTP threads.
 *
 * Connections are opened on first use, so that the daemon starts (and
 * serves its snapshot) while the database is down; a connection that fails
 * is closed and reopened by a later query. pool_configure() changes the
 * connection settings: idle connections are closed at once, busy ones when
 * their query returns. A query waits while all `size` connections are busy.
 *
 * Ownership: pool_new() gives the caller a pool to pool_free() (NULL-safe),
 * which must not be called while queries run. pool_query() gives a result to
 * db_result_free(). pool_configure() copies conninfo. */
#ifndef RETENTIOND_POOL_H
#define RETENTIOND_POOL_H

#include "db.h"

#include <stdbool.h>

struct pool;

/* size >= 1 (less counts as 1). */
struct pool *pool_new(int size);
void pool_free(struct pool *pool);

void pool_configure(struct pool *pool, const char *conninfo, int statement_timeout_ms);

/* db_query on one of the pool's connections (errors logged by db). */
bool pool_query(struct pool *pool, const char *sql, int nparams, const char *const *params,
                struct db_result **res);

#endif
