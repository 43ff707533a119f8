/* /charts/{kind}.{png|svg|pdf}: the request parsed and checked against the
 * snapshot (within charts.max_pixels), then the cache, then the drawing
 * (render/plot.h) with the calling thread's render context. */
#include "handlers.h"

#include "date.h"
#include "log.h"
#include "plot.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

void api_free_chart_ctx(void *ctx)
{
    chart_ctx_free(ctx);
}

chart_ctx *api_thread_chart_ctx(struct api *api)
{
    chart_ctx *ctx = pthread_getspecific(api->chart_ctx);
    char err[200];
    if (ctx)
        return ctx;
    ctx = chart_ctx_new(api->fonts, err, sizeof err);
    if (!ctx)
        log_error("msg=\"chart context failed\" reason=\"%s\"", err);
    else
        pthread_setspecific(api->chart_ctx, ctx);
    return ctx;
}

/* The request's chart; false with err set when a parameter is wrong. */
static bool chart_request(const struct http_request *req, struct plot_request *rq,
                          struct view_error *err)
{
    static const char *const sizes[] = {"width", "height", "scale"};
    *rq = (struct plot_request){0};
    if (!plot_parse_name(http_path(req) + strlen("/charts/"), rq))
        return view_fail(
            err, 404, "unknown_chart", NULL,
            "charts are /charts/{trend,ranking,bullet,zones,panorama,sparkline}.{png,svg,pdf}");
    rq->kpi = http_arg(req, "kpi");
    rq->branch = http_arg(req, "branch");
    rq->dim = http_arg(req, "dim");
    rq->campaign = http_arg(req, "campaign");
    rq->date = http_arg(req, "date");
    rq->lang = http_arg(req, "lang");
    if (rq->lang && strcmp(rq->lang, "zh") != 0 && strcmp(rq->lang, "en") != 0)
        return view_fail(err, 400, "invalid_parameter", "lang", "lang is zh or en");
    if (rq->date && !date_valid(rq->date))
        return view_fail(err, 400, "invalid_date", "date", "date must be a date YYYY-MM-DD");
    for (size_t i = 0; i < 3; i++)
        if (http_arg(req, sizes[i]) && !plot_parse_size(sizes[i], http_arg(req, sizes[i]), rq, err))
            return false;
    return true;
}

void api_h_chart(struct http_request *req, struct http_reply *reply, void *ctx)
{
    struct api *api = ctx;
    struct refresh_status st;
    struct view_params p = api_params(api, req);
    struct view_error err = {0};
    struct plot_request rq;
    struct buf key = BUF_INIT;
    unsigned char *bytes = NULL;
    size_t len = 0;
    struct snap *s = NULL;
    long max_pixels = atomic_load(&api->max_pixels);
    if (!chart_request(req, &rq, &err))
        goto failed;
    if (rq.kind == PLOT_RANKING)
        p.scope = NULL; /* published to every role */
    if (!(s = api_snapshot(api, &st, &err)))
        goto failed;
    api_reply_age(reply, st.age);
    if (!plot_check(s, &p, &rq, max_pixels, &err))
        goto failed;
    reply->content_type = plot_content_type(rq.format);
    api_cache_key(req, &p, &key);
    struct cache_body *hit = snap_cache_get(s, key.data);
    if (hit) {
        api_reply_cached(reply, s, &p, hit);
        goto done;
    }
    chart_ctx *cc = api_thread_chart_ctx(api);
    if (!cc) {
        view_fail(&err, 500, "chart_failed", NULL, "no chart context (see the log)");
        goto failed;
    }
    if (!plot_render(cc, (chart_arrows)atomic_load(&api->arrows), &p, s, &rq, max_pixels, &bytes,
                     &len, &err))
        goto failed;
    struct cache_body *cached = snap_cache_put(s, key.data, bytes, len);
    if (cached) {
        api_reply_cached(reply, s, &p, cached);
    } else {
        buf_append(&reply->body, (const char *)bytes, len);
        api_reply_etag(reply, s, &p);
    }
    goto done;
failed:
    api_reply_error(reply, &err);
done:
    free(bytes);
    buf_release(&key);
    snap_unref(s);
}
