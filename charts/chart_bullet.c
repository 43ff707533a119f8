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

/* Base and challenge markers (or the day's path points), labelled above the
 * bands. */
static void bullet_markers(chart_ctx *ctx, const chart_bullet *in, const chart_rect *r,
                           const chart_scale *x)
{
    double t[2];
    const char *name[2] = {in->base_text ? in->base_text : "base",
                           in->challenge_text ? in->challenge_text : "challenge"};
    if (in->path) {
        name[0] = in->path_base_text ? in->path_base_text : "base path";
        name[1] = in->path_challenge_text ? in->path_challenge_text : "challenge path";
    }
    bullet_thresholds(in, t);
    chart_textstyle st = {.size = 10, .colour = chart_muted, .valign = CHART_BOTTOM};
    for (int k = 0; k < 2; k++) {
        if (!isfinite(t[k]))
            continue;
        double xm = chart_scale_map(x, t[k]);
        chart_vline(ctx->cr, xm, r->y - 2, r->y + r->h + 2, 2.5, chart_ink, false);
        char v[32], buf[96];
        chart_format_value(in->axis, t[k], v, sizeof v);
        snprintf(buf, sizeof buf, "%s %s", name[k], v);
        st.halign = k == 0 ? CHART_RIGHT : CHART_LEFT; /* base left of its line, challenge right */
        chart_text(ctx, buf, xm + (k == 0 ? -3 : 3), r->y - 3, &st);
    }
}

/* With a path: the period-end targets as thin dashed markers across the
 * band, named with their values in one line under the axis. */
static void bullet_period_targets(chart_ctx *ctx, const chart_bullet *in, const chart_rect *r,
                                  const chart_scale *x)
{
    double t[2] = {in->base, in->challenge};
    const char *name[2] = {in->base_text ? in->base_text : "base",
                           in->challenge_text ? in->challenge_text : "challenge"};
    char line[256], v[32];
    int n = snprintf(line, sizeof line, "%s", in->period_text ? in->period_text : "period-end");
    for (int k = 0; k < 2; k++) {
        if (!isfinite(t[k]))
            continue;
        chart_vline(ctx->cr, chart_scale_map(x, t[k]), r->y - 2, r->y + r->h + 2, 1.25, chart_ink,
                    true);
        chart_format_value(in->axis, t[k], v, sizeof v);
        if (n >= 0 && (size_t)n < sizeof line)
            n += snprintf(line + n, sizeof line - (size_t)n, "%s%s %s", k ? " · " : ": ", name[k],
                          v);
    }
    chart_textstyle st = {.size = 10, .colour = chart_muted, .valign = CHART_BOTTOM};
    chart_text(ctx, line, r->x, ctx->height - 4, &st);
}

/* The value's label (status glyph, then the value) and its width. */
static double bullet_label(chart_ctx *ctx, const chart_bullet *in, const chart_rect *r,
                           chart_textstyle *st, char *v, size_t vlen)
{
    chart_format_value(in->axis, in->value, v, vlen);
    *st = (chart_textstyle){
        .size = fmin(r->h * 0.45, 16), .bold = true, .colour = chart_ink, .valign = CHART_MIDDLE};
    double tw, th;
    bool el;
    chart_text_measure(ctx, v, st, &tw, &th, &el);
    return st->size * 1.4 + 6 + tw;
}

static void bullet_value(chart_ctx *ctx, const chart_bullet *in, const chart_rect *r,
                         const chart_scale *x)
{
    if (!isfinite(in->value))
        return;
    chart_status s = bullet_status(in);
    double x0 = chart_scale_map(x, 0), x1 = chart_scale_map(x, in->value);
    double h = r->h / 3;
    cairo_rectangle(ctx->cr, fmin(x0, x1), r->y + h, fabs(x1 - x0), h);
    chart_set_rgb(ctx->cr, s == CHART_STATUS_NONE ? chart_ink : chart_status_colour(s));
    cairo_fill(ctx->cr);
    char v[32];
    chart_textstyle st;
    bullet_label(ctx, in, r, &st, v, sizeof v);
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

static bool bullet_draw(chart_ctx *ctx, const void *input, char *err, size_t errlen)
{
    const chart_bullet *in = input;
    (void)err;
    (void)errlen;
    double top = chart_title(ctx);
    double left = 10;
    if (in->label != NULL && in->label[0] != '\0') {
        chart_textstyle st = {
            .size = 12, .bold = true, .colour = chart_ink, .valign = CHART_MIDDLE};
        double w, h;
        bool el;
        st.max_width = ctx->width * 0.25;
        chart_text_measure(ctx, in->label, &st, &w, &h, &el);
        chart_text(ctx, in->label, 10, (top + ctx->height - 18) / 2 + 6, &st);
        left += w + 10;
    }
    double foot = in->path ? 16 : 0; /* the period-end targets' line */
    chart_rect r = {left, top + 16, ctx->width - left - 16, ctx->height - top - 16 - 22 - foot};
    if (r.h > 48) { /* keep a bullet a bar, not a block */
        r.y += (r.h - 48) / 2;
        r.h = 48;
    }
    if (isfinite(in->value)) { /* room for the value's label right of the bands */
        chart_textstyle st;
        char label[32];
        r.w -= bullet_label(ctx, in, &r, &st, label, sizeof label) + 6;
    }
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
    chart_ticks t;
    chart_ticks_axis(in->axis, lo, hi, (int)(r.w / 80) + 1, &t);
    chart_scale x = {t.first, t.last, r.x, r.x + r.w};
    chart_axis_x(ctx, &r, &x, &t, in->axis);
    bullet_bands(ctx, in, &r, &x); /* over the grid lines */
    bullet_value(ctx, in, &r, &x);
    if (in->path)
        bullet_period_targets(ctx, in, &r, &x);
    bullet_markers(ctx, in, &r, &x);
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
