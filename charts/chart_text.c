/* Text through the context's one PangoLayout: measured, and drawn with
 * pango_cairo_show_layout, or on a PDF through cairo user fonts (below);
 * the charts' text (chart_text) and the documents' (chart_text_extent,
 * chart_text_draw: chart.h). */
#define G_LOG_DOMAIN "chart"

#include "chart_text.h"

#include "chart_ctx.h"

#include <math.h>

static void text_set(chart_ctx *ctx, const char *s, const chart_textstyle *st)
{
    pango_font_description_set_absolute_size(ctx->font, st->size * PANGO_SCALE);
    pango_font_description_set_weight(ctx->font,
                                      st->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(ctx->layout, ctx->font);
    if (st->max_width > 0) {
        pango_layout_set_width(ctx->layout, (int)(st->max_width * PANGO_SCALE));
        pango_layout_set_ellipsize(ctx->layout, PANGO_ELLIPSIZE_END);
    } else {
        pango_layout_set_width(ctx->layout, -1);
        pango_layout_set_ellipsize(ctx->layout, PANGO_ELLIPSIZE_NONE);
    }
    pango_layout_set_wrap(ctx->layout, PANGO_WRAP_WORD);
    pango_layout_set_alignment(ctx->layout, PANGO_ALIGN_LEFT);
    pango_layout_set_text(ctx->layout, s, -1);
}

/* ---- PDF text ----
 * cairo 1.16.0 loses memory each time it embeds a subset of a CID-keyed CFF
 * font (Noto Sans CJK) in a PDF: cairo_cff_font_read_cid_fontdict()
 * (cairo-cff-subset.c) never frees its FDArray index on success, 768 bytes
 * per font per PDF. So PDF text is drawn with a cairo user font whose glyphs
 * are the same font's outlines: cairo writes it as a Type 3 font, with the
 * text (ToUnicode) taken from cairo_show_text_glyphs, and never reads the
 * CFF. Glyph ids and positions are pango's, as pango_cairo_show_layout
 * would draw them. */

static const cairo_user_data_key_t pdf_inner_key;

static cairo_status_t pdf_glyph_render(cairo_scaled_font_t *sf, unsigned long glyph, cairo_t *cr,
                                       cairo_text_extents_t *extents)
{
    cairo_font_face_t *inner =
        cairo_font_face_get_user_data(cairo_scaled_font_get_font_face(sf), &pdf_inner_key);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
    cairo_set_font_face(cr, inner);
    cairo_set_font_size(cr, 1.0); /* user font units are ems */
    cairo_glyph_t g = {.index = glyph, .x = 0, .y = 0};
    cairo_glyph_extents(cr, &g, 1, extents);
    cairo_glyph_path(cr, &g, 1);
    cairo_fill(cr);
    return cairo_status(cr);
}

/* The user font drawing `inner`'s outlines (NULL if none can be made). */
static cairo_font_face_t *pdf_face(chart_ctx *ctx, cairo_font_face_t *inner)
{
    for (int i = 0; i < ctx->npdf_faces; i++)
        if (cairo_font_face_get_user_data(ctx->pdf_faces[i], &pdf_inner_key) == inner)
            return ctx->pdf_faces[i];
    if (ctx->npdf_faces == (int)(sizeof ctx->pdf_faces / sizeof ctx->pdf_faces[0]))
        return NULL;
    cairo_font_face_t *face = cairo_user_font_face_create();
    cairo_user_font_face_set_render_glyph_func(face, pdf_glyph_render);
    if (cairo_font_face_set_user_data(face, &pdf_inner_key, cairo_font_face_reference(inner),
                                      (cairo_destroy_func_t)cairo_font_face_destroy) !=
        CAIRO_STATUS_SUCCESS) {
        cairo_font_face_destroy(inner);
        cairo_font_face_destroy(face);
        return NULL;
    }
    ctx->pdf_faces[ctx->npdf_faces++] = face;
    return face;
}

static bool pdf_glyph_drawn(PangoGlyph g)
{
    return g != PANGO_GLYPH_EMPTY && !(g & PANGO_GLYPH_UNKNOWN_FLAG);
}

/* A run's glyphs as cairo places them, baseline origin (x, y); slot[i]:
 * pango glyph i's index among them, or -1 when it is not drawn. Returns
 * how many there are. */
static int pdf_run_glyphs(const PangoGlyphString *gs, double x, double y, cairo_glyph_t *glyphs,
                          int *slot)
{
    int ng = 0, xoff = 0;
    for (int i = 0; i < gs->num_glyphs; i++) {
        const PangoGlyphInfo *gi = &gs->glyphs[i];
        slot[i] = -1;
        if (pdf_glyph_drawn(gi->glyph)) {
            slot[i] = ng;
            glyphs[ng++] =
                (cairo_glyph_t){.index = gi->glyph,
                                .x = x + (double)(xoff + gi->geometry.x_offset) / PANGO_SCALE,
                                .y = y + (double)gi->geometry.y_offset / PANGO_SCALE};
        }
        xoff += gi->geometry.width;
    }
    return ng;
}

/* The run's text clusters with how many drawn glyphs each has. Returns how
 * many clusters there are. */
static int pdf_run_clusters(PangoGlyphItem *run, const char *text, const int *slot,
                            cairo_text_cluster_t *clusters)
{
    bool backward = run->item->analysis.level % 2 != 0;
    PangoGlyphItemIter it;
    int nc = 0;
    for (gboolean ok = pango_glyph_item_iter_init_start(&it, run, text); ok;
         ok = pango_glyph_item_iter_next_cluster(&it)) {
        int n = 0, lo = MIN(it.start_glyph, it.end_glyph), hi = MAX(it.start_glyph, it.end_glyph);
        if (backward) { /* start_glyph is inclusive, end_glyph exclusive */
            lo++;
            hi++;
        }
        for (int i = lo; i < hi; i++)
            n += slot[i] >= 0;
        clusters[nc++] =
            (cairo_text_cluster_t){.num_bytes = it.end_index - it.start_index, .num_glyphs = n};
    }
    return nc;
}

/* Characters the font lacks: an outlined box of the glyph's advance, as
 * pango draws its hex boxes on PNG and SVG (the character is not in the
 * PDF's text). */
static void pdf_unknown_boxes(cairo_t *cr, cairo_scaled_font_t *sf, const PangoGlyphString *gs,
                              double x, double y)
{
    cairo_font_extents_t fe;
    cairo_scaled_font_extents(sf, &fe);
    int xoff = 0;
    for (int i = 0; i < gs->num_glyphs; i++) {
        const PangoGlyphInfo *gi = &gs->glyphs[i];
        double w = (double)gi->geometry.width / PANGO_SCALE;
        if ((gi->glyph & PANGO_GLYPH_UNKNOWN_FLAG) && w > 2) {
            cairo_rectangle(cr, x + (double)xoff / PANGO_SCALE + 1, y - fe.ascent * 0.8, w - 2,
                            fe.ascent * 0.8);
            cairo_set_line_width(cr, fmax(fe.ascent / 16, 0.5));
            cairo_stroke(cr);
        }
        xoff += gi->geometry.width;
    }
}

/* One run at baseline origin (x, y), as pango_cairo_show_glyph_item does. */
static void pdf_show_run(chart_ctx *ctx, cairo_t *cr, const char *text, PangoGlyphItem *run,
                         double x, double y)
{
    PangoGlyphString *gs = run->glyphs;
    if (gs->num_glyphs == 0)
        return;
    cairo_scaled_font_t *sf =
        pango_cairo_font_get_scaled_font(PANGO_CAIRO_FONT(run->item->analysis.font));
    cairo_font_face_t *face =
        sf != NULL ? pdf_face(ctx, cairo_scaled_font_get_font_face(sf)) : NULL;
    if (face == NULL) { /* more than 8 faces: not expected */
        cairo_move_to(cr, x, y);
        pango_cairo_show_glyph_item(cr, text, run);
        return;
    }
    cairo_glyph_t *glyphs = cairo_glyph_allocate(gs->num_glyphs);
    cairo_text_cluster_t *clusters = cairo_text_cluster_allocate(gs->num_glyphs);
    int *slot = g_new(int, gs->num_glyphs); /* pango glyph -> cairo glyph, or -1 */
    int ng = pdf_run_glyphs(gs, x, y, glyphs, slot);
    int nc = pdf_run_clusters(run, text, slot, clusters);
    cairo_save(cr);
    pdf_unknown_boxes(cr, sf, gs, x, y);
    cairo_matrix_t fm;
    cairo_scaled_font_get_font_matrix(sf, &fm);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_scaled_font_get_font_options(sf, fo);
    cairo_set_font_face(cr, face);
    cairo_set_font_matrix(cr, &fm);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
    bool backward = run->item->analysis.level % 2 != 0;
    cairo_show_text_glyphs(cr, text + run->item->offset, run->item->length, glyphs, ng, clusters,
                           nc, backward ? CAIRO_TEXT_CLUSTER_FLAG_BACKWARD : 0);
    cairo_restore(cr);
    g_free(slot);
    cairo_text_cluster_free(clusters);
    cairo_glyph_free(glyphs);
}

/* pango_cairo_show_layout for a PDF surface (see above). */
static void pdf_show_layout(chart_ctx *ctx, cairo_t *cr, PangoLayout *layout)
{
    double x0, y0;
    cairo_get_current_point(cr, &x0, &y0);
    const char *text = pango_layout_get_text(layout);
    PangoLayoutIter *it = pango_layout_get_iter(layout);
    do {
        PangoLayoutRun *run = pango_layout_iter_get_run_readonly(it);
        if (run == NULL)
            continue;
        PangoRectangle r;
        pango_layout_iter_get_run_extents(it, NULL, &r);
        pdf_show_run(ctx, cr, text, run, x0 + (double)r.x / PANGO_SCALE,
                     y0 + (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE);
    } while (pango_layout_iter_next_run(it));
    pango_layout_iter_free(it);
}

void chart_text_measure(chart_ctx *ctx, const char *s, const chart_textstyle *st, double *w,
                        double *h, bool *ellipsised)
{
    PangoRectangle logical;
    text_set(ctx, s, st);
    pango_layout_get_extents(ctx->layout, NULL, &logical);
    *w = (double)logical.width / PANGO_SCALE;
    if (st->max_width > 0 && *w > st->max_width)
        *w = st->max_width;
    *h = (double)logical.height / PANGO_SCALE;
    *ellipsised = pango_layout_is_ellipsized(ctx->layout);
}

void chart_text(chart_ctx *ctx, const char *s, double x, double y, const chart_textstyle *st)
{
    PangoRectangle logical;
    if (!(st->size >= CHART_FONT_MIN)) { /* the layout should have left it out */
        g_warning("text '%s' at %g units is under the %g-unit minimum: left out", s, st->size,
                  CHART_FONT_MIN);
        return;
    }
    text_set(ctx, s, st);
    pango_layout_get_extents(ctx->layout, NULL, &logical);
    double h = (double)logical.height / PANGO_SCALE;
    double y0 = st->valign == CHART_TOP ? y : st->valign == CHART_MIDDLE ? y - h / 2 : y - h;
    double x0, w = (double)logical.width / PANGO_SCALE, dx = (double)logical.x / PANGO_SCALE;
    if (st->max_width > 0 && pango_layout_is_ellipsized(ctx->layout)) {
        /* The logical box of an ellipsised line is the whole max_width, the
         * glyphs may end before it: align on the ink's right edge. */
        PangoRectangle ink;
        pango_layout_get_extents(ctx->layout, &ink, NULL);
        w = (double)(ink.x + ink.width) / PANGO_SCALE;
        dx = 0;
    }
    x0 = st->halign == CHART_LEFT ? x : st->halign == CHART_CENTER ? x - w / 2 : x - w;
    x0 -= dx;
    cairo_t *cr = ctx->cr;
    /* not chart_set_rgb(): chart_draw.c draws its text through this module */
    cairo_set_source_rgb(cr, st->colour.r, st->colour.g, st->colour.b);
    cairo_move_to(cr, x0, y0 - (double)logical.y / PANGO_SCALE);
    if (ctx->pdf_text)
        pdf_show_layout(ctx, cr, ctx->layout);
    else
        pango_cairo_show_layout(cr, ctx->layout);
    cairo_new_path(cr);
}

/* ---- documents' text (chart.h) ---- */

/* The largest size a document's text may have, logical units. */
#define TEXT_SIZE_MAX 400.0

/* The layout set to a document's text: `s` at `size`, lines wrapped at
 * wrap_width (> 0) and aligned within it, or one box as wide as its widest
 * line (lines aligned within that). False, the layout untouched, when the
 * arguments are not valid (see chart.h). */
static bool box_set(chart_ctx *ctx, const char *s, double size, bool bold, double wrap_width,
                    chart_align align)
{
    static const PangoAlignment aligns[] = {PANGO_ALIGN_LEFT, PANGO_ALIGN_CENTER,
                                            PANGO_ALIGN_RIGHT};
    if (ctx == NULL || ctx->cr != NULL || s == NULL || !g_utf8_validate(s, -1, NULL) ||
        !(size >= CHART_FONT_MIN && size <= TEXT_SIZE_MAX) || !isfinite(wrap_width) ||
        (unsigned)align > CHART_ALIGN_RIGHT)
        return false;
    chart_textstyle st = {.size = size, .bold = bold};
    text_set(ctx, s, &st);
    if (wrap_width > 0) {
        pango_layout_set_width(ctx->layout, (int)(wrap_width * PANGO_SCALE));
        pango_layout_set_wrap(ctx->layout, PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_alignment(ctx->layout, aligns[align]);
    return true;
}

/* The layout's logical extents laid out without a cairo_t's transformation
 * (unhinted metrics: the same advances under any). */
static void box_unbind(chart_ctx *ctx)
{
    if (pango_context_get_matrix(ctx->pango) != NULL) {
        pango_context_set_matrix(ctx->pango, NULL);
        pango_layout_context_changed(ctx->layout);
    }
}

/* Extents kept per context at most; past it the table starts again. A
 * document measures the same texts over and over (a table's cells, once
 * to size its columns, once to place them; the same ranking in every
 * bulletin of a date), and pango shapes a text each time. */
#define EXTENTS_MAX 20000

bool chart_text_extent(chart_ctx *ctx, const char *text, double size, bool bold, double wrap_width,
                       double *w, double *h)
{
    PangoRectangle logical;
    *w = *h = 0;
    if (ctx == NULL || ctx->cr != NULL || text == NULL)
        return false;
    /* the exact arguments: %a prints a double without rounding */
    char *key = g_strdup_printf("%a|%d|%a|%s", size, bold, wrap_width, text);
    const double *known = g_hash_table_lookup(ctx->extents, key);
    if (known != NULL) {
        *w = known[0];
        *h = known[1];
        g_free(key);
        return true;
    }
    box_unbind(ctx);
    if (!box_set(ctx, text, size, bold, wrap_width, CHART_ALIGN_LEFT)) {
        g_free(key);
        return false;
    }
    pango_layout_get_extents(ctx->layout, NULL, &logical);
    *w = (double)logical.width / PANGO_SCALE;
    *h = (double)logical.height / PANGO_SCALE;
    if (g_hash_table_size(ctx->extents) >= EXTENTS_MAX)
        g_hash_table_remove_all(ctx->extents);
    double *value = g_new(double, 2);
    value[0] = *w;
    value[1] = *h;
    g_hash_table_insert(ctx->extents, key, value);
    return true;
}

/* The left edge of a box of width w whose anchor x is per align. */
static double box_left(double x, double w, chart_align align)
{
    return align == CHART_ALIGN_LEFT ? x : align == CHART_ALIGN_CENTER ? x - w / 2 : x - w;
}

bool chart_text_draw(chart_ctx *ctx, cairo_t *cr, const char *text, double x, double y, double size,
                     bool bold, uint32_t rgb, double wrap_width, chart_align align)
{
    PangoRectangle logical;
    if (cr == NULL || cairo_status(cr) != CAIRO_STATUS_SUCCESS || !isfinite(x) || !isfinite(y) ||
        ctx == NULL || ctx->cr != NULL)
        return false;
    cairo_path_t *path = cairo_copy_path(cr);
    cairo_save(cr);
    pango_cairo_update_context(cr, ctx->pango);
    pango_layout_context_changed(ctx->layout);
    bool ok = box_set(ctx, text, size, bold, wrap_width, align);
    if (ok) {
        pango_layout_get_extents(ctx->layout, NULL, &logical);
        double w = wrap_width > 0 ? wrap_width : (double)logical.width / PANGO_SCALE;
        double x0 = box_left(x, w, align) - (wrap_width > 0 ? 0 : (double)logical.x / PANGO_SCALE);
        cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
        cairo_set_source_rgb(cr, (rgb >> 16 & 0xff) / 255.0, (rgb >> 8 & 0xff) / 255.0,
                             (rgb & 0xff) / 255.0);
        cairo_new_path(cr);
        cairo_move_to(cr, x0, y - (double)logical.y / PANGO_SCALE);
        if (cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_PDF)
            pdf_show_layout(ctx, cr, ctx->layout);
        else
            pango_cairo_show_layout(cr, ctx->layout);
        ok = cairo_status(cr) == CAIRO_STATUS_SUCCESS;
    }
    cairo_restore(cr);
    cairo_new_path(cr);
    if (path->status == CAIRO_STATUS_SUCCESS)
        cairo_append_path(cr, path);
    cairo_path_destroy(path);
    return ok;
}
