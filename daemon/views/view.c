#include "view.h"

#include "alarms.h"
#include "bulletin.h"
#include "date.h"
#include "grid.h"
#include "kpis.h"
#include "log.h"
#include "ranking.h"
#include "runs.h"
#include "satisfaction.h"
#include "trend.h"
#include "zones.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool view_fail(struct view_error *err, unsigned status, const char *code, const char *param,
               const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->status = status;
    err->code = code;
    err->param = param;
    err->retry_after = 0;
    return false;
}

/* ---- parameters ------------------------------------------------------------------------ */

static const char *list_arg(const void *ctx, const char *name)
{
    for (const char *const *a = ctx; a && a[0]; a += 2)
        if (a[1] && strcmp(a[0], name) == 0)
            return a[1];
    return NULL;
}

void view_params_list(struct view_params *p, const char *const *pairs)
{
    *p = (struct view_params){.arg = list_arg,
                              .ctx = pairs,
                              .bottom_n = VIEW_BOTTOM_N,
                              .arrow_change = VIEW_ARROW_CHANGE};
}

bool view_in_bottom(size_t tie_last, int rank, size_t n, int bottom_n)
{
    long above = (long)n - (bottom_n > 0 ? bottom_n : 0); /* the places not at the bottom */
    return bottom_n > 0 && (long)tie_last > above && (rank > 1 || rank > above);
}

static int best_first(const void *x, const void *y)
{
    const struct view_rank *a = x, *b = y;
    double va = a->v->f[SNAP_VALUE], vb = b->v->f[SNAP_VALUE];
    if (va != vb)
        return va < vb ? 1 : -1;
    return a->branch - b->branch; /* branches are sorted by code */
}

void view_rank_order(struct view_rank *rows, size_t n)
{
    if (n > 1)
        qsort(rows, n, sizeof *rows, best_first);
    for (size_t i = 0; i < n; i++)
        rows[i].rank = i > 0 && rows[i].v->f[SNAP_VALUE] == rows[i - 1].v->f[SNAP_VALUE]
                           ? rows[i - 1].rank
                           : (int)i + 1;
}

size_t view_rank_compare(struct view_rank *rows, size_t n, const struct view_rank *before,
                         size_t nbefore, int bottom_n)
{
    size_t named = 0;
    for (size_t i = 0; i < n; i++) {
        struct view_rank *r = &rows[i];
        for (size_t k = 0; k < nbefore; k++)
            if (before[k].branch == r->branch) {
                r->previous_rank = before[k].rank;
                r->was = before[k].v;
            }
        size_t last = i; /* of its tie */
        while (last + 1 < n && rows[last + 1].rank == r->rank)
            last++;
        r->bottom = view_in_bottom(last + 1, r->rank, n, bottom_n);
        named += r->bottom;
    }
    return named;
}

const char *view_arg(const struct view_params *p, const char *name)
{
    return p->arg ? p->arg(p->ctx, name) : NULL;
}

bool view_param_date(const struct view_params *p, const char *name, char out[11],
                     struct view_error *err)
{
    const char *v = view_arg(p, name);
    out[0] = '\0';
    if (!v)
        return true;
    if (!date_valid(v))
        return view_fail(err, 400, "invalid_date", name, "%s must be a date YYYY-MM-DD", name);
    memcpy(out, v, 11);
    return true;
}

bool view_param_month(const struct view_params *p, const char *name, char out[8],
                      struct view_error *err)
{
    const char *v = view_arg(p, name);
    out[0] = '\0';
    if (!v)
        return true;
    if (!date_valid_month(v))
        return view_fail(err, 400, "invalid_month", name, "%s must be a month YYYY-MM", name);
    memcpy(out, v, 8);
    return true;
}

bool view_param_branch(const struct snap *s, const struct view_params *p, const char *name,
                       int *out, struct view_error *err)
{
    const char *v = view_arg(p, name);
    int scope = p->scope ? snap_branch_find(s, p->scope) : -1;
    if (p->scope && scope < 0)
        return view_fail(err, 403, "out_of_scope", NULL, "your branch is not in the warehouse");
    *out = v ? snap_branch_find(s, v) : scope >= 0 ? scope : snap_branch_root(s);
    /* A scoped caller learns nothing of other branches, not even whether a
     * code exists: unknown and foreign codes are refused alike. */
    if (scope >= 0 && (*out < 0 || !snap_branch_within(s, *out, scope)))
        return view_fail(err, 403, "out_of_scope", name, "%s is not a branch of yours", name);
    if (*out < 0 && !v)
        return view_fail(err, 404, "no_branches", name, "the warehouse has no province branch");
    char q[64]; /* the code as typed, its control bytes escaped (one line on a terminal) */
    if (*out < 0)
        return view_fail(err, 400, "unknown_branch", name, "no branch with code '%s'",
                         log_quote(q, sizeof q, v));
    return true;
}

bool view_param_kpi(const struct view_params *p, const char *name, bool required, int *out,
                    struct view_error *err)
{
    const char *v = view_arg(p, name);
    *out = -1;
    if (!v && !required)
        return true;
    if (!v)
        return view_fail(err, 400, "missing_parameter", name, "%s is required", name);
    *out = snap_kpi_parse(v);
    if (*out < 0)
        return view_fail(err, 400, "unknown_kpi", name, "no KPI named '%.60s'", v);
    return true;
}

bool view_param_int(const struct view_params *p, const char *name, int *out, struct view_error *err)
{
    const char *v = view_arg(p, name);
    char *end = NULL;
    *out = -1;
    if (!v)
        return true;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < 0 || n > 1000000000)
        return view_fail(err, 400, "invalid_parameter", name,
                         "%s must be a whole number from 0 to 1000000000", name);
    *out = (int)n;
    return true;
}

/* Whether run holds a value of kpi with that dim (NULL: any) and campaign
 * (< 0: any). */
static bool run_holds(const struct snap_run *run, int kpi, const char *dim, int campaign)
{
    for (size_t i = run->kpi_start[kpi]; i < run->kpi_start[kpi + 1]; i++) {
        const struct snap_value *v = &run->values[i];
        const char *d = snap_str(v->dim);
        if ((!dim || (d && strcmp(d, dim) == 0)) && (campaign < 0 || v->campaign == campaign))
            return true;
    }
    return false;
}

bool view_param_known(const struct snap *s, const struct snap_run *const *runs, size_t nruns,
                      int kpi, const char *dim, int campaign, struct view_error *err)
{
    const char *where = nruns == 1 ? runs[0]->as_of : "any run held";
    bool campaign_seen = campaign < 0, dim_seen = !dim;
    for (size_t i = 0; i < s->ncampaigns && !campaign_seen; i++)
        campaign_seen = s->campaigns[i].id == campaign; /* one without figures yet */
    if (dim && (kpi == SNAP_SATISFACTION || kpi == SNAP_SATISFACTION_GOTONE))
        dim_seen = snap_indicator_find(s, dim) >= 0;
    for (size_t i = nruns; i-- > 0 && !(campaign_seen && dim_seen);) {
        campaign_seen = campaign_seen || run_holds(runs[i], kpi, NULL, campaign);
        dim_seen = dim_seen || run_holds(runs[i], kpi, dim, -1);
    }
    if (!campaign_seen)
        return view_fail(err, 400, "invalid_parameter", "campaign", "no campaign %d of %s in %s",
                         campaign, snap_kpi_name((enum snap_kpi)kpi), where);
    if (!dim_seen)
        return view_fail(err, 400, "invalid_parameter", "dim", "no dim '%.60s' of %s in %s", dim,
                         snap_kpi_name((enum snap_kpi)kpi), where);
    return true;
}

bool view_pick_run(const struct snap *s, const char *date, const struct snap_run **out,
                   struct view_error *err)
{
    *out = *date ? snap_run_on(s, date) : snap_latest(s);
    if (*out)
        return true;
    if (*date)
        return view_fail(err, 404, "no_run", "date", "no compute run for %s", date);
    return view_fail(err, 404, "no_run", NULL, "no compute run yet");
}

const char *view_default_dim(const struct snap *s, int kpi)
{
    if (kpi != SNAP_SATISFACTION && kpi != SNAP_SATISFACTION_GOTONE)
        return NULL;
    for (size_t i = 0; i < s->nindicators; i++)
        if (s->indicators[i].parent < 0)
            return s->indicators[i].code;
    return NULL;
}

int view_default_campaign(const struct snap_run *run, int kpi)
{
    if (kpi != SNAP_BUNDLING || run->kpi_start[kpi] == run->kpi_start[kpi + 1])
        return -1;
    return run->values[run->kpi_start[kpi]].campaign;
}

const struct snap_run *view_run_of_period(const struct snap *s, int kpi, int branch,
                                          const char *dim, const char *period)
{
    for (size_t i = s->nruns; i-- > 0;) {
        const struct snap_value *v = snap_find(s->runs[i], (enum snap_kpi)kpi, branch, dim, -1);
        const char *p = v ? snap_str(v->period) : NULL;
        if (p && strcmp(p, period) == 0)
            return s->runs[i];
    }
    return NULL;
}

bool view_month_run(const struct snap *s, int kpi, int branch, const char *dim, char month[8],
                    const struct snap_run **run, struct view_error *err)
{
    const struct snap_run *latest = snap_latest(s);
    const struct snap_value *v =
        latest ? snap_find(latest, (enum snap_kpi)kpi, branch, dim, -1) : NULL;
    if (!*month && v && snap_str(v->period))
        snprintf(month, 8, "%s", snap_str(v->period));
    *run = *month ? view_run_of_period(s, kpi, branch, dim, month) : NULL;
    if (*run)
        return true;
    return view_fail(err, 404, "no_data", *month ? "month" : NULL, "no %s figures%s%s",
                     snap_kpi_name((enum snap_kpi)kpi), *month ? " for " : "", month);
}

/* ---- the API's views --------------------------------------------------------------------- */

static const char *const kind_names[VIEW_NKINDS] = {
    "branches",     "kpis",  "trend",        "ranking", "alarms",
    "satisfaction", "zones", "data-quality", "grid",    "runs"};

int view_kind_parse(const char *name)
{
    for (int k = 0; k < VIEW_NKINDS; k++)
        if (name && strcmp(kind_names[k], name) == 0)
            return k;
    return -1;
}

bool view_validate(enum view_kind kind, const struct snap *s, const struct view_params *p,
                   struct view_error *err)
{
    switch (kind) {
    case VIEW_BRANCHES:
        return view_branches_check(s, p, err);
    case VIEW_KPIS:
        return view_kpis_check(s, p, err);
    case VIEW_TREND:
        return view_trend_check(s, p, err);
    case VIEW_RANKING:
        return view_ranking_check(s, p, err);
    case VIEW_ALARMS:
        return view_alarms_check(s, p, err);
    case VIEW_SATISFACTION:
        return view_satisfaction_check(s, p, err);
    case VIEW_ZONES:
        return view_zones_check(s, p, err);
    case VIEW_DATA_QUALITY:
        return view_quality_check(s, p, err);
    case VIEW_GRID:
        return view_grid_check(s, p, err);
    case VIEW_RUNS:
        return view_runs_check(s, p, err);
    case VIEW_BULLETIN:
        return view_bulletin_check(s, p, err);
    case VIEW_NKINDS:
        break;
    }
    return view_fail(err, 500, "internal", NULL, "no such view");
}

bool view_json(enum view_kind kind, const struct snap *s, const struct view_params *p, json_t **out,
               bool *complete, struct view_error *err)
{
    bool ok = false;
    *out = NULL;
    *complete = true;
    switch (kind) {
    case VIEW_BRANCHES:
        if (!view_branches_check(s, p, err))
            return false;
        *out = view_branches_json(s, p);
        return true;
    case VIEW_KPIS: {
        struct view_kpis v;
        if ((ok = view_kpis_build(s, p, &v, err)))
            *out = view_kpis_json(&v);
        view_kpis_free(&v);
        return ok;
    }
    case VIEW_TREND: {
        struct view_trend v;
        if ((ok = view_trend_build(s, p, &v, err)))
            *out = view_trend_json(&v);
        view_trend_free(&v);
        return ok;
    }
    case VIEW_RANKING: {
        struct view_ranking v;
        if ((ok = view_ranking_build(s, p, &v, err)))
            *out = view_ranking_json(&v);
        view_ranking_free(&v);
        return ok;
    }
    case VIEW_ALARMS: {
        struct view_alarms v;
        if ((ok = view_alarms_build(s, p, &v, err)))
            *out = view_alarms_json(&v);
        view_alarms_free(&v);
        return ok;
    }
    case VIEW_SATISFACTION: {
        struct view_satisfaction v;
        if ((ok = view_satisfaction_build(s, p, &v, err)))
            *out = view_satisfaction_json(&v);
        view_satisfaction_free(&v);
        return ok;
    }
    case VIEW_ZONES: {
        struct view_zones v;
        if ((ok = view_zones_build(s, p, &v, err))) {
            *out = view_zones_json(&v);
            *complete = v.moves_known;
        }
        view_zones_free(&v);
        return ok;
    }
    case VIEW_DATA_QUALITY: {
        struct view_kpis v;
        if ((ok = view_quality_build(s, p, &v, err)))
            *out = view_quality_json(&v);
        view_kpis_free(&v);
        return ok;
    }
    case VIEW_GRID: {
        struct view_grid v;
        if ((ok = view_grid_build(s, p, &v, err)))
            *out = view_grid_json(&v);
        view_grid_free(&v);
        return ok;
    }
    case VIEW_RUNS:
        return view_runs_json(s, p, out, err);
    case VIEW_BULLETIN: {
        struct view_bulletin v;
        if ((ok = view_bulletin_build(s, p, &v, err)))
            *out = view_bulletin_json(&v);
        view_bulletin_free(&v);
        return ok;
    }
    case VIEW_NKINDS:
        break;
    }
    return view_fail(err, 500, "internal", NULL, "no such view");
}
