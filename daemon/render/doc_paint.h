/* A document (doc.h) drawn with cairo: an A4 PDF of pages, or one PNG as
 * tall as the document, for MMS. Both lay the blocks out the same way (top
 * to bottom, tables row by row, key figures a few to a row), with their
 * own sizes: points on A4, pixels on a 640 px image. Text goes through the
 * chart library (chart_text_draw): Chinese is embedded in the PDF as Type 3
 * fonts with its text (pdftotext reads it), never through cairo's CFF
 * subsetter (see docs/charts.md, Known issues).
 *
 * The same document gives the same bytes: the PDF's dates are the
 * document's date (doc->date), or SOURCE_DATE_EPOCH when it is set (the
 * reproducible-builds convention: seconds since 1970, UTC); nothing of the
 * clock is written.
 *
 * Ownership: the document is read during the call; on success *out is a
 * malloc'd buffer the caller frees with free(). The chart context is used
 * as for a chart (one thread at a time). */
#ifndef RETENTIOND_DOC_PAINT_H
#define RETENTIOND_DOC_PAINT_H

#include "chart.h"
#include "doc.h"

#include <stdbool.h>
#include <stddef.h>

/* A4 portrait, in points. */
#define DOC_A4_WIDTH  595.276
#define DOC_A4_HEIGHT 841.890

/* The widest PNG (an MMS "rich" image: 640 x 480, OMA) and the default
 * byte budget (OMA's 100 KB class; carriers often take 300 KB). */
#define DOC_PNG_WIDTH  640
#define DOC_PNG_BUDGET 100000

/* The PDF: A4 portrait pages; tables break between rows, their header
 * repeated on the next page; a heading (and a kept note) stays on the page
 * of the block after it. Every page ends with doc->footer and its number
 * (doc->page_text, "{n}" the page, "{m}" the pages). False with an error
 * when cairo fails. */
bool doc_paint_pdf(const struct doc *d, chart_ctx *ctx, unsigned char **out, size_t *len, char *err,
                   size_t errlen);

/* How a PNG was fitted into its byte budget. */
struct doc_png_fit {
    size_t blocks;     /* the document's */
    size_t dropped;    /* left out, from the end (0: the whole document) */
    size_t full_bytes; /* the whole document's PNG (0 when it was not encoded: too tall) */
    int height;        /* the image's, pixels */
};

/* The PNG, `width` pixels wide (320..DOC_PNG_WIDTH; 0: DOC_PNG_WIDTH), at
 * most `budget` bytes (0: DOC_PNG_BUDGET). When the whole document is
 * larger, blocks are left out from the end (never leaving a heading last)
 * and a last line says how many sections (headings; blocks when none is
 * left out) are missing (doc->cut_text, "{n}"): *fit tells. False
 * with an error when even the first block does not fit, or cairo fails. */
bool doc_paint_png(const struct doc *d, chart_ctx *ctx, int width, size_t budget,
                   unsigned char **out, size_t *len, struct doc_png_fit *fit, char *err,
                   size_t errlen);

#endif
