/* A document (doc.h) as mail HTML: one 600 px column of tables, inline
 * styles only (no <style>, no class: Outlook renders mail with Word, and
 * Gmail drops what it does not inline), every text escaped, no image and no
 * script. Legacy attributes (width, bgcolor, align, cellpadding) back the
 * styles up where Word reads only them.
 *
 * Ownership: the document is read; out receives the text. */
#ifndef RETENTIOND_DOC_HTML_H
#define RETENTIOND_DOC_HTML_H

#include "buf.h"
#include "doc.h"

#define DOC_HTML_WIDTH 600

/* Appends the whole document, from <!DOCTYPE html> to </html>. */
void doc_html(const struct doc *d, struct buf *out);

/* An image below the document, as wide as the column: the mail's MMS
 * picture, src "cid:..." (the message carries it by Content-ID). */
struct doc_html_image {
    const char *src;     /* escaped here */
    const char *alt;     /* the image's text alternative */
    const char *caption; /* a line above it, or NULL */
};

/* doc_html() with img below the last block. */
void doc_html_with_image(const struct doc *d, const struct doc_html_image *img, struct buf *out);

#endif
