#include "api.h"

#include "digest.h"
#include "handlers.h"
#include "log.h"
#include "mem.h"
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const p_none[] = {NULL};
static const char *const p_kpis[] = {"date", "branch", "kpi", NULL};
static const char *const p_trend[] = {"kpi", "branch", "dim", "campaign", "from", "to", NULL};
static const char *const p_ranking[] = {"kpi", "date", "parent", "of", "dim", "campaign", NULL};
static const char *const p_alarms[] = {"date", "branch", NULL};
static const char *const p_satisfaction[] = {"branch", "month", "kpi", NULL};
static const char *const p_zones[] = {"branch", "month", NULL};
static const char *const p_customers[] = {"branch", "zone", "month", "lang", NULL};
static const char *const p_date[] = {"date", NULL};
static const char *const p_grid[] = {"date", "branch", NULL};
static const char *const p_chart[] = {"kpi",   "branch", "dim",   "campaign", "date",
                                      "width", "height", "scale", "lang",     NULL};

static const char *const p_bulletin[] = {"branch", "format", "lang", NULL};
static const char *const p_bulletins[] = {"date", "branch", "limit", "subtree", NULL};
static const char *const p_report[] = {"branch", "lang", NULL};
static const char *const p_login[] = {"next", "error", "lang", NULL};
static const char *const p_page[] = {"lang", "branch", "date", NULL};
static const char *const p_page_reports[] = {"lang", "branch", NULL};
static const char *const p_page_sat[] = {"lang", "branch", "month", "kpi", NULL};
static const char *const p_page_zones[] = {"lang", "branch", "month", NULL};
static const char *const p_page_branch[] = {"lang", "date", "kpi", NULL};
static const char *const p_page_lang[] = {"lang", NULL};
static const char *const p_page_account[] = {"lang", "error", "changed", NULL};
static const char *const p_page_audit[] = {"lang", "since",   "action", "before",
                                           "who",  "outcome", NULL};
static const char *const p_audit[] = {"since", "action", "limit", "before", "who", "outcome", NULL};
static const char *const p_asset[] = {"v", NULL};

#define PUBLIC    HTTP_ACCESS_PUBLIC
#define SIGNED_IN HTTP_ACCESS_SIGNED_IN
#define PROVINCE  HTTP_ACCESS_PROVINCE
#define AUDIT     HTTP_ACCESS_AUDIT
#define ADMIN     HTTP_ACCESS_ADMIN
#define PAGE      HTTP_ROUTE_PAGE
#define BODY      HTTP_ROUTE_BODY
#define PREFIX    HTTP_ROUTE_PREFIX
#define PEOPLE    HTTP_ROUTE_PEOPLE

/* Who may use what: docs/access.md. Within SIGNED_IN, the views keep to
 * the principal's scope (api_params), but for the ranking, which is
 * published to every role. */
static const struct http_route routes[] = {
    {"GET", "/healthz", api_h_healthz, p_none, PUBLIC, 0},
    {"GET", "/readyz", api_h_readyz, p_none, PUBLIC, 0},
    {"GET", "/metrics", api_h_metrics, p_none, PUBLIC, 0},
    {"GET", "/api/v1/branches", api_h_branches, p_none, SIGNED_IN, 0},
    {"GET", "/api/v1/kpis", api_h_kpis, p_kpis, SIGNED_IN, 0},
    {"GET", "/api/v1/trend", api_h_trend, p_trend, SIGNED_IN, 0},
    {"GET", "/api/v1/ranking", api_h_ranking, p_ranking, SIGNED_IN, 0},
    {"GET", "/api/v1/alarms", api_h_alarms, p_alarms, SIGNED_IN, 0},
    {"GET", "/api/v1/satisfaction", api_h_satisfaction, p_satisfaction, SIGNED_IN, 0},
    {"GET", "/api/v1/zones", api_h_zones, p_zones, SIGNED_IN, 0},
    {"GET", "/api/v1/zones/customers", api_h_customers, p_customers, SIGNED_IN, 0},
    {"GET", "/api/v1/data-quality", api_h_data_quality, p_date, PROVINCE, 0},
    {"GET", "/api/v1/grid", api_h_grid, p_grid, SIGNED_IN, 0},
    {"GET", "/api/v1/grid.csv", api_h_grid_csv, p_grid, SIGNED_IN, 0},
    {"GET", "/api/v1/runs", api_h_runs, p_date, SIGNED_IN, 0},
    {"GET", "/api/v1/bulletin", api_h_bulletin, p_grid, SIGNED_IN, 0},
    {"GET", "/charts/", api_h_chart, p_chart, SIGNED_IN, PREFIX},
    {"GET", "/bulletins/", api_h_bulletin_file, p_bulletin, SIGNED_IN, PREFIX | PEOPLE},
    {"GET", "/api/v1/bulletins", api_h_bulletin_log, p_bulletins, SIGNED_IN, 0},
    {"GET", "/reports/", api_h_report, p_report, SIGNED_IN, PREFIX | PEOPLE},
    {"GET", "/api/v1/me", api_h_me, p_none, SIGNED_IN, 0},
    {"GET", "/api/v1/me/tokens", api_h_my_tokens, p_none, SIGNED_IN, 0},
    {"POST", "/api/v1/me/tokens", api_h_my_token_add, p_none, SIGNED_IN, BODY},
    {"POST", "/api/v1/me/tokens/", api_h_my_token_revoke, p_none, SIGNED_IN, PREFIX | BODY},
    {"GET", "/api/v1/audit", api_h_audit, p_audit, AUDIT, 0},
    {"GET", "/api/v1/audit.csv", api_h_audit_csv, p_audit, AUDIT, 0},
    {"GET", "/api/v1/audit/", api_h_audit_reproduction, p_none, AUDIT, PREFIX},
    {"GET", "/login", api_h_login_page, p_login, PUBLIC, PAGE},
    {"POST", "/login", api_h_login, p_none, PUBLIC, BODY},
    {"POST", "/logout", api_h_logout, p_none, SIGNED_IN, BODY},
    {"POST", "/account/password", api_h_password, p_none, SIGNED_IN, BODY},
    {"GET", "/api/v1/bulletin-recipients", api_h_recipients, p_none, ADMIN, 0},
    {"POST", "/api/v1/bulletin-recipients", api_h_recipient_add, p_none, ADMIN, BODY},
    {"POST", "/api/v1/bulletin-recipients/remove", api_h_recipient_remove, p_none, ADMIN, BODY},
    {"GET", "/api/v1/users", api_h_users, p_none, ADMIN, 0},
    {"POST", "/api/v1/users", api_h_user_add, p_none, ADMIN, BODY},
    {"POST", "/api/v1/users/", api_h_user_change, p_none, ADMIN, PREFIX | BODY},
    {"GET", "/api/v1/users/", api_h_user_tokens, p_none, ADMIN, PREFIX},
    {"GET", "/assets/", api_h_asset, p_asset, PUBLIC, PREFIX},
    {"GET", "/favicon.ico", api_h_favicon, p_none, PUBLIC, 0},
    {"GET", "/", api_h_dashboard, p_page, SIGNED_IN, PAGE},
    {"GET", "/alarms", api_h_alarms_page, p_page, SIGNED_IN, PAGE},
    {"GET", "/satisfaction", api_h_satisfaction_page, p_page_sat, SIGNED_IN, PAGE},
    {"GET", "/zones", api_h_zones_page, p_page_zones, SIGNED_IN, PAGE},
    {"GET", "/reports", api_h_reports_page, p_page_reports, SIGNED_IN, PAGE},
    /* the audit log's page: its role check is the page's (a 403 page) */
    {"GET", "/audit", api_h_audit_page, p_page_audit, SIGNED_IN, PAGE},
    {"GET", "/account", api_h_account_page, p_page_account, SIGNED_IN, PAGE},
    /* the users' page: its role check is the page's (a 403 page) */
    {"GET", "/admin/users", api_h_users_page, p_page_lang, SIGNED_IN, PAGE},
    {"GET", "/branch/", api_h_branch_page, p_page_branch, SIGNED_IN, PAGE | PREFIX},
    {NULL, NULL, NULL, NULL, HTTP_ACCESS_UNDECLARED, 0},
};

#define NROUTES (sizeof routes / sizeof routes[0] - 1)

static const char *route_names[NROUTES];

const struct http_route *api_routes(size_t *count)
{
    *count = NROUTES;
    return routes;
}

const char *const *api_route_names(void)
{
    for (size_t i = 0; i < NROUTES; i++)
        route_names[i] = routes[i].path;
    return route_names;
}

/* ---- what the handlers share ------------------------------------------------------------ */

static const char *request_arg(const void *ctx, const char *name)
{
    return http_arg(ctx, name);
}

struct view_params api_params(struct api *api, const struct http_request *req)
{
    const struct principal *who = api_principal(req);
    return (struct view_params){.arg = request_arg,
                                .ctx = req,
                                .scope = who ? principal_scope(who) : NULL,
                                .bottom_n = atomic_load(&api->bottom_n),
                                .arrow_change = atomic_load(&api->arrow_percent) / 100.0};
}

void api_cache_key(const struct http_request *req, const struct view_params *p, struct buf *key)
{
    int route = http_route_index(req);
    buf_puts(key, http_path(req));
    for (const char *const *n = route >= 0 ? routes[route].params : NULL; n && *n; n++) {
        const char *v = http_arg(req, *n);
        if (!v)
            continue;
        buf_puts(key, "\x1f");
        buf_puts(key, *n);
        buf_puts(key, "=");
        buf_puts(key, v);
    }
    if (p->scope) {
        buf_puts(key, "\x1fscope=");
        buf_puts(key, p->scope);
    }
}

struct snap *api_snapshot(struct api *api, struct refresh_status *st, struct view_error *err)
{
    struct snap *s = refresh_acquire(api->refresh, st);
    if (!s)
        view_fail(err, 503, "no_snapshot", NULL, "no snapshot yet: the database has not answered");
    return s;
}

void api_reply_error(struct http_reply *reply, const struct view_error *err)
{
    http_reply_error(reply, err->status, err->code, err->message, err->param);
    if (err->retry_after)
        http_reply_header(reply, "Retry-After", "%u", err->retry_after);
}

void api_reply_age(struct http_reply *reply, double age)
{
    char digits[24], *d = digits + sizeof digits;
    if (!(age >= 0 && !signbit(age) && age < 1e15)) { /* "-0", huge, NaN: printf */
        http_reply_header(reply, "X-Snapshot-Age", "%.0f", age);
        return;
    }
    /* "%.0f" without printf: to the nearest, a tie to the even one */
    unsigned long long whole = (unsigned long long)age;
    double frac = age - (double)whole;
    if (frac > 0.5 || (frac == 0.5 && (whole & 1)))
        whole++;
    *--d = '\0';
    do
        *--d = (char)('0' + whole % 10);
    while ((whole /= 10) > 0);
    http_reply_header(reply, "X-Snapshot-Age", "%s", d);
}

/* Appends at most max bytes of text at out[*at], bounded by n (a NUL kept). */
static void put_text(char *out, size_t n, size_t *at, const char *text, size_t max)
{
    size_t len = strnlen(text, max);
    if (len > n - 1 - *at)
        len = n - 1 - *at;
    memcpy(out + *at, text, len);
    *at += len;
    out[*at] = '\0';
}

void api_reply_etag(struct http_reply *reply, const struct snap *s, const struct view_params *p)
{
    /* the digest of the last scope this thread tagged: a thread serves
     * the same few scopes over and over (a scope is a branch code) */
    static _Thread_local struct {
        bool known;
        char scope[66], hex[DIGEST_HEX_LEN + 1];
    } last;
    size_t at = 0;
    if (!p->scope) {
        put_text(reply->etag, sizeof reply->etag, &at, s->id, sizeof reply->etag);
        return;
    }
    /* one scope's body is not another's: the tag tells them apart (by a
     * digest, which names no branch) */
    size_t len = strlen(p->scope);
    if (!last.known || len >= sizeof last.scope || strcmp(last.scope, p->scope) != 0) {
        digest_sha256_hex(p->scope, len, last.hex);
        last.known = len < sizeof last.scope;
        if (last.known)
            memcpy(last.scope, p->scope, len + 1);
    }
    put_text(reply->etag, sizeof reply->etag, &at, s->id, 40);
    put_text(reply->etag, sizeof reply->etag, &at, "-", 1);
    put_text(reply->etag, sizeof reply->etag, &at, last.hex, 16);
}

static void release_body(void *body)
{
    cache_body_unref(body);
}

void api_reply_cached(struct http_reply *reply, const struct snap *s, const struct view_params *p,
                      struct cache_body *body)
{
    reply->shared = cache_body_data(body);
    reply->shared_len = cache_body_len(body);
    reply->release = release_body;
    reply->release_ctx = body;
    api_reply_etag(reply, s, p);
}

/* ---- life cycle ------------------------------------------------------------------------------ */

bool api_init(struct api *api, struct refresh *refresh, struct metrics *metrics, int pool_size,
              const char *font_family)
{
    char err[300];
    memset(api, 0, sizeof *api);
    api->refresh = refresh;
    api->metrics = metrics;
    atomic_init(&api->bottom_n, VIEW_BOTTOM_N);
    atomic_init(&api->arrow_percent, (int)(VIEW_ARROW_CHANGE * 100));
    atomic_init(&api->snapshot_max_age, 900);
    atomic_init(&api->max_pixels, PLOT_MAX_PIXELS);
    atomic_init(&api->arrows, CHART_ARROWS_CN);
    atomic_init(&api->old_report_busy, false);
    atomic_init(&api->reproduce_busy, false);
    pthread_mutex_init(&api->refused_mu, NULL);
    api->pool = pool_new(pool_size);
    if (pthread_key_create(&api->chart_ctx, api_free_chart_ctx) != 0) {
        log_error("msg=\"no thread-specific key for the chart contexts\"");
        pool_free(api->pool);
        api->pool = NULL;
        return false;
    }
    api->fonts = chart_fonts_new(font_family, err, sizeof err);
    if (!api->fonts) {
        log_error("msg=\"charts.font unusable\" reason=\"%s\"", err);
        return false;
    }
    return true;
}

void api_set_database(struct api *api, const char *conninfo, int statement_timeout,
                      int pool_wait_ms)
{
    pool_configure(api->pool, conninfo, statement_timeout);
    pool_set_wait(api->pool, pool_wait_ms);
}

void api_destroy(struct api *api)
{
    /* the HTTP threads have ended (their contexts with them); this one's */
    if (api->pool) {
        chart_ctx_free(pthread_getspecific(api->chart_ctx));
        pthread_key_delete(api->chart_ctx);
    }
    chart_fonts_free(api->fonts);
    pthread_mutex_destroy(&api->refused_mu);
    pool_free(api->pool);
    api->pool = NULL;
    api->fonts = NULL;
}
