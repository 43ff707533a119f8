#include "satisfaction.h"

#include "contract.h"
#include "date.h"
#include "mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct satisfaction_req {
    int kpi, branch;
    char month[8];
    const struct snap_run *run;
};

static bool satisfaction_parse(const struct snap *s, const struct view_params *p,
                               struct satisfaction_req *rq, struct view_error *err)
{
    int kpi;
    if (!view_param_branch(s, p, "branch", &rq->branch, err) ||
        !view_param_month(p, "month", rq->month, err) ||
        !view_param_kpi(p, "kpi", false, &kpi, err))
        return false;
    rq->kpi = kpi < 0 ? SNAP_SATISFACTION : kpi;
    if (rq->kpi != SNAP_SATISFACTION && rq->kpi != SNAP_SATISFACTION_GOTONE)
        return view_fail(err, 400, "invalid_parameter", "kpi",
                         "satisfaction or satisfaction_gotone");
    return view_month_run(s, rq->kpi, rq->branch, view_default_dim(s, rq->kpi), rq->month, &rq->run,
                          err);
}

bool view_satisfaction_check(const struct snap *s, const struct view_params *p,
                             struct view_error *err)
{
    struct satisfaction_req rq;
    return satisfaction_parse(s, p, &rq, err);
}

/* UP or DOWN when value moved by at least `threshold` (relative) from
 * `from`, else NONE (also when either is missing). */
static enum view_move move_of(double value, double from, double threshold)
{
    if (!isfinite(value) || !isfinite(from) || from == 0)
        return VIEW_MOVE_NONE;
    double rel = (value - from) / fabs(from);
    if (fabs(rel) < threshold - 1e-9)
        return VIEW_MOVE_NONE;
    return rel > 0 ? VIEW_MOVE_UP : VIEW_MOVE_DOWN;
}

static enum view_flag flag_of(double value, double last, double target)
{
    if (!isfinite(value))
        return VIEW_FLAG_NONE;
    if ((isfinite(last) && value < last) || (isfinite(target) && value < target))
        return VIEW_FLAG_WARN;
    if (isfinite(last) && isfinite(target) && value > last && value > target)
        return VIEW_FLAG_EXCELLENT;
    return VIEW_FLAG_NONE;
}

/* Adds indicator ind and its subtree (children in code order). */
static void add_node(struct view_satisfaction *out, int ind, int parent, int depth,
                     double threshold)
{
    const struct snap *s = out->s;
    if (out->n >= s->nindicators)
        return; /* an indicator reached twice: not a tree */
    const char *code = s->indicators[ind].code;
    struct view_indicator *nd = &out->nodes[out->n];
    int me = (int)out->n++;
    *nd = (struct view_indicator){
        .indicator = ind,
        .parent = parent,
        .v = snap_find(out->run, (enum snap_kpi)out->kpi, out->branch, code, -1),
        .last = out->prev ? snap_find(out->prev, (enum snap_kpi)out->kpi, out->branch, code, -1)
                          : NULL};
    double value = nd->v ? nd->v->f[SNAP_VALUE] : NAN;
    double before = nd->last ? nd->last->f[SNAP_VALUE] : NAN;
    double target = nd->v ? nd->v->f[SNAP_BASE] : NAN;
    nd->arrow = move_of(value, before, threshold);
    nd->target_arrow = move_of(value, target, threshold);
    nd->flag = flag_of(value, before, target);
    for (size_t i = 0; depth < 16 && i < s->nindicators; i++)
        if (s->indicators[i].parent == ind)
            add_node(out, (int)i, me, depth + 1, threshold);
}

bool view_satisfaction_build(const struct snap *s, const struct view_params *p,
                             struct view_satisfaction *out, struct view_error *err)
{
    struct satisfaction_req rq;
    *out = (struct view_satisfaction){.s = s};
    if (!satisfaction_parse(s, p, &rq, err))
        return false;
    out->kpi = rq.kpi;
    out->branch = rq.branch;
    out->run = rq.run;
    memcpy(out->month, rq.month, sizeof out->month);
    date_month_before(rq.month, out->previous_month);
    out->prev =
        view_run_of_period(s, rq.kpi, rq.branch, view_default_dim(s, rq.kpi), out->previous_month);
    out->nodes = xcalloc(s->nindicators, sizeof *out->nodes);
    for (size_t i = 0; i < s->nindicators; i++)
        if (s->indicators[i].parent < 0)
            add_node(out, (int)i, -1, 0, p->arrow_change);
    return true;
}

static json_t *move_json(enum view_move m)
{
    return m == VIEW_MOVE_NONE ? json_null() : json_string(m == VIEW_MOVE_UP ? "up" : "down");
}

static json_t *flag_json(enum view_flag f)
{
    return f == VIEW_FLAG_NONE ? json_null()
                               : json_string(f == VIEW_FLAG_WARN ? "warn" : "excellent");
}

/* Node i and its children (the nodes after it whose parent it is). */
static json_t *node_json(const struct view_satisfaction *v, size_t i)
{
    const struct view_indicator *nd = &v->nodes[i];
    const struct snap_indicator *in = &v->s->indicators[nd->indicator];
    json_t *o =
        json_pack("{s:s, s:s, s:f}", "code", in->code, "name", in->name, "weight", in->weight);
    contract_figures(o, nd->v);
    double value = nd->v ? nd->v->f[SNAP_VALUE] : NAN;
    double before = nd->last ? nd->last->f[SNAP_VALUE] : NAN;
    bool both = isfinite(value) && isfinite(before);
    json_object_set_new(o, "last_month", snap_field_json(nd->last, SNAP_VALUE));
    json_object_set_new(o, "change",
                        both ? json_real(round((value - before) * 100) / 100) : json_null());
    json_object_set_new(o, "arrow", move_json(nd->arrow));
    json_object_set_new(o, "target_arrow", move_json(nd->target_arrow));
    json_object_set_new(o, "flag", flag_json(nd->flag));
    json_object_set_new(o, "partial", json_boolean(nd->v && nd->v->partial));
    json_t *children = json_array();
    for (size_t k = i + 1; k < v->n; k++)
        if (v->nodes[k].parent == (int)i)
            json_array_append_new(children, node_json(v, k));
    json_object_set_new(o, "children", children);
    return o;
}

json_t *view_satisfaction_json(const struct view_satisfaction *v)
{
    json_t *tree = json_array();
    for (size_t i = 0; i < v->n; i++)
        if (v->nodes[i].parent < 0)
            json_array_append_new(tree, node_json(v, i));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "kpi", snap_kpi_name((enum snap_kpi)v->kpi),
                     "branch", v->s->branches[v->branch].code, "month", v->month, "previous_month",
                     v->previous_month, "as_of", v->run->as_of, "indicators", tree);
}

void view_satisfaction_free(struct view_satisfaction *v)
{
    if (!v)
        return;
    free(v->nodes);
    v->nodes = NULL;
    v->n = 0;
}
