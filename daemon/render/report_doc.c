/* The quarterly report's document: see report_doc.h. */
#include "report_doc.h"

#include "buf.h"
#include "doc.h"
#include "doc_paint.h"
#include "mem.h"
#include "ranking.h"

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
        buf_printf(out, "%.2f%%", 100 * x->f[f]);
    else if (x->integer & (1u << f))
        buf_printf(out, "%.0f", x->f[f]);
    else
        buf_printf(out, "%.2f", x->f[f]);
}

static enum doc_tone tone(const struct snap_value *x)
{
    return !x                                   ? DOC_MUTED
           : x->status == SNAP_STATUS_RED       ? DOC_WARN
           : x->status == SNAP_STATUS_EXCELLENT ? DOC_EXCELLENT
           : x->status == SNAP_STATUS_GREEN     ? DOC_GOOD
                                                : DOC_PLAIN;
}

/* The month-end figures of one branch: a row per KPI and month end. */
static void figures_table(struct rep *r, int branch)
{
    const struct doc_column_spec cols[] = {
        {W(r, "report_kpi"), DOC_LEFT, 3},
        {W(r, "report_month_end"), DOC_LEFT, 1.6},
        {W(r, "report_value"), DOC_RIGHT, 1.3},
        {W(r, "report_numerator"), DOC_RIGHT, 1.3},
        {W(r, "report_denominator"), DOC_RIGHT, 1.3},
        {r->l->base, DOC_RIGHT, 1.2},
        {r->l->challenge, DOC_RIGHT, 1.2},
        {W(r, "report_met"), DOC_LEFT, 1.6},
    };
    static const int kpis[] = {SNAP_RETENTION, SNAP_IN_NETWORK, SNAP_BUNDLING, SNAP_SATISFACTION,
                               SNAP_SATISFACTION_GOTONE};
    struct buf f[5] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
    doc_table(r->d, "", cols, sizeof cols / sizeof cols[0]);
    for (size_t k = 0; k < sizeof kpis / sizeof kpis[0]; k++)
        for (int m = 0; m < 3; m++) {
            const struct snap_value *x = headline(r->v->s, r->v->runs[m], kpis[k], branch);
            number(&f[0], x, SNAP_VALUE, true);
            number(&f[1], x, SNAP_NUM, false);
            number(&f[2], x, SNAP_DEN, false);
            number(&f[3], x, SNAP_BASE, true);
            number(&f[4], x, SNAP_CHALLENGE, true);
            const char *status = x ? r->l->status[x->status] : "-";
            const struct doc_cell_spec cells[] = {
                {m == 0 ? r->l->kpi[kpis[k]] : "", DOC_PLAIN},
                {r->v->month_end[m], DOC_PLAIN},
                {f[0].data, tone(x)},
                {f[1].data, DOC_PLAIN},
                {f[2].data, DOC_PLAIN},
                {f[3].data, DOC_MUTED},
                {f[4].data, DOC_MUTED},
                {status, tone(x)},
            };
            doc_row(r->d, 0, cells);
        }
    for (int i = 0; i < 5; i++)
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

static void cover(struct rep *r, const char *who, const char *csv_sha)
{
    const struct view_report *v = r->v;
    char runs[80], first[11];
    snprintf(runs, sizeof runs, "%lld, %lld, %lld", v->runs[0]->run_id, v->runs[1]->run_id,
             v->runs[2]->run_id);
    snprintf(first, sizeof first, "%.8s01", v->month_end[0]);
    const char *name = v->s->branches[v->branch].name;
    char *title = doc_fill(W(r, "report_title"),
                           (const char *const[]){"branch", name, "quarter", v->quarter, NULL});
    char *sub = doc_fill(
        W(r, "report_subtitle"),
        (const char *const[]){"first", first, "last", v->month_end[2], "runs", runs, NULL});
    char *lineage = doc_fill(W(r, "report_lineage"),
                             (const char *const[]){"watermark",
                                                   v->runs[2]->watermark[SNAP_WM_LAST_CLOSED_MONTH],
                                                   "who", who, "sha", csv_sha, NULL});
    r->d = doc_new(r->l->lang, title, v->month_end[2]);
    doc_set_pages(r->d, title, W(r, "report_page"), "");
    doc_title(r->d, title);
    doc_subtitle(r->d, sub);
    doc_note(r->d, DOC_MUTED, lineage, false);
    free(title);
    free(sub);
    free(lineage);
}

static char *section_title(struct rep *r, size_t i, int branch)
{
    char n[24];
    snprintf(n, sizeof n, "%zu", i + 1);
    char *num = doc_fill(W(r, "report_section"), (const char *const[]){"n", n, NULL});
    char *sum = doc_fill(W(r, "report_summary"),
                         (const char *const[]){"branch", r->v->s->branches[branch].name, NULL});
    struct buf t = BUF_INIT;
    buf_printf(&t, "%s %s", num, sum);
    free(num);
    free(sum);
    return buf_detach(&t, NULL);
}

static void contents(struct rep *r, const int *order, size_t n)
{
    const struct doc_column_spec cols[] = {{W(r, "report_branch"), DOC_LEFT, 1}};
    doc_heading(r->d, W(r, "report_contents"));
    doc_table(r->d, "", cols, 1);
    for (size_t i = 0; i < n; i++) {
        char *t = section_title(r, i, order[i]);
        doc_row(r->d, r->v->s->branches[order[i]].level == 1 ? DOC_ROW_GROUP : 0,
                (const struct doc_cell_spec[]){{t, DOC_PLAIN}});
        free(t);
    }
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
    char *h = doc_fill(W(r, "report_rankings"),
                       (const char *const[]){"branch", r->v->s->branches[r->v->branch].name, NULL});
    doc_heading(r->d, h);
    free(h);
    ranking(r, SNAP_RETENTION);
    ranking(r, SNAP_IN_NETWORK);
}

/* Every value of the subtree red at a month end, with its reason. */
static void alarms(struct rep *r)
{
    const struct view_report *v = r->v;
    const struct doc_column_spec cols[] = {
        {W(r, "report_month_end"), DOC_LEFT, 1.4}, {W(r, "report_branch"), DOC_LEFT, 1.8},
        {W(r, "report_kpi"), DOC_LEFT, 2.6},       {W(r, "report_value"), DOC_RIGHT, 1.1},
        {W(r, "report_reason"), DOC_LEFT, 2.4},
    };
    char *h = doc_fill(W(r, "report_alarms"),
                       (const char *const[]){"branch", v->s->branches[v->branch].name, NULL});
    doc_heading(r->d, h);
    free(h);
    struct buf value = BUF_INIT, kpi = BUF_INIT;
    size_t rows = 0;
    for (int m = 0; m < 3; m++)
        for (size_t i = 0; i < v->runs[m]->nvalues; i++) {
            const struct snap_value *x = &v->runs[m]->values[i];
            if (x->status != SNAP_STATUS_RED || !snap_branch_within(v->s, x->branch, v->branch))
                continue;
            if (!rows++)
                doc_table(r->d, "", cols, sizeof cols / sizeof cols[0]);
            number(&value, x, SNAP_VALUE, true);
            buf_reset(&kpi);
            buf_printf(&kpi, "%s%s%s", r->l->kpi[x->kpi], x->dim ? " · " : "",
                       x->dim ? snap_str(x->dim) : "");
            const char *reason = snap_str(x->reason);
            doc_row(r->d, 0,
                    (const struct doc_cell_spec[]){{v->month_end[m], DOC_PLAIN},
                                                   {v->s->branches[x->branch].name, DOC_PLAIN},
                                                   {kpi.data, DOC_PLAIN},
                                                   {value.data, DOC_WARN},
                                                   {reason ? reason : "", DOC_MUTED}});
        }
    if (!rows)
        doc_note(r->d, DOC_PLAIN, W(r, "report_no_alarms"), false);
    buf_release(&value);
    buf_release(&kpi);
}

static void appendices(struct rep *r)
{
    const struct view_report *v = r->v;
    const struct doc_column_spec runs[] = {{W(r, "report_run"), DOC_LEFT, 1},
                                           {W(r, "report_as_of"), DOC_LEFT, 1.5},
                                           {W(r, "report_watermark"), DOC_LEFT, 1.5}};
    doc_heading(r->d, W(r, "report_runs"));
    doc_table(r->d, "", runs, 3);
    for (int m = 0; m < 3; m++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", v->runs[m]->run_id);
        doc_row(r->d, 0,
                (const struct doc_cell_spec[]){
                    {id, DOC_PLAIN},
                    {v->runs[m]->as_of, DOC_PLAIN},
                    {v->runs[m]->watermark[SNAP_WM_LAST_CLOSED_MONTH], DOC_PLAIN}});
    }
    const struct snap_run *last = v->runs[2];
    char *h = doc_fill(W(r, "report_dq"), (const char *const[]){"date", last->as_of, NULL});
    const struct doc_column_spec dq[] = {{W(r, "report_rule"), DOC_LEFT, 3},
                                         {W(r, "report_rows"), DOC_RIGHT, 1}};
    doc_heading(r->d, h);
    free(h);
    doc_table(r->d, "", dq, 2);
    for (size_t i = 0; i < last->ndq; i++) {
        char rows[24];
        snprintf(rows, sizeof rows, "%lld", last->dq[i].rows);
        doc_row(r->d, 0,
                (const struct doc_cell_spec[]){{snap_str(last->dq[i].rule), DOC_PLAIN},
                                               {rows, DOC_PLAIN}});
    }
}

bool report_pdf(const struct view_report *v, const struct labels *l, const char *who,
                const char *csv_sha, chart_ctx *ctx, unsigned char **out, size_t *len, char *err,
                size_t errlen)
{
    struct rep r = {.v = v, .l = l ? l : labels_get(NULL)};
    int *order = xcalloc(v->s->nbranches + 1, sizeof *order);
    size_t n = sections(v, order);
    cover(&r, who, csv_sha);
    contents(&r, order, n);
    for (size_t i = 0; i < n; i++) {
        char *t = section_title(&r, i, order[i]);
        doc_heading(r.d, t);
        free(t);
        figures_table(&r, order[i]);
    }
    rankings(&r);
    alarms(&r);
    appendices(&r);
    bool ok = doc_paint_pdf(r.d, ctx, out, len, err, errlen);
    doc_free(r.d);
    free(order);
    return ok;
}
