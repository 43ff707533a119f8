#include "utf8.h"

#include <stdio.h>

/* The length of the well-formed sequence at p (n bytes left), 0 when the
 * byte at p does not start one. */
static size_t sequence_length(const unsigned char *p, size_t n)
{
    unsigned char lo = 0x80, hi = 0xbf; /* the range of the second byte */
    size_t len;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        len = 2;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        len = 3;
        lo = p[0] == 0xe0 ? 0xa0 : lo; /* overlong */
        hi = p[0] == 0xed ? 0x9f : hi; /* surrogates */
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        len = 4;
        lo = p[0] == 0xf0 ? 0x90 : lo; /* overlong */
        hi = p[0] == 0xf4 ? 0x8f : hi; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return len;
}

bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = sequence_length(p + i, n - i);
        if (len == 0)
            return false;
        i += len;
    }
    return true;
}

void utf8_escape(struct buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    buf_append(out, "", 0);
    for (size_t i = 0; i < n;) {
        size_t len = sequence_length(p + i, n - i);
        if (len == 0 || p[i] == '\0') {
            buf_printf(out, "\\x%02x", p[i]);
            i++;
        } else {
            buf_append(out, p + i, len);
            i += len;
        }
    }
}
