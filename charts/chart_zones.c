/* The zones chart: the five risk zones of each branch as one stacked bar
 * (white, red, yellow, blue, green), white drawn with an outline, the red
 * and yellow zones hatched. */
#include "chart.h"

#include "chart_ctx.h"
#include "chart_draw.h"
#include "chart_err.h"
#include "chart_frame.h"
#include "chart_scale.h"
#include "chart_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define ZONES_LEGEND 24.0
#define ZONES_AXIS   24.0
#define ZONES_HATCH  5.0 /* between hatch lines, along the bar */

static const char *const zone_default[CHART_ZONE_COUNT] = {"white", "red", "yellow", "blue",
                                                           "green"};

static long zones_total(const chart_zone_row *r)
{
    long t = 0;
    for (int z = 0; z < CHART_ZONE_COUNT; z++)
        t += r->counts[z];
    return t;
}

static bool zones_check(const void *input, char *err, size_t errlen)
{
    const chart_zones *in = input;
    if (in == NULL || (in->n > 0 && in->rows == NULL)) {
        chart_err(err, errlen, "zones: no input");
        return false;
    }
    for (size_t i = 0; i < in->n; i++)
        for (int z = 0; z < CHART_ZONE_COUNT; z++)
            if (in->rows[i].counts[z] < 0) {
                chart_err(err, errlen, "zones: row %zu: count %ld is negative", i,
                          in->rows[i].counts[z]);
                return false;
            }
    return true;
}

/* The zones at risk carry a texture besides their colour, so that they
 * read without it (colour-blind eyes, a grey print): red hatched "/",
 * yellow hatched "\", white outlined; the safe blue and green are solid.
 * A sliver narrower than the hatch's pitch keeps its flat colour, which a
 * hatch line would mostly cover. */
static void zones_hatch(cairo_t *cr, chart_zone z, double x, double y, double w, double h)
{
    if ((z != CHART_ZONE_RED && z != CHART_ZONE_YELLOW) || w < ZONES_HATCH || h <= 0)
        return;
    bool rising = z == CHART_ZONE_RED;
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    for (double s = x - h; s < x + w; s += ZONES_HATCH) {
        cairo_move_to(cr, s, rising ? y + h : y);
        cairo_line_to(cr, s + h, rising ? y : y + h);
    }
    cairo_set_line_width(cr, 1.2);
    chart_set_rgb(cr, rising ? CHART_RGB(0x9A4300) : CHART_RGB(0xC2B52C));
    cairo_stroke(cr);
    cairo_restore(cr);
}

static void zones_legend(chart_ctx *ctx, const chart_zones *in, double x, double cy)
{
    for (int z = 0; z < CHART_ZONE_COUNT; z++) {
        double at = x;
        x = chart_legend_entry(ctx, x, cy, CHART_GLYPH_NONE, chart_zone_colour((chart_zone)z),
                               z == CHART_ZONE_WHITE,
                               in->zone_text[z] ? in->zone_text[z] : zone_default[z]);
        zones_hatch(ctx->cr, (chart_zone)z, at, cy - CHART_SWATCH_H / 2, CHART_SWATCH_W,
                    CHART_SWATCH_H);
    }
}

/* Count axis: integer ticks under the plot. */
static void zones_axis(chart_ctx *ctx, const chart_rect *r, const chart_scale *x,
                       const chart_ticks *t)
{
    chart_textstyle st = {.size = 11, .colour = chart_muted, .halign = CHART_CENTER};
    for (int i = 0; i < t->n; i++) {
        double v = t->first + i * t->step, px = chart_scale_map(x, v);
        char buf[32];
        snprintf(buf, sizeof buf, "%.0f", v);
        chart_vline(ctx->cr, px, r->y, r->y + r->h, 1, chart_grid, false);
        chart_text(ctx, buf, px, r->y + r->h + 4, &st);
    }
}

/* One segment, its count inside when it fits. */
static void zones_segment(chart_ctx *ctx, chart_zone z, long count, double x0, double x1, double y,
                          double h, double font)
{
    if (count == 0)
        return;
    cairo_rectangle(ctx->cr, x0, y, x1 - x0, h);
    chart_set_rgb(ctx->cr, chart_zone_colour(z));
    cairo_fill(ctx->cr);
    zones_hatch(ctx->cr, z, x0, y, x1 - x0, h);
    cairo_rectangle(ctx->cr, x0, y, x1 - x0, h);
    cairo_set_line_width(ctx->cr, z == CHART_ZONE_WHITE ? 1 : 0.5);
    chart_set_rgb(ctx->cr, z == CHART_ZONE_WHITE ? chart_muted : (chart_rgb){1, 1, 1});
    cairo_stroke(ctx->cr);
    if (font == 0)
        return;
    char buf[32];
    double w, th;
    bool el;
    snprintf(buf, sizeof buf, "%ld", count);
    bool dark = z == CHART_ZONE_RED || z == CHART_ZONE_BLUE || z == CHART_ZONE_GREEN;
    chart_textstyle st = {.size = font * 0.9,
                          .colour = dark ? (chart_rgb){1, 1, 1} : chart_ink,
                          .halign = CHART_CENTER,
                          .valign = CHART_MIDDLE};
    chart_text_measure(ctx, buf, &st, &w, &th, &el);
    if (w + 4 <= x1 - x0)
        chart_text(ctx, buf, (x0 + x1) / 2, y + h / 2, &st);
}

/* The text at a bar's end (g_free it): its total, and its at-risk count
 * when asked. */
static char *zones_end_text(const chart_zones *in, const chart_zone_row *r)
{
    long risk =
        r->counts[CHART_ZONE_WHITE] + r->counts[CHART_ZONE_RED] + r->counts[CHART_ZONE_YELLOW];
    if (in->at_risk_text)
        return g_strdup_printf("%ld · %s %ld", zones_total(r), in->at_risk_text, risk);
    return g_strdup_printf("%ld", zones_total(r));
}

/* The width the bars' end texts need at the rows' font. */
static double zones_end_width(chart_ctx *ctx, const chart_zones *in, const chart_rows *rows)
{
    double most = 0;
    for (size_t i = 0; rows->font > 0 && i < in->n; i++) {
        double w, h;
        bool el;
        chart_textstyle st = {.size = rows->font};
        char *text = zones_end_text(in, &in->rows[i]);
        chart_text_measure(ctx, text, &st, &w, &h, &el);
        g_free(text);
        most = fmax(most, w);
    }
    return fmin(most + 8, ctx->width * 0.35);
}

static bool zones_draw(chart_ctx *ctx, const void *input, char *err, size_t errlen)
{
    const chart_zones *in = input;
    double top = chart_title(ctx);
    double y0 = top + ZONES_LEGEND + 6, y1 = ctx->height - ZONES_AXIS;
    const char **labels = malloc((in->n + 1) * sizeof *labels);
    if (labels == NULL) {
        chart_err(err, errlen, "zones: out of memory");
        return false;
    }
    long max = 1;
    for (size_t i = 0; i < in->n; i++) {
        labels[i] = in->rows[i].label;
        long t = zones_total(&in->rows[i]);
        max = t > max ? t : max;
    }
    chart_rows rows;
    chart_rows_fit(ctx, y1 - y0, in->n, labels, ctx->width * 0.3, &rows);
    free(labels);
    double left = 8 + (rows.font > 0 ? rows.label_w + 8 : 0);
    double right = fmax(60, zones_end_width(ctx, in, &rows));
    chart_rect plot = {left, y0, ctx->width - left - right, rows.pitch * (double)in->n};
    chart_ticks t;
    chart_ticks_nice(0, (double)max, (int)(plot.w / 70) + 1, &t);
    if (t.step < 1)
        chart_ticks_nice(0, fmax((double)max, 5), 6, &t);
    chart_scale x = {t.first, t.last, plot.x, plot.x + plot.w};
    zones_legend(ctx, in, plot.x, top + ZONES_LEGEND / 2);
    zones_axis(ctx, &plot, &x, &t);
    for (size_t i = 0; i < in->n; i++) {
        const chart_zone_row *r = &in->rows[i];
        double h = rows.pitch * 0.75, y = y0 + rows.pitch * (double)i + (rows.pitch - h) / 2;
        long acc = 0;
        for (int z = 0; z < CHART_ZONE_COUNT; z++) {
            double xa = chart_scale_map(&x, (double)acc);
            acc += r->counts[z];
            zones_segment(ctx, (chart_zone)z, r->counts[z], xa, chart_scale_map(&x, (double)acc), y,
                          h, rows.font);
        }
        chart_row_label(ctx, &rows, r->label, plot.x - 6, y + h / 2);
        if (rows.font > 0) {
            char *text = zones_end_text(in, r);
            double xe = chart_scale_map(&x, (double)acc) + 4;
            chart_textstyle st = {.size = rows.font,
                                  .colour = chart_muted,
                                  .valign = CHART_MIDDLE,
                                  .max_width = ctx->width - xe - 2};
            chart_text(ctx, text, xe, y + h / 2, &st);
            g_free(text);
        }
    }
    return true;
}

static const chart_kind zones_kind = {zones_check, zones_draw};

bool chart_render_zones(chart_ctx *ctx, const chart_opts *opts, const chart_zones *in,
                        unsigned char **out, size_t *len, char *err, size_t errlen)
{
    return chart_frame_render(ctx, opts, &zones_kind, in, out, len, err, errlen);
}

bool chart_draw_zones(chart_ctx *ctx, cairo_t *cr, const chart_rect *where, const chart_opts *opts,
                      const chart_zones *in, char *err, size_t errlen)
{
    return chart_frame_draw(ctx, cr, where, opts, &zones_kind, in, err, errlen);
}
