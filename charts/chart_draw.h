/* Drawing primitives shared by the chart kinds (chart_draw.c): shapes and
 * lines on a cairo_t, and the pieces drawn on a context's current chart
 * (ctx->cr, at ctx->width x ctx->height: see chart_ctx.h): title, value
 * axes, rows of labelled bars, legend entries. Nothing here allocates. */
#ifndef RETENTIOND_CHART_DRAW_H
#define RETENTIOND_CHART_DRAW_H

#include "chart.h"
#include "chart_scale.h"

#include <cairo.h>

void chart_set_rgb(cairo_t *cr, chart_rgb c);
void chart_glyph_draw(cairo_t *cr, chart_glyph g, double cx, double cy, double size, chart_rgb c);
void chart_arrow_draw(cairo_t *cr, bool up, double cx, double cy, double size, chart_rgb c);
void chart_hline(cairo_t *cr, double x0, double x1, double y, double width, chart_rgb c,
                 bool dashed);
void chart_vline(cairo_t *cr, double x, double y0, double y1, double width, chart_rgb c,
                 bool dashed);
/* Draws the title (if any); returns the height it took. */
double chart_title(chart_ctx *ctx);

/* Value-axis gridlines and labels (chart_rect: a plot rectangle, here in
 * the chart's units): vertical (labels at the left of `r`) or horizontal
 * (labels under `r`). */
void chart_axis_y(chart_ctx *ctx, const chart_rect *r, const chart_scale *s, const chart_ticks *t,
                  chart_axis axis);
void chart_axis_x(chart_ctx *ctx, const chart_rect *r, const chart_scale *s, const chart_ticks *t,
                  chart_axis axis);

/* Rows of labelled bars (ranking, zones): the row pitch, the label font
 * size (0: no labels, rows too thin) and the label column's width. */
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

#endif
