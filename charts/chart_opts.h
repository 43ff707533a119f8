/* Options: chart_opts_default() and chart_opts_check() (declared in
 * chart.h), and the check of what a drawing into a caller's cairo_t takes
 * from them. */
#ifndef RETENTIOND_CHART_OPTS_H
#define RETENTIOND_CHART_OPTS_H

#include "chart.h"

/* For chart_draw_*(): opts present with known arrows (its width, height,
 * scale and format are not used), and `where` a rectangle of finite origin
 * whose width and height are within 16..4096. False with an error naming
 * the field otherwise. */
bool chart_opts_check_rect(const chart_opts *opts, const chart_rect *where, char *err,
                           size_t errlen);

#endif
