/* The alarm grid (/api/v1/grid, the dashboard's /alarms page): every branch
 * of a subtree by the KPIs that carry a status, one cell each (the KPI's
 * headline value: the total, satisfaction's root indicator, bundling's
 * first campaign), worst branch first.
 *
 * Ownership: see view.h. */
#ifndef RETENTIOND_VIEW_GRID_H
#define RETENTIOND_VIEW_GRID_H

#include "view.h"

/* The KPIs of the grid's columns, in order. */
#define VIEW_GRID_NKPI 5
extern const enum snap_kpi view_grid_kpis[VIEW_GRID_NKPI];

struct view_grid_row {
    int branch, level;
    const char *code;                              /* the branch's */
    const struct snap_value *cell[VIEW_GRID_NKPI]; /* NULL: no value */
    int red, turned_red;
};

struct view_grid {
    const struct snap *s;
    const struct snap_run *run;
    int branch;
    struct view_grid_row *rows; /* the branch and its subtree, worst first */
    size_t n;
};

/* Parameters: date, branch. Rows are ordered by red cells (most first),
 * then cells turned red, then level, then code. A row's parent is null
 * for the grid's own branch (its parent may be outside the caller's scope). */
bool view_grid_check(const struct snap *s, const struct view_params *p, struct view_error *err);
bool view_grid_build(const struct snap *s, const struct view_params *p, struct view_grid *out,
                     struct view_error *err);
json_t *view_grid_json(const struct view_grid *v);
void view_grid_free(struct view_grid *v);

#endif
