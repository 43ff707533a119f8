/* A growable byte buffer: the output of one render (PNG, SVG or PDF). The
 * buffer owns `data` until its owner takes it (and zeroes the struct) or
 * calls chart_bytes_release(). */
#ifndef RETENTIOND_CHART_BYTES_H
#define RETENTIOND_CHART_BYTES_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>

struct chart_bytes {
    unsigned char *data; /* malloc'd, NULL while empty */
    size_t len, cap;
    bool failed; /* an allocation failed: the contents are incomplete */
};

/* Appends; false (and b->failed) when memory runs out. */
bool chart_bytes_append(struct chart_bytes *b, const unsigned char *data, size_t len);
/* A cairo_write_func_t appending to the struct chart_bytes `closure`. */
cairo_status_t chart_bytes_write(void *closure, const unsigned char *data, unsigned int len);
/* Frees the data and empties b. */
void chart_bytes_release(struct chart_bytes *b);

#endif
