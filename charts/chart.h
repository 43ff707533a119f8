/* The chart library: trend, ranking, bullet, zones, panorama and sparkline
 * charts as PNG (in memory), SVG or PDF, or drawn into a rectangle of a
 * caller's cairo_t (several charts on one page), drawn with cairo, text
 * through pango. No daemon code: errors come back as text in a caller-given
 * buffer.
 *
 * Objects
 *   chart_fonts  the font family, checked once against fontconfig. Immutable
 *                after chart_fonts_new(): one may be shared by every thread.
 *   chart_ctx    a render context: pango font map, context, layout and font
 *                description (fonts are loaded once, on creation), plus the
 *                reusable PNG surface. A context is NOT thread-safe: use one
 *                per thread (or guard it); any number may exist at once.
 *
 * Rendering
 *   Every chart_render_*() takes a context, options and the chart's input,
 *   and on success sets *out to a malloc'd buffer of *len bytes (PNG, SVG or
 *   PDF per opts->format) that the caller frees with free(). On failure it
 *   returns false, leaves *out NULL and *len 0, and writes one line naming
 *   the problem into err (errlen bytes, always NUL-terminated; err may be
 *   NULL). The input is only read during the call: the library keeps no
 *   pointer to it. Strings are UTF-8.
 *
 *   The same input, options and fonts give the same bytes, in one process and
 *   across processes (PDF carries fixed dates; SVG ids are renumbered).
 *
 * Drawing
 *   Every chart_draw_*() draws the same chart into a rectangle of a caller's
 *   cairo_t instead (see there).
 *
 * Units
 *   CHART_AXIS_PERCENT: values are fractions (0.4129 is shown "41.29%");
 *   CHART_AXIS_SCORE:   values are scores 0..100 shown with two decimals.
 *   NAN means "missing" wherever a double may be absent (a gap in a series,
 *   no target).
 *
 * Small charts
 *   Every size the options allow (down to 16 x 16) gives a chart whose marks
 *   all lie inside it. Text is never smaller than CHART_FONT_MIN units: text
 *   that would be smaller, or that has no room (it would leave the chart or
 *   run into other text), is left out, in an order each kind states below,
 *   while bars, bands, lines and rules stay. The title goes first: it is
 *   shown when the chart is at least 52 units wide and the kind's content
 *   keeps its least height under it (see docs/charts.md, "Small charts").
 *   A legend is drawn whole or not at all. */
#ifndef RETENTIOND_CHART_H
#define RETENTIOND_CHART_H

/* <cairo.h> for cairo_t, the type chart_draw_*() and chart_text_draw()
 * draw on, and cairo_surface_t, the image chart_image_png() encodes: their
 * callers use cairo anyway, and a forward declaration would rest on cairo's
 * private struct tags. Nothing else of cairo, and nothing of pango, is
 * public. */
#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct chart_fonts chart_fonts;
typedef struct chart_ctx chart_ctx;

#define CHART_DEFAULT_FAMILY "Noto Sans CJK SC"

/* The smallest font size, in logical units, text is drawn at (see "Small
 * charts" above). */
#define CHART_FONT_MIN 6.0

/* ---- fonts and contexts ------------------------------------------------ */

/* Checks with fontconfig that `family` (NULL: CHART_DEFAULT_FAMILY) resolves
 * to a font of that family, not a substitute. Returns NULL and an error
 * naming the family (and what fontconfig would use instead) otherwise. The
 * caller frees the result with chart_fonts_free(). */
chart_fonts *chart_fonts_new(const char *family, char *err, size_t errlen);
/* NULL-safe. Free only after every context made from it is freed. */
void chart_fonts_free(chart_fonts *fonts);
/* The family name (owned by `fonts`). */
const char *chart_fonts_family(const chart_fonts *fonts);

/* A render context using `fonts` (not copied: `fonts` must outlive it).
 * Loads the fonts now, so the first chart is as fast as the next ones.
 * Returns NULL with an error on failure. Free with chart_ctx_free(). */
chart_ctx *chart_ctx_new(const chart_fonts *fonts, char *err, size_t errlen);
/* NULL-safe. */
void chart_ctx_free(chart_ctx *ctx);

/* ---- options -------------------------------------------------------------- */

typedef enum { CHART_PNG, CHART_SVG, CHART_PDF } chart_format;

/* Colour of change arrows: CN (the operator's convention) draws a rise red
 * and a fall green; INTL the reverse. The arrow's direction is its shape, so
 * the meaning never rests on colour alone. */
typedef enum { CHART_ARROWS_CN, CHART_ARROWS_INTL } chart_arrows;

typedef enum { CHART_AXIS_PERCENT, CHART_AXIS_SCORE } chart_axis;

/* Status of a value against its targets: below base (red, glyph ▼), on target
 * (green, ●) or at or above challenge (excellent, ★). For the panorama, RED
 * means "warns" (示警) and EXCELLENT "excellent" (绩优). */
typedef enum {
    CHART_STATUS_NONE,
    CHART_STATUS_RED,
    CHART_STATUS_GREEN,
    CHART_STATUS_EXCELLENT,
    CHART_STATUS_COUNT
} chart_status;

typedef struct {
    int width, height;   /* logical size, 16..4096 each */
    double scale;        /* 0.5..4: PNG pixels (and SVG/PDF points) per unit */
    chart_format format; /* PNG, SVG or PDF */
    chart_arrows arrows; /* CN or INTL */
    const char *title;   /* NULL or "": no title (never drawn on sparklines) */
} chart_opts;

/* 800x400, scale 1, PNG, CN arrows, no title. */
void chart_opts_default(chart_opts *opts);
/* False with an error naming the field (e.g. "width: 5 is outside 16..4096")
 * when an option is out of range. The render functions call it too. */
bool chart_opts_check(const chart_opts *opts, char *err, size_t errlen);

/* Optional, for a caller with a wait to fill before its first chart (the
 * one-shot `retentiond chart` calls it while the database answers): renders
 * and discards a sample PNG trend of opts' width, height and scale, so that
 * the surface of that size is allocated and the text machinery is warm. The
 * first real PNG of that size then renders about three times faster. False
 * with an error on invalid options or failure. */
bool chart_ctx_prepare(chart_ctx *ctx, const chart_opts *opts, char *err, size_t errlen);

/* ---- inputs ---------------------------------------------------------------- */

/* A date as days since 1970-01-01 (chart_date_parse converts "YYYY-MM-DD"). */
bool chart_date_parse(const char *ymd, int32_t *day);

typedef struct {
    int32_t day;  /* days since 1970-01-01 */
    double value; /* NAN: missing (the line breaks there) */
} chart_point;

typedef struct {
    const char *name;          /* legend text */
    const chart_point *points; /* n points in increasing day order */
    size_t n;
} chart_series;

/* Trend: one or more series over dates; base and challenge target lines
 * (NAN: none); the last value of each series labelled. At most
 * CHART_TREND_MAX_SERIES series. Small: when the plot would be lower than
 * 32 units (or than its right margin's labels need, 15 units apart), the
 * title, the legend, the date labels, the right margin's labels and the
 * value-axis labels are left out in this order; when it would be narrower
 * than 48, the right margin's labels, then the value-axis labels. */
#define CHART_TREND_MAX_SERIES 6
typedef struct {
    chart_axis axis;
    const chart_series *series;
    size_t nseries;
    double base, challenge;     /* NAN: no line */
    const char *base_text;      /* label of the base line; NULL: "base" */
    const char *challenge_text; /* NULL: "challenge" */
    /* The path to targets assessed at the end of a period: the day's base
     * and challenge points (n each, increasing days, NAN: a gap; NULL or 0:
     * none), drawn as lines with the targets' dashes and labelled at their
     * last point. */
    const chart_point *base_path, *challenge_path;
    size_t nbase_path, nchallenge_path;
    const char *base_path_text, *challenge_path_text; /* NULL: "base path", "challenge path" */
    const char *no_data_text; /* over a plot without a value; NULL: "no data" */
} chart_trend;

/* Ranking: one horizontal bar per item, sorted by value (highest first;
 * equal values keep their input order, items with a NAN value last). Bars
 * are coloured and marked with a glyph by status; long labels are
 * ellipsised. Use chart_ranking_height() for a height where every label is
 * readable; on a shorter chart rows shrink, and rows too thin for labels of
 * CHART_FONT_MIN have none. Small: when the rows would get less than a unit
 * each (or 12 in all), the title, the legend and the axis labels are left
 * out in this order; when the bars would be narrower than 40 units, the row
 * and value labels, then the status glyphs. `status_text` names the
 * statuses in the legend (NULL entries: "red", "green", "excellent"). */
typedef struct {
    const char *label;
    double value;
    chart_status status;
    double target; /* NAN: no marker */
} chart_rank_item;

typedef struct {
    chart_axis axis;
    const chart_rank_item *items;
    size_t n;
    const char *status_text[CHART_STATUS_COUNT];
    const char *target_text; /* legend of the target marker; NULL: "target" */
} chart_ranking;

/* The height (logical units) at which `n` ranking rows and the title fit at
 * the normal text size. */
int chart_ranking_height(size_t n, bool with_title);

/* Bullet: one value against base and challenge (either may be NAN). The
 * bar's colour and glyph are `status` (the KPI's own, which may be red for
 * a reason other than the base, e.g. a decline); CHART_STATUS_NONE derives
 * it: below base red, below challenge green, else excellent, and with
 * neither target no status (an ink bar). A percent axis ends at 100% when
 * no value exceeds it.
 *
 * A KPI whose targets are assessed at the end of a period is judged during
 * it against the day's points on the path to them (`path` true; path_base,
 * path_challenge, either may be NAN). Then the bands and the labelled
 * markers are the day's points, and base and challenge (the period-end
 * targets) are thin dashed markers named in a line under the axis
 * (`period_text` first, e.g. "year-end targets").
 *
 * Small: when the bands would be lower than 16 units, the title, the
 * period-end line, the axis labels and the marker labels are left out in
 * this order, and the bands take what is left (10 units on a 16-unit
 * chart); when they would be narrower than 40, the label is left out, then
 * the value's label shrinks down to CHART_FONT_MIN, then it is left out.
 * Marker labels that do not fit side by side in the width are left out. */
typedef struct {
    const char *label; /* NULL: none */
    chart_axis axis;
    double value, base, challenge;
    bool path; /* false: judged against base and challenge directly */
    double path_base, path_challenge;
    chart_status status;
    const char *base_text, *challenge_text; /* NULL: "base", "challenge" */
    /* with a path: the markers' names (NULL: "base path", "challenge path")
     * and the heading of the period-end targets (NULL: "period-end") */
    const char *path_base_text, *path_challenge_text, *period_text;
} chart_bullet;

/* Zones: the five risk zones per branch as stacked bars, in this order.
 * Small: as the ranking (title, legend, axis labels by height; row labels,
 * end texts and counts by width); a count is drawn inside its segment when
 * it fits there at CHART_FONT_MIN or more. */
typedef enum {
    CHART_ZONE_WHITE,
    CHART_ZONE_RED,
    CHART_ZONE_YELLOW,
    CHART_ZONE_BLUE,
    CHART_ZONE_GREEN,
    CHART_ZONE_COUNT
} chart_zone;

typedef struct {
    const char *label;
    long counts[CHART_ZONE_COUNT]; /* >= 0 */
} chart_zone_row;

typedef struct {
    const chart_zone_row *rows;
    size_t n;
    const char *zone_text[CHART_ZONE_COUNT]; /* legend; NULL: "white", ... */
    /* NULL: each bar ends with its total; else also with this word and the
     * at-risk count (white + red + yellow, slivers on a full bar), e.g.
     * "7883 · at risk 84". */
    const char *at_risk_text;
} chart_zones;

/* A marked move, drawn as an arrow (its colour per chart_arrows): none, up
 * or down. */
typedef enum { CHART_MOVE_NONE, CHART_MOVE_UP, CHART_MOVE_DOWN } chart_move;

/* Panorama: the satisfaction indicator tree, one row per node, in the order
 * given (depth-first: a node's parent comes before it). Each row shows the
 * value, the change against last month (in the value's unit: points of a
 * score, percentage points of a percentage; "+", "−", "±") with the caller's arrow,
 * last month, the target with the caller's arrow against it, and the
 * status glyph. Which moves earn an arrow is the caller's rule (the
 * operator's: 5 % or more). The columns are fractions of the width: the
 * text is 12 units from 740 wide, less on a narrower chart (1/60 of the
 * width less 20) and in rows under 20 units (0.6 of a row); under
 * CHART_FONT_MIN the rows keep their tints and rules and have no text,
 * arrows or glyphs. The title is left out first, when the rows would get
 * under 10 units. */
typedef struct {
    const char *code;  /* may be NULL */
    const char *label; /* may be NULL */
    int parent;        /* index of the parent node, -1 for a root */
    double value, last, target;
    chart_status status;     /* NONE, RED (warns), GREEN, EXCELLENT */
    chart_move arrow;        /* against last month */
    chart_move target_arrow; /* against the target */
} chart_panorama_node;

typedef struct {
    chart_axis axis;
    const chart_panorama_node *nodes;
    size_t n;
    const char *status_text[CHART_STATUS_COUNT]; /* NULL: "", "warn", "", "excellent" */
    /* Column headings: indicator, value, change against last month, last
     * month, target, status. NULL: English defaults. */
    const char *header_text[6];
} chart_panorama;

/* Sparkline for dashboard tiles: a line over n values (NAN: gap), the last
 * value marked, an optional dashed reference line. No text, no title: the
 * same at every size. */
typedef struct {
    const double *values;
    size_t n;
    double reference; /* NAN: none */
    /* The values' days (days since 1970-01-01, ascending), placing each at
     * its date: a month between two points is wider than a day; NULL: the
     * values evenly spaced. */
    const int32_t *days;
} chart_sparkline;

/* ---- rendering (see the contract at the top) ------------------------------ */

bool chart_render_trend(chart_ctx *ctx, const chart_opts *opts, const chart_trend *in,
                        unsigned char **out, size_t *len, char *err, size_t errlen);
bool chart_render_ranking(chart_ctx *ctx, const chart_opts *opts, const chart_ranking *in,
                          unsigned char **out, size_t *len, char *err, size_t errlen);
bool chart_render_bullet(chart_ctx *ctx, const chart_opts *opts, const chart_bullet *in,
                         unsigned char **out, size_t *len, char *err, size_t errlen);
bool chart_render_zones(chart_ctx *ctx, const chart_opts *opts, const chart_zones *in,
                        unsigned char **out, size_t *len, char *err, size_t errlen);
bool chart_render_panorama(chart_ctx *ctx, const chart_opts *opts, const chart_panorama *in,
                           unsigned char **out, size_t *len, char *err, size_t errlen);
bool chart_render_sparkline(chart_ctx *ctx, const chart_opts *opts, const chart_sparkline *in,
                            unsigned char **out, size_t *len, char *err, size_t errlen);

/* ---- drawing into a caller's cairo_t -------------------------------------- */

/* A rectangle in a cairo_t's user units: origin (x, y), width w, height h. */
typedef struct {
    double x, y, w, h;
} chart_rect;

/* Each chart_draw_*() draws the chart its chart_render_*() renders, into the
 * rectangle `where` of cr (user units), as the chart is at where->w x
 * where->h (16..4096 each; fractions allowed): one unit of the rectangle is
 * one unit of a chart of that size, and the scale is cr's transformation (a
 * PDF page in points, an image in pixels, cairo_scale() for more). Of opts
 * only title and arrows are used; width, height, scale and format are not
 * (the rectangle, cr's transformation and its target stand for them).
 *
 * The rectangle is first filled white (the chart's background) and the
 * drawing is clipped to it. On return cr's state (transformation, source,
 * clip, line and font settings) and its current path are as they were:
 * several charts can go on one page, side by side. Text goes through pango;
 * when cr's target (cairo_get_target) is a PDF surface, as Type 3 fonts
 * with their text, as chart_render_*() writes PDFs, so that the text stays
 * readable (pdftotext) and selectable. At (0, 0) of an RGB24 image surface
 * of the chart's pixel size, under cairo_scale(opts->scale), the pixels are
 * those of chart_render_*()'s PNG.
 *
 * Returns false with an error, having drawn nothing, when the input, the
 * options or the rectangle are invalid (the same messages as chart_render_*,
 * e.g. "where: width 5 is outside 16..4096"), or when cr is NULL or in an
 * error state; false with an error too when cairo fails while drawing (cr
 * is then in that error state). The context is used as by
 * chart_render_*() (one thread at a time); cr stays the caller's. */
bool chart_draw_trend(chart_ctx *ctx, cairo_t *cr, const chart_rect *where, const chart_opts *opts,
                      const chart_trend *in, char *err, size_t errlen);
bool chart_draw_ranking(chart_ctx *ctx, cairo_t *cr, const chart_rect *where,
                        const chart_opts *opts, const chart_ranking *in, char *err, size_t errlen);
bool chart_draw_bullet(chart_ctx *ctx, cairo_t *cr, const chart_rect *where, const chart_opts *opts,
                       const chart_bullet *in, char *err, size_t errlen);
bool chart_draw_zones(chart_ctx *ctx, cairo_t *cr, const chart_rect *where, const chart_opts *opts,
                      const chart_zones *in, char *err, size_t errlen);
bool chart_draw_panorama(chart_ctx *ctx, cairo_t *cr, const chart_rect *where,
                         const chart_opts *opts, const chart_panorama *in, char *err,
                         size_t errlen);
bool chart_draw_sparkline(chart_ctx *ctx, cairo_t *cr, const chart_rect *where,
                          const chart_opts *opts, const chart_sparkline *in, char *err,
                          size_t errlen);

/* ---- documents' text on a caller's cairo_t -------------------------------- */

/* Bulletins and reports set their own text (titles, tables) around the
 * charts, laid out as the charts lay theirs: through pango with the
 * context's fonts and fixed font options (no hinting, unrounded positions:
 * the same layout at any scale and on any surface), and on a PDF surface
 * (cairo_get_target) as Type 3 fonts with their text, as the charts' PDFs,
 * so that it stays selectable (pdftotext) and no CFF font is subset (see
 * docs/charts.md, Known issues). Sizes are in cr's user units.
 *
 * `text` is UTF-8; '\n' breaks lines. wrap_width > 0 wraps lines at that
 * width (between words, or between characters where a word is longer);
 * 0 keeps each line whole. A character the font lacks is a box. */
typedef enum { CHART_ALIGN_LEFT, CHART_ALIGN_CENTER, CHART_ALIGN_RIGHT } chart_align;

/* The size of `text` laid out at `size` (CHART_FONT_MIN..400 units), bold
 * or not, wrapped at wrap_width: *w the widest line (at most wrap_width,
 * unless one character is wider), *h the lines' height (line spacing
 * included). False, *w = *h = 0, when the arguments are not valid: ctx or
 * text NULL, text not UTF-8, size out of range, wrap_width not finite. */
bool chart_text_extent(chart_ctx *ctx, const char *text, double size, bool bold, double wrap_width,
                       double *w, double *h);

/* Draws `text` as chart_text_extent() lays it out, in colour rgb
 * (0xRRGGBB), its box's top at y. x anchors the box per align: its left
 * edge, its centre or its right edge. The box is wrap_width wide when
 * wrap_width > 0 (lines aligned within it), else as wide as the widest line
 * (the others aligned to it). cr's state and current path are as they were
 * on return. False, nothing drawn, when the arguments are not valid (as
 * chart_text_extent; cr NULL or in an error state; x or y not finite), or
 * when cairo fails while drawing (cr then keeps the error). The context is
 * used as by chart_render_*() (one thread at a time). */
bool chart_text_draw(chart_ctx *ctx, cairo_t *cr, const char *text, double x, double y, double size,
                     bool bold, uint32_t rgb, double wrap_width, chart_align align);

/* A caller's RGB24 image surface (charts and text drawn on it with
 * chart_draw_*() and chart_text_draw()) as PNG bytes, encoded as the
 * charts' PNGs are (no time chunks: the same pixels give the same bytes).
 * palette: at most 256 colours, indexes into a palette: an image of at most
 * 256 colours exactly, a larger one quantized (the 256 most frequent of
 * 32768 colour bins, each pixel the nearest of them): a page of text is
 * several times smaller so. On success *out is a malloc'd buffer of *len
 * bytes (free()); false with an error when `image` is not an RGB24 image
 * surface or memory runs out. */
bool chart_image_png(cairo_surface_t *image, bool palette, unsigned char **out, size_t *len,
                     char *err, size_t errlen);

/* Formats a value as the charts show it: "41.29%" (percent) or "82.00"
 * (score); "-" for NAN. Always NUL-terminates when n > 0. Two decimals
 * rounded half away from zero (四舍五入), as chart_round2(). */
void chart_format_value(chart_axis axis, double value, char *buf, size_t n);
/* v rounded to two decimals, a half away from zero: 28.125 is 28.13, as
 * the dashboard's toFixed(2) shows it (printf's %.2f rounds an exact half
 * to even: 28.12). Print the result with %.2f. */
double chart_round2(double v);

#endif
