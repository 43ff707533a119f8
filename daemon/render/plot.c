#include "plot.h"

#include "date.h"
#include "kpis.h"
#include "labels.h"
#include "mem.h"
#include "ranking.h"
#include "satisfaction.h"
#include "trend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"trend", "ranking",  "bullet",
                                         "zones", "panorama", "sparkline"};
static const char *const format_names[] = {"png", "svg", "pdf"};

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
                     struct view_error *err)
{
    char *end = NULL;
    if (strcmp(name, "scale") == 0) {
        double v = strtod(text, &end);
        if (end == text || *end || !(v >= 0.5 && v <= 4))
            return view_fail(err, 400, "invalid_parameter", "scale",
                             "scale must be a number 0.5..4");
        rq->scale = v;
        return true;
    }
    long v = strtol(text, &end, 10);
    if (end == text || *end || v < 16 || v > 4096)
        return view_fail(err, 400, "invalid_parameter", name, "%s must be an integer 16..4096",
                         name);
    *(strcmp(name, "width") == 0 ? &rq->width : &rq->height) = (int)v;
    return true;
}

const char *plot_content_type(chart_format format)
{
    static const char *const types[] = {"image/png", "image/svg+xml", "application/pdf"};
    return types[format];
}

chart_axis plot_axis(int kpi)
{
    return kpi == SNAP_SATISFACTION || kpi == SNAP_SATISFACTION_GOTONE ? CHART_AXIS_SCORE
                                                                       : CHART_AXIS_PERCENT;
}

static chart_status chart_status_of(enum snap_status st)
{
    static const chart_status map[] = {CHART_STATUS_NONE, CHART_STATUS_RED, CHART_STATUS_GREEN,
                                       CHART_STATUS_EXCELLENT};
    return map[st];
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

/* What every kind needs: the KPI, the branch, the options and the title. */
struct drawing {
    struct plot_request rq;
    const struct snap *s;
    const struct view_params *p;
    const struct labels *labels;
    int kpi, branch;
    char title[256];
    chart_opts opts;
};

/* View parameters from name/value pairs (NULL values left out), with the
 * drawing's thresholds and scope. */
static void pair_params(const struct drawing *d, const char *const *pairs, struct view_params *p)
{
    view_params_list(p, pairs);
    p->scope = d->p->scope;
    p->bottom_n = d->p->bottom_n;
    p->arrow_change = d->p->arrow_change;
}

/* The request's pixels against max_pixels, naming the size given last. */
static bool check_pixels(const struct plot_request *rq, long max_pixels, struct view_error *err)
{
    chart_opts o;
    request_opts(rq, &o);
    double pixels = (double)o.width * o.height * o.scale * o.scale;
    if (pixels <= (double)max_pixels)
        return true;
    const char *param = rq->scale > 0 ? "scale" : rq->height ? "height" : "width";
    return view_fail(err, 400, "chart_too_large", param,
                     "%d x %d at scale %g is %.0f pixels, over the %ld allowed", o.width, o.height,
                     o.scale, pixels, max_pixels);
}

static bool resolve(struct drawing *d, long max_pixels, struct view_error *err)
{
    struct plot_request *rq = &d->rq;
    const char *kpi = rq->kpi                     ? rq->kpi
                      : rq->kind == PLOT_ZONES    ? "zone_count"
                      : rq->kind == PLOT_PANORAMA ? "satisfaction"
                                                  : NULL;
    if (!kpi)
        return view_fail(err, 400, "missing_parameter", "kpi", "kpi is required");
    d->kpi = snap_kpi_parse(kpi);
    if (d->kpi < 0)
        return view_fail(err, 400, "unknown_kpi", "kpi", "no KPI named '%.60s'", kpi);
    bool zones = d->kpi == SNAP_ZONES;
    if (zones != (rq->kind == PLOT_ZONES))
        return view_fail(err, 400, "invalid_parameter", "kpi",
                         zones ? "zone_count is drawn by the zones chart"
                               : "the zones chart draws zone_count");
    /* the zones chart draws every zone, the panorama every indicator, of
     * the whole total: a dim or campaign asked of them is refused, not
     * silently drawn without */
    bool whole = rq->kind == PLOT_ZONES || rq->kind == PLOT_PANORAMA;
    if (whole && (rq->dim || rq->campaign))
        return view_fail(err, 400, "invalid_parameter", rq->dim ? "dim" : "campaign",
                         "the %s chart draws every %s: no %s", kind_names[rq->kind],
                         zones ? "zone" : "indicator", rq->dim ? "dim" : "campaign");
    bool score = plot_axis(d->kpi) == CHART_AXIS_SCORE;
    if (rq->kind == PLOT_PANORAMA && !score)
        return view_fail(err, 400, "invalid_parameter", "kpi",
                         "the panorama draws satisfaction or satisfaction_gotone");
    if (score && !rq->dim)
        rq->dim = view_default_dim(d->s, d->kpi); /* the root indicator */
    const char *pairs[] = {"branch", rq->branch, NULL};
    struct view_params bp;
    pair_params(d, pairs, &bp);
    if (!view_param_branch(d->s, &bp, "branch", &d->branch, err))
        return false;
    if (rq->date && !snap_run_on(d->s, rq->date))
        return view_fail(err, 404, "no_run", "date", "no compute run for %s", rq->date);
    if (!check_pixels(rq, max_pixels, err))
        return false;
    snprintf(d->title, sizeof d->title, "%s · %s", d->s->branches[d->branch].name,
             d->labels->kpi[d->kpi]);
    request_opts(rq, &d->opts);
    d->opts.title = rq->kind == PLOT_SPARKLINE ? NULL : d->title;
    return true;
}

bool plot_check(const struct snap *s, const struct view_params *p, const struct plot_request *rq,
                long max_pixels, struct view_error *err)
{
    struct drawing d = {.rq = *rq, .s = s, .p = p, .labels = labels_get(rq->lang)};
    return resolve(&d, max_pixels, err);
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

/* Where a point stands on the time axis: its run's date, or for a value
 * of an earlier month than its run's (K4: a survey month, published in a
 * later one) that month's last day, under the label of its own month. */
static int32_t point_day(const struct view_point *pt)
{
    char first[11], end[11];
    int32_t day = 0;
    if (*pt->period && strncmp(pt->period, pt->run->as_of, 7) != 0) {
        snprintf(first, sizeof first, "%.7s-01", pt->period);
        date_shift(first, 1, -1, end);
        chart_date_parse(end, &day);
    } else {
        chart_date_parse(pt->run->as_of, &day);
    }
    return day;
}

static void trend_data(const struct drawing *d, const struct view_trend *v, struct trend_data *t)
{
    size_t first = v->nseries > CHART_TREND_MAX_SERIES ? v->nseries - CHART_TREND_MAX_SERIES : 0;
    *t = (struct trend_data){.base = NAN, .challenge = NAN};
    for (size_t i = first; i < v->nseries; i++) {
        const struct view_series *se = &v->series[i];
        chart_point *pp = xcalloc(se->n + 1, sizeof *pp);
        free(t->path[0]);
        free(t->path[1]);
        t->path[0] = xcalloc(se->n + 1, sizeof *pp);
        t->path[1] = xcalloc(se->n + 1, sizeof *pp);
        for (size_t k = 0; k < se->n; k++) {
            const struct snap_value *val = se->points[k].v;
            pp[k].value = val->f[SNAP_VALUE];
            pp[k].day = point_day(&se->points[k]);
            t->path[0][k] = (chart_point){pp[k].day, val->f[SNAP_PATH_BASE]};
            t->path[1][k] = (chart_point){pp[k].day, val->f[SNAP_PATH_CHALLENGE]};
            t->base = val->f[SNAP_BASE];
            t->challenge = val->f[SNAP_CHALLENGE];
        }
        t->points[t->n] = pp;
        t->series[t->n++] = (chart_series){
            .name = se->name ? se->name : d->s->branches[d->branch].name, .points = pp, .n = se->n};
        t->npath = se->n;
    }
}

static bool draw_trend(struct drawing *d, chart_ctx *ctx, unsigned char **out, size_t *len,
                       char *msg, size_t msglen, struct view_error *err)
{
    const char *code = d->s->branches[d->branch].code;
    const char *pairs[] = {"kpi",      snap_kpi_name((enum snap_kpi)d->kpi),
                           "branch",   code,
                           "dim",      d->rq.dim,
                           "campaign", d->rq.campaign,
                           "to",       d->rq.date,
                           NULL};
    struct view_params p;
    struct view_trend v;
    struct trend_data t;
    bool ok;
    pair_params(d, pairs, &p);
    if (!view_trend_build(d->s, &p, &v, err)) {
        view_trend_free(&v);
        return false;
    }
    trend_data(d, &v, &t);
    if (d->rq.kind == PLOT_SPARKLINE) {
        size_t count = t.n ? t.series[t.n - 1].n : 0;
        double *values = xcalloc(count + 1, sizeof *values);
        int32_t *days = xcalloc(count + 1, sizeof *days);
        for (size_t i = 0; i < count; i++) {
            values[i] = t.series[t.n - 1].points[i].value;
            days[i] = t.series[t.n - 1].points[i].day;
        }
        /* each point at its date (the series has a point a month, then a
         * point a day: evenly spaced, a day looked as long as a month) */
        chart_sparkline sp = {.values = values, .n = count, .reference = t.base, .days = days};
        ok = chart_render_sparkline(ctx, &d->opts, &sp, out, len, msg, msglen);
        free(values);
        free(days);
    } else {
        chart_trend tr = {.axis = plot_axis(d->kpi),
                          .series = t.series,
                          .nseries = t.n,
                          .base = t.base,
                          .challenge = t.challenge,
                          .base_text = d->labels->base,
                          .challenge_text = d->labels->challenge,
                          .base_path = t.path[0],
                          .challenge_path = t.path[1],
                          .nbase_path = t.npath,
                          .nchallenge_path = t.npath,
                          .base_path_text = d->labels->base_path,
                          .challenge_path_text = d->labels->challenge_path,
                          .no_data_text = labels_word(d->labels, "no_data")};
        ok = chart_render_trend(ctx, &d->opts, &tr, out, len, msg, msglen);
    }
    trend_free(&t);
    view_trend_free(&v);
    return ok || view_fail(err, 500, "chart_failed", NULL, "%s", msg);
}

static bool draw_ranking(struct drawing *d, chart_ctx *ctx, unsigned char **out, size_t *len,
                         char *msg, size_t msglen, struct view_error *err)
{
    const char *pairs[] = {"kpi",      snap_kpi_name((enum snap_kpi)d->kpi),
                           "parent",   d->s->branches[d->branch].code,
                           "dim",      d->rq.dim,
                           "campaign", d->rq.campaign,
                           "date",     d->rq.date,
                           NULL};
    struct view_params p;
    struct view_ranking v;
    pair_params(d, pairs, &p);
    if (!view_ranking_build(d->s, &p, &v, err)) {
        view_ranking_free(&v);
        return false;
    }
    chart_rank_item *items = xcalloc(v.n + 1, sizeof *items);
    bool pathed = false; /* the marker is the day's base point on the path */
    for (size_t i = 0; i < v.n; i++) {
        const struct snap_value *val = v.entries[i].v;
        pathed = pathed || isfinite(val->f[SNAP_PATH_BASE]);
        items[i] =
            (chart_rank_item){.label = d->s->branches[v.entries[i].branch].name,
                              .value = val->f[SNAP_VALUE],
                              .status = chart_status_of(val->status),
                              .target = isfinite(val->f[SNAP_PATH_BASE]) ? val->f[SNAP_PATH_BASE]
                                                                         : val->f[SNAP_BASE]};
    }
    chart_ranking r = {.axis = plot_axis(d->kpi),
                       .items = items,
                       .n = v.n,
                       .target_text = pathed ? d->labels->base_path : d->labels->base};
    memcpy(r.status_text, d->labels->status, sizeof r.status_text);
    if (!d->rq.height)
        d->opts.height = chart_ranking_height(v.n, true);
    bool ok = chart_render_ranking(ctx, &d->opts, &r, out, len, msg, msglen);
    free(items);
    view_ranking_free(&v);
    return ok || view_fail(err, 500, "chart_failed", NULL, "%s", msg);
}

/* The run the request draws: of its date, else the newest. */
static bool drawn_run(struct drawing *d, const struct snap_run **run, struct view_error *err)
{
    return view_pick_run(d->s, d->rq.date ? d->rq.date : "", run, err);
}

/* The value of the request's branch, dim (absent: the total; satisfaction's
 * was set to the root indicator) and campaign (absent: the first). */
static const struct snap_value *pick_value(const struct drawing *d, const struct snap_run *run)
{
    long campaign = d->rq.campaign ? atol(d->rq.campaign) : -1;
    for (size_t i = run->kpi_start[d->kpi]; i < run->kpi_start[d->kpi + 1]; i++) {
        const struct snap_value *v = &run->values[i];
        const char *vd = snap_str(v->dim);
        bool same_dim = d->rq.dim ? vd && strcmp(vd, d->rq.dim) == 0 : vd == NULL;
        bool same_campaign = campaign < 0 || (v->campaign >= 0 && v->campaign == campaign);
        if (v->branch == d->branch && same_dim && same_campaign)
            return v;
    }
    return NULL;
}

static bool draw_bullet(struct drawing *d, chart_ctx *ctx, unsigned char **out, size_t *len,
                        char *msg, size_t msglen, struct view_error *err)
{
    const struct snap_run *run;
    if (!drawn_run(d, &run, err))
        return false;
    const struct snap_value *v = pick_value(d, run);
    if (!v)
        return view_fail(err, 404, "no_data", d->rq.dim ? "dim" : NULL, "no %s value for %s",
                         snap_kpi_name((enum snap_kpi)d->kpi), d->s->branches[d->branch].code);
    const double *f = v->f;
    chart_bullet b = {.label = d->s->branches[d->branch].name,
                      .axis = plot_axis(d->kpi),
                      .value = f[SNAP_VALUE],
                      .base = f[SNAP_BASE],
                      .challenge = f[SNAP_CHALLENGE],
                      .path = isfinite(f[SNAP_PATH_BASE]) || isfinite(f[SNAP_PATH_CHALLENGE]),
                      .path_base = f[SNAP_PATH_BASE],
                      .path_challenge = f[SNAP_PATH_CHALLENGE],
                      .status = chart_status_of(v->status),
                      .base_text = d->labels->base,
                      .challenge_text = d->labels->challenge,
                      .path_base_text = d->labels->base_path,
                      .path_challenge_text = d->labels->challenge_path,
                      .period_text = d->labels->period_end};
    return chart_render_bullet(ctx, &d->opts, &b, out, len, msg, msglen) ||
           view_fail(err, 500, "chart_failed", NULL, "%s", msg);
}

/* One row of the zones chart: branch br's zone counts in run; false when
 * it has none. */
static bool zone_row(const struct drawing *d, const struct snap_run *run, int br,
                     chart_zone_row *row)
{
    bool any = false;
    row->label = d->s->branches[br].name;
    for (int z = 0; z < CHART_ZONE_COUNT; z++) {
        const struct snap_value *v =
            snap_find(run, SNAP_ZONES, br, snap_zone_name((enum snap_zone)z), -1);
        if (v) {
            row->counts[z] = (long)v->f[SNAP_VALUE];
            any = true;
        }
    }
    return any;
}

static bool draw_zones(struct drawing *d, chart_ctx *ctx, unsigned char **out, size_t *len,
                       char *msg, size_t msglen, struct view_error *err)
{
    const struct snap_branch *b = &d->s->branches[d->branch];
    const struct snap_run *run;
    if (!drawn_run(d, &run, err))
        return false;
    chart_zone_row *rows = xcalloc((size_t)b->nchildren + 1, sizeof *rows);
    size_t n = 0;
    for (int c = 0; c < (b->nchildren ? b->nchildren : 1); c++)
        n += zone_row(d, run, b->nchildren ? b->children[c] : d->branch, &rows[n]);
    chart_zones zn = {.rows = rows, .n = n, .at_risk_text = d->labels->at_risk};
    memcpy(zn.zone_text, d->labels->zone, sizeof zn.zone_text);
    bool ok = chart_render_zones(ctx, &d->opts, &zn, out, len, msg, msglen);
    free(rows);
    return ok || view_fail(err, 500, "chart_failed", NULL, "%s", msg);
}

static chart_move chart_move_of(enum view_move m)
{
    return m == VIEW_MOVE_UP     ? CHART_MOVE_UP
           : m == VIEW_MOVE_DOWN ? CHART_MOVE_DOWN
                                 : CHART_MOVE_NONE;
}

static chart_status flag_status(const struct view_indicator *nd)
{
    if (nd->flag == VIEW_FLAG_WARN)
        return CHART_STATUS_RED;
    if (nd->flag == VIEW_FLAG_EXCELLENT)
        return CHART_STATUS_EXCELLENT;
    return nd->v && !isnan(nd->v->f[SNAP_VALUE]) ? CHART_STATUS_GREEN : CHART_STATUS_NONE;
}

static bool draw_panorama(struct drawing *d, chart_ctx *ctx, unsigned char **out, size_t *len,
                          char *msg, size_t msglen, struct view_error *err)
{
    char month[8];
    if (d->rq.date)
        date_month_before(d->rq.date, month); /* the survey month of the run */
    const char *pairs[] = {"kpi",    snap_kpi_name((enum snap_kpi)d->kpi),
                           "branch", d->s->branches[d->branch].code,
                           "month",  d->rq.date ? month : NULL,
                           NULL};
    struct view_params p;
    struct view_satisfaction v;
    pair_params(d, pairs, &p);
    if (!view_satisfaction_build(d->s, &p, &v, err)) {
        view_satisfaction_free(&v);
        return false;
    }
    chart_panorama_node *nodes = xcalloc(v.n + 1, sizeof *nodes);
    for (size_t i = 0; i < v.n; i++) {
        const struct view_indicator *nd = &v.nodes[i];
        const struct snap_indicator *in = &d->s->indicators[nd->indicator];
        /* the indicator's name; its code only when it has none (a
         * manager reads 客户关怀, not comm_care 客户关怀) */
        bool named = in->name && *in->name;
        nodes[i] = (chart_panorama_node){.code = named ? NULL : in->code,
                                         .label = named ? in->name : NULL,
                                         .parent = nd->parent,
                                         .value = nd->v ? nd->v->f[SNAP_VALUE] : NAN,
                                         .last = nd->last ? nd->last->f[SNAP_VALUE] : NAN,
                                         .target = nd->v ? nd->v->f[SNAP_BASE] : NAN,
                                         .status = flag_status(nd),
                                         .arrow = chart_move_of(nd->arrow),
                                         .target_arrow = chart_move_of(nd->target_arrow)};
    }
    chart_panorama pa = {
        .axis = CHART_AXIS_SCORE,
        .nodes = nodes,
        .n = v.n,
        .status_text = {NULL, d->labels->flag_warn, NULL, d->labels->flag_excellent}};
    memcpy(pa.header_text, d->labels->panorama_header, sizeof pa.header_text);
    bool ok = chart_render_panorama(ctx, &d->opts, &pa, out, len, msg, msglen);
    free(nodes);
    view_satisfaction_free(&v);
    return ok || view_fail(err, 500, "chart_failed", NULL, "%s", msg);
}

/* ---- the whole ----------------------------------------------------------------------------- */

bool plot_render(chart_ctx *ctx, chart_arrows arrows, const struct view_params *p,
                 const struct snap *s, const struct plot_request *rq, long max_pixels,
                 unsigned char **out, size_t *len, struct view_error *err)
{
    struct drawing d = {.rq = *rq, .s = s, .p = p, .labels = labels_get(rq->lang)};
    char msg[200] = "";
    *out = NULL;
    *len = 0;
    if (!resolve(&d, max_pixels, err))
        return false;
    d.opts.arrows = arrows;
    switch (rq->kind) {
    case PLOT_TREND:
    case PLOT_SPARKLINE:
        return draw_trend(&d, ctx, out, len, msg, sizeof msg, err);
    case PLOT_RANKING:
        return draw_ranking(&d, ctx, out, len, msg, sizeof msg, err);
    case PLOT_BULLET:
        return draw_bullet(&d, ctx, out, len, msg, sizeof msg, err);
    case PLOT_ZONES:
        return draw_zones(&d, ctx, out, len, msg, sizeof msg, err);
    case PLOT_PANORAMA:
        return draw_panorama(&d, ctx, out, len, msg, sizeof msg, err);
    }
    return view_fail(err, 500, "internal", NULL, "unknown chart kind");
}

bool plot_prepare(chart_ctx *ctx, const struct plot_request *rq)
{
    chart_opts o;
    char err[200];
    if (rq->format != CHART_PNG || (rq->kind == PLOT_RANKING && !rq->height))
        return false;
    request_opts(rq, &o);
    return chart_ctx_prepare(ctx, &o, err, sizeof err);
}
