/* Private to the HTTP layer: the route handlers (api.c's table names them)
 * and what they share. */
#ifndef RETENTIOND_HANDLERS_H
#define RETENTIOND_HANDLERS_H

#include "api.h"
#include "buf.h"
#include "cache.h"
#include "labels.h"
#include "principal.h"
#include "view.h"

/* The view parameters of a request: its query, its scope and the
 * thresholds of the configuration. */
struct view_params api_params(struct api *api, const struct http_request *req);

/* The cache key of a request: its path, the route's parameters given (in
 * the route's order) and its scope. */
void api_cache_key(const struct http_request *req, const struct view_params *p, struct buf *key);

/* The current snapshot (a reference the caller drops with snap_unref), its
 * status in *st when st is not NULL; NULL with err set to 503 no_snapshot
 * before the first snapshot was read. */
struct snap *api_snapshot(struct api *api, struct refresh_status *st, struct view_error *err);

/* The JSON error body of err, with Retry-After when it says when to retry. */
void api_reply_error(struct http_reply *reply, const struct view_error *err);
/* The refusal err of a route for people and programs (HTTP_ROUTE_PEOPLE:
 * /bulletins/DATE, /reports/QUARTER.pdf): to a person's request
 * (http_for_people) the error page in the request's language (the one of
 * /, /alarms, ...: 无法显示此页 and why), its header scoped by s (or by
 * the current snapshot when s is NULL; borrowed); to any other the JSON
 * error of api_reply_error. */
void api_reply_refusal(struct api *api, const struct http_request *req, struct http_reply *reply,
                       const struct snap *s, const struct view_error *err);
/* The X-Snapshot-Age header: age in whole seconds, as "%.0f" prints it. */
void api_reply_age(struct http_reply *reply, double age);
/* Tags a body that depends on nothing but snapshot s and the scope of p
 * with its ETag. */
void api_reply_etag(struct http_reply *reply, const struct snap *s, const struct view_params *p);
/* Sends a cached body of snapshot s for p's scope; the reply takes over
 * the reference to body and drops it once sent (the snapshot may be gone
 * by then). */
void api_reply_cached(struct http_reply *reply, const struct snap *s, const struct view_params *p,
                      struct cache_body *body);

/* The request's principal (set by api_authorize), or NULL on a public
 * route. */
const struct principal *api_principal(const struct http_request *req);
/* Whether the request comes with a session (not a bearer token); else
 * answers 403 session_required saying that `what` is done in a signed-in
 * browser: what would last as long as a leaked token's script (new users,
 * roles, recipients, tokens) needs a person signed in. */
bool api_session_only(const struct http_request *req, struct http_reply *reply, const char *what);
/* Whether role r may use a route of access level `level` (docs/access.md). */
bool api_role_reaches(enum role r, enum http_access level);
/* A 303 to location (a path of this site). */
void api_redirect(struct http_reply *reply, const char *location);
/* A Set-Cookie that makes the browser forget the session cookie. */
void api_clear_cookie(const struct http_request *req, struct http_reply *reply);
/* text percent-encoded into out. */
void api_url_escape(struct buf *out, const char *text);
/* A page: the template asset `name` (web/) filled with pairs (html_fill),
 * the style sheet's version ({{css}}) added; 500 when it cannot be. */
void api_page(struct http_reply *reply, const char *name, const char *const *pairs);
/* The words of the request's language (?lang=en, else Chinese). */
const struct labels *api_labels(const struct http_request *req);
/* Runs sql on a pooled connection: false with err 503 database_busy
 * (Retry-After API_RETRY_AFTER s) when every connection stays busy past
 * the wait deadline, or 503 database_unavailable naming `what` (e.g. "the
 * at-risk list") when the database does not answer; counted in the
 * metrics. *res is the caller's to db_result_free(). */
#define API_RETRY_AFTER 1
bool api_query(struct api *api, const char *what, const char *sql, int nparams,
               const char *const *params, struct db_result **res, struct view_error *err);
/* Answers 503 for database work that did not get through: database_busy
 * when st is POOL_BUSY (every connection stayed busy), else
 * database_unavailable, saying "SUBJECT in the database, which cannot
 * answer now" (subject e.g. "users are kept"), with Retry-After
 * API_RETRY_AFTER. */
void api_reply_db_down(struct http_reply *reply, enum pool_status st, const char *subject);
/* Writes an audit row of the request (who, client address) off this
 * thread; params: a JSON object, borrowed. A row of another outcome than
 * "ok" is written at most API_REFUSALS_AUDITED times a second per user;
 * that user's next one written says how many were not
 * ("refused_unwritten", set in params), and so does a row of its own when
 * its slot is taken by another user or the daemon stops
 * (api_audit_flush). */
void api_audit(struct api *api, const struct http_request *req, const char *action, json_t *params,
               const char *outcome);
/* The outcome of a download's row by its HTTP status: "ok" (2xx),
 * "refused" (403: out of the caller's scope), else "failed". */
const char *api_audit_outcome(unsigned status);

/* GET /login, POST /login, POST /logout, GET /api/v1/me, GET /api/v1/audit */
void api_h_login_page(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_login(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_logout(struct http_request *req, struct http_reply *reply, void *ctx);
/* POST /account/password (form fields current, password, confirm, csrf,
 * lang): a session's user changes their password; every outcome is a 303
 * to /account (?changed=1 with the new session's cookie, or ?error=WHY). */
void api_h_password(struct http_request *req, struct http_reply *reply, void *ctx);
/* GET /api/v1/users (administrators): every user, as sql/api/users_list.sql
 * makes them. POST /api/v1/users (form name, role, branch, email): a new
 * user with a temporary password, answered once (201). POST
 * /api/v1/users/NAME/set (form role, branch, email: all three; a new role
 * or branch ends their sessions), /password (a new temporary password;
 * their sessions end), /disable, /enable. Each change audited as the
 * commands' are. */
void api_h_users(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_user_add(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_user_change(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_me(struct http_request *req, struct http_reply *reply, void *ctx);
/* GET /api/v1/bulletin-recipients (administrators): the bulletin's extra
 * recipients (sql/api/recipients_list.sql). POST
 * /api/v1/bulletin-recipients (form branch, address): one more (201, or
 * 200 with already: true); POST /api/v1/bulletin-recipients/remove: one
 * fewer (404 when the branch had no such address). */
void api_h_recipients(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_recipient_add(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_recipient_remove(struct http_request *req, struct http_reply *reply, void *ctx);
/* GET /api/v1/me/tokens: the user's own tokens (sql/api/my_tokens.sql).
 * POST /api/v1/me/tokens: a new one (201 {id, token}, the token answered
 * once; 409 too_many at TOKENS_MAX live ones). POST
 * /api/v1/me/tokens/ID/revoke: one of theirs (404 when not a live token of
 * theirs). Both need a session (403 session_required for a token). */
void api_h_my_tokens(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_my_token_add(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_my_token_revoke(struct http_request *req, struct http_reply *reply, void *ctx);
/* GET /api/v1/users/NAME/tokens (administrators): NAME's tokens, as
 * /api/v1/me/tokens answers them (404 naming `name` for no such user). */
void api_h_user_tokens(struct http_request *req, struct http_reply *reply, void *ctx);
/* POST /api/v1/users/NAME/tokens/ID/revoke (administrators, a session):
 * NAME's token ID (404 naming `id` when not a live one of NAME's); false
 * when the path is not /api/v1/users/NAME/tokens... (nothing answered). */
bool api_user_token_revoke(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_audit(struct http_request *req, struct http_reply *reply, void *ctx);
/* GET /api/v1/audit.csv: the same rows as CSV (limit 1-100000, default
 * 10000). */
void api_h_audit_csv(struct http_request *req, struct http_reply *reply, void *ctx);
/* GET /api/v1/audit/ID/reproduction: the export of audit row ID made
 * again from the runs it names, its SHA-256 compared with the row's
 * (docs/report.md); one at a time. */
void api_h_audit_reproduction(struct http_request *req, struct http_reply *reply, void *ctx);
/* The audit log's filters of req (since, action, limit, before), checked
 * as GET /api/v1/audit and its page check them: false with err naming the
 * parameter; limit receives the number of rows (default 100). */
bool api_audit_params(const struct http_request *req, char limit[16], struct view_error *err);
/* The pages (web/page.html and web/js/): GET /, /alarms, /satisfaction,
 * /zones, /reports, /audit, /account, /admin/users, /branch/CODE; GET
 * /assets/NAME */
void api_h_dashboard(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_alarms_page(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_satisfaction_page(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_zones_page(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_reports_page(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_audit_page(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_account_page(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_users_page(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_branch_page(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_asset(struct http_request *req, struct http_reply *reply, void *ctx);
/* /favicon.ico, which a browser asks for on a page that names no icon (the
 * bulletin's, the mail's HTML): to /assets/favicon.svg. */
void api_h_favicon(struct http_request *req, struct http_reply *reply, void *ctx);

/* /api/v1/{branches,kpis,trend,ranking,alarms,grid,runs,bulletin,satisfaction,zones,
 * data-quality} */
void api_h_branches(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_kpis(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_trend(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_ranking(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_alarms(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_grid(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_runs(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_bulletin(struct http_request *req, struct http_reply *reply, void *ctx);
/* /bulletins/DATE?branch=&format=html|pdf|png&lang= */
void api_h_bulletin_file(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_bulletin_log(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_report(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_satisfaction(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_zones(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_data_quality(struct http_request *req, struct http_reply *reply, void *ctx);
/* /api/v1/zones/customers (CSV) */
void api_h_customers(struct http_request *req, struct http_reply *reply, void *ctx);
/* /api/v1/grid.csv: the values behind the alarm grid (grid_csv.c) */
void api_h_grid_csv(struct http_request *req, struct http_reply *reply, void *ctx);
/* /charts/{kind}.{png,svg,pdf} */
void api_h_chart(struct http_request *req, struct http_reply *reply, void *ctx);
/* /healthz, /readyz, /metrics */
void api_h_healthz(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_readyz(struct http_request *req, struct http_reply *reply, void *ctx);
void api_h_metrics(struct http_request *req, struct http_reply *reply, void *ctx);

/* The chart render context of the calling thread (made on first use), or
 * NULL (logged); and the destructor of the thread key. */
chart_ctx *api_thread_chart_ctx(struct api *api);
void api_free_chart_ctx(void *ctx);

#endif
