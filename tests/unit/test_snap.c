/* Unit tests of the snapshot file loader (snap_read_file): a file written
 * by the daemon reads back; nulls where a branch code, name, id or level,
 * an indicator's code or name, a campaign's id or name belong refuse the
 * whole file; nulls in a value's KPI or branch or a rule skip that row;
 * never a crash (run under ASan/UBSan by scripts/test). The snapshot's
 * body cache: no budget, no caching; a body outlives its snapshot. */
#include "snap_load.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEADER_START "{\"format\":\"retentiond-snapshot/3\",\"id\":\"7-abc\",\"built_at\":1"
#define PROVINCE     "[1,\"420000\",\"湖北省公司\",null,0]"
#define CITY         "[2,\"420100\",\"武汉\",1,1]"
#define INDICATOR    "[\"S1\",\"总体满意度\",null,1.0]"
#define CAMPAIGN     "[5,\"融合\",\"2026-10-01\",\"2026-12-31\"]"

/* A value row: kpi, branch, dim, campaign, period, num, den, value,
 * status, base, challenge, partial, reason, path_base, path_challenge,
 * previous_status. */
#define VALUE(kpi, branch)                                                                         \
    "[" kpi "," branch ",null,null,null,90,100,0.9,\"green\",0.8,0.95,false,null,0.75,0.9,"        \
    "\"red\"]"

static char *header(const char *branches, const char *indicators, const char *campaigns)
{
    static char text[4096];
    snprintf(text, sizeof text,
             HEADER_START ",\"branches\":[%s],\"indicators\":[%s],\"campaigns\":[%s]}\n", branches,
             indicators, campaigns);
    return text;
}

static char *write_file(const char *head, const char *runs)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/rtnd-snap-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs(head, f);
    fputs(runs, f);
    fclose(f);
    return path;
}

/* A run line of the file: run 7 of 2026-11-21 with these value rows and
 * data-quality rows (JSON texts). */
static char *run_line(const char *const *values, size_t nvalues, const char *dq)
{
    static char line[8192];
    size_t n =
        (size_t)snprintf(line, sizeof line, "{\"run_id\":7,\"as_of\":\"2026-11-21\",\"values\":[");
    for (size_t i = 0; i < nvalues; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, "%s%s", i ? "," : "", values[i]);
    snprintf(line + n, sizeof line - n, "],\"data_quality\":%s}\n", dq);
    return line;
}

static const char *const good_values[] = {VALUE("\"retention_rate\"", "\"420000\""),
                                          VALUE("\"retention_rate\"", "\"420100\"")};

static char *good_runs(void)
{
    return run_line(good_values, 2, "[[\"orphan_rows\",3]]");
}

START_TEST(a_good_file_reads)
{
    char *path = write_file(header(PROVINCE "," CITY, INDICATOR, CAMPAIGN), good_runs());
    struct snap *s = NULL;
    ck_assert(snap_read_file(path, &s));
    ck_assert_str_eq(s->id, "7-abc");
    ck_assert_uint_eq(s->nbranches, 2);
    ck_assert_int_eq(s->branches[1].parent, 0);
    ck_assert_uint_eq(s->nruns, 1);
    ck_assert_uint_eq(s->runs[0]->nvalues, 2);
    ck_assert_uint_eq(s->runs[0]->ndq, 1);
    ck_assert_str_eq(s->campaigns[0].name, "融合");
    const struct snap_value *v = &s->runs[0]->values[0];
    ck_assert_double_eq(v->f[SNAP_PATH_BASE], 0.75);
    ck_assert_double_eq(v->f[SNAP_PATH_CHALLENGE], 0.9);
    ck_assert_int_eq(v->previous, SNAP_STATUS_RED);
    snap_unref(s);
    unlink(path);
}
END_TEST

/* A warehouse without campaigns or indicators (or branches): the file reads,
 * with empty lists (the loader sorts no NULL array: UBSan, in the
 * sanitizer build, stops at qsort(NULL, 0, ...)). */
START_TEST(a_file_without_campaigns_or_indicators_reads)
{
    static const char *const branches[] = {PROVINCE, ""};
    for (size_t i = 0; i < 2; i++) {
        char *path = write_file(header(branches[i], "", ""), i == 0 ? good_runs() : "");
        struct snap *s = NULL;
        ck_assert(snap_read_file(path, &s));
        unlink(path);
        ck_assert_uint_eq(s->nbranches, i == 0 ? 1 : 0);
        ck_assert_uint_eq(s->nindicators, 0);
        ck_assert_uint_eq(s->ncampaigns, 0);
        ck_assert_uint_eq(s->nruns, i == 0 ? 1 : 0);
        snap_unref(s);
    }
}
END_TEST

/* Reference items with a null where the loader needs a value: the file is
 * refused. */
static const struct {
    const char *branches, *indicators, *campaigns;
} bad_reference[] = {
    {"[1,null,\"湖北省公司\",null,0]", INDICATOR, CAMPAIGN},                /* branch code */
    {"[1,\"420000\",null,null,0]", INDICATOR, CAMPAIGN},                    /* branch name */
    {"[null,\"420000\",\"湖北省公司\",null,0]", INDICATOR, CAMPAIGN},       /* branch id */
    {"[1,\"420000\",\"湖北省公司\",null,null]", INDICATOR, CAMPAIGN},       /* branch level */
    {"[1,\"420000\",\"湖北省公司\"]", INDICATOR, CAMPAIGN},                 /* a short row */
    {"null", INDICATOR, CAMPAIGN},                                          /* not a row */
    {PROVINCE, "[null,\"总体满意度\",null,1.0]", CAMPAIGN},                 /* indicator code */
    {PROVINCE, "[\"S1\",null,null,1.0]", CAMPAIGN},                         /* indicator name */
    {PROVINCE, INDICATOR, "[null,\"融合\",\"2026-10-01\",\"2026-12-31\"]"}, /* campaign id */
    {PROVINCE, INDICATOR, "[5,null,\"2026-10-01\",\"2026-12-31\"]"},        /* campaign name */
    {PROVINCE, INDICATOR, "[]"},                                            /* an empty row */
};

START_TEST(nulls_in_reference_refuse_the_file)
{
    char *path = write_file(header(bad_reference[_i].branches, bad_reference[_i].indicators,
                                   bad_reference[_i].campaigns),
                            good_runs());
    struct snap *s = NULL;
    ck_assert(!snap_read_file(path, &s));
    ck_assert_ptr_null(s);
    unlink(path);
}
END_TEST

/* Value and data-quality rows with nulls: those rows are skipped, the rest
 * is read. */
static const char *const values_with_nulls[] = {
    VALUE("null", "\"420000\""),               /* no KPI */
    VALUE("\"retention_rate\"", "null"),       /* no branch */
    VALUE("\"retention_rate\"", "\"999999\""), /* an unknown branch */
    VALUE("\"retention_rate\"", "{}"),         /* a branch of the wrong type */
    "null",                                    /* not a row */
    "[]",                                      /* an empty row */
    "[null,null,null,null,null,null,null,null,null,null,null,null,null,null,null,null]",
    "[\"retention_rate\",\"420100\",null,null,null,null,null,null,null,null,null,null,null,null,"
    "null,null]",
    VALUE("\"retention_rate\"", "\"420000\""),
};

static const char dq_with_nulls[] = "[[null,3],null,[\"orphan_rows\",null],[\"late_rows\",2]]";

START_TEST(nulls_in_values_skip_the_row)
{
    char *path =
        write_file(header(PROVINCE "," CITY, INDICATOR, CAMPAIGN),
                   run_line(values_with_nulls,
                            sizeof values_with_nulls / sizeof values_with_nulls[0], dq_with_nulls));
    struct snap *s = NULL;
    ck_assert(snap_read_file(path, &s));
    unlink(path);
    const struct snap_run *r = s->runs[0];
    ck_assert_uint_eq(r->nvalues, 2); /* 420100 with null figures, and 420000 */
    int city = snap_branch_find(s, "420100"), province = snap_branch_find(s, "420000");
    const struct snap_value *v = snap_find(r, SNAP_RETENTION, city, NULL, -1);
    ck_assert_ptr_nonnull(v);
    ck_assert(isnan(v->f[SNAP_VALUE])); /* SQL NULL */
    ck_assert_int_eq(v->status, SNAP_STATUS_NONE);
    v = snap_find(r, SNAP_RETENTION, province, NULL, -1);
    ck_assert_ptr_nonnull(v);
    ck_assert_double_eq(v->f[SNAP_VALUE], 0.9);
    ck_assert_uint_eq(r->ndq, 2); /* orphan_rows (null rows read as 0) and late_rows */
    ck_assert_str_eq(snap_str(r->dq[0].rule), "orphan_rows");
    ck_assert_str_eq(snap_str(r->dq[1].rule), "late_rows");
    snap_unref(s);
}
END_TEST

/* A run line without its values array, or without its date: refused. */
START_TEST(a_run_without_values_refuses_the_file)
{
    static const char *const runs[] = {
        "{\"run_id\":8,\"as_of\":\"2026-11-22\",\"values\":null,\"data_quality\":[]}\n",
        "{\"run_id\":8,\"as_of\":null,\"values\":[],\"data_quality\":[]}\n",
        "null\n",
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        char *path = write_file(header(PROVINCE, INDICATOR, CAMPAIGN), runs[i]);
        struct snap *s = NULL;
        ck_assert_msg(!snap_read_file(path, &s), "%s", runs[i]);
        unlink(path);
    }
}
END_TEST

START_TEST(no_budget_no_cache_and_bodies_outlive_the_snapshot)
{
    char *path = write_file(header(PROVINCE, INDICATOR, CAMPAIGN), "");
    struct snap *s = NULL;
    ck_assert(snap_read_file(path, &s));
    unlink(path);
    ck_assert_ptr_null(snap_cache_put(s, "/a", "x", 1)); /* a new snapshot: budget 0 */
    snap_cache_set_budget(s, 4096);
    struct cache_body *b = snap_cache_put(s, "/a", "body", 4);
    ck_assert_ptr_nonnull(b);
    struct cache_body *hit = snap_cache_get(s, "/a");
    ck_assert_ptr_eq(hit, b);
    struct cache_stats st;
    snap_cache_stats(s, &st);
    ck_assert_uint_eq(st.entries, 1);
    ck_assert_uint_eq(st.budget, 4096);
    snap_unref(s);
    ck_assert(memcmp(cache_body_data(b), "body", 4) == 0);
    cache_body_unref(hit);
    cache_body_unref(b);
}
END_TEST

static Suite *snap_suite(void)
{
    Suite *s = suite_create("snap");
    TCase *tc = tcase_create("file");
    tcase_add_test(tc, a_good_file_reads);
    tcase_add_test(tc, a_file_without_campaigns_or_indicators_reads);
    tcase_add_loop_test(tc, nulls_in_reference_refuse_the_file, 0,
                        (int)(sizeof bad_reference / sizeof bad_reference[0]));
    tcase_add_test(tc, nulls_in_values_skip_the_row);
    tcase_add_test(tc, a_run_without_values_refuses_the_file);
    tcase_add_test(tc, no_budget_no_cache_and_bodies_outlive_the_snapshot);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(snap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
