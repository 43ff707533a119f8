#include "ranking.h"

#include "contract.h"
#include "mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct ranking_req {
    int kpi, parent, campaign;
    const char *dim;
    const struct snap_run *run;
};

/* The parent whose children are ranked: `parent`, or the parent of `of`
 * (the ranking a branch stands in), not both. */
static bool ranking_parent(const struct snap *s, const struct view_params *p, int *parent,
                           struct view_error *err)
{
    int of;
    if (!view_arg(p, "of"))
        return view_param_branch(s, p, "parent", parent, err);
    if (view_arg(p, "parent"))
        return view_fail(err, 400, "invalid_parameter", "of", "give parent or of, not both");
    if (!view_param_branch(s, p, "of", &of, err))
        return false;
    if (s->branches[of].parent < 0)
        return view_fail(err, 400, "invalid_parameter", "of",
                         "this branch has no parent to rank in");
    *parent = s->branches[of].parent;
    return true;
}

static bool ranking_parse(const struct snap *s, const struct view_params *p, struct ranking_req *rq,
                          struct view_error *err)
{
    char date[11];
    if (!view_param_kpi(p, "kpi", true, &rq->kpi, err) || !view_param_date(p, "date", date, err) ||
        !ranking_parent(s, p, &rq->parent, err) ||
        !view_param_int(p, "campaign", &rq->campaign, err) ||
        !view_pick_run(s, date, &rq->run, err))
        return false;
    if (rq->kpi == SNAP_ZONES)
        return view_fail(err, 400, "invalid_parameter", "kpi",
                         "zone_count is a count, not a rate: rank a rate or a score");
    bool campaign_given = rq->campaign >= 0;
    rq->dim = view_arg(p, "dim") ? view_arg(p, "dim") : view_default_dim(s, rq->kpi);
    if (!campaign_given)
        rq->campaign = view_default_campaign(rq->run, rq->kpi);
    const struct snap_run *run[] = {rq->run};
    return view_param_known(s, run, 1, rq->kpi, view_arg(p, "dim"),
                            campaign_given ? rq->campaign : -1, err);
}

bool view_ranking_check(const struct snap *s, const struct view_params *p, struct view_error *err)
{
    struct ranking_req rq;
    return ranking_parse(s, p, &rq, err);
}

/* The children of the parent with a value in run, ranked (ties share a
 * rank); out has room for every child. */
static size_t rank_children(const struct snap *s, const struct snap_run *run,
                            const struct ranking_req *rq, struct view_rank *out)
{
    const struct snap_branch *p = &s->branches[rq->parent];
    size_t n = 0;
    for (int i = 0; run && i < p->nchildren; i++) {
        const struct snap_value *v =
            snap_find(run, (enum snap_kpi)rq->kpi, p->children[i], rq->dim, rq->campaign);
        if (v && !isnan(v->f[SNAP_VALUE]))
            out[n++] = (struct view_rank){.branch = p->children[i], .v = v, .previous_rank = -1};
    }
    view_rank_order(out, n);
    return n;
}

bool view_ranking_build(const struct snap *s, const struct view_params *p, struct view_ranking *out,
                        struct view_error *err)
{
    struct ranking_req rq;
    *out = (struct view_ranking){.s = s};
    if (!ranking_parse(s, p, &rq, err))
        return false;
    *out = (struct view_ranking){.s = s,
                                 .kpi = rq.kpi,
                                 .parent = rq.parent,
                                 .campaign = rq.campaign,
                                 .dim = rq.dim,
                                 .run = rq.run,
                                 .prev = rq.kpi == SNAP_BUNDLING
                                             ? snap_run_previous_day(s, rq.run->as_of)
                                             : snap_run_previous_month(s, rq.run->as_of)};
    size_t cap = (size_t)s->branches[rq.parent].nchildren;
    struct view_rank *before = xcalloc(cap, sizeof *before);
    out->entries = xcalloc(cap, sizeof *out->entries);
    out->n = rank_children(s, rq.run, &rq, out->entries);
    size_t nprev = rank_children(s, out->prev, &rq, before);
    view_rank_compare(out->entries, out->n, before, nprev, p->bottom_n);
    free(before);
    return true;
}

static json_t *entry_json(const struct snap *s, const struct view_rank *r)
{
    json_t *e = json_pack("{s:i, s:s, s:s}", "rank", r->rank, "branch", s->branches[r->branch].code,
                          "name", s->branches[r->branch].name);
    contract_figures(e, r->v);
    bool ranked = r->previous_rank >= 0;
    json_object_set_new(e, "previous_rank", ranked ? json_integer(r->previous_rank) : json_null());
    json_object_set_new(e, "rank_change",
                        ranked ? json_integer(r->previous_rank - r->rank) : json_null());
    json_object_set_new(e, "bottom", json_boolean(r->bottom));
    return e;
}

json_t *view_ranking_json(const struct view_ranking *v)
{
    json_t *entries = json_array();
    for (size_t i = 0; i < v->n; i++)
        json_array_append_new(entries, entry_json(v->s, &v->entries[i]));
    return json_pack(
        "{s:s, s:s, s:o, s:o, s:s, s:o, s:o}", "kpi", snap_kpi_name((enum snap_kpi)v->kpi),
        "parent", v->s->branches[v->parent].code, "dim", snap_text_json(v->dim), "campaign",
        v->campaign < 0 ? json_null() : json_integer(v->campaign), "date", v->run->as_of,
        "previous_date", snap_text_json(v->prev ? v->prev->as_of : NULL), "entries", entries);
}

void view_ranking_free(struct view_ranking *v)
{
    if (!v)
        return;
    free(v->entries);
    v->entries = NULL;
    v->n = 0;
}
