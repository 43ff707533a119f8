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

#endif
