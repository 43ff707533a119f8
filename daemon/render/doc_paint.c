#include "doc_paint.h"

#include "buf.h"
#include "mem.h"

#include <cairo-pdf.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- styles: the sizes of one output --------------------------------------------------------- */

struct style {
    double page_w, page_h; /* page_h 0: one page as tall as the document */
    double mx, mt, mb;     /* margins: each side, top, bottom (a page's footer is in it) */
    double title, subtitle, heading, note, caption, table, foot; /* text sizes */
    double label, value, status, detail;                         /* a figure card's */
    double pad;                                                  /* a table cell's padding */
    double gap;                                                  /* between blocks */
    double card_pad, card_gap, edge;
    double rule; /* a hairline's width */
};

/* A4 in points: body text 8-9 pt. Few sizes: a PDF holds the glyphs it
 * uses once per size and weight (Type 3 fonts). */
static const struct style pdf_style = {.page_w = DOC_A4_WIDTH,
                                       .page_h = DOC_A4_HEIGHT,
                                       .mx = 42,
                                       .mt = 42,
                                       .mb = 48,
                                       .title = 16,
                                       .subtitle = 9,
                                       .heading = 12,
                                       .note = 9,
                                       .caption = 9,
                                       .table = 8,
                                       .foot = 8,
                                       .label = 8,
                                       .value = 16,
                                       .status = 9,
                                       .detail = 8,
                                       .pad = 2.6,
                                       .gap = 10,
                                       .card_pad = 6,
                                       .card_gap = 6,
                                       .edge = 2.5,
                                       .rule = 0.5};

/* A phone shows a 640 px image about 390 px wide: 19 px text reads as 12. */
static const struct style png_style = {.page_w = DOC_PNG_WIDTH,
                                       .page_h = 0,
                                       .mx = 16,
                                       .mt = 20,
                                       .mb = 20,
                                       .title = 32,
                                       .subtitle = 19,
                                       .heading = 25,
                                       .note = 20,
                                       .caption = 20,
                                       .table = 19,
                                       .foot = 18,
                                       .label = 18,
                                       .value = 34,
                                       .status = 19,
                                       .detail = 18,
                                       .pad = 5,
                                       .gap = 18,
                                       .card_pad = 9,
                                       .card_gap = 6,
                                       .edge = 5,
                                       .rule = 1};

/* ---- a layout pass --------------------------------------------------------------------------- */

/* One pass over the blocks: measuring only (cr NULL) or drawing. */
struct lay {
    const struct doc *d;
    const struct style *st;
    chart_ctx *ctx;
    cairo_t *cr;          /* NULL: measure */
    double cw;            /* the content's width */
    double y;             /* where the next thing goes */
    int page;             /* the current page, from 1 */
    int pages;            /* the pages in all (known when drawing a PDF) */
    double *ends;         /* each block's bottom (d->n) */
    int *page_of;         /* each block's last page, from the measuring pass (d->n) */
    struct table *tables; /* each table block's geometry, made on first use (d->n) */
    const char *section;  /* the last heading laid out (the running head's) */
    bool heading_next;    /* the block about to be laid out is a heading */
    bool failed;          /* a text was refused (not UTF-8?), or a chart */
    char chart_err[200];  /* why a chart failed ("" none) */
};

#define INK      0x222222u
#define RULE     0xddddddu
#define RULE_INK 0x999999u

static double text_h(struct lay *l, const char *s, double size, bool bold, double wrap)
{
    double w, h;
    if (!chart_text_extent(l->ctx, s, size, bold, wrap, &w, &h))
        l->failed = true;
    return h;
}

static double text_w(struct lay *l, const char *s, double size, bool bold)
{
    double w, h;
    if (!chart_text_extent(l->ctx, s, size, bold, 0, &w, &h))
        l->failed = true;
    return w;
}

/* The height of a text whose unwrapped extent (w, h) is known, wrapped at
 * wrap: h when it fits (wrapping breaks no line of it: the same layout),
 * else measured. Spares a table half its measuring. */
static double text_h_known(struct lay *l, const char *s, double size, bool bold, double wrap,
                           double w, double h)
{
    return w + 0.01 < wrap ? h : text_h(l, s, size, bold, wrap);
}

static void text(struct lay *l, const char *s, double x, double y, double size, bool bold,
                 uint32_t rgb, double wrap, chart_align align)
{
    if (l->cr && s[0] && !chart_text_draw(l->ctx, l->cr, s, x, y, size, bold, rgb, wrap, align))
        l->failed = true;
}

static void fill(struct lay *l, double x, double y, double w, double h, uint32_t rgb)
{
    if (!l->cr)
        return;
    cairo_set_source_rgb(l->cr, (rgb >> 16 & 0xff) / 255.0, (rgb >> 8 & 0xff) / 255.0,
                         (rgb & 0xff) / 255.0);
    cairo_rectangle(l->cr, x, y, w, h);
    cairo_fill(l->cr);
}

/* ---- pages ----------------------------------------------------------------------------------- */

static void page_footer(struct lay *l)
{
    const struct style *st = l->st;
    char n[16], m[16];
    snprintf(n, sizeof n, "%d", l->page);
    snprintf(m, sizeof m, "%d", l->pages);
    char *number = doc_fill(l->d->page_text, (const char *const[]){"n", n, "m", m, NULL});
    double y = st->page_h - st->mb + 14;
    fill(l, st->mx, y, l->cw, st->rule, RULE_INK);
    text(l, l->d->footer, st->mx, y + 4, st->foot, false, doc_tone_text(DOC_MUTED), 0,
         CHART_ALIGN_LEFT);
    text(l, number, st->mx + l->cw, y + 4, st->foot, false, doc_tone_text(DOC_MUTED), 0,
         CHART_ALIGN_RIGHT);
    free(number);
}

/* A page that does not begin with a heading: the last heading before it,
 * in the top margin ("第 2 节 武汉分公司（420100）（续）"). */
static void running_head(struct lay *l)
{
    const struct style *st = l->st;
    if (!l->cr || !l->d->running_text || !l->section || l->heading_next)
        return;
    char *head = doc_fill(l->d->running_text, (const char *const[]){"heading", l->section, NULL});
    text(l, head, st->mx, st->mt - st->foot - 12, st->foot, false, doc_tone_text(DOC_MUTED), l->cw,
         CHART_ALIGN_LEFT);
    free(head);
}

/* Starts a new page when h does not fit below y on this one (a paged
 * document, not at a page's top already). Returns whether it did. */
static bool lay_need(struct lay *l, double h)
{
    const struct style *st = l->st;
    if (st->page_h <= 0 || l->y + h <= st->page_h - st->mb || l->y <= st->mt)
        return false;
    if (l->cr) {
        page_footer(l);
        cairo_show_page(l->cr);
    }
    l->page++;
    l->y = st->mt;
    running_head(l);
    return true;
}

/* ---- text blocks ----------------------------------------------------------------------------- */

static double text_size(const struct style *st, const struct doc_block *b)
{
    return b->kind == DOC_TITLE      ? st->title
           : b->kind == DOC_SUBTITLE ? st->subtitle
           : b->kind == DOC_HEADING  ? st->heading
                                     : st->note;
}

/* A warning note's indent: its edge and a space. */
static double note_indent(const struct lay *l, const struct doc_block *b)
{
    return b->kind == DOC_NOTE && b->tone == DOC_WARN ? l->st->edge + l->st->note * 0.6 : 0;
}

static double text_block_h(struct lay *l, const struct doc_block *b)
{
    double indent = note_indent(l, b);
    double h = text_h(l, b->text, text_size(l->st, b),
                      b->kind != DOC_SUBTITLE && b->kind != DOC_NOTE, l->cw - indent);
    return b->kind == DOC_HEADING ? h + l->st->heading * 0.25 + 2 * l->st->rule : h;
}

/* A bookmark of the PDF's outline at the current page and height. */
static void outline(struct lay *l, const char *title)
{
    char dest[80];
    snprintf(dest, sizeof dest, "page=%d pos=[%.1f %.1f]", l->page, l->st->mx, l->y);
    cairo_pdf_surface_add_outline(cairo_get_target(l->cr), CAIRO_PDF_OUTLINE_ROOT, title, dest,
                                  CAIRO_PDF_OUTLINE_FLAG_OPEN);
}

static void text_block(struct lay *l, const struct doc_block *b)
{
    double h = text_block_h(l, b), indent = note_indent(l, b);
    lay_need(l, h);
    bool bold = b->kind != DOC_SUBTITLE && b->kind != DOC_NOTE;
    text(l, b->text, l->st->mx + indent, l->y, text_size(l->st, b), bold, doc_tone_text(b->tone),
         l->cw - indent, CHART_ALIGN_LEFT);
    if (b->kind == DOC_HEADING)
        fill(l, l->st->mx, l->y + h - 2 * l->st->rule, l->cw, 2 * l->st->rule, INK);
    if (b->kind == DOC_HEADING && l->cr && l->st == &pdf_style)
        outline(l, b->text);
    if (indent > 0)
        fill(l, l->st->mx, l->y, l->st->edge, h, doc_tone_edge(DOC_WARN));
    l->y += h;
}

/* ---- key figures ----------------------------------------------------------------------------- */

struct card {
    double value; /* the value's size: smaller in a block of four or more a row */
    double w, h;
    double label_h, value_h, detail_h;
    bool status_below; /* the status has no room right of the value */
};

static double value_size(const struct style *st, const struct doc_block *b)
{
    return b->per_row >= 4 ? st->value * 0.75 : st->value;
}

static void card_measure(struct lay *l, const struct doc_figure *f, double value, double w,
                         struct card *c)
{
    const struct style *st = l->st;
    double inner = w - st->edge - 2 * st->card_pad, gap = st->status * 0.5;
    *c = (struct card){.value = value, .w = w};
    c->label_h = text_h(l, f->label, st->label, false, inner);
    c->value_h = text_h(l, f->value, value, true, inner);
    if (f->status[0]) {
        double sw = text_w(l, f->status, st->status, false);
        c->status_below = text_w(l, f->value, value, true) + gap + sw > inner;
        if (c->status_below)
            c->value_h += text_h(l, f->status, st->status, false, inner);
    }
    c->detail_h =
        f->detail[0] ? text_h(l, f->detail, st->detail, false, inner) + st->card_pad / 2 : 0;
    c->h = 2 * st->card_pad + c->label_h + c->value_h + c->detail_h;
}

static void card_draw(struct lay *l, const struct doc_figure *f, double x, double h,
                      const struct card *c)
{
    const struct style *st = l->st;
    double inner = c->w - st->edge - 2 * st->card_pad, tx = x + st->edge + st->card_pad;
    double y = l->y + st->card_pad;
    uint32_t tone = doc_tone_text(f->tone);
    fill(l, x, l->y, c->w, h, DOC_TINT_CARD);
    fill(l, x, l->y, st->edge, h, doc_tone_edge(f->tone));
    text(l, f->label, tx, y, st->label, false, doc_tone_text(DOC_MUTED), inner, CHART_ALIGN_LEFT);
    y += c->label_h;
    text(l, f->value, tx, y, c->value, true, tone, inner, CHART_ALIGN_LEFT);
    if (f->status[0] && c->status_below) {
        double vh = text_h(l, f->value, c->value, true, inner);
        text(l, f->status, tx, y + vh, st->status, false, tone, inner, CHART_ALIGN_LEFT);
    } else if (f->status[0]) { /* right of the value, on its baseline's level */
        double vw = text_w(l, f->value, c->value, true);
        double sh = text_h(l, f->status, st->status, false, 0);
        text(l, f->status, tx + vw + st->status * 0.5, y + c->value_h - sh - c->value * 0.12,
             st->status, false, tone, 0, CHART_ALIGN_LEFT);
    }
    y += c->value_h + st->card_pad / 2;
    text(l, f->detail, tx, y, st->detail, false, INK, inner, CHART_ALIGN_LEFT);
}

/* The width a card needs for its widest line unwrapped. */
static double card_need(struct lay *l, const struct doc_figure *f, double value)
{
    const struct style *st = l->st;
    double w = fmax(text_w(l, f->label, st->label, false), text_w(l, f->detail, st->detail, false));
    double v = text_w(l, f->value, value, true);
    if (f->status[0])
        v += st->status * 0.5 + text_w(l, f->status, st->status, false);
    return fmax(w, v) + st->edge + 2 * st->card_pad;
}

/* Cards in a row: as many as the block asks, fewer when its widest card
 * would have to wrap (a narrow image takes the figures one under the
 * other rather than wrapped into many short lines). */
static size_t per_row(struct lay *l, const struct doc_block *b)
{
    size_t per = (size_t)b->per_row < b->nfigures ? (size_t)b->per_row : b->nfigures;
    double need = 0;
    for (size_t i = 0; i < b->nfigures && per > 1; i++)
        need = fmax(need, card_need(l, &b->figures[i], value_size(l->st, b)));
    while (per > 1 && (l->cw - (double)(per - 1) * l->st->card_gap) / (double)per < need)
        per--;
    return per ? per : 1;
}

/* The height of the row of `per` cards from figure i. */
static double cards_row_h(struct lay *l, const struct doc_block *b, size_t per, size_t i,
                          struct card *cards)
{
    double w = (l->cw - (double)(per - 1) * l->st->card_gap) / (double)per, h = 0;
    for (size_t k = 0; k < per && i + k < b->nfigures; k++) {
        card_measure(l, &b->figures[i + k], value_size(l->st, b), w, &cards[k]);
        h = fmax(h, cards[k].h);
    }
    return h;
}

static void figures_block(struct lay *l, const struct doc_block *b)
{
    struct card cards[6];
    size_t per = per_row(l, b);
    for (size_t i = 0; i < b->nfigures; i += per) {
        double h = cards_row_h(l, b, per, i, cards);
        if (i > 0)
            l->y += l->st->card_gap;
        lay_need(l, h);
        double x = l->st->mx;
        for (size_t k = 0; k < per && i + k < b->nfigures; k++) {
            card_draw(l, &b->figures[i + k], x, h, &cards[k]);
            x += cards[k].w + l->st->card_gap;
        }
        l->y += h;
    }
}

/* ---- tables ---------------------------------------------------------------------------------- */

/* A table's geometry, worked out once per layout (both passes of a PDF
 * use it): columns, the caption's, the header's and every row's height;
 * while it is worked out, each cell's unwrapped extent (rows times columns,
 * a group row's left 0). */
struct table {
    double x[17], w[16];
    double caption_h, header_h;
    double *row_h;
    double *cell_w, *cell_h;
};

static const chart_align aligns[] = {CHART_ALIGN_LEFT, CHART_ALIGN_CENTER, CHART_ALIGN_RIGHT};

static bool row_bold(const struct doc_row *r)
{
    return (r->flags & (DOC_ROW_GROUP | DOC_ROW_OWN)) != 0;
}

/* The wrapping fallback of table_widths(): the shares, but a column whose
 * text must not wrap (doc_column_nowrap) gets its widest cell (its header
 * may wrap). The room comes first from the columns whose texts take less
 * than their share (need: each column's widest text, its header's
 * included), then from the widest other column (a table's names, which
 * wrap between words and Chinese characters); the shares alone when that
 * would leave it under half its share. */
static void shares_but_nowrap(struct lay *l, const struct doc_block *b, const double *cells,
                              const double *need, struct table *t)
{
    double total = 0, extra = 0, slack = 0;
    size_t widest = 0;
    for (size_t k = 0; k < b->ncols; k++)
        total += b->cols[k].width;
    for (size_t k = 0; k < b->ncols; k++) {
        t->w[k] = l->cw * b->cols[k].width / total;
        if (b->cols[k].nowrap)
            extra += fmax(0, cells[k] - t->w[k]);
        else if (b->cols[k].width > b->cols[widest].width || b->cols[widest].nowrap)
            widest = k;
        if (!b->cols[k].nowrap)
            slack += fmax(0, t->w[k] - need[k]);
    }
    double from_slack = fmin(extra, slack), rest = extra - from_slack;
    if (extra == 0 || b->cols[widest].nowrap || rest > t->w[widest] / 2)
        return;
    for (size_t k = 0; k < b->ncols; k++)
        if (b->cols[k].nowrap)
            t->w[k] = fmax(t->w[k], cells[k]);
        else if (slack > 0)
            t->w[k] -= fmax(0, t->w[k] - need[k]) * from_slack / slack;
    t->w[widest] -= rest;
}

/* Column widths: the columns' shares of the width when every column's
 * widest text fits its share unwrapped (so that tables of the same columns
 * line up); else each its widest text and the room left shared out by the
 * shares; when the texts do not fit even so, the shares (texts wrap, but
 * for a column that must not: shares_but_nowrap). */
static void table_widths(struct lay *l, const struct doc_block *b, struct table *t)
{
    const struct style *st = l->st;
    double need[16], cells[16], sum = 0, total = 0, x = st->mx;
    for (size_t k = 0; k < b->ncols; k++) {
        cells[k] = 0;
        for (size_t r = 0; r < b->nrows; r++) {
            size_t c = r * b->ncols + k;
            if (b->rows[r].flags & DOC_ROW_GROUP)
                continue;
            if (!chart_text_extent(l->ctx, b->rows[r].cells[k].text, st->table,
                                   row_bold(&b->rows[r]), 0, &t->cell_w[c], &t->cell_h[c]))
                l->failed = true;
            cells[k] = fmax(cells[k], t->cell_w[c]);
        }
        need[k] = fmax(cells[k], text_w(l, b->cols[k].header, st->table, true)) + 2 * st->pad + 0.5;
        cells[k] += 2 * st->pad + 0.5;
        sum += need[k];
        total += b->cols[k].width;
    }
    bool shares = true;
    for (size_t k = 0; k < b->ncols; k++)
        shares = shares && need[k] <= l->cw * b->cols[k].width / total;
    if (!shares && sum > l->cw)
        shares_but_nowrap(l, b, cells, need, t);
    for (size_t k = 0; k < b->ncols; k++) {
        t->x[k] = x;
        if (shares)
            t->w[k] = l->cw * b->cols[k].width / total;
        else if (sum <= l->cw)
            t->w[k] = need[k] + (l->cw - sum) * b->cols[k].width / total;
        x += t->w[k];
    }
    t->x[b->ncols] = x;
}

static double row_height(struct lay *l, const struct doc_block *b, const struct table *t, size_t r)
{
    const struct style *st = l->st;
    const struct doc_row *row = &b->rows[r];
    if (row->flags & DOC_ROW_GROUP)
        return text_h(l, row->cells[0].text, st->table, true, l->cw - 2 * st->pad) + 2 * st->pad;
    double h = 0;
    for (size_t k = 0; k < b->ncols; k++) {
        size_t c = r * b->ncols + k;
        h = fmax(h, text_h_known(l, row->cells[k].text, st->table, row_bold(row),
                                 t->w[k] - 2 * st->pad, t->cell_w[c], t->cell_h[c]));
    }
    return h + 2 * st->pad;
}

/* Block i's table geometry (made on first use). */
static const struct table *table_of(struct lay *l, size_t i)
{
    const struct doc_block *b = &l->d->blocks[i];
    const struct style *st = l->st;
    struct table *t = &l->tables[i];
    if (t->row_h)
        return t;
    t->cell_w = xcalloc(b->nrows * b->ncols + 1, sizeof *t->cell_w);
    t->cell_h = xcalloc(b->nrows * b->ncols + 1, sizeof *t->cell_h);
    table_widths(l, b, t);
    t->caption_h = b->text[0] ? text_h(l, b->text, st->caption, true, l->cw) + st->pad : 0;
    for (size_t k = 0; k < b->ncols; k++)
        t->header_h =
            fmax(t->header_h, text_h(l, b->cols[k].header, st->table, true, t->w[k] - 2 * st->pad));
    t->header_h += 2 * st->pad;
    t->row_h = xcalloc(b->nrows + 1, sizeof *t->row_h);
    for (size_t r = 0; r < b->nrows; r++)
        t->row_h[r] = row_height(l, b, t, r);
    free(t->cell_w);
    free(t->cell_h);
    t->cell_w = t->cell_h = NULL;
    return t;
}

/* The anchor of a cell's text per its column's alignment. */
static double cell_x(const struct lay *l, const struct table *t, size_t k, enum doc_align a)
{
    return a == DOC_LEFT     ? t->x[k] + l->st->pad
           : a == DOC_CENTER ? t->x[k] + t->w[k] / 2
                             : t->x[k] + t->w[k] - l->st->pad;
}

/* Row r and, when it is a group's header, the row after it: what must
 * share a page. */
static double row_need(const struct doc_block *b, const struct table *t, size_t r)
{
    double h = t->row_h[r];
    if ((b->rows[r].flags & DOC_ROW_GROUP) && r + 1 < b->nrows)
        h += t->row_h[r + 1];
    return h;
}

static void header_draw(struct lay *l, const struct doc_block *b, const struct table *t)
{
    fill(l, l->st->mx, l->y, l->cw, t->header_h, DOC_TINT_HEADER);
    for (size_t k = 0; k < b->ncols; k++)
        text(l, b->cols[k].header, cell_x(l, t, k, b->cols[k].align), l->y + l->st->pad,
             l->st->table, true, INK, t->w[k] - 2 * l->st->pad, aligns[b->cols[k].align]);
    fill(l, l->st->mx, l->y + t->header_h - l->st->rule, l->cw, l->st->rule, RULE_INK);
    l->y += t->header_h;
}

/* The page a cell refers to (doc_cell.page_of), as text into out; false
 * without a reference (or before the pages are known). */
static bool page_text(const struct lay *l, const struct doc_cell *c, char *out, size_t n)
{
    if (!c->page_of || !l->cr)
        return false;
    snprintf(out, n, "%d", l->page_of[c->page_of]);
    return true;
}

static void row_draw(struct lay *l, const struct doc_block *b, const struct table *t, size_t r)
{
    const struct doc_row *row = &b->rows[r];
    const struct style *st = l->st;
    double h = t->row_h[r];
    bool group = row->flags & DOC_ROW_GROUP, own = row->flags & DOC_ROW_OWN;
    if (group || own || (row->flags & DOC_ROW_HIGHLIGHT))
        fill(l, st->mx, l->y, l->cw, h,
             group ? DOC_TINT_GROUP
             : own ? DOC_TINT_OWN
                   : DOC_TINT_HIGHLIGHT);
    char page[16];
    if (group)
        text(l, row->cells[0].text, st->mx + st->pad, l->y + st->pad, st->table, true,
             doc_tone_text(row->cells[0].tone), l->cw - 2 * st->pad, CHART_ALIGN_LEFT);
    if (group && page_text(l, &row->cells[0], page, sizeof page))
        text(l, page, st->mx + l->cw - st->pad, l->y + st->pad, st->table, true,
             doc_tone_text(row->cells[0].tone), 0, CHART_ALIGN_RIGHT);
    for (size_t k = 0; !group && k < b->ncols; k++)
        text(l, page_text(l, &row->cells[k], page, sizeof page) ? page : row->cells[k].text,
             cell_x(l, t, k, b->cols[k].align), l->y + st->pad, st->table, own,
             doc_tone_text(row->cells[k].tone), t->w[k] - 2 * st->pad, aligns[b->cols[k].align]);
    fill(l, st->mx, l->y + h - st->rule, l->cw, st->rule, RULE);
    l->y += h;
}

/* The caption, the header and the first row (with the one it keeps). */
/* Rows of a table that starts on a page with no other: a short table
 * whole (a five-zone table, not four rows and one on the next page),
 * else two. */
#define TABLE_WHOLE 6
#define TABLE_FIRST 2

/* What a table needs on the page it starts on: its caption, header and
 * first rows (two or more: a first group row keeps its first member). */
static double table_first(struct lay *l, size_t i)
{
    const struct doc_block *b = &l->d->blocks[i];
    const struct table *t = table_of(l, i);
    size_t keep = b->nrows <= TABLE_WHOLE ? b->nrows : TABLE_FIRST;
    double h = t->caption_h + t->header_h;
    for (size_t r = 0; r < keep; r++)
        h += t->row_h[r];
    return h;
}

static void table_block(struct lay *l, size_t i)
{
    const struct doc_block *b = &l->d->blocks[i];
    const struct table *t = table_of(l, i);
    lay_need(l, table_first(l, i));
    text(l, b->text, l->st->mx, l->y, l->st->caption, true, INK, l->cw, CHART_ALIGN_LEFT);
    l->y += t->caption_h;
    header_draw(l, b, t);
    for (size_t r = 0; r < b->nrows; r++) {
        if (lay_need(l, row_need(b, t, r)))
            header_draw(l, b, t);
        row_draw(l, b, t, r);
    }
}

/* ---- charts -------------------------------------------------------------------------------- */

static double charts_h(const struct lay *l, const struct doc_block *b)
{
    return b->ncharts ? l->cw * b->aspect : 0;
}

static void charts_block(struct lay *l, const struct doc_block *b)
{
    double h = charts_h(l, b), w = b->ncharts ? l->cw / (double)b->ncharts : 0;
    lay_need(l, h);
    for (size_t k = 0; l->cr && k < b->ncharts; k++) {
        chart_rect where = {l->st->mx + w * (double)k, l->y, w, h};
        if (!b->charts[k].draw(b->charts[k].data, l->ctx, l->cr, &where, l->chart_err,
                               sizeof l->chart_err))
            l->failed = true;
    }
    l->y += h;
}

/* ---- the blocks ------------------------------------------------------------------------------ */

/* What must go on the page a block starts on: its first row of cards, a
 * table's first row, a text block whole. */
static double block_first(struct lay *l, size_t i)
{
    const struct doc_block *b = &l->d->blocks[i];
    struct card cards[6];
    if (b->kind == DOC_FIGURES)
        return b->nfigures ? cards_row_h(l, b, per_row(l, b), 0, cards) : 0;
    if (b->kind == DOC_TABLE)
        return table_first(l, i);
    if (b->kind == DOC_CHARTS)
        return charts_h(l, b);
    return text_block_h(l, b);
}

static double gap_after(const struct lay *l, const struct doc_block *b)
{
    double g = l->st->gap;
    return b->kind == DOC_TITLE ? g * 0.3 : b->kind == DOC_HEADING ? g * 0.6 : g;
}

/* A run of blocks kept with the next one starts at i: they and the first
 * piece of the block after them go on one page. */
static void keep_together(struct lay *l, size_t i)
{
    const struct doc *d = l->d;
    if (i > 0 && d->blocks[i - 1].keep)
        return; /* inside a run already placed */
    double h = 0;
    size_t j = i;
    for (; j < d->n && d->blocks[j].keep; j++)
        h += block_first(l, j) + gap_after(l, &d->blocks[j]);
    if (j > i && j < d->n)
        lay_need(l, h + block_first(l, j));
}

/* Lays out blocks [0, n) from the top of the first page. */
static void lay_blocks(struct lay *l, size_t n)
{
    l->y = l->st->mt;
    l->page = 1;
    for (size_t i = 0; i < n; i++) {
        const struct doc_block *b = &l->d->blocks[i];
        if (i > 0)
            l->y += gap_after(l, &l->d->blocks[i - 1]);
        l->heading_next = b->kind == DOC_HEADING; /* a page it begins needs no running head */
        keep_together(l, i);
        if (b->kind == DOC_FIGURES)
            figures_block(l, b);
        else if (b->kind == DOC_TABLE)
            table_block(l, i);
        else if (b->kind == DOC_CHARTS)
            charts_block(l, b);
        else
            text_block(l, b);
        if (b->kind == DOC_HEADING)
            l->section = b->text;
        l->heading_next = false;
        l->ends[i] = l->y;
        if (!l->cr)
            l->page_of[i] = l->page;
    }
}

static void lay_init(struct lay *l, const struct doc *d, const struct style *st, chart_ctx *ctx)
{
    *l = (struct lay){.d = d, .st = st, .ctx = ctx, .cw = st->page_w - 2 * st->mx};
    l->ends = xcalloc(d->n + 1, sizeof *l->ends);
    l->page_of = xcalloc(d->n + 1, sizeof *l->page_of);
    l->tables = xcalloc(d->n + 1, sizeof *l->tables);
}

static void lay_release(struct lay *l)
{
    for (size_t i = 0; i < l->d->n; i++)
        free(l->tables[i].row_h);
    free(l->tables);
    free(l->ends);
    free(l->page_of);
}

static void fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static cairo_status_t buf_write(void *closure, const unsigned char *data, unsigned int len)
{
    buf_append(closure, data, len);
    return CAIRO_STATUS_SUCCESS;
}

/* ---- PDF ------------------------------------------------------------------------------------- */

/* SOURCE_DATE_EPOCH (reproducible-builds.org), when set to a number of
 * seconds, stands for the document's date: the date a rebuild is told to
 * write. Anything else in it is ignored. */
static void source_date(char *date, size_t n)
{
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    char *end = NULL;
    if (!epoch || !*epoch)
        return;
    errno = 0;
    long long t = strtoll(epoch, &end, 10);
    struct tm tm;
    time_t tt = (time_t)t;
    if (errno || *end || t < 0 || !gmtime_r(&tt, &tm))
        return;
    strftime(date, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static cairo_surface_t *pdf_surface(const struct doc *d, struct buf *bytes)
{
    cairo_surface_t *s =
        cairo_pdf_surface_create_for_stream(buf_write, bytes, DOC_A4_WIDTH, DOC_A4_HEIGHT);
    char date[40] = "2000-01-01T00:00:00";
    if (strlen(d->date) == 10)
        snprintf(date, sizeof date, "%sT00:00:00", d->date);
    else if (strlen(d->date) == 19 && d->date[10] == ' ') /* a time of day, UTC */
        snprintf(date, sizeof date, "%.10sT%sZ", d->date, d->date + 11);
    source_date(date, sizeof date);
    /* The data's date, not the clock's: cairo would write the time now. */
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, date);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, date);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "retentiond");
    if (d->title[0])
        cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, d->title);
    return s;
}

bool doc_paint_pdf(const struct doc *d, chart_ctx *ctx, unsigned char **out, size_t *len, char *err,
                   size_t errlen)
{
    struct buf bytes = BUF_INIT;
    struct lay l;
    *out = NULL;
    *len = 0;
    lay_init(&l, d, &pdf_style, ctx);
    lay_blocks(&l, d->n); /* measure: the pages */
    l.pages = l.page;
    cairo_surface_t *s = pdf_surface(d, &bytes);
    l.cr = cairo_create(s);
    lay_blocks(&l, d->n);
    page_footer(&l);
    cairo_show_page(l.cr);
    cairo_status_t st = cairo_status(l.cr);
    cairo_destroy(l.cr);
    cairo_surface_finish(s);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    lay_release(&l);
    if (st != CAIRO_STATUS_SUCCESS || l.failed) {
        fail(err, errlen, "pdf: %s",
             st != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(st)
             : l.chart_err[0]           ? l.chart_err
                                        : "a text was refused");
        buf_release(&bytes);
        return false;
    }
    *out = (unsigned char *)buf_detach(&bytes, len);
    return true;
}

/* ---- PNG ------------------------------------------------------------------------------------- */

/* cairo's image surfaces end at 32767 pixels. */
#define PNG_MAX_HEIGHT 30000

/* As a palette PNG: a page of text in a few colours is several times
 * smaller than in RGB, and an MMS has a budget. */
static bool png_encode(cairo_surface_t *img, struct buf *out)
{
    unsigned char *png;
    size_t len;
    if (!chart_image_png(img, true, &png, &len, NULL, 0))
        return false;
    buf_append(out, png, len);
    free(png);
    return true;
}

/* The parts left out after the first k blocks, as a reader counts them:
 * the sections (headings), or the blocks when none is a heading. */
static size_t doc_parts(const struct doc *d, size_t k)
{
    size_t headings = 0;
    for (size_t i = k; i < d->n; i++)
        headings += d->blocks[i].kind == DOC_HEADING;
    return headings ? headings : d->n - k;
}

/* The whole document, drawn on `full` (its height the image's): the rows
 * below the last block made white, as png_prefix's copy has them, and
 * encoded as they are. A copy of 640 x 2,000 pixels, and a second surface
 * the kernel maps and zeroes for each bulletin, cost a fifth of the PNG's
 * time. */
static bool png_whole(cairo_surface_t *full, double bottom, struct buf *out)
{
    cairo_t *cr = cairo_create(full);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, 0, ceil(bottom), cairo_image_surface_get_width(full),
                    cairo_image_surface_get_height(full) - ceil(bottom));
    cairo_fill(cr);
    bool ok = cairo_status(cr) == CAIRO_STATUS_SUCCESS;
    cairo_destroy(cr);
    return ok && png_encode(full, out);
}

/* The first k blocks of the document drawn on `full`, and the cut line when
 * blocks are left out, as a PNG into out. */
static bool png_prefix(struct lay *l, cairo_surface_t *full, size_t k, struct buf *out, int *height)
{
    const struct style *st = l->st;
    const struct doc *d = l->d;
    char n[24];
    snprintf(n, sizeof n, "%zu", doc_parts(d, k));
    char *cut = k < d->n ? doc_fill(d->cut_text, (const char *const[]){"n", n, NULL}) : NULL;
    double bottom = l->ends[k - 1];
    double h = bottom + st->mb + (cut ? st->gap + text_h(l, cut, st->note, false, l->cw) : 0);
    *height = (int)ceil(h);
    if (!cut && cairo_image_surface_get_height(full) == *height)
        return png_whole(full, bottom, out);
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)st->page_w, *height);
    cairo_t *cr = cairo_create(img);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_source_surface(cr, full, 0, 0);
    cairo_rectangle(cr, 0, 0, st->page_w, ceil(bottom));
    cairo_fill(cr);
    if (cut) {
        fill(&(struct lay){.cr = cr}, st->mx, bottom + st->gap * 0.5, l->cw, st->rule, RULE_INK);
        if (!chart_text_draw(l->ctx, cr, cut, st->mx, bottom + st->gap, st->note, false,
                             doc_tone_text(DOC_WARN), l->cw, CHART_ALIGN_LEFT))
            l->failed = true;
    }
    bool ok = cairo_status(cr) == CAIRO_STATUS_SUCCESS;
    cairo_destroy(cr);
    ok = ok && png_encode(img, out);
    cairo_surface_destroy(img);
    free(cut);
    return ok;
}

/* Whether the document may end after block k - 1 (1 <= k <= n): not after
 * a heading or a kept note. */
static bool png_may_end(const struct doc *d, size_t k)
{
    return k == d->n || !doc_keep_with_next(d, k - 1);
}

/* The largest k <= kmax where the document may end whose prefix fits the
 * budget (a binary search: a shorter document is not a larger PNG), its
 * bytes in out; 0 when none does. */
static size_t png_fit(struct lay *l, cairo_surface_t *full, size_t kmax, size_t budget,
                      struct buf *out, int *height, bool *ok)
{
    size_t *cand = xcalloc(kmax + 1, sizeof *cand), n = 0, best = 0;
    for (size_t k = 1; k <= kmax; k++)
        if (png_may_end(l->d, k))
            cand[n++] = k;
    struct buf try = BUF_INIT;
    size_t lo = 0, hi = n; /* candidates [lo, hi) are undecided */
    while (lo < hi && *ok) {
        size_t mid = lo + (hi - lo) / 2;
        int h;
        buf_reset(&try);
        *ok = png_prefix(l, full, cand[mid], &try, &h);
        if (*ok && try.len <= budget) {
            best = cand[mid];
            *height = h;
            buf_reset(out);
            buf_append(out, try.data, try.len);
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    buf_release(&try);
    free(cand);
    return best;
}

bool doc_paint_png(const struct doc *d, chart_ctx *ctx, int width, size_t budget,
                   unsigned char **out, size_t *len, struct doc_png_fit *fit, char *err,
                   size_t errlen)
{
    struct style st = png_style;
    struct buf bytes = BUF_INIT;
    struct lay l;
    bool ok = true;
    *out = NULL;
    *len = 0;
    *fit = (struct doc_png_fit){.blocks = d->n};
    if (d->n == 0 || (width != 0 && (width < 320 || width > DOC_PNG_WIDTH))) {
        fail(err, errlen, "png: %s", d->n == 0 ? "the document is empty" : "width out of range");
        return false;
    }
    st.page_w = width ? width : DOC_PNG_WIDTH;
    budget = budget ? budget : DOC_PNG_BUDGET;
    lay_init(&l, d, &st, ctx);
    lay_blocks(&l, d->n);
    size_t kmax = d->n; /* the blocks an image can hold */
    while (kmax > 1 && l.ends[kmax - 1] + 200 > PNG_MAX_HEIGHT)
        kmax--;
    /* the whole document's image when it can hold it (png_whole), else the
     * blocks it can */
    double full_h = kmax == d->n ? ceil(l.ends[kmax - 1] + st.mb) : ceil(l.ends[kmax - 1]) + 1;
    cairo_surface_t *full =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)st.page_w, (int)full_h);
    l.cr = cairo_create(full);
    cairo_set_source_rgb(l.cr, 1, 1, 1);
    cairo_paint(l.cr);
    lay_blocks(&l, kmax);
    ok = cairo_status(l.cr) == CAIRO_STATUS_SUCCESS;
    cairo_destroy(l.cr);
    l.cr = NULL;
    cairo_surface_flush(full);
    if (ok && kmax == d->n) { /* the whole, if it fits */
        ok = png_prefix(&l, full, d->n, &bytes, &fit->height);
        fit->full_bytes = bytes.len;
    }
    size_t kept = ok && kmax == d->n && bytes.len <= budget ? d->n : 0;
    if (ok && !kept)
        kept = png_fit(&l, full, kmax == d->n ? d->n - 1 : kmax, budget, &bytes, &fit->height, &ok);
    cairo_surface_destroy(full);
    lay_release(&l);
    if (!ok || l.failed || !kept) {
        fail(err, errlen, "png: %s",
             !ok || l.failed ? "drawing failed" : "even the first block is over the byte budget");
        buf_release(&bytes);
        return false;
    }
    fit->dropped = d->n - kept;
    *out = (unsigned char *)buf_detach(&bytes, len);
    return true;
}
