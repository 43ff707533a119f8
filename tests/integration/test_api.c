/* Integration: `retentiond serve` and its JSON API against a generated
 * province in the private PostgreSQL: every endpoint's values equal what
 * `retentiond compute` printed, every error class, ETag/304, refresh on
 * NOTIFY and SIGUSR1 (with auto_compute, a run stored only when something
 * changed), SIGHUP with a bad config, /metrics through promtool,
 * and the database stopped and restarted under a running daemon. */
#include "harness.h"
#include "pg_proxy.h"

#include "buf.h"
#include "snap_load.h"

#include <arpa/inet.h>
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- fixtures ------------------------------------------------------------------------------
 * Every test runs against a daemon of its own or against the shared one,
 * never against state another test left: each passes alone
 * (CK_RUN_CASE=<test name>: one TCase per test) and in any order
 * (TEST_API_ORDER=reverse runs the TCases backwards, TEST_API_ORDER=shuffle=N
 * in an order drawn from seed N).
 *
 * - the template: a demo province with runs of 2026-10-31, 2026-11-20 and
 *   2026-11-21, built once per process by the first fixture that needs it
 *   and never connected to afterwards, so that CREATE DATABASE ... TEMPLATE
 *   can copy it (a third of a second instead of eight);
 * - the read-only tests (tag "read") share one daemon on one copy, started
 *   by the first of them and stopped when the suite ends; each waits until
 *   that daemon is ready (after a test that stopped the database, it
 *   reconnects with backoff);
 * - a test that changes state (new runs, config reloads, stopping the
 *   database; tag "state") gets its own copy and its own daemon, gone
 *   after it. */

struct served {
    char dbname[96]; /* the template's name and a tag */
    char *ci;
    char datadir[128];
    char *config_path;
    struct harness_daemon d;
    /* the daemon's way to the database when a test takes it away (its
     * conninfo through the proxy), else NULL: ci */
    struct pgproxy *proxy;
    char *daemon_ci;
};

static char template_db[64];
static char *computed;       /* `compute --as-of 2026-11-21 --format json` stdout */
static struct served shared; /* the read-only tests' */
static struct served own;    /* a state-changing test's */
static struct served *sv;    /* the running test's */

static char *compute(const char *conninfo, const char *as_of)
{
    const char *args[] = {"compute", "--db", conninfo, "--as-of", as_of, "--format", "json", NULL};
    char *out = NULL, *err = NULL;
    int rc = harness_run(args, NULL, &out, &err);
    ck_assert_msg(rc == 0, "compute %s: %s", as_of, err);
    free(err);
    return out;
}

static void template_ensure(void)
{
    if (computed)
        return;
    snprintf(template_db, sizeof template_db, "rt_it_api_%d", (int)getpid());
    char *ci = harness_demo_db(template_db, 11, 20000, "2026-11-22");
    free(compute(ci, "2026-10-31"));
    free(compute(ci, "2026-11-20"));
    computed = compute(ci, "2026-11-21");
    harness_sign_in(ci); /* every copy has the user and its token */
    free(ci);
}

static void write_config(struct served *s, const char *extra)
{
    FILE *f = fopen(s->config_path, "w");
    ck_assert_ptr_nonnull(f);
    /* a key is given once: extra's auto_compute replaces the default's */
    fprintf(f,
            "[bulletin]\nschedule = 0\n[http]\nport = 0\nlisten = 127.0.0.1\n[database]\nconninfo "
            "= %s\n"
            "[daemon]\ndata_dir = %s\n%srefresh_interval = 3600\n%s",
            s->daemon_ci ? s->daemon_ci : s->ci, s->datadir,
            strstr(extra, "auto_compute") ? "" : "auto_compute = 0\n", extra);
    fclose(f);
}

static void start_daemon(struct served *s)
{
    ck_assert_msg(harness_daemon_start(&s->d, s->config_path, NULL), "%s",
                  s->d.log ? s->d.log : "");
    ck_assert_msg(harness_daemon_wait_log(&s->d, "snapshot published", 20000) ||
                      strstr(s->d.log, "snapshot published"),
                  "%s", s->d.log);
}

/* A copy of the template named after `tag`, and a daemon serving it
 * (through a proxy of its own when proxied). */
static void served_up_as(struct served *s, const char *tag, bool proxied)
{
    template_ensure();
    snprintf(s->dbname, sizeof s->dbname, "%s_%s", template_db, tag);
    s->ci = harness_copy_db(s->dbname, template_db);
    if (proxied) {
        s->proxy = pgproxy_start(s->ci);
        s->daemon_ci = pgproxy_conninfo(s->proxy, s->ci);
    }
    snprintf(s->datadir, sizeof s->datadir, "/tmp/rt_it_api_%d_%s", (int)getpid(), tag);
    mkdir(s->datadir, 0700);
    s->config_path = harness_temp_file("");
    write_config(s, "");
    start_daemon(s);
}

static void served_up(struct served *s, const char *tag)
{
    served_up_as(s, tag, false);
}

/* Stops the daemon and drops what served_up() made; in_test false after
 * the tests, where Check cannot report an assertion. */
static void served_down(struct served *s, bool in_test)
{
    /* not the 5 s the outage test holds the daemon to: under the sanitizers
     * the last snapshot written after a compute takes longer */
    if (s->d.pid > 0 && harness_daemon_stop(&s->d, SIGTERM, 30000) != 0)
        fprintf(stderr, "the daemon of %s did not stop cleanly\n", s->dbname);
    free(s->d.log);
    pgproxy_stop(s->proxy); /* its connections closed before the copy is dropped */
    if (s->config_path) {
        char path[256];
        snprintf(path, sizeof path, "%s/snapshot.json", s->datadir);
        unlink(path);
        rmdir(s->datadir);
        unlink(s->config_path);
        free(s->config_path);
    }
    if (s->ci && in_test)
        harness_drop_db(s->dbname);
    else if (s->ci)
        harness_drop_db_unchecked(s->dbname);
    free(s->ci);
    free(s->daemon_ci);
    memset(s, 0, sizeof *s);
}

/* Waits until the daemon's /readyz says 200 (its database answers and
 * has confirmed the snapshot). */
static void wait_ready(struct served *s)
{
    long status = 0;
    for (int i = 0; i < 600; i++) {
        char *body = NULL;
        status = harness_http(s->d.port, "GET", "/readyz", NULL, &body, NULL);
        free(body);
        if (status == 200)
            return;
        usleep(100000);
    }
    ck_abort_msg("the daemon is not ready after 60 s: %ld\n%s", status, s->d.log);
}

static void shared_setup(void)
{
    if (!shared.ci)
        served_up(&shared, "read");
    wait_ready(&shared);
    sv = &shared;
}

static void shared_teardown(void)
{
    sv = NULL; /* the daemon stays for the next read-only test; main() stops it */
}

/* own served up afresh as tag (through a proxy of its own when proxied). */
static void own_up(const char *tag, bool proxied)
{
    served_down(&own, true); /* left by a setup that failed half-way (no teardown then) */
    served_up_as(&own, tag, proxied);
    sv = &own;
}

static void own_setup(void)
{
    own_up("state", false);
}

static void own_teardown(void)
{
    served_down(&own, true);
    sv = NULL;
}

/* GET path; returns the parsed body (the caller frees) and the status. */
static json_t *get(const char *path, long *status)
{
    char *body = NULL;
    *status = harness_http(sv->d.port, "GET", path, NULL, &body, NULL);
    json_error_t jerr;
    json_t *j = json_loads(body ? body : "", 0, &jerr);
    ck_assert_msg(j != NULL, "%s: not JSON: %.300s", path, body ? body : "(null)");
    free(body);
    return j;
}

static json_t *get_ok(const char *path)
{
    long status = 0;
    json_t *j = get(path, &status);
    ck_assert_msg(status == 200, "%s: %ld %s\n%s", path, status, json_dumps(j, 0), sv->d.log);
    return j;
}

static json_t *computed_json(void)
{
    json_error_t jerr;
    json_t *j = json_loads(computed, 0, &jerr);
    ck_assert_ptr_nonnull(j);
    return j;
}

START_TEST(kpis_equal_compute)
{
    json_t *want = computed_json();
    json_t *got = get_ok("/api/v1/kpis");
    ck_assert_str_eq(json_string_value(json_object_get(got, "as_of")), "2026-11-21");
    ck_assert_int_eq(json_integer_value(json_object_get(got, "run_id")),
                     json_integer_value(json_object_get(want, "run_id")));
    ck_assert_int_gt(json_array_size(json_object_get(want, "values")), 1000);
    ck_assert(json_equal(json_object_get(got, "values"), json_object_get(want, "values")));
    ck_assert(
        json_equal(json_object_get(got, "data_quality"), json_object_get(want, "data_quality")));
    ck_assert(json_is_false(json_object_get(got, "stale")));
    json_decref(got);

    /* filters: the same objects, only those */
    got = get_ok("/api/v1/kpis?date=2026-11-21&kpi=retention_rate&branch=420100");
    ck_assert_int_eq(json_array_size(json_object_get(got, "values")), 1);
    ck_assert(json_equal(json_array_get(json_object_get(got, "values"), 0),
                         harness_find_value(want, "retention_rate", "420100", NULL)));
    json_decref(got);
    got = get_ok("/api/v1/kpis?date=2026-10-31&kpi=zone_count");
    ck_assert_str_eq(json_string_value(json_object_get(got, "as_of")), "2026-10-31");
    ck_assert_int_gt(json_array_size(json_object_get(got, "values")), 5);
    json_decref(got);
    json_decref(want);
}
END_TEST

static int count_nodes(json_t *nodes)
{
    int n = 0;
    size_t i;
    json_t *node;
    json_array_foreach(nodes, i, node) n += 1 + count_nodes(json_object_get(node, "children"));
    return n;
}

START_TEST(branches_tree)
{
    json_t *got = get_ok("/api/v1/branches");
    json_t *roots = json_object_get(got, "branches");
    json_t *root = json_array_get(roots, 0);
    ck_assert_str_eq(json_string_value(json_object_get(root, "code")), "420000");
    ck_assert_str_eq(json_string_value(json_object_get(root, "name")), "湖北省公司");
    ck_assert_int_eq(json_array_size(json_object_get(root, "children")), 12);
    struct db *db = NULL;
    ck_assert(db_connect(sv->ci, 0, &db));
    ck_assert_int_eq(count_nodes(roots), harness_long(db, "SELECT count(*) FROM dw.branch"));
    db_close(db);
    json_decref(got);
}
END_TEST

START_TEST(trend_daily_and_monthly)
{
    json_t *want = computed_json();
    json_t *got = get_ok("/api/v1/trend?kpi=bundling_coverage&branch=420100");
    ck_assert_str_eq(json_string_value(json_object_get(got, "granularity")), "daily");
    json_t *points = json_object_get(json_array_get(json_object_get(got, "series"), 0), "points");
    /* the campaign runs October to December: all three runs are in it */
    ck_assert_int_eq(json_array_size(points), 3);
    json_t *last = json_array_get(points, 2);
    ck_assert_str_eq(json_string_value(json_object_get(last, "date")), "2026-11-21");
    ck_assert_double_eq_tol(
        harness_num(last, "value"),
        harness_num(harness_find_value(want, "bundling_coverage", "420100", NULL), "value"), 1e-12);
    json_decref(got);

    got = get_ok("/api/v1/trend?kpi=retention_rate&branch=420100&from=2026-01-01");
    ck_assert_str_eq(json_string_value(json_object_get(got, "granularity")), "monthly");
    points = json_object_get(json_array_get(json_object_get(got, "series"), 0), "points");
    ck_assert_int_eq(json_array_size(points), 2); /* October, November (newest run: the 21st) */
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(points, 0), "period")),
                     "2026-10");
    last = json_array_get(points, 1);
    ck_assert_str_eq(json_string_value(json_object_get(last, "date")), "2026-11-21");
    ck_assert_double_eq_tol(
        harness_num(last, "value"),
        harness_num(harness_find_value(want, "retention_rate", "420100", NULL), "value"), 1e-12);
    json_decref(got);
    json_decref(want);
}
END_TEST

START_TEST(ranking_siblings_rank_change_bottom_five)
{
    json_t *want = computed_json();
    json_t *got = get_ok("/api/v1/ranking?kpi=retention_rate");
    ck_assert_str_eq(json_string_value(json_object_get(got, "previous_date")), "2026-10-31");
    json_t *entries = json_object_get(got, "entries");
    ck_assert_int_eq(json_array_size(entries), 12);
    double prev = 2;
    for (size_t i = 0; i < 12; i++) {
        json_t *e = json_array_get(entries, i);
        const char *code = json_string_value(json_object_get(e, "branch"));
        ck_assert_double_le(harness_num(e, "value"), prev);
        prev = harness_num(e, "value");
        ck_assert_double_eq_tol(
            harness_num(e, "value"),
            harness_num(harness_find_value(want, "retention_rate", code, NULL), "value"), 1e-12);
        ck_assert(json_is_boolean(json_object_get(e, "bottom")));
        ck_assert(json_is_true(json_object_get(e, "bottom")) == (i >= 7));
        ck_assert(json_is_integer(json_object_get(e, "previous_rank")));
        ck_assert_int_eq(json_integer_value(json_object_get(e, "rank_change")),
                         json_integer_value(json_object_get(e, "previous_rank")) -
                             json_integer_value(json_object_get(e, "rank")));
    }
    json_decref(got);
    /* the counties of a city; bundling: the day before */
    got = get_ok("/api/v1/ranking?kpi=bundling_coverage&parent=420100");
    ck_assert_str_eq(json_string_value(json_object_get(got, "previous_date")), "2026-11-20");
    ck_assert_int_eq(json_integer_value(json_object_get(got, "campaign")), 1);
    ck_assert_int_gt(json_array_size(json_object_get(got, "entries")), 5);
    json_decref(got);
    json_decref(want);
}
END_TEST

START_TEST(alarms_match_statuses)
{
    json_t *want = computed_json();
    json_t *got = get_ok("/api/v1/alarms?branch=420100");
    size_t i, expect_red = 0, expect_exc = 0;
    json_t *v;
    json_array_foreach(json_object_get(want, "values"), i, v)
    {
        const char *code = json_string_value(json_object_get(v, "branch"));
        const char *st = json_string_value(json_object_get(v, "status"));
        if (strncmp(code, "4201", 4) != 0 || !st)
            continue;
        expect_red += strcmp(st, "red") == 0;
        expect_exc += strcmp(st, "excellent") == 0;
    }
    json_t *counts = json_object_get(got, "counts");
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "red")), (json_int_t)expect_red);
    ck_assert_int_eq(json_integer_value(json_object_get(counts, "excellent")),
                     (json_int_t)expect_exc);
    json_array_foreach(json_object_get(got, "alarms"), i, v)
    {
        ck_assert_int_gt(json_array_size(json_object_get(v, "reasons")), 0);
        ck_assert_ptr_nonnull(json_string_value(json_object_get(v, "name")));
    }
    json_decref(got);
    json_decref(want);
}
END_TEST

/* The arrow the panorama's rule gives for value against `from`: a relative
 * change of 5 % or more (docs/api.md). */
static const char *expected_arrow(json_t *value, json_t *from)
{
    if (!json_is_number(value) || !json_is_number(from) || json_number_value(from) == 0)
        return NULL;
    double v = json_number_value(value), f = json_number_value(from);
    double rel = (v - f) / fabs(f);
    if (fabs(rel) < 0.05 - 1e-9)
        return NULL;
    return rel > 0 ? "up" : "down";
}

static const char *expected_flag(json_t *value, json_t *last, json_t *target)
{
    if (!json_is_number(value))
        return NULL;
    double v = json_number_value(value);
    if ((json_is_number(last) && v < json_number_value(last)) ||
        (json_is_number(target) && v < json_number_value(target)))
        return "warn";
    if (json_is_number(last) && json_is_number(target) && v > json_number_value(last) &&
        v > json_number_value(target))
        return "excellent";
    return NULL;
}

static void expect_text(json_t *node, const char *key, const char *want)
{
    const char *got = json_string_value(json_object_get(node, key));
    ck_assert_msg(json_object_get(node, key) != NULL, "%s missing", key);
    ck_assert_msg(want ? got && strcmp(got, want) == 0 : got == NULL, "%s %s: %s, want %s",
                  json_string_value(json_object_get(node, "code")), key, got ? got : "null",
                  want ? want : "null");
}

/* Every node's arrows and flag follow the source's rules from its own
 * figures; counts the flags seen. */
static void check_panorama(json_t *node, int *flags)
{
    json_t *value = json_object_get(node, "value"), *last = json_object_get(node, "last_month");
    json_t *target = json_object_get(node, "target_base");
    expect_text(node, "arrow", expected_arrow(value, last));
    expect_text(node, "target_arrow", expected_arrow(value, target));
    expect_text(node, "flag", expected_flag(value, last, target));
    *flags += json_string_value(json_object_get(node, "flag")) != NULL;
    size_t i;
    json_t *child;
    json_array_foreach(json_object_get(node, "children"), i, child)
    {
        check_panorama(child, flags);
    }
}

START_TEST(satisfaction_zones_data_quality)
{
    json_t *want = computed_json();
    json_t *got = get_ok("/api/v1/satisfaction?branch=420100");
    json_t *root = json_array_get(json_object_get(got, "indicators"), 0);
    const char *root_code = json_string_value(json_object_get(root, "code"));
    json_t *cv = harness_find_value(want, "satisfaction", "420100", root_code);
    ck_assert_str_eq(json_string_value(json_object_get(got, "month")),
                     json_string_value(json_object_get(cv, "period")));
    ck_assert_double_eq_tol(harness_num(root, "value"), harness_num(cv, "value"), 1e-9);
    ck_assert_int_gt(json_array_size(json_object_get(root, "children")), 1);
    /* last month: the run of 2026-10-31 carries September's survey */
    ck_assert(json_is_number(json_object_get(root, "last_month")));
    int flags = 0;
    check_panorama(root, &flags);
    ck_assert_int_gt(flags, 0);
    json_decref(got);

    got = get_ok("/api/v1/zones?branch=420100");
    /* the thresholds the run computed its zones with: the demo's settings */
    json_t *limits = json_object_get(got, "limits");
    ck_assert_double_eq(json_number_value(json_object_get(limits, "k5_bill_a")), 120);
    ck_assert_double_eq(json_number_value(json_object_get(limits, "k5_minutes_b")), 300);
    ck_assert_double_eq(json_number_value(json_object_get(limits, "k5_minutes_c")), 150);
    size_t i;
    json_t *z;
    json_array_foreach(json_object_get(got, "zones"), i, z)
    {
        const char *zone = json_string_value(json_object_get(z, "zone"));
        ck_assert_double_eq(
            harness_num(z, "count"),
            harness_num(harness_find_value(want, "zone_count", "420100", zone), "value"));
        ck_assert(json_is_integer(json_object_get(z, "previous")));
    }
    ck_assert_int_eq(i, 5);
    /* the moves into each zone add up to its count */
    json_array_foreach(json_object_get(got, "zones"), i, z)
    {
        const char *zone = json_string_value(json_object_get(z, "zone"));
        double into = 0;
        size_t k;
        json_t *m;
        json_array_foreach(json_object_get(got, "moves"), k, m)
        {
            if (strcmp(json_string_value(json_object_get(m, "to")), zone) == 0)
                into += harness_num(m, "members");
        }
        ck_assert_double_eq(into, harness_num(z, "count"));
    }
    double at_risk = harness_num(json_array_get(json_object_get(got, "zones"), 0), "count") +
                     harness_num(json_array_get(json_object_get(got, "zones"), 1), "count") +
                     harness_num(json_array_get(json_object_get(got, "zones"), 2), "count");
    double red = harness_num(json_array_get(json_object_get(got, "zones"), 1), "count");
    json_decref(got);

    /* the at-risk list: one CSV line per member of the white, red, yellow zones */
    char *csv = NULL, *headers = NULL;
    ck_assert_int_eq(harness_http(sv->d.port, "GET", "/api/v1/zones/customers?branch=420100", NULL,
                                  &csv, &headers),
                     200);
    ck_assert_ptr_nonnull(strstr(headers, "text/csv"));
    /* saved under a name that says whose list of which month */
    ck_assert_msg(strstr(headers, "filename=\"at-risk-420100-2026-10.csv\""), "%s", headers);
    /* as a spreadsheet opens it (Excel reads UTF-8 only after a BOM): the
     * byte order mark, the header, lines ended CR LF */
    ck_assert(strstr(csv, "\xEF\xBB\xBFsub_id,branch,branch_name,zone,zone_name,bill_prev,"
                          "minutes_prev,bill,minutes\r\n") == csv);
    /* the most urgent first: the white (流失区) lines, then the red, then
     * the yellow, each branch's together; every line names its branch and
     * zone */
    int last_zone = 0;
    for (const char *line = strstr(csv, "\r\n") + 2; *line; line = strstr(line, "\r\n") + 2) {
        static const char *const order[] = {",white,流失区,", ",red,危险区,", ",yellow,异动区,"};
        int zone = 0;
        while (zone < 3 &&
               !(strstr(line, order[zone]) && strstr(line, order[zone]) < strstr(line, "\r\n")))
            zone++;
        ck_assert_msg(zone < 3, "a line without its zone and name: %.80s", line);
        ck_assert_msg(zone >= last_zone, "a %s line after a %s one", order[zone], order[last_zone]);
        last_zone = zone;
    }
    for (const char *c = csv; *c; c++)
        ck_assert_msg(*c != '\n' || (c > csv && c[-1] == '\r'), "a line of the CSV ends LF alone");
    int lines = 0;
    for (const char *c = csv; *c; c++)
        lines += *c == '\n';
    ck_assert_int_eq(lines - 1, (int)at_risk);
    free(csv);
    free(headers);
    ck_assert_int_eq(harness_http(sv->d.port, "GET",
                                  "/api/v1/zones/customers?branch=420100&zone=red", NULL, &csv,
                                  NULL),
                     200);
    lines = 0;
    for (const char *c = csv; *c; c++)
        lines += *c == '\n';
    ck_assert_int_eq(lines - 1, (int)red);
    ck_assert_ptr_null(strstr(csv, ",white,"));
    free(csv);
    /* a zone the snapshot does not hold, read from the database: the same
     * columns, its words in the language asked, by branch code then sub_id */
    ck_assert_int_eq(harness_http(sv->d.port, "GET",
                                  "/api/v1/zones/customers?branch=420100&zone=green&lang=en", NULL,
                                  &csv, NULL),
                     200);
    ck_assert_msg(strstr(csv, ",green,green (stable),"), "%.300s", csv);
    ck_assert_ptr_null(strstr(csv, "稳定区"));
    char last[64] = "";
    long long last_id = -1;
    for (const char *line = strstr(csv, "\r\n") + 2; *line; line = strstr(line, "\r\n") + 2) {
        long long id = atoll(line);
        char code[64] = "";
        sscanf(strchr(line, ',') + 1, "%63[^,]", code);
        int c = strcmp(code, last);
        ck_assert_msg(c > 0 || (c == 0 && id > last_id), "%s %lld after %s %lld", code, id, last,
                      last_id);
        snprintf(last, sizeof last, "%s", code);
        last_id = id;
    }
    ck_assert_int_ge(last_id, 0);
    free(csv);

    got = get_ok("/api/v1/data-quality?date=2026-11-21");
    ck_assert(
        json_equal(json_object_get(got, "data_quality"), json_object_get(want, "data_quality")));
    json_decref(got);
    json_decref(want);
}
END_TEST

struct bad_case {
    const char *path;
    long status;
    const char *code;
    const char *param; /* NULL: none */
};

START_TEST(errors_name_the_parameter)
{
    static const struct bad_case cases[] = {
        {"/api/v1/kpis?colour=red", 400, "unknown_parameter", "colour"},
        {"/api/v1/kpis?date=2026-02-30", 400, "invalid_date", "date"},
        {"/api/v1/kpis?date=yesterday", 400, "invalid_date", "date"},
        {"/api/v1/kpis?branch=999999", 400, "unknown_branch", "branch"},
        {"/api/v1/kpis?kpi=churn", 400, "unknown_kpi", "kpi"},
        {"/api/v1/trend?branch=420100", 400, "missing_parameter", "kpi"},
        {"/api/v1/trend?kpi=retention_rate&from=2026-11-01&to=2026-10-01", 400, "invalid_range",
         "from"},
        {"/api/v1/ranking?kpi=zone_count", 400, "invalid_parameter", "kpi"},
        {"/api/v1/ranking?kpi=retention_rate&parent=nope", 400, "unknown_branch", "parent"},
        {"/api/v1/zones?month=2026-13", 400, "invalid_month", "month"},
        {"/api/v1/zones/customers?zone=pink", 400, "invalid_parameter", "zone"},
        {"/api/v1/zones/customers?lang=fr", 400, "invalid_parameter", "lang"},
        {"/api/v1/trend?kpi=bundling_coverage&campaign=-3", 400, "invalid_parameter", "campaign"},
        {"/api/v1/ranking?kpi=bundling_coverage&campaign=99", 400, "invalid_parameter", "campaign"},
        {"/api/v1/ranking?kpi=in_network_rate&dim=platinum", 400, "invalid_parameter", "dim"},
        {"/api/v1/ranking?kpi=retention_rate&dim=diamond", 400, "invalid_parameter", "dim"},
        {"/api/v1/trend?kpi=in_network_rate&dim=platinum", 400, "invalid_parameter", "dim"},
        {"/api/v1/trend?kpi=bundling_coverage&campaign=99", 400, "invalid_parameter", "campaign"},
        {"/api/v1/trend?kpi=satisfaction&dim=NOPE", 400, "invalid_parameter", "dim"},
        {"/api/v1/trend?kpi=zone_count&dim=purple", 400, "invalid_parameter", "dim"},
        {"/api/v1/trend?kpi=zone_count", 400, "missing_parameter", "dim"},
        {"/api/v1/kpis?date=2020-01-01", 404, "no_run", "date"},
        {"/api/v1/nothing", 404, "not_found", NULL},
        {"/healthz?verbose=1", 400, "unknown_parameter", "verbose"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long status = 0;
        json_t *j = get(cases[i].path, &status);
        json_t *err = json_object_get(j, "error");
        ck_assert_msg(status == cases[i].status, "%s: %ld", cases[i].path, status);
        ck_assert_str_eq(json_string_value(json_object_get(err, "code")), cases[i].code);
        ck_assert_ptr_nonnull(json_string_value(json_object_get(err, "message")));
        if (cases[i].param)
            ck_assert_str_eq(json_string_value(json_object_get(err, "param")), cases[i].param);
        json_decref(j);
    }
    char *body = NULL, *headers = NULL;
    /* a page for people refused for its parameters: a page, not the API's
     * JSON, the message escaped */
    ck_assert_int_eq(harness_http(sv->d.port, "GET", "/zones?%3Cb%3E=1", NULL, &body, &headers),
                     400);
    ck_assert_msg(strstr(headers, "Content-Type: text/html; charset=utf-8") != NULL, "%s", headers);
    ck_assert_msg(strstr(body, "role=\"alert\">链接有误") != NULL, "%s", body);
    ck_assert_msg(strstr(body, "unknown parameter &#39;&lt;b&gt;&#39;") != NULL, "%s", body);
    ck_assert_ptr_null(strstr(body, "<b>"));
    free(body);
    free(headers);
    /* one that asks for English gets English alone */
    ck_assert_int_eq(harness_http(sv->d.port, "GET", "/zones?lang=en&x=1", NULL, &body, &headers),
                     400);
    ck_assert_msg(strstr(body, "<html lang=\"en\">") &&
                      strstr(body, "role=\"alert\">The link is wrong: unknown parameter") &&
                      !strstr(body, "链接有误"),
                  "%s", body);
    free(body);
    free(headers);
    ck_assert_int_eq(harness_http(sv->d.port, "POST", "/api/v1/kpis", NULL, &body, NULL), 405);
    free(body);
    char path[4200] = "/api/v1/kpis?branch=";
    memset(path + strlen(path), '4', 4000);
    path[4100] = '\0';
    ck_assert_int_eq(harness_http(sv->d.port, "GET", path, NULL, &body, NULL), 414);
    free(body);
}
END_TEST

/* A response header's value (malloc'd), or NULL. */
static char *header_of(const char *headers, const char *name)
{
    const char *p = strstr(headers, name);
    if (!p)
        return NULL;
    p += strlen(name) + 2;
    return strndup(p, strcspn(p, "\r\n"));
}

/* HEAD on the cached JSON and on a chart: GET's status and headers, no
 * body; with the ETag, 304. */
START_TEST(head_answers_like_get)
{
    static const char *const paths[] = {"/api/v1/kpis?kpi=retention_rate",
                                        "/charts/trend.png?kpi=retention_rate&width=320",
                                        "/api/v1/grid.csv"};
    static const char *const same[] = {"Content-Type", "Content-Length", "ETag"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char *body = NULL, *headers = NULL, *none = NULL, *head_headers = NULL;
        size_t len = 0;
        ck_assert_int_eq(harness_http_len(sv->d.port, "GET", paths[i], NULL, &body, &len, &headers),
                         200);
        ck_assert_int_eq(harness_http(sv->d.port, "HEAD", paths[i], NULL, &none, &head_headers),
                         200);
        ck_assert_str_eq(none, "");
        for (size_t h = 0; h < sizeof same / sizeof same[0]; h++) {
            char *g = header_of(headers, same[h]), *hd = header_of(head_headers, same[h]);
            ck_assert_msg(g && hd && strcmp(g, hd) == 0, "%s %s: %s / %s", paths[i], same[h], g,
                          hd);
            free(g);
            free(hd);
        }
        char *length = header_of(head_headers, "Content-Length");
        ck_assert_uint_eq(strtoul(length, NULL, 10), len);
        free(length);
        ck_assert_ptr_nonnull(strstr(head_headers, "X-Snapshot-Age: "));
        char *tag = header_of(headers, "ETag"), hdr[128];
        snprintf(hdr, sizeof hdr, "If-None-Match: %s", tag);
        free(none);
        ck_assert_int_eq(harness_http(sv->d.port, "HEAD", paths[i], hdr, &none, NULL), 304);
        free(none);
        free(tag);
        free(body);
        free(headers);
        free(head_headers);
    }
}
END_TEST

/* The ETag of GET path. */
static char *etag_of(const char *path)
{
    char *body = NULL, *headers = NULL;
    ck_assert_int_eq(harness_http(sv->d.port, "GET", path, NULL, &body, &headers), 200);
    const char *p = strstr(headers, "ETag: ");
    ck_assert_msg(p != NULL, "%s", headers);
    char *tag = strndup(p + 6, strcspn(p + 6, "\r\n"));
    free(body);
    free(headers);
    return tag;
}

START_TEST(etag_notify_sigusr1_sighup)
{
    char *tag = etag_of("/api/v1/kpis");
    char hdr[128], *body = NULL;
    snprintf(hdr, sizeof hdr, "If-None-Match: %s", tag);
    ck_assert_int_eq(harness_http(sv->d.port, "GET", "/api/v1/kpis", hdr, &body, NULL), 304);
    ck_assert_str_eq(body, "");
    free(body);

    /* an ETL loads more and notifies: the daemon (auto_compute off) reloads */
    free(compute(sv->ci, "2026-11-22"));
    struct db *db = NULL;
    ck_assert(db_connect(sv->ci, 0, &db));
    ck_assert(db_query(db, "NOTIFY retentiond_refresh", 0, NULL, NULL));
    ck_assert(harness_daemon_wait_log(&sv->d, "latest=2026-11-22", 10000));
    json_t *got = get_ok("/api/v1/kpis?kpi=retention_rate");
    ck_assert_str_eq(json_string_value(json_object_get(got, "as_of")), "2026-11-22");
    json_decref(got);
    ck_assert_int_eq(harness_http(sv->d.port, "GET", "/api/v1/kpis", hdr, &body, NULL), 200);
    free(body);
    char *tag2 = etag_of("/api/v1/kpis");
    ck_assert_str_ne(tag, tag2);

    /* a bad config on SIGHUP is refused; the API goes on */
    FILE *f = fopen(sv->config_path, "w");
    fputs("[daemon]\nrefresh_interval = soon\n", f);
    fclose(f);
    kill(sv->d.pid, SIGHUP);
    ck_assert(harness_daemon_wait_log(&sv->d, "config reload failed", 5000));
    json_decref(get_ok("/api/v1/branches"));

    /* auto_compute on, then SIGUSR1: the daemon computes today itself */
    long before = harness_long(db, "SELECT count(*) FROM kpi.run");
    write_config(sv, "auto_compute = 1\n");
    kill(sv->d.pid, SIGHUP);
    ck_assert(harness_daemon_wait_log(&sv->d, "config reloaded", 5000));
    kill(sv->d.pid, SIGUSR1);
    ck_assert(harness_daemon_wait_log(&sv->d, "compute started", 10000));
    ck_assert(harness_daemon_wait_log(&sv->d, "compute run stored", 60000));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.run"), before + 1);
    /* and serves it once the snapshot that holds it is published */
    char *today = harness_text(db, "SELECT max(as_of)::text FROM kpi.run");
    char published[64];
    snprintf(published, sizeof published, "latest=%s", today);
    ck_assert_msg(harness_daemon_wait_log(&sv->d, published, 30000), "%s", sv->d.log);
    free(today);
    db_close(db);
    free(tag);
    free(tag2);
}
END_TEST

/* ---- auto_compute: a run is stored only when it says something new ------------------------- */

/* How many times needle is in the daemon's log. */
static int log_count(const char *needle)
{
    int n = 0;
    for (const char *p = sv->d.log; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Waits up to ms until needle is in the daemon's log n times. */
static bool wait_log_count(const char *needle, int n, int ms)
{
    for (int waited = 0; log_count(needle) < n; waited += 100) {
        if (waited >= ms)
            return false;
        harness_daemon_wait_log(&sv->d, "never appears", 100);
    }
    return true;
}

/* The computes the daemon has finished: stored or unchanged. */
static int computes_done(void)
{
    return log_count("msg=\"compute run stored\"") + log_count("msg=\"compute unchanged\"");
}

/* The ok count of a /metrics counter with a result label. */
static long metric_ok(const char *name)
{
    char *body = NULL, needle[128];
    ck_assert_int_eq(harness_http(sv->d.port, "GET", "/metrics", NULL, &body, NULL), 200);
    snprintf(needle, sizeof needle, "%s{result=\"ok\"} ", name);
    const char *p = strstr(body, needle);
    ck_assert_msg(p != NULL, "%s", body);
    long n = atol(p + strlen(needle));
    free(body);
    return n;
}

/* Waits until the refresher has finished more than `refreshes` snapshot
 * refreshes (the one after a compute included). */
static void wait_refreshed(long refreshes)
{
    for (int i = 0; i < 600 && metric_ok("retentiond_refreshes_total") <= refreshes; i++)
        usleep(100000);
    ck_assert_int_gt(metric_ok("retentiond_refreshes_total"), refreshes);
}

/* GET /api/v1/kpis: the body, its ETag and X-Snapshot-Age. */
struct answer {
    char *body, *etag;
    long age;
};

static struct answer kpis_answer(void)
{
    struct answer a = {0};
    char *headers = NULL;
    ck_assert_int_eq(harness_http(sv->d.port, "GET", "/api/v1/kpis", NULL, &a.body, &headers), 200);
    a.etag = header_of(headers, "ETag");
    char *age = header_of(headers, "X-Snapshot-Age");
    ck_assert_msg(a.etag && age, "%s", headers);
    a.age = atol(age);
    free(age);
    free(headers);
    return a;
}

static void answer_free(struct answer *a)
{
    free(a->body);
    free(a->etag);
}

/* A run's value of kpi at the province (the total over dims). */
static long province_numerator(struct db *db, long run_id, const char *kpi)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT numerator FROM kpi.value WHERE run_id = %ld AND kpi = '%s'"
             " AND branch_code = '420000' AND dim IS NULL",
             run_id, kpi);
    return harness_long(db, sql);
}

/* One signal whose run says what today's newest run (kept) says: logged
 * "compute unchanged" naming it, nothing stored, the state kept between
 * runs as it was, no snapshot published: the same answer, confirmed by the
 * database (younger than before). */
static void expect_unchanged(struct db *db, const char *today, long kept, bool notify)
{
    long runs = harness_long(db, "SELECT count(*) FROM kpi.run");
    long values = harness_long(db, "SELECT count(*) FROM kpi.value");
    char *state = harness_kept_state(db);
    int done = computes_done();
    int published = log_count("msg=\"snapshot published\"");
    sleep(2); /* the answer's age before the signal is at least 2 s */
    struct answer before = kpis_answer();
    long refreshes = metric_ok("retentiond_refreshes_total");
    if (notify)
        ck_assert(db_query(db, "NOTIFY retentiond_refresh", 0, NULL, NULL));
    else
        kill(sv->d.pid, SIGUSR1);
    for (int i = 0; i < 600 && computes_done() == done; i++)
        harness_daemon_wait_log(&sv->d, "never appears", 100);
    ck_assert_msg(computes_done() > done, "no compute ended:\n%s", sv->d.log);
    wait_refreshed(refreshes);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.run"), runs);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.value"), values);
    char line[128];
    snprintf(line, sizeof line, "msg=\"compute unchanged\" as_of=%s run=%ld\n", today, kept);
    ck_assert_msg(strstr(sv->d.log, line) != NULL, "%s\n%s", line, sv->d.log);
    char *after_state = harness_kept_state(db);
    ck_assert_str_eq(after_state, state);
    ck_assert_int_eq(log_count("msg=\"snapshot published\""), published);
    struct answer after = kpis_answer();
    ck_assert_str_eq(after.etag, before.etag);
    ck_assert_str_eq(after.body, before.body);
    ck_assert_msg(before.age >= 2 && after.age < before.age, "age %ld, then %ld", before.age,
                  after.age);
    json_t *j = get_ok("/api/v1/kpis?kpi=retention_rate&branch=420000");
    ck_assert(json_is_false(json_object_get(j, "stale")));
    ck_assert_int_eq(json_integer_value(json_object_get(j, "run_id")), kept);
    json_decref(j);
    answer_free(&before);
    answer_free(&after);
    free(state);
    free(after_state);
}

/* A K2 VIP of today's year in the network today, a K1 cohort member with no
 * low month when there is one (*in_cohort: the demo's warehouse has a
 * cohort for the year of its data only): cancelled by today, K2 loses one,
 * and K1 too when it is such a member. */
static char *member_to_cancel(struct db *db, const char *today, bool *in_cohort)
{
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT vm.sub_id || ' ' || ((cm.good_mask = c.folded_mask) IS TRUE)"
             " FROM kpi.vip_member vm"
             " JOIN dw.subscriber s USING (sub_id)"
             " LEFT JOIN kpi.cohort_member cm USING (year, sub_id)"
             " LEFT JOIN kpi.cohort c USING (year)"
             " WHERE vm.year = extract(year FROM DATE '%s')::int"
             " AND (s.cancelled_on IS NULL OR s.cancelled_on > DATE '%s')"
             " ORDER BY (cm.good_mask = c.folded_mask) IS TRUE DESC, vm.sub_id LIMIT 1",
             today, today);
    char *row = harness_text(db, sql);
    char *space = strchr(row, ' ');
    ck_assert_msg(space != NULL, "no VIP in the network on %s", today);
    *in_cohort = strcmp(space + 1, "true") == 0;
    *space = '\0';
    return row;
}

START_TEST(auto_compute_stores_only_changed_runs)
{
    struct db *db = NULL;
    ck_assert(db_connect(sv->ci, 0, &db));
    write_config(sv, "auto_compute = 1\n");
    kill(sv->d.pid, SIGHUP);
    ck_assert(harness_daemon_wait_log(&sv->d, "config reloaded", 5000));
    /* today has no run: the first signal stores one, served once published */
    ck_assert(db_query(db, "NOTIFY retentiond_refresh", 0, NULL, NULL));
    ck_assert_msg(wait_log_count("msg=\"compute run stored\"", 1, 60000), "%s", sv->d.log);
    char *today = harness_text(db, "SELECT max(as_of)::text FROM kpi.run");
    long first = harness_long(db, "SELECT max(run_id) FROM kpi.run");
    long runs = harness_long(db, "SELECT count(*) FROM kpi.run");
    char published[64];
    snprintf(published, sizeof published, "latest=%s", today);
    ck_assert_msg(harness_daemon_wait_log(&sv->d, published, 30000), "%s", sv->d.log);

    /* the ETL notifies again, then SIGUSR1: nothing changed, nothing stored */
    expect_unchanged(db, today, first, true);
    expect_unchanged(db, today, first, false);

    /* the ETL loads one more cancellation, dated on the newest day it had
     * already (the data watermark stays): K2 (and K1) move, a run is stored */
    bool in_cohort = false;
    char *sub = member_to_cancel(db, today, &in_cohort);
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE dw.subscriber SET cancelled_on = (SELECT max(cancelled_on)"
             " FROM dw.subscriber) WHERE sub_id = %s",
             sub);
    harness_exec_on(sv->ci, sql);
    int published_before = log_count("msg=\"snapshot published\"");
    ck_assert(db_query(db, "NOTIFY retentiond_refresh", 0, NULL, NULL));
    ck_assert_msg(wait_log_count("msg=\"compute run stored\"", 2, 60000), "%s", sv->d.log);
    long second = harness_long(db, "SELECT max(run_id) FROM kpi.run");
    ck_assert_int_gt(second, first);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.run"), runs + 1);
    if (in_cohort)
        ck_assert_int_eq(province_numerator(db, second, "retention_rate"),
                         province_numerator(db, first, "retention_rate") - 1);
    ck_assert_int_eq(province_numerator(db, second, "in_network_rate"),
                     province_numerator(db, first, "in_network_rate") - 1);
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT (last_closed_month, newest_usage, newest_cancel,"
             " newest_contract, newest_survey)) FROM kpi.run WHERE run_id IN (%ld, %ld)",
             first, second);
    ck_assert_int_eq(harness_long(db, sql), 1);
    ck_assert_msg(wait_log_count("msg=\"snapshot published\"", published_before + 1, 30000), "%s",
                  sv->d.log);
    json_t *j = get_ok("/api/v1/kpis?kpi=retention_rate&branch=420000");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "run_id")), second);
    json_decref(j);

    /* and the next signal compares with that run, the newest of today */
    expect_unchanged(db, today, second, true);
    free(sub);
    free(today);
    db_close(db);
}
END_TEST

START_TEST(metrics_pass_promtool)
{
    char *body = NULL;
    json_decref(get_ok("/api/v1/kpis"));
    ck_assert_int_eq(harness_http(sv->d.port, "GET", "/metrics", NULL, &body, NULL), 200);
    ck_assert_ptr_nonnull(strstr(body, "retentiond_http_requests_total{route=\"/api/v1/kpis\""));
    ck_assert_ptr_nonnull(strstr(body, "retentiond_http_request_duration_seconds_bucket"));
    ck_assert_ptr_nonnull(strstr(body, "retentiond_snapshot_age_seconds"));
    ck_assert_ptr_nonnull(strstr(body, "retentiond_db_errors_total"));
    char *path = harness_temp_file(body);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "promtool check metrics < %s >&2", path);
    ck_assert_msg(system(cmd) == 0, "promtool rejected:\n%s", body);
    unlink(path);
    free(path);
    free(body);
}
END_TEST

START_TEST(database_outage_served_stale_then_recovered)
{
    json_t *fresh = get_ok("/api/v1/kpis?kpi=retention_rate&branch=420000");
    pgproxy_cut(sv->proxy); /* the database away, for this daemon */
    long status = 0;
    json_t *j = get("/readyz", &status);
    for (int i = 0; i < 200 && status == 200; i++) {
        json_decref(j);
        usleep(100000);
        j = get("/readyz", &status);
    }
    json_decref(j);
    harness_daemon_wait_log(&sv->d, "never appears", 100);
    size_t loglen = strlen(sv->d.log);
    ck_assert_msg(status == 503, "still ready 20 s after the database stopped:\n%s",
                  sv->d.log + (loglen > 3000 ? loglen - 3000 : 0));
    j = get_ok("/api/v1/kpis?kpi=retention_rate&branch=420000");
    ck_assert(json_is_true(json_object_get(j, "stale")));
    ck_assert(json_is_integer(json_object_get(j, "snapshot_age")));
    ck_assert_msg(json_equal(json_object_get(j, "values"), json_object_get(fresh, "values")),
                  "stale %s\nfresh %s", json_dumps(json_object_get(j, "values"), 0),
                  json_dumps(json_object_get(fresh, "values"), 0));
    json_decref(j);

    /* restarted while the database is down: the persisted snapshot is
     * loaded, but who asks cannot be checked (sessions and tokens live in
     * the database, and this daemon has read none yet): 503, not 401, so
     * that a client keeps its credentials and retries (docs/access.md) */
    int stopped = harness_daemon_stop(&sv->d, SIGTERM, 5000);
    size_t tail = strlen(sv->d.log) > 2000 ? strlen(sv->d.log) - 2000 : 0;
    ck_assert_msg(stopped == 0, "stop: %d\n%s", stopped, sv->d.log + tail);
    free(sv->d.log);
    ck_assert_msg(harness_daemon_start(&sv->d, sv->config_path, NULL), "%s",
                  sv->d.log ? sv->d.log : "");
    ck_assert_ptr_nonnull(strstr(sv->d.log, "persisted snapshot loaded, served until"));
    j = get("/api/v1/kpis?kpi=retention_rate&branch=420000", &status);
    ck_assert_int_eq(status, 503);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                     "database_unavailable");
    json_decref(j);

    pgproxy_mend(sv->proxy);
    ck_assert(harness_daemon_wait_log(&sv->d, "database connected", 40000));
    for (int i = 0; i < 100; i++) {
        j = get("/readyz", &status);
        json_decref(j);
        if (status == 200)
            break;
        usleep(100000);
    }
    ck_assert_int_eq(status, 200);
    j = get_ok("/api/v1/kpis?kpi=retention_rate&branch=420000");
    ck_assert(json_is_false(json_object_get(j, "stale")));
    json_decref(j);
    /* the file holds no zone members: once the database confirms the
     * snapshot, the zones' moves are known again */
    j = get_ok("/api/v1/zones?branch=420000");
    ck_assert_msg(json_array_size(json_object_get(j, "moves")) > 0, "moves after recovery: %s",
                  json_dumps(j, 0));
    /* the run's zone thresholds came through the file (the run is the
     * file's, not read again) */
    ck_assert_double_eq(
        json_number_value(json_object_get(json_object_get(j, "limits"), "k5_minutes_c")), 150);
    json_decref(j);
    json_decref(fresh);
}
END_TEST

/* A daemon whose database a test takes away: through a proxy of its own. */
static void outage_setup(void)
{
    own_up("outage", true);
}

/* kpi.zone_members reads the zones the run's K5 counts came from: with both
 * months stored it gives what the warehouse gives (nothing loaded late), and
 * a cancellation loaded after the zones were taken does not move a member
 * out of them, exactly as it does not change the run's counts. */
#define ZM_ARGS                                                                                    \
    "(SELECT max(run_id) FROM kpi.run WHERE as_of = '2026-11-21'), "                               \
    "(SELECT max(month) FROM dw.billing_month WHERE closed_on <= '2026-11-21'), "                  \
    "(SELECT branch_id FROM dw.branch WHERE code = '420100'))"
START_TEST(zone_members_read_the_stored_zones)
{
    struct db *db = NULL;
    ck_assert(db_connect(sv->ci, 0, &db));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.zone_month WHERE year = 2026 AND "
                                      "month >= (SELECT max(month) - interval '1 month' FROM "
                                      "dw.billing_month WHERE closed_on <= '2026-11-21')"),
                     2);
    ck_assert(db_exec_script(
        db, "stored",
        "BEGIN; CREATE TEMP TABLE zm AS SELECT * FROM kpi.zone_members(" ZM_ARGS ";"));
    ck_assert_int_gt(harness_long(db, "SELECT count(*) FROM zm WHERE zone = 'red'"), 0);
    /* the same members, computed from the warehouse when nothing is stored */
    ck_assert(db_exec_script(db, "computed", "SAVEPOINT s; DELETE FROM kpi.zone_month;"));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM ((TABLE zm EXCEPT SELECT * FROM "
                                      "kpi.zone_members(" ZM_ARGS ") UNION ALL (SELECT * FROM "
                                      "kpi.zone_members(" ZM_ARGS " EXCEPT TABLE zm)) x"),
                     0);
    /* a red member's cancellation in M, loaded late */
    ck_assert(db_exec_script(
        db, "late",
        "ROLLBACK TO SAVEPOINT s; UPDATE dw.subscriber SET cancelled_on = "
        "(SELECT max(month) + 3 FROM dw.billing_month WHERE closed_on <= '2026-11-21') "
        "WHERE sub_id = (SELECT min(sub_id) FROM zm WHERE zone = 'red');"));
    ck_assert_int_eq(
        harness_long(db, "SELECT count(*) FROM kpi.zone_members(" ZM_ARGS
                         " z JOIN zm USING (sub_id) WHERE z.zone IS DISTINCT FROM zm.zone"),
        0);
    ck_assert(db_exec_script(db, "forget", "DELETE FROM kpi.zone_month;"));
    ck_assert_int_eq(
        harness_long(db, "SELECT count(*) FROM kpi.zone_members(" ZM_ARGS
                         " z JOIN zm USING (sub_id) WHERE z.zone IS DISTINCT FROM zm.zone"),
        1);
    ck_assert(db_exec_script(db, "rollback", "ROLLBACK;"));
    db_close(db);
}
END_TEST

/* Reads a whole file; *len receives its size. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    struct buf b = BUF_INIT;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    return buf_detach(&b, len);
}

static unsigned be32(const unsigned char *p)
{
    return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

/* The chart endpoints: PNG of the asked size, ETag/304, cached bytes equal
 * to what `retentiond chart` writes from the database, PDF whose text has
 * the ranked branches' Chinese names, SVG, and errors naming the parameter. */
/* K4's points are survey months, each published in a later month: the
 * chart labels each point with its own month (it labelled it with the
 * month of the run that published it, one month late). */
START_TEST(a_survey_trend_is_labelled_by_its_months)
{
    json_t *trend = get_ok("/api/v1/trend?kpi=satisfaction&dim=csi&branch=420100");
    json_t *points = json_object_get(json_array_get(json_object_get(trend, "series"), 0), "points");
    size_t n = json_array_size(points);
    ck_assert_uint_ge(n, 2);
    /* without dim, the root indicator's (it was an empty series) */
    json_t *root = get_ok("/api/v1/trend?kpi=satisfaction&branch=420100");
    ck_assert(json_equal(json_object_get(root, "series"), json_object_get(trend, "series")));
    json_decref(root);
    const char *last = json_string_value(json_object_get(json_array_get(points, n - 1), "period"));
    const char *as_of = json_string_value(json_object_get(json_array_get(points, n - 1), "date"));
    ck_assert_msg(last && as_of && strncmp(last, as_of, 7) != 0,
                  "the newest survey month %s is not before its run's %s: nothing to test", last,
                  as_of);
    char *pdf = NULL;
    size_t len = 0;
    ck_assert_int_eq(harness_http_len(sv->d.port, "GET",
                                      "/charts/trend.pdf?kpi=satisfaction&dim=csi&branch=420100"
                                      "&width=1600&height=400",
                                      NULL, &pdf, &len, NULL),
                     200);
    char *text = harness_pdf_text(pdf, len);
    free(pdf);
    char published[8];
    snprintf(published, sizeof published, "%.7s", as_of);
    ck_assert_msg(strstr(text, last) && !strstr(text, published),
                  "want %s under the newest point and no %s:\n%s", last, published, text);
    free(text);
    json_decref(trend);
}
END_TEST

START_TEST(charts_png_svg_pdf_and_the_cli_agree)
{
    char *png = NULL, *headers = NULL;
    size_t len = 0;
    ck_assert_int_eq(harness_http_len(sv->d.port, "GET",
                                      "/charts/trend.png?kpi=retention_rate&branch=420100"
                                      "&width=640&height=320&scale=2",
                                      NULL, &png, &len, &headers),
                     200);
    ck_assert_ptr_nonnull(strstr(headers, "image/png"));
    ck_assert_uint_gt(len, 1000);
    ck_assert(memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
    ck_assert_uint_eq(be32((const unsigned char *)png + 16), 1280); /* IHDR width */
    ck_assert_uint_eq(be32((const unsigned char *)png + 20), 640);
    const char *etag = strstr(headers, "ETag: ");
    ck_assert_ptr_nonnull(etag);
    char inm[128];
    snprintf(inm, sizeof inm, "If-None-Match: %.*s", (int)strcspn(etag + 6, "\r\n"), etag + 6);
    char *body = NULL;
    ck_assert_int_eq(harness_http(sv->d.port, "GET",
                                  "/charts/trend.png?kpi=retention_rate&branch=420100"
                                  "&width=640&height=320&scale=2",
                                  inm, &body, NULL),
                     304);
    free(body);
    free(headers);

    /* the one-shot command draws the same bytes from the database */
    char out[256];
    snprintf(out, sizeof out, "%s/trend.png", sv->datadir);
    const char *args[] = {
        "chart",    "--db",   sv->ci,    "--kind", "trend",    "--kpi", "retention_rate",
        "--branch", "420100", "--width", "640",    "--height", "320",   "--scale",
        "2",        "--out",  out,       NULL};
    char *err = NULL;
    ck_assert_int_eq(harness_run(args, NULL, NULL, &err), 0);
    free(err);
    size_t flen = 0;
    char *file = slurp(out, &flen);
    ck_assert_uint_eq(flen, len);
    ck_assert(memcmp(file, png, len) == 0);
    free(file);
    unlink(out);
    free(png);

    /* a PDF ranking whose text names the cities in Chinese */
    json_t *ranking = get_ok("/api/v1/ranking?kpi=retention_rate");
    char *pdf = NULL;
    ck_assert_int_eq(harness_http_len(sv->d.port, "GET", "/charts/ranking.pdf?kpi=retention_rate",
                                      NULL, &pdf, &len, &headers),
                     200);
    ck_assert_ptr_nonnull(strstr(headers, "application/pdf"));
    free(headers);
    char *text = harness_pdf_text(pdf, len);
    free(pdf);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(ranking, "entries"), i, e)
    {
        const char *name = json_string_value(json_object_get(e, "name"));
        ck_assert_msg(strstr(text, name), "%s not in the PDF:\n%s", name, text);
    }
    ck_assert_uint_gt(i, 5);
    free(text);
    json_decref(ranking);

    /* SVG, and every kind answers */
    static const char *const kinds[] = {"/charts/zones.svg", "/charts/panorama.svg",
                                        "/charts/bullet.svg?kpi=bundling_coverage",
                                        "/charts/sparkline.svg?kpi=in_network_rate&dim=diamond"};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        char *svg = NULL;
        ck_assert_int_eq(harness_http(sv->d.port, "GET", kinds[k], NULL, &svg, NULL), 200);
        ck_assert_msg(strstr(svg, "<svg") && strstr(svg, "</svg>"), "%s", kinds[k]);
        free(svg);
    }
}
END_TEST

/* A loopback socket that accepts connections (the kernel's backlog) and
 * never answers; its conninfo in `conninfo`. */
static int silent_listener(char *conninfo, size_t len)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    snprintf(conninfo, len, "host=127.0.0.1 port=%d user=nobody dbname=nothing", ntohs(a.sin_port));
    return fd;
}

START_TEST(chart_errors_name_the_parameter)
{
    static const struct {
        const char *path;
        long status;
        const char *code, *param;
    } cases[] = {
        {"/charts/trend.png?kpi=retention_rate&width=5", 400, "invalid_parameter", "width"},
        {"/charts/trend.png?kpi=retention_rate&height=99999", 400, "invalid_parameter", "height"},
        {"/charts/trend.png?kpi=retention_rate&scale=abc", 400, "invalid_parameter", "scale"},
        {"/charts/trend.png?kpi=nope", 400, "unknown_kpi", "kpi"},
        {"/charts/trend.png", 400, "missing_parameter", "kpi"},
        {"/charts/trend.png?kpi=retention_rate&branch=999", 400, "unknown_branch", "branch"},
        {"/charts/trend.png?kpi=retention_rate&date=2026-02-30", 400, "invalid_date", "date"},
        {"/charts/trend.png?kpi=retention_rate&colour=red", 400, "unknown_parameter", "colour"},
        {"/charts/zones.png?kpi=retention_rate", 400, "invalid_parameter", "kpi"},
        /* drawn whole: a dim or campaign asked of them was ignored (200) */
        {"/charts/zones.png?dim=purple", 400, "invalid_parameter", "dim"},
        {"/charts/zones.png?dim=red", 400, "invalid_parameter", "dim"},
        {"/charts/panorama.svg?dim=csi", 400, "invalid_parameter", "dim"},
        {"/charts/panorama.svg?campaign=1", 400, "invalid_parameter", "campaign"},
        {"/charts/trend.png?kpi=in_network_rate&dim=platinum", 400, "invalid_parameter", "dim"},
        {"/charts/sparkline.png?kpi=bundling_coverage&campaign=99", 400, "invalid_parameter",
         "campaign"},
        {"/charts/pie.png?kpi=retention_rate", 404, "unknown_chart", NULL},
        {"/charts/trend.gif?kpi=retention_rate", 404, "unknown_chart", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long status = 0;
        json_t *j = get(cases[i].path, &status);
        json_t *e = json_object_get(j, "error");
        ck_assert_msg(status == cases[i].status, "%s: %ld", cases[i].path, status);
        ck_assert_str_eq(json_string_value(json_object_get(e, "code")), cases[i].code);
        if (cases[i].param)
            ck_assert_str_eq(json_string_value(json_object_get(e, "param")), cases[i].param);
        json_decref(j);
    }
    /* the command: one line on stderr, exit 2 for a bad argument */
    const char *args[] = {"chart",          "--db",    sv->ci, "--kind", "trend",          "--kpi",
                          "retention_rate", "--width", "5",    "--out",  "/tmp/never.png", NULL};
    char *err = NULL;
    ck_assert_int_eq(harness_run(args, NULL, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err, "width"));
    ck_assert_ptr_eq(strchr(err, '\n'), err + strlen(err) - 1);
    free(err);
    ck_assert_int_ne(access("/tmp/never.png", F_OK), 0);
    /* a KPI or a branch the runs refuse is a bad argument too (README: exit 2), as for
     * bulletin and report; a date without a run is not (exit 1) */
    static const struct {
        const char *opt, *value, *param;
        int rc;
    } refused[] = {
        {"--kpi", "nope", "--kpi", 2},
        {"--branch", "999", "--branch", 2},
        {"--dim", "platinum", "--dim", 2},
        {"--date", "2001-01-01", "--date", 1},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const char *kpi =
            strcmp(refused[i].opt, "--kpi") == 0 ? refused[i].value : "in_network_rate";
        const char *bad[] = {"chart",          "--db", sv->ci,  "--kind",         "trend",
                             "--kpi",          kpi,    "--out", "/tmp/never.png", refused[i].opt,
                             refused[i].value, NULL};
        if (strcmp(refused[i].opt, "--kpi") == 0)
            bad[9] = NULL; /* --kpi once */
        ck_assert_msg(harness_run(bad, NULL, NULL, &err) == refused[i].rc, "%s %s: %s",
                      refused[i].opt, refused[i].value, err);
        ck_assert_msg(strstr(err, refused[i].param), "%s", err);
        ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "%s", err);
        free(err);
        ck_assert_int_ne(access("/tmp/never.png", F_OK), 0);
    }
    const char *no_kpi[] = {"chart", "--db",  sv->ci,           "--kind",
                            "trend", "--out", "/tmp/never.png", NULL};
    ck_assert_int_eq(harness_run(no_kpi, NULL, NULL, &err), 2);
    ck_assert_msg(strstr(err, "--kpi"), "%s", err);
    free(err);
    /* a font family that is not installed: exit 2 (a bad argument) and one line naming it,
     * while the database is read on the side; also when the database never
     * answers (a socket that listens and says nothing), where a command
     * that waited for it would add libpq's timeout as a second line */
    char silent[128], silent_2s[160];
    int lsock = silent_listener(silent, sizeof silent);
    snprintf(silent_2s, sizeof silent_2s, "%s connect_timeout=2", silent);
    const char *const dbs[] = {sv->ci, silent_2s};
    for (size_t i = 0; i < 2; i++) {
        const char *font[] = {"chart",          "--db",  dbs[i],           "--kind",
                              "trend",          "--kpi", "retention_rate", "--font",
                              "No Such Family", "--out", "/tmp/never.png", NULL};
        ck_assert_int_eq(harness_run(font, NULL, NULL, &err), 2);
        ck_assert_msg(strstr(err, "'No Such Family' is not installed"), "%s", err);
        ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "%s", err);
        free(err);
        ck_assert_int_ne(access("/tmp/never.png", F_OK), 0);
    }
    /* with nothing saying how long, the command gives up on such a database
     * after DB_CONNECT_TIMEOUT (10 s) instead of waiting for ever */
    const char *hang[] = {"chart", "--db",           silent,  "--kind",         "trend",
                          "--kpi", "retention_rate", "--out", "/tmp/never.png", NULL};
    ck_assert_int_eq(harness_run(hang, NULL, NULL, &err), 1);
    ck_assert_msg(strstr(err, "timeout expired"), "%s", err);
    free(err);
    close(lsock);
}
END_TEST

/* ---- snapshots read run by run in batches -------------------------------------------------- */

static char batch_db[64];
static char *batch_ci;

static void batch_setup(void)
{
    snprintf(batch_db, sizeof batch_db, "rt_it_batch_%d", (int)getpid());
    batch_ci = harness_demo_db(batch_db, 5, 3000, "2026-11-22");
}

static void batch_teardown(void)
{
    harness_drop_db(batch_db);
    free(batch_ci);
}

static void batch_compute(const char *as_of)
{
    const char *args[] = {"compute", "--db", batch_ci, "--as-of", as_of, NULL};
    char *err = NULL;
    ck_assert_msg(harness_run(args, NULL, NULL, &err) == 0, "compute %s: %s", as_of, err);
    free(err);
}

/* Every run of s holds what kpi.value and kpi.data_quality hold for it. */
static void assert_runs_as_stored(struct db *db, const struct snap *s, int branch)
{
    for (size_t i = 0; i < s->nruns; i++) {
        const struct snap_run *r = s->runs[i];
        char q[320];
        snprintf(q, sizeof q, "SELECT count(*) FROM kpi.value WHERE run_id = %lld", r->run_id);
        ck_assert_int_eq((long)r->nvalues, harness_long(db, q));
        snprintf(q, sizeof q, "SELECT count(*) FROM kpi.data_quality WHERE run_id = %lld",
                 r->run_id);
        ck_assert_int_eq((long)r->ndq, harness_long(db, q));
        snprintf(q, sizeof q, "SELECT as_of::text FROM kpi.run WHERE run_id = %lld", r->run_id);
        char *as_of = harness_text(db, q);
        ck_assert_str_eq(r->as_of, as_of);
        free(as_of);
        snprintf(q, sizeof q,
                 "SELECT round(value * 1e6) FROM kpi.value WHERE run_id = %lld AND "
                 "kpi = 'retention_rate' AND branch_code = '420100' AND dim IS NULL",
                 r->run_id);
        const struct snap_value *v = snap_find(r, SNAP_RETENTION, branch, NULL, -1);
        ck_assert((v != NULL) == (r->nvalues > 0));
        if (v)
            ck_assert_int_eq(lround(v->f[SNAP_VALUE] * 1e6), harness_long(db, q));
        ck_assert(i == 0 || strcmp(s->runs[i - 1]->as_of, r->as_of) < 0);
    }
}

/* More runs than one query reads (4, twice over), one of them without a
 * value and older than its run id says: a cold snapshot, one sharing every
 * run of the previous, one sharing all but a new run, and a filtered one
 * (one query for every run) all hold exactly what is stored, by as-of date. */
START_TEST(snapshot_reads_runs_in_batches)
{
    static const char *const days[] = {"2026-11-10", "2026-11-11", "2026-11-12", "2026-11-13",
                                       "2026-11-14", "2026-11-15", "2026-11-16", "2026-11-17",
                                       "2026-11-18", "2026-11-19"};
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
        batch_compute(days[i]);
    struct db *db = NULL;
    struct snap *cold = NULL, *same = NULL, *more = NULL, *one = NULL;
    ck_assert(db_connect(batch_ci, 0, &db));
    ck_assert(db_query(db,
                       "INSERT INTO kpi.run (as_of, started_at, finished_at) "
                       "VALUES ('2026-11-09', now(), now())",
                       0, NULL, NULL));
    ck_assert(snap_build_db(db, 92, NULL, NULL, &cold));
    ck_assert_int_eq(cold->nruns, 11);
    ck_assert_int_eq(cold->runs[0]->nvalues, 0);
    ck_assert_str_eq(cold->runs[0]->as_of, "2026-11-09");
    int branch = snap_branch_find(cold, "420100");
    ck_assert_int_ge(branch, 0);
    assert_runs_as_stored(db, cold, branch);

    ck_assert(snap_build_db(db, 92, cold, NULL, &same));
    ck_assert_int_eq(same->nruns, 11);
    for (size_t i = 0; i < same->nruns; i++)
        ck_assert_ptr_eq(same->runs[i], cold->runs[i]);
    ck_assert_str_eq(same->id, cold->id);

    batch_compute("2026-11-20");
    ck_assert(snap_build_db(db, 92, cold, NULL, &more));
    ck_assert_int_eq(more->nruns, 12);
    for (size_t i = 0; i < 11; i++)
        ck_assert_ptr_eq(more->runs[i], cold->runs[i]);
    ck_assert_str_eq(more->runs[11]->as_of, "2026-11-20");
    assert_runs_as_stored(db, more, branch);
    ck_assert_str_ne(more->id, cold->id);

    struct snap_filter filter = {.kpi = "retention_rate", .branch = "420100"};
    ck_assert(snap_build_db(db, 92, NULL, &filter, &one));
    ck_assert_int_eq(one->nruns, 12);
    ck_assert_int_eq(one->runs[0]->nvalues, 0);
    for (size_t i = 1; i < one->nruns; i++) {
        ck_assert_int_eq(one->runs[i]->nvalues, 1);
        ck_assert_int_eq(one->runs[i]->ndq, 0);
        ck_assert_int_eq(one->runs[i]->run_id, more->runs[i]->run_id);
        const struct snap_value *v = snap_find(more->runs[i], SNAP_RETENTION, branch, NULL, -1);
        ck_assert(v->f[SNAP_VALUE] == one->runs[i]->values[0].f[SNAP_VALUE]);
    }
    snap_unref(one);
    snap_unref(more);
    snap_unref(same);
    snap_unref(cold);
    db_close(db);
}
END_TEST

/* The tests, each in a TCase of its own named after it, so that
 * CK_RUN_CASE=<name> runs it alone; tagged "read" (the shared daemon) or
 * "state" (a daemon and database of its own) for CK_INCLUDE_TAGS. */
#define READ(test)                                                                                 \
    {                                                                                              \
#test, test, shared_setup, shared_teardown, "read"                                         \
    }
#define STATE(test, setup, teardown)                                                               \
    {                                                                                              \
#test, test, setup, teardown, "state"                                                      \
    }
/* takes the database away from its daemon (a proxy of its own): a process
 * of its own (meson's integration-api-outage) beside the others */
#define OUTAGE(test, setup, teardown)                                                              \
    {                                                                                              \
#test, test, setup, teardown, "state outage"                                               \
    }

static Suite *api_suite(void)
{
    const struct {
        const char *name;
        const TTest *test;
        SFun setup, teardown;
        const char *tags;
    } cases[] = {
        READ(kpis_equal_compute),
        READ(branches_tree),
        READ(trend_daily_and_monthly),
        READ(ranking_siblings_rank_change_bottom_five),
        READ(alarms_match_statuses),
        READ(satisfaction_zones_data_quality),
        READ(zone_members_read_the_stored_zones),
        READ(errors_name_the_parameter),
        READ(head_answers_like_get),
        READ(charts_png_svg_pdf_and_the_cli_agree),
        READ(a_survey_trend_is_labelled_by_its_months),
        READ(chart_errors_name_the_parameter),
        READ(metrics_pass_promtool),
        STATE(etag_notify_sigusr1_sighup, own_setup, own_teardown),
        STATE(auto_compute_stores_only_changed_runs, own_setup, own_teardown),
        OUTAGE(database_outage_served_stale_then_recovered, outage_setup, own_teardown),
        STATE(snapshot_reads_runs_in_batches, batch_setup, batch_teardown),
    };
    size_t n = sizeof cases / sizeof cases[0], order[sizeof cases / sizeof cases[0]];
    /* TEST_API_ORDER: "reverse", or "shuffle=SEED" */
    const char *how = getenv("TEST_API_ORDER");
    for (size_t i = 0; i < n; i++)
        order[i] = how && strcmp(how, "reverse") == 0 ? n - 1 - i : i;
    if (how && strncmp(how, "shuffle=", 8) == 0) {
        srand((unsigned)atoi(how + 8));
        for (size_t i = n - 1; i > 0; i--) {
            size_t k = (size_t)rand() % (i + 1), t = order[i];
            order[i] = order[k];
            order[k] = t;
        }
    }
    Suite *s = suite_create("api");
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        TCase *tc = tcase_create(cases[i].name);
        tcase_set_timeout(tc, 240);
        tcase_set_tags(tc, cases[i].tags);
        tcase_add_checked_fixture(tc, cases[i].setup, cases[i].teardown);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    int failed = harness_run_suite(api_suite(), false);
    served_down(&shared, false);
    served_down(&own, false); /* left by a setup that failed half-way */
    if (computed)
        harness_drop_db_unchecked(template_db);
    free(computed);
    return failed ? 1 : 0;
}
