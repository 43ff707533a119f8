/* Benchmark helper (not a test): renders an 800x400 trend with Chinese
 * labels N times in one process, with one render context (fonts loaded
 * once), and prints the charts per second. Used by tests/bench/charts.
 *   bench_chart_warm [N] */
#include "chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define POINTS 120

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200;
    char err[300];
    chart_fonts *fonts = chart_fonts_new(NULL, err, sizeof err);
    chart_ctx *ctx = fonts ? chart_ctx_new(fonts, err, sizeof err) : NULL;
    if (!ctx) {
        fprintf(stderr, "bench_chart_warm: %s\n", err);
        return 1;
    }
    chart_point pts[POINTS];
    int32_t day0 = 0;
    chart_date_parse("2026-07-01", &day0);
    for (int i = 0; i < POINTS; i++)
        pts[i] = (chart_point){.day = day0 + i, .value = 0.80 + 0.05 * sin(i / 9.0)};
    chart_series series = {.name = "武汉分公司", .points = pts, .n = POINTS};
    chart_trend t = {.axis = CHART_AXIS_PERCENT,
                     .series = &series,
                     .nseries = 1,
                     .base = 0.77,
                     .challenge = 0.83,
                     .base_text = "基础目标",
                     .challenge_text = "挑战目标"};
    chart_opts o;
    chart_opts_default(&o);
    o.title = "湖北省公司 · 中高端客户保有率";
    size_t bytes = 0;
    double t0 = now();
    for (int i = 0; i < n; i++) {
        unsigned char *out = NULL;
        size_t len = 0;
        if (!chart_render_trend(ctx, &o, &t, &out, &len, err, sizeof err)) {
            fprintf(stderr, "bench_chart_warm: %s\n", err);
            return 1;
        }
        bytes = len;
        free(out);
    }
    double secs = now() - t0;
    printf("%d %.6f %zu\n", n, secs, bytes);
    chart_ctx_free(ctx);
    chart_fonts_free(fonts);
    return 0;
}
