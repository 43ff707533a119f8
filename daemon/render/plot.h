/* Charts of the typed views (views/): a chart request (kind, format, KPI,
 * branch, dim, campaign, date, size) turned into the view of the same
 * figures the JSON API answers, drawn with the chart library
 * (charts/chart.h). Used by the daemon's /charts/ routes and by
 * `retentiond chart`, so that a chart always shows what the API says.
 *
 * Ownership: strings in struct plot_request are borrowed for the call.
 * plot_render() gives the caller a malloc'd buffer to free(). */
#ifndef RETENTIOND_PLOT_H
#define RETENTIOND_PLOT_H

#include "chart.h"
#include "view.h"

#include <stdbool.h>
#include <stddef.h>

enum plot_kind { PLOT_TREND, PLOT_RANKING, PLOT_BULLET, PLOT_ZONES, PLOT_PANORAMA, PLOT_SPARKLINE };

struct plot_request {
    enum plot_kind kind;
    chart_format format;
    const char *kpi;      /* NULL: the kind's default (zones: zone_count, panorama: satisfaction) */
    const char *branch;   /* NULL: the province; ranking: the parent whose children are ranked */
    const char *dim;      /* NULL: the total (satisfaction: the root indicator) */
    const char *campaign; /* bundling: NULL = every running campaign (trend) or the first */
    const char *date;     /* NULL: the newest run; trend: the last day shown */
    int width, height;    /* 0: the kind's default */
    double scale;         /* 0: 1 */
    const char *lang;     /* the labels' language: "zh" (NULL) or "en" */
};

/* The pixels a chart may have by default (width x height x scale^2):
 * charts.max_pixels. */
#define PLOT_MAX_PIXELS (4L * 1024 * 1024)

/* Reads "KIND.EXT" (e.g. "trend.png") into rq->kind and rq->format; false
 * when either is unknown. */
bool plot_parse_name(const char *name, struct plot_request *rq);

/* Reads a size parameter: width/height an integer 16..4096, scale a number
 * 0.5..4. False with err (400, naming `name`) otherwise. */
bool plot_parse_size(const char *name, const char *text, struct plot_request *rq,
                     struct view_error *err);

/* The value axis of a KPI's charts: scores for satisfaction, else
 * percent. */
chart_axis plot_axis(int kpi);

/* The MIME type of a format. */
const char *plot_content_type(chart_format format);

/* Whether rq can be drawn from snapshot s: its KPI, branch (within the
 * scope of p), date, and a size of at most max_pixels (a 400 naming the
 * parameter, 403 outside the scope, 404 for a date without a run). */
bool plot_check(const struct snap *s, const struct view_params *p, const struct plot_request *rq,
                long max_pixels, struct view_error *err);

/* Draws the chart of rq from snapshot s with the thresholds and scope of
 * p. False with err (as plot_check, a 404 when there is nothing to draw,
 * 500 when drawing fails). */
bool plot_render(chart_ctx *ctx, chart_arrows arrows, const struct view_params *p,
                 const struct snap *s, const struct plot_request *rq, long max_pixels,
                 unsigned char **out, size_t *len, struct view_error *err);

/* The first PNG of a one-shot caller renders faster after this (see
 * chart_ctx_prepare); false when rq's size is not yet known (a ranking
 * without a height, whose height follows its rows). */
bool plot_prepare(chart_ctx *ctx, const struct plot_request *rq);

#endif
