/* Integration: the daily bulletin against a real database and daemon. A demo
 * province (seed 5, 3,000 subscribers) with runs on 2026-11-21 and 22;
 * then /api/v1/bulletin, /bulletins/DATE as HTML, PDF (read back with
 * pdftotext and pdfinfo) and PNG, and `retentiond bulletin`: the same
 * figures in every form, the PNG within the MMS limits, the scope kept, the
 * command's bytes the daemon's, every bulletin served in the audit log. */
#include "bulletin_doc.h"
#include "db.h"
#include "digest.h"
#include "doc.h"
#include "file.h"
#include "harness.h"
#include "labels.h"
#include "snap.h"

#include <check.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATE "2026-11-22"

static char dbname[64];
static char *ci, *exec_auth, *county_auth;
static struct harness_daemon d;
static char datadir[128];
static char *config_path;

static char *bearer(const char *user, const char *role, const char *branch)
{
    harness_user_add(ci, user, role, branch, "a password nobody types");
    char *token = harness_token_add(ci, user), *h = malloc(strlen(token) + 32);
    sprintf(h, "Authorization: Bearer %s", token);
    free(token);
    return h;
}

static void setup(void)
{
    snprintf(dbname, sizeof dbname, "rt_it_bulletin_%d", (int)getpid());
    ci = harness_demo_db(dbname, 5, 3000, DATE);
    /* one diamond and two gold members of the year's K2 snapshot leave in
     * June (the demo at this scale has none who left) */
    harness_exec_on(ci, "UPDATE dw.subscriber SET cancelled_on = '2026-06-15' WHERE sub_id IN ("
                        " (SELECT m.sub_id FROM dw.vip_membership m JOIN dw.subscriber s"
                        "  USING (sub_id) WHERE m.tier = 'diamond' AND s.cancelled_on IS NULL"
                        "  AND m.valid_from <= '2026-01-01' AND coalesce(m.valid_to, '2026-01-01')"
                        "  >= '2026-01-01' ORDER BY 1 LIMIT 1)"
                        " UNION ALL (SELECT m.sub_id FROM dw.vip_membership m JOIN dw.subscriber s"
                        "  USING (sub_id) WHERE m.tier = 'gold' AND s.cancelled_on IS NULL"
                        "  AND m.valid_from <= '2026-01-01' AND coalesce(m.valid_to, '2026-01-01')"
                        "  >= '2026-01-01' ORDER BY 1 LIMIT 2))");
    harness_compute(ci, "2026-11-21");
    harness_compute(ci, DATE);
    exec_auth = bearer("exec", "executive", NULL);
    county_auth = bearer("county", "branch_manager", "420101");
    snprintf(datadir, sizeof datadir, "/tmp/rt_it_bulletin_%d", (int)getpid());
    mkdir(datadir, 0700);
    char config[1024];
    snprintf(config, sizeof config,
             "[bulletin]\nschedule = 0\n[http]\nport = 0\nlisten = 127.0.0.1\n[database]\nconninfo "
             "= %s\n"
             "[daemon]\ndata_dir = %s\nauto_compute = 0\nrefresh_interval = 3600\n",
             ci, datadir);
    config_path = harness_temp_file(config);
    ck_assert_msg(harness_daemon_start(&d, config_path, NULL), "%s", d.log ? d.log : "");
    ck_assert_msg(harness_daemon_wait_log(&d, "snapshot published", 20000), "%s", d.log);
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
    free(exec_auth);
    free(county_auth);
    harness_drop_db(dbname);
    free(ci);
}

/* GET path as `auth`: the status, the body (malloc'd) and its length. */
static long get(const char *auth, const char *path, char **body, size_t *len)
{
    return harness_http_len(d.port, "GET", path, auth, body, len, NULL);
}

static json_t *get_json(const char *auth, const char *path)
{
    char *body = NULL;
    size_t len = 0;
    long status = get(auth, path, &body, &len);
    ck_assert_msg(status == 200, "%s: %ld %s", path, status, body);
    json_t *j = json_loads(body, 0, NULL);
    ck_assert_ptr_nonnull(j);
    free(body);
    return j;
}

/* "28.37%": a rate as the bulletin prints it. */
static void percent(double value, char *out, size_t n)
{
    snprintf(out, n, "%.2f%%", value * 100);
}

START_TEST(every_form_shows_the_api_figures)
{
    json_t *b = get_json(county_auth, "/api/v1/bulletin?date=" DATE);
    json_t *campaign = json_array_get(json_object_get(b, "bundling"), 0);
    json_t *total = json_object_get(campaign, "total");
    json_t *counties = json_object_get(campaign, "counties");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(b, "branch"), "code")),
                     "420101");
    ck_assert_int_gt(json_array_size(counties), 5);
    char own[32], retention[32];
    percent(harness_num(total, "value"), own, sizeof own);
    percent(harness_num(json_object_get(b, "retention"), "value"), retention, sizeof retention);
    /* the bulletin's figures are the API's for the same run */
    json_t *kpis = get_json(county_auth, "/api/v1/kpis?branch=420101&date=" DATE);
    json_t *k3 = harness_find_value(kpis, "bundling_coverage", "420101", NULL);
    ck_assert_double_eq_tol(harness_num(k3, "value"), harness_num(total, "value"), 1e-12);

    char *html = NULL, *pdf = NULL, *png = NULL;
    size_t hlen = 0, plen = 0, ilen = 0;
    ck_assert_int_eq(get(county_auth, "/bulletins/" DATE, &html, &hlen), 200);
    ck_assert_int_eq(get(county_auth, "/bulletins/" DATE "?format=pdf", &pdf, &plen), 200);
    ck_assert_int_eq(get(county_auth, "/bulletins/" DATE "?format=png", &png, &ilen), 200);
    char *text = harness_tool_text("pdftotext -q -layout", pdf, plen);
    char *info = harness_tool_text("pdfinfo", pdf, plen);
    ck_assert_msg(strstr(info, "(A4)"), "%s", info);
    const char *must[] = {own, retention, "江岸"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++) {
        ck_assert_msg(strstr(html, must[i]), "the HTML lacks %s", must[i]);
        ck_assert_msg(strstr(text, must[i]), "the PDF lacks %s:\n%.2000s", must[i], text);
    }
    /* the bottom five named in both */
    for (size_t i = json_array_size(counties) - 5; i < json_array_size(counties); i++) {
        json_t *c = json_array_get(counties, i);
        const char *name = json_string_value(json_object_get(c, "name"));
        ck_assert(json_is_true(json_object_get(c, "bottom")));
        ck_assert_msg(strstr(html, name) && strstr(text, name), "bottom %s not named", name);
    }
    /* the MMS image: a PNG at most 640 px wide and 100 KB */
    ck_assert(ilen > 24 && memcmp(png, "\x89PNG", 4) == 0);
    unsigned width = (unsigned char)png[16] << 24 | (unsigned char)png[17] << 16 |
                     (unsigned char)png[18] << 8 | (unsigned char)png[19];
    ck_assert_uint_le(width, 640);
    ck_assert_uint_gt(width, 300);
    ck_assert_uint_le(ilen, 100 * 1024);
    free(text);
    free(info);
    free(html);
    free(pdf);
    free(png);
    json_decref(kpis);
    json_decref(b);
}
END_TEST

/* How many indicators are red now in the province: the bulletin API's
 * count is the KPIs' own red totals (/api/v1/kpis: no dim, or
 * satisfaction's root; the zone counts have no status), and the HTML and
 * the PDF say it. */
START_TEST(the_reds_now_are_counted)
{
    json_t *b = get_json(exec_auth, "/api/v1/bulletin?date=" DATE);
    json_t *kpis = get_json(exec_auth, "/api/v1/kpis?date=" DATE);
    size_t k;
    json_t *x;
    json_int_t red = 0;
    json_array_foreach(json_object_get(kpis, "values"), k, x)
    {
        const char *kpi = json_string_value(json_object_get(x, "kpi")),
                   *dim = json_string_value(json_object_get(x, "dim")),
                   *status = json_string_value(json_object_get(x, "status"));
        bool headline = !dim || (strncmp(kpi, "satisfaction", 12) == 0 && strcmp(dim, "csi") == 0);
        red += headline && status && strcmp(status, "red") == 0;
    }
    ck_assert_int_gt(red, 0);
    ck_assert_int_eq(json_integer_value(json_object_get(b, "red_count")), red);
    char *html = NULL, *pdf = NULL, now[48];
    size_t hlen = 0, plen = 0;
    ck_assert_int_eq(get(exec_auth, "/bulletins/" DATE, &html, &hlen), 200);
    ck_assert_int_eq(get(exec_auth, "/bulletins/" DATE "?format=pdf", &pdf, &plen), 200);
    char *text = harness_tool_text("pdftotext -q -layout", pdf, plen);
    snprintf(now, sizeof now, "当前预警 %lld 项", (long long)red);
    ck_assert_msg(strstr(html, now), "the HTML lacks %s", now);
    ck_assert_msg(strstr(text, now), "the PDF lacks %s", now);
    free(text);
    free(html);
    free(pdf);
    json_decref(kpis);
    json_decref(b);
}
END_TEST

/* A satisfaction score from a tree with a child that has no score says so
 * (domain.md: flagged as partial), the composite's and GoTone's each: in
 * every county's bulletin the words as often as the API's flags; the demo
 * has both kinds. */
START_TEST(a_partial_satisfaction_is_flagged)
{
    json_t *b = get_json(exec_auth, "/api/v1/bulletin?date=" DATE);
    json_t *counties =
        json_object_get(json_array_get(json_object_get(b, "bundling"), 0), "counties");
    int flagged = 0, whole = 0;
    for (size_t i = 0; i < json_array_size(counties); i++) {
        const char *code =
            json_string_value(json_object_get(json_array_get(counties, i), "branch"));
        char path[128], *html = NULL;
        size_t len = 0;
        snprintf(path, sizeof path, "/api/v1/bulletin?date=" DATE "&branch=%s", code);
        json_t *one = get_json(exec_auth, path);
        int want =
            json_is_true(json_object_get(json_object_get(one, "satisfaction"), "partial")) +
            json_is_true(json_object_get(json_object_get(one, "satisfaction_gotone"), "partial"));
        snprintf(path, sizeof path, "/bulletins/" DATE "?branch=%s", code);
        ck_assert_int_eq(get(exec_auth, path, &html, &len), 200);
        int seen = 0;
        for (const char *p = strstr(html, "部分指标无数据"); p; p = strstr(p + 1, "部分指标无数据"))
            seen++;
        ck_assert_msg(seen == want, "%s: the words %d times, %d partial scores", code, seen, want);
        flagged += want > 0;
        whole += want == 0;
        free(html);
        json_decref(one);
    }
    ck_assert_msg(flagged > 0 && whole > 0, "%d flagged, %d whole", flagged, whole);
    json_decref(b);
}
END_TEST

START_TEST(scope_and_errors)
{
    char *body = NULL;
    size_t len = 0;
    /* a branch manager: his branch by default, another one refused */
    ck_assert_int_eq(get(county_auth, "/bulletins/" DATE "?branch=420102", &body, &len), 403);
    ck_assert_ptr_nonnull(strstr(body, "out_of_scope"));
    free(body);
    /* the province's for an executive */
    json_t *b = get_json(exec_auth, "/api/v1/bulletin?date=" DATE);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(b, "branch"), "level")), 0);
    json_decref(b);
    static const struct {
        const char *path;
        long status;
        const char *code;
    } bad[] = {
        {"/bulletins/" DATE "?format=gif", 400, "invalid_parameter"},
        {"/bulletins/" DATE "?lang=fr", 400, "invalid_parameter"},
        {"/bulletins/2026-13-01", 400,
         "\"code\":\"invalid_date\",\"message\":\"date must be a date "
         "YYYY-MM-DD\",\"param\":\"date\""},
        {"/bulletins/tomorrow", 404, "\"code\":\"not_found\""},
        {"/bulletins/2020-01-01", 404, "no_run"},
        {"/bulletins/" DATE "?branch=NOPE", 400, "unknown_branch"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(get(exec_auth, bad[i].path, &body, &len), bad[i].status);
        ck_assert_msg(strstr(body, bad[i].code), "%s: %s", bad[i].path, body);
        free(body);
    }
    /* signed out: nothing */
    ck_assert_int_eq(get(NULL, "/bulletins/" DATE, &body, &len), 401);
    free(body);
    /* a browser (it accepts text/html), as from a mail's link: signed out,
     * to the sign-in page and back; refused, the error page in the page's
     * language, not the JSON above; served, a policy that lets the mail's
     * inline styles apply and no script run */
    char *headers = NULL;
    const char *html = "Accept: text/html,application/xhtml+xml,*/*;q=0.8";
    ck_assert_int_eq(harness_http_len(d.port, "GET", "/bulletins/" DATE "?branch=420101", html,
                                      &body, &len, &headers),
                     303);
    ck_assert_msg(
        strstr(headers, "Location: /login?next=%2Fbulletins%2F" DATE "%3Fbranch%3D420101"), "%s",
        headers);
    free(body);
    free(headers);
    harness_http_auth(county_auth);
    ck_assert_int_eq(harness_http_len(d.port, "GET", "/bulletins/" DATE "?branch=420102", html,
                                      &body, &len, &headers),
                     403);
    ck_assert_msg(strstr(headers, "text/html") && strstr(body, "您无权查看该分公司。") &&
                      !strstr(body, "out_of_scope"),
                  "%s", body);
    free(body);
    free(headers);
    /* a date that is not one: the page says so, not "no such page" */
    ck_assert_int_eq(harness_http_len(d.port, "GET", "/bulletins/2026-13-01?lang=en", html, &body,
                                      &len, &headers),
                     400);
    ck_assert_msg(strstr(body, "role=\"alert\">The link&#39;s date is not valid"), "%s", body);
    free(body);
    free(headers);
    ck_assert_int_eq(
        harness_http_len(d.port, "GET", "/bulletins/" DATE, html, &body, &len, &headers), 200);
    ck_assert_msg(strstr(headers, "style-src 'unsafe-inline'; script-src 'none'"), "%s", headers);
    free(body);
    free(headers);
    harness_http_auth(NULL);
}
END_TEST

/* The count of audit rows that `where` selects, once the daemon's writer
 * has had up to ten seconds to write them (it writes off the HTTP
 * threads). */
static long audit_rows(const char *where, long want)
{
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM kpi.audit_log WHERE action = 'bulletin_download' AND %s", where);
    long n = harness_long(db, sql);
    for (int i = 0; i < 100 && n < want; i++) {
        usleep(100000);
        n = harness_long(db, sql);
    }
    db_close(db);
    return n;
}

/* Who read or downloaded which bulletin, in which form: each served one is
 * a row with the run it was made of and its bytes' SHA-256, each refusal a
 * row with its code; a HEAD sends nothing and writes nothing. */
START_TEST(every_bulletin_served_is_audited)
{
    char *body = NULL, sha[DIGEST_HEX_LEN + 1], where[512];
    size_t len = 0;
    json_t *b = get_json(county_auth, "/api/v1/bulletin?date=" DATE);
    long long run = json_integer_value(json_object_get(b, "run_id"));
    json_decref(b);
    ck_assert_int_gt(run, 0);
    /* twice: made, then from the cache; a row each */
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(get(county_auth, "/bulletins/" DATE "?format=pdf&lang=en", &body, &len),
                         200);
        digest_sha256_hex(body, len, sha);
        free(body);
    }
    snprintf(where, sizeof where,
             "who = 'county' AND outcome = 'ok' AND params->>'date' = '" DATE "'"
             " AND params->>'branch' = '420101' AND params->>'branch_asked' IS NULL"
             " AND params->>'format' = 'pdf' AND params->>'lang' = 'en'"
             " AND (params->>'run')::bigint = %lld AND params->>'sha256' = '%s'"
             " AND (params->>'bytes')::bigint = %zu AND (params->>'status')::int = 200",
             run, sha, len);
    ck_assert_int_eq(audit_rows(where, 2), 2);
    /* `audit verify` on the served bytes names both */
    char file[256];
    snprintf(file, sizeof file, "%s/served.pdf", datadir);
    ck_assert_int_eq(get(county_auth, "/bulletins/" DATE "?format=pdf&lang=en", &body, &len), 200);
    FILE *fp = fopen(file, "wb");
    ck_assert_ptr_nonnull(fp);
    ck_assert_uint_eq(fwrite(body, 1, len, fp), len);
    fclose(fp);
    free(body);
    const char *verify[] = {"audit", "verify", file, "--db", ci, NULL};
    char *out = NULL;
    ck_assert_int_eq(harness_run(verify, NULL, &out, NULL), 0);
    char served[160];
    snprintf(served, sizeof served,
             "served as the bulletin of " DATE " for 420101 (run %lld, pdf) ", run);
    const char *first = strstr(out, served);
    ck_assert_msg(first && strstr(first + 1, served) && strstr(out, " to county from "), "%s", out);
    free(out);
    unlink(file);
    ck_assert_int_eq(get(county_auth, "/bulletins/2026-11-21?branch=420102", &body, &len), 403);
    free(body);
    ck_assert_int_eq(
        audit_rows("who = 'county' AND outcome = 'refused' AND params->>'date' = '2026-11-21'"
                   " AND params->>'branch_asked' = '420102'"
                   " AND params->>'error' = 'out_of_scope'"
                   " AND params->>'sha256' IS NULL",
                   1),
        1);
    /* a failure: in a second of its own, past the five refusals a second
     * of a user's that scope_and_errors wrote (the sixth is counted, not
     * written) */
    sleep(1);
    ck_assert_int_eq(get(exec_auth, "/bulletins/2026-11-21?format=gif", &body, &len), 400);
    free(body);
    ck_assert_int_eq(
        audit_rows("who = 'exec' AND outcome = 'failed' AND params->>'date' = '2026-11-21'"
                   " AND params->>'format_asked' = 'gif'"
                   " AND params->>'error' = 'invalid_parameter'",
                   1),
        1);
    /* a HEAD: no row (the day before's, asked by no other test) */
    ck_assert_int_eq(harness_http_len(d.port, "HEAD", "/bulletins/2026-11-21?branch=420101&lang=zh",
                                      exec_auth, &body, &len, NULL),
                     200);
    free(body);
    ck_assert_int_eq(get(exec_auth, "/bulletins/2026-11-21?branch=420101", &body, &len), 200);
    free(body);
    ck_assert_int_eq(audit_rows("who = 'exec' AND outcome = 'ok' AND params->>'date' = '2026-11-21'"
                                " AND params->>'branch_asked' = '420101'"
                                " AND params->>'format' = 'html' AND params->>'lang' = 'zh'",
                                1),
                     1);
    /* a browser's copy revalidated: 304, a row with no bytes (none sent) */
    char *headers = NULL, etag[96] = "", inm[128];
    ck_assert_int_eq(get(exec_auth, "/bulletins/2026-11-21?format=png", &body, &len), 200);
    free(body);
    harness_http_auth(exec_auth);
    ck_assert_int_eq(harness_http_len(d.port, "GET", "/bulletins/2026-11-21?format=png", NULL,
                                      &body, &len, &headers),
                     200);
    free(body);
    const char *tag = strstr(headers, "ETag: ");
    ck_assert_msg(tag && sscanf(tag, "ETag: %95s", etag) == 1, "%s", headers);
    free(headers);
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    ck_assert_int_eq(
        harness_http_len(d.port, "GET", "/bulletins/2026-11-21?format=png", inm, &body, &len, NULL),
        304);
    free(body);
    harness_http_auth(NULL);
    ck_assert_int_eq(audit_rows("who = 'exec' AND outcome = 'ok' AND params->>'date' = '2026-11-21'"
                                " AND params->>'format' = 'png' AND params->>'status' = '304'"
                                " AND NOT params ? 'sha256' AND NOT params ? 'bytes'",
                                1),
                     1);
    ck_assert_int_eq(audit_rows("who = 'exec' AND outcome = 'ok' AND params->>'date' = '2026-11-21'"
                                " AND params->>'format' = 'png' AND params ? 'sha256'",
                                2),
                     2);
    usleep(300000); /* a HEAD's row, were one written, would be there by now */
    ck_assert_int_eq(audit_rows("who = 'exec' AND outcome = 'ok' AND params->>'date' = '2026-11-21'"
                                " AND params->>'branch_asked' = '420101'",
                                1),
                     1);
}
END_TEST

/* Lifts the city's counties that have no coverage in the bulletin's first
 * campaign just above the counties tied at none (the fixture's 3,000
 * subscribers leave three dozen of them at 0 %, all named among the bottom
 * five since a tie is named whole), each to its own small value. */
static void lift_from_the_bottom_tie(struct snap *s, const struct view_bulletin *v)
{
    const struct snap_run *run = v->run;
    int campaign = v->campaigns[0].campaign->id, lifted = 0;
    for (size_t i = 0; i < v->campaigns[0].n; i++) {
        int b = v->campaigns[0].rows[i].branch;
        struct snap_value *x =
            (struct snap_value *)snap_find(run, SNAP_BUNDLING, b, NULL, campaign);
        if (snap_branch_within(s, b, v->branch) && x->f[SNAP_VALUE] == 0)
            x->f[SNAP_VALUE] = 0.0001 * ++lifted;
    }
}

/* A city's MMS (the short form) shows its best and worst counties when
 * neither is in the top or bottom five (a city manager's image had none of
 * his counties): read from the daemon's own snapshot, the rows after their
 * group row are own rows, the first and last of the city's counties. */
START_TEST(a_city_mms_names_its_best_and_worst_county)
{
    char path[256];
    snprintf(path, sizeof path, "%s/snapshot.json", datadir);
    struct snap *s = NULL;
    ck_assert_msg(snap_read_file(path, &s), "cannot read %s", path);
    struct view_params p;
    struct view_error err = {0};
    struct view_bulletin v;
    view_params_list(&p, (const char *const[]){"branch", "420100", "date", DATE, NULL});
    ck_assert_msg(view_bulletin_build(s, &p, &v, &err), "%s", err.message);
    lift_from_the_bottom_tie(s, &v);
    view_bulletin_free(&v);
    ck_assert_msg(view_bulletin_build(s, &p, &v, &err), "%s", err.message);
    const struct view_bulletin_campaign *c = &v.campaigns[0];
    int best = -1, worst = -1;
    for (size_t i = 0; i < c->n; i++)
        if (snap_branch_within(s, c->rows[i].branch, v.branch)) {
            best = best < 0 ? (int)i : best;
            worst = (int)i;
        }
    ck_assert_msg(best >= 5 && c->rows[worst].bottom == false && worst > best,
                  "the fixture no longer has both outside the top and bottom five");
    struct doc *mms = bulletin_doc(&v, labels_get("zh"), BULLETIN_SHORT);
    const struct doc_block *table = NULL;
    for (size_t i = 0; i < mms->n && !table; i++)
        if (mms->blocks[i].kind == DOC_TABLE)
            table = &mms->blocks[i];
    ck_assert_ptr_nonnull(table);
    size_t g = 0;
    while (g < table->nrows && strcmp(table->rows[g].cells[0].text, "本单位区县：最好与最差") != 0)
        g++;
    ck_assert_msg(g + 2 < table->nrows, "no group of the city's best and worst");
    const int want[2] = {best, worst};
    for (int k = 0; k < 2; k++) {
        const struct doc_row *r = &table->rows[g + 1 + k];
        ck_assert(r->flags & DOC_ROW_OWN);
        ck_assert_str_eq(r->cells[2].text, s->branches[c->rows[want[k]].branch].name);
    }
    doc_free(mms);
    view_bulletin_free(&v);
    snap_unref(s);
}
END_TEST

/* Gmail shows an HTML part over 102 KB clipped behind "view entire message",
 * the alarms and the image among what is hidden: the province's bulletin and
 * every city's (the longest: the ranking and their own counties) stay under
 * it with a fifth to spare, 85,000 bytes: a day of many alarm changes made
 * the 200,000-subscriber demo's province 120 KB when this fixture's largest
 * was 100 KB. The cells take their size from the table (and the head's rule
 * for Word), not each its own: with their own, this fixture's was 100.6 KB. */
START_TEST(every_bulletin_fits_before_gmail_clips_it)
{
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    char *codes = harness_text(db, "SELECT string_agg(code, ' ' ORDER BY code) FROM dw.branch "
                                   "WHERE level <= 1");
    db_close(db);
    size_t largest = 0, n = 0;
    for (char *code = strtok(codes, " "); code; code = strtok(NULL, " "), n++) {
        char path[128], *body = NULL;
        size_t len = 0;
        snprintf(path, sizeof path, "/bulletins/" DATE "?branch=%s", code);
        ck_assert_int_eq(get(exec_auth, path, &body, &len), 200);
        ck_assert_msg(len < 85000, "%s: %zu bytes of HTML, too near Gmail's clip", path, len);
        largest = len > largest ? len : largest;
        free(body);
    }
    ck_assert_uint_ge(n, 10);
    fprintf(stderr, "the largest of %zu bulletins: %zu bytes of HTML\n", n, largest);
    free(codes);
}
END_TEST

START_TEST(the_command_writes_the_daemons_bytes)
{
    static const char *const formats[] = {"html", "pdf", "png"};
    for (size_t i = 0; i < 3; i++) {
        char *served = NULL, path[128], *out = harness_temp_file(""), *err = NULL;
        size_t len = 0;
        snprintf(path, sizeof path, "/bulletins/" DATE "?branch=420101&format=%s", formats[i]);
        ck_assert_int_eq(get(exec_auth, path, &served, &len), 200);
        const char *args[] = {"bulletin", "--db",     ci,         "--date", DATE, "--branch",
                              "420101",   "--format", formats[i], "--out",  out,  NULL};
        ck_assert_msg(harness_run(args, NULL, NULL, &err) == 0, "%s", err);
        FILE *f = fopen(out, "rb");
        ck_assert_ptr_nonnull(f);
        char *written = malloc(len + 1);
        size_t n = fread(written, 1, len + 1, f);
        fclose(f);
        ck_assert_msg(n == len && memcmp(written, served, len) == 0,
                      "%s: the command wrote %zu bytes, the daemon served %zu", formats[i], n, len);
        free(written);
        free(served);
        free(err);
        unlink(out);
        free(out);
    }
    /* bad input: one line, exit 2 or 1 */
    const char *nofmt[] = {"bulletin", "--db", ci, "--date", DATE, "--out", "/tmp/x.gif", NULL};
    char *err = NULL;
    ck_assert_int_eq(harness_run(nofmt, NULL, NULL, &err), 2);
    ck_assert_ptr_nonnull(strstr(err, "html, pdf or png"));
    free(err);
    const char *norun[] = {"bulletin", "--db",        ci,  "--date", "2020-01-01",
                           "--out",    "/tmp/x.html", NULL};
    ck_assert_int_eq(harness_run(norun, NULL, NULL, &err), 1);
    ck_assert_ptr_nonnull(strstr(err, "no compute run"));
    free(err);
    /* an unknown branch is a bad argument (exit 2), as for `report` */
    const char *nobranch[] = {"bulletin", "--db", ci,      "--date",      DATE,
                              "--branch", "NOPE", "--out", "/tmp/x.html", NULL};
    ck_assert_int_eq(harness_run(nobranch, NULL, NULL, &err), 2);
    ck_assert_msg(strstr(err, "--branch: no branch with code 'NOPE'") != NULL, "%s", err);
    ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n'), "more than one line: %s", err);
    free(err);
    /* a code typed with a CR LF: still one line, the bytes escaped */
    nobranch[6] = "NO\r\nPE";
    ck_assert_int_eq(harness_run(nobranch, NULL, NULL, &err), 2);
    ck_assert_msg(strstr(err, "no branch with code 'NO\\x0d\\nPE'") != NULL, "%s", err);
    ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n'), "more than one line: %s", err);
    free(err);
    /* so is a font family that is not installed, for the PNG and the PDF */
    const char *nofont[] = {"bulletin", "--db",           ci,      "--date",     DATE,
                            "--font",   "No Such Family", "--out", "/tmp/x.png", NULL};
    ck_assert_int_eq(harness_run(nofont, NULL, NULL, &err), 2);
    ck_assert_msg(strstr(err, "'No Such Family' is not installed"), "%s", err);
    ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n'), "more than one line: %s", err);
    free(err);
}
END_TEST

/* A tie across the bottom line of more than twice the bottom's count
 * (early in a campaign, a hundred counties at 0 %): said as a count and a
 * value, not named one by one, and the MMS lists none of it but the own
 * row (99 names pushed the ranking out of the image). Here every county
 * but three is set to 0 % in DATE's run, and put back after. */
START_TEST(a_crowd_at_the_bottom_is_counted_not_named)
{
    static const char k3[] =
        " FROM kpi.value v JOIN dw.branch b ON b.branch_id = v.branch_id"
        " WHERE v.run_id = (SELECT max(run_id) FROM kpi.run WHERE as_of = '" DATE "')"
        " AND v.kpi = 'bundling_coverage' AND v.dim IS NULL AND b.level = 2";
    char q[600];
    snprintf(q, sizeof q, "CREATE TABLE public.k3_saved AS SELECT v.*%s", k3);
    harness_exec_on(ci, q);
    harness_exec_on(ci, "UPDATE kpi.value v SET numerator = 0, value = 0 FROM public.k3_saved s"
                        " WHERE v.run_id = s.run_id AND v.kpi = s.kpi AND v.branch_id = s.branch_id"
                        " AND v.dim IS NULL AND v.campaign_id = s.campaign_id"
                        " AND s.branch_code NOT IN ('420102', '420103', '420104')");
    char *html = harness_temp_file(""), *png = harness_temp_file(""), *err = NULL;
    const char *args[] = {"bulletin", "--db",     ci,     "--date", DATE, "--branch",
                          "420101",   "--format", "html", "--out",  html, NULL};
    int rc = harness_run(args, NULL, NULL, &err);
    free(err);
    args[8] = "png";
    args[10] = png;
    int rc_png = harness_run(args, NULL, NULL, &err);
    harness_exec_on(ci, "UPDATE kpi.value v SET numerator = s.numerator, value = s.value"
                        " FROM public.k3_saved s WHERE v.run_id = s.run_id AND v.kpi = s.kpi"
                        " AND v.branch_id = s.branch_id AND v.dim IS NULL"
                        " AND v.campaign_id = s.campaign_id");
    harness_exec_on(ci, "DROP TABLE public.k3_saved");
    ck_assert_msg(rc == 0 && rc_png == 0, "%s", err);
    free(err);
    unsigned char *bytes = NULL;
    size_t n = 0;
    char why[300];
    ck_assert_msg(file_read_all(html, (size_t)1 << 22, &bytes, &n, why, sizeof why), "%s", why);
    char *text = (char *)bytes;
    ck_assert_msg(n > 0 && strstr(text, "个区县并列（同为 0.00%），不逐一列出"), "%s", text);
    ck_assert_msg(!strstr(text, "后五名（含并列"), "named one by one");
    free(text);
    unlink(html);
    unlink(png);
    free(html);
    free(png);
}
END_TEST

/* The county outside every city (the demo's 429999, without customers):
 * its bulletin says it is ranked nowhere, and its empty cards read "—
 * 无数据", not "— — 无数据". */
START_TEST(the_county_outside_every_city_says_it_is_ranked_nowhere)
{
    char *html = NULL;
    size_t len = 0;
    ck_assert_int_eq(get(exec_auth, "/bulletins/" DATE "?branch=429999", &html, &len), 200);
    ck_assert_msg(strstr(html, "该单位不属于任何上级单位，不参加排名。"), "%s", html);
    ck_assert_msg(!strstr(html, "— — ") && !strstr(html, "—</span> —"), "%s", html);
    free(html);
}
END_TEST

/* A branch without a member of a K2 tier: none of them left (0), not an
 * unknown count ("钻石卡 — 人" before). */
START_TEST(a_tier_without_members_left_none)
{
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    char *code = harness_text(
        db, "SELECT min(v.branch_code) FROM kpi.value v JOIN kpi.run r USING (run_id)"
            " WHERE r.as_of = '" DATE "' AND v.kpi = 'in_network_rate' AND v.dim IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM kpi.value d WHERE d.run_id = v.run_id"
            "  AND d.kpi = v.kpi AND d.branch_id = v.branch_id AND d.dim = 'diamond')");
    db_close(db);
    ck_assert_msg(code && *code, "every branch has diamond members: nothing to check");
    char path[128];
    snprintf(path, sizeof path, "/api/v1/bulletin?date=" DATE "&branch=%s", code);
    json_t *b = get_json(exec_auth, path);
    json_t *left = json_object_get(json_object_get(b, "left"), "diamond");
    ck_assert_msg(json_is_integer(left) && json_integer_value(left) == 0, "%s: left %s", code,
                  json_dumps(json_object_get(b, "left"), 0));
    json_decref(b);
    free(code);
}
END_TEST

/* s without its spaces. */
static void squeeze(char *s)
{
    char *to = s;
    for (const char *from = s; *from; from++)
        if (*from != ' ')
            *to++ = *from;
    *to = '\0';
}

/* The key members gone this year (tier's denominator less numerator),
 * or -1 when the tier has no value. */
static long long tier_gone(json_t *kpis, const char *code, const char *tier)
{
    json_t *x = harness_find_value(kpis, "in_network_rate", code, tier);
    return x ? llround(harness_num(x, "denominator") - harness_num(x, "numerator")) : -1;
}

/* The bulletin says how many diamond and gold members left since the
 * year's snapshot, the cause of a key account's red for the days after
 * each cancellation: the day's count alone (0 on most days) left the red
 * without its cause. */
START_TEST(the_key_members_gone_this_year_are_said)
{
    json_t *kpis = get_json(exec_auth, "/api/v1/kpis?kpi=in_network_rate&date=" DATE);
    const char *code = NULL;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(kpis, "values"), i, v)
    {
        const char *dim = json_string_value(json_object_get(v, "dim"));
        if (!code && dim && (strcmp(dim, "diamond") == 0 || strcmp(dim, "gold") == 0) &&
            harness_num(v, "denominator") > harness_num(v, "numerator"))
            code = json_string_value(json_object_get(v, "branch"));
    }
    ck_assert_msg(code, "no diamond or gold member gone: nothing to check");
    long long diamond = tier_gone(kpis, code, "diamond"), gold = tier_gone(kpis, code, "gold");
    diamond = diamond < 0 ? 0 : diamond; /* a tier without members: none gone */
    gold = gold < 0 ? 0 : gold;
    ck_assert_int_gt(diamond + gold, 0);
    ck_assert_msg(diamond < 1000 && gold < 1000, "counts with separators: %lld %lld", diamond,
                  gold);
    char path[128], line[160];
    snprintf(path, sizeof path, "/api/v1/bulletin?date=" DATE "&branch=%s", code);
    json_t *b = get_json(exec_auth, path);
    json_t *gone = json_object_get(b, "left_this_year");
    ck_assert_int_eq(json_integer_value(json_object_get(gone, "diamond")), diamond);
    ck_assert_int_eq(json_integer_value(json_object_get(gone, "gold")), gold);
    snprintf(line, sizeof line, "年初以来离网：钻石卡 %lld 人，金卡 %lld 人", diamond, gold);
    char *html = NULL, *pdf = NULL;
    size_t hlen = 0, plen = 0;
    snprintf(path, sizeof path, "/bulletins/" DATE "?branch=%s", code);
    ck_assert_int_eq(get(exec_auth, path, &html, &hlen), 200);
    snprintf(path, sizeof path, "/bulletins/" DATE "?branch=%s&format=pdf", code);
    ck_assert_int_eq(get(exec_auth, path, &pdf, &plen), 200);
    char *text = harness_tool_text("pdftotext -q -raw", pdf, plen);
    ck_assert_msg(strstr(html, line), "the HTML lacks %s", line);
    /* pdftotext joins Chinese and figures without the spaces between them */
    squeeze(text);
    squeeze(line);
    ck_assert_msg(strstr(text, line), "the PDF lacks %s", line);
    free(text);
    free(html);
    free(pdf);
    json_decref(b);
    json_decref(kpis);
}
END_TEST

int main(void)
{
    char *srcdir = getenv("RETENTIOND_SRCDIR");
    char fonts[1024];
    snprintf(fonts, sizeof fonts, "%s/tests/unit/fonts.conf", srcdir ? srcdir : ".");
    setenv("FONTCONFIG_FILE", fonts, 1);
    Suite *s = suite_create("bulletin");
    TCase *tc = tcase_create("bulletin");
    tcase_set_timeout(tc, 240);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_form_shows_the_api_figures);
    tcase_add_test(tc, the_reds_now_are_counted);
    tcase_add_test(tc, a_partial_satisfaction_is_flagged);
    tcase_add_test(tc, scope_and_errors);
    tcase_add_test(tc, every_bulletin_served_is_audited);
    tcase_add_test(tc, the_command_writes_the_daemons_bytes);
    tcase_add_test(tc, the_county_outside_every_city_says_it_is_ranked_nowhere);
    tcase_add_test(tc, a_crowd_at_the_bottom_is_counted_not_named);
    tcase_add_test(tc, every_bulletin_fits_before_gmail_clips_it);
    tcase_add_test(tc, a_tier_without_members_left_none);
    tcase_add_test(tc, the_key_members_gone_this_year_are_said);
    tcase_add_test(tc, a_city_mms_names_its_best_and_worst_county);
    suite_add_tcase(s, tc);
    int failed = harness_run_suite(s, false);
    return failed ? 1 : 0;
}
