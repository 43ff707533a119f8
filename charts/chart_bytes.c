/* A growable byte buffer for the output of one render. */
#include "chart_bytes.h"

#include <stdlib.h>
#include <string.h>

bool chart_bytes_append(struct chart_bytes *b, const unsigned char *data, size_t len)
{
    if (b->failed)
        return false;
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 16384;
        while (cap < b->len + len)
            cap *= 2;
        unsigned char *p = realloc(b->data, cap);
        if (p == NULL) {
            b->failed = true;
            return false;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return true;
}

cairo_status_t chart_bytes_write(void *closure, const unsigned char *data, unsigned int len)
{
    return chart_bytes_append(closure, data, len) ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

void chart_bytes_release(struct chart_bytes *b)
{
    free(b->data);
    *b = (struct chart_bytes){0};
}
