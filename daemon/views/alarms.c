#include "alarms.h"

#include "contract.h"
#include "mem.h"

#include <stdlib.h>
#include <string.h>

bool view_alarm_in(const struct snap_value *v, enum view_alarm_list l)
{
    switch (l) {
    case VIEW_AL_RED:
        return v->status == SNAP_STATUS_RED;
    case VIEW_AL_EXCELLENT:
        return v->status == SNAP_STATUS_EXCELLENT;
    case VIEW_AL_TURNED_RED:
        return v->status == SNAP_STATUS_RED && v->previous != SNAP_STATUS_NONE &&
               v->previous != SNAP_STATUS_RED;
    case VIEW_AL_RECOVERED:
        return v->previous == SNAP_STATUS_RED &&
               (v->status == SNAP_STATUS_GREEN || v->status == SNAP_STATUS_EXCELLENT);
    case VIEW_AL_COUNT:
        break;
    }
    return false;
}

static bool alarms_parse(const struct snap *s, const struct view_params *p,
                         const struct snap_run **run, int *branch, struct view_error *err)
{
    char date[11];
    return view_param_date(p, "date", date, err) &&
           view_param_branch(s, p, "branch", branch, err) && view_pick_run(s, date, run, err);
}

bool view_alarms_check(const struct snap *s, const struct view_params *p, struct view_error *err)
{
    const struct snap_run *run;
    int branch;
    return alarms_parse(s, p, &run, &branch, err);
}

bool view_alarms_build(const struct snap *s, const struct view_params *p, struct view_alarms *out,
                       struct view_error *err)
{
    *out = (struct view_alarms){.s = s};
    if (!alarms_parse(s, p, &out->run, &out->branch, err))
        return false;
    const struct snap_run *run = out->run;
    for (int l = 0; l < VIEW_AL_COUNT; l++) {
        out->list[l] = xcalloc(run->nvalues, sizeof *out->list[l]);
        for (size_t i = 0; i < run->nvalues; i++) {
            const struct snap_value *v = &run->values[i];
            if (view_alarm_in(v, (enum view_alarm_list)l) &&
                snap_branch_within(s, v->branch, out->branch))
                out->list[l][out->n[l]++] = v;
        }
    }
    return true;
}

json_t *view_alarm_reasons_json(const struct snap_value *v)
{
    json_t *reasons = json_array();
    const char *r = snap_str(v->reason);
    while (r && *r) {
        size_t len = strcspn(r, ",");
        json_array_append_new(reasons, json_stringn(r, len));
        r += len + (r[len] == ',');
    }
    return reasons;
}

/* A value of the contract with its branch's name and its reasons split. */
static json_t *alarm_json(const struct snap *s, const struct snap_value *v)
{
    json_t *a = contract_value_json(s, v);
    json_object_set_new(a, "name", json_string(s->branches[v->branch].name));
    json_object_set_new(a, "reasons", view_alarm_reasons_json(v));
    return a;
}

static json_t *list_json(const struct view_alarms *v, enum view_alarm_list l, json_t *into)
{
    for (size_t i = 0; i < v->n[l]; i++)
        json_array_append_new(into, alarm_json(v->s, v->list[l][i]));
    return into;
}

json_t *view_alarms_json(const struct view_alarms *v)
{
    static const char *const names[VIEW_AL_COUNT] = {"red", "excellent", "turned_red", "recovered"};
    json_t *count = json_object();
    for (int l = 0; l < VIEW_AL_COUNT; l++)
        json_object_set_new(count, names[l], json_integer((json_int_t)v->n[l]));
    json_t *alarms = list_json(v, VIEW_AL_EXCELLENT, list_json(v, VIEW_AL_RED, json_array()));
    return json_pack("{s:s, s:I, s:s, s:o, s:o, s:o, s:o}", "as_of", v->run->as_of, "run_id",
                     (json_int_t)v->run->run_id, "branch", v->s->branches[v->branch].code, "counts",
                     count, "alarms", alarms, "turned_red",
                     list_json(v, VIEW_AL_TURNED_RED, json_array()), "recovered",
                     list_json(v, VIEW_AL_RECOVERED, json_array()));
}

void view_alarms_free(struct view_alarms *v)
{
    if (!v)
        return;
    for (int l = 0; l < VIEW_AL_COUNT; l++) {
        free(v->list[l]);
        v->list[l] = NULL;
        v->n[l] = 0;
    }
}
