/* The panorama (满意度全景视图): the indicator tree as a table, one row per
 * indicator, indented by depth: value, change against last month with the
 * caller's arrow, last month, target with the caller's arrow against it,
 * and the status (warns / excellent) as glyph, text and row tint. */
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

static const char *const header_default[6] = {"indicator",  "value",  "vs last",
                                              "last month", "target", "status"};
static const char *const status_default[CHART_STATUS_COUNT] = {"", "warn", "", "excellent"};

/* Column anchors as fractions of the width: indicator (left edge), value,
 * change, last, target (right edges), status (left edge). */
static const double col[6] = {0.0, 0.50, 0.64, 0.76, 0.86, 0.89};

/* The text is 12 units, or less for the rows (0.6 of their pitch, at most
 * 24) and for the columns, fractions of the width (1/60 of it between the
 * margins: the value column's 5 % holds a value; 12 units from 740 wide).
 * Under CHART_FONT_MIN the rows keep their tints and rules, without text,
 * arrows or glyphs; the title is left out first, when it would take the
 * room that text needs (rows of 10 units). */
#define PANO_FONT       12.0
#define PANO_FONT_PER_W (1 / 60.0)
#define PANO_PITCH_MAX  24.0
#define PANO_PITCH_TEXT (CHART_FONT_MIN / 0.6)
#define PANO_PAD        3.0 /* above the rows when there is neither title nor text */

typedef struct {
    double top, pitch, font; /* font 0: no text */
    bool title;
} pano_layout;

static bool panorama_check(const void *input, char *err, size_t errlen)
{
    const chart_panorama *in = input;
    if (in == NULL || (in->n > 0 && in->nodes == NULL)) {
        chart_err(err, errlen, "panorama: no input");
        return false;
    }
    for (size_t i = 0; i < in->n; i++) {
        int p = in->nodes[i].parent;
        if (p < -1 || p >= (int)i) {
            chart_err(err, errlen, "panorama: node %zu: parent %d is not an earlier node", i, p);
            return false;
        }
        if ((unsigned)in->nodes[i].status >= CHART_STATUS_COUNT) {
            chart_err(err, errlen, "panorama: node %zu: status %d is unknown", i,
                      (int)in->nodes[i].status);
            return false;
        }
        if ((unsigned)in->nodes[i].arrow > CHART_MOVE_DOWN ||
            (unsigned)in->nodes[i].target_arrow > CHART_MOVE_DOWN) {
            chart_err(err, errlen, "panorama: node %zu: an arrow is unknown", i);
            return false;
        }
    }
    return true;
}

static int node_depth(const chart_panorama *in, size_t i)
{
    int d = 0;
    for (int p = in->nodes[i].parent; p >= 0 && d < 32; p = in->nodes[p].parent)
        d++;
    return d;
}

static void panorama_header(chart_ctx *ctx, const chart_panorama *in, double y, double font)
{
    double w = ctx->width - 20;
    chart_textstyle st = {
        .size = font, .bold = true, .colour = chart_muted, .valign = CHART_MIDDLE};
    for (int c = 0; c < 6; c++) {
        const char *t = in->header_text[c] ? in->header_text[c] : header_default[c];
        st.halign = c == 0 || c == 5 ? CHART_LEFT : CHART_RIGHT;
        st.max_width = c == 0 ? w * 0.45 : w * 0.11;
        double x = 10 + w * col[c];
        chart_text(ctx, t, st.halign == CHART_RIGHT ? x : x, y, &st);
    }
}

/* A value right-aligned at x, left of the room kept for its arrow. */
static void panorama_marked(chart_ctx *ctx, const char *text, chart_move arrow, double x, double cy,
                            double font, bool bold)
{
    chart_textstyle st = {.size = font,
                          .bold = bold,
                          .colour = chart_ink,
                          .halign = CHART_RIGHT,
                          .valign = CHART_MIDDLE};
    chart_text(ctx, text, x - font - 2, cy, &st);
    if (arrow == CHART_MOVE_NONE)
        return;
    bool up = arrow == CHART_MOVE_UP;
    chart_arrow_draw(ctx->cr, up, x - font / 2, cy, font, chart_arrow_colour(ctx->arrows, up));
}

/* The change against last month in the value's unit (points of a score;
 * percentage points of a percentage), signed as the dashboard's table
 * signs it, with its arrow. */
static void panorama_change(chart_ctx *ctx, const chart_panorama *in, const chart_panorama_node *nd,
                            double x, double cy, double font)
{
    if (!isfinite(nd->value) || !isfinite(nd->last))
        return;
    double d = (nd->value - nd->last) * (in->axis == CHART_AXIS_PERCENT ? 100 : 1);
    char buf[32];
    snprintf(buf, sizeof buf, "%s%.2f", fabs(d) < 0.005 ? "±" : d > 0 ? "+" : "−", fabs(d));
    panorama_marked(ctx, buf, nd->arrow, x, cy, font, false);
}

static void panorama_row(chart_ctx *ctx, const chart_panorama *in, size_t i, double y, double pitch,
                         double font)
{
    const chart_panorama_node *nd = &in->nodes[i];
    double w = ctx->width - 20, cy = y + pitch / 2;
    if ((nd->status == CHART_STATUS_RED || nd->status == CHART_STATUS_EXCELLENT) && pitch > 2) {
        chart_rgb c = chart_status_colour(nd->status);
        cairo_rectangle(ctx->cr, 6, y + 1, w + 8, pitch - 2);
        cairo_set_source_rgba(ctx->cr, c.r, c.g, c.b, 0.12);
        cairo_fill(ctx->cr);
    }
    if (font == 0)
        return;
    char name[256], v[32];
    snprintf(name, sizeof name, "%s%s%s", nd->code ? nd->code : "",
             nd->code && nd->label ? " " : "", nd->label ? nd->label : "");
    double indent = node_depth(in, i) * font * 1.2;
    chart_textstyle st = {.size = font,
                          .bold = nd->parent < 0,
                          .colour = chart_ink,
                          .valign = CHART_MIDDLE,
                          .max_width = w * 0.45 - indent};
    chart_text(ctx, name, 10 + indent, cy, &st);
    st.bold = false;
    st.max_width = 0;
    st.halign = CHART_RIGHT;
    double vals[2] = {nd->value, nd->last};
    int cols[2] = {1, 3};
    for (int k = 0; k < 2; k++) {
        chart_format_value(in->axis, vals[k], v, sizeof v);
        st.bold = k == 0;
        chart_text(ctx, v, 10 + w * col[cols[k]], cy, &st);
    }
    panorama_change(ctx, in, nd, 10 + w * col[2], cy, font);
    chart_format_value(in->axis, nd->target, v, sizeof v);
    panorama_marked(ctx, v, nd->target_arrow, 10 + w * col[4], cy, font, false);
    chart_rgb sc = chart_status_colour(nd->status);
    double gx = 10 + w * col[5] + font / 2;
    /* the page's flags, ⚠ 示警 and ◆ 绩优: not the alarms' ▼ and ★, which
     * read as a fall and as the challenge reached */
    chart_glyph g = nd->status == CHART_STATUS_RED         ? CHART_GLYPH_WARNING
                    : nd->status == CHART_STATUS_EXCELLENT ? CHART_GLYPH_DIAMOND
                                                           : chart_status_glyph(nd->status);
    chart_glyph_draw(ctx->cr, g, gx, cy, font, sc);
    const char *t =
        in->status_text[nd->status] ? in->status_text[nd->status] : status_default[nd->status];
    chart_textstyle ss = {.size = font,
                          .colour = chart_ink,
                          .valign = CHART_MIDDLE,
                          .max_width = w * (1 - col[5]) - font - 4};
    chart_text(ctx, t, gx + font / 2 + 4, cy, &ss);
}

/* The rows' pitch and text size under `top`. */
static void pano_rows(const chart_ctx *ctx, const chart_panorama *in, double top, pano_layout *l)
{
    l->top = top;
    l->pitch = (ctx->height - top - 6) / (double)(in->n + 1);
    l->pitch = l->pitch > PANO_PITCH_MAX ? PANO_PITCH_MAX : l->pitch;
    l->font = fmin(fmin(PANO_FONT, l->pitch * 0.6), (ctx->width - 20) * PANO_FONT_PER_W);
    if (l->font < CHART_FONT_MIN)
        l->font = 0;
}

static void pano_layout_make(chart_ctx *ctx, const chart_panorama *in, pano_layout *l)
{
    double title_h = chart_title_height(ctx);
    l->title = title_h > 0;
    if (l->title) {
        pano_rows(ctx, in, title_h, l);
        if (l->pitch >= PANO_PITCH_TEXT)
            return;
        l->title = false;
    }
    pano_rows(ctx, in, 10, l);
    if (l->font == 0)
        pano_rows(ctx, in, PANO_PAD, l);
}

static bool panorama_draw(chart_ctx *ctx, const void *input, char *err, size_t errlen)
{
    const chart_panorama *in = input;
    (void)err;
    (void)errlen;
    pano_layout l;
    pano_layout_make(ctx, in, &l);
    if (l.title)
        chart_title(ctx);
    double top = l.top, pitch = l.pitch;
    if (l.font > 0)
        panorama_header(ctx, in, top + pitch / 2, l.font);
    chart_hline(ctx->cr, 6, ctx->width - 6, top + pitch, 1, chart_muted, false);
    for (size_t i = 0; i < in->n; i++) {
        double y = top + pitch * (double)(i + 1);
        panorama_row(ctx, in, i, y, pitch, l.font);
        chart_hline(ctx->cr, 6, ctx->width - 6, y + pitch, 0.5, chart_grid, false);
    }
    return true;
}

static const chart_kind panorama_kind = {panorama_check, panorama_draw};

bool chart_render_panorama(chart_ctx *ctx, const chart_opts *opts, const chart_panorama *in,
                           unsigned char **out, size_t *len, char *err, size_t errlen)
{
    return chart_frame_render(ctx, opts, &panorama_kind, in, out, len, err, errlen);
}

bool chart_draw_panorama(chart_ctx *ctx, cairo_t *cr, const chart_rect *where,
                         const chart_opts *opts, const chart_panorama *in, char *err, size_t errlen)
{
    return chart_frame_draw(ctx, cr, where, opts, &panorama_kind, in, err, errlen);
}
