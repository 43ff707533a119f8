/* PNG encoding of an image surface into a byte buffer (libpng, rows
 * unfiltered, zlib level 3). */
#ifndef RETENTIOND_CHART_PNG_H
#define RETENTIOND_CHART_PNG_H

#include "chart_bytes.h"

#include <cairo.h>

/* Appends the RGB24 image surface `img` (flushed by the caller) as a PNG to
 * b. False with an error when encoding fails (b may then hold a part). */
bool chart_png_encode(cairo_surface_t *img, struct chart_bytes *b, char *err, size_t errlen);

#endif
