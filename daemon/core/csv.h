/* CSV text (RFC 4180): a field is written as it is unless it holds a comma,
 * a double quote, a CR or an LF; then it is quoted and its quotes doubled.
 *
 * Ownership: text is appended to the caller's buffer. */
#ifndef RETENTIOND_CSV_H
#define RETENTIOND_CSV_H

#include "buf.h"

void csv_field(struct buf *out, const char *text);

/* A text cell for a spreadsheet: as csv_field(), but a text that a
 * spreadsheet would take for a formula (starting with = + - @, a tab or a
 * CR) gets a leading apostrophe first (OWASP's CSV injection advice). */
void csv_text(struct buf *out, const char *text);

#endif
