/* Pure helpers of the chart library (chart_scale.c, no cairo): nice ticks,
 * value scales, dates, label spreading, the palette and glyph choice, the
 * ranking order. chart_format_value() and chart_date_parse() are declared
 * in chart.h. */
#ifndef RETENTIOND_CHART_SCALE_H
#define RETENTIOND_CHART_SCALE_H

#include "chart.h"

/* ---- nice ticks ---- */
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

/* ---- dates (proleptic Gregorian) ---- */
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
/* The same for figures at month ends (a month's last day stands for the
 * month): ticks on month ends, labelled YYYY-MM. */
void chart_date_ticks_month_ends(int32_t lo, int32_t hi, int max_ticks, chart_date_ticks *t);
bool chart_month_end(int32_t day);
void chart_date_label(const chart_date_ticks *t, int32_t day, char *buf, size_t n);

/* ---- label spreading ---- */
/* Right-margin labels that must not overlap: pushes the y positions apart by
 * at least `gap`, keeping them within [top, bottom] as far as possible. ys
 * are in the caller's order; the function sorts a copy of the indices. */
void chart_spread_labels(double *ys, size_t n, double gap, double top, double bottom);

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
    CHART_GLYPH_WARNING, /* ⚠: a triangle with an exclamation mark cut out */
} chart_glyph;
chart_glyph chart_status_glyph(chart_status s);
/* Marker shape of series i (circle, square, diamond, triangle, ...). */
chart_glyph chart_series_glyph(size_t i);

/* ---- ranking order ---- */
/* Writes into order[0..n) the item indices sorted by value, highest first,
 * stable, NAN values last. */
void chart_ranking_order(const chart_ranking *in, size_t *order);

#endif
