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

/* Rows from the top: title, legend, bars, axis labels; when the bars would
 * get less than a unit each, or less than 12 in all, the title, then the
 * legend, then the axis labels are left out. Columns: row labels, bars, end
 * texts; when the bars would be narrower than ZONES_PLOT_W, the row labels,
 * end texts and counts are left out, then the margins shrink. The legend
 * is left out when it does not fit the width; counts inside segments when
 * they do not fit the segment or would be under CHART_FONT_MIN. */
#define ZONES_LEGEND 24.0
#define ZONES_AXIS   24.0
#define ZONES_HATCH  5.0 /* between hatch lines, along the bar */
#define ZONES_PAD    3.0 /* around the bars where no text is */
#define ZONES_PLOT_W 40.0

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

static const char *zone_text(const chart_zones *in, int z)
{
    return in->zone_text[z] ? in->zone_text[z] : zone_default[z];
}

/* The legend's width, up to the last entry's text. */
static double zones_legend_width(chart_ctx *ctx, const chart_zones *in)
{
    double x = 0;
    for (int z = 0; z < CHART_ZONE_COUNT; z++)
        x += chart_legend_entry_width(ctx, zone_text(in, z));
    return x - 16;
}

static void zones_legend(chart_ctx *ctx, const chart_zones *in, double x, double cy)
{
    for (int z = 0; z < CHART_ZONE_COUNT; z++) {
        double at = x;
        x = chart_legend_entry(ctx, x, cy, CHART_GLYPH_NONE, chart_zone_colour((chart_zone)z),
                               z == CHART_ZONE_WHITE, zone_text(in, z));
        zones_hatch(ctx->cr, (chart_zone)z, at, cy - CHART_SWATCH_H / 2, CHART_SWATCH_W,
                    CHART_SWATCH_H);
    }
}

struct count_labels {
    const chart_scale *x;
    const chart_ticks *t;
};

static void count_label(const void *data, int i, double *x, char *buf, size_t n)
{
    const struct count_labels *c = data;
    double v = c->t->first + i * c->t->step;
    *x = chart_scale_map(c->x, v);
    snprintf(buf, n, "%.0f", v);
}

/* Count axis: integer ticks under the plot, labelled when `labels` and
 * they fit. */
static void zones_axis(chart_ctx *ctx, const chart_rect *r, const chart_scale *x,
                       const chart_ticks *t, bool labels)
{
    chart_textstyle st = {.size = 11, .colour = chart_muted};
    struct count_labels c = {x, t};
    labels = labels && chart_tick_labels_fit(ctx, t->n, count_label, &c, &st);
    for (int i = 0; i < t->n; i++) {
        double px;
        char buf[32];
        count_label(&c, i, &px, buf, sizeof buf);
        chart_vline(ctx->cr, px, r->y, r->y + r->h, 1, chart_grid, false);
        if (labels)
            chart_tick_label(ctx, buf, px, r->y + r->h + 4, &st);
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
    if (font * 0.9 < CHART_FONT_MIN)
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

typedef struct {
    double title_h;    /* 0: no title */
    bool legend, axis; /* the rows of text kept */
    double y0;         /* the first row's top */
    chart_rows rows;   /* rows.font 0: no row labels, end texts or counts */
    chart_rect plot;
} zones_layout;

/* The rows' top and bottom with the text l keeps. */
static void zones_rows(const zones_layout *l, double height, double *y0, double *y1)
{
    double top = l->title_h > 0 ? l->title_h : l->legend ? 10 : ZONES_PAD;
    *y0 = l->legend ? top + ZONES_LEGEND + 6 : top;
    *y1 = height - (l->axis ? ZONES_AXIS : ZONES_PAD);
}

/* Title, legend and axis labels, left out in this order while the n rows
 * would get less than a unit each, or less than 12 units in all. */
static void zones_fit_rows(chart_ctx *ctx, const chart_zones *in, zones_layout *l, double *y1)
{
    double need = fmax(12, (double)in->n);
    l->title_h = chart_title_height(ctx);
    l->legend = 8 + zones_legend_width(ctx, in) <= ctx->width - 2;
    l->axis = true;
    bool *drop[] = {&l->legend, &l->axis};
    zones_rows(l, ctx->height, &l->y0, y1);
    for (int k = 0; k < 3 && *y1 - l->y0 < need; k++) {
        if (k == 0)
            l->title_h = 0;
        else
            *drop[k - 1] = false;
        zones_rows(l, ctx->height, &l->y0, y1);
    }
}

/* The plot's columns: row labels, bars, end texts; without the texts when
 * the bars would be narrower than ZONES_PLOT_W, then without margins. */
static void zones_fit_columns(chart_ctx *ctx, const chart_zones *in, zones_layout *l)
{
    double left = 8 + (l->rows.font > 0 ? l->rows.label_w + 8 : 0);
    double right = fmax(60, zones_end_width(ctx, in, &l->rows));
    if (ctx->width - left - right < ZONES_PLOT_W || l->rows.label_w < 2 * l->rows.font) {
        l->rows.font = 0; /* the bars' room, or a label column without room for a character */
        left = right = 8;
    }
    if (ctx->width - left - right < ZONES_PLOT_W)
        left = right = ZONES_PAD;
    l->plot = (chart_rect){left, l->y0, ctx->width - left - right, l->rows.pitch * (double)in->n};
}

static bool zones_layout_make(chart_ctx *ctx, const chart_zones *in, zones_layout *l)
{
    double y1;
    const char **labels = malloc((in->n + 1) * sizeof *labels);
    if (labels == NULL)
        return false;
    for (size_t i = 0; i < in->n; i++)
        labels[i] = in->rows[i].label;
    zones_fit_rows(ctx, in, l, &y1);
    chart_rows_fit(ctx, y1 - l->y0, in->n, labels, ctx->width * 0.3, &l->rows);
    free(labels);
    zones_fit_columns(ctx, in, l);
    return true;
}

/* A bar's text at its end: total, and the at-risk count when asked. */
static void zones_end(chart_ctx *ctx, const chart_zones *in, const chart_zone_row *r, double xe,
                      double cy, double font)
{
    char *text = zones_end_text(in, r);
    chart_textstyle st = {.size = font,
                          .colour = chart_muted,
                          .valign = CHART_MIDDLE,
                          .max_width = ctx->width - xe - 2};
    chart_text(ctx, text, xe, cy, &st);
    g_free(text);
}

/* Row i: its stacked bar, its label and the text at its end. */
static void zones_row(chart_ctx *ctx, const chart_zones *in, const zones_layout *l,
                      const chart_scale *x, size_t i)
{
    const chart_zone_row *r = &in->rows[i];
    double pitch = l->rows.pitch;
    double h = pitch * 0.75, y = l->y0 + pitch * (double)i + (pitch - h) / 2;
    long acc = 0;
    for (int z = 0; z < CHART_ZONE_COUNT; z++) {
        double xa = chart_scale_map(x, (double)acc);
        acc += r->counts[z];
        zones_segment(ctx, (chart_zone)z, r->counts[z], xa, chart_scale_map(x, (double)acc), y, h,
                      l->rows.font);
    }
    chart_row_label(ctx, &l->rows, r->label, l->plot.x - 6, y + h / 2);
    if (l->rows.font > 0)
        zones_end(ctx, in, r, chart_scale_map(x, (double)acc) + 4, y + h / 2, l->rows.font);
}

/* Count ticks from 0 past the largest total. */
static void zones_ticks(const chart_zones *in, const chart_rect *plot, chart_ticks *t)
{
    long max = 1;
    for (size_t i = 0; i < in->n; i++) {
        long total = zones_total(&in->rows[i]);
        max = total > max ? total : max;
    }
    chart_ticks_nice(0, (double)max, (int)(plot->w / 70) + 1, t);
    if (t->step < 1)
        chart_ticks_nice(0, fmax((double)max, 5), 6, t);
}

static bool zones_draw(chart_ctx *ctx, const void *input, char *err, size_t errlen)
{
    const chart_zones *in = input;
    zones_layout l;
    if (!zones_layout_make(ctx, in, &l)) {
        chart_err(err, errlen, "zones: out of memory");
        return false;
    }
    chart_ticks t;
    zones_ticks(in, &l.plot, &t);
    chart_scale x = {t.first, t.last, l.plot.x, l.plot.x + l.plot.w};
    if (l.title_h > 0)
        chart_title(ctx);
    if (l.legend)
        zones_legend(ctx, in, fmin(l.plot.x, ctx->width - 2 - zones_legend_width(ctx, in)),
                     (l.title_h > 0 ? l.title_h : 10) + ZONES_LEGEND / 2);
    zones_axis(ctx, &l.plot, &x, &t, l.axis);
    for (size_t i = 0; i < in->n; i++)
        zones_row(ctx, in, &l, &x, i);
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
