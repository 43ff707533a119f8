/* Charts of the KPI snapshot: turns a chart request (kind, KPI, branch,
 * dim, campaign, date, size) into the API's view of the same figures
 * (api_view) and draws it with the chart library (charts/chart.h). Used by
 * the daemon's /charts/ routes and by `retentiond chart`, so that a chart
 * always shows exactly what the JSON API answers.
 *
 * Ownership: strings in struct plot_request are borrowed for the call.
 * plot_render() gives the caller a malloc'd buffer to free(). */
#ifndef RETENTIOND_PLOT_H
#define RETENTIOND_PLOT_H

#include "api.h"
#include "chart.h"
#include "cli.h"
#include "snap.h"

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
};

/* Reads "KIND.EXT" (e.g. "trend.png") into rq->kind and rq->format; false
 * when either is unknown. */
bool plot_parse_name(const char *name, struct plot_request *rq);

/* Reads a size parameter: width/height an integer 16..4096, scale a number
 * 0.5..4. False with err (400, naming `name`) otherwise. */
bool plot_parse_size(const char *name, const char *text, struct plot_request *rq,
                     struct api_error *err);

/* The MIME type of a format. */
const char *plot_content_type(chart_format format);

/* Draws the chart of rq from snapshot s. api may be NULL (see api_view).
 * False with err (a 400 naming the parameter, a 404 when there is nothing
 * to draw, 500 when drawing fails). */
bool plot_render(chart_ctx *ctx, chart_arrows arrows, struct api *api, struct snap *s,
                 const struct plot_request *rq, unsigned char **out, size_t *len,
                 struct api_error *err);

/* `retentiond chart` (args parsed by cli_parse): reads the stored runs
 * the chart needs from the database and writes the chart to args->out.
 * Returns the exit code (2: bad arguments, 1: failure), after one line on
 * stderr. */
int plot_command(const struct cli_args *args, const char *conninfo);

#endif
