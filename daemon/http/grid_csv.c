/* /api/v1/grid.csv: every value behind the alarm grid (the branch and its
 * subtree, every KPI, dim and campaign of the run, with its status) as CSV
 * for a spreadsheet (render/run_csv.h), within the caller's scope: the
 * parameters and refusals of /api/v1/grid. */
#include "handlers.h"

#include "grid.h"
#include "run_csv.h"

void api_h_grid_csv(struct http_request *req, struct http_reply *reply, void *ctx)
{
    struct api *api = ctx;
    struct refresh_status st;
    struct view_params p = api_params(api, req);
    struct view_grid v = {0};
    struct view_error err = {0};
    struct snap *s = api_snapshot(api, &st, &err);
    if (!s) {
        api_reply_error(reply, &err);
        return;
    }
    api_reply_age(reply, st.age);
    if (view_grid_build(s, &p, &v, &err)) {
        char code[64];
        run_csv_header(&reply->body, "as_of");
        run_csv_subtree(&reply->body, s, v.run, v.branch, v.run->as_of);
        http_filename_part(s->branches[v.branch].code, code, sizeof code);
        reply->content_type = "text/csv; charset=utf-8";
        http_reply_header(reply, "Content-Disposition", "attachment; filename=\"kpis-%s-%s.csv\"",
                          code, v.run->as_of);
        if (!st.stale) /* as the JSON's: a stale body is not tagged */
            api_reply_etag(reply, s, &p);
    } else {
        api_reply_error(reply, &err);
    }
    view_grid_free(&v);
    snap_unref(s);
}
