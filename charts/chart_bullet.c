/* The bullet chart: one value against base and challenge, on grey bands
 * (below base, base to challenge, above challenge); during a period whose
 * targets are assessed at its end, against the day's points on the path to
 * them, with the period-end targets as thin markers. */
#include "chart.h"

#include "chart_ctx.h"
#include "chart_draw.h"
#include "chart_err.h"
#include "chart_frame.h"
#include "chart_scale.h"
#include "chart_text.h"

#include <math.h>
#include <stdio.h>

/* What the value is judged against: the day's path points, or the targets. */
static void bullet_thresholds(const chart_bullet *in, double t[2])
{
    t[0] = in->path ? in->path_base : in->base;
    t[1] = in->path ? in->path_challenge : in->challenge;
}

static chart_status bullet_status(const chart_bullet *in)
{
    double t[2];
    if (!isfinite(in->value))
        return CHART_STATUS_NONE;
    if (in->status != CHART_STATUS_NONE)
        return in->status;
    bullet_thresholds(in, t);
    if (isfinite(t[0]) && in->value < t[0])
        return CHART_STATUS_RED;
    if (isfinite(t[1]) && in->value >= t[1])
        return CHART_STATUS_EXCELLENT;
    return isfinite(t[0]) || isfinite(t[1]) ? CHART_STATUS_GREEN : CHART_STATUS_NONE;
}

static void bullet_bands(chart_ctx *ctx, const chart_bullet *in, const chart_rect *r,
                         const chart_scale *x)
{
    static const chart_rgb band[3] = {{0.80, 0.80, 0.80}, {0.88, 0.88, 0.88}, {0.95, 0.95, 0.95}};
    double edge[4] = {r->x, r->x + r->w, r->x + r->w, r->x + r->w}, t[2];
    bullet_thresholds(in, t);
    if (isfinite(t[0]))
        edge[1] = chart_scale_map(x, t[0]);
    if (isfinite(t[1]))
        edge[2] = chart_scale_map(x, t[1]);
    if (edge[2] < edge[1])
        edge[2] = edge[1];
    for (int k = 0; k < 3; k++) {
        cairo_rectangle(ctx->cr, edge[k], r->y, edge[k + 1] - edge[k], r->h);
        chart_set_rgb(ctx->cr, band[k]);
        cairo_fill(ctx->cr);
    }
}

/* ---- layout ----
 * Rows from the top: the title, the marker labels, the bands, the axis
 * labels, the period-end targets' line (with a path). When the bands would
 * be lower than BULLET_BAND_H, rows of text are left out in this order:
 * title, period-end line, axis labels, marker labels; then the bands take
 * what is left. Columns: the label, the bands, the value's label. When the
 * bands would be narrower than BULLET_BAND_W, the label is left out, then
 * the value's label shrinks to CHART_FONT_MIN, then it is left out too. */
#define BULLET_PAD    3.0  /* around the bands where no text is */
#define BULLET_MARKS  16.0 /* the marker labels' row */
#define BULLET_AXIS   22.0 /* the axis labels' row */
#define BULLET_FOOT   16.0 /* the period-end targets' line */
#define BULLET_BAND_H 16.0 /* the bands' least height and width while text makes room */
#define BULLET_BAND_W 40.0
#define BULLET_TALL   48.0 /* higher bands are centred at this height */
#define BULLET_LABEL  12.0 /* the label's size when it has the room */

typedef struct {
    double title_h;              /* 0: no title */
    bool marks, axis, foot;      /* rows of text kept */
    bool label, value;           /* the label and the value's label kept */
    double label_cy, label_size; /* the label's centre and size */
    double value_size, value_w;  /* the value's label: size, room right of the bands */
    chart_rect r;                /* the bands */
} bullet_layout;

/* The bands' top and height with the rows `l` keeps, and the label's
 * centre. (Sums in this order: a chart with every row is drawn as before
 * rows could be left out, to the last bit.) */
static void bullet_rows(const bullet_layout *l, double height, double *y, double *h, double *cy)
{
    double top = l->title_h > 0 ? l->title_h : l->marks ? 10 : BULLET_PAD;
    double marks = l->marks ? BULLET_MARKS : 0, axis = l->axis ? BULLET_AXIS : BULLET_PAD;
    *y = top + marks;
    *h = height - top - marks - axis - (l->foot ? BULLET_FOOT : 0);
    /* between the marker labels' row and the axis labels' */
    *cy = (top + height - 18) / 2 + 6 + (marks - BULLET_MARKS + BULLET_AXIS - axis) / 2;
}

static void bullet_fit_rows(chart_ctx *ctx, const chart_bullet *in, bullet_layout *l)
{
    l->title_h = chart_title_height(ctx);
    l->marks = l->axis = true;
    l->foot = in->path;
    bullet_rows(l, ctx->height, &l->r.y, &l->r.h, &l->label_cy);
    for (int k = 0; k < 4 && l->r.h < BULLET_BAND_H; k++) {
        if (k == 0)
            l->title_h = 0;
        else
            *(k == 1 ? &l->foot : k == 2 ? &l->axis : &l->marks) = false;
        bullet_rows(l, ctx->height, &l->r.y, &l->r.h, &l->label_cy);
    }
    if (l->r.h > BULLET_TALL) { /* keep a bullet a bar, not a block */
        l->r.y += (l->r.h - BULLET_TALL) / 2;
        l->r.h = BULLET_TALL;
    }
}

/* The label's style at `size` (its width at most a quarter of the chart). */
static chart_textstyle label_style(const chart_ctx *ctx, double size)
{
    return (chart_textstyle){.size = size,
                             .bold = true,
                             .colour = chart_ink,
                             .valign = CHART_MIDDLE,
                             .max_width = ctx->width * 0.25};
}

/* The label's size: BULLET_LABEL, or less for its line to fit the chart's
 * height around label_cy; 0 when that is under CHART_FONT_MIN or the
 * quarter of the width holds less than two characters. Sets *w. */
static double bullet_label_size(chart_ctx *ctx, const chart_bullet *in, const bullet_layout *l,
                                double *w)
{
    double h;
    bool el;
    *w = 0;
    if (in->label == NULL || in->label[0] == '\0' || ctx->width * 0.25 < 2 * BULLET_LABEL)
        return 0;
    chart_textstyle st = label_style(ctx, BULLET_LABEL);
    chart_text_measure(ctx, in->label, &st, w, &h, &el);
    double room = 2 * fmin(l->label_cy, ctx->height - l->label_cy) - 2;
    if (h <= room)
        return BULLET_LABEL;
    double size = BULLET_LABEL * room / h;
    if (size < CHART_FONT_MIN)
        return 0;
    st.size = size;
    chart_text_measure(ctx, in->label, &st, w, &h, &el);
    return size;
}

/* The value's text at `size`. */
static chart_textstyle value_style(double size)
{
    return (chart_textstyle){
        .size = size, .bold = true, .colour = chart_ink, .valign = CHART_MIDDLE};
}

/* The room the value's label (status glyph, then the value) at `size`
 * takes right of the bands: 12 + size * (1.4 + the text's width per unit). */
static double bullet_value_width(chart_ctx *ctx, const chart_bullet *in, double size)
{
    char v[32];
    double tw, th;
    bool el;
    chart_format_value(in->axis, in->value, v, sizeof v);
    chart_textstyle st = value_style(size);
    chart_text_measure(ctx, v, &st, &tw, &th, &el);
    return size * 1.4 + 6 + tw + 6;
}

/* Shrinks the value's label from l->value_size down to CHART_FONT_MIN to
 * leave the bands BULLET_BAND_W of `room`; false when even that does not. */
static bool bullet_value_shrink(chart_ctx *ctx, const chart_bullet *in, double room,
                                bullet_layout *l)
{
    double size = l->value_size * (room - BULLET_BAND_W - 12) / (l->value_w - 12);
    if (!(size >= CHART_FONT_MIN))
        return false;
    l->value_size = size;
    l->value_w = bullet_value_width(ctx, in, size);
    return true;
}

static void bullet_fit_columns(chart_ctx *ctx, const chart_bullet *in, bullet_layout *l)
{
    double label_w, right = 16;
    l->label_size = bullet_label_size(ctx, in, l, &label_w);
    l->label = l->label_size > 0;
    l->value = isfinite(in->value);
    l->value_size = fmax(fmin(l->r.h * 0.45, 16), CHART_FONT_MIN);
    l->value_w = l->value ? bullet_value_width(ctx, in, l->value_size) : 0;
    double left = 10 + (l->label ? label_w + 10 : 0);
    if (l->label && ctx->width - left - right - l->value_w < BULLET_BAND_W) {
        l->label = false;
        left = 10;
    }
    if (l->value && ctx->width - left - right - l->value_w < BULLET_BAND_W &&
        !bullet_value_shrink(ctx, in, ctx->width - left - right, l)) {
        l->value = false;
        l->value_w = 0;
    }
    if (ctx->width - left - right - l->value_w < BULLET_BAND_W)
        left = right = BULLET_PAD;
    l->r.x = left;
    l->r.w = ctx->width - left - right - l->value_w;
}

/* ---- drawing ---- */

/* A marker's label: "name value", right of the marker `x` (or left of it
 * when `left`), moved in to stay 2 units inside the chart. Sets the text
 * and returns its left edge. */
static double marker_label(chart_ctx *ctx, const char *name, chart_axis axis, double t, double x,
                           bool left, const chart_textstyle *st, char *buf, size_t n, double *w)
{
    char v[32];
    double h;
    bool el;
    chart_format_value(axis, t, v, sizeof v);
    snprintf(buf, n, "%s %s", name, v);
    chart_text_measure(ctx, buf, st, w, &h, &el);
    double x0 = left ? x - 3 - *w : x + 3;
    return fmin(fmax(x0, 2), ctx->width - 2 - *w);
}

/* Base and challenge markers (or the day's path points), labelled above the
 * bands when `labels` and the labels fit side by side in the chart. */
static void bullet_markers(chart_ctx *ctx, const chart_bullet *in, const chart_rect *r,
                           const chart_scale *x, bool labels)
{
    double t[2], x0[2] = {0, 0}, w[2] = {0, 0};
    const char *name[2] = {in->base_text ? in->base_text : "base",
                           in->challenge_text ? in->challenge_text : "challenge"};
    if (in->path) {
        name[0] = in->path_base_text ? in->path_base_text : "base path";
        name[1] = in->path_challenge_text ? in->path_challenge_text : "challenge path";
    }
    bullet_thresholds(in, t);
    chart_textstyle st = {.size = 10, .colour = chart_muted, .valign = CHART_BOTTOM};
    char buf[2][96];
    for (int k = 0; k < 2; k++)
        if (isfinite(t[k]))
            x0[k] = marker_label(ctx, name[k], in->axis, t[k], chart_scale_map(x, t[k]), k == 0,
                                 &st, buf[k], sizeof buf[k], &w[k]);
    for (int k = 0; k < 2; k++)
        if (isfinite(t[k]) && x0[k] < 2)
            labels = false; /* wider than the chart */
    if (isfinite(t[0]) && isfinite(t[1]) && x0[0] + w[0] + 4 > x0[1])
        labels = false; /* the two would overlap */
    for (int k = 0; k < 2; k++) {
        if (!isfinite(t[k]))
            continue;
        double xm = chart_scale_map(x, t[k]);
        chart_vline(ctx->cr, xm, r->y - 2, r->y + r->h + 2, 2.5, chart_ink, false);
        if (!labels)
            continue;
        double at = k == 0 ? xm - 3 : xm + 3;
        st.halign = k == 0 ? CHART_RIGHT : CHART_LEFT; /* base left of its line, challenge right */
        if (x0[k] != (k == 0 ? at - w[k] : at)) {      /* moved in */
            st.halign = CHART_LEFT;
            at = x0[k];
        }
        chart_text(ctx, buf[k], at, r->y - 3, &st);
    }
}

/* With a path: the period-end targets as thin dashed markers across the
 * band, named with their values in one line under the axis when `line`
 * (ellipsised to the chart's width; left out where two characters would not
 * fit). */
static void bullet_period_targets(chart_ctx *ctx, const chart_bullet *in, const chart_rect *r,
                                  const chart_scale *x, bool line)
{
    double t[2] = {in->base, in->challenge};
    const char *name[2] = {in->base_text ? in->base_text : "base",
                           in->challenge_text ? in->challenge_text : "challenge"};
    char text[256], v[32];
    int n = snprintf(text, sizeof text, "%s", in->period_text ? in->period_text : "period-end");
    for (int k = 0; k < 2; k++) {
        if (!isfinite(t[k]))
            continue;
        chart_vline(ctx->cr, chart_scale_map(x, t[k]), r->y - 2, r->y + r->h + 2, 1.25, chart_ink,
                    true);
        chart_format_value(in->axis, t[k], v, sizeof v);
        if (n >= 0 && (size_t)n < sizeof text)
            n += snprintf(text + n, sizeof text - (size_t)n, "%s%s %s", k ? " · " : ": ", name[k],
                          v);
    }
    chart_textstyle st = {.size = 10, .colour = chart_muted, .valign = CHART_BOTTOM};
    double w, h, room = ctx->width - r->x - 2;
    bool el;
    if (!line || room < 2 * st.size)
        return;
    chart_text_measure(ctx, text, &st, &w, &h, &el);
    if (w > room)
        st.max_width = room;
    chart_text(ctx, text, r->x, ctx->height - 4, &st);
}

static void bullet_value(chart_ctx *ctx, const chart_bullet *in, const bullet_layout *l,
                         const chart_scale *x)
{
    if (!isfinite(in->value))
        return;
    const chart_rect *r = &l->r;
    chart_status s = bullet_status(in);
    double x0 = chart_scale_map(x, 0), x1 = chart_scale_map(x, in->value);
    double h = r->h / 3;
    cairo_rectangle(ctx->cr, fmin(x0, x1), r->y + h, fabs(x1 - x0), h);
    chart_set_rgb(ctx->cr, s == CHART_STATUS_NONE ? chart_ink : chart_status_colour(s));
    cairo_fill(ctx->cr);
    if (!l->value)
        return;
    char v[32];
    chart_format_value(in->axis, in->value, v, sizeof v);
    chart_textstyle st = value_style(l->value_size);
    /* right of the bands, where the layout kept room for it */
    double cy = r->y + r->h / 2, gx = r->x + r->w + 6 + st.size * 0.7;
    chart_glyph_draw(ctx->cr, chart_status_glyph(s), gx, cy, st.size, chart_status_colour(s));
    chart_text(ctx, v, gx + st.size * 0.7 + 3, cy, &st);
}

static bool bullet_check(const void *in, char *err, size_t errlen)
{
    if (in == NULL) {
        chart_err(err, errlen, "bullet: no input");
        return false;
    }
    return true;
}

/* The axis: from zero (or the lowest value) to past the highest value. */
static void bullet_axis(const chart_bullet *in, const chart_rect *r, chart_ticks *t)
{
    double lo = 0, hi = 0, most = 0;
    double v[5] = {in->value, in->base, in->challenge, in->path ? in->path_base : NAN,
                   in->path ? in->path_challenge : NAN};
    for (int k = 0; k < 5; k++)
        if (isfinite(v[k])) {
            lo = fmin(lo, v[k]);
            most = fmax(most, v[k]);
            hi = fmax(hi, v[k] * 1.08);
        }
    if (in->axis == CHART_AXIS_PERCENT && most <= 1 && hi > 1)
        hi = 1; /* a rate ends at 100% */
    chart_ticks_axis(in->axis, lo, hi, (int)(r->w / 80) + 1, t);
}

static bool bullet_draw(chart_ctx *ctx, const void *input, char *err, size_t errlen)
{
    const chart_bullet *in = input;
    (void)err;
    (void)errlen;
    bullet_layout l = {0};
    bullet_fit_rows(ctx, in, &l);
    bullet_fit_columns(ctx, in, &l);
    if (l.title_h > 0)
        chart_title(ctx);
    if (l.label) {
        chart_textstyle st = label_style(ctx, l.label_size);
        chart_text(ctx, in->label, 10, l.label_cy, &st);
    }
    chart_ticks t;
    bullet_axis(in, &l.r, &t);
    chart_scale x = {t.first, t.last, l.r.x, l.r.x + l.r.w};
    chart_axis_x(ctx, &l.r, &x, &t, in->axis, l.axis);
    bullet_bands(ctx, in, &l.r, &x); /* over the grid lines */
    bullet_value(ctx, in, &l, &x);
    if (in->path)
        bullet_period_targets(ctx, in, &l.r, &x, l.foot);
    bullet_markers(ctx, in, &l.r, &x, l.marks);
    return true;
}

static const chart_kind bullet_kind = {bullet_check, bullet_draw};

bool chart_render_bullet(chart_ctx *ctx, const chart_opts *opts, const chart_bullet *in,
                         unsigned char **out, size_t *len, char *err, size_t errlen)
{
    return chart_frame_render(ctx, opts, &bullet_kind, in, out, len, err, errlen);
}

bool chart_draw_bullet(chart_ctx *ctx, cairo_t *cr, const chart_rect *where, const chart_opts *opts,
                       const chart_bullet *in, char *err, size_t errlen)
{
    return chart_frame_draw(ctx, cr, where, opts, &bullet_kind, in, err, errlen);
}
