/* CSV text (RFC 4180): a field is written as it is unless it holds a comma,
 * a double quote, a CR or an LF; then it is quoted and its quotes doubled.
 *
 * Ownership: text is appended to the caller's buffer. */
#ifndef RETENTIOND_CSV_H
#define RETENTIOND_CSV_H

#include "buf.h"

void csv_field(struct buf *out, const char *text);

#endif
