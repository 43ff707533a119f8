/* The JSON API (/api/v1/...), /healthz, /readyz and /metrics: handlers that
 * read the current snapshot (refresh_acquire) and render JSON with
 * jansson. Every successful body of a fresh snapshot is cached in the
 * snapshot (within http.cache_bytes, least recently used out) and sent with
 * the snapshot's ETag; a cached body is sent under its own reference, so
 * that a slow client keeps neither the snapshot nor the cache alive. A stale
 * snapshot's bodies carry "stale": true and "snapshot_age" and are rendered
 * per request. The endpoints that query the database answer 503
 * database_busy (with Retry-After) when no pooled connection comes free
 * within database.pool_wait_ms. docs/api.md describes every endpoint.
 *
 * Ownership: struct api is the caller's; it borrows refresh and metrics,
 * which must outlive the HTTP server. The route table is static. */
#ifndef RETENTIOND_API_H
#define RETENTIOND_API_H

#include "chart.h"
#include "db.h"
#include "http.h"
#include "metrics.h"
#include "pool.h"
#include "refresh.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

struct api {
    struct refresh *refresh;
    struct metrics *metrics;
    atomic_int bottom_n;         /* thresholds.bottom_n */
    atomic_int arrow_percent;    /* thresholds.arrow_percent */
    atomic_int snapshot_max_age; /* seconds; /readyz fails beyond it */
    /* The connections of the endpoints that query the database (zone
     * moves, the at-risk list); owned. */
    struct pool *pool;
    /* Charts: the fonts (owned, resolved once at start), the arrow colours
     * (charts.arrows, chart_arrows) and one render context per HTTP thread
     * (freed when the thread ends). */
    chart_fonts *fonts;
    atomic_int arrows;
    pthread_key_t chart_ctx;
};

/* Ranking: how many of the last are flagged "bottom" by default. */
#define API_BOTTOM_N 5
/* Panorama: the relative change (percent) against last month or the target
 * that earns an arrow, by default. */
#define API_ARROW_PERCENT 5

/* Why a view could not be rendered: the HTTP status, error code, the
 * parameter at fault (static strings, param may be NULL), a message, and
 * the seconds after which a retry may succeed (0 = not said). */
struct api_error {
    unsigned status;
    const char *code;
    const char *param;
    char message[200];
    unsigned retry_after;
};

/* Fills *err (message from fmt, cut to fit; no retry_after) and returns false, so that a
 * check can `return api_fail(err, 400, "invalid_parameter", "date", ...)`. */
bool api_fail(struct api_error *err, unsigned status, const char *code, const char *param,
              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Renders the body of the API's view `name` ("branches", "kpis", "trend",
 * "ranking", "alarms", "satisfaction", "zones", "data-quality": the routes
 * /api/v1/NAME) from snapshot s, with the parameters args (name, value,
 * ..., NULL; not checked against the route's list). api may be NULL
 * outside the daemon: bottom_n is API_BOTTOM_N and zone moves are null.
 * On success the caller owns *out (json_decref). */
bool api_view(struct api *api, struct snap *s, const char *name, const char *const *args,
              json_t **out, struct api_error *err);

/* The routes, terminated by an entry with path NULL; *count receives the
 * number of routes. names[i] is the metrics label of route i. */
const struct http_route *api_routes(size_t *count);
const char *const *api_route_names(void);

/* False (logged) when font_family is not installed (or no thread key is
 * left). pool_size: database.pool_size; font_family: charts.font. */
bool api_init(struct api *api, struct refresh *refresh, struct metrics *metrics, int pool_size,
              const char *font_family);
/* Database settings for the endpoints that query it (conninfo copied):
 * database.conninfo, .statement_timeout (ms) and .pool_wait_ms. */
void api_set_database(struct api *api, const char *conninfo, int statement_timeout,
                      int pool_wait_ms);
void api_destroy(struct api *api);

#endif
