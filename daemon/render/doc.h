/* A document: the blocks a bulletin (and later a report) is made of, in
 * reading order, with no layout of its own. doc_html.h writes it as mail
 * HTML, doc_paint.h draws it as an A4 PDF or one tall PNG: the three
 * formats show the same blocks, words and figures.
 *
 * Blocks: a title, a subtitle, section headings, notes (plain, muted or
 * warn), key figures (cards of a label, a value, a status and details, a
 * few to a row) and tables (a caption, columns with a header, an alignment
 * and a share of the width, rows of cells; a row may be a group header, a
 * highlighted row or the reader's own row) and rows of charts (drawn by
 * the caller's function into their rectangle; a text says in words what
 * they show, for the HTML and the text part). Words are the caller's (in the
 * reader's language): the document holds no words of its own, except what
 * doc_set_pages() gives it for page numbers and a cut image.
 *
 * Ownership: a doc owns copies of every string given to it (NULL reads as
 * ""); doc_free() frees them with the doc. The builder functions add to
 * the last block of their kind: doc_figure() needs doc_figures() before
 * it, doc_row() needs doc_table(); they abort otherwise (a programming
 * error). Renderers only read a doc. */
#ifndef RETENTIOND_DOC_H
#define RETENTIOND_DOC_H

#include "chart.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a text means, shown by colour and never by colour alone: the words
 * (a status glyph and word, a sign) carry it too. */
enum doc_tone { DOC_PLAIN, DOC_MUTED, DOC_WARN, DOC_GOOD, DOC_EXCELLENT };

/* The tones' text colours (0xRRGGBB): the charts' Okabe-Ito hues (chart.h)
 * darkened to a contrast of 4.5:1 or more on white, so that small text
 * stays readable; the charts' own hues mark edges. */
uint32_t doc_tone_text(enum doc_tone tone);
uint32_t doc_tone_edge(enum doc_tone tone);

/* Tints (0xRRGGBB) of a group row, a highlighted row, the own row and a
 * table's header. */
#define DOC_TINT_GROUP     0xebebebu
#define DOC_TINT_HIGHLIGHT 0xfbe3d6u
#define DOC_TINT_OWN       0xd9e8f5u
#define DOC_TINT_HEADER    0xf2f2f2u
#define DOC_TINT_CARD      0xf7f7f7u

enum doc_align { DOC_LEFT, DOC_CENTER, DOC_RIGHT };

/* Row flags. A group row has one cell spanning the table (a city's name
 * above its counties); a highlighted row (the bottom five) and the
 * reader's own row are tinted, the own row bold. */
enum { DOC_ROW_GROUP = 1, DOC_ROW_HIGHLIGHT = 2, DOC_ROW_OWN = 4 };

enum doc_kind {
    DOC_TITLE,
    DOC_SUBTITLE,
    DOC_HEADING,
    DOC_NOTE,
    DOC_FIGURES,
    DOC_TABLE,
    DOC_CHARTS
};

struct doc_cell {
    char *text;
    enum doc_tone tone;
    /* a heading block's index (0: none): the PDF draws the page that
     * heading is on as the cell's text (a group row's: right-aligned at the
     * row's end, after its text) */
    size_t page_of;
};

struct doc_row {
    unsigned flags;
    struct doc_cell *cells; /* the table's ncols, a group row's one */
};

struct doc_figure {
    char *label, *value, *status, *detail; /* detail: lines split at '\n' */
    enum doc_tone tone;                    /* the value's and the status's */
};

struct doc_column {
    char *header;
    enum doc_align align;
    double width; /* a share of the table's width (the shares need not add up to 1) */
    bool nowrap;  /* doc_column_nowrap() */
};

/* Draws a chart of data into `where` of cr (a chart_draw_*() call); false
 * with an error. */
typedef bool (*doc_draw_fn)(const void *data, chart_ctx *ctx, cairo_t *cr, const chart_rect *where,
                            char *err, size_t errlen);

struct doc_chart {
    doc_draw_fn draw;
    void *data;                  /* the doc's: release(data) in doc_free() */
    void (*release)(void *data); /* NULL: free() */
};

struct doc_block {
    enum doc_kind kind;
    char *text;         /* title, subtitle, heading, note; a table's caption ("" none) */
    enum doc_tone tone; /* a note's */
    bool keep;          /* kept with the next block (headings, kept notes) */
    /* DOC_FIGURES */
    struct doc_figure *figures;
    size_t nfigures;
    int per_row;
    /* DOC_TABLE */
    struct doc_column *cols;
    size_t ncols;
    struct doc_row *rows;
    size_t nrows;
    /* DOC_CHARTS (text: what they show, in words) */
    struct doc_chart *charts;
    size_t ncharts;
    double aspect; /* each chart's height / the content's width */
};

struct doc {
    char *lang;      /* the HTML's lang */
    char *title;     /* the HTML's <title>, the PDF's title */
    char *date;      /* YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS in UTC: the PDF's creation date (the
                      * data's, not the clock's) */
    char *footer;    /* a PDF page's footer, left of the page number */
    char *page_text; /* a PDF page's number: "{n}" the page, "{m}" the pages */
    char *cut_text;  /* a cut PNG's last line: "{n}" the blocks left out */
    /* A PDF page that does not begin with a heading is headed, in its top
     * margin, by the last heading before it: "{heading}" in this text
     * ("{heading}（续）"); NULL: no such line. */
    char *running_text;
    struct doc_block *blocks;
    size_t n, cap;
};

/* A new empty document (free with doc_free). */
struct doc *doc_new(const char *lang, const char *title, const char *date);
/* NULL-safe. */
void doc_free(struct doc *d);

/* The page footer (left), the page number text ("page {n} of {m}") and
 * the line that ends a PNG cut to its byte budget ("{n} more in the
 * mail"). */
void doc_set_pages(struct doc *d, const char *footer, const char *page_text, const char *cut_text);
/* The running head of a PDF's pages (doc.running_text; NULL: none). */
void doc_set_running(struct doc *d, const char *running_text);

void doc_title(struct doc *d, const char *text);
void doc_subtitle(struct doc *d, const char *text);
/* A section heading; kept with the block after it (on one PDF page, and a
 * PNG cut to its budget never ends with it). */
void doc_heading(struct doc *d, const char *text);
/* A paragraph; keep: kept with the block after it, as a heading. */
void doc_note(struct doc *d, enum doc_tone tone, const char *text, bool keep);

/* A block of key figures, at most per_row (1..6) to a row. */
void doc_figures(struct doc *d, int per_row);
void doc_figure(struct doc *d, const char *label, const char *value, enum doc_tone tone,
                const char *status, const char *detail);

/* A table of ncols (1..16) columns; cols are copied. */
struct doc_column_spec {
    const char *header;
    enum doc_align align;
    double width;
};
void doc_table(struct doc *d, const char *caption, const struct doc_column_spec *cols,
               size_t ncols);
/* The last table's column col (from 0) keeps each of its cells on one line
 * in the HTML: a short cell such as "▲ 升3", which a phone's narrow column
 * broke after every character; in a PDF or PNG whose columns cannot all
 * have their text unwrapped, the column is widened to its widest cell at
 * the expense of the widest other column ("▼ do-wn 1" in an English MMS). */
void doc_column_nowrap(struct doc *d, size_t col);
/* A row of the last table: ncols cells (copied), or one for a group row. */
struct doc_cell_spec {
    const char *text;
    enum doc_tone tone;
};
void doc_row(struct doc *d, unsigned flags, const struct doc_cell_spec *cells);

/* A row of charts side by side, sharing the content's width, each
 * aspect x the content's width tall; text says what they show (the HTML
 * and the text part have it instead of the charts). */
void doc_charts(struct doc *d, double aspect, const char *text);
/* A chart of the last row of charts; data becomes the doc's (freed with
 * release, or free() when release is NULL, in doc_free()). */
void doc_chart(struct doc *d, doc_draw_fn draw, void *data, void (*release)(void *data));

/* Whether block i is kept with the block after it (a heading, a kept note). */
bool doc_keep_with_next(const struct doc *d, size_t i);

struct buf;
/* Appends the count x (rounded to an integer) as a reader reads it, with
 * thousands separators ("62,968"), signed when `sign` ("+290", "-3", "0");
 * x must be finite. */
void doc_count(struct buf *out, double x, bool sign);
/* The index the next block added will have. */
size_t doc_next_block(const struct doc *d);
/* Row `row` of table block `table` shows the page of heading block
 * `heading` in its last cell (a table of contents). */
void doc_page_ref(struct doc *d, size_t table, size_t row, size_t heading);

/* "{name}" in tmpl replaced by the value of name in pairs (name, value, ...,
 * NULL); an unknown placeholder is kept as it is. Appends to a new string
 * (the caller frees). */
char *doc_fill(const char *tmpl, const char *const *pairs);

#endif
