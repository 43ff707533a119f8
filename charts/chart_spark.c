/* The sparkline: a small line for dashboard tiles, no text. */
#include "chart.h"

#include "chart_ctx.h"
#include "chart_draw.h"
#include "chart_err.h"
#include "chart_frame.h"
#include "chart_scale.h"

#include <math.h>

static bool spark_check(const void *input, char *err, size_t errlen)
{
    const chart_sparkline *in = input;
    if (in == NULL || (in->n > 0 && in->values == NULL)) {
        chart_err(err, errlen, "sparkline: no input");
        return false;
    }
    for (size_t i = 1; in->days && i < in->n; i++)
        if (in->days[i] <= in->days[i - 1]) {
            chart_err(err, errlen, "sparkline: day %zu is not after the one before", i);
            return false;
        }
    return true;
}

/* Where value i goes along x: its day, or its index. */
static double at(const chart_sparkline *in, size_t i)
{
    return in->days ? (double)in->days[i] : (double)i;
}

static bool spark_draw(chart_ctx *ctx, const void *input, char *err, size_t errlen)
{
    const chart_sparkline *in = input;
    (void)err;
    (void)errlen;
    double lo = in->reference, hi = in->reference;
    size_t last = in->n;
    for (size_t i = 0; i < in->n; i++)
        if (isfinite(in->values[i])) {
            lo = isfinite(lo) ? fmin(lo, in->values[i]) : in->values[i];
            hi = isfinite(hi) ? fmax(hi, in->values[i]) : in->values[i];
            last = i;
        }
    if (isfinite(lo) && lo == hi) {
        lo -= 1;
        hi += 1;
    }
    double pad = 3.5;
    /* x: each value's day, or its index */
    double x0 = in->days && in->n ? in->days[0] : 0,
           x1 = in->n > 1 ? (in->days ? in->days[in->n - 1] : (double)(in->n - 1)) : x0 + 1;
    chart_scale x = {x0, x1, pad, ctx->width - pad};
    chart_scale y = {lo, hi, ctx->height - pad, pad};
    if (isfinite(in->reference))
        chart_hline(ctx->cr, pad, ctx->width - pad, chart_scale_map(&y, in->reference), 1,
                    chart_muted, true);
    bool down = false;
    for (size_t i = 0; i < in->n; i++) {
        if (!isfinite(in->values[i])) {
            down = false;
            continue;
        }
        double px = chart_scale_map(&x, at(in, i)), py = chart_scale_map(&y, in->values[i]);
        if (down)
            cairo_line_to(ctx->cr, px, py);
        else
            cairo_move_to(ctx->cr, px, py);
        down = true;
    }
    cairo_set_line_width(ctx->cr, 1.5);
    cairo_set_line_join(ctx->cr, CAIRO_LINE_JOIN_ROUND);
    chart_set_rgb(ctx->cr, chart_series_colour(0));
    cairo_stroke(ctx->cr);
    if (last < in->n)
        chart_glyph_draw(ctx->cr, CHART_GLYPH_CIRCLE, chart_scale_map(&x, at(in, last)),
                         chart_scale_map(&y, in->values[last]), 6, chart_series_colour(0));
    return true;
}

static const chart_kind spark_kind = {spark_check, spark_draw};

bool chart_render_sparkline(chart_ctx *ctx, const chart_opts *opts, const chart_sparkline *in,
                            unsigned char **out, size_t *len, char *err, size_t errlen)
{
    return chart_frame_render(ctx, opts, &spark_kind, in, out, len, err, errlen);
}

bool chart_draw_sparkline(chart_ctx *ctx, cairo_t *cr, const chart_rect *where,
                          const chart_opts *opts, const chart_sparkline *in, char *err,
                          size_t errlen)
{
    return chart_frame_draw(ctx, cr, where, opts, &spark_kind, in, err, errlen);
}
