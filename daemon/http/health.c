/* /healthz (the process answers), /readyz (the snapshot is confirmed and
 * young enough), /metrics (Prometheus text). */
#include "handlers.h"

#include "version.h"

#include <jansson.h>
#include <stdlib.h>

static void put_json(struct http_reply *reply, json_t *obj)
{
    char *text = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(15));
    buf_puts(&reply->body, text);
    buf_puts(&reply->body, "\n");
    free(text);
    json_decref(obj);
}

void api_h_healthz(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)req;
    (void)ctx;
    put_json(reply, json_pack("{s:s, s:s}", "status", "ok", "version", RETENTIOND_VERSION));
}

void api_h_readyz(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)req;
    struct api *api = ctx;
    struct refresh_status st;
    struct snap *s = refresh_acquire(api->refresh, &st);
    int max_age = atomic_load(&api->snapshot_max_age);
    json_t *reasons = json_array();
    if (!st.db_up)
        json_array_append_new(reasons, json_string("database unreachable"));
    if (!s)
        json_array_append_new(reasons, json_string("no snapshot"));
    else if (st.stale)
        json_array_append_new(reasons, json_string("snapshot not confirmed by the database"));
    else if (st.age > max_age)
        json_array_append_new(reasons, json_string("snapshot too old"));
    bool ready = json_array_size(reasons) == 0;
    reply->status = ready ? 200 : 503;
    put_json(reply, json_pack("{s:s, s:o, s:o, s:b, s:o}", "status", ready ? "ready" : "not_ready",
                              "snapshot", snap_text_json(s ? s->id : NULL), "snapshot_age",
                              s ? json_integer((json_int_t)st.age) : json_null(), "stale", st.stale,
                              "reasons", reasons));
    snap_unref(s);
}

void api_h_metrics(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)req;
    struct api *api = ctx;
    struct refresh_status st;
    struct snap *s = refresh_acquire(api->refresh, &st);
    struct cache_stats cs = {0};
    if (s)
        snap_cache_stats(s, &cs);
    struct metrics_gauges g = {.snapshot_age = st.age,
                               .stale = st.stale,
                               .db_up = st.db_up,
                               .snapshot_runs = s ? (long long)s->nruns : 0,
                               .cache_bytes = cs.bytes,
                               .cache_entries = cs.entries,
                               .cache_budget = cs.budget,
                               .audit_dropped = api->audit ? audit_dropped(api->audit) : 0};
    snap_unref(s);
    reply->content_type = "text/plain; version=0.0.4; charset=utf-8";
    metrics_render(api->metrics, &g, &reply->body);
}
