/* UTF-8 for text that comes from clients: whether bytes are well-formed
 * UTF-8, and a printable copy of bytes that may not be (for a JSON string,
 * which jansson refuses unless it is valid UTF-8).
 *
 * Ownership: nothing is kept; the caller owns every buffer. */
#ifndef RETENTIOND_UTF8_H
#define RETENTIOND_UTF8_H

#include "buf.h"

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). A NUL byte is valid UTF-8: callers
 * that need C strings check for it themselves. */
bool utf8_valid(const char *s, size_t n);

/* Appends s[0..n) to out, every byte that is not part of a well-formed
 * sequence, and every NUL, written as the four characters \xNN (lower-case
 * hex): what is appended is valid UTF-8 without NUL bytes. */
void utf8_escape(struct buf *out, const char *s, size_t n);

#endif
