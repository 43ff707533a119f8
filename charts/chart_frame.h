/* The frame of one chart (chart_frame.c): the chart kinds say what to draw
 * (a chart_kind), the frame says where, in one of two ways:
 *   chart_frame_render  a new surface of the options' size, scale and format,
 *                       encoded into bytes (chart_render_*);
 *   chart_frame_draw    a rectangle of a caller's cairo_t (chart_draw_*).
 * Both check the input and the options, make the cairo_t the context's
 * current chart (ctx->cr, ctx->width, ... : chart_ctx.h) while the kind
 * draws, and report errors into (err, errlen). */
#ifndef RETENTIOND_CHART_FRAME_H
#define RETENTIOND_CHART_FRAME_H

#include "chart.h"

#include <cairo.h>

typedef struct {
    /* False with an error naming the problem when `in` (the kind's input
     * struct, NULL included) cannot be drawn. */
    bool (*check)(const void *in, char *err, size_t errlen);
    /* Draws `in`, checked, on the context's current chart; false with an
     * error only when memory runs out. */
    bool (*draw)(chart_ctx *ctx, const void *in, char *err, size_t errlen);
} chart_kind;

/* chart_render_*() (contract in chart.h): *out NULL and *len 0 first; the
 * input checked, then the options; on success *out is malloc'd (the caller
 * frees it). The PNG surface is the context's, kept for the next chart of
 * the same pixel size. */
bool chart_frame_render(chart_ctx *ctx, const chart_opts *opts, const chart_kind *kind,
                        const void *in, unsigned char **out, size_t *len, char *err, size_t errlen);
/* chart_draw_*() (contract in chart.h): the input checked, then the options
 * and rectangle, then cr; cr's state and path are as they were on return. */
bool chart_frame_draw(chart_ctx *ctx, cairo_t *cr, const chart_rect *where, const chart_opts *opts,
                      const chart_kind *kind, const void *in, char *err, size_t errlen);

#endif
