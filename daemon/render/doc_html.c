#include "doc_html.h"

#include "html.h"
#include "mem.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FONT "font-family:'Microsoft YaHei','PingFang SC','Noto Sans CJK SC',Arial,sans-serif;"

/* "#rrggbb" of a colour, in a buffer of the call's (a compound literal). */
#define HEX(rgb) hex((rgb), (char[8]){0})

static const char *hex(uint32_t rgb, char out[8])
{
    snprintf(out, 8, "#%06x", (unsigned)(rgb & 0xffffff));
    return out;
}

static const char *const align_name[] = {"left", "center", "right"};

/* The length of the date (YYYY-MM-DD) or month (YYYY-MM) at p, not part
 * of a longer run of digits; 0 when there is none. */
static size_t date_at(const char *text, const char *p)
{
    static const char shape[] = "dddd-dd-dd";
    if (p > text && isdigit((unsigned char)p[-1]))
        return 0;
    size_t n = 0;
    while (shape[n] && (shape[n] == 'd' ? isdigit((unsigned char)p[n]) : p[n] == shape[n]))
        n++;
    size_t len = n == 10 ? 10 : n >= 7 ? 7 : 0;
    return len && !isdigit((unsigned char)p[len]) ? len : 0;
}

/* text escaped, a date or month in it kept on one line: a phone's narrow
 * column broke "2026-12-01" after its first hyphen. */
static void html_text(struct buf *out, const char *text)
{
    const char *from = text;
    for (const char *p = text; *p; p++) {
        size_t len = date_at(text, p);
        if (!len)
            continue;
        char *part = xstrndup(from, (size_t)(p - from));
        html_escape(out, part);
        free(part);
        part = xstrndup(p, len);
        buf_printf(out, "<span style=\"white-space:nowrap;\">%s</span>", part);
        free(part);
        p += len - 1;
        from = p + 1;
    }
    html_escape(out, from);
}

/* text escaped (html_text), its '\n' as <br>. */
static void html_lines(struct buf *out, const char *text)
{
    const char *p = text;
    for (const char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        char *line = xstrndup(p, (size_t)(nl - p));
        html_text(out, line);
        free(line);
        buf_puts(out, "<br>");
    }
    html_text(out, p);
}

/* A row of the page's column holding one block: <tr><td style="..."> */
static void block_open(struct buf *out, const char *style)
{
    buf_printf(out, "<tr><td style=\"padding:0 24px 12px 24px;" FONT "%s\">", style);
}

static void block_close(struct buf *out)
{
    buf_puts(out, "</td></tr>\n");
}

/* A heading's rule and a warning's edge go on a cell of their own, inside
 * the block's padding: Word draws a cell's borders, not a div's. */
static void framed_text(struct buf *out, const char *outer, const char *frame, const char *style,
                        const char *text)
{
    block_open(out, outer);
    buf_printf(out,
               "<table role=\"presentation\" width=\"100%%\" cellpadding=\"0\" "
               "cellspacing=\"0\" border=\"0\"><tr><td style=\"%s" FONT "%s\">",
               frame, style);
    html_lines(out, text);
    buf_puts(out, "</td></tr></table>");
    block_close(out);
}

static void text_block(struct buf *out, const struct doc_block *b)
{
    char style[200], frame[120];
    switch (b->kind) {
    case DOC_TITLE:
        snprintf(style, sizeof style,
                 "padding-top:24px;font-size:22px;line-height:30px;"
                 "font-weight:bold;color:%s;",
                 HEX(doc_tone_text(DOC_PLAIN)));
        break;
    case DOC_SUBTITLE:
        snprintf(style, sizeof style, "font-size:13px;line-height:19px;color:%s;",
                 HEX(doc_tone_text(DOC_MUTED)));
        break;
    case DOC_HEADING:
        snprintf(frame, sizeof frame, "border-bottom:2px solid %s;padding-bottom:3px;",
                 HEX(doc_tone_text(DOC_PLAIN)));
        snprintf(style, sizeof style, "font-size:16px;line-height:22px;font-weight:bold;color:%s;",
                 HEX(doc_tone_text(DOC_PLAIN)));
        framed_text(out, "padding-top:12px;", frame, style, b->text);
        return;
    default: /* a note */
        snprintf(style, sizeof style, "font-size:13px;line-height:19px;color:%s;",
                 HEX(doc_tone_text(b->tone)));
        if (b->tone == DOC_WARN) { /* marked by its edge too */
            snprintf(frame, sizeof frame, "border-left:3px solid %s;padding-left:8px;",
                     HEX(doc_tone_edge(DOC_WARN)));
            framed_text(out, "", frame, style, b->text);
            return;
        }
    }
    block_open(out, style);
    html_lines(out, b->text);
    block_close(out);
}

/* A figure's words: its label, value and status, and its detail lines. */
static void figure_words(struct buf *out, const struct doc_figure *f)
{
    buf_printf(out, "<span style=\"font-size:12px;line-height:17px;color:%s;\">",
               HEX(doc_tone_text(DOC_MUTED)));
    html_escape(out, f->label);
    buf_printf(out,
               "</span><br><span style=\"font-size:22px;line-height:30px;font-weight:bold;"
               "color:%s;\">",
               HEX(doc_tone_text(f->tone)));
    html_escape(out, f->value);
    buf_puts(out, "</span>");
    if (f->status[0]) {
        buf_printf(out, " <span style=\"font-size:12px;color:%s;\">", HEX(doc_tone_text(f->tone)));
        html_escape(out, f->status);
        buf_puts(out, "</span>");
    }
    if (f->detail[0]) {
        buf_printf(out, "<br><span style=\"font-size:12px;line-height:18px;color:%s;\">",
                   HEX(doc_tone_text(DOC_PLAIN)));
        html_lines(out, f->detail);
        buf_puts(out, "</span>");
    }
}

static void figure_cell(struct buf *out, const struct doc_figure *f, int per_row)
{
    const char *card = HEX(DOC_TINT_CARD);
    buf_printf(out,
               "<td width=\"%d%%\" valign=\"top\" bgcolor=\"%s\" style=\"padding:8px 10px;"
               "background-color:%s;border-left:3px solid %s;" FONT "\">",
               100 / per_row, card, card, HEX(doc_tone_edge(f->tone)));
    figure_words(out, f);
    buf_puts(out, "</td>");
}

/* Up to three figures to a row: a table, its columns in percent. */
static void figures_table(struct buf *out, const struct doc_block *b, int per_row)
{
    buf_puts(out, "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
                  "cellspacing=\"4\" border=\"0\" style=\"width:100%;\">\n");
    for (size_t i = 0; i < b->nfigures; i += (size_t)per_row) {
        buf_puts(out, "<tr>");
        for (size_t k = i; k < i + (size_t)per_row; k++)
            if (k < b->nfigures)
                figure_cell(out, &b->figures[k], per_row);
            else
                buf_printf(out, "<td width=\"%d%%\"></td>", 100 / per_row);
        buf_puts(out, "</tr>\n");
    }
    buf_puts(out, "</table>");
}

/* More to a row (the five zones) would not fit a phone side by side with a
 * province's counts: each figure is a card of its share of the 552 px, an
 * inline block that goes to the next line where the screen is narrower
 * (three and two at 390 px). Outlook's Word engine, which lays out no
 * inline block, reads the cards' cells of the table in its comments. */
static void figures_fluid(struct buf *out, const struct doc_block *b, int per_row)
{
    const char *card = HEX(DOC_TINT_CARD);
    int width = (DOC_HTML_WIDTH - 48) / per_row;
    buf_puts(out, "<!--[if mso]><table role=\"presentation\" cellpadding=\"0\" "
                  "cellspacing=\"0\" border=\"0\"><tr><![endif]-->");
    for (size_t k = 0; k < b->nfigures; k++) {
        const struct doc_figure *f = &b->figures[k];
        if (k > 0 && k % (size_t)per_row == 0)
            buf_puts(out, "<!--[if mso]></tr><tr><![endif]-->");
        buf_printf(out, "<!--[if mso]><td width=\"%d\" valign=\"top\"><![endif]-->", width);
        buf_printf(out,
                   "<div style=\"display:inline-block;vertical-align:top;width:100%%;"
                   "max-width:%dpx;\"><div style=\"margin:0 4px 4px 0;padding:8px 6px;"
                   "background-color:%s;border-left:3px solid %s;" FONT "\">",
                   width, card, HEX(doc_tone_edge(f->tone)));
        figure_words(out, f);
        buf_puts(out, "</div></div><!--[if mso]></td><![endif]-->");
    }
    buf_puts(out, "<!--[if mso]></tr></table><![endif]-->");
}

static void figures_block(struct buf *out, const struct doc_block *b)
{
    block_open(out, "");
    int per_row = b->per_row < (int)b->nfigures ? b->per_row : (int)b->nfigures;
    if (per_row > 3)
        figures_fluid(out, b, per_row);
    else
        figures_table(out, b, per_row);
    block_close(out);
}

/* A cell's attributes: alignment, tint, and a style with the tone's colour
 * and bold (no size: the table's). */
static void cell_open(struct buf *out, enum doc_align align, const char *tint, enum doc_tone tone,
                      bool bold, const char *extra)
{
    buf_puts(out, "<td");
    if (align != DOC_LEFT)
        buf_printf(out, " align=\"%s\"", align_name[align]);
    /* the tint as the attribute alone, which every client reads (Word
     * nothing else): its style twin doubled a tinted row's bytes */
    if (tint)
        buf_printf(out, " bgcolor=\"%s\"", tint);
    /* the size comes from the table, and for Word from the head's td rule */
    char color[24] = "";
    if (tone != DOC_PLAIN)
        snprintf(color, sizeof color, "color:%s;", HEX(doc_tone_text(tone)));
    const char *weight = bold ? "font-weight:bold;" : "";
    if (color[0] || weight[0] || extra[0])
        buf_printf(out, " style=\"%s%s%s\"", color, weight, extra);
    buf_puts(out, ">");
}

static void table_header(struct buf *out, const struct doc_block *b)
{
    double total = 0;
    for (size_t c = 0; c < b->ncols; c++)
        total += b->cols[c].width;
    buf_puts(out, "<tr>");
    for (size_t c = 0; c < b->ncols; c++) {
        char extra[80];
        snprintf(extra, sizeof extra, "border-bottom:1px solid #999999;width:%.0f%%;",
                 100 * b->cols[c].width / total);
        cell_open(out, b->cols[c].align, HEX(DOC_TINT_HEADER), DOC_PLAIN, true, extra);
        html_escape(out, b->cols[c].header);
        buf_puts(out, "</td>");
    }
    buf_puts(out, "</tr>\n");
}

static void table_row(struct buf *out, const struct doc_block *b, const struct doc_row *r)
{
    if (r->flags & DOC_ROW_GROUP) {
        const char *tint = HEX(DOC_TINT_GROUP);
        buf_printf(out, "<tr><td colspan=\"%zu\" bgcolor=\"%s\" style=\"font-weight:bold;\">",
                   b->ncols, tint);
        html_escape(out, r->cells[0].text);
        buf_puts(out, "</td></tr>\n");
        return;
    }
    const char *tint = r->flags & DOC_ROW_OWN         ? HEX(DOC_TINT_OWN)
                       : r->flags & DOC_ROW_HIGHLIGHT ? HEX(DOC_TINT_HIGHLIGHT)
                                                      : NULL;
    buf_puts(out, "<tr>");
    for (size_t c = 0; c < b->ncols; c++) {
        cell_open(out, b->cols[c].align, tint, r->cells[c].tone, (r->flags & DOC_ROW_OWN) != 0,
                  b->cols[c].nowrap ? "white-space:nowrap;" : "");
        html_text(out, r->cells[c].text);
        buf_puts(out, "</td>");
    }
    buf_puts(out, "</tr>\n");
}

/* name: the box's name when the table has no caption (the heading above
 * it). */
static void table_block(struct buf *out, const struct doc_block *b, const char *name)
{
    block_open(out, "");
    if (b->text[0]) {
        buf_printf(out,
                   "<div style=\"font-size:13px;line-height:20px;font-weight:bold;color:%s;"
                   "padding-bottom:4px;\">",
                   HEX(doc_tone_text(DOC_PLAIN)));
        html_escape(out, b->text);
        buf_puts(out, "</div>");
    }
    /* A table wider than a phone (the English ranking's nine heads need
     * ~470 px) scrolls sideways in a box of its own, named and reached by
     * Tab, no wider than the screen less the blocks' padding, and the page
     * around it keeps the phone's width; a mail reader that knows neither
     * overflow nor calc() shows it as before. */
    buf_puts(out, "<div tabindex=\"0\" role=\"region\" aria-label=\"");
    html_escape(out, b->text[0] ? b->text : name);
    buf_puts(out, "\" style=\"overflow-x:auto;max-width:calc(100vw - 48px);\">");
    buf_puts(out, "<table width=\"100%\" cellpadding=\"3\" cellspacing=\"0\" border=\"0\" "
                  "style=\"width:100%;border-collapse:collapse;font-size:12px;" FONT
                  "color:#222222;\">\n");
    table_header(out, b);
    for (size_t r = 0; r < b->nrows; r++)
        table_row(out, b, &b->rows[r]);
    buf_puts(out, "</table></div>");
    block_close(out);
}

static void image_block(struct buf *out, const struct doc_html_image *img)
{
    block_open(out, "");
    if (img->caption && *img->caption) {
        buf_printf(out,
                   "<div style=\"font-size:12px;line-height:18px;color:%s;padding-bottom:4px;\">",
                   HEX(doc_tone_text(DOC_MUTED)));
        html_escape(out, img->caption);
        buf_puts(out, "</div>");
    }
    buf_printf(out, "<img src=\"");
    html_escape(out, img->src);
    buf_printf(out, "\" width=\"%d\" alt=\"", DOC_HTML_WIDTH - 48);
    html_escape(out, img->alt);
    buf_printf(out, "\" style=\"display:block;width:%dpx;max-width:100%%;height:auto;border:0;\">",
               DOC_HTML_WIDTH - 48);
    block_close(out);
}

void doc_html(const struct doc *d, struct buf *out)
{
    doc_html_with_image(d, NULL, out);
}

void doc_html_with_image(const struct doc *d, const struct doc_html_image *img, struct buf *out)
{
    buf_puts(out, "<!DOCTYPE html>\n<html lang=\"");
    html_escape(out, d->lang);
    buf_puts(out, "\">\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html; "
                  "charset=utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, "
                  "initial-scale=1\">\n"
                  /* a table's cells take its font, except in Outlook's Word
                   * engine, the only reader of this comment: the size is not
                   * repeated on every cell */
                  "<!--[if mso]><style type=\"text/css\">td{" FONT
                  "font-size:12px;}</style><![endif]-->\n<title>");
    html_escape(out, d->title);
    buf_puts(out, "</title>\n</head>\n<body style=\"margin:0;padding:0;background-color:#eeeeee;"
                  "\">\n<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" "
                  "cellspacing=\"0\" border=\"0\" bgcolor=\"#eeeeee\" style=\"width:100%;"
                  "background-color:#eeeeee;\">\n<tr><td align=\"center\" style=\"padding:16px "
                  "0;\">\n");
    /* 600 px where there is room (the attribute for Outlook's Word engine),
     * the phone's width where there is not: the columns are in percent */
    buf_printf(out,
               "<table role=\"presentation\" width=\"%d\" cellpadding=\"0\" cellspacing=\"0\" "
               "border=\"0\" bgcolor=\"#ffffff\" style=\"width:100%%;max-width:%dpx;"
               "background-color:#ffffff;\">\n",
               DOC_HTML_WIDTH, DOC_HTML_WIDTH);
    const char *heading = d->title;
    for (size_t i = 0; i < d->n; i++) {
        const struct doc_block *b = &d->blocks[i];
        if (b->kind == DOC_FIGURES)
            figures_block(out, b);
        else if (b->kind == DOC_TABLE)
            table_block(out, b, heading);
        else
            text_block(out, b);
        if (b->kind == DOC_HEADING)
            heading = b->text;
    }
    if (img)
        image_block(out, img);
    buf_puts(out, "<tr><td style=\"padding:0 0 12px 0;\"></td></tr>\n</table>\n</td></tr>\n"
                  "</table>\n</body>\n</html>\n");
}
