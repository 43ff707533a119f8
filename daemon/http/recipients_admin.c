/* The bulletin's extra recipients over HTTP, for administrators
 * (docs/bulletin.md, "Recipients"): the list (GET
 * /api/v1/bulletin-recipients), an addition (POST
 * /api/v1/bulletin-recipients) and a removal (POST
 * /api/v1/bulletin-recipients/remove), each as `retentiond bulletin
 * recipients add|remove` makes it (recipients_* in access/users.c, audited
 * in its transaction with the administrator's name and address). */
#include "handlers.h"

#include "sql_embed.h"
#include "users.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_h_recipients(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)req;
    struct db_result *res = NULL;
    struct view_error err = {0};
    http_reply_header(reply, "Cache-Control", "no-store");
    if (!api_query(ctx, "the recipients", sql_embed_get("api/recipients_list.sql"), 0, NULL, &res,
                   &err)) {
        api_reply_error(reply, &err);
        return;
    }
    buf_printf(&reply->body, "{\"recipients\":%s}", db_value(res, 0, 0));
    db_result_free(res);
}

/* An addition or a removal, made on a pooled connection (run_change). */
struct recipient_change {
    struct users_by by;
    const char *branch, *address;
    bool remove;
    bool known; /* the branch is the warehouse's */
    bool flag;  /* add: the address was there already; remove: it was there */
    bool done;
};

static bool run_change(struct db *db, void *ctx)
{
    struct recipient_change *c = ctx;
    if (!users_branch_known(db, c->branch, &c->known))
        return false;
    if (!c->known && !c->remove) /* a gone branch's address may still be removed */
        return true;
    c->done = c->remove ? recipients_remove(db, &c->by, c->branch, c->address, &c->flag)
                        : recipients_add(db, &c->by, c->branch, c->address, &c->flag);
    return c->done;
}

/* The form's branch and address, checked before the database is asked;
 * false after answering 400. */
static bool fields_ok(const struct http_request *req, struct recipient_change *c,
                      struct http_reply *reply)
{
    c->branch = http_form(req, "branch");
    c->address = http_form(req, "address");
    if (!c->branch || !*c->branch || strlen(c->branch) > 32)
        http_reply_error(reply, 400, "invalid_parameter", "branch is a branch's code", "branch");
    else if (c->remove && (!c->address || !recipients_removal_ok(c->address)))
        http_reply_error(reply, 400, "invalid_parameter",
                         "address is a recipient's address as listed (UTF-8, with an @)",
                         "address");
    else if (!c->remove && (!c->address || !recipients_address_ok(c->address)))
        http_reply_error(reply, 400, "invalid_parameter",
                         "address is an e-mail address (one @, no spaces, no < > \" or comma)",
                         "address");
    else
        return true;
    return false;
}

static void change(struct http_request *req, struct http_reply *reply, struct api *api, bool remove)
{
    const struct principal *p = api_principal(req);
    struct recipient_change c = {.by = {p->name, http_client_addr(req)}, .remove = remove};
    http_reply_header(reply, "Cache-Control", "no-store");
    if (!api_session_only(req, reply, "the bulletin's recipients are changed") ||
        !fields_ok(req, &c, reply))
        return;
    enum pool_status st = pool_run(api->pool, run_change, &c);
    if (st != POOL_OK) {
        api_reply_db_down(reply, st, "the recipients are kept");
        return;
    }
    if (!c.known && !remove) {
        http_reply_error(reply, 400, "invalid_parameter", "no branch with that code", "branch");
        return;
    }
    if (remove && !c.flag) {
        http_reply_error(reply, 404, "not_found", "the branch has no such extra recipient",
                         "address");
        return;
    }
    reply->status = remove || c.flag ? 200 : 201;
    json_t *o = json_pack("{s:s, s:s}", "branch", c.branch, "address", c.address);
    json_object_set_new(o, remove ? "removed" : "already", json_boolean(remove || c.flag));
    char *text = json_dumps(o, JSON_COMPACT);
    buf_puts(&reply->body, text ? text : "{}");
    free(text);
    json_decref(o);
}

void api_h_recipient_add(struct http_request *req, struct http_reply *reply, void *ctx)
{
    change(req, reply, ctx, false);
}

void api_h_recipient_remove(struct http_request *req, struct http_reply *reply, void *ctx)
{
    change(req, reply, ctx, true);
}
