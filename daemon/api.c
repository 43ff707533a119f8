#include "api.h"

#include "cli.h"
#include "log.h"
#include "mem.h"
#include "plot.h"
#include "sql_embed.h"
#include "version.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* One API request being answered: the snapshot it reads, and the error to
 * send when rendering fails. */
struct q {
    struct api *api; /* NULL outside the daemon (retentiond chart) */
    struct http_request *req;
    const char *const *args; /* name, value, ..., NULL: the parameters when req is NULL */
    struct snap *snap;
    struct api_error err; /* why render_fn returned false */
    bool no_cache;        /* the body has a part the database could not give */
};

typedef bool (*render_fn)(struct q *q, json_t **out);

/* ---- parameters ------------------------------------------------------------ */

static const char *q_arg(struct q *q, const char *name)
{
    if (q->req)
        return http_arg(q->req, name);
    for (const char *const *a = q->args; a && a[0]; a += 2)
        if (strcmp(a[0], name) == 0)
            return a[1];
    return NULL;
}

/* An optional date parameter; out = "" when absent. */
static bool param_date(struct q *q, const char *name, char out[11])
{
    const char *v = q_arg(q, name);
    out[0] = '\0';
    if (!v)
        return true;
    if (!cli_valid_date(v))
        return api_fail(&q->err, 400, "invalid_date", name, "%s must be a date YYYY-MM-DD", name);
    memcpy(out, v, 11);
    return true;
}

/* An optional month parameter YYYY-MM; out = "" when absent. */
static bool param_month(struct q *q, const char *name, char out[8])
{
    const char *v = q_arg(q, name);
    char day[11];
    out[0] = '\0';
    if (!v)
        return true;
    snprintf(day, sizeof day, "%.7s-01", v);
    if (strlen(v) != 7 || !cli_valid_date(day))
        return api_fail(&q->err, 400, "invalid_month", name, "%s must be a month YYYY-MM", name);
    memcpy(out, v, 8);
    return true;
}

/* A branch code; the province root when absent. */
static bool param_branch(struct q *q, const char *name, int *out)
{
    const char *v = q_arg(q, name);
    *out = v ? snap_branch_find(q->snap, v) : snap_branch_root(q->snap);
    if (*out >= 0)
        return true;
    if (!v)
        return api_fail(&q->err, 404, "no_branches", name, "the warehouse has no province branch");
    return api_fail(&q->err, 400, "unknown_branch", name, "no branch with code '%.60s'", v);
}

static bool param_kpi(struct q *q, const char *name, bool required, int *out)
{
    const char *v = q_arg(q, name);
    *out = -1;
    if (!v && !required)
        return true;
    if (!v)
        return api_fail(&q->err, 400, "missing_parameter", name, "%s is required", name);
    *out = snap_kpi_parse(v);
    if (*out < 0)
        return api_fail(&q->err, 400, "unknown_kpi", name, "no KPI named '%.60s'", v);
    return true;
}

/* An optional positive integer; -1 when absent. */
static bool param_int(struct q *q, const char *name, int *out)
{
    const char *v = q_arg(q, name);
    char *end = NULL;
    *out = -1;
    if (!v)
        return true;
    long n = strtol(v, &end, 10);
    if (end == v || *end || n < 0 || n > 1000000000)
        return api_fail(&q->err, 400, "invalid_parameter", name,
                        "%s must be a non-negative integer", name);
    *out = (int)n;
    return true;
}

/* The run of `date` ("" = the newest). */
static bool pick_run(struct q *q, const char *date, const struct snap_run **out)
{
    *out = *date ? snap_run_on(q->snap, date) : snap_latest(q->snap);
    if (*out)
        return true;
    if (*date)
        return api_fail(&q->err, 404, "no_run", "date", "no compute run for %s", date);
    return api_fail(&q->err, 404, "no_run", NULL, "no compute run yet");
}

/* ---- small JSON helpers ---------------------------------------------------- */

/* value, numerator, denominator, status, targets, path and previous status
 * of v into obj. */
static void put_figures(json_t *obj, const struct snap_value *v)
{
    json_object_set_new(obj, "value", snap_field_json(v, SNAP_VALUE));
    json_object_set_new(obj, "numerator", snap_field_json(v, SNAP_NUM));
    json_object_set_new(obj, "denominator", snap_field_json(v, SNAP_DEN));
    json_object_set_new(obj, "status", snap_text_json(v ? snap_status_name(v->status) : NULL));
    json_object_set_new(obj, "target_base", snap_field_json(v, SNAP_BASE));
    json_object_set_new(obj, "target_challenge", snap_field_json(v, SNAP_CHALLENGE));
    json_object_set_new(obj, "path_base", snap_field_json(v, SNAP_PATH_BASE));
    json_object_set_new(obj, "path_challenge", snap_field_json(v, SNAP_PATH_CHALLENGE));
    json_object_set_new(obj, "previous_status",
                        snap_text_json(v ? snap_status_name(v->previous) : NULL));
}

static json_t *dq_json(const struct snap_run *run)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < run->ndq; i++)
        json_array_append_new(arr, json_pack("{s:s, s:I}", "rule", snap_str(run->dq[i].rule),
                                             "rows", (json_int_t)run->dq[i].rows));
    return arr;
}

static const char *period_of(const struct snap_value *v, const struct snap_run *run, char buf[8])
{
    const char *p = snap_str(v->period);
    if (p && strlen(p) == 7) /* a month; K1's period is its cohort year */
        return p;
    snprintf(buf, 8, "%.7s", run->as_of);
    return buf;
}

/* ---- /api/v1/branches ---------------------------------------------------------- */

static json_t *branch_node(const struct snap *s, int b, int depth)
{
    const struct snap_branch *br = &s->branches[b];
    json_t *children = json_array();
    for (int i = 0; depth < 16 && i < br->nchildren; i++)
        json_array_append_new(children, branch_node(s, br->children[i], depth + 1));
    return json_pack("{s:s, s:s, s:i, s:o}", "code", br->code, "name", br->name, "level", br->level,
                     "children", children);
}

static bool render_branches(struct q *q, json_t **out)
{
    json_t *roots = json_array();
    for (size_t i = 0; i < q->snap->nbranches; i++)
        if (q->snap->branches[i].parent < 0)
            json_array_append_new(roots, branch_node(q->snap, (int)i, 0));
    *out = json_pack("{s:o}", "branches", roots);
    return true;
}

/* ---- /api/v1/kpis ------------------------------------------------------------------ */

static bool render_kpis(struct q *q, json_t **out)
{
    char date[11];
    int kpi = -1, branch = -1;
    const struct snap_run *run;
    if (!param_date(q, "date", date) || !param_kpi(q, "kpi", false, &kpi) ||
        (q_arg(q, "branch") && !param_branch(q, "branch", &branch)) || !pick_run(q, date, &run))
        return false;
    json_t *values = json_array();
    size_t from = kpi < 0 ? 0 : run->kpi_start[kpi],
           to = kpi < 0 ? run->nvalues : run->kpi_start[kpi + 1];
    for (size_t i = from; i < to; i++)
        if (branch < 0 || run->values[i].branch == branch)
            json_array_append_new(values, snap_value_json(q->snap, &run->values[i]));
    *out = json_pack("{s:s, s:I, s:o, s:o}", "as_of", run->as_of, "run_id", (json_int_t)run->run_id,
                     "values", values, "data_quality", dq_json(run));
    return true;
}

/* ---- /api/v1/trend ------------------------------------------------------------------- */

struct trend_args {
    int kpi, branch, campaign;
    const char *dim;
    char from[11], to[11];
};

static json_t *trend_point(const struct snap_run *run, const struct snap_value *v,
                           const char *period)
{
    json_t *p = json_object();
    json_object_set_new(p, "date", json_string(run->as_of));
    if (period)
        json_object_set_new(p, "period", json_string(period));
    put_figures(p, v);
    return p;
}

static bool in_range(const struct trend_args *a, const char *date)
{
    return (!*a->from || strcmp(date, a->from) >= 0) && (!*a->to || strcmp(date, a->to) <= 0);
}

/* Daily: one point per run. */
static json_t *daily_series(const struct snap *s, const struct trend_args *a, int campaign)
{
    json_t *points = json_array();
    for (size_t i = 0; i < s->nruns; i++) {
        const struct snap_value *v =
            snap_find(s->runs[i], (enum snap_kpi)a->kpi, a->branch, a->dim, campaign);
        if (v && in_range(a, s->runs[i]->as_of))
            json_array_append_new(points, trend_point(s->runs[i], v, NULL));
    }
    return points;
}

/* Monthly: per period (the value's own, else the as-of month), the newest
 * run's value. */
static json_t *monthly_series(const struct snap *s, const struct trend_args *a)
{
    json_t *points = json_array();
    char last[8] = "";
    for (size_t i = 0; i < s->nruns; i++) {
        const struct snap_run *run = s->runs[i];
        const struct snap_value *v = snap_find(run, (enum snap_kpi)a->kpi, a->branch, a->dim, -1);
        char buf[8];
        if (!v || !in_range(a, run->as_of))
            continue;
        const char *period = period_of(v, run, buf);
        size_t n = json_array_size(points);
        if (n && strcmp(last, period) == 0)
            json_array_remove(points, n - 1);
        if (n && strcmp(last, period) > 0)
            continue; /* an older period seen late: keep the order */
        snprintf(last, sizeof last, "%s", period);
        json_array_append_new(points, trend_point(run, v, period));
    }
    return points;
}

static bool render_trend(struct q *q, json_t **out)
{
    struct trend_args a = {.dim = q_arg(q, "dim")};
    if (!param_kpi(q, "kpi", true, &a.kpi) || !param_branch(q, "branch", &a.branch) ||
        !param_int(q, "campaign", &a.campaign) || !param_date(q, "from", a.from) ||
        !param_date(q, "to", a.to))
        return false;
    if (*a.from && *a.to && strcmp(a.from, a.to) > 0)
        return api_fail(&q->err, 400, "invalid_range", "from", "from is after to");
    bool daily = a.kpi == SNAP_BUNDLING;
    json_t *series = json_array();
    if (!daily) {
        json_array_append_new(series, json_pack("{s:o, s:o}", "campaign", json_null(), "points",
                                                monthly_series(q->snap, &a)));
    } else {
        for (size_t c = 0; c < q->snap->ncampaigns; c++) {
            int id = q->snap->campaigns[c].id;
            if (a.campaign < 0 || a.campaign == id)
                json_array_append_new(series, json_pack("{s:i, s:s, s:o}", "campaign", id, "name",
                                                        q->snap->campaigns[c].name, "points",
                                                        daily_series(q->snap, &a, id)));
        }
    }
    *out = json_pack("{s:s, s:s, s:o, s:s, s:o}", "kpi", snap_kpi_name((enum snap_kpi)a.kpi),
                     "branch", q->snap->branches[a.branch].code, "dim", snap_text_json(a.dim),
                     "granularity", daily ? "daily" : "monthly", "series", series);
    return true;
}

/* ---- /api/v1/ranking ---------------------------------------------------------------- */

struct ranked {
    int branch;
    const struct snap_value *v;
    int rank;
};

static int cmp_ranked(const void *x, const void *y)
{
    const struct ranked *a = x, *b = y;
    double va = a->v->f[SNAP_VALUE], vb = b->v->f[SNAP_VALUE];
    if (va != vb)
        return va < vb ? 1 : -1;
    return a->branch - b->branch; /* branches are sorted by code */
}

/* The children of parent with a value, ranked (ties share a rank). */
static size_t rank_children(const struct snap *s, const struct snap_run *run, int kpi, int parent,
                            const char *dim, int campaign, struct ranked *out)
{
    const struct snap_branch *p = &s->branches[parent];
    size_t n = 0;
    for (int i = 0; run && i < p->nchildren; i++) {
        const struct snap_value *v =
            snap_find(run, (enum snap_kpi)kpi, p->children[i], dim, campaign);
        if (v && !isnan(v->f[SNAP_VALUE]))
            out[n++] = (struct ranked){.branch = p->children[i], .v = v};
    }
    qsort(out, n, sizeof *out, cmp_ranked);
    for (size_t i = 0; i < n; i++)
        out[i].rank = i > 0 && out[i].v->f[SNAP_VALUE] == out[i - 1].v->f[SNAP_VALUE]
                          ? out[i - 1].rank
                          : (int)i + 1;
    return n;
}

static const char *default_dim(const struct snap *s, int kpi)
{
    if (kpi != SNAP_SATISFACTION && kpi != SNAP_SATISFACTION_GOTONE)
        return NULL;
    for (size_t i = 0; i < s->nindicators; i++)
        if (s->indicators[i].parent < 0)
            return s->indicators[i].code;
    return NULL;
}

static int default_campaign(const struct snap_run *run, int kpi)
{
    if (kpi != SNAP_BUNDLING || run->kpi_start[kpi] == run->kpi_start[kpi + 1])
        return -1;
    return run->values[run->kpi_start[kpi]].campaign;
}

static json_t *ranking_entry(const struct snap *s, const struct ranked *r,
                             const struct ranked *prev, size_t nprev, bool bottom)
{
    json_t *e = json_pack("{s:i, s:s, s:s}", "rank", r->rank, "branch", s->branches[r->branch].code,
                          "name", s->branches[r->branch].name);
    put_figures(e, r->v);
    int previous = -1;
    for (size_t i = 0; i < nprev; i++)
        if (prev[i].branch == r->branch)
            previous = prev[i].rank;
    json_object_set_new(e, "previous_rank", previous < 0 ? json_null() : json_integer(previous));
    json_object_set_new(e, "rank_change",
                        previous < 0 ? json_null() : json_integer(previous - r->rank));
    json_object_set_new(e, "bottom", json_boolean(bottom));
    return e;
}

static bool render_ranking(struct q *q, json_t **out)
{
    char date[11];
    int kpi, parent, campaign;
    const struct snap_run *run;
    if (!param_kpi(q, "kpi", true, &kpi) || !param_date(q, "date", date) ||
        !param_branch(q, "parent", &parent) || !param_int(q, "campaign", &campaign) ||
        !pick_run(q, date, &run))
        return false;
    if (kpi == SNAP_ZONES)
        return api_fail(&q->err, 400, "invalid_parameter", "kpi",
                        "zone_count is a count, not a rate: rank a rate or a score");
    const char *dim = q_arg(q, "dim") ? q_arg(q, "dim") : default_dim(q->snap, kpi);
    if (campaign < 0)
        campaign = default_campaign(run, kpi);
    const struct snap_run *prev = kpi == SNAP_BUNDLING
                                      ? snap_run_previous_day(q->snap, run->as_of)
                                      : snap_run_previous_month(q->snap, run->as_of);
    size_t cap = (size_t)q->snap->branches[parent].nchildren + 1;
    struct ranked *now = xcalloc(cap, sizeof *now), *before = xcalloc(cap, sizeof *before);
    size_t n = rank_children(q->snap, run, kpi, parent, dim, campaign, now);
    size_t nprev = rank_children(q->snap, prev, kpi, parent, dim, campaign, before);
    size_t bottom_n = q->api ? (size_t)atomic_load(&q->api->bottom_n) : API_BOTTOM_N;
    json_t *entries = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(entries,
                              ranking_entry(q->snap, &now[i], before, nprev, i + bottom_n >= n));
    free(now);
    free(before);
    *out =
        json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:o}", "kpi", snap_kpi_name((enum snap_kpi)kpi),
                  "parent", q->snap->branches[parent].code, "dim", snap_text_json(dim), "campaign",
                  campaign < 0 ? json_null() : json_integer(campaign), "date", run->as_of,
                  "previous_date", snap_text_json(prev ? prev->as_of : NULL), "entries", entries);
    return true;
}

/* ---- /api/v1/alarms ----------------------------------------------------------------------- */

static json_t *alarm_json(const struct snap *s, const struct snap_value *v)
{
    json_t *a = snap_value_json(s, v);
    json_t *reasons = json_array();
    const char *r = snap_str(v->reason);
    while (r && *r) {
        size_t len = strcspn(r, ",");
        json_array_append_new(reasons, json_stringn(r, len));
        r += len + (r[len] == ',');
    }
    json_object_set_new(a, "name", json_string(s->branches[v->branch].name));
    json_object_set_new(a, "reasons", reasons);
    return a;
}

/* The lists of the alarms view: red and excellent values (the alarms), and
 * the transitions against the previous period (previous_status). */
enum alarm_list { AL_RED, AL_EXCELLENT, AL_TURNED_RED, AL_RECOVERED, AL_COUNT };

static bool alarm_in(const struct snap_value *v, enum alarm_list l)
{
    switch (l) {
    case AL_RED:
        return v->status == SNAP_STATUS_RED;
    case AL_EXCELLENT:
        return v->status == SNAP_STATUS_EXCELLENT;
    case AL_TURNED_RED:
        return v->status == SNAP_STATUS_RED && v->previous != SNAP_STATUS_NONE &&
               v->previous != SNAP_STATUS_RED;
    case AL_RECOVERED:
        return v->previous == SNAP_STATUS_RED &&
               (v->status == SNAP_STATUS_GREEN || v->status == SNAP_STATUS_EXCELLENT);
    case AL_COUNT:
        break;
    }
    return false;
}

static bool render_alarms(struct q *q, json_t **out)
{
    static const char *const names[AL_COUNT] = {"red", "excellent", "turned_red", "recovered"};
    char date[11];
    int branch, counts[AL_COUNT] = {0};
    json_t *lists[AL_COUNT];
    const struct snap_run *run;
    if (!param_date(q, "date", date) || !param_branch(q, "branch", &branch) ||
        !pick_run(q, date, &run))
        return false;
    lists[AL_RED] = lists[AL_EXCELLENT] = json_array(); /* the alarms: red first */
    lists[AL_TURNED_RED] = json_array();
    lists[AL_RECOVERED] = json_array();
    for (int l = 0; l < AL_COUNT; l++)
        for (size_t i = 0; i < run->nvalues; i++) {
            const struct snap_value *v = &run->values[i];
            if (alarm_in(v, (enum alarm_list)l) && snap_branch_within(q->snap, v->branch, branch)) {
                json_array_append_new(lists[l], alarm_json(q->snap, v));
                counts[l]++;
            }
        }
    json_t *count = json_object();
    for (int l = 0; l < AL_COUNT; l++)
        json_object_set_new(count, names[l], json_integer(counts[l]));
    *out = json_pack("{s:s, s:I, s:s, s:o, s:o, s:o, s:o}", "as_of", run->as_of, "run_id",
                     (json_int_t)run->run_id, "branch", q->snap->branches[branch].code, "counts",
                     count, "alarms", lists[AL_RED], "turned_red", lists[AL_TURNED_RED],
                     "recovered", lists[AL_RECOVERED]);
    return true;
}

/* ---- /api/v1/satisfaction ------------------------------------------------------------------- */

/* The newest run whose `kpi` values for `branch` are of `period`. */
static const struct snap_run *run_of_period(const struct snap *s, int kpi, int branch,
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

/* The run carrying the figures of `kpi` for (branch, dim) of `month`
 * ("" = the newest month, filled in); a 404 naming month when none. */
static bool month_run(struct q *q, int kpi, int branch, const char *dim, char month[8],
                      const struct snap_run **run)
{
    const struct snap_run *latest = snap_latest(q->snap);
    const struct snap_value *v =
        latest ? snap_find(latest, (enum snap_kpi)kpi, branch, dim, -1) : NULL;
    if (!*month && v && snap_str(v->period))
        snprintf(month, 8, "%s", snap_str(v->period));
    *run = *month ? run_of_period(q->snap, kpi, branch, dim, month) : NULL;
    if (*run)
        return true;
    return api_fail(&q->err, 404, "no_data", *month ? "month" : NULL, "no %s figures%s%s",
                    snap_kpi_name((enum snap_kpi)kpi), *month ? " for " : "", month);
}

struct panorama {
    const struct snap *s;
    const struct snap_run *run, *prev;
    int kpi, branch;
    double arrow_change; /* relative change that earns an arrow */
};

/* "up" or "down" when value moved by at least `threshold` (relative) from
 * `from`, else null (also when either is missing). */
static json_t *arrow_json(double value, double from, double threshold)
{
    if (!isfinite(value) || !isfinite(from) || from == 0)
        return json_null();
    double rel = (value - from) / fabs(from);
    if (fabs(rel) < threshold - 1e-9)
        return json_null();
    return json_string(rel > 0 ? "up" : "down");
}

/* The source's panorama rule (domain.md, K4): warns when below last month
 * or below target; excellent when above both; otherwise (and without a
 * value) no flag. */
static json_t *flag_json(double value, double last, double target)
{
    if (!isfinite(value))
        return json_null();
    if ((isfinite(last) && value < last) || (isfinite(target) && value < target))
        return json_string("warn");
    if (isfinite(last) && isfinite(target) && value > last && value > target)
        return json_string("excellent");
    return json_null();
}

static json_t *indicator_node(const struct panorama *p, int ind, int depth)
{
    const struct snap_indicator *in = &p->s->indicators[ind];
    const struct snap_value *v = snap_find(p->run, (enum snap_kpi)p->kpi, p->branch, in->code, -1);
    const struct snap_value *last =
        p->prev ? snap_find(p->prev, (enum snap_kpi)p->kpi, p->branch, in->code, -1) : NULL;
    double value = v ? v->f[SNAP_VALUE] : NAN, before = last ? last->f[SNAP_VALUE] : NAN;
    double target = v ? v->f[SNAP_BASE] : NAN;
    json_t *node =
        json_pack("{s:s, s:s, s:f}", "code", in->code, "name", in->name, "weight", in->weight);
    put_figures(node, v);
    bool both = isfinite(value) && isfinite(before);
    json_object_set_new(node, "last_month", snap_field_json(last, SNAP_VALUE));
    json_object_set_new(node, "change",
                        both ? json_real(round((value - before) * 100) / 100) : json_null());
    json_object_set_new(node, "arrow", arrow_json(value, before, p->arrow_change));
    json_object_set_new(node, "target_arrow", arrow_json(value, target, p->arrow_change));
    json_object_set_new(node, "flag", flag_json(value, before, target));
    json_object_set_new(node, "partial", json_boolean(v && v->partial));
    json_t *children = json_array();
    for (size_t i = 0; depth < 16 && i < p->s->nindicators; i++)
        if (p->s->indicators[i].parent == ind)
            json_array_append_new(children, indicator_node(p, (int)i, depth + 1));
    json_object_set_new(node, "children", children);
    return node;
}

static bool render_satisfaction(struct q *q, json_t **out)
{
    char month[8], before[8];
    int kpi;
    struct panorama p = {
        .s = q->snap,
        .arrow_change = (q->api ? atomic_load(&q->api->arrow_percent) : API_ARROW_PERCENT) / 100.0};
    if (!param_branch(q, "branch", &p.branch) || !param_month(q, "month", month) ||
        !param_kpi(q, "kpi", false, &kpi))
        return false;
    p.kpi = kpi < 0 ? SNAP_SATISFACTION : kpi;
    if (p.kpi != SNAP_SATISFACTION && p.kpi != SNAP_SATISFACTION_GOTONE)
        return api_fail(&q->err, 400, "invalid_parameter", "kpi",
                        "satisfaction or satisfaction_gotone");
    const char *root = default_dim(q->snap, p.kpi);
    if (!month_run(q, p.kpi, p.branch, root, month, &p.run))
        return false;
    snap_month_before(month, before);
    p.prev = run_of_period(q->snap, p.kpi, p.branch, root, before);
    json_t *tree = json_array();
    for (size_t i = 0; i < q->snap->nindicators; i++)
        if (q->snap->indicators[i].parent < 0)
            json_array_append_new(tree, indicator_node(&p, (int)i, 0));
    *out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "kpi", snap_kpi_name((enum snap_kpi)p.kpi),
                     "branch", q->snap->branches[p.branch].code, "month", month, "previous_month",
                     before, "as_of", p.run->as_of, "indicators", tree);
    return true;
}

/* ---- /api/v1/zones ---------------------------------------------------------------------- */

static const char *const zone_names[] = {"white", "red", "yellow", "blue", "green"};

/* Seconds a client is told to wait (Retry-After) when every pooled
 * connection stayed busy. */
#define API_RETRY_AFTER 1

/* The error body, and Retry-After when the error says when to retry. */
static void reply_error(struct http_reply *reply, const struct api_error *err)
{
    http_reply_error(reply, err->status, err->code, err->message, err->param);
    if (err->retry_after)
        http_reply_header(reply, "Retry-After", "%u", err->retry_after);
}

/* Runs one query on a pooled connection. A database failure is counted as
 * such; every connection busy past the wait deadline fails q with 503
 * database_busy (and Retry-After), counted apart. */
static enum pool_status api_query(struct q *q, const char *sql, int n, const char *const *params,
                                  struct db_result **res)
{
    if (!q->api)
        return POOL_ERROR;
    enum pool_status st = pool_query(q->api->pool, sql, n, params, res);
    if (st == POOL_ERROR)
        metrics_db_error(q->api->metrics);
    if (st == POOL_BUSY) {
        metrics_db_busy(q->api->metrics);
        api_fail(&q->err, 503, "database_busy", NULL,
                 "every database connection is busy: retry in %d s", API_RETRY_AFTER);
        q->err.retry_after = API_RETRY_AFTER;
    }
    return st;
}

/* Member moves between the zones of M-1 and M, from the database: null
 * when the database fails; NULL (q->err set) when it is busy. */
static json_t *zone_moves(struct q *q, const struct snap_run *run, int branch, const char *month)
{
    char id[32], first[11];
    struct db_result *res = NULL;
    snprintf(id, sizeof id, "%lld", run->run_id);
    snprintf(first, sizeof first, "%s-01", month);
    const char *params[] = {id, first, q->snap->branches[branch].code, "moves", NULL};
    enum pool_status st = api_query(q, sql_embed_get("api/zone_members.sql"), 5, params, &res);
    if (st == POOL_BUSY)
        return NULL;
    if (st != POOL_OK) {
        q->no_cache = true;
        return json_null();
    }
    json_t *moves = json_array();
    for (int i = 0; i < db_rows(res); i++)
        json_array_append_new(moves, json_pack("{s:s, s:s, s:I}", "from", db_value(res, i, 0), "to",
                                               db_value(res, i, 1), "members",
                                               (json_int_t)atoll(db_value(res, i, 2))));
    db_result_free(res);
    return moves;
}

static bool render_zones(struct q *q, json_t **out)
{
    char month[8], before[8];
    int branch;
    const struct snap_run *run;
    if (!param_branch(q, "branch", &branch) || !param_month(q, "month", month) ||
        !month_run(q, SNAP_ZONES, branch, "white", month, &run))
        return false;
    json_t *moves = zone_moves(q, run, branch, month);
    if (!moves)
        return false;
    snap_month_before(month, before);
    const struct snap_run *prev = run_of_period(q->snap, SNAP_ZONES, branch, "white", before);
    json_t *zones = json_array();
    for (size_t z = 0; z < 5; z++) {
        const struct snap_value *v = snap_find(run, SNAP_ZONES, branch, zone_names[z], -1);
        const struct snap_value *pv =
            prev ? snap_find(prev, SNAP_ZONES, branch, zone_names[z], -1) : NULL;
        json_t *change = v && pv ? json_integer((json_int_t)(v->f[SNAP_VALUE] - pv->f[SNAP_VALUE]))
                                 : json_null();
        json_array_append_new(zones, json_pack("{s:s, s:o, s:o, s:o}", "zone", zone_names[z],
                                               "count", snap_field_json(v, SNAP_VALUE), "previous",
                                               snap_field_json(pv, SNAP_VALUE), "change", change));
    }
    *out = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "branch", q->snap->branches[branch].code,
                     "month", month, "previous_month", before, "as_of", run->as_of, "zones", zones,
                     "moves", moves);
    return true;
}

/* ---- /api/v1/zones/customers (CSV) ---------------------------------------------------------- */

/* The zone parameter as a PostgreSQL text[] literal; by default the at-risk zones. */
static bool param_zone(struct q *q, const char **zones)
{
    static const char *const one[] = {"{white}", "{red}", "{yellow}", "{blue}", "{green}"};
    const char *v = q_arg(q, "zone");
    if (!v) {
        *zones = "{white,red,yellow}";
        return true;
    }
    for (size_t z = 0; z < 5; z++)
        if (strcmp(v, zone_names[z]) == 0) {
            *zones = one[z];
            return true;
        }
    return api_fail(&q->err, 400, "invalid_parameter", "zone",
                    "zone is white, red, yellow, blue or green");
}

static bool customers_csv(struct q *q, struct buf *out)
{
    char month[8], id[32], first[11];
    int branch;
    const char *zones = NULL;
    const struct snap_run *run;
    struct db_result *res = NULL;
    if (!param_branch(q, "branch", &branch) || !param_zone(q, &zones) ||
        !param_month(q, "month", month) || !month_run(q, SNAP_ZONES, branch, "white", month, &run))
        return false;
    snprintf(id, sizeof id, "%lld", run->run_id);
    snprintf(first, sizeof first, "%s-01", month);
    const char *params[] = {id, first, q->snap->branches[branch].code, "list", zones};
    enum pool_status st = api_query(q, sql_embed_get("api/zone_members.sql"), 5, params, &res);
    if (st == POOL_BUSY)
        return false; /* q->err is set */
    if (st != POOL_OK)
        return api_fail(&q->err, 503, "database_unavailable", NULL,
                        "the at-risk list is read from the database, which does not answer");
    buf_puts(out, "sub_id,branch,zone,bill_prev,minutes_prev,bill,minutes\n");
    for (int i = 0; i < db_rows(res); i++)
        for (int c = 0; c < 7; c++)
            buf_printf(out, "%s%c", db_value(res, i, c), c == 6 ? '\n' : ',');
    db_result_free(res);
    return true;
}

static const char *const p_customers[] = {"branch", "zone", "month", NULL};

static void h_zone_customers(struct http_request *req, struct http_reply *reply, void *ctx)
{
    struct api *api = ctx;
    struct refresh_status st;
    struct q q = {.api = api, .req = req, .snap = refresh_acquire(api->refresh, &st)};
    if (!q.snap) {
        http_reply_error(reply, 503, "no_snapshot", "no snapshot yet", NULL);
        return;
    }
    if (!customers_csv(&q, &reply->body)) {
        reply_error(reply, &q.err);
    } else {
        reply->content_type = "text/csv; charset=utf-8";
        http_reply_header(reply, "Content-Disposition", "attachment; filename=\"at-risk.csv\"");
    }
    snap_unref(q.snap);
}

/* ---- /api/v1/data-quality ----------------------------------------------------------------- */

static bool render_data_quality(struct q *q, json_t **out)
{
    char date[11];
    const struct snap_run *run;
    if (!param_date(q, "date", date) || !pick_run(q, date, &run))
        return false;
    *out = json_pack("{s:s, s:I, s:o}", "as_of", run->as_of, "run_id", (json_int_t)run->run_id,
                     "data_quality", dq_json(run));
    return true;
}

/* ---- views for other modules (charts, retentiond chart) ---------------------------------- */

static const struct {
    const char *name;
    render_fn render;
} views[] = {
    {"branches", render_branches}, {"kpis", render_kpis},
    {"trend", render_trend},       {"ranking", render_ranking},
    {"alarms", render_alarms},     {"satisfaction", render_satisfaction},
    {"zones", render_zones},       {"data-quality", render_data_quality},
};

bool api_fail(struct api_error *err, unsigned status, const char *code, const char *param,
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

bool api_view(struct api *api, struct snap *s, const char *name, const char *const *args,
              json_t **out, struct api_error *err)
{
    struct q q = {.api = api, .args = args, .snap = s};
    *out = NULL;
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
        if (strcmp(views[i].name, name) != 0)
            continue;
        if (views[i].render(&q, out))
            return true;
        *err = q.err;
        return false;
    }
    *err = (struct api_error){.status = 500, .code = "internal"};
    snprintf(err->message, sizeof err->message, "no view named '%s'", name);
    return false;
}

/* ---- the common path: snapshot, cache, ETag, stale ------------------------------------------ */

static void release_body(void *body)
{
    cache_body_unref(body);
}

/* The cache key: the route and its parameters in the route's order. */
static void cache_key(struct http_request *req, const char *path, const char *const *params,
                      struct buf *key)
{
    buf_puts(key, path);
    for (const char *const *p = params; *p; p++) {
        const char *v = http_arg(req, *p);
        if (v)
            buf_printf(key, "\x1f%s=%s", *p, v);
    }
}

/* A body that depends on nothing but snapshot s (cached or not, when the
 * budget had no room) is tagged with the snapshot. */
static void reply_etag(struct http_reply *reply, const struct snap *s)
{
    snprintf(reply->etag, sizeof reply->etag, "%s", s->id);
}

/* Sends a cached body of snapshot s; the reply takes over the reference
 * to body and drops it once sent (the snapshot may be gone by then). */
static void reply_cached(struct http_reply *reply, const struct snap *s, struct cache_body *body)
{
    reply->shared = cache_body_data(body);
    reply->shared_len = cache_body_len(body);
    reply->release = release_body;
    reply->release_ctx = body;
    reply_etag(reply, s);
}

static void serve_json(struct http_request *req, struct http_reply *reply, struct api *api,
                       const char *const *params, render_fn render)
{
    struct refresh_status st;
    struct snap *s = refresh_acquire(api->refresh, &st);
    struct buf key = BUF_INIT;
    if (!s) {
        http_reply_error(reply, 503, "no_snapshot",
                         "no snapshot yet: the database has not answered", NULL);
        return;
    }
    http_reply_header(reply, "X-Snapshot-Age", "%.0f", st.age);
    cache_key(req, http_path(req), params, &key);
    struct cache_body *hit = st.stale ? NULL : snap_cache_get(s, key.data);
    if (hit) {
        reply_cached(reply, s, hit);
        goto done;
    }
    struct q q = {.api = api, .req = req, .snap = s};
    json_t *obj = NULL;
    if (!render(&q, &obj)) {
        reply_error(reply, &q.err);
        goto done;
    }
    json_object_set_new(obj, "stale", json_boolean(st.stale));
    if (st.stale)
        json_object_set_new(obj, "snapshot_age", json_integer((json_int_t)st.age));
    char *text = json_dumps(obj, JSON_FLAGS);
    json_decref(obj);
    size_t len = strlen(text);
    bool cacheable = !st.stale && !q.no_cache;
    struct cache_body *cached = cacheable ? snap_cache_put(s, key.data, text, len) : NULL;
    if (cached) {
        reply_cached(reply, s, cached);
    } else {
        buf_append(&reply->body, text, len);
        if (cacheable)
            reply_etag(reply, s);
    }
    free(text);
done:
    buf_release(&key);
    snap_unref(s);
}

/* ---- /charts/{kind}.{png|svg|pdf} ------------------------------------------------------------ */

static void free_chart_ctx(void *ctx)
{
    chart_ctx_free(ctx);
}

/* This thread's render context, made on first use. */
static chart_ctx *thread_chart_ctx(struct api *api)
{
    chart_ctx *ctx = pthread_getspecific(api->chart_ctx);
    char err[200];
    if (ctx)
        return ctx;
    ctx = chart_ctx_new(api->fonts, err, sizeof err);
    if (!ctx)
        log_error("msg=\"chart context failed\" reason=\"%s\"", err);
    else
        pthread_setspecific(api->chart_ctx, ctx);
    return ctx;
}

static const char *const p_chart[] = {"kpi",   "branch", "dim",   "campaign", "date",
                                      "width", "height", "scale", NULL};

/* The request's chart; false with err set when a parameter is wrong. */
static bool chart_request(struct http_request *req, struct plot_request *rq, struct api_error *err)
{
    static const char *const sizes[] = {"width", "height", "scale"};
    *rq = (struct plot_request){0};
    if (!plot_parse_name(http_path(req) + strlen("/charts/"), rq)) {
        *err = (struct api_error){.status = 404, .code = "unknown_chart"};
        snprintf(
            err->message, sizeof err->message,
            "charts are /charts/{trend,ranking,bullet,zones,panorama,sparkline}.{png,svg,pdf}");
        return false;
    }
    rq->kpi = http_arg(req, "kpi");
    rq->branch = http_arg(req, "branch");
    rq->dim = http_arg(req, "dim");
    rq->campaign = http_arg(req, "campaign");
    rq->date = http_arg(req, "date");
    if (rq->date && !cli_valid_date(rq->date)) {
        *err = (struct api_error){.status = 400, .code = "invalid_date", .param = "date"};
        snprintf(err->message, sizeof err->message, "date must be a date YYYY-MM-DD");
        return false;
    }
    for (size_t i = 0; i < 3; i++)
        if (http_arg(req, sizes[i]) && !plot_parse_size(sizes[i], http_arg(req, sizes[i]), rq, err))
            return false;
    return true;
}

static void h_chart(struct http_request *req, struct http_reply *reply, void *ctx)
{
    struct api *api = ctx;
    struct refresh_status st;
    struct api_error err = {0};
    struct plot_request rq;
    struct buf key = BUF_INIT;
    unsigned char *bytes = NULL;
    size_t len = 0;
    struct snap *s = NULL;
    if (!chart_request(req, &rq, &err))
        goto failed;
    s = refresh_acquire(api->refresh, &st);
    if (!s) {
        err = (struct api_error){.status = 503, .code = "no_snapshot"};
        snprintf(err.message, sizeof err.message, "no snapshot yet");
        goto failed;
    }
    reply->content_type = plot_content_type(rq.format);
    http_reply_header(reply, "X-Snapshot-Age", "%.0f", st.age);
    cache_key(req, http_path(req), p_chart, &key);
    struct cache_body *hit = snap_cache_get(s, key.data);
    if (hit) {
        reply_cached(reply, s, hit);
        goto done;
    }
    chart_ctx *cc = thread_chart_ctx(api);
    if (!cc) {
        err = (struct api_error){.status = 500, .code = "chart_failed"};
        snprintf(err.message, sizeof err.message, "no chart context (see the log)");
        goto failed;
    }
    if (!plot_render(cc, (chart_arrows)atomic_load(&api->arrows), api, s, &rq, &bytes, &len, &err))
        goto failed;
    struct cache_body *cached = snap_cache_put(s, key.data, bytes, len);
    if (cached) {
        reply_cached(reply, s, cached);
    } else {
        buf_append(&reply->body, (const char *)bytes, len);
        reply_etag(reply, s);
    }
    goto done;
failed:
    reply_error(reply, &err);
done:
    free(bytes);
    buf_release(&key);
    snap_unref(s);
}

static const char *const p_none[] = {NULL};
static const char *const p_kpis[] = {"date", "branch", "kpi", NULL};
static const char *const p_trend[] = {"kpi", "branch", "dim", "campaign", "from", "to", NULL};
static const char *const p_ranking[] = {"kpi", "date", "parent", "dim", "campaign", NULL};
static const char *const p_alarms[] = {"date", "branch", NULL};
static const char *const p_satisfaction[] = {"branch", "month", "kpi", NULL};
static const char *const p_zones[] = {"branch", "month", NULL};
static const char *const p_date[] = {"date", NULL};

static void h_branches(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_json(req, reply, ctx, p_none, render_branches);
}

static void h_kpis(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_json(req, reply, ctx, p_kpis, render_kpis);
}

static void h_trend(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_json(req, reply, ctx, p_trend, render_trend);
}

static void h_ranking(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_json(req, reply, ctx, p_ranking, render_ranking);
}

static void h_alarms(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_json(req, reply, ctx, p_alarms, render_alarms);
}

static void h_satisfaction(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_json(req, reply, ctx, p_satisfaction, render_satisfaction);
}

static void h_zones(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_json(req, reply, ctx, p_zones, render_zones);
}

static void h_data_quality(struct http_request *req, struct http_reply *reply, void *ctx)
{
    serve_json(req, reply, ctx, p_date, render_data_quality);
}

/* ---- health, readiness, metrics -------------------------------------------------------------- */

static void put_json(struct http_reply *reply, json_t *obj)
{
    char *text = json_dumps(obj, JSON_FLAGS);
    buf_puts(&reply->body, text);
    buf_puts(&reply->body, "\n");
    free(text);
    json_decref(obj);
}

static void h_healthz(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)req;
    (void)ctx;
    put_json(reply, json_pack("{s:s, s:s}", "status", "ok", "version", RETENTIOND_VERSION));
}

static void h_readyz(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)req;
    struct api *api = ctx;
    struct refresh_status st;
    struct snap *s = refresh_acquire(api->refresh, &st);
    int max_age = atomic_load(&api->snapshot_max_age);
    json_t *reasons = json_array();
    if (!st.db_up)
        json_array_append_new(reasons, json_string("database unreachable"));
    if (!s)
        json_array_append_new(reasons, json_string("no snapshot"));
    else if (st.stale)
        json_array_append_new(reasons, json_string("snapshot not confirmed by the database"));
    else if (st.age > max_age)
        json_array_append_new(reasons, json_string("snapshot too old"));
    bool ready = json_array_size(reasons) == 0;
    reply->status = ready ? 200 : 503;
    put_json(reply, json_pack("{s:s, s:o, s:o, s:b, s:o}", "status", ready ? "ready" : "not_ready",
                              "snapshot", snap_text_json(s ? s->id : NULL), "snapshot_age",
                              s ? json_integer((json_int_t)st.age) : json_null(), "stale", st.stale,
                              "reasons", reasons));
    snap_unref(s);
}

static void h_metrics(struct http_request *req, struct http_reply *reply, void *ctx)
{
    (void)req;
    struct api *api = ctx;
    struct refresh_status st;
    struct snap *s = refresh_acquire(api->refresh, &st);
    struct cache_stats cs = {0};
    if (s)
        snap_cache_stats(s, &cs);
    struct metrics_gauges g = {.snapshot_age = st.age,
                               .stale = st.stale,
                               .db_up = st.db_up,
                               .snapshot_runs = s ? (long long)s->nruns : 0,
                               .cache_bytes = cs.bytes,
                               .cache_entries = cs.entries,
                               .cache_budget = cs.budget};
    snap_unref(s);
    reply->content_type = "text/plain; version=0.0.4; charset=utf-8";
    metrics_render(api->metrics, &g, &reply->body);
}

/* ---- the table ----------------------------------------------------------------------------------
 */

static const struct http_route routes[] = {
    {"GET", "/healthz", h_healthz, p_none, HTTP_ACCESS_PUBLIC, 0},
    {"GET", "/readyz", h_readyz, p_none, HTTP_ACCESS_PUBLIC, 0},
    {"GET", "/metrics", h_metrics, p_none, HTTP_ACCESS_PUBLIC, 0},
    {"GET", "/api/v1/branches", h_branches, p_none, HTTP_ACCESS_PUBLIC, 0},
    {"GET", "/api/v1/kpis", h_kpis, p_kpis, HTTP_ACCESS_PUBLIC, 0},
    {"GET", "/api/v1/trend", h_trend, p_trend, HTTP_ACCESS_PUBLIC, 0},
    {"GET", "/api/v1/ranking", h_ranking, p_ranking, HTTP_ACCESS_PUBLIC, 0},
    {"GET", "/api/v1/alarms", h_alarms, p_alarms, HTTP_ACCESS_PUBLIC, 0},
    {"GET", "/api/v1/satisfaction", h_satisfaction, p_satisfaction, HTTP_ACCESS_PUBLIC, 0},
    {"GET", "/api/v1/zones", h_zones, p_zones, HTTP_ACCESS_PUBLIC, 0},
    {"GET", "/api/v1/zones/customers", h_zone_customers, p_customers, HTTP_ACCESS_PUBLIC, 0},
    {"GET", "/api/v1/data-quality", h_data_quality, p_date, HTTP_ACCESS_PUBLIC, 0},
    {"GET", "/charts/", h_chart, p_chart, HTTP_ACCESS_PUBLIC, HTTP_ROUTE_PREFIX},
    {NULL, NULL, NULL, NULL, HTTP_ACCESS_UNDECLARED, 0},
};

#define NROUTES (sizeof routes / sizeof routes[0] - 1)

static const char *route_names[NROUTES];

const struct http_route *api_routes(size_t *count)
{
    *count = NROUTES;
    return routes;
}

const char *const *api_route_names(void)
{
    for (size_t i = 0; i < NROUTES; i++)
        route_names[i] = routes[i].path;
    return route_names;
}

bool api_init(struct api *api, struct refresh *refresh, struct metrics *metrics, int pool_size,
              const char *font_family)
{
    char err[300];
    memset(api, 0, sizeof *api);
    api->refresh = refresh;
    api->metrics = metrics;
    atomic_init(&api->bottom_n, API_BOTTOM_N);
    atomic_init(&api->arrow_percent, API_ARROW_PERCENT);
    atomic_init(&api->snapshot_max_age, 900);
    atomic_init(&api->arrows, CHART_ARROWS_CN);
    api->pool = pool_new(pool_size);
    if (pthread_key_create(&api->chart_ctx, free_chart_ctx) != 0) {
        log_error("msg=\"no thread-specific key for the chart contexts\"");
        pool_free(api->pool);
        api->pool = NULL;
        return false;
    }
    api->fonts = chart_fonts_new(font_family, err, sizeof err);
    if (!api->fonts) {
        log_error("msg=\"charts.font unusable\" reason=\"%s\"", err);
        return false;
    }
    return true;
}

void api_set_database(struct api *api, const char *conninfo, int statement_timeout,
                      int pool_wait_ms)
{
    pool_configure(api->pool, conninfo, statement_timeout);
    pool_set_wait(api->pool, pool_wait_ms);
}

void api_destroy(struct api *api)
{
    /* the HTTP threads have ended (their contexts with them); this one's */
    if (api->pool) {
        chart_ctx_free(pthread_getspecific(api->chart_ctx));
        pthread_key_delete(api->chart_ctx);
    }
    chart_fonts_free(api->fonts);
    pool_free(api->pool);
    api->pool = NULL;
    api->fonts = NULL;
}
