#include "contract.h"

#include "mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *contract_value_json(const struct snap *s, const struct snap_value *v)
{
    json_t *o = json_object();
    json_object_set_new(o, "kpi", json_string(snap_kpi_name((enum snap_kpi)v->kpi)));
    json_object_set_new(o, "branch", json_string(s->branches[v->branch].code));
    json_object_set_new(o, "dim", snap_text_json(snap_str(v->dim)));
    json_object_set_new(o, "numerator", snap_field_json(v, SNAP_NUM));
    json_object_set_new(o, "denominator", snap_field_json(v, SNAP_DEN));
    json_object_set_new(o, "value", snap_field_json(v, SNAP_VALUE));
    json_object_set_new(o, "status", snap_text_json(snap_status_name(v->status)));
    json_object_set_new(o, "target_base", snap_field_json(v, SNAP_BASE));
    json_object_set_new(o, "target_challenge", snap_field_json(v, SNAP_CHALLENGE));
    json_object_set_new(o, "path_base", snap_field_json(v, SNAP_PATH_BASE));
    json_object_set_new(o, "path_challenge", snap_field_json(v, SNAP_PATH_CHALLENGE));
    json_object_set_new(o, "previous_status", snap_text_json(snap_status_name(v->previous)));
    if (v->kpi == SNAP_BUNDLING)
        json_object_set_new(o, "campaign",
                            v->campaign < 0 ? json_null() : json_integer(v->campaign));
    if (v->kpi == SNAP_SATISFACTION || v->kpi == SNAP_SATISFACTION_GOTONE) {
        json_object_set_new(o, "period", snap_text_json(snap_str(v->period)));
        json_object_set_new(o, "partial", json_boolean(v->partial));
    }
    if (v->reason)
        json_object_set_new(o, "reason", json_string(snap_str(v->reason)));
    return o;
}

void contract_figures(json_t *obj, const struct snap_value *v)
{
    json_object_set_new(obj, "value", snap_field_json(v, SNAP_VALUE));
    json_object_set_new(obj, "numerator", snap_field_json(v, SNAP_NUM));
    json_object_set_new(obj, "denominator", snap_field_json(v, SNAP_DEN));
    json_object_set_new(obj, "status", snap_text_json(v ? snap_status_name(v->status) : NULL));
    json_object_set_new(obj, "target_base", snap_field_json(v, SNAP_BASE));
    json_object_set_new(obj, "target_challenge", snap_field_json(v, SNAP_CHALLENGE));
    json_object_set_new(obj, "path_base", snap_field_json(v, SNAP_PATH_BASE));
    json_object_set_new(obj, "path_challenge", snap_field_json(v, SNAP_PATH_CHALLENGE));
    json_object_set_new(obj, "previous_status",
                        snap_text_json(v ? snap_status_name(v->previous) : NULL));
}

json_t *contract_quality_json(const struct snap_run *run)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < run->ndq; i++)
        json_array_append_new(arr, json_pack("{s:s, s:I}", "rule", snap_str(run->dq[i].rule),
                                             "rows", (json_int_t)run->dq[i].rows));
    return arr;
}

json_t *contract_run_json(const struct snap *s, const struct snap_run *run,
                          const struct snap_value *const *values, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, contract_value_json(s, values[i]));
    return json_pack("{s:s, s:I, s:o, s:o}", "as_of", run->as_of, "run_id", (json_int_t)run->run_id,
                     "values", arr, "data_quality", contract_quality_json(run));
}

void contract_print_json(const struct snap *s, const struct snap_run *run, struct buf *out)
{
    const struct snap_value **all = xcalloc(run->nvalues, sizeof *all);
    for (size_t i = 0; i < run->nvalues; i++)
        all[i] = &run->values[i];
    json_t *root = contract_run_json(s, run, all, run->nvalues);
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(15) | JSON_PRESERVE_ORDER);
    buf_puts(out, text);
    buf_puts(out, "\n");
    free(text);
    json_decref(root);
    free(all);
}

/* ---- the table ------------------------------------------------------------------------ */

/* A count or sum as the database prints it: an integer, or (a sum of
 * scores, numeric(5,2)) with two decimals; "-" for NULL. */
static void format_count(const struct snap_value *v, int f, char *out, size_t len)
{
    if (isnan(v->f[f]))
        snprintf(out, len, "-");
    else if (v->integer & (1u << f))
        snprintf(out, len, "%lld", (long long)v->f[f]);
    else
        snprintf(out, len, "%.2f", v->f[f]);
}

/* A value or target in the KPI's unit: a count, a percentage with two
 * decimals, or a score with two decimals; "-" for NULL. */
static void format_unit(const struct snap_value *v, int f, char *out, size_t len)
{
    if (isnan(v->f[f]))
        snprintf(out, len, "-");
    else if (v->kpi == SNAP_ZONES)
        format_count(v, f, out, len);
    else if (v->kpi == SNAP_SATISFACTION || v->kpi == SNAP_SATISFACTION_GOTONE)
        snprintf(out, len, "%.2f", v->f[f]);
    else
        snprintf(out, len, "%.2f%%", v->f[f] * 100.0);
}

void contract_print_table(const struct snap *s, const struct snap_run *run, struct buf *out)
{
    /* path: the day's point on the way to the period-end base (docs/kpis.md);
     * was: the status in the previous period */
    buf_printf(out, "run %lld as of %s\n", run->run_id, run->as_of);
    buf_printf(out, "%-20s %-8s %-15s %12s %12s %9s %9s %9s %-9s %-9s\n", "kpi", "branch", "dim",
               "numerator", "denominator", "value", "base", "path", "status", "was");
    for (size_t i = 0; i < run->nvalues; i++) {
        const struct snap_value *v = &run->values[i];
        const char *dim = snap_str(v->dim), *status = snap_status_name(v->status);
        const char *was = snap_status_name(v->previous);
        char num[32], den[32], value[32], base[32], path[32];
        format_count(v, SNAP_NUM, num, sizeof num);
        format_count(v, SNAP_DEN, den, sizeof den);
        format_unit(v, SNAP_VALUE, value, sizeof value);
        format_unit(v, SNAP_BASE, base, sizeof base);
        format_unit(v, SNAP_PATH_BASE, path, sizeof path);
        buf_printf(out, "%-20s %-8s %-15s %12s %12s %9s %9s %9s %-9s %-9s\n",
                   snap_kpi_name((enum snap_kpi)v->kpi), s->branches[v->branch].code,
                   dim ? dim : "-", num, den, value, base, path, status ? status : "-",
                   was ? was : "-");
    }
}
