/* The trend chart: series over dates, gaps at NAN, base and challenge
 * lines and the paths to them, the last values labelled in the right
 * margin. */
#include "chart.h"

#include "chart_ctx.h"
#include "chart_draw.h"
#include "chart_err.h"
#include "chart_frame.h"
#include "chart_scale.h"
#include "chart_text.h"

#include <math.h>
#include <stdio.h>

/* ---- layout ----
 * Rows from the top: the title, the legend, the plot, the date labels.
 * Columns: the value axis' labels, the plot, the notes (the right margin's
 * labels: last values, target lines, paths). When the plot would be lower
 * than TREND_PLOT_H, or than its notes need (15 units apart), text is left
 * out in this order: title, legend, date labels, notes, value-axis labels;
 * when it would be narrower than TREND_PLOT_W: notes, then value-axis
 * labels. The legend is also left out when it does not fit the width; date
 * labels too when they would run into each other. */
#define TREND_PLOT_H 32.0
#define TREND_PLOT_W 48.0
#define TREND_PAD    6.0 /* around the plot where no text is: room for its markers */

/* The plot's geometry and scales, computed before anything is drawn. */
typedef struct {
    chart_rect plot;
    chart_scale x, y;
    chart_ticks yt;
    chart_date_ticks xt;
    bool any; /* at least one finite value */
    int32_t d0, d1;
    bool monthly; /* every point at a month end, over two months or more */
    bool days;    /* some point has a day: else no date axis (d0, d1 are made up) */
    double lo, hi;
    double title_h;                     /* 0: no title */
    bool legend, dates, notes, ylabels; /* the text kept */
} trend_layout;

static const chart_textstyle label_style = {.size = 11, .colour = {0.13, 0.13, 0.13}};

/* The two paths as series (n 0: none). */
static void trend_paths(const chart_trend *in, chart_series paths[2])
{
    paths[0] = (chart_series){in->base_path_text ? in->base_path_text : "base path", in->base_path,
                              in->base_path ? in->nbase_path : 0};
    paths[1] = (chart_series){in->challenge_path_text ? in->challenge_path_text : "challenge path",
                              in->challenge_path, in->challenge_path ? in->nchallenge_path : 0};
}

static bool trend_check(const void *input, char *err, size_t errlen)
{
    const chart_trend *in = input;
    if (in == NULL || (in->nseries > 0 && in->series == NULL)) {
        chart_err(err, errlen, "trend: no input");
        return false;
    }
    if (in->nseries > CHART_TREND_MAX_SERIES) {
        chart_err(err, errlen, "trend: %zu series, at most %d", in->nseries,
                  CHART_TREND_MAX_SERIES);
        return false;
    }
    chart_series paths[2];
    trend_paths(in, paths);
    for (size_t s = 0; s < in->nseries + 2; s++) {
        const chart_series *se = s < in->nseries ? &in->series[s] : &paths[s - in->nseries];
        if (se->n > 0 && se->points == NULL) {
            chart_err(err, errlen, "trend: series %zu has no points", s);
            return false;
        }
        for (size_t i = 1; i < se->n; i++)
            if (se->points[i].day <= se->points[i - 1].day) {
                chart_err(err, errlen, "trend: series %zu: point %zu is not after point %zu", s, i,
                          i - 1);
                return false;
            }
    }
    return true;
}

static void range_add(const chart_series *se, int32_t *d0, int32_t *d1, double *lo, double *hi,
                      bool *any)
{
    for (size_t i = 0; i < se->n; i++) {
        const chart_point *p = &se->points[i];
        *d0 = p->day < *d0 ? p->day : *d0;
        *d1 = p->day > *d1 ? p->day : *d1;
        if (isfinite(p->value)) {
            *lo = fmin(*lo, p->value);
            *hi = fmax(*hi, p->value);
            *any = true;
        }
    }
}

/* Whether every point of every series and path is a month's last day (a
 * month's figure) and the range holds two months or more. */
static bool trend_monthly(const chart_trend *in, int32_t d0, int32_t d1)
{
    chart_series paths[2];
    trend_paths(in, paths);
    for (size_t s = 0; s < in->nseries + 2; s++) {
        const chart_series *se = s < in->nseries ? &in->series[s] : &paths[s - in->nseries];
        for (size_t i = 0; i < se->n; i++)
            if (!chart_month_end(se->points[i].day))
                return false;
    }
    return d0 < d1 && chart_month_end(d0) && chart_month_end(d1);
}

/* Whether any series or path has a point (a day), NAN or not. */
static bool trend_has_points(const chart_trend *in)
{
    chart_series paths[2];
    trend_paths(in, paths);
    for (size_t s = 0; s < in->nseries; s++)
        if (in->series[s].n)
            return true;
    return paths[0].n || paths[1].n;
}

/* Range of days and finite values over every series, path and target line. */
static void trend_ranges(const chart_trend *in, int32_t *d0, int32_t *d1, double *lo, double *hi,
                         bool *any)
{
    *d0 = INT32_MAX;
    *d1 = INT32_MIN;
    *lo = INFINITY;
    *hi = -INFINITY;
    *any = false;
    for (size_t s = 0; s < in->nseries; s++)
        range_add(&in->series[s], d0, d1, lo, hi, any);
    chart_series paths[2];
    bool path_any = false; /* a path alone is not data */
    trend_paths(in, paths);
    for (int k = 0; k < 2; k++)
        range_add(&paths[k], d0, d1, lo, hi, &path_any);
    double t[2] = {in->base, in->challenge};
    for (int k = 0; k < 2; k++)
        if (isfinite(t[k])) {
            *lo = fmin(*lo, t[k]);
            *hi = fmax(*hi, t[k]);
        }
    if (*d0 > *d1) { /* no points at all */
        *d0 = 0;
        *d1 = 1;
    } else if (*d0 == *d1) {
        (*d0)--;
        (*d1)++;
    }
}

static const char *target_text(const chart_trend *in, int k)
{
    const char *t = k == 0 ? in->base_text : in->challenge_text;
    return t != NULL ? t : k == 0 ? "base" : "challenge";
}

/* The last point of se with a finite value, or NULL. */
static const chart_point *last_point(const chart_series *se)
{
    size_t i = se->n;
    while (i > 0 && !isfinite(se->points[i - 1].value))
        i--;
    return i ? &se->points[i - 1] : NULL;
}

/* The label of a path at its last point ("base path 79.02%"); false when
 * the path has no value. */
static bool path_label(const chart_trend *in, const chart_series *path, char *buf, size_t n)
{
    const chart_point *p = last_point(path);
    char v[32];
    if (!p)
        return false;
    chart_format_value(in->axis, p->value, v, sizeof v);
    snprintf(buf, n, "%s %s", path->name, v);
    return true;
}

/* Width of the right margin: the widest of the last-value, target and path
 * labels, at most the larger of a third of the chart and 55 % of what the
 * value axis leaves (`avail`), so that a narrow chart's labels are cut only
 * where the plot would be narrower than 45 % of it. */
static double right_margin(chart_ctx *ctx, const chart_trend *in, const chart_ticks *yt,
                           double avail)
{
    double w, h, max = 30;
    bool el;
    char buf[96], v[32];
    chart_format_value(in->axis, yt->first, v, sizeof v);
    chart_text_measure(ctx, v, &label_style, &w, &h, &el);
    max = fmax(max, w);
    chart_format_value(in->axis, yt->last, v, sizeof v);
    chart_text_measure(ctx, v, &label_style, &w, &h, &el);
    max = fmax(max, w);
    double t[2] = {in->base, in->challenge};
    for (int k = 0; k < 2; k++)
        if (isfinite(t[k])) {
            chart_format_value(in->axis, t[k], v, sizeof v);
            snprintf(buf, sizeof buf, "%s %s", target_text(in, k), v);
            chart_text_measure(ctx, buf, &label_style, &w, &h, &el);
            max = fmax(max, w);
        }
    chart_series paths[2];
    trend_paths(in, paths);
    for (int k = 0; k < 2; k++)
        if (path_label(in, &paths[k], buf, sizeof buf)) {
            chart_text_measure(ctx, buf, &label_style, &w, &h, &el);
            max = fmax(max, w);
        }
    return fmin(max + 14, fmax(ctx->width / 3.0, 0.55 * avail));
}

static bool has_legend(const chart_trend *in)
{
    for (size_t s = 0; s < in->nseries; s++)
        if (in->series[s].name != NULL && in->series[s].name[0] != '\0')
            return true;
    return false;
}

/* The legend's width: it is drawn whole or not at all. */
static bool trend_legend_fits(chart_ctx *ctx, const chart_trend *in)
{
    double x = 10, w, h;
    bool el;
    chart_textstyle st = label_style;
    st.max_width = 200;
    for (size_t s = 0; s < in->nseries; s++) {
        chart_text_measure(ctx, in->series[s].name ? in->series[s].name : "", &st, &w, &h, &el);
        x += 28 + w + 18;
    }
    return x - 18 <= ctx->width - 2;
}

/* How many notes the right margin has. */
static size_t trend_notes(const chart_trend *in)
{
    size_t n = 0;
    for (size_t s = 0; s < in->nseries; s++)
        n += last_point(&in->series[s]) != NULL;
    n += isfinite(in->base) + isfinite(in->challenge);
    chart_series paths[2];
    trend_paths(in, paths);
    for (int k = 0; k < 2; k++)
        n += last_point(&paths[k]) != NULL;
    return n;
}

/* The rows' edges: the top of the legend's row (or of the plot's margin),
 * and the plot's bottom. */
static void trend_rows(const trend_layout *l, double height, double *top, double *bottom)
{
    bool text = l->notes || l->ylabels; /* labels centred on the plot's top and bottom lines */
    *top = l->title_h > 0 ? l->title_h : text || l->legend ? 10 : 0;
    if (l->legend)
        *top += 22;
    *bottom = height - (l->dates ? 24 : text ? 10 : TREND_PAD);
}

/* At most max date ticks over l's days. */
static void trend_ticks(trend_layout *l, int max)
{
    if (l->monthly)
        chart_date_ticks_month_ends(l->d0, l->d1, max, &l->xt);
    else
        chart_date_ticks_make(l->d0, l->d1, max, &l->xt);
}

/* The plot, its ticks and scales, with the text l keeps. */
static void trend_place(chart_ctx *ctx, const chart_trend *in, trend_layout *l)
{
    double top, bottom, w, h;
    bool el;
    trend_rows(l, ctx->height, &top, &bottom);
    int nt = (int)((bottom - top) / 36);
    chart_ticks_axis(in->axis, l->lo, l->hi, nt < 2 ? 2 : nt > 10 ? 10 : nt, &l->yt);
    double left = TREND_PAD;
    if (l->ylabels) {
        char v[32];
        chart_format_value(in->axis, l->yt.first, v, sizeof v);
        chart_text_measure(ctx, v, &label_style, &w, &h, &el);
        left = w;
        chart_format_value(in->axis, l->yt.last, v, sizeof v);
        chart_text_measure(ctx, v, &label_style, &w, &h, &el);
        left = fmax(left, w) + 14;
    }
    double right = l->notes ? right_margin(ctx, in, &l->yt, ctx->width - left) : TREND_PAD;
    l->plot = (chart_rect){left, top + 6, ctx->width - left - right, bottom - top - 6};
    l->x = (chart_scale){l->d0, l->d1, l->plot.x, l->plot.x + l->plot.w};
    l->y = (chart_scale){l->yt.first, l->yt.last, l->plot.y + l->plot.h, l->plot.y};
    if (l->monthly) /* as many month ends as their labels leave room for */
        chart_text_measure(ctx, "2026-12", &label_style, &w, &h, &el);
    trend_ticks(l, (int)(l->plot.w / (l->monthly ? w + 6 : 80)) + 1);
}

/* The least height of the plot with the text l keeps. */
static double trend_plot_need(const trend_layout *l, size_t notes)
{
    return l->notes ? fmax(TREND_PLOT_H, ((double)notes - 1) * 15) : TREND_PLOT_H;
}

static void trend_layout_make(chart_ctx *ctx, const chart_trend *in, trend_layout *l)
{
    trend_ranges(in, &l->d0, &l->d1, &l->lo, &l->hi, &l->any);
    l->monthly = trend_monthly(in, l->d0, l->d1);
    l->days = trend_has_points(in);
    size_t notes = trend_notes(in);
    l->title_h = chart_title_height(ctx);
    l->legend = has_legend(in) && trend_legend_fits(ctx, in);
    l->dates = l->notes = l->ylabels = true;
    bool *drop[] = {&l->legend, &l->dates, &l->notes, &l->ylabels};
    trend_place(ctx, in, l);
    for (int k = 0; k < 5 && l->plot.h < trend_plot_need(l, notes); k++) {
        if (k == 0)
            l->title_h = 0;
        else
            *drop[k - 1] = false;
        trend_place(ctx, in, l);
    }
    for (int k = 2; k < 4 && l->plot.w < TREND_PLOT_W; k++) {
        *drop[k] = false; /* notes, then value-axis labels */
        trend_place(ctx, in, l);
    }
}

static void trend_legend(chart_ctx *ctx, const chart_trend *in, double y)
{
    double x = 10, w, h;
    bool el;
    chart_textstyle st = label_style;
    st.valign = CHART_MIDDLE;
    st.max_width = 200;
    for (size_t s = 0; s < in->nseries; s++) {
        const char *name = in->series[s].name ? in->series[s].name : "";
        chart_rgb c = chart_series_colour(s);
        chart_hline(ctx->cr, x, x + 22, y, 2, c, false);
        chart_glyph_draw(ctx->cr, chart_series_glyph(s), x + 11, y, 8, c);
        chart_text(ctx, name, x + 28, y, &st);
        chart_text_measure(ctx, name, &st, &w, &h, &el);
        x += 28 + w + 18;
    }
}

static void date_label(const void *data, int i, double *x, char *buf, size_t n)
{
    const trend_layout *l = data;
    *x = chart_scale_map(&l->x, l->xt.day[i]);
    chart_date_label(&l->xt, l->xt.day[i], buf, n);
}

/* The date axis: fewer ticks while their labels do not fit (down to one),
 * rather than ticks without a date. */
static void trend_date_axis(chart_ctx *ctx, const trend_layout *layout)
{
    chart_textstyle st = label_style;
    st.colour = chart_muted;
    trend_layout fewer = *layout, *l = &fewer;
    if (!l->days)
        l->xt.n = 0; /* no day to tick: the axis line alone */
    bool labels = l->dates && chart_tick_labels_fit(ctx, l->xt.n, date_label, l, &st);
    for (int n = l->xt.n; l->dates && !labels && n > 1; n = l->xt.n) {
        trend_ticks(l, n - 1);
        if (l->xt.n >= n) /* no fewer steps to be had (two month ends at least): the first */
            l->xt.n = n - 1;
        labels = chart_tick_labels_fit(ctx, l->xt.n, date_label, l, &st);
    }
    for (int i = 0; i < l->xt.n; i++) {
        double x;
        char buf[32];
        date_label(l, i, &x, buf, sizeof buf);
        chart_vline(ctx->cr, x, l->plot.y + l->plot.h, l->plot.y + l->plot.h + 4, 1, chart_muted,
                    false);
        if (labels)
            chart_tick_label(ctx, buf, x, l->plot.y + l->plot.h + 5, &st);
    }
    chart_hline(ctx->cr, l->plot.x, l->plot.x + l->plot.w, l->plot.y + l->plot.h, 1, chart_muted,
                false);
}

/* One series: a line broken at NAN values; markers at every point when
 * there is room, and on isolated points always. */
static void trend_series(chart_ctx *ctx, const trend_layout *l, const chart_series *se, size_t s)
{
    cairo_t *cr = ctx->cr;
    chart_rgb c = chart_series_colour(s);
    bool markers = se->n > 0 && l->plot.w / (double)se->n >= 10;
    bool down = false;
    for (size_t i = 0; i < se->n; i++) {
        double v = se->points[i].value;
        if (!isfinite(v)) {
            down = false;
            continue;
        }
        double x = chart_scale_map(&l->x, se->points[i].day), y = chart_scale_map(&l->y, v);
        if (down)
            cairo_line_to(cr, x, y);
        else
            cairo_move_to(cr, x, y);
        down = true;
    }
    cairo_set_line_width(cr, 2);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    chart_set_rgb(cr, c);
    cairo_stroke(cr);
    for (size_t i = 0; i < se->n; i++) {
        double v = se->points[i].value;
        bool alone = (i == 0 || !isfinite(se->points[i - 1].value)) &&
                     (i + 1 == se->n || !isfinite(se->points[i + 1].value));
        if (isfinite(v) && (markers || alone))
            chart_glyph_draw(cr, chart_series_glyph(s), chart_scale_map(&l->x, se->points[i].day),
                             chart_scale_map(&l->y, v), 7, c);
    }
}

/* Right-margin annotations: the last value of each series, the target
 * lines' names and values and the paths' last points, spread so that they
 * do not overlap. */
#define TREND_LABELS (CHART_TREND_MAX_SERIES + 4)
static void trend_annotations(chart_ctx *ctx, const chart_trend *in, const trend_layout *l)
{
    double ys[TREND_LABELS], px[TREND_LABELS];
    char text[TREND_LABELS][96];
    chart_rgb col[TREND_LABELS];
    size_t n = 0;
    double xr = l->plot.x + l->plot.w;
    for (size_t s = 0; s < in->nseries; s++) {
        const chart_point *p = last_point(&in->series[s]);
        if (!p)
            continue;
        ys[n] = chart_scale_map(&l->y, p->value);
        px[n] = chart_scale_map(&l->x, p->day);
        chart_format_value(in->axis, p->value, text[n], sizeof text[n]);
        col[n] = chart_series_colour(s);
        chart_glyph_draw(ctx->cr, chart_series_glyph(s), px[n], ys[n], 9, col[n]);
        n++;
    }
    size_t nseries = n; /* labels of series values come first, in bold */
    double t[2] = {in->base, in->challenge};
    for (int k = 0; k < 2; k++) {
        if (!isfinite(t[k]))
            continue;
        char v[32];
        chart_format_value(in->axis, t[k], v, sizeof v);
        ys[n] = chart_scale_map(&l->y, t[k]);
        px[n] = xr;
        snprintf(text[n], sizeof text[n], "%s %s", target_text(in, k), v);
        col[n] = chart_muted;
        n++;
    }
    chart_series paths[2];
    trend_paths(in, paths);
    for (int k = 0; k < 2; k++) {
        const chart_point *p = last_point(&paths[k]);
        if (!p || !path_label(in, &paths[k], text[n], sizeof text[n]))
            continue;
        ys[n] = chart_scale_map(&l->y, p->value);
        px[n] = chart_scale_map(&l->x, p->day);
        col[n] = chart_ink;
        n++;
    }
    double at[TREND_LABELS];
    for (size_t i = 0; i < n; i++)
        at[i] = ys[i];
    if (!l->notes)
        return; /* the last points' markers only */
    chart_spread_labels(ys, n, 15, l->plot.y, l->plot.y + l->plot.h);
    chart_textstyle st = label_style;
    st.valign = CHART_MIDDLE;
    st.max_width = ctx->width - xr - 8;
    for (size_t i = 0; i < n; i++) {
        if (px[i] < xr - 2 || fabs(at[i] - ys[i]) > 1) {
            cairo_move_to(ctx->cr, px[i] + 5, at[i]);
            cairo_line_to(ctx->cr, xr + 4, ys[i]);
            cairo_set_line_width(ctx->cr, 0.75);
            chart_set_rgb(ctx->cr, col[i]);
            cairo_stroke(ctx->cr);
        }
        st.colour = col[i];
        st.bold = i < nseries;
        chart_text(ctx, text[i], xr + 6, ys[i], &st);
    }
}

static const double dash_base[] = {6, 4}, dash_challenge[] = {2, 3};

/* A path: a line through its points (broken at NAN), with its target's
 * dashes, darker than the target line. */
static void trend_path(chart_ctx *ctx, const trend_layout *l, const chart_series *path, int k)
{
    bool down = false;
    cairo_save(ctx->cr);
    for (size_t i = 0; i < path->n; i++) {
        const chart_point *p = &path->points[i];
        if (!isfinite(p->value)) {
            down = false;
            continue;
        }
        double x = chart_scale_map(&l->x, p->day), y = chart_scale_map(&l->y, p->value);
        if (down)
            cairo_line_to(ctx->cr, x, y);
        else
            cairo_move_to(ctx->cr, x, y);
        down = true;
    }
    cairo_set_dash(ctx->cr, k == 0 ? dash_base : dash_challenge, 2, 0);
    cairo_set_line_width(ctx->cr, 1.5);
    chart_set_rgb(ctx->cr, chart_ink);
    cairo_stroke(ctx->cr);
    cairo_restore(ctx->cr);
}

static void trend_targets(chart_ctx *ctx, const chart_trend *in, const trend_layout *l)
{
    double t[2] = {in->base, in->challenge};
    chart_series paths[2];
    trend_paths(in, paths);
    for (int k = 0; k < 2; k++) {
        trend_path(ctx, l, &paths[k], k);
        if (!isfinite(t[k]))
            continue;
        double y = chart_scale_map(&l->y, t[k]);
        cairo_save(ctx->cr);
        cairo_set_dash(ctx->cr, k == 0 ? dash_base : dash_challenge, 2, 0);
        cairo_set_line_width(ctx->cr, 1.5);
        chart_set_rgb(ctx->cr, chart_muted);
        cairo_move_to(ctx->cr, l->plot.x, y);
        cairo_line_to(ctx->cr, l->plot.x + l->plot.w, y);
        cairo_stroke(ctx->cr);
        cairo_restore(ctx->cr);
    }
}

/* "no data" (or the caller's words) in the middle of the plot, when it fits
 * there. */
static void trend_no_data(chart_ctx *ctx, const chart_trend *in, const trend_layout *l)
{
    chart_textstyle st = {
        .size = 13, .colour = chart_muted, .halign = CHART_CENTER, .valign = CHART_MIDDLE};
    const char *text = in->no_data_text ? in->no_data_text : "no data";
    double w, h;
    bool el;
    chart_text_measure(ctx, text, &st, &w, &h, &el);
    if (w <= l->plot.w && h <= l->plot.h)
        chart_text(ctx, text, l->plot.x + l->plot.w / 2, l->plot.y + l->plot.h / 2, &st);
}

static bool trend_draw(chart_ctx *ctx, const void *input, char *err, size_t errlen)
{
    const chart_trend *in = input;
    (void)err;
    (void)errlen;
    trend_layout l;
    trend_layout_make(ctx, in, &l);
    if (l.title_h > 0)
        chart_title(ctx);
    if (l.legend)
        trend_legend(ctx, in, (l.title_h > 0 ? l.title_h : 10) + 10);
    chart_axis_y(ctx, &l.plot, &l.y, &l.yt, in->axis, l.ylabels);
    trend_date_axis(ctx, &l);
    trend_targets(ctx, in, &l);
    for (size_t s = 0; s < in->nseries; s++)
        trend_series(ctx, &l, &in->series[s], s);
    trend_annotations(ctx, in, &l);
    if (!l.any)
        trend_no_data(ctx, in, &l);
    return true;
}

static const chart_kind trend_kind = {trend_check, trend_draw};

bool chart_render_trend(chart_ctx *ctx, const chart_opts *opts, const chart_trend *in,
                        unsigned char **out, size_t *len, char *err, size_t errlen)
{
    return chart_frame_render(ctx, opts, &trend_kind, in, out, len, err, errlen);
}

bool chart_draw_trend(chart_ctx *ctx, cairo_t *cr, const chart_rect *where, const chart_opts *opts,
                      const chart_trend *in, char *err, size_t errlen)
{
    return chart_frame_draw(ctx, cr, where, opts, &trend_kind, in, err, errlen);
}
