/* The quarterly inspection report (issue 16) for auditors: a quarter's
 * three month ends, each with its stored run, for a branch's subtree, from
 * the snapshot (so that its figures are the API's for the same runs).
 *
 * Parameters: quarter (required, YYYYQn), branch (default the scope's
 * root). A quarter not yet ended (its last day after the newest run), or
 * a month end without a run of its own, is a 404 naming what is missing:
 * never a partial report.
 *
 * Ownership: see view.h; the runs are the snapshot's. */
#ifndef RETENTIOND_VIEW_REPORT_H
#define RETENTIOND_VIEW_REPORT_H

#include "view.h"

struct view_report {
    const struct snap *s;
    char quarter[7]; /* YYYYQn */
    int branch;
    char month_end[3][11];
    const struct snap_run *runs[3]; /* the run of each month end */
};

bool view_report_build(const struct snap *s, const struct view_params *p, struct view_report *out,
                       struct view_error *err);

/* The quarter's first and last days ("2026-07-01", "2026-09-30") of a
 * valid YYYYQn; false when text is not one. */
bool view_report_quarter(const char *text, char first[11], char last[11]);

#endif
