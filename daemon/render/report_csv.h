/* The quarterly report as CSV (docs/report.md): RFC 4180, UTF-8 with a
 * byte-order mark (so that Excel reads Chinese), CRLF line ends, one row
 * per (month end, branch, KPI, dim, campaign) of the branch's subtree,
 * with the numerator, denominator, value, targets, path points, status
 * and its reason, the previous status, the run and (satisfaction) whether
 * the value is partial; text cells that a spreadsheet would take for a
 * formula escaped (csv_text). Numbers as the compute contract gives them
 * (up to 12 significant digits), empty when NULL. The same view gives the
 * same bytes.
 *
 * Ownership: the view is read; out receives the text. */
#ifndef RETENTIOND_REPORT_CSV_H
#define RETENTIOND_REPORT_CSV_H

#include "buf.h"
#include "report.h"

void report_csv(const struct view_report *v, struct buf *out);

#endif
