#include "snap_int.h"

#include "log.h"
#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SNAP_FORMAT "retentiond-snapshot/3"

/* ---- the file ------------------------------------------------------------------------------
 * JSON lines: a header object (format, id, built_at, branches, indicators,
 * campaigns), then one object per run. Each line is parsed on its own, so
 * reading never holds more than one run as JSON. */

json_t *snap_text_json(const char *text)
{
    return text ? json_string(text) : json_null();
}

json_t *snap_field_json(const struct snap_value *v, int f)
{
    if (!v || isnan(v->f[f]))
        return json_null();
    if (v->integer & (1u << f))
        return json_integer((json_int_t)v->f[f]);
    return json_real(v->f[f]);
}

static json_t *header_json(const struct snap *s)
{
    json_t *branches = json_array(), *indicators = json_array(), *campaigns = json_array();
    for (size_t i = 0; i < s->nbranches; i++) {
        const struct snap_branch *b = &s->branches[i];
        json_array_append_new(
            branches,
            json_pack("[i, s, s, o, i]", b->id, b->code, b->name,
                      b->parent < 0 ? json_null() : json_integer(s->branches[b->parent].id),
                      b->level));
    }
    for (size_t i = 0; i < s->nindicators; i++) {
        const struct snap_indicator *ind = &s->indicators[i];
        json_array_append_new(
            indicators,
            json_pack("[s, s, o, f]", ind->code, ind->name,
                      snap_text_json(ind->parent < 0 ? NULL : s->indicators[ind->parent].code),
                      ind->weight));
    }
    for (size_t i = 0; i < s->ncampaigns; i++) {
        const struct snap_campaign *c = &s->campaigns[i];
        json_array_append_new(campaigns,
                              json_pack("[i, s, s, s]", c->id, c->name, c->starts_on, c->ends_on));
    }
    return json_pack("{s:s, s:s, s:I, s:o, s:o, s:o}", "format", SNAP_FORMAT, "id", s->id,
                     "built_at", (json_int_t)s->built_at, "branches", branches, "indicators",
                     indicators, "campaigns", campaigns);
}

static json_t *run_json(const struct snap *s, const struct snap_run *r)
{
    json_t *values = json_array(), *dq = json_array();
    for (size_t i = 0; i < r->nvalues; i++) {
        const struct snap_value *v = &r->values[i];
        json_t *row = json_pack("[s, s, o, o, o]", snap_kpi_name((enum snap_kpi)v->kpi),
                                s->branches[v->branch].code, snap_text_json(snap_str(v->dim)),
                                v->campaign < 0 ? json_null() : json_integer(v->campaign),
                                snap_text_json(snap_str(v->period)));
        /* in the order of the R_ fields */
        for (int f = SNAP_NUM; f <= SNAP_CHALLENGE; f++) {
            json_array_append_new(row, snap_field_json(v, f));
            if (f == SNAP_VALUE)
                json_array_append_new(row, snap_text_json(snap_status_name(v->status)));
        }
        json_array_append_new(row, json_boolean(v->partial));
        json_array_append_new(row, snap_text_json(snap_str(v->reason)));
        json_array_append_new(row, snap_field_json(v, SNAP_PATH_BASE));
        json_array_append_new(row, snap_field_json(v, SNAP_PATH_CHALLENGE));
        json_array_append_new(row, snap_text_json(snap_status_name(v->previous)));
        json_array_append_new(values, row);
    }
    for (size_t i = 0; i < r->ndq; i++)
        json_array_append_new(
            dq, json_pack("[s, I]", snap_str(r->dq[i].rule), (json_int_t)r->dq[i].rows));
    json_t *wm = json_object();
    for (int w = 0; w < SNAP_NWATERMARK; w++)
        if (*r->watermark[w])
            json_object_set_new(wm, snap_watermark_name(w), json_string(r->watermark[w]));
    json_t *limits = json_object();
    for (int z = 0; z < SNAP_NZONE_LIMITS; z++)
        if (isfinite(r->zone_limits[z]))
            json_object_set_new(limits, snap_zone_limit_name(z), json_real(r->zone_limits[z]));
    return json_pack("{s:I, s:s, s:o, s:o, s:o, s:o}", "run_id", (json_int_t)r->run_id, "as_of",
                     r->as_of, "watermark", wm, "zone_limits", limits, "values", values,
                     "data_quality", dq);
}

static bool write_line(FILE *f, json_t *obj)
{
    int rc = obj ? json_dumpf(obj, f, JSON_COMPACT | JSON_REAL_PRECISION(17)) : -1;
    json_decref(obj);
    return rc == 0 && fputc('\n', f) != EOF;
}

bool snap_write_file(const struct snap *s, const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    /* every branch's figures: readable by the daemon's user only */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        log_error("msg=\"cannot write the snapshot\" path=%s reason=\"%s\"", tmp, strerror(errno));
        return false;
    }
    bool ok = write_line(f, header_json(s));
    for (size_t i = 0; ok && i < s->nruns; i++)
        ok = write_line(f, run_json(s, s->runs[i]));
    ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        log_error("msg=\"cannot write the snapshot\" path=%s reason=\"%s\"", path, strerror(errno));
        unlink(tmp);
    }
    return ok;
}

/* Text of element i of a JSON array: strings as they are, numbers printed,
 * null as NULL. `scratch` holds printed numbers. */
static const char *elem_text(json_t *arr, size_t i, char *scratch, size_t len)
{
    json_t *e = json_array_get(arr, i);
    if (json_is_string(e))
        return json_string_value(e);
    if (json_is_integer(e)) {
        snprintf(scratch, len, "%lld", (long long)json_integer_value(e));
        return scratch;
    }
    if (json_is_real(e)) {
        snprintf(scratch, len, "%.17g", json_real_value(e));
        if (!strpbrk(scratch, ".e")) /* keep it a fraction: 1.0 must not read as 1 */
            snprintf(scratch + strlen(scratch), len - strlen(scratch), ".0");
        return scratch;
    }
    if (json_is_boolean(e))
        return json_is_true(e) ? "t" : "f";
    return NULL;
}

static bool read_header(json_t *h, struct snap *s)
{
    static const char kinds[] = {'b', 'i', 'c'};
    static const char *const keys[] = {"branches", "indicators", "campaigns"};
    const char *format = json_string_value(json_object_get(h, "format"));
    const char *id = json_string_value(json_object_get(h, "id"));
    if (!format || strcmp(format, SNAP_FORMAT) != 0 || !id)
        return false;
    snprintf(s->id, sizeof s->id, "%s", id);
    s->built_at = (long long)json_integer_value(json_object_get(h, "built_at"));
    for (int k = 0; k < 3; k++) {
        json_t *items = json_object_get(h, keys[k]), *row;
        size_t i;
        json_array_foreach(items, i, row)
        {
            char s0[32], s3[32], s4[32];
            struct snap_ref_item it = {.kind = kinds[k]};
            if (kinds[k] == 'b')
                it = (struct snap_ref_item){'b',
                                            elem_text(row, 0, s0, sizeof s0),
                                            json_string_value(json_array_get(row, 1)),
                                            json_string_value(json_array_get(row, 2)),
                                            elem_text(row, 3, s3, sizeof s3),
                                            elem_text(row, 4, s4, sizeof s4)};
            else if (kinds[k] == 'i')
                it = (struct snap_ref_item){'i',
                                            NULL,
                                            json_string_value(json_array_get(row, 0)),
                                            json_string_value(json_array_get(row, 1)),
                                            elem_text(row, 2, s3, sizeof s3),
                                            elem_text(row, 3, s4, sizeof s4)};
            else
                it = (struct snap_ref_item){'c',
                                            elem_text(row, 0, s0, sizeof s0),
                                            NULL,
                                            json_string_value(json_array_get(row, 1)),
                                            json_string_value(json_array_get(row, 2)),
                                            json_string_value(json_array_get(row, 3))};
            if (!snap_add_ref_item(s, &it))
                return false; /* a corrupt file: the database will tell */
        }
    }
    snap_link_reference(s);
    return true;
}

static bool read_run_json(json_t *obj, struct snap *s)
{
    json_t *values = json_object_get(obj, "values"), *dq = json_object_get(obj, "data_quality");
    const char *as_of = json_string_value(json_object_get(obj, "as_of"));
    if (!json_is_array(values) || !json_is_array(dq) || !as_of)
        return false;
    struct snap_run *r = snap_run_new((long long)json_integer_value(json_object_get(obj, "run_id")),
                                      as_of, json_array_size(values));
    json_t *wm = json_object_get(obj, "watermark"); /* absent in older files */
    for (int w = 0; w < SNAP_NWATERMARK; w++) {
        const char *date = json_string_value(json_object_get(wm, snap_watermark_name(w)));
        if (date && strlen(date) < sizeof r->watermark[w])
            strcpy(r->watermark[w], date);
    }
    json_t *limits = json_object_get(obj, "zone_limits"); /* absent or partial: unknown */
    for (int z = 0; z < SNAP_NZONE_LIMITS; z++) {
        json_t *x = json_object_get(limits, snap_zone_limit_name(z));
        if (json_is_number(x))
            r->zone_limits[z] = json_number_value(x);
    }
    size_t i, skipped = 0;
    json_t *row;
    json_array_foreach(values, i, row)
    {
        char scratch[SNAP_T_NFIELDS][40];
        const char *t[SNAP_T_NFIELDS];
        for (int f = 0; f < SNAP_T_NFIELDS; f++)
            t[f] = elem_text(row, (size_t)f, scratch[f], sizeof scratch[f]);
        if (snap_value_from_text(s, t, &r->values[r->nvalues]))
            r->nvalues++;
        else
            skipped++;
    }
    json_array_foreach(dq, i, row)
    {
        const char *rule = json_string_value(json_array_get(row, 0));
        if (rule)
            snap_run_add_dq(r, rule, (long long)json_integer_value(json_array_get(row, 1)));
        else
            skipped++;
    }
    if (skipped)
        log_warn("msg=\"snapshot file rows skipped\" run_id=%lld rows=%zu reason=\"a NULL or "
                 "unknown KPI, branch or rule\"",
                 r->run_id, skipped);
    snap_run_index(r);
    snap_add_run(s, r);
    return true;
}

bool snap_read_file(const char *path, struct snap **out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno != ENOENT)
            log_warn("msg=\"cannot read the snapshot\" path=%s reason=\"%s\"", path,
                     strerror(errno));
        return false;
    }
    struct snap *s = snap_new();
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    bool ok = true;
    while (ok && getline(&line, &cap, f) > 0) {
        json_error_t jerr;
        json_t *obj = json_loads(line, 0, &jerr);
        ok = obj && (lineno == 0 ? read_header(obj, s) : read_run_json(obj, s));
        json_decref(obj);
        lineno++;
    }
    ok = ok && lineno > 0 && !ferror(f);
    free(line);
    fclose(f);
    if (!ok) {
        log_warn("msg=\"snapshot file unusable, ignored\" path=%s line=%ld", path, lineno);
        snap_unref(s);
        return false;
    }
    *out = s;
    return true;
}
