/* Unit tests of the daily bulletin's three formats (render/bulletin_doc.c
 * over render/doc*.c), built from the bulletin view of the snapshot fixture
 * (tests/fixtures/snapshots/views.jsonl, run 12 of 2026-11-21 against run
 * 11 of the day before): the mail HTML (inline styles only, tables
 * balanced, every text escaped), the PDF (A4, its text read back with
 * pdftotext: names, figures as the HTML writes them, page numbers), the MMS
 * PNG (640 px wide at most, within its byte budget, cut when the budget is
 * tiny) and the same bytes for the same input.
 *
 * The fixture's K3 campaign 1 (融合秋季) on 2026-11-21: the province 90 /
 * 300 = 30.00 % (the day before 60 / 300: +30, +10.00 pt); the counties
 * 江汉 40 / 100 (rank 1, was 2: ▲1), 江岸 30 / 100 (rank 2, was 1: ▼1; its
 * day's path 20 % and 28 %: gaps +10.00 and +2.00), 硚口 20 / 100 (rank 3,
 * unchanged). Five counties at most: all three are the bottom five.
 *
 * BULLETIN_SAMPLES_DIR=dir writes the fixture's bulletins there, to look
 * at; with BULLETIN_SNAPSHOT=file (a daemon's data_dir/snapshot.json) and
 * BULLETIN_BRANCH=code, that snapshot's province and branch bulletins too,
 * with their sizes and times on stdout. */
#include "bulletin_doc.h"
#include "doc.h"
#include "doc_paint.h"
#include "doc_text.h"
#include "mem.h"
#include "view.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The county renamed with the characters HTML must escape. */
#define Q        "420103,\"Q\""
#define ODD_NAME "硚口<&\"区"
#define ODD_HTML "硚口&lt;&amp;&quot;区"

static struct snap *snap;
static chart_fonts *fonts;
static chart_ctx *ctx;

static struct snap *load(const char *path)
{
    struct snap *s = NULL;
    ck_assert_msg(snap_read_file(path, &s), "cannot read %s", path);
    return s;
}

static struct snap *load_fixture(void)
{
    const char *src = getenv("RETENTIOND_SRCDIR");
    ck_assert_msg(src != NULL, "RETENTIOND_SRCDIR is not set");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/snapshots/views.jsonl", src);
    return load(path);
}

static void rename_branch(struct snap *s, const char *code, const char *name)
{
    int b = snap_branch_find(s, code);
    ck_assert_int_ge(b, 0);
    free(s->branches[b].name);
    s->branches[b].name = xstrdup(name);
}

static void setup(void)
{
    char err[256] = "";
    snap = load_fixture();
    fonts = chart_fonts_new(NULL, err, sizeof err);
    ck_assert_msg(fonts != NULL, "%s", err);
    ctx = chart_ctx_new(fonts, err, sizeof err);
    ck_assert_msg(ctx != NULL, "%s", err);
}

static void teardown(void)
{
    chart_ctx_free(ctx);
    chart_fonts_free(fonts);
    snap_unref(snap);
    ctx = NULL;
    fonts = NULL;
    snap = NULL;
}

/* The bulletin view of s for branch (NULL: the province) on date (NULL: the
 * newest run), bottom_n as given (-1: the default). */
static void build(const struct snap *s, const char *branch, const char *date, int bottom_n,
                  struct view_bulletin *v)
{
    struct view_params p;
    struct view_error err = {0};
    view_params_list(&p, (const char *const[]){"branch", branch, "date", date, NULL});
    if (bottom_n >= 0)
        p.bottom_n = bottom_n;
    ck_assert_msg(view_bulletin_build(s, &p, v, &err), "%u %s %s", err.status, err.code,
                  err.message);
}

/* The document's first table (the ranking's, in the short form). */
static const struct doc_block *first_table(const struct doc *d)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->blocks[i].kind == DOC_TABLE)
            return &d->blocks[i];
    ck_abort_msg("no table in the document");
    return NULL;
}

/* ---- outputs --------------------------------------------------------------------------------- */

static char *html_of(const struct view_bulletin *v, const char *lang)
{
    struct buf out = BUF_INIT;
    bulletin_html(v, labels_get(lang), &out);
    return buf_detach(&out, NULL);
}

#define NOWRAP "<span style=\"white-space:nowrap;\">"

/* html with the spans that keep a date on one line taken out (a new
 * string): the text as a reader sees it. */
static char *unspanned(const char *html)
{
    struct buf out = BUF_INIT;
    for (const char *p = html; *p;) {
        const char *span = strstr(p, NOWRAP);
        if (!span) {
            buf_puts(&out, p);
            break;
        }
        const char *end = strstr(span, "</span>");
        ck_assert_ptr_nonnull(end);
        buf_append(&out, p, (size_t)(span - p));
        buf_append(&out, span + strlen(NOWRAP), (size_t)(end - span - strlen(NOWRAP)));
        p = end + strlen("</span>");
    }
    return buf_detach(&out, NULL);
}

static unsigned char *pdf_of(const struct view_bulletin *v, const char *lang, size_t *len)
{
    unsigned char *pdf = NULL;
    char err[256] = "";
    ck_assert_msg(bulletin_pdf(v, labels_get(lang), ctx, &pdf, len, err, sizeof err), "%s", err);
    ck_assert_int_eq(memcmp(pdf, "%PDF-", 5), 0);
    return pdf;
}

static unsigned char *png_of(const struct view_bulletin *v, const char *lang, size_t budget,
                             size_t *len, char *note, size_t notelen)
{
    unsigned char *png = NULL;
    char err[256] = "";
    ck_assert_msg(
        bulletin_png(v, labels_get(lang), ctx, budget, &png, len, note, notelen, err, sizeof err),
        "%s", err);
    return png;
}

/* A PDF tool's standard output on the bytes (free it). */
static char *pdf_tool(const char *tool, const unsigned char *pdf, size_t len)
{
    char path[] = "/tmp/rtnd-bulletin-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert(write(fd, pdf, len) == (ssize_t)len);
    close(fd);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "%s %s%s", tool, path, strncmp(tool, "pdftotext", 9) ? "" : " -");
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    struct buf out = BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        buf_append(&out, chunk, n);
    ck_assert_int_eq(pclose(p), 0);
    unlink(path);
    return buf_detach(&out, NULL);
}

/* s without its white space, no-break spaces included, appended to out. */
static void squeeze(const char *s, struct buf *out)
{
    for (const char *p = s; *p; p++)
        if (strncmp(p, "\u00a0", strlen("\u00a0")) == 0)
            p += strlen("\u00a0") - 1;
        else if (!strchr(" \t\n\f", *p))
            buf_append(out, p, 1);
}

/* Whether hay holds needle, white space aside (pdftotext spaces CJK text
 * as it guesses). */
static bool has_text(const char *hay, const char *needle)
{
    struct buf h = BUF_INIT, n = BUF_INIT;
    squeeze(hay, &h);
    squeeze(needle, &n);
    bool found = strstr(h.data ? h.data : "", n.data ? n.data : "") != NULL;
    buf_release(&h);
    buf_release(&n);
    return found;
}

/* Occurrences of needle in hay. */
static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* A PNG's width and height from its IHDR. */
static void png_size(const unsigned char *png, size_t len, unsigned *w, unsigned *h)
{
    ck_assert_uint_gt(len, 24);
    ck_assert_int_eq(memcmp(png, "\x89PNG\r\n\x1a\n", 8), 0);
    ck_assert_int_eq(memcmp(png + 12, "IHDR", 4), 0);
    *w = (unsigned)png[16] << 24 | (unsigned)png[17] << 16 | (unsigned)png[18] << 8 | png[19];
    *h = (unsigned)png[20] << 24 | (unsigned)png[21] << 16 | (unsigned)png[22] << 8 | png[23];
}

/* ---- HTML ------------------------------------------------------------------------------------ */

/* No <script>, <link> or class; one <style>, in a comment only Outlook's Word
 * engine reads: the cells' font, which Word does not take from their table
 * (every other client does; every other style is inline); the tables' tags
 * balanced; the words and figures of the fixture, escaped. */
START_TEST(html_is_mail_safe)
{
    struct view_bulletin v;
    rename_branch(snap, Q, ODD_NAME);
    build(snap, NULL, NULL, -1, &v);
    char *html = html_of(&v, "zh");
    static const char *const banned[] = {
        "<script", "<link", "class=", "<img", "javascript:", "@media"};
    for (size_t i = 0; i < COUNT(banned); i++)
        ck_assert_msg(strstr(html, banned[i]) == NULL, "%s in the HTML", banned[i]);
    const char *style = strstr(html, "<!--[if mso]><style type=\"text/css\">td{font-family:"),
               *head = strstr(html, "</head>");
    ck_assert_msg(style && head && style < head && count_of(html, "<style") == 1, "%s", html);
    ck_assert_ptr_nonnull(strstr(style, "font-size:12px;}</style><![endif]-->"));
    /* a table's cells take the size from it, not each its own */
    ck_assert_uint_eq(count_of(html, "<td style=\"font-size:12px"), 0);
    ck_assert_ptr_nonnull(strstr(html, "border-collapse:collapse;font-size:12px;"));
    static const char *const tags[][2] = {{"<table", "</table>"}, {"<tr", "</tr>"},
                                          {"<td", "</td>"},       {"<span", "</span>"},
                                          {"<div", "</div>"},     {"<html", "</html>"}};
    for (size_t i = 0; i < COUNT(tags); i++) {
        size_t open = count_of(html, tags[i][0]), close = count_of(html, tags[i][1]);
        ck_assert_msg(open == close && open > 0, "%s %zu, %s %zu", tags[i][0], open, tags[i][1],
                      close);
    }
    /* every element with a style has it inline, and <tr>/<td> in a <table> */
    ck_assert_uint_gt(count_of(html, "style=\""), 50);
    ck_assert_ptr_nonnull(strstr(html, "<table role=\"presentation\" width=\"600\""));
    /* 600 px at most, narrower on a phone: no fixed pixel width in a style */
    ck_assert_ptr_nonnull(strstr(html, "style=\"width:100%;max-width:600px;"));
    ck_assert_ptr_null(strstr(html, "\"width:600px"));
    ck_assert_ptr_null(strstr(html, ";width:600px"));
    /* the five zones: cards of 110 px that wrap on a phone, in cells of a
     * table only Word reads; the ranking in a box of its own that scrolls
     * sideways where it is wider than the phone, named by its heading */
    ck_assert_uint_eq(count_of(html, "<!--[if mso]><td width=\"110\" valign=\"top\"><![endif]-->"
                                     "<div style=\"display:inline-block;vertical-align:top;"
                                     "width:100%;max-width:110px;\">"),
                      5);
    ck_assert_uint_eq(count_of(html, "<!--[if mso]><table role=\"presentation\""), 1);
    ck_assert_ptr_nonnull(strstr(html, "<div tabindex=\"0\" role=\"region\" aria-label=\""
                                       "融合秋季：区县排名\" "
                                       "style=\"overflow-x:auto;max-width:calc(100vw - 48px);\">"
                                       "<table"));
    /* escaped, never raw */
    ck_assert_msg(strstr(html, ODD_HTML) != NULL, "%s", html);
    ck_assert_ptr_null(strstr(html, ODD_NAME));
    /* ... and the survey against the month before's (run 10's 2026-09) */
    static const char *const want[] = {"湖北省公司日通报（2026-11-21）",
                                       "数据日期 2026-11-21（计算批次 12），日变化对比 2026-11-20",
                                       "30.00%",
                                       "已捆绑 90 / 目标客户 300",
                                       "当日新增 +30 · 较昨日 +10.00 个百分点",
                                       "江汉",
                                       "40.00%",
                                       "▲\u00a0升1",
                                       "▼\u00a0降1",
                                       ("后五名：江汉、江岸、" ODD_HTML),
                                       "武汉",
                                       "+10.00",
                                       "+2.00",
                                       "● 达标",
                                       "▼ 低于基础时序进度",
                                       "较昨日新转红（",
                                       "较 2026-09 调查 +4.50 分",
                                       "流失区"};
    /* read with the spans that keep each date on one line taken out */
    ck_assert_ptr_nonnull(strstr(html, "日变化对比 " NOWRAP "2026-11-20</span>"));
    char *text = unspanned(html);
    for (size_t i = 0; i < COUNT(want); i++)
        ck_assert_msg(strstr(text, want[i]) != NULL, "'%s' not in the HTML", want[i]);
    free(text);
    free(html);
    view_bulletin_free(&v);
}
END_TEST

/* The English words, from the same layout. */
START_TEST(html_in_english)
{
    struct view_bulletin v;
    build(snap, NULL, NULL, 1, &v);
    char *html = html_of(&v, "en");
    static const char *const want[] = {"<html lang=\"en\">", "daily bulletin of 2026-11-21",
                                       "Bottom five: 硚口", "New today +30",
                                       "Page" /* nowhere: the HTML has no pages */};
    for (size_t i = 0; i + 1 < COUNT(want); i++)
        ck_assert_msg(strstr(html, want[i]) != NULL, "'%s' not in the HTML", want[i]);
    ck_assert_ptr_null(strstr(html, want[COUNT(want) - 1]));
    ck_assert_ptr_null(strstr(html, "后五名"));
    free(html);
    view_bulletin_free(&v);
}
END_TEST

/* A tie across the bottom line is named whole: 硚口 given 江岸's coverage
 * (30 %, both rank 2), the bottom one names both and says why there are
 * more than one (the code order named 硚口 alone); a tie above the line is
 * named by nobody. */
START_TEST(a_tie_across_the_bottom_line_is_named_whole)
{
    const struct snap_run *run = snap_latest(snap);
    struct snap_value *x =
        (struct snap_value *)snap_find(run, SNAP_BUNDLING, snap_branch_find(snap, Q), NULL, 1);
    const struct snap_value *jiangan =
        snap_find(run, SNAP_BUNDLING, snap_branch_find(snap, "420101"), NULL, 1);
    ck_assert(x && jiangan);
    x->f[SNAP_VALUE] = jiangan->f[SNAP_VALUE];
    struct view_bulletin v;
    build(snap, NULL, NULL, 1, &v);
    ck_assert_uint_eq(v.campaigns[0].nbottom, 2);
    ck_assert(v.campaigns[0].bottom_tied);
    char *html = html_of(&v, "zh");
    const char *line = strstr(html, "后五名");
    ck_assert_msg(strstr(html, "后五名（含并列，共 2 个）：江岸、硚口"), "%.200s",
                  line ? line : "no bottom line");
    free(html);
    html = html_of(&v, "en");
    ck_assert_ptr_nonnull(strstr(html, "Bottom five (2 with ties): 江岸, 硚口"));
    free(html);
    /* a county's rank line says the tie */
    struct view_bulletin own;
    build(snap, "420101", NULL, 1, &own);
    html = html_of(&own, "zh");
    ck_assert_msg(strstr(html, "本单位在全省 3 个区县中并列第"), "%s", html);
    free(html);
    view_bulletin_free(&own);
    /* the MMS: both under a group row that says so */
    struct doc *d = bulletin_doc(&v, labels_get("zh"), BULLETIN_SHORT);
    const struct doc_block *table = first_table(d);
    ck_assert_uint_eq(table->nrows, 5); /* 前五名, 江汉; the tie's group, 江岸, 硚口 */
    ck_assert_str_eq(table->rows[2].cells[0].text, "后五名（含并列，共 2 个）");
    ck_assert(table->rows[3].flags & DOC_ROW_HIGHLIGHT && table->rows[4].flags & DOC_ROW_HIGHLIGHT);
    doc_free(d);
    view_bulletin_free(&v);
    build(snap, NULL, NULL, 2, &v);
    ck_assert_uint_eq(v.campaigns[0].nbottom, 2);
    ck_assert(!v.campaigns[0].bottom_tied);
    view_bulletin_free(&v);
}
END_TEST

/* A county's bulletin: its rank among the counties, its own row marked. */
START_TEST(html_of_a_county)
{
    struct view_bulletin v;
    build(snap, "420101", NULL, 1, &v);
    char *html = html_of(&v, "zh");
    ck_assert_ptr_nonnull(strstr(html, "江岸日通报（2026-11-21）"));
    ck_assert_ptr_nonnull(strstr(html, "本单位在全省 3 个区县中排第 2 名（较昨日 ▼ 下降 1 位）"));
    ck_assert_ptr_nonnull(strstr(html, "名次 2 / 3 ▼ 下降 1 位"));
    /* the K3 card gives the day's points on the path its gaps are taken
     * to, before the gaps (they read as gaps to the campaign's targets) */
    const char *gaps = strstr(html, "距基础"), *path = strstr(html, "基础时序进度");
    ck_assert_msg(path && gaps && path < gaps, "%s", html);
    /* and the campaign's own targets beside them (domain.md: still shown) */
    const char *end = strstr(html, "期末基础目标");
    ck_assert_msg(end && path < end && end < gaps && strstr(end, "期末挑战目标"), "%s", html);
    /* the gaps again in customers: 30 bundled of 100, the day's points 20
     * and 28 customers (20 % and 28 % of 100, not one more for the
     * rounding of 0.28 * 100) */
    ck_assert_msg(strstr(gaps, "折合客户 距基础 +10 · 距挑战 +2 户"), "%s", html);
    char *en = html_of(&v, "en");
    ck_assert_msg(strstr(en, "in customers: gap to base +10 · gap to challenge +2<"), "%s", en);
    free(en);
    ck_assert_ptr_nonnull(strstr(html, "后五名：硚口"));
    /* a county has nothing below it: its own alarm changes, not "及下属" */
    ck_assert_ptr_nonnull(strstr(html, "预警变化（江岸）"));
    /* the own row: tinted (#d9e8f5) and bold; the bottom one tinted (#fbe3d6) */
    ck_assert_uint_eq(count_of(html, "bgcolor=\"#d9e8f5\""), 9);
    ck_assert_uint_eq(count_of(html, "bgcolor=\"#fbe3d6\""), 9);
    /* the text part marks them apart: "> " the own row, "* " the bottom one */
    struct buf mail = BUF_INIT, text = BUF_INIT;
    bulletin_mail(&v, labels_get("zh"), "img@test", &mail, &text);
    ck_assert_msg(strstr(text.data, "\n> 2 | ") && strstr(text.data, "\n* 3 | "), "%s", text.data);
    ck_assert_uint_eq(count_of(text.data, "\n> "), 1);
    buf_release(&mail);
    buf_release(&text);
    free(html);
    view_bulletin_free(&v);
}
END_TEST

/* Whether text has a rank glyph followed by a figure ("▲1", "▼ 2"): a
 * move a screen reader would read as a triangle and a number. */
static bool glyph_alone(const char *text)
{
    static const char *const glyphs[] = {"▲", "▼"};
    for (size_t g = 0; g < COUNT(glyphs); g++)
        for (const char *p = strstr(text, glyphs[g]); p; p = strstr(p + 1, glyphs[g])) {
            const char *q = p + strlen(glyphs[g]);
            while (*q == ' ' || strncmp(q, "\u00a0", strlen("\u00a0")) == 0)
                q += *q == ' ' ? 1 : strlen("\u00a0");
            if (*q >= '0' && *q <= '9')
                return true;
        }
    return false;
}

/* What a reader gets of a view in one language: the page's HTML, the
 * mail's text part and the PDF's text (pdftotext). */
struct texts {
    char *html, *pdf_text;
    struct buf mail, text;
};

static void texts_of(const struct view_bulletin *v, const char *lang, struct texts *t)
{
    *t = (struct texts){.html = html_of(v, lang), .mail = BUF_INIT, .text = BUF_INIT};
    bulletin_mail(v, labels_get(lang), "img@test", &t->mail, &t->text);
    size_t len;
    unsigned char *pdf = pdf_of(v, lang, &len);
    t->pdf_text = pdf_tool("pdftotext -layout -enc UTF-8", pdf, len);
    free(pdf);
}

static void texts_free(struct texts *t)
{
    free(t->html);
    free(t->pdf_text);
    buf_release(&t->mail);
    buf_release(&t->text);
}

/* A rank's move is said in words beside its glyph, in every format and
 * both languages: the mail's HTML (no attribute a client may strip
 * carries it), its text part and the PDF. */
START_TEST(rank_change_in_words)
{
    static const struct {
        const char *branch, *lang, *up, *down;
    } cases[] = {{NULL, "zh", "▲\u00a0升1", "▼\u00a0降1"},
                 {NULL, "en", "▲\u00a0up\u00a01", "▼\u00a0down\u00a01"},
                 {"420101", "zh", "▲\u00a0升1", "名次 2 / 3 ▼ 下降 1 位"},
                 {"420101", "en", "▲ up 1", "▼ down 1"}};
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct view_bulletin v;
        build(snap, cases[i].branch, NULL, -1, &v);
        struct texts t;
        texts_of(&v, cases[i].lang, &t);
        const char *outs[][2] = {{"HTML", t.html}, {"text part", t.text.data}, {"PDF", t.pdf_text}};
        for (size_t k = 0; k < COUNT(outs); k++) {
            ck_assert_msg(has_text(outs[k][1], cases[i].up) && has_text(outs[k][1], cases[i].down),
                          "%s %s: no '%s' or '%s'", cases[i].lang, outs[k][0], cases[i].up,
                          cases[i].down);
            ck_assert_msg(!glyph_alone(outs[k][1]), "%s %s: a glyph without words", cases[i].lang,
                          outs[k][0]);
        }
        texts_free(&t);
        view_bulletin_free(&v);
    }
}
END_TEST

/* ---- PDF ------------------------------------------------------------------------------------- */

/* A table too wide for its columns' texts unwrapped keeps a no-wrap
 * column's cells whole, taking the room from the widest other column: an
 * English MMS broke "▼ down 1" into "▼ do-" and "wn 1". */
START_TEST(a_nowrap_column_stays_whole_in_a_tight_table)
{
    static const struct doc_column_spec cols[] = {{"Rank", DOC_RIGHT, 0.65},
                                                  {"Rank change", DOC_CENTER, 0.5},
                                                  {"County", DOC_LEFT, 3},
                                                  {"Bundled customers", DOC_RIGHT, 0.95},
                                                  {"Targeted customers", DOC_RIGHT, 0.95},
                                                  {"New today", DOC_RIGHT, 0.9},
                                                  {"Coverage", DOC_RIGHT, 0.9},
                                                  {"Gap to base (pt)", DOC_RIGHT, 1.05},
                                                  {"Gap to challenge (pt)", DOC_RIGHT, 1.05}};
    struct doc *d = doc_new("en", "t", "2026-11-21");
    doc_set_pages(d, "t", "page {n} of {m}", "{n} more");
    doc_table(d, "", cols, COUNT(cols));
    doc_column_nowrap(d, 1);
    doc_row(d, 0,
            (const struct doc_cell_spec[]){{"12", DOC_PLAIN},
                                           {"▼\u00a0down\u00a012", DOC_PLAIN},
                                           {"A county with a rather long name of words", DOC_PLAIN},
                                           {"1,234,567", DOC_PLAIN},
                                           {"2,345,678", DOC_PLAIN},
                                           {"+12,345", DOC_PLAIN},
                                           {"100.00%", DOC_PLAIN},
                                           {"+100.00", DOC_PLAIN},
                                           {"-100.00", DOC_PLAIN}});
    unsigned char *pdf = NULL;
    size_t len = 0;
    char err[256] = "";
    ck_assert_msg(doc_paint_pdf(d, ctx, &pdf, &len, err, sizeof err), "%s", err);
    char *text = pdf_tool("pdftotext -layout -enc UTF-8", pdf, len);
    ck_assert_msg(has_text(text, "▼ down 12"), "the move is broken:\n%s", text);
    ck_assert_msg(has_text(text, "1,234,567") && has_text(text, "Coverage"), "%s", text);
    free(text);
    free(pdf);
    doc_free(d);
}
END_TEST

START_TEST(pdf_reads_back)
{
    struct view_bulletin v;
    rename_branch(snap, Q, ODD_NAME);
    build(snap, NULL, NULL, -1, &v);
    size_t len;
    unsigned char *pdf = pdf_of(&v, "zh", &len);
    char *info = pdf_tool("pdfinfo", pdf, len);
    const char *pages = strstr(info, "\nPages:"), *size = strstr(info, "\nPage size:");
    double w = 0, h = 0;
    ck_assert_msg(pages && atoi(pages + 7) >= 1, "%s", info);
    ck_assert_msg(size && sscanf(size + 11, "%lf x %lf", &w, &h) == 2, "%s", info);
    ck_assert_msg(w > 595 && w < 596 && h > 841 && h < 842, "not A4 portrait:\n%s", info);
    ck_assert_msg(strstr(info, "(A4)") != NULL, "%s", info);
    ck_assert_msg(strstr(info, "CreationDate:") && strstr(info, "2026"), "%s", info);
    char *text = pdf_tool("pdftotext -layout -enc UTF-8", pdf, len);
    /* ... and the survey against the month before's (run 10's 2026-09) */
    static const char *const want[] = {"湖北省公司日通报（2026-11-21）",
                                       "江汉",
                                       "江岸",
                                       ODD_NAME,
                                       "武汉",
                                       "30.00%",
                                       "40.00%",
                                       "20.00%",
                                       "+10.00",
                                       "+2.00",
                                       "▲\u00a0升1",
                                       "▼\u00a0降1",
                                       ("后五名：江汉、江岸、" ODD_NAME),
                                       "第 1 页 / 共 2 页",
                                       "第 2 页 / 共 2 页",
                                       "年初以来离网：钻石卡 10 人，金卡 12 人",
                                       "已捆绑 90 / 目标客户 300"};
    for (size_t i = 0; i < COUNT(want); i++)
        ck_assert_msg(has_text(text, want[i]), "'%s' not in:\n%.2000s", want[i], text);
    /* every font a Type 3 font: the chart library's user-font path */
    char *fonts_list = pdf_tool("pdffonts", pdf, len);
    ck_assert_msg(strstr(fonts_list, "Type 3") && !strstr(fonts_list, "CID"), "%s", fonts_list);
    free(fonts_list);
    free(text);
    free(info);
    free(pdf);
    view_bulletin_free(&v);
}
END_TEST

/* A ranking longer than a page: pages break between rows, the header comes
 * again on each page, every page is numbered. Made by repeating the
 * fixture's rows 80 times. */
START_TEST(pdf_breaks_between_rows)
{
    struct view_bulletin v;
    build(snap, NULL, NULL, -1, &v);
    struct view_bulletin_campaign *c = &v.campaigns[0];
    size_t n = c->n * 80;
    struct view_rank *rows = xcalloc(n, sizeof *rows);
    for (size_t i = 0; i < n; i++) {
        rows[i] = c->rows[i % c->n];
        rows[i].rank = (int)i + 1;
        rows[i].bottom = i + 5 >= n;
    }
    free(c->rows);
    c->rows = rows;
    c->n = n;
    size_t len;
    unsigned char *pdf = pdf_of(&v, "zh", &len);
    char *info = pdf_tool("pdfinfo", pdf, len);
    const char *pages = strstr(info, "\nPages:");
    int np = pages ? atoi(pages + 7) : 0;
    ck_assert_msg(np >= 3, "%s", info);
    char *text = pdf_tool("pdftotext -layout -enc UTF-8", pdf, len);
    char want[64];
    for (int p = 1; p <= np; p++) {
        snprintf(want, sizeof want, "第 %d 页 / 共 %d 页", p, np);
        ck_assert_msg(has_text(text, want), "'%s' not in:\n%.2000s", want, text);
    }
    /* the ranking's header on every page it spans (the first has the summary) */
    ck_assert_uint_ge(count_of(text, "（百分点）"), 2 * ((size_t)np - 1));
    ck_assert_ptr_nonnull(strstr(text, "240 "));
    free(text);
    free(info);
    free(pdf);
    view_bulletin_free(&v);
}
END_TEST

/* A short table (six rows or fewer) is not split across pages: whatever
 * fills the page above it, its five rows are on one page (the report's
 * zone table had left one row at a page's bottom). */
START_TEST(pdf_keeps_a_short_table_whole)
{
    for (int notes = 20; notes < 60; notes += 3) {
        struct doc *d = doc_new("zh", "t", "2026-11-21");
        doc_set_pages(d, "t", "{n} / {m}", "");
        for (int k = 0; k < notes; k++)
            doc_note(d, DOC_PLAIN, "填充的一行说明文字", false);
        const struct doc_column_spec cols[] = {{"区", DOC_LEFT, 1}, {"人数", DOC_RIGHT, 1}};
        doc_table(d, "", cols, 2);
        for (int r = 1; r <= 5; r++) {
            char name[16];
            snprintf(name, sizeof name, "第%d行", r);
            doc_row(d, 0, (const struct doc_cell_spec[]){{name, DOC_PLAIN}, {"1", DOC_PLAIN}});
        }
        unsigned char *pdf = NULL;
        size_t len = 0;
        char err[200];
        ck_assert_msg(doc_paint_pdf(d, ctx, &pdf, &len, err, sizeof err), "%s", err);
        char *text = pdf_tool("pdftotext -layout -enc UTF-8", pdf, len);
        const char *first = strstr(text, "第1行"), *last = strstr(text, "第5行");
        ck_assert_ptr_nonnull(first);
        ck_assert_ptr_nonnull(last);
        ck_assert_msg(memchr(first, '\f', (size_t)(last - first)) == NULL,
                      "%d notes: the table split across pages", notes);
        free(text);
        free(pdf);
        doc_free(d);
    }
}
END_TEST

/* ---- PNG ------------------------------------------------------------------------------------- */

START_TEST(png_fits_mms)
{
    struct view_bulletin v;
    build(snap, "420101", NULL, 1, &v);
    size_t len;
    char note[300] = "x";
    unsigned char *png = png_of(&v, "zh", 0, &len, note, sizeof note);
    unsigned w, h;
    png_size(png, len, &w, &h);
    ck_assert_uint_le(w, 640);
    ck_assert_uint_gt(h, 400);
    ck_assert_uint_le(len, DOC_PNG_BUDGET);
    ck_assert_msg(note[0] == '\0', "%s", note);
    free(png);
    view_bulletin_free(&v);
}
END_TEST

/* A tiny budget: parts left out from the end, said in the note, the image
 * within it and shorter. */
START_TEST(png_tiny_budget_drops_blocks)
{
    struct view_bulletin v;
    build(snap, NULL, NULL, -1, &v);
    size_t whole, len;
    char note[300] = "";
    unsigned char *png = png_of(&v, "zh", 0, &whole, note, sizeof note);
    unsigned w0, h0, w, h;
    png_size(png, whole, &w0, &h0);
    free(png);
    size_t budget = whole * 2 / 3;
    png = png_of(&v, "zh", budget, &len, note, sizeof note);
    png_size(png, len, &w, &h);
    ck_assert_uint_le(len, budget);
    ck_assert_uint_eq(w, w0);
    ck_assert_uint_lt(h, h0);
    ck_assert_msg(strstr(note, "left out") != NULL, "%s", note);
    ck_assert_msg(strstr(note, "over the budget") != NULL, "%s", note);
    free(png);
    /* a budget below the heading alone: an error */
    char err[256] = "";
    unsigned char *none = NULL;
    ck_assert(!bulletin_png(&v, labels_get("zh"), ctx, 200, &none, &len, note, sizeof note, err,
                            sizeof err));
    ck_assert_ptr_null(none);
    ck_assert_msg(strstr(err, "budget") != NULL, "%s", err);
    view_bulletin_free(&v);
}
END_TEST

/* The document's blocks: the short form's ranking holds the top five, the
 * own row and the bottom five under group rows; a cut never ends on a
 * heading. */
START_TEST(short_form_ranking)
{
    struct view_bulletin v;
    build(snap, "420101", NULL, 1, &v);
    struct doc *d = bulletin_doc(&v, labels_get("zh"), BULLETIN_SHORT);
    const struct doc_block *table = first_table(d);
    /* 前五名: 江汉, 江岸 (own: rank 2); 后五名: 硚口 */
    ck_assert_uint_eq(table->nrows, 5);
    ck_assert(table->rows[0].flags & DOC_ROW_GROUP);
    ck_assert_str_eq(table->rows[0].cells[0].text, "前五名");
    ck_assert_str_eq(table->rows[1].cells[2].text, "江汉");
    ck_assert_str_eq(table->rows[2].cells[2].text, "江岸");
    ck_assert(table->rows[2].flags & DOC_ROW_OWN);
    ck_assert_str_eq(table->rows[3].cells[0].text, "后五名");
    ck_assert(table->rows[4].flags & DOC_ROW_HIGHLIGHT);
    for (size_t i = 0; i < d->n; i++)
        if (d->blocks[i].kind == DOC_HEADING)
            ck_assert(doc_keep_with_next(d, i));
    doc_free(d);
    view_bulletin_free(&v);
}
END_TEST

/* ---- the same bytes -------------------------------------------------------------------------- */

START_TEST(same_bytes_twice)
{
    struct view_bulletin v;
    build(snap, _i ? "420101" : NULL, NULL, -1, &v);
    char *h1 = html_of(&v, "zh"), *h2 = html_of(&v, "zh");
    ck_assert_str_eq(h1, h2);
    size_t l1, l2;
    unsigned char *p1 = pdf_of(&v, "zh", &l1), *p2 = pdf_of(&v, "zh", &l2);
    ck_assert(l1 == l2 && memcmp(p1, p2, l1) == 0);
    free(p1);
    free(p2);
    p1 = png_of(&v, "zh", 0, &l1, NULL, 0);
    p2 = png_of(&v, "zh", 0, &l2, NULL, 0);
    ck_assert(l1 == l2 && memcmp(p1, p2, l1) == 0);
    free(p1);
    free(p2);
    free(h1);
    free(h2);
    view_bulletin_free(&v);
}
END_TEST

/* Without the day before (run 10 of 2026-10-31 has none): said, and no
 * day's changes. */
START_TEST(without_the_day_before)
{
    struct view_bulletin v;
    build(snap, NULL, "2026-10-31", -1, &v);
    char *html = html_of(&v, "zh");
    /* the date held on one line (a phone's column broke it at a hyphen) */
    ck_assert_ptr_nonnull(strstr(html, "没有 " NOWRAP "2026-10-30</span> 的计算结果"));
    ck_assert_ptr_null(strstr(html, "当日新增 +"));
    size_t len;
    unsigned char *pdf = pdf_of(&v, "zh", &len);
    free(pdf);
    free(html);
    view_bulletin_free(&v);
    /* a county's: no rank change said, none "new" (every row read 新, as
     * if no county had been ranked the day before) */
    build(snap, "420101", "2026-10-31", -1, &v);
    html = html_of(&v, "zh");
    const char *line = strstr(html, "本单位在全省 3 个区县中");
    ck_assert_msg(line && strstr(line, "名") && strncmp(strstr(line, "名"), "名（", 4) != 0,
                  "%.120s", line ? line : "no rank line");
    ck_assert_msg(!strstr(html, ">新<") && !strstr(html, "名次 2 / 3 新"), "%s", html);
    free(html);
    view_bulletin_free(&v);
}
END_TEST

/* The period of the zone counts of branch b in run r (0: none). */
static uint16_t zone_month_of(const struct snap_run *r, int b)
{
    for (size_t i = 0; i < r->nvalues; i++)
        if (r->values[i].kpi == SNAP_ZONES && r->values[i].branch == b && r->values[i].period)
            return r->values[i].period;
    return 0;
}

/* On the day a new month closed, the zones' change is against the month
 * before, and says so (it read 较昨日 +410, a month's move): here the day
 * before is a run whose zones are another month's. */
START_TEST(the_zones_change_names_the_month_before)
{
    struct view_bulletin v;
    build(snap, NULL, NULL, -1, &v);
    char *html = html_of(&v, "zh");
    ck_assert_msg(!strstr(html, "较上月（"), "a month named without a change of month");
    free(html);
    uint16_t now = zone_month_of(v.run, v.branch);
    const struct snap_run *before = NULL;
    for (size_t i = 0; i < snap->nruns && !before; i++) {
        uint16_t m = zone_month_of(snap->runs[i], v.branch);
        if (m && m != now)
            before = snap->runs[i];
    }
    ck_assert_msg(now && before, "no run of the fixture has another month's zones");
    v.prev = before;
    const char *month = snap_str(zone_month_of(before, v.branch));
    html = html_of(&v, "zh");
    const char *said = strstr(html, "较上月（");
    ck_assert_msg(said && strstr(said, month) && strstr(said, month) - said < 80, "%s",
                  said ? said : html);
    free(html);
    view_bulletin_free(&v);
}
END_TEST

/* Whether v lists kpi's total of the branch coded code as turned red. */
static bool lists_turned_red(const struct view_bulletin *v, enum snap_kpi kpi, const char *code)
{
    for (size_t i = 0; i < v->nturned_red; i++)
        if (v->turned_red[i]->kpi == kpi &&
            strcmp(snap->branches[v->turned_red[i]->branch].code, code) == 0 &&
            !snap_str(v->turned_red[i]->dim))
            return true;
    return false;
}

/* "Turned red" is since the day before, not since the previous period:
 * 武汉's K1 on 2026-11-21 is red, stored with last period's green. Green
 * the day before (run 11, set here): it turned red; already red the day
 * before: it did not, though its period's status was green (a monthly KPI
 * was told every day of a month). */
START_TEST(turned_red_is_since_the_day_before)
{
    const struct snap_run *day_before = snap_run_on(snap, "2026-11-20");
    struct snap_value *k1 = (struct snap_value *)snap_find(
        day_before, SNAP_RETENTION, snap_branch_find(snap, "420100"), NULL, -1);
    ck_assert_ptr_nonnull(k1);
    uint8_t status = k1->status;
    struct view_bulletin v;
    k1->status = SNAP_STATUS_GREEN;
    build(snap, NULL, "2026-11-21", -1, &v);
    ck_assert(lists_turned_red(&v, SNAP_RETENTION, "420100"));
    view_bulletin_free(&v);
    k1->status = SNAP_STATUS_RED;
    build(snap, NULL, "2026-11-21", -1, &v);
    ck_assert(!lists_turned_red(&v, SNAP_RETENTION, "420100"));
    view_bulletin_free(&v);
    k1->status = status;
}
END_TEST

/* How many of the subtree's indicators are red now, beside what changed
 * since the day before: one more red value is one more in the count, in
 * the HTML (full form) and in the MMS image's text (short form). */
START_TEST(red_now_is_counted)
{
    struct snap_value *k1 =
        (struct snap_value *)snap_find(snap_run_on(snap, "2026-11-21"), SNAP_RETENTION,
                                       snap_branch_find(snap, "420100"), NULL, -1);
    ck_assert_ptr_nonnull(k1);
    uint8_t status = k1->status;
    k1->status = SNAP_STATUS_GREEN;
    struct view_bulletin v;
    build(snap, NULL, "2026-11-21", -1, &v);
    size_t before = v.nred;
    view_bulletin_free(&v);
    k1->status = SNAP_STATUS_RED;
    build(snap, NULL, "2026-11-21", -1, &v);
    ck_assert_uint_eq(v.nred, before + 1);
    char want[64];
    snprintf(want, sizeof want, "当前预警 %zu 项；", before + 1);
    char *html = html_of(&v, "zh");
    ck_assert_msg(strstr(html, want), "%s", html);
    struct doc *d = bulletin_doc(&v, labels_get("zh"), BULLETIN_SHORT);
    struct buf text = BUF_INIT;
    doc_text(d, &text);
    ck_assert_msg(strstr(text.data, want), "%s", text.data);
    buf_release(&text);
    doc_free(d);
    free(html);
    view_bulletin_free(&v);
    k1->status = status;
}
END_TEST

/* The satisfaction card names the challenge beside the base (a status
 * may be judged against it), and GoTone's status in words. */
START_TEST(satisfaction_card_names_the_challenge)
{
    struct view_bulletin v;
    build(snap, NULL, "2026-11-21", -1, &v);
    ck_assert_ptr_nonnull(v.satisfaction);
    struct snap_value *x = (struct snap_value *)v.satisfaction;
    double challenge = x->f[SNAP_CHALLENGE];
    x->f[SNAP_CHALLENGE] = 86;
    char *html = html_of(&v, "zh");
    ck_assert_msg(strstr(html, "基础目标 82.00 · 挑战目标 86.00"), "%s", html);
    free(html);
    x->f[SNAP_CHALLENGE] = challenge;
    view_bulletin_free(&v);
}
END_TEST

/* A satisfaction score from a tree with a child that has no score is
 * flagged (domain.md: weights renormalised, flagged as partial) in the
 * HTML, the text part and the PDF; a whole tree is not. */
START_TEST(a_partial_satisfaction_says_so)
{
    static const struct {
        const char *lang, *words;
    } cases[] = {{"zh", "部分指标无数据"}, {"en", "partial: a child has no score"}};
    for (size_t i = 0; i < COUNT(cases); i++) {
        for (int partial = 0; partial <= 1; partial++) {
            struct view_bulletin v;
            build(snap, NULL, "2026-11-21", -1, &v);
            ck_assert_ptr_nonnull(v.satisfaction);
            /* GoTone: in integration-bulletin (this fixture has none) */
            ck_assert_ptr_null(v.gotone);
            struct snap_value *x = (struct snap_value *)v.satisfaction;
            bool was_x = x->partial;
            x->partial = partial;
            struct texts t;
            texts_of(&v, cases[i].lang, &t);
            const char *outs[][2] = {{"HTML", t.html}, {"text part", t.text.data}};
            for (size_t k = 0; k < COUNT(outs); k++)
                ck_assert_msg(count_of(outs[k][1], cases[i].words) == (size_t)partial,
                              "%s %s: '%s' %zu times", cases[i].lang, outs[k][0], cases[i].words,
                              count_of(outs[k][1], cases[i].words));
            ck_assert_msg(has_text(t.pdf_text, cases[i].words) == (partial == 1), "%s PDF: %s",
                          cases[i].lang, t.pdf_text);
            x->partial = was_x;
            texts_free(&t);
            view_bulletin_free(&v);
        }
    }
}
END_TEST

/* ---- samples, to look at --------------------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* The three formats of one bulletin into dir/<name>.{html,pdf,png}. */
static void write_samples(const char *dir, const char *name, const struct view_bulletin *v,
                          const char *lang)
{
    char file[256], note[400] = "";
    size_t len;
    double t0 = now_ms();
    char *html = html_of(v, lang);
    double t1 = now_ms();
    unsigned char *pdf = pdf_of(v, lang, &len);
    double t2 = now_ms();
    snprintf(file, sizeof file, "%s.html", name);
    write_file(dir, file, html, strlen(html));
    snprintf(file, sizeof file, "%s.pdf", name);
    write_file(dir, file, pdf, len);
    printf("%s: html %zu bytes %.1f ms, pdf %zu bytes %.1f ms", name, strlen(html), t1 - t0, len,
           t2 - t1);
    free(pdf);
    free(html);
    t0 = now_ms();
    unsigned char *png = png_of(v, lang, 0, &len, note, sizeof note);
    t1 = now_ms();
    snprintf(file, sizeof file, "%s.png", name);
    write_file(dir, file, png, len);
    printf(", png %zu bytes %.1f ms%s%s\n", len, t1 - t0, note[0] ? ": " : "", note);
    free(png);
}

START_TEST(samples)
{
    const char *dir = getenv("BULLETIN_SAMPLES_DIR");
    if (!dir)
        return;
    struct view_bulletin v;
    rename_branch(snap, Q, ODD_NAME);
    build(snap, NULL, NULL, -1, &v);
    write_samples(dir, "fixture-province", &v, "zh");
    write_samples(dir, "fixture-province-en", &v, "en");
    view_bulletin_free(&v);
    build(snap, "420101", NULL, 1, &v);
    write_samples(dir, "fixture-county", &v, "zh");
    view_bulletin_free(&v);
    const char *other = getenv("BULLETIN_SNAPSHOT");
    if (!other)
        return;
    struct snap *s = load(other);
    build(s, NULL, NULL, -1, &v);
    write_samples(dir, "province", &v, "zh");
    write_samples(dir, "province", &v, "zh"); /* warm */
    write_samples(dir, "province-en", &v, "en");
    char note[400] = "";
    size_t len;
    unsigned char *png = png_of(&v, "zh", (size_t)atoi(getenv("CUT") ? getenv("CUT") : "40000"),
                                &len, note, sizeof note); /* a smaller MMS */
    write_file(dir, "province-40k.png", png, len);
    printf("province-40k: png %zu bytes: %s\n", len, note);
    free(png);
    view_bulletin_free(&v);
    const char *branch = getenv("BULLETIN_BRANCH");
    if (branch) {
        build(s, branch, NULL, -1, &v);
        write_samples(dir, "branch", &v, "zh");
        write_samples(dir, "branch-en", &v, "en");
        view_bulletin_free(&v);
    }
    snap_unref(s);
}
END_TEST

/* A city's bulletin gives its place among the cities (its siblings) by
 * its total; a county's its place among the counties, not the cities'. */
START_TEST(a_city_has_its_rank_among_the_cities)
{
    struct view_bulletin v;
    build(snap, "420100", NULL, 1, &v);
    ck_assert_int_eq(v.campaigns[0].city.rank, 1);
    ck_assert_uint_eq(v.campaigns[0].ncities, 1); /* 420200 has no total of the campaign */
    char *html = html_of(&v, "zh");
    char *text = unspanned(html);
    ck_assert_msg(strstr(text, "地市名次 1 / 1 持平"), "%s", text);
    free(text);
    free(html);
    view_bulletin_free(&v);
    build(snap, "420101", NULL, 1, &v);
    ck_assert_int_eq(v.campaigns[0].city.rank, 0);
    html = html_of(&v, "zh");
    ck_assert_msg(!strstr(html, "地市名次"), "a county ranked among the cities");
    free(html);
    view_bulletin_free(&v);
}
END_TEST

/* Counts as a reader reads them: thousands separated, signed on demand. */
START_TEST(counts_are_thousands_separated)
{
    static const struct {
        double x;
        bool sign;
        const char *want;
    } cases[] = {{0, true, "0"},
                 {7, true, "+7"},
                 {-3, true, "-3"},
                 {999, false, "999"},
                 {1000, false, "1,000"},
                 {62968, false, "62,968"},
                 {-1234567, true, "-1,234,567"},
                 {1e9, true, "+1,000,000,000"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf out = BUF_INIT;
        doc_count(&out, cases[i].x, cases[i].sign);
        ck_assert_str_eq(out.data, cases[i].want);
        buf_release(&out);
    }
}
END_TEST

static Suite *bulletin_suite(void)
{
    Suite *s = suite_create("bulletin");
    TCase *tc = tcase_create("formats");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, html_is_mail_safe);
    tcase_add_test(tc, html_in_english);
    tcase_add_test(tc, html_of_a_county);
    tcase_add_test(tc, red_now_is_counted);
    tcase_add_test(tc, counts_are_thousands_separated);
    tcase_add_test(tc, a_city_has_its_rank_among_the_cities);
    tcase_add_test(tc, a_tie_across_the_bottom_line_is_named_whole);
    tcase_add_test(tc, rank_change_in_words);
    tcase_add_test(tc, pdf_reads_back);
    tcase_add_test(tc, a_nowrap_column_stays_whole_in_a_tight_table);
    tcase_add_test(tc, pdf_breaks_between_rows);
    tcase_add_test(tc, pdf_keeps_a_short_table_whole);
    tcase_add_test(tc, png_fits_mms);
    tcase_add_test(tc, png_tiny_budget_drops_blocks);
    tcase_add_test(tc, short_form_ranking);
    tcase_add_loop_test(tc, same_bytes_twice, 0, 2);
    tcase_add_test(tc, without_the_day_before);
    tcase_add_test(tc, the_zones_change_names_the_month_before);
    tcase_add_test(tc, turned_red_is_since_the_day_before);
    tcase_add_test(tc, satisfaction_card_names_the_challenge);
    tcase_add_test(tc, a_partial_satisfaction_says_so);
    tcase_add_test(tc, samples);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(bulletin_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
