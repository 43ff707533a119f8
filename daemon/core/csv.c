#include "csv.h"

#include <string.h>

void csv_field(struct buf *out, const char *text)
{
    if (!strpbrk(text, ",\"\r\n")) {
        buf_puts(out, text);
        return;
    }
    buf_puts(out, "\"");
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            buf_puts(out, "\"");
        buf_append(out, p, 1);
    }
    buf_puts(out, "\"");
}

void csv_text(struct buf *out, const char *text)
{
    if (!text[0] || !strchr("=+-@\t\r", text[0])) {
        csv_field(out, text);
        return;
    }
    struct buf quoted = BUF_INIT;
    buf_puts(&quoted, "'");
    buf_puts(&quoted, text);
    csv_field(out, quoted.data);
    buf_release(&quoted);
}
