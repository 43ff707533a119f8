/* /api/v1/zones/customers?lang=: the at-risk list as CSV, from the members the
 * snapshot holds; the zones it does not hold (blue, green) are read from
 * the database on a pooled connection (sql/api/zone_members.sql), waiting
 * at most database.pool_wait_ms: then 503 database_busy and Retry-After. */
#include "handlers.h"

#include <string.h>

#include "sql_embed.h"
#include "zones.h"

#include <stdio.h>
#include <stdlib.h>

/* The zones of the request as a PostgreSQL text[] literal. */
static void zones_literal(unsigned zones, struct buf *out)
{
    buf_puts(out, "{");
    for (int z = 0, n = 0; z < VIEW_NZONES; z++)
        if (zones & (1u << z))
            buf_printf(out, "%s%s", n++ ? "," : "", snap_zone_name((enum snap_zone)z));
    buf_puts(out, "}");
}

/* The list read from the database into out, its words in l's language. */
static bool from_database(struct api *api, const struct view_customers *v, const struct labels *l,
                          struct buf *out, struct view_error *err)
{
    char id[32], first[11];
    struct buf zones = BUF_INIT, figures = BUF_INIT;
    struct db_result *res = NULL;
    snprintf(id, sizeof id, "%lld", v->run->run_id);
    snprintf(first, sizeof first, "%s-01", v->month);
    zones_literal(v->zones, &zones);
    const char *params[] = {id, first, v->s->branches[v->branch].code, "list", zones.data};
    bool ok = api_query(api, "the at-risk list", sql_embed_get("api/zone_members.sql"), 5, params,
                        &res, err);
    buf_release(&zones);
    if (!ok)
        return false;
    view_customers_header(out);
    for (int i = 0; i < db_rows(res); i++) {
        const char *code = db_value(res, i, 1);
        int branch = snap_branch_find(v->s, code);
        buf_reset(&figures);
        buf_printf(&figures, "%s,%s,%s,%s", db_value(res, i, 3), db_value(res, i, 4),
                   db_value(res, i, 5), db_value(res, i, 6));
        view_customers_line(out, l, db_value(res, i, 0), code,
                            branch >= 0 ? v->s->branches[branch].name : NULL, db_value(res, i, 2),
                            figures.data);
    }
    buf_release(&figures);
    db_result_free(res);
    return true;
}

/* Every download of an at-risk list, and every refusal, goes to the audit
 * log: the parameters asked, the branch and month served, the rows. A HEAD
 * that is answered downloads nothing and writes no row. */
static void audit_download(struct api *api, const struct http_request *req, const char *branch,
                           const char *month, const struct buf *csv, unsigned status,
                           const char *error)
{
    if (status == 200 && strcmp(http_method(req), "HEAD") == 0)
        return; /* no list left the daemon (as a report's HEAD exports nothing) */
    size_t lines = 0;
    for (size_t i = 0; status == 200 && i < csv->len; i++)
        lines += csv->data[i] == '\n';
    json_t *params =
        json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:i}", "branch_asked", http_arg(req, "branch"),
                  "zone", http_arg(req, "zone"), "month_asked", http_arg(req, "month"), "branch",
                  branch, "month", month, "status", (int)status);
    if (status == 200)
        json_object_set_new(params, "rows", json_integer((json_int_t)(lines ? lines - 1 : 0)));
    else if (error)
        json_object_set_new(params, "error", json_string(error));
    api_audit(api, req, "at_risk_list", params, api_audit_outcome(status));
    json_decref(params);
}

void api_h_customers(struct http_request *req, struct http_reply *reply, void *ctx)
{
    struct api *api = ctx;
    struct refresh_status st;
    struct view_params p = api_params(api, req);
    struct view_customers v = {0};
    struct view_error err = {0};
    struct snap *s = api_snapshot(api, &st, &err);
    if (!s) {
        api_reply_error(reply, &err);
        return;
    }
    const char *lang = http_arg(req, "lang");
    bool ok = !lang || strcmp(lang, "zh") == 0 || strcmp(lang, "en") == 0 ||
              view_fail(&err, 400, "invalid_parameter", "lang", "lang is zh or en");
    ok = ok && view_customers_build(s, &p, &v, &err);
    if (ok && v.in_snapshot)
        view_customers_csv(&v, api_labels(req), &reply->body);
    else if (ok)
        ok = from_database(api, &v, api_labels(req), &reply->body, &err);
    if (!ok) {
        buf_reset(&reply->body);
        api_reply_error(reply, &err);
    } else {
        char code[64];
        http_filename_part(s->branches[v.branch].code, code, sizeof code);
        reply->content_type = "text/csv; charset=utf-8";
        http_reply_header(reply, "Content-Disposition",
                          "attachment; filename=\"at-risk-%s-%s.csv\"", code, v.month);
    }
    audit_download(api, req, ok ? s->branches[v.branch].code : NULL, ok ? v.month : NULL,
                   &reply->body, ok ? 200 : err.status, ok ? NULL : err.code);
    view_customers_free(&v);
    snap_unref(s);
}
