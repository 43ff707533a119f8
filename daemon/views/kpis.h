/* The branch tree, a run's values (the compute contract, filtered) and a
 * run's data quality: /api/v1/branches, /api/v1/kpis,
 * /api/v1/data-quality.
 *
 * Ownership: see view.h. */
#ifndef RETENTIOND_VIEW_KPIS_H
#define RETENTIOND_VIEW_KPIS_H

#include "view.h"

/* {"branches": [{code, name, level, children}]}: the province and the
 * branches whose parent is unknown, each with its subtree; with a scope,
 * the scope's branch and its subtree only. _check: 403 when the scope is
 * not in the snapshot. */
bool view_branches_check(const struct snap *s, const struct view_params *p, struct view_error *err);
json_t *view_branches_json(const struct snap *s, const struct view_params *p);

struct view_kpis {
    const struct snap *s;
    const struct snap_run *run;
    const struct snap_value **values; /* in the contract's order */
    size_t n;
    bool scoped; /* the caller sees a subtree: no warehouse-wide data quality */
};

/* Parameters: date (default the newest run), kpi, branch (only that
 * branch's values; absent: every branch's, or with a scope its root's).
 * With a scope the run's data quality is left out: it counts the whole
 * warehouse, which /api/v1/data-quality shows to the roles that see every
 * branch only. _check validates them without building. */
bool view_kpis_check(const struct snap *s, const struct view_params *p, struct view_error *err);
bool view_kpis_build(const struct snap *s, const struct view_params *p, struct view_kpis *out,
                     struct view_error *err);
/* The contract's run object with the selected values. */
json_t *view_kpis_json(const struct view_kpis *v);
void view_kpis_free(struct view_kpis *v);

/* Parameters: date. The run only (no values): {as_of, run_id, data_quality}. */
bool view_quality_build(const struct snap *s, const struct view_params *p, struct view_kpis *out,
                        struct view_error *err);
bool view_quality_check(const struct snap *s, const struct view_params *p, struct view_error *err);
json_t *view_quality_json(const struct view_kpis *v);

#endif
