/* /reports/QUARTER.csv?branch=: the quarterly inspection report of a
 * branch's subtree within the caller's scope (default the caller's root),
 * from the snapshot's month-end runs (views/report.h, render/report_csv.h);
 * every export, and every refusal, recorded in the audit log with the
 * SHA-256 of the bytes (docs/report.md). Not cached: each export is a
 * record of its own. The PDF is still to come: .pdf answers 501. */
#include "handlers.h"

#include "digest.h"
#include "report_csv.h"

#include <stdio.h>
#include <string.h>

/* QUARTER and its format from the path; false with err set. */
static bool report_request(const struct http_request *req, char quarter[7], struct view_error *err)
{
    const char *name = http_path(req) + strlen("/reports/");
    const char *dot = strrchr(name, '.');
    if (!dot || dot - name != 6 || (strcmp(dot, ".csv") != 0 && strcmp(dot, ".pdf") != 0))
        return view_fail(err, 404, "not_found", NULL, "reports are /reports/YYYYQn.csv");
    memcpy(quarter, name, 6);
    quarter[6] = '\0';
    if (strcmp(dot, ".pdf") == 0)
        return view_fail(err, 501, "not_implemented", "format",
                         "the PDF report is still to come; /reports/%s.csv is served", quarter);
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

static void audit_export(struct api *api, const struct http_request *req,
                         const struct view_report *v, const struct http_reply *reply, bool ok,
                         const char *quarter)
{
    char sha[DIGEST_HEX_LEN + 1];
    json_t *params = json_pack("{s:s, s:s?, s:s, s:s, s:i}", "kind", "report", "branch_asked",
                               http_arg(req, "branch"), "quarter", quarter, "format", "csv",
                               "status", (int)reply->status);
    if (ok) {
        digest_sha256_hex(reply->body.data, reply->body.len, sha);
        json_object_set_new(params, "branch", json_string(v->s->branches[v->branch].code));
        json_object_set_new(params, "sha256", json_string(sha));
        json_object_set_new(params, "bytes", json_integer((json_int_t)reply->body.len));
        json_object_set_new(params, "via", json_string("http"));
        json_object_set_new(params, "runs",
                            json_pack("[III]", (json_int_t)v->runs[0]->run_id,
                                      (json_int_t)v->runs[1]->run_id,
                                      (json_int_t)v->runs[2]->run_id));
    }
    api_audit(api, req, "export", params, ok ? "ok" : "refused");
    json_decref(params);
}

void api_h_report(struct http_request *req, struct http_reply *reply, void *ctx)
{
    struct api *api = ctx;
    struct view_params p = api_params(api, req);
    struct view_error err = {0};
    struct view_report v = {0};
    char quarter[7] = "";
    struct report_args args = {req, quarter};
    struct snap *s = NULL;
    bool ok = false;
    if (!report_request(req, quarter, &err))
        goto done;
    if (!(s = refresh_acquire(api->refresh, NULL))) {
        view_fail(&err, 503, "no_snapshot", NULL, "no snapshot yet");
        goto done;
    }
    p.arg = report_arg;
    p.ctx = &args;
    if (!view_report_build(s, &p, &v, &err))
        goto done;
    report_csv(&v, &reply->body);
    reply->content_type = "text/csv; charset=utf-8";
    http_reply_header(reply, "Content-Disposition", "attachment; filename=\"report-%s-%s.csv\"",
                      quarter, s->branches[v.branch].code);
    ok = true;
done:
    if (!ok)
        api_reply_error(reply, &err);
    if (*quarter)
        audit_export(api, req, &v, reply, ok, quarter);
    snap_unref(s);
}
