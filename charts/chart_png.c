/* PNG encoding of the image surface. cairo_surface_write_to_png_stream()
 * uses libpng's defaults (every filter tried on every row, zlib level 6):
 * 80 % of the time of an 800x400 chart. Charts are flat colour with
 * antialiased edges, where no row filter pays: unfiltered rows at zlib
 * level 3 are 10-19 % smaller than SUB-filtered ones (the demo's trend,
 * ranking, bullet, zones and panorama; the benchmark's trend) and a fifth
 * faster to encode. */
#include "chart_png.h"

#include "chart_err.h"

#include <png.h>
#include <stdint.h>
#include <stdlib.h>
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
