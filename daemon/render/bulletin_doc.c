#include "bulletin_doc.h"

#include "alarms.h"
#include "date.h"
#include "doc_html.h"
#include "doc_paint.h"
#include "doc_text.h"
#include "mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A bulletin being laid out: the view, its snapshot, the words, the form,
 * and the document made of them. */
struct bul {
    const struct view_bulletin *v;
    const struct snap *s;
    const struct labels *l;
    enum bulletin_form form;
    struct doc *d;
};

static const char *W(const struct bul *b, const char *name)
{
    return labels_word(b->l, name);
}

static const char *branch_name(const struct bul *b, int branch)
{
    return b->s->branches[branch].name;
}

/* A branch's name, with its code when another branch has the same name
 * (the county 荆州分公司 under the city 荆州分公司): a list of cities and
 * counties mixed cannot tell them apart otherwise. */
static void branch_label(const struct bul *b, int branch, struct buf *out)
{
    const char *name = branch_name(b, branch);
    buf_puts(out, name);
    for (size_t i = 0; i < b->s->nbranches; i++)
        if ((int)i != branch && strcmp(b->s->branches[i].name, name) == 0) {
            buf_printf(out, "%s%s%s", W(b, "paren_open"), b->s->branches[branch].code,
                       W(b, "paren_close"));
            return;
        }
}

/* A buffer's text ("" while empty). */
static const char *T(const struct buf *t)
{
    return t->data ? t->data : "";
}

/* Starts a part of a line: sep (unless the line is empty) and text. */
static void part(struct buf *line, const char *sep, const char *text)
{
    if (line->len)
        buf_puts(line, sep);
    buf_puts(line, text);
}

/* Starts "label " as a part of a line, for a figure to follow. */
static void label(struct buf *line, const char *sep, const char *text)
{
    part(line, sep, text);
    buf_puts(line, " ");
}

/* ---- figures, formatted once for every format ------------------------------------------------ */

/* A count with thousands separators ("62,968"), signed when `sign` ("+290",
 * "-3", "0"); the no-value word for NAN. */
static void fmt_count(const struct bul *b, double x, bool sign, struct buf *out)
{
    if (!isfinite(x)) {
        buf_puts(out, W(b, "no_value"));
        return;
    }
    doc_count(out, x, sign);
}

static bool is_score(int kpi)
{
    return kpi == SNAP_SATISFACTION || kpi == SNAP_SATISFACTION_GOTONE;
}

/* A KPI's value as the charts show it: "41.29%", a score "83.89". */
static void fmt_value(const struct bul *b, int kpi, double x, struct buf *out)
{
    char text[32];
    if (!isfinite(x)) {
        buf_puts(out, W(b, "no_value"));
        return;
    }
    chart_format_value(is_score(kpi) ? CHART_AXIS_SCORE : CHART_AXIS_PERCENT, x, text, sizeof text);
    buf_puts(out, text);
}

/* A difference of rates in percentage points, signed: "+1.16", "-11.80",
 * "±0.00". */
static void fmt_points(const struct bul *b, double x, struct buf *out)
{
    double r = isfinite(x) ? chart_round2(x * 100) : NAN;
    if (!isfinite(r))
        buf_puts(out, W(b, "no_value"));
    else if (r == 0) /* neither up nor down: ±0.00, as the dashboard and the charts */
        buf_puts(out, "±0.00");
    else
        buf_printf(out, "%+.2f", r);
}

/* The day's base or challenge: on the path, else the target. */
static double day_target(const struct snap_value *x, int path, int target)
{
    return !x ? NAN : isfinite(x->f[path]) ? x->f[path] : x->f[target];
}

/* The day's base or challenge of a coverage in customers: how many more
 * are bundled than the fewest that reach it (the path's point times the
 * targets, rounded up), negative when that many are missing; NAN without
 * the point or the targets. */
static double customers_gap(const struct snap_value *x, int path, int target)
{
    double point = day_target(x, path, target);
    if (!x || !isfinite(point) || !isfinite(x->f[SNAP_NUM]) || !isfinite(x->f[SNAP_DEN]))
        return NAN;
    return x->f[SNAP_NUM] - ceil(point * x->f[SNAP_DEN] - 1e-9);
}

static enum doc_tone status_tone(const struct snap_value *x)
{
    static const enum doc_tone tones[] = {DOC_PLAIN, DOC_WARN, DOC_GOOD, DOC_EXCELLENT};
    return x ? tones[x->status] : DOC_PLAIN;
}

/* The words of x's reasons, joined; false when it has none. */
static bool fmt_reasons(const struct bul *b, const struct snap_value *x, struct buf *out)
{
    return labels_reasons(b->l, x ? snap_str(x->reason) : NULL, out);
}

/* A status as a glyph and a word, never as a colour alone: "▼ 低于基础时序
 * 进度" (the reasons when there are), "● 达标", "★ 达到挑战目标", "— 未评估"
 * (no status), "无数据" (no value: beside the value's own "—", a second
 * dash read as a stutter). */
static void fmt_status(const struct bul *b, const struct snap_value *x, struct buf *out)
{
    static const char *const glyph[] = {"— ", "▼ ", "● ", "★ "};
    int st = x ? x->status : SNAP_STATUS_NONE;
    buf_puts(out, x ? glyph[st] : "");
    if (!x)
        buf_puts(out, W(b, "no_data"));
    else if (st == SNAP_STATUS_GREEN || !fmt_reasons(b, x, out))
        buf_puts(out, st == SNAP_STATUS_NONE ? W(b, "no_status") : b->l->status[st]);
}

/* A rank's move against the day before, as a glyph and words, never the
 * glyph alone (a screen reader reads "▲" as a triangle, and a mail client
 * may drop the attributes that would say more): "▲ 上升 3 位" (up 3), "▼
 * 下降 2 位", the unchanged word, the new word when it was not ranked
 * then, or no value when the day before has no run (not known, as the
 * day's increment). brief: the ranking table's cell, "▲ 升3" held on one
 * line by no-break spaces (the long words took four lines of a column on
 * a phone). */
static void fmt_rank_change(const struct bul *b, const struct view_rank *r, bool brief,
                            struct buf *out)
{
    int up = r->previous_rank - r->rank;
    if (!b->v->prev) {
        buf_puts(out, W(b, "no_value"));
    } else if (r->previous_rank < 0) {
        buf_puts(out, W(b, "bulletin_new"));
    } else if (up == 0) {
        buf_puts(out, W(b, "bulletin_no_change"));
    } else {
        char n[16];
        snprintf(n, sizeof n, "%d", abs(up));
        const char *key = up > 0 ? (brief ? "rank_up_brief" : "rank_up")
                                 : (brief ? "rank_down_brief" : "rank_down");
        char *words = doc_fill(W(b, key), (const char *const[]){"n", n, NULL});
        buf_printf(out, "%s%s%s", up > 0 ? "▲" : "▼", brief ? "\u00a0" : " ", words);
        free(words);
    }
}

/* ---- a correction ---------------------------------------------------------------------------- */

enum { CORRECTION_NAMES = 5 }; /* the counties named, the rest counted */

static const char *campaign_name(const struct bul *b, int32_t id)
{
    for (size_t i = 0; i < b->v->ncampaigns; i++)
        if (b->v->campaigns[i].campaign->id == id)
            return b->v->campaigns[i].campaign->name;
    return "";
}

/* A changed figure's value: a count for the zones, else as the cards. */
static void change_value(const struct bul *b, const struct view_bulletin_change *x, double value,
                         struct buf *out)
{
    if (x->kpi == SNAP_ZONES)
        fmt_count(b, value, false, out);
    else
        fmt_value(b, x->kpi, value, out);
}

/* "中高端客户融合率 · 融合活动 28.13% → 29.00%" (own: what it is), or
 * "沙市区分公司 17.91% → 19.40%" (a county of the ranking: whose), with the
 * campaign when more than one runs. */
static void change_item(const struct bul *b, const struct view_bulletin_change *x, bool county,
                        struct buf *out)
{
    int zone = x->kpi == SNAP_ZONES ? snap_zone_parse(x->dim) : -1;
    if (county)
        branch_label(b, x->branch, out);
    else
        buf_puts(out, zone >= 0 ? b->l->zone[zone] : b->l->kpi[x->kpi]);
    if (x->kpi == SNAP_BUNDLING && (!county || b->v->ncampaigns > 1))
        buf_printf(out, " · %s", campaign_name(b, x->campaign));
    buf_puts(out, " ");
    change_value(b, x, x->was, out);
    buf_puts(out, " → ");
    change_value(b, x, x->now, out);
}

/* The branch's own changed figures, and a county's rank before in each
 * campaign where it moved. */
static void correction_own(struct bul *b)
{
    const struct view_bulletin_correction *k = &b->v->correction;
    struct buf list = BUF_INIT;
    for (size_t i = 0; i < k->nown; i++) {
        part(&list, W(b, "bulletin_correction_sep"), "");
        change_item(b, &k->own[i], false, &list);
    }
    for (size_t i = 0; k->rank_was && i < b->v->ncampaigns; i++) {
        const struct view_bulletin_campaign *c = &b->v->campaigns[i];
        int now = c->own >= 0 ? c->rows[c->own].rank : 0;
        if (k->rank_was[i] == now)
            continue;
        char was_text[16], now_text[16];
        snprintf(was_text, sizeof was_text, "%d", k->rank_was[i]);
        snprintf(now_text, sizeof now_text, "%d", now);
        char *rank = doc_fill(
            W(b, b->v->ncampaigns > 1 ? "bulletin_correction_rank_in" : "bulletin_correction_rank"),
            (const char *const[]){"campaign", c->campaign->name, "was",
                                  k->rank_was[i] ? was_text : W(b, "no_value"), "now",
                                  now ? now_text : W(b, "no_value"), NULL});
        part(&list, W(b, "bulletin_correction_sep"), rank);
        free(rank);
    }
    const char *name = branch_name(b, b->v->branch);
    char *text = list.len ? doc_fill(W(b, "bulletin_correction_own"),
                                     (const char *const[]){"branch", name, "list", T(&list), NULL})
                          : doc_fill(W(b, "bulletin_correction_own_same"),
                                     (const char *const[]){"branch", name, NULL});
    doc_note(b->d, DOC_WARN, text, false);
    free(text);
    buf_release(&list);
}

/* The counties of the published ranking whose K3 changed: five named, the
 * rest counted. */
static void correction_counties(struct bul *b)
{
    const struct view_bulletin_correction *k = &b->v->correction;
    if (!k->ncounties)
        return;
    struct buf list = BUF_INIT;
    for (size_t i = 0; i < k->ncounties && i < CORRECTION_NAMES; i++) {
        part(&list, W(b, "bulletin_correction_sep"), "");
        change_item(b, &k->counties[i], true, &list);
    }
    if (k->ncounties > CORRECTION_NAMES) {
        char n[24];
        snprintf(n, sizeof n, "%zu", k->ncounties - CORRECTION_NAMES);
        char *more =
            doc_fill(W(b, "bulletin_correction_more"), (const char *const[]){"n", n, NULL});
        buf_puts(&list, more);
        free(more);
    }
    char *text = doc_fill(W(b, "bulletin_correction_counties"),
                          (const char *const[]){"list", T(&list), NULL});
    doc_note(b->d, DOC_WARN, text, false);
    free(text);
    buf_release(&list);
}

/* A correction (version 2 on): which version and run it replaces, and what
 * changed of what the bulletin shows. */
static void correction(struct bul *b)
{
    const struct view_bulletin_correction *k = &b->v->correction;
    if (k->version < 2)
        return;
    char replaces[16], run[24];
    snprintf(replaces, sizeof replaces, "%d", k->replaces);
    snprintf(run, sizeof run, "%lld", k->replaces_run);
    char *text =
        doc_fill(W(b, k->replaces_run ? "bulletin_correction" : "bulletin_correction_norun"),
                 (const char *const[]){"replaces", replaces, "run", run, NULL});
    doc_note(b->d, DOC_WARN, text, false);
    free(text);
    if (!k->known) {
        text = doc_fill(W(b, "bulletin_correction_unknown"),
                        (const char *const[]){"replaces", replaces, NULL});
        doc_note(b->d, DOC_WARN, text, false);
        free(text);
        return;
    }
    correction_own(b);
    correction_counties(b);
}

/* ---- the heading ----------------------------------------------------------------------------- */

/* "荆州分公司日通报（2026-12-01）", from version 2 on with "（第 2 版，更正）"
 * (malloc'd). */
static char *bulletin_title(const struct view_bulletin *v, const struct labels *l, int version)
{
    char n[16];
    snprintf(n, sizeof n, "%d", version);
    struct buf out = BUF_INIT;
    char *title = doc_fill(
        labels_word(l, "bulletin_title"),
        (const char *const[]){"branch", v->s->branches[v->branch].name, "date", v->date, NULL});
    buf_puts(&out, title);
    free(title);
    if (version > 1) {
        char *more =
            doc_fill(labels_word(l, "bulletin_version"), (const char *const[]){"version", n, NULL});
        buf_puts(&out, more);
        free(more);
    }
    return buf_detach(&out, NULL);
}

static void heading(struct bul *b)
{
    const struct view_bulletin *v = b->v;
    char run[24], before[11];
    snprintf(run, sizeof run, "%lld", v->run_named ? v->run_named : v->run->run_id);
    char *title = bulletin_title(v, b->l, v->correction.version);
    char *sub = doc_fill(W(b, v->prev ? "bulletin_subtitle" : "bulletin_subtitle_alone"),
                         (const char *const[]){"date", v->run->as_of, "run", run, "previous",
                                               v->prev ? v->prev->as_of : "", NULL});
    b->d = doc_new(b->l->lang, title, v->date);
    doc_set_pages(b->d, title, W(b, "bulletin_page"), W(b, "bulletin_cut"));
    doc_title(b->d, title);
    doc_subtitle(b->d, sub);
    if (strcmp(v->date, v->run->as_of) != 0) {
        char *late = doc_fill(W(b, "bulletin_late"),
                              (const char *const[]){"date", v->date, "as_of", v->run->as_of, NULL});
        doc_note(b->d, DOC_WARN, late, true);
        free(late);
    }
    if (!v->prev) {
        date_shift(v->run->as_of, 0, -1, before);
        char *note =
            doc_fill(W(b, "bulletin_no_previous"), (const char *const[]){"date", before, NULL});
        doc_note(b->d, DOC_WARN, note, false);
        free(note);
    }
    correction(b);
    free(sub);
    free(title);
}

/* ---- the summary ----------------------------------------------------------------------------- */

/* A card's detail: its lines, empty ones left out. */
static void detail_add(struct buf *detail, const struct buf *line)
{
    if (line->len)
        part(detail, "\n", line->data);
}

/* "base · challenge" of x's fields fb and fc, each after its word, into
 * line; nothing of a missing one. */
static void target_pair(const struct bul *b, const struct snap_value *x, int fb, const char *wb,
                        int fc, const char *wc, struct buf *line)
{
    if (isfinite(x->f[fb])) {
        label(line, " · ", wb);
        fmt_value(b, x->kpi, x->f[fb], line);
    }
    if (isfinite(x->f[fc])) {
        label(line, " · ", wc);
        fmt_value(b, x->kpi, x->f[fc], line);
    }
}

/* The day's targets of a rate as detail lines: "基础时序进度 79.02% ·
 * 挑战时序进度 84.49%" and, for one judged on the path, the period-end
 * targets beside them (domain.md: still shown), "期末基础目标 77.00% ·
 * 期末挑战目标 83.00%"; else "基础目标 99.00% · 挑战目标 99.80%". */
static void targets_lines(const struct bul *b, const struct snap_value *x, struct buf *detail)
{
    struct buf line = BUF_INIT;
    bool path = isfinite(x->f[SNAP_PATH_BASE]) || isfinite(x->f[SNAP_PATH_CHALLENGE]);
    if (path) {
        target_pair(b, x, SNAP_PATH_BASE, b->l->base_path, SNAP_PATH_CHALLENGE,
                    b->l->challenge_path, &line);
        detail_add(detail, &line);
        buf_reset(&line);
    }
    target_pair(b, x, SNAP_BASE, path ? W(b, "period_base") : b->l->base, SNAP_CHALLENGE,
                path ? W(b, "period_challenge") : b->l->challenge, &line);
    detail_add(detail, &line);
    buf_release(&line);
}

/* The gaps again in customers, the figure a manager acts on: "折合客户
 * 距基础 +3 · 距挑战 -7 户". */
static void gaps_in_customers(const struct bul *b, const struct snap_value *x, struct buf *detail)
{
    struct buf base = BUF_INIT, challenge = BUF_INIT;
    fmt_count(b, customers_gap(x, SNAP_PATH_BASE, SNAP_BASE), true, &base);
    fmt_count(b, customers_gap(x, SNAP_PATH_CHALLENGE, SNAP_CHALLENGE), true, &challenge);
    char *line =
        doc_fill(W(b, "bulletin_gap_customers"),
                 (const char *const[]){"base", T(&base), "challenge", T(&challenge), NULL});
    part(detail, "\n", line);
    free(line);
    buf_release(&base);
    buf_release(&challenge);
}

static void coverage_card(struct bul *b, const struct view_bulletin_campaign *c)
{
    const struct snap_value *x = c->total, *was = c->total_was;
    struct buf name = BUF_INIT, value = BUF_INIT, status = BUF_INIT, line = BUF_INIT,
               detail = BUF_INIT;
    buf_printf(&name, "%s · %s", b->l->kpi[SNAP_BUNDLING], c->campaign->name);
    fmt_value(b, SNAP_BUNDLING, x ? x->f[SNAP_VALUE] : NAN, &value);
    fmt_status(b, x, &status);
    if (x) { /* the day's points on the path the gaps below are taken to */
        targets_lines(b, x, &detail);
        label(&line, "", W(b, "bulletin_bundled"));
        fmt_count(b, x->f[SNAP_NUM], false, &line);
        label(&line, " / ", W(b, "bulletin_targeted"));
        fmt_count(b, x->f[SNAP_DEN], false, &line);
        detail_add(&detail, &line);
        buf_reset(&line);
    }
    if (x && was) {
        label(&line, "", W(b, "bulletin_increment"));
        fmt_count(b, x->f[SNAP_NUM] - was->f[SNAP_NUM], true, &line);
        label(&line, " · ", W(b, "bulletin_day_change"));
        fmt_points(b, x->f[SNAP_VALUE] - was->f[SNAP_VALUE], &line);
        part(&line, " ", W(b, "points"));
        detail_add(&detail, &line);
        buf_reset(&line);
    }
    double gap_base = x ? x->f[SNAP_VALUE] - day_target(x, SNAP_PATH_BASE, SNAP_BASE) : NAN,
           gap_challenge =
               x ? x->f[SNAP_VALUE] - day_target(x, SNAP_PATH_CHALLENGE, SNAP_CHALLENGE) : NAN;
    if (isfinite(gap_base) || isfinite(gap_challenge)) { /* no targets: no gaps */
        label(&line, "", W(b, "bulletin_gap_base"));
        fmt_points(b, gap_base, &line);
        label(&line, " · ", W(b, "bulletin_gap_challenge"));
        fmt_points(b, gap_challenge, &line);
        part(&line, " ", W(b, "points"));
        detail_add(&detail, &line);
        buf_reset(&line);
        gaps_in_customers(b, x, &detail);
    }
    if (c->own >= 0) { /* a county: its rank, "名次 12 / 151 ▲ 上升 3 位" */
        label(&line, "", W(b, "rank"));
        buf_printf(&line, "%d / %zu ", c->rows[c->own].rank, c->n);
        fmt_rank_change(b, &c->rows[c->own], false, &line);
        detail_add(&detail, &line);
    } else if (c->city.rank > 0) { /* a city: among the cities, "地市名次 3 / 17 持平" */
        label(&line, "", W(b, "bulletin_rank_cities"));
        buf_printf(&line, "%d / %zu ", c->city.rank, c->ncities);
        fmt_rank_change(b, &c->city, false, &line);
        detail_add(&detail, &line);
    }
    doc_figure(b->d, T(&name), T(&value), status_tone(x), T(&status), T(&detail));
    buf_release(&name);
    buf_release(&value);
    buf_release(&status);
    buf_release(&line);
    buf_release(&detail);
}

/* K1 or K2: the rate, its status, its day's targets, numerator and
 * denominator, the change since the day before, and `extra` (may be
 * NULL). */
static void rate_card(struct bul *b, int kpi, const struct snap_value *x, const char *extra)
{
    struct buf value = BUF_INIT, status = BUF_INIT, line = BUF_INIT, detail = BUF_INIT;
    fmt_value(b, kpi, x ? x->f[SNAP_VALUE] : NAN, &value);
    fmt_status(b, x, &status);
    if (x) {
        targets_lines(b, x, &detail);
        label(&line, "", W(b, "numerator"));
        fmt_count(b, x->f[SNAP_NUM], false, &line);
        label(&line, " / ", W(b, "denominator"));
        fmt_count(b, x->f[SNAP_DEN], false, &line);
        detail_add(&detail, &line);
        buf_reset(&line);
        const struct snap_value *was =
            b->v->prev ? snap_find(b->v->prev, (enum snap_kpi)kpi, b->v->branch, NULL, -1) : NULL;
        if (was) {
            label(&line, "", W(b, "bulletin_day_change"));
            fmt_points(b, x->f[SNAP_VALUE] - was->f[SNAP_VALUE], &line);
            part(&line, " ", W(b, "points"));
            detail_add(&detail, &line);
        }
    }
    if (extra)
        part(&detail, "\n", extra);
    doc_figure(b->d, b->l->kpi[kpi], T(&value), status_tone(x), T(&status), T(&detail));
    buf_release(&value);
    buf_release(&status);
    buf_release(&line);
    buf_release(&detail);
}

/* "较 2026-10 调查 +0.04 分" on a new line of detail: the score x against
 * the survey month before (was); nothing without it. */
static void survey_change(const struct bul *b, const struct snap_value *x,
                          const struct snap_value *was, struct buf *detail)
{
    if (!x || !was || !isfinite(x->f[SNAP_VALUE]) || !isfinite(was->f[SNAP_VALUE]))
        return;
    char *word = doc_fill(W(b, "bulletin_month_change"),
                          (const char *const[]){"month", snap_str(was->period), NULL});
    double d = chart_round2(x->f[SNAP_VALUE] - was->f[SNAP_VALUE]);
    part(detail, "\n", word);
    if (d == 0)
        buf_puts(detail, " ±0.00");
    else
        buf_printf(detail, " %+.2f", d);
    part(detail, " ", W(b, "score_points"));
    free(word);
}

static void satisfaction_card(struct bul *b)
{
    const struct snap_value *x = b->v->satisfaction, *g = b->v->gotone;
    struct buf value = BUF_INIT, status = BUF_INIT, detail = BUF_INIT;
    fmt_value(b, SNAP_SATISFACTION, x ? x->f[SNAP_VALUE] : NAN, &value);
    fmt_status(b, x, &status);
    if (x && snap_str(x->period)) {
        char *survey = doc_fill(W(b, "bulletin_survey"),
                                (const char *const[]){"month", snap_str(x->period), NULL});
        part(&detail, "", survey);
        free(survey);
    }
    if (x && isfinite(x->f[SNAP_BASE])) {
        label(&detail, " · ", b->l->base);
        fmt_value(b, SNAP_SATISFACTION, x->f[SNAP_BASE], &detail);
    }
    if (x && isfinite(x->f[SNAP_CHALLENGE])) { /* the status may be judged against it */
        label(&detail, " · ", b->l->challenge);
        fmt_value(b, SNAP_SATISFACTION, x->f[SNAP_CHALLENGE], &detail);
    }
    if (x && x->partial) /* a child without a score: the weights renormalised */
        buf_printf(&detail, "\n◐ %s", W(b, "partial"));
    survey_change(b, x, b->v->satisfaction_was, &detail);
    if (g) { /* GoTone's score with its status in words (its colour is the card's) */
        struct buf gs = BUF_INIT;
        label(&detail, "\n", b->l->kpi[SNAP_SATISFACTION_GOTONE]);
        fmt_value(b, SNAP_SATISFACTION_GOTONE, g->f[SNAP_VALUE], &detail);
        if (g->status != SNAP_STATUS_NONE) {
            fmt_status(b, g, &gs);
            buf_printf(&detail, " %s", gs.data);
        }
        if (g->partial)
            buf_printf(&detail, " ◐ %s", W(b, "partial"));
        buf_release(&gs);
    }
    doc_figure(b->d, b->l->kpi[SNAP_SATISFACTION], T(&value), status_tone(x), T(&status),
               T(&detail));
    buf_release(&value);
    buf_release(&status);
    buf_release(&detail);
}

/* The word's line with a diamond and a gold count ("较昨日离网：钻石卡 2
 * 人，金卡 5 人") on a new line of detail; nothing when both are unknown. */
static void tier_line(const struct bul *b, const char *word, double diamond, double gold,
                      struct buf *detail)
{
    if (!isfinite(diamond) && !isfinite(gold))
        return;
    struct buf d = BUF_INIT, g = BUF_INIT;
    fmt_count(b, diamond, false, &d);
    fmt_count(b, gold, false, &g);
    char *line = doc_fill(W(b, word), (const char *const[]){"diamond", T(&d), "gold", T(&g), NULL});
    part(detail, "\n", line);
    free(line);
    buf_release(&d);
    buf_release(&g);
}

/* K2's key members who left: since the day before (without it, not said)
 * and, when any did, since the year's snapshot (a key_account_cancellation
 * is red for the alarm rule's key_account_days after each). */
static void left_lines(const struct bul *b, struct buf *detail)
{
    const struct view_bulletin *v = b->v;
    if (v->prev)
        tier_line(b, "bulletin_left", v->diamond_left, v->gold_left, detail);
    if (v->diamond_gone > 0 || v->gold_gone > 0)
        tier_line(b, "bulletin_left_year", v->diamond_gone, v->gold_gone, detail);
}

static void summary(struct bul *b)
{
    const struct view_bulletin *v = b->v;
    char *h = doc_fill(W(b, "bulletin_summary"),
                       (const char *const[]){"branch", branch_name(b, v->branch), NULL});
    doc_heading(b->d, h);
    free(h);
    doc_figures(b->d, 2);
    for (size_t i = 0; i < v->ncampaigns; i++)
        coverage_card(b, &v->campaigns[i]);
    rate_card(b, SNAP_RETENTION, v->retention, NULL);
    struct buf left = BUF_INIT;
    left_lines(b, &left);
    rate_card(b, SNAP_IN_NETWORK, v->in_network, left.len ? T(&left) : NULL);
    buf_release(&left);
    satisfaction_card(b);
}

/* ---- the zones ------------------------------------------------------------------------------- */

static void zones(struct bul *b)
{
    const struct view_bulletin *v = b->v;
    const struct snap_value *any = NULL;
    for (int z = SNAP_ZONE_WHITE; z <= SNAP_ZONE_GREEN && !any; z++)
        any = snap_find(v->run, SNAP_ZONES, v->branch, snap_zone_name((enum snap_zone)z), -1);
    if (!any)
        return;
    const char *month = snap_str(any->period);
    char *h =
        doc_fill(W(b, "bulletin_zones"), (const char *const[]){"month", month ? month : "", NULL});
    doc_heading(b->d, h);
    free(h);
    /* the counts are a closed month's: on the day a new month closed, the
     * change is against the month before, and says so */
    const struct snap_value *was =
        v->prev ? snap_find(v->prev, SNAP_ZONES, v->branch, snap_str(any->dim), -1) : NULL;
    const char *was_month = was ? snap_str(was->period) : NULL;
    bool new_month = month && was_month && strcmp(month, was_month) != 0;
    char *since = new_month ? doc_fill(W(b, "bulletin_zones_since"),
                                       (const char *const[]){"month", was_month, NULL})
                            : NULL;
    doc_figures(b->d, 5);
    struct buf count = BUF_INIT, detail = BUF_INIT;
    for (int z = SNAP_ZONE_WHITE; z <= SNAP_ZONE_GREEN; z++) {
        buf_reset(&count);
        buf_reset(&detail);
        fmt_count(b, v->zones[z], false, &count);
        label(&detail, "", since ? since : W(b, "bulletin_day_change"));
        fmt_count(b, v->zones[z] - v->zones_was[z], true, &detail);
        doc_figure(b->d, b->l->zone[z], T(&count), DOC_PLAIN, NULL, T(&detail));
    }
    free(since);
    buf_release(&count);
    buf_release(&detail);
}

/* ---- the ranking ----------------------------------------------------------------------------- */

/* Whether row r is the bulletin's branch or below it (not for the
 * province: every county is). */
static bool own_row(const struct bul *b, const struct view_rank *r)
{
    return b->v->branch != snap_branch_root(b->s) &&
           snap_branch_within(b->s, r->branch, b->v->branch);
}

/* The ranking's columns (headers are words' names) in the full form; the
 * short form has those of short_cols, with widths of its own. */
enum {
    COL_RANK,
    COL_MOVE,
    COL_NAME,
    COL_BUNDLED,
    COL_TARGETED,
    COL_INCREMENT,
    COL_COVERAGE,
    COL_GAP_BASE,
    COL_GAP_CHALLENGE,
    NCOLS
};

static const struct doc_column_spec full_cols[NCOLS] = {
    {"rank", DOC_RIGHT, 0.65},
    {"rank_change", DOC_CENTER, 0.8},
    {"bulletin_county", DOC_LEFT, 1.9},
    {"bulletin_bundled", DOC_RIGHT, 0.95},
    {"bulletin_targeted", DOC_RIGHT, 0.95},
    {"bulletin_increment", DOC_RIGHT, 0.9},
    {"bulletin_coverage", DOC_RIGHT, 0.9},
    {"bulletin_gap_base_pt", DOC_RIGHT, 1.05},
    {"bulletin_gap_challenge_pt", DOC_RIGHT, 1.05},
};

/* The short form's columns, and their widths there. */
static const int short_cols[] = {COL_RANK,     COL_MOVE,      COL_NAME,
                                 COL_COVERAGE, COL_INCREMENT, COL_GAP_BASE};
static const double short_widths[] = {0.75, 0.95, 2.2, 1.2, 1.05, 1.25};
#define NSHORT (sizeof short_cols / sizeof short_cols[0])

static void ranking_table(struct bul *b)
{
    struct doc_column_spec cols[NCOLS];
    size_t n = b->form == BULLETIN_FULL ? NCOLS : NSHORT;
    for (size_t k = 0; k < n; k++) {
        cols[k] = full_cols[b->form == BULLETIN_FULL ? (int)k : short_cols[k]];
        if (b->form == BULLETIN_SHORT)
            cols[k].width = short_widths[k];
        cols[k].header = W(b, cols[k].header);
    }
    doc_table(b->d, NULL, cols, n);
    for (size_t k = 0; k < n; k++)
        if ((b->form == BULLETIN_FULL ? (int)k : short_cols[k]) == COL_MOVE)
            doc_column_nowrap(b->d, k);
}

static void ranking_row(struct bul *b, const struct view_rank *r)
{
    const struct snap_value *x = r->v, *was = r->was;
    struct buf t[NCOLS];
    for (int k = 0; k < NCOLS; k++)
        buf_init(&t[k]);
    buf_printf(&t[COL_RANK], "%d", r->rank);
    fmt_rank_change(b, r, true, &t[COL_MOVE]);
    buf_puts(&t[COL_NAME], branch_name(b, r->branch));
    fmt_count(b, x->f[SNAP_NUM], false, &t[COL_BUNDLED]);
    fmt_count(b, x->f[SNAP_DEN], false, &t[COL_TARGETED]);
    fmt_count(b, was ? x->f[SNAP_NUM] - was->f[SNAP_NUM] : NAN, true, &t[COL_INCREMENT]);
    fmt_value(b, SNAP_BUNDLING, x->f[SNAP_VALUE], &t[COL_COVERAGE]);
    double gap_base = x->f[SNAP_VALUE] - day_target(x, SNAP_PATH_BASE, SNAP_BASE),
           gap_challenge = x->f[SNAP_VALUE] - day_target(x, SNAP_PATH_CHALLENGE, SNAP_CHALLENGE);
    fmt_points(b, gap_base, &t[COL_GAP_BASE]);
    fmt_points(b, gap_challenge, &t[COL_GAP_CHALLENGE]);
    struct doc_cell_spec cells[NCOLS];
    for (int k = 0; k < NCOLS; k++)
        cells[k] = (struct doc_cell_spec){T(&t[k]), DOC_PLAIN};
    cells[COL_RANK].tone = r->bottom ? DOC_WARN : DOC_PLAIN;
    cells[COL_GAP_BASE].tone = gap_base < 0 ? DOC_WARN : DOC_PLAIN;
    cells[COL_GAP_CHALLENGE].tone = gap_challenge < 0 ? DOC_WARN : DOC_PLAIN;
    unsigned flags = (r->bottom ? DOC_ROW_HIGHLIGHT : 0) | (own_row(b, r) ? DOC_ROW_OWN : 0);
    if (b->form == BULLETIN_SHORT) {
        struct doc_cell_spec picked[NSHORT];
        for (size_t k = 0; k < NSHORT; k++)
            picked[k] = cells[short_cols[k]];
        doc_row(b->d, flags, picked);
    } else {
        doc_row(b->d, flags, cells);
    }
    for (int k = 0; k < NCOLS; k++)
        buf_release(&t[k]);
}

static void group_row(struct bul *b, const char *text)
{
    doc_row(b->d, DOC_ROW_GROUP, (const struct doc_cell_spec[]){{text, DOC_PLAIN}});
}

/* The city a county is grouped under (-1: none). */
static int city_of(const struct bul *b, int branch)
{
    int p = b->s->branches[branch].parent;
    return p >= 0 && b->s->branches[p].level == 1 ? p : -1;
}

/* Every county, grouped by city (cities in code order, counties by rank),
 * the counties without a city last. */
static void ranking_by_city(struct bul *b, const struct view_bulletin_campaign *c)
{
    for (size_t city = 0; city <= b->s->nbranches; city++) {
        int key = city < b->s->nbranches ? (int)city : -1;
        if (key >= 0 && b->s->branches[key].level != 1)
            continue;
        bool any = false;
        for (size_t i = 0; i < c->n; i++) {
            if (city_of(b, c->rows[i].branch) != key)
                continue;
            if (!any)
                group_row(b, key >= 0 ? branch_name(b, key) : W(b, "no_value"));
            any = true;
            ranking_row(b, &c->rows[i]);
        }
    }
}

/* A city's best and worst counties in c (rows in rank order; -1: none,
 * and none for a county or the province). */
static void own_extremes(const struct bul *b, const struct view_bulletin_campaign *c, int *best,
                         int *worst)
{
    *best = *worst = -1;
    if (c->own >= 0 || b->s->branches[b->v->branch].level != 1)
        return;
    for (size_t i = 0; i < c->n; i++)
        if (snap_branch_within(b->s, c->rows[i].branch, b->v->branch)) {
            *best = *best < 0 ? (int)i : *best;
            *worst = (int)i;
        }
}

/* "后五名：99 个区县并列（同为 0.00%），不逐一列出" (a new string) for a
 * tie across the bottom line of more than twice the bottom's count (early
 * in a campaign, a hundred counties at 0 %): said as a count and a value,
 * not named one by one (the names pushed the ranking out of the MMS
 * image); else NULL. */
static char *bottom_crowd(const struct bul *b, const struct view_bulletin_campaign *c)
{
    if (!c->bottom_tied || c->nbottom <= 2 * c->bottom_n)
        return NULL;
    struct buf value = BUF_INIT;
    char n[24];
    for (size_t i = 0; i < c->n && !value.len; i++)
        if (c->rows[i].bottom)
            fmt_value(b, SNAP_BUNDLING, c->rows[i].v->f[SNAP_VALUE], &value);
    snprintf(n, sizeof n, "%zu", c->nbottom);
    char *line = doc_fill(W(b, "bulletin_bottom_crowd"),
                          (const char *const[]){"n", n, "value", T(&value), NULL});
    buf_release(&value);
    return line;
}

/* The top five, the branch's row (a county's, when neither; a city's best
 * and worst counties, when neither), the bottom five, under group rows
 * that name them. */
static void ranking_short(struct bul *b, const struct view_bulletin_campaign *c)
{
    size_t top = c->n < 5 ? c->n : 5, first_bottom = c->n;
    for (size_t i = 0; i < c->n && first_bottom == c->n; i++)
        if (c->rows[i].bottom)
            first_bottom = i;
    if (first_bottom < top)
        top = first_bottom;
    if (top > 0)
        group_row(b, W(b, "bulletin_top"));
    for (size_t i = 0; i < top; i++)
        ranking_row(b, &c->rows[i]);
    if (c->own >= (int)top && (size_t)c->own < first_bottom) {
        group_row(b, W(b, "bulletin_own"));
        ranking_row(b, &c->rows[c->own]);
    }
    int ends[2];
    own_extremes(b, c, &ends[0], &ends[1]);
    bool shown[2];
    for (int k = 0; k < 2; k++)
        shown[k] =
            ends[k] >= (int)top && (size_t)ends[k] < first_bottom && (k == 0 || ends[1] != ends[0]);
    if (shown[0] || shown[1])
        group_row(b, W(b, "bulletin_own_ends"));
    for (int k = 0; k < 2; k++)
        if (shown[k])
            ranking_row(b, &c->rows[ends[k]]);
    char *crowd = bottom_crowd(b, c);
    if (first_bottom < c->n) {
        char n[24];
        snprintf(n, sizeof n, "%zu", c->nbottom);
        char *head = crowd ? NULL
                           : doc_fill(W(b, c->bottom_tied ? "bulletin_bottom_tied" : "bottom"),
                                      (const char *const[]){"n", n, NULL});
        group_row(b, crowd ? crowd : head);
        free(head);
    }
    for (size_t i = first_bottom; i < c->n; i++)
        if (!crowd || (int)i == c->own) /* a crowd: the own row only */
            ranking_row(b, &c->rows[i]);
    free(crowd);
}

/* "后五名：A、B、C、D、E"; with a tie across the line, named whole,
 * "后五名（含并列，共 6 个）：A、B、C、D、E、F". */
static void bottom_line(struct bul *b, const struct view_bulletin_campaign *c)
{
    struct buf names = BUF_INIT;
    char count[24], *crowd = bottom_crowd(b, c);
    if (crowd) {
        doc_note(b->d, DOC_WARN, crowd, true);
        free(crowd);
        return;
    }
    for (size_t i = 0; i < c->n; i++)
        if (c->rows[i].bottom)
            part(&names, W(b, "bulletin_list_sep"), branch_name(b, c->rows[i].branch));
    snprintf(count, sizeof count, "%zu", c->nbottom);
    if (names.len) {
        char *line =
            doc_fill(W(b, c->bottom_tied ? "bulletin_bottom_line_tied" : "bulletin_bottom_line"),
                     (const char *const[]){"names", names.data, "n", count, NULL});
        doc_note(b->d, DOC_WARN, line, true);
        free(line);
    }
    buf_release(&names);
}

/* A county's rank among all: "本单位在全省 151 个区县中排第 12 名（较昨日 ▲ 上升 3 位）". */
static void rank_line(struct bul *b, const struct view_bulletin_campaign *c)
{
    const struct snap_branch *own = &b->s->branches[b->v->branch];
    if (c->own < 0 && own->parent < 0 && own->level > 0) /* the county outside every city */
        doc_note(b->d, DOC_PLAIN, W(b, "ranking_no_parent"), true);
    if (c->own < 0)
        return;
    const struct view_rank *r = &c->rows[c->own];
    struct buf change = BUF_INIT;
    char rank[16], n[24];
    bool tied = false;
    for (size_t i = 0; i < c->n && !tied; i++)
        tied = (int)i != c->own && c->rows[i].rank == r->rank;
    if (b->v->prev) { /* else no change is known: none said (the note above says why) */
        buf_puts(&change, W(b, "paren_open"));
        if (r->previous_rank >= 0)
            label(&change, "", W(b, "bulletin_day_change"));
        fmt_rank_change(b, r, false, &change);
        buf_puts(&change, W(b, "paren_close"));
    }
    snprintf(rank, sizeof rank, "%d", r->rank);
    snprintf(n, sizeof n, "%zu", c->n);
    char *line =
        doc_fill(W(b, "bulletin_rank_line"),
                 (const char *const[]){"n", n, "rank", rank, "tied",
                                       W(b, tied ? "bulletin_rank_tied" : "bulletin_rank_alone"),
                                       "change", b->v->prev ? change.data : "", NULL});
    doc_note(b->d, DOC_PLAIN, line, true);
    free(line);
    buf_release(&change);
}

static void ranking(struct bul *b, const struct view_bulletin_campaign *c)
{
    if (c->n == 0)
        return;
    char *h = doc_fill(W(b, "bulletin_ranking"),
                       (const char *const[]){"campaign", c->campaign->name, NULL});
    doc_heading(b->d, h);
    free(h);
    rank_line(b, c);
    if (b->form == BULLETIN_FULL) {
        bottom_line(b, c);
        doc_note(b->d, DOC_MUTED, W(b, "bulletin_ranking_note"), true);
        ranking_table(b);
        ranking_by_city(b, c);
    } else {
        ranking_table(b);
        ranking_short(b, c);
    }
}

/* ---- what turned red, what recovered --------------------------------------------------------- */

static void change_row(struct bul *b, const struct snap_value *x)
{
    struct buf kpi = BUF_INIT, value = BUF_INIT, why = BUF_INIT, name = BUF_INIT;
    buf_puts(&kpi, b->l->kpi[x->kpi]);
    for (size_t i = 0; x->campaign >= 0 && i < b->s->ncampaigns; i++)
        if (b->s->campaigns[i].id == x->campaign)
            part(&kpi, " · ", b->s->campaigns[i].name);
    fmt_value(b, x->kpi, x->f[SNAP_VALUE], &value);
    fmt_status(b, x, &why);
    branch_label(b, x->branch, &name);
    doc_row(b->d, 0,
            (const struct doc_cell_spec[]){{T(&name), DOC_PLAIN},
                                           {T(&kpi), DOC_PLAIN},
                                           {T(&value), DOC_PLAIN},
                                           {T(&why), status_tone(x)}});
    buf_release(&kpi);
    buf_release(&value);
    buf_release(&why);
    buf_release(&name);
}

static void change_table(struct bul *b, const char *word, const struct snap_value *const *list,
                         size_t n)
{
    struct buf caption = BUF_INIT;
    buf_printf(&caption, strcmp(b->l->lang, "en") == 0 ? "%s (%zu)" : "%s（%zu）", W(b, word), n);
    if (n == 0) {
        part(&caption, " ", W(b, "none_listed"));
        doc_note(b->d, DOC_PLAIN, T(&caption), false);
    } else {
        const struct doc_column_spec cols[] = {{W(b, "branch"), DOC_LEFT, 1.3},
                                               {W(b, "kpi"), DOC_LEFT, 2.2},
                                               {W(b, "value"), DOC_RIGHT, 0.8},
                                               {W(b, "status"), DOC_LEFT, 1.7}};
        doc_table(b->d, T(&caption), cols, 4);
        for (size_t i = 0; i < n; i++)
            change_row(b, list[i]);
    }
    buf_release(&caption);
}

static void changes(struct bul *b)
{
    const struct view_bulletin *v = b->v;
    char *h = doc_fill(
        W(b, b->s->branches[v->branch].nchildren ? "bulletin_changes" : "bulletin_changes_leaf"),
        (const char *const[]){"branch", branch_name(b, v->branch), NULL});
    char now[24], red[24], recovered[24];
    snprintf(now, sizeof now, "%zu", v->nred);
    snprintf(red, sizeof red, "%zu", v->nturned_red);
    snprintf(recovered, sizeof recovered, "%zu", v->nrecovered);
    char *count =
        doc_fill(W(b, "bulletin_changes_count"),
                 (const char *const[]){"now", now, "red", red, "recovered", recovered, NULL});
    doc_heading(b->d, h);
    doc_note(b->d, DOC_PLAIN, count, false);
    if (b->form == BULLETIN_FULL) {
        change_table(b, "bulletin_turned_red", v->turned_red, v->nturned_red);
        change_table(b, "bulletin_recovered", v->recovered, v->nrecovered);
    }
    free(count);
    free(h);
}

/* ---- the document and its formats ------------------------------------------------------------ */

struct doc *bulletin_doc(const struct view_bulletin *v, const struct labels *l,
                         enum bulletin_form form)
{
    struct bul b = {.v = v, .s = v->s, .l = l ? l : labels_get(NULL), .form = form};
    heading(&b); /* makes b.d */
    summary(&b);
    if (form == BULLETIN_FULL)
        zones(&b);
    for (size_t i = 0; i < v->ncampaigns; i++)
        ranking(&b, &v->campaigns[i]);
    if (form == BULLETIN_SHORT)
        zones(&b);
    changes(&b);
    return b.d;
}

void bulletin_html(const struct view_bulletin *v, const struct labels *l, struct buf *out)
{
    struct doc *d = bulletin_doc(v, l, BULLETIN_FULL);
    doc_html(d, out);
    doc_free(d);
}

void bulletin_mail(const struct view_bulletin *v, const struct labels *l, const char *image_cid,
                   struct buf *html, struct buf *text)
{
    struct doc *d = bulletin_doc(v, l, BULLETIN_FULL);
    char *src = doc_fill("cid:{cid}", (const char *const[]){"cid", image_cid, NULL});
    struct doc_html_image img = {.src = src,
                                 .alt = d->title,
                                 .caption = labels_word(l ? l : labels_get(NULL), "bulletin_mms")};
    doc_html_with_image(d, &img, html);
    doc_text(d, text);
    buf_printf(text, "\n%s\n", labels_word(l ? l : labels_get(NULL), "bulletin_text"));
    free(src);
    doc_free(d);
}

void bulletin_subject(const struct view_bulletin *v, const struct labels *l, int version,
                      struct buf *out)
{
    char *title = bulletin_title(v, l ? l : labels_get(NULL), version);
    buf_puts(out, title);
    free(title);
}

bool bulletin_pdf(const struct view_bulletin *v, const struct labels *l, chart_ctx *ctx,
                  unsigned char **out, size_t *len, char *err, size_t errlen)
{
    struct doc *d = bulletin_doc(v, l, BULLETIN_FULL);
    bool ok = doc_paint_pdf(d, ctx, out, len, err, errlen);
    doc_free(d);
    return ok;
}

bool bulletin_png(const struct view_bulletin *v, const struct labels *l, chart_ctx *ctx,
                  size_t budget, unsigned char **out, size_t *len, char *note, size_t notelen,
                  char *err, size_t errlen)
{
    struct doc *d = bulletin_doc(v, l, BULLETIN_SHORT);
    struct doc_png_fit fit;
    bool ok = doc_paint_png(d, ctx, 0, budget, out, len, &fit, err, errlen);
    if (note && notelen)
        note[0] = '\0';
    if (ok && fit.dropped && note && notelen) {
        static const char *const kinds[] = {"the title", "the subtitle", "a heading",
                                            "a note",    "key figures",  "a table"};
        const struct doc_block *first = &d->blocks[fit.blocks - fit.dropped];
        char whole[80];
        if (fit.full_bytes)
            snprintf(whole, sizeof whole, "is %zu bytes, over the budget of %zu", fit.full_bytes,
                     budget ? budget : (size_t)DOC_PNG_BUDGET);
        else
            snprintf(whole, sizeof whole, "is too tall for one image");
        snprintf(note, notelen,
                 "png: the whole bulletin %s: the last %zu of %zu blocks are left out, from %s "
                 "'%s' on (%zu bytes, %d px high)",
                 whole, fit.dropped, fit.blocks, kinds[first->kind], first->text, *len, fit.height);
    }
    doc_free(d);
    return ok;
}
