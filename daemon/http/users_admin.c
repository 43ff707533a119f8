/* Users over HTTP, for administrators (docs/access.md, "Users on the
 * page"): the list (GET /api/v1/users) and what `retentiond user` does
 * (POST /api/v1/users; POST /api/v1/users/NAME/set|password|disable|enable;
 * NAME/tokens/ID/revoke is my_tokens.c's),
 * each change audited in its transaction with the administrator's name and
 * address. A new user's password, and a reset one, is a temporary password
 * made here (64 bits from the CSPRNG), answered once and never stored or
 * logged but as its hash: the user changes it at their first sign-in. */
#include "handlers.h"

#include "password.h"
#include "random.h"
#include "sql_embed.h"
#include "users.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A temporary password's length: 16 hex digits in four groups joined by
 * '-', such as 3f9a-07c2-b41e-d58a. */
#define TEMPORARY_LEN 19

static bool temporary_password(char out[TEMPORARY_LEN + 1])
{
    char hex[17];
    if (!random_hex(8, hex))
        return false;
    snprintf(out, TEMPORARY_LEN + 1, "%.4s-%.4s-%.4s-%.4s", hex, hex + 4, hex + 8, hex + 12);
    memset(hex, 0, sizeof hex);
    return true;
}

void api_h_users(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)req;
    struct db_result *res = NULL;
    struct view_error err = {0};
    if (!api_query(ctx, "the users", sql_embed_get("api/users_list.sql"), 0, NULL, &res, &err)) {
        api_reply_error(reply, &err);
        return;
    }
    buf_printf(&reply->body, "{\"users\":%s}", db_value(res, 0, 0));
    db_result_free(res);
}

/* ---- changes ----------------------------------------------------------------------------------
 */

enum verb { VERB_ADD, VERB_SET, VERB_PASSWORD, VERB_DISABLE, VERB_ENABLE };

/* One change, made on a pooled connection (run_change). */
struct change {
    enum verb verb;
    struct users_by by;
    const char *name, *role, *branch, *email;
    const char *password, *phc; /* the temporary password made, its hash (NULL: none) */
    bool done, already;
    bool ended, unchanged; /* VERB_SET: the sessions ended (a new scope); nothing to change */
    /* a refusal: the answer's status, code and parameter */
    int status;
    const char *code, *param;
    char err[300];
};

/* A refusal; message may be c->err itself (a users_* refusal). */
static bool refuse(struct change *c, int status, const char *code, const char *param,
                   const char *message)
{
    c->status = status;
    c->code = code;
    c->param = param;
    if (message != c->err)
        snprintf(c->err, sizeof c->err, "%s", message);
    return false;
}

/* What the database must hold first: the user (or, to add one, not), the
 * branch. false: refused (c says why) or *failed. */
static bool preconditions(struct db *db, struct change *c, bool *failed)
{
    bool known = false;
    *failed = !users_known(db, c->name, &known);
    if (*failed)
        return false;
    if (c->verb == VERB_ADD && known)
        return refuse(c, 409, "conflict", "name", "a user of that name exists already");
    if (c->verb != VERB_ADD && !known)
        return refuse(c, 404, "not_found", "name", "no user of that name");
    if ((c->verb != VERB_ADD && c->verb != VERB_SET) || !c->branch)
        return true;
    *failed = !users_branch_known(db, c->branch, &known);
    if (!*failed && !known)
        return refuse(c, 400, "invalid_parameter", "branch", "no branch with that code");
    return !*failed;
}

static bool run_change(struct db *db, void *ctx)
{
    struct change *c = ctx;
    bool failed = false;
    if (!preconditions(db, c, &failed))
        return !failed;
    switch (c->verb) {
    case VERB_ADD:
        c->done = users_add_phc(db, &c->by, c->name, c->role, c->branch, c->email, c->phc, true,
                                c->err, sizeof c->err);
        break;
    case VERB_SET: {
        struct user_change uc = {c->role, c->branch, c->email, !c->email};
        c->done =
            users_set(db, &c->by, c->name, &uc, &c->ended, &c->unchanged, c->err, sizeof c->err);
        break;
    }
    case VERB_PASSWORD:
        c->done = users_passwd_phc(db, &c->by, c->name, c->phc, true, c->err, sizeof c->err);
        break;
    case VERB_DISABLE:
        c->done = users_disable(db, &c->by, c->name, c->err, sizeof c->err);
        break;
    case VERB_ENABLE:
        c->done = users_enable(db, &c->by, c->name, &c->already, c->err, sizeof c->err);
        break;
    }
    if (!c->done && c->err[0]) /* changed meanwhile by someone else */
        refuse(c, 409, "conflict", "name", c->err);
    return c->done || c->err[0];
}

/* Hashes the temporary password (before a connection is taken: a hash
 * waits for a place up to 2 s); false after answering 503. */
static bool hash_first(struct change *c, char **phc, struct http_reply *reply)
{
    enum password_result r = c->password ? password_hash(c->password, phc) : PASSWORD_OK;
    if (r == PASSWORD_OK) {
        c->phc = *phc;
        return true;
    }
    http_reply_error(reply, 503, r == PASSWORD_BUSY ? "busy" : "internal",
                     r == PASSWORD_BUSY ? "every password hash place is busy: retry in 1 s"
                                        : "the password cannot be hashed (see the log)",
                     NULL);
    http_reply_header(reply, "Retry-After", "1");
    return false;
}

/* Makes the change and answers it: the user, and the temporary password
 * when one was made. */
static void answer_change(struct api *api, struct http_reply *reply, struct change *c)
{
    char *phc = NULL;
    if (!hash_first(c, &phc, reply))
        return;
    enum pool_status st = pool_run(api->pool, run_change, c);
    free(phc);
    if (st != POOL_OK || (!c->done && !c->status)) {
        api_reply_db_down(reply, st, "users are kept");
        return;
    }
    if (!c->done) {
        http_reply_error(reply, c->status, c->code, c->err, c->param);
        return;
    }
    if (c->verb == VERB_PASSWORD || c->verb == VERB_DISABLE || c->ended)
        auth_forget_user(api->auth, c->name); /* the sessions (and tokens) it ended, at once */
    json_t *o = json_pack("{s:s}", "name", c->name);
    if (c->verb == VERB_SET)
        json_object_update_new(o, json_pack("{s:s, s:s?, s:s?, s:b, s:b}", "role", c->role,
                                            "branch", c->branch, "email", c->email,
                                            "sessions_ended", c->ended, "unchanged", c->unchanged));
    if (c->password)
        json_object_set_new(o, "password", json_string(c->password));
    if (c->verb == VERB_ADD || c->verb == VERB_PASSWORD)
        json_object_set_new(o, "must_change", json_true());
    if (c->verb == VERB_DISABLE || c->verb == VERB_ENABLE)
        json_object_set_new(o, "disabled", json_boolean(c->verb == VERB_DISABLE));
    if (c->verb == VERB_ENABLE)
        json_object_set_new(o, "already", json_boolean(c->already));
    char *text = json_dumps(o, JSON_COMPACT);
    reply->status = c->verb == VERB_ADD ? 201 : 200;
    buf_puts(&reply->body, text ? text : "{}");
    free(text);
    json_decref(o);
}

/* A form field, NULL when absent or empty. */
static const char *field(const struct http_request *req, const char *name)
{
    const char *v = http_form(req, name);
    return v && *v ? v : NULL;
}

/* A user's role, branch and address (a new user's, or all three that
 * `set` gives), checked before the database is asked. */
static bool fields_ok(struct change *c)
{
    int role = c->role ? role_parse(c->role) : -1;
    if (role < 0)
        return refuse(c, 400, "invalid_parameter", "role",
                      "role is executive, branch_manager, auditor or admin");
    if ((role == ROLE_BRANCH_MANAGER) != (c->branch != NULL))
        return refuse(c, 400, "invalid_parameter", "branch",
                      "a branch_manager has a branch; the other roles have none");
    if (c->email && !users_email_ok(c->email))
        return refuse(c, 400, "invalid_parameter", "email", "email is not an e-mail address");
    return true;
}

static bool add_fields_ok(struct change *c)
{
    if (!c->name || !principal_name_ok(c->name))
        return refuse(c, 400, "invalid_parameter", "name",
                      "name has 1 to 64 letters, digits, '_', '.', '@' or '-'");
    return fields_ok(c);
}

void api_h_user_add(struct http_request *req, struct http_reply *reply, void *ctx)
{
    const struct principal *p = api_principal(req);
    char password[TEMPORARY_LEN + 1];
    struct change c = {.verb = VERB_ADD,
                       .by = {p->name, http_client_addr(req)},
                       .name = field(req, "name"),
                       .role = field(req, "role"),
                       .branch = field(req, "branch"),
                       .email = field(req, "email"),
                       .password = password};
    http_reply_header(reply, "Cache-Control", "no-store");
    if (!api_session_only(req, reply, "users are added"))
        return;
    if (!add_fields_ok(&c))
        http_reply_error(reply, c.status, c.code, c.err, c.param);
    else if (!temporary_password(password))
        http_reply_error(reply, 500, "internal", "no random bytes for a password", NULL);
    else
        answer_change(ctx, reply, &c);
    memset(password, 0, sizeof password);
}

/* set's fields: all three, as the page's form sends them (an empty or
 * absent email: none). */
static bool set_fields(const struct http_request *req, struct change *c)
{
    c->role = field(req, "role");
    c->branch = field(req, "branch");
    c->email = field(req, "email");
    return fields_ok(c);
}

/* POST /api/v1/users/NAME/VERB: the name and the verb of the path. */
static bool parse_path(const char *path, char name[65], enum verb *verb)
{
    static const char *const verbs[] = {"set", "password", "disable", "enable"};
    const char *rest = path + strlen("/api/v1/users/"), *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : 0;
    if (!slash || n == 0 || n > 64)
        return false;
    memcpy(name, rest, n);
    name[n] = '\0';
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(slash + 1, verbs[i]) == 0) {
            *verb = (enum verb)(VERB_SET + (int)i);
            return principal_name_ok(name);
        }
    return false;
}

void api_h_user_change(struct http_request *req, struct http_reply *reply, void *ctx)
{
    const struct principal *p = api_principal(req);
    char name[65], password[TEMPORARY_LEN + 1] = "";
    struct change c = {.by = {p->name, http_client_addr(req)}, .name = name};
    if (api_user_token_revoke(req, reply, ctx)) /* POST /api/v1/users/NAME/tokens/ID/revoke */
        return;
    http_reply_header(reply, "Cache-Control", "no-store");
    if (!api_session_only(req, reply, "users are changed"))
        return;
    if (!parse_path(http_path(req), name, &c.verb))
        http_reply_error(reply, 404, "not_found",
                         "no such route: /api/v1/users/NAME/set, password, disable, enable or "
                         "tokens/ID/revoke",
                         NULL);
    else if (strcmp(name, p->name) == 0 && c.verb != VERB_ENABLE)
        http_reply_error(reply, 400, "invalid_parameter",
                         "not one's own account: the password is changed on /account, and "
                         "another administrator changes or disables",
                         "name");
    else if (c.verb == VERB_SET && !set_fields(req, &c))
        http_reply_error(reply, c.status, c.code, c.err, c.param);
    else if (c.verb == VERB_PASSWORD && !temporary_password(password))
        http_reply_error(reply, 500, "internal", "no random bytes for a password", NULL);
    else {
        c.password = c.verb == VERB_PASSWORD ? password : NULL;
        answer_change(ctx, reply, &c);
    }
    memset(password, 0, sizeof password);
}
