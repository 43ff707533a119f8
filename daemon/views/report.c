/* The quarterly report's view: see report.h. */
#include "report.h"

#include "date.h"
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool view_report_quarter(const char *text, char first[11], char last[11])
{
    if (!text || strlen(text) != 6 || text[4] != 'Q' || text[5] < '1' || text[5] > '4' ||
        strspn(text, "0123456789") != 4)
        return false;
    static const char *const starts[] = {"-01-01", "-04-01", "-07-01", "-10-01"};
    if (atoi(text) < 1900)
        return false;
    memcpy(first, text, 4);
    memcpy(first + 4, starts[text[5] - '1'], 7);
    date_shift(first, 3, -1, last);
    return true;
}

/* Whether a run of v's month ends has a value of a branch of v's subtree
 * (a branch without a parent and without customers has none). */
static bool subtree_has_values(const struct view_report *v)
{
    for (int m = 0; m < 3; m++)
        for (size_t i = 0; i < v->runs[m]->nvalues; i++)
            if (snap_branch_within(v->s, v->runs[m]->values[i].branch, v->branch))
                return true;
    return false;
}

bool view_report_build(const struct snap *s, const struct view_params *p, struct view_report *out,
                       struct view_error *err)
{
    const char *q = view_arg(p, "quarter");
    char first[11], last[11];
    *out = (struct view_report){.s = s};
    if (!q)
        return view_fail(err, 400, "missing_parameter", "quarter", "quarter is required (YYYYQn)");
    if (!view_report_quarter(q, first, last))
        return view_fail(err, 400, "invalid_parameter", "quarter",
                         "quarter must be YYYYQn, n from 1 to 4");
    if (!view_param_branch(s, p, "branch", &out->branch, err))
        return false;
    snprintf(out->quarter, sizeof out->quarter, "%s", q);
    const struct snap_run *latest = snap_latest(s);
    if (!latest || strcmp(latest->as_of, last) < 0)
        return view_fail(err, 404, "quarter_not_ended", "quarter",
                         "%s ends on %s, after the newest run (%s)", q, last,
                         latest ? latest->as_of : "none");
    for (int m = 0; m < 3; m++) {
        char month[11];
        date_shift(first, m, 0, month);
        date_shift(month, 1, -1, out->month_end[m]);
        out->runs[m] = snap_run_on(s, out->month_end[m]);
        if (!out->runs[m])
            return view_fail(err, 404, "no_run", "quarter",
                             "no stored run on %s, a month end of %s", out->month_end[m], q);
    }
    if (!subtree_has_values(out))
        return view_fail(err, 404, "no_data", "branch",
                         "branch %s has no KPI value in the runs of %s's month ends: no report",
                         s->branches[out->branch].code, q);
    return true;
}

void view_report_range(const struct view_report *v, char first[11], char last[11])
{
    snprintf(first, 11, "%.8s01", v->month_end[0]);
    snprintf(last, 11, "%s", v->month_end[2]);
}

bool view_report_run_current(const struct view_report *v, int m, long long newest,
                             struct view_error *err)
{
    if (newest == v->runs[m]->run_id)
        return true;
    return view_fail(err, 503, "stale_snapshot", NULL,
                     "the run of %s changed since the snapshot was taken; try again after the "
                     "next refresh",
                     v->month_end[m]);
}

bool view_report_history(struct view_report *v, const struct snap_history *h,
                         struct view_error *err)
{
    v->history = h;
    for (size_t i = 0; i < h->ndays; i++)
        for (int m = 0; m < 3; m++)
            if (strcmp(h->days[i].as_of, v->month_end[m]) == 0)
                v->month_days[m] = &h->days[i];
    for (int m = 0; m < 3; m++)
        if (!view_report_run_current(v, m, v->month_days[m] ? v->month_days[m]->run_id : 0, err))
            return false;
    v->alarms = xcalloc(h->nalarms + 1, sizeof *v->alarms);
    for (size_t i = 0; i < h->nalarms; i++)
        if (snap_branch_within(v->s, h->alarms[i].branch, v->branch))
            v->alarms[v->nalarms++] = &h->alarms[i];
    return true;
}

void view_report_lineage(const struct view_report *v, json_t *params)
{
    json_t *runs = json_array();
    for (int m = 0; m < 3; m++)
        json_array_append_new(runs, json_integer((json_int_t)v->runs[m]->run_id));
    json_object_set_new(params, "runs", runs);
    if (!v->history)
        return;
    json_t *days = json_array();
    for (size_t i = 0; i < v->history->ndays; i++)
        json_array_append_new(days, json_integer((json_int_t)v->history->days[i].run_id));
    json_object_set_new(params, "days", days);
}

void view_report_free(struct view_report *v)
{
    if (!v)
        return;
    free(v->alarms);
    v->alarms = NULL;
    v->nalarms = 0;
}
