#include "snap_load.h"

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "snap_int.h"
#include "sql_embed.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct snap_run *find_shared(const struct snap *previous, long long run_id)
{
    for (size_t i = 0; previous && i < previous->nruns; i++)
        if (previous->runs[i]->run_id == run_id)
            return previous->runs[i];
    return NULL;
}

static bool read_reference(struct db *db, struct snap *s)
{
    struct db_result *res = NULL;
    int skipped = 0;
    if (!db_query(db, sql_embed_get("api/snapshot_reference.sql"), 0, NULL, &res))
        return false;
    for (int i = 0; i < db_rows(res); i++) {
        const char *kind = db_value(res, i, 0);
        struct snap_ref_item it = {.kind = kind ? kind[0] : '\0',
                                   .id = db_value(res, i, 1),
                                   .code = db_value(res, i, 2),
                                   .name = db_value(res, i, 3),
                                   .a = db_value(res, i, 4),
                                   .b = db_value(res, i, 5)};
        skipped += !snap_add_ref_item(s, &it);
    }
    db_result_free(res);
    if (skipped)
        log_warn("msg=\"reference rows skipped\" rows=%d reason=\"a NULL id, code, name or "
                 "level\"",
                 skipped);
    snap_link_reference(s);
    return true;
}

/* Runs read by one query: all of them for a snapshot of one KPI or branch
 * (a few rows each: a chart) or of one run, else READ_BATCH at a time: a
 * result of a whole province's runs is held at once, and glibc keeps the
 * heap it grew (the bench/http daemon: 42 MB RSS reading 4 runs a query, as
 * with 1; 57 MB with 8). A values-only snapshot (the report, the bulletin
 * commands, an old quarter's report in the daemon) holds every value of the
 * history too: read at once, its ~100 runs of a year's history took 390 MB
 * RSS and 4.4 s in one query. */
#define READ_BATCH 4

/* One query's runs: positions `at` in the run list, filled into its slots. */
struct batch {
    const struct db_result *runs; /* run_id, as_of, the watermark's dates, the zone limits */
    struct snap_run **slots;
    const int *at;
    size_t n;
};

/* Whether two texts (NULL = SQL NULL) are the same. */
static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static struct snap_run **batch_slot(const struct batch *b, const char *run_id)
{
    for (size_t k = 0; run_id && k < b->n; k++)
        if (strcmp(db_value(b->runs, b->at[k], 0), run_id) == 0)
            return &b->slots[b->at[k]];
    return NULL; /* NULL, or not in the batch, which the query's WHERE rules out */
}

/* Creates the batch's runs from the values' rows, which come run by run;
 * returns how many rows were skipped. */
static int batch_values(const struct snap *s, const struct batch *b, const struct db_result *vals)
{
    int rows = db_rows(vals), skipped = 0;
    for (int first = 0, end; first < rows; first = end) {
        const char *id = db_value(vals, first, SNAP_T_NFIELDS);
        for (end = first + 1; end < rows && same_text(db_value(vals, end, SNAP_T_NFIELDS), id);)
            end++;
        struct snap_run **slot = batch_slot(b, id);
        if (!slot || *slot) {
            skipped += end - first;
            continue;
        }
        struct snap_run *r = *slot = snap_run_new(atoll(id), "", (size_t)(end - first));
        for (int i = first; i < end; i++) {
            const char *t[SNAP_T_NFIELDS];
            for (int f = 0; f < SNAP_T_NFIELDS; f++)
                t[f] = db_value(vals, i, f);
            if (snap_value_from_text(s, t, &r->values[r->nvalues]))
                r->nvalues++;
            else
                skipped++;
        }
    }
    for (size_t k = 0; k < b->n; k++) { /* the as-of dates; runs without a value */
        struct snap_run **slot = &b->slots[b->at[k]];
        if (!*slot)
            *slot = snap_run_new(atoll(db_value(b->runs, b->at[k], 0)), "", 0);
        snprintf((*slot)->as_of, sizeof(*slot)->as_of, "%s", db_value(b->runs, b->at[k], 1));
        for (int w = 0; w < SNAP_NWATERMARK; w++) {
            const char *date = db_value(b->runs, b->at[k], 2 + w);
            snprintf((*slot)->watermark[w], sizeof(*slot)->watermark[w], "%s", date ? date : "");
        }
        for (int z = 0; z < SNAP_NZONE_LIMITS; z++) {
            const char *limit = db_value(b->runs, b->at[k], 2 + SNAP_NWATERMARK + z);
            (*slot)->zone_limits[z] = limit ? strtod(limit, NULL) : NAN;
        }
    }
    return skipped;
}

/* The data-quality rows into the batch's runs; returns how many were skipped. */
static int batch_dq(const struct batch *b, const struct db_result *dq)
{
    int skipped = 0;
    for (int i = 0; dq && i < db_rows(dq); i++) {
        const char *rule = db_value(dq, i, 0), *rows = db_value(dq, i, 1);
        struct snap_run **slot = batch_slot(b, db_value(dq, i, 2));
        if (slot && rule && rows)
            snap_run_add_dq(*slot, rule, atoll(rows));
        else
            skipped++;
    }
    return skipped;
}

static bool read_batch(struct db *db, const struct snap *s, const struct snap_filter *filter,
                       const struct batch *b)
{
    struct db_result *vals = NULL, *dq = NULL;
    struct buf ids = BUF_INIT;
    bool ok = false;
    buf_puts(&ids, "{");
    for (size_t k = 0; k < b->n; k++)
        buf_printf(&ids, "%s%s", k ? "," : "", db_value(b->runs, b->at[k], 0));
    buf_puts(&ids, "}");
    const char *params[] = {ids.data, filter ? filter->kpi : NULL, filter ? filter->branch : NULL};
    /* a chart (one KPI or branch) has no use for the data quality */
    bool one_chart = filter && (filter->kpi || filter->branch);
    if (!db_query(db, sql_embed_get("kpi/run_values.sql"), 3, params, &vals) ||
        (!one_chart && !db_query(db, sql_embed_get("kpi/run_data_quality.sql"), 1, params, &dq)))
        goto done;
    int skipped = batch_values(s, b, vals), dq_skipped = batch_dq(b, dq);
    if (skipped || dq_skipped)
        log_warn("msg=\"stored rows skipped\" runs=\"%s\" values=%d data_quality=%d "
                 "reason=\"a NULL or unknown run, KPI, branch or rule\"",
                 ids.data, skipped, dq_skipped);
    for (size_t k = 0; k < b->n; k++)
        snap_run_index(b->slots[b->at[k]]);
    ok = true;
done:
    buf_release(&ids);
    db_result_free(vals);
    db_result_free(dq);
    return ok;
}

/* Reads the runs of the run list whose slot is still empty (not shared
 * with the previous snapshot), batch by batch. */
static bool read_runs(struct db *db, const struct snap *s, const struct snap_filter *filter,
                      const struct db_result *runs, struct snap_run **slots)
{
    int nruns = db_rows(runs);
    bool few_rows = filter && (filter->run_id || filter->run_ids || filter->kpi || filter->branch);
    size_t most = few_rows ? (size_t)nruns : READ_BATCH;
    int *at = xcalloc((size_t)nruns, sizeof *at);
    bool ok = true;
    for (int i = 0; ok && i < nruns;) {
        struct batch b = {.runs = runs, .slots = slots, .at = at};
        for (; i < nruns && b.n < most; i++)
            if (!slots[i])
                at[b.n++] = i;
        ok = !b.n || read_batch(db, s, filter, &b);
    }
    free(at);
    return ok;
}

/* ---- zone months ---------------------------------------------------------------------------- */

static const struct snap_zones *find_shared_zones(const struct snap *previous, long long run_id)
{
    for (size_t i = 0; previous && i < previous->nzones; i++)
        if (previous->zones[i]->run_id == run_id)
            return previous->zones[i];
    return NULL;
}

/* The moves' rows (branch id, from, to, members) into z; returns the rows
 * skipped (an unknown branch or zone). */
static int zones_moves(const struct snap *s, struct snap_zones *z, const struct db_result *res)
{
    int skipped = 0;
    z->moves = xcalloc((size_t)db_rows(res), sizeof *z->moves);
    for (int i = 0; i < db_rows(res); i++) {
        const char *id = db_value(res, i, 0), *n = db_value(res, i, 3);
        int branch = id ? snap_branch_by_id(s, atoi(id)) : -1;
        int from = snap_zone_parse(db_value(res, i, 1)), to = snap_zone_parse(db_value(res, i, 2));
        if (branch < 0 || from < 0 || to < 0 || !n) {
            skipped++;
            continue;
        }
        z->moves[z->nmoves++] = (struct snap_move){.members = (uint32_t)atol(n),
                                                   .branch = (uint16_t)branch,
                                                   .from = (uint8_t)from,
                                                   .to = (uint8_t)to};
    }
    return skipped;
}

/* The at-risk members' rows (sub_id, branch id, zone, four figures) into z;
 * returns the rows skipped. */
static int zones_at_risk(const struct snap *s, struct snap_zones *z, const struct db_result *res)
{
    int skipped = 0;
    z->at_risk = xcalloc((size_t)db_rows(res), sizeof *z->at_risk);
    for (int i = 0; i < db_rows(res); i++) {
        const char *sub = db_value(res, i, 0), *id = db_value(res, i, 1);
        int branch = id ? snap_branch_by_id(s, atoi(id)) : -1;
        int zone = snap_zone_parse(db_value(res, i, 2));
        bool figures = true;
        for (int c = 3; c < 7; c++)
            figures = figures && db_value(res, i, c);
        if (!sub || branch < 0 || zone < 0 || !SNAP_AT_RISK(zone) || !figures) {
            skipped++;
            continue;
        }
        struct buf text = BUF_INIT;
        buf_printf(&text, "%s,%s,%s,%s", db_value(res, i, 3), db_value(res, i, 4),
                   db_value(res, i, 5), db_value(res, i, 6));
        z->at_risk[z->nat_risk++] = (struct snap_member){.sub_id = atoll(sub),
                                                         .figures = buf_detach(&text, NULL),
                                                         .branch = (uint16_t)branch,
                                                         .zone = (uint8_t)zone};
    }
    return skipped;
}

/* Reads the members run run_id counted for its month M (YYYY-MM). */
static bool read_zones(struct db *db, const struct snap *s, long long run_id, const char *month,
                       struct snap_zones **out)
{
    char id[32], first[11];
    struct db_result *moves = NULL, *risk = NULL;
    snprintf(id, sizeof id, "%lld", run_id);
    snprintf(first, sizeof first, "%.7s-01", month);
    const char *params[] = {id, first};
    bool ok = db_query(db, sql_embed_get("api/zone_moves.sql"), 2, params, &moves) &&
              db_query(db, sql_embed_get("api/zone_at_risk.sql"), 2, params, &risk);
    if (ok) {
        struct snap_zones *z = xcalloc(1, sizeof *z);
        atomic_init(&z->refs, 1);
        z->run_id = run_id;
        snprintf(z->month, sizeof z->month, "%.7s", month);
        int skipped = zones_moves(s, z, moves) + zones_at_risk(s, z, risk);
        if (skipped)
            log_warn("msg=\"zone rows skipped\" run_id=%lld month=%s rows=%d "
                     "reason=\"a NULL or unknown branch, zone or figure\"",
                     run_id, z->month, skipped);
        *out = z;
    }
    db_result_free(moves);
    db_result_free(risk);
    return ok;
}

/* The month of the zone counts of run r ("" when it has none). */
static const char *zone_month_of(const struct snap_run *r)
{
    for (size_t i = r->kpi_start[SNAP_ZONES]; i < r->kpi_start[SNAP_ZONES + 1]; i++)
        if (r->values[i].period)
            return snap_str(r->values[i].period);
    return "";
}

/* For each zone month of the runs, the members of the newest run counting
 * it: shared with `previous` when it has them, else read. */
static bool read_zone_months(struct db *db, struct snap *s, const struct snap *previous)
{
    for (size_t i = s->nruns; i-- > 0;) {
        const char *month = zone_month_of(s->runs[i]);
        bool seen = !*month;
        for (size_t k = 0; !seen && k < s->nzones; k++)
            seen = strcmp(s->zones[k]->month, month) == 0;
        if (seen)
            continue;
        struct snap_zones *z = (struct snap_zones *)find_shared_zones(previous, s->runs[i]->run_id);
        if (z)
            atomic_fetch_add(&z->refs, 1);
        else if (!read_zones(db, s, s->runs[i]->run_id, month, &z))
            return false;
        snap_add_zones(s, z);
    }
    return true;
}

/* ---- the snapshot ---------------------------------------------------------------------------- */

/* The run list: the history, or the filter's runs (oldest first). */
static bool read_run_list(struct db *db, int history_days, const struct snap_filter *filter,
                          struct db_result **runs)
{
    char days[16], id[32];
    snprintf(days, sizeof days, "%d", history_days);
    if (!filter || (!filter->run_id && !filter->run_ids)) {
        const char *params[] = {days, filter ? filter->month_ends_from : NULL,
                                filter ? filter->month_ends_to : NULL};
        return db_query(db, sql_embed_get("api/snapshot_runs.sql"), 3, params, runs);
    }
    snprintf(id, sizeof id, "{%lld}", filter->run_id);
    const char *params[] = {filter->run_ids ? filter->run_ids : id};
    return db_query(db,
                    "SELECT run_id::text, as_of::text, last_closed_month::text,"
                    " newest_usage::text, newest_cancel::text, newest_contract::text,"
                    " newest_survey::text FROM kpi.run"
                    " WHERE run_id = ANY ($1::bigint[]) AND finished_at IS NOT NULL"
                    " ORDER BY as_of, run_id",
                    1, params, runs);
}

/* Every run of the list has its id and as-of date. */
static bool runs_complete(const struct db_result *runs)
{
    for (int i = 0; i < db_rows(runs); i++)
        if (!db_value(runs, i, 0) || !db_value(runs, i, 1)) {
            log_error("msg=\"snapshot not built\" reason=\"a run without an id or date\"");
            return false;
        }
    return true;
}

bool snap_build_db(struct db *db, int history_days, const struct snap *previous,
                   const struct snap_filter *filter, struct snap **out)
{
    struct snap *s = snap_new();
    struct db_result *runs = NULL;
    struct snap_run **slots = NULL;
    bool ok = false;
    s->built_at = (long long)time(NULL);
    if (!read_reference(db, s) || !read_run_list(db, history_days, filter, &runs) ||
        !runs_complete(runs))
        goto done;
    int nruns = db_rows(runs);
    slots = xcalloc((size_t)nruns, sizeof *slots);
    for (int i = 0; i < nruns && !filter; i++)
        if ((slots[i] = (struct snap_run *)find_shared(previous, atoll(db_value(runs, i, 0)))))
            atomic_fetch_add(&slots[i]->refs, 1);
    ok = read_runs(db, s, filter, runs, slots);
    for (int i = 0; i < nruns; i++)
        if (ok)
            snap_add_run(s, slots[i]);
        else if (slots[i])
            snap_run_unref(slots[i]);
    ok = ok && (filter || read_zone_months(db, s, previous));
    if (ok)
        snap_compute_id(s);
done:
    free(slots);
    db_result_free(runs);
    if (ok)
        *out = s;
    else
        snap_unref(s);
    return ok;
}
