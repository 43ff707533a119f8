#include "serve.h"

#include "cfg.h"
#include "http.h"
#include "log.h"
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
};

static void route_healthz(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)req;
    (void)ctx;
    json_t *obj = json_pack("{s:s, s:s}", "status", "ok", "version", RETENTIOND_VERSION);
    char *text = json_dumps(obj, JSON_COMPACT);
    buf_puts(&reply->body, text);
    buf_puts(&reply->body, "\n");
    free(text);
    json_decref(obj);
}

static const struct http_route routes[] = {
    {"GET", "/healthz", route_healthz},
    {NULL, NULL, NULL},
};

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
    cfg_free(&ctx->cfg);
    ctx->cfg = fresh;
    log_info("msg=\"config reloaded\" path=%s", path);
}

int serve_main(const char *config_path, const char *db_override, const char *log_level)
{
    bool explicit_path = config_path != NULL;
    const char *path = explicit_path ? config_path : CFG_DEFAULT_PATH;
    struct serve_ctx ctx;
    struct http_server *srv = NULL;
    if (!load_config(path, explicit_path, db_override, log_level, &ctx.cfg))
        return 1;

    /* Signals are taken synchronously by this thread; every thread started
     * from here on (libmicrohttpd's) inherits the blocked mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct http_options opts = {
        .listen = ctx.cfg.listen,
        .port = ctx.cfg.port,
        .threads = 2,
        .max_connections = ctx.cfg.max_connections,
        .connection_timeout = ctx.cfg.connection_timeout,
        .routes = routes,
        .ctx = &ctx,
    };
    if (!http_start(&opts, &srv)) {
        cfg_free(&ctx.cfg);
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
        if (sig == SIGUSR1)
            log_info("msg=\"refresh requested\"");
    }
    log_info("msg=\"shutting down\"");
    http_stop(srv);
    cfg_free(&ctx.cfg);
    log_info("msg=stopped");
    return 0;
}
