/* The quarterly report's document: see report_doc.h. */
#include "report_doc.h"

#include "buf.h"
#include "date.h"
#include "doc.h"
#include "doc_paint.h"
#include "mem.h"
#include "plot.h"
#include "ranking.h"

#include <jansson.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rep {
    const struct view_report *v;
    const struct labels *l;
    struct doc *d;
};

static const char *W(const struct rep *r, const char *name)
{
    return labels_word(r->l, name);
}

/* A KPI's headline value of a branch in a run: the total, or the default
 * dim (satisfaction's root indicator); K3 the first campaign's. */
static const struct snap_value *headline(const struct snap *s, const struct snap_run *run, int kpi,
                                         int branch)
{
    for (size_t i = run->kpi_start[kpi]; i < run->kpi_start[kpi + 1]; i++) {
        const struct snap_value *x = &run->values[i];
        if (x->branch == branch &&
            (kpi == SNAP_SATISFACTION || kpi == SNAP_SATISFACTION_GOTONE
                 ? snap_str(x->dim) && strcmp(snap_str(x->dim), view_default_dim(s, kpi)) == 0
                 : !x->dim))
            return x;
    }
    return NULL;
}

static void number(struct buf *out, const struct snap_value *x, int f, bool rate)
{
    buf_reset(out);
    if (!x || isnan(x->f[f]))
        buf_puts(out, "-");
    else if (rate && x->kpi != SNAP_SATISFACTION && x->kpi != SNAP_SATISFACTION_GOTONE)
        buf_printf(out, "%.2f%%", chart_round2(100 * x->f[f]));
    else if (x->integer & (1u << f))
        doc_count(out, x->f[f], false);
    else
        buf_printf(out, "%.2f", chart_round2(x->f[f]));
}

static enum doc_tone tone(const struct snap_value *x)
{
    return !x                                   ? DOC_MUTED
           : x->status == SNAP_STATUS_RED       ? DOC_WARN
           : x->status == SNAP_STATUS_EXCELLENT ? DOC_EXCELLENT
           : x->status == SNAP_STATUS_GREEN     ? DOC_GOOD
                                                : DOC_PLAIN;
}

/* A target cell: the period's target f, and under it, when x was judged
 * against a point on the way to it (path_f), that point: "77.00%" over
 * "进度 86.67%". */
static void target(struct rep *r, struct buf *out, const struct snap_value *x, int f, int path_f)
{
    number(out, x, f, true);
    if (!x || isnan(x->f[path_f]))
        return;
    struct buf point = BUF_INIT;
    number(&point, x, path_f, true);
    const char *pairs[] = {"value", point.data, NULL};
    char *line = doc_fill(W(r, "report_path_point"), pairs);
    buf_printf(out, "\n%s", line);
    free(line);
    buf_release(&point);
}

/* A status cell: the word, and under it the reasons when x has some (a
 * value over its challenge target that is red for a step decline says
 * so). */
static void status_cell(struct rep *r, struct buf *out, const struct snap_value *x)
{
    buf_reset(out);
    buf_puts(out, x ? r->l->status[x->status] : W(r, "no_data"));
    struct buf why = BUF_INIT;
    if (x && labels_reasons(r->l, snap_str(x->reason), &why))
        buf_printf(out, "\n%s", why.data);
    buf_release(&why);
}

/* A month-end cell; a satisfaction value's survey month under it (the run
 * of a month end reads the newest month surveyed, the month its chart
 * plots). */
static void month_cell(struct rep *r, struct buf *out, const struct snap_value *x,
                       const char *month_end)
{
    buf_reset(out);
    buf_puts(out, month_end);
    bool survey = x && (x->kpi == SNAP_SATISFACTION || x->kpi == SNAP_SATISFACTION_GOTONE);
    const char *period = x ? snap_str(x->period) : NULL;
    if (!survey || !period)
        return;
    const char *pairs[] = {"month", period, NULL};
    char *line = doc_fill(W(r, "report_survey_month"), pairs);
    buf_printf(out, "\n%s", line);
    free(line);
    if (x->partial) /* a weighted mean without every child (the API's partial) */
        buf_printf(out, "\n%s", W(r, "partial"));
}

/* Whether run has any value of kpi (a K3 between campaigns has none). */
static bool has_kpi(const struct snap_run *run, int kpi)
{
    return run && run->kpi_start[kpi] < run->kpi_start[kpi + 1];
}

/* The month-end figures of one branch: a row per KPI and month end. */
static void figures_table(struct rep *r, int branch)
{
    const struct doc_column_spec cols[] = {
        {W(r, "report_kpi"), DOC_LEFT, 2.4},          {W(r, "report_month_end"), DOC_LEFT, 1.6},
        {W(r, "report_value"), DOC_RIGHT, 1.1},       {W(r, "report_numerator"), DOC_RIGHT, 1.3},
        {W(r, "report_denominator"), DOC_RIGHT, 1.4}, {W(r, "report_base"), DOC_RIGHT, 1.3},
        {W(r, "report_challenge"), DOC_RIGHT, 1.3},   {W(r, "report_met"), DOC_LEFT, 2.1},
    };
    static const int kpis[] = {SNAP_RETENTION, SNAP_IN_NETWORK, SNAP_BUNDLING, SNAP_SATISFACTION,
                               SNAP_SATISFACTION_GOTONE};
    struct buf f[7] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
    doc_table(r->d, "", cols, sizeof cols / sizeof cols[0]);
    for (size_t k = 0; k < sizeof kpis / sizeof kpis[0]; k++)
        for (int m = 0; m < 3; m++) {
            const struct snap_value *x = headline(r->v->s, r->v->runs[m], kpis[k], branch);
            number(&f[0], x, SNAP_VALUE, true);
            number(&f[1], x, SNAP_NUM, false);
            number(&f[2], x, SNAP_DEN, false);
            target(r, &f[3], x, SNAP_BASE, SNAP_PATH_BASE);
            target(r, &f[4], x, SNAP_CHALLENGE, SNAP_PATH_CHALLENGE);
            status_cell(r, &f[5], x);
            if (!x && kpis[k] == SNAP_BUNDLING && !has_kpi(r->v->runs[m], kpis[k])) {
                buf_reset(&f[5]); /* between campaigns: not a lack of data */
                buf_puts(&f[5], W(r, "report_no_campaign"));
            }
            month_cell(r, &f[6], x, r->v->month_end[m]);
            const struct doc_cell_spec cells[] = {
                {m == 0 ? r->l->kpi[kpis[k]] : "", DOC_PLAIN},
                {f[6].data, DOC_PLAIN},
                {f[0].data, tone(x)},
                {f[1].data, DOC_PLAIN},
                {f[2].data, DOC_PLAIN},
                {f[3].data, DOC_MUTED},
                {f[4].data, DOC_MUTED},
                {f[5].data, tone(x)},
            };
            doc_row(r->d, 0, cells);
        }
    for (int i = 0; i < 7; i++)
        buf_release(&f[i]);
}

/* ---- a section's trend charts: a KPI at the three month ends, the branch
 * against its parent (none for the report's own branch), with the targets
 * (and K1's path) of the runs -------------------------------------------- */

#define TREND_SCALE 0.6

struct trend_chart {
    chart_axis axis;
    char *title;
    char *names[2];        /* the branch's, the parent's */
    chart_point pts[2][3]; /* per series, per month end (a month two show: once) */
    size_t npts[2];
    size_t nseries;
    chart_point path[2][3]; /* the base and challenge points on the path */
    size_t npath;           /* 0: no path */
    double base, challenge; /* the last month end's targets */
    const char *words[5];   /* base, challenge, base path, challenge path, no data */
};

static void trend_release(void *data)
{
    struct trend_chart *t = data;
    free(t->title);
    free(t->names[0]);
    free(t->names[1]);
    free(t);
}

static bool trend_draw(const void *data, chart_ctx *ctx, cairo_t *cr, const chart_rect *where,
                       char *err, size_t errlen)
{
    const struct trend_chart *t = data;
    chart_series series[2];
    for (size_t i = 0; i < t->nseries; i++)
        series[i] = (chart_series){.name = t->names[i], .points = t->pts[i], .n = t->npts[i]};
    chart_trend tr = {.axis = t->axis,
                      .series = series,
                      .nseries = t->nseries,
                      .base = t->base,
                      .challenge = t->challenge,
                      .base_text = t->words[0],
                      .challenge_text = t->words[1],
                      .base_path = t->npath ? t->path[0] : NULL,
                      .challenge_path = t->npath ? t->path[1] : NULL,
                      .nbase_path = t->npath,
                      .nchallenge_path = t->npath,
                      .base_path_text = t->words[2],
                      .challenge_path_text = t->words[3],
                      .no_data_text = t->words[4]};
    chart_opts opts;
    chart_opts_default(&opts);
    opts.title = t->title;
    /* drawn as a chart 1/TREND_SCALE as large, scaled down: the charts'
     * text at about the tables' size */
    const double k = TREND_SCALE;
    chart_rect at = {where->x / k, where->y / k, where->w / k, where->h / k};
    cairo_save(cr);
    cairo_scale(cr, k, k);
    bool ok = chart_draw_trend(ctx, cr, &at, &opts, &tr, err, errlen);
    cairo_restore(cr);
    return ok;
}

/* Where a month end's value is drawn: a monthly value (satisfaction: the
 * newest survey month, a month before the month end) on its month's last
 * day, so that the axis names its month; else on the month end. */
static int32_t point_day(const struct snap_value *x, const char *month_end)
{
    const char *period = x ? snap_str(x->period) : NULL;
    char day[11], first[11];
    snprintf(day, sizeof day, "%s", month_end);
    if (period && strlen(period) == 7) {
        snprintf(first, sizeof first, "%s-01", period);
        date_shift(first, 1, -1, day);
    }
    int32_t d = 0;
    chart_date_parse(day, &d);
    return d;
}

/* A point of series i after those it has: one on a day it has (a survey
 * month two month ends show, or an earlier one) takes the place of the
 * points from that day on, so that the days rise. */
static void add_point(struct trend_chart *t, size_t i, int32_t day, double value)
{
    while (t->npts[i] && t->pts[i][t->npts[i] - 1].day >= day)
        t->npts[i]--;
    t->pts[i][t->npts[i]++] = (chart_point){day, value};
}

/* A trend's series names (names[1] NULL without parent, -1): the
 * branch's and its parent's, each with its code when the two are named
 * alike (the county 荆州分公司 under the city 荆州分公司). */
static void trend_names(const struct snap *s, int branch, int parent, char *names[2])
{
    const struct snap_branch *b = &s->branches[branch],
                             *p = parent >= 0 ? &s->branches[parent] : NULL;
    bool alike = p && strcmp(b->name, p->name) == 0;
    struct buf n = BUF_INIT;
    buf_printf(&n, alike ? "%s %s" : "%s", b->name, b->code);
    names[0] = buf_detach(&n, NULL);
    names[1] = NULL;
    if (!p)
        return;
    buf_printf(&n, alike ? "%s %s" : "%s", p->name, p->code);
    names[1] = buf_detach(&n, NULL);
}

/* The chart of kpi for branch, or NULL when no month end has its value. */
static struct trend_chart *trend_of(struct rep *r, int kpi, int branch)
{
    const struct view_report *v = r->v;
    const struct snap *s = v->s;
    /* the parent within the report's subtree only: the root's parent is
     * outside the reader's scope */
    int parent = branch == v->branch ? -1 : s->branches[branch].parent;
    struct trend_chart *t = xcalloc(1, sizeof *t);
    *t = (struct trend_chart){.axis = plot_axis(kpi),
                              .title = xstrdup(r->l->kpi[kpi]),
                              .nseries = parent >= 0 ? 2 : 1,
                              .base = NAN,
                              .challenge = NAN,
                              .words = {r->l->base, r->l->challenge, r->l->base_path,
                                        r->l->challenge_path, labels_word(r->l, "no_data")}};
    trend_names(s, branch, parent, t->names);
    bool any = false;
    for (int m = 0; m < 3; m++) {
        int32_t end = 0;
        chart_date_parse(v->month_end[m], &end);
        for (size_t i = 0; i < t->nseries; i++) {
            const struct snap_value *x = headline(s, v->runs[m], kpi, i ? parent : branch);
            add_point(t, i, point_day(x, v->month_end[m]), x ? x->f[SNAP_VALUE] : NAN);
            any = any || (i == 0 && x && isfinite(x->f[SNAP_VALUE]));
            if (i || !x)
                continue;
            t->path[0][m] = (chart_point){end, x->f[SNAP_PATH_BASE]};
            t->path[1][m] = (chart_point){end, x->f[SNAP_PATH_CHALLENGE]};
            t->npath = t->npath || isfinite(x->f[SNAP_PATH_BASE]) ? 3 : 0;
            t->base = x->f[SNAP_BASE];
            t->challenge = x->f[SNAP_CHALLENGE];
        }
    }
    if (!any) {
        trend_release(t);
        return NULL;
    }
    return t;
}

/* K1, K2 and K4 side by side. */
static void trends(struct rep *r, int branch)
{
    static const int kpis[] = {SNAP_RETENTION, SNAP_IN_NETWORK, SNAP_SATISFACTION};
    struct trend_chart *t[3];
    size_t n = 0;
    for (size_t k = 0; k < 3; k++)
        if ((t[n] = trend_of(r, kpis[k], branch)))
            n++;
    if (!n)
        return;
    struct buf names = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        buf_printf(&names, "%s%s", i ? W(r, "bulletin_list_sep") : "", t[i]->title);
    char *text = doc_fill(
        W(r, "report_trends"),
        (const char *const[]){"branch", r->v->s->branches[branch].name, "kpis", names.data, NULL});
    doc_charts(r->d, 0.26, text);
    free(text);
    buf_release(&names);
    for (size_t i = 0; i < n; i++)
        doc_chart(r->d, trend_draw, t[i], trend_release);
}

/* A dim's words: an indicator's name, a tier's or policy's word, else the
 * code. */
static const char *dim_words(struct rep *r, int kpi, const char *dim, struct buf *scratch)
{
    if (kpi == SNAP_SATISFACTION || kpi == SNAP_SATISFACTION_GOTONE) {
        int i = snap_indicator_find(r->v->s, dim);
        return i >= 0 ? r->v->s->indicators[i].name : dim;
    }
    buf_reset(scratch);
    buf_printf(scratch, "%s_%s", kpi == SNAP_IN_NETWORK ? "tier" : "policy", dim);
    const char *w = W(r, scratch->data);
    return w == scratch->data ? dim : w;
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether two alarms of a branch read as one row (the same KPI, days and
 * reason: the indicators of one survey, say). */
static bool same_stretch(const struct snap_alarm *a, const struct snap_alarm *b)
{
    return a->kpi == b->kpi && a->campaign == b->campaign && a->carried_in == b->carried_in &&
           a->red_days == b->red_days && strcmp(a->raised, b->raised) == 0 &&
           strcmp(a->cleared, b->cleared) == 0 && a->no_data == b->no_data &&
           same_text(a->reason, b->reason) && (a->dim != NULL) == (b->dim != NULL);
}

/* The KPI cell of alarms [i, n) like alarm i, marking them used. */
static void stretch_words(struct rep *r, const struct snap_alarm *const *al, size_t i, size_t n,
                          bool *used, struct buf *out)
{
    struct buf scratch = BUF_INIT;
    buf_reset(out);
    buf_puts(out, r->l->kpi[al[i]->kpi]);
    for (size_t j = i, dims = 0; j < n; j++) {
        if (used[j] || !same_stretch(al[i], al[j]))
            continue;
        used[j] = true;
        if (!al[j]->dim)
            continue;
        buf_puts(out, dims++ ? W(r, "bulletin_list_sep") : " · ");
        buf_puts(out, dim_words(r, al[j]->kpi, al[j]->dim, &scratch));
    }
    buf_release(&scratch);
}

/* The alarms of one branch (not its subtree): a row per stretch of red
 * days, the dims of one stretch together. */
static void branch_alarms(struct rep *r, int branch)
{
    const struct view_report *v = r->v;
    size_t i = 0, n;
    while (i < v->nalarms && v->alarms[i]->branch != branch)
        i++;
    for (n = i; n < v->nalarms && v->alarms[n]->branch == branch;)
        n++;
    if (i == n) {
        doc_note(r->d, DOC_MUTED, W(r, "report_no_alarms"), false);
        return;
    }
    const struct doc_column_spec cols[] = {
        {W(r, "report_kpi"), DOC_LEFT, 4.2},     {W(r, "report_raised"), DOC_LEFT, 1.5},
        {W(r, "report_cleared"), DOC_LEFT, 1.5}, {W(r, "report_red_days"), DOC_RIGHT, 1},
        {W(r, "report_reason"), DOC_LEFT, 2.2},
    };
    doc_table(r->d, W(r, "report_branch_alarms"), cols, sizeof cols / sizeof cols[0]);
    bool *used = xcalloc(n - i + 1, sizeof *used);
    struct buf kpi = BUF_INIT, reason = BUF_INIT;
    for (size_t k = i; k < n; k++) {
        if (used[k - i])
            continue;
        const struct snap_alarm *a = v->alarms[k];
        stretch_words(r, v->alarms + i, k - i, n - i, used, &kpi);
        char days[16], *raised = a->carried_in
                                     ? doc_fill(W(r, "report_carried_in"),
                                                (const char *const[]){"date", a->raised, NULL})
                                     : xstrdup(a->raised);
        char *ended = a->no_data ? doc_fill(W(r, "report_no_data_on"),
                                            (const char *const[]){"date", a->cleared, NULL})
                                 : xstrdup(*a->cleared ? a->cleared : W(r, "report_still_red"));
        snprintf(days, sizeof days, "%d", a->red_days);
        buf_reset(&reason);
        labels_reasons(r->l, a->reason, &reason);
        doc_row(r->d, 0,
                (const struct doc_cell_spec[]){{kpi.data, DOC_PLAIN},
                                               {raised, DOC_WARN},
                                               {ended, a->no_data    ? DOC_MUTED
                                                       : *a->cleared ? DOC_GOOD
                                                                     : DOC_WARN},
                                               {days, DOC_PLAIN},
                                               {reason.data ? reason.data : "", DOC_MUTED}});
        free(raised);
        free(ended);
    }
    free(used);
    buf_release(&kpi);
    buf_release(&reason);
}

/* The branch's zone counts at the month ends and their change over the
 * quarter, each column headed by its list's month (a month end's run holds
 * the last closed month's: June's at the end of July), or by the month end
 * when it has none; nothing when no run has them. */
static void zones(struct rep *r, int branch)
{
    const struct view_report *v = r->v;
    const struct snap_value *c[SNAP_ZONE_GREEN + 1][3];
    const char *head[3] = {v->month_end[0], v->month_end[1], v->month_end[2]};
    bool any = false;
    for (int z = SNAP_ZONE_WHITE; z <= SNAP_ZONE_GREEN; z++)
        for (int m = 0; m < 3; m++) {
            c[z][m] =
                snap_find(v->runs[m], SNAP_ZONES, branch, snap_zone_name((enum snap_zone)z), -1);
            any = any || c[z][m];
            if (c[z][m] && snap_str(c[z][m]->period))
                head[m] = snap_str(c[z][m]->period);
        }
    if (!any)
        return;
    const struct doc_column_spec cols[] = {
        {W(r, "report_zone"), DOC_LEFT, 1.6},
        {head[0], DOC_RIGHT, 1.2},
        {head[1], DOC_RIGHT, 1.2},
        {head[2], DOC_RIGHT, 1.2},
        {W(r, "report_change"), DOC_RIGHT, 1.2},
    };
    doc_table(r->d, W(r, "report_zones"), cols, sizeof cols / sizeof cols[0]);
    struct buf f[3] = {BUF_INIT, BUF_INIT, BUF_INIT};
    for (int z = SNAP_ZONE_WHITE; z <= SNAP_ZONE_GREEN; z++) {
        for (int m = 0; m < 3; m++)
            number(&f[m], c[z][m], SNAP_VALUE, false);
        struct buf change = BUF_INIT;
        double delta = c[z][0] && c[z][2] ? c[z][2]->f[SNAP_VALUE] - c[z][0]->f[SNAP_VALUE] : NAN;
        if (isfinite(delta))
            doc_count(&change, delta, true);
        else
            buf_puts(&change, "-");
        enum doc_tone t = SNAP_AT_RISK(z) && delta > 0 ? DOC_WARN : DOC_PLAIN;
        doc_row(r->d, 0,
                (const struct doc_cell_spec[]){{r->l->zone[z], DOC_PLAIN},
                                               {f[0].data, DOC_PLAIN},
                                               {f[1].data, DOC_PLAIN},
                                               {f[2].data, DOC_PLAIN},
                                               {change.data, t}});
        buf_release(&change);
    }
    for (int i = 0; i < 3; i++)
        buf_release(&f[i]);
}

/* The branches of the subtree in reading order: the root, then each city
 * followed by its counties. */
static size_t sections(const struct view_report *v, int *out)
{
    const struct snap *s = v->s;
    size_t n = 0;
    out[n++] = v->branch;
    for (int c = 0; c < s->branches[v->branch].nchildren; c++) {
        int city = s->branches[v->branch].children[c];
        out[n++] = city;
        for (int k = 0; k < s->branches[city].nchildren; k++)
            out[n++] = s->branches[city].children[k];
    }
    return n;
}

/* A warning when days of the quarter have no run: an alarm's first and
 * last red days are then days with a run, and what happened between two
 * runs is not known (an auditor read "变红 2026-08-31" as the day it
 * turned, with three runs in 92 days). */
static void gaps_note(struct rep *r)
{
    char first[11], last[11];
    int32_t d0 = 0, d1 = -1;
    view_report_range(r->v, first, last);
    chart_date_parse(first, &d0);
    chart_date_parse(last, &d1);
    size_t days = d1 >= d0 ? (size_t)(d1 - d0 + 1) : 0; /* first to last, both counted */
    size_t with = r->v->history->ndays;
    if (with >= days)
        return;
    char n[24], m[24];
    snprintf(n, sizeof n, "%zu", days);
    snprintf(m, sizeof m, "%zu", with);
    char *t =
        doc_fill(W(r, "report_days_missing"), (const char *const[]){"days", n, "with", m, NULL});
    doc_note(r->d, DOC_WARN, t, false);
    free(t);
}

/* Which daily runs the alarm history comes from. */
static void days_note(struct rep *r)
{
    const struct view_report *v = r->v;
    char n[24];
    const struct snap_history *h = v->history;
    snprintf(n, sizeof n, "%zu", h->ndays);
    char *t = doc_fill(W(r, "report_days"),
                       (const char *const[]){"n", n, "first", h->ndays ? h->days[0].as_of : "-",
                                             "last", h->ndays ? h->days[h->ndays - 1].as_of : "-",
                                             "sha", h->days_sha, NULL});
    doc_note(r->d, DOC_MUTED, t, false);
    free(t);
    gaps_note(r);
}

/* A warning for each month end whose run is older than an earlier month
 * end's (run ids are taken in order): that month end was computed again,
 * a correction say, which the later one's figures cannot include. */
static void order_notes(struct rep *r)
{
    const struct view_report *v = r->v;
    for (int m = 1; m < 3; m++) {
        int k = 0;
        while (k < m && v->runs[k]->run_id < v->runs[m]->run_id)
            k++;
        if (k == m)
            continue;
        char later[24], earlier[24];
        snprintf(later, sizeof later, "%lld", v->runs[m]->run_id);
        snprintf(earlier, sizeof earlier, "%lld", v->runs[k]->run_id);
        char *t =
            doc_fill(W(r, "report_out_of_order"),
                     (const char *const[]){"later", v->month_end[m], "later_run", later, "earlier",
                                           v->month_end[k], "earlier_run", earlier, NULL});
        doc_note(r->d, DOC_WARN, t, false);
        free(t);
    }
}

/* The PDF's creation date: when the newest of the month ends' runs
 * finished (UTC), the data's time and not the clock's, so that the same
 * runs give the same bytes; the last month end's day when no run says. */
static const char *newest_finished(const struct view_report *v)
{
    const char *newest = NULL;
    for (int m = 0; m < 3; m++) {
        const struct snap_day *d = v->month_days[m];
        if (d && strlen(d->finished) == 19 && (!newest || strcmp(d->finished, newest) > 0))
            newest = d->finished;
    }
    return newest ? newest : v->month_end[2];
}

static void cover(struct rep *r, const char *who, const char *csv_sha)
{
    const struct view_report *v = r->v;
    char runs[80], first[11], last[11];
    snprintf(runs, sizeof runs, "%lld, %lld, %lld", v->runs[0]->run_id, v->runs[1]->run_id,
             v->runs[2]->run_id);
    view_report_range(v, first, last);
    const char *name = v->s->branches[v->branch].name;
    char *title = doc_fill(W(r, "report_title"),
                           (const char *const[]){"branch", name, "quarter", v->quarter, NULL});
    char *sub = doc_fill(W(r, "report_subtitle"),
                         (const char *const[]){"first", first, "last", last, "runs", runs, NULL});
    char month[8]; /* the last closed month, YYYY-MM (stored as its first day) */
    snprintf(month, sizeof month, "%.7s", v->runs[2]->watermark[SNAP_WM_LAST_CLOSED_MONTH]);
    char *lineage =
        doc_fill(W(r, "report_lineage"),
                 (const char *const[]){"watermark", month, "finished", v->month_days[2]->finished,
                                       "who", who, "sha", csv_sha, NULL});
    r->d = doc_new(r->l->lang, title, newest_finished(v));
    doc_set_pages(r->d, title, W(r, "report_page"), "");
    doc_set_running(r->d, W(r, "report_running"));
    doc_title(r->d, title);
    doc_subtitle(r->d, sub);
    doc_note(r->d, DOC_MUTED, lineage, false);
    order_notes(r);
    days_note(r);
    free(title);
    free(sub);
    free(lineage);
}

static char *section_title(struct rep *r, size_t i, int branch)
{
    char n[24];
    snprintf(n, sizeof n, "%zu", i + 1);
    char *num = doc_fill(W(r, "report_section"), (const char *const[]){"n", n, NULL});
    const struct snap_branch *b = &r->v->s->branches[branch];
    char *sum = doc_fill(W(r, "report_summary"),
                         (const char *const[]){"branch", b->name, "code", b->code, NULL});
    struct buf t = BUF_INIT;
    buf_printf(&t, "%s %s", num, sum);
    free(num);
    free(sum);
    return buf_detach(&t, NULL);
}

/* The contents: a row per section, its page filled in when the PDF is
 * drawn (report_pdf refers each row to its heading). Returns the table's
 * block. */
static size_t contents(struct rep *r, const int *order, size_t n)
{
    const struct doc_column_spec cols[] = {{W(r, "report_branch"), DOC_LEFT, 1},
                                           {W(r, "report_page_col"), DOC_RIGHT, 0.12}};
    doc_heading(r->d, W(r, "report_contents"));
    size_t table = doc_next_block(r->d);
    doc_table(r->d, "", cols, 2);
    for (size_t i = 0; i < n; i++) {
        char *t = section_title(r, i, order[i]);
        doc_row(r->d, r->v->s->branches[order[i]].level == 1 ? DOC_ROW_GROUP : 0,
                (const struct doc_cell_spec[]){{t, DOC_PLAIN}, {"", DOC_PLAIN}});
        free(t);
    }
    return table;
}

/* The branch's children ranked by kpi at the last month end (with their
 * rank a month before). */
static void ranking(struct rep *r, int kpi)
{
    const struct view_report *v = r->v;
    const struct snap *s = v->s;
    struct view_params p;
    struct view_ranking rk = {0};
    struct view_error err = {0};
    const char *pairs[] = {"kpi",    snap_kpi_name((enum snap_kpi)kpi), "date", v->month_end[2],
                           "parent", s->branches[v->branch].code,       NULL};
    view_params_list(&p, pairs);
    if (!view_ranking_build(s, &p, &rk, &err) || rk.n == 0) {
        view_ranking_free(&rk);
        return;
    }
    const struct doc_column_spec cols[] = {
        {W(r, "report_rank"), DOC_RIGHT, 0.8},        {W(r, "report_branch"), DOC_LEFT, 2.4},
        {W(r, "report_value"), DOC_RIGHT, 1.3},       {W(r, "report_met"), DOC_LEFT, 1.6},
        {W(r, "report_rank_before"), DOC_RIGHT, 1.2},
    };
    char *caption =
        doc_fill(W(r, "report_ranking"),
                 (const char *const[]){"kpi", r->l->kpi[kpi], "date", v->month_end[2], NULL});
    doc_table(r->d, caption, cols, sizeof cols / sizeof cols[0]);
    free(caption);
    struct buf value = BUF_INIT;
    for (size_t i = 0; i < rk.n; i++) {
        const struct view_rank *e = &rk.entries[i];
        char rank[16], before[16];
        snprintf(rank, sizeof rank, "%d", e->rank);
        snprintf(before, sizeof before, "%d", e->previous_rank);
        number(&value, e->v, SNAP_VALUE, true);
        doc_row(r->d, e->bottom ? DOC_ROW_HIGHLIGHT : 0,
                (const struct doc_cell_spec[]){{rank, DOC_PLAIN},
                                               {s->branches[e->branch].name, DOC_PLAIN},
                                               {value.data, tone(e->v)},
                                               {r->l->status[e->v->status], tone(e->v)},
                                               {e->previous_rank < 0 ? "-" : before, DOC_MUTED}});
    }
    buf_release(&value);
    view_ranking_free(&rk);
}

static void rankings(struct rep *r)
{
    if (r->v->s->branches[r->v->branch].nchildren == 0)
        return; /* a county: nothing below it to rank */
    char *h = doc_fill(W(r, "report_rankings"),
                       (const char *const[]){"branch", r->v->s->branches[r->v->branch].name, NULL});
    doc_heading(r->d, h);
    free(h);
    ranking(r, SNAP_RETENTION);
    ranking(r, SNAP_IN_NETWORK);
}

/* Per KPI, the alarms of the subtree in the quarter: raised in it, red
 * already before it (carried in: not raised in the quarter), and how they
 * ended: cleared, still red at its end, ended without data. */
/* What the summary counts (red stretches of a value of a branch, dims
 * included: its rows and the branches' tables, which group a KPI's dims,
 * did not match), and how many branches they are of. */
static void alarms_unit_note(struct rep *r)
{
    const struct view_report *v = r->v;
    size_t branches = 0; /* the alarms come branch by branch (the history's order) */
    for (size_t i = 0; i < v->nalarms; i++)
        branches += i == 0 || v->alarms[i]->branch != v->alarms[i - 1]->branch;
    char n[24];
    snprintf(n, sizeof n, "%zu", branches);
    char *t = doc_fill(W(r, "report_alarms_unit"), (const char *const[]){"branches", n, NULL});
    doc_note(r->d, DOC_MUTED, t, false);
    free(t);
}

static void alarms(struct rep *r)
{
    const struct view_report *v = r->v;
    const struct snap_branch *own = &v->s->branches[v->branch];
    char *h = doc_fill(W(r, own->nchildren ? "report_alarms" : "report_alarms_leaf"),
                       (const char *const[]){"branch", own->name, NULL});
    doc_heading(r->d, h);
    free(h);
    if (!v->nalarms) {
        doc_note(r->d, DOC_PLAIN, W(r, "report_no_alarms"), false);
        return;
    }
    const struct doc_column_spec cols[] = {
        {W(r, "report_kpi"), DOC_LEFT, 3},
        {W(r, "report_raised_count"), DOC_RIGHT, 1},
        {W(r, "report_carried_count"), DOC_RIGHT, 1},
        {W(r, "report_cleared_count"), DOC_RIGHT, 1},
        {W(r, "report_open_count"), DOC_RIGHT, 1},
        {W(r, "report_no_data_count"), DOC_RIGHT, 1},
    };
    doc_table(r->d, "", cols, sizeof cols / sizeof cols[0]);
    for (int k = 0; k < SNAP_NKPI; k++) {
        long long count[5] = {0}; /* raised, carried in, cleared, still red, no data */
        for (size_t i = 0; i < v->nalarms; i++)
            if (v->alarms[i]->kpi == k) {
                const struct snap_alarm *a = v->alarms[i];
                count[a->carried_in ? 1 : 0]++;
                count[a->no_data ? 4 : *a->cleared ? 2 : 3]++;
            }
        if (!count[0] && !count[1])
            continue;
        struct buf n[5] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
        for (int c = 0; c < 5; c++)
            doc_count(&n[c], (double)count[c], false);
        doc_row(r->d, 0,
                (const struct doc_cell_spec[]){{r->l->kpi[k], DOC_PLAIN},
                                               {n[0].data, DOC_PLAIN},
                                               {n[1].data, DOC_MUTED},
                                               {n[2].data, DOC_GOOD},
                                               {n[3].data, count[3] ? DOC_WARN : DOC_PLAIN},
                                               {n[4].data, DOC_MUTED}});
        for (int c = 0; c < 5; c++)
            buf_release(&n[c]);
    }
    alarms_unit_note(r);
}

/* Which program and KPI SQL computed month end m's run (its settings'
 * `retentiond` and `kpi_sql_sha256`), or that the run did not record it. */
static void lineage_note(struct rep *r, int m)
{
    const struct view_report *v = r->v;
    const struct snap_day *d = v->month_days[m];
    json_t *o = d ? json_loads(d->settings, 0, NULL) : NULL;
    const char *version = json_string_value(json_object_get(o, "retentiond"));
    const char *sha = json_string_value(json_object_get(o, "kpi_sql_sha256"));
    char id[24];
    snprintf(id, sizeof id, "%lld", v->runs[m]->run_id);
    char *t = doc_fill(W(r, version && sha ? "report_lineage_run" : "report_lineage_unknown"),
                       (const char *const[]){"run", id, "date", v->month_end[m], "version",
                                             version ? version : "", "sha", sha ? sha : "", NULL});
    doc_note(r->d, DOC_MUTED, t, false);
    free(t);
    json_decref(o);
}

static void runs_appendix(struct rep *r)
{
    const struct view_report *v = r->v;
    const struct doc_column_spec cols[] = {
        {W(r, "report_run"), DOC_LEFT, 0.8},       {W(r, "report_as_of"), DOC_LEFT, 1.2},
        {W(r, "report_started"), DOC_LEFT, 1.8},   {W(r, "report_finished"), DOC_LEFT, 1.8},
        {W(r, "report_watermark"), DOC_LEFT, 1.3},
    };
    doc_heading(r->d, W(r, "report_runs"));
    doc_table(r->d, "", cols, sizeof cols / sizeof cols[0]);
    for (int m = 0; m < 3; m++) {
        const struct snap_day *d = v->month_days[m];
        char id[24], month[8];
        snprintf(id, sizeof id, "%lld", v->runs[m]->run_id);
        snprintf(month, sizeof month, "%.7s", v->runs[m]->watermark[SNAP_WM_LAST_CLOSED_MONTH]);
        doc_row(r->d, 0,
                (const struct doc_cell_spec[]){{id, DOC_PLAIN},
                                               {v->runs[m]->as_of, DOC_PLAIN},
                                               {d ? d->started : "-", DOC_PLAIN},
                                               {d ? d->finished : "-", DOC_PLAIN},
                                               {month, DOC_PLAIN}});
    }
    for (int m = 0; m < 3; m++)
        lineage_note(r, m);
}

/* A setting's value as text: numbers as short as they read. */
static void setting_text(const json_t *x, struct buf *out)
{
    buf_reset(out);
    if (json_is_integer(x))
        buf_printf(out, "%lld", (long long)json_integer_value(x));
    else if (json_is_real(x))
        buf_printf(out, "%.10g", json_real_value(x));
    else if (json_is_string(x))
        buf_puts(out, json_string_value(x));
    else if (json_is_null(x))
        buf_puts(out, "-");
    else if (json_is_boolean(x))
        buf_puts(out, json_is_true(x) ? "true" : "false");
}

/* A run's settings flattened into `into`: nested objects' keys joined by
 * dots ("alarm_rules.retention_rate.step"). */
static void flatten(const json_t *o, const char *prefix, json_t *into)
{
    const char *key;
    json_t *x;
    json_object_foreach((json_t *)o, key, x)
    {
        struct buf k = BUF_INIT;
        buf_printf(&k, "%s%s%s", prefix, *prefix ? "." : "", key);
        if (json_is_object(x))
            flatten(x, k.data, into);
        else
            json_object_set(into, k.data, x);
        buf_release(&k);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void settings_appendix(struct rep *r)
{
    const struct view_report *v = r->v;
    json_t *flat[3], *keys = json_object();
    for (int m = 0; m < 3; m++) {
        json_t *o = v->month_days[m] ? json_loads(v->month_days[m]->settings, 0, NULL) : NULL;
        flat[m] = json_object();
        if (json_is_object(o))
            flatten(o, "", flat[m]);
        json_object_update(keys, flat[m]);
        json_decref(o);
    }
    size_t n = json_object_size(keys), i = 0;
    const char **names = xcalloc(n + 1, sizeof *names);
    const char *key;
    json_t *x;
    json_object_foreach(keys, key, x) names[i++] = key;
    qsort(names, n, sizeof *names, cmp_str);
    char id[3][80], run[24];
    for (int m = 0; m < 3; m++) {
        snprintf(run, sizeof run, "%lld", v->runs[m]->run_id);
        const char *pairs[] = {"date", v->month_end[m], "run", run, NULL};
        char *head = doc_fill(W(r, "report_setting_run"), pairs);
        snprintf(id[m], sizeof id[m], "%s", head);
        free(head);
    }
    const struct doc_column_spec cols[] = {{W(r, "report_setting"), DOC_LEFT, 3},
                                           {id[0], DOC_RIGHT, 1.3},
                                           {id[1], DOC_RIGHT, 1.3},
                                           {id[2], DOC_RIGHT, 1.3}};
    doc_heading(r->d, W(r, "report_settings"));
    doc_table(r->d, "", cols, 4);
    struct buf t[3] = {BUF_INIT, BUF_INIT, BUF_INIT};
    for (i = 0; i < n; i++) {
        if (strcmp(names[i], "retentiond") == 0 || strcmp(names[i], "kpi_sql_sha256") == 0)
            continue; /* appendix 1, on a line of their own (a SHA-256 overflows a cell) */
        for (int m = 0; m < 3; m++) {
            const json_t *val = json_object_get(flat[m], names[i]);
            setting_text(val, &t[m]);
            if (!val)
                buf_puts(&t[m], "-");
        }
        doc_row(r->d, 0,
                (const struct doc_cell_spec[]){{names[i], DOC_PLAIN},
                                               {t[0].data, DOC_PLAIN},
                                               {t[1].data, DOC_PLAIN},
                                               {t[2].data, DOC_PLAIN}});
    }
    for (int m = 0; m < 3; m++) {
        buf_release(&t[m]);
        json_decref(flat[m]);
    }
    free(names);
    json_decref(keys);
}

/* The alarms' definition (malloc'd) with K2's key-account window of the
 * run whose settings are o: its days, or the rest of the year (366, or a
 * run from before the window was a rule). */
static char *key_account_rule(const struct rep *r, const json_t *o)
{
    const json_t *days = json_object_get(
        json_object_get(json_object_get(o, "alarm_rules"), "in_network_rate"), "key_account_days");
    char n[16];
    snprintf(n, sizeof n, "%lld", (long long)json_integer_value(days));
    bool window = json_is_integer(days) && json_integer_value(days) < 366;
    char *phrase =
        window ? doc_fill(W(r, "report_key_account_days"), (const char *const[]){"days", n, NULL})
               : NULL;
    char *text =
        doc_fill(W(r, "report_def_alarms"),
                 (const char *const[]){"key_account",
                                       phrase ? phrase : W(r, "report_key_account_year"), NULL});
    free(phrase);
    return text;
}

/* The KPI definitions, their thresholds from the last month end's run. */
static void definitions(struct rep *r)
{
    const struct view_report *v = r->v;
    static const char *const names[] = {"k1_baseline_bill", "k1_low_bill",  "k1_low_months",
                                        "k5_bill_a",        "k5_minutes_b", "k5_minutes_c"};
    enum { NSET = sizeof names / sizeof names[0] };
    static const int kpis[] = {SNAP_RETENTION, SNAP_IN_NETWORK, SNAP_BUNDLING, SNAP_SATISFACTION,
                               SNAP_ZONES};
    json_t *o = v->month_days[2] ? json_loads(v->month_days[2]->settings, 0, NULL) : NULL;
    struct buf values[NSET];
    const char *pairs[2 * NSET + 1];
    for (size_t i = 0; i < NSET; i++) {
        values[i] = (struct buf)BUF_INIT;
        setting_text(json_object_get(o, names[i]), &values[i]);
        pairs[2 * i] = names[i];
        pairs[2 * i + 1] = values[i].data ? values[i].data : "?";
    }
    pairs[2 * NSET] = NULL;
    char *h =
        doc_fill(W(r, "report_definitions"), (const char *const[]){"date", v->month_end[2], NULL});
    doc_heading(r->d, h);
    free(h);
    const struct doc_column_spec cols[] = {{W(r, "report_kpi"), DOC_LEFT, 1}, {"", DOC_LEFT, 3.4}};
    doc_table(r->d, "", cols, 2);
    struct buf name = BUF_INIT;
    for (size_t k = 0; k < sizeof kpis / sizeof kpis[0]; k++) {
        buf_reset(&name);
        buf_printf(&name, "report_def_%s", snap_kpi_name((enum snap_kpi)kpis[k]));
        char *def = doc_fill(W(r, name.data), pairs);
        doc_row(r->d, 0,
                (const struct doc_cell_spec[]){{r->l->kpi[kpis[k]], DOC_PLAIN}, {def, DOC_PLAIN}});
        free(def);
    }
    char *alarms = key_account_rule(r, o);
    doc_row(r->d, 0,
            (const struct doc_cell_spec[]){{W(r, "report_alarm_rules"), DOC_PLAIN},
                                           {alarms, DOC_PLAIN}});
    free(alarms);
    buf_release(&name);
    for (size_t i = 0; i < NSET; i++)
        buf_release(&values[i]);
    json_decref(o);
}

/* The rows a run counted for a rule, as text ("—": the run did not count
 * it), into out. */
static void dq_rows(const struct snap_run *run, const char *rule, struct buf *out)
{
    buf_reset(out);
    for (size_t i = 0; i < run->ndq; i++)
        if (strcmp(snap_str(run->dq[i].rule), rule) == 0) {
            doc_count(out, (double)run->dq[i].rows, false);
            return;
        }
    buf_puts(out, "—");
}

/* The warehouse's data-quality counts of each month end's run (they
 * differed from month to month: the last month's alone hid July's): the
 * whole warehouse's, so in the province's report only (a branch's report,
 * which a branch manager may read, would show them as if they were the
 * branch's, and /api/v1/data-quality is the whole province's scope). The
 * rules are the last run's (every rule, zero included). */
static void dq_appendix(struct rep *r)
{
    if (r->v->branch != snap_branch_root(r->v->s))
        return;
    const struct snap_run *last = r->v->runs[2];
    const struct doc_column_spec dq[] = {{W(r, "report_rule"), DOC_LEFT, 4},
                                         {W(r, "report_rule_code"), DOC_LEFT, 2},
                                         {r->v->month_end[0], DOC_RIGHT, 1},
                                         {r->v->month_end[1], DOC_RIGHT, 1},
                                         {r->v->month_end[2], DOC_RIGHT, 1}};
    doc_heading(r->d, W(r, "report_dq"));
    doc_table(r->d, W(r, "report_rows"), dq, 5);
    struct buf rows[3] = {BUF_INIT, BUF_INIT, BUF_INIT}, key = BUF_INIT;
    for (size_t i = 0; i < last->ndq; i++) {
        const char *rule = snap_str(last->dq[i].rule);
        buf_reset(&key);
        buf_printf(&key, "dq_%s", rule);
        const char *says = W(r, key.data);
        for (int m = 0; m < 3; m++)
            dq_rows(r->v->runs[m], rule, &rows[m]);
        doc_row(r->d, 0,
                (const struct doc_cell_spec[]){{says == key.data ? "" : says, DOC_PLAIN},
                                               {rule, DOC_PLAIN},
                                               {rows[0].data, DOC_PLAIN},
                                               {rows[1].data, DOC_PLAIN},
                                               {rows[2].data, DOC_PLAIN}});
    }
    for (int m = 0; m < 3; m++)
        buf_release(&rows[m]);
    buf_release(&key);
}

bool report_pdf(const struct view_report *v, const struct labels *l, const char *who,
                const char *csv_sha, chart_ctx *ctx, unsigned char **out, size_t *len, char *err,
                size_t errlen)
{
    if (!v->history || !v->month_days[2]) {
        snprintf(err, errlen, "the report's history was not read");
        return false;
    }
    struct rep r = {.v = v, .l = l ? l : labels_get(NULL)};
    int *order = xcalloc(v->s->nbranches + 1, sizeof *order);
    size_t n = sections(v, order);
    cover(&r, who, csv_sha);
    size_t toc = contents(&r, order, n);
    for (size_t i = 0; i < n; i++) {
        char *t = section_title(&r, i, order[i]);
        doc_page_ref(r.d, toc, i, doc_next_block(r.d));
        doc_heading(r.d, t);
        free(t);
        figures_table(&r, order[i]);
        trends(&r, order[i]);
        branch_alarms(&r, order[i]);
        zones(&r, order[i]);
    }
    rankings(&r);
    alarms(&r);
    runs_appendix(&r);
    settings_appendix(&r);
    definitions(&r);
    dq_appendix(&r);
    bool ok = doc_paint_pdf(r.d, ctx, out, len, err, errlen);
    doc_free(r.d);
    free(order);
    return ok;
}
