/* The structures behind chart.h's opaque chart_fonts and chart_ctx.
 * chart_ctx.c creates and frees both (chart_fonts_new, chart_ctx_new: see
 * chart.h); the other modules use a context's fields as noted. */
#ifndef RETENTIOND_CHART_CTX_H
#define RETENTIOND_CHART_CTX_H

#include "chart.h"

#include <cairo.h>
#include <pango/pangocairo.h>

struct chart_fonts {
    char *family; /* owned */
};

struct chart_ctx {
    const chart_fonts *fonts; /* not owned: outlives the context */
    /* owned; text is laid out through them (chart_text.c) */
    PangoFontMap *fontmap;
    PangoContext *pango;
    PangoLayout *layout;
    PangoFontDescription *font;
    /* owned: documents' text extents measured (chart_text_extent), by
     * size, weight, wrap width and text; emptied past a bound */
    GHashTable *extents;
    /* owned: the PNG surface, kept while the size stays (chart_frame.c) */
    cairo_surface_t *image;
    /* owned: PDF text, one cairo user font (Type 3) per font face pango
     * draws with (chart_text.c, pdf_show_layout) */
    cairo_font_face_t *pdf_faces[8];
    int npdf_faces;
    /* One chart, set by chart_frame.c while a kind draws it (NULL, 0 and
     * false otherwise): what the kinds and chart_draw.c draw on and at what
     * size. */
    cairo_t *cr;          /* not owned */
    double width, height; /* the chart's size, user units of cr */
    const char *title;    /* not owned; NULL or "": no title */
    chart_arrows arrows;  /* colour convention of change arrows */
    bool pdf_text;        /* text through the user fonts: cr draws on a PDF */
};

#endif
