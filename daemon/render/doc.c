#include "doc.h"

#include "buf.h"
#include "mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t doc_tone_text(enum doc_tone tone)
{
    static const uint32_t rgb[] = {0x222222, 0x5f5f5f, 0xa94700, 0x007a5a, 0x005a9c};
    return rgb[tone];
}

uint32_t doc_tone_edge(enum doc_tone tone)
{
    static const uint32_t rgb[] = {0xbbbbbb, 0xbbbbbb, 0xd55e00, 0x009e73, 0x0072b2};
    return rgb[tone];
}

static char *dup(const char *s)
{
    return xstrdup(s ? s : "");
}

struct doc *doc_new(const char *lang, const char *title, const char *date)
{
    struct doc *d = xcalloc(1, sizeof *d);
    d->lang = dup(lang);
    d->title = dup(title);
    d->date = dup(date);
    d->footer = dup(NULL);
    d->page_text = dup("{n} / {m}");
    d->cut_text = dup("(+{n})");
    return d;
}

static void block_free(struct doc_block *b)
{
    free(b->text);
    for (size_t i = 0; i < b->nfigures; i++) {
        free(b->figures[i].label);
        free(b->figures[i].value);
        free(b->figures[i].status);
        free(b->figures[i].detail);
    }
    free(b->figures);
    for (size_t r = 0; r < b->nrows; r++) {
        size_t n = b->rows[r].flags & DOC_ROW_GROUP ? 1 : b->ncols;
        for (size_t c = 0; c < n; c++)
            free(b->rows[r].cells[c].text);
        free(b->rows[r].cells);
    }
    free(b->rows);
    for (size_t c = 0; c < b->ncols; c++)
        free(b->cols[c].header);
    free(b->cols);
    for (size_t c = 0; c < b->ncharts; c++)
        (b->charts[c].release ? b->charts[c].release : free)(b->charts[c].data);
    free(b->charts);
}

void doc_free(struct doc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        block_free(&d->blocks[i]);
    free(d->blocks);
    free(d->lang);
    free(d->title);
    free(d->date);
    free(d->footer);
    free(d->page_text);
    free(d->cut_text);
    free(d->running_text);
    free(d);
}

void doc_set_pages(struct doc *d, const char *footer, const char *page_text, const char *cut_text)
{
    free(d->footer);
    free(d->page_text);
    free(d->cut_text);
    d->footer = dup(footer);
    d->page_text = dup(page_text);
    d->cut_text = dup(cut_text);
}

void doc_set_running(struct doc *d, const char *running_text)
{
    free(d->running_text);
    d->running_text = running_text ? dup(running_text) : NULL;
}

static struct doc_block *add(struct doc *d, enum doc_kind kind, const char *text)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->blocks = xrealloc(d->blocks, d->cap * sizeof *d->blocks);
    }
    struct doc_block *b = &d->blocks[d->n++];
    *b = (struct doc_block){.kind = kind, .text = dup(text)};
    return b;
}

/* The last block, which must be of `kind`. */
static struct doc_block *last(struct doc *d, enum doc_kind kind)
{
    if (d->n == 0 || d->blocks[d->n - 1].kind != kind)
        abort(); /* a builder called out of order: a programming error */
    return &d->blocks[d->n - 1];
}

void doc_title(struct doc *d, const char *text)
{
    add(d, DOC_TITLE, text);
}

void doc_subtitle(struct doc *d, const char *text)
{
    add(d, DOC_SUBTITLE, text)->tone = DOC_MUTED;
}

void doc_heading(struct doc *d, const char *text)
{
    add(d, DOC_HEADING, text)->keep = true;
}

void doc_note(struct doc *d, enum doc_tone tone, const char *text, bool keep)
{
    struct doc_block *b = add(d, DOC_NOTE, text);
    b->tone = tone;
    b->keep = keep;
}

void doc_figures(struct doc *d, int per_row)
{
    add(d, DOC_FIGURES, NULL)->per_row = per_row < 1 ? 1 : per_row > 6 ? 6 : per_row;
}

void doc_figure(struct doc *d, const char *label, const char *value, enum doc_tone tone,
                const char *status, const char *detail)
{
    struct doc_block *b = last(d, DOC_FIGURES);
    b->figures = xrealloc(b->figures, (b->nfigures + 1) * sizeof *b->figures);
    b->figures[b->nfigures++] = (struct doc_figure){.label = dup(label),
                                                    .value = dup(value),
                                                    .status = dup(status),
                                                    .detail = dup(detail),
                                                    .tone = tone};
}

void doc_table(struct doc *d, const char *caption, const struct doc_column_spec *cols, size_t ncols)
{
    if (ncols < 1 || ncols > 16)
        abort();
    struct doc_block *b = add(d, DOC_TABLE, caption);
    b->cols = xcalloc(ncols, sizeof *b->cols);
    b->ncols = ncols;
    for (size_t c = 0; c < ncols; c++)
        b->cols[c] = (struct doc_column){.header = dup(cols[c].header),
                                         .align = cols[c].align,
                                         .width = cols[c].width > 0 ? cols[c].width : 1};
}

void doc_column_nowrap(struct doc *d, size_t col)
{
    struct doc_block *b = last(d, DOC_TABLE);
    if (col >= b->ncols)
        abort();
    b->cols[col].nowrap = true;
}

void doc_row(struct doc *d, unsigned flags, const struct doc_cell_spec *cells)
{
    struct doc_block *b = last(d, DOC_TABLE);
    size_t n = flags & DOC_ROW_GROUP ? 1 : b->ncols;
    struct doc_row r = {.flags = flags, .cells = xcalloc(n, sizeof *r.cells)};
    for (size_t c = 0; c < n; c++)
        r.cells[c] = (struct doc_cell){.text = dup(cells[c].text), .tone = cells[c].tone};
    if ((b->nrows & (b->nrows - 1)) == 0) /* 0, 1, 2, 4, ...: grow by doubling */
        b->rows = xrealloc(b->rows, (b->nrows ? b->nrows * 2 : 1) * sizeof *b->rows);
    b->rows[b->nrows++] = r;
}

void doc_charts(struct doc *d, double aspect, const char *text)
{
    add(d, DOC_CHARTS, text)->aspect = aspect > 0 ? aspect : 0.3;
}

void doc_chart(struct doc *d, doc_draw_fn draw, void *data, void (*release)(void *data))
{
    struct doc_block *b = last(d, DOC_CHARTS);
    b->charts = xrealloc(b->charts, (b->ncharts + 1) * sizeof *b->charts);
    b->charts[b->ncharts++] = (struct doc_chart){.draw = draw, .data = data, .release = release};
}

size_t doc_next_block(const struct doc *d)
{
    return d->n;
}

void doc_page_ref(struct doc *d, size_t table, size_t row, size_t heading)
{
    struct doc_block *b = &d->blocks[table];
    struct doc_row *r = &b->rows[row];
    r->cells[r->flags & DOC_ROW_GROUP ? 0 : b->ncols - 1].page_of = heading;
}

bool doc_keep_with_next(const struct doc *d, size_t i)
{
    return i < d->n && d->blocks[i].keep;
}

/* The value of name[0..len) in pairs, or NULL. */
static const char *fill_lookup(const char *const *pairs, const char *name, size_t len)
{
    for (const char *const *p = pairs; p[0]; p += 2)
        if (strlen(p[0]) == len && memcmp(p[0], name, len) == 0)
            return p[1] ? p[1] : "";
    return NULL;
}

char *doc_fill(const char *tmpl, const char *const *pairs)
{
    struct buf out = BUF_INIT;
    const char *p = tmpl ? tmpl : "";
    for (;;) {
        const char *open = strchr(p, '{');
        const char *close = open ? strchr(open + 1, '}') : NULL;
        if (!close) {
            buf_puts(&out, p);
            break;
        }
        const char *value = fill_lookup(pairs, open + 1, (size_t)(close - open - 1));
        buf_append(&out, p, (size_t)(open - p));
        if (value)
            buf_puts(&out, value);
        else
            buf_append(&out, open, (size_t)(close - open + 1));
        p = close + 1;
    }
    return buf_detach(&out, NULL);
}

void doc_count(struct buf *out, double x, bool sign)
{
    long long n = llround(x);
    char digits[32];
    int nd = snprintf(digits, sizeof digits, "%lld", n < 0 ? -n : n);
    buf_puts(out, n < 0 ? "-" : sign && n > 0 ? "+" : "");
    for (int i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            buf_puts(out, ",");
        buf_append(out, &digits[i], 1);
    }
}
