/* Drawing primitives shared by the chart kinds: glyph shapes (drawn, not
 * taken from a font), lines, the title, value axes, rows of labelled bars
 * and legend entries. Text goes through chart_text.c. */
#include "chart_draw.h"

#include "chart_ctx.h"
#include "chart_text.h"

#include <math.h>

void chart_set_rgb(cairo_t *cr, chart_rgb c)
{
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

static void polygon(cairo_t *cr, const double *xy, int n, double cx, double cy, double r)
{
    for (int i = 0; i < n; i++) {
        double x = cx + xy[2 * i] * r, y = cy + xy[2 * i + 1] * r;
        if (i == 0)
            cairo_move_to(cr, x, y);
        else
            cairo_line_to(cr, x, y);
    }
    cairo_close_path(cr);
}

static void star(cairo_t *cr, double cx, double cy, double r)
{
    for (int i = 0; i < 10; i++) {
        double a = -M_PI / 2 + i * M_PI / 5;
        double rr = i % 2 ? r * 0.45 : r;
        double x = cx + rr * cos(a), y = cy + rr * sin(a) + r * 0.1;
        if (i == 0)
            cairo_move_to(cr, x, y);
        else
            cairo_line_to(cr, x, y);
    }
    cairo_close_path(cr);
}

void chart_glyph_draw(cairo_t *cr, chart_glyph g, double cx, double cy, double size, chart_rgb c)
{
    static const double down[] = {-1, -0.75, 1, -0.75, 0, 0.95};
    static const double up[] = {-1, 0.75, 1, 0.75, 0, -0.95};
    static const double square[] = {-0.75, -0.75, 0.75, -0.75, 0.75, 0.75, -0.75, 0.75};
    static const double diamond[] = {0, -1, 1, 0, 0, 1, -1, 0};
    double r = size / 2;
    switch (g) {
    case CHART_GLYPH_NONE:
        return;
    case CHART_GLYPH_TRIANGLE_DOWN:
        polygon(cr, down, 3, cx, cy, r);
        break;
    case CHART_GLYPH_TRIANGLE_UP:
        polygon(cr, up, 3, cx, cy, r);
        break;
    case CHART_GLYPH_CIRCLE:
        cairo_new_sub_path(cr);
        cairo_arc(cr, cx, cy, r * 0.8, 0, 2 * M_PI);
        break;
    case CHART_GLYPH_STAR:
        star(cr, cx, cy, r * 1.1);
        break;
    case CHART_GLYPH_SQUARE:
        polygon(cr, square, 4, cx, cy, r);
        break;
    case CHART_GLYPH_DIAMOND:
        polygon(cr, diamond, 4, cx, cy, r);
        break;
    case CHART_GLYPH_WARNING: /* the mark's bar and dot are holes (even-odd) */
        polygon(cr, up, 3, cx, cy, r * 1.1);
        cairo_rectangle(cr, cx - r * 0.11, cy - r * 0.3, r * 0.22, r * 0.55);
        cairo_new_sub_path(cr);
        cairo_arc(cr, cx, cy + r * 0.48, r * 0.13, 0, 2 * M_PI);
        break;
    }
    chart_set_rgb(cr, c);
    cairo_fill_rule_t rule = cairo_get_fill_rule(cr);
    if (g == CHART_GLYPH_WARNING)
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_fill(cr);
    cairo_set_fill_rule(cr, rule);
}

void chart_arrow_draw(cairo_t *cr, bool up, double cx, double cy, double size, chart_rgb c)
{
    double r = size / 2, d = up ? 1 : -1; /* shape[] points up */
    static const double shape[] = {0,  1,     0.7, 0.1,   0.25, 0.1,  0.25,
                                   -1, -0.25, -1,  -0.25, 0.1,  -0.7, 0.1};
    for (int i = 0; i < 7; i++) {
        double x = cx + shape[2 * i] * r, y = cy - d * shape[2 * i + 1] * r;
        if (i == 0)
            cairo_move_to(cr, x, y);
        else
            cairo_line_to(cr, x, y);
    }
    cairo_close_path(cr);
    chart_set_rgb(cr, c);
    cairo_fill(cr);
}

static void line(cairo_t *cr, double x0, double y0, double x1, double y1, double width, chart_rgb c,
                 bool dashed)
{
    static const double dash[] = {5, 3};
    cairo_save(cr);
    if (dashed)
        cairo_set_dash(cr, dash, 2, 0);
    cairo_set_line_width(cr, width);
    chart_set_rgb(cr, c);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
    cairo_restore(cr);
}

void chart_hline(cairo_t *cr, double x0, double x1, double y, double width, chart_rgb c,
                 bool dashed)
{
    line(cr, x0, y, x1, y, width, c, dashed);
}

void chart_vline(cairo_t *cr, double x, double y0, double y1, double width, chart_rgb c,
                 bool dashed)
{
    line(cr, x, y0, x, y1, width, c, dashed);
}

static chart_textstyle title_style(const chart_ctx *ctx)
{
    return (chart_textstyle){
        .size = 16, .bold = true, .colour = chart_ink, .max_width = ctx->width - 20};
}

double chart_title_height(chart_ctx *ctx)
{
    const char *t = ctx->title;
    if (t == NULL || *t == '\0' || ctx->width < CHART_TITLE_MIN_W)
        return 0;
    chart_textstyle st = title_style(ctx);
    double w, h;
    bool el;
    chart_text_measure(ctx, t, &st, &w, &h, &el);
    return 8 + h + 6;
}

void chart_title(chart_ctx *ctx)
{
    if (chart_title_height(ctx) == 0)
        return;
    chart_textstyle st = title_style(ctx);
    chart_text(ctx, ctx->title, 10, 8, &st);
}

void chart_axis_y(chart_ctx *ctx, const chart_rect *r, const chart_scale *s, const chart_ticks *t,
                  chart_axis axis, bool labels)
{
    chart_textstyle st = {
        .size = 11, .colour = chart_muted, .halign = CHART_RIGHT, .valign = CHART_MIDDLE};
    for (int i = 0; i < t->n; i++) {
        double v = t->first + i * t->step;
        double y = chart_scale_map(s, v);
        char label[32];
        chart_format_value(axis, v, label, sizeof label);
        chart_hline(ctx->cr, r->x, r->x + r->w, y, 1, chart_grid, false);
        if (labels)
            chart_text(ctx, label, r->x - 6, y, &st);
    }
}

/* Where a label w wide centred on x goes to stay 2 units inside the chart:
 * its anchor, and the alignment in st. */
static double tick_label_anchor(const chart_ctx *ctx, double x, double w, chart_textstyle *st)
{
    double right = ctx->width - 2;
    st->halign = CHART_CENTER;
    if (x + w / 2 > right) {
        st->halign = CHART_RIGHT;
        return right;
    }
    if (x - w / 2 < 2) {
        st->halign = CHART_LEFT;
        return 2;
    }
    return x;
}

bool chart_tick_labels_fit(chart_ctx *ctx, int n, chart_tick_label_fn label, const void *data,
                           const chart_textstyle *st)
{
    chart_textstyle s = *st;
    double end = -INFINITY; /* the right edge of the label before */
    for (int i = 0; i < n; i++) {
        char buf[32];
        double x, w, h;
        bool el;
        label(data, i, &x, buf, sizeof buf);
        chart_text_measure(ctx, buf, &s, &w, &h, &el);
        double a = tick_label_anchor(ctx, x, w, &s);
        double x0 = s.halign == CHART_LEFT ? a : s.halign == CHART_RIGHT ? a - w : a - w / 2;
        if (x0 < 2 || x0 + w > ctx->width - 2 || x0 < end + 4)
            return false;
        end = x0 + w;
    }
    return true;
}

void chart_tick_label(chart_ctx *ctx, const char *s, double x, double y, chart_textstyle *st)
{
    double w, h;
    bool el;
    chart_text_measure(ctx, s, st, &w, &h, &el);
    chart_text(ctx, s, tick_label_anchor(ctx, x, w, st), y, st);
}

struct axis_labels {
    const chart_scale *s;
    const chart_ticks *t;
    chart_axis axis;
};

static void axis_label(const void *data, int i, double *x, char *buf, size_t n)
{
    const struct axis_labels *a = data;
    double v = a->t->first + i * a->t->step;
    *x = chart_scale_map(a->s, v);
    chart_format_value(a->axis, v, buf, n);
}

void chart_axis_x(chart_ctx *ctx, const chart_rect *r, const chart_scale *s, const chart_ticks *t,
                  chart_axis axis, bool labels)
{
    chart_textstyle st = {.size = 11, .colour = chart_muted, .valign = CHART_TOP};
    struct axis_labels a = {s, t, axis};
    labels = labels && chart_tick_labels_fit(ctx, t->n, axis_label, &a, &st);
    for (int i = 0; i < t->n; i++) {
        double x;
        char label[32];
        axis_label(&a, i, &x, label, sizeof label);
        chart_vline(ctx->cr, x, r->y, r->y + r->h, 1, chart_grid, false);
        if (labels)
            chart_tick_label(ctx, label, x, r->y + r->h + 4, &st);
    }
}

void chart_rows_fit(chart_ctx *ctx, double h, size_t n, const char *const *labels,
                    double max_label_w, chart_rows *r)
{
    r->pitch = n > 0 ? h / (double)n : h;
    if (r->pitch > 28)
        r->pitch = 28;
    r->font = r->pitch * 0.72 > 12 ? 12 : r->pitch * 0.72;
    if (r->font < CHART_FONT_MIN)
        r->font = 0;
    r->label_w = 0;
    if (r->font == 0)
        return;
    chart_textstyle st = {.size = r->font};
    for (size_t i = 0; i < n; i++) {
        double w, lh;
        bool el;
        chart_text_measure(ctx, labels[i] ? labels[i] : "", &st, &w, &lh, &el);
        if (w > r->label_w)
            r->label_w = w;
    }
    if (r->label_w > max_label_w)
        r->label_w = max_label_w;
}

void chart_row_label(chart_ctx *ctx, const chart_rows *r, const char *label, double x, double cy)
{
    if (r->font == 0 || label == NULL)
        return;
    chart_textstyle st = {.size = r->font,
                          .colour = chart_ink,
                          .halign = CHART_RIGHT,
                          .valign = CHART_MIDDLE,
                          .max_width = r->label_w};
    chart_text(ctx, label, x, cy, &st);
}

/* Legend text (drawn in chart_ink). */
static const chart_textstyle legend_style = {.size = 11, .valign = CHART_MIDDLE, .max_width = 160};

double chart_legend_entry(chart_ctx *ctx, double x, double cy, chart_glyph g, chart_rgb c,
                          bool outline, const char *text)
{
    if (g != CHART_GLYPH_NONE) {
        chart_glyph_draw(ctx->cr, g, x + 6, cy, 11, c);
    } else {
        cairo_rectangle(ctx->cr, x, cy - CHART_SWATCH_H / 2, CHART_SWATCH_W, CHART_SWATCH_H);
        chart_set_rgb(ctx->cr, c);
        cairo_fill_preserve(ctx->cr);
        cairo_set_line_width(ctx->cr, 1);
        chart_set_rgb(ctx->cr, outline ? chart_muted : c);
        cairo_stroke(ctx->cr);
    }
    chart_textstyle st = legend_style;
    st.colour = chart_ink;
    chart_text(ctx, text, x + 17, cy, &st);
    return x + chart_legend_entry_width(ctx, text);
}

double chart_legend_entry_width(chart_ctx *ctx, const char *text)
{
    double w, h;
    bool el;
    chart_text_measure(ctx, text, &legend_style, &w, &h, &el);
    return 17 + w + 16;
}
