#include "rules.h"

#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool one_of(const char *v, const char *a, const char *b)
{
    return strcmp(v, a) == 0 || strcmp(v, b) == 0;
}

static bool non_negative(const char *v)
{
    char *end = NULL;
    double d = strtod(v, &end);
    return end != v && *end == '\0' && d >= 0 && d < 1e9;
}

/* The KPIs whose values are fractions (K1, K2, K3). */
static bool rate(const char *kpi)
{
    return strcmp(kpi, "retention_rate") == 0 || strcmp(kpi, "in_network_rate") == 0 ||
           strcmp(kpi, "bundling_coverage") == 0;
}

/* A whole number of days from 1 to 366, written as digits only. */
static bool days(const char *v)
{
    char *end = NULL;
    long d = strtol(v, &end, 10);
    return *v >= '0' && *v <= '9' && *end == '\0' && d >= 1 && d <= 366;
}

/* A number a rate's step or margin cannot be: 1 (the whole range) or more. */
static bool beyond_rate(const char *v)
{
    return v && strcmp(v, "none") != 0 && strtod(v, NULL) >= 1;
}

bool rules_check(const struct rules_change *c, char *err, size_t errlen)
{
    const char *bad = NULL;
    if (c->target_path && !one_of(c->target_path, "linear", "none"))
        bad = "--target-path must be linear or none";
    else if (c->period && !one_of(c->period, "day", "month"))
        bad = "--period must be day or month";
    else if (c->step && strcmp(c->step, "none") != 0 && !non_negative(c->step))
        bad = "--step must be a number >= 0, or none";
    else if (c->recover_margin && !non_negative(c->recover_margin))
        bad = "--recover-margin must be a number >= 0";
    else if (c->key_account_days && !days(c->key_account_days))
        bad = "--key-account-days must be a whole number of days from 1 to 366";
    else if (!c->target_path && !c->period && !c->step && !c->recover_margin &&
             !c->key_account_days)
        bad = "nothing to set: give --target-path, --period, --step, --recover-margin or"
              " --key-account-days";
    else if (c->kpi && c->key_account_days && strcmp(c->kpi, "in_network_rate") != 0)
        bad = "--key-account-days is in_network_rate's (K2's key-account rule) only";
    else if (c->kpi && strcmp(c->kpi, "zone_count") == 0 &&
             ((c->step && strcmp(c->step, "none") != 0) || c->recover_margin))
        bad = "zone_count has no status: no --step or --recover-margin to judge it by";
    else if (c->kpi && rate(c->kpi) && beyond_rate(c->step))
        bad = "--step of a rate is a fraction under 1 (0.01 = one percentage point)";
    else if (c->kpi && rate(c->kpi) && beyond_rate(c->recover_margin))
        bad = "--recover-margin of a rate is a fraction under 1 (0.01 = one percentage point)";
    if (bad)
        snprintf(err, errlen, "%s", bad);
    return bad == NULL;
}

bool rules_list(struct db *db, struct buf *out)
{
    struct db_result *res = NULL;
    if (!db_query(db,
                  "SELECT kpi, target_path, period, coalesce(step::text, 'none'),"
                  " recover_margin::text, coalesce(key_account_days::text, '-')"
                  " FROM kpi.alarm_rule"
                  " ORDER BY array_position(ARRAY['retention_rate', 'in_network_rate',"
                  " 'bundling_coverage', 'satisfaction', 'satisfaction_gotone', 'zone_count'],"
                  " kpi), kpi",
                  0, NULL, &res))
        return false;
    buf_printf(out, "%-20s %-11s %-6s %-8s %-14s %s\n", "kpi", "target_path", "period", "step",
               "recover_margin", "key_account_days");
    for (int i = 0; i < db_rows(res); i++)
        buf_printf(out, "%-20s %-11s %-6s %-8s %-14s %s\n", db_value(res, i, 0),
                   db_value(res, i, 1), db_value(res, i, 2), db_value(res, i, 3),
                   db_value(res, i, 4), db_value(res, i, 5));
    db_result_free(res);
    return true;
}

bool rules_set(struct db *db, const struct rules_change *c, char **before, char *err, size_t errlen)
{
    /* a path is for the KPIs with a period-end target (the CHECK of
     * schema/008_alarm_rules.sql), told apart here so that the answer is a
     * reason, not a constraint violation */
    static const char update[] =
        "WITH rule AS (SELECT kpi, target_path, period, coalesce(step::text, 'none') AS step,"
        " recover_margin::text AS recover_margin, key_account_days::text AS key_account_days"
        " FROM kpi.alarm_rule WHERE kpi = $1),"
        " changed AS (UPDATE kpi.alarm_rule SET target_path = coalesce($2::text, target_path),"
        " period = coalesce($3::text, period),"
        " step = CASE WHEN $4::text IS NULL THEN step WHEN $4::text = 'none' THEN NULL"
        "        ELSE $4::text::numeric END,"
        " recover_margin = coalesce($5::text::numeric, recover_margin),"
        " key_account_days = coalesce($6::text::int, key_account_days)"
        " WHERE kpi = $1 AND (coalesce($2::text, target_path) = 'none'"
        "  OR kpi IN ('retention_rate', 'in_network_rate', 'bundling_coverage'))"
        " RETURNING kpi)"
        " SELECT (SELECT count(*) FROM rule), (SELECT count(*) FROM changed),"
        " (SELECT json_strip_nulls(json_build_object('target_path', target_path, 'period', period,"
        "  'step', step, 'recover_margin', recover_margin, 'key_account_days', key_account_days))"
        "  FROM rule)";
    const char *params[] = {c->kpi,  c->target_path,    c->period,
                            c->step, c->recover_margin, c->key_account_days};
    struct db_result *res = NULL;
    err[0] = '\0';
    *before = NULL;
    if (!db_query(db, update, 6, params, &res))
        return false;
    bool known = strcmp(db_value(res, 0, 0), "1") == 0;
    bool changed = strcmp(db_value(res, 0, 1), "1") == 0;
    *before = changed ? xstrdup(db_value(res, 0, 2)) : NULL;
    db_result_free(res);
    if (!known)
        snprintf(err, errlen, "no KPI named '%s'", c->kpi);
    else if (!changed)
        snprintf(err, errlen, "%s has no period-end target: its target path stays none", c->kpi);
    return changed;
}
