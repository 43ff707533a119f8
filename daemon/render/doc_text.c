/* A document as plain text: see doc_text.h. */
#include "doc_text.h"

#include <string.h>

static void figures_text(const struct doc_block *b, struct buf *out)
{
    for (size_t i = 0; i < b->nfigures; i++) {
        const struct doc_figure *f = &b->figures[i];
        buf_printf(out, "%s: %s", f->label, f->value);
        if (*f->status)
            buf_printf(out, " %s", f->status);
        buf_puts(out, "\n");
        for (const char *line = f->detail; *line;) {
            size_t n = strcspn(line, "\n");
            buf_puts(out, "  ");
            buf_append(out, line, n);
            buf_puts(out, "\n");
            line += n + (line[n] == '\n');
        }
    }
}

static void row_text(const char *const *cells, size_t n, struct buf *out)
{
    for (size_t c = 0; c < n; c++) {
        if (c)
            buf_puts(out, " | ");
        /* a header split over two lines reads as one */
        for (const char *t = cells[c]; *t; t++)
            buf_append(out, *t == '\n' ? " " : t, 1);
    }
    buf_puts(out, "\n");
}

static void table_text(const struct doc_block *b, struct buf *out)
{
    const char *cells[32];
    size_t n = b->ncols < 32 ? b->ncols : 32;
    if (*b->text)
        buf_printf(out, "%s\n", b->text);
    for (size_t c = 0; c < n; c++)
        cells[c] = b->cols[c].header;
    row_text(cells, n, out);
    for (size_t r = 0; r < b->nrows; r++) {
        const struct doc_row *row = &b->rows[r];
        if (row->flags & DOC_ROW_GROUP) {
            buf_printf(out, "[%s]\n", row->cells[0].text);
            continue;
        }
        for (size_t c = 0; c < n; c++)
            cells[c] = row->cells[c].text;
        /* the reader's own row, then a highlighted one (the bulletin's
         * bottom five, named in a line above the table) */
        buf_puts(out, row->flags & DOC_ROW_OWN ? "> " : row->flags & DOC_ROW_HIGHLIGHT ? "* " : "");
        row_text(cells, n, out);
    }
}

void doc_text(const struct doc *d, struct buf *out)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct doc_block *b = &d->blocks[i];
        if (i)
            buf_puts(out, "\n");
        switch (b->kind) {
        case DOC_TITLE:
        case DOC_HEADING:
            buf_printf(out, "%s\n%s\n", b->text,
                       b->kind == DOC_TITLE ? "==========" : "----------");
            break;
        case DOC_NOTE:
            buf_printf(out, "%s%s\n", b->tone == DOC_WARN ? "! " : "", b->text);
            break;
        case DOC_FIGURES:
            figures_text(b, out);
            break;
        case DOC_TABLE:
            table_text(b, out);
            break;
        default:
            buf_printf(out, "%s\n", b->text);
        }
    }
}
