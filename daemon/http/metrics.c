#include "metrics.h"

#include "mem.h"

#include <stdatomic.h>
#include <stdlib.h>

/* Statuses counted by name; anything else counts under "other". */
static const unsigned statuses[] = {200, 303, 304, 400, 401, 403, 404,
                                    405, 413, 414, 415, 429, 500, 503};
#define NSTATUS (sizeof statuses / sizeof statuses[0] + 1)

/* Latency buckets, seconds (upper bounds; +Inf is the count). */
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                 0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
#define NBUCKETS (sizeof buckets / sizeof buckets[0])

struct route_stats {
    atomic_ullong by_status[NSTATUS];
    /* requests whose time fell in (buckets[b - 1], buckets[b]]: one count
     * per request (the HTTP threads share these lines), summed up into
     * the histogram's cumulative buckets when rendered */
    atomic_ullong bucket[NBUCKETS];
    atomic_ullong count;
    atomic_ullong sum_us; /* microseconds */
};

struct metrics {
    const char *const *names;
    size_t nroutes; /* + 1: the last counts unmatched requests */
    struct route_stats *routes;
    atomic_ullong db_errors;
    atomic_ullong db_busy;
    atomic_ullong logins[LOGIN_KINDS];
    atomic_ullong computes[2]; /* failed, ok */
    atomic_ullong refreshes[2];
    _Atomic double last_compute_seconds;
    _Atomic double last_refresh_seconds;
};

struct metrics *metrics_new(const char *const *names, size_t count)
{
    struct metrics *m = xcalloc(1, sizeof *m);
    m->names = names;
    m->nroutes = count + 1;
    m->routes = xcalloc(m->nroutes, sizeof *m->routes);
    return m;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    free(m->routes);
    free(m);
}

void metrics_request(struct metrics *m, int route, unsigned status, double seconds)
{
    struct route_stats *r = &m->routes[route < 0 ? m->nroutes - 1 : (size_t)route];
    size_t s = 0;
    while (s < NSTATUS - 1 && statuses[s] != status)
        s++;
    atomic_fetch_add(&r->by_status[s], 1);
    size_t b = 0;
    while (b < NBUCKETS && !(seconds <= buckets[b]))
        b++;
    if (b < NBUCKETS)
        atomic_fetch_add(&r->bucket[b], 1);
    atomic_fetch_add(&r->count, 1);
    atomic_fetch_add(&r->sum_us, (unsigned long long)(seconds * 1e6));
}

void metrics_db_error(struct metrics *m)
{
    atomic_fetch_add(&m->db_errors, 1);
}

void metrics_login(struct metrics *m, enum metrics_login outcome)
{
    if (outcome < LOGIN_KINDS)
        atomic_fetch_add(&m->logins[outcome], 1);
}

void metrics_db_busy(struct metrics *m)
{
    atomic_fetch_add(&m->db_busy, 1);
}

void metrics_compute(struct metrics *m, double seconds, bool ok)
{
    atomic_fetch_add(&m->computes[ok], 1);
    if (ok)
        m->last_compute_seconds = seconds;
}

void metrics_refresh(struct metrics *m, double seconds, bool ok)
{
    atomic_fetch_add(&m->refreshes[ok], 1);
    if (ok)
        m->last_refresh_seconds = seconds;
}

static const char *route_name(const struct metrics *m, size_t i)
{
    return i == m->nroutes - 1 ? "unmatched" : m->names[i];
}

static void render_requests(struct metrics *m, struct buf *out)
{
    buf_puts(out, "# HELP retentiond_http_requests_total HTTP requests answered, by route and "
                  "status.\n# TYPE retentiond_http_requests_total counter\n");
    for (size_t i = 0; i < m->nroutes; i++)
        for (size_t s = 0; s < NSTATUS; s++) {
            unsigned long long n = atomic_load(&m->routes[i].by_status[s]);
            if (!n)
                continue;
            if (s < NSTATUS - 1)
                buf_printf(out, "retentiond_http_requests_total{route=\"%s\",status=\"%u\"} %llu\n",
                           route_name(m, i), statuses[s], n);
            else
                buf_printf(out,
                           "retentiond_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                           route_name(m, i), n);
        }
}

static void render_latency(struct metrics *m, struct buf *out)
{
    buf_puts(out, "# HELP retentiond_http_request_duration_seconds Time to produce a response, "
                  "by route.\n# TYPE retentiond_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < m->nroutes; i++) {
        struct route_stats *r = &m->routes[i];
        unsigned long long count = atomic_load(&r->count);
        if (!count)
            continue;
        const char *name = route_name(m, i);
        unsigned long long below = 0;
        for (size_t b = 0; b < NBUCKETS; b++) {
            below += atomic_load(&r->bucket[b]);
            buf_printf(out,
                       "retentiond_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} "
                       "%llu\n",
                       name, buckets[b], below);
        }
        buf_printf(out,
                   "retentiond_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
                   "%llu\n",
                   name, count);
        buf_printf(out, "retentiond_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
                   (double)atomic_load(&r->sum_us) / 1e6);
        buf_printf(out, "retentiond_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name,
                   count);
    }
}

static void render_pair(struct buf *out, const char *name, const char *help,
                        atomic_ullong counts[2])
{
    buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
    buf_printf(out, "%s{result=\"ok\"} %llu\n", name, atomic_load(&counts[1]));
    buf_printf(out, "%s{result=\"failed\"} %llu\n", name, atomic_load(&counts[0]));
}

static void render_logins(struct metrics *m, struct buf *out)
{
    static const char *const outcomes[LOGIN_KINDS] = {"ok", "denied", "throttled", "busy", "error"};
    buf_puts(out, "# HELP retentiond_logins_total Sign-ins (POST /login) by outcome.\n"
                  "# TYPE retentiond_logins_total counter\n");
    for (int i = 0; i < LOGIN_KINDS; i++)
        buf_printf(out, "retentiond_logins_total{outcome=\"%s\"} %llu\n", outcomes[i],
                   atomic_load(&m->logins[i]));
}

static void render_gauge(struct buf *out, const char *name, const char *help, double value)
{
    buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %.6g\n", name, help, name, name, value);
}

/* A gauge counted in units (bytes, entries): printed exactly. */
static void render_count(struct buf *out, const char *name, const char *help, size_t value)
{
    buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %zu\n", name, help, name, name, value);
}

void metrics_render(struct metrics *m, const struct metrics_gauges *g, struct buf *out)
{
    render_requests(m, out);
    render_latency(m, out);
    buf_printf(out,
               "# HELP retentiond_db_errors_total Failed database calls and lost connections.\n"
               "# TYPE retentiond_db_errors_total counter\nretentiond_db_errors_total %llu\n",
               atomic_load(&m->db_errors));
    buf_printf(out,
               "# HELP retentiond_db_busy_total Requests answered 503 database_busy: every pooled "
               "connection stayed busy past database.pool_wait_ms.\n"
               "# TYPE retentiond_db_busy_total counter\nretentiond_db_busy_total %llu\n",
               atomic_load(&m->db_busy));
    render_logins(m, out);
    buf_printf(
        out,
        "# HELP retentiond_audit_dropped_total Audit rows that could not be written "
        "(each is logged in full).\n"
        "# TYPE retentiond_audit_dropped_total counter\nretentiond_audit_dropped_total %lld\n",
        g->audit_dropped);
    render_pair(out, "retentiond_computes_total", "Compute runs started by the daemon.",
                m->computes);
    render_pair(out, "retentiond_refreshes_total", "Snapshot refreshes from the database.",
                m->refreshes);
    render_gauge(out, "retentiond_compute_duration_seconds",
                 "Duration of the last successful compute run.", m->last_compute_seconds);
    render_gauge(out, "retentiond_refresh_duration_seconds",
                 "Duration of the last successful snapshot refresh.", m->last_refresh_seconds);
    if (g->snapshot_age >= 0)
        render_gauge(out, "retentiond_snapshot_age_seconds",
                     "Seconds since the database last confirmed the snapshot.", g->snapshot_age);
    render_gauge(out, "retentiond_snapshot_stale",
                 "1 when the snapshot could not be confirmed by the database.", g->stale);
    render_gauge(out, "retentiond_snapshot_runs", "Compute runs held in the snapshot.",
                 (double)g->snapshot_runs);
    render_gauge(out, "retentiond_database_up", "1 when the database answered the last call.",
                 g->db_up);
    render_count(out, "retentiond_cache_bytes",
                 "Bytes held by the current snapshot's cache of rendered bodies.", g->cache_bytes);
    render_count(out, "retentiond_cache_entries",
                 "Bodies held by the current snapshot's cache of rendered bodies.",
                 g->cache_entries);
    render_count(out, "retentiond_cache_budget_bytes",
                 "Bytes the current snapshot's body cache may hold (http.cache_bytes).",
                 g->cache_budget);
}
