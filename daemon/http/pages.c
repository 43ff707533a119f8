/* The pages for people: one shell (web/page.html) filled on the server with
 * who is signed in, the page's words and its script; the script (web/js/)
 * fetches the figures from /api/v1 and the charts from /charts. A page
 * checks its parameters against the snapshot first, so that a branch
 * outside the user's scope is a 403 page that names nothing of it. */
#include "handlers.h"

#include "doc.h"
#include "html.h"
#include "labels.h"
#include "log.h"
#include "mem.h"
#include "web_embed.h"

#include <stdlib.h>
#include <string.h>

/* Assets named in a page carry ?v=VERSION: a browser may keep such a URL
 * for a year, since a changed asset gets a new one. */
#define IMMUTABLE "public, max-age=31536000, immutable"

void api_page(struct http_reply *reply, const char *name, const char *const *pairs)
{
    const struct web_asset *page = web_asset_get(name), *css = web_asset_get("style.css"),
                           *icon = web_asset_get("favicon.svg");
    const char *all[64];
    size_t n = 0;
    all[n++] = "css";
    all[n++] = css ? css->version : "";
    all[n++] = "icon";
    all[n++] = icon ? icon->version : "";
    for (const char *const *p = pairs; p && p[0] && n + 3 < sizeof all / sizeof all[0]; p += 2) {
        all[n++] = p[0];
        all[n++] = p[1];
    }
    all[n] = NULL;
    buf_reset(&reply->body);
    if (!page || !html_fill(&reply->body, (const char *)page->data, all)) {
        log_error("msg=\"page template cannot be filled\" page=%s", name);
        http_reply_error(reply, 500, "page_failed", "this page cannot be shown (see the log)",
                         NULL);
        return;
    }
    reply->content_type = "text/html; charset=utf-8";
}

const struct labels *api_labels(const struct http_request *req)
{
    return labels_get(http_arg(req, "lang"));
}

/* What a page is: its name (body data-page, the nav's data-nav), its
 * script, the word of its title, and the view that checks its parameters
 * (VIEW_NKINDS: none), or a check of its own of the request; the level a
 * role must reach to see it (another role: a 403 page, as its API answers
 * 403). */
#define SIGNED_IN HTTP_ACCESS_SIGNED_IN
struct page_kind {
    const char *name, *script, *title;
    enum view_kind check;
    bool (*check_request)(const struct http_request *req, struct view_error *err);
    enum http_access reach;
};

static const struct page_kind dashboard = {
    "dashboard", "js/dashboard.js", "nav_dashboard", VIEW_GRID, NULL, SIGNED_IN};
static const struct page_kind alarms = {"alarms",  "js/alarms.js", "alarms_title",
                                        VIEW_GRID, NULL,           SIGNED_IN};
static const struct page_kind satisfaction = {
    "satisfaction", "js/satisfaction.js", "satisfaction_title", VIEW_SATISFACTION, NULL, SIGNED_IN};
static const struct page_kind zones = {"zones",    "js/zones.js", "zones_title",
                                       VIEW_ZONES, NULL,          SIGNED_IN};
static const struct page_kind branch = {"branch",  "js/branch.js", "branch_title",
                                        VIEW_KPIS, NULL,           SIGNED_IN};
static const struct page_kind reports = {"reports", "js/reports.js", "reports_title", VIEW_GRID,
                                         NULL,      SIGNED_IN};
static const struct page_kind error = {"error",     "js/error.js", "error_title",
                                       VIEW_NKINDS, NULL,          SIGNED_IN};

/* The audit log's page: its filters checked as the API checks them, and
 * its action one of those its filter offers (a typo must not read as
 * "no entry matches"). */
static bool audit_request_ok(const struct http_request *req, struct view_error *err)
{
    char limit[16];
    const char *action = http_arg(req, "action");
    if (!api_audit_params(req, limit, err))
        return false;
    if (action && !labels_audit_action(action))
        return view_fail(err, 400, "invalid_parameter", "action",
                         "action is none of the actions retentiond writes");
    return true;
}

/* auditors and admins, as GET /api/v1/audit */
static const struct page_kind audit = {"audit",     "js/audit.js",    "audit_title",
                                       VIEW_NKINDS, audit_request_ok, HTTP_ACCESS_AUDIT};

static const struct page_kind account = {"account", "js/account.js", "account_title", VIEW_NKINDS,
                                         NULL,      SIGNED_IN};

/* administrators, as /api/v1/users */
static const struct page_kind users = {"users",     "js/users.js", "users_title",
                                       VIEW_NKINDS, NULL,          HTTP_ACCESS_ADMIN};

/* The user's scope: the branch whose subtree they see, as JSON. */
static json_t *scope_json(const struct snap *s, const struct principal *p)
{
    int b = !s ? -1 : *p->branch ? snap_branch_find(s, p->branch) : snap_branch_root(s);
    if (b < 0)
        return json_null();
    return json_pack("{s:s, s:s, s:i}", "code", s->branches[b].code, "name", s->branches[b].name,
                     "level", s->branches[b].level);
}

/* What the page's script starts from (the body's data-boot attribute). */
static char *boot_json(const struct api *api, const struct http_request *req, const struct snap *s,
                       const struct page_kind *k, json_t *params)
{
    const struct principal *p = api_principal(req);
    json_t *boot = json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:i, s:o, s:o}", "page", k->name, "lang",
        api_labels(req)->lang, "user", p->name, "role", role_name(p->role), "scope",
        scope_json(s, p), "csrf", p->csrf, "arrows",
        atomic_load(&api->arrows) == CHART_ARROWS_INTL ? "intl" : "cn", "bottom_n",
        atomic_load(&api->bottom_n), "params", params, "labels", labels_json(api_labels(req)));
    const char *root = s ? view_default_dim(s, SNAP_SATISFACTION) : NULL;
    json_t *indicators = json_object();
    for (size_t i = 0; s && i < s->nindicators; i++)
        json_object_set_new(indicators, s->indicators[i].code, json_string(s->indicators[i].name));
    json_object_set_new(boot, "root_indicator", root ? json_string(root) : json_null());
    json_object_set_new(boot, "must_change", json_boolean(p->must_change));
    json_object_set_new(boot, "indicators", indicators);
    char *text = json_dumps(boot, JSON_COMPACT);
    json_decref(boot);
    return text;
}

/* The shell of page k with status `status` and `message` in it. */
static void fill_page(struct api *api, const struct http_request *req, struct http_reply *reply,
                      const struct snap *s, const struct page_kind *k, json_t *params,
                      const char *message)
{
    const struct labels *l = api_labels(req);
    const struct principal *p = api_principal(req);
    const struct web_asset *script = web_asset_get(k->script);
    bool en = strcmp(l->lang, "en") == 0;
    char role[40], scope[200] = "";
    snprintf(role, sizeof role, "role_%s", role_name(p->role));
    json_t *sc = scope_json(s, p);
    const char *name = json_string_value(json_object_get(sc, "name"));
    snprintf(scope, sizeof scope, "%s", name ? name : "");
    json_decref(sc);
    struct buf other = BUF_INIT;
    /* an error page links to the home page: it does not echo a path it refused */
    buf_printf(&other, "%s?lang=%s", k == &error ? "/" : http_path(req), en ? "zh" : "en");
    char *boot = boot_json(api, req, s, k, params);
    /* an error page's message is an alert that stays (common.js removes
     * the other pages' loading notice once they are drawn) */
    const char *pairs[] = {"html_lang",
                           en ? "en" : "zh-CN",
                           "title",
                           labels_word(l, k->title),
                           "app",
                           labels_word(l, "app"),
                           "script",
                           k->script,
                           "script_v",
                           script ? script->version : "",
                           "page",
                           k->name,
                           "boot",
                           boot ? boot : "{}",
                           "skip",
                           labels_word(l, "skip"),
                           "lang_q",
                           en ? "?lang=en" : "",
                           "nav_label",
                           labels_word(l, "nav_label"),
                           "nav_dashboard",
                           labels_word(l, "nav_dashboard"),
                           "nav_alarms",
                           labels_word(l, "nav_alarms"),
                           "nav_satisfaction",
                           labels_word(l, "nav_satisfaction"),
                           "nav_zones",
                           labels_word(l, "nav_zones"),
                           "nav_account",
                           labels_word(l, "nav_account"),
                           "other_lang",
                           other.data,
                           "other_html_lang",
                           en ? "zh-CN" : "en",
                           "language",
                           labels_word(l, "language"),
                           "user",
                           p->name,
                           "role",
                           labels_word(l, role),
                           "scope",
                           scope,
                           "csrf",
                           p->csrf,
                           "lang",
                           en ? "en" : "zh",
                           "sign_out",
                           labels_word(l, "sign_out"),
                           "message",
                           message,
                           "notice_class",
                           k == &error ? "notice error" : "notice",
                           "notice_role",
                           k == &error ? "alert" : "status",
                           NULL};
    api_page(reply, "page.html", pairs);
    free(boot);
    buf_release(&other);
}

/* The parameters a page's script needs, from the request (or, for the
 * branch page, its path). */
static json_t *page_params(const struct http_request *req, const char *code)
{
    static const char *const names[] = {"branch", "date",  "kpi",     "month", "since",  "action",
                                        "before", "error", "changed", "who",   "outcome"};
    json_t *o = json_object();
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (http_arg(req, names[i]))
            json_object_set_new(o, names[i], json_string(http_arg(req, names[i])));
    if (code)
        json_object_set_new(o, "branch", json_string(code));
    return o;
}

static const char *request_arg(const void *ctx, const char *name)
{
    return http_arg(ctx, name);
}

/* The branch page's parameters: its path's code as `branch`. */
struct branch_args {
    const struct http_request *req;
    const char *code;
};

static const char *branch_arg(const void *ctx, const char *name)
{
    const struct branch_args *a = ctx;
    return strcmp(name, "branch") == 0 ? a->code : http_arg(a->req, name);
}

/* What a page says for a refused request, in the page's language (the
 * API's JSON keeps the English message): a new string (the caller frees).
 * A bulletin's link carries its date in the path: a date that is not one
 * (400) or not written as one (404) is the link's fault. */
static char *page_message(const struct labels *l, const struct view_error *err, bool bulletin)
{
    const char *pairs[] = {"param", err->param ? err->param : "", NULL};
    if (err->status == 403)
        return xstrdup(
            labels_word(l, strcmp(err->code, "forbidden") == 0 ? "forbidden_role" : "forbidden"));
    if (bulletin && (err->status == 400 || strcmp(err->code, "not_found") == 0) && err->param &&
        strcmp(err->param, "date") == 0)
        return xstrdup(labels_word(l, "page_bad_date"));
    if (err->status == 400)
        return doc_fill(labels_word(l, "page_bad_parameter"), pairs);
    if (err->status == 503) /* each in the reader's words, not the API's English */
        return xstrdup(labels_word(
            l, strcmp(err->code, "stale_snapshot") == 0 ? "page_stale_snapshot" : "page_busy"));
    if (err->status != 404)
        return xstrdup(err->message);
    const char *word = "page_no_data";
    if (strcmp(err->code, "quarter_not_ended") == 0)
        word = "page_quarter_not_ended";
    else if (strcmp(err->code, "no_run") == 0)
        word = err->param && strcmp(err->param, "quarter") == 0 ? "page_quarter_no_run"
                                                                : "page_no_run";
    else if (strcmp(err->code, "not_found") == 0)
        word = "not_found";
    return xstrdup(labels_word(l, word));
}

void api_reply_refusal(struct api *api, const struct http_request *req, struct http_reply *reply,
                       const struct snap *s, const struct view_error *err)
{
    buf_reset(&reply->body);
    if (!http_for_people(req)) {
        api_reply_error(reply, err);
        return;
    }
    /* the page's header names the reader's scope: from a snapshot, also
     * when the path was refused before one was taken */
    struct snap *own = s ? NULL : refresh_acquire(api->refresh, NULL);
    char *message = page_message(api_labels(req), err, true);
    reply->status = err->status; /* no-store: the signed-in route's (api_authorize) */
    if (err->retry_after)        /* a 503 that passes: when, for a person's page too */
        http_reply_header(reply, "Retry-After", "%u", err->retry_after);
    fill_page(api, req, reply, s ? s : own, &error, json_object(), message);
    free(message);
    snap_unref(own);
}

static void serve_page(struct http_request *req, struct http_reply *reply, struct api *api,
                       const struct page_kind *k, const char *code)
{
    struct refresh_status st;
    struct snap *s = refresh_acquire(api->refresh, &st);
    struct view_params p = api_params(api, req);
    struct view_error err = {0};
    struct branch_args args = {req, code};
    const struct labels *l = api_labels(req);
    const char *lang = http_arg(req, "lang");
    p.arg = code ? branch_arg : request_arg;
    p.ctx = code ? (const void *)&args : req;
    http_reply_header(reply, "Cache-Control", "no-store");
    if ((lang && strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0 &&
         !view_fail(&err, 400, "invalid_parameter", "lang", "lang is zh or en")) ||
        (!api_role_reaches(api_principal(req)->role, k->reach) &&
         !view_fail(&err, 403, "forbidden", NULL, "your role may not see this page")) ||
        (k->check_request && !k->check_request(req, &err)) ||
        (s && k->check != VIEW_NKINDS && !view_validate(k->check, s, &p, &err))) {
        char *message = page_message(l, &err, false);
        reply->status = err.status;
        fill_page(api, req, reply, s, &error, json_object(), message);
        free(message);
    } else {
        fill_page(api, req, reply, s, k, page_params(req, code), labels_word(l, "loading"));
    }
    snap_unref(s);
}

void api_h_dashboard(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_page(req, reply, ctx, &dashboard, NULL);
}

void api_h_alarms_page(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_page(req, reply, ctx, &alarms, NULL);
}

void api_h_satisfaction_page(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_page(req, reply, ctx, &satisfaction, NULL);
}

void api_h_zones_page(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_page(req, reply, ctx, &zones, NULL);
}

void api_h_reports_page(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_page(req, reply, ctx, &reports, NULL);
}

void api_h_audit_page(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_page(req, reply, ctx, &audit, NULL);
}

void api_h_account_page(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_page(req, reply, ctx, &account, NULL);
}

void api_h_users_page(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_page(req, reply, ctx, &users, NULL);
}

void api_h_branch_page(struct http_request *req, struct http_reply *reply, void *ctx)
{
    const char *code = http_path(req) + strlen("/branch/");
    if (!*code || strchr(code, '/')) {
        reply->status = 404;
        fill_page(ctx, req, reply, NULL, &error, json_object(),
                  labels_word(api_labels(req), "not_found"));
        return;
    }
    serve_page(req, reply, ctx, &branch, code);
}

void api_h_favicon(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)req;
    (void)ctx;
    api_redirect(reply, "/assets/favicon.svg");
}

void api_h_asset(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)ctx;
    const char *name = http_path(req) + strlen("/assets/");
    const struct web_asset *a = web_asset_get(name);
    const char *v = http_arg(req, "v");
    size_t len = strlen(name);
    if (!a || (len > 5 && strcmp(name + len - 5, ".html") == 0)) {
        http_reply_error(reply, 404, "not_found", "no such asset", NULL);
        return;
    }
    reply->content_type = a->content_type;
    reply->shared = (const char *)a->data;
    reply->shared_len = a->len;
    snprintf(reply->etag, sizeof reply->etag, "%s", a->version);
    http_reply_header(reply, "Cache-Control", "%s",
                      v && strcmp(v, a->version) == 0 ? IMMUTABLE : "no-cache");
}
