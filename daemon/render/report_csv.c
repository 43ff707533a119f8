/* The quarterly report as CSV: see report_csv.h. */
#include "report_csv.h"

#include "run_csv.h"

void report_csv(const struct view_report *v, struct buf *out)
{
    run_csv_header(out, "month_end");
    for (int m = 0; m < 3; m++)
        run_csv_subtree(out, v->s, v->runs[m], v->branch, v->month_end[m]);
}
