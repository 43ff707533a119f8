/* Integration: the alarm rules (docs/kpis.md, "Targets and alarms") against a
 * hand-written warehouse (tests/fixtures/alarms.sql): the path to period-end
 * targets at its boundaries (1 January, 31 December, a leap year, a
 * campaign's first and last day, a one-day campaign, a branch exactly on
 * the path), per-branch targets on the path, the recover margin holding a
 * red, previous_status across a missing day, rules switched to none, and
 * the satisfaction panorama's flags and arrows at exactly 5 %; then the
 * same through the daemon (alarms, ranking, satisfaction). */
#include "harness.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dbname[64];
static char *ci;
static struct harness_daemon d;
static char datadir[128];
static char *config_path;

static void stop_daemon(void);

static void setup(void)
{
    snprintf(dbname, sizeof dbname, "rt_it_alarms_%d", (int)getpid());
    ci = harness_create_db(dbname);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    harness_exec_file(db, "sql/warehouse/tables.sql");
    harness_exec_file(db, "tests/fixtures/alarms.sql");
    harness_exec_file(db, "sql/warehouse/indexes.sql");
    db_close(db);
    const char *migrate[] = {"migrate", "--db", ci, NULL};
    ck_assert_int_eq(harness_run(migrate, NULL, NULL, NULL), 0);
    harness_sign_in(ci);
}

static void teardown(void)
{
    stop_daemon(); /* also after a failed assertion: the database can be dropped */
    harness_drop_db(dbname);
    free(ci);
}

/* Runs retentiond with args (and --db); asserts the exit code. */
static void run_ok(const char *const *args)
{
    const char *argv[16];
    size_t n = 0;
    for (; args[n] && n < 12; n++)
        argv[n] = args[n];
    argv[n++] = "--db";
    argv[n++] = ci;
    argv[n] = NULL;
    char *err = NULL;
    int rc = harness_run(argv, NULL, NULL, &err);
    ck_assert_msg(rc == 0, "%s exited %d: %s", args[0], rc, err);
    free(err);
}

static void import_targets(const char *csv)
{
    char *path = harness_temp_file(csv);
    const char *args[] = {"targets", "import", path, NULL};
    run_ok(args);
    unlink(path);
    free(path);
}

static json_t *compute(const char *as_of)
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

static json_t *value(json_t *run, const char *kpi, const char *branch, const char *dim)
{
    json_t *v = harness_find_value(run, kpi, branch, dim);
    ck_assert_msg(v != NULL, "no value %s/%s/%s in the run of %s", kpi, branch, dim ? dim : "-",
                  json_string_value(json_object_get(run, "as_of")));
    return v;
}

static void expect_text(json_t *v, const char *key, const char *want)
{
    json_t *j = json_object_get(v, key);
    ck_assert_msg(j != NULL, "%s missing", key);
    const char *got = json_string_value(j);
    ck_assert_msg(want ? got && strcmp(got, want) == 0 : json_is_null(j),
                  "%s/%s/%s %s: %s, want %s", json_string_value(json_object_get(v, "kpi")),
                  json_string_value(json_object_get(v, "branch")),
                  json_string_value(json_object_get(v, "dim")), key, got ? got : "null",
                  want ? want : "null");
}

/* A number field to 1e-12, or null when want is NAN. */
static void expect_num(json_t *v, const char *key, double want)
{
    json_t *j = json_object_get(v, key);
    ck_assert_msg(j != NULL, "%s missing", key);
    if (isnan(want))
        ck_assert_msg(json_is_null(j), "%s: %g, want null", key, json_number_value(j));
    else
        ck_assert_msg(json_is_number(j) && fabs(json_number_value(j) - want) < 1e-12,
                      "%s/%s %s: %.15g, want %.15g", json_string_value(json_object_get(v, "kpi")),
                      json_string_value(json_object_get(v, "branch")), key, json_number_value(j),
                      want);
}

/* status, reason, previous_status of a value. */
static void expect_status(json_t *run, const char *kpi, const char *branch, const char *status,
                          const char *reason, const char *previous)
{
    json_t *v = value(run, kpi, branch, NULL);
    expect_text(v, "status", status);
    if (reason)
        expect_text(v, "reason", reason);
    else
        ck_assert_msg(json_object_get(v, "reason") == NULL, "%s/%s has a reason", kpi, branch);
    expect_text(v, "previous_status", previous);
}

START_TEST(k1_is_judged_on_the_year_path)
{
    /* 2 July: 182 of 364 days; 88.5 % and 91.5 % exactly */
    json_t *run = compute("2026-07-02");
    json_t *a = value(run, "retention_rate", "A", NULL);
    expect_num(a, "value", 0.885);
    expect_num(a, "path_base", 0.885);
    expect_num(a, "path_challenge", 0.915);
    expect_num(a, "target_base", 0.77);
    expect_num(a, "target_challenge", 0.83);
    /* on the path exactly: not below it */
    expect_status(run, "retention_rate", "A", "green", NULL, NULL);
    expect_status(run, "retention_rate", "B", "excellent", "at_or_above_challenge_path", NULL);
    expect_status(run, "retention_rate", "D", "red", "below_base_path", NULL);
    /* K2 and K4 are judged directly: no path */
    expect_num(value(run, "in_network_rate", "A", NULL), "path_base", NAN);
    json_decref(run);

    /* 31 December: the path has reached the targets */
    run = compute("2026-12-31");
    a = value(run, "retention_rate", "A", NULL);
    expect_num(a, "path_base", 0.77);
    expect_num(a, "path_challenge", 0.83);
    expect_status(run, "retention_rate", "A", "excellent", "at_or_above_challenge_path", "green");
    expect_status(run, "retention_rate", "D", "excellent", "at_or_above_challenge_path", "red");
    json_decref(run);
}
END_TEST

START_TEST(k2_path_on_1_january_and_in_a_leap_year)
{
    import_targets("kpi,branch,dim,period,base,challenge\nin_network_rate,,,,0.98,0.995\n");
    const char *linear[] = {"alarms", "set", "in_network_rate", "--target-path", "linear", NULL};
    run_ok(linear);
    /* 1 January: the path starts at 100 % */
    json_t *run = compute("2026-01-01");
    json_t *a = value(run, "in_network_rate", "A", NULL);
    expect_num(a, "value", 1);
    expect_num(a, "path_base", 1);
    expect_num(a, "path_challenge", 1);
    expect_status(run, "in_network_rate", "A", "excellent", "at_or_above_challenge_path", NULL);
    json_decref(run);
    /* 2028 is a leap year: 2 July is day 183 of 365; one member of ten left
     * on 2 March */
    run = compute("2028-07-02");
    a = value(run, "in_network_rate", "A", NULL);
    expect_num(a, "value", 0.9);
    expect_num(a, "path_base", 1 - 0.02 * 183.0 / 365);
    expect_num(a, "path_challenge", 1 - 0.005 * 183.0 / 365);
    expect_status(run, "in_network_rate", "A", "red", "below_base_path", "excellent");
    json_decref(run);
    run = compute("2028-12-31");
    a = value(run, "in_network_rate", "A", NULL);
    expect_num(a, "path_base", 0.98);
    expect_num(a, "path_challenge", 0.995);
    json_decref(run);
}
END_TEST

/* A key account's cancellation keeps K2 red for key_account_days (30 by
 * default), the day of the cancellation included, then the branch recovers
 * (tests/fixtures/alarms.sql: D's gold member cancels on 10 May 2026). */
START_TEST(k2_key_account_alarm_lasts_its_days)
{
    json_t *run = compute("2026-05-09");
    expect_status(run, "in_network_rate", "D", "green", NULL, NULL);
    json_decref(run);
    run = compute("2026-05-10");
    expect_status(run, "in_network_rate", "D", "red", "key_account_cancellation", "green");
    json_t *gold = value(run, "in_network_rate", "D", "gold");
    expect_num(gold, "value", 0);
    expect_text(gold, "reason", "key_account_cancellation");
    /* up the tree too */
    expect_status(run, "in_network_rate", "P", "red", "key_account_cancellation", "green");
    expect_status(run, "in_network_rate", "A", "green", NULL, "green");
    json_decref(run);
    /* 8 June: the 30th day, 10 May included */
    run = compute("2026-06-08");
    expect_status(run, "in_network_rate", "D", "red", "key_account_cancellation", "red");
    json_decref(run);
    /* 9 June: recovered, the member still gone (0 of 1 kept; no target) */
    run = compute("2026-06-09");
    expect_status(run, "in_network_rate", "D", "green", NULL, "red");
    expect_num(value(run, "in_network_rate", "D", "gold"), "value", 0);
    json_decref(run);
    /* a cancellation the warehouse receives late (dated 1 April, loaded
     * after the run of 20 June) is an alarm from the day it arrives, for
     * as many days: more key members are gone than in the run 30 days
     * before */
    run = compute("2026-06-20");
    expect_status(run, "in_network_rate", "B", "green", NULL, "green");
    json_decref(run);
    harness_exec_on(ci, "UPDATE dw.subscriber SET cancelled_on = '2026-04-01' WHERE sub_id = 2999");
    run = compute("2026-06-21");
    expect_status(run, "in_network_rate", "B", "red", "key_account_cancellation", "green");
    expect_status(run, "in_network_rate", "D", "green", NULL, "green");
    json_decref(run);
    run = compute("2026-07-20");
    expect_status(run, "in_network_rate", "B", "red", "key_account_cancellation", "red");
    json_decref(run);
    run = compute("2026-07-21");
    expect_status(run, "in_network_rate", "B", "green", NULL, "red");
    json_decref(run);
    /* the window as before this rule had one: the rest of the year */
    const char *year[] = {"alarms", "set", "in_network_rate", "--key-account-days", "366", NULL};
    run_ok(year);
    run = compute("2026-12-31");
    expect_status(run, "in_network_rate", "D", "red", "key_account_cancellation", "green");
    json_decref(run);
    /* one day: red on the day of the cancellation only; the change is
     * audited with the rule before it, and the run records the rule */
    const char *one[] = {"alarms", "set", "in_network_rate", "--key-account-days", "1", NULL};
    run_ok(one);
    run = compute("2026-05-11");
    expect_status(run, "in_network_rate", "D", "green", NULL, "red");
    json_decref(run);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log"
                                      " WHERE action = 'alarm_rule_set'"
                                      " AND params->>'key_account_days' = '1'"
                                      " AND params->'before'->>'key_account_days' = '366'"),
                     1);
    ck_assert_int_eq(harness_long(db, "SELECT (settings->'alarm_rules'->'in_network_rate'"
                                      "->>'key_account_days')::int FROM kpi.run"
                                      " WHERE as_of = '2026-05-11'"),
                     1);
    db_close(db);
}
END_TEST

/* Campaign 1 runs 1..11 July (10 days); B's own targets are 50 % / 70 %;
 * bundling's recover margin is 5 points. */
START_TEST(k3_campaign_days_margin_and_transitions)
{
    import_targets("kpi,branch,dim,period,base,challenge\nbundling_coverage,B,,,0.5,0.7\n");
    const char *margin[] = {"alarms", "set", "bundling_coverage", "--recover-margin", "0.05", NULL};
    run_ok(margin);
    /* the change is audited, with what was set and the rule before it */
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log"
                                      " WHERE action = 'alarm_rule_set'"
                                      " AND params->>'kpi' = 'bundling_coverage'"
                                      " AND params->>'recover_margin' = '0.05'"
                                      " AND (params->'before'->>'recover_margin')::numeric"
                                      "  IS DISTINCT FROM 0.05"
                                      " AND params->'before'->>'target_path' = 'linear'"),
                     1);
    db_close(db);
    /* the first day: the path starts at 0 %, which every value reaches */
    json_t *run = compute("2026-07-01");
    expect_num(value(run, "bundling_coverage", "A", NULL), "path_base", 0);
    expect_num(value(run, "bundling_coverage", "A", NULL), "path_challenge", 0);
    expect_status(run, "bundling_coverage", "D", "excellent", "at_or_above_challenge_path", NULL);
    json_decref(run);
    /* the 4th: 30 % of the way, 12 % / 18 % (B's 15 % / 21 %) */
    run = compute("2026-07-04");
    expect_num(value(run, "bundling_coverage", "B", NULL), "path_base", 0.15);
    expect_status(run, "bundling_coverage", "A", "excellent", "at_or_above_challenge_path",
                  "excellent");
    expect_status(run, "bundling_coverage", "B", "green", NULL, "excellent");
    expect_status(run, "bundling_coverage", "D", "red", "below_base_path", "excellent");
    json_decref(run);
    /* the 5th: D's 20 % clears the day's 16 % by less than the margin: held */
    run = compute("2026-07-05");
    expect_status(run, "bundling_coverage", "D", "red", "within_recover_margin", "red");
    expect_status(run, "bundling_coverage", "A", "green", NULL, "excellent");
    json_decref(run);
    /* the 6th: half way, 20 % / 30 %: A exactly on the path; B on its own
     * path (25 % / 35 %) green where the default targets would make it
     * excellent; D recovered */
    run = compute("2026-07-06");
    json_t *a = value(run, "bundling_coverage", "A", NULL);
    expect_num(a, "value", 0.2);
    expect_num(a, "path_base", 0.2);
    expect_num(a, "path_challenge", 0.3);
    expect_num(a, "target_base", 0.4);
    expect_status(run, "bundling_coverage", "A", "green", NULL, "green");
    expect_num(value(run, "bundling_coverage", "B", NULL), "path_base", 0.25);
    expect_num(value(run, "bundling_coverage", "B", NULL), "target_base", 0.5);
    expect_status(run, "bundling_coverage", "B", "green", NULL, "excellent");
    expect_status(run, "bundling_coverage", "D", "excellent", "at_or_above_challenge_path", "red");
    json_decref(run);
    /* no run on the 7th; on the 8th A's contract has ended: red, the 6th
     * is the previous status (green), and no step (no run the day before) */
    run = compute("2026-07-08");
    expect_status(run, "bundling_coverage", "A", "red", "below_base_path", "green");
    expect_status(run, "bundling_coverage", "D", "green", NULL, "excellent");
    json_decref(run);
    /* the last day: the targets themselves; D exactly on the base */
    run = compute("2026-07-11");
    expect_num(value(run, "bundling_coverage", "D", NULL), "path_base", 0.4);
    expect_num(value(run, "bundling_coverage", "D", NULL), "path_challenge", 0.6);
    expect_status(run, "bundling_coverage", "D", "green", NULL, "green");
    expect_status(run, "bundling_coverage", "B", "red", "below_base_path", "red");
    json_decref(run);
    /* campaign 2 lasts one day: the path is the targets */
    run = compute("2026-07-20");
    a = value(run, "bundling_coverage", "A", NULL);
    ck_assert_int_eq(json_integer_value(json_object_get(a, "campaign")), 2);
    expect_num(a, "path_base", 0.4);
    expect_num(a, "path_challenge", 0.6);
    expect_status(run, "bundling_coverage", "A", "green", NULL, NULL);
    json_decref(run);
}
END_TEST

START_TEST(rules_switched_to_none_and_cli_errors)
{
    const char *none[] = {"alarms", "set", "retention_rate", "--target-path", "none", NULL};
    run_ok(none);
    json_t *run = compute("2026-07-02");
    json_t *a = value(run, "retention_rate", "A", NULL);
    expect_num(a, "path_base", NAN);
    expect_num(a, "path_challenge", NAN);
    expect_status(run, "retention_rate", "A", "excellent", "at_or_above_challenge", NULL);
    json_decref(run);
    /* bundling without its step: A's fall from 20 % (the 7th, under that
     * day's 24 %) to 0 % is only under the path */
    const char *no_step[] = {"alarms", "set", "bundling_coverage", "--step", "none", NULL};
    run_ok(no_step);
    json_decref(compute("2026-07-07"));
    run = compute("2026-07-08");
    expect_status(run, "bundling_coverage", "A", "red", "below_base_path", "red");
    json_decref(run);
    /* and with it, the fall is a step too */
    const char *step[] = {"alarms", "set", "bundling_coverage", "--step", "0.01", NULL};
    run_ok(step);
    run = compute("2026-07-08");
    expect_status(run, "bundling_coverage", "A", "red", "below_base_path,step_decline", "red");
    json_decref(run);

    static const struct {
        const char *args[8];
        int rc;
        const char *says;
    } bad[] = {
        {{"alarms", "set", "satisfaction", "--target-path", "linear"}, 2, "no period-end target"},
        {{"alarms", "set", "nope", "--step", "1"}, 2, "no KPI named 'nope'"},
        {{"alarms", "set", "satisfaction", "--step", "-1"}, 2, "--step must be"},
        {{"alarms", "set", "satisfaction"}, 2, "nothing to set"},
        {{"alarms", "set", "satisfaction", "--period", "week"}, 2, "--period must be"},
        {{"alarms", "list", "extra"}, 2, "usage"},
        {{"alarms", "set", "zone_count", "--step", "1"}, 2, "zone_count has no status"},
        {{"alarms", "set", "in_network_rate", "--recover-margin", "2"}, 2, "a fraction under 1"},
        {{"alarms", "set", "bundling_coverage", "--step", "1"}, 2, "a fraction under 1"},
        {{"alarms", "set", "in_network_rate", "--key-account-days", "0"}, 2, "from 1 to 366"},
        {{"alarms", "set", "in_network_rate", "--key-account-days", "367"}, 2, "from 1 to 366"},
        {{"alarms", "set", "in_network_rate", "--key-account-days", "7d"}, 2, "from 1 to 366"},
        {{"alarms", "set", "in_network_rate", "--key-account-days", "-5"}, 2, "from 1 to 366"},
        {{"alarms", "set", "satisfaction", "--key-account-days", "7"}, 2, "in_network_rate's"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *argv[12];
        size_t n = 0;
        for (; bad[i].args[n]; n++)
            argv[n] = bad[i].args[n];
        argv[n++] = "--db";
        argv[n++] = ci;
        argv[n] = NULL;
        char *out = NULL, *err = NULL;
        ck_assert_int_eq(harness_run(argv, NULL, &out, &err), bad[i].rc);
        ck_assert_msg(strstr(err, bad[i].says) != NULL, "%s", err);
        ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n'), "more than one line: %s", err);
        free(out);
        free(err);
    }
    /* what zone_count has (no step) may be set: it changes nothing */
    const char *zone_none[] = {"alarms", "set", "zone_count", "--step", "none", NULL};
    run_ok(zone_none);
    const char *list[] = {"alarms", "list", "--db", ci, NULL};
    char *out = NULL;
    ck_assert_int_eq(harness_run(list, NULL, &out, NULL), 0);
    ck_assert_msg(
        strstr(out, "retention_rate       none        day    none     0              -\n") != NULL,
        "%s", out);
    ck_assert_msg(
        strstr(out, "in_network_rate      none        day    none     0              30\n") != NULL,
        "%s", out);
    free(out);
}
END_TEST

/* ---- through the daemon ------------------------------------------------------------- */

static void start_daemon(void)
{
    snprintf(datadir, sizeof datadir, "/tmp/rt_it_alarms_%d", (int)getpid());
    mkdir(datadir, 0700);
    char config[1024];
    snprintf(config, sizeof config,
             "[bulletin]\nschedule = 0\n[http]\nport = 0\nlisten = 127.0.0.1\n[database]\nconninfo "
             "= %s\n"
             "[daemon]\ndata_dir = %s\nauto_compute = 0\nrefresh_interval = 3600\n"
             "history_days = 3660\n",
             ci, datadir);
    config_path = harness_temp_file(config);
    ck_assert_msg(harness_daemon_start(&d, config_path, NULL), "%s", d.log ? d.log : "");
    ck_assert_msg(harness_daemon_wait_log(&d, "snapshot published", 20000) ||
                      strstr(d.log, "snapshot published"),
                  "%s", d.log);
}

static void stop_daemon(void)
{
    if (d.pid <= 0)
        return;
    harness_daemon_stop(&d, SIGTERM, 5000);
    free(d.log);
    d = (struct harness_daemon){0};
    char path[256];
    snprintf(path, sizeof path, "%s/snapshot.json", datadir);
    unlink(path);
    rmdir(datadir);
    unlink(config_path);
    free(config_path);
    config_path = NULL;
}

static json_t *get_ok(const char *path)
{
    char *body = NULL;
    long status = harness_http(d.port, "GET", path, NULL, &body, NULL);
    json_error_t jerr;
    json_t *j = json_loads(body ? body : "", 0, &jerr);
    ck_assert_msg(status == 200 && j, "%s: %ld %s", path, status, body);
    free(body);
    return j;
}

/* The entry of list (an array of values) for (kpi, branch, dim NULL). */
static json_t *entry(json_t *list, const char *kpi, const char *branch)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (strcmp(json_string_value(json_object_get(v, "kpi")), kpi) == 0 &&
            strcmp(json_string_value(json_object_get(v, "branch")), branch) == 0 &&
            json_is_null(json_object_get(v, "dim")))
            return v;
    }
    return NULL;
}

START_TEST(alarms_and_ranking_carry_the_transitions)
{
    const char *margin[] = {"alarms", "set", "bundling_coverage", "--recover-margin", "0.05", NULL};
    run_ok(margin);
    static const char *const days[] = {"2026-07-04", "2026-07-05", "2026-07-06", "2026-07-08"};
    for (size_t i = 0; i < 4; i++)
        json_decref(compute(days[i]));
    start_daemon();
    /* the 6th: D recovered (red the day before, excellent now) */
    json_t *got = get_ok("/api/v1/alarms?date=2026-07-06&branch=C");
    json_t *rec = entry(json_object_get(got, "recovered"), "bundling_coverage", "D");
    ck_assert_msg(rec != NULL, "%s", json_dumps(got, 0));
    expect_text(rec, "previous_status", "red");
    expect_text(rec, "status", "excellent");
    expect_num(rec, "path_base", 0.2);
    ck_assert_ptr_null(entry(json_object_get(got, "turned_red"), "bundling_coverage", "D"));
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(got, "counts"), "recovered")),
        (json_int_t)json_array_size(json_object_get(got, "recovered")));
    json_decref(got);
    /* the 8th (no run on the 7th): A turned red against the 6th */
    got = get_ok("/api/v1/alarms?date=2026-07-08&branch=C");
    json_t *red = entry(json_object_get(got, "turned_red"), "bundling_coverage", "A");
    ck_assert_msg(red != NULL, "%s", json_dumps(got, 0));
    expect_text(red, "previous_status", "green");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(red, "reasons"), 0)),
                     "below_base_path");
    ck_assert_ptr_nonnull(entry(json_object_get(got, "alarms"), "bundling_coverage", "A"));
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(got, "counts"), "turned_red")),
        (json_int_t)json_array_size(json_object_get(got, "turned_red")));
    json_decref(got);
    /* the ranking carries the path and the previous status */
    got = get_ok("/api/v1/ranking?kpi=bundling_coverage&parent=C&date=2026-07-06");
    size_t i;
    json_t *e;
    int seen = 0;
    json_array_foreach(json_object_get(got, "entries"), i, e)
    {
        const char *b = json_string_value(json_object_get(e, "branch"));
        expect_num(e, "path_base", 0.2);
        expect_num(e, "path_challenge", 0.3);
        if (strcmp(b, "D") == 0) {
            expect_text(e, "previous_status", "red");
            ck_assert_int_eq(json_integer_value(json_object_get(e, "rank")), 1);
            seen++;
        }
    }
    ck_assert_int_eq(seen, 1);
    json_decref(got);
    stop_daemon();
}
END_TEST

/* One node of the panorama: value, flag, arrow against last month and
 * against the target. */
static void expect_node(json_t *tree, const char *code, double value, const char *flag,
                        const char *arrow, const char *target_arrow)
{
    json_t *node = NULL;
    if (strcmp(json_string_value(json_object_get(tree, "code")), code) == 0)
        node = tree;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(tree, "children"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "code")), code) == 0)
            node = c;
    }
    ck_assert_msg(node != NULL, "no node %s", code);
    expect_num(node, "value", value);
    expect_text(node, "flag", flag);
    expect_text(node, "arrow", arrow);
    expect_text(node, "target_arrow", target_arrow);
}

START_TEST(panorama_follows_the_source_rules)
{
    json_decref(compute("2026-10-20"));  /* September's survey */
    json_t *run = compute("2026-11-20"); /* October's */
    /* satisfaction is judged monthly: the previous status is September's */
    json_t *up = value(run, "satisfaction", "A", "up");
    expect_text(up, "previous_status", "red");
    expect_text(up, "status", "green");
    /* 76 after 80: below the base, and a fall of more than the 1.00 step */
    expect_text(value(run, "satisfaction", "A", "down"), "reason", "below_base,step_decline");
    json_decref(run);
    start_daemon();
    json_t *got = get_ok("/api/v1/satisfaction?branch=A&month=2026-10");
    json_t *root = json_array_get(json_object_get(got, "indicators"), 0);
    /* csi: 81.598 after 79.5 (the four leaves September had): under the target */
    expect_node(root, "csi", (84 + 76 + 83.99 + 86.10 + 77.90) / 5, "warn", NULL, NULL);
    expect_node(root, "up", 84, "excellent", "up", NULL);      /* +5 % exactly */
    expect_node(root, "down", 76, "warn", "down", "down");     /* -5 %; -7.3 % */
    expect_node(root, "flat", 83.99, "excellent", NULL, NULL); /* +4.99 % */
    expect_node(root, "fresh", 86.10, NULL, NULL, "up");       /* no last month; +5 % */
    expect_node(root, "low", 77.90, "warn", NULL, "down");     /* -0.13 %; -5 % exactly */
    json_decref(got);
    /* September: no month before it, so no arrows against last month and
     * the flags from the target alone */
    got = get_ok("/api/v1/satisfaction?branch=A&month=2026-09");
    root = json_array_get(json_object_get(got, "indicators"), 0);
    expect_node(root, "up", 80, "warn", NULL, NULL);
    expect_node(root, "low", 78, "warn", NULL, NULL);
    ck_assert(json_is_null(json_object_get(root, "last_month")));
    json_decref(got);
    stop_daemon();
}
END_TEST

static Suite *alarms_suite(void)
{
    Suite *s = suite_create("alarms");
    TCase *tc = tcase_create("rules");
    tcase_set_timeout(tc, 240);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, k1_is_judged_on_the_year_path);
    tcase_add_test(tc, k2_path_on_1_january_and_in_a_leap_year);
    tcase_add_test(tc, k2_key_account_alarm_lasts_its_days);
    tcase_add_test(tc, k3_campaign_days_margin_and_transitions);
    tcase_add_test(tc, rules_switched_to_none_and_cli_errors);
    tcase_add_test(tc, alarms_and_ranking_carry_the_transitions);
    tcase_add_test(tc, panorama_follows_the_source_rules);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int failed = harness_run_suite(alarms_suite(), false);
    return failed ? 1 : 0;
}
