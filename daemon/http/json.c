/* The JSON views of /api/v1: the snapshot, the parameters validated and
 * the scope resolved, then the cache, then the view. */
#include "handlers.h"

#include "log.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* A fresh body of the view, "stale" (and the age) added; NULL (err set)
 * when the view fails. *cacheable: whether it depends on nothing but the
 * snapshot. */
static char *render(const struct snap *s, const struct refresh_status *st, enum view_kind kind,
                    const struct view_params *p, bool *cacheable, struct view_error *err)
{
    json_t *obj = NULL;
    bool complete = true;
    if (!view_json(kind, s, p, &obj, &complete, err))
        return NULL;
    json_object_set_new(obj, "stale", json_boolean(st->stale));
    if (st->stale)
        json_object_set_new(obj, "snapshot_age", json_integer((json_int_t)st->age));
    char *text = json_dumps(obj, JSON_FLAGS);
    json_decref(obj);
    *cacheable = !st->stale && complete;
    return text;
}

static void serve_view(struct http_request *req, struct http_reply *reply, struct api *api,
                       enum view_kind kind)
{
    struct refresh_status st;
    struct view_params p = api_params(api, req);
    struct view_error err = {0};
    struct buf key = BUF_INIT;
    bool cacheable = false;
    char *text = NULL;
    struct snap *s = api_snapshot(api, &st, &err);
    if (!s) {
        api_reply_error(reply, &err);
        return;
    }
    api_reply_age(reply, st.age);
    if (kind == VIEW_RANKING)
        p.scope = NULL; /* published to every role */
    if (!view_validate(kind, s, &p, &err))
        goto failed;
    api_cache_key(req, &p, &key);
    struct cache_body *hit = st.stale ? NULL : snap_cache_get(s, key.data);
    if (hit) {
        api_reply_cached(reply, s, &p, hit);
        goto done;
    }
    if (!(text = render(s, &st, kind, &p, &cacheable, &err)))
        goto failed;
    size_t len = strlen(text);
    struct cache_body *cached = cacheable ? snap_cache_put(s, key.data, text, len) : NULL;
    if (cached) {
        api_reply_cached(reply, s, &p, cached);
    } else {
        buf_append(&reply->body, text, len);
        if (cacheable)
            api_reply_etag(reply, s, &p);
    }
    goto done;
failed:
    api_reply_error(reply, &err);
done:
    free(text);
    buf_release(&key);
    snap_unref(s);
}

void api_h_branches(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_view(req, reply, ctx, VIEW_BRANCHES);
}

void api_h_kpis(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_view(req, reply, ctx, VIEW_KPIS);
}

void api_h_trend(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_view(req, reply, ctx, VIEW_TREND);
}

void api_h_ranking(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_view(req, reply, ctx, VIEW_RANKING);
}

void api_h_alarms(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_view(req, reply, ctx, VIEW_ALARMS);
}

void api_h_satisfaction(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_view(req, reply, ctx, VIEW_SATISFACTION);
}

void api_h_zones(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_view(req, reply, ctx, VIEW_ZONES);
}

void api_h_data_quality(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_view(req, reply, ctx, VIEW_DATA_QUALITY);
}

void api_h_grid(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_view(req, reply, ctx, VIEW_GRID);
}

void api_h_runs(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_view(req, reply, ctx, VIEW_RUNS);
}

void api_h_bulletin(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_view(req, reply, ctx, VIEW_BULLETIN);
}
