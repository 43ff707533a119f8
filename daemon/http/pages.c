/* The pages for people (web/ templates filled on the server) and the
 * assets they load. Until the dashboard comes, the home page says who is
 * signed in, what they see, and lets them sign out. */
#include "handlers.h"

#include "html.h"
#include "log.h"
#include "web_embed.h"

#include <string.h>

/* Assets named in a page carry ?v=VERSION: a browser may keep such a URL
 * for a year, since a changed asset gets a new one. */
#define IMMUTABLE "public, max-age=31536000, immutable"

void api_page(struct http_reply *reply, const char *name, const char *const *pairs)
{
    const struct web_asset *page = web_asset_get(name), *css = web_asset_get("style.css");
    const char *all[32];
    size_t n = 0;
    all[n++] = "css";
    all[n++] = css ? css->version : "";
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

static const char *role_label(enum role r)
{
    static const char *const labels[ROLE_COUNT] = {"管理层", "分公司经理", "审计", "管理员"};
    return (int)r >= 0 && r < ROLE_COUNT ? labels[r] : "";
}

/* The name of the branch whose subtree p sees, into out ("" when no
 * snapshot has it yet). */
static void scope_name(struct api *api, const struct principal *p, char *out, size_t n)
{
    struct refresh_status st;
    struct snap *s = refresh_acquire(api->refresh, &st);
    int b = !s ? -1 : *p->branch ? snap_branch_find(s, p->branch) : snap_branch_root(s);
    snprintf(out, n, "%s", b >= 0 ? s->branches[b].name : "");
    snap_unref(s);
}

void api_h_home(struct http_request *req, struct http_reply *reply, void *ctx)
{
    const struct principal *p = api_principal(req);
    char scope[200];
    scope_name(ctx, p, scope, sizeof scope);
    const char *pairs[] = {"user", p->name, "role", role_label(p->role), "scope", scope,
                           "csrf", p->csrf, NULL};
    api_page(reply, "home.html", pairs);
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
