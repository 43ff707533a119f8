/* A run's values as CSV: the rows of the quarterly report's CSV
 * (report_csv.h) and of the alarm grid's download (/api/v1/grid.csv).
 * RFC 4180, UTF-8 with a byte-order mark (so that Excel reads Chinese),
 * CRLF line ends; one row per (branch, KPI, dim, campaign) with the
 * numerator, denominator, value, targets, path points, status and its
 * reason, the previous status, the run and (satisfaction) whether the value
 * is partial; text cells that a spreadsheet would take for a formula
 * escaped (csv_text). Numbers as the compute contract gives them (up to 12
 * significant digits), empty when NULL. The same run gives the same bytes.
 *
 * Ownership: the snapshot and the run are read; out receives the text. */
#ifndef RETENTIOND_RUN_CSV_H
#define RETENTIOND_RUN_CSV_H

#include "buf.h"
#include "view.h"

/* The byte-order mark and the header line; the first column is named
 * date_column (the report's "month_end", the grid's "as_of"). */
void run_csv_header(struct buf *out, const char *date_column);

/* The rows of run's values of branch and its subtree, in the run's order
 * (KPI, campaign, branch code, dim), each starting with date. */
void run_csv_subtree(struct buf *out, const struct snap *s, const struct snap_run *run, int branch,
                     const char *date);

#endif
