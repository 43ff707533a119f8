/* The quarterly report as CSV: see report_csv.h. */
#include "report_csv.h"

#include "csv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const columns[] = {
    "month_end", "branch_code", "branch_name",      "level",     "kpi",
    "dim",       "campaign",    "period",           "numerator", "denominator",
    "value",     "target_base", "target_challenge", "path_base", "path_challenge",
    "status",    "reason",      "previous_status",  "run_id",    "partial",
};

static void number(struct buf *out, double x)
{
    if (!isnan(x))
        buf_printf(out, "%.12g", x);
}

static void text(struct buf *out, const char *t)
{
    csv_text(out, t ? t : "");
}

static void row(struct buf *out, const struct view_report *v, int m, const struct snap_value *x)
{
    const struct snap *s = v->s;
    const struct snap_branch *b = &s->branches[x->branch];
    buf_printf(out, "%s,", v->month_end[m]);
    text(out, b->code);
    buf_puts(out, ",");
    text(out, b->name);
    buf_printf(out, ",%d,%s,", b->level, snap_kpi_name((enum snap_kpi)x->kpi));
    text(out, snap_str(x->dim));
    buf_puts(out, ",");
    if (x->campaign >= 0)
        buf_printf(out, "%d", (int)x->campaign);
    buf_puts(out, ",");
    text(out, snap_str(x->period));
    for (int f = SNAP_NUM; f < SNAP_NFIELDS; f++) {
        buf_puts(out, ",");
        number(out, x->f[f]);
    }
    buf_puts(out, ",");
    text(out, snap_status_name((enum snap_status)x->status));
    buf_puts(out, ",");
    text(out, snap_str(x->reason));
    buf_puts(out, ",");
    text(out, snap_status_name((enum snap_status)x->previous));
    buf_printf(out, ",%lld,", v->runs[m]->run_id);
    /* satisfaction's weighted mean without every child (as the API says) */
    if (x->kpi == SNAP_SATISFACTION || x->kpi == SNAP_SATISFACTION_GOTONE)
        buf_puts(out, x->partial ? "true" : "false");
    buf_puts(out, "\r\n");
}

void report_csv(const struct view_report *v, struct buf *out)
{
    buf_puts(out, "\xef\xbb\xbf");
    for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++)
        buf_printf(out, "%s%s", c ? "," : "", columns[c]);
    buf_puts(out, "\r\n");
    for (int m = 0; m < 3; m++) {
        const struct snap_run *r = v->runs[m];
        for (size_t i = 0; i < r->nvalues; i++)
            if (snap_branch_within(v->s, r->values[i].branch, v->branch))
                row(out, v, m, &r->values[i]);
    }
}
