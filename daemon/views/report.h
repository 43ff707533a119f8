/* The quarterly inspection report (issue 16) for auditors: a quarter's
 * three month ends, each with its stored run, for a branch's subtree, from
 * the snapshot (so that its figures are the API's for the same runs).
 *
 * Parameters: quarter (required, YYYYQn), branch (default the scope's
 * root). A quarter not yet ended (its last day after the newest run), or
 * a month end without a run of its own, is a 404 naming what is missing:
 * never a partial report.
 *
 * Ownership: see view.h; the runs are the snapshot's, the history the
 * caller's. */
#ifndef RETENTIOND_VIEW_REPORT_H
#define RETENTIOND_VIEW_REPORT_H

#include "snap_history.h"
#include "view.h"

struct view_report {
    const struct snap *s;
    char quarter[7]; /* YYYYQn */
    int branch;
    char month_end[3][11];
    const struct snap_run *runs[3]; /* the run of each month end */
    /* view_report_history(): */
    const struct snap_history *history;
    const struct snap_day *month_days[3]; /* the month ends' days */
    const struct snap_alarm **alarms;     /* of the subtree, the history's order */
    size_t nalarms;
};

bool view_report_build(const struct snap *s, const struct view_params *p, struct view_report *out,
                       struct view_error *err);

/* The range a report's history is read for (snap_history_read): the
 * quarter's first and last days. */
void view_report_range(const struct view_report *v, char first[11], char last[11]);

/* Whether newest, the newest finished run of v's month end m in the
 * database (0: none), is the snapshot's run of it; else a 503
 * stale_snapshot: a report would stand on a run a recompute has
 * superseded (its figures no longer the newest run's). */
bool view_report_run_current(const struct view_report *v, int m, long long newest,
                             struct view_error *err);

/* Takes the history h (borrowed: it must outlive v) of a built report: its
 * days, and its alarms of the report's subtree. A month end whose newest
 * run in h is not the snapshot's (a run stored since the snapshot was
 * taken) is a 503 stale_snapshot: the figures and the history would come
 * from different runs. Free with view_report_free(). */
bool view_report_history(struct view_report *v, const struct snap_history *h,
                         struct view_error *err);
/* Frees what view_report_history() made (NULL-safe). */
void view_report_free(struct view_report *v);

/* What an export of v stood on, set in an audit row's params: "runs", the
 * month ends' run ids; with a history (a PDF), "days", the run of each day
 * it read, oldest first (`retentiond audit reproduce` reads both). */
void view_report_lineage(const struct view_report *v, json_t *params);

/* The quarter's first and last days ("2026-07-01", "2026-09-30") of a
 * valid YYYYQn; false when text is not one. */
bool view_report_quarter(const char *text, char first[11], char last[11]);

#endif
