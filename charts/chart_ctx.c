/* Fonts and render contexts: the font family checked once against
 * fontconfig, and per context the pango objects, with the fonts loaded on
 * creation. */
#include "chart_ctx.h"

#include "chart_err.h"
#include "chart_text.h"

#include <fontconfig/fontconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fonts ---- */

/* True when fontconfig's best match for `family` is that family itself.
 * Otherwise `got` names the substitute. */
static bool fonts_resolve(const char *family, char *got, size_t gotlen)
{
    bool ok = false;
    FcPattern *pat = FcPatternCreate();
    FcPattern *match = NULL;
    FcResult res;
    snprintf(got, gotlen, "nothing");
    if (pat == NULL || !FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)family))
        goto done;
    if (!FcConfigSubstitute(NULL, pat, FcMatchPattern))
        goto done;
    FcDefaultSubstitute(pat);
    match = FcFontMatch(NULL, pat, &res);
    if (match == NULL)
        goto done;
    FcChar8 *name;
    for (int i = 0; FcPatternGetString(match, FC_FAMILY, i, &name) == FcResultMatch; i++) {
        if (i == 0)
            snprintf(got, gotlen, "%s", (const char *)name);
        if (FcStrCmpIgnoreCase(name, (const FcChar8 *)family) == 0)
            ok = true;
    }
done:
    if (match != NULL)
        FcPatternDestroy(match);
    if (pat != NULL)
        FcPatternDestroy(pat);
    return ok;
}

chart_fonts *chart_fonts_new(const char *family, char *err, size_t errlen)
{
    chart_fonts *f = NULL;
    char got[256];
    if (family == NULL)
        family = CHART_DEFAULT_FAMILY;
    if (*family == '\0') {
        chart_err(err, errlen, "font family is empty");
        goto failed;
    }
    if (!fonts_resolve(family, got, sizeof got)) {
        chart_err(err, errlen, "font family '%s' is not installed (fontconfig would use '%s')",
                  family, got);
        goto failed;
    }
    f = calloc(1, sizeof *f);
    if (f == NULL || (f->family = strdup(family)) == NULL) {
        chart_err(err, errlen, "out of memory");
        goto failed;
    }
    return f;
failed:
    chart_fonts_free(f);
    return NULL;
}

void chart_fonts_free(chart_fonts *fonts)
{
    if (fonts == NULL)
        return;
    free(fonts->family);
    free(fonts);
}

const char *chart_fonts_family(const chart_fonts *fonts)
{
    return fonts->family;
}

/* ---- contexts ---- */

/* Rendering options fixed here, not taken from the surface or the system,
 * so that PNG, SVG and PDF lay text out alike and bytes are reproducible. */
static void ctx_font_options(PangoContext *pango)
{
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(pango, fo);
    cairo_font_options_destroy(fo);
    pango_context_set_round_glyph_positions(pango, FALSE);
}

chart_ctx *chart_ctx_new(const chart_fonts *fonts, char *err, size_t errlen)
{
    chart_ctx *c = calloc(1, sizeof *c);
    if (c == NULL) {
        chart_err(err, errlen, "out of memory");
        goto failed;
    }
    c->fonts = fonts;
    c->fontmap = pango_cairo_font_map_new();
    c->pango = pango_font_map_create_context(c->fontmap);
    ctx_font_options(c->pango);
    c->layout = pango_layout_new(c->pango);
    c->font = pango_font_description_new();
    pango_font_description_set_family(c->font, fonts->family);
    c->extents = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    /* Load the fonts now (regular and bold, Latin and CJK). */
    chart_textstyle st = {.size = 12};
    double w, h;
    bool el;
    chart_text_measure(c, "0123456789.%-+ ABCxyz 杭州市分公司", &st, &w, &h, &el);
    st.bold = true;
    chart_text_measure(c, "0123456789.%-+ ABCxyz 杭州市分公司", &st, &w, &h, &el);
    if (!(w > 0)) {
        chart_err(err, errlen, "font family '%s' lays out no text", fonts->family);
        goto failed;
    }
    return c;
failed:
    chart_ctx_free(c);
    return NULL;
}

void chart_ctx_free(chart_ctx *ctx)
{
    if (ctx == NULL)
        return;
    if (ctx->image != NULL)
        cairo_surface_destroy(ctx->image);
    for (int i = 0; i < ctx->npdf_faces; i++)
        cairo_font_face_destroy(ctx->pdf_faces[i]);
    if (ctx->font != NULL)
        pango_font_description_free(ctx->font);
    if (ctx->extents != NULL)
        g_hash_table_destroy(ctx->extents);
    if (ctx->layout != NULL)
        g_object_unref(ctx->layout);
    if (ctx->pango != NULL)
        g_object_unref(ctx->pango);
    if (ctx->fontmap != NULL)
        g_object_unref(ctx->fontmap);
    free(ctx);
}
