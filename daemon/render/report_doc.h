/* The quarterly inspection report as an A4 PDF (docs/report.md), laid out
 * as a document (doc.h) from its view with its history (views/report.h):
 * the cover (the quarter, the branch, the month-end runs, the data
 * watermark, when the last of them finished, who generated it, the
 * SHA-256 of the CSV of the same runs, the daily runs of the alarm
 * history), the contents, a section per branch of the subtree (the
 * month-end figures: each KPI's value, numerator, denominator, targets and
 * status; trend charts; the alarms of the quarter with the day each
 * cleared; the zones' movement), the rankings, the quarter's alarms per
 * KPI, and the appendices (the runs' times and watermarks, their
 * settings, the KPI definitions, the data-quality counts). Every heading
 * is a bookmark of the PDF's outline; pages are numbered "n / N". The
 * PDF's dates are the quarter's last day (or SOURCE_DATE_EPOCH): the same
 * runs give the same bytes.
 *
 * Ownership: the view and labels are read; *out is malloc'd for the
 * caller. */
#ifndef RETENTIOND_REPORT_DOC_H
#define RETENTIOND_REPORT_DOC_H

#include "chart.h"
#include "labels.h"
#include "report.h"

#include <stdbool.h>
#include <stddef.h>

/* v: with its history (view_report_history; false with an error without
 * it); who: the generating user (a name; the PDF says it); csv_sha: the
 * hex SHA-256 of report_csv() of the same view. */
bool report_pdf(const struct view_report *v, const struct labels *l, const char *who,
                const char *csv_sha, chart_ctx *ctx, unsigned char **out, size_t *len, char *err,
                size_t errlen);

#endif
