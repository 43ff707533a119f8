/* The access phase of the daemon's routes (docs/access.md): who asks (a
 * bearer token, else the session cookie), whether their role reaches the
 * route's level, and for a state-changing request that it comes from this
 * site (Sec-Fetch-Site, else Origin) and, once its form is read, that it
 * carries the session's CSRF token. */
#include "handlers.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Seconds a client is told to wait when the sessions cannot be read. */
#define RETRY_AFTER 1

const struct principal *api_principal(const struct http_request *req)
{
    return http_user(req);
}

bool api_session_only(const struct http_request *req, struct http_reply *reply, const char *what)
{
    if (*api_principal(req)->session)
        return true;
    char message[200];
    snprintf(message, sizeof message, "%s in a signed-in browser, not with a token", what);
    http_reply_error(reply, 403, "session_required", message, NULL);
    return false;
}

static bool safe_method(const struct http_request *req)
{
    const char *m = http_method(req);
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

/* Whether a state-changing request comes from a page of this site: a
 * browser says so in Sec-Fetch-Site (older ones in Origin); a client that
 * sends neither is no browser, and the CSRF token (or a bearer token) still
 * has to be right. */
static bool same_site(const struct http_request *req)
{
    const char *site = http_header(req, "Sec-Fetch-Site");
    if (site)
        return strcmp(site, "same-origin") == 0 || strcmp(site, "none") == 0;
    const char *origin = http_header(req, "Origin"), *host = http_header(req, "Host");
    if (!origin)
        return true;
    const char *scheme = http_is_tls(req) ? "https://" : "http://";
    size_t n = strlen(scheme);
    return host && strncmp(origin, scheme, n) == 0 && strcmp(origin + n, host) == 0;
}

bool api_role_reaches(enum role r, enum http_access level)
{
    switch (level) {
    case HTTP_ACCESS_PUBLIC:
    case HTTP_ACCESS_SIGNED_IN:
        return true;
    case HTTP_ACCESS_PROVINCE:
        return r != ROLE_BRANCH_MANAGER;
    case HTTP_ACCESS_AUDIT:
        return r == ROLE_AUDITOR || r == ROLE_ADMIN;
    case HTTP_ACCESS_ADMIN:
        return r == ROLE_ADMIN;
    default:
        return false;
    }
}

/* The principal of the request's credentials; *presented: whether it
 * carried any. A bearer token wins over a cookie. */
static enum auth_result identify(struct api *api, const struct http_request *req,
                                 struct principal *p, bool *presented)
{
    const char *authorization = http_header(req, "Authorization");
    const char *cookie = http_cookie(req, API_SESSION_COOKIE);
    *presented = authorization || cookie;
    if (authorization) {
        if (strncasecmp(authorization, "Bearer ", 7) != 0)
            return AUTH_DENIED;
        const char *token = authorization + 7;
        token += strspn(token, " ");
        return auth_token(api->auth, token, http_client_addr(req), p);
    }
    return cookie ? auth_session(api->auth, cookie, p) : AUTH_DENIED;
}

void api_clear_cookie(const struct http_request *req, struct http_reply *reply)
{
    http_reply_header(reply, "Set-Cookie", "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
                      API_SESSION_COOKIE, http_is_tls(req) ? "; Secure" : "");
}

void api_redirect(struct http_reply *reply, const char *location)
{
    reply->status = 303;
    reply->content_type = "text/plain; charset=utf-8";
    buf_reset(&reply->body);
    http_reply_header(reply, "Location", "%s", location);
}

/* Appends text percent-encoded (libcurl's escaping) to out. */
void api_url_escape(struct buf *out, const char *text)
{
    char *e = curl_easy_escape(NULL, text, (int)strlen(text));
    if (e)
        buf_puts(out, e);
    curl_free(e);
}

static void add_arg(void *ctx, const char *name, const char *value)
{
    struct buf *b = ctx;
    buf_puts(b, b->data && strchr(b->data, '?') ? "&" : "?");
    api_url_escape(b, name);
    if (value) {
        buf_puts(b, "=");
        api_url_escape(b, value);
    }
}

/* A page asked for without a (valid) session: to the sign-in page, which
 * brings the user back here. */
static void to_sign_in(const struct http_request *req, struct http_reply *reply)
{
    struct buf here = BUF_INIT, location = BUF_INIT;
    buf_puts(&here, http_path(req));
    http_args_each(req, add_arg, &here);
    buf_puts(&location, "/login");
    if (strcmp(here.data, "/") != 0) {
        buf_puts(&location, "?next=");
        api_url_escape(&location, here.data);
    }
    if (location.len < sizeof reply->headers[0].value)
        api_redirect(reply, location.data);
    else
        api_redirect(reply, "/login");
    buf_release(&here);
    buf_release(&location);
}

static bool unauthenticated(const struct http_request *req, struct http_reply *reply,
                            bool presented)
{
    if (presented && http_cookie(req, API_SESSION_COOKIE))
        api_clear_cookie(req, reply);
    if (http_for_people(req) && safe_method(req)) {
        to_sign_in(req, reply);
        return false;
    }
    http_reply_error(reply, 401, "unauthenticated",
                     presented ? "the session has ended or the token is not valid: sign in again"
                               : "sign in first (a session cookie, or Authorization: Bearer TOKEN)",
                     NULL);
    /* RFC 6750 3.1: a token presented and not taken is invalid_token */
    const char *auth = http_header(req, "Authorization");
    bool token = presented && auth && strncasecmp(auth, "Bearer ", 7) == 0;
    http_reply_header(reply, "WWW-Authenticate", "Bearer realm=\"retentiond\"%s",
                      token ? ", error=\"invalid_token\"" : "");
    return false;
}

/* What a session whose user must first change a temporary password may
 * use: the account page and its form, the sign-out, who am I. */
static bool before_password_change(const struct http_route *route)
{
    static const char *const open[] = {"/account", "/account/password", "/logout", "/api/v1/me"};
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++)
        if (strcmp(route->path, open[i]) == 0)
            return true;
    return false;
}

/* Anything else: a page goes to the account page (in its language), the
 * rest is refused. */
static bool password_first(const struct http_request *req, struct http_reply *reply)
{
    const char *lang = http_arg(req, "lang");
    if (http_for_people(req) && safe_method(req))
        api_redirect(reply, lang && strcmp(lang, "en") == 0 ? "/account?lang=en" : "/account");
    else
        http_reply_error(reply, 403, "password_change_required",
                         "change the temporary password first (the page /account)", NULL);
    return false;
}

bool api_authorize(void *ctx, struct http_request *req, const struct http_route *route,
                   struct http_reply *reply)
{
    struct api *api = ctx;
    struct principal p;
    bool presented = false;
    if (!safe_method(req) && !same_site(req)) {
        http_reply_error(reply, 403, "cross_site",
                         "a request from another site may not change anything here", NULL);
        return false;
    }
    if (route->access == HTTP_ACCESS_PUBLIC)
        return true;
    http_reply_header(reply, "Cache-Control", "no-store");
    if (!api->auth) {
        http_reply_error(reply, 403, "forbidden", "access control is not configured", NULL);
        return false;
    }
    switch (identify(api, req, &p, &presented)) {
    case AUTH_OK:
        break;
    case AUTH_BUSY:
        http_reply_error(reply, 503, "database_busy",
                         "every database connection is busy: retry in 1 s", NULL);
        http_reply_header(reply, "Retry-After", "%d", RETRY_AFTER);
        return false;
    case AUTH_ERROR:
        http_reply_error(reply, 503, "database_unavailable",
                         "sessions are kept in the database, which does not answer", NULL);
        http_reply_header(reply, "Retry-After", "%d", RETRY_AFTER);
        return false;
    default:
        return unauthenticated(req, reply, presented);
    }
    http_set_principal(req, p.name);
    http_set_user(req, &p, sizeof p);
    if (p.must_change && !before_password_change(route))
        return password_first(req, reply);
    if (api_role_reaches(p.role, route->access))
        return true;
    http_reply_error(reply, 403, "forbidden", "your role may not use this route", NULL);
    return false;
}

bool api_admit(void *ctx, struct http_request *req, const struct http_route *route,
               struct http_reply *reply)
{
    (void)ctx;
    (void)route;
    const struct principal *p = api_principal(req);
    if (safe_method(req) || !p || !*p->csrf)
        return true; /* nothing changes, or no session (a public form, a bearer token) */
    const char *token = http_header(req, "X-CSRF-Token");
    if (!token)
        token = http_form(req, "csrf");
    if (token && auth_same_secret(token, p->csrf))
        return true;
    http_reply_error(reply, 403, "csrf_failed",
                     token ? "the CSRF token is not this session's"
                           : "a CSRF token is required (form field csrf or header X-CSRF-Token)",
                     "csrf");
    return false;
}
