/* The ranking chart: one horizontal bar per branch, highest first, coloured
 * and marked by status, value labels, target markers. */
#include "chart_ranking.h"

#include "chart_ctx.h"
#include "chart_err.h"
#include "chart_frame.h"
#include "chart_text.h"

#include <math.h>
#include <stdlib.h>

#define RANK_ROW    18.0 /* row pitch at which labels have their full size */
#define RANK_TITLE  38.0 /* the title's row: 8 + 24 + 6 */
#define RANK_LEGEND 24.0
#define RANK_AXIS   24.0
#define RANK_PAD    3.0  /* around the bars where no text is */
#define RANK_PLOT_W 40.0 /* the bars' least width while labels are kept */

static const char *const status_default[CHART_STATUS_COUNT] = {"", "red", "green", "excellent"};

int chart_ranking_height(size_t n, bool with_title)
{
    double h = (with_title ? RANK_TITLE : 10) + RANK_LEGEND + 6 + RANK_ROW * (double)n + RANK_AXIS;
    return h > 4096 ? 4096 : (int)ceil(h);
}

static bool rank_check(const void *input, char *err, size_t errlen)
{
    const chart_ranking *in = input;
    if (in == NULL || (in->n > 0 && in->items == NULL)) {
        chart_err(err, errlen, "ranking: no input");
        return false;
    }
    for (size_t i = 0; i < in->n; i++)
        if ((unsigned)in->items[i].status >= CHART_STATUS_COUNT) {
            chart_err(err, errlen, "ranking: item %zu: status %d is unknown", i,
                      (int)in->items[i].status);
            return false;
        }
    return true;
}

/* Range of the value axis: zero, every value and every target. */
static void rank_range(const chart_ranking *in, double *lo, double *hi)
{
    *lo = 0;
    *hi = 0;
    for (size_t i = 0; i < in->n; i++) {
        double v[2] = {in->items[i].value, in->items[i].target};
        for (int k = 0; k < 2; k++)
            if (isfinite(v[k])) {
                *lo = fmin(*lo, v[k]);
                *hi = fmax(*hi, v[k]);
            }
    }
    if (*hi == *lo)
        *hi = *lo + (in->axis == CHART_AXIS_PERCENT ? 1 : 100);
}

/* The room the value labels need right of the bars. */
static double value_label_width(chart_ctx *ctx, const chart_ranking *in, double font)
{
    char buf[32];
    double w, h;
    bool el;
    chart_textstyle st = {.size = font > 0 ? font : 6};
    chart_format_value(in->axis, in->axis == CHART_AXIS_PERCENT ? -1.0 : -100.0, buf, sizeof buf);
    chart_text_measure(ctx, buf, &st, &w, &h, &el);
    return w + 8;
}

static const char *status_text(const chart_ranking *in, int s)
{
    return in->status_text[s] ? in->status_text[s] : status_default[s];
}

/* The legend's width: the status entries, the target marker and its name. */
static double rank_legend_width(chart_ctx *ctx, const chart_ranking *in)
{
    double x = 0, w, h;
    bool el;
    for (int s = CHART_STATUS_RED; s < CHART_STATUS_COUNT; s++)
        x += chart_legend_entry_width(ctx, status_text(in, s));
    chart_textstyle st = {.size = 11};
    chart_text_measure(ctx, in->target_text ? in->target_text : "target", &st, &w, &h, &el);
    return x + 12 + w;
}

/* The rows' top and bottom with the text l keeps. */
static void rank_rows(const chart_rank_layout *l, double height, double *y0, double *y1)
{
    *y0 = l->legend ? l->top + RANK_LEGEND + 6 : l->top;
    *y1 = height - (l->axis ? RANK_AXIS : RANK_PAD);
}

/* Title, legend and axis labels, left out in this order while the n rows
 * would get less than a unit each, or less than 12 units in all. */
static void rank_fit_rows(chart_ctx *ctx, double width, double height, bool with_title,
                          const chart_ranking *in, chart_rank_layout *l)
{
    double y0, y1, need = fmax(12, (double)in->n);
    l->title = with_title && width >= CHART_TITLE_MIN_W;
    l->legend = 8 + rank_legend_width(ctx, in) <= width - 2;
    l->axis = true;
    bool *drop[] = {&l->title, &l->legend, &l->axis};
    for (int k = 0;; k++) {
        l->top = l->title ? RANK_TITLE : l->legend ? 10 : RANK_PAD;
        rank_rows(l, height, &y0, &y1);
        if (y1 - y0 >= need || k == 3)
            break;
        *drop[k] = false;
    }
}

/* The plot's left and right edges with the columns l keeps (level 0: all;
 * 1: no row or value labels; 2: no glyphs either, thin margins). */
static void rank_columns(chart_ctx *ctx, const chart_ranking *in, chart_rank_layout *l, int level,
                         double *left, double *right)
{
    if (level >= 1)
        l->rows.font = 0;
    l->glyphs = level < 2;
    if (level == 2) {
        *left = *right = RANK_PAD;
        return;
    }
    *left = 8 + (l->rows.font > 0 ? l->rows.label_w + 6 : 0) + 16; /* label, glyph */
    *right = level == 0 ? value_label_width(ctx, in, l->rows.font) + 8 : 8;
}

/* The layout at width x height, with or without a title. */
static bool rank_layout(chart_ctx *ctx, double width, double height, bool with_title,
                        const chart_ranking *in, chart_rank_layout *l)
{
    *l = (chart_rank_layout){0};
    const char **labels = NULL;
    size_t *order = NULL;
    double y0, y1, left, right;
    rank_fit_rows(ctx, width, height, with_title, in, l);
    rank_rows(l, height, &y0, &y1);
    labels = malloc((in->n + 1) * sizeof *labels);
    order = malloc((in->n + 1) * sizeof *order);
    l->bars = calloc(in->n + 1, sizeof *l->bars);
    if (labels == NULL || order == NULL || l->bars == NULL)
        goto failed;
    for (size_t i = 0; i < in->n; i++)
        labels[i] = in->items[i].label;
    chart_rows_fit(ctx, y1 - y0, in->n, labels, width * 0.3, &l->rows);
    /* labels go first when their column has no room for a character */
    int level = l->rows.font > 0 && l->rows.label_w < 2 * l->rows.font;
    rank_columns(ctx, in, l, level, &left, &right);
    while (level < 2 && width - left - right < RANK_PLOT_W)
        rank_columns(ctx, in, l, ++level, &left, &right);
    l->plot = (chart_rect){left, y0, width - left - right, l->rows.pitch * (double)in->n};
    l->legend_x = fmin(l->plot.x, width - 2 - rank_legend_width(ctx, in));
    double lo, hi;
    rank_range(in, &lo, &hi);
    chart_ticks_axis(in->axis, lo, hi, (int)(l->plot.w / 70) + 1, &l->xt);
    l->x = (chart_scale){l->xt.first, l->xt.last, l->plot.x, l->plot.x + l->plot.w};
    chart_ranking_order(in, order);
    double zero = chart_scale_map(&l->x, 0);
    for (size_t r = 0; r < in->n; r++) {
        const chart_rank_item *it = &in->items[order[r]];
        chart_rank_bar *b = &l->bars[r];
        double xv = isfinite(it->value) ? chart_scale_map(&l->x, it->value) : zero;
        b->item = order[r];
        b->h = fmax(l->rows.pitch * 0.7, fmin(l->rows.pitch, 1));
        b->y = y0 + l->rows.pitch * (double)r + (l->rows.pitch - b->h) / 2;
        b->x0 = fmin(zero, xv);
        b->x1 = fmax(zero, xv);
        b->colour = chart_status_colour(it->status);
        b->glyph = chart_status_glyph(it->status);
    }
    l->n = in->n;
    free(labels);
    free(order);
    return true;
failed:
    free(labels);
    free(order);
    chart_rank_layout_free(l);
    return false;
}

static bool titled(const char *title)
{
    return title != NULL && title[0] != '\0';
}

bool chart_ranking_layout(chart_ctx *ctx, const chart_opts *opts, const chart_ranking *in,
                          chart_rank_layout *l)
{
    return rank_layout(ctx, opts->width, opts->height, titled(opts->title), in, l);
}

void chart_rank_layout_free(chart_rank_layout *l)
{
    if (l == NULL)
        return;
    free(l->bars);
    l->bars = NULL;
    l->n = 0;
}

static void rank_legend(chart_ctx *ctx, const chart_ranking *in, const chart_rank_layout *l)
{
    double x = l->legend_x, cy = l->top + RANK_LEGEND / 2;
    for (int s = CHART_STATUS_RED; s < CHART_STATUS_COUNT; s++)
        x = chart_legend_entry(ctx, x, cy, chart_status_glyph((chart_status)s),
                               chart_status_colour((chart_status)s), false, status_text(in, s));
    chart_vline(ctx->cr, x + 6, cy - 7, cy + 7, 2, chart_ink, false);
    chart_textstyle st = {.size = 11, .colour = chart_ink, .valign = CHART_MIDDLE};
    chart_text(ctx, in->target_text ? in->target_text : "target", x + 12, cy, &st);
}

static void rank_bar(chart_ctx *ctx, const chart_ranking *in, const chart_rank_layout *l,
                     const chart_rank_bar *b)
{
    const chart_rank_item *it = &in->items[b->item];
    double cy = b->y + b->h / 2;
    cairo_rectangle(ctx->cr, b->x0, b->y, b->x1 - b->x0, b->h);
    chart_set_rgb(ctx->cr, b->colour);
    cairo_fill(ctx->cr);
    double gs = fmin(l->rows.pitch * 0.8, 12);
    if (l->glyphs)
        chart_glyph_draw(ctx->cr, b->glyph, l->plot.x - 9, cy, gs, b->colour);
    if (isfinite(it->target)) {
        double xt = chart_scale_map(&l->x, it->target);
        double half = fmax(l->rows.pitch / 2 - 0.5, 0.5);
        chart_vline(ctx->cr, xt, cy - half, cy + half, l->rows.pitch < 6 ? 1 : 2, chart_ink, false);
    }
    if (l->rows.font == 0)
        return;
    chart_row_label(ctx, &l->rows, it->label, l->plot.x - 18, cy);
    char buf[32];
    chart_format_value(in->axis, it->value, buf, sizeof buf);
    chart_textstyle st = {.size = l->rows.font, .colour = chart_ink, .valign = CHART_MIDDLE};
    double xv = it->value < 0 ? b->x0 : b->x1;
    if (isfinite(it->target)) /* clear the target marker */
        xv = fmax(xv, chart_scale_map(&l->x, it->target) + 1);
    chart_text(ctx, buf, xv + 4, cy, &st);
}

static bool rank_draw(chart_ctx *ctx, const void *input, char *err, size_t errlen)
{
    const chart_ranking *in = input;
    chart_rank_layout l;
    if (!rank_layout(ctx, ctx->width, ctx->height, titled(ctx->title), in, &l)) {
        chart_err(err, errlen, "ranking: out of memory");
        return false;
    }
    if (l.title)
        chart_title(ctx);
    if (l.legend)
        rank_legend(ctx, in, &l);
    chart_rect grid = l.plot;
    chart_axis_x(ctx, &grid, &l.x, &l.xt, in->axis, l.axis);
    for (size_t r = 0; r < l.n; r++)
        rank_bar(ctx, in, &l, &l.bars[r]);
    double zero = chart_scale_map(&l.x, 0);
    chart_vline(ctx->cr, zero, l.plot.y, l.plot.y + l.plot.h, 1, chart_muted, false);
    chart_rank_layout_free(&l);
    return true;
}

static const chart_kind rank_kind = {rank_check, rank_draw};

bool chart_render_ranking(chart_ctx *ctx, const chart_opts *opts, const chart_ranking *in,
                          unsigned char **out, size_t *len, char *err, size_t errlen)
{
    return chart_frame_render(ctx, opts, &rank_kind, in, out, len, err, errlen);
}

bool chart_draw_ranking(chart_ctx *ctx, cairo_t *cr, const chart_rect *where,
                        const chart_opts *opts, const chart_ranking *in, char *err, size_t errlen)
{
    return chart_frame_draw(ctx, cr, where, opts, &rank_kind, in, err, errlen);
}
