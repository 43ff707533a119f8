/* Text of the charts (chart_text.c): laid out by pango in the context's one
 * PangoLayout (fonts loaded once per context), drawn on ctx->cr with
 * pango_cairo_show_layout, or, when ctx->pdf_text, with cairo user fonts
 * over the same outlines (Type 3 fonts with their text: see chart_text.c).
 * Those user fonts are kept in ctx->pdf_faces, which chart_ctx_free()
 * frees. */
#ifndef RETENTIOND_CHART_TEXT_H
#define RETENTIOND_CHART_TEXT_H

#include "chart.h"
#include "chart_scale.h"

typedef enum { CHART_LEFT, CHART_CENTER, CHART_RIGHT } chart_halign;
typedef enum { CHART_TOP, CHART_MIDDLE, CHART_BOTTOM } chart_valign;

typedef struct {
    double size; /* font size, logical units */
    bool bold;
    chart_rgb colour;
    chart_halign halign;
    chart_valign valign;
    double max_width; /* > 0: ellipsise at the end beyond this width */
} chart_textstyle;

/* Sets the layout to `s` in style `st` and returns its logical size. Needs
 * no ctx->cr. */
void chart_text_measure(chart_ctx *ctx, const char *s, const chart_textstyle *st, double *w,
                        double *h, bool *ellipsised);
/* Draws `s` on ctx->cr anchored at (x, y) per the alignment; clears the
 * current path. A size under CHART_FONT_MIN is a layout's mistake: the text
 * is left out and a warning logged (GLib, domain "chart"). */
void chart_text(chart_ctx *ctx, const char *s, double x, double y, const chart_textstyle *st);

#endif
