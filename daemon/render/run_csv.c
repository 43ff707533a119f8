/* A run's values as CSV: see run_csv.h. */
#include "run_csv.h"

#include "csv.h"

#include <math.h>
#include <stdio.h>

static const char *const columns[] = {
    "branch_code",
    "branch_name",
    "level",
    "kpi",
    "dim",
    "campaign",
    "period",
    "numerator",
    "denominator",
    "value",
    "target_base",
    "target_challenge",
    "path_base",
    "path_challenge",
    "status",
    "reason",
    "previous_status",
    "run_id",
    "partial",
    "unit",
};

/* What a KPI's value is: a fraction of its denominator (the rates), a
 * survey score from 0 to 100, or a count of members (the zones). */
static const char *unit(int kpi)
{
    switch (kpi) {
    case SNAP_SATISFACTION:
    case SNAP_SATISFACTION_GOTONE:
        return "score";
    case SNAP_ZONES:
        return "count";
    default:
        return "ratio";
    }
}

static void number(struct buf *out, double x)
{
    if (!isnan(x))
        buf_printf(out, "%.12g", x);
}

static void text(struct buf *out, const char *t)
{
    csv_text(out, t ? t : "");
}

static void row(struct buf *out, const struct snap *s, const struct snap_run *run, const char *date,
                const struct snap_value *x)
{
    const struct snap_branch *b = &s->branches[x->branch];
    buf_printf(out, "%s,", date);
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
    buf_printf(out, ",%lld,", run->run_id);
    /* satisfaction's weighted mean without every child (as the API says) */
    if (x->kpi == SNAP_SATISFACTION || x->kpi == SNAP_SATISFACTION_GOTONE)
        buf_puts(out, x->partial ? "true" : "false");
    buf_printf(out, ",%s\r\n", unit(x->kpi));
}

void run_csv_header(struct buf *out, const char *date_column)
{
    buf_printf(out, "\xef\xbb\xbf%s", date_column);
    for (size_t c = 0; c < sizeof columns / sizeof columns[0]; c++)
        buf_printf(out, ",%s", columns[c]);
    buf_puts(out, "\r\n");
}

void run_csv_subtree(struct buf *out, const struct snap *s, const struct snap_run *run, int branch,
                     const char *date)
{
    for (size_t i = 0; i < run->nvalues; i++)
        if (snap_branch_within(s, run->values[i].branch, branch))
            row(out, s, run, date, &run->values[i]);
}
