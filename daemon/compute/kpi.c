#include "kpi.h"

#include "clock.h"
#include "digest.h"
#include "log.h"
#include "migrate.h"
#include "sql_embed.h"
#include "version.h"
#include "warehouse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- running the embedded SQL ----------------------------------------- */

/* The debug log's line per step, with its time (tests/bench/kpi sums them
 * into its step table). */
static void log_step(const char *name, double t0, bool ok)
{
    log_debug("msg=\"step\" file=%s ms=%.1f ok=%d", name, (clock_seconds() - t0) * 1e3, ok);
}

static bool run_file(struct db *db, const char *name, int nparams, const char *const *params)
{
    const char *sql = sql_embed_get(name);
    if (!sql) {
        log_error("msg=\"embedded SQL missing\" file=%s", name);
        return false;
    }
    double t0 = clock_seconds();
    bool ok =
        nparams == 0 ? db_exec_script(db, name, sql) : db_query(db, sql, nparams, params, NULL);
    log_step(name, t0, ok);
    return ok;
}

/* One value of a one-row, one-column query, copied into out. */
static bool query_value(struct db *db, const char *sql, int nparams, const char *const *params,
                        char *out, size_t outlen)
{
    struct db_result *res = NULL;
    if (!db_query(db, sql, nparams, params, &res))
        return false;
    const char *v = db_rows(res) > 0 ? db_value(res, 0, 0) : NULL;
    snprintf(out, outlen, "%s", v ? v : "");
    db_result_free(res);
    return true;
}

/* The one-row, one-column result of an embedded SQL file, copied into out;
 * a value that does not fit is an error, not a silent truncation. */
static bool file_value(struct db *db, const char *name, int nparams, const char *const *params,
                       char *out, size_t outlen)
{
    const char *sql = sql_embed_get(name);
    if (!sql) {
        log_error("msg=\"embedded SQL missing\" file=%s", name);
        return false;
    }
    double t0 = clock_seconds();
    bool ok = query_value(db, sql, nparams, params, out, outlen);
    log_step(name, t0, ok);
    if (!ok)
        return false;
    if (strlen(out) + 1 >= outlen) {
        log_error("msg=\"result too long\" file=%s", name);
        return false;
    }
    return true;
}

/* A step run where its rows are (docs/scaling.md, "Steps on the shards"):
 * the statements of `script` are queued once per shard (once on one server)
 * with the step's parameters (at most SHARD_PARAMS) and run, all shards at
 * once, by reading kpi.shard_exec into pg_temp.shard_rows; then `combine`,
 * which reads them there, runs with its own; with `out`, its one value is
 * copied there (file_value). */
#define SHARD_PARAMS 6
struct shard_step {
    const char *script;
    int nparams;
    const char *const *params;
    const char *combine;
    int ncombine;
    const char *const *combine_params;
    char *out;
    size_t outlen;
};

static bool run_on_shards(struct db *db, const struct shard_step *step)
{
    const char *sql = sql_embed_get(step->script);
    if (!sql || step->nparams > SHARD_PARAMS) {
        log_error("msg=\"embedded SQL missing or too many parameters\" file=%s", step->script);
        return false;
    }
    const char *queue[1 + SHARD_PARAMS] = {sql};
    for (int i = 0; i < step->nparams; i++)
        queue[1 + i] = step->params[i];
    double t0 = clock_seconds();
    bool ok = db_query(db,
                       "INSERT INTO kpi.shard_task (shard, script, params)"
                       " SELECT k, $1, ARRAY[$2, $3, $4, $5, $6, $7]"
                       " FROM generate_series(0, greatest(kpi.shard_count(), 1) - 1) k",
                       1 + SHARD_PARAMS, queue, NULL);
    /* the step's name first: tests/bench/shards counts the rows it moves */
    char rows_sql[512];
    snprintf(rows_sql, sizeof rows_sql,
             "-- step %s\nTRUNCATE pg_temp.shard_rows;\n"
             "INSERT INTO pg_temp.shard_rows SELECT row FROM kpi.shard_exec",
             step->script);
    ok = ok && db_exec_script(db, "shard rows", rows_sql);
    log_step(step->script, t0, ok);
    if (!ok)
        return false;
    ok = step->out ? file_value(db, step->combine, step->ncombine, step->combine_params, step->out,
                                step->outlen)
                   : run_file(db, step->combine, step->ncombine, step->combine_params);
    /* every shard ran its task (a task left would run in the next step) */
    char left[32];
    if (!ok || !query_value(db, "SELECT count(*) FROM kpi.shard_task", 0, NULL, left, sizeof left))
        return false;
    if (strcmp(left, "0") != 0) {
        log_error("msg=\"shard tasks not run\" file=%s tasks=%s", step->combine, left);
        return false;
    }
    return true;
}

struct settings {
    char baseline_bill[32], low_bill[32], low_months[32];
    char bill_a[32], minutes_b[32], minutes_c[32];
};

static const struct {
    const char *key;
    size_t offset;
} setting_keys[] = {
    {"k1_baseline_bill", offsetof(struct settings, baseline_bill)},
    {"k1_low_bill", offsetof(struct settings, low_bill)},
    {"k1_low_months", offsetof(struct settings, low_months)},
    {"k5_bill_a", offsetof(struct settings, bill_a)},
    {"k5_minutes_b", offsetof(struct settings, minutes_b)},
    {"k5_minutes_c", offsetof(struct settings, minutes_c)},
};

static bool load_settings(struct db *db, struct settings *s)
{
    struct db_result *res = NULL;
    bool ok = false;
    if (!db_query(db, "SELECT key, value::text FROM kpi.setting", 0, NULL, &res))
        return false;
    for (size_t i = 0; i < sizeof setting_keys / sizeof setting_keys[0]; i++) {
        char *slot = (char *)s + setting_keys[i].offset;
        *slot = '\0';
        for (int r = 0; r < db_rows(res); r++) {
            if (strcmp(db_value(res, r, 0), setting_keys[i].key) == 0)
                snprintf(slot, sizeof s->baseline_bill, "%s", db_value(res, r, 1));
        }
        if (!*slot) {
            log_error("msg=\"setting missing\" key=%s", setting_keys[i].key);
            goto done;
        }
    }
    ok = true;
done:
    db_result_free(res);
    return ok;
}

/* ---- frozen snapshots -------------------------------------------------- */

/* What a run or a re-freeze took into the state kept between runs
 * (docs/kpis.md). The freezes are logged only once the transaction that
 * froze them has committed (a rolled-back freeze never happened); a run that
 * took anything is stored even when its figures equal the stored ones. */
struct taken {
    long long cohort, vips; /* members frozen; -1: not frozen by this transaction */
    bool state;             /* months folded, target lists, zones or usage counts taken */
};

static bool took_any(const struct taken *t)
{
    return t->cohort >= 0 || t->vips >= 0 || t->state;
}

static void log_frozen(const struct taken *f, const char *year, const char *action)
{
    if (f->cohort >= 0)
        log_info("msg=\"K1 cohort frozen\" year=%s members=%lld action=%s", year, f->cohort,
                 action);
    if (f->vips >= 0)
        log_info("msg=\"K2 VIP snapshot frozen\" year=%s members=%lld action=%s", year, f->vips,
                 action);
}

static bool baseline_closed(struct db *db, const char *year, const char *as_of, bool *closed)
{
    const char *params[] = {year, as_of};
    char n[16];
    if (!query_value(db,
                     "SELECT count(*) FROM dw.billing_month"
                     " WHERE month BETWEEN make_date($1::int - 1, 10, 1)"
                     " AND make_date($1::int - 1, 12, 1) AND closed_on <= $2::date",
                     2, params, n, sizeof n))
        return false;
    *closed = atoi(n) == 3;
    return true;
}

/* Freezes the K1 cohort of `year` as of `as_of`, folding in at once the
 * months of the year already closed then (k1_cohort_freeze.sql). */
static bool freeze_cohort(struct db *db, const char *year, const char *as_of,
                          const struct settings *s, const char *action, long long *members)
{
    char months[1024], n[32];
    const char *pending[] = {year, as_of};
    const char *freeze[] = {year, s->baseline_bill, s->low_bill, months};
    const char *store[] = {year, s->baseline_bill, s->low_bill, months, action};
    const struct shard_step step = {
        "kpi/k1_cohort_freeze.sql", 4, freeze, "kpi/k1_cohort_store.sql", 5, store, n, sizeof n};
    if (!file_value(db, "kpi/k1_fold_pending.sql", 2, pending, months, sizeof months) ||
        !run_on_shards(db, &step))
        return false;
    *members = atoll(n);
    return true;
}

static bool freeze_vips(struct db *db, const char *year, const char *action, long long *members)
{
    const char *freeze[] = {year};
    const char *store[] = {year, action};
    char n[32];
    const struct shard_step step = {
        "kpi/k2_vip_freeze.sql", 1, freeze, "kpi/k2_vip_store.sql", 2, store, n, sizeof n};
    if (!run_on_shards(db, &step))
        return false;
    *members = atoll(n);
    return true;
}

/* count_sql: a count of the year's snapshot rows, $1 = year. */
static bool is_frozen(struct db *db, const char *count_sql, const char *year, bool *frozen)
{
    const char *params[] = {year};
    char n[16];
    bool ok = query_value(db, count_sql, 1, params, n, sizeof n);
    *frozen = ok && atoi(n) > 0;
    return ok;
}

/* ---- one run ------------------------------------------------------------ */

static bool check_schema(struct db *db)
{
    int version = 0;
    if (!migrate_current(db, &version))
        return false;
    if (version < migrate_latest()) {
        log_error("msg=\"database schema is out of date, run 'retentiond migrate'\""
                  " version=%d needed=%d",
                  version, migrate_latest());
        return false;
    }
    return true;
}

/* The months a *_pending.sql file (two params) returns, a date array as
 * text into months[PENDING_LEN]; *none when it is empty ("{}"). */
#define PENDING_LEN 1024
static bool pending_months(struct db *db, const char *pending_sql, const char *const *params,
                           char *months, bool *none)
{
    if (!file_value(db, pending_sql, 2, params, months, PENDING_LEN))
        return false;
    *none = strcmp(months, "{}") == 0;
    return true;
}

/* K1: the months of `year` closed at `as_of` and not folded yet, folded
 * into the members' good_mask where they are, then marked folded. */
static bool fold_months(struct db *db, const char *year, const char *as_of, const char *low_bill,
                        struct taken *taken)
{
    char months[PENDING_LEN];
    bool none = true;
    const char *pending[] = {year, as_of};
    const char *fold[] = {year, low_bill, months};
    const char *store[] = {year, months};
    const struct shard_step step = {
        "kpi/k1_fold_months.sql", 3, fold, "kpi/k1_fold_store.sql", 2, store, NULL, 0};
    if (!pending_months(db, "kpi/k1_fold_pending.sql", pending, months, &none))
        return false;
    taken->state = taken->state || !none;
    return none || run_on_shards(db, &step);
}

static bool k1_retention(struct db *db, const char *year, const char *as_of,
                         const struct settings *s)
{
    char closed[32];
    const char *mask[] = {year, as_of};
    const char *k1[] = {year, as_of, s->low_months, closed};
    const struct shard_step step = {
        "kpi/k1_retention.sql", 4, k1, "kpi/k1_retention_store.sql", 1, k1, NULL, 0};
    return file_value(db, "kpi/k1_closed_mask.sql", 2, mask, closed, sizeof closed) &&
           run_on_shards(db, &step);
}

static bool compute_k1(struct db *db, const char *year, const char *as_of, const struct settings *s,
                       bool *have_cohort, struct taken *taken)
{
    bool closed = false, is = false;
    *have_cohort = false;
    if (!is_frozen(db, "SELECT count(*) FROM kpi.cohort WHERE year = $1::int", year, &is))
        return false;
    if (!is) {
        if (!baseline_closed(db, year, as_of, &closed))
            return false;
        if (!closed) {
            log_warn("msg=\"K1/K5 skipped: the baseline months are not all closed\" year=%s", year);
            return true;
        }
        if (!freeze_cohort(db, year, as_of, s, "freeze", &taken->cohort))
            return false;
    }
    char low_bill[32];
    const char *yp[] = {year};
    if (!query_value(db, "SELECT low_bill::text FROM kpi.cohort WHERE year = $1::int", 1, yp,
                     low_bill, sizeof low_bill))
        return false;
    *have_cohort = true;
    return fold_months(db, year, as_of, low_bill, taken) && k1_retention(db, year, as_of, s);
}

static bool compute_k2(struct db *db, const char *year, const char *as_of, const char *run_id,
                       struct taken *taken)
{
    bool is = false;
    if (!is_frozen(db, "SELECT count(*) FROM kpi.vip_snapshot WHERE year = $1::int", year, &is))
        return false;
    if (!is && !freeze_vips(db, year, "freeze", &taken->vips))
        return false;
    /* the key-account alarm's window (schema/018_key_account_days.sql), as
     * the run recorded its rules */
    char days[16];
    const char *run[] = {run_id};
    if (!query_value(db,
                     "SELECT settings->'alarm_rules'->'in_network_rate'->>'key_account_days'"
                     " FROM kpi.run WHERE run_id = $1::bigint",
                     1, run, days, sizeof days))
        return false;
    if (!*days) {
        log_error("msg=\"K2 has no key-account window\" reason=\"kpi.alarm_rule has no"
                  " key_account_days for in_network_rate: migrate the database\"");
        return false;
    }
    const char *params[] = {year, as_of, days};
    const struct shard_step step = {
        "kpi/k2_in_network.sql", 3, params, "kpi/k2_in_network_store.sql", 3, params, NULL, 0};
    return run_on_shards(db, &step);
}

/* K3 keeps a target's policies as the bits of a bigint (k3_bundling.sql):
 * a running campaign listing more than 63 is an error naming it. */
static bool policies_fit(struct db *db, const char *const *campaigns)
{
    char over[4096];
    if (!file_value(db, "kpi/k3_policy_limit.sql", 1, campaigns, over, sizeof over))
        return false;
    if (over[0] != '\0') {
        log_error("msg=\"campaign lists more than 63 policies\" campaigns=%s", over);
        return false;
    }
    return true;
}

/* K3: re-takes the stored target lists that no longer match the warehouse,
 * then computes the coverage from them. */
static bool compute_k3(struct db *db, const char *as_of, struct taken *taken)
{
    const char *d[] = {as_of};
    char campaigns[65536], stale[4096];
    const char *c[] = {campaigns};
    const char *ids[] = {stale};
    const char *k3[] = {as_of, campaigns};
    const struct shard_step check = {"kpi/k3_targets_stale.sql",
                                     1,
                                     c,
                                     "kpi/k3_targets_stale_store.sql",
                                     1,
                                     c,
                                     stale,
                                     sizeof stale};
    const struct shard_step take = {
        "kpi/k3_targets_take.sql", 1, ids, "kpi/k3_targets_store.sql", 0, NULL, NULL, 0};
    const struct shard_step bundling = {
        "kpi/k3_bundling.sql", 2, k3, "kpi/k3_bundling_store.sql", 1, c, NULL, 0};
    if (!file_value(db, "kpi/k3_campaigns.sql", 1, d, campaigns, sizeof campaigns) ||
        !policies_fit(db, c) || !run_on_shards(db, &check))
        return false;
    bool retake = strcmp(stale, "{}") != 0;
    taken->state = taken->state || retake;
    if (retake && (!run_file(db, "kpi/k3_targets_drop.sql", 1, ids) || !run_on_shards(db, &take)))
        return false;
    return run_on_shards(db, &bundling);
}

static bool compute_k4(struct db *db, const char *as_of)
{
    const char *params[] = {as_of};
    char depth[16];
    if (!run_file(db, "kpi/k4_satisfaction_leaves.sql", 1, params))
        return false;
    if (!run_file(db, "kpi/k4_indicator_depth.sql", 0, NULL) ||
        !query_value(db, "SELECT coalesce(max(d), 0) FROM pg_temp.indicator_depth", 0, NULL, depth,
                     sizeof depth))
        return false;
    for (int d = atoi(depth) - 1; d >= 0; d--) {
        char level[16];
        snprintf(level, sizeof level, "%d", d);
        const char *lp[] = {level};
        if (!run_file(db, "kpi/k4_satisfaction_parents.sql", 1, lp))
            return false;
    }
    return true;
}

/* The last month closed at as_of (YYYY-MM-DD), "" if none. */
static bool last_closed_month(struct db *db, const char *as_of, char *out, size_t outlen)
{
    const char *d[] = {as_of};
    return query_value(db,
                       "SELECT max(month)::text FROM dw.billing_month WHERE closed_on <= $1::date",
                       1, d, out, outlen);
}

/* K5: the zones of M (the last closed month at as_of) are taken once per
 * (year, M) and thresholds (k5_zones_take.sql), then copied by every run. */
static bool compute_k5(struct db *db, const char *year, const char *as_of, const struct settings *s,
                       struct taken *taken)
{
    char month[16], stored[16];
    if (!last_closed_month(db, as_of, month, sizeof month))
        return false;
    if (!*month)
        return true; /* no closed month: no zones */
    const char *params[] = {year, month, s->bill_a, s->minutes_b, s->minutes_c};
    if (!run_file(db, "kpi/k5_zones_stale.sql", 5, params) ||
        !query_value(
            db, "SELECT count(*) FROM kpi.zone_month WHERE year = $1::int AND month = $2::date", 2,
            params, stored, sizeof stored))
        return false;
    const struct shard_step take = {
        "kpi/k5_zones_take.sql", 5, params, "kpi/k5_zones_store.sql", 5, params, NULL, 0};
    bool take_zones = atoi(stored) == 0;
    taken->state = taken->state || take_zones;
    if (take_zones && !run_on_shards(db, &take))
        return false;
    return run_file(db, "kpi/k5_zones.sql", 2, params);
}

/* The data-quality counts of the closed months not counted yet: counted
 * where the usage rows are, then stored. */
static bool count_usage_dq(struct db *db, const char *as_of, const char *year, struct taken *taken)
{
    char months[PENDING_LEN];
    bool none = true;
    const char *pending[] = {as_of, year};
    const char *m[] = {months};
    if (!pending_months(db, "kpi/usage_dq_pending.sql", pending, months, &none))
        return false;
    if (none)
        return true;
    taken->state = true;
    const struct shard_step step = {
        "kpi/usage_month_dq.sql", 1, m, "kpi/usage_month_dq_store.sql", 1, m, NULL, 0};
    return run_on_shards(db, &step);
}

void kpi_sql_sha256(char hex[65])
{
    size_t n = 0;
    const struct sql_embed_file *files = sql_embed_files(&n);
    struct digest d;
    digest_init(&d);
    for (size_t i = 0; i < n; i++)
        if (strncmp(files[i].name, "kpi/", 4) == 0) {
            digest_add(&d, files[i].name, strlen(files[i].name) + 1);
            digest_add(&d, files[i].text, strlen(files[i].text) + 1);
        }
    digest_hex(&d, hex);
}

/* The run's settings record the thresholds, how each KPI is judged, and
 * what computed it: the program's version and its KPI SQL's SHA-256. */
static bool start_run(struct db *db, const char *as_of, char *run_id, size_t len)
{
    char sha[DIGEST_HEX_LEN + 1];
    kpi_sql_sha256(sha);
    const char *params[] = {as_of, RETENTIOND_VERSION, sha};
    return query_value(db,
                       "INSERT INTO kpi.run (as_of, started_at, settings)"
                       " SELECT $1::date, clock_timestamp(), jsonb_object_agg(key, value)"
                       " || jsonb_build_object('alarm_rules', (SELECT jsonb_object_agg(kpi,"
                       " to_jsonb(r) - 'kpi' - CASE WHEN r.key_account_days IS NULL"
                       " THEN 'key_account_days' ELSE '' END) FROM kpi.alarm_rule r),"
                       " 'retentiond', $2::text, 'kpi_sql_sha256', $3::text)"
                       " FROM kpi.setting RETURNING run_id",
                       3, params, run_id, len);
}

/* The run's data watermark: the newest dates of the shards' rows. */
static bool watermark(struct db *db, const char *run_id, const char *as_of)
{
    char last_closed[16];
    const char *newest[] = {last_closed};
    const char *store[] = {run_id, last_closed};
    const struct shard_step step = {
        "kpi/watermark.sql", 1, newest, "kpi/watermark_store.sql", 2, store, NULL, 0};
    if (!last_closed_month(db, as_of, last_closed, sizeof last_closed))
        return false;
    if (!*last_closed)
        newest[0] = store[1] = NULL;
    return run_on_shards(db, &step);
}

/* Whether the one row of sql (embedded, $1 = as_of) says "true" in its
 * first column; its second into second. False on a database error
 * (logged): *says is then false. */
static bool as_of_test(struct db *db, const char *sql, const char *as_of, bool *says, char *second,
                       size_t len)
{
    const char *params[] = {as_of};
    struct db_result *res = NULL;
    *says = false;
    if (!db_query(db, sql_embed_get(sql), 1, params, &res))
        return false;
    bool one = db_rows(res) == 1; /* no row, or a NULL (db_value): no */
    const char *first = one ? db_value(res, 0, 0) : NULL, *other = one ? db_value(res, 0, 1) : NULL;
    *says = first && strcmp(first, "true") == 0;
    snprintf(second, len, "%s", other ? other : "");
    db_result_free(res);
    return true;
}

/* Refuses a run dated more than a year after its warehouse's newest data,
 * as the newest run knows it (sql/kpi/as_of_beyond_data.sql): stored, it
 * would be every page's newest; or before the warehouse's first month
 * (as_of_before_data.sql): it would hold nothing and freeze its year's
 * cohort and snapshot empty. Before anything is computed: one line. */
static bool as_of_plausible(struct db *db, const char *as_of)
{
    char data[32];
    bool beyond = false, before = false;
    if (!as_of_test(db, "kpi/as_of_beyond_data.sql", as_of, &beyond, data, sizeof data))
        return false;
    if (beyond) {
        log_error(
            "msg=\"as-of date beyond the data\" as_of=%s newest_data=%s"
            " reason=\"more than a year after the warehouse's newest data: nothing computed\"",
            as_of, data);
        return false;
    }
    if (!as_of_test(db, "kpi/as_of_before_data.sql", as_of, &before, data, sizeof data))
        return false;
    if (before)
        log_error("msg=\"as-of date before the data\" as_of=%s first_month=%s"
                  " reason=\"before the warehouse's first month (dw.billing_month): nothing "
                  "computed\"",
                  as_of, data);
    return !before;
}

static bool compute_all(struct db *db, const char *as_of, const char *year,
                        const struct settings *s, const char *run_id, struct taken *taken)
{
    bool have_cohort = false;
    const char *fin[] = {run_id, as_of};
    const char *dqrun[] = {run_id, as_of, year};
    return run_file(db, "kpi/00_temp_tables.sql", 0, NULL) &&
           run_file(db, "kpi/01_branch_closure.sql", 0, NULL) &&
           compute_k1(db, year, as_of, s, &have_cohort, taken) &&
           compute_k2(db, year, as_of, run_id, taken) && compute_k3(db, as_of, taken) &&
           compute_k4(db, as_of) && (!have_cohort || compute_k5(db, year, as_of, s, taken)) &&
           run_file(db, "kpi/finalize.sql", 2, fin) && count_usage_dq(db, as_of, year, taken) &&
           run_file(db, "kpi/data_quality.sql", 3, dqrun) && watermark(db, run_id, as_of);
}

/* Whether run `id` of as_of, computed in this transaction, says what the
 * newest stored run of as_of says (kpi/run_kept.sql, kpi/run_unchanged.sql):
 * kept receives that run's id, "" when as_of has none or they differ. */
static bool unchanged_from(struct db *db, const char *id, const char *as_of, char *kept, size_t len)
{
    const char *of_date[] = {id, as_of};
    const char *pair[] = {id, kept};
    char same[8];
    if (!file_value(db, "kpi/run_kept.sql", 2, of_date, kept, len))
        return false;
    if (!*kept)
        return true;
    if (!file_value(db, "kpi/run_unchanged.sql", 2, pair, same, sizeof same))
        return false;
    if (strcmp(same, "t") != 0)
        *kept = '\0';
    return true;
}

/* Ends the transaction of run `id`: rolled back when `store` allows it and
 * the run took no state and equals the newest stored run of as_of (out then
 * names that run), else its staged rows stored and committed. */
static bool finish_run(struct db *db, const char *as_of, const char *id, enum kpi_store store,
                       const struct taken *taken, struct kpi_run *out)
{
    char kept[32] = "";
    if (store == KPI_STORE_IF_CHANGED && !took_any(taken) &&
        !unchanged_from(db, id, as_of, kept, sizeof kept))
        return false;
    if (*kept) {
        db_rollback(db);
        *out = (struct kpi_run){.run_id = atoll(kept), .stored = false};
        return true;
    }
    if (!run_file(db, "kpi/run_store.sql", 0, NULL) || !db_commit(db))
        return false;
    *out = (struct kpi_run){.run_id = atoll(id), .stored = true};
    return true;
}

bool kpi_compute(struct db *db, const char *as_of, enum kpi_store store, struct kpi_run *out)
{
    struct settings s;
    struct taken taken = {-1, -1, false};
    char id[32], year[5];
    memcpy(year, as_of, 4);
    year[4] = '\0';
    if (!check_schema(db) || !warehouse_check(db) || !as_of_plausible(db, as_of))
        return false; /* errors have been logged already */
    if (!db_begin(db))
        return false;
    if (!db_query(db, sql_embed_get("kpi/compute_lock.sql"), 0, NULL, NULL) ||
        !load_settings(db, &s) || !start_run(db, as_of, id, sizeof id) ||
        !compute_all(db, as_of, year, &s, id, &taken) ||
        !finish_run(db, as_of, id, store, &taken, out)) {
        db_rollback(db);
        return false;
    }
    log_frozen(&taken, year, "freeze");
    if (out->stored)
        log_info("msg=\"compute run stored\" run_id=%lld as_of=%s", out->run_id, as_of);
    else
        log_info("msg=\"compute unchanged\" as_of=%s run=%lld", as_of, out->run_id);
    return true;
}

/* Drops the year's frozen snapshots and the state derived from them (the
 * folded masks go with the cohort members; the K5 zones are taken from the
 * cohort). */
static bool drop_year(struct db *db, const char *year)
{
    static const char *const drops[] = {
        "DELETE FROM kpi.cohort_member WHERE year = $1::int",
        "DELETE FROM kpi.cohort WHERE year = $1::int",
        "DELETE FROM kpi.vip_member WHERE year = $1::int",
        "DELETE FROM kpi.vip_snapshot WHERE year = $1::int",
        "DELETE FROM kpi.zone_member WHERE year = $1::int",
        "DELETE FROM kpi.zone_count WHERE year = $1::int",
        "DELETE FROM kpi.zone_month WHERE year = $1::int",
    };
    const char *params[] = {year};
    for (size_t i = 0; i < sizeof drops / sizeof drops[0]; i++) {
        if (!db_query(db, drops[i], 1, params, NULL))
            return false;
    }
    return true;
}

bool kpi_refreeze(struct db *db, int year, long long *cohort, long long *vips)
{
    char y[8], today[16];
    struct settings s;
    struct taken frozen = {-1, -1, false};
    bool closed = false;
    snprintf(y, sizeof y, "%d", year);
    *cohort = -1;
    *vips = -1;
    if (!check_schema(db) || !warehouse_check(db) || !db_begin(db))
        return false;
    if (!db_query(db, sql_embed_get("kpi/compute_lock.sql"), 0, NULL, NULL) ||
        !load_settings(db, &s) || !run_file(db, "kpi/00_temp_tables.sql", 0, NULL) ||
        !drop_year(db, y) ||
        !query_value(db, "SELECT current_date::text", 0, NULL, today, sizeof today) ||
        !baseline_closed(db, y, today, &closed))
        goto failed;
    if (closed && !freeze_cohort(db, y, today, &s, "refreeze", &frozen.cohort))
        goto failed;
    if (!freeze_vips(db, y, "refreeze", &frozen.vips) || !db_commit(db))
        goto failed;
    log_frozen(&frozen, y, "refreeze");
    *cohort = frozen.cohort;
    *vips = frozen.vips;
    return true;
failed:
    db_rollback(db);
    return false;
}
