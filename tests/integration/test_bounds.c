/* Integration: the daemon's bounded resources, over HTTP (libcurl) against
 * a small generated province: the per-snapshot body cache stays within
 * http.cache_bytes (read back from /metrics) while more distinct charts are
 * fetched than fit, answers an evicted URL with the same bytes again, and
 * follows a reloaded budget; a request that finds the only pooled
 * connection busy past database.pool_wait_ms gets 503 database_busy with
 * Retry-After at once, while the request holding it completes. And a
 * snapshot built from rows with NULLs where the loader needs a value skips
 * those rows instead of crashing (under ASan by scripts/test). */
#include "harness.h"
#include "snap_load.h"

#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_BYTES 300000

static char dbname[64];
static char *ci;
static char datadir[128];
static char *config_path;
static struct harness_daemon d;

static void write_config(const char *cache_bytes)
{
    FILE *f = fopen(config_path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "[bulletin]\nschedule = 0\n[http]\nport = 0\nlisten = 127.0.0.1\ncache_bytes = %s\n"
            "[database]\nconninfo = %s\npool_size = 1\npool_wait_ms = 200\n"
            "[daemon]\ndata_dir = %s\nauto_compute = 0\nrefresh_interval = 3600\n",
            cache_bytes, ci, datadir);
    fclose(f);
}

static void setup(void)
{
    snprintf(dbname, sizeof dbname, "rt_it_bounds_%d", (int)getpid());
    ci = harness_demo_db(dbname, 5, 3000, "2026-11-22");
    harness_sign_in(ci);
    const char *args[] = {"compute", "--db", ci, "--as-of", "2026-11-21", NULL};
    char *err = NULL;
    ck_assert_msg(harness_run(args, NULL, NULL, &err) == 0, "compute: %s", err);
    free(err);
    snprintf(datadir, sizeof datadir, "/tmp/rt_it_bounds_%d", (int)getpid());
    mkdir(datadir, 0700);
    config_path = harness_temp_file("");
    char budget[32];
    snprintf(budget, sizeof budget, "%d", CACHE_BYTES);
    write_config(budget);
    ck_assert_msg(harness_daemon_start(&d, config_path, NULL), "%s", d.log ? d.log : "");
    ck_assert_msg(harness_daemon_wait_log(&d, "snapshot published", 20000) ||
                      strstr(d.log, "snapshot published"),
                  "%s", d.log);
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
    unlink(config_path);
    free(config_path);
    harness_drop_db(dbname);
    free(ci);
}

/* The value of an unlabelled sample of /metrics (-1 when absent). */
static long long metric(const char *name)
{
    char *body = NULL, needle[128];
    ck_assert_int_eq(harness_http(d.port, "GET", "/metrics", NULL, &body, NULL), 200);
    snprintf(needle, sizeof needle, "\n%s ", name);
    const char *at = strstr(body, needle);
    long long v = at ? strtoll(at + strlen(needle), NULL, 10) : -1;
    free(body);
    return v;
}

/* GET path; the status, the body's error code ("" when none) and whether
 * a Retry-After header came with it. */
static long get_error(const char *path, char code[64], bool *retry_after)
{
    char *body = NULL, *headers = NULL;
    long status = harness_http(d.port, "GET", path, NULL, &body, &headers);
    json_error_t jerr;
    json_t *j = json_loads(body, 0, &jerr);
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    snprintf(code, 64, "%s", c ? c : "");
    *retry_after = strstr(headers, "\nRetry-After: 1\r\n") != NULL;
    json_decref(j);
    free(body);
    free(headers);
    return status;
}

/* ---- database waits with a deadline ------------------------------------------------------ */

/* The at-risk list's first bytes: the byte order mark and its header's start. */
#define CSV_HEAD "\xEF\xBB\xBFsub_id,branch,branch_name,zone,zone_name,"

struct slow_request {
    long status;
    char *body;
};

static void *fetch_customers(void *arg)
{
    struct slow_request *r = arg;
    r->status = harness_http(d.port, "GET", "/api/v1/zones/customers?branch=420100&zone=green",
                             NULL, &r->body, NULL);
    return NULL;
}

/* The pool has one connection. A request for the green zone's members
 * (which the snapshot does not hold: they are read from the database)
 * holds it, blocked by a lock the test takes on dw.branch; meanwhile
 * another zone the snapshot lacks answers 503 database_busy with
 * Retry-After, while the at-risk list and the zones' moves, which the
 * snapshot holds, answer at once; once the lock goes, the first request
 * completes. */
START_TEST(busy_pool_answers_503_database_busy)
{
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    char *body = NULL; /* libcurl's global set-up, before a second thread uses it */
    ck_assert_int_eq(harness_http(d.port, "GET", "/healthz", NULL, &body, NULL), 200);
    free(body);
    ck_assert(db_query(db, "BEGIN", 0, NULL, NULL));
    /* should a check below fail with the lock held, the server ends this
     * session within a minute: a clear failure, not the suite's time-out */
    ck_assert(db_query(db, "SET LOCAL idle_in_transaction_session_timeout = '60s'", 0, NULL, NULL));
    ck_assert(db_query(db, "LOCK TABLE dw.branch IN ACCESS EXCLUSIVE MODE", 0, NULL, NULL));

    struct slow_request slow = {0};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, fetch_customers, &slow), 0);
    struct db *watch = NULL;
    ck_assert(db_connect(ci, 0, &watch));
    long waiting = 0;
    for (int i = 0; i < 500 && waiting == 0; i++) {
        waiting = harness_long(
            watch, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                   " AND wait_event_type = 'Lock' AND query LIKE '%zone_members%'");
        if (!waiting)
            usleep(20000);
    }
    db_close(watch);
    ck_assert_msg(waiting == 1, "the first request never reached the lock");

    char code[64];
    bool retry_after = false;
    ck_assert_int_eq(
        get_error("/api/v1/zones/customers?branch=420100&zone=blue", code, &retry_after), 503);
    ck_assert_str_eq(code, "database_busy");
    ck_assert(retry_after);
    ck_assert_int_eq(metric("retentiond_db_busy_total"), 1);
    ck_assert_int_eq(metric("retentiond_db_errors_total"), 0);
    /* what the snapshot holds does not wait for the database */
    ck_assert_int_eq(
        harness_http(d.port, "GET", "/api/v1/zones/customers?branch=420100", NULL, &body, NULL),
        200);
    ck_assert_msg(strncmp(body, CSV_HEAD, strlen(CSV_HEAD)) == 0, "%s", body);
    ck_assert_ptr_nonnull(strchr(strchr(body, '\n') + 1, '\n')); /* members listed */
    free(body);
    ck_assert_int_eq(harness_http(d.port, "GET", "/api/v1/zones?branch=420100", NULL, &body, NULL),
                     200);
    json_error_t jerr;
    json_t *zones = json_loads(body, 0, &jerr);
    ck_assert_msg(json_array_size(json_object_get(zones, "moves")) > 0, "%s", body);
    json_decref(zones);
    free(body);

    ck_assert(db_query(db, "ROLLBACK", 0, NULL, NULL));
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_int_eq(slow.status, 200);
    ck_assert_msg(strncmp(slow.body, CSV_HEAD, strlen(CSV_HEAD)) == 0, "%s", slow.body);
    ck_assert_ptr_nonnull(strchr(strchr(slow.body, '\n') + 1, '\n')); /* members listed */
    free(slow.body);
    db_close(db);
}
END_TEST

/* ---- the body cache's byte budget -------------------------------------------------------- */

#define NCHARTS 24

static char *fetch_chart(int i, size_t *len, char **etag)
{
    char path[160], *body = NULL, *headers = NULL;
    snprintf(path, sizeof path, "/charts/trend.png?kpi=retention_rate&branch=420100&width=%d",
             400 + 8 * i);
    ck_assert_int_eq(harness_http_len(d.port, "GET", path, NULL, &body, len, &headers), 200);
    ck_assert(*len > 1000 && memcmp(body, "\x89PNG", 4) == 0);
    const char *at = strstr(headers, "ETag: ");
    ck_assert_ptr_nonnull(at);
    *etag = strndup(at + 6, strcspn(at + 6, "\r\n"));
    free(headers);
    return body;
}

/* Rewrites the configuration with http.cache_bytes = budget and reloads. */
static void reload(const char *budget)
{
    write_config(budget);
    free(d.log); /* so that the next "config reloaded" is this reload's */
    d.log = NULL;
    kill(d.pid, SIGHUP);
    ck_assert(harness_daemon_wait_log(&d, "config reloaded", 5000));
}

START_TEST(cache_stays_within_its_budget)
{
    ck_assert_int_eq(metric("retentiond_cache_budget_bytes"), CACHE_BYTES);
    size_t first_len = 0, total = 0;
    char *first_tag = NULL;
    char *first = fetch_chart(0, &first_len, &first_tag);
    total += first_len;
    for (int i = 1; i < NCHARTS; i++) {
        size_t len = 0;
        char *tag = NULL;
        free(fetch_chart(i, &len, &tag));
        ck_assert_str_eq(tag, first_tag); /* one snapshot */
        free(tag);
        total += len;
        long long bytes = metric("retentiond_cache_bytes");
        ck_assert_msg(bytes > 0 && bytes <= CACHE_BYTES, "after chart %d: %lld bytes", i, bytes);
    }
    /* more was drawn than fits: bodies went, the rest fits */
    ck_assert_msg(total > CACHE_BYTES, "the charts (%zu bytes) all fit: a weak test", total);
    long long entries = metric("retentiond_cache_entries");
    ck_assert_int_gt(entries, 0);
    ck_assert_int_lt(entries, NCHARTS);

    /* the first chart, evicted long since, answers the same bytes */
    size_t again_len = 0;
    char *again_tag = NULL;
    char *again = fetch_chart(0, &again_len, &again_tag);
    ck_assert_uint_eq(again_len, first_len);
    ck_assert(memcmp(again, first, first_len) == 0);
    ck_assert_str_eq(again_tag, first_tag);
    ck_assert_int_le(metric("retentiond_cache_bytes"), CACHE_BYTES);
    free(again);
    free(again_tag);

    /* a smaller budget on reload evicts at once; 0 caches nothing (and the
     * body is still tagged with the snapshot) */
    reload("50000");
    ck_assert_int_eq(metric("retentiond_cache_budget_bytes"), 50000);
    long long bytes = metric("retentiond_cache_bytes");
    ck_assert_msg(bytes > 0 && bytes <= 50000, "%lld", bytes);
    reload("0");
    ck_assert_int_eq(metric("retentiond_cache_entries"), 0);
    ck_assert_int_eq(metric("retentiond_cache_bytes"), 0);
    again = fetch_chart(0, &again_len, &again_tag);
    ck_assert(again_len == first_len && memcmp(again, first, first_len) == 0);
    ck_assert_str_eq(again_tag, first_tag);
    ck_assert_int_eq(metric("retentiond_cache_entries"), 0);
    free(again);
    free(again_tag);
    free(first);
    free(first_tag);
}
END_TEST

/* ---- odd rows in the database ------------------------------------------------------------- */

/* Rows the warehouse's and the engine's NOT NULLs would refuse, added in a
 * transaction that is rolled back. */
static const char odd_rows[] =
    "BEGIN;"
    "ALTER TABLE dw.branch ALTER name DROP NOT NULL, ALTER level DROP NOT NULL;"
    "INSERT INTO dw.branch VALUES (999901, '999901', NULL, NULL, 2),"
    " (999902, '999902', 'odd', NULL, NULL);"
    "ALTER TABLE dw.satisfaction_indicator ALTER name DROP NOT NULL;"
    "INSERT INTO dw.satisfaction_indicator VALUES ('ODD', NULL, 1, NULL);"
    "ALTER TABLE dw.bundle_campaign ALTER name DROP NOT NULL;"
    "INSERT INTO dw.bundle_campaign VALUES (999, NULL, '2026-01-01', '2026-12-31', '{}');"
    "ALTER TABLE kpi.value ALTER kpi DROP NOT NULL, ALTER branch_code DROP NOT NULL;"
    "INSERT INTO kpi.value (run_id, kpi, branch_id, branch_code)"
    " SELECT max(run_id), NULL, 1, '420100' FROM kpi.run"
    " UNION ALL SELECT max(run_id), 'retention_rate', 1, NULL FROM kpi.run;"
    "ALTER TABLE kpi.data_quality ALTER rows DROP NOT NULL;"
    "INSERT INTO kpi.data_quality SELECT max(run_id), 'odd_rule', NULL FROM kpi.run;";

START_TEST(rows_with_nulls_are_skipped)
{
    struct db *db = NULL;
    struct snap *s = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert(db_exec_script(db, "odd rows", odd_rows));
    ck_assert(snap_build_db(db, 92, NULL, NULL, &s));
    ck_assert_int_eq((long)s->nbranches, harness_long(db, "SELECT count(*) FROM dw.branch") - 2);
    ck_assert_int_eq(snap_branch_find(s, "999901"), -1);
    ck_assert_int_eq(snap_branch_find(s, "999902"), -1);
    ck_assert_int_eq((long)s->nindicators,
                     harness_long(db, "SELECT count(*) FROM dw.satisfaction_indicator") - 1);
    ck_assert_int_eq((long)s->ncampaigns,
                     harness_long(db, "SELECT count(*) FROM dw.bundle_campaign") - 1);
    const struct snap_run *r = snap_latest(s);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq((long)r->nvalues,
                     harness_long(db, "SELECT count(*) FROM kpi.value WHERE run_id = "
                                      "(SELECT max(run_id) FROM kpi.run)") -
                         2);
    ck_assert_int_eq((long)r->ndq,
                     harness_long(db, "SELECT count(*) FROM kpi.data_quality WHERE run_id = "
                                      "(SELECT max(run_id) FROM kpi.run)") -
                         1);
    snap_unref(s);
    ck_assert(db_query(db, "ROLLBACK", 0, NULL, NULL));
    db_close(db);
}
END_TEST

/* Under ASan, a clean exit also says that no cached body leaked. */
/* A chart over charts.max_pixels (width x height x scale^2, 4 Mpx by
 * default) is refused before anything is drawn, naming the size given
 * last; one just within it is drawn. */
START_TEST(chart_pixels_are_bounded)
{
    static const struct {
        const char *path;
        long status;
        const char *param;
    } cases[] = {
        {"/charts/trend.png?kpi=retention_rate&width=4096&height=4096", 400, "height"},
        {"/charts/trend.pdf?kpi=retention_rate&width=1024&height=1024&scale=4", 400, "scale"},
        {"/charts/trend.png?kpi=retention_rate&width=4096&height=1025", 400, "height"},
        {"/charts/trend.png?kpi=retention_rate&width=4096&height=1024", 200, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *body = NULL;
        long status = harness_http(d.port, "GET", cases[i].path, NULL, &body, NULL);
        ck_assert_msg(status == cases[i].status, "%s: %ld %s", cases[i].path, status, body);
        if (cases[i].param) {
            json_error_t jerr;
            json_t *j = json_loads(body, 0, &jerr);
            json_t *e = json_object_get(j, "error");
            ck_assert_str_eq(json_string_value(json_object_get(e, "code")), "chart_too_large");
            ck_assert_str_eq(json_string_value(json_object_get(e, "param")), cases[i].param);
            json_decref(j);
        }
        free(body);
    }
}
END_TEST

START_TEST(daemon_stops_cleanly)
{
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 10000), 0);
    d.pid = 0;
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bounds");
    TCase *tc = tcase_create("daemon");
    tcase_set_timeout(tc, 240);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, busy_pool_answers_503_database_busy);
    tcase_add_test(tc, cache_stays_within_its_budget);
    tcase_add_test(tc, rows_with_nulls_are_skipped);
    tcase_add_test(tc, chart_pixels_are_bounded);
    tcase_add_test(tc, daemon_stops_cleanly);
    suite_add_tcase(s, tc);
    int failed = harness_run_suite(s, false);
    return failed ? 1 : 0;
}
