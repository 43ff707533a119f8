/* The JSON API (/api/v1/...), /healthz, /readyz and /metrics: handlers that
 * read the current snapshot (refresh_acquire) and render JSON with
 * jansson. Every successful body of a fresh snapshot is cached in the
 * snapshot and sent with the snapshot's ETag; a stale snapshot's bodies
 * carry "stale": true and "snapshot_age" and are rendered per request.
 * docs/api.md describes every endpoint.
 *
 * Ownership: struct api is the caller's; it borrows refresh and metrics,
 * which must outlive the HTTP server. The route table is static. */
#ifndef RETENTIOND_API_H
#define RETENTIOND_API_H

#include "db.h"
#include "http.h"
#include "metrics.h"
#include "pool.h"
#include "refresh.h"

#include <stdatomic.h>
#include <stddef.h>

struct api {
    struct refresh *refresh;
    struct metrics *metrics;
    atomic_int bottom_n;         /* thresholds.bottom_n */
    atomic_int snapshot_max_age; /* seconds; /readyz fails beyond it */
    /* The connections of the endpoints that query the database (zone
     * moves, the at-risk list); owned. */
    struct pool *pool;
};

/* The routes, terminated by an entry with path NULL; *count receives the
 * number of routes. names[i] is the metrics label of route i. */
const struct http_route *api_routes(size_t *count);
const char *const *api_route_names(void);

/* false when out of memory. pool_size: database.pool_size. */
bool api_init(struct api *api, struct refresh *refresh, struct metrics *metrics, int pool_size);
/* Database settings for the endpoints that query it (copied). */
void api_set_database(struct api *api, const char *conninfo, int statement_timeout);
void api_destroy(struct api *api);

#endif
