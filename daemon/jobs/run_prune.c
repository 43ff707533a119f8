/* The retention of the stored compute runs: see run_prune.h. */
#include "run_prune.h"

#include "buf.h"
#include "log.h"
#include "mem.h"
#include "sql_embed.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bounds into out; false on a database error. out->newest stays ""
 * when there is no finished run. */
static bool read_bounds(struct db *db, const struct rprune_opts *o, struct rprune_report *out)
{
    char keep[16], history[16], quarters[16];
    snprintf(keep, sizeof keep, "%d", o->keep_days);
    snprintf(history, sizeof history, "%d", o->history_days);
    snprintf(quarters, sizeof quarters, "%d", o->report_quarters);
    const char *params[] = {keep, history, quarters};
    struct db_result *res = NULL;
    if (!db_query(db, sql_embed_get("jobs/run_prune_bounds.sql"), 3, params, &res))
        return false;
    if (db_rows(res) == 1) {
        const char *from = db_value(res, 0, 3);
        snprintf(out->newest, sizeof out->newest, "%s", db_value(res, 0, 0));
        snprintf(out->cutoff, sizeof out->cutoff, "%s", db_value(res, 0, 1));
        snprintf(out->daily_cutoff, sizeof out->daily_cutoff, "%s", db_value(res, 0, 2));
        snprintf(out->quarters_from, sizeof out->quarters_from, "%s", from ? from : "");
    }
    db_result_free(res);
    return true;
}

/* The runs that go (at most limit; 0: all), as run_prune_select.sql chooses
 * them; false on a database error. */
static bool choose(struct db *db, const struct rprune_report *r, int limit, struct db_result **res)
{
    char lim[16];
    snprintf(lim, sizeof lim, "%d", limit);
    const char *params[] = {r->cutoff, r->daily_cutoff, *r->quarters_from ? r->quarters_from : NULL,
                            limit ? lim : NULL};
    return db_query(db, sql_embed_get("jobs/run_prune_select.sql"), 4, params, res);
}

static void add_run(struct rprune_report *r, size_t *cap, const struct db_result *res, int row)
{
    if (r->n == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        r->runs = xrealloc(r->runs, *cap * sizeof *r->runs);
    }
    struct rprune_run *run = &r->runs[r->n++];
    run->run_id = atoll(db_value(res, row, 0));
    snprintf(run->as_of, sizeof run->as_of, "%s", db_value(res, row, 1));
    run->superseded = strcmp(db_value(res, row, 2), "superseded") == 0;
    run->values = atoll(db_value(res, row, 3));
    r->superseded += run->superseded;
    r->daily += !run->superseded;
    r->values += run->values;
}

/* The audit row's parameters beside the runs: the settings and who asked. */
static char *audit_params(const struct rprune_opts *o, const struct rprune_report *r)
{
    json_t *p = json_pack("{s:i, s:i, s:i, s:s, s:s, s:s}", "keep_days", o->keep_days,
                          "history_days", o->history_days, "report_quarters", o->report_quarters,
                          "newest", r->newest, "before", r->cutoff, "via", o->via);
    char *text = p ? json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    if (!text)
        mem_failed("json_dumps", 1, 0);
    return text;
}

/* One batch in one transaction under the compute's lock: the runs chosen
 * again, removed and audited. *done: no run was left to remove. */
static bool prune_batch(struct db *db, const struct rprune_opts *o, const char *params_json,
                        struct rprune_report *r, size_t *cap, bool *done)
{
    struct db_result *res = NULL;
    struct buf ids = BUF_INIT;
    char values[32];
    long long sum = 0;
    bool ok = db_begin(db) && db_query(db, sql_embed_get("kpi/compute_lock.sql"), 0, NULL, NULL) &&
              choose(db, r, RPRUNE_BATCH, &res);
    *done = !ok || db_rows(res) == 0;
    if (ok && !*done) {
        buf_printf(&ids, "{");
        for (int i = 0; i < db_rows(res); i++) {
            buf_printf(&ids, "%s%s", i ? "," : "", db_value(res, i, 0));
            sum += atoll(db_value(res, i, 3));
        }
        buf_printf(&ids, "}");
        snprintf(values, sizeof values, "%lld", sum);
        const char *params[] = {ids.data, o->who, params_json, values};
        ok = db_query(db, sql_embed_get("jobs/run_prune_delete.sql"), 4, params, NULL);
    }
    ok = ok && db_commit(db);
    if (ok)
        for (int i = 0; !*done && i < db_rows(res); i++)
            add_run(r, cap, res, i);
    else
        db_rollback(db);
    db_result_free(res);
    buf_release(&ids);
    return ok;
}

/* A dry run: every run that would go, in one read. */
static bool prune_dry(struct db *db, struct rprune_report *r)
{
    struct db_result *res = NULL;
    size_t cap = 0;
    if (!choose(db, r, 0, &res))
        return false;
    for (int i = 0; i < db_rows(res); i++)
        add_run(r, &cap, res, i);
    db_result_free(res);
    return true;
}

static void log_prune(const struct rprune_opts *o, const struct rprune_report *r, bool ok)
{
    log_write(ok ? LOG_LEVEL_INFO : LOG_LEVEL_WARN,
              "msg=\"%s\" keep_days=%d history_days=%d report_quarters=%d newest=%s "
              "superseded=%d daily=%d values=%lld",
              ok ? "compute runs pruned" : "compute runs pruned in part, a database error (above)",
              o->keep_days, o->history_days, o->report_quarters, r->newest, r->superseded, r->daily,
              r->values);
}

bool rprune_run(struct db *db, const struct rprune_opts *o, struct rprune_report *out)
{
    *out = (struct rprune_report){0};
    if (o->keep_days < 1) /* 0: every run is kept for ever */
        return true;
    if (!read_bounds(db, o, out))
        return false;
    if (!*out->newest)
        return true;
    if (o->dry_run)
        return prune_dry(db, out);
    char *params_json = audit_params(o, out);
    size_t cap = 0;
    bool ok = true, done = false;
    while (ok && !done && !(o->stopped && o->stopped(o->stopped_ctx)))
        ok = prune_batch(db, o, params_json, out, &cap, &done);
    free(params_json);
    log_prune(o, out, ok);
    return ok;
}

void rprune_report_free(struct rprune_report *r)
{
    free(r->runs);
    *r = (struct rprune_report){0};
}
