/* The daily bulletin (日通报) laid out from its view (views/bulletin.h) as a
 * document (doc.h), and that one document written as mail HTML, an A4 PDF
 * and an MMS PNG: the formats show the same words and figures, formatted
 * once here (a rate as "41.29%", a gap in percentage points as "-1.16").
 *
 * The province's bulletin (the view's branch is the province) and a
 * branch's differ in the branch's rank and its own rows (tinted and bold)
 * in the published county ranking.
 *
 * The full document (mail, PDF): the heading (the branch, the date, the
 * run, the day compared with); the branch's summary (K3 coverage per
 * running campaign with bundled / targeted, the day's increment and the
 * gaps to the day's base and challenge; K1 and K2 with their status as a
 * glyph and a word; the newest survey month's satisfaction; diamond and
 * gold members who left); the K5 zone counts with the day's change; per
 * campaign, the bottom five named, the branch's rank and every county
 * ranked, grouped by city; what turned red and what recovered.
 *
 * The short document (MMS): the heading, the summary, per campaign the top
 * five, the branch's own row and the bottom five, the zone counts and the
 * number of alarm changes; cut from the end to the byte budget.
 *
 * Ownership: the view and the labels are read during the call; outputs are
 * the caller's (free() the bytes, doc_free() the document). */
#ifndef RETENTIOND_BULLETIN_DOC_H
#define RETENTIOND_BULLETIN_DOC_H

#include "buf.h"
#include "bulletin.h"
#include "chart.h"
#include "doc.h"
#include "labels.h"

#include <stdbool.h>
#include <stddef.h>

enum bulletin_form {
    BULLETIN_FULL,  /* mail and PDF */
    BULLETIN_SHORT, /* MMS */
};

/* The document of the bulletin in the labels' language (NULL: zh). */
struct doc *bulletin_doc(const struct view_bulletin *v, const struct labels *l,
                         enum bulletin_form form);

/* The full bulletin as mail HTML (appended to out). */
void bulletin_html(const struct view_bulletin *v, const struct labels *l, struct buf *out);

/* The full bulletin as a mail: its HTML with the MMS image below it (src
 * "cid:" image_cid) and its plain text, appended to html and text. */
void bulletin_mail(const struct view_bulletin *v, const struct labels *l, const char *image_cid,
                   struct buf *html, struct buf *text);

/* The mail's subject: the title, and from version 2 on the version. */
void bulletin_subject(const struct view_bulletin *v, const struct labels *l, int version,
                      struct buf *out);

/* The full bulletin as an A4 PDF. False with an error when drawing fails. */
bool bulletin_pdf(const struct view_bulletin *v, const struct labels *l, chart_ctx *ctx,
                  unsigned char **out, size_t *len, char *err, size_t errlen);

/* The short bulletin as a PNG DOC_PNG_WIDTH (640) pixels wide of at most
 * `budget` bytes (0: DOC_PNG_BUDGET, 100 KB). When parts had to be left
 * out, `note` (notelen bytes, may be NULL) says which and how large the
 * whole was, in English for the log, and the image's last line says so to
 * the reader; else note is "". False with an error when even the heading
 * is over the budget, or drawing fails. */
bool bulletin_png(const struct view_bulletin *v, const struct labels *l, chart_ctx *ctx,
                  size_t budget, unsigned char **out, size_t *len, char *note, size_t notelen,
                  char *err, size_t errlen);

#endif
