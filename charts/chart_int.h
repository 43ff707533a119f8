/* Private pieces of the chart library: the structures behind the opaque
 * types, the layout helpers (pure functions the unit tests check), the
 * palette, and the drawing primitives shared by the chart kinds. */
#ifndef RETENTIOND_CHART_INT_H
#define RETENTIOND_CHART_INT_H

#include "chart.h"

#include <cairo.h>
#include <pango/pangocairo.h>

struct chart_fonts {
    char *family;
};

/* Output bytes of one render (SVG/PDF stream, PNG stream). */
struct chart_bytes {
    unsigned char *data;
    size_t len, cap;
    bool failed; /* an allocation failed */
};

/* Appends; false (and b->failed) when memory runs out. */
bool chart_bytes_append(struct chart_bytes *b, const unsigned char *data, size_t len);
/* Encodes an RGB24 image surface as PNG into b. */
bool chart_png_encode(cairo_surface_t *img, struct chart_bytes *b, char *err, size_t errlen);

struct chart_ctx {
    const chart_fonts *fonts;
    PangoFontMap *fontmap;
    PangoContext *pango;
    PangoLayout *layout;
    PangoFontDescription *font;
    cairo_surface_t *image; /* PNG surface, kept while the size stays */
    /* PDF text: one cairo user font (Type 3) per font face pango draws with,
     * see chart_draw.c (pdf_show_layout) */
    cairo_font_face_t *pdf_faces[8];
    int npdf_faces;
    /* per render */
    cairo_surface_t *surface; /* the surface drawn on (image or vector) */
    cairo_t *cr;
    const chart_opts *opts;
    struct chart_bytes bytes;
};

/* ---- errors ---- */
void chart_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- scale: nice ticks (pure) ---- */
typedef struct {
    double first, last, step; /* first and last tick; step = m * 10^k, m in {1, 2, 5} */
    int n;                    /* number of ticks, first..last inclusive */
} chart_ticks;

/* The ticks covering [lo, hi] with at most max_ticks ticks (at least 2 are
 * allowed whatever max_ticks says). lo > hi are swapped; one non-finite end
 * takes the other's value; both non-finite give 0..1; lo == hi is widened
 * around the value. Always succeeds. */
void chart_ticks_nice(double lo, double hi, int max_ticks, chart_ticks *t);
/* As chart_ticks_nice, with a step no finer than the axis shows with two
 * decimals (0.0001 for percent, 0.01 for score). */
void chart_ticks_axis(chart_axis axis, double lo, double hi, int max_ticks, chart_ticks *t);

/* Linear map from [d0, d1] to [p0, p1]. */
typedef struct {
    double d0, d1, p0, p1;
} chart_scale;
double chart_scale_map(const chart_scale *s, double v);

/* Date helpers (proleptic Gregorian). */
void chart_civil(int32_t day, int *y, int *m, int *d);
int32_t chart_days(int y, int m, int d);

/* Date ticks for a day range: day steps 1, 2, 7, 14 or month steps 1, 2, 3,
 * 6, 12 (ticks on the first of a month). Writes at most max ticks. */
typedef struct {
    int32_t day[32];
    int n;
    bool months; /* labels as YYYY-MM */
} chart_date_ticks;
void chart_date_ticks_make(int32_t lo, int32_t hi, int max_ticks, chart_date_ticks *t);
void chart_date_label(const chart_date_ticks *t, int32_t day, char *buf, size_t n);

/* ---- palette and glyphs ---- */
typedef struct {
    double r, g, b;
} chart_rgb;

#define CHART_RGB(hex)                                                                             \
    ((chart_rgb){((hex) >> 16 & 0xff) / 255.0, ((hex) >> 8 & 0xff) / 255.0, ((hex)&0xff) / 255.0})

chart_rgb chart_status_colour(chart_status s);
chart_rgb chart_series_colour(size_t i);
chart_rgb chart_zone_colour(chart_zone z);
/* Colour of an arrow for a rise (up) or fall under the convention. */
chart_rgb chart_arrow_colour(chart_arrows a, bool up);
extern const chart_rgb chart_ink, chart_grid, chart_muted;

typedef enum {
    CHART_GLYPH_NONE,
    CHART_GLYPH_TRIANGLE_DOWN, /* red */
    CHART_GLYPH_CIRCLE,        /* green */
    CHART_GLYPH_STAR,          /* excellent */
    CHART_GLYPH_SQUARE,
    CHART_GLYPH_DIAMOND,
    CHART_GLYPH_TRIANGLE_UP,
} chart_glyph;
chart_glyph chart_status_glyph(chart_status s);
/* Marker shape of series i (circle, square, diamond, triangle, ...). */
chart_glyph chart_series_glyph(size_t i);

/* ---- ranking layout (pure, tested) ---- */
/* Writes into order[0..n) the item indices sorted by value, highest first,
 * stable, NAN values last. */
void chart_ranking_order(const chart_ranking *in, size_t *order);

/* ---- render frame (chart_ctx.c) ---- */
bool chart_begin(chart_ctx *ctx, const chart_opts *opts, char *err, size_t errlen);
bool chart_end(chart_ctx *ctx, unsigned char **out, size_t *len, char *err, size_t errlen);
/* Drops a render in progress (after chart_begin, on failure). */
void chart_abort(chart_ctx *ctx);

/* ---- drawing primitives (chart_draw.c) ---- */
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

/* Sets the layout to `s` in style `st` and returns its logical size. */
void chart_text_measure(chart_ctx *ctx, const char *s, const chart_textstyle *st, double *w,
                        double *h, bool *ellipsised);
/* Draws `s` anchored at (x, y) per the alignment. */
void chart_text(chart_ctx *ctx, const char *s, double x, double y, const chart_textstyle *st);

void chart_set_rgb(cairo_t *cr, chart_rgb c);
void chart_glyph_draw(cairo_t *cr, chart_glyph g, double cx, double cy, double size, chart_rgb c);
void chart_arrow_draw(cairo_t *cr, bool up, double cx, double cy, double size, chart_rgb c);
void chart_hline(cairo_t *cr, double x0, double x1, double y, double width, chart_rgb c,
                 bool dashed);
void chart_vline(cairo_t *cr, double x, double y0, double y1, double width, chart_rgb c,
                 bool dashed);
/* Draws the title (if any); returns the height it took. */
double chart_title(chart_ctx *ctx);

/* A plot rectangle. */
typedef struct {
    double x, y, w, h;
} chart_rect;

/* Value-axis gridlines and labels: vertical (labels at the left of `r`) or
 * horizontal (labels under `r`). */
void chart_axis_y(chart_ctx *ctx, const chart_rect *r, const chart_scale *s, const chart_ticks *t,
                  chart_axis axis);
void chart_axis_x(chart_ctx *ctx, const chart_rect *r, const chart_scale *s, const chart_ticks *t,
                  chart_axis axis);

/* Right-margin labels that must not overlap: pushes the y positions apart by
 * at least `gap`, keeping them within [top, bottom] as far as possible. ys
 * are in the caller's order; the function sorts a copy of the indices. */
void chart_spread_labels(double *ys, size_t n, double gap, double top, double bottom);

/* Rows of labelled bars (ranking, zones): the row pitch, the label font
 * size (0: no labels, rows too thin) and the label column's width. */
typedef struct {
    double pitch, font, label_w;
} chart_rows;
/* Fits n rows into height h; the label column gets the widest label's width
 * (measured at the font size), at most max_label_w. */
void chart_rows_fit(chart_ctx *ctx, double h, size_t n, const char *const *labels,
                    double max_label_w, chart_rows *r);
/* Draws a row label right-aligned in the label column, ellipsised. */
void chart_row_label(chart_ctx *ctx, const chart_rows *r, const char *label, double x, double cy);
/* A legend entry: glyph (or a swatch when g is NONE: CHART_SWATCH_W x
 * CHART_SWATCH_H, its left at x, centred on cy) and text; returns the x
 * after it. */
#define CHART_SWATCH_W 12.0
#define CHART_SWATCH_H 10.0
double chart_legend_entry(chart_ctx *ctx, double x, double cy, chart_glyph g, chart_rgb c,
                          bool outline, const char *text);

/* ---- ranking layout (tested) ---- */
typedef struct {
    size_t item;         /* index into the input */
    double y, h, x0, x1; /* bar rectangle (x0 <= x1) */
    chart_rgb colour;
    chart_glyph glyph;
} chart_rank_bar;

typedef struct {
    chart_rect plot;
    chart_scale x;
    chart_ticks xt;
    chart_rows rows;
    double top;           /* where the legend goes */
    chart_rank_bar *bars; /* n bars in rank order, malloc'd */
    size_t n;
} chart_rank_layout;

/* Lays out the ranking for opts' size (title included). False when memory
 * runs out. Free with chart_rank_layout_free(). */
bool chart_ranking_layout(chart_ctx *ctx, const chart_opts *opts, const chart_ranking *in,
                          chart_rank_layout *l);
void chart_rank_layout_free(chart_rank_layout *l);

/* Per-kind validation and drawing. */
bool chart_trend_check(const chart_trend *in, char *err, size_t errlen);
void chart_trend_draw(chart_ctx *ctx, const chart_trend *in);
bool chart_ranking_check(const chart_ranking *in, char *err, size_t errlen);
bool chart_ranking_draw(chart_ctx *ctx, const chart_ranking *in, char *err, size_t errlen);

#endif
