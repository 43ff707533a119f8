#include "html.h"

#include <string.h>

void html_escape(struct buf *out, const char *text)
{
    for (const char *p = text ? text : ""; *p; p++) {
        switch (*p) {
        case '&':
            buf_puts(out, "&amp;");
            break;
        case '<':
            buf_puts(out, "&lt;");
            break;
        case '>':
            buf_puts(out, "&gt;");
            break;
        case '"':
            buf_puts(out, "&quot;");
            break;
        case '\'':
            buf_puts(out, "&#39;");
            break;
        default:
            buf_append(out, p, 1);
        }
    }
}

/* The value of the placeholder name[0..len) in pairs, or NULL. */
static const char *lookup(const char *const *pairs, const char *name, size_t len)
{
    for (const char *const *p = pairs; p[0]; p += 2)
        if (strlen(p[0]) == len && memcmp(p[0], name, len) == 0)
            return p[1] ? p[1] : "";
    return NULL;
}

bool html_fill(struct buf *out, const char *tmpl, const char *const *pairs)
{
    const char *p = tmpl;
    for (;;) {
        const char *open = strstr(p, "{{");
        if (!open) {
            buf_puts(out, p);
            return true;
        }
        buf_append(out, p, (size_t)(open - p));
        const char *close = strstr(open + 2, "}}");
        if (!close)
            return false;
        const char *value = lookup(pairs, open + 2, (size_t)(close - open - 2));
        if (!value)
            return false;
        html_escape(out, value);
        p = close + 2;
    }
}
