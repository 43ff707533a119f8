/* The daemon's routes (/api/v1/..., /charts/..., /healthz, /readyz,
 * /metrics) and what their handlers share: the snapshot they read
 * (refresh_acquire), the thresholds, the database pool of the at-risk
 * lists that are not in the snapshot, the chart fonts, and the per-snapshot
 * body cache they answer from (within http.cache_bytes, least recently used
 * out), sent with the snapshot's ETag. A stale snapshot's bodies carry
 * "stale": true and "snapshot_age" and are rendered per request.
 * docs/api.md describes every endpoint.
 *
 * Requests pass the server's phases (http.h) first; then a handler
 * validates its parameters against the snapshot and resolves the scope
 * (view_validate) before it asks the cache, whose key holds the scope.
 *
 * Access (docs/access.md): every route but the health checks, the metrics,
 * the sign-in page and the assets needs a principal, resolved by
 * api_authorize (the server's access phase) from the session cookie or a
 * bearer token; its role must reach the route's level, and the views get
 * its scope. api_admit checks the CSRF token of every state-changing
 * request of a session.
 *
 * Ownership: struct api is the caller's; it borrows refresh, metrics, auth
 * and audit, which must outlive the HTTP server. The route table is
 * static. */
#ifndef RETENTIOND_API_H
#define RETENTIOND_API_H

#include "audit.h"
#include "auth.h"
#include "chart.h"
#include "http.h"
#include "metrics.h"
#include "pool.h"
#include "refresh.h"
#include "view.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

struct api {
    struct refresh *refresh;
    struct metrics *metrics;
    atomic_int bottom_n;         /* thresholds.bottom_n */
    atomic_int arrow_percent;    /* thresholds.arrow_percent */
    atomic_int snapshot_max_age; /* seconds; /readyz fails beyond it */
    atomic_long max_pixels;      /* charts.max_pixels */
    /* The connections of the at-risk lists the snapshot does not hold
     * (blue and green members); owned. */
    struct pool *pool;
    /* Charts: the fonts (owned, resolved once at start), the arrow colours
     * (charts.arrows, chart_arrows) and one render context per HTTP thread
     * (freed when the thread ends). */
    chart_fonts *fonts;
    atomic_int arrows;
    pthread_key_t chart_ctx;
    /* Who asks, and the audit log (borrowed; NULL: only the public routes
     * serve, as without an authorize hook). */
    struct auth *auth;
    struct audit *audit;
    /* A report of a quarter older than the snapshot's history is being
     * read from the database (one at a time: http/reports.c). */
    atomic_bool old_report_busy;
    /* An export is being made again (GET /api/v1/audit/ID/reproduction:
     * one at a time, http/auditlog.c). */
    atomic_bool reproduce_busy;
    /* Refused and failed requests' audit rows: at most
     * API_REFUSALS_AUDITED a second per user, counted in a slot of each
     * user who had one lately (http/auditlog.c; under refused_mu). */
    pthread_mutex_t refused_mu;
    struct api_refuser {
        char who[72];        /* the user's name ("" none) */
        const char *action;  /* of their last one (a literal) */
        const char *outcome; /* of their last one (a literal) */
        long long second;    /* the second counted */
        int in_second;       /* rows written in it */
        long long unwritten; /* not written since their last row */
    } refusers[64];
};

#define API_REFUSALS_AUDITED 5

/* The session cookie's name. */
#define API_SESSION_COOKIE "rt_session"

/* The server's access and admit hooks (http_options.authorize, .admit);
 * ctx is the struct api. */
bool api_authorize(void *ctx, struct http_request *req, const struct http_route *route,
                   struct http_reply *reply);
bool api_admit(void *ctx, struct http_request *req, const struct http_route *route,
               struct http_reply *reply);

/* The routes, terminated by an entry with path NULL; *count receives the
 * number of routes. names[i] is the metrics label of route i. */
const struct http_route *api_routes(size_t *count);
const char *const *api_route_names(void);

/* False (logged) when font_family is not installed. pool_size:
 * database.pool_size; font_family: charts.font. */
bool api_init(struct api *api, struct refresh *refresh, struct metrics *metrics, int pool_size,
              const char *font_family);
/* Database settings for the endpoints that query it (copied). */
void api_set_database(struct api *api, const char *conninfo, int statement_timeout,
                      int pool_wait_ms);
/* Writes the rows of the refusals (and failures) left unwritten by the
 * limit of a second per user (http/auditlog.c): at a stop, before the
 * audit log stops. */
void api_audit_flush(struct api *api);
void api_destroy(struct api *api);

#endif
