#include "bulletin.h"

#include "alarms.h"
#include "contract.h"
#include "date.h"
#include "mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool view_bulletin_pick(const struct snap *s, const struct view_params *p,
                        const struct snap_run **run, int *branch, struct view_error *err)
{
    char date[11];
    return view_param_date(p, "date", date, err) &&
           view_param_branch(s, p, "branch", branch, err) && view_pick_run(s, date, run, err);
}

bool view_bulletin_check(const struct snap *s, const struct view_params *p, struct view_error *err)
{
    const struct snap_run *run;
    int branch;
    return view_bulletin_pick(s, p, &run, &branch, err);
}

static const struct snap_campaign *campaign_of(const struct snap *s, int id)
{
    for (size_t i = 0; i < s->ncampaigns; i++)
        if (s->campaigns[i].id == id)
            return &s->campaigns[i];
    return NULL;
}

enum { ANY_PARENT = -2 }; /* rank_level: under any parent */

/* The branches of `level` (under `parent`, or ANY_PARENT) with a coverage
 * of campaign `id` in run, ranked (ties share a rank); out has room for
 * every branch. */
static size_t rank_level(const struct snap *s, const struct snap_run *run, int id, int level,
                         int parent, struct view_rank *out)
{
    size_t n = 0;
    for (size_t b = 0; run && b < s->nbranches; b++) {
        const struct snap_branch *br = &s->branches[b];
        const struct snap_value *v =
            br->level == level && (parent == ANY_PARENT || br->parent == parent)
                ? snap_find(run, SNAP_BUNDLING, (int)b, NULL, id)
                : NULL;
        if (v && !isnan(v->f[SNAP_VALUE]))
            out[n++] = (struct view_rank){.branch = (int)b, .v = v, .previous_rank = -1};
    }
    view_rank_order(out, n);
    return n;
}

/* A city's place among its siblings in c, with its rank the day before. */
static void rank_city(const struct view_bulletin *v, int id, struct view_bulletin_campaign *c)
{
    const struct snap *s = v->s;
    int parent = s->branches[v->branch].parent;
    struct view_rank *now = xcalloc(s->nbranches + 1, sizeof *now),
                     *before = xcalloc(s->nbranches + 1, sizeof *before);
    size_t n = rank_level(s, v->run, id, 1, parent, now);
    size_t nbefore = rank_level(s, v->prev, id, 1, parent, before);
    view_rank_compare(now, n, before, nbefore, 0);
    for (size_t i = 0; i < n; i++)
        if (now[i].branch == v->branch) {
            c->city = now[i];
            c->ncities = n;
        }
    free(now);
    free(before);
}

static void build_campaign(const struct view_bulletin *v, int id, int bottom_n,
                           struct view_bulletin_campaign *c)
{
    const struct snap *s = v->s;
    struct view_rank *before = xcalloc(s->nbranches + 1, sizeof *before);
    c->campaign = campaign_of(s, id);
    c->total = snap_find(v->run, SNAP_BUNDLING, v->branch, NULL, id);
    c->total_was = v->prev ? snap_find(v->prev, SNAP_BUNDLING, v->branch, NULL, id) : NULL;
    c->rows = xcalloc(s->nbranches + 1, sizeof *c->rows);
    c->n = rank_level(s, v->run, id, 2, ANY_PARENT, c->rows);
    size_t nprev = rank_level(s, v->prev, id, 2, ANY_PARENT, before);
    c->nbottom = view_rank_compare(c->rows, c->n, before, nprev, bottom_n);
    c->own = -1;
    for (size_t i = 0; i < c->n; i++)
        if (c->rows[i].branch == v->branch)
            c->own = (int)i;
    c->bottom_tied = bottom_n > 0 && c->nbottom > (size_t)bottom_n;
    c->bottom_n = bottom_n > 0 ? (size_t)bottom_n : 0;
    if (s->branches[v->branch].level == 1)
        rank_city(v, id, c);
    free(before);
}

/* The campaigns with a bundling value in the run, in its order. */
static void build_campaigns(struct view_bulletin *v, int bottom_n)
{
    const struct snap_run *run = v->run;
    size_t first = run->kpi_start[SNAP_BUNDLING], end = run->kpi_start[SNAP_BUNDLING + 1];
    v->campaigns = xcalloc(end - first + 1, sizeof *v->campaigns);
    for (size_t i = first; i < end; i++) {
        int id = run->values[i].campaign;
        bool seen = false;
        for (size_t k = 0; k < v->ncampaigns; k++)
            seen = seen || (v->campaigns[k].campaign && v->campaigns[k].campaign->id == id);
        if (!seen && id >= 0 && campaign_of(v->s, id))
            build_campaign(v, id, bottom_n, &v->campaigns[v->ncampaigns++]);
    }
}

static double figure(const struct snap_run *run, enum snap_kpi kpi, int branch, const char *dim,
                     int field)
{
    const struct snap_value *x = run ? snap_find(run, kpi, branch, dim, -1) : NULL;
    return x ? x->f[field] : NAN;
}

/* The members of a K2 tier who left between prev and run: NAN when
 * unknown (a run without K2 for the branch); 0 when both runs have the
 * branch's K2 and neither the tier (the branch has no member of it). */
static double tier_left(const struct snap_run *prev, const struct snap_run *run, int branch,
                        const char *tier)
{
    double was = figure(prev, SNAP_IN_NETWORK, branch, tier, SNAP_NUM),
           now = figure(run, SNAP_IN_NETWORK, branch, tier, SNAP_NUM);
    if (isnan(was) && isnan(now) && !isnan(figure(prev, SNAP_IN_NETWORK, branch, NULL, SNAP_NUM)) &&
        !isnan(figure(run, SNAP_IN_NETWORK, branch, NULL, SNAP_NUM)))
        return 0;
    return was - now;
}

/* The members of a K2 tier's year-start snapshot no longer in the network
 * at run: NAN when the run has no K2 for the branch; 0 when it has the
 * branch's K2 but not the tier. */
static double tier_gone(const struct snap_run *run, int branch, const char *tier)
{
    double den = figure(run, SNAP_IN_NETWORK, branch, tier, SNAP_DEN),
           num = figure(run, SNAP_IN_NETWORK, branch, tier, SNAP_NUM);
    if (isnan(den) && !isnan(figure(run, SNAP_IN_NETWORK, branch, NULL, SNAP_NUM)))
        return 0;
    return den - num;
}

/* A headline value: the total, satisfaction's root indicator. */
static bool headline(const struct snap *s, const struct snap_value *x)
{
    const char *dim = snap_str(x->dim), *root = view_default_dim(s, x->kpi);
    return x->kpi != SNAP_ZONES && (dim == NULL || (root && strcmp(dim, root) == 0));
}

/* The status x had the day before: its value's in the day before's run;
 * without that run, the value or a status of it there, the status stored
 * with x. */
static enum snap_status status_before(const struct view_bulletin *v, const struct snap_value *x)
{
    const struct snap_value *w = v->prev ? snap_find(v->prev, (enum snap_kpi)x->kpi, x->branch,
                                                     snap_str(x->dim), x->campaign)
                                         : NULL;
    return (enum snap_status)(w && w->status != SNAP_STATUS_NONE ? w->status : x->previous);
}

/* What is red, what turned red since the day before and what recovered: against the
 * day before's status, so that a monthly KPI's change is told on the day it
 * happens and not again every day of the month (the status stored with a
 * value, its previous period's, is last month's). */
static void build_changes(struct view_bulletin *v)
{
    const struct snap_run *run = v->run;
    v->turned_red = xcalloc(run->nvalues + 1, sizeof *v->turned_red);
    v->recovered = xcalloc(run->nvalues + 1, sizeof *v->recovered);
    for (size_t i = 0; i < run->nvalues; i++) {
        const struct snap_value *x = &run->values[i];
        if (!headline(v->s, x) || !snap_branch_within(v->s, x->branch, v->branch))
            continue;
        enum snap_status was = status_before(v, x);
        v->nred += x->status == SNAP_STATUS_RED;
        if (x->status == SNAP_STATUS_RED && was != SNAP_STATUS_NONE && was != SNAP_STATUS_RED)
            v->turned_red[v->nturned_red++] = x;
        if (was == SNAP_STATUS_RED &&
            (x->status == SNAP_STATUS_GREEN || x->status == SNAP_STATUS_EXCELLENT))
            v->recovered[v->nrecovered++] = x;
    }
}

/* x's value (a survey score of branch) of the month before its own, from
 * the newest run that has it; NULL when none does. */
static const struct snap_value *survey_before(const struct snap *s, const struct snap_value *x,
                                              int branch)
{
    char month[8], day[11];
    if (!x || !snap_str(x->period))
        return NULL;
    snprintf(day, sizeof day, "%.7s-01", snap_str(x->period));
    date_month_before(day, month);
    const char *dim = snap_str(x->dim);
    const struct snap_run *run = view_run_of_period(s, x->kpi, branch, dim, month);
    return run ? snap_find(run, (enum snap_kpi)x->kpi, branch, dim, -1) : NULL;
}

bool view_bulletin_build(const struct snap *s, const struct view_params *p,
                         struct view_bulletin *out, struct view_error *err)
{
    *out = (struct view_bulletin){.s = s};
    if (!view_bulletin_pick(s, p, &out->run, &out->branch, err))
        return false;
    snprintf(out->date, sizeof out->date, "%s", out->run->as_of);
    out->prev = snap_run_previous_day(s, out->run->as_of);
    build_campaigns(out, p->bottom_n);
    int b = out->branch;
    out->retention = snap_find(out->run, SNAP_RETENTION, b, NULL, -1);
    out->in_network = snap_find(out->run, SNAP_IN_NETWORK, b, NULL, -1);
    out->satisfaction =
        snap_find(out->run, SNAP_SATISFACTION, b, view_default_dim(s, SNAP_SATISFACTION), -1);
    out->gotone = snap_find(out->run, SNAP_SATISFACTION_GOTONE, b,
                            view_default_dim(s, SNAP_SATISFACTION_GOTONE), -1);
    out->satisfaction_was = survey_before(s, out->satisfaction, b);
    for (int z = 0; z < SNAP_NZONES; z++) {
        const char *zone = snap_zone_name((enum snap_zone)z);
        out->zones[z] = figure(out->run, SNAP_ZONES, b, zone, SNAP_VALUE);
        out->zones_was[z] = figure(out->prev, SNAP_ZONES, b, zone, SNAP_VALUE);
    }
    out->diamond_left = tier_left(out->prev, out->run, b, "diamond");
    out->gold_left = tier_left(out->prev, out->run, b, "gold");
    out->diamond_gone = tier_gone(out->run, b, "diamond");
    out->gold_gone = tier_gone(out->run, b, "gold");
    build_changes(out);
    return true;
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static json_t *number(double x)
{
    return isnan(x) ? json_null() : json_real(x);
}

static json_t *count(double x)
{
    return isnan(x) ? json_null() : json_integer((json_int_t)llround(x));
}

/* The day's base and challenge for a coverage: the path's, else the targets. */
static double day_target(const struct snap_value *x, int path, int target)
{
    return x && !isnan(x->f[path]) ? x->f[path] : x ? x->f[target] : NAN;
}

static json_t *coverage_json(const struct snap *s, const struct snap_value *x,
                             const struct snap_value *was)
{
    if (!x)
        return json_null();
    json_t *o = contract_value_json(s, x);
    double base = day_target(x, SNAP_PATH_BASE, SNAP_BASE),
           challenge = day_target(x, SNAP_PATH_CHALLENGE, SNAP_CHALLENGE);
    json_object_set_new(o, "increment",
                        was ? count(x->f[SNAP_NUM] - was->f[SNAP_NUM]) : json_null());
    json_object_set_new(o, "value_change",
                        was ? number(x->f[SNAP_VALUE] - was->f[SNAP_VALUE]) : json_null());
    json_object_set_new(o, "gap_base", number(x->f[SNAP_VALUE] - base));
    json_object_set_new(o, "gap_challenge", number(x->f[SNAP_VALUE] - challenge));
    return o;
}

static json_t *row_json(const struct snap *s, const struct view_rank *r)
{
    const struct snap_branch *b = &s->branches[r->branch];
    json_t *o = coverage_json(s, r->v, r->was);
    bool ranked = r->previous_rank >= 0;
    json_object_set_new(o, "rank", json_integer(r->rank));
    json_object_set_new(o, "previous_rank", ranked ? json_integer(r->previous_rank) : json_null());
    json_object_set_new(o, "rank_change",
                        ranked ? json_integer(r->previous_rank - r->rank) : json_null());
    json_object_set_new(o, "bottom", json_boolean(r->bottom));
    json_object_set_new(o, "name", json_string(b->name));
    json_object_set_new(o, "city",
                        b->parent >= 0 ? json_string(s->branches[b->parent].code) : json_null());
    json_object_set_new(o, "city_name",
                        b->parent >= 0 ? json_string(s->branches[b->parent].name) : json_null());
    return o;
}

static json_t *campaign_json(const struct view_bulletin *v, const struct view_bulletin_campaign *c)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < c->n; i++)
        json_array_append_new(rows, row_json(v->s, &c->rows[i]));
    return json_pack("{s:i, s:s, s:s, s:s, s:o, s:o, s:o}", "campaign", c->campaign->id, "name",
                     c->campaign->name, "starts_on", c->campaign->starts_on, "ends_on",
                     c->campaign->ends_on, "total", coverage_json(v->s, c->total, c->total_was),
                     "own_rank", c->own >= 0 ? json_integer(c->rows[c->own].rank) : json_null(),
                     "counties", rows);
}

static json_t *values_json(const struct snap *s, const struct snap_value *const *list, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = contract_value_json(s, list[i]);
        json_object_set_new(o, "name", json_string(s->branches[list[i]->branch].name));
        json_object_set_new(o, "reasons", view_alarm_reasons_json(list[i]));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *zones_json(const struct view_bulletin *v)
{
    json_t *a = json_array();
    for (int z = SNAP_ZONE_WHITE; z <= SNAP_ZONE_GREEN; z++)
        json_array_append_new(
            a, json_pack("{s:s, s:o, s:o}", "zone", snap_zone_name((enum snap_zone)z), "count",
                         count(v->zones[z]), "change", count(v->zones[z] - v->zones_was[z])));
    return a;
}

static json_t *value_or_null(const struct snap *s, const struct snap_value *x)
{
    return x ? contract_value_json(s, x) : json_null();
}

json_t *view_bulletin_json(const struct view_bulletin *v)
{
    const struct snap_branch *b = &v->s->branches[v->branch];
    json_t *campaigns = json_array();
    for (size_t i = 0; i < v->ncampaigns; i++)
        json_array_append_new(campaigns, campaign_json(v, &v->campaigns[i]));
    json_t *o = json_pack("{s:s, s:I, s:o, s:{s:s, s:s, s:i}, s:o, s:o, s:o, s:o, s:o, s:o, "
                          "s:{s:o, s:o}, s:{s:o, s:o}}",
                          "as_of", v->run->as_of, "run_id", (json_int_t)v->run->run_id,
                          "previous_as_of", v->prev ? json_string(v->prev->as_of) : json_null(),
                          "branch", "code", b->code, "name", b->name, "level", b->level, "bundling",
                          campaigns, "retention", value_or_null(v->s, v->retention), "in_network",
                          value_or_null(v->s, v->in_network), "satisfaction",
                          value_or_null(v->s, v->satisfaction), "satisfaction_gotone",
                          value_or_null(v->s, v->gotone), "zones", zones_json(v), "left", "diamond",
                          count(v->diamond_left), "gold", count(v->gold_left), "left_this_year",
                          "diamond", count(v->diamond_gone), "gold", count(v->gold_gone));
    json_object_set_new(o, "turned_red", values_json(v->s, v->turned_red, v->nturned_red));
    json_object_set_new(o, "recovered", values_json(v->s, v->recovered, v->nrecovered));
    json_object_set_new(o, "red_count", json_integer((json_int_t)v->nred));
    return o;
}

/* ---- a correction ---------------------------------------------------------------------------- */

static bool str_is(const char *a, const char *b)
{
    return strcmp(a, b ? b : "") == 0;
}

/* Whether x is a figure of the bulletin's own summary or zones. */
static bool shown_own(const struct view_bulletin *v, const struct view_bulletin_change *x)
{
    if (x->branch != v->branch)
        return false;
    switch (x->kpi) {
    case SNAP_RETENTION:
    case SNAP_IN_NETWORK:
        return !*x->dim;
    case SNAP_SATISFACTION:
    case SNAP_SATISFACTION_GOTONE:
        return str_is(x->dim, view_default_dim(v->s, x->kpi));
    case SNAP_ZONES:
        return snap_zone_parse(x->dim) >= 0;
    default:
        return false; /* K3's totals: shown_campaign() */
    }
}

/* The index of x's running campaign when x is a K3 total of it; -1 else. */
static int shown_campaign(const struct view_bulletin *v, const struct view_bulletin_change *x)
{
    if (x->kpi != SNAP_BUNDLING || *x->dim)
        return -1;
    for (size_t i = 0; i < v->ncampaigns; i++)
        if (v->campaigns[i].campaign->id == x->campaign)
            return (int)i;
    return -1;
}

/* A county's rank in c before the correction: its value then against every
 * county's then (a changed one's was, the others' now), ties sharing the
 * best place as view_rank_order() does; 0 when it had no value. */
static int rank_before(const struct view_bulletin *v, const struct view_bulletin_campaign *c,
                       double own_was)
{
    const struct view_bulletin_correction *k = &v->correction;
    if (!isfinite(own_was))
        return 0;
    int rank = 1;
    for (size_t i = 0; i < c->n; i++) {
        const struct view_rank *r = &c->rows[i];
        if (r->branch == v->branch)
            continue; /* its own value then is own_was */
        double then = r->v ? r->v->f[SNAP_VALUE] : NAN;
        for (size_t j = 0; j < k->ncounties; j++)
            if (k->counties[j].branch == r->branch && k->counties[j].campaign == c->campaign->id)
                then = k->counties[j].was;
        rank += isfinite(then) && then > own_was;
    }
    return rank;
}

static void own_ranks_before(struct view_bulletin *v)
{
    struct view_bulletin_correction *k = &v->correction;
    if (v->s->branches[v->branch].level != 2 || !v->ncampaigns)
        return;
    k->rank_was = xcalloc(v->ncampaigns, sizeof *k->rank_was);
    for (size_t i = 0; i < v->ncampaigns; i++) {
        const struct view_bulletin_campaign *c = &v->campaigns[i];
        double was = c->total ? c->total->f[SNAP_VALUE] : NAN;
        for (size_t j = 0; j < k->nown; j++)
            if (k->own[j].kpi == SNAP_BUNDLING && k->own[j].campaign == c->campaign->id)
                was = k->own[j].was;
        k->rank_was[i] = rank_before(v, c, was);
    }
}

void view_bulletin_correct(struct view_bulletin *v, int version, int replaces,
                           long long replaces_run, const struct view_bulletin_change *changes,
                           size_t n, bool known)
{
    struct view_bulletin_correction *k = &v->correction;
    *k = (struct view_bulletin_correction){
        .version = version, .replaces = replaces, .replaces_run = replaces_run, .known = known};
    k->own = xcalloc(n ? n : 1, sizeof *k->own);
    k->counties = xcalloc(n ? n : 1, sizeof *k->counties);
    for (size_t i = 0; i < n; i++) {
        const struct view_bulletin_change *x = &changes[i];
        bool campaign = shown_campaign(v, x) >= 0;
        if (shown_own(v, x) || (campaign && x->branch == v->branch))
            k->own[k->nown++] = *x;
        if (campaign && x->branch != v->branch && v->s->branches[x->branch].level == 2)
            k->counties[k->ncounties++] = *x;
    }
    if (known)
        own_ranks_before(v);
}

void view_bulletin_free(struct view_bulletin *v)
{
    if (!v)
        return;
    free(v->correction.own);
    free(v->correction.counties);
    free(v->correction.rank_was);
    for (size_t i = 0; i < v->ncampaigns; i++)
        free(v->campaigns[i].rows);
    free(v->campaigns);
    free(v->turned_red);
    free(v->recovered);
    *v = (struct view_bulletin){0};
}
