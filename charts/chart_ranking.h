/* The ranking's layout (chart_ranking.c), computed before anything is drawn
 * and checked by the unit tests. chart_render_ranking(),
 * chart_draw_ranking() and chart_ranking_height() are declared in
 * chart.h. */
#ifndef RETENTIOND_CHART_RANKING_H
#define RETENTIOND_CHART_RANKING_H

#include "chart.h"
#include "chart_draw.h"
#include "chart_scale.h"

typedef struct {
    size_t item;         /* index into the input */
    double y, h, x0, x1; /* bar rectangle (x0 <= x1) */
    chart_rgb colour;
    chart_glyph glyph;
} chart_rank_bar;

typedef struct {
    chart_rect plot;
    chart_scale x;
    chart_ticks xt;
    chart_rows rows;                  /* rows.font 0: no row or value labels */
    double top;                       /* where the legend goes */
    bool title, legend, axis, glyphs; /* what is drawn besides the bars */
    double legend_x;                  /* where the legend starts */
    chart_rank_bar *bars;             /* n bars in rank order, malloc'd: owned by the layout */
    size_t n;
} chart_rank_layout;

/* Lays out the ranking for opts' width, height and title (scale and format
 * play no part). Rows from the top: title, legend, bars, axis labels; when
 * the bars would get less than a unit each, or less than 12 in all, the
 * title, then the legend, then the axis labels are left out. Columns: row
 * labels, status glyphs, bars, value labels; when the bars would be
 * narrower than 40 units, the row and value labels are left out, then the
 * glyphs. The legend is left out when it does not fit the width. False when
 * memory runs out. Free with chart_rank_layout_free() (after a failure
 * too). */
bool chart_ranking_layout(chart_ctx *ctx, const chart_opts *opts, const chart_ranking *in,
                          chart_rank_layout *l);
/* Frees the bars; NULL-safe. */
void chart_rank_layout_free(chart_rank_layout *l);

#endif
