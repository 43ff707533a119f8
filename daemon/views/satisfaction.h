/* The satisfaction panorama (满意度全景视图) of a branch and month
 * (/api/v1/satisfaction, the panorama chart): every indicator of the tree
 * against last month and its target, flagged and arrowed by the source's
 * rules (docs/kpis.md, K4), not by the KPI status: warns when below last month
 * or below target, excellent when above both; an arrow for a relative
 * change of arrow_change (5 %) or more, against last month and against the
 * target.
 *
 * Ownership: see view.h. */
#ifndef RETENTIOND_VIEW_SATISFACTION_H
#define RETENTIOND_VIEW_SATISFACTION_H

#include "view.h"

enum view_move { VIEW_MOVE_NONE, VIEW_MOVE_UP, VIEW_MOVE_DOWN };
enum view_flag { VIEW_FLAG_NONE, VIEW_FLAG_WARN, VIEW_FLAG_EXCELLENT };

/* One indicator, in depth-first order (a parent before its children). */
struct view_indicator {
    int indicator;                     /* index into snap.indicators */
    int parent;                        /* index into the view's nodes, -1 for a root */
    const struct snap_value *v, *last; /* this month's and last month's; NULL: none */
    enum view_move arrow, target_arrow;
    enum view_flag flag;
};

struct view_satisfaction {
    const struct snap *s;
    int kpi, branch;
    char month[8], previous_month[8];
    const struct snap_run *run, *prev; /* prev: NULL without last month */
    struct view_indicator *nodes;
    size_t n;
};

/* Parameters: branch, month (default the newest), kpi (satisfaction or
 * satisfaction_gotone). */
bool view_satisfaction_check(const struct snap *s, const struct view_params *p,
                             struct view_error *err);
bool view_satisfaction_build(const struct snap *s, const struct view_params *p,
                             struct view_satisfaction *out, struct view_error *err);
json_t *view_satisfaction_json(const struct view_satisfaction *v);
void view_satisfaction_free(struct view_satisfaction *v);

#endif
