/* The audit log over HTTP: GET /api/v1/audit (auditors and admins), and
 * what the handlers write to it. */
#include "handlers.h"

#include "date.h"
#include "digest.h"
#include "report_make.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIMIT_DEFAULT     100
#define LIMIT_MAX         1000
#define CSV_LIMIT_DEFAULT 10000
#define CSV_LIMIT_MAX     100000

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

void api_reply_db_down(struct http_reply *reply, enum pool_status st, const char *subject)
{
    char message[200];
    snprintf(message, sizeof message, "%s in the database, which cannot answer now", subject);
    http_reply_error(reply, 503, st == POOL_BUSY ? "database_busy" : "database_unavailable",
                     message, NULL);
    http_reply_header(reply, "Retry-After", "%d", API_RETRY_AFTER);
}

/* The slot of who (locked): theirs, a free one, or the one counted
 * longest ago, whose unwritten count goes to *evicted (a row the caller
 * writes). */
static struct api_refuser *refuser(struct api *api, const char *who, struct api_refuser *evicted)
{
    struct api_refuser *oldest = &api->refusers[0];
    size_t n = sizeof api->refusers / sizeof api->refusers[0];
    for (size_t i = 0; i < n; i++) {
        struct api_refuser *r = &api->refusers[i];
        if (r->action && strcmp(r->who, who) == 0)
            return r;
        if (!r->action || (oldest->action && r->second < oldest->second))
            oldest = r;
    }
    if (oldest->action && oldest->unwritten)
        *evicted = *oldest;
    *oldest = (struct api_refuser){0};
    snprintf(oldest->who, sizeof oldest->who, "%s", who);
    return oldest;
}

/* Writes the row of r's refusals not written (an evicted slot's, or at a
 * stop): its user, its last action and outcome, refused_unwritten. */
static void unwritten_row(struct api *api, const struct api_refuser *r)
{
    json_t *params = json_pack("{s:I}", "refused_unwritten", (json_int_t)r->unwritten);
    struct audit_row row = {.who = *r->who ? r->who : NULL,
                            .action = r->action,
                            .params = params,
                            .outcome = r->outcome};
    audit_log(api->audit, &row);
    json_decref(params);
}

/* Whether who's refusal (or failure) of action gets a row: at most
 * API_REFUSALS_AUDITED a second per user (a signed-in user asking for a
 * foreign branch in a loop wrote a row per request to the append-only
 * log; one user's loop does not hide another's). *unwritten: the count
 * the row written carries, of that user's refusals since their last row. */
static bool refusal_written(struct api *api, const char *who, const char *action,
                            const char *outcome, long long *unwritten)
{
    struct api_refuser evicted = {0};
    long long now = (long long)time(NULL);
    pthread_mutex_lock(&api->refused_mu);
    struct api_refuser *r = refuser(api, who, &evicted);
    if (r->second != now) {
        r->second = now;
        r->in_second = 0;
    }
    r->action = action;
    r->outcome = outcome;
    bool written = r->in_second < API_REFUSALS_AUDITED;
    if (written) {
        r->in_second++;
        *unwritten = r->unwritten;
        r->unwritten = 0;
    } else {
        r->unwritten++;
    }
    pthread_mutex_unlock(&api->refused_mu);
    if (evicted.unwritten)
        unwritten_row(api, &evicted);
    return written;
}

void api_audit_flush(struct api *api)
{
    if (!api->audit)
        return;
    pthread_mutex_lock(&api->refused_mu);
    for (size_t i = 0; i < sizeof api->refusers / sizeof api->refusers[0]; i++) {
        if (api->refusers[i].unwritten)
            unwritten_row(api, &api->refusers[i]);
        api->refusers[i] = (struct api_refuser){0};
    }
    pthread_mutex_unlock(&api->refused_mu);
}

const char *api_audit_outcome(unsigned status)
{
    return status >= 200 && status < 300 ? "ok" : status == 403 ? "refused" : "failed";
}

void api_audit(struct api *api, const struct http_request *req, const char *action, json_t *params,
               const char *outcome)
{
    const struct principal *p = api_principal(req);
    long long unwritten = 0;
    if (!api->audit)
        return;
    if (strcmp(outcome, "ok") != 0) {
        if (!refusal_written(api, p ? p->name : "", action, outcome, &unwritten))
            return;
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

/* api_audit_params with the default and the largest number of rows. */
static bool audit_params(const struct http_request *req, long dflt, long max, char limit[16],
                         struct view_error *err)
{
    const char *since = http_arg(req, "since"), *action = http_arg(req, "action");
    const char *l = http_arg(req, "limit");
    char *end = NULL;
    long n = l ? strtol(l, &end, 10) : dflt;
    if (since && !date_valid(since) && !date_instant_valid(since))
        return view_fail(err, 400, "invalid_date", "since",
                         "since must be a date YYYY-MM-DD or an instant such as "
                         "2026-11-30T00:00:00%%2B08:00 (a + in a query is a space: %%2B)");
    if (action && !audit_action_name_ok(action))
        return view_fail(err, 400, "invalid_parameter", "action",
                         "action must be an action name (lower-case letters and _)");
    const char *who = http_arg(req, "who"), *outcome = http_arg(req, "outcome");
    if (who && (!*who || strlen(who) > 128))
        return view_fail(err, 400, "invalid_parameter", "who",
                         "who must be a user's name (1 to 128 bytes)");
    if (outcome && !audit_outcome_ok(outcome))
        return view_fail(err, 400, "invalid_parameter", "outcome",
                         "outcome must be ok, denied, refused, failed, error or throttled");
    if (l && (!*l || *end || n < 1 || n > max))
        return view_fail(err, 400, "invalid_parameter", "limit",
                         "limit must be a whole number from 1 to %ld", max);
    const char *before = http_arg(req, "before");
    if (before && (!*before || strspn(before, "0123456789") != strlen(before) ||
                   strlen(before) > 18 || before[0] == '0'))
        return view_fail(err, 400, "invalid_parameter", "before",
                         "before must be an entry id (a whole number from 1)");
    snprintf(limit, 16, "%ld", n);
    return true;
}

bool api_audit_params(const struct http_request *req, char limit[16], struct view_error *err)
{
    return audit_params(req, LIMIT_DEFAULT, LIMIT_MAX, limit, err);
}

/* Whether action is one retentiond writes, or one some entry has (an
 * older version's); a database that does not answer: assumed so. */
static bool action_logged(struct api *api, const char *action)
{
    if (labels_audit_action(action))
        return true;
    struct db_result *res = NULL;
    const char *params[] = {action};
    bool any = pool_query(api->pool, audit_action_seen_sql(), 1, params, &res) != POOL_OK ||
               db_rows(res) > 0;
    db_result_free(res);
    return any;
}

/* The log's rows the request's filters select, as JSON or CSV; the read
 * audited. */
static void serve_audit(struct http_request *req, struct http_reply *reply, struct api *api,
                        bool csv)
{
    struct view_error err = {0};
    struct db_result *res = NULL;
    char limit[16];
    if (!audit_params(req, csv ? CSV_LIMIT_DEFAULT : LIMIT_DEFAULT, csv ? CSV_LIMIT_MAX : LIMIT_MAX,
                      limit, &err)) {
        api_reply_error(reply, &err);
        return;
    }
    char *zone = refresh_timezone(api->refresh); /* a date's 00:00 is the operator's */
    const char *params[] = {
        http_arg(req, "since"), http_arg(req, "action"), limit, http_arg(req, "before"), zone,
        http_arg(req, "who"),   http_arg(req, "outcome")};
    enum pool_status st = pool_query(api->pool, audit_select_sql(), 7, params, &res);
    free(zone);
    if (st != POOL_OK) {
        api_reply_db_down(reply, st, "the audit log is");
        return;
    }
    if (params[1] && db_rows(res) == 0 && !action_logged(api, params[1])) {
        /* a typo must not read as "nothing of that kind happened" */
        db_result_free(res);
        view_fail(&err, 400, "invalid_parameter", "action",
                  "no entry matches, and '%s' is none of the actions retentiond writes "
                  "(the list: the filter of the page /audit)",
                  params[1]);
        api_reply_error(reply, &err);
        return;
    }
    if (csv) {
        audit_rows_csv(res, &reply->body);
        reply->content_type = "text/csv; charset=utf-8";
        http_reply_header(reply, "Content-Disposition", "attachment; filename=\"audit-log.csv\"");
    } else {
        json_t *body = audit_rows_json(res);
        char *text = json_dumps(body, JSON_COMPACT);
        buf_puts(&reply->body, text ? text : "{}");
        free(text);
        json_decref(body);
    }
    json_t *logged = json_pack("{s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:i}", "since", params[0],
                               "action", params[1], "limit", limit, "before", params[3], "who",
                               params[5], "outcome", params[6], "rows", db_rows(res));
    if (csv)
        json_object_set_new(logged, "format", json_string("csv"));
    db_result_free(res);
    api_audit(api, req, "audit_read", logged, "ok");
    json_decref(logged);
}

void api_h_audit(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_audit(req, reply, ctx, false);
}

void api_h_audit_csv(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_audit(req, reply, ctx, true);
}

/* ---- an export made again ---------------------------------------------------------------- */

/* A reproduction of audit row `id` (digits): what pool_run's work leaves. */
struct reproduction {
    struct api *api;
    const char *id;
    struct rmake_export e;
    struct rmake_error err;       /* the row refused (status 2), or the report (view_status) */
    bool row_ok;                  /* the row is a report's export */
    char *gone;                   /* the runs it read that are gone ("12, 40"), or NULL */
    char sha[DIGEST_HEX_LEN + 1]; /* the bytes made again; "" when none were */
};

/* The work on one connection: false on a database or drawing error only. */
static bool reproduce_on(struct db *db, void *ctx)
{
    struct reproduction *r = ctx;
    struct rmake_out o = RMAKE_OUT_INIT;
    bool ok = true;
    if (!rmake_export_read(db, r->id, &r->e, &r->err))
        return r->err.status == 2; /* else a database error */
    r->row_ok = true;
    r->gone = rmake_runs_gone(db, &r->e, &ok);
    if (ok && !r->gone) {
        const struct rmake_job j = rmake_export_job(&r->e);
        if (rmake_run(db, &j, api_thread_chart_ctx(r->api), &o, &r->err)) {
            const struct buf *bytes = rmake_bytes(&j, &o);
            digest_sha256_hex(bytes->data, bytes->len, r->sha);
        } else { /* the view refused it (not for a while): said in the answer */
            ok = r->err.view_status == 400 || r->err.view_status == 404;
        }
    }
    rmake_out_free(&o);
    return ok;
}

/* The run ids of "12, 40" as a JSON array. */
static json_t *ids_json(const char *list)
{
    json_t *a = json_array();
    for (const char *p = list; p && *p;) {
        char *end = NULL;
        long long id = strtoll(p, &end, 10);
        if (end == p)
            break;
        json_array_append_new(a, json_integer((json_int_t)id));
        p = end + strspn(end, ", ");
    }
    return a;
}

/* The answer: the export, what was made, and whether it is the same. */
static json_t *reproduction_json(const struct reproduction *r)
{
    const struct rmake_export *e = &r->e;
    const char *want = rmake_export_param(e, "sha256");
    bool same = *r->sha && strcmp(r->sha, want) == 0;
    const char *verdict = r->gone    ? "runs_gone"
                          : !*r->sha ? "refused"
                          : same     ? "same_bytes"
                                     : "other_bytes";
    return json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:b, s:s, s:s, s:s?, s:o, s:s?, s:b}", "id",
        (json_int_t)e->id, "quarter", rmake_export_param(e, "quarter"), "branch",
        rmake_export_param(e, "branch"), "format", rmake_export_param(e, "format"), "lang",
        rmake_export_param(e, "lang") ? rmake_export_param(e, "lang") : "zh", "exported_at", e->at,
        "exported_by", e->who, "runs", json_object_get(e->params, "runs"), "reproduced", same,
        "verdict", verdict, "sha256_recorded", want, "sha256", *r->sha ? r->sha : NULL, "runs_gone",
        ids_json(r->gone), "message", *r->err.message ? r->err.message : NULL, "days_then",
        e->days_then);
}

/* ID of /api/v1/audit/ID/reproduction, or NULL (the path names none). */
static const char *reproduction_id(const struct http_request *req, char id[20])
{
    const char *rest = http_path(req) + strlen("/api/v1/audit/");
    size_t n = strspn(rest, "0123456789");
    if (n == 0 || n > 18 || rest[0] == '0' || strcmp(rest + n, "/reproduction") != 0)
        return NULL;
    memcpy(id, rest, n);
    id[n] = '\0';
    return id;
}

static void reproduction_reply(struct api *api, const struct http_request *req,
                               struct http_reply *reply, const struct reproduction *r)
{
    if (!r->row_ok) {
        http_reply_error(reply, r->err.no_row ? 404 : 400,
                         r->err.no_row ? "not_found" : "invalid_parameter", r->err.message, "id");
        return;
    }
    json_t *body = reproduction_json(r);
    char *text = json_dumps(body, JSON_COMPACT);
    buf_puts(&reply->body, text ? text : "{}");
    free(text);
    json_t *logged = json_pack("{s:I, s:s, s:s?}", "of", (json_int_t)r->e.id, "verdict",
                               json_string_value(json_object_get(body, "verdict")), "sha256",
                               *r->sha ? r->sha : NULL);
    api_audit(api, req, "audit_reproduce", logged, "ok");
    json_decref(logged);
    json_decref(body);
}

void api_h_audit_reproduction(struct http_request *req, struct http_reply *reply, void *ctx)
{
    struct api *api = ctx;
    char id[20];
    struct reproduction r = {.api = api, .id = reproduction_id(req, id)};
    if (!r.id) {
        http_reply_error(reply, 404, "not_found",
                         "an export is made again at /api/v1/audit/ID/reproduction", NULL);
        return;
    }
    if (atomic_exchange(&api->reproduce_busy, true)) {
        http_reply_error(reply, 503, "report_busy",
                         "another export is being made again: retry in 1 s", NULL);
        http_reply_header(reply, "Retry-After", "%d", API_RETRY_AFTER);
        return;
    }
    enum pool_status st = pool_run(api->pool, reproduce_on, &r);
    atomic_store(&api->reproduce_busy, false);
    if (st == POOL_OK) {
        reproduction_reply(api, req, reply, &r);
    } else if (st == POOL_ERROR && r.err.view_status == 503) {
        http_reply_error(reply, 503, "stale_snapshot", r.err.message, NULL);
        http_reply_header(reply, "Retry-After", "%d", API_RETRY_AFTER);
    } else if (st == POOL_ERROR && r.row_ok && !r.err.db_failed && *r.err.message) {
        http_reply_error(reply, 500, "render_failed", r.err.message, NULL);
    } else {
        api_reply_db_down(reply, st, "the export's runs are");
    }
    free(r.gone);
    rmake_export_free(&r.e);
}
