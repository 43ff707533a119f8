/* Fonts, render contexts, options and the render frame (surface in, bytes
 * out) shared by every chart kind. */
#include "chart_int.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void chart_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

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

bool chart_ctx_prepare(chart_ctx *ctx, const chart_opts *opts, char *err, size_t errlen)
{
    enum { DAYS = 92 };
    chart_point pts[DAYS];
    int32_t day0 = 0;
    chart_date_parse("2026-01-01", &day0);
    for (int i = 0; i < DAYS; i++)
        pts[i] = (chart_point){.day = day0 + i, .value = 0.80 + 0.05 * sin(i / 9.0)};
    chart_series series = {.name = "示例分公司", .points = pts, .n = DAYS};
    chart_trend t = {.axis = CHART_AXIS_PERCENT,
                     .series = &series,
                     .nseries = 1,
                     .base = 0.77,
                     .challenge = 0.83,
                     .base_text = "基础目标",
                     .challenge_text = "挑战目标"};
    chart_opts o = *opts;
    o.format = CHART_PNG;
    o.title = "示例省公司 · 示例指标";
    unsigned char *bytes = NULL;
    size_t len = 0;
    bool ok = chart_render_trend(ctx, &o, &t, &bytes, &len, err, errlen);
    free(bytes);
    return ok;
}

void chart_ctx_free(chart_ctx *ctx)
{
    if (ctx == NULL)
        return;
    chart_abort(ctx);
    if (ctx->image != NULL)
        cairo_surface_destroy(ctx->image);
    for (int i = 0; i < ctx->npdf_faces; i++)
        cairo_font_face_destroy(ctx->pdf_faces[i]);
    if (ctx->font != NULL)
        pango_font_description_free(ctx->font);
    if (ctx->layout != NULL)
        g_object_unref(ctx->layout);
    if (ctx->pango != NULL)
        g_object_unref(ctx->pango);
    if (ctx->fontmap != NULL)
        g_object_unref(ctx->fontmap);
    free(ctx);
}

/* ---- options ---- */

void chart_opts_default(chart_opts *opts)
{
    *opts = (chart_opts){.width = 800,
                         .height = 400,
                         .scale = 1.0,
                         .format = CHART_PNG,
                         .arrows = CHART_ARROWS_CN,
                         .title = NULL};
}

bool chart_opts_check(const chart_opts *opts, char *err, size_t errlen)
{
    if (opts == NULL) {
        chart_err(err, errlen, "options are missing");
        return false;
    }
    if (opts->width < 16 || opts->width > 4096) {
        chart_err(err, errlen, "width: %d is outside 16..4096", opts->width);
        return false;
    }
    if (opts->height < 16 || opts->height > 4096) {
        chart_err(err, errlen, "height: %d is outside 16..4096", opts->height);
        return false;
    }
    if (!(opts->scale >= 0.5 && opts->scale <= 4.0)) {
        chart_err(err, errlen, "scale: %g is outside 0.5..4", opts->scale);
        return false;
    }
    if (opts->format != CHART_PNG && opts->format != CHART_SVG && opts->format != CHART_PDF) {
        chart_err(err, errlen, "format: %d is not PNG, SVG or PDF", (int)opts->format);
        return false;
    }
    if (opts->arrows != CHART_ARROWS_CN && opts->arrows != CHART_ARROWS_INTL) {
        chart_err(err, errlen, "arrows: %d is not CN or INTL", (int)opts->arrows);
        return false;
    }
    return true;
}

/* ---- the render frame ---- */

bool chart_bytes_append(struct chart_bytes *b, const unsigned char *data, size_t len)
{
    if (b->failed)
        return false;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 16384;
        while (cap < b->len + len)
            cap *= 2;
        unsigned char *p = realloc(b->data, cap);
        if (p == NULL) {
            b->failed = true;
            return false;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return true;
}

static cairo_status_t bytes_write(void *closure, const unsigned char *data, unsigned int len)
{
    return chart_bytes_append(closure, data, len) ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static void bytes_reset(struct chart_bytes *b)
{
    free(b->data);
    *b = (struct chart_bytes){0};
}

/* The PNG surface, reused while the pixel size stays the same. */
static cairo_surface_t *image_surface(chart_ctx *ctx, int pw, int ph)
{
    if (ctx->image != NULL && (cairo_image_surface_get_width(ctx->image) != pw ||
                               cairo_image_surface_get_height(ctx->image) != ph)) {
        cairo_surface_destroy(ctx->image);
        ctx->image = NULL;
    }
    if (ctx->image == NULL)
        ctx->image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, pw, ph);
    return cairo_surface_reference(ctx->image);
}

static cairo_surface_t *vector_surface(chart_ctx *ctx, chart_format f, double w, double h)
{
    if (f == CHART_SVG)
        return cairo_svg_surface_create_for_stream(bytes_write, &ctx->bytes, w, h);
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(bytes_write, &ctx->bytes, w, h);
    /* Fixed dates: cairo would write the current time otherwise. */
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z");
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, "2000-01-01T00:00:00Z");
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "retentiond");
    if (ctx->opts->title != NULL && ctx->opts->title[0] != '\0')
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, ctx->opts->title);
    return s;
}

bool chart_begin(chart_ctx *ctx, const chart_opts *opts, char *err, size_t errlen)
{
    if (!chart_opts_check(opts, err, errlen))
        return false;
    chart_abort(ctx);
    ctx->opts = opts;
    if (opts->format == CHART_PNG) {
        int pw = (int)lround(opts->width * opts->scale);
        int ph = (int)lround(opts->height * opts->scale);
        ctx->surface = image_surface(ctx, pw, ph);
    } else {
        ctx->surface = vector_surface(ctx, opts->format, opts->width * opts->scale,
                                      opts->height * opts->scale);
    }
    ctx->cr = cairo_create(ctx->surface);
    if (cairo_status(ctx->cr) != CAIRO_STATUS_SUCCESS) {
        chart_err(err, errlen, "cairo: %s", cairo_status_to_string(cairo_status(ctx->cr)));
        chart_abort(ctx);
        return false;
    }
    cairo_scale(ctx->cr, opts->scale, opts->scale);
    cairo_set_source_rgb(ctx->cr, 1, 1, 1);
    cairo_paint(ctx->cr);
    pango_cairo_update_context(ctx->cr, ctx->pango);
    pango_layout_context_changed(ctx->layout);
    return true;
}

void chart_abort(chart_ctx *ctx)
{
    if (ctx->cr != NULL)
        cairo_destroy(ctx->cr);
    if (ctx->surface != NULL) {
        if (ctx->surface != ctx->image)
            cairo_surface_finish(ctx->surface);
        cairo_surface_destroy(ctx->surface);
    }
    ctx->cr = NULL;
    ctx->surface = NULL;
    ctx->opts = NULL;
    bytes_reset(&ctx->bytes);
}

/* cairo numbers SVG surfaces from a process-wide counter ("surface123"):
 * renumber so that the same chart gives the same bytes every time. */
static void svg_fix_ids(struct chart_bytes *b);

bool chart_end(chart_ctx *ctx, unsigned char **out, size_t *len, char *err, size_t errlen)
{
    cairo_status_t st = cairo_status(ctx->cr);
    cairo_destroy(ctx->cr);
    ctx->cr = NULL;
    if (st == CAIRO_STATUS_SUCCESS) {
        if (ctx->opts->format == CHART_PNG) {
            cairo_surface_flush(ctx->surface);
            if (!chart_png_encode(ctx->surface, &ctx->bytes, err, errlen)) {
                chart_abort(ctx);
                return false;
            }
        } else {
            cairo_surface_finish(ctx->surface);
            st = cairo_surface_status(ctx->surface);
        }
    }
    if (st == CAIRO_STATUS_SUCCESS && ctx->bytes.failed)
        st = CAIRO_STATUS_NO_MEMORY;
    if (st != CAIRO_STATUS_SUCCESS) {
        chart_err(err, errlen, "cairo: %s", cairo_status_to_string(st));
        chart_abort(ctx);
        return false;
    }
    if (ctx->opts->format == CHART_SVG)
        svg_fix_ids(&ctx->bytes);
    *out = ctx->bytes.data;
    *len = ctx->bytes.len;
    ctx->bytes = (struct chart_bytes){0};
    chart_abort(ctx);
    return true;
}

/* Renumbers "surface<N>" ids (after `"` or `#`) 1, 2, ... in order of first
 * appearance. cairo takes N from a process-wide counter. */
static void svg_fix_ids(struct chart_bytes *b)
{
    static const char key[] = "surface";
    const size_t klen = sizeof key - 1;
    unsigned long seen[64];
    size_t nseen = 0;
    struct chart_bytes o = {0};
    size_t i = 0;
    while (i < b->len) {
        const unsigned char *p = b->data + i;
        size_t rest = b->len - i;
        if (rest > klen && i > 0 && (p[-1] == '"' || p[-1] == '#') && memcmp(p, key, klen) == 0 &&
            p[klen] >= '0' && p[klen] <= '9') {
            size_t j = klen;
            unsigned long v = 0;
            while (j < rest && p[j] >= '0' && p[j] <= '9')
                v = v * 10 + (p[j++] - '0');
            size_t k = 0;
            while (k < nseen && seen[k] != v)
                k++;
            if (k == nseen && nseen < sizeof seen / sizeof seen[0])
                seen[nseen++] = v;
            char num[32];
            int n = snprintf(num, sizeof num, "%s%zu", key, k + 1);
            chart_bytes_append(&o, (const unsigned char *)num, (size_t)n);
            i += j;
            continue;
        }
        size_t run = 1;
        while (run < rest && p[run] != 's')
            run++;
        chart_bytes_append(&o, p, run);
        i += run;
    }
    if (o.failed) {
        free(o.data); /* keep the original: valid, merely not reproducible */
        return;
    }
    free(b->data);
    *b = o;
}
