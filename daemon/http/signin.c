/* Signing in and out, changing one's password, and who am I
 * (docs/access.md). The sign-in form posts back to /login, the password
 * form to /account/password; every outcome is a 303, so that a browser
 * never re-posts a password on reload: home (or `next`, or the account
 * page) with the session cookie, or the form's page again with its
 * message. */
#include "handlers.h"

#include "users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest `next` a sign-in goes back to. */
#define NEXT_MAX 120

/* Whether next is a path of this site to go back to after signing in:
 * "/..." but not "//host" or "/\host" (which browsers read as another
 * site), of plain URL characters only. */
static bool local_path(const char *next)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                             "/-._~?=&%+,:";
    size_t n = next ? strlen(next) : 0;
    return n >= 1 && n <= NEXT_MAX && next[0] == '/' && next[1] != '/' && next[1] != '\\' &&
           strspn(next, ok) == n;
}

/* The message of the sign-in page for the `error` it is given (the word
 * login_ERROR); anything else shows none. */
static const char *message_of(const struct labels *l, const char *error)
{
    static const char *const known[] = {"failed", "throttled", "busy", "unavailable", "signed_out"};
    char word[40];
    for (size_t i = 0; error && i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i], error) == 0) {
            snprintf(word, sizeof word, "login_%s", known[i]);
            return labels_word(l, word);
        }
    return "";
}

/* The value of a local path's lang parameter (up to '&' or the end), or
 * NULL without one. */
static const char *lang_of(const char *path)
{
    const char *q = path ? strchr(path, '?') : NULL;
    for (const char *a = q; a; a = strchr(a + 1, '&'))
        if (strncmp(a + 1, "lang=", 5) == 0)
            return a + 6;
    return NULL;
}

/* Whether a local path asks for the English pages (lang=en). */
static bool english_path(const char *path)
{
    const char *v = lang_of(path);
    return v && strncmp(v, "en", 2) == 0 && (v[2] == '\0' || v[2] == '&');
}

/* The sign-in page's language: its own lang, else the page it brings the
 * user back to (a signed-out link to an English page signs in in English). */
static const struct labels *login_labels(const struct http_request *req, const char *next)
{
    const char *lang = http_arg(req, "lang");
    return labels_get(lang ? lang : local_path(next) && english_path(next) ? "en" : NULL);
}

/* Where a sign-in ends: next (or home), in the language signed in with
 * unless next names its own (a second lang would be refused). */
static void back_to(struct buf *out, const char *next, bool en)
{
    buf_puts(out, local_path(next) ? next : "/");
    if (en && !lang_of(out->data))
        buf_puts(out, strchr(out->data, '?') ? "&lang=en" : "?lang=en");
}

void api_h_login_page(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)ctx;
    const char *next = http_arg(req, "next");
    const struct labels *l = login_labels(req, next);
    bool en = strcmp(l->lang, "en") == 0;
    struct buf other = BUF_INIT; /* the other language's sign-in page, to the same next */
    buf_printf(&other, "/login?lang=%s", en ? "zh" : "en");
    if (local_path(next) && strcmp(next, "/") != 0) {
        buf_puts(&other, "&next=");
        api_url_escape(&other, next);
    }
    const char *pairs[] = {"html_lang",
                           en ? "en" : "zh-CN",
                           "lang",
                           en ? "en" : "zh",
                           "next",
                           local_path(next) ? next : "/",
                           "message",
                           message_of(l, http_arg(req, "error")),
                           "app",
                           labels_word(l, "app"),
                           "title",
                           labels_word(l, "login_title"),
                           "subtitle",
                           labels_word(l, "login_subtitle"),
                           "user",
                           labels_word(l, "login_user"),
                           "password",
                           labels_word(l, "login_password"),
                           "submit",
                           labels_word(l, "login_submit"),
                           "other_href",
                           other.data,
                           "language",
                           labels_word(l, "language"),
                           "other_html_lang",
                           en ? "zh-CN" : "en",
                           NULL};
    http_reply_header(reply, "Cache-Control", "no-store");
    api_page(reply, "login.html", pairs);
    buf_release(&other);
}

/* Back to the sign-in page with an error, keeping next and the language. */
static void sign_in_again(struct http_reply *reply, const char *error, const char *next, bool en)
{
    struct buf location = BUF_INIT;
    buf_printf(&location, "/login?error=%s%s", error, en ? "&lang=en" : "");
    if (local_path(next) && strcmp(next, "/") != 0) {
        buf_puts(&location, "&next=");
        api_url_escape(&location, next);
    }
    api_redirect(reply, location.len < sizeof reply->headers[0].value ? location.data : "/login");
    buf_release(&location);
}

/* The cookie of a new session (Secure under TLS). */
static void set_session_cookie(const struct http_request *req, struct http_reply *reply,
                               const char *session_id)
{
    http_reply_header(reply, "Set-Cookie", "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
                      API_SESSION_COOKIE, session_id, http_is_tls(req) ? "; Secure" : "");
}

/* A live session the request already carries ends: a sign-in always
 * starts a new one, and the old one must not linger. */
static void end_previous(struct api *api, const struct http_request *req)
{
    struct principal old;
    const char *cookie = http_cookie(req, API_SESSION_COOKIE);
    if (cookie && auth_session(api->auth, cookie, &old) == AUTH_OK)
        auth_logout(api->auth, &old, http_client_addr(req));
}

static bool required_field(const struct http_request *req, struct http_reply *reply,
                           const char *name)
{
    const char *v = http_form(req, name);
    if (v && *v)
        return true;
    char msg[80];
    snprintf(msg, sizeof msg, "form field '%s' is required", name);
    http_reply_error(reply, 400, "missing_parameter", msg, name);
    return false;
}

void api_h_login(struct http_request *req, struct http_reply *reply, void *ctx)
{
    struct api *api = ctx;
    const char *next = http_form(req, "next"), *lang = http_form(req, "lang");
    bool en = lang && strcmp(lang, "en") == 0;
    struct buf back = BUF_INIT;
    char session_id[AUTH_SESSION_LEN + 1];
    struct principal p;
    long retry = 0;
    http_reply_header(reply, "Cache-Control", "no-store");
    if (!required_field(req, reply, "user") || !required_field(req, reply, "password"))
        return;
    if (!api->auth) {
        sign_in_again(reply, "unavailable", next, en);
        return;
    }
    enum auth_result r = auth_login(api->auth, http_form(req, "user"), http_form(req, "password"),
                                    http_client_addr(req), session_id, &p, &retry);
    metrics_login(api->metrics, r == AUTH_OK          ? LOGIN_OK
                                : r == AUTH_THROTTLED ? LOGIN_THROTTLED
                                : r == AUTH_BUSY      ? LOGIN_BUSY
                                : r == AUTH_ERROR     ? LOGIN_ERROR
                                                      : LOGIN_DENIED);
    switch (r) {
    case AUTH_OK:
        end_previous(api, req);
        set_session_cookie(req, reply, session_id);
        back_to(&back, next, en);
        api_redirect(reply, back.len < sizeof reply->headers[0].value ? back.data : "/");
        break;
    case AUTH_THROTTLED:
        sign_in_again(reply, "throttled", next, en);
        http_reply_header(reply, "Retry-After", "%ld", retry);
        break;
    case AUTH_BUSY:
        sign_in_again(reply, "busy", next, en);
        http_reply_header(reply, "Retry-After", "1");
        break;
    case AUTH_ERROR:
        sign_in_again(reply, "unavailable", next, en);
        break;
    default:
        sign_in_again(reply, "failed", next, en);
    }
    memset(session_id, 0, sizeof session_id);
    buf_release(&back);
}

void api_h_logout(struct http_request *req, struct http_reply *reply, void *ctx)
{
    struct api *api = ctx;
    auth_logout(api->auth, api_principal(req), http_client_addr(req));
    const char *lang = http_form(req, "lang");
    api_clear_cookie(req, reply);
    api_redirect(reply, lang && strcmp(lang, "en") == 0 ? "/login?error=signed_out&lang=en"
                                                        : "/login?error=signed_out");
}

/* Back to the account page with ?WHAT (error=WHY or changed=1), in the
 * form's language. */
static void to_account(struct http_reply *reply, const char *what, bool en)
{
    char location[80];
    snprintf(location, sizeof location, "/account?%s%s", what, en ? "&lang=en" : "");
    api_redirect(reply, location);
}

/* What is wrong with a new password before any hash: NULL when nothing. */
static const char *new_password_refusal(const struct principal *p, const char *current,
                                        const char *password, const char *confirm)
{
    char why[80];
    if (strcmp(password, confirm) != 0)
        return "error=mismatch";
    if (!users_password_ok(password, why, sizeof why))
        return "error=length";
    if (strcmp(password, current) == 0)
        return "error=same";
    if (strcmp(password, p->name) == 0)
        return "error=name";
    return NULL;
}

void api_h_password(struct http_request *req, struct http_reply *reply, void *ctx)
{
    struct api *api = ctx;
    const struct principal *p = api_principal(req);
    const char *lang = http_form(req, "lang");
    bool en = lang && strcmp(lang, "en") == 0;
    char session_id[AUTH_SESSION_LEN + 1] = "";
    struct principal now;
    long retry = 0;
    http_reply_header(reply, "Cache-Control", "no-store");
    if (!*p->session) {
        http_reply_error(reply, 403, "session_required",
                         "a password is changed in a signed-in browser, not with a token", NULL);
        return;
    }
    if (!required_field(req, reply, "current") || !required_field(req, reply, "password") ||
        !required_field(req, reply, "confirm"))
        return;
    const char *current = http_form(req, "current"), *password = http_form(req, "password");
    const char *refusal = new_password_refusal(p, current, password, http_form(req, "confirm"));
    if (refusal) {
        to_account(reply, refusal, en);
        return;
    }
    switch (auth_change_password(api->auth, p, current, password, http_client_addr(req), session_id,
                                 &now, &retry)) {
    case AUTH_OK:
        set_session_cookie(req, reply, session_id);
        to_account(reply, "changed=1", en);
        break;
    case AUTH_THROTTLED:
        to_account(reply, "error=throttled", en);
        http_reply_header(reply, "Retry-After", "%ld", retry);
        break;
    case AUTH_BUSY:
        to_account(reply, "error=busy", en);
        http_reply_header(reply, "Retry-After", "1");
        break;
    case AUTH_ERROR:
        to_account(reply, "error=unavailable", en);
        break;
    default:
        to_account(reply, "error=wrong", en);
    }
    memset(session_id, 0, sizeof session_id);
}

void api_h_me(struct http_request *req, struct http_reply *reply, void *ctx)
{
    struct api *api = ctx;
    const struct principal *p = api_principal(req);
    struct refresh_status st;
    struct snap *s = refresh_acquire(api->refresh, &st);
    int b = !s ? -1 : *p->branch ? snap_branch_find(s, p->branch) : snap_branch_root(s);
    json_t *scope = b < 0 ? json_null()
                          : json_pack("{s:s, s:s, s:i}", "code", s->branches[b].code, "name",
                                      s->branches[b].name, "level", s->branches[b].level);
    json_t *me =
        json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:b}", "user", p->name, "role",
                  role_name(p->role), "branch", *p->branch ? json_string(p->branch) : json_null(),
                  "scope", scope, "via", *p->session ? "session" : "token", "csrf",
                  *p->csrf ? json_string(p->csrf) : json_null(), "must_change", p->must_change);
    char *text = json_dumps(me, JSON_COMPACT);
    buf_puts(&reply->body, text ? text : "{}");
    free(text);
    json_decref(me);
    snap_unref(s);
}
