/* `retentiond serve`: the daemon. Wires the layers together: the
 * configuration, the refresher (with the KPI engine to compute today's run
 * and the metrics to hear of it), the HTTP server and its routes; then
 * takes the signals (SIGHUP reload, SIGUSR1 refresh, SIGTERM/SIGINT stop). */
#include "cmd.h"

#include "api.h"
#include "audit.h"
#include "auth.h"
#include "cfg.h"
#include "chart.h"
#include "http.h"
#include "kpi.h"
#include "log.h"
#include "metrics.h"
#include "password.h"
#include "pool.h"
#include "refresh.h"
#include "scheduler.h"
#include "version.h"

#include <errno.h>
#include <jansson.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct serve_ctx {
    struct cfg cfg;
    struct metrics *metrics;
    struct refresh *refresh;
    struct scheduler *scheduler; /* the daily bulletin */
    struct api api;
    /* Sessions and tokens: their own pool, so that sign-ins and session
     * reads do not queue behind the at-risk lists; the audit writer. */
    struct pool *auth_pool;
    struct auth *auth;
    struct audit *audit;
    char *tls_cert, *tls_key; /* PEM text of http.tls_cert, http.tls_key */
};

/* The audit rows a stop could not write, in data_dir (docs/access.md). */
#define AUDIT_SPOOL "audit-spool.jsonl"

static void observe(void *ctx, const struct http_request *req)
{
    struct api *api = ctx;
    metrics_request(api->metrics, http_route_index(req), http_status(req), http_seconds(req));
}

/* ---- what the refresher cannot do by itself ---------------------------------------------- */

/* A run identical to today's newest is not stored (docs/api.md, the refresher). */
static bool hook_compute(void *ctx, struct db *db, const char *as_of)
{
    (void)ctx;
    struct kpi_run run = {0};
    return kpi_compute(db, as_of, KPI_STORE_IF_CHANGED, &run);
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

/* A user's access changed by a command or a daemon: this one stops
 * trusting what it read of them (access.session_cache) at once; of every
 * user when the notification names none. */
static void hook_access_changed(void *ctx, const char *user)
{
    struct serve_ctx *c = ctx;
    if (c->auth)
        auth_forget_user(c->auth, user);
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
                                              .db_error = hook_db_error,
                                              .access_changed = hook_access_changed}};
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
    if (ctx->auth_pool) {
        pool_configure(ctx->auth_pool, c->conninfo, c->statement_timeout);
        pool_set_wait(ctx->auth_pool, c->pool_wait_ms);
    }
    struct auth_options ao = {.idle_seconds = c->session_idle,
                              .absolute_seconds = c->session_absolute,
                              .cache_seconds = c->session_cache};
    if (ctx->auth)
        auth_configure(ctx->auth, &ao);
}

/* The whole of a PEM file into *out (a string to free), or false with one
 * line logged. */
static bool read_pem(const char *key, const char *path, char **out)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0;
    if (f) {
        FILE *mem = open_memstream(&text, &len);
        char chunk[4096];
        size_t n;
        while (mem && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
            fwrite(chunk, 1, n, mem);
        bool failed = ferror(f) != 0;
        if (mem)
            fclose(mem);
        fclose(f);
        if (!failed && text && len > 0) {
            *out = text;
            return true;
        }
    }
    free(text);
    log_error("msg=\"cannot read %s\" path=\"%s\" reason=\"%s\"", key, path,
              f ? "empty or unreadable" : strerror(errno));
    return false;
}

/* The access layer: the sessions' pool, the audit writer, the auth. */
static bool start_access(struct serve_ctx *ctx)
{
    const struct cfg *c = &ctx->cfg;
    /* Blocks of 4 MiB and more are mapped and unmapped on their own: else
     * glibc raises its threshold after the first freed 19 MiB password hash
     * and keeps every such block in each HTTP thread's heap for good. */
    mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
    char spool[4096];
    password_set_limit(c->max_hashes, 2000);
    snprintf(spool, sizeof spool, "%s/%s", c->data_dir, AUDIT_SPOOL);
    if (!audit_start(c->conninfo, spool, &ctx->audit))
        return false; /* logged */
    ctx->auth_pool = pool_new(c->pool_size);
    struct auth_options ao = {.idle_seconds = c->session_idle,
                              .absolute_seconds = c->session_absolute,
                              .cache_seconds = c->session_cache};
    ctx->auth = auth_new(ctx->auth_pool, ctx->audit, &ao);
    ctx->api.auth = ctx->auth;
    ctx->api.audit = ctx->audit;
    if (*c->tls_cert) /* with its key: config_usable() */
        return read_pem("http.tls_cert", c->tls_cert, &ctx->tls_cert) &&
               read_pem("http.tls_key", c->tls_key, &ctx->tls_key);
    return true;
}

/* What the file's values name, checked before they are taken (at start
 * and at a reload, which would otherwise accept what the next start
 * refuses): the TLS pair and its files readable, the charts' font
 * installed. False with "PATH: [section] key: reason" in err. */
static bool config_usable(const char *path, const struct cfg *c, char *err, size_t errlen)
{
    char why[300];
    if (!*c->tls_cert != !*c->tls_key) {
        snprintf(err, errlen, "%s: [http] tls_cert and tls_key go together: %s is not set", path,
                 *c->tls_cert ? "tls_key" : "tls_cert");
        return false;
    }
    const char *const pem[][2] = {{"tls_cert", c->tls_cert}, {"tls_key", c->tls_key}};
    for (size_t i = 0; i < 2 && *c->tls_cert; i++) {
        FILE *f = fopen(pem[i][1], "rb");
        if (!f) {
            snprintf(err, errlen, "%s: [http] %s: cannot read %s: %s", path, pem[i][0], pem[i][1],
                     strerror(errno));
            return false;
        }
        fclose(f);
    }
    chart_fonts *fonts = chart_fonts_new(c->chart_font, why, sizeof why);
    if (!fonts) {
        snprintf(err, errlen, "%s: [charts] font: %s", path, why);
        return false;
    }
    chart_fonts_free(fonts);
    return true;
}

/* The configuration: path's, or the defaults when the default path is
 * absent; --db and --log-level over it; what it names usable
 * (config_usable). False with the reason in err ("PATH:LINE: reason" or
 * "PATH: [section] key: reason"), for the caller to say once. */
static bool load_config(const char *path, bool explicit_path, const char *db_override,
                        const char *log_level, struct cfg *cfg, char *err, size_t errlen)
{
    if (!explicit_path && access(path, F_OK) != 0 && errno == ENOENT) {
        log_info("msg=\"no config file, using defaults\" path=%s", path);
        cfg_defaults(cfg);
    } else if (!cfg_load(path, cfg, err, errlen)) {
        return false;
    }
    if ((db_override && !cfg_set(cfg, "database", "conninfo", db_override, err, errlen)) ||
        (log_level && !cfg_set(cfg, "daemon", "log_level", log_level, err, errlen)) ||
        !config_usable(path, cfg, err, errlen)) {
        cfg_free(cfg);
        return false;
    }
    enum log_level level = LOG_LEVEL_INFO;
    log_level_parse(cfg->log_level, &level);
    log_set_level(level);
    return true;
}

/* SIGHUP: a file refused is one log line with its reason, and the running
 * configuration stays. */
static void reload_config(const char *path, bool explicit_path, const char *db_override,
                          const char *log_level, struct serve_ctx *ctx)
{
    struct cfg fresh;
    char err[4400], qpath[4200], qerr[4600];
    if (!load_config(path, explicit_path, db_override, log_level, &fresh, err, sizeof err)) {
        log_warn("msg=\"config reload failed, keeping the old one\" path=\"%s\" reason=\"%s\"",
                 log_quote(qpath, sizeof qpath, path), log_quote(qerr, sizeof qerr, err));
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
    scheduler_reconfigure(ctx->scheduler, &ctx->cfg);
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
    if (!api_init(&ctx->api, ctx->refresh, ctx->metrics, ctx->cfg.pool_size, ctx->cfg.chart_font) ||
        !start_access(ctx))
        return false; /* logged */
    apply_api_settings(ctx);
    struct http_options opts = {
        .listen = ctx->cfg.listen,
        .port = ctx->cfg.port,
        .threads = ctx->cfg.threads,
        .max_connections = ctx->cfg.max_connections,
        .connection_timeout = ctx->cfg.connection_timeout,
        .header_timeout = ctx->cfg.header_timeout,
        .max_url_length = ctx->cfg.max_url_length,
        .max_body = (size_t)ctx->cfg.max_body,
        .routes = routes,
        .ctx = &ctx->api,
        .authorize = api_authorize,
        .admit = api_admit,
        .observe = observe,
        .tls_cert_pem = ctx->tls_cert,
        .tls_key_pem = ctx->tls_key,
        .trusted_proxy = ctx->cfg.trusted_proxy,
    };
    /* listening first: a daemon that cannot listen computes, writes and
     * mails nothing */
    return http_start(&opts, srv) && refresh_run(ctx->refresh) &&
           scheduler_start(&ctx->cfg, ctx->refresh, &ctx->scheduler);
}

static void stop(struct serve_ctx *ctx, struct http_server *srv)
{
    http_stop(srv); /* no new connections; in-flight requests finish */
    scheduler_stop(ctx->scheduler);
    refresh_stop(ctx->refresh); /* before auth_free(): its thread calls hook_access_changed() */
    auth_free(ctx->auth);
    if (ctx->refresh)
        api_audit_flush(&ctx->api); /* the refusals a second's limit left unwritten */
    audit_stop(ctx->audit);         /* what the requests queued is written, or spooled */
    pool_free(ctx->auth_pool);
    free(ctx->tls_cert);
    free(ctx->tls_key);
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
    char err[4400];
    if (!load_config(path, explicit_path, db_override, log_level, &ctx.cfg, err, sizeof err)) {
        fprintf(stderr, "retentiond: %s\n", err);
        return 1;
    }

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
    /* where the database settings came from (not them: a password) */
    const char *db_from = args->db            ? "--db"
                          : db_override       ? "RETENTIOND_DB"
                          : *ctx.cfg.conninfo ? "config"
                                              : "libpq_defaults";
    log_info("msg=listening url=%s://%s%s%s:%d/ version=%s database_from=%s",
             ctx.tls_cert ? "https" : "http", strchr(ctx.cfg.listen, ':') ? "[" : "",
             ctx.cfg.listen, strchr(ctx.cfg.listen, ':') ? "]" : "", http_port(srv),
             RETENTIOND_VERSION, db_from);
    for (;;) {
        int sig = sigwaitinfo(&set, NULL);
        if (sig == SIGTERM || sig == SIGINT)
            break;
        if (sig == SIGHUP)
            reload_config(path, explicit_path, db_override, log_level, &ctx);
        if (sig == SIGUSR1) {
            log_info("msg=\"refresh requested\"");
            refresh_request(ctx.refresh);
            scheduler_wake(ctx.scheduler);
        }
    }
    log_info("msg=\"shutting down\"");
    stop(&ctx, srv);
    log_info("msg=stopped");
    return 0;
}
