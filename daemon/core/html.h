/* HTML for the daemon's few server-filled pages: escaping and a template
 * whose {{name}} placeholders take escaped values.
 *
 * Ownership: strings are borrowed for the call; out receives the text. */
#ifndef RETENTIOND_HTML_H
#define RETENTIOND_HTML_H

#include "buf.h"

#include <stdbool.h>

/* text with & < > " ' as character references: safe in element content
 * and in quoted attribute values. NULL reads as "". */
void html_escape(struct buf *out, const char *text);

/* tmpl with every {{name}} replaced by the escaped value of name in pairs
 * (name, value, name, value, ..., NULL). False (out then undefined) when a
 * placeholder has no value or is not closed: a page must not go out with
 * a hole in it. */
bool html_fill(struct buf *out, const char *tmpl, const char *const *pairs);

#endif
