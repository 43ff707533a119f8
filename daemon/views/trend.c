#include "trend.h"

#include "contract.h"
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct trend_req {
    int kpi, branch, campaign;
    const char *dim;
    char from[11], to[11];
};

static bool trend_parse(const struct snap *s, const struct view_params *p, struct trend_req *rq,
                        struct view_error *err)
{
    *rq = (struct trend_req){.dim = view_arg(p, "dim")};
    if (!view_param_kpi(p, "kpi", true, &rq->kpi, err) ||
        !view_param_branch(s, p, "branch", &rq->branch, err) ||
        !view_param_int(p, "campaign", &rq->campaign, err) ||
        !view_param_date(p, "from", rq->from, err) || !view_param_date(p, "to", rq->to, err))
        return false;
    if (*rq->from && *rq->to && strcmp(rq->from, rq->to) > 0)
        return view_fail(err, 400, "invalid_range", "from", "from is after to");
    if (!rq->dim && rq->kpi == SNAP_ZONES)
        return view_fail(err, 400, "missing_parameter", "dim",
                         "the trend of zone_count is of one zone: dim is white, red, yellow, "
                         "blue or green");
    if (!rq->dim)
        rq->dim = view_default_dim(s, rq->kpi); /* K4: the root indicator */
    return view_param_known(s, (const struct snap_run *const *)s->runs, s->nruns, rq->kpi, rq->dim,
                            rq->campaign, err);
}

bool view_trend_check(const struct snap *s, const struct view_params *p, struct view_error *err)
{
    struct trend_req rq;
    return trend_parse(s, p, &rq, err);
}

static bool in_range(const struct trend_req *rq, const char *date)
{
    return (!*rq->from || strcmp(date, rq->from) >= 0) && (!*rq->to || strcmp(date, rq->to) <= 0);
}

/* Daily: one point per run. */
static void daily_series(const struct snap *s, const struct trend_req *rq, struct view_series *se)
{
    se->points = xcalloc(s->nruns, sizeof *se->points);
    for (size_t i = 0; i < s->nruns; i++) {
        const struct snap_value *v =
            snap_find(s->runs[i], (enum snap_kpi)rq->kpi, rq->branch, rq->dim, se->campaign);
        if (v && in_range(rq, s->runs[i]->as_of))
            se->points[se->n++] = (struct view_point){.run = s->runs[i], .v = v};
    }
}

/* The period of a monthly point: the value's own month, else (K1's period
 * is its cohort year) the as-of month. */
static void period_of(const struct snap_value *v, const struct snap_run *run, char out[8])
{
    const char *p = snap_str(v->period);
    snprintf(out, 8, "%.7s", p && strlen(p) == 7 ? p : run->as_of);
}

/* Monthly: per period, the newest run's value. */
static void monthly_series(const struct snap *s, const struct trend_req *rq, struct view_series *se)
{
    se->points = xcalloc(s->nruns, sizeof *se->points);
    for (size_t i = 0; i < s->nruns; i++) {
        const struct snap_run *run = s->runs[i];
        const struct snap_value *v =
            snap_find(run, (enum snap_kpi)rq->kpi, rq->branch, rq->dim, -1);
        char period[8];
        if (!v || !in_range(rq, run->as_of))
            continue;
        period_of(v, run, period);
        const char *last = se->n ? se->points[se->n - 1].period : "";
        if (se->n && strcmp(last, period) == 0)
            se->n--; /* the newer run of the same period replaces it */
        else if (se->n && strcmp(last, period) > 0)
            continue; /* an older period seen late: keep the order */
        struct view_point *pt = &se->points[se->n++];
        *pt = (struct view_point){.run = run, .v = v};
        memcpy(pt->period, period, sizeof pt->period);
    }
}

bool view_trend_build(const struct snap *s, const struct view_params *p, struct view_trend *out,
                      struct view_error *err)
{
    struct trend_req rq;
    *out = (struct view_trend){.s = s};
    if (!trend_parse(s, p, &rq, err))
        return false;
    *out = (struct view_trend){.s = s,
                               .kpi = rq.kpi,
                               .branch = rq.branch,
                               .dim = rq.dim,
                               .daily = rq.kpi == SNAP_BUNDLING};
    out->series = xcalloc(s->ncampaigns + 1, sizeof *out->series);
    if (!out->daily) {
        out->series[0].campaign = -1;
        monthly_series(s, &rq, &out->series[out->nseries++]);
        return true;
    }
    for (size_t c = 0; c < s->ncampaigns; c++) {
        if (rq.campaign >= 0 && rq.campaign != s->campaigns[c].id)
            continue;
        struct view_series *se = &out->series[out->nseries++];
        se->campaign = s->campaigns[c].id;
        se->name = s->campaigns[c].name;
        daily_series(s, &rq, se);
    }
    return true;
}

static json_t *point_json(const struct view_point *pt)
{
    json_t *o = json_object();
    json_object_set_new(o, "date", json_string(pt->run->as_of));
    if (*pt->period)
        json_object_set_new(o, "period", json_string(pt->period));
    contract_figures(o, pt->v);
    return o;
}

static json_t *series_json(const struct view_series *se)
{
    json_t *points = json_array();
    for (size_t i = 0; i < se->n; i++)
        json_array_append_new(points, point_json(&se->points[i]));
    if (se->campaign < 0)
        return json_pack("{s:o, s:o}", "campaign", json_null(), "points", points);
    return json_pack("{s:i, s:s, s:o}", "campaign", se->campaign, "name", se->name, "points",
                     points);
}

json_t *view_trend_json(const struct view_trend *v)
{
    json_t *series = json_array();
    for (size_t i = 0; i < v->nseries; i++)
        json_array_append_new(series, series_json(&v->series[i]));
    return json_pack("{s:s, s:s, s:o, s:s, s:o}", "kpi", snap_kpi_name((enum snap_kpi)v->kpi),
                     "branch", v->s->branches[v->branch].code, "dim", snap_text_json(v->dim),
                     "granularity", v->daily ? "daily" : "monthly", "series", series);
}

void view_trend_free(struct view_trend *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->nseries; i++)
        free(v->series[i].points);
    free(v->series);
    v->series = NULL;
    v->nseries = 0;
}
