/* Integration: the bytes users get stay the bytes they got. A demo province
 * (seed 5, 3,000 subscribers, as of 2026-11-22) and four runs; then
 * `retentiond compute` (JSON and table) and every route of /api/v1 (and a
 * chart of each kind, fonts pinned by tests/unit/fonts.conf) are compared,
 * by SHA-256, with the bodies recorded in tests/fixtures/bodies.sha256
 * before the daemon was reorganised into layers (recorded again, the daemon
 * unchanged, when the demo generator's branches changed for issue 20; two
 * rankings' "bottom" flags when a tie across the bottom line came to be
 * named whole, their bytes otherwise the same; the ranking chart when red's
 * word became 预警, its glyphs the only change; the at-risk lists when
 * they came to name each line's branch and zone and to list the most urgent
 * zone first; the zones when they came to give the run's thresholds,
 * `limits`; the panorama when its flags became ⚠ and ◆, as the page's,
 * and its rows the indicators' names without their codes; the data
 * quality when it came to name the branches without a parent). A
 * body that differs is written under the build directory (bodies-now/NAME)
 * to diff.
 *
 * RETENTIOND_RECORD_BODIES=FILE records the digests into FILE instead (run
 * once on the commit whose bytes are the reference). */
#include "harness.h"

#include <check.h>
#include <glib.h>
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

/* What is compared: a name and an API path ("" for the compute outputs). */
static const struct {
    const char *name, *path;
} bodies[] = {
    {"branches", "/api/v1/branches"},
    {"kpis", "/api/v1/kpis"},
    {"kpis-date", "/api/v1/kpis?date=2026-11-21"},
    {"kpis-branch", "/api/v1/kpis?branch=420100"},
    {"kpis-kpi-branch", "/api/v1/kpis?kpi=bundling_coverage&branch=420101"},
    {"kpis-older", "/api/v1/kpis?date=2026-10-31&kpi=retention_rate"},
    {"trend-k1", "/api/v1/trend?kpi=retention_rate&branch=420100"},
    {"trend-k2-tier", "/api/v1/trend?kpi=in_network_rate&dim=gold"},
    {"trend-k3", "/api/v1/trend?kpi=bundling_coverage&branch=420101"},
    {"trend-k3-range", "/api/v1/trend?kpi=bundling_coverage&from=2026-11-21&to=2026-11-22"},
    {"trend-k4", "/api/v1/trend?kpi=satisfaction&branch=420200&dim=hall"},
    {"trend-k5", "/api/v1/trend?kpi=zone_count&dim=red"},
    {"ranking-k1", "/api/v1/ranking?kpi=retention_rate"},
    {"ranking-k1-city", "/api/v1/ranking?kpi=retention_rate&parent=420100"},
    {"ranking-k2", "/api/v1/ranking?kpi=in_network_rate&dim=diamond"},
    {"ranking-k3", "/api/v1/ranking?kpi=bundling_coverage&parent=420300"},
    {"ranking-k3-date", "/api/v1/ranking?kpi=bundling_coverage&date=2026-11-21"},
    {"ranking-k4", "/api/v1/ranking?kpi=satisfaction_gotone"},
    {"alarms", "/api/v1/alarms"},
    {"alarms-city", "/api/v1/alarms?branch=420500&date=2026-11-21"},
    {"satisfaction", "/api/v1/satisfaction"},
    {"satisfaction-branch", "/api/v1/satisfaction?branch=420101&kpi=satisfaction_gotone"},
    {"satisfaction-month", "/api/v1/satisfaction?branch=420100&month=2026-09"},
    {"zones", "/api/v1/zones"},
    {"zones-branch", "/api/v1/zones?branch=420100"},
    {"zones-month", "/api/v1/zones?branch=420101&month=2026-09"},
    {"customers", "/api/v1/zones/customers?branch=420101"},
    {"customers-zone", "/api/v1/zones/customers?branch=420100&zone=green"},
    {"data-quality", "/api/v1/data-quality"},
    {"data-quality-date", "/api/v1/data-quality?date=2026-10-31"},
    {"error-unknown-branch", "/api/v1/kpis?branch=NOPE"},
    {"error-no-run", "/api/v1/kpis?date=2020-01-01"},
    {"error-bad-month", "/api/v1/zones?month=2026-13"},
    {"error-kpi-required", "/api/v1/ranking"},
    {"chart-trend", "/charts/trend.png?kpi=retention_rate&branch=420100"},
    {"chart-ranking", "/charts/ranking.svg?kpi=bundling_coverage&branch=420100"},
    {"chart-bullet", "/charts/bullet.pdf?kpi=bundling_coverage&branch=420101"},
    {"chart-zones", "/charts/zones.png"},
    {"chart-panorama", "/charts/panorama.png?branch=420100"},
    {"chart-sparkline", "/charts/sparkline.svg?kpi=satisfaction&branch=420101"},
};

#define NBODIES (sizeof bodies / sizeof bodies[0])

static const char *const dates[] = {"2026-10-31", "2026-11-20", "2026-11-21", "2026-11-22"};

static char *sha256(const char *data, size_t len)
{
    return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);
}

/* The recorded digest of name, or NULL. */
static char *recorded(const char *name)
{
    char *text = harness_read_source("tests/fixtures/bodies.sha256");
    char *found = NULL;
    for (char *line = strtok(text, "\n"); line && !found; line = strtok(NULL, "\n")) {
        char digest[65], what[128];
        if (sscanf(line, "%64s %127s", digest, what) == 2 && strcmp(what, name) == 0)
            found = g_strdup(digest);
    }
    free(text);
    return found;
}

/* Compares (or records) one body. */
static void check_body(FILE *record, const char *name, const char *data, size_t len)
{
    char *digest = sha256(data, len);
    if (record) {
        fprintf(record, "%s %s\n", digest, name);
        g_free(digest);
        return;
    }
    char *want = recorded(name);
    ck_assert_msg(want != NULL, "no recorded digest for %s", name);
    if (strcmp(want, digest) != 0) {
        mkdir("bodies-now", 0755);
        char path[256];
        snprintf(path, sizeof path, "bodies-now/%s", name);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(data, 1, len, f);
            fclose(f);
        }
    }
    ck_assert_msg(strcmp(want, digest) == 0, "%s changed (now %s, see bodies-now/%s)", name, digest,
                  name);
    g_free(want);
    g_free(digest);
}

static void setup(void)
{
    snprintf(dbname, sizeof dbname, "rt_it_bodies_%d", (int)getpid());
    ci = harness_demo_db(dbname, 5, 3000, "2026-11-22");
    harness_sign_in(ci);
    snprintf(datadir, sizeof datadir, "/tmp/rt_it_bodies_%d", (int)getpid());
    mkdir(datadir, 0700);
}

static void teardown(void)
{
    if (d.pid > 0)
        harness_daemon_stop(&d, SIGTERM, 5000);
    free(d.log);
    char path[256];
    snprintf(path, sizeof path, "%s/snapshot.json", datadir);
    unlink(path);
    rmdir(datadir);
    if (config_path)
        unlink(config_path);
    free(config_path);
    harness_drop_db(dbname);
    free(ci);
}

START_TEST(bodies_are_the_recorded_bytes)
{
    const char *record_path = getenv("RETENTIOND_RECORD_BODIES");
    FILE *record = record_path ? fopen(record_path, "w") : NULL;
    ck_assert(!record_path || record);
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        const char *args[] = {"compute", "--db", ci, "--as-of", dates[i], NULL};
        char *out = NULL, *err = NULL, name[64];
        ck_assert_msg(harness_run(args, NULL, &out, &err) == 0, "%s", err);
        snprintf(name, sizeof name, "compute-%s", dates[i]);
        check_body(record, name, out, strlen(out));
        free(out);
        free(err);
    }
    const char *table[] = {"compute",    "--db",     ci,      "--as-of",
                           "2026-11-22", "--format", "table", NULL};
    char *out = NULL;
    ck_assert_int_eq(harness_run(table, NULL, &out, NULL), 0);
    check_body(record, "compute-table", out, strlen(out));
    free(out);

    char config[1024];
    snprintf(config, sizeof config,
             "[bulletin]\nschedule = 0\n[http]\nport = 0\nlisten = 127.0.0.1\n[database]\n"
             "conninfo = %s\n[daemon]\ndata_dir = %s\nauto_compute = 0\nrefresh_interval = 3600\n",
             ci, datadir);
    config_path = harness_temp_file(config);
    ck_assert_msg(harness_daemon_start(&d, config_path, NULL), "%s", d.log ? d.log : "");
    ck_assert_msg(harness_daemon_wait_log(&d, "snapshot published", 20000), "%s", d.log);
    for (size_t i = 0; i < NBODIES; i++) {
        char *body = NULL;
        size_t len = 0;
        long status = harness_http_len(d.port, "GET", bodies[i].path, NULL, &body, &len, NULL);
        ck_assert_msg(status > 0, "%s: no answer", bodies[i].path);
        char name[160];
        snprintf(name, sizeof name, "%s-%ld", bodies[i].name, status);
        check_body(record, name, body, len);
        free(body);
    }
    if (record)
        fclose(record);
}
END_TEST

int main(void)
{
    /* the charts' fonts, as the chart unit tests pin them */
    char *srcdir = getenv("RETENTIOND_SRCDIR");
    char fonts[1024];
    snprintf(fonts, sizeof fonts, "%s/tests/unit/fonts.conf", srcdir ? srcdir : ".");
    setenv("FONTCONFIG_FILE", fonts, 1);
    Suite *s = suite_create("bodies");
    TCase *tc = tcase_create("bodies");
    tcase_set_timeout(tc, 240);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, bodies_are_the_recorded_bytes);
    suite_add_tcase(s, tc);
    int failed = harness_run_suite(s, false);
    return failed ? 1 : 0;
}
