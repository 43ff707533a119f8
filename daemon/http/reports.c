/* /reports/QUARTER.csv|pdf?branch=&lang=: the quarterly inspection report
 * of a branch's subtree within the caller's scope (default the caller's
 * root), from the snapshot's month-end runs (views/report.h,
 * render/report_csv.h, render/report_doc.h), or for a quarter older than
 * the snapshot's history from its month-end runs read for the request, as
 * `retentiond report` reads them; every export, and every
 * refusal, recorded in the audit log with the SHA-256 of the bytes
 * (docs/report.md). Not cached: each export is a record of its own. */
#include "handlers.h"

#include "digest.h"
#include "pool.h"
#include "report_csv.h"
#include "report_doc.h"
#include "snap_load.h"
#include "sql_embed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Seconds a refusal for a month end computed since the snapshot asks to
 * wait: the reload it starts takes a few (docs/report.md) */
enum { STALE_RETRY = 10 };

/* QUARTER and its format ("csv", "pdf") from the path; false with err
 * set. */
static bool report_request(const struct http_request *req, char quarter[7], const char **format,
                           struct view_error *err)
{
    const char *name = http_path(req) + strlen("/reports/");
    const char *dot = strrchr(name, '.'), *lang = http_arg(req, "lang");
    if (!dot || dot - name != 6 || (strcmp(dot, ".csv") != 0 && strcmp(dot, ".pdf") != 0))
        return view_fail(err, 404, "not_found", NULL, "reports are /reports/YYYYQn.csv or .pdf");
    if (lang && strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0)
        return view_fail(err, 400, "invalid_parameter", "lang", "lang is zh or en");
    memcpy(quarter, name, 6);
    quarter[6] = '\0';
    *format = dot + 1;
    return true;
}

/* The PDF of v into reply's body; false with err set. */
static bool report_pdf_body(struct api *api, const struct http_request *req,
                            const struct view_report *v, struct http_reply *reply,
                            struct view_error *err)
{
    char msg[300], sha[DIGEST_HEX_LEN + 1];
    unsigned char *bytes = NULL;
    size_t len = 0;
    struct buf csv = BUF_INIT;
    const struct principal *p = api_principal(req);
    chart_ctx *cc = api_thread_chart_ctx(api);
    report_csv(v, &csv);
    digest_sha256_hex(csv.data, csv.len, sha);
    buf_release(&csv);
    if (!cc ||
        !report_pdf(v, api_labels(req), p ? p->name : "-", sha, cc, &bytes, &len, msg, sizeof msg))
        return view_fail(err, 500, "render_failed", NULL, "%s", cc ? msg : "no render context");
    buf_append(&reply->body, bytes, len);
    free(bytes);
    return true;
}

struct report_args {
    const struct http_request *req;
    const char *quarter;
};

static const char *report_arg(const void *ctx, const char *name)
{
    const struct report_args *a = ctx;
    return strcmp(name, "quarter") == 0 ? a->quarter : http_arg(a->req, name);
}

/* An export's row: ok, with what it stood on; else refused (403: out of
 * the caller's scope) or failed (a quarter not ended, no run, the database
 * away...), with the error's code. */
static void audit_export(struct api *api, const struct http_request *req,
                         const struct view_report *v, const struct http_reply *reply, bool ok,
                         const struct view_error *err, const char *quarter, const char *format)
{
    char sha[DIGEST_HEX_LEN + 1];
    json_t *params = json_pack("{s:s, s:s?, s:s, s:s, s:i}", "kind", "report", "branch_asked",
                               http_arg(req, "branch"), "quarter", quarter, "format", format,
                               "status", (int)reply->status);
    if (ok) {
        digest_sha256_hex(reply->body.data, reply->body.len, sha);
        json_object_set_new(params, "branch", json_string(v->s->branches[v->branch].code));
        json_object_set_new(params, "sha256", json_string(sha));
        json_object_set_new(params, "bytes", json_integer((json_int_t)reply->body.len));
        json_object_set_new(params, "via", json_string("http"));
        json_object_set_new(params, "lang", json_string(api_labels(req)->lang));
        view_report_lineage(v, params);
    } else if (err->code) {
        json_object_set_new(params, "error", json_string(err->code));
    }
    api_audit(api, req, "export", params, ok ? "ok" : api_audit_outcome(reply->status));
    json_decref(params);
}

struct history_query {
    struct api *api;
    struct view_error *err;
};

static bool query_pool(void *ctx, const char *sql, int nparams, const char *const *params,
                       struct db_result **res)
{
    struct history_query *q = ctx;
    return api_query(q->api, "the report's history", sql, nparams, params, res, q->err);
}

/* The report's history read into h and taken by v; false with err set. */
static bool report_history(struct api *api, struct view_report *v, struct snap_history *h,
                           struct view_error *err)
{
    char first[11], last[11];
    struct history_query q = {api, err};
    view_report_range(v, first, last);
    return snap_history_read(v->s, first, last, NULL, query_pool, &q, h) &&
           view_report_history(v, h, err);
}

/* Whether the snapshot's month-end runs of v are still their newest in
 * the database (a CSV: the PDF checks them with its history); false with
 * err set. */
static bool report_current(struct api *api, const struct view_report *v, struct view_error *err)
{
    char ends[40];
    struct db_result *res = NULL;
    snprintf(ends, sizeof ends, "{%s,%s,%s}", v->month_end[0], v->month_end[1], v->month_end[2]);
    const char *params[] = {ends};
    if (!api_query(api, "the report's runs", sql_embed_get("api/report_month_end_runs.sql"), 1,
                   params, &res, err))
        return false;
    bool ok = true;
    for (int m = 0; m < 3 && ok; m++) {
        long long newest = 0;
        for (int i = 0; i < db_rows(res); i++)
            if (strcmp(db_value(res, i, 0), v->month_end[m]) == 0)
                newest = atoll(db_value(res, i, 1));
        ok = view_report_run_current(v, m, newest, err);
    }
    db_result_free(res);
    return ok;
}

/* Whether a report refused for a missing month-end run asks a quarter
 * that begins before the snapshot's oldest run. */
static bool older_than_history(const struct snap *s, const char *quarter,
                               const struct view_error *err)
{
    char first[11], last[11];
    return strcmp(err->code, "no_run") == 0 && s->nruns > 0 &&
           view_report_quarter(quarter, first, last) && strcmp(first, s->runs[0]->as_of) < 0;
}

struct old_quarter {
    struct snap_filter filter;
    struct snap *s;
};

static bool read_old_quarter(struct db *db, void *ctx)
{
    struct old_quarter *o = ctx;
    return snap_build_db(db, 92, NULL, &o->filter, &o->s); /* values only; logged */
}

/* The snapshot of the quarter's month ends with the values `retentiond
 * report` reads (a new reference); NULL with err set. One at a time: a
 * second request meanwhile is told to retry. */
static struct snap *old_quarter_snap(struct api *api, const char *quarter, struct view_error *err)
{
    char first[11], last[11];
    struct old_quarter o = {.filter = {.month_ends_from = first, .month_ends_to = last}};
    view_report_quarter(quarter, first, last);
    if (atomic_exchange(&api->old_report_busy, true)) {
        view_fail(err, 503, "report_busy", NULL,
                  "another report of a quarter older than the history is being read: retry in "
                  "%d s",
                  API_RETRY_AFTER);
        err->retry_after = API_RETRY_AFTER;
        return NULL;
    }
    enum pool_status st = pool_run(api->pool, read_old_quarter, &o);
    atomic_store(&api->old_report_busy, false);
    if (st == POOL_OK)
        return o.s;
    if (st == POOL_BUSY)
        metrics_db_busy(api->metrics);
    else
        metrics_db_error(api->metrics);
    view_fail(err, 503, st == POOL_BUSY ? "database_busy" : "database_unavailable", NULL,
              "the runs of %s are read from the database, which %s", quarter,
              st == POOL_BUSY ? "is busy: retry in 1 s" : "does not answer");
    err->retry_after = st == POOL_BUSY ? API_RETRY_AFTER : 0;
    return NULL;
}

/* The report of the snapshot's runs, or of an older quarter's read for
 * it (*s then replaced by that snapshot); false with err set. */
static bool report_build(struct api *api, struct snap **s, const struct view_params *p,
                         const char *quarter, struct view_report *v, struct view_error *err)
{
    if (view_report_build(*s, p, v, err))
        return true;
    if (!older_than_history(*s, quarter, err))
        return false;
    struct snap *old = old_quarter_snap(api, quarter, err);
    if (!old)
        return false;
    snap_unref(*s);
    *s = old;
    *err = (struct view_error){0};
    return view_report_build(old, p, v, err);
}

void api_h_report(struct http_request *req, struct http_reply *reply, void *ctx)
{
    struct api *api = ctx;
    struct view_params p = api_params(api, req);
    struct view_error err = {0};
    struct view_report v = {0};
    struct snap_history hist = {0};
    char quarter[7] = "";
    const char *format = "csv";
    struct report_args args = {req, quarter};
    struct snap *s = NULL;
    bool ok = false;
    if (!report_request(req, quarter, &format, &err))
        goto done;
    if (!(s = api_snapshot(api, NULL, &err)))
        goto done;
    p.arg = report_arg;
    p.ctx = &args;
    if (!report_build(api, &s, &p, quarter, &v, &err))
        goto done;
    bool pdf = strcmp(format, "pdf") == 0;
    if (pdf && !report_history(api, &v, &hist, &err))
        goto done;
    if (pdf && !report_pdf_body(api, req, &v, reply, &err))
        goto done;
    if (!pdf && !report_current(api, &v, &err))
        goto done;
    if (!pdf)
        report_csv(&v, &reply->body);
    reply->content_type = pdf ? "application/pdf" : "text/csv; charset=utf-8";
    char code[64];
    http_filename_part(s->branches[v.branch].code, code, sizeof code);
    http_reply_header(reply, "Content-Disposition", "attachment; filename=\"report-%s-%s.%s\"",
                      quarter, code, format);
    ok = true;
done:
    if (!ok && strcmp(err.code, "stale_snapshot") == 0) {
        refresh_reload(api->refresh); /* a month end computed again: the snapshot catches up */
        err.retry_after = STALE_RETRY;
    }
    if (!ok)
        api_reply_refusal(api, req, reply, s, &err);
    if (*quarter && strcmp(http_method(req), "HEAD") != 0) /* a HEAD exports nothing */
        audit_export(api, req, &v, reply, ok, &err, quarter, format);
    view_report_free(&v);
    snap_history_free(&hist);
    snap_unref(s);
}
