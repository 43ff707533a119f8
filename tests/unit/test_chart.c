/* Unit tests of the chart library (chart_): layout (ticks, labels, bar
 * order and colours), output formats (PNG size, SVG well-formed, PDF text),
 * reproducible bytes, and pixel digests under pinned fonts (meson sets
 * FONTCONFIG_FILE to tests/unit/fonts.conf: Noto Sans CJK only).
 *
 * CHART_SAMPLES_DIR=dir writes every sample chart there, to look at. */
#include "chart.h"
#include "chart_ranking.h"
#include "chart_scale.h"
#include "chart_text.h"

#include <cairo-pdf.h>
#include <check.h>
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static chart_fonts *fonts;
static chart_ctx *ctx;

static void ctx_setup(void)
{
    char err[256] = "";
    fonts = chart_fonts_new(NULL, err, sizeof err);
    ck_assert_msg(fonts != NULL, "%s", err);
    ctx = chart_ctx_new(fonts, err, sizeof err);
    ck_assert_msg(ctx != NULL, "%s", err);
}

static void ctx_teardown(void)
{
    chart_ctx_free(ctx);
    chart_fonts_free(fonts);
    ctx = NULL;
    fonts = NULL;
}

/* ---- sample inputs ---- */

static const char *const cities[] = {"武汉", "黄石", "十堰", "宜昌", "襄阳", "鄂州",
                                     "荆门", "孝感", "荆州", "黄冈", "咸宁", "随州"};

/* 92 days of two series with gaps (a week, two single days, a tail). */
static chart_point trend_p1[92], trend_p2[92];
static chart_series trend_series[2];
static chart_trend sample_trend(void)
{
    int32_t d0;
    ck_assert(chart_date_parse("2026-08-23", &d0));
    for (int i = 0; i < 92; i++) {
        trend_p1[i] = (chart_point){d0 + i, 0.30 + 0.12 * i / 91.0 + 0.01 * sin(i / 3.0)};
        trend_p2[i] = (chart_point){d0 + i, 0.25 + 0.10 * i / 91.0 + 0.02 * cos(i / 5.0)};
    }
    for (int i = 40; i < 47; i++)
        trend_p1[i].value = NAN;
    trend_p1[60].value = trend_p1[62].value = NAN;
    trend_p2[90].value = trend_p2[91].value = NAN;
    trend_series[0] = (chart_series){"捆绑到位率 全省", trend_p1, 92};
    trend_series[1] = (chart_series){"杭州市分公司", trend_p2, 92};
    return (chart_trend){.axis = CHART_AXIS_PERCENT,
                         .series = trend_series,
                         .nseries = 2,
                         .base = 0.40,
                         .challenge = 0.60,
                         .base_text = "基础值",
                         .challenge_text = "挑战值"};
}

/* n branches; every 17th has a long name; item 1 is 杭州市分公司 with no value. */
static chart_rank_item rank_items[160];
static char rank_names[160][96];
static chart_ranking sample_ranking(size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i % 17 == 3)
            snprintf(rank_names[i], sizeof rank_names[i], "%s市%s经济技术开发区第%zu营业部分公司",
                     cities[i % 12], cities[(i + 5) % 12], i);
        else
            snprintf(rank_names[i], sizeof rank_names[i], "%s市分公司%zu", cities[i % 12], i);
        double v = 0.70 + 0.3 * fmod((double)i * 0.618, 1.0);
        rank_items[i] = (chart_rank_item){rank_names[i], v,
                                          v < 0.77   ? CHART_STATUS_RED
                                          : v < 0.83 ? CHART_STATUS_GREEN
                                                     : CHART_STATUS_EXCELLENT,
                                          i % 5 == 0 ? NAN : 0.77};
    }
    if (n > 2)
        rank_items[1] = (chart_rank_item){"杭州市分公司", NAN, CHART_STATUS_NONE, 0.77};
    return (chart_ranking){.axis = CHART_AXIS_PERCENT, .items = rank_items, .n = n};
}

static chart_zone_row zone_rows[12];
static chart_zones sample_zones(void)
{
    for (size_t i = 0; i < 12; i++) {
        snprintf(rank_names[i], sizeof rank_names[i], "%s市分公司", cities[i]);
        zone_rows[i].label = rank_names[i];
        for (int z = 0; z < CHART_ZONE_COUNT; z++)
            zone_rows[i].counts[z] = (long)((i * 37 + (size_t)z * 101) % 400) + (z == 4 ? 900 : 20);
    }
    zone_rows[0].label = "杭州市分公司";
    return (chart_zones){.rows = zone_rows, .n = 12};
}

static const chart_panorama_node pano_nodes[] = {
    {"S", "客户满意度", -1, 83.12, 82.40, 82, CHART_STATUS_GREEN, CHART_MOVE_NONE, CHART_MOVE_NONE},
    {"S1", "营业厅服务", 0, 86.50, 80.10, 82, CHART_STATUS_EXCELLENT, CHART_MOVE_UP, CHART_MOVE_UP},
    {"S11", "等候时间", 1, 79.20, 84.00, 82, CHART_STATUS_RED, CHART_MOVE_DOWN, CHART_MOVE_NONE},
    {"S12", "业务办理", 1, 90.10, 88.00, 82, CHART_STATUS_EXCELLENT, CHART_MOVE_NONE,
     CHART_MOVE_UP},
    {"S2", "语音质量", 0, 84.00, 83.90, 82, CHART_STATUS_GREEN, CHART_MOVE_NONE, CHART_MOVE_NONE},
    {"S3", "客服热线", 0, 78.30, 83.00, 82, CHART_STATUS_RED, CHART_MOVE_DOWN, CHART_MOVE_NONE},
    {"S4", "新业务", 0, 82.50, 82.00, 82, CHART_STATUS_GREEN, CHART_MOVE_NONE, CHART_MOVE_NONE},
    {"S5", "宣传推广", 0, NAN, 81.00, 82, CHART_STATUS_NONE, CHART_MOVE_NONE, CHART_MOVE_NONE},
};

static chart_panorama sample_panorama(void)
{
    return (chart_panorama){.axis = CHART_AXIS_SCORE,
                            .nodes = pano_nodes,
                            .n = N_ELEMS(pano_nodes),
                            .status_text = {NULL, "示警", NULL, "绩优"}};
}

static const double spark_values[] = {0.81, 0.82, 0.815, NAN, 0.83, 0.84, 0.835, 0.85, 0.86};

/* Renders sample kind k (0 trend, 1 ranking, 2 bullet, 3 zones, 4 panorama,
 * 5 sparkline) with opts `o` (title and, for kinds that need it, size set
 * here when o->width is 0), or, with a cairo_t `cr`, draws it into `where`
 * of cr (chart_draw_*; out and len unused). */
enum { KIND_TREND, KIND_RANKING, KIND_BULLET, KIND_ZONES, KIND_PANORAMA, KIND_SPARK, KIND_N };
static const char *const kind_name[KIND_N] = {"trend", "ranking",  "bullet",
                                              "zones", "panorama", "sparkline"};

static bool sample_kind(int k, chart_opts *o, cairo_t *cr, const chart_rect *where,
                        unsigned char **out, size_t *len, char *err, size_t errlen)
{
    bool sized = o->width != 0;
    if (!sized)
        chart_opts_default(o);
    switch (k) {
    case KIND_TREND: {
        chart_trend t = sample_trend();
        o->title = "中高端客户捆绑到位率 (K3) 2026年第四季度";
        if (cr != NULL)
            return chart_draw_trend(ctx, cr, where, o, &t, err, errlen);
        return chart_render_trend(ctx, o, &t, out, len, err, errlen);
    }
    case KIND_RANKING: {
        chart_ranking r = sample_ranking(30);
        o->title = "中高端客户保有率 各分公司排名";
        if (!sized)
            o->height = chart_ranking_height(30, true);
        if (cr != NULL)
            return chart_draw_ranking(ctx, cr, where, o, &r, err, errlen);
        return chart_render_ranking(ctx, o, &r, out, len, err, errlen);
    }
    case KIND_BULLET: {
        chart_bullet b = {.label = "杭州市分公司",
                          .axis = CHART_AXIS_PERCENT,
                          .value = 0.7912,
                          .base = 0.77,
                          .challenge = 0.83,
                          .base_text = "基础",
                          .challenge_text = "挑战"};
        o->title = "保有率";
        if (!sized) {
            o->width = 480;
            o->height = 110;
        }
        if (cr != NULL)
            return chart_draw_bullet(ctx, cr, where, o, &b, err, errlen);
        return chart_render_bullet(ctx, o, &b, out, len, err, errlen);
    }
    case KIND_ZONES: {
        chart_zones z = sample_zones();
        z.zone_text[0] = "白 流失区";
        z.zone_text[1] = "红 危险区";
        z.zone_text[2] = "黄 异动区";
        z.zone_text[3] = "蓝 安全区";
        z.zone_text[4] = "绿 稳定区";
        z.at_risk_text = "预警";
        o->title = "五区预警 2026-10";
        if (cr != NULL)
            return chart_draw_zones(ctx, cr, where, o, &z, err, errlen);
        return chart_render_zones(ctx, o, &z, out, len, err, errlen);
    }
    case KIND_PANORAMA: {
        chart_panorama p = sample_panorama();
        o->title = "满意度全景视图 杭州市分公司 2026-10";
        if (!sized)
            o->height = 300;
        if (cr != NULL)
            return chart_draw_panorama(ctx, cr, where, o, &p, err, errlen);
        return chart_render_panorama(ctx, o, &p, out, len, err, errlen);
    }
    default: {
        chart_sparkline s = {spark_values, N_ELEMS(spark_values), 0.83, NULL};
        if (!sized) {
            o->width = 120;
            o->height = 32;
        }
        if (cr != NULL)
            return chart_draw_sparkline(ctx, cr, where, o, &s, err, errlen);
        return chart_render_sparkline(ctx, o, &s, out, len, err, errlen);
    }
    }
}

static bool render_kind(int k, chart_opts *o, unsigned char **out, size_t *len, char *err,
                        size_t errlen)
{
    return sample_kind(k, o, NULL, NULL, out, len, err, errlen);
}

/* Fills o with kind k's default options (size, title). */
static void size_kind(int k, chart_opts *o)
{
    unsigned char *out = NULL;
    size_t len;
    *o = (chart_opts){0};
    ck_assert(render_kind(k, o, &out, &len, NULL, 0));
    free(out);
}

static unsigned char *render_ok(int k, chart_opts *o, size_t *len)
{
    unsigned char *out = NULL;
    char err[256] = "";
    ck_assert_msg(render_kind(k, o, &out, len, err, sizeof err), "%s: %s", kind_name[k], err);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_gt(*len, 0);
    const char *dir = getenv("CHART_SAMPLES_DIR");
    if (dir != NULL) {
        static const char *const ext[] = {"png", "svg", "pdf"};
        char path[512];
        snprintf(path, sizeof path, "%s/%s-%dx%d@%g.%s", dir, kind_name[k], o->width, o->height,
                 o->scale, ext[o->format]);
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(out, 1, *len, f), *len);
        fclose(f);
    }
    return out;
}

/* ---- nice ticks ---- */

static const struct {
    double lo, hi;
    int max;
    double step, first, last;
} tick_cases[] = {
    {0, 1, 6, 0.2, 0, 1},
    {0.7, 0.99, 6, 0.1, 0.7, 1.0},
    {-3, 7, 5, 5, -5, 10},
    {5, 5, 5, 0.5, 4.5, 5.5},
    {0, 0, 5, 0.5, 0, 1},
    {NAN, NAN, 6, 0.2, 0, 1},
    {NAN, 3, 5, 0.2, 2.6, 3.4},
    {1e-9, 3e-9, 5, 5e-10, 1e-9, 3e-9},
    {10, -10, 5, 5, -10, 10},
    {0, 123456, 8, 20000, 0, 140000},
    {77.5, 92.25, 8, 5, 75, 95},
    {77.5, 92.25, 10, 2, 76, 94},
    {-0.004, -0.001, 4, 0.001, -0.004, -0.001},
};

START_TEST(ticks_table)
{
    chart_ticks t;
    chart_ticks_nice(tick_cases[_i].lo, tick_cases[_i].hi, tick_cases[_i].max, &t);
    double eps = fabs(tick_cases[_i].step) * 1e-6;
    ck_assert_msg(fabs(t.step - tick_cases[_i].step) <= eps &&
                      fabs(t.first - tick_cases[_i].first) <= eps &&
                      fabs(t.last - tick_cases[_i].last) <= eps,
                  "case %d: got step %g %g..%g, want %g %g..%g", _i, t.step, t.first, t.last,
                  tick_cases[_i].step, tick_cases[_i].first, tick_cases[_i].last);
    ck_assert_int_le(t.n, tick_cases[_i].max < 2 ? 2 : tick_cases[_i].max);
}
END_TEST

/* Properties over many ranges: 1-2-5 steps, the range covered, n ticks at
 * most, first and last on the step grid. */
START_TEST(ticks_many_ranges)
{
    unsigned seed = 12345;
    for (int k = 0; k < 20000; k++) {
        seed = seed * 1103515245u + 12345u;
        double a = ((seed >> 8) % 2000001 - 1000000.0) * pow(10, (int)(seed % 13) - 8);
        seed = seed * 1103515245u + 12345u;
        double b = a + ((seed >> 8) % 100000) * pow(10, (int)(seed % 11) - 8);
        int max = 2 + (int)(seed % 10);
        chart_ticks t;
        chart_ticks_nice(a, b, max, &t);
        double m = t.step / pow(10, floor(log10(t.step) + 1e-9));
        ck_assert_msg(fabs(m - 1) < 1e-6 || fabs(m - 2) < 1e-6 || fabs(m - 5) < 1e-6,
                      "step %g for %g..%g", t.step, a, b);
        double tol = t.step * 1e-6 + fmax(fabs(a), fabs(b)) * 1e-12; /* doubles near 1e6 */
        ck_assert_msg(t.first <= a + tol && t.last >= b - tol, "%g..%g does not cover %g..%g",
                      t.first, t.last, a, b);
        ck_assert_msg(t.n >= 2 && t.n <= max, "%d ticks for max %d (%g..%g)", t.n, max, a, b);
        ck_assert(fabs(t.first + (t.n - 1) * t.step - t.last) <=
                  t.step * 1e-6 + fmax(fabs(t.first), fabs(t.last)) * 1e-12);
    }
}
END_TEST

START_TEST(ticks_axis_keeps_two_decimals_distinct)
{
    chart_ticks t;
    chart_ticks_axis(CHART_AXIS_PERCENT, 0.41290, 0.41291, 6, &t);
    ck_assert(t.step >= 0.0001 - 1e-12);
    char a[32], b[32];
    chart_format_value(CHART_AXIS_PERCENT, t.first, a, sizeof a);
    chart_format_value(CHART_AXIS_PERCENT, t.first + t.step, b, sizeof b);
    ck_assert_str_ne(a, b);
    chart_ticks_axis(CHART_AXIS_SCORE, 82, 82, 6, &t);
    ck_assert(t.step >= 0.01 - 1e-12);
    ck_assert(t.first <= 82 && t.last >= 82);
}
END_TEST

/* ---- values, dates, options ---- */

static const struct {
    chart_axis axis;
    double v;
    const char *want;
} value_cases[] = {
    {CHART_AXIS_PERCENT, 0.4129, "41.29%"},
    {CHART_AXIS_PERCENT, 0.929293099, "92.93%"},
    {CHART_AXIS_PERCENT, 1, "100.00%"},
    {CHART_AXIS_PERCENT, -0.00001, "0.00%"},
    {CHART_AXIS_PERCENT, NAN, "-"},
    {CHART_AXIS_SCORE, 82, "82.00"},
    {CHART_AXIS_SCORE, 84.266, "84.27"},
    {CHART_AXIS_SCORE, -1.5, "-1.50"},
    /* an exact half away from zero (四舍五入), as the dashboard's toFixed(2):
     * 9 / 32 is 28.125 %, which %.2f alone made 28.12 */
    {CHART_AXIS_PERCENT, 9.0 / 32, "28.13%"},
    {CHART_AXIS_SCORE, 86.125, "86.13"},
    {CHART_AXIS_SCORE, -86.125, "-86.13"},
    {CHART_AXIS_SCORE, -0.004, "0.00"},
};

START_TEST(values_have_two_decimals)
{
    char buf[32];
    chart_format_value(value_cases[_i].axis, value_cases[_i].v, buf, sizeof buf);
    ck_assert_str_eq(buf, value_cases[_i].want);
}
END_TEST

START_TEST(dates_parse_and_tick)
{
    int32_t d;
    ck_assert(chart_date_parse("1970-01-01", &d) && d == 0);
    ck_assert(chart_date_parse("2026-11-22", &d) && d == 20779);
    ck_assert(chart_date_parse("2024-02-29", &d));
    ck_assert(!chart_date_parse("2026-02-29", &d));
    ck_assert(!chart_date_parse("2026-13-01", &d));
    ck_assert(!chart_date_parse("2026-1-01", &d));
    ck_assert(!chart_date_parse("2026-01-01x", &d));
    ck_assert(!chart_date_parse(NULL, &d));
    chart_date_ticks t;
    chart_date_parse("2026-08-23", &d);
    chart_date_ticks_make(d, d + 91, 9, &t); /* 92 days in at most 9 ticks: fortnights */
    ck_assert(!t.months);
    ck_assert_int_eq(t.n, 7);
    ck_assert_int_eq(t.day[1] - t.day[0], 14);
    char buf[16];
    chart_date_label(&t, t.day[0], buf, sizeof buf);
    ck_assert_str_eq(buf, "08-23");
    chart_date_ticks_make(d, d + 730, 9, &t); /* two years: quarters on the 1st */
    ck_assert(t.months);
    chart_date_label(&t, t.day[0], buf, sizeof buf);
    ck_assert_str_eq(buf, "2026-10");
    ck_assert_int_le(t.n, 9);
    /* a quarter's month ends: a tick on each, named by its month */
    int32_t jul, sep, jun;
    chart_date_parse("2026-07-31", &jul);
    chart_date_parse("2026-09-30", &sep);
    chart_date_parse("2028-06-30", &jun);
    ck_assert(chart_month_end(jul) && chart_month_end(sep) && !chart_month_end(sep - 1));
    chart_date_ticks_month_ends(jul, sep, 9, &t);
    ck_assert(t.months);
    ck_assert_int_eq(t.n, 3);
    ck_assert_int_eq(t.day[0], jul);
    ck_assert_int_eq(t.day[1], jul + 31);
    ck_assert_int_eq(t.day[2], sep);
    chart_date_label(&t, t.day[2], buf, sizeof buf);
    ck_assert_str_eq(buf, "2026-09");
    chart_date_ticks_month_ends(jul, jun, 9, &t); /* two years: quarter ends */
    ck_assert_int_eq(t.n, 8);
    ck_assert_int_eq(t.day[0], jul + 61);
    ck_assert_int_eq(t.day[7], jun);
    chart_date_ticks_month_ends(jul + 1, sep - 1, 9, &t); /* only August's end inside */
    ck_assert_int_eq(t.n, 1);
    ck_assert_int_eq(t.day[0], jul + 31);
    /* ten month ends in two ticks: a step of 6 leaves June's alone; the
     * first and the last instead */
    int32_t jan, oct;
    chart_date_parse("2026-01-31", &jan);
    chart_date_parse("2026-10-31", &oct);
    chart_date_ticks_month_ends(jan, oct + 29, 2, &t);
    ck_assert_int_eq(t.n, 2);
    ck_assert_int_eq(t.day[0], jan);
    ck_assert_int_eq(t.day[1], oct);
}
END_TEST

static const struct {
    int width, height;
    double scale;
    int format, arrows;
    const char *want;
} bad_opts[] = {
    {8, 400, 1, CHART_PNG, CHART_ARROWS_CN, "width: 8 is outside 16..4096"},
    {800, 5000, 1, CHART_PNG, CHART_ARROWS_CN, "height: 5000 is outside 16..4096"},
    {800, 400, 0.25, CHART_PNG, CHART_ARROWS_CN, "scale: 0.25 is outside 0.5..4"},
    {800, 400, NAN, CHART_PNG, CHART_ARROWS_CN, "scale: nan is outside"},
    {800, 400, 1, 7, CHART_ARROWS_CN, "format: 7 is not"},
    {800, 400, 1, CHART_SVG, 3, "arrows: 3 is not"},
};

START_TEST(options_are_checked)
{
    chart_opts o;
    chart_opts_default(&o);
    char err[128] = "";
    ck_assert(chart_opts_check(&o, err, sizeof err));
    o.width = bad_opts[_i].width;
    o.height = bad_opts[_i].height;
    o.scale = bad_opts[_i].scale;
    o.format = (chart_format)bad_opts[_i].format;
    o.arrows = (chart_arrows)bad_opts[_i].arrows;
    ck_assert(!chart_opts_check(&o, err, sizeof err));
    ck_assert_msg(strstr(err, bad_opts[_i].want) != NULL, "got '%s'", err);
    /* and a render refuses them without output */
    chart_sparkline s = {spark_values, N_ELEMS(spark_values), NAN, NULL};
    unsigned char *out = (unsigned char *)"x";
    size_t len = 1;
    ck_assert(!chart_render_sparkline(ctx, &o, &s, &out, &len, err, sizeof err));
    ck_assert_ptr_null(out);
    ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(fonts_unknown_family_fails)
{
    char err[256] = "";
    ck_assert_ptr_null(chart_fonts_new("No Such Family 42", err, sizeof err));
    ck_assert_msg(strstr(err, "'No Such Family 42' is not installed") != NULL, "got '%s'", err);
    ck_assert_str_eq(chart_fonts_family(fonts), "Noto Sans CJK SC");
    chart_fonts_free(NULL);
    chart_ctx_free(NULL);
}
END_TEST

START_TEST(bad_inputs_fail_clearly)
{
    chart_opts o;
    chart_opts_default(&o);
    char err[256] = "";
    unsigned char *out;
    size_t len;
    chart_point p[2] = {{5, 0.1}, {5, 0.2}};
    chart_series s = {"x", p, 2};
    chart_trend t = {
        .axis = CHART_AXIS_PERCENT, .series = &s, .nseries = 1, .base = NAN, .challenge = NAN};
    ck_assert(!chart_render_trend(ctx, &o, &t, &out, &len, err, sizeof err));
    ck_assert_msg(strstr(err, "point 1 is not after point 0") != NULL, "%s", err);
    chart_panorama_node n[2] = {{.code = "a", .parent = 1, .value = 1, .last = 1, .target = 1},
                                {.code = "b", .parent = -1, .value = 1, .last = 1, .target = 1}};
    chart_panorama pa = {.axis = CHART_AXIS_SCORE, .nodes = n, .n = 2};
    ck_assert(!chart_render_panorama(ctx, &o, &pa, &out, &len, err, sizeof err));
    ck_assert_msg(strstr(err, "node 0: parent 1 is not an earlier node") != NULL, "%s", err);
    chart_zone_row zr = {"x", {1, -2, 3, 4, 5}};
    chart_zones z = {.rows = &zr, .n = 1};
    ck_assert(!chart_render_zones(ctx, &o, &z, &out, &len, err, sizeof err));
    ck_assert_msg(strstr(err, "count -2 is negative") != NULL, "%s", err);
    ck_assert(!chart_render_bullet(ctx, &o, NULL, &out, &len, err, sizeof err));
    /* the context still works after failures */
    size_t l2;
    free(render_ok(KIND_SPARK, &o, &l2));
}
END_TEST

/* ---- layout ---- */

START_TEST(long_labels_are_ellipsised)
{
    chart_textstyle st = {.size = 12, .max_width = 100};
    double w, h;
    bool el;
    chart_text_measure(ctx, "宜昌市荆州经济技术开发区第三营业部分公司", &st, &w, &h, &el);
    ck_assert(el);
    ck_assert(w <= 100.0);
    chart_text_measure(ctx, "杭州市分公司", &st, &w, &h, &el);
    ck_assert(!el);
    ck_assert(w > 50 && w < 100); /* six CJK characters at 12 px */
}
END_TEST

START_TEST(ranking_order_and_colours)
{
    chart_rank_item it[] = {
        {"a", 0.80, CHART_STATUS_GREEN, 0.77},    {"b", NAN, CHART_STATUS_NONE, NAN},
        {"c", 0.95, CHART_STATUS_EXCELLENT, NAN}, {"d", 0.60, CHART_STATUS_RED, 0.77},
        {"e", 0.80, CHART_STATUS_GREEN, NAN},
    };
    chart_ranking r = {.axis = CHART_AXIS_PERCENT, .items = it, .n = N_ELEMS(it)};
    chart_opts o;
    chart_opts_default(&o);
    chart_rank_layout l;
    ck_assert(chart_ranking_layout(ctx, &o, &r, &l));
    const size_t want[] = {2, 0, 4, 3, 1}; /* by value, ties in input order, NAN last */
    ck_assert_uint_eq(l.n, 5);
    for (size_t i = 0; i < l.n; i++) {
        const chart_rank_bar *b = &l.bars[i];
        ck_assert_uint_eq(b->item, want[i]);
        chart_rgb c = chart_status_colour(it[b->item].status);
        ck_assert(b->colour.r == c.r && b->colour.g == c.g && b->colour.b == c.b);
        ck_assert_int_eq(b->glyph, chart_status_glyph(it[b->item].status));
        ck_assert(b->x0 <= b->x1);
        ck_assert(b->y >= l.plot.y && b->y + b->h <= l.plot.y + l.plot.h + 1e-9);
        if (i > 0)
            ck_assert(b->y > l.bars[i - 1].y);
    }
    ck_assert(l.bars[0].x1 > l.bars[1].x1);          /* 0.95 longer than 0.80 */
    ck_assert(l.bars[4].x1 - l.bars[4].x0 < 1e-9);   /* NAN: no bar */
    ck_assert(l.xt.first <= 0 && l.xt.last >= 0.95); /* the axis starts at zero */
    /* palette: Okabe-Ito vermillion, bluish green, blue; distinct glyphs */
    chart_rgb red = chart_status_colour(CHART_STATUS_RED);
    ck_assert(fabs(red.r - 0xD5 / 255.0) < 1e-9 && fabs(red.g - 0x5E / 255.0) < 1e-9);
    ck_assert_int_ne(chart_status_glyph(CHART_STATUS_RED), chart_status_glyph(CHART_STATUS_GREEN));
    ck_assert_int_ne(chart_status_glyph(CHART_STATUS_GREEN),
                     chart_status_glyph(CHART_STATUS_EXCELLENT));
    chart_rank_layout_free(&l);
    chart_rank_layout_free(NULL);
}
END_TEST

START_TEST(ranking_of_151_branches_fits)
{
    chart_ranking r = sample_ranking(151);
    chart_opts o;
    chart_opts_default(&o);
    o.title = "t";
    o.height = chart_ranking_height(151, true);
    ck_assert_int_le(o.height, 4096);
    chart_rank_layout l;
    ck_assert(chart_ranking_layout(ctx, &o, &r, &l));
    ck_assert(l.rows.font >= 11); /* readable labels at the suggested height */
    ck_assert(l.rows.label_w <= o.width * 0.3);
    ck_assert(l.plot.y + l.plot.h <= o.height - 20);
    chart_rank_layout_free(&l);
    o.height = 400; /* squeezed: no labels, bars still there */
    ck_assert(chart_ranking_layout(ctx, &o, &r, &l));
    ck_assert(l.rows.font == 0);
    ck_assert(l.bars[150].y + l.bars[150].h <= o.height);
    chart_rank_layout_free(&l);
}
END_TEST

START_TEST(annotations_do_not_overlap)
{
    double ys[] = {100, 101, 99, 300, 102};
    chart_spread_labels(ys, N_ELEMS(ys), 15, 20, 380);
    for (size_t i = 0; i < N_ELEMS(ys); i++)
        for (size_t j = i + 1; j < N_ELEMS(ys); j++)
            ck_assert_msg(fabs(ys[i] - ys[j]) >= 15 - 1e-9, "%g and %g", ys[i], ys[j]);
    double low[] = {379, 380, 380};
    chart_spread_labels(low, 3, 15, 20, 380);
    for (size_t i = 0; i < 3; i++)
        ck_assert(low[i] <= 380 && low[i] >= 20);
}
END_TEST

START_TEST(arrow_convention)
{
    chart_rgb red = chart_status_colour(CHART_STATUS_RED);
    chart_rgb green = chart_status_colour(CHART_STATUS_GREEN);
    ck_assert(chart_arrow_colour(CHART_ARROWS_CN, true).r == red.r);
    ck_assert(chart_arrow_colour(CHART_ARROWS_CN, false).g == green.g);
    ck_assert(chart_arrow_colour(CHART_ARROWS_INTL, true).g == green.g);
    ck_assert(chart_arrow_colour(CHART_ARROWS_INTL, false).r == red.r);
}
END_TEST

/* ---- outputs ---- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const double scales[] = {0.5, 1, 1.5, 2, 4};

START_TEST(png_size_is_width_times_scale)
{
    for (int k = 0; k < KIND_N; k++) {
        chart_opts o = {0};
        size_kind(k, &o);
        o.scale = scales[_i];
        if (o.width * o.scale > 4096 || o.height * o.scale > 4096 || o.height > 1000)
            o.height = 300;
        size_t len;
        unsigned char *png = render_ok(k, &o, &len);
        ck_assert_uint_gt(len, 24);
        ck_assert_int_eq(memcmp(png, "\x89PNG\r\n\x1a\n", 8), 0);
        ck_assert_uint_eq(be32(png + 16), (uint32_t)lround(o.width * o.scale));
        ck_assert_uint_eq(be32(png + 20), (uint32_t)lround(o.height * o.scale));
        free(png);
    }
}
END_TEST

/* Same input, same bytes: twice in this process, for every kind and format.
 * (Across processes: the digests below, and the PDF/SVG bytes are compared
 * between two forked test processes by bytes_across_processes.) */
START_TEST(same_bytes_twice)
{
    for (int k = 0; k < KIND_N; k++) {
        chart_opts o = {0};
        size_t l1, l2;
        size_kind(k, &o);
        o.format = (chart_format)_i;
        unsigned char *a = render_ok(k, &o, &l1);
        chart_opts o2 = o;
        unsigned char *b = render_ok(k, &o2, &l2);
        ck_assert_msg(l1 == l2 && memcmp(a, b, l1) == 0, "%s format %d differs", kind_name[k], _i);
        free(a);
        free(b);
    }
}
END_TEST

/* SHA-256 of the bytes of every kind in format _i, in a forked child
 * (Check forks each test) compared with the same in this process after
 * other renders: ids and dates must not depend on what ran before. */
START_TEST(bytes_across_processes)
{
    char *sums[KIND_N];
    for (int k = 0; k < KIND_N; k++) {
        chart_opts o = {0};
        size_t len;
        size_kind(k, &o);
        o.format = (chart_format)_i;
        unsigned char *b = render_ok(k, &o, &len);
        sums[k] = g_compute_checksum_for_data(G_CHECKSUM_SHA256, b, len);
        free(b);
    }
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) { /* a fresh context and fonts in a new process state */
        close(fds[0]);
        ctx_teardown();
        ctx_setup();
        for (int k = KIND_N - 1; k >= 0; k--) { /* another order */
            chart_opts o = {0};
            size_t len;
            size_kind(k, &o);
            o.format = (chart_format)_i;
            unsigned char *b = render_ok(k, &o, &len);
            char *s = g_compute_checksum_for_data(G_CHECKSUM_SHA256, b, len);
            ck_assert(write(fds[1], s, 64) == 64);
            g_free(s);
            free(b);
        }
        close(fds[1]);
        ctx_teardown();
        _exit(0);
    }
    close(fds[1]);
    for (int k = KIND_N - 1; k >= 0; k--) {
        char s[65] = "";
        ck_assert_int_eq(read(fds[0], s, 64), 64);
        ck_assert_msg(strcmp(s, sums[k]) == 0, "%s format %d: %s vs %s", kind_name[k], _i, s,
                      sums[k]);
    }
    close(fds[0]);
    for (int k = 0; k < KIND_N; k++)
        g_free(sums[k]);
}
END_TEST

/* SVG: well-formed XML (GMarkup is a strict parser of the XML subset cairo
 * writes) with an <svg> root. */
static void svg_start(GMarkupParseContext *c, const gchar *name, const gchar **an, const gchar **av,
                      gpointer data, GError **error)
{
    (void)c;
    (void)an;
    (void)av;
    (void)error;
    int *depth_roots = data;
    if (depth_roots[0]++ == 0 && strcmp(name, "svg") == 0)
        depth_roots[1]++;
}

static void svg_end(GMarkupParseContext *c, const gchar *name, gpointer data, GError **error)
{
    (void)c;
    (void)name;
    (void)error;
    ((int *)data)[0]--;
}

START_TEST(svg_is_well_formed)
{
    chart_opts o = {0};
    size_t len;
    size_kind(_i, &o);
    o.format = CHART_SVG;
    unsigned char *svg = render_ok(_i, &o, &len);
    GMarkupParser p = {.start_element = svg_start, .end_element = svg_end};
    int state[2] = {0, 0};
    GMarkupParseContext *pc = g_markup_parse_context_new(&p, 0, state, NULL);
    GError *e = NULL;
    gboolean ok = g_markup_parse_context_parse(pc, (const char *)svg, (gssize)len, &e) &&
                  g_markup_parse_context_end_parse(pc, &e);
    ck_assert_msg(ok, "%s: %s", kind_name[_i], e ? e->message : "?");
    ck_assert_int_eq(state[0], 0);
    ck_assert_int_eq(state[1], 1);
    g_markup_parse_context_free(pc);
    free(svg);
}
END_TEST

/* PDF text through pdftotext: the Chinese branch names are text, not
 * pictures of text. */
static char *pdf_text(const unsigned char *pdf, size_t len)
{
    char path[] = "/tmp/rtnd-chart-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert(write(fd, pdf, len) == (ssize_t)len);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 %s -", path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    GString *s = g_string_new(NULL);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        g_string_append_len(s, buf, (gssize)n);
    ck_assert_int_eq(pclose(p), 0);
    unlink(path);
    return g_string_free(s, FALSE);
}

START_TEST(pdf_has_chinese_text)
{
    static const int kinds[] = {KIND_RANKING, KIND_ZONES, KIND_TREND, KIND_PANORAMA};
    /* the panorama's changes in points, signed as the dashboard's table:
     * 86.50 against 80.10, 79.20 against 84.00 */
    static const char *const want[][4] = {
        {"杭州市分公司", "武汉市分公司12", "98.32%", "98.32%"},
        {"杭州市分公司", "预警 363", "绿 稳定区", "绿 稳定区"}, /* 20 + 121 + 222 of 1590 */
        {"杭州市分公司", "基础值 40.00%", "41.12%", "41.12%"},
        {"客户满意度", "示警", "+6.40", "−4.80"},
    };
    chart_opts o = {0};
    size_t len;
    size_kind(kinds[_i], &o);
    o.format = CHART_PDF;
    unsigned char *pdf = render_ok(kinds[_i], &o, &len);
    ck_assert_int_eq(memcmp(pdf, "%PDF-", 5), 0);
    char *text = pdf_text(pdf, len);
    for (int k = 0; k < 4; k++)
        ck_assert_msg(strstr(text, want[_i][k]) != NULL, "%s: '%s' missing in:\n%s",
                      kind_name[kinds[_i]], want[_i][k], text);
    g_free(text);
    free(pdf);
}
END_TEST

/* Pixel digests under the pinned fonts. They change with cairo, pango,
 * harfbuzz, freetype or font package versions (recorded: Debian 12, cairo
 * 1.16.0, pango 1.50.12, fonts-noto-cjk 1:20220127) and with any drawing
 * change. To regenerate: CHART_PRINT_DIGESTS=1 meson test -C build unit-chart
 * --verbose, look at the PNGs (CHART_SAMPLES_DIR=dir), then paste. */
static const char *const digests[KIND_N] = {
    "ffaf73605814569f8d325afbe09f4bcbc2ae332ac7ad1bc08d41170b0fbf7a86", /* trend */
    "8f4fbca6ae8ad5eed262fb7d75b2ab44275d88bab48ff8ff5f49744a46526be4", /* ranking */
    "b6757291969e8c52c954ae913152bf52f50637b9815a007c2b2b28eda7729e22", /* bullet */
    "80d190e061a31721027c5a9b2f27e88bc1ecced1ed59e3cc1e75a764e0ffda85", /* zones */
    "70712995dcb72f495260bdd0ba84c69b15005684f56d3ce9e672eb18dfd25d0c", /* panorama */
    "970194c4ed8ae0290a309b40973689db1537721cf5de16cfc471a45ac09322bb", /* sparkline */
};

struct mem_reader {
    const unsigned char *p;
    size_t left;
};

static cairo_status_t mem_read(void *closure, unsigned char *data, unsigned int len)
{
    struct mem_reader *r = closure;
    if (len > r->left)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->p, len);
    r->p += len;
    r->left -= len;
    return CAIRO_STATUS_SUCCESS;
}

/* The PNG decoded by cairo (the caller destroys it). */
static cairo_surface_t *png_decode(const unsigned char *png, size_t len)
{
    struct mem_reader rd = {png, len};
    cairo_surface_t *img = cairo_image_surface_create_from_png_stream(mem_read, &rd);
    ck_assert_int_eq(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    return img;
}

/* SHA-256 of the decoded pixels (not of the PNG bytes: zlib may change). */
static char *pixel_digest(const unsigned char *png, size_t len)
{
    cairo_surface_t *img = png_decode(png, len);
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *data = cairo_image_surface_get_data(img);
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    for (int y = 0; y < h; y++)
        g_checksum_update(ck, data + (size_t)y * (size_t)stride, (gssize)w * 4);
    char *sum = g_strdup(g_checksum_get_string(ck));
    g_checksum_free(ck);
    cairo_surface_destroy(img);
    return sum;
}

/* A character the font lacks (CJK Extension B, beyond Noto Sans CJK SC)
 * does not break the PDF's text: it is drawn as a box, and the text
 * around it stays. */
START_TEST(pdf_with_a_character_the_font_lacks)
{
    chart_bullet b = {.label = "测试\xF0\xA0\x80\x80分公司",
                      .axis = CHART_AXIS_PERCENT,
                      .value = 0.8,
                      .base = 0.77,
                      .challenge = 0.83};
    chart_opts o;
    chart_opts_default(&o);
    o.width = 480;
    o.height = 110;
    o.format = CHART_PDF;
    o.title = "保有率";
    unsigned char *pdf = NULL;
    size_t len = 0;
    char err[200];
    ck_assert_msg(chart_render_bullet(ctx, &o, &b, &pdf, &len, err, sizeof err), "%s", err);
    char *text = pdf_text(pdf, len);
    ck_assert_msg(strstr(text, "测试") && strstr(text, "分公司") && strstr(text, "80.00%"), "%s",
                  text);
    g_free(text);
    free(pdf);
}
END_TEST

/* Pixels of exactly colour c in a PNG. */
static long count_colour(const unsigned char *png, size_t len, chart_rgb c)
{
    cairo_surface_t *img = png_decode(png, len);
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *data = cairo_image_surface_get_data(img);
    uint32_t want = (uint32_t)lround(c.r * 255) << 16 | (uint32_t)lround(c.g * 255) << 8 |
                    (uint32_t)lround(c.b * 255);
    long n = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t px;
            memcpy(&px, data + (size_t)y * (size_t)stride + (size_t)x * 4, 4);
            n += (px & 0xFFFFFF) == want;
        }
    cairo_surface_destroy(img);
    return n;
}

/* The bullet draws the status it is given (a KPI red for a decline while
 * above its challenge stays red); without one it derives it from the
 * targets. */
START_TEST(bullet_takes_the_given_status)
{
    chart_bullet b = {.axis = CHART_AXIS_PERCENT, .value = 0.90, .base = 0.77, .challenge = 0.83};
    chart_opts o;
    chart_opts_default(&o);
    o.width = 480;
    o.height = 110;
    chart_rgb red = chart_status_colour(CHART_STATUS_RED);
    chart_rgb top = chart_status_colour(CHART_STATUS_EXCELLENT);
    for (int k = 0; k < 2; k++) {
        b.status = k == 0 ? CHART_STATUS_NONE : CHART_STATUS_RED;
        unsigned char *png = NULL;
        size_t len = 0;
        char err[200];
        ck_assert_msg(chart_render_bullet(ctx, &o, &b, &png, &len, err, sizeof err), "%s", err);
        long n_red = count_colour(png, len, red), n_top = count_colour(png, len, top);
        if (k == 0)
            ck_assert_msg(n_top > 1000 && n_red == 0, "derived: %ld red, %ld excellent", n_red,
                          n_top);
        else
            ck_assert_msg(n_red > 1000 && n_top == 0, "given: %ld red, %ld excellent", n_red,
                          n_top);
        free(png);
    }
}
END_TEST

/* A KPI judged against the day's point on the path to its period-end
 * target: 78 % is over the year-end base (77 %) but under the day's point
 * (79 %), so the derived status is red with the path and green without;
 * the PDF names the day's points and the period-end targets. */
START_TEST(bullet_judges_against_the_path)
{
    chart_bullet b = {.axis = CHART_AXIS_PERCENT,
                      .value = 0.78,
                      .base = 0.77,
                      .challenge = 0.83,
                      .path_base = 0.79,
                      .path_challenge = 0.845,
                      .path_base_text = "基础时序进度",
                      .period_text = "期末目标"};
    chart_opts o;
    chart_opts_default(&o);
    o.width = 480;
    o.height = 130;
    chart_rgb red = chart_status_colour(CHART_STATUS_RED);
    chart_rgb green = chart_status_colour(CHART_STATUS_GREEN);
    for (int k = 0; k < 2; k++) {
        b.path = k == 1;
        unsigned char *png = NULL;
        size_t len = 0;
        char err[200];
        ck_assert_msg(chart_render_bullet(ctx, &o, &b, &png, &len, err, sizeof err), "%s", err);
        long n_red = count_colour(png, len, red), n_green = count_colour(png, len, green);
        if (b.path)
            ck_assert_msg(n_red > 1000 && n_green == 0, "path: %ld red, %ld green", n_red, n_green);
        else
            ck_assert_msg(n_green > 1000 && n_red == 0, "direct: %ld red, %ld green", n_red,
                          n_green);
        free(png);
    }
    o.format = CHART_PDF;
    unsigned char *pdf = NULL;
    size_t len = 0;
    char err[200];
    ck_assert_msg(chart_render_bullet(ctx, &o, &b, &pdf, &len, err, sizeof err), "%s", err);
    char *text = pdf_text(pdf, len);
    static const char *const want[] = {"基础时序进度 79.00%", "challenge path 84.50%",
                                       "期末目标: base 77.00%", "challenge 83.00%"};
    for (size_t i = 0; i < N_ELEMS(want); i++)
        ck_assert_msg(strstr(text, want[i]) != NULL, "'%s' not in: %s", want[i], text);
    g_free(text);
    free(pdf);
}
END_TEST

/* A phone's trend in English (330 px wide, the dashboard's 280 high, a
 * quarter of days with the path to the targets): at least two dates on
 * its axis. The English names of the path in the right margin took so
 * much of the width that one date was left. */
START_TEST(trend_phone_has_two_dates)
{
    static const char *const days[] = {
        "2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30",
        "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31", "2026-11-22", "2026-11-23",
        "2026-11-24", "2026-11-25", "2026-11-27", "2026-11-28", "2026-11-29"};
    enum { N = sizeof days / sizeof days[0] };
    chart_point pts[N], base[N], chal[N];
    for (int i = 0; i < N; i++) {
        int32_t day;
        ck_assert(chart_date_parse(days[i], &day));
        pts[i] = (chart_point){day, 0.86 - 0.002 * i};
        base[i] = (chart_point){day, 0.80 + 0.001 * i};
        chal[i] = (chart_point){day, 0.84 + 0.001 * i};
    }
    chart_series se = {"Wuhan", pts, N};
    chart_trend t = {.axis = CHART_AXIS_PERCENT,
                     .series = &se,
                     .nseries = 1,
                     .base = 0.77,
                     .challenge = 0.83,
                     .base_path = base,
                     .challenge_path = chal,
                     .nbase_path = N,
                     .nchallenge_path = N};
    chart_opts o;
    chart_opts_default(&o);
    o.format = CHART_PDF;
    o.width = 330;
    o.height = 280;
    unsigned char *pdf = NULL;
    size_t len = 0;
    char err[200];
    ck_assert_msg(chart_render_trend(ctx, &o, &t, &pdf, &len, err, sizeof err), "%s", err);
    char *text = pdf_text(pdf, len);
    int dates = 0;
    for (const char *p = text; *p; p++) { /* "2026-09" or "11-29", a word of its own */
        unsigned a, b;
        int n = 0;
        if ((p == text || p[-1] == ' ' || p[-1] == '\n') &&
            sscanf(p, "%4u-%2u%n", &a, &b, &n) == 2 && (n == 7 || n == 5) &&
            (p[n] == ' ' || p[n] == '\n' || !p[n]))
            dates++;
    }
    ck_assert_msg(dates >= 2, "%d date labels in: %s", dates, text);
    g_free(text);
    free(pdf);
}
END_TEST

/* The trend draws the path through its points and names its last point in
 * the margin; a path alone is not data. */
START_TEST(trend_draws_the_path)
{
    chart_point pts[3], base[3], chal[3];
    for (int i = 0; i < 3; i++) {
        int32_t day;
        ck_assert(chart_date_parse(i == 0   ? "2026-09-30"
                                   : i == 1 ? "2026-10-31"
                                            : "2026-11-29",
                                   &day));
        pts[i] = (chart_point){day, 0.86 - 0.01 * i};
        base[i] = (chart_point){day, 1 - 0.23 * (272 + 30.5 * i) / 364};
        chal[i] = (chart_point){day, 1 - 0.17 * (272 + 30.5 * i) / 364};
    }
    chart_series se = {"武汉", pts, 3};
    chart_trend t = {.axis = CHART_AXIS_PERCENT,
                     .series = &se,
                     .nseries = 1,
                     .base = 0.77,
                     .challenge = 0.83,
                     .base_path = base,
                     .challenge_path = chal,
                     .nbase_path = 3,
                     .nchallenge_path = 3,
                     .base_path_text = "基础时序进度"};
    chart_opts o;
    chart_opts_default(&o);
    o.format = CHART_PDF;
    unsigned char *pdf = NULL, *plain = NULL;
    size_t len = 0, plain_len = 0;
    char err[200], want[64];
    ck_assert_msg(chart_render_trend(ctx, &o, &t, &pdf, &len, err, sizeof err), "%s", err);
    char *text = pdf_text(pdf, len);
    snprintf(want, sizeof want, "基础时序进度 %.2f%%", 100 * base[2].value);
    ck_assert_msg(strstr(text, want) != NULL, "'%s' not in: %s", want, text);
    snprintf(want, sizeof want, "challenge path %.2f%%", 100 * chal[2].value);
    ck_assert_msg(strstr(text, want) != NULL, "'%s' not in: %s", want, text);
    g_free(text);
    /* without the paths the chart is another */
    t.nbase_path = t.nchallenge_path = 0;
    ck_assert(chart_render_trend(ctx, &o, &t, &plain, &plain_len, err, sizeof err));
    ck_assert(plain_len != len || memcmp(plain, pdf, len) != 0);
    free(plain);
    /* paths without a series: "no data" */
    t.nseries = 0;
    t.nbase_path = t.nchallenge_path = 3;
    free(pdf);
    ck_assert(chart_render_trend(ctx, &o, &t, &pdf, &len, err, sizeof err));
    text = pdf_text(pdf, len);
    ck_assert_msg(strstr(text, "no data") != NULL, "%s", text);
    g_free(text);
    free(pdf);
    /* in the caller's words (a Chinese page's "no data" read in English) */
    t.no_data_text = "无数据";
    ck_assert(chart_render_trend(ctx, &o, &t, &pdf, &len, err, sizeof err));
    text = pdf_text(pdf, len);
    ck_assert_msg(strstr(text, "无数据") != NULL && !strstr(text, "no data"), "%s", text);
    g_free(text);
    free(pdf);
    /* no point at all: no day to name (it read 01-01 and 01-02, of 1970) */
    t.nbase_path = t.nchallenge_path = 0;
    ck_assert(chart_render_trend(ctx, &o, &t, &pdf, &len, err, sizeof err));
    text = pdf_text(pdf, len);
    ck_assert_msg(strstr(text, "无数据") != NULL && !strstr(text, "01-0"), "%s", text);
    g_free(text);
    free(pdf);
}
END_TEST

/* The panorama draws the arrows it is given, against last month and
 * against the target, and no other. */
START_TEST(panorama_draws_the_given_arrows)
{
    chart_panorama_node nd = {.code = "csi", .parent = -1, .value = 84, .last = 80, .target = 80};
    chart_panorama p = {.axis = CHART_AXIS_SCORE, .nodes = &nd, .n = 1};
    chart_opts o;
    chart_opts_default(&o);
    o.height = 100;
    chart_rgb up = chart_arrow_colour(CHART_ARROWS_CN, true);
    static const chart_move moves[3][2] = {{CHART_MOVE_NONE, CHART_MOVE_NONE},
                                           {CHART_MOVE_UP, CHART_MOVE_NONE},
                                           {CHART_MOVE_UP, CHART_MOVE_UP}};
    long n[3];
    for (int k = 0; k < 3; k++) {
        nd.arrow = moves[k][0];
        nd.target_arrow = moves[k][1];
        unsigned char *png = NULL;
        size_t len = 0;
        char err[200];
        ck_assert_msg(chart_render_panorama(ctx, &o, &p, &png, &len, err, sizeof err), "%s", err);
        n[k] = count_colour(png, len, up);
        free(png);
    }
    ck_assert_msg(n[0] == 0 && n[1] > 20 && n[2] > n[1] * 3 / 2, "arrow pixels %ld, %ld, %ld", n[0],
                  n[1], n[2]);
}
END_TEST

/* The zones at risk are told by texture as well as colour: a bar all red
 * or all yellow keeps under 80 % of its area in the flat colour (hatched),
 * a bar all blue or all green over 95 % of the blue one's. */
START_TEST(zones_at_risk_are_hatched)
{
    chart_opts o;
    chart_opts_default(&o);
    o.width = 600;
    o.height = 200;
    static const chart_zone zones[] = {CHART_ZONE_BLUE, CHART_ZONE_GREEN, CHART_ZONE_RED,
                                       CHART_ZONE_YELLOW};
    long flat[4];
    for (size_t k = 0; k < 4; k++) {
        chart_zone_row row = {.label = "武汉分公司"};
        row.counts[zones[k]] = 500;
        chart_zones z = {.rows = &row, .n = 1};
        unsigned char *png = NULL;
        size_t len = 0;
        char err[200];
        ck_assert_msg(chart_render_zones(ctx, &o, &z, &png, &len, err, sizeof err), "%s", err);
        flat[k] = count_colour(png, len, chart_zone_colour(zones[k]));
        free(png);
    }
    ck_assert_int_gt(flat[0], 5000);
    ck_assert_msg(flat[1] > flat[0] * 95 / 100, "green %ld, blue %ld", flat[1], flat[0]);
    for (size_t k = 2; k < 4; k++)
        ck_assert_msg(flat[k] < flat[0] * 80 / 100, "zone %d: %ld flat, blue %ld", zones[k],
                      flat[k], flat[0]);
}
END_TEST

START_TEST(pixel_digests)
{
    chart_opts o = {0};
    size_t len;
    unsigned char *png = render_ok(_i, &o, &len);
    char *sum = pixel_digest(png, len);
    if (getenv("CHART_PRINT_DIGESTS"))
        printf("    \"%s\", /* %s */\n", sum, kind_name[_i]);
    else
        ck_assert_msg(strcmp(sum, digests[_i]) == 0, "%s: pixels %s, recorded %s", kind_name[_i],
                      sum, digests[_i]);
    g_free(sum);
    free(png);
}
END_TEST

/* ---- drawing into a caller's cairo_t ---- */

/* A background no chart paints: pixels of it outside a chart's rectangle
 * show that the chart stayed inside. */
static const chart_rgb backdrop = {0.50, 0.25, 0.75};

/* An RGB24 image of w x h pixels painted with the backdrop, and its cairo_t. */
static cairo_t *backdrop_cairo(int w, int h)
{
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(img);
    cairo_surface_destroy(img); /* cr holds it */
    ck_assert_int_eq(cairo_status(cr), CAIRO_STATUS_SUCCESS);
    cairo_set_source_rgb(cr, backdrop.r, backdrop.g, backdrop.b);
    cairo_paint(cr);
    return cr;
}

static uint32_t pixel_at(cairo_surface_t *img, int x, int y)
{
    uint32_t px;
    cairo_surface_flush(img);
    memcpy(&px,
           cairo_image_surface_get_data(img) +
               (size_t)y * (size_t)cairo_image_surface_get_stride(img) + (size_t)x * 4,
           4);
    return px & 0xFFFFFF; /* RGB24: the top byte is unused */
}

/* The column of the highest drawn pixel (the line's peak) of a sparkline
 * of 0, 1, 0 drawn into a 200 x 60 image, with days or evenly spaced; -2
 * when the drawing is refused (why in err). */
static int spark_peak(const int32_t *days, char err[256])
{
    static const double v[] = {0, 1, 0};
    chart_sparkline s = {v, 3, NAN, days};
    cairo_t *cr = backdrop_cairo(200, 60);
    chart_opts o;
    chart_opts_default(&o);
    chart_rect where = {0, 0, 200, 60};
    int peak = -2;
    if (chart_draw_sparkline(ctx, cr, &where, &o, &s, err, 256)) {
        cairo_surface_t *img = cairo_get_target(cr);
        uint32_t ground = pixel_at(img, 199, 59);
        for (int y = 0, found = 0; y < 60 && !found; y++)
            for (int x = 0; x < 200 && !found; x++)
                if ((found = pixel_at(img, x, y) != ground))
                    peak = x;
    }
    cairo_destroy(cr);
    return peak;
}

/* A sparkline places its points at their days: a point a month after the
 * first and a day before the last is drawn near the last, not halfway
 * (a monthly series then a daily one looked as if a month were a day);
 * days not ascending are refused. */
START_TEST(sparkline_points_at_their_days)
{
    static const int32_t days[] = {0, 29, 30}, back[] = {0, 30, 29};
    char err[256] = "";
    int even = spark_peak(NULL, err), dated = spark_peak(days, err);
    ck_assert_msg(even > 80 && even < 120, "evenly spaced: the peak at %d (%s)", even, err);
    ck_assert_msg(dated > 170, "at its day: the peak at %d (%s)", dated, err);
    ck_assert_int_eq(spark_peak(back, err), -2);
    ck_assert_str_eq(err, "sparkline: day 2 is not after the one before");
}
END_TEST

/* Pixels of the image that differ from `want` (another image, dx, dy
 * pixels to the left and up) inside [x0, x1) x [y0, y1), or from the
 * backdrop outside it when want is NULL. */
static long pixels_differing(cairo_surface_t *img, cairo_surface_t *want, int dx, int dy, int x0,
                             int y0, int x1, int y1)
{
    uint32_t back = (uint32_t)lround(backdrop.r * 255) << 16 |
                    (uint32_t)lround(backdrop.g * 255) << 8 | (uint32_t)lround(backdrop.b * 255);
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    long n = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            bool inside = x >= x0 && x < x1 && y >= y0 && y < y1;
            if (want == NULL && !inside)
                n += pixel_at(img, x, y) != back;
            else if (want != NULL && inside)
                n += pixel_at(img, x, y) != pixel_at(want, x - dx, y - dy);
        }
    return n;
}

static const double draw_scales[] = {1, 2};

/* A chart drawn at (0, 0) of an image of its pixel size, under a scale, is
 * the PNG chart_render_* makes at that scale, pixel for pixel, for every
 * kind (_i: kind, scale). */
START_TEST(draw_at_the_origin_is_the_png)
{
    int k = _i / (int)N_ELEMS(draw_scales);
    double scale = draw_scales[_i % (int)N_ELEMS(draw_scales)];
    chart_opts o = {0};
    size_kind(k, &o);
    o.scale = scale;
    size_t len;
    unsigned char *png = render_ok(k, &o, &len);
    cairo_surface_t *want = png_decode(png, len);
    int pw = cairo_image_surface_get_width(want), ph = cairo_image_surface_get_height(want);
    cairo_t *cr = backdrop_cairo(pw, ph);
    cairo_scale(cr, scale, scale);
    chart_rect where = {0, 0, o.width, o.height};
    char err[256] = "";
    ck_assert_msg(sample_kind(k, &o, cr, &where, NULL, NULL, err, sizeof err), "%s: %s",
                  kind_name[k], err);
    ck_assert_int_eq(cairo_status(cr), CAIRO_STATUS_SUCCESS);
    long n = pixels_differing(cairo_get_target(cr), want, 0, 0, 0, 0, pw, ph);
    ck_assert_msg(n == 0, "%s at scale %g: %ld pixels differ from the PNG", kind_name[k], scale, n);
    cairo_destroy(cr);
    cairo_surface_destroy(want);
    free(png);
}
END_TEST

/* Drawn into a rectangle away from the origin (the caller's own transform
 * included), a chart paints nothing outside it, is inside the same chart
 * as the PNG (moved by whole pixels), and leaves the caller's cairo state
 * as it was: transformation, source, line width, dashes, current path.
 * _i: a kind, or KIND_N for a trend squeezed to 16 units high (its text
 * left out: see small_charts_stay_sane). */
START_TEST(draw_stays_in_its_rectangle)
{
    int k = _i < KIND_N ? _i : KIND_TREND;
    chart_opts o = {0};
    size_kind(k, &o);
    if (_i == KIND_N)
        o.height = 16;
    size_t len;
    unsigned char *png = render_ok(k, &o, &len);
    cairo_surface_t *want = png_decode(png, len);
    int x0 = 37, y0 = 23; /* device pixels: the caller's translation + the rectangle's origin */
    cairo_t *cr = backdrop_cairo(o.width + 80, o.height + 60);
    cairo_translate(cr, 7, 3);
    cairo_set_source_rgba(cr, 0.1, 0.2, 0.3, 0.4);
    cairo_pattern_t *source = cairo_get_source(cr);
    static const double dash[] = {3, 1};
    cairo_set_dash(cr, dash, 2, 0.5);
    cairo_set_line_width(cr, 5);
    cairo_move_to(cr, 1, 2);
    cairo_line_to(cr, 11, 12);
    cairo_matrix_t before, after;
    cairo_get_matrix(cr, &before);
    chart_rect where = {x0 - 7, y0 - 3, o.width, o.height};
    char err[256] = "";
    ck_assert_msg(sample_kind(k, &o, cr, &where, NULL, NULL, err, sizeof err), "%s: %s",
                  kind_name[k], err);
    ck_assert_int_eq(cairo_status(cr), CAIRO_STATUS_SUCCESS);
    cairo_surface_t *img = cairo_get_target(cr);
    long out = pixels_differing(img, NULL, 0, 0, x0, y0, x0 + o.width, y0 + o.height);
    ck_assert_msg(out == 0, "%s: %ld pixels painted outside the rectangle", kind_name[k], out);
    long in = pixels_differing(img, want, x0, y0, x0, y0, x0 + o.width, y0 + o.height);
    ck_assert_msg(in == 0, "%s: %ld pixels inside differ from the PNG", kind_name[k], in);
    /* the caller's state */
    cairo_get_matrix(cr, &after);
    ck_assert(memcmp(&before, &after, sizeof before) == 0);
    ck_assert_ptr_eq(cairo_get_source(cr), source);
    double r, g, b, a;
    ck_assert_int_eq(cairo_pattern_get_rgba(source, &r, &g, &b, &a), CAIRO_STATUS_SUCCESS);
    ck_assert(r == 0.1 && g == 0.2 && b == 0.3 && a == 0.4);
    ck_assert(cairo_get_line_width(cr) == 5);
    double got_dash[2], offset;
    ck_assert_int_eq(cairo_get_dash_count(cr), 2);
    cairo_get_dash(cr, got_dash, &offset);
    ck_assert(got_dash[0] == 3 && got_dash[1] == 1 && offset == 0.5);
    double px, py, e[4];
    cairo_get_current_point(cr, &px, &py);
    ck_assert(px == 11 && py == 12);
    cairo_path_extents(cr, &e[0], &e[1], &e[2], &e[3]);
    ck_assert(e[0] == 1 && e[1] == 2 && e[2] == 11 && e[3] == 12);
    cairo_destroy(cr);
    cairo_surface_destroy(want);
    free(png);
}
END_TEST

/* A PDF tool's standard output on the PDF (g_free it). */
static char *pdf_tool(const char *tool, const unsigned char *pdf, size_t len)
{
    char path[] = "/tmp/rtnd-chart-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert(write(fd, pdf, len) == (ssize_t)len);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "%s %s", tool, path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    GString *s = g_string_new(NULL);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        g_string_append_len(s, buf, (gssize)n);
    ck_assert_int_eq(pclose(p), 0);
    unlink(path);
    return g_string_free(s, FALSE);
}

static cairo_status_t bytes_into(void *closure, const unsigned char *data, unsigned int len)
{
    g_byte_array_append(closure, data, len);
    return CAIRO_STATUS_SUCCESS;
}

/* Two charts side by side on one A4 landscape page of a PDF the test makes:
 * one page of that size, both charts' texts readable (Chinese included),
 * every font a Type 3 font (the user-font path of chart_render_*'s PDFs). */
START_TEST(draw_two_charts_on_a_pdf_page)
{
    const double page_w = 841.89, page_h = 595.276;
    GByteArray *bytes = g_byte_array_new();
    cairo_surface_t *pdf = cairo_pdf_surface_create_for_stream(bytes_into, bytes, page_w, page_h);
    cairo_t *cr = cairo_create(pdf);
    chart_opts o;
    chart_opts_default(&o);
    char err[256] = "";
    chart_trend t = sample_trend();
    o.title = "左图 捆绑到位率趋势";
    chart_rect left = {20, 40, 400, 300};
    ck_assert_msg(chart_draw_trend(ctx, cr, &left, &o, &t, err, sizeof err), "%s", err);
    chart_ranking r = sample_ranking(12);
    o.title = "右图 保有率排名";
    chart_rect right = {430, 40, 391.89, chart_ranking_height(12, true)};
    ck_assert_msg(chart_draw_ranking(ctx, cr, &right, &o, &r, err, sizeof err), "%s", err);
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(pdf);
    ck_assert_int_eq(cairo_surface_status(pdf), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(pdf);

    char *info = pdf_tool("pdfinfo", bytes->data, bytes->len);
    const char *pages = strstr(info, "\nPages:"), *size = strstr(info, "\nPage size:");
    double w = 0, h = 0;
    ck_assert_msg(pages && atoi(pages + 7) == 1, "%s", info);
    ck_assert_msg(size && sscanf(size + 11, "%lf x %lf", &w, &h) == 2, "%s", info);
    ck_assert_msg(fabs(w - page_w) < 0.01 && fabs(h - page_h) < 0.01, "%s", info);
    char *text = pdf_text(bytes->data, bytes->len);
    static const char *const want[] = {"左图 捆绑到位率趋势", "基础值 40.00%", "捆绑到位率 全省",
                                       "右图 保有率排名",     "武汉市分公司0", "excellent"};
    for (size_t i = 0; i < N_ELEMS(want); i++)
        ck_assert_msg(strstr(text, want[i]) != NULL, "'%s' not in:\n%s", want[i], text);
    char *fonts_list = pdf_tool("pdffonts", bytes->data, bytes->len);
    const char *row = strstr(fonts_list, "\n---");
    ck_assert_ptr_nonnull(row);
    int nfonts = 0;
    for (row = strchr(row + 1, '\n'); row != NULL && row[1] != '\0'; row = strchr(row + 1, '\n')) {
        ck_assert_msg(strncmp(row + 1 + 37, "Type 3", 6) == 0, "not Type 3:\n%s", fonts_list);
        nfonts++;
    }
    ck_assert_msg(nfonts > 0, "%s", fonts_list);
    g_free(fonts_list);
    g_free(text);
    g_free(info);
    g_byte_array_unref(bytes);
}
END_TEST

/* Errors are reported as chart_render_* reports them, and nothing is drawn;
 * width, height, scale and format of the options are not used. */
START_TEST(draw_errors_are_reported)
{
    cairo_t *cr = backdrop_cairo(200, 100);
    chart_sparkline s = {spark_values, N_ELEMS(spark_values), NAN, NULL};
    chart_opts o;
    chart_opts_default(&o);
    chart_rect where = {10, 10, 120, 32};
    char err[256] = "";
    ck_assert(!chart_draw_sparkline(ctx, cr, &where, &o, NULL, err, sizeof err));
    ck_assert_str_eq(err, "sparkline: no input");
    chart_zone_row zr = {"x", {1, -2, 3, 4, 5}};
    chart_zones z = {.rows = &zr, .n = 1};
    ck_assert(!chart_draw_zones(ctx, cr, &where, &o, &z, err, sizeof err));
    ck_assert_msg(strstr(err, "count -2 is negative") != NULL, "%s", err);
    ck_assert(!chart_draw_sparkline(ctx, cr, &where, NULL, &s, err, sizeof err));
    ck_assert_str_eq(err, "options are missing");
    ck_assert(!chart_draw_sparkline(ctx, cr, NULL, &o, &s, err, sizeof err));
    ck_assert_str_eq(err, "where: the rectangle is missing");
    static const struct {
        chart_rect where;
        const char *want;
    } bad[] = {
        {{0, 0, 5, 32}, "where: width 5 is outside 16..4096"},
        {{0, 0, 120, 5000}, "where: height 5000 is outside 16..4096"},
        {{0, 0, NAN, 32}, "where: width nan is outside 16..4096"},
        {{INFINITY, 0, 120, 32}, "where: origin inf,0 is not finite"},
    };
    for (size_t i = 0; i < N_ELEMS(bad); i++) {
        ck_assert(!chart_draw_sparkline(ctx, cr, &bad[i].where, &o, &s, err, sizeof err));
        ck_assert_str_eq(err, bad[i].want);
    }
    o.arrows = (chart_arrows)3;
    ck_assert(!chart_draw_sparkline(ctx, cr, &where, &o, &s, err, sizeof err));
    ck_assert_str_eq(err, "arrows: 3 is not CN or INTL");
    o.arrows = CHART_ARROWS_CN;
    ck_assert(!chart_draw_sparkline(ctx, NULL, &where, &o, &s, err, sizeof err));
    ck_assert_str_eq(err, "cairo: the context is missing");
    ck_assert_int_eq(cairo_status(cr), CAIRO_STATUS_SUCCESS);
    ck_assert_int_eq(pixels_differing(cairo_get_target(cr), NULL, 0, 0, 0, 0, 0, 0), 0);
    cairo_t *broken = cairo_create(cairo_get_target(cr));
    cairo_restore(broken); /* without a save: an error state */
    ck_assert(!chart_draw_sparkline(ctx, broken, &where, &o, &s, err, sizeof err));
    ck_assert_str_eq(err, "cairo: cairo_restore() without matching cairo_save()");
    cairo_destroy(broken);
    /* options a render would refuse, fractions of a unit: drawn */
    o.width = 5;
    o.scale = 0;
    o.format = (chart_format)7;
    chart_rect odd = {10.5, 20.25, 120.5, 32.75};
    ck_assert_msg(chart_draw_sparkline(ctx, cr, &odd, &o, &s, err, sizeof err), "%s", err);
    ck_assert_int_gt(pixels_differing(cairo_get_target(cr), NULL, 0, 0, 0, 0, 0, 0), 3000);
    cairo_destroy(cr);
}
END_TEST

/* ---- small charts ---- */

/* Messages of level warning or worse logged through GLib in this process
 * (pango's "Pango" domain, GLib's, the library's own), counted by the
 * writer main() installs once for every test, and still printed. */
static int logged_bad;

static GLogWriterOutput count_bad_logs(GLogLevelFlags level, const GLogField *fields, gsize n,
                                       gpointer data)
{
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
        logged_bad++;
    return g_log_writer_standard_streams(level, fields, n, data);
}

/* Kind k of sample_kind, or at KIND_N a bullet judged against the path to
 * its period-end targets (a line more under the axis). */
#define SMALL_KINDS (KIND_N + 1)
static bool small_kind(int k, chart_opts *o, cairo_t *cr, const chart_rect *where,
                       unsigned char **out, size_t *len, char *err, size_t errlen)
{
    if (k < KIND_N)
        return sample_kind(k, o, cr, where, out, len, err, errlen);
    chart_bullet b = {.label = "杭州市分公司",
                      .axis = CHART_AXIS_PERCENT,
                      .value = 0.78,
                      .base = 0.77,
                      .challenge = 0.83,
                      .path = true,
                      .path_base = 0.79,
                      .path_challenge = 0.845,
                      .period_text = "期末目标"};
    o->title = "保有率";
    if (cr != NULL)
        return chart_draw_bullet(ctx, cr, where, o, &b, err, errlen);
    return chart_render_bullet(ctx, o, &b, out, len, err, errlen);
}

static const char *small_name(int k)
{
    return k < KIND_N ? kind_name[k] : "bullet-path";
}

/* Pixels of the w x h rectangle at (x0, y0) of img on its edge (its first
 * and last rows and columns) that are not the chart's white background: a
 * mark there was cut by the rectangle's edge. */
static long edge_marked(cairo_surface_t *img, int x0, int y0, int w, int h)
{
    cairo_surface_flush(img);
    const unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    long n = 0;
    for (int y = y0; y < y0 + h; y++)
        for (int x = x0; x < x0 + w; x++) {
            if (y != y0 && y != y0 + h - 1 && x != x0 && x != x0 + w - 1)
                continue;
            uint32_t px;
            memcpy(&px, data + (size_t)y * (size_t)stride + (size_t)x * 4, 4);
            n += (px & 0xFFFFFF) != 0xFFFFFF;
        }
    return n;
}

/* Pixels of img outside the w x h rectangle at (x0, y0) that are not the
 * backdrop. */
static long outside_marked(cairo_surface_t *img, int x0, int y0, int w, int h)
{
    uint32_t back = (uint32_t)lround(backdrop.r * 255) << 16 |
                    (uint32_t)lround(backdrop.g * 255) << 8 | (uint32_t)lround(backdrop.b * 255);
    cairo_surface_flush(img);
    const unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    long n = 0;
    for (int y = 0; y < cairo_image_surface_get_height(img); y++)
        for (int x = 0; x < cairo_image_surface_get_width(img); x++) {
            if (x >= x0 && x < x0 + w && y >= y0 && y < y0 + h)
                continue;
            uint32_t px;
            memcpy(&px, data + (size_t)y * (size_t)stride + (size_t)x * 4, 4);
            n += (px & 0xFFFFFF) != back;
        }
    return n;
}

/* Kind k rendered as a PNG of o's size: nothing logged, nothing cut by the
 * chart's edge. */
static void small_render(int k, chart_opts *o)
{
    unsigned char *png = NULL;
    size_t len = 0;
    char err[256] = "";
    logged_bad = 0;
    ck_assert_msg(small_kind(k, o, NULL, NULL, &png, &len, err, sizeof err), "%s %dx%d: %s",
                  small_name(k), o->width, o->height, err);
    ck_assert_msg(logged_bad == 0, "%s %dx%d: %d warnings logged", small_name(k), o->width,
                  o->height, logged_bad);
    const char *dir = getenv("CHART_SAMPLES_DIR");
    if (dir != NULL) {
        char path[512];
        snprintf(path, sizeof path, "%s/small-%s-%dx%d.png", dir, small_name(k), o->width,
                 o->height);
        FILE *f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(png, 1, len, f), len);
        fclose(f);
    }
    cairo_surface_t *img = png_decode(png, len);
    long cut = edge_marked(img, 0, 0, o->width, o->height);
    ck_assert_msg(cut == 0, "%s %dx%d: %ld pixels marked on the edge", small_name(k), o->width,
                  o->height, cut);
    cairo_surface_destroy(img);
    free(png);
}

/* Kind k drawn into a w x h rectangle away from the origin of an ARGB
 * image painted with the backdrop: nothing logged, nothing painted outside
 * the rectangle, nothing cut by its edge. */
static void small_draw(int k, chart_opts *o, int w, int h)
{
    const int x0 = 37, y0 = 23;
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w + 80, h + 60);
    cairo_t *cr = cairo_create(img);
    cairo_set_source_rgb(cr, backdrop.r, backdrop.g, backdrop.b);
    cairo_paint(cr);
    chart_rect where = {x0, y0, w, h};
    char err[256] = "";
    logged_bad = 0;
    ck_assert_msg(small_kind(k, o, cr, &where, NULL, NULL, err, sizeof err), "%s %dx%d: %s",
                  small_name(k), w, h, err);
    ck_assert_int_eq(cairo_status(cr), CAIRO_STATUS_SUCCESS);
    ck_assert_msg(logged_bad == 0, "%s drawn %dx%d: %d warnings logged", small_name(k), w, h,
                  logged_bad);
    long out = outside_marked(img, x0, y0, w, h), cut = edge_marked(img, x0, y0, w, h);
    ck_assert_msg(out == 0, "%s drawn %dx%d: %ld pixels outside", small_name(k), w, h, out);
    ck_assert_msg(cut == 0, "%s drawn %dx%d: %ld pixels marked on the edge", small_name(k), w, h,
                  cut);
    cairo_destroy(cr);
    cairo_surface_destroy(img);
}

/* Every kind (_i; SMALL_KINDS) at every width and height from the minimum
 * (16) up to 120, and at its usual width or height with the other small,
 * rendered as a PNG and drawn into a rectangle: no warning from pango,
 * GLib or the library (text below CHART_FONT_MIN), and every mark inside
 * the chart: nothing outside the rectangle, nothing cut by its edge. */
static const int small_sizes[] = {16, 20, 24, 32, 40, 50, 60, 68, 76, 84, 92, 100, 110, 120, 300};
START_TEST(small_charts_stay_sane)
{
    chart_opts usual = {0};
    size_kind(_i < KIND_N ? _i : KIND_BULLET, &usual);
    int widths[N_ELEMS(small_sizes) + 1], heights[N_ELEMS(small_sizes) + 1];
    for (size_t i = 0; i < N_ELEMS(small_sizes); i++)
        widths[i] = heights[i] = small_sizes[i];
    widths[N_ELEMS(small_sizes)] = usual.width;
    heights[N_ELEMS(small_sizes)] = usual.height;
    for (size_t i = 0; i < N_ELEMS(widths); i++)
        for (size_t j = 0; j < N_ELEMS(heights); j++) {
            if (heights[j] > 120 && widths[i] > 120)
                continue; /* the usual sizes: other tests */
            chart_opts o;
            chart_opts_default(&o);
            o.width = widths[i];
            o.height = heights[j];
            small_render(_i, &o);
            small_draw(_i, &o, widths[i], heights[j]);
        }
}
END_TEST

/* A bullet too short for all its text leaves it out, row by row, in the
 * order chart.h states: title, period-end line, axis labels, marker labels,
 * while the value and the branch's label stay (480 units wide, heights from
 * 130 down to the minimum, read back from the PDF). */
START_TEST(bullet_leaves_text_out_in_order)
{
    static const char *const order[] = {"保有率", "期末目标", "100.00%", "base path 79.00%"};
    enum { N = N_ELEMS(order) };
    bool had[N] = {true, true, true, true}; /* at the height before */
    for (int h = 130; h >= 16; h -= 2) {
        chart_opts o;
        chart_opts_default(&o);
        o.width = 480;
        o.height = h;
        o.format = CHART_PDF;
        unsigned char *pdf = NULL;
        size_t len = 0;
        char err[256] = "";
        logged_bad = 0;
        ck_assert_msg(small_kind(KIND_N, &o, NULL, NULL, &pdf, &len, err, sizeof err), "%s", err);
        ck_assert_int_eq(logged_bad, 0);
        char *text = pdf_text(pdf, len);
        bool has[N];
        for (int i = 0; i < N; i++)
            has[i] = strstr(text, order[i]) != NULL;
        for (int i = 0; i < N; i++) {
            ck_assert_msg(!has[i] || had[i], "height %d: '%s' back after it was left out", h,
                          order[i]);
            ck_assert_msg(!has[i] || i == N - 1 || has[i + 1],
                          "height %d: '%s' kept, '%s' left out:\n%s", h, order[i], order[i + 1],
                          text);
            had[i] = has[i];
        }
        if (h == 130)
            ck_assert_msg(has[0], "height 130: the title is missing:\n%s", text);
        ck_assert_msg(strstr(text, "78.00%") && strstr(text, "杭州市分公司"),
                      "height %d: the value or the label is missing:\n%s", h, text);
        g_free(text);
        free(pdf);
    }
    for (int i = 0; i < N; i++)
        ck_assert_msg(!had[i], "'%s' still there at the minimum height", order[i]);
}
END_TEST

/* ---- documents' text and images (chart_text_extent, chart_text_draw,
 * chart_image_png) ---- */

/* A white image w x h and its cairo_t (the caller destroys cr). */
static cairo_t *white_cairo(int w, int h)
{
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(img);
    cairo_surface_destroy(img);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    return cr;
}

/* The bounding box of the pixels that are not white; false when none is. */
static bool ink_box(cairo_surface_t *img, int *x0, int *y0, int *x1, int *y1)
{
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    *x0 = w;
    *y0 = h;
    *x1 = *y1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (pixel_at(img, x, y) != 0xFFFFFF) {
                *x0 = x < *x0 ? x : *x0;
                *y0 = y < *y0 ? y : *y0;
                *x1 = x > *x1 ? x : *x1;
                *y1 = y > *y1 ? y : *y1;
            }
    return *x1 >= 0;
}

static const char long_text[] = "本单位在全省 151 个区县中排第 72 名（较昨日 ▲13），"
                                "后五名：黄冈高新区营业部、钟祥分公司 and some Latin words";

/* Text lands inside the box chart_text_extent gives, anchored per its
 * alignment, wrapped or not, at scale 1 and 2; the caller's state stays. */
START_TEST(text_lands_in_its_box)
{
    static const chart_align aligns[] = {CHART_ALIGN_LEFT, CHART_ALIGN_CENTER, CHART_ALIGN_RIGHT};
    static const double wraps[] = {0, 180};
    for (size_t a = 0; a < N_ELEMS(aligns); a++)
        for (size_t k = 0; k < N_ELEMS(wraps); k++)
            for (int scale = 1; scale <= 2; scale++) {
                const char *s = wraps[k] > 0 ? long_text : "保有率 83.57% ● 达标";
                double w, h;
                ck_assert(chart_text_extent(ctx, s, 12, k == 1, wraps[k], &w, &h));
                ck_assert(w > 0 && h > 0);
                if (wraps[k] > 0) {
                    ck_assert(w <= wraps[k]);
                    ck_assert_msg(h > 3 * 12, "wrapped into %g high", h); /* lines */
                }
                cairo_t *cr = white_cairo(400 * scale, 200 * scale);
                cairo_scale(cr, scale, scale);
                cairo_set_source_rgb(cr, 0.1, 0.2, 0.3);
                cairo_move_to(cr, 3, 4);
                double x = 200, y = 30;
                ck_assert(
                    chart_text_draw(ctx, cr, s, x, y, 12, k == 1, 0x0072B2, wraps[k], aligns[a]));
                double bw = wraps[k] > 0 ? wraps[k] : w;
                double left = a == 0 ? x : a == 1 ? x - bw / 2 : x - bw;
                int x0, y0, x1, y1;
                ck_assert(ink_box(cairo_get_target(cr), &x0, &y0, &x1, &y1));
                ck_assert_msg(x0 >= (left - 1) * scale && x1 <= (left + bw + 1) * scale &&
                                  y0 >= (y - 1) * scale && y1 <= (y + h + 1) * scale,
                              "align %zu wrap %g scale %d: ink %d,%d-%d,%d outside %g,%g %gx%g", a,
                              wraps[k], scale, x0, y0, x1, y1, left, y, bw, h);
                /* the ink fills the box (a wide line reaches both ends) */
                ck_assert(x1 - x0 > (bw - 30) * scale || wraps[k] > 0);
                double r, g, b, al, px, py;
                ck_assert_int_eq(cairo_pattern_get_rgba(cairo_get_source(cr), &r, &g, &b, &al),
                                 CAIRO_STATUS_SUCCESS);
                ck_assert(r == 0.1 && g == 0.2 && b == 0.3);
                cairo_get_current_point(cr, &px, &py);
                ck_assert(px == 3 && py == 4);
                cairo_destroy(cr);
            }
}
END_TEST

/* A context keeps the extents it measured: measured again, after drawing
 * on a PDF and on a scaled image in between, they are the same as the
 * first time and as a new context's; a wrap width, a size or a weight
 * apart is measured anew. */
START_TEST(text_extents_measured_again_are_the_same)
{
    static const struct {
        const char *text;
        double size, wrap;
        bool bold;
    } cases[] = {
        {"保有率 83.57% ● 达标", 12, 0, false},
        {"保有率 83.57% ● 达标", 12, 0, true},
        {"保有率 83.57% ● 达标", 12.5, 0, false},
        {long_text, 10, 180, false},
        {long_text, 10, 180.25, false},
        {long_text, 10, 0, false},
        {"", 9, 0, false},
    };
    char err[256];
    chart_ctx *fresh = chart_ctx_new(fonts, err, sizeof err);
    ck_assert_msg(fresh != NULL, "%s", err);
    double first[N_ELEMS(cases)][2];
    for (size_t i = 0; i < N_ELEMS(cases); i++)
        ck_assert(chart_text_extent(ctx, cases[i].text, cases[i].size, cases[i].bold, cases[i].wrap,
                                    &first[i][0], &first[i][1]));
    ck_assert(first[0][0] != first[1][0]); /* bold is wider */
    ck_assert(first[0][0] != first[2][0]); /* so is 12.5 */
    ck_assert(first[3][1] != first[5][1]); /* wrapped is higher */
    cairo_surface_t *pdf = cairo_pdf_surface_create_for_stream(NULL, NULL, 300, 200);
    cairo_t *cr = cairo_create(pdf);
    ck_assert(chart_text_draw(ctx, cr, long_text, 10, 10, 10, false, 0, 180, CHART_ALIGN_LEFT));
    cairo_destroy(cr);
    cairo_surface_destroy(pdf);
    cr = white_cairo(600, 400);
    cairo_scale(cr, 2, 2);
    ck_assert(chart_text_draw(ctx, cr, long_text, 10, 10, 10, true, 0, 180, CHART_ALIGN_LEFT));
    cairo_destroy(cr);
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        double w, h, fw, fh;
        ck_assert(chart_text_extent(ctx, cases[i].text, cases[i].size, cases[i].bold, cases[i].wrap,
                                    &w, &h));
        ck_assert(chart_text_extent(fresh, cases[i].text, cases[i].size, cases[i].bold,
                                    cases[i].wrap, &fw, &fh));
        ck_assert_msg(w == first[i][0] && h == first[i][1] && w == fw && h == fh,
                      "case %zu: %g x %g, first %g x %g, a new context's %g x %g", i, w, h,
                      first[i][0], first[i][1], fw, fh);
    }
    chart_ctx_free(fresh);
}
END_TEST

/* Bad arguments: false, nothing drawn. */
START_TEST(text_refuses_bad_arguments)
{
    double w = 1, h = 1;
    ck_assert(!chart_text_extent(ctx, NULL, 12, false, 0, &w, &h));
    ck_assert(w == 0 && h == 0);
    ck_assert(!chart_text_extent(ctx, "ok", CHART_FONT_MIN - 0.5, false, 0, &w, &h));
    ck_assert(!chart_text_extent(ctx, "bad \xff utf-8", 12, false, 0, &w, &h));
    ck_assert(!chart_text_extent(ctx, "ok", 12, false, NAN, &w, &h));
    ck_assert(!chart_text_extent(NULL, "ok", 12, false, 0, &w, &h));
    ck_assert(chart_text_extent(ctx, "", 12, false, 0, &w, &h)); /* empty: a line's height */
    ck_assert(w == 0 && h > 12);
    cairo_t *cr = white_cairo(100, 40);
    ck_assert(!chart_text_draw(ctx, NULL, "ok", 1, 1, 12, false, 0, 0, CHART_ALIGN_LEFT));
    ck_assert(!chart_text_draw(ctx, cr, "ok", NAN, 1, 12, false, 0, 0, CHART_ALIGN_LEFT));
    ck_assert(!chart_text_draw(ctx, cr, "ok", 1, 1, 2, false, 0, 0, CHART_ALIGN_LEFT));
    ck_assert(!chart_text_draw(ctx, cr, "ok", 1, 1, 12, false, 0, 0, (chart_align)7));
    int x0, y0, x1, y1;
    ck_assert(!ink_box(cairo_get_target(cr), &x0, &y0, &x1, &y1));
    cairo_destroy(cr);
}
END_TEST

/* On a PDF: Type 3 fonts only (no CFF subsetting: no leak under ASan),
 * the text readable, wrapped lines included. */
START_TEST(text_on_a_pdf_reads_back)
{
    GByteArray *bytes = g_byte_array_new();
    cairo_surface_t *pdf = cairo_pdf_surface_create_for_stream(bytes_into, bytes, 595.276, 841.89);
    cairo_t *cr = cairo_create(pdf);
    ck_assert(chart_text_draw(ctx, cr, "湖北省公司日通报（2026-11-29）", 40, 40, 16, true, 0x222222,
                              0, CHART_ALIGN_LEFT));
    ck_assert(
        chart_text_draw(ctx, cr, long_text, 40, 80, 9, false, 0xA94700, 200, CHART_ALIGN_LEFT));
    ck_assert(chart_text_draw(ctx, cr, "第 1 页 / 共 2 页", 555, 800, 8, false, 0x5F5F5F, 0,
                              CHART_ALIGN_RIGHT));
    cairo_show_page(cr);
    cairo_destroy(cr);
    cairo_surface_finish(pdf);
    ck_assert_int_eq(cairo_surface_status(pdf), CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy(pdf);
    char *text = pdf_text(bytes->data, bytes->len);
    /* pdftotext guesses spaces between CJK and digits: compared without */
    static const char *const want[] = {"湖北省公司日通报（2026-11-29）", "第1页/共2页",
                                       "黄冈高新区营业部", "▲13"};
    char *bare = g_strdup(text);
    size_t k = 0;
    for (const char *p = text; *p; p++)
        if (*p != ' ' && *p != '\n')
            bare[k++] = *p;
    bare[k] = '\0';
    for (size_t i = 0; i < N_ELEMS(want); i++)
        ck_assert_msg(strstr(bare, want[i]) != NULL, "'%s' not in:\n%s", want[i], text);
    g_free(bare);
    char *fonts_list = pdf_tool("pdffonts", bytes->data, bytes->len);
    ck_assert_msg(strstr(fonts_list, "Type 3") && !strstr(fonts_list, "CID"), "%s", fonts_list);
    g_free(fonts_list);
    g_free(text);
    g_byte_array_unref(bytes);
}
END_TEST

/* chart_image_png: an image of few colours exactly as a palette; one of
 * many quantized to 256 (each pixel near its own); RGB exactly; text is
 * smaller as a palette. */
START_TEST(image_png_palette_and_rgb)
{
    char err[200] = "";
    unsigned char *png = NULL;
    size_t len = 0, rgb_len = 0;
    /* text in two inks on white and a tint: antialiased, more than 256 colours? */
    cairo_t *cr = white_cairo(320, 120);
    cairo_set_source_rgb(cr, 0xfb / 255.0, 0xe3 / 255.0, 0xd6 / 255.0);
    cairo_rectangle(cr, 0, 60, 320, 60);
    cairo_fill(cr);
    ck_assert(
        chart_text_draw(ctx, cr, long_text, 4, 4, 14, false, 0x222222, 310, CHART_ALIGN_LEFT));
    ck_assert(
        chart_text_draw(ctx, cr, "后五名 ▼3", 4, 80, 18, true, 0xA94700, 0, CHART_ALIGN_LEFT));
    cairo_surface_t *img = cairo_get_target(cr);
    unsigned char *rgb = NULL;
    ck_assert_msg(chart_image_png(img, false, &rgb, &rgb_len, err, sizeof err), "%s", err);
    ck_assert_msg(chart_image_png(img, true, &png, &len, err, sizeof err), "%s", err);
    ck_assert_uint_lt(len * 2, rgb_len); /* at least twice smaller */
    cairo_surface_t *back = png_decode(rgb, rgb_len);
    ck_assert_int_eq(pixels_differing(back, img, 0, 0, 0, 0, 320, 120), 0);
    cairo_surface_destroy(back);
    back = png_decode(png, len);
    long far = 0;
    for (int y = 0; y < 120; y++)
        for (int x = 0; x < 320; x++) {
            uint32_t a = pixel_at(img, x, y), b = pixel_at(back, x, y);
            int d = abs((int)(a >> 16 & 0xff) - (int)(b >> 16 & 0xff)) +
                    abs((int)(a >> 8 & 0xff) - (int)(b >> 8 & 0xff)) +
                    abs((int)(a & 0xff) - (int)(b & 0xff));
            far += d > 48;
        }
    ck_assert_msg(far < 320 * 120 / 500, "%ld pixels far from their colour", far);
    cairo_surface_destroy(back);
    free(png);
    free(rgb);
    /* four colours: exact */
    cairo_set_source_rgb(cr, 0, 0.447, 0.698);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, 10, 10, 50, 50);
    cairo_fill(cr);
    ck_assert(chart_image_png(img, true, &png, &len, err, sizeof err));
    back = png_decode(png, len);
    ck_assert_int_eq(pixels_differing(back, img, 0, 0, 0, 0, 320, 120), 0);
    cairo_surface_destroy(back);
    free(png);
    /* the same pixels, the same bytes */
    unsigned char *again = NULL;
    size_t again_len = 0;
    ck_assert(chart_image_png(img, true, &png, &len, err, sizeof err));
    ck_assert(chart_image_png(img, true, &again, &again_len, err, sizeof err));
    ck_assert(len == again_len && memcmp(png, again, len) == 0);
    free(png);
    free(again);
    cairo_destroy(cr);
    /* not an RGB24 image */
    cairo_surface_t *argb = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 10, 10);
    ck_assert(!chart_image_png(argb, true, &png, &len, err, sizeof err));
    ck_assert_ptr_null(png);
    ck_assert_msg(strstr(err, "RGB24") != NULL, "%s", err);
    cairo_surface_destroy(argb);
}
END_TEST

static Suite *chart_suite(void)
{
    Suite *s = suite_create("chart");
    TCase *pure = tcase_create("layout");
    tcase_add_loop_test(pure, ticks_table, 0, (int)N_ELEMS(tick_cases));
    tcase_add_test(pure, ticks_many_ranges);
    tcase_add_test(pure, ticks_axis_keeps_two_decimals_distinct);
    tcase_add_loop_test(pure, values_have_two_decimals, 0, (int)N_ELEMS(value_cases));
    tcase_add_test(pure, dates_parse_and_tick);
    tcase_add_test(pure, annotations_do_not_overlap);
    tcase_add_test(pure, arrow_convention);
    suite_add_tcase(s, pure);

    TCase *tc = tcase_create("render");
    tcase_add_checked_fixture(tc, ctx_setup, ctx_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, options_are_checked, 0, (int)N_ELEMS(bad_opts));
    tcase_add_test(tc, fonts_unknown_family_fails);
    tcase_add_test(tc, bad_inputs_fail_clearly);
    tcase_add_test(tc, long_labels_are_ellipsised);
    tcase_add_test(tc, ranking_order_and_colours);
    tcase_add_test(tc, ranking_of_151_branches_fits);
    tcase_add_loop_test(tc, png_size_is_width_times_scale, 0, (int)N_ELEMS(scales));
    tcase_add_loop_test(tc, same_bytes_twice, 0, 3);
    tcase_add_loop_test(tc, bytes_across_processes, 0, 3);
    tcase_add_loop_test(tc, svg_is_well_formed, 0, KIND_N);
    tcase_add_loop_test(tc, pdf_has_chinese_text, 0, 4);
    tcase_add_loop_test(tc, pixel_digests, 0, KIND_N);
    tcase_add_test(tc, bullet_takes_the_given_status);
    tcase_add_test(tc, bullet_judges_against_the_path);
    tcase_add_test(tc, trend_draws_the_path);
    tcase_add_test(tc, trend_phone_has_two_dates);
    tcase_add_test(tc, panorama_draws_the_given_arrows);
    tcase_add_test(tc, zones_at_risk_are_hatched);
    tcase_add_test(tc, pdf_with_a_character_the_font_lacks);
    suite_add_tcase(s, tc);

    TCase *draw = tcase_create("draw");
    tcase_add_checked_fixture(draw, ctx_setup, ctx_teardown);
    tcase_set_timeout(draw, 60);
    tcase_add_loop_test(draw, draw_at_the_origin_is_the_png, 0, KIND_N * (int)N_ELEMS(draw_scales));
    tcase_add_loop_test(draw, draw_stays_in_its_rectangle, 0, KIND_N + 1);
    tcase_add_test(draw, draw_two_charts_on_a_pdf_page);
    tcase_add_test(draw, draw_errors_are_reported);
    tcase_add_test(draw, sparkline_points_at_their_days);
    suite_add_tcase(s, draw);

    TCase *text = tcase_create("text");
    tcase_add_checked_fixture(text, ctx_setup, ctx_teardown);
    tcase_set_timeout(text, 60);
    tcase_add_test(text, text_lands_in_its_box);
    tcase_add_test(text, text_refuses_bad_arguments);
    tcase_add_test(text, text_extents_measured_again_are_the_same);
    tcase_add_test(text, text_on_a_pdf_reads_back);
    tcase_add_test(text, image_png_palette_and_rgb);
    suite_add_tcase(s, text);

    TCase *small = tcase_create("small");
    tcase_add_checked_fixture(small, ctx_setup, ctx_teardown);
    tcase_set_timeout(small, 120);
    tcase_add_loop_test(small, small_charts_stay_sane, 0, SMALL_KINDS);
    tcase_add_test(small, bullet_leaves_text_out_in_order);
    suite_add_tcase(s, small);
    return s;
}

int main(void)
{
    g_log_set_writer_func(count_bad_logs, NULL, NULL);
    SRunner *sr = srunner_create(chart_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
