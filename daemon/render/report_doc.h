/* The quarterly inspection report as an A4 PDF (docs/report.md), laid out
 * as a document (doc.h) from its view (views/report.h): the cover (the
 * quarter, the branch, the month-end runs, the data watermark, who
 * generated it, the SHA-256 of the CSV of the same runs), the contents,
 * the branch's month-end figures (each KPI's value, numerator,
 * denominator, base and challenge targets, status), a section per city
 * and county of the subtree with the same table, the values red at a
 * month end with their reason, and the appendices (the runs with their
 * watermarks, the data-quality counts). Every heading is a bookmark of the
 * PDF's outline; pages are numbered "n / N". The PDF's dates are the
 * quarter's last day: the same runs give the same bytes.
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

/* who: the generating user (a name; the PDF says it); csv_sha: the hex
 * SHA-256 of report_csv() of the same view. */
bool report_pdf(const struct view_report *v, const struct labels *l, const char *who,
                const char *csv_sha, chart_ctx *ctx, unsigned char **out, size_t *len, char *err,
                size_t errlen);

#endif
