/* API tokens over HTTP (docs/access.md, "One's own tokens" and "Users on
 * the page"). A user's own: the list (GET /api/v1/me/tokens), a new one
 * (POST /api/v1/me/tokens, with the current password; the token answered
 * once) and a revocation (POST /api/v1/me/tokens/ID/revoke). An
 * administrator's, of another user: the list (GET
 * /api/v1/users/NAME/tokens) and a revocation (POST
 * /api/v1/users/NAME/tokens/ID/revoke); no token is made for another.
 * Adding and revoking need a signed-in browser's session, not a token;
 * each is audited as `retentiond token add|revoke` is, with the name and
 * address of who did it. */
#include "handlers.h"

#include "auth.h"
#include "sql_embed.h"
#include "users.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Answers the tokens of user `name` (sql/api/my_tokens.sql); 404 naming
 * `name` when there is no such user. */
static void list_tokens(struct api *api, struct http_reply *reply, const char *name)
{
    struct db_result *res = NULL;
    struct view_error err = {0};
    const char *params[] = {name};
    http_reply_header(reply, "Cache-Control", "no-store");
    if (!api_query(api, "the tokens", sql_embed_get("api/my_tokens.sql"), 1, params, &res, &err)) {
        api_reply_error(reply, &err);
        return;
    }
    if (db_rows(res) == 0)
        http_reply_error(reply, 404, "not_found", "no such user", "name");
    else
        buf_printf(&reply->body, "{\"user\":\"%s\",\"tokens\":%s}", name, db_value(res, 0, 0));
    db_result_free(res);
}

void api_h_my_tokens(struct http_request *req, struct http_reply *reply, void *ctx)
{
    list_tokens(ctx, reply, api_principal(req)->name);
}

/* An add or a revocation, made on a pooled connection (run_change). */
struct token_change {
    struct users_by by;
    const char *owner; /* whose token: by.who's own, or another's (an administrator's revocation) */
    long long id;      /* the token revoked, or the one made */
    char token[TOKEN_LEN + 1];
    bool revoke, done;
    char err[300];
};

static bool run_change(struct db *db, void *ctx)
{
    struct token_change *c = ctx;
    c->done = c->revoke
                  ? tokens_revoke(db, &c->by, c->id, c->owner, c->err, sizeof c->err)
                  : tokens_add(db, &c->by, c->by.who, c->token, &c->id, c->err, sizeof c->err);
    return c->done || c->err[0]; /* a refusal is an answer; an empty err, a failure */
}

/* Makes the change; false after answering a refusal or 503. */
static bool changed(struct api *api, struct http_reply *reply, struct token_change *c)
{
    enum pool_status st = pool_run(api->pool, run_change, c);
    if (st != POOL_OK || (!c->done && !c->err[0])) {
        api_reply_db_down(reply, st, "tokens are kept");
        return false;
    }
    if (!c->done && c->revoke)
        http_reply_error(reply, 404, "not_found",
                         strcmp(c->owner, c->by.who) == 0
                             ? "no live token of yours with that id"
                             : "no live token of that user with that id",
                         "id");
    else if (!c->done)
        http_reply_error(reply, 409, "too_many",
                         "you have the most live tokens a user may have: revoke one first", NULL);
    return c->done;
}

/* The current password (form field `password`), checked as a sign-in's:
 * a stolen session alone makes no token that would outlive it. false
 * after answering the refusal. */
static bool password_confirmed(struct api *api, const struct http_request *req,
                               struct http_reply *reply)
{
    const char *current = http_form(req, "password");
    long retry = 0;
    if (!current || !*current) {
        http_reply_error(reply, 400, "invalid_parameter",
                         "password (your current one) is needed to make a token", "password");
        return false;
    }
    switch (auth_confirm_password(api->auth, api_principal(req), current, http_client_addr(req),
                                  "token_add", &retry)) {
    case AUTH_OK:
        return true;
    case AUTH_DENIED:
        http_reply_error(reply, 403, "wrong_password", "that is not your current password",
                         "password");
        break;
    case AUTH_THROTTLED:
        http_reply_error(reply, 429, "throttled", "too many wrong passwords: wait", "password");
        http_reply_header(reply, "Retry-After", "%ld", retry);
        break;
    default:
        http_reply_error(reply, 503, "busy", "the password cannot be checked now: retry", NULL);
        http_reply_header(reply, "Retry-After", "%d", API_RETRY_AFTER);
        break;
    }
    return false;
}

void api_h_my_token_add(struct http_request *req, struct http_reply *reply, void *ctx)
{
    const struct principal *p = api_principal(req);
    struct token_change c = {.by = {p->name, http_client_addr(req)}, .owner = p->name};
    http_reply_header(reply, "Cache-Control", "no-store");
    if (api_session_only(req, reply, "tokens are made") && password_confirmed(ctx, req, reply) &&
        changed(ctx, reply, &c)) {
        reply->status = 201;
        buf_printf(&reply->body, "{\"id\":%lld,\"token\":\"%s\"}", c.id, c.token);
    }
    memset(c.token, 0, sizeof c.token);
}

/* The ID of "ID/revoke" (rest: what follows ".../tokens/"); false when
 * rest is not that. */
static bool revoke_id(const char *rest, long long *id)
{
    char *end = NULL;
    if (*rest < '1' || *rest > '9')
        return false;
    errno = 0;
    *id = strtoll(rest, &end, 10);
    return errno == 0 && strcmp(end, "/revoke") == 0;
}

/* Revokes token c->id of c->owner and answers. */
static void revoke(struct api *api, struct http_request *req, struct http_reply *reply,
                   struct token_change *c)
{
    if (!api_session_only(req, reply, "tokens are revoked") || !changed(api, reply, c))
        return;
    auth_forget_user(api->auth, c->owner); /* the token stops here at once */
    buf_printf(&reply->body, "{\"id\":%lld,\"revoked\":true}", c->id);
}

void api_h_my_token_revoke(struct http_request *req, struct http_reply *reply, void *ctx)
{
    const struct principal *p = api_principal(req);
    struct token_change c = {
        .by = {p->name, http_client_addr(req)}, .owner = p->name, .revoke = true};
    http_reply_header(reply, "Cache-Control", "no-store");
    if (!revoke_id(http_path(req) + strlen("/api/v1/me/tokens/"), &c.id))
        http_reply_error(reply, 404, "not_found", "no such route: /api/v1/me/tokens/ID/revoke",
                         NULL);
    else
        revoke(ctx, req, reply, &c);
}

/* The NAME of /api/v1/users/NAME/tokens... into name; *rest receives what
 * follows "tokens" (NULL: the path is not of that form). */
static bool user_tokens_path(const char *path, char name[65], const char **rest)
{
    const char *start = path + strlen("/api/v1/users/"), *slash = strchr(start, '/');
    size_t n = slash ? (size_t)(slash - start) : 0;
    *rest = NULL;
    if (n == 0 || n > 64 || strncmp(slash, "/tokens", strlen("/tokens")) != 0)
        return false;
    memcpy(name, start, n);
    name[n] = '\0';
    *rest = slash + strlen("/tokens");
    return principal_name_ok(name);
}

void api_h_user_tokens(struct http_request *req, struct http_reply *reply, void *ctx)
{
    char name[65];
    const char *rest = NULL;
    if (!user_tokens_path(http_path(req), name, &rest) || *rest)
        http_reply_error(reply, 404, "not_found", "no such route: /api/v1/users/NAME/tokens", NULL);
    else
        list_tokens(ctx, reply, name);
}

bool api_user_token_revoke(struct http_request *req, struct http_reply *reply, void *ctx)
{
    char name[65];
    const char *rest = NULL;
    bool named = user_tokens_path(http_path(req), name, &rest);
    if (!rest)
        return false;
    http_reply_header(reply, "Cache-Control", "no-store");
    struct token_change c = {
        .by = {api_principal(req)->name, http_client_addr(req)}, .owner = name, .revoke = true};
    if (!named || rest[0] != '/' || !revoke_id(rest + 1, &c.id))
        http_reply_error(reply, 404, "not_found",
                         "no such route: /api/v1/users/NAME/tokens/ID/revoke", NULL);
    else
        revoke(ctx, req, reply, &c);
    return true;
}
