/* Integration: the KPI engine (`retentiond compute`) against hand-written
 * warehouses (tests/fixtures/golden.sql: every boundary of domain.md, with
 * the expected values worked out by hand below; source_figures.sql: the
 * figures of the operator's documents), and against broken warehouses; a
 * recompute that changes nothing is not stored (compute --if-changed). */
#include "harness.h"

#include "sql_embed.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char golden_db[64];
static char *golden_ci;

static void load_fixture(const char *name, const char *fixture, char **ci)
{
    *ci = harness_create_db(name);
    struct db *db = NULL;
    ck_assert(db_connect(*ci, 0, &db));
    harness_exec_file(db, "sql/warehouse/tables.sql");
    harness_exec_file(db, fixture);
    harness_exec_file(db, "sql/warehouse/indexes.sql");
    db_close(db);
    const char *migrate[] = {"migrate", "--db", *ci, NULL};
    ck_assert_int_eq(harness_run(migrate, NULL, NULL, NULL), 0);
}

static void golden_setup(void)
{
    snprintf(golden_db, sizeof golden_db, "rt_it_kpi_%d", (int)getpid());
    load_fixture(golden_db, "tests/fixtures/golden.sql", &golden_ci);
}

static void golden_teardown(void)
{
    harness_drop_db(golden_db);
    free(golden_ci);
}

static json_t *compute(const char *ci, const char *as_of)
{
    const char *args[] = {"compute", "--db", ci, "--as-of", as_of, NULL};
    char *out = NULL, *err = NULL;
    int rc = harness_run(args, NULL, &out, &err);
    ck_assert_msg(rc == 0, "compute %s exited %d: %s", as_of, rc, err);
    json_error_t jerr;
    json_t *j = json_loads(out, 0, &jerr);
    ck_assert_msg(j != NULL, "not JSON: %s", jerr.text);
    free(out);
    free(err);
    return j;
}

/* numerator/denominator exact (or NULL when den < 0), value to 1e-9, status */
static void expect(json_t *run, const char *kpi, const char *branch, const char *dim, double n,
                   double d, double value, const char *status)
{
    json_t *v = harness_find_value(run, kpi, branch, dim);
    ck_assert_msg(v != NULL, "no value %s/%s/%s", kpi, branch, dim ? dim : "-");
    if (d >= 0) {
        ck_assert_msg(fabs(harness_num(v, "numerator") - n) < 1e-9,
                      "%s/%s/%s numerator %g, want %g", kpi, branch, dim ? dim : "-",
                      harness_num(v, "numerator"), n);
        ck_assert_msg(fabs(harness_num(v, "denominator") - d) < 1e-9,
                      "%s/%s/%s denominator %g want %g", kpi, branch, dim ? dim : "-",
                      harness_num(v, "denominator"), d);
    } else {
        ck_assert(json_is_null(json_object_get(v, "denominator")));
    }
    ck_assert_msg(fabs(harness_num(v, "value") - value) < 1e-9, "%s/%s/%s value %.12g, want %.12g",
                  kpi, branch, dim ? dim : "-", harness_num(v, "value"), value);
    const char *s = json_string_value(json_object_get(v, "status"));
    if (status)
        ck_assert_msg(s && strcmp(s, status) == 0, "%s/%s/%s status %s, want %s", kpi, branch,
                      dim ? dim : "-", s ? s : "null", status);
    else
        ck_assert_msg(s == NULL, "%s/%s/%s status %s, want null", kpi, branch, dim ? dim : "-", s);
}

static long dq(json_t *run, const char *rule)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(run, "data_quality"), i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "rule")), rule) == 0)
            return (long)json_integer_value(json_object_get(v, "rows"));
    }
    ck_abort_msg("no data-quality rule %s", rule);
    return -1;
}

START_TEST(k1_retention_boundaries)
{
    json_t *run = compute(golden_ci, "2026-11-22");
    ck_assert_str_eq(json_string_value(json_object_get(run, "as_of")), "2026-11-22");
    /* A: cohort 1, 6-12 (8): lost 6, 7 (cancelled by the as-of day), 10 and
     * 12 (3 low months) -> 4/8. Not cohort: 2 (119.99), 3 (NULL), 4
     * (missing month), 5 (cancelled on 31 Dec), 99999 (unknown). */
    expect(run, "retention_rate", "A", NULL, 4, 8, 0.5, "red");
    expect(run, "retention_rate", "B", NULL, 1, 1, 1.0, "excellent");
    expect(run, "retention_rate", "C1", NULL, 5, 9, 5.0 / 9, "red");
    expect(run, "retention_rate", "C2", NULL, 1, 1, 1.0, "excellent");
    /* the orphan branch O has its own value but does not roll up */
    expect(run, "retention_rate", "O", NULL, 1, 1, 1.0, "excellent");
    expect(run, "retention_rate", "P", NULL, 6, 10, 0.6, "red");
    json_t *p = harness_find_value(run, "retention_rate", "P", NULL);
    ck_assert(fabs(harness_num(p, "target_base") - 0.77) < 1e-12);
    ck_assert(fabs(harness_num(p, "target_challenge") - 0.83) < 1e-12);
    /* judged against the year's path: 325 of 364 days on the way from 100 % */
    ck_assert(fabs(harness_num(p, "path_base") - (1 - 0.23 * 325 / 364)) < 1e-12);
    ck_assert(fabs(harness_num(p, "path_challenge") - (1 - 0.17 * 325 / 364)) < 1e-12);
    ck_assert_str_eq(json_string_value(json_object_get(p, "reason")), "below_base_path");
    json_decref(run);

    /* the day before: 7 is not lost yet -> A 5/8 */
    run = compute(golden_ci, "2026-11-21");
    expect(run, "retention_rate", "A", NULL, 5, 8, 0.625, "red");
    json_decref(run);
}
END_TEST

START_TEST(k2_vip_snapshot_and_key_accounts)
{
    json_t *run = compute(golden_ci, "2026-11-22");
    /* snapshot at A: 1 gold, 7 diamond (valid_to = snapshot day), 8 silver
     * (overlap: higher tier), 9 member (starts on the snapshot day); out: 6
     * (cancelled on it), 10 (starts after), 11 (expired before). 7 left. */
    expect(run, "in_network_rate", "A", NULL, 3, 4, 0.75, "red");
    expect(run, "in_network_rate", "A", "diamond", 0, 1, 0.0, "red");
    expect(run, "in_network_rate", "A", "gold", 1, 1, 1.0, "green");
    expect(run, "in_network_rate", "A", "silver", 1, 1, 1.0, "green");
    expect(run, "in_network_rate", "A", "member", 1, 1, 1.0, "green");
    expect(run, "in_network_rate", "B", NULL, 1, 1, 1.0, "green");
    expect(run, "in_network_rate", "P", NULL, 4, 5, 0.8, "red");
    ck_assert_str_eq(json_string_value(json_object_get(
                         harness_find_value(run, "in_network_rate", "P", NULL), "reason")),
                     "key_account_cancellation");
    ck_assert_ptr_null(harness_find_value(run, "in_network_rate", "B", "diamond"));
    json_decref(run);
}
END_TEST

START_TEST(k3_bundling_window_and_policies)
{
    json_t *before = compute(golden_ci, "2026-11-21");
    json_t *run = compute(golden_ci, "2026-11-22");
    /* A targets: 1, 7, 8, 9, 11, 12 (1 listed twice). Bundled on 11-22: 1
     * (signed on the first day), 11 (ended on the as-of day); not: 7 (left),
     * 8 (signed after), 9 (signed before the window), 12 (ended the day
     * before). On 11-21 also 7 and 12: 4/6, so 11-22 is a step decline.
     * The campaign runs 2026-10-01..12-31 (91 days): on 11-22, 52 days in,
     * its path stands at 52/91 of the targets: 22.86 % and 34.29 %, which 2/6
     * clears. */
    expect(before, "bundling_coverage", "A", NULL, 4, 6, 4.0 / 6, "excellent");
    expect(run, "bundling_coverage", "A", NULL, 2, 6, 2.0 / 6, "red");
    ck_assert_str_eq(json_string_value(json_object_get(
                         harness_find_value(run, "bundling_coverage", "A", NULL), "reason")),
                     "step_decline");
    ck_assert(
        fabs(harness_num(harness_find_value(run, "bundling_coverage", "A", NULL), "path_base") -
             0.4 * 52 / 91) < 1e-12);
    /* per policy there is no target by default (the 40 % is for the total),
     * but the step rule applies: prepay fell from 2/6 (1, 12) to 1/6 */
    expect(run, "bundling_coverage", "A", "prepay_credit", 1, 6, 1.0 / 6, "red");
    ck_assert_str_eq(
        json_string_value(json_object_get(
            harness_find_value(run, "bundling_coverage", "A", "prepay_credit"), "reason")),
        "step_decline");
    expect(run, "bundling_coverage", "A", "family_plan", 1, 6, 1.0 / 6, NULL);
    ck_assert_ptr_null(harness_find_value(run, "bundling_coverage", "A", "handset"));
    /* B: 13 holds a handset contract, not a policy of the campaign */
    expect(run, "bundling_coverage", "B", NULL, 0, 1, 0.0, "red");
    /* Z: 14 holds both policies (once in the total), 100000 is unknown; 50 %
     * is over the day's challenge point (34.29 %) */
    expect(run, "bundling_coverage", "Z", NULL, 1, 2, 0.5, "excellent");
    expect(run, "bundling_coverage", "Z", "prepay_credit", 1, 2, 0.5, NULL);
    expect(run, "bundling_coverage", "Z", "family_plan", 1, 2, 0.5, NULL);
    /* P: over the day's base point, but down from 5/9 the day before */
    expect(run, "bundling_coverage", "P", NULL, 3, 9, 1.0 / 3, "red");
    ck_assert_str_eq(json_string_value(json_object_get(
                         harness_find_value(run, "bundling_coverage", "P", NULL), "reason")),
                     "step_decline");
    json_t *a = harness_find_value(run, "bundling_coverage", "A", NULL);
    ck_assert_int_eq(json_integer_value(json_object_get(a, "campaign")), 1);
    /* campaigns 2 (not started) and 3 (over) are not reported */
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(run, "values"), i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "kpi")), "bundling_coverage") == 0)
            ck_assert_int_eq(json_integer_value(json_object_get(v, "campaign")), 1);
    }
    json_decref(before);
    json_decref(run);
}
END_TEST

START_TEST(k4_satisfaction_tree)
{
    json_t *run = compute(golden_ci, "2026-11-22");
    /* period October; A: a1 {80, 90}, a2 {70, 70 (duplicate kept)}, b {60, 100};
     * a = (85 + 70) / 2 = 77.5; csi = 0.6 * 77.5 + 0.4 * 80 = 78.5 */
    expect(run, "satisfaction", "A", "a1", 170, 2, 85, "green");
    expect(run, "satisfaction", "A", "a2", 140, 2, 70, "red");
    expect(run, "satisfaction", "A", "b", 160, 2, 80, "red");
    json_t *csi = harness_find_value(run, "satisfaction", "A", "csi");
    ck_assert(json_is_null(json_object_get(csi, "numerator")));
    ck_assert(fabs(harness_num(csi, "value") - 78.5) < 1e-9);
    ck_assert(json_is_false(json_object_get(csi, "partial")));
    ck_assert_str_eq(json_string_value(json_object_get(csi, "period")), "2026-10");
    ck_assert(fabs(harness_num(harness_find_value(run, "satisfaction", "A", "a"), "value") - 77.5) <
              1e-9);
    /* B: only a1 = 100 (a score of exactly 100 is valid): a partial tree */
    json_t *b = harness_find_value(run, "satisfaction", "B", "csi");
    ck_assert(fabs(harness_num(b, "value") - 100) < 1e-9);
    ck_assert(json_is_true(json_object_get(b, "partial")));
    ck_assert_ptr_null(harness_find_value(run, "satisfaction", "B", "b"));
    /* C1 pools the responses of A and B: a1 = 270 / 3 = 90; a = 80; csi = 80 */
    expect(run, "satisfaction", "C1", "a1", 270, 3, 90, "green");
    ck_assert(fabs(harness_num(harness_find_value(run, "satisfaction", "C1", "csi"), "value") -
                   80) < 1e-9);
    ck_assert(fabs(harness_num(harness_find_value(run, "satisfaction", "P", "csi"), "value") - 80) <
              1e-9);
    /* GoTone: only A's b = 60; csi = 60, partial */
    expect(run, "satisfaction_gotone", "A", "b", 60, 1, 60, "red");
    json_t *g = harness_find_value(run, "satisfaction_gotone", "A", "csi");
    ck_assert(fabs(harness_num(g, "value") - 60) < 1e-9);
    ck_assert(json_is_true(json_object_get(g, "partial")));
    ck_assert_ptr_null(harness_find_value(run, "satisfaction_gotone", "A", "a1"));
    json_decref(run);
}
END_TEST

START_TEST(k5_risk_zones)
{
    json_t *run = compute(golden_ci, "2026-11-22");
    /* M = October 2026. A: white 7 (pre_cancel), red 8, yellow 10, blue 1,
     * green 11; unzoned 9 (150 minutes) and 12 (300 minutes in September);
     * 6 left before the end of M. */
    static const char *const zones[] = {"white", "red", "yellow", "blue", "green"};
    static const double a[] = {1, 1, 1, 1, 1}, c1[] = {1, 1, 1, 1, 2}, p[] = {2, 1, 1, 1, 2};
    for (int i = 0; i < 5; i++) {
        expect(run, "zone_count", "A", zones[i], a[i], -1, a[i], NULL);
        expect(run, "zone_count", "C1", zones[i], c1[i], -1, c1[i], NULL);
        expect(run, "zone_count", "P", zones[i], p[i], -1, p[i], NULL);
    }
    expect(run, "zone_count", "Z", "white", 1, -1, 1, NULL);
    expect(run, "zone_count", "Z", "green", 0, -1, 0, NULL);
    json_decref(run);
}
END_TEST

START_TEST(data_quality_rules)
{
    json_t *run = compute(golden_ci, "2026-11-22");
    ck_assert_int_eq(dq(run, "usage_unknown_subscriber"), 3);
    ck_assert_int_eq(dq(run, "usage_null_bill"), 2); /* not November's: open */
    ck_assert_int_eq(dq(run, "usage_negative_bill"), 1);
    ck_assert_int_eq(dq(run, "survey_null_score"), 1);
    ck_assert_int_eq(dq(run, "survey_score_out_of_range"), 2);
    ck_assert_int_eq(dq(run, "survey_unknown_branch"), 1);
    ck_assert_int_eq(dq(run, "survey_indicator_not_leaf"), 2);
    ck_assert_int_eq(dq(run, "survey_duplicate"), 1);
    ck_assert_int_eq(dq(run, "branch_without_parent"), 1);
    ck_assert_int_eq(dq(run, "bundle_target_unknown_subscriber"), 1);
    json_decref(run);
}
END_TEST

START_TEST(frozen_cohort_survives_data_changes)
{
    struct db *db = NULL;
    ck_assert(db_connect(golden_ci, 0, &db));
    json_t *run = compute(golden_ci, "2026-11-22");
    json_decref(run);
    /* the ETL moves subscriber 1 to B and restates its baseline: the frozen
     * cohort keeps it at A */
    ck_assert(db_exec_script(db, "change",
                             "UPDATE dw.subscriber SET branch_id = 101 WHERE sub_id = 1;"
                             "UPDATE dw.monthly_usage SET bill_amount = 1 WHERE sub_id = 1"
                             " AND month = '2025-10-01'"));
    run = compute(golden_ci, "2026-11-22");
    expect(run, "retention_rate", "A", NULL, 4, 8, 0.5, "red");
    json_decref(run);
    /* an explicit re-freeze takes the new data, and is logged */
    const char *refreeze[] = {"cohort", "--db", golden_ci, "--year", "2026", "--refreeze", NULL};
    char *out = NULL;
    ck_assert_int_eq(harness_run(refreeze, NULL, &out, NULL), 0);
    ck_assert_msg(strstr(out, "K1 cohort 10 members") != NULL, "%s", out);
    free(out);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.freeze_log"
                                      " WHERE action = 'refreeze' AND year = 2026"),
                     2);
    /* and audited: who re-froze which year */
    ck_assert_int_ge(harness_long(db,
                                  "SELECT count(*) FROM kpi.audit_log"
                                  " WHERE action = 'cohort_refreeze' AND params->>'year' = '2026'"
                                  " AND params->>'cohort' = '10' AND outcome = 'ok'"),
                     1);
    run = compute(golden_ci, "2026-11-22");
    expect(run, "retention_rate", "A", NULL, 3, 7, 3.0 / 7, "red");
    json_decref(run);
    ck_assert(db_exec_script(db, "restore",
                             "UPDATE dw.subscriber SET branch_id = 100 WHERE sub_id = 1;"
                             "UPDATE dw.monthly_usage SET bill_amount = 120 WHERE sub_id = 1"
                             " AND month = '2025-10-01'"));
    ck_assert_int_eq(harness_run(refreeze, NULL, NULL, NULL), 0);
    db_close(db);
}
END_TEST

START_TEST(targets_import_overrides_and_rejects)
{
    char *good = harness_temp_file("kpi,branch,dim,period,base,challenge\n"
                                   "retention_rate,A,,2026,0.40,0.50\n"
                                   "satisfaction,,*,,75,90\n");
    /* imported by its name from its directory */
    char cwd[512], dir[512];
    snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(good, '/') - good), good);
    const char *args[] = {"targets", "import", strrchr(good, '/') + 1, "--db", golden_ci, NULL};
    char *out = NULL, *err = NULL;
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(dir), 0);
    int rc = harness_run(args, NULL, &out, &err);
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_msg(rc == 0, "%s", err);
    ck_assert_str_eq(out, "2 targets imported\n");
    free(out);
    free(err);
    /* audited with the file's SHA-256 and where it was read (the name as
     * typed said nothing of its directory); a refused import below is not */
    struct db *adb = NULL;
    ck_assert(db_connect(golden_ci, 0, &adb));
    static const char imports[] = "SELECT count(*) FROM kpi.audit_log WHERE action = "
                                  "'targets_import' AND params->>'targets' = '2'"
                                  " AND length(params->>'sha256') = 64 AND who IS NOT NULL";
    ck_assert_int_eq(harness_long(adb, imports), 1);
    char *file =
        harness_text(adb, "SELECT params->>'file' FROM kpi.audit_log"
                          " WHERE action = 'targets_import' ORDER BY audit_id DESC LIMIT 1");
    ck_assert_str_eq(file, good);
    free(file);
    json_t *run = compute(golden_ci, "2026-11-22");
    /* A's own 2026 targets, pathed: on 11-22 the day's points are
     * 1 - 0.60 * 325/364 = 46.43 % and 1 - 0.50 * 325/364 = 55.36 % */
    expect(run, "retention_rate", "A", NULL, 4, 8, 0.5, "green");
    ck_assert(fabs(harness_num(harness_find_value(run, "retention_rate", "A", NULL), "path_base") -
                   (1 - 0.60 * 325 / 364)) < 1e-12);
    expect(run, "retention_rate", "B", NULL, 1, 1, 1.0, "excellent");
    expect(run, "retention_rate", "P", NULL, 6, 10, 0.6, "red");
    expect(run, "satisfaction", "A", "a1", 170, 2, 85, "green");
    expect(run, "satisfaction", "A", "b", 160, 2, 80, "green");
    json_decref(run);

    char *bad = harness_temp_file("kpi,branch,dim,period,base,challenge\n"
                                  "retention_rate,B,,,0.5,0.6\n"
                                  "retention_rate,NOPE,,,0.5,0.6\n");
    const char *args2[] = {"targets", "import", bad, "--db", golden_ci, NULL};
    ck_assert_int_eq(harness_run(args2, NULL, &out, &err), 2);
    char want[256];
    snprintf(want, sizeof want, "%s:3: unknown branch 'NOPE'", bad);
    ck_assert_msg(strstr(err, want) != NULL, "%s", err);
    free(out);
    free(err);
    /* a base above its challenge, and one target given twice: refused with
     * the line (the last one had won, silently) */
    char *inverted = harness_temp_file("kpi,branch,dim,period,base,challenge\n"
                                       "retention_rate,B,,,0.9,0.6\n");
    char *twice = harness_temp_file("kpi,branch,dim,period,base,challenge\n"
                                    "retention_rate,B,,2026,0.5,0.6\n"
                                    "retention_rate,A,,2026,0.5,0.6\n"
                                    "retention_rate,B,,2026,0.55,0.6\n");
    args2[2] = inverted;
    ck_assert_int_eq(harness_run(args2, NULL, &out, &err), 2);
    snprintf(want, sizeof want, "%s:2: base 0.9 is above challenge 0.6", inverted);
    ck_assert_msg(strstr(err, want) != NULL, "%s", err);
    free(out);
    free(err);
    args2[2] = twice;
    ck_assert_int_eq(harness_run(args2, NULL, &out, &err), 2);
    snprintf(want, sizeof want, "%s:4: the same target as line 2", twice);
    ck_assert_msg(strstr(err, want) != NULL, "%s", err);
    free(out);
    free(err);
    unlink(inverted);
    unlink(twice);
    free(inverted);
    free(twice);
    /* an empty file is no targets file */
    char *empty = harness_temp_file("");
    const char *args_empty[] = {"targets", "import", empty, "--db", golden_ci, NULL};
    ck_assert_int_eq(harness_run(args_empty, NULL, &out, &err), 2);
    ck_assert_msg(strstr(err, ":0: empty: the header") != NULL, "%s", err);
    free(out);
    free(err);
    unlink(empty);
    free(empty);
    struct db *db = NULL;
    ck_assert(db_connect(golden_ci, 0, &db));
    ck_assert_int_eq(harness_long(adb, "SELECT count(*) FROM kpi.audit_log"
                                       " WHERE action = 'targets_import'"),
                     1);
    db_close(adb);
    /* all or nothing: B's row of line 2 was not kept */
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.target WHERE source = 'import'"),
                     2);
    ck_assert(db_exec_script(db, "reset", "DELETE FROM kpi.target WHERE source = 'import'"));
    /* as Excel saves it: a byte-order mark, CRLF, fields in quotes; "nan" is no number */
    char *excel = harness_temp_file("\xef\xbb\xbfkpi,branch,dim,period,base,challenge\r\n"
                                    "\"retention_rate\",\"B\",,\"2026\",0.5,\"0.6\"\r\n");
    char *nan = harness_temp_file("kpi,branch,dim,period,base,challenge\n"
                                  "retention_rate,B,,2026,nan,0.6\n");
    const char *args3[] = {"targets", "import", excel, "--db", golden_ci, NULL};
    ck_assert_int_eq(harness_run(args3, NULL, &out, &err), 0);
    ck_assert_str_eq(out, "1 target imported\n");
    free(out);
    free(err);
    /* a directory is not read as an empty file */
    args3[2] = "/tmp";
    ck_assert_int_eq(harness_run(args3, NULL, &out, &err), 2);
    ck_assert_msg(strstr(err, "not a regular file"), "%s", err);
    free(out);
    free(err);
    args3[2] = nan;
    ck_assert_int_eq(harness_run(args3, NULL, &out, &err), 2);
    snprintf(want, sizeof want, "%s:2: base 'nan' is not a number", nan);
    ck_assert_msg(strstr(err, want) != NULL, "%s", err);
    free(out);
    free(err);
    ck_assert(db_exec_script(db, "reset", "DELETE FROM kpi.target WHERE source = 'import'"));
    db_close(db);
    unlink(good);
    unlink(bad);
    unlink(excel);
    unlink(nan);
    free(good);
    free(bad);
    free(excel);
    free(nan);
}
END_TEST

START_TEST(source_figures)
{
    char name[64], *ci = NULL;
    snprintf(name, sizeof name, "rt_it_kpi_src_%d", (int)getpid());
    load_fixture(name, "tests/fixtures/source_figures.sql", &ci);
    json_t *run = compute(ci, "2026-12-31");
    expect(run, "retention_rate", "C", NULL, 104628 - 1235, 104628, 103393.0 / 104628, "excellent");
    expect(run, "in_network_rate", "C", NULL, 76385 - 38, 76385, 76347.0 / 76385, "green");
    expect(run, "in_network_rate", "C", "diamond", 821, 821, 1, "green");
    expect(run, "in_network_rate", "C", "gold", 4113, 4113, 1, "green");
    expect(run, "in_network_rate", "C", "silver", 25165, 25165, 1, "green");
    expect(run, "in_network_rate", "C", "member", 46286 - 38, 46286, 46248.0 / 46286, "green");
    expect(run, "bundling_coverage", "C", NULL, 43204, 104628, 43204.0 / 104628, "green");
    /* shown with two decimals: 98.82 %, 99.95 %, 41.29 % */
    char shown[16];
    snprintf(shown, sizeof shown, "%.2f",
             100 * harness_num(harness_find_value(run, "retention_rate", "C", NULL), "value"));
    ck_assert_str_eq(shown, "98.82");
    snprintf(shown, sizeof shown, "%.2f",
             100 * harness_num(harness_find_value(run, "in_network_rate", "C", NULL), "value"));
    ck_assert_str_eq(shown, "99.95");
    snprintf(shown, sizeof shown, "%.2f",
             100 * harness_num(harness_find_value(run, "bundling_coverage", "C", NULL), "value"));
    ck_assert_str_eq(shown, "41.29");
    json_decref(run);
    harness_drop_db(name);
    free(ci);
}
END_TEST

/* Runs compute on ci expecting exit 1, nothing on stdout, `message` on
 * stderr (as its only line when one_line: a run that fails half-way has
 * logged its progress before), and no run or snapshot stored. */
static void expect_failed_compute(const char *ci, const char *message, bool one_line)
{
    const char *args[] = {"compute", "--db", ci, "--as-of", "2026-11-22", NULL};
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(harness_run(args, NULL, &out, &err), 1);
    ck_assert_str_eq(out, "");
    int lines = 0;
    for (const char *p = err; *p; p++)
        lines += *p == '\n';
    ck_assert_msg(!one_line || lines == 1, "%d lines: %s", lines, err);
    ck_assert_msg(strstr(err, message) != NULL, "%s", err);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.run"), 0);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.value"), 0);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.cohort"), 0);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.cohort_member"), 0);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.vip_snapshot"), 0);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.zone_month"), 0);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.campaign_target_list"), 0);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.usage_month_dq"), 0);
    /* a freeze rolled back with its run is not reported as done */
    ck_assert_msg(strstr(err, "frozen") == NULL, "%s", err);
    db_close(db);
    free(out);
    free(err);
}

static const struct {
    const char *breakage;
    const char *message;
} broken[] = {
    {"DROP TABLE dw.bundle_contract", "table dw.bundle_contract is missing"},
    {"ALTER TABLE dw.monthly_usage ALTER bill_amount TYPE text",
     "dw.monthly_usage.bill_amount is text, expected a number"},
    {"ALTER TABLE dw.subscriber DROP COLUMN cancelled_on",
     "column dw.subscriber.cancelled_on is missing"},
};

/* A new database of the golden fixture (named rt_it_kpi_TAG_PID, into
 * name) changed by script; its conninfo (free it). */
static char *golden_changed(const char *tag, const char *script, char name[64])
{
    char *ci = NULL;
    snprintf(name, 64, "rt_it_kpi_%s_%d", tag, (int)getpid());
    load_fixture(name, "tests/fixtures/golden.sql", &ci);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert(db_exec_script(db, tag, script));
    db_close(db);
    return ci;
}

START_TEST(broken_warehouse_one_line_no_run)
{
    char name[64];
    char *ci = golden_changed("broken", broken[_i].breakage, name);
    expect_failed_compute(ci, broken[_i].message, true);
    harness_drop_db(name);
    free(ci);
}
END_TEST

START_TEST(a_failing_run_leaves_nothing)
{
    /* the contract holds, but a row makes the K3 step fail half-way (after
     * K1 froze its cohort): nothing of the run may remain */
    char name[64];
    char *ci = golden_changed("fail",
                              "ALTER TABLE dw.bundle_contract RENAME TO bundle_contract_t;"
                              "CREATE VIEW dw.bundle_contract AS SELECT contract_id, sub_id,"
                              " policy, signed_on, ended_on FROM dw.bundle_contract_t"
                              " WHERE 1 / (contract_id - 5) IS NOT NULL",
                              name);
    expect_failed_compute(ci, "division by zero", false);
    harness_drop_db(name);
    free(ci);
}
END_TEST

/* K3 keeps the policies a target holds as the bits of a bigint: campaign
 * 1's two policies moved to positions 31 and 63 of its list (bits 30 and
 * 62, which a 32-bit mask would alias) are counted as at the front; a 64th
 * policy stops the compute with one line naming the campaign, nothing
 * stored. */
START_TEST(k3_policies_at_the_mask_limit)
{
    char name[64];
    char *ci = golden_changed("policies",
                              "UPDATE dw.bundle_campaign SET policies ="
                              " ARRAY(SELECT 'p' || i FROM generate_series(1, 30) i)"
                              " || '{prepay_credit}'"
                              " || ARRAY(SELECT 'p' || i FROM generate_series(32, 62) i)"
                              " || '{family_plan,p64}' WHERE campaign_id = 1",
                              name);
    expect_failed_compute(ci, "campaign lists more than 63 policies\" campaigns=1", true);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert(db_exec_script(db, "unpad",
                             "UPDATE dw.bundle_campaign SET policies = policies[:63]"
                             " WHERE campaign_id = 1"));
    ck_assert_int_eq(harness_long(db, "SELECT cardinality(policies) FROM dw.bundle_campaign"
                                      " WHERE campaign_id = 1"),
                     63);
    db_close(db);
    json_t *run = compute(ci, "2026-11-22");
    expect(run, "bundling_coverage", "A", NULL, 2, 6, 2.0 / 6, "green");
    expect(run, "bundling_coverage", "A", "prepay_credit", 1, 6, 1.0 / 6, NULL);
    expect(run, "bundling_coverage", "A", "family_plan", 1, 6, 1.0 / 6, NULL);
    expect(run, "bundling_coverage", "A", "p61", 0, 6, 0.0, NULL);
    expect(run, "bundling_coverage", "Z", NULL, 1, 2, 0.5, "excellent");
    expect(run, "bundling_coverage", "Z", "prepay_credit", 1, 2, 0.5, NULL);
    expect(run, "bundling_coverage", "Z", "family_plan", 1, 2, 0.5, NULL);
    json_decref(run);
    harness_drop_db(name);
    free(ci);
}
END_TEST

/* A date years after the warehouse's data (a typo, 2030 for 2026) once a
 * run knows that data: refused in one line before anything is computed, so
 * that it cannot become every page's newest run; a date within a year of
 * the data is computed. A date before its first month is refused too. */
START_TEST(a_date_years_after_the_data_is_refused)
{
    char name[64], *ci = NULL;
    snprintf(name, sizeof name, "rt_it_kpi_future_%d", (int)getpid());
    load_fixture(name, "tests/fixtures/golden.sql", &ci);
    json_decref(compute(ci, "2026-11-22"));
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    long runs = harness_long(db, "SELECT count(*) FROM kpi.run");
    const char *args[] = {"compute", "--db", ci, "--as-of", "2030-01-01", NULL};
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(harness_run(args, NULL, &out, &err), 1);
    ck_assert_msg(strstr(err, "as-of date beyond the data") &&
                      strchr(err, '\n') == strrchr(err, '\n'),
                  "%s", err);
    free(out);
    free(err);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.run"), runs);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.run WHERE as_of > '2027-12-31'"),
                     0);
    /* before the warehouse's first month (2025-10, a typo: 1999 for
     * 2026): refused too, and no empty cohort or snapshot frozen for 1999 */
    const char *early[] = {"compute", "--db", ci, "--as-of", "1999-01-01", NULL};
    ck_assert_int_eq(harness_run(early, NULL, &out, &err), 1);
    ck_assert_msg(strstr(err, "as-of date before the data") && strstr(err, "first_month=2025-10") &&
                      strchr(err, '\n') == strrchr(err, '\n'),
                  "%s", err);
    free(out);
    free(err);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.run"), runs);
    ck_assert_int_eq(harness_long(db,
                                  "SELECT (SELECT count(*) FROM kpi.cohort WHERE year = 1999)"
                                  " + (SELECT count(*) FROM kpi.vip_snapshot WHERE year = 1999)"),
                     0);
    db_close(db);
    json_decref(compute(ci, "2027-06-30"));
    harness_drop_db(name);
    free(ci);
}
END_TEST

/* ---- state kept between runs ------------------------------------------ */

/* Forgets every snapshot and cache of the KPI engine (as on a fresh schema)
 * but keeps the stored runs, so that the alarms of the next run compare
 * with the same previous runs as on the database it is checked against. */
static void forget_state(const char *ci)
{
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert(db_exec_script(db, "forget",
                             "DELETE FROM kpi.cohort_member; DELETE FROM kpi.cohort;"
                             "DELETE FROM kpi.vip_member; DELETE FROM kpi.vip_snapshot;"
                             "DELETE FROM kpi.zone_member; DELETE FROM kpi.zone_count;"
                             "DELETE FROM kpi.zone_month; DELETE FROM kpi.campaign_target;"
                             "DELETE FROM kpi.campaign_target_list;"
                             "DELETE FROM kpi.usage_month_dq"));
    db_close(db);
}

/* The run of `as_of` on `cached` (which keeps its state from the runs
 * before) must equal, value for value, the run on `cold` computed from no
 * state at all. */
static void expect_same_as_cold(const char *cached, const char *cold, const char *as_of)
{
    json_t *a = compute(cached, as_of);
    forget_state(cold);
    json_t *b = compute(cold, as_of);
    static const char *const parts[] = {"values", "data_quality"};
    for (size_t p = 0; p < 2; p++) {
        json_t *va = json_object_get(a, parts[p]), *vb = json_object_get(b, parts[p]);
        ck_assert_msg(json_array_size(va) == json_array_size(vb), "%s %s: %zu %s, cold %zu", as_of,
                      parts[p], json_array_size(va), parts[p], json_array_size(vb));
        ck_assert_msg(json_array_size(va) > 0, "%s: no %s", as_of, parts[p]);
        for (size_t i = 0; i < json_array_size(va); i++) {
            json_t *x = json_array_get(va, i), *y = json_array_get(vb, i);
            char *tx = json_dumps(x, JSON_SORT_KEYS), *ty = json_dumps(y, JSON_SORT_KEYS);
            ck_assert_msg(json_equal(x, y), "%s %s[%zu]: cached %s, cold %s", as_of, parts[p], i,
                          tx, ty);
            free(tx);
            free(ty);
        }
    }
    json_decref(a);
    json_decref(b);
}

START_TEST(cached_state_gives_the_cold_values)
{
    char cached_name[64], cold_name[64], *cached = NULL, *cold = NULL;
    snprintf(cached_name, sizeof cached_name, "rt_it_kpi_cached_%d", (int)getpid());
    snprintf(cold_name, sizeof cold_name, "rt_it_kpi_cold_%d", (int)getpid());
    load_fixture(cached_name, "tests/fixtures/golden.sql", &cached);
    load_fixture(cold_name, "tests/fixtures/golden.sql", &cold);
    /* day after day; 12-05 closes November (a new fold and new zones);
     * then back to a day whose zones (October) are stored */
    static const char *const days[] = {"2026-11-22", "2026-11-23", "2026-12-05", "2026-12-06",
                                       "2026-11-21"};
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
        expect_same_as_cold(cached, cold, days[i]);
    struct db *db = NULL;
    ck_assert(db_connect(cached, 0, &db));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.zone_month WHERE year = 2026"), 2);
    ck_assert_int_eq(harness_long(db, "SELECT folded_mask FROM kpi.cohort WHERE year = 2026"),
                     2047);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.usage_month_dq"), 14);
    /* every member of the population is stored with its zone */
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.zone_member"
                                      " WHERE month = '2026-10-01' AND zone = 'red'"),
                     1);
    db_close(db);
    /* the ETL loads target 100000's subscriber late (cancelled, so still
     * not bundled): no longer an unknown-subscriber row, though the stored
     * list said unknown */
    static const char late_subscriber[] = "INSERT INTO dw.subscriber (sub_id, branch_id, brand,"
                                          " activated_on, cancelled_on) VALUES"
                                          " (100000, 102, 'gotone', '2015-01-01', '2026-01-31')";
    harness_exec_on(cached, late_subscriber);
    harness_exec_on(cold, late_subscriber);
    expect_same_as_cold(cached, cold, "2026-12-06");
    json_t *late = compute(cached, "2026-12-06");
    ck_assert_int_eq(dq(late, "bundle_target_unknown_subscriber"), 0);
    json_decref(late);
    /* the ETL corrects the target list: 13 gets a second row at A (the
     * smaller branch wins), 100000 is dropped; the stored list is taken
     * again */
    static const char fix_targets[] = "INSERT INTO dw.bundle_target VALUES (1, 13, 100);"
                                      "DELETE FROM dw.bundle_target WHERE sub_id = 100000";
    harness_exec_on(cached, fix_targets);
    harness_exec_on(cold, fix_targets);
    expect_same_as_cold(cached, cold, "2026-12-07");
    json_t *run = compute(cached, "2026-12-07");
    /* A: 13 moves in (7 targets); only 1 is bundled on 12-07 (8 left on
     * 11-23, 13's handset is not a policy of the campaign) */
    expect(run, "bundling_coverage", "A", NULL, 1, 7, 1.0 / 7, "red");
    expect(run, "bundling_coverage", "Z", NULL, 1, 1, 1.0, "excellent");
    ck_assert_int_eq(dq(run, "bundle_target_unknown_subscriber"), 0);
    json_decref(run);
    /* other thresholds: the zones are taken again */
    static const char thresholds[] =
        "UPDATE kpi.setting SET value = 500 WHERE key = 'k5_minutes_b'";
    harness_exec_on(cached, thresholds);
    harness_exec_on(cold, thresholds);
    expect_same_as_cold(cached, cold, "2026-12-08");
    harness_drop_db(cached_name);
    harness_drop_db(cold_name);
    free(cached);
    free(cold);
}
END_TEST

START_TEST(refreeze_takes_the_zones_again)
{
    char name[64], *ci = NULL;
    snprintf(name, sizeof name, "rt_it_kpi_zones_%d", (int)getpid());
    load_fixture(name, "tests/fixtures/golden.sql", &ci);
    const char *args[] = {"compute", "--db", ci, "--as-of", "2026-11-22", NULL};
    char *err = NULL;
    ck_assert_int_eq(harness_run(args, NULL, NULL, &err), 0);
    /* logged once the run has committed */
    ck_assert_msg(strstr(err, "msg=\"K1 cohort frozen\" year=2026 members=11") != NULL, "%s", err);
    free(err);
    /* the ETL restates October for 8 (red: 100 minutes) as 400 minutes: the
     * zones of October are kept, as the closed month and the cohort are */
    harness_exec_on(ci, "UPDATE dw.monthly_usage SET calling_mou = 400"
                        " WHERE sub_id = 8 AND month = '2026-10-01'");
    json_t *run = compute(ci, "2026-11-22");
    expect(run, "zone_count", "A", "red", 1, -1, 1, NULL);
    expect(run, "zone_count", "A", "green", 1, -1, 1, NULL);
    json_decref(run);
    const char *refreeze[] = {"cohort", "--db", ci, "--year", "2026", "--refreeze", NULL};
    ck_assert_int_eq(harness_run(refreeze, NULL, NULL, NULL), 0);
    /* a year that has not begun is refused, one line, nothing frozen (year
     * 3000 took today's VIP members as its snapshot) */
    const char *ahead[] = {"cohort", "--db", ci, "--year", "3000", "--refreeze", NULL};
    char *ahead_err = NULL;
    ck_assert_int_eq(harness_run(ahead, NULL, NULL, &ahead_err), 2);
    ck_assert_msg(strstr(ahead_err, "--year: 3000 has not begun") &&
                      strchr(ahead_err, '\n') == strrchr(ahead_err, '\n'),
                  "%s", ahead_err);
    free(ahead_err);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.vip_member WHERE year = 3000"), 0);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.zone_month WHERE year = 2026"), 0);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.zone_member WHERE year = 2026"), 0);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.zone_count WHERE year = 2026"), 0);
    db_close(db);
    run = compute(ci, "2026-11-22");
    expect(run, "zone_count", "A", "red", 0, -1, 0, NULL);
    expect(run, "zone_count", "A", "green", 2, -1, 2, NULL);
    json_decref(run);
    harness_drop_db(name);
    free(ci);
}
END_TEST

/* ---- a recompute that changes nothing --------------------------------- */

static char same_db[64];
static char *same_ci;
static long same_runs[3]; /* three runs of 2026-11-22, the same figures, oldest first */

/* The run_id of a compute's JSON. */
static long run_id_of(json_t *run)
{
    return (long)json_integer_value(json_object_get(run, "run_id"));
}

static void same_setup(void)
{
    snprintf(same_db, sizeof same_db, "rt_it_kpi_same_%d", (int)getpid());
    load_fixture(same_db, "tests/fixtures/golden.sql", &same_ci);
    for (int i = 0; i < 3; i++) {
        json_t *run = compute(same_ci, "2026-11-22");
        same_runs[i] = run_id_of(run);
        json_decref(run);
    }
    json_decref(compute(same_ci, "2026-11-23")); /* newer, of another date */
}

static void same_teardown(void)
{
    harness_drop_db(same_db);
    free(same_ci);
}

/* The newest run of 2026-11-22 and the ones before it, in SQL. */
#define NEWEST "(SELECT max(run_id) FROM kpi.run WHERE as_of = '2026-11-22')"
#define KEPT   "(SELECT max(run_id) FROM kpi.run WHERE as_of = '2026-11-22' AND run_id < " NEWEST ")"
#define OLDEST "(SELECT min(run_id) FROM kpi.run WHERE as_of = '2026-11-22')"
/* One staged value of the newest run: KPI, branch code, dim (NULL: the total). */
#define ROW(kpi, branch, dim)                                                                      \
    " WHERE kpi = '" kpi "' AND branch_code = '" branch "' AND dim IS NOT DISTINCT FROM " dim
#define STAGED "UPDATE pg_temp.stage_value SET "

/* Changes to the newest run of 2026-11-22, staged as a compute stages its
 * rows (in a transaction rolled back), and whether it still says what the
 * run before it says. */
static const struct {
    const char *what, *change;
    bool same;
} differences[] = {
    {"nothing", "SELECT 1", true},
    {"the run's times",
     "UPDATE kpi.run SET started_at = started_at - interval '1 day',"
     " finished_at = finished_at + interval '1 hour' WHERE run_id = " NEWEST,
     true},
    {"the rows in another order",
     "WITH gone AS (DELETE FROM pg_temp.stage_value RETURNING *)"
     " INSERT INTO pg_temp.stage_value SELECT * FROM gone ORDER BY md5(gone::text)",
     true},
    {"an older run of the date",
     "UPDATE kpi.value SET numerator = numerator + 1 WHERE run_id = " OLDEST, true},
    {"the run compared with", "UPDATE kpi.value SET numerator = numerator + 1 WHERE run_id = " KEPT,
     false},
    {"a numerator", STAGED "numerator = numerator + 1" ROW("retention_rate", "A", "NULL"), false},
    {"a denominator", STAGED "denominator = denominator + 1" ROW("retention_rate", "A", "NULL"),
     false},
    {"two numerators swapped",
     STAGED "numerator = 9 - numerator WHERE kpi = 'retention_rate' AND branch_code IN ('A', 'C1')",
     false},
    {"a value's scale only (0.5 and 0.5000...)",
     STAGED "value = round(value, 30)" ROW("retention_rate", "A", "NULL"), false},
    {"a target's scale only (0.77 and 0.770)",
     STAGED "target_base = target_base * 1.0" ROW("retention_rate", "A", "NULL"), false},
    {"a status", STAGED "status = 'green'" ROW("retention_rate", "A", "NULL"), false},
    {"a reason", STAGED "reason = NULL" ROW("retention_rate", "A", "NULL"), false},
    {"a reason NULL or empty", STAGED "reason = ''" ROW("in_network_rate", "A", "'gold'"), false},
    {"partial", STAGED "partial = NOT partial" ROW("satisfaction", "A", "'a'"), false},
    {"a path point", STAGED "path_base = path_base + 0.0001" ROW("retention_rate", "A", "NULL"),
     false},
    {"the previous status", STAGED "previous_status = 'green'" ROW("retention_rate", "A", "NULL"),
     false},
    {"a branch code", STAGED "branch_code = 'A2'" ROW("retention_rate", "A", "NULL"), false},
    {"a branch id", STAGED "branch_id = branch_id + 1000" ROW("retention_rate", "A", "NULL"),
     false},
    {"a dim", STAGED "dim = 'silver'" ROW("in_network_rate", "A", "'gold'"), false},
    {"a period", STAGED "period = '2026-09'" ROW("satisfaction", "A", "'a1'"), false},
    {"a campaign", STAGED "campaign_id = campaign_id + 1" ROW("bundling_coverage", "A", "NULL"),
     false},
    {"a row less", "DELETE FROM pg_temp.stage_value" ROW("zone_count", "A", "'blue'"), false},
    {"a row twice",
     "INSERT INTO pg_temp.stage_value SELECT * FROM pg_temp.stage_value" ROW("retention_rate", "A",
                                                                             "NULL"),
     false},
    {"a data-quality count",
     "UPDATE pg_temp.stage_data_quality SET rows = rows + 1 WHERE rule = 'survey_duplicate'",
     false},
    {"a data-quality rule less",
     "DELETE FROM pg_temp.stage_data_quality WHERE rule = 'survey_duplicate'", false},
    {"the data watermark",
     "UPDATE kpi.run SET newest_cancel = newest_cancel + 1 WHERE run_id = " NEWEST, false},
    {"the last closed month", "UPDATE kpi.run SET last_closed_month = NULL WHERE run_id = " NEWEST,
     false},
    {"a setting",
     "UPDATE kpi.run SET settings = settings || '{\"k5_minutes_b\": 301}' WHERE run_id = " NEWEST,
     false},
};

/* The one value an embedded SQL file returns with params (NULL: no row). */
static char *embedded_value(struct db *db, const char *file, const char *const *params)
{
    struct db_result *res = NULL;
    ck_assert_msg(db_query(db, sql_embed_get(file), 2, params, &res), "%s: %s", file,
                  db_errmsg(db));
    char *v = db_rows(res) == 1 ? strdup(db_value(res, 0, 0)) : NULL;
    db_result_free(res);
    return v;
}

/* Stages run `id`'s values and data-quality rows as a compute stages its
 * own before storing them (sql/kpi/00_temp_tables.sql), in db's transaction. */
static void stage_run(struct db *db, long id)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "CREATE TEMP TABLE stage_value ON COMMIT DROP AS"
             " SELECT * FROM kpi.value WHERE run_id = %ld;"
             "CREATE TEMP TABLE stage_data_quality ON COMMIT DROP AS"
             " SELECT * FROM kpi.data_quality WHERE run_id = %ld",
             id, id);
    ck_assert_msg(db_exec_script(db, "stage", sql), "%s", db_errmsg(db));
}

/* sql/kpi/run_unchanged.sql: whether run `newer`, staged, says what `older` says. */
static bool says_the_same(struct db *db, long newer, long older)
{
    char a[32], b[32];
    snprintf(a, sizeof a, "%ld", newer);
    snprintf(b, sizeof b, "%ld", older);
    const char *pair[] = {a, b};
    char *same = embedded_value(db, "kpi/run_unchanged.sql", pair);
    ck_assert_ptr_nonnull(same);
    bool yes = strcmp(same, "t") == 0;
    free(same);
    return yes;
}

/* sql/kpi/run_unchanged.sql compares the newest run of a date with the one
 * before it (sql/kpi/run_kept.sql) exactly: every column of every row. */
START_TEST(a_run_is_the_same_only_when_every_row_is)
{
    struct db *db = NULL;
    char newest[32], kept[32];
    snprintf(newest, sizeof newest, "%ld", same_runs[2]);
    snprintf(kept, sizeof kept, "%ld", same_runs[1]);
    ck_assert(db_connect(same_ci, 0, &db));
    ck_assert(db_begin(db));
    stage_run(db, same_runs[2]);
    ck_assert_msg(db_exec_script(db, "change", differences[_i].change), "%s: %s",
                  differences[_i].what, db_errmsg(db));
    const char *of_date[] = {newest, "2026-11-22"};
    char *found = embedded_value(db, "kpi/run_kept.sql", of_date);
    ck_assert_msg(found && strcmp(found, kept) == 0, "kept run %s, want %s", found, kept);
    bool same = says_the_same(db, same_runs[2], same_runs[1]);
    ck_assert_msg(same == differences[_i].same, "%s: the same %d, want %d", differences[_i].what,
                  same, differences[_i].same);
    db_rollback(db);
    free(found);
    db_close(db);
}
END_TEST

/* `retentiond compute --if-changed ARGS...`: stdout (JSON) and stderr. */
static json_t *compute_if_changed(const char *ci, const char *as_of, char **err)
{
    const char *args[] = {"compute", "--db", ci, "--as-of", as_of, "--if-changed", NULL};
    char *out = NULL;
    int rc = harness_run(args, NULL, &out, err);
    ck_assert_msg(rc == 0, "compute --if-changed %s exited %d: %s", as_of, rc, *err);
    json_error_t jerr;
    json_t *j = json_loads(out, 0, &jerr);
    ck_assert_msg(j != NULL, "not JSON: %s", jerr.text);
    free(out);
    return j;
}

/* --if-changed stores nothing when the run says what the date's newest run
 * says, prints that run, and leaves the state kept between runs as it was;
 * a run that took state (here the zones a refreeze dropped) is stored even
 * with the same figures, so that what it took is kept. */
START_TEST(if_changed_stores_only_what_is_new)
{
    char name[64], *ci = NULL, *err = NULL, line[128];
    snprintf(name, sizeof name, "rt_it_kpi_if_changed_%d", (int)getpid());
    load_fixture(name, "tests/fixtures/golden.sql", &ci);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    /* the date's first run is stored */
    json_t *first = compute_if_changed(ci, "2026-11-22", &err);
    ck_assert_msg(strstr(err, "msg=\"compute run stored\"") != NULL, "%s", err);
    free(err);
    char *state = harness_kept_state(db);
    /* the same again: the stored run is printed, nothing is written */
    json_t *again = compute_if_changed(ci, "2026-11-22", &err);
    snprintf(line, sizeof line, "msg=\"compute unchanged\" as_of=2026-11-22 run=%ld\n",
             run_id_of(first));
    ck_assert_msg(strstr(err, line) != NULL && !strstr(err, "compute run stored"), "%s", err);
    free(err);
    ck_assert(json_equal(again, first));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.run"), 1);
    char *after = harness_kept_state(db);
    ck_assert_str_eq(after, state);
    free(after);
    /* asked without --if-changed, compute stores a run; the next
     * --if-changed compares with it, the date's newest */
    json_t *second = compute(ci, "2026-11-22");
    ck_assert_int_gt(run_id_of(second), run_id_of(first));
    json_decref(compute_if_changed(ci, "2026-11-22", &err));
    snprintf(line, sizeof line, "msg=\"compute unchanged\" as_of=2026-11-22 run=%ld\n",
             run_id_of(second));
    ck_assert_msg(strstr(err, line) != NULL, "%s", err);
    free(err);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.run"), 2);
    /* the year re-frozen (the same members): the run takes the zones again,
     * and is stored though its figures are the newest run's */
    const char *refreeze[] = {"cohort", "--db", ci, "--year", "2026", "--refreeze", NULL};
    ck_assert_int_eq(harness_run(refreeze, NULL, NULL, NULL), 0);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.zone_month"), 0);
    json_t *third = compute_if_changed(ci, "2026-11-22", &err);
    ck_assert_msg(strstr(err, "msg=\"compute run stored\"") != NULL, "%s", err);
    free(err);
    ck_assert_int_gt(run_id_of(third), run_id_of(second));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.zone_month"), 1);
    ck_assert(db_begin(db));
    stage_run(db, run_id_of(third));
    ck_assert(says_the_same(db, run_id_of(third), run_id_of(second)));
    db_rollback(db);
    json_decref(first);
    json_decref(again);
    json_decref(second);
    json_decref(third);
    free(state);
    db_close(db);
    harness_drop_db(name);
    free(ci);
}
END_TEST

static Suite *kpi_suite(void)
{
    Suite *s = suite_create("kpi");
    TCase *golden = tcase_create("golden");
    tcase_set_timeout(golden, 120);
    tcase_add_unchecked_fixture(golden, golden_setup, golden_teardown);
    tcase_add_test(golden, k1_retention_boundaries);
    tcase_add_test(golden, k2_vip_snapshot_and_key_accounts);
    tcase_add_test(golden, k3_bundling_window_and_policies);
    tcase_add_test(golden, k4_satisfaction_tree);
    tcase_add_test(golden, k5_risk_zones);
    tcase_add_test(golden, data_quality_rules);
    tcase_add_test(golden, frozen_cohort_survives_data_changes);
    tcase_add_test(golden, targets_import_overrides_and_rejects);
    suite_add_tcase(s, golden);
    TCase *other = tcase_create("warehouses");
    tcase_set_timeout(other, 180);
    tcase_add_test(other, source_figures);
    tcase_add_loop_test(other, broken_warehouse_one_line_no_run, 0,
                        (int)(sizeof broken / sizeof broken[0]));
    tcase_add_test(other, a_failing_run_leaves_nothing);
    tcase_add_test(other, k3_policies_at_the_mask_limit);
    tcase_add_test(other, a_date_years_after_the_data_is_refused);
    suite_add_tcase(s, other);
    TCase *state = tcase_create("state");
    tcase_set_timeout(state, 180);
    tcase_add_test(state, cached_state_gives_the_cold_values);
    tcase_add_test(state, refreeze_takes_the_zones_again);
    suite_add_tcase(s, state);
    TCase *same = tcase_create("unchanged");
    tcase_set_timeout(same, 180);
    tcase_add_unchecked_fixture(same, same_setup, same_teardown);
    tcase_add_loop_test(same, a_run_is_the_same_only_when_every_row_is, 0,
                        (int)(sizeof differences / sizeof differences[0]));
    tcase_add_test(same, if_changed_stores_only_what_is_new);
    suite_add_tcase(s, same);
    return s;
}

int main(void)
{
    int failed = harness_run_suite(kpi_suite(), false);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
