/* Integration: the warehouse DDL and the demo province generator, loaded
 * into the private PostgreSQL cluster. */
#include "harness.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TODAY "2026-11-22"
#define SCALE 6000

static char dbname[64];
static char *wh_ci;
static struct db *db;

static void load_once(void)
{
    snprintf(dbname, sizeof dbname, "rt_it_wh_%d", (int)getpid());
    /* the cluster's template (digest_of generates the same province anew) */
    wh_ci = harness_demo_copy(dbname, 7, SCALE, TODAY);
    ck_assert(db_connect(wh_ci, 0, &db));
}

static void drop_once(void)
{
    db_close(db);
    harness_drop_db(dbname);
    free(wh_ci);
}

struct shown {
    const char *sql, *value;
};

/* Each SHOW of `expect` answers its value on d. */
static void assert_shown(struct db *d, const struct shown *expect, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        char *got = harness_text(d, expect[i].sql);
        ck_assert_msg(strcmp(got, expect[i].value) == 0, "%s: %s: %s", what, expect[i].sql, got);
        free(got);
    }
}

/* db_connect's session settings, beside the options the conninfo, a
 * service (pg_service.conf) or PGOPTIONS give. */
START_TEST(session_settings_keep_the_conninfo_options)
{
    char with[1024];
    snprintf(with, sizeof with, "%s options='-c search_path=dw -c application_name=it'", wh_ci);
    struct db *d = NULL;
    ck_assert(db_connect(with, 1234, &d));
    static const struct shown expect[] = {
        {"SHOW statement_timeout", "1234ms"},
        {"SHOW DateStyle", "ISO, YMD"},
        {"SHOW jit", "off"},
        {"SHOW client_encoding", "UTF8"},
        {"SHOW search_path", "dw"},
        {"SHOW application_name", "it"},
    };
    assert_shown(d, expect, sizeof expect / sizeof expect[0], "conninfo");
    db_close(d);
    /* a service's options (pg_service.conf) */
    char *services = harness_temp_file("[it]\noptions=-c search_path=dw\n");
    setenv("PGSERVICEFILE", services, 1);
    snprintf(with, sizeof with, "service=it %s", wh_ci);
    bool ok = db_connect(with, 1234, &d);
    unsetenv("PGSERVICEFILE");
    unlink(services);
    free(services);
    ck_assert(ok);
    assert_shown(d, expect, 5, "service"); /* all but application_name */
    db_close(d);
    /* without options of its own, PGOPTIONS still counts */
    setenv("PGOPTIONS", "-c application_name=env", 1);
    ok = db_connect(wh_ci, 0, &d);
    unsetenv("PGOPTIONS");
    ck_assert(ok);
    static const struct shown env[] = {{"SHOW application_name", "env"},
                                       {"SHOW statement_timeout", "0"}};
    assert_shown(d, env, 2, "PGOPTIONS");
    db_close(d);
}
END_TEST

START_TEST(branch_tree_shape)
{
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM dw.branch WHERE level = 0"), 1);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM dw.branch WHERE level = 1"), 12);
    long counties = harness_long(db, "SELECT count(*) FROM dw.branch WHERE level = 2");
    ck_assert_int_ge(counties, 140);
    ck_assert_int_le(counties, 160);
    /* every city hangs off the root, every county but the orphan off a city */
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM dw.branch c JOIN dw.branch p"
                                      " ON p.branch_id = c.parent_id WHERE c.level = p.level + 1"),
                     12 + counties - 1);
    char *root = harness_text(db, "SELECT name FROM dw.branch WHERE level = 0");
    ck_assert_str_eq(root, "湖北省公司");
    free(root);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM dw.branch WHERE name = '黄陂分公司'"
                                      " AND level = 2"),
                     1);
}
END_TEST

START_TEST(row_counts_and_months)
{
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM dw.subscriber"), SCALE);
    /* October of last year up to the last closed month (October, closed on 5 November) */
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM dw.billing_month"), 13);
    char *first = harness_text(db, "SELECT min(month) || ' ' || max(month) FROM dw.billing_month");
    ck_assert_str_eq(first, "2025-10-01 2026-10-01");
    free(first);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM dw.billing_month"
                                      " WHERE closed_on > DATE '" TODAY "'"),
                     0);
    /* usage only for closed months, one row per subscriber in the network */
    ck_assert_int_eq(harness_long(db,
                                  "SELECT count(*) FROM dw.monthly_usage u WHERE NOT EXISTS"
                                  " (SELECT 1 FROM dw.billing_month b WHERE b.month = u.month)"),
                     0);
    long usage = harness_long(db, "SELECT count(*) FROM dw.monthly_usage");
    ck_assert_int_gt(usage, SCALE * 11);
    ck_assert_int_lt(usage, SCALE * 13);
    /* about a third mid/high-end: three baseline months at >= 120 */
    long high = harness_long(db, "SELECT count(*) FROM (SELECT sub_id FROM dw.monthly_usage"
                                 " WHERE month BETWEEN '2025-10-01' AND '2025-12-01'"
                                 " AND bill_amount >= 120 GROUP BY sub_id HAVING count(*) = 3) h");
    ck_assert_int_gt(high, SCALE / 5);
    ck_assert_int_lt(high, SCALE * 2 / 5);
    /* yearly churn 5-10 % */
    long churn = harness_long(db, "SELECT count(*) FROM dw.subscriber"
                                  " WHERE cancelled_on BETWEEN '2025-11-22' AND '2026-11-22'");
    ck_assert_int_gt(churn, SCALE * 5 / 100);
    ck_assert_int_lt(churn, SCALE * 10 / 100);
}
END_TEST

START_TEST(vip_tiers_in_source_proportions)
{
    long d = harness_long(db, "SELECT count(*) FROM dw.vip_membership WHERE tier = 'diamond'");
    long g = harness_long(db, "SELECT count(*) FROM dw.vip_membership WHERE tier = 'gold'");
    long s = harness_long(db, "SELECT count(*) FROM dw.vip_membership WHERE tier = 'silver'");
    long m = harness_long(db, "SELECT count(*) FROM dw.vip_membership WHERE tier = 'member'");
    ck_assert(d > 0 && d < g && g < s && s < m);
    /* silver : member is 25,165 : 46,286 = 0.54 in the source */
    ck_assert_msg((double)s / (double)m > 0.40 && (double)s / (double)m < 0.70, "%ld/%ld", s, m);
    /* overlapping rows and rows starting on the snapshot day exist */
    ck_assert_int_gt(harness_long(db, "SELECT count(*) FROM dw.vip_membership"
                                      " WHERE valid_from = DATE '2026-01-01'"),
                     0);
    ck_assert_int_gt(harness_long(db, "SELECT count(*) FROM (SELECT sub_id FROM dw.vip_membership"
                                      " GROUP BY sub_id HAVING count(*) > 1) o"),
                     0);
}
END_TEST

START_TEST(bundling_campaign_accumulates)
{
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM dw.bundle_campaign"
                                      " WHERE starts_on = '2026-10-01' AND ends_on = '2026-12-31'"),
                     1);
    long targets = harness_long(db, "SELECT count(*) FROM dw.bundle_target");
    long bundled = harness_long(db, "SELECT count(DISTINCT t.sub_id) FROM dw.bundle_target t"
                                    " JOIN dw.bundle_contract c USING (sub_id)"
                                    " WHERE c.signed_on >= '2026-10-01'");
    /* 53 of 92 days gone: about 40 % x 53/92 = 23 % */
    ck_assert_msg(bundled * 100 > targets * 15 && bundled * 100 < targets * 32, "%ld/%ld", bundled,
                  targets);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM dw.bundle_contract"
                                      " WHERE signed_on > DATE '" TODAY "'"),
                     0);
    /* contracts appear on many different days */
    ck_assert_int_gt(harness_long(db, "SELECT count(DISTINCT signed_on) FROM dw.bundle_contract"
                                      " WHERE signed_on >= '2026-10-01'"),
                     40);
}
END_TEST

START_TEST(dirty_rows_are_there)
{
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM dw.monthly_usage u WHERE NOT EXISTS"
                                      " (SELECT 1 FROM dw.subscriber s WHERE s.sub_id = u.sub_id)"),
                     50);
    ck_assert_int_gt(harness_long(db, "SELECT count(*) FROM dw.monthly_usage"
                                      " WHERE bill_amount IS NULL"),
                     0);
    ck_assert_int_gt(harness_long(db, "SELECT count(*) FROM dw.monthly_usage"
                                      " WHERE bill_amount < 0"),
                     0);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM dw.branch"
                                      " WHERE parent_id IS NULL AND level > 0"),
                     1);
    ck_assert_int_gt(harness_long(db, "SELECT count(*) FROM dw.survey_response"
                                      " WHERE score IS NULL"),
                     0);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM dw.survey_response"
                                      " WHERE score < 0 OR score > 100"),
                     15);
    ck_assert_int_eq(harness_long(db,
                                  "SELECT count(*) FROM dw.survey_response r WHERE NOT EXISTS"
                                  " (SELECT 1 FROM dw.branch b WHERE b.branch_id = r.branch_id)"),
                     10);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM dw.survey_response r WHERE EXISTS"
                                      " (SELECT 1 FROM dw.satisfaction_indicator i"
                                      " WHERE i.parent_code = r.indicator)"),
                     10);
    ck_assert_int_gt(harness_long(db, "SELECT count(*) FROM (SELECT branch_id, brand, surveyed_on,"
                                      " indicator, score FROM dw.survey_response"
                                      " GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1) d"),
                     0);
}
END_TEST

static const char digest_sql[] =
    "SELECT md5(string_agg(t, '|')) FROM ("
    " SELECT (SELECT md5(string_agg(s::text, ',' ORDER BY sub_id)) FROM dw.subscriber s) AS t"
    " UNION ALL SELECT (SELECT md5(string_agg(u::text, ',' ORDER BY sub_id, month))"
    "   FROM dw.monthly_usage u)"
    " UNION ALL SELECT (SELECT md5(string_agg(v::text, ',' ORDER BY v::text))"
    "   FROM dw.vip_membership v)"
    " UNION ALL SELECT (SELECT md5(string_agg(c::text, ',' ORDER BY contract_id))"
    "   FROM dw.bundle_contract c)"
    " UNION ALL SELECT (SELECT md5(string_agg(r::text, ',' ORDER BY response_id))"
    "   FROM dw.survey_response r)) x";

static char *digest_of(int seed)
{
    char name[64];
    snprintf(name, sizeof name, "rt_it_wh_det_%d", (int)getpid());
    char *ci = harness_generate_db(name, seed, SCALE, TODAY); /* anew, not the template */
    struct db *other = NULL;
    ck_assert(db_connect(ci, 0, &other));
    char *d = harness_text(other, digest_sql);
    db_close(other);
    harness_drop_db(name);
    free(ci);
    return d;
}

START_TEST(generator_is_deterministic)
{
    char *mine = harness_text(db, digest_sql);
    char *same = digest_of(7);
    char *other = digest_of(8);
    ck_assert_str_eq(mine, same);
    ck_assert_str_ne(mine, other);
    free(mine);
    free(same);
    free(other);
}
END_TEST

static Suite *warehouse_suite(void)
{
    Suite *s = suite_create("warehouse");
    TCase *tc = tcase_create("demo");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, load_once, drop_once);
    tcase_add_test(tc, session_settings_keep_the_conninfo_options);
    tcase_add_test(tc, branch_tree_shape);
    tcase_add_test(tc, row_counts_and_months);
    tcase_add_test(tc, vip_tiers_in_source_proportions);
    tcase_add_test(tc, bundling_campaign_accumulates);
    tcase_add_test(tc, dirty_rows_are_there);
    tcase_add_test(tc, generator_is_deterministic);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int failed = harness_run_suite(warehouse_suite(), true);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
