/* The frame of one chart: a new surface in and bytes out (chart_render_*),
 * or a rectangle of a caller's cairo_t (chart_draw_*). The chart kinds draw
 * the same way on both. */
#include "chart_frame.h"

#include "chart_bytes.h"
#include "chart_ctx.h"
#include "chart_err.h"
#include "chart_opts.h"
#include "chart_png.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the context's current chart ---- */

/* Makes cr, at w x h of its user units, the chart the kinds draw on. */
static void frame_bind(chart_ctx *ctx, cairo_t *cr, double w, double h, const chart_opts *opts,
                       bool pdf_text)
{
    ctx->cr = cr;
    ctx->width = w;
    ctx->height = h;
    ctx->title = opts->title;
    ctx->arrows = opts->arrows;
    ctx->pdf_text = pdf_text;
    pango_cairo_update_context(cr, ctx->pango);
    pango_layout_context_changed(ctx->layout);
}

static void frame_unbind(chart_ctx *ctx)
{
    ctx->cr = NULL;
    ctx->width = ctx->height = 0;
    ctx->title = NULL;
    ctx->arrows = CHART_ARROWS_CN;
    ctx->pdf_text = false;
}

/* ---- rendering to memory ---- */

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

/* An SVG or PDF surface writing into b. */
static cairo_surface_t *vector_surface(const chart_opts *opts, struct chart_bytes *b)
{
    double w = opts->width * opts->scale, h = opts->height * opts->scale;
    if (opts->format == CHART_SVG)
        return cairo_svg_surface_create_for_stream(chart_bytes_write, b, w, h);
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(chart_bytes_write, b, w, h);
    /* Fixed dates: cairo would write the current time otherwise. */
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z");
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, "2000-01-01T00:00:00Z");
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "retentiond");
    if (opts->title != NULL && opts->title[0] != '\0')
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, opts->title);
    return s;
}

static cairo_surface_t *frame_surface(chart_ctx *ctx, const chart_opts *opts, struct chart_bytes *b)
{
    if (opts->format == CHART_PNG)
        return image_surface(ctx, (int)lround(opts->width * opts->scale),
                             (int)lround(opts->height * opts->scale));
    return vector_surface(opts, b);
}

/* Drops a reference to the surface; a vector surface is finished first (its
 * last bytes written). NULL-safe. */
static void frame_surface_drop(chart_ctx *ctx, cairo_surface_t *s)
{
    if (s == NULL)
        return;
    if (s != ctx->image)
        cairo_surface_finish(s);
    cairo_surface_destroy(s);
}

/* cairo numbers SVG surfaces from a process-wide counter ("surface123"):
 * renumber so that the same chart gives the same bytes every time. */
static void svg_fix_ids(struct chart_bytes *b);

/* The drawn surface's bytes into b: the image encoded as PNG, or the SVG or
 * PDF finished. */
static bool frame_output(cairo_surface_t *s, chart_format f, struct chart_bytes *b, char *err,
                         size_t errlen)
{
    cairo_status_t st = CAIRO_STATUS_SUCCESS;
    if (f == CHART_PNG) {
        cairo_surface_flush(s);
        if (!chart_png_encode(s, b, err, errlen))
            return false;
    } else {
        cairo_surface_finish(s);
        st = cairo_surface_status(s);
    }
    if (st == CAIRO_STATUS_SUCCESS && b->failed)
        st = CAIRO_STATUS_NO_MEMORY;
    if (st != CAIRO_STATUS_SUCCESS) {
        chart_err(err, errlen, "cairo: %s", cairo_status_to_string(st));
        return false;
    }
    if (f == CHART_SVG)
        svg_fix_ids(b);
    return true;
}

bool chart_frame_render(chart_ctx *ctx, const chart_opts *opts, const chart_kind *kind,
                        const void *in, unsigned char **out, size_t *len, char *err, size_t errlen)
{
    struct chart_bytes bytes = {0};
    cairo_surface_t *surface = NULL;
    cairo_t *cr = NULL;
    cairo_status_t st;
    bool drawn;
    *out = NULL;
    *len = 0;
    if (!kind->check(in, err, errlen) || !chart_opts_check(opts, err, errlen))
        return false;
    surface = frame_surface(ctx, opts, &bytes);
    cr = cairo_create(surface);
    if ((st = cairo_status(cr)) != CAIRO_STATUS_SUCCESS)
        goto cairo_failed;
    cairo_scale(cr, opts->scale, opts->scale);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    frame_bind(ctx, cr, opts->width, opts->height, opts, opts->format == CHART_PDF);
    drawn = kind->draw(ctx, in, err, errlen);
    frame_unbind(ctx);
    if (!drawn)
        goto failed;
    st = cairo_status(cr);
    cairo_destroy(cr);
    cr = NULL;
    if (st != CAIRO_STATUS_SUCCESS)
        goto cairo_failed;
    if (!frame_output(surface, opts->format, &bytes, err, errlen))
        goto failed;
    frame_surface_drop(ctx, surface);
    *out = bytes.data;
    *len = bytes.len;
    return true;
cairo_failed:
    chart_err(err, errlen, "cairo: %s", cairo_status_to_string(st));
failed:
    if (cr != NULL)
        cairo_destroy(cr);
    frame_surface_drop(ctx, surface);
    chart_bytes_release(&bytes);
    return false;
}

/* ---- drawing into a caller's cairo_t ---- */

/* cr present and not in an error state (cairo keeps its transformation
 * invertible: a singular one puts cr in an error state). */
static bool cairo_usable(cairo_t *cr, char *err, size_t errlen)
{
    if (cr == NULL) {
        chart_err(err, errlen, "cairo: the context is missing");
        return false;
    }
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        chart_err(err, errlen, "cairo: %s", cairo_status_to_string(cairo_status(cr)));
        return false;
    }
    return true;
}

/* cairo's defaults for the settings the kinds take as they are on a new
 * cairo_t: a chart does not depend on what the caller set before. */
static void frame_defaults(cairo_t *cr)
{
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
    cairo_set_tolerance(cr, 0.1);
    cairo_set_line_width(cr, 2.0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
    cairo_set_miter_limit(cr, 10.0);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
}

/* The caller's path back (cairo_save does not keep it); frees `path`. */
static void frame_path_restore(cairo_t *cr, cairo_path_t *path)
{
    cairo_new_path(cr);
    if (path->status == CAIRO_STATUS_SUCCESS)
        cairo_append_path(cr, path);
    cairo_path_destroy(path);
}

bool chart_frame_draw(chart_ctx *ctx, cairo_t *cr, const chart_rect *where, const chart_opts *opts,
                      const chart_kind *kind, const void *in, char *err, size_t errlen)
{
    if (!kind->check(in, err, errlen) || !chart_opts_check_rect(opts, where, err, errlen) ||
        !cairo_usable(cr, err, errlen))
        return false;
    /* Text through the user fonts on a PDF, as chart_render_* does; the
     * target, not a group's, is what the bytes will be. */
    bool pdf_text = cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_PDF;
    cairo_path_t *path = cairo_copy_path(cr);
    cairo_save(cr);
    frame_defaults(cr);
    cairo_translate(cr, where->x, where->y);
    cairo_new_path(cr);
    cairo_rectangle(cr, 0, 0, where->w, where->h);
    cairo_clip(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    frame_bind(ctx, cr, where->w, where->h, opts, pdf_text);
    bool drawn = kind->draw(ctx, in, err, errlen);
    frame_unbind(ctx);
    cairo_status_t st = cairo_status(cr);
    cairo_restore(cr);
    frame_path_restore(cr, path);
    if (drawn && st != CAIRO_STATUS_SUCCESS) {
        chart_err(err, errlen, "cairo: %s", cairo_status_to_string(st));
        drawn = false;
    }
    return drawn;
}

/* ---- SVG ids ---- */

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
