/* A KPI's figures over time for one branch (/api/v1/trend, the trend and
 * sparkline charts): K3 daily, one series per campaign; the others
 * monthly, one point per period (the newest run's value).
 *
 * Ownership: see view.h. */
#ifndef RETENTIOND_VIEW_TREND_H
#define RETENTIOND_VIEW_TREND_H

#include "view.h"

struct view_point {
    const struct snap_run *run;
    const struct snap_value *v;
    char period[8]; /* monthly: the value's period (YYYY-MM) or the as-of month; "" daily */
};

struct view_series {
    int campaign;     /* -1: none (monthly) */
    const char *name; /* the campaign's name; NULL monthly */
    struct view_point *points;
    size_t n;
};

struct view_trend {
    const struct snap *s;
    int kpi, branch;
    const char *dim; /* the request's, borrowed; NULL = the total */
    bool daily;
    struct view_series *series;
    size_t nseries;
};

/* Parameters: kpi (required), branch, dim, campaign, from, to (dates). */
bool view_trend_check(const struct snap *s, const struct view_params *p, struct view_error *err);
bool view_trend_build(const struct snap *s, const struct view_params *p, struct view_trend *out,
                      struct view_error *err);
json_t *view_trend_json(const struct view_trend *v);
void view_trend_free(struct view_trend *v);

#endif
