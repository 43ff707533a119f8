/* `retentiond serve`: the daemon. Wires the layers together: the
 * configuration, the refresher (with the KPI engine to compute today's run
 * and the metrics to hear of it), the HTTP server and its routes; then
 * takes the signals (SIGHUP reload, SIGUSR1 refresh, SIGTERM/SIGINT stop). */
#include "cmd.h"

#include "api.h"
#include "cfg.h"
#include "http.h"
#include "kpi.h"
#include "log.h"
#include "metrics.h"
#include "refresh.h"
#include "version.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct serve_ctx {
    struct cfg cfg;
    struct metrics *metrics;
    struct refresh *refresh;
    struct api api;
};

static void observe(void *ctx, const struct http_request *req)
{
    struct api *api = ctx;
    metrics_request(api->metrics, http_route_index(req), http_status(req), http_seconds(req));
}

/* ---- what the refresher cannot do by itself ---------------------------------------------- */

static bool hook_compute(void *ctx, struct db *db, const char *as_of)
{
    (void)ctx;
    long long run_id = 0;
    return kpi_compute(db, as_of, &run_id);
}

static void hook_computed(void *ctx, double seconds, bool ok)
{
    metrics_compute(((struct serve_ctx *)ctx)->metrics, seconds, ok);
}

static void hook_refreshed(void *ctx, double seconds, bool ok)
{
    metrics_refresh(((struct serve_ctx *)ctx)->metrics, seconds, ok);
}

static void hook_db_error(void *ctx)
{
    metrics_db_error(((struct serve_ctx *)ctx)->metrics);
}

static struct refresh_options refresh_options(struct serve_ctx *ctx)
{
    const struct cfg *c = &ctx->cfg;
    return (struct refresh_options){.conninfo = c->conninfo,
                                    .statement_timeout = c->statement_timeout,
                                    .refresh_interval = c->refresh_interval,
                                    .timezone = c->timezone,
                                    .data_dir = c->data_dir,
                                    .history_days = c->history_days,
                                    .auto_compute = c->auto_compute != 0,
                                    .cache_bytes = (size_t)c->cache_bytes,
                                    .hooks = {.ctx = ctx,
                                              .compute = hook_compute,
                                              .computed = hook_computed,
                                              .refreshed = hook_refreshed,
                                              .db_error = hook_db_error}};
}

/* The settings the API reads at request time. */
static void apply_api_settings(struct serve_ctx *ctx)
{
    const struct cfg *c = &ctx->cfg;
    atomic_store(&ctx->api.bottom_n, c->bottom_n);
    atomic_store(&ctx->api.arrow_percent, c->arrow_percent);
    atomic_store(&ctx->api.arrows,
                 strcmp(c->chart_arrows, "intl") == 0 ? CHART_ARROWS_INTL : CHART_ARROWS_CN);
    atomic_store(&ctx->api.snapshot_max_age,
                 c->snapshot_max_age ? c->snapshot_max_age : 3 * c->refresh_interval);
    atomic_store(&ctx->api.max_pixels, (long)c->chart_max_pixels);
    api_set_database(&ctx->api, c->conninfo, c->statement_timeout, c->pool_wait_ms);
}

static bool load_config(const char *path, bool explicit_path, const char *db_override,
                        const char *log_level, struct cfg *cfg)
{
    char err[512];
    if (!explicit_path && access(path, F_OK) != 0 && errno == ENOENT) {
        log_info("msg=\"no config file, using defaults\" path=%s", path);
        cfg_defaults(cfg);
    } else if (!cfg_load(path, cfg, err, sizeof err)) {
        fprintf(stderr, "retentiond: %s\n", err);
        return false;
    }
    if ((db_override && !cfg_set(cfg, "database", "conninfo", db_override, err, sizeof err)) ||
        (log_level && !cfg_set(cfg, "daemon", "log_level", log_level, err, sizeof err))) {
        fprintf(stderr, "retentiond: %s\n", err);
        cfg_free(cfg);
        return false;
    }
    enum log_level level = LOG_LEVEL_INFO;
    log_level_parse(cfg->log_level, &level);
    log_set_level(level);
    return true;
}

static void reload_config(const char *path, bool explicit_path, const char *db_override,
                          const char *log_level, struct serve_ctx *ctx)
{
    struct cfg fresh;
    if (!load_config(path, explicit_path, db_override, log_level, &fresh)) {
        log_warn("msg=\"config reload failed, keeping the old one\" path=%s", path);
        return;
    }
    char fixed[256];
    if (cfg_unreloadable_changes(&ctx->cfg, &fresh, fixed, sizeof fixed))
        log_warn("msg=\"changed keys need a restart\" keys=%s", fixed);
    cfg_keep_unreloadable(&fresh, &ctx->cfg); /* they keep running with their old values */
    cfg_free(&ctx->cfg);
    ctx->cfg = fresh;
    struct refresh_options ro = refresh_options(ctx);
    refresh_reconfigure(ctx->refresh, &ro);
    apply_api_settings(ctx);
    log_info("msg=\"config reloaded\" path=%s", path);
}

/* Everything but the signal loop; false (logged) when something cannot
 * start. */
static bool start(struct serve_ctx *ctx, struct http_server **srv)
{
    size_t nroutes = 0;
    const struct http_route *routes = api_routes(&nroutes);
    ctx->metrics = metrics_new(api_route_names(), nroutes);
    struct refresh_options ro = refresh_options(ctx);
    if (!refresh_start(&ro, &ctx->refresh))
        return false;
    if (!api_init(&ctx->api, ctx->refresh, ctx->metrics, ctx->cfg.pool_size, ctx->cfg.chart_font))
        return false; /* logged */
    apply_api_settings(ctx);
    struct http_options opts = {
        .listen = ctx->cfg.listen,
        .port = ctx->cfg.port,
        .threads = ctx->cfg.threads,
        .max_connections = ctx->cfg.max_connections,
        .connection_timeout = ctx->cfg.connection_timeout,
        .max_url_length = ctx->cfg.max_url_length,
        .max_body = (size_t)ctx->cfg.max_body,
        .routes = routes,
        .ctx = &ctx->api,
        .observe = observe,
    };
    return http_start(&opts, srv);
}

static void stop(struct serve_ctx *ctx, struct http_server *srv)
{
    http_stop(srv); /* no new connections; in-flight requests finish */
    refresh_stop(ctx->refresh);
    if (ctx->refresh)
        api_destroy(&ctx->api);
    metrics_free(ctx->metrics);
    cfg_free(&ctx->cfg);
}

int cmd_serve(const struct cli_args *args)
{
    const char *config_path = args->config, *log_level = args->log_level;
    const char *db_override = args->db ? args->db : getenv("RETENTIOND_DB");
    bool explicit_path = config_path != NULL;
    const char *path = explicit_path ? config_path : CFG_DEFAULT_PATH;
    struct serve_ctx ctx = {0};
    struct http_server *srv = NULL;
    if (!load_config(path, explicit_path, db_override, log_level, &ctx.cfg))
        return 1;

    /* Signals are taken synchronously by this thread; every thread started
     * from here on (libmicrohttpd's, the refresher) inherits the blocked
     * mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (!start(&ctx, &srv)) {
        stop(&ctx, srv);
        return 1;
    }
    log_info("msg=listening url=http://%s%s%s:%d/ version=%s",
             strchr(ctx.cfg.listen, ':') ? "[" : "", ctx.cfg.listen,
             strchr(ctx.cfg.listen, ':') ? "]" : "", http_port(srv), RETENTIOND_VERSION);
    for (;;) {
        int sig = sigwaitinfo(&set, NULL);
        if (sig == SIGTERM || sig == SIGINT)
            break;
        if (sig == SIGHUP)
            reload_config(path, explicit_path, db_override, log_level, &ctx);
        if (sig == SIGUSR1) {
            log_info("msg=\"refresh requested\"");
            refresh_request(ctx.refresh);
        }
    }
    log_info("msg=\"shutting down\"");
    stop(&ctx, srv);
    log_info("msg=stopped");
    return 0;
}
