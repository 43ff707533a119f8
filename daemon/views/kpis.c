#include "kpis.h"

#include "contract.h"
#include "mem.h"

#include <stdlib.h>

static json_t *branch_node(const struct snap *s, int b, int depth)
{
    const struct snap_branch *br = &s->branches[b];
    json_t *children = json_array();
    for (int i = 0; depth < 16 && i < br->nchildren; i++)
        json_array_append_new(children, branch_node(s, br->children[i], depth + 1));
    return json_pack("{s:s, s:s, s:i, s:o}", "code", br->code, "name", br->name, "level", br->level,
                     "children", children);
}

bool view_branches_check(const struct snap *s, const struct view_params *p, struct view_error *err)
{
    int root;
    return !p->scope || view_param_branch(s, p, "branch", &root, err);
}

json_t *view_branches_json(const struct snap *s, const struct view_params *p)
{
    json_t *roots = json_array();
    int scope = p->scope ? snap_branch_find(s, p->scope) : -1;
    if (scope >= 0)
        json_array_append_new(roots, branch_node(s, scope, 0));
    for (size_t i = 0; !p->scope && i < s->nbranches; i++)
        if (s->branches[i].parent < 0)
            json_array_append_new(roots, branch_node(s, (int)i, 0));
    return json_pack("{s:o}", "branches", roots);
}

/* The request: the run, and the KPI and branch to keep (-1: all). */
struct kpis_req {
    const struct snap_run *run;
    int kpi, branch;
};

static bool kpis_parse(const struct snap *s, const struct view_params *p, struct kpis_req *rq,
                       struct view_error *err)
{
    char date[11];
    *rq = (struct kpis_req){.kpi = -1, .branch = -1};
    /* without a branch, every branch's values, unless a scope limits the
     * caller: then its root's, as in every view */
    bool all = !view_arg(p, "branch") && !p->scope;
    return view_param_date(p, "date", date, err) &&
           view_param_kpi(p, "kpi", false, &rq->kpi, err) &&
           (all || view_param_branch(s, p, "branch", &rq->branch, err)) &&
           view_pick_run(s, date, &rq->run, err);
}

bool view_kpis_check(const struct snap *s, const struct view_params *p, struct view_error *err)
{
    struct kpis_req rq;
    return kpis_parse(s, p, &rq, err);
}

bool view_kpis_build(const struct snap *s, const struct view_params *p, struct view_kpis *out,
                     struct view_error *err)
{
    struct kpis_req rq;
    *out = (struct view_kpis){.s = s, .scoped = p->scope != NULL};
    if (!kpis_parse(s, p, &rq, err))
        return false;
    int kpi = rq.kpi, branch = rq.branch;
    const struct snap_run *run = out->run = rq.run;
    size_t from = kpi < 0 ? 0 : run->kpi_start[kpi],
           to = kpi < 0 ? run->nvalues : run->kpi_start[kpi + 1];
    out->values = xcalloc(to - from, sizeof *out->values);
    for (size_t i = from; i < to; i++)
        if (branch < 0 || run->values[i].branch == branch)
            out->values[out->n++] = &run->values[i];
    return true;
}

json_t *view_kpis_json(const struct view_kpis *v)
{
    json_t *run = contract_run_json(v->s, v->run, v->values, v->n);
    if (v->scoped)
        json_object_del(run, "data_quality"); /* the warehouse's, not the scope's */
    return run;
}

void view_kpis_free(struct view_kpis *v)
{
    if (!v)
        return;
    free(v->values);
    v->values = NULL;
    v->n = 0;
}

bool view_quality_build(const struct snap *s, const struct view_params *p, struct view_kpis *out,
                        struct view_error *err)
{
    char date[11];
    *out = (struct view_kpis){.s = s};
    return view_param_date(p, "date", date, err) && view_pick_run(s, date, &out->run, err);
}

bool view_quality_check(const struct snap *s, const struct view_params *p, struct view_error *err)
{
    struct view_kpis v;
    return view_quality_build(s, p, &v, err); /* nothing to free: no values */
}

/* The branches the rule branch_without_parent counts, as the snapshot's
 * tree has them today: each without a parent but the root ({code, name}). */
static json_t *without_parent(const struct snap *s)
{
    json_t *arr = json_array();
    int root = snap_branch_root(s);
    for (size_t i = 0; i < s->nbranches; i++)
        if (s->branches[i].parent < 0 && (int)i != root)
            json_array_append_new(arr, json_pack("{s:s, s:s}", "code", s->branches[i].code, "name",
                                                 s->branches[i].name));
    return arr;
}

json_t *view_quality_json(const struct view_kpis *v)
{
    return json_pack("{s:s, s:I, s:o, s:o}", "as_of", v->run->as_of, "run_id",
                     (json_int_t)v->run->run_id, "data_quality", contract_quality_json(v->run),
                     "branches_without_parent", without_parent(v->s));
}
