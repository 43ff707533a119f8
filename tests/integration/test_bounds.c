/* Integration: the daemon's bounded resources, over HTTP (libcurl) against
 * a small generated province: the per-snapshot body cache stays within
 * http.cache_bytes (read back from /metrics) while more distinct charts are
 * fetched than fit, answers an evicted URL with the same bytes again, and
 * follows a reloaded budget. */
#include "harness.h"

#include <check.h>
#include <jansson.h>
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
            "[http]\nport = 0\nlisten = 127.0.0.1\ncache_bytes = %s\n"
            "[database]\nconninfo = %s\n"
            "[daemon]\ndata_dir = %s\nauto_compute = 0\nrefresh_interval = 3600\n",
            cache_bytes, ci, datadir);
    fclose(f);
}

static void setup(void)
{
    snprintf(dbname, sizeof dbname, "rt_it_bounds_%d", (int)getpid());
    ci = harness_demo_db(dbname, 5, 3000, "2026-11-22");
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

/* Under ASan, a clean exit also says that no cached body leaked. */
START_TEST(daemon_stops_cleanly)
{
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 10000), 0);
    d.pid = 0;
}
END_TEST

int main(void)
{
    harness_server();
    Suite *s = suite_create("bounds");
    TCase *tc = tcase_create("daemon");
    tcase_set_timeout(tc, 240);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, cache_stays_within_its_budget);
    tcase_add_test(tc, daemon_stops_cleanly);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
