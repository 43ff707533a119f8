/* The children of a branch ranked by a KPI (/api/v1/ranking, the ranking
 * chart), with their rank in the previous period (K3 the day before, the
 * others the newest run of the month before) and the bottom n flagged.
 *
 * Ownership: see view.h. */
#ifndef RETENTIOND_VIEW_RANKING_H
#define RETENTIOND_VIEW_RANKING_H

#include "view.h"

struct view_ranking {
    const struct snap *s;
    int kpi, parent, campaign; /* campaign -1: none */
    const char *dim;           /* NULL = the total */
    const struct snap_run *run, *prev;
    struct view_rank *entries; /* by rank */
    size_t n;
};

/* Parameters: kpi (required, a rate or a score), date, parent (default the
 * scope's root), dim, campaign. */
bool view_ranking_check(const struct snap *s, const struct view_params *p, struct view_error *err);
bool view_ranking_build(const struct snap *s, const struct view_params *p, struct view_ranking *out,
                        struct view_error *err);
json_t *view_ranking_json(const struct view_ranking *v);
void view_ranking_free(struct view_ranking *v);

#endif
