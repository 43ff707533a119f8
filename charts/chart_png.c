/* PNG encoding of the image surface. cairo_surface_write_to_png_stream()
 * uses libpng's defaults (every filter tried on every row, zlib level 6):
 * 80 % of the time of an 800x400 chart. Charts are flat colour with
 * antialiased edges, where no row filter pays: unfiltered rows at zlib
 * level 3 are 10-19 % smaller than SUB-filtered ones (the demo's trend,
 * ranking, bullet, zones and panorama; the benchmark's trend) and a fifth
 * faster to encode. */
#include "chart_png.h"

#include "chart.h"
#include "chart_err.h"

#include <math.h>
#include <png.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void png_write_cb(png_structp png, png_bytep data, size_t len)
{
    struct chart_bytes *b = png_get_io_ptr(png);
    if (!chart_bytes_append(b, data, len))
        png_error(png, "out of memory");
}

static void png_flush_cb(png_structp png)
{
    (void)png;
}

/* xRGB words (cairo's RGB24, native endian) to RGB bytes. */
static void row_to_rgb(const unsigned char *src, int w, unsigned char *dst)
{
    const uint32_t *px = (const uint32_t *)(const void *)src;
    for (int x = 0; x < w; x++) {
        dst[3 * x] = (unsigned char)(px[x] >> 16);
        dst[3 * x + 1] = (unsigned char)(px[x] >> 8);
        dst[3 * x + 2] = (unsigned char)px[x];
    }
}

bool chart_png_encode(cairo_surface_t *img, struct chart_bytes *b, char *err, size_t errlen)
{
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *data = cairo_image_surface_get_data(img);
    unsigned char *volatile row = NULL;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png == NULL ? NULL : png_create_info_struct(png);
    if (info == NULL || (row = malloc((size_t)w * 3)) == NULL)
        goto failed;
    if (setjmp(png_jmpbuf(png)))
        goto failed;
    png_set_write_fn(png, b, png_write_cb, png_flush_cb);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_set_compression_level(png, 3);
    png_write_info(png, info);
    for (int y = 0; y < h; y++) {
        row_to_rgb(data + (size_t)y * (size_t)stride, w, row);
        png_write_row(png, row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    return true;
failed:
    png_destroy_write_struct(&png, &info);
    free(row);
    chart_err(err, errlen, "png: encoding failed (out of memory?)");
    return false;
}

/* ---- a caller's image, and palette images (chart.h: chart_image_png) ----
 * A page of text (a bulletin for MMS) is mostly a few colours and their
 * antialiased edges: with at most 256 colours as indexes into a palette it
 * is several times smaller than as RGB. An image of at most 256 colours is
 * written exactly; a larger one is quantized by popularity: the 256 most
 * frequent of 32768 bins (5 bits a channel), each the mean of its pixels,
 * every pixel mapped to the palette colour nearest its bin's mean. */

#define PAL_BINS  32768
#define PAL_SLOTS 1024 /* the exact colours' hash: 4 slots a colour at most */

struct palette {
    png_color colour[256];
    int n;
    int16_t *index; /* quantized: by bin, the palette index */
    bool exact;     /* the image's own colours, found through the slots */
    uint32_t slot_rgb[PAL_SLOTS];
    int16_t slot_index[PAL_SLOTS]; /* -1: empty */
};

static unsigned px_bin(uint32_t px)
{
    return (px >> 9 & 0x7c00) | (px >> 6 & 0x03e0) | (px >> 3 & 0x001f);
}

/* The slot of colour c: its own, or the empty one where it would go. */
static unsigned exact_slot(const struct palette *p, uint32_t c)
{
    unsigned i = (c * 2654435761u) >> 22;
    while (p->slot_index[i] >= 0 && p->slot_rgb[i] != c)
        i = (i + 1) % PAL_SLOTS;
    return i;
}

/* The image's colours when there are at most 256 (false otherwise), in
 * order of first appearance. A pixel of its left neighbour's colour (most
 * of a page of text: runs of white) is not looked up again. */
static bool palette_exact(const unsigned char *data, int w, int h, int stride, struct palette *p)
{
    p->n = 0;
    memset(p->slot_index, 0xff, sizeof p->slot_index);
    for (int y = 0; y < h; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < w; x++) {
            uint32_t c = row[x] & 0xffffff;
            if (x > 0 && c == (row[x - 1] & 0xffffff))
                continue;
            unsigned i = exact_slot(p, c);
            if (p->slot_index[i] >= 0)
                continue;
            if (p->n == 256)
                return false;
            p->slot_rgb[i] = c;
            p->slot_index[i] = (int16_t)p->n;
            p->colour[p->n++] = (png_color){(png_byte)(c >> 16), (png_byte)(c >> 8), (png_byte)c};
        }
    }
    p->exact = true;
    return true;
}

struct bin {
    uint32_t count;
    uint64_t sum[3];
};

static int by_key(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The nearest palette colour to c. */
static int palette_nearest(const struct palette *p, const double c[3])
{
    int best = 0;
    double best_d = INFINITY;
    for (int k = 0; k < p->n; k++) {
        double dr = p->colour[k].red - c[0], dg = p->colour[k].green - c[1],
               db = p->colour[k].blue - c[2];
        double d = 2 * dr * dr + 4 * dg * dg + 3 * db * db;
        if (d < best_d) {
            best_d = d;
            best = k;
        }
    }
    return best;
}

/* The 256 most popular bins' means, and each bin's nearest of them. False
 * when memory runs out. */
static bool palette_popular(const unsigned char *data, int w, int h, int stride, struct palette *p,
                            struct bin *bins)
{
    uint64_t *order = malloc(PAL_BINS * sizeof *order); /* (UINT32_MAX - count) << 16 | bin */
    if (order == NULL)
        return false;
    for (int y = 0; y < h; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < w; x++) {
            struct bin *b = &bins[px_bin(row[x])];
            b->count++;
            b->sum[0] += row[x] >> 16 & 0xff;
            b->sum[1] += row[x] >> 8 & 0xff;
            b->sum[2] += row[x] & 0xff;
        }
    }
    for (unsigned i = 0; i < PAL_BINS; i++)
        order[i] = (uint64_t)(UINT32_MAX - bins[i].count) << 16 | i;
    qsort(order, PAL_BINS, sizeof *order, by_key); /* most pixels first, then by bin */
    for (p->n = 0; p->n < 256 && bins[order[p->n] & 0xffff].count > 0; p->n++) {
        const struct bin *b = &bins[order[p->n] & 0xffff];
        p->colour[p->n] = (png_color){(png_byte)((b->sum[0] + b->count / 2) / b->count),
                                      (png_byte)((b->sum[1] + b->count / 2) / b->count),
                                      (png_byte)((b->sum[2] + b->count / 2) / b->count)};
    }
    for (unsigned i = 0; i < PAL_BINS; i++) {
        const struct bin *b = &bins[i];
        double mean[3] = {0, 0, 0};
        for (int c = 0; b->count > 0 && c < 3; c++)
            mean[c] = (double)b->sum[c] / b->count;
        p->index[i] = (int16_t)(b->count > 0 ? palette_nearest(p, mean) : 0);
    }
    free(order);
    return true;
}

/* A row as palette indexes (a pixel of its left neighbour's colour: the
 * same index, not looked up again). */
static void row_to_index(const struct palette *p, const unsigned char *src, int w,
                         unsigned char *dst)
{
    const uint32_t *px = (const uint32_t *)(const void *)src;
    for (int x = 0; x < w; x++) {
        if (x > 0 && (px[x] & 0xffffff) == (px[x - 1] & 0xffffff))
            dst[x] = dst[x - 1];
        else if (p->exact)
            dst[x] = (unsigned char)p->slot_index[exact_slot(p, px[x] & 0xffffff)];
        else
            dst[x] = (unsigned char)p->index[px_bin(px[x])];
    }
}

static bool png_encode_indexed(cairo_surface_t *img, const struct palette *p, struct chart_bytes *b)
{
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *data = cairo_image_surface_get_data(img);
    unsigned char *volatile row = NULL;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png == NULL ? NULL : png_create_info_struct(png);
    if (info == NULL || (row = malloc((size_t)w)) == NULL)
        goto failed;
    if (setjmp(png_jmpbuf(png)))
        goto failed;
    png_set_write_fn(png, b, png_write_cb, png_flush_cb);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_PALETTE,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_PLTE(png, info, p->colour, p->n);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_set_compression_level(png, 6); /* 9: 6 % smaller, 3x the time */
    png_write_info(png, info);
    for (int y = 0; y < h; y++) {
        row_to_index(p, data + (size_t)y * (size_t)stride, w, row);
        png_write_row(png, row);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(row);
    return true;
failed:
    png_destroy_write_struct(&png, &info);
    free(row);
    return false;
}

/* The image as a palette PNG into b. */
static bool png_encode_palette(cairo_surface_t *img, struct chart_bytes *b)
{
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *data = cairo_image_surface_get_data(img);
    struct palette *p = calloc(1, sizeof *p);
    struct bin *bins = NULL;
    if (p == NULL)
        return false;
    bool ok = palette_exact(data, w, h, stride, p);
    if (!ok) {
        bins = calloc(PAL_BINS, sizeof *bins);
        p->index = malloc(PAL_BINS * sizeof *p->index);
        ok = bins && p->index && palette_popular(data, w, h, stride, p, bins);
    }
    ok = ok && png_encode_indexed(img, p, b);
    free(bins);
    free(p->index);
    free(p);
    return ok;
}

bool chart_image_png(cairo_surface_t *image, bool palette, unsigned char **out, size_t *len,
                     char *err, size_t errlen)
{
    struct chart_bytes b = {0};
    *out = NULL;
    *len = 0;
    if (image == NULL || cairo_surface_status(image) != CAIRO_STATUS_SUCCESS ||
        cairo_surface_get_type(image) != CAIRO_SURFACE_TYPE_IMAGE ||
        cairo_image_surface_get_format(image) != CAIRO_FORMAT_RGB24 ||
        cairo_image_surface_get_width(image) < 1 || cairo_image_surface_get_height(image) < 1) {
        chart_err(err, errlen, "png: not an RGB24 image surface");
        return false;
    }
    cairo_surface_flush(image);
    bool ok = palette ? png_encode_palette(image, &b) : chart_png_encode(image, &b, err, errlen);
    if (!ok || b.failed) {
        chart_err(err, errlen, "png: encoding failed (out of memory?)");
        chart_bytes_release(&b);
        return false;
    }
    *out = b.data;
    *len = b.len;
    return true;
}
