/* chart_ctx_prepare() (see chart.h): a sample trend rendered and thrown
 * away, to warm a context before its first chart. It lives above the chart
 * kinds (it renders a trend), not in chart_ctx.c: the kinds draw with what
 * chart_ctx.c makes, so the context module must not call a kind back. Its
 * public face is chart.h: it has no private header. */
#include "chart.h"

#include <math.h>
#include <stdlib.h>

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
