#include "grid.h"

#include "alarms.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

const enum snap_kpi view_grid_kpis[VIEW_GRID_NKPI] = {
    SNAP_RETENTION, SNAP_IN_NETWORK, SNAP_BUNDLING, SNAP_SATISFACTION, SNAP_SATISFACTION_GOTONE};

static bool grid_parse(const struct snap *s, const struct view_params *p,
                       const struct snap_run **run, int *branch, struct view_error *err)
{
    char date[11];
    return view_param_date(p, "date", date, err) &&
           view_param_branch(s, p, "branch", branch, err) && view_pick_run(s, date, run, err);
}

bool view_grid_check(const struct snap *s, const struct view_params *p, struct view_error *err)
{
    const struct snap_run *run;
    int branch;
    return grid_parse(s, p, &run, &branch, err);
}

static void fill_row(const struct snap *s, const struct snap_run *run, struct view_grid_row *r)
{
    for (int k = 0; k < VIEW_GRID_NKPI; k++) {
        int kpi = (int)view_grid_kpis[k];
        const struct snap_value *v =
            snap_find(run, (enum snap_kpi)kpi, r->branch, view_default_dim(s, kpi),
                      view_default_campaign(run, kpi));
        r->cell[k] = v;
        r->red += v && view_alarm_in(v, VIEW_AL_RED);
        r->turned_red += v && view_alarm_in(v, VIEW_AL_TURNED_RED);
    }
}

static int worst_first(const void *pa, const void *pb)
{
    const struct view_grid_row *a = pa, *b = pb;
    if (a->red != b->red)
        return b->red - a->red;
    if (a->turned_red != b->turned_red)
        return b->turned_red - a->turned_red;
    if (a->level != b->level)
        return a->level - b->level;
    return strcmp(a->code, b->code);
}

bool view_grid_build(const struct snap *s, const struct view_params *p, struct view_grid *out,
                     struct view_error *err)
{
    *out = (struct view_grid){.s = s};
    if (!grid_parse(s, p, &out->run, &out->branch, err))
        return false;
    out->rows = xcalloc(s->nbranches ? s->nbranches : 1, sizeof *out->rows);
    for (size_t b = 0; b < s->nbranches; b++) {
        if (!snap_branch_within(s, (int)b, out->branch))
            continue;
        struct view_grid_row *r = &out->rows[out->n++];
        r->branch = (int)b;
        r->level = s->branches[b].level;
        r->code = s->branches[b].code;
        fill_row(s, out->run, r);
    }
    if (out->n > 1)
        qsort(out->rows, out->n, sizeof *out->rows, worst_first);
    return true;
}

static json_t *cell_json(const struct snap_value *v)
{
    if (!v)
        return json_null();
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "value",
                     snap_field_json(v, SNAP_VALUE), "status",
                     snap_text_json(snap_status_name(v->status)), "previous_status",
                     snap_text_json(snap_status_name(v->previous)), "reasons",
                     view_alarm_reasons_json(v), "target_base", snap_field_json(v, SNAP_BASE),
                     "path_base", snap_field_json(v, SNAP_PATH_BASE), "period",
                     snap_text_json(snap_str(v->period)), "partial", v->partial);
}

json_t *view_grid_json(const struct view_grid *v)
{
    json_t *kpis = json_array(), *rows = json_array();
    for (int k = 0; k < VIEW_GRID_NKPI; k++)
        json_array_append_new(kpis, json_string(snap_kpi_name(view_grid_kpis[k])));
    for (size_t i = 0; i < v->n; i++) {
        const struct view_grid_row *r = &v->rows[i];
        const struct snap_branch *b = &v->s->branches[r->branch];
        json_t *cells = json_array();
        for (int k = 0; k < VIEW_GRID_NKPI; k++)
            json_array_append_new(cells, cell_json(r->cell[k]));
        json_array_append_new(rows, json_pack("{s:s, s:s, s:i, s:o, s:i, s:i, s:o}", "code",
                                              b->code, "name", b->name, "level", b->level, "parent",
                                              r->branch != v->branch && b->parent >= 0
                                                  ? json_string(v->s->branches[b->parent].code)
                                                  : json_null(),
                                              "red", r->red, "turned_red", r->turned_red, "cells",
                                              cells));
    }
    return json_pack("{s:s, s:I, s:s, s:o, s:o}", "as_of", v->run->as_of, "run_id",
                     (json_int_t)v->run->run_id, "branch", v->s->branches[v->branch].code, "kpis",
                     kpis, "rows", rows);
}

void view_grid_free(struct view_grid *v)
{
    if (!v)
        return;
    free(v->rows);
    v->rows = NULL;
    v->n = 0;
}
