/* Pure layout helpers: nice ticks, value scales, dates, value formatting,
 * label spreading and the palette. No cairo here. */
#include "chart_scale.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- nice ticks ---- */

/* Number of ticks `step` needs to cover [lo, hi]. */
static double ticks_needed(double lo, double hi, double step)
{
    double first = floor(lo / step + 1e-9);
    double last = ceil(hi / step - 1e-9);
    return last - first + 1;
}

void chart_ticks_nice(double lo, double hi, int max_ticks, chart_ticks *t)
{
    if (!isfinite(lo) && !isfinite(hi)) {
        lo = 0;
        hi = 1;
    } else if (!isfinite(lo)) {
        lo = hi;
    } else if (!isfinite(hi)) {
        hi = lo;
    }
    if (lo > hi) {
        double x = lo;
        lo = hi;
        hi = x;
    }
    if (lo == hi) {
        double pad = lo == 0 ? 1 : fabs(lo) * 0.1;
        lo -= pad;
        hi += pad;
        if (lo < 0 && lo + pad >= 0) /* keep a non-negative value's axis non-negative */
            lo = 0;
    }
    if (max_ticks < 2)
        max_ticks = 2;
    /* Start from a power of ten below the span and grow 1, 2, 5, 10, ... */
    double span = hi - lo;
    double step = pow(10, floor(log10(span / max_ticks)));
    static const double mult[] = {1, 2, 5};
    for (int k = 0;; k++) {
        double s = step * mult[k % 3] * pow(10, k / 3);
        if (ticks_needed(lo, hi, s) <= max_ticks || !isfinite(s)) {
            step = s;
            break;
        }
    }
    double first = floor(lo / step + 1e-9);
    double last = ceil(hi / step - 1e-9);
    t->step = step;
    t->first = first * step;
    t->last = last * step;
    t->n = (int)(last - first) + 1;
    if (t->first == 0)
        t->first = 0; /* no -0 */
}

void chart_ticks_axis(chart_axis axis, double lo, double hi, int max_ticks, chart_ticks *t)
{
    double min_step = axis == CHART_AXIS_PERCENT ? 0.0001 : 0.01;
    chart_ticks_nice(lo, hi, max_ticks, t);
    if (t->step < min_step) {
        double mid = (t->first + t->last) / 2;
        double half = min_step * (max_ticks < 2 ? 1 : max_ticks - 1) / 2;
        chart_ticks_nice(mid - half, mid + half, max_ticks, t);
    }
}

double chart_scale_map(const chart_scale *s, double v)
{
    if (s->d1 == s->d0)
        return s->p0;
    return s->p0 + (v - s->d0) * (s->p1 - s->p0) / (s->d1 - s->d0);
}

/* ---- values ---- */

double chart_round2(double v)
{
    double r = round(v * 100) / 100;
    return r == 0 ? 0 : r; /* no "-0.00" */
}

void chart_format_value(chart_axis axis, double value, char *buf, size_t n)
{
    if (n == 0)
        return;
    if (!isfinite(value)) {
        snprintf(buf, n, "-");
        return;
    }
    double v = chart_round2(axis == CHART_AXIS_PERCENT ? value * 100 : value);
    snprintf(buf, n, axis == CHART_AXIS_PERCENT ? "%.2f%%" : "%.2f", v);
}

/* ---- dates ---- */

/* Days from civil and back: H. Hinnant's algorithms. */
int32_t chart_days(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void chart_civil(int32_t day, int *y, int *m, int *d)
{
    int32_t z = day + 719468;
    int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    int32_t doe = z - era * 146097;
    int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int32_t mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

bool chart_date_parse(const char *ymd, int32_t *day)
{
    int y, m, d, end = 0;
    if (ymd == NULL || strlen(ymd) != 10 || sscanf(ymd, "%4d-%2d-%2d%n", &y, &m, &d, &end) != 3 ||
        end != 10 || ymd[4] != '-' || ymd[7] != '-')
        return false;
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    int32_t v = chart_days(y, m, d);
    int cy, cm, cd;
    chart_civil(v, &cy, &cm, &cd);
    if (cy != y || cm != m || cd != d) /* 2026-02-30 */
        return false;
    *day = v;
    return true;
}

/* Month mm's first day, or with ends its last. */
static int32_t month_day(int mm, bool ends)
{
    return ends ? chart_days((mm + 1) / 12, (mm + 1) % 12 + 1, 1) - 1
                : chart_days(mm / 12, mm % 12 + 1, 1);
}

/* Ticks on months mlo..mhi (counted from year 0) in the first step that
 * fits max_ticks (the last step always): on each month's first day, or
 * with ends on its last; steps aligned (quarters: Jan/Apr/... or their
 * ends Mar/Jun/...). When the aligned step leaves fewer than two ticks
 * over two months or more (10 months in 2 ticks: a step of 6, June
 * alone), the first and the last month instead: an axis of one date does
 * not say over when. */
static void month_ticks(int mlo, int mhi, int max_ticks, bool ends, chart_date_ticks *t)
{
    static const int month_steps[] = {1, 2, 3, 6, 12, 24, 60, 120};
    const size_t nsteps = sizeof month_steps / sizeof month_steps[0];
    t->n = 0;
    t->months = true;
    for (size_t i = 0; i < nsteps; i++) {
        int s = month_steps[i];
        int start = ends ? (mlo + s) / s * s - 1 : (mlo + s - 1) / s * s;
        if (i + 1 < nsteps && (mhi - start) / s + 1 > max_ticks)
            continue;
        for (int mm = start; mm <= mhi && t->n < max_ticks; mm += s)
            t->day[t->n++] = month_day(mm, ends);
        break;
    }
    if (t->n < 2 && max_ticks >= 2 && mhi > mlo) {
        t->day[0] = month_day(mlo, ends);
        t->day[1] = month_day(mhi, ends);
        t->n = 2;
    }
}

void chart_date_ticks_make(int32_t lo, int32_t hi, int max_ticks, chart_date_ticks *t)
{
    static const int day_steps[] = {1, 2, 7, 14};
    if (max_ticks > 32)
        max_ticks = 32;
    if (max_ticks < 2)
        max_ticks = 2;
    if (hi < lo) {
        int32_t x = lo;
        lo = hi;
        hi = x;
    }
    t->n = 0;
    t->months = false;
    for (size_t i = 0; i < sizeof day_steps / sizeof day_steps[0]; i++) {
        int s = day_steps[i];
        if ((hi - lo) / s + 1 <= max_ticks) {
            for (int32_t d = lo; d <= hi && t->n < max_ticks; d += s)
                t->day[t->n++] = d;
            return;
        }
    }
    int y, m, d;
    chart_civil(lo, &y, &m, &d);
    int mlo = y * 12 + (m - 1) + (d > 1); /* first month start >= lo */
    chart_civil(hi, &y, &m, &d);
    month_ticks(mlo, y * 12 + (m - 1), max_ticks, false, t);
}

bool chart_month_end(int32_t day)
{
    int y, m, d;
    chart_civil(day + 1, &y, &m, &d);
    return d == 1;
}

void chart_date_ticks_month_ends(int32_t lo, int32_t hi, int max_ticks, chart_date_ticks *t)
{
    if (hi < lo) {
        int32_t x = lo;
        lo = hi;
        hi = x;
    }
    int y, m, d;
    chart_civil(lo, &y, &m, &d);
    int mlo = y * 12 + (m - 1); /* lo's month ends on or after lo */
    chart_civil(hi, &y, &m, &d);
    int mhi = y * 12 + (m - 1) - !chart_month_end(hi); /* last month end <= hi */
    month_ticks(mlo, mhi, max_ticks < 2 ? 2 : max_ticks > 32 ? 32 : max_ticks, true, t);
}

void chart_date_label(const chart_date_ticks *t, int32_t day, char *buf, size_t n)
{
    int y, m, d;
    chart_civil(day, &y, &m, &d);
    if (t->months)
        snprintf(buf, n, "%04d-%02d", y, m);
    else
        snprintf(buf, n, "%02d-%02d", m, d);
}

/* ---- label spreading ---- */

struct spread_item {
    double y;
    size_t i;
};

static int spread_cmp(const void *a, const void *b)
{
    const struct spread_item *x = a, *y = b;
    if (x->y != y->y)
        return x->y < y->y ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

void chart_spread_labels(double *ys, size_t n, double gap, double top, double bottom)
{
    if (n == 0)
        return;
    struct spread_item *it = malloc(n * sizeof *it);
    if (it == NULL)
        return; /* labels may overlap; nothing worse */
    for (size_t i = 0; i < n; i++)
        it[i] = (struct spread_item){ys[i], i};
    qsort(it, n, sizeof *it, spread_cmp);
    for (size_t i = 1; i < n; i++) /* push down */
        if (it[i].y < it[i - 1].y + gap)
            it[i].y = it[i - 1].y + gap;
    if (it[n - 1].y > bottom) /* then up from the bottom */
        it[n - 1].y = bottom;
    for (size_t i = n - 1; i > 0; i--)
        if (it[i - 1].y > it[i].y - gap)
            it[i - 1].y = it[i].y - gap;
    if (it[0].y < top) /* too many to fit: keep the top in view */
        for (size_t i = 0, k = 0; i < n; i++, k++)
            it[i].y = it[i].y < top + k * gap ? top + k * gap : it[i].y;
    for (size_t i = 0; i < n; i++)
        ys[it[i].i] = it[i].y;
    free(it);
}

/* ---- palette (Okabe-Ito, colour-blind safe) and glyphs ---- */

const chart_rgb chart_ink = {0.13, 0.13, 0.13};
const chart_rgb chart_grid = {0.88, 0.88, 0.88};
const chart_rgb chart_muted = {0.40, 0.40, 0.40};

chart_rgb chart_status_colour(chart_status s)
{
    switch (s) {
    case CHART_STATUS_RED:
        return CHART_RGB(0xD55E00); /* vermillion */
    case CHART_STATUS_GREEN:
        return CHART_RGB(0x009E73); /* bluish green */
    case CHART_STATUS_EXCELLENT:
        return CHART_RGB(0x0072B2); /* blue */
    default:
        return CHART_RGB(0x999999);
    }
}

chart_glyph chart_status_glyph(chart_status s)
{
    switch (s) {
    case CHART_STATUS_RED:
        return CHART_GLYPH_TRIANGLE_DOWN;
    case CHART_STATUS_GREEN:
        return CHART_GLYPH_CIRCLE;
    case CHART_STATUS_EXCELLENT:
        return CHART_GLYPH_STAR;
    default:
        return CHART_GLYPH_NONE;
    }
}

chart_rgb chart_series_colour(size_t i)
{
    static const unsigned hex[] = {0x0072B2, 0xE69F00, 0xCC79A7, 0x56B4E9, 0x000000, 0x009E73};
    return CHART_RGB(hex[i % (sizeof hex / sizeof hex[0])]);
}

chart_glyph chart_series_glyph(size_t i)
{
    static const chart_glyph g[] = {CHART_GLYPH_CIRCLE,        CHART_GLYPH_SQUARE,
                                    CHART_GLYPH_DIAMOND,       CHART_GLYPH_TRIANGLE_UP,
                                    CHART_GLYPH_TRIANGLE_DOWN, CHART_GLYPH_STAR};
    return g[i % (sizeof g / sizeof g[0])];
}

chart_rgb chart_zone_colour(chart_zone z)
{
    static const unsigned hex[CHART_ZONE_COUNT] = {0xFFFFFF, 0xD55E00, 0xF0E442, 0x0072B2,
                                                   0x009E73};
    return CHART_RGB(hex[(unsigned)z < CHART_ZONE_COUNT ? z : 0]);
}

chart_rgb chart_arrow_colour(chart_arrows a, bool up)
{
    bool red = a == CHART_ARROWS_CN ? up : !up;
    return red ? chart_status_colour(CHART_STATUS_RED) : chart_status_colour(CHART_STATUS_GREEN);
}

/* ---- ranking order ---- */

/* <0 when item i ranks before item j: higher value first, NAN last, then
 * input order. */
static int order_cmp(const chart_rank_item *items, size_t i, size_t j)
{
    double x = items[i].value, y = items[j].value;
    bool xn = isnan(x), yn = isnan(y);
    if (xn != yn)
        return xn ? 1 : -1;
    if (!xn && x != y)
        return x > y ? -1 : 1;
    return i < j ? -1 : i > j;
}

void chart_ranking_order(const chart_ranking *in, size_t *order)
{
    for (size_t i = 0; i < in->n; i++)
        order[i] = i;
    /* Insertion sort: stable, reentrant (qsort has no closure), and n is a
     * few hundred at most. */
    for (size_t i = 1; i < in->n; i++) {
        size_t k = order[i], j = i;
        while (j > 0 && order_cmp(in->items, order[j - 1], k) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
}
