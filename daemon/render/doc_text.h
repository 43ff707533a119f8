/* A document (doc.h) as plain text: the text/plain part of a mail, for
 * readers whose client shows no HTML. The same blocks and words as the
 * HTML, one per paragraph: headings underlined, key figures as
 * "label: value status", table rows as cells joined by " | ".
 *
 * Ownership: the document is read; out receives the text (UTF-8, "\n"
 * line ends). */
#ifndef RETENTIOND_DOC_TEXT_H
#define RETENTIOND_DOC_TEXT_H

#include "buf.h"
#include "doc.h"

void doc_text(const struct doc *d, struct buf *out);

#endif
