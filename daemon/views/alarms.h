/* The alarms of a branch's subtree in a run (/api/v1/alarms, the dashboard's
 * grid, the bulletin): the red and excellent values, and the transitions
 * against the previous period (previous_status): what turned red and what
 * recovered.
 *
 * Ownership: see view.h. */
#ifndef RETENTIOND_VIEW_ALARMS_H
#define RETENTIOND_VIEW_ALARMS_H

#include "view.h"

enum view_alarm_list {
    VIEW_AL_RED,        /* red values */
    VIEW_AL_EXCELLENT,  /* excellent values */
    VIEW_AL_TURNED_RED, /* red, green or excellent before */
    VIEW_AL_RECOVERED,  /* green or excellent, red before */
    VIEW_AL_COUNT
};

struct view_alarms {
    const struct snap *s;
    const struct snap_run *run;
    int branch;
    const struct snap_value **list[VIEW_AL_COUNT]; /* in the run's order */
    size_t n[VIEW_AL_COUNT];
};

/* Parameters: date, branch. */
bool view_alarms_check(const struct snap *s, const struct view_params *p, struct view_error *err);
bool view_alarms_build(const struct snap *s, const struct view_params *p, struct view_alarms *out,
                       struct view_error *err);
json_t *view_alarms_json(const struct view_alarms *v);
void view_alarms_free(struct view_alarms *v);

/* Whether value v belongs to list l. */
bool view_alarm_in(const struct snap_value *v, enum view_alarm_list l);
/* v's reason split at its commas: a new array of strings (empty when none). */
json_t *view_alarm_reasons_json(const struct snap_value *v);

#endif
