/* Options of a chart: defaults and range checks. */
#include "chart_opts.h"

#include "chart_err.h"

#include <math.h>

void chart_opts_default(chart_opts *opts)
{
    *opts = (chart_opts){.width = 800,
                         .height = 400,
                         .scale = 1.0,
                         .format = CHART_PNG,
                         .arrows = CHART_ARROWS_CN,
                         .title = NULL};
}

static bool arrows_check(chart_arrows arrows, char *err, size_t errlen)
{
    if (arrows != CHART_ARROWS_CN && arrows != CHART_ARROWS_INTL) {
        chart_err(err, errlen, "arrows: %d is not CN or INTL", (int)arrows);
        return false;
    }
    return true;
}

bool chart_opts_check(const chart_opts *opts, char *err, size_t errlen)
{
    if (opts == NULL) {
        chart_err(err, errlen, "options are missing");
        return false;
    }
    if (opts->width < 16 || opts->width > 4096) {
        chart_err(err, errlen, "width: %d is outside 16..4096", opts->width);
        return false;
    }
    if (opts->height < 16 || opts->height > 4096) {
        chart_err(err, errlen, "height: %d is outside 16..4096", opts->height);
        return false;
    }
    if (!(opts->scale >= 0.5 && opts->scale <= 4.0)) {
        chart_err(err, errlen, "scale: %g is outside 0.5..4", opts->scale);
        return false;
    }
    if (opts->format != CHART_PNG && opts->format != CHART_SVG && opts->format != CHART_PDF) {
        chart_err(err, errlen, "format: %d is not PNG, SVG or PDF", (int)opts->format);
        return false;
    }
    return arrows_check(opts->arrows, err, errlen);
}

bool chart_opts_check_rect(const chart_opts *opts, const chart_rect *where, char *err,
                           size_t errlen)
{
    if (opts == NULL) {
        chart_err(err, errlen, "options are missing");
        return false;
    }
    if (where == NULL) {
        chart_err(err, errlen, "where: the rectangle is missing");
        return false;
    }
    if (!isfinite(where->x) || !isfinite(where->y)) {
        chart_err(err, errlen, "where: origin %g,%g is not finite", where->x, where->y);
        return false;
    }
    if (!(where->w >= 16 && where->w <= 4096)) {
        chart_err(err, errlen, "where: width %g is outside 16..4096", where->w);
        return false;
    }
    if (!(where->h >= 16 && where->h <= 4096)) {
        chart_err(err, errlen, "where: height %g is outside 16..4096", where->h);
        return false;
    }
    return arrows_check(opts->arrows, err, errlen);
}
