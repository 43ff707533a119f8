/* The audit log over HTTP: GET /api/v1/audit (auditors and admins), and
 * what the handlers write to it. */
#include "handlers.h"

#include "date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIMIT_DEFAULT 100
#define LIMIT_MAX     1000

bool api_query(struct api *api, const char *what, const char *sql, int nparams,
               const char *const *params, struct db_result **res, struct view_error *err)
{
    enum pool_status st = pool_query(api->pool, sql, nparams, params, res);
    if (st == POOL_BUSY) {
        metrics_db_busy(api->metrics);
        view_fail(err, 503, "database_busy", NULL,
                  "every database connection is busy: retry in %d s", API_RETRY_AFTER);
        err->retry_after = API_RETRY_AFTER;
        return false;
    }
    if (st != POOL_OK) {
        metrics_db_error(api->metrics);
        return view_fail(err, 503, "database_unavailable", NULL,
                         "%s is read from the database, which does not answer", what);
    }
    return true;
}

/* Whether a refusal's row is written: at most API_REFUSALS_AUDITED a
 * second (a signed-in user asking for a foreign branch in a loop wrote a
 * row per request to the append-only log). */
static bool refusal_written(struct api *api)
{
    long long now = (long long)time(NULL), second = atomic_load(&api->refused_second);
    if (second != now && atomic_compare_exchange_strong(&api->refused_second, &second, now))
        atomic_store(&api->refused_in_second, 0);
    if (atomic_fetch_add(&api->refused_in_second, 1) < API_REFUSALS_AUDITED)
        return true;
    atomic_fetch_add(&api->refused_unwritten, 1);
    return false;
}

void api_audit(struct api *api, const struct http_request *req, const char *action, json_t *params,
               const char *outcome)
{
    const struct principal *p = api_principal(req);
    if (!api->audit)
        return;
    if (strcmp(outcome, "refused") == 0) {
        if (!refusal_written(api))
            return;
        long long unwritten = atomic_exchange(&api->refused_unwritten, 0);
        if (unwritten)
            json_object_set_new(params, "refused_unwritten", json_integer(unwritten));
    }
    struct audit_row row = {.who = p ? p->name : NULL,
                            .action = action,
                            .params = params,
                            .client = http_client_addr(req),
                            .outcome = outcome};
    audit_log(api->audit, &row);
}

/* An action name as the log writes them: [a-z_], 1 to 40 characters. */
static bool action_ok(const char *a)
{
    size_t n = strlen(a);
    return n >= 1 && n <= 40 && strspn(a, "abcdefghijklmnopqrstuvwxyz_") == n;
}

bool api_audit_params(const struct http_request *req, char limit[16], struct view_error *err)
{
    const char *since = http_arg(req, "since"), *action = http_arg(req, "action");
    const char *l = http_arg(req, "limit");
    char *end = NULL;
    long n = l ? strtol(l, &end, 10) : LIMIT_DEFAULT;
    if (since && !date_valid(since))
        return view_fail(err, 400, "invalid_date", "since", "since must be a date YYYY-MM-DD");
    if (action && !action_ok(action))
        return view_fail(err, 400, "invalid_parameter", "action",
                         "action must be an action name (lower-case letters and _)");
    if (l && (!*l || *end || n < 1 || n > LIMIT_MAX))
        return view_fail(err, 400, "invalid_parameter", "limit",
                         "limit must be a whole number from 1 to %d", LIMIT_MAX);
    const char *before = http_arg(req, "before");
    if (before && (!*before || strspn(before, "0123456789") != strlen(before) ||
                   strlen(before) > 18 || before[0] == '0'))
        return view_fail(err, 400, "invalid_parameter", "before",
                         "before must be an entry id (a whole number from 1)");
    snprintf(limit, 16, "%ld", n);
    return true;
}

void api_h_audit(struct http_request *req, struct http_reply *reply, void *ctx)
{
    struct api *api = ctx;
    struct view_error err = {0};
    struct db_result *res = NULL;
    char limit[16];
    if (!api_audit_params(req, limit, &err)) {
        api_reply_error(reply, &err);
        return;
    }
    const char *params[] = {http_arg(req, "since"), http_arg(req, "action"), limit,
                            http_arg(req, "before")};
    enum pool_status st = pool_query(api->pool, audit_select_sql(), 4, params, &res);
    if (st != POOL_OK) {
        http_reply_error(reply, 503, st == POOL_BUSY ? "database_busy" : "database_unavailable",
                         "the audit log is in the database, which cannot answer now", NULL);
        http_reply_header(reply, "Retry-After", "1");
        return;
    }
    json_t *body = audit_rows_json(res);
    char *text = json_dumps(body, JSON_COMPACT);
    buf_puts(&reply->body, text ? text : "{}");
    free(text);
    json_decref(body);
    db_result_free(res);
    json_t *logged = json_pack("{s:s?, s:s?, s:s, s:s?}", "since", params[0], "action", params[1],
                               "limit", limit, "before", params[3]);
    api_audit(api, req, "audit_read", logged, "ok");
    json_decref(logged);
}
