#include "plot.h"

#include "mem.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const kind_names[] = {"trend", "ranking",  "bullet",
                                         "zones", "panorama", "sparkline"};
static const char *const format_names[] = {"png", "svg", "pdf"};

/* The KPI names people read on the charts (domain.md). */
static const char *const kpi_titles[SNAP_NKPI] = {
    "中高端客户保有率", "大客户在网率",     "中高端客户捆绑到位率",
    "客户满意度",       "全球通客户满意度", "五区预警",
};

static const char *const status_text[CHART_STATUS_COUNT] = {NULL, "低于基础目标", "达标",
                                                            "达到挑战目标"};

bool plot_parse_name(const char *name, struct plot_request *rq)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return false;
    int kind = -1, format = -1;
    for (int i = 0; i < (int)(sizeof kind_names / sizeof kind_names[0]); i++)
        if (strlen(kind_names[i]) == (size_t)(dot - name) &&
            strncmp(name, kind_names[i], (size_t)(dot - name)) == 0)
            kind = i;
    for (int i = 0; i < 3; i++)
        if (strcmp(dot + 1, format_names[i]) == 0)
            format = i;
    if (kind < 0 || format < 0)
        return false;
    rq->kind = (enum plot_kind)kind;
    rq->format = (chart_format)format;
    return true;
}

bool plot_parse_size(const char *name, const char *text, struct plot_request *rq,
                     struct api_error *err)
{
    char *end = NULL;
    if (strcmp(name, "scale") == 0) {
        double v = strtod(text, &end);
        if (end == text || *end || !(v >= 0.5 && v <= 4))
            return api_fail(err, 400, "invalid_parameter", "scale",
                            "scale must be a number 0.5..4");
        rq->scale = v;
        return true;
    }
    long v = strtol(text, &end, 10);
    if (end == text || *end || v < 16 || v > 4096)
        return api_fail(err, 400, "invalid_parameter", name, "%s must be an integer 16..4096",
                        name);
    *(strcmp(name, "width") == 0 ? &rq->width : &rq->height) = (int)v;
    return true;
}

const char *plot_content_type(chart_format format)
{
    static const char *const types[] = {"image/png", "image/svg+xml", "application/pdf"};
    return types[format];
}

/* ---- reading the views ------------------------------------------------------------------ */

static double num(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static chart_status status_of(const char *s)
{
    if (!s)
        return CHART_STATUS_NONE;
    if (strcmp(s, "red") == 0 || strcmp(s, "warn") == 0)
        return CHART_STATUS_RED;
    if (strcmp(s, "excellent") == 0)
        return CHART_STATUS_EXCELLENT;
    return CHART_STATUS_GREEN;
}

static chart_axis axis_of(int kpi)
{
    return kpi == SNAP_SATISFACTION || kpi == SNAP_SATISFACTION_GOTONE ? CHART_AXIS_SCORE
                                                                       : CHART_AXIS_PERCENT;
}

/* The chart options of a request: the defaults, its format and its sizes. */
static void request_opts(const struct plot_request *rq, chart_opts *o)
{
    chart_opts_default(o);
    o->format = rq->format;
    if (rq->width)
        o->width = rq->width;
    if (rq->height)
        o->height = rq->height;
    if (rq->scale > 0)
        o->scale = rq->scale;
}

/* What every kind needs: the view, the KPI and the title. */
struct drawing {
    struct plot_request rq;
    struct snap *s;
    int kpi, branch;
    json_t *view;
    char title[256];
    chart_opts opts;
};

static bool resolve(struct drawing *d, struct api_error *err)
{
    struct plot_request *rq = &d->rq;
    const char *kpi = rq->kpi                     ? rq->kpi
                      : rq->kind == PLOT_ZONES    ? "zone_count"
                      : rq->kind == PLOT_PANORAMA ? "satisfaction"
                                                  : NULL;
    if (!kpi)
        return api_fail(err, 400, "missing_parameter", "kpi", "kpi is required");
    d->kpi = snap_kpi_parse(kpi);
    if (d->kpi < 0)
        return api_fail(err, 400, "unknown_kpi", "kpi", "no KPI named '%.60s'", kpi);
    bool zones = d->kpi == SNAP_ZONES;
    if (zones != (rq->kind == PLOT_ZONES))
        return api_fail(err, 400, "invalid_parameter", "kpi",
                        zones ? "zone_count is drawn by the zones chart"
                              : "the zones chart draws zone_count");
    bool score = axis_of(d->kpi) == CHART_AXIS_SCORE;
    if (rq->kind == PLOT_PANORAMA && !score)
        return api_fail(err, 400, "invalid_parameter", "kpi",
                        "the panorama draws satisfaction or satisfaction_gotone");
    for (size_t k = 0; score && !rq->dim && k < d->s->nindicators; k++)
        if (d->s->indicators[k].parent < 0)
            d->rq.dim = d->s->indicators[k].code; /* the root indicator */
    d->branch = rq->branch ? snap_branch_find(d->s, rq->branch) : snap_branch_root(d->s);
    if (d->branch < 0)
        return rq->branch
                   ? api_fail(err, 400, "unknown_branch", "branch", "no branch with code '%.60s'",
                              rq->branch)
                   : api_fail(err, 404, "no_branches", "branch", "the warehouse has no branch");
    if (rq->date && !snap_run_on(d->s, rq->date))
        return api_fail(err, 404, "no_run", "date", "no compute run for %s", rq->date);
    snprintf(d->title, sizeof d->title, "%s · %s", d->s->branches[d->branch].name,
             kpi_titles[d->kpi]);
    request_opts(rq, &d->opts);
    d->opts.title = rq->kind == PLOT_SPARKLINE ? NULL : d->title;
    return true;
}

/* api_view with the request's parameters (NULL values left out). */
static bool view(struct drawing *d, struct api *api, const char *name, const char *const *pairs,
                 size_t npairs, struct api_error *err)
{
    const char *args[16];
    size_t n = 0;
    for (size_t i = 0; i + 1 < npairs && n + 3 < sizeof args / sizeof args[0]; i += 2)
        if (pairs[i + 1]) {
            args[n++] = pairs[i];
            args[n++] = pairs[i + 1];
        }
    args[n] = NULL;
    return api_view(api, d->s, name, args, &d->view, err);
}

/* ---- the kinds ---------------------------------------------------------------------------- */

/* What the trend chart draws: its series (at most CHART_TREND_MAX_SERIES,
 * the last ones), the period-end targets and the path to them (of the last
 * series). Points live in `points` and `path` (freed by trend_free). */
struct trend_data {
    chart_series series[CHART_TREND_MAX_SERIES];
    chart_point *points[CHART_TREND_MAX_SERIES];
    chart_point *path[2];
    size_t n, npath;
    double base, challenge;
};

static void trend_free(struct trend_data *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->points[i]);
    free(t->path[0]);
    free(t->path[1]);
}

static void trend_data(struct drawing *d, struct trend_data *t)
{
    json_t *all = json_object_get(d->view, "series");
    size_t total = json_array_size(all), first = 0;
    if (total > CHART_TREND_MAX_SERIES)
        first = total - CHART_TREND_MAX_SERIES;
    *t = (struct trend_data){.base = NAN, .challenge = NAN};
    for (size_t i = first; i < total; i++) {
        json_t *sr = json_array_get(all, i), *pts = json_object_get(sr, "points"), *p;
        size_t k, npts = json_array_size(pts);
        chart_point *pp = xcalloc(npts + 1, sizeof *pp);
        free(t->path[0]);
        free(t->path[1]);
        t->path[0] = xcalloc(npts + 1, sizeof *pp);
        t->path[1] = xcalloc(npts + 1, sizeof *pp);
        json_array_foreach(pts, k, p)
        {
            pp[k].value = num(p, "value");
            chart_date_parse(str(p, "date"), &pp[k].day);
            t->path[0][k] = (chart_point){pp[k].day, num(p, "path_base")};
            t->path[1][k] = (chart_point){pp[k].day, num(p, "path_challenge")};
            t->base = num(p, "target_base");
            t->challenge = num(p, "target_challenge");
        }
        t->points[t->n] = pp;
        t->series[t->n++] = (chart_series){.name = str(sr, "name") ? str(sr, "name")
                                                                   : d->s->branches[d->branch].name,
                                           .points = pp,
                                           .n = npts};
        t->npath = npts;
    }
}

static bool draw_trend(struct drawing *d, chart_ctx *ctx, unsigned char **out, size_t *len,
                       char *msg, size_t msglen)
{
    struct trend_data t;
    bool ok;
    trend_data(d, &t);
    if (d->rq.kind == PLOT_SPARKLINE) {
        size_t count = t.n ? t.series[t.n - 1].n : 0;
        double *values = xcalloc(count + 1, sizeof *values);
        for (size_t i = 0; i < count; i++)
            values[i] = t.series[t.n - 1].points[i].value;
        chart_sparkline sp = {.values = values, .n = count, .reference = t.base};
        ok = chart_render_sparkline(ctx, &d->opts, &sp, out, len, msg, msglen);
        free(values);
    } else {
        chart_trend tr = {.axis = axis_of(d->kpi),
                          .series = t.series,
                          .nseries = t.n,
                          .base = t.base,
                          .challenge = t.challenge,
                          .base_text = "基础目标",
                          .challenge_text = "挑战目标",
                          .base_path = t.path[0],
                          .challenge_path = t.path[1],
                          .nbase_path = t.npath,
                          .nchallenge_path = t.npath,
                          .base_path_text = "基础时序进度",
                          .challenge_path_text = "挑战时序进度"};
        ok = chart_render_trend(ctx, &d->opts, &tr, out, len, msg, msglen);
    }
    trend_free(&t);
    return ok;
}

static bool draw_ranking(struct drawing *d, chart_ctx *ctx, unsigned char **out, size_t *len,
                         char *msg, size_t msglen)
{
    json_t *entries = json_object_get(d->view, "entries"), *e;
    size_t n = json_array_size(entries), i;
    chart_rank_item *items = xcalloc(n + 1, sizeof *items);
    bool pathed = false; /* the marker is the day's base point on the path */
    json_array_foreach(entries, i, e)
    {
        pathed = pathed || isfinite(num(e, "path_base"));
        items[i] = (chart_rank_item){
            .label = str(e, "name"),
            .value = num(e, "value"),
            .status = status_of(str(e, "status")),
            .target = isfinite(num(e, "path_base")) ? num(e, "path_base") : num(e, "target_base")};
    }
    chart_ranking r = {.axis = axis_of(d->kpi),
                       .items = items,
                       .n = n,
                       .target_text = pathed ? "基础时序进度" : "基础目标"};
    memcpy(r.status_text, status_text, sizeof r.status_text);
    if (!d->rq.height)
        d->opts.height = chart_ranking_height(n, true);
    bool ok = chart_render_ranking(ctx, &d->opts, &r, out, len, msg, msglen);
    free(items);
    return ok;
}

/* The value of the kpis view for the request's branch, dim and campaign
 * (dim absent: the total; satisfaction's was set to the root indicator). */
static json_t *pick_value(struct drawing *d)
{
    json_t *values = json_object_get(d->view, "values"), *v;
    const char *dim = d->rq.dim;
    size_t i;
    json_array_foreach(values, i, v)
    {
        const char *vd = str(v, "dim");
        bool same_dim = dim ? vd && strcmp(vd, dim) == 0 : vd == NULL;
        bool same_campaign =
            !d->rq.campaign ||
            (json_is_integer(json_object_get(v, "campaign")) &&
             json_integer_value(json_object_get(v, "campaign")) == atoll(d->rq.campaign));
        if (same_dim && same_campaign)
            return v;
    }
    return NULL;
}

static bool draw_bullet(struct drawing *d, chart_ctx *ctx, unsigned char **out, size_t *len,
                        char *msg, size_t msglen, struct api_error *err)
{
    json_t *v = pick_value(d);
    if (!v)
        return api_fail(err, 404, "no_data", d->rq.dim ? "dim" : NULL, "no %s value for %s",
                        snap_kpi_name((enum snap_kpi)d->kpi), d->s->branches[d->branch].code);
    chart_bullet b = {.label = d->s->branches[d->branch].name,
                      .axis = axis_of(d->kpi),
                      .value = num(v, "value"),
                      .base = num(v, "target_base"),
                      .challenge = num(v, "target_challenge"),
                      .path = isfinite(num(v, "path_base")) || isfinite(num(v, "path_challenge")),
                      .path_base = num(v, "path_base"),
                      .path_challenge = num(v, "path_challenge"),
                      .status = status_of(str(v, "status")),
                      .base_text = "基础目标",
                      .challenge_text = "挑战目标",
                      .path_base_text = "基础时序进度",
                      .path_challenge_text = "挑战时序进度",
                      .period_text = "期末目标"};
    return chart_render_bullet(ctx, &d->opts, &b, out, len, msg, msglen) ||
           api_fail(err, 500, "chart_failed", NULL, "%s", msg);
}

static const char *const zone_dims[CHART_ZONE_COUNT] = {"white", "red", "yellow", "blue", "green"};

static bool draw_zones(struct drawing *d, chart_ctx *ctx, unsigned char **out, size_t *len,
                       char *msg, size_t msglen)
{
    const struct snap_branch *b = &d->s->branches[d->branch];
    size_t cap = (size_t)b->nchildren + 1, n = 0;
    chart_zone_row *rows = xcalloc(cap, sizeof *rows);
    json_t *values = json_object_get(d->view, "values"), *v;
    for (int c = 0; c < (b->nchildren ? b->nchildren : 1); c++) {
        int br = b->nchildren ? b->children[c] : d->branch;
        const char *code = d->s->branches[br].code;
        bool any = false;
        size_t i;
        rows[n].label = d->s->branches[br].name;
        json_array_foreach(values, i, v)
        {
            if (strcmp(str(v, "branch"), code) != 0)
                continue;
            for (int z = 0; z < CHART_ZONE_COUNT; z++)
                if (str(v, "dim") && strcmp(str(v, "dim"), zone_dims[z]) == 0) {
                    rows[n].counts[z] = (long)num(v, "value");
                    any = true;
                }
        }
        n += any;
    }
    chart_zones zn = {.rows = rows,
                      .n = n,
                      .zone_text = {"流失区", "危险区", "异动区", "安全区", "稳定区"},
                      .at_risk_text = "预警"};
    bool ok = chart_render_zones(ctx, &d->opts, &zn, out, len, msg, msglen);
    free(rows);
    return ok;
}

static chart_move move_of(const char *arrow)
{
    if (!arrow)
        return CHART_MOVE_NONE;
    return strcmp(arrow, "up") == 0 ? CHART_MOVE_UP : CHART_MOVE_DOWN;
}

/* Flattens the panorama's indicator tree, depth first. */
static void flatten(json_t *list, int parent, chart_panorama_node *nodes, size_t *n, size_t cap,
                    int depth)
{
    size_t i;
    json_t *in;
    json_array_foreach(list, i, in)
    {
        if (*n >= cap || depth > 16)
            return;
        size_t me = (*n)++;
        nodes[me] = (chart_panorama_node){.code = str(in, "code"),
                                          .label = str(in, "name"),
                                          .parent = parent,
                                          .value = num(in, "value"),
                                          .last = num(in, "last_month"),
                                          .target = num(in, "target_base"),
                                          .status = status_of(str(in, "flag")),
                                          .arrow = move_of(str(in, "arrow")),
                                          .target_arrow = move_of(str(in, "target_arrow"))};
        if (nodes[me].status == CHART_STATUS_NONE && !isnan(nodes[me].value))
            nodes[me].status = CHART_STATUS_GREEN;
        flatten(json_object_get(in, "children"), (int)me, nodes, n, cap, depth + 1);
    }
}

static bool draw_panorama(struct drawing *d, chart_ctx *ctx, unsigned char **out, size_t *len,
                          char *msg, size_t msglen)
{
    size_t cap = d->s->nindicators + 1, n = 0;
    chart_panorama_node *nodes = xcalloc(cap, sizeof *nodes);
    flatten(json_object_get(d->view, "indicators"), -1, nodes, &n, cap, 0);
    chart_panorama p = {.axis = CHART_AXIS_SCORE,
                        .nodes = nodes,
                        .n = n,
                        .status_text = {NULL, "示警", NULL, "绩优"},
                        .header_text = {"指标", "得分", "环比", "上月", "目标", "状态"}};
    bool ok = chart_render_panorama(ctx, &d->opts, &p, out, len, msg, msglen);
    free(nodes);
    return ok;
}

/* ---- the whole ----------------------------------------------------------------------------- */

static bool fetch(struct drawing *d, struct api *api, struct api_error *err)
{
    const struct plot_request *rq = &d->rq;
    const char *kpi = snap_kpi_name((enum snap_kpi)d->kpi), *code = d->s->branches[d->branch].code;
    char month[8];
    switch (rq->kind) {
    case PLOT_TREND:
    case PLOT_SPARKLINE: {
        const char *a[] = {"kpi",   kpi,        "branch",     code, "dim",
                           rq->dim, "campaign", rq->campaign, "to", rq->date};
        return view(d, api, "trend", a, 10, err);
    }
    case PLOT_RANKING: {
        const char *a[] = {"kpi",   kpi,        "parent",     code,   "dim",
                           rq->dim, "campaign", rq->campaign, "date", rq->date};
        return view(d, api, "ranking", a, 10, err);
    }
    case PLOT_BULLET: {
        const char *a[] = {"kpi", kpi, "branch", code, "date", rq->date};
        return view(d, api, "kpis", a, 6, err);
    }
    case PLOT_ZONES: {
        const char *a[] = {"kpi", kpi, "date", rq->date};
        return view(d, api, "kpis", a, 4, err);
    }
    case PLOT_PANORAMA: {
        if (rq->date)
            snap_month_before(rq->date, month); /* the survey month of the run */
        const char *a[] = {"kpi", kpi, "branch", code, "month", rq->date ? month : NULL};
        return view(d, api, "satisfaction", a, 6, err);
    }
    }
    return api_fail(err, 500, "internal", NULL, "unknown chart kind");
}

bool plot_render(chart_ctx *ctx, chart_arrows arrows, struct api *api, struct snap *s,
                 const struct plot_request *rq, unsigned char **out, size_t *len,
                 struct api_error *err)
{
    struct drawing d = {.rq = *rq, .s = s};
    char msg[200] = "";
    bool ok = false;
    *out = NULL;
    *len = 0;
    if (!resolve(&d, err) || !fetch(&d, api, err))
        goto done;
    d.opts.arrows = arrows;
    switch (rq->kind) {
    case PLOT_TREND:
    case PLOT_SPARKLINE:
        ok = draw_trend(&d, ctx, out, len, msg, sizeof msg);
        break;
    case PLOT_RANKING:
        ok = draw_ranking(&d, ctx, out, len, msg, sizeof msg);
        break;
    case PLOT_BULLET:
        ok = draw_bullet(&d, ctx, out, len, msg, sizeof msg, err);
        goto done; /* err is set */
    case PLOT_ZONES:
        ok = draw_zones(&d, ctx, out, len, msg, sizeof msg);
        break;
    case PLOT_PANORAMA:
        ok = draw_panorama(&d, ctx, out, len, msg, sizeof msg);
        break;
    }
    if (!ok)
        api_fail(err, 500, "chart_failed", NULL, "%s", msg);
done:
    json_decref(d.view);
    return ok;
}

/* ---- retentiond chart --------------------------------------------------------------------- */

/* Writes bytes to path through a temporary file renamed into place ("-":
 * standard output). */
static bool write_out(const char *path, const unsigned char *bytes, size_t len)
{
    if (strcmp(path, "-") == 0)
        return fwrite(bytes, 1, len, stdout) == len && fflush(stdout) == 0;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(bytes, 1, len, f) == len;
    ok = f && fclose(f) == 0 && ok;
    if (ok && rename(tmp, path) == 0)
        return true;
    fprintf(stderr, "retentiond: cannot write %s: %s\n", path, strerror(errno));
    unlink(tmp);
    return false;
}

/* The request of the command line; false after one line on stderr. */
static bool cli_request(const struct cli_args *a, struct plot_request *rq)
{
    struct api_error err = {0};
    const char *ext = a->format ? a->format : strrchr(a->out, '.') ? strrchr(a->out, '.') + 1 : "";
    char name[64];
    snprintf(name, sizeof name, "%s.%s", a->kind, ext);
    *rq = (struct plot_request){.kpi = a->kpi,
                                .branch = a->branch,
                                .dim = a->dim,
                                .campaign = a->campaign,
                                .date = a->date};
    if (!plot_parse_name(name, rq)) {
        fprintf(stderr, "retentiond: chart: --kind must be trend, ranking, bullet, zones, panorama "
                        "or sparkline, and the format png, svg or pdf (--format or --out's "
                        "extension)\n");
        return false;
    }
    const char *sizes[][2] = {{"width", a->width}, {"height", a->height}, {"scale", a->scale}};
    for (size_t i = 0; i < 3; i++)
        if (sizes[i][1] && !plot_parse_size(sizes[i][0], sizes[i][1], rq, &err)) {
            fprintf(stderr, "retentiond: chart: --%s\n", err.message);
            return false;
        }
    return true;
}

/* The stored runs one chart reads, fetched on a thread of their own while
 * the fonts load: the database round trips and the font set-up each take
 * about a third of a one-shot run. */
struct fetch {
    const char *conninfo;
    struct snap_filter filter;
    struct snap *snap; /* out, owned by the caller */
};

static void *fetch_runs(void *arg)
{
    struct fetch *f = arg;
    struct db *db = NULL;
    if (db_connect(f->conninfo, 0, &db))
        snap_build_db(db, 92, NULL, &f->filter, &f->snap); /* failure logged */
    db_close(db);
    return NULL;
}

/* Only the values the chart reads: its KPI, and its branch when it draws
 * one branch alone. */
static struct snap_filter chart_filter(const struct plot_request *rq)
{
    bool one_branch =
        rq->kind == PLOT_TREND || rq->kind == PLOT_SPARKLINE || rq->kind == PLOT_BULLET;
    return (struct snap_filter){.kpi = rq->kpi                     ? rq->kpi
                                       : rq->kind == PLOT_ZONES    ? "zone_count"
                                       : rq->kind == PLOT_PANORAMA ? "satisfaction"
                                                                   : NULL,
                                .branch = one_branch ? rq->branch : NULL};
}

/* A head start on the PNG while the database answers (chart_ctx_prepare);
 * a failure would show again, and be reported, in the real chart. */
static void prepare(chart_ctx *ctx, const struct plot_request *rq)
{
    chart_opts o;
    char err[200];
    request_opts(rq, &o);
    chart_ctx_prepare(ctx, &o, err, sizeof err);
}

int plot_command(const struct cli_args *a, const char *conninfo)
{
    struct plot_request rq;
    struct api_error err = {0};
    char msg[300];
    chart_fonts *fonts = NULL;
    chart_ctx *ctx = NULL;
    unsigned char *bytes = NULL;
    size_t len = 0;
    int rc = 1;
    pthread_t fetcher;
    struct fetch f = {0};
    if (!cli_request(a, &rq))
        return 2;
    f = (struct fetch){.conninfo = conninfo, .filter = chart_filter(&rq)};
    if (pthread_create(&fetcher, NULL, fetch_runs, &f) != 0) {
        fprintf(stderr, "retentiond: chart: cannot start a thread\n");
        return 1;
    }
    if (!(fonts = chart_fonts_new(a->font, msg, sizeof msg))) {
        /* Not worth waiting for the database, which may take its connect
         * timeout to answer; nor may exit() tear libpq's libraries down
         * under the thread. (A database that fails as fast as the font
         * check has said so on a line of its own.) */
        fprintf(stderr, "retentiond: chart: %s\n", msg);
        quick_exit(1);
    }
    ctx = chart_ctx_new(fonts, msg, sizeof msg);
    if (ctx && rq.format == CHART_PNG && (rq.kind != PLOT_RANKING || rq.height))
        prepare(ctx, &rq); /* a ranking's height follows its rows unless given */
    pthread_join(fetcher, NULL);
    if (!ctx) {
        fprintf(stderr, "retentiond: chart: %s\n", msg);
        goto done;
    }
    if (!f.snap)
        goto done; /* logged */
    chart_arrows arrows =
        a->arrows && strcmp(a->arrows, "intl") == 0 ? CHART_ARROWS_INTL : CHART_ARROWS_CN;
    if (!plot_render(ctx, arrows, NULL, f.snap, &rq, &bytes, &len, &err)) {
        fprintf(stderr, "retentiond: chart: %s%s%s%s\n", err.param ? "--" : "",
                err.param ? err.param : "", err.param ? ": " : "", err.message);
        goto done;
    }
    rc = write_out(a->out, bytes, len) ? 0 : 1;
done:
    free(bytes);
    snap_unref(f.snap);
    chart_ctx_free(ctx);
    chart_fonts_free(fonts);
    return rc;
}
