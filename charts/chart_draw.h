/* Drawing primitives shared by the chart kinds (chart_draw.c): shapes and
 * lines on a cairo_t, and the pieces drawn on a context's current chart
 * (ctx->cr, at ctx->width x ctx->height: see chart_ctx.h): title, value
 * axes, rows of labelled bars, legend entries. Nothing here allocates. */
#ifndef RETENTIOND_CHART_DRAW_H
#define RETENTIOND_CHART_DRAW_H

#include "chart.h"
#include "chart_scale.h"
#include "chart_text.h"

#include <cairo.h>

void chart_set_rgb(cairo_t *cr, chart_rgb c);
void chart_glyph_draw(cairo_t *cr, chart_glyph g, double cx, double cy, double size, chart_rgb c);
void chart_arrow_draw(cairo_t *cr, bool up, double cx, double cy, double size, chart_rgb c);
void chart_hline(cairo_t *cr, double x0, double x1, double y, double width, chart_rgb c,
                 bool dashed);
void chart_vline(cairo_t *cr, double x, double y0, double y1, double width, chart_rgb c,
                 bool dashed);
/* The title's height (8 above its line, 6 under it), or 0 when there is
 * no title or the chart is narrower than CHART_TITLE_MIN_W. A kind asks it
 * first, and leaves the title out (chart_title not called) when its content
 * would not keep its least height under it. Needs no ctx->cr. */
#define CHART_TITLE_MIN_W 52.0
double chart_title_height(chart_ctx *ctx);
/* Draws the title; nothing when chart_title_height() is 0. */
void chart_title(chart_ctx *ctx);

/* Value-axis gridlines and, when `labels`, their labels (chart_rect: a
 * plot rectangle, here in the chart's units): vertical (labels at the left
 * of `r`: the caller keeps room for them) or horizontal (labels under `r`,
 * when they fit: chart_tick_labels_fit). */
void chart_axis_y(chart_ctx *ctx, const chart_rect *r, const chart_scale *s, const chart_ticks *t,
                  chart_axis axis, bool labels);
void chart_axis_x(chart_ctx *ctx, const chart_rect *r, const chart_scale *s, const chart_ticks *t,
                  chart_axis axis, bool labels);

/* A row of tick labels under a plot: each centred on its x, the ones at the
 * ends moved in to stay 2 units inside the chart's width. label(data, i,
 * &x, buf, n) gives tick i's x and text. chart_tick_labels_fit: false when
 * the n labels cannot all be drawn so, each in the chart's width and none
 * closer than 4 units to the next (then none is drawn). chart_tick_label
 * draws one, its top at y (st's alignment is set here). Neither keeps
 * `data`. */
typedef void (*chart_tick_label_fn)(const void *data, int i, double *x, char *buf, size_t n);
bool chart_tick_labels_fit(chart_ctx *ctx, int n, chart_tick_label_fn label, const void *data,
                           const chart_textstyle *st);
void chart_tick_label(chart_ctx *ctx, const char *s, double x, double y, chart_textstyle *st);

/* Rows of labelled bars (ranking, zones): the row pitch, the label font
 * size (0: no labels, rows too thin for CHART_FONT_MIN) and the label
 * column's width. */
typedef struct {
    double pitch, font, label_w;
} chart_rows;
/* Fits n rows into height h; the label column gets the widest label's width
 * (measured at the font size), at most max_label_w. Needs no ctx->cr. */
void chart_rows_fit(chart_ctx *ctx, double h, size_t n, const char *const *labels,
                    double max_label_w, chart_rows *r);
/* Draws a row label right-aligned in the label column, ellipsised. */
void chart_row_label(chart_ctx *ctx, const chart_rows *r, const char *label, double x, double cy);
/* A legend entry: glyph (or a swatch when g is NONE: CHART_SWATCH_W x
 * CHART_SWATCH_H, its left at x, centred on cy) and text; returns the x
 * after it. */
#define CHART_SWATCH_W 12.0
#define CHART_SWATCH_H 10.0
double chart_legend_entry(chart_ctx *ctx, double x, double cy, chart_glyph g, chart_rgb c,
                          bool outline, const char *text);
/* What chart_legend_entry() adds to x for `text` (its last 16 units are the
 * gap to the next entry). Needs no ctx->cr. */
double chart_legend_entry_width(chart_ctx *ctx, const char *text);

#endif
