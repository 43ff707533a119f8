/* Unit tests of the typed views (daemon/views) without a database: each
 * view built over snapshot fixtures in the snapshot file format
 * (tests/fixtures/snapshots/, described in its README.md) read with
 * snap_read_file(), plus a zone month (moves, at-risk members) added in
 * memory, since the file does not hold those.
 *
 * One Suite per view. In each: a table of parameters (and scope) with the
 * status, error code and parameter expected, run through view_validate(),
 * view_json() and the view's own check function, which must agree; and the
 * figures of the built struct and its JSON against what the fixture gives
 * when worked out by hand (the numbers are in the comments). Then the
 * pages' word tables (labels.h), which every page and chart reads. */
#include "alarms.h"
#include "buf.h"
#include "grid.h"
#include "kpis.h"
#include "labels.h"
#include "mem.h"
#include "ranking.h"
#include "runs.h"
#include "satisfaction.h"
#include "snap_int.h"
#include "trend.h"
#include "view.h"
#include "zones.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The branch whose code holds a comma and quotes, in C and in the expected
 * JSON texts below (written with ' for ", see expect_json). */
#define Q  "420103,\"Q\""
#define QJ "'420103,\\\"Q\\\"'"

/* A NULL-terminated list of parameters (name, value, ...) for the call. */
#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NOARGS    ((const char *const[]){NULL})

/* ---- fixtures ------------------------------------------------------------------------------- */

static struct snap *snap; /* the running test's snapshot (views.jsonl) */

static struct snap *load(const char *name)
{
    const char *src = getenv("RETENTIOND_SRCDIR");
    ck_assert_msg(src != NULL, "RETENTIOND_SRCDIR is not set");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/snapshots/%s", src, name);
    struct snap *s = NULL;
    ck_assert_msg(snap_read_file(path, &s), "cannot read %s", path);
    return s;
}

/* The zone month of run 12 (2026-10), as snap_load.c reads it from
 * kpi.zone_members: moves per leaf branch (M-1 zone -> M zone) and the
 * at-risk members in the list's order (sub_id as text, then branch). Into
 * each zone, 420100's moves add up to its run-12 counts (white 3, red 5,
 * yellow 8, blue 40, green 100); 420201 (under 420200) adds white->red 4
 * and red->red 1 for the province. */
static const struct {
    const char *branch, *from, *to;
    uint32_t members;
} zone_moves[] = {
    {"420101", "red", "white", 1},   {"420101", "white", "white", 1},
    {"420101", "green", "red", 2},   {"420101", "green", "green", 60},
    {"420101", "yellow", "blue", 2}, {"420102", "none", "white", 1},
    {"420102", "green", "red", 3},   {"420102", "none", "yellow", 3},
    {"420102", "blue", "yellow", 5}, {"420102", "blue", "blue", 38},
    {Q, "green", "green", 40},       {Q, "red", "out", 1},
    {"420201", "white", "red", 4},   {"420201", "red", "red", 1},
};

static const struct {
    long long sub_id;
    const char *branch, *zone, *figures;
} zone_members[] = {
    {1001, "420101", "white", "12.00,30,0.00,0"},
    {1002, Q, "red", "88.50,310,41.20,95"},
    {1003, "420102", "yellow", "120.00,800,95.00,610"},
    {1004, "420201", "red", "60.00,200,20.00,15"},
    {998, "420101", "red", "45.00,100,10.00,5"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void add_zone_month(struct snap *s, long long run_id, const char *month)
{
    struct snap_zones *z = xcalloc(1, sizeof *z);
    atomic_init(&z->refs, 1);
    z->run_id = run_id;
    snprintf(z->month, sizeof z->month, "%s", month);
    z->moves = xcalloc(COUNT(zone_moves), sizeof *z->moves);
    for (size_t i = 0; i < COUNT(zone_moves); i++) {
        int b = snap_branch_find(s, zone_moves[i].branch);
        int from = snap_zone_parse(zone_moves[i].from), to = snap_zone_parse(zone_moves[i].to);
        ck_assert(b >= 0 && from >= 0 && to >= 0);
        z->moves[z->nmoves++] = (struct snap_move){.members = zone_moves[i].members,
                                                   .branch = (uint16_t)b,
                                                   .from = (uint8_t)from,
                                                   .to = (uint8_t)to};
    }
    z->at_risk = xcalloc(COUNT(zone_members), sizeof *z->at_risk);
    for (size_t i = 0; i < COUNT(zone_members); i++) {
        int b = snap_branch_find(s, zone_members[i].branch);
        int zone = snap_zone_parse(zone_members[i].zone);
        ck_assert(b >= 0 && zone >= 0 && SNAP_AT_RISK(zone));
        z->at_risk[z->nat_risk++] =
            (struct snap_member){.sub_id = zone_members[i].sub_id,
                                 .figures = xstrdup(zone_members[i].figures),
                                 .branch = (uint16_t)b,
                                 .zone = (uint8_t)zone};
    }
    snap_add_zones(s, z);
}

static void setup(void)
{
    snap = load("views.jsonl");
}

/* The same, with run 12's zone month in memory. */
static void setup_zones(void)
{
    snap = load("views.jsonl");
    add_zone_month(snap, 12, "2026-10");
}

static void teardown(void)
{
    snap_unref(snap);
    snap = NULL;
}

/* ---- calling the views ------------------------------------------------------------------------
 */

static struct view_params params(const char *const *args, const char *scope)
{
    struct view_params p;
    view_params_list(&p, args);
    p.scope = scope;
    return p;
}

static enum view_kind kind_of(const char *name)
{
    int k = view_kind_parse(name);
    ck_assert_msg(k >= 0, "no view named %s", name);
    return (enum view_kind)k;
}

/* view_json() of a view expected to succeed (view_validate() agreeing);
 * *complete (if asked) tells whether the body may be cached. */
static json_t *view_ok_p(const char *name, const struct view_params *p, bool *complete)
{
    struct view_error err = {0};
    json_t *out = NULL;
    bool done = false;
    ck_assert_msg(view_validate(kind_of(name), snap, p, &err), "%s: %u %s %s", name, err.status,
                  err.code, err.message);
    ck_assert_msg(view_json(kind_of(name), snap, p, &out, &done, &err), "%s: %u %s %s", name,
                  err.status, err.code, err.message);
    ck_assert_ptr_nonnull(out);
    if (complete)
        *complete = done;
    return out;
}

static json_t *view_ok(const char *name, const char *const *args)
{
    struct view_params p = params(args, NULL);
    return view_ok_p(name, &p, NULL);
}

/* ---- reading JSON back ------------------------------------------------------------------------
 */

static json_t *get(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    ck_assert_msg(v != NULL, "no member %s", key);
    return v;
}

/* A JSON scalar as text: strings as they are, integers plainly, reals with
 * a fraction (84.0, not 84), so that the type shows. */
static void scalar_text(struct buf *b, json_t *v)
{
    if (json_is_string(v)) {
        buf_puts(b, json_string_value(v));
    } else if (json_is_integer(v)) {
        buf_printf(b, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        char num[64];
        snprintf(num, sizeof num, "%.10g", json_real_value(v));
        buf_puts(b, num);
        if (!strpbrk(num, ".en"))
            buf_puts(b, ".0");
    } else {
        buf_puts(b, json_is_null(v) ? "null" : json_is_true(v) ? "true" : "false");
    }
}

/* The members `keys` of each object of arr, ':' between members and ' '
 * between objects: a one-line picture of a list to compare with a string
 * worked out by hand. The caller frees. */
static char *pick(json_t *arr, const char *const *keys)
{
    struct buf b = BUF_INIT;
    size_t i;
    json_t *o;
    ck_assert_msg(json_is_array(arr), "not an array");
    json_array_foreach(arr, i, o)
    {
        if (i)
            buf_puts(&b, " ");
        for (const char *const *k = keys; *k; k++) {
            if (k != keys)
                buf_puts(&b, ":");
            scalar_text(&b, get(o, *k));
        }
    }
    return buf_detach(&b, NULL);
}

#define expect_pick(arr, want, ...)                                                                \
    do {                                                                                           \
        char *got_ = pick((arr), ARGS(__VA_ARGS__));                                               \
        ck_assert_str_eq(got_, (want));                                                            \
        free(got_);                                                                                \
    } while (0)

/* got equals the JSON text want, written with ' for " (a " inside a string
 * is \"). */
static void expect_json(json_t *got, const char *want_text)
{
    char *text = xstrdup(want_text);
    for (char *c = text; *c; c++)
        if (*c == '\'')
            *c = '"';
    json_error_t jerr;
    json_t *want = json_loads(text, 0, &jerr);
    ck_assert_msg(want != NULL, "expected JSON does not parse: %s: %s", jerr.text, text);
    char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    char *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    ck_assert_msg(json_equal(got, want), "got  %s\nwant %s", g, w);
    free(g);
    free(w);
    free(text);
    json_decref(want);
}

/* ---- the error tables --------------------------------------------------------------------- */

struct error_case {
    const char *args[13]; /* name, value, ...; NULL after the last */
    unsigned status;      /* 200: valid */
    const char *code, *param;
    const char *scope;   /* view_params.scope; NULL: none */
    const char *fixture; /* NULL: views.jsonl */
};

/* The view's own check function, by name (customers is not a view kind:
 * its CSV has a handler of its own). */
static bool own_check(const char *name, const struct snap *s, const struct view_params *p,
                      struct view_error *err)
{
    static const struct {
        const char *name;
        bool (*check)(const struct snap *, const struct view_params *, struct view_error *);
    } checks[] = {
        {"kpis", view_kpis_check},           {"trend", view_trend_check},
        {"ranking", view_ranking_check},     {"alarms", view_alarms_check},
        {"zones", view_zones_check},         {"satisfaction", view_satisfaction_check},
        {"customers", view_customers_check}, {"grid", view_grid_check},
        {"runs", view_runs_check},
    };
    for (size_t i = 0; i < COUNT(checks); i++)
        if (strcmp(checks[i].name, name) == 0)
            return checks[i].check(s, p, err);
    return view_validate(kind_of(name), s, p, err); /* branches, data-quality */
}

static void expect_error(const char *how, const struct error_case *c, bool ok,
                         const struct view_error *err)
{
    if (c->status == 200) {
        ck_assert_msg(ok, "%s: %u %s (%s) %s", how, err->status, err->code, err->param,
                      err->message);
        return;
    }
    ck_assert_msg(!ok, "%s: valid, want %u %s", how, c->status, c->code);
    ck_assert_msg(err->status == c->status && strcmp(err->code, c->code) == 0,
                  "%s: %u %s, want %u %s", how, err->status, err->code, c->status, c->code);
    ck_assert_msg(c->param ? err->param && strcmp(err->param, c->param) == 0 : err->param == NULL,
                  "%s: param %s, want %s", how, err->param ? err->param : "NULL",
                  c->param ? c->param : "NULL");
    ck_assert_msg(err->message[0] != '\0', "%s: no message", how);
}

/* Case c of view `name`: view_validate(), view_json() (or for customers
 * view_customers_build()) and the view's check function give the same
 * answer, the expected one. */
static void run_error_case(const char *name, const struct error_case *c)
{
    struct snap *s = c->fixture ? load(c->fixture) : snap_ref(snap);
    struct view_params p = params(c->args, c->scope);
    struct view_error e_check = {0}, e_validate = {0}, e_json = {0};
    bool ok;

    ok = own_check(name, s, &p, &e_check);
    expect_error("check", c, ok, &e_check);
    if (strcmp(name, "customers") == 0) {
        struct view_customers v;
        ok = view_customers_build(s, &p, &v, &e_json);
        view_customers_free(&v);
        expect_error("build", c, ok, &e_json);
    } else {
        json_t *out = NULL;
        bool complete = false;
        ok = view_validate(kind_of(name), s, &p, &e_validate);
        expect_error("view_validate", c, ok, &e_validate);
        ok = view_json(kind_of(name), s, &p, &out, &complete, &e_json);
        expect_error("view_json", c, ok, &e_json);
        ck_assert(ok ? out != NULL : out == NULL);
        json_decref(out);
    }
    snap_unref(s);
}

/* A row: A(name, value, ...), then VALID or FAILS(status, code, param),
 * then optionally the scope and another fixture. */
#define A(...)                 .args = {__VA_ARGS__}
#define VALID                  .status = 200
#define FAILS(st, code_, par_) .status = (st), .code = (code_), .param = (par_)
#define NO_RUNS                .fixture = "no_runs.jsonl"
#define NO_PROVINCE            .fixture = "no_province.jsonl"
#define SCOPE(code)            .scope = (code)

/* ---- branches ------------------------------------------------------------------------------ */

/* The province with its subtree, children by code, then the orphan (its
 * parent id 99 is unknown) as a second root. */
START_TEST(branches_tree_with_orphans_as_roots)
{
    json_t *got = view_ok("branches", NOARGS);
    expect_json(got, "{'branches': ["
                     " {'code': '420000', 'name': '湖北省公司', 'level': 0, 'children': ["
                     "  {'code': '420100', 'name': '武汉', 'level': 1, 'children': ["
                     "   {'code': '420101', 'name': '江岸', 'level': 2, 'children': []},"
                     "   {'code': '420102', 'name': '江汉', 'level': 2, 'children': []},"
                     "   {'code': " QJ ", 'name': '硚口', 'level': 2, 'children': []}]},"
                     "  {'code': '420200', 'name': '黄石', 'level': 1, 'children': ["
                     "   {'code': '420201', 'name': '下陆', 'level': 2, 'children': []}]}]},"
                     " {'code': '429901', 'name': '孤儿县', 'level': 2, 'children': []}]}");
    json_decref(got);
}
END_TEST

/* With a scope, the scope's branch and its subtree, nothing else; a scope
 * not in the snapshot is refused. */
START_TEST(branches_scope_is_its_subtree)
{
    struct view_params p = params(NOARGS, "420100");
    json_t *got = view_ok_p("branches", &p, NULL);
    expect_json(got, "{'branches': ["
                     " {'code': '420100', 'name': '武汉', 'level': 1, 'children': ["
                     "  {'code': '420101', 'name': '江岸', 'level': 2, 'children': []},"
                     "  {'code': '420102', 'name': '江汉', 'level': 2, 'children': []},"
                     "  {'code': " QJ ", 'name': '硚口', 'level': 2, 'children': []}]}]}");
    json_decref(got);
    p = params(NOARGS, "420201");
    got = view_ok_p("branches", &p, NULL);
    expect_json(got, "{'branches': [{'code': '420201', 'name': '下陆', 'level': 2, "
                     "'children': []}]}");
    json_decref(got);
}
END_TEST

static const struct error_case branches_errors[] = {
    {A(NULL), VALID},
    {A(NULL), VALID, SCOPE("420100")},
    {A(NULL), FAILS(403, "out_of_scope", NULL), SCOPE("999999")},
};

START_TEST(branches_errors_table)
{
    run_error_case("branches", &branches_errors[_i]);
}
END_TEST

static Suite *branches_suite(void)
{
    Suite *s = suite_create("branches");
    TCase *tc = tcase_create("figures");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, branches_tree_with_orphans_as_roots);
    tcase_add_test(tc, branches_scope_is_its_subtree);
    tcase_add_loop_test(tc, branches_errors_table, 0, COUNT(branches_errors));
    suite_add_tcase(s, tc);
    return s;
}

/* ---- kpis ------------------------------------------------------------------------------------ */

static const struct error_case kpis_errors[] = {
    {A(NULL), VALID},
    {A("date", "2026-11-21", "kpi", "in_network_rate", "branch", "420100"), VALID},
    {A("date", "2026-02-30"), FAILS(400, "invalid_date", "date")},
    {A("date", "yesterday"), FAILS(400, "invalid_date", "date")},
    {A("date", "2026-11-2"), FAILS(400, "invalid_date", "date")},
    {A("kpi", "churn"), FAILS(400, "unknown_kpi", "kpi")},
    {A("kpi", ""), FAILS(400, "unknown_kpi", "kpi")},
    {A("branch", "999999"), FAILS(400, "unknown_branch", "branch")},
    {A("branch", ""), FAILS(400, "unknown_branch", "branch")},
    {A("date", "2026-11-19"), FAILS(404, "no_run", "date")},
    /* the parameters' validity before the run's existence */
    {A("date", "2026-11-19", "kpi", "churn"), FAILS(400, "unknown_kpi", "kpi")},
    {A(NULL), FAILS(404, "no_run", NULL), NO_RUNS},
    {A("branch", "420101"), VALID, SCOPE("420100")},
    {A("branch", "420200"), FAILS(403, "out_of_scope", "branch"), SCOPE("420100")},
    {A("branch", "429901"), FAILS(403, "out_of_scope", "branch"), SCOPE("420100")},
    /* a scoped caller learns nothing of other codes: unknown ones are refused alike */
    {A("branch", "999999"), FAILS(403, "out_of_scope", "branch"), SCOPE("420100")},
    {A("branch", "999999"), FAILS(400, "unknown_branch", "branch")},
    {A(NULL), FAILS(403, "out_of_scope", NULL), SCOPE("999999")},
    {A("kpi", "retention_rate"), FAILS(403, "out_of_scope", NULL), SCOPE("999999")},
};

START_TEST(kpis_errors_by_table)
{
    run_error_case("kpis", &kpis_errors[_i]);
}
END_TEST

/* The built struct: the values of the filter, in the run's order. */
static void expect_kpis(const char *const *args, const char *scope, size_t n, const char *want)
{
    struct view_params p = params(args, scope);
    struct view_kpis v;
    struct view_error err = {0};
    ck_assert_msg(view_kpis_build(snap, &p, &v, &err), "%s", err.message);
    ck_assert_uint_eq(v.n, n);
    for (size_t i = 1; i < v.n; i++)
        ck_assert(v.values[i - 1] < v.values[i]); /* the run's order */
    json_t *got = view_kpis_json(&v);
    ck_assert_uint_eq(json_array_size(get(got, "values")), n);
    expect_pick(get(got, "values"), want, "kpi", "branch", "dim");
    json_decref(got);
    view_kpis_free(&v);
}

START_TEST(kpis_filtered_by_kpi_and_branch)
{
    /* unfiltered: the whole newest run, as the file holds it */
    json_t *got = view_ok("kpis", NOARGS);
    ck_assert_str_eq(json_string_value(get(got, "as_of")), "2026-11-21");
    ck_assert_int_eq(json_integer_value(get(got, "run_id")), 12);
    ck_assert_uint_eq(json_array_size(get(got, "values")), 38);
    expect_json(get(got, "data_quality"),
                "[{'rule': 'orphan_rows', 'rows': 3}, {'rule': 'usage_null_bill', 'rows': 492}]");
    json_decref(got);

    expect_kpis(ARGS("kpi", "in_network_rate"), NULL, 5,
                "in_network_rate:420000:null in_network_rate:420000:diamond "
                "in_network_rate:420000:gold in_network_rate:420100:null "
                "in_network_rate:420100:diamond");
    expect_kpis(ARGS("kpi", "in_network_rate", "branch", "420100"), NULL, 2,
                "in_network_rate:420100:null in_network_rate:420100:diamond");
    /* one branch, every KPI: K1, K2 (2), K3 (campaigns 1 and 2), K4 (5), K5 (5) */
    expect_kpis(ARGS("branch", "420100"), NULL, 15,
                "retention_rate:420100:null in_network_rate:420100:null "
                "in_network_rate:420100:diamond bundling_coverage:420100:null "
                "bundling_coverage:420100:null satisfaction:420100:S satisfaction:420100:S1 "
                "satisfaction:420100:S2 satisfaction:420100:S3 satisfaction:420100:S4 "
                "zone_count:420100:blue zone_count:420100:green zone_count:420100:red "
                "zone_count:420100:white zone_count:420100:yellow");
    expect_kpis(ARGS("branch", Q), NULL, 2,
                "retention_rate:" Q ":null bundling_coverage:" Q ":null");
    expect_kpis(ARGS("kpi", "satisfaction_gotone"), NULL, 1, "satisfaction_gotone:420200:S");
    /* an older run, one KPI */
    expect_kpis(ARGS("date", "2026-10-31", "kpi", "zone_count"), NULL, 10,
                "zone_count:420000:blue zone_count:420000:green zone_count:420000:red "
                "zone_count:420000:white zone_count:420000:yellow zone_count:420100:blue "
                "zone_count:420100:green zone_count:420100:red zone_count:420100:white "
                "zone_count:420100:yellow");
    /* within the scope, a branch below its root */
    expect_kpis(ARGS("branch", "420101"), "420100", 2,
                "retention_rate:420101:null bundling_coverage:420101:null");
}
END_TEST

/* With a scope, no branch means the scope's root, as in every view: its
 * values only, not the whole run. */
START_TEST(kpis_scope_root_by_default)
{
    expect_kpis(NOARGS, "420100", 15,
                "retention_rate:420100:null in_network_rate:420100:null "
                "in_network_rate:420100:diamond bundling_coverage:420100:null "
                "bundling_coverage:420100:null satisfaction:420100:S satisfaction:420100:S1 "
                "satisfaction:420100:S2 satisfaction:420100:S3 satisfaction:420100:S4 "
                "zone_count:420100:blue zone_count:420100:green zone_count:420100:red "
                "zone_count:420100:white zone_count:420100:yellow");
    expect_kpis(ARGS("kpi", "retention_rate"), Q, 1, "retention_rate:" Q ":null");
    /* without a scope, the whole run */
    expect_kpis(ARGS("kpi", "retention_rate"), NULL, 8,
                "retention_rate:420000:null retention_rate:420100:null "
                "retention_rate:420101:null retention_rate:420102:null retention_rate:" Q
                ":null retention_rate:420200:null retention_rate:420201:null "
                "retention_rate:429901:null");
}
END_TEST

/* The contract's objects: K2 with a reason, K3 with its campaign, K4 with
 * its period and partial flag; integers stay integers. */
START_TEST(kpis_values_as_the_contract)
{
    json_t *got = view_ok("kpis", ARGS("kpi", "in_network_rate", "branch", "420000"));
    expect_json(json_array_get(get(got, "values"), 1),
                "{'kpi': 'in_network_rate', 'branch': '420000', 'dim': 'diamond',"
                " 'numerator': 190, 'denominator': 200, 'value': 0.95, 'status': 'red',"
                " 'target_base': 0.97, 'target_challenge': 0.99, 'path_base': null,"
                " 'path_challenge': null, 'previous_status': 'green',"
                " 'reason': 'key_account_cancellation'}");
    json_decref(got);
    got = view_ok("kpis", ARGS("kpi", "bundling_coverage", "branch", "420101"));
    expect_json(get(got, "values"),
                "[{'kpi': 'bundling_coverage', 'branch': '420101', 'dim': null,"
                " 'numerator': 30, 'denominator': 100, 'value': 0.3, 'status': 'excellent',"
                " 'target_base': 0.25, 'target_challenge': 0.35, 'path_base': 0.2,"
                " 'path_challenge': 0.28, 'previous_status': 'green', 'campaign': 1,"
                " 'reason': 'at_or_above_challenge_path'}]");
    json_decref(got);
    got = view_ok("kpis", ARGS("kpi", "satisfaction", "branch", "420000"));
    expect_json(get(got, "values"),
                "[{'kpi': 'satisfaction', 'branch': '420000', 'dim': 'S', 'numerator': null,"
                " 'denominator': null, 'value': 85.0, 'status': 'green', 'target_base': 82,"
                " 'target_challenge': null, 'path_base': null, 'path_challenge': null,"
                " 'previous_status': 'green', 'period': '2026-10', 'partial': true}]");
    json_decref(got);
}
END_TEST

static Suite *kpis_suite(void)
{
    Suite *s = suite_create("kpis");
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_loop_test(errors, kpis_errors_by_table, 0, (int)COUNT(kpis_errors));
    suite_add_tcase(s, errors);
    TCase *tc = tcase_create("figures");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, kpis_filtered_by_kpi_and_branch);
    tcase_add_test(tc, kpis_values_as_the_contract);
    tcase_add_test(tc, kpis_scope_root_by_default);
    suite_add_tcase(s, tc);
    return s;
}

/* ---- data quality ------------------------------------------------------------------------ */

static const struct error_case quality_errors[] = {
    {A(NULL), VALID},
    {A("date", "2026-10-31"), VALID},
    {A("date", "2026-1-31"), FAILS(400, "invalid_date", "date")},
    {A("date", "2026-11-19"), FAILS(404, "no_run", "date")},
    {A(NULL), FAILS(404, "no_run", NULL), NO_RUNS},
};

START_TEST(quality_errors_by_table)
{
    run_error_case("data-quality", &quality_errors[_i]);
}
END_TEST

START_TEST(quality_of_a_run)
{
    json_t *got = view_ok("data-quality", NOARGS);
    expect_json(got,
                "{'as_of': '2026-11-21', 'run_id': 12, 'data_quality':"
                " [{'rule': 'orphan_rows', 'rows': 3}, {'rule': 'usage_null_bill', 'rows': 492}],"
                " 'branches_without_parent': [{'code': '429901', 'name': '孤儿县'}]}");
    json_decref(got);
    got = view_ok("data-quality", ARGS("date", "2026-11-20"));
    expect_json(got,
                "{'as_of': '2026-11-20', 'run_id': 11, 'data_quality':"
                " [{'rule': 'orphan_rows', 'rows': 0}, {'rule': 'usage_null_bill', 'rows': 480}],"
                " 'branches_without_parent': [{'code': '429901', 'name': '孤儿县'}]}");
    json_decref(got);
}
END_TEST

static Suite *quality_suite(void)
{
    Suite *s = suite_create("data-quality");
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_loop_test(errors, quality_errors_by_table, 0, (int)COUNT(quality_errors));
    suite_add_tcase(s, errors);
    TCase *tc = tcase_create("figures");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, quality_of_a_run);
    suite_add_tcase(s, tc);
    return s;
}

/* ---- trend --------------------------------------------------------------------------------- */

static const struct error_case trend_errors[] = {
    {A("kpi", "retention_rate"), VALID},
    {A("kpi", "bundling_coverage", "branch", "420100", "campaign", "2", "from", "2026-11-01", "to",
       "2026-11-01"),
     VALID},
    {A(NULL), FAILS(400, "missing_parameter", "kpi")},
    {A("branch", "420100"), FAILS(400, "missing_parameter", "kpi")},
    {A("kpi", "churn"), FAILS(400, "unknown_kpi", "kpi")},
    {A("kpi", "retention_rate", "branch", "nope"), FAILS(400, "unknown_branch", "branch")},
    {A("kpi", "retention_rate", "from", "2026-11-01", "to", "2026-10-01"),
     FAILS(400, "invalid_range", "from")},
    {A("kpi", "retention_rate", "from", "2026-13-01"), FAILS(400, "invalid_date", "from")},
    {A("kpi", "retention_rate", "to", "2026-11"), FAILS(400, "invalid_date", "to")},
    {A("kpi", "bundling_coverage", "campaign", "-3"), FAILS(400, "invalid_parameter", "campaign")},
    {A("kpi", "bundling_coverage", "campaign", "abc"), FAILS(400, "invalid_parameter", "campaign")},
    {A("kpi", "bundling_coverage", "campaign", "1x"), FAILS(400, "invalid_parameter", "campaign")},
    {A("kpi", "bundling_coverage", "campaign", ""), FAILS(400, "invalid_parameter", "campaign")},
    {A("kpi", "bundling_coverage", "campaign", "99999999999"),
     FAILS(400, "invalid_parameter", "campaign")},
    /* a trend needs no run: no points */
    {A("kpi", "retention_rate"), VALID, NO_RUNS},
    {A("kpi", "retention_rate"), FAILS(404, "no_branches", "branch"), NO_PROVINCE},
    {A("kpi", "retention_rate", "branch", "420101"), VALID, SCOPE("420100")},
    {A("kpi", "retention_rate", "branch", "420200"), FAILS(403, "out_of_scope", "branch"),
     SCOPE("420100")},
    {A("kpi", "retention_rate"), FAILS(403, "out_of_scope", NULL), SCOPE("999999")},
};

START_TEST(trend_errors_by_table)
{
    run_error_case("trend", &trend_errors[_i]);
}
END_TEST

static json_t *series_points(json_t *trend, size_t i)
{
    return get(json_array_get(get(trend, "series"), i), "points");
}

/* K3: daily, one series per campaign, one point per run in it. */
START_TEST(trend_daily_per_campaign)
{
    struct view_params p = params(ARGS("kpi", "bundling_coverage", "branch", "420100"), NULL);
    struct view_trend v;
    struct view_error err = {0};
    ck_assert(view_trend_build(snap, &p, &v, &err));
    ck_assert(v.daily);
    ck_assert_uint_eq(v.nseries, 2);
    ck_assert_int_eq(v.series[0].campaign, 1);
    ck_assert_uint_eq(v.series[0].n, 3);
    ck_assert_int_eq(v.series[1].campaign, 2);
    ck_assert_uint_eq(v.series[1].n, 2);
    ck_assert_ptr_eq(v.series[1].points[0].run, snap->runs[1]);
    ck_assert_str_eq(v.series[1].points[0].period, "");
    view_trend_free(&v);

    json_t *got = view_ok_p("trend", &p, NULL);
    ck_assert_str_eq(json_string_value(get(got, "granularity")), "daily");
    ck_assert_str_eq(json_string_value(get(got, "branch")), "420100");
    ck_assert(json_is_null(get(got, "dim")));
    expect_pick(get(got, "series"), "1:融合秋季 2:宽带冬季", "campaign", "name");
    expect_pick(series_points(got, 0), "2026-10-31:0.1 2026-11-20:0.2 2026-11-21:0.3", "date",
                "value");
    expect_pick(series_points(got, 1), "2026-11-20:0.05 2026-11-21:0.1", "date", "value");
    expect_json(json_array_get(series_points(got, 0), 2),
                "{'date': '2026-11-21', 'value': 0.3, 'numerator': 90, 'denominator': 300,"
                " 'status': null, 'target_base': null, 'target_challenge': null,"
                " 'path_base': null, 'path_challenge': null, 'previous_status': null}");
    json_decref(got);

    /* one campaign; one that does not exist (400, not an empty trend); from
     * and to */
    got = view_ok("trend", ARGS("kpi", "bundling_coverage", "branch", "420100", "campaign", "2"));
    expect_pick(get(got, "series"), "2:宽带冬季", "campaign", "name");
    json_decref(got);
    struct view_params seven =
        params(ARGS("kpi", "bundling_coverage", "branch", "420100", "campaign", "7"), NULL);
    ck_assert(!view_trend_build(snap, &seven, &v, &err));
    ck_assert_uint_eq(err.status, 400);
    ck_assert_str_eq(err.param, "campaign");
    view_trend_free(&v);
    got =
        view_ok("trend", ARGS("kpi", "bundling_coverage", "branch", "420100", "to", "2026-11-20"));
    expect_pick(series_points(got, 0), "2026-10-31:0.1 2026-11-20:0.2", "date", "value");
    expect_pick(series_points(got, 1), "2026-11-20:0.05", "date", "value");
    json_decref(got);
    got = view_ok("trend", ARGS("kpi", "bundling_coverage", "branch", "420101", "from",
                                "2026-11-20", "to", "2026-11-20"));
    expect_pick(series_points(got, 0), "2026-11-20:0.25", "date", "value");
    ck_assert_uint_eq(json_array_size(series_points(got, 1)), 0);
    json_decref(got);
}
END_TEST

/* The others: monthly, one point per period, the newest run's value. */
START_TEST(trend_monthly_newest_run_wins)
{
    struct view_params p = params(ARGS("kpi", "retention_rate", "branch", "420100"), NULL);
    struct view_trend v;
    struct view_error err = {0};
    ck_assert(view_trend_build(snap, &p, &v, &err));
    ck_assert(!v.daily);
    ck_assert_uint_eq(v.nseries, 1);
    ck_assert_int_eq(v.series[0].campaign, -1);
    ck_assert_uint_eq(v.series[0].n, 2);
    ck_assert_str_eq(v.series[0].points[0].period, "2026-10");
    ck_assert_ptr_eq(v.series[0].points[1].run, snap->runs[2]); /* not run 11 (0.84) */
    view_trend_free(&v);

    /* K1's period is its year: the as-of month */
    json_t *got = view_ok_p("trend", &p, NULL);
    ck_assert_str_eq(json_string_value(get(got, "granularity")), "monthly");
    expect_json(get(got, "series"),
                "[{'campaign': null, 'points': ["
                " {'date': '2026-10-31', 'period': '2026-10', 'value': 0.8, 'numerator': 240,"
                "  'denominator': 300, 'status': 'green', 'target_base': 0.9,"
                "  'target_challenge': 0.95, 'path_base': 0.78, 'path_challenge': 0.83,"
                "  'previous_status': 'green'},"
                " {'date': '2026-11-21', 'period': '2026-11', 'value': 0.85, 'numerator': 255,"
                "  'denominator': 300, 'status': 'red', 'target_base': 0.9,"
                "  'target_challenge': 0.95, 'path_base': 0.88, 'path_challenge': 0.93,"
                "  'previous_status': 'green'}]}]");
    json_decref(got);
    got = view_ok("trend", ARGS("kpi", "retention_rate", "branch", "420100", "from", "2026-11-01"));
    expect_pick(series_points(got, 0), "2026-11:2026-11-21:0.85", "period", "date", "value");
    json_decref(got);
    /* the default branch: the province (run 11 has no value of it) */
    got = view_ok("trend", ARGS("kpi", "retention_rate"));
    ck_assert_str_eq(json_string_value(get(got, "branch")), "420000");
    expect_pick(series_points(got, 0), "2026-10:2026-10-31:0.824 2026-11:2026-11-21:0.846",
                "period", "date", "value");
    json_decref(got);
    /* K4 and K5: the value's own period; run 12 replaces run 11 in 2026-10 */
    got = view_ok("trend", ARGS("kpi", "satisfaction", "branch", "420100", "dim", "S"));
    ck_assert_str_eq(json_string_value(get(got, "dim")), "S");
    expect_pick(series_points(got, 0), "2026-09:2026-10-31:80.0 2026-10:2026-11-21:84.0", "period",
                "date", "value");
    json_decref(got);
    got = view_ok("trend", ARGS("kpi", "zone_count", "branch", "420100", "dim", "white"));
    expect_pick(series_points(got, 0), "2026-09:2026-10-31:2 2026-10:2026-11-21:3", "period",
                "date", "value");
    json_decref(got);
}
END_TEST

/* Run 12 carries 420200's GoTone survey of 2026-09 after run 11 carried
 * 2026-10's: an older period seen late leaves the points in order (and
 * September keeps run 10's value). */
START_TEST(trend_monthly_older_period_seen_late)
{
    json_t *got =
        view_ok("trend", ARGS("kpi", "satisfaction_gotone", "branch", "420200", "dim", "S"));
    expect_pick(series_points(got, 0), "2026-09:2026-10-31:70.0 2026-10:2026-11-20:72.0", "period",
                "date", "value");
    json_decref(got);
}
END_TEST

static Suite *trend_suite(void)
{
    Suite *s = suite_create("trend");
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_loop_test(errors, trend_errors_by_table, 0, (int)COUNT(trend_errors));
    suite_add_tcase(s, errors);
    TCase *tc = tcase_create("figures");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, trend_daily_per_campaign);
    tcase_add_test(tc, trend_monthly_newest_run_wins);
    tcase_add_test(tc, trend_monthly_older_period_seen_late);
    suite_add_tcase(s, tc);
    return s;
}

/* ---- ranking ----------------------------------------------------------------------------- */

static const struct error_case ranking_errors[] = {
    {A("kpi", "retention_rate"), VALID},
    {A("kpi", "bundling_coverage", "date", "2026-11-20", "parent", "420100", "campaign", "1"),
     VALID},
    {A(NULL), FAILS(400, "missing_parameter", "kpi")},
    {A("kpi", "churn"), FAILS(400, "unknown_kpi", "kpi")},
    {A("kpi", "zone_count"), FAILS(400, "invalid_parameter", "kpi")},
    {A("kpi", "retention_rate", "parent", "nope"), FAILS(400, "unknown_branch", "parent")},
    {A("kpi", "retention_rate", "date", "2026-11-31"), FAILS(400, "invalid_date", "date")},
    {A("kpi", "retention_rate", "date", "2026-11-19"), FAILS(404, "no_run", "date")},
    {A("kpi", "bundling_coverage", "campaign", "-1"), FAILS(400, "invalid_parameter", "campaign")},
    {A("kpi", "bundling_coverage", "campaign", "one"), FAILS(400, "invalid_parameter", "campaign")},
    {A("kpi", "retention_rate"), FAILS(404, "no_run", NULL), NO_RUNS},
    {A("kpi", "retention_rate"), FAILS(404, "no_branches", "parent"), NO_PROVINCE},
    {A("kpi", "retention_rate", "parent", Q), VALID, SCOPE("420100")},
    {A("kpi", "retention_rate", "parent", "420200"), FAILS(403, "out_of_scope", "parent"),
     SCOPE("420100")},
    {A("kpi", "retention_rate"), FAILS(403, "out_of_scope", NULL), SCOPE("999999")},
};

START_TEST(ranking_errors_by_table)
{
    run_error_case("ranking", &ranking_errors[_i]);
}
END_TEST

#define RANKS "rank", "branch", "previous_rank", "rank_change", "bottom"

/* 420100's counties on K1: 420101 .9 and 420103,"Q" .9 share rank 1,
 * 420102 .75 is third; a month before (run 10) 420102 .88, 420101 .8,
 * 420103,"Q" .72. bottom_n 2: the last two. */
/* The bottom flag: fewer than n ranked below, never a branch tied for
 * first while others rank below it. */
START_TEST(a_branch_tied_for_first_is_never_bottom)
{
    /* no tie: the last n of the places, all when there are n or fewer */
    ck_assert(!view_in_bottom(13, 13, 18, 5) && view_in_bottom(14, 14, 18, 5));
    ck_assert(view_in_bottom(1, 1, 3, 5) && !view_in_bottom(3, 3, 3, 0));
    /* fourteen tied for first of eighteen: none of them, the four after */
    ck_assert(!view_in_bottom(14, 1, 18, 5) && view_in_bottom(15, 15, 18, 5));
    /* a tie across the line (places 13 and 14 at rank 13): named whole,
     * six in all (the code order named 14 alone); a tie above it is not */
    ck_assert(view_in_bottom(14, 13, 18, 5));
    ck_assert(!view_in_bottom(13, 12, 18, 5));
    /* all tied: nobody is worse, none named, unless all are the last n */
    ck_assert(!view_in_bottom(10, 1, 10, 5) && view_in_bottom(4, 1, 4, 5));
}
END_TEST

START_TEST(ranking_ties_previous_rank_and_bottom)
{
    struct view_params p = params(ARGS("kpi", "retention_rate", "parent", "420100"), NULL);
    p.bottom_n = 2;
    struct view_ranking v;
    struct view_error err = {0};
    ck_assert(view_ranking_build(snap, &p, &v, &err));
    ck_assert_ptr_eq(v.run, snap->runs[2]);
    ck_assert_ptr_eq(v.prev, snap->runs[0]);
    ck_assert_uint_eq(v.n, 3);
    ck_assert_int_eq(v.entries[0].rank, 1);
    ck_assert_int_eq(v.entries[1].rank, 1);
    ck_assert_int_eq(v.entries[2].rank, 3);
    /* the bottom two: 420102 alone, not one of the two tied for first (a
     * branch tied for first is not among the worst; before, the code order
     * put Q there) */
    ck_assert(!v.entries[0].bottom && !v.entries[1].bottom && v.entries[2].bottom);
    view_ranking_free(&v);

    json_t *got = view_ok_p("ranking", &p, NULL);
    expect_pick(get(got, "entries"), "1:420101:2:1:false 1:" Q ":3:2:false 3:420102:1:-2:true",
                RANKS);
    ck_assert_str_eq(json_string_value(get(got, "date")), "2026-11-21");
    ck_assert_str_eq(json_string_value(get(got, "previous_date")), "2026-10-31");
    ck_assert_str_eq(json_string_value(get(got, "parent")), "420100");
    ck_assert(json_is_null(get(got, "dim")) && json_is_null(get(got, "campaign")));
    expect_json(json_array_get(get(got, "entries"), 2),
                "{'rank': 3, 'branch': '420102', 'name': '江汉', 'value': 0.75,"
                " 'numerator': 75, 'denominator': 100, 'status': 'red', 'target_base': 0.86,"
                " 'target_challenge': 0.92, 'path_base': 0.85, 'path_challenge': 0.91,"
                " 'previous_status': 'red', 'previous_rank': 1, 'rank_change': -2,"
                " 'bottom': true}");
    json_decref(got);

    /* the default bottom_n (5) flags them all, 0 none */
    got = view_ok("ranking", ARGS("kpi", "retention_rate", "parent", "420100"));
    expect_pick(get(got, "entries"), "1:420101:2:1:true 1:" Q ":3:2:true 3:420102:1:-2:true",
                RANKS);
    json_decref(got);
    p.bottom_n = 0;
    got = view_ok_p("ranking", &p, NULL);
    expect_pick(get(got, "entries"), "1:420101:2:1:false 1:" Q ":3:2:false 3:420102:1:-2:false",
                RANKS);
    json_decref(got);
    /* the default parent: the province's cities */
    got = view_ok("ranking", ARGS("kpi", "retention_rate"));
    ck_assert_str_eq(json_string_value(get(got, "parent")), "420000");
    expect_pick(get(got, "entries"), "1:420100:2:1:true 2:420200:1:-1:true", RANKS);
    json_decref(got);
    /* a leaf and an orphan have no children to rank */
    got = view_ok("ranking", ARGS("kpi", "retention_rate", "parent", "420201"));
    ck_assert_uint_eq(json_array_size(get(got, "entries")), 0);
    json_decref(got);
    got = view_ok("ranking", ARGS("kpi", "retention_rate", "parent", "429901"));
    ck_assert_uint_eq(json_array_size(get(got, "entries")), 0);
    json_decref(got);
}
END_TEST

/* K3: against the day before, the run's first campaign by default. */
START_TEST(ranking_bundling_day_before_and_campaigns)
{
    json_t *got = view_ok("ranking", ARGS("kpi", "bundling_coverage", "parent", "420100"));
    ck_assert_int_eq(json_integer_value(get(got, "campaign")), 1);
    ck_assert_str_eq(json_string_value(get(got, "previous_date")), "2026-11-20");
    expect_pick(get(got, "entries"), "1:420102:2:1:true 2:420101:1:-1:true 3:" Q ":3:0:true",
                RANKS);
    json_decref(got);
    got = view_ok("ranking", ARGS("kpi", "bundling_coverage", "campaign", "2"));
    ck_assert_int_eq(json_integer_value(get(got, "campaign")), 2);
    expect_pick(get(got, "entries"), "1:420100:1:0:true", RANKS);
    json_decref(got);
    /* no run the day before 2026-11-20: no previous rank */
    got = view_ok("ranking",
                  ARGS("kpi", "bundling_coverage", "parent", "420100", "date", "2026-11-20"));
    ck_assert(json_is_null(get(got, "previous_date")));
    expect_pick(get(got, "entries"),
                "1:420101:null:null:true 2:420102:null:null:true 3:" Q ":null:null:true", RANKS);
    json_decref(got);
    /* three equal values: one rank, by code */
    got = view_ok("ranking",
                  ARGS("kpi", "bundling_coverage", "parent", "420100", "date", "2026-10-31"));
    expect_pick(get(got, "entries"),
                "1:420101:null:null:true 1:420102:null:null:true 1:" Q ":null:null:true", RANKS);
    json_decref(got);
}
END_TEST

/* Satisfaction: the root indicator by default; another dim on request. */
START_TEST(ranking_satisfaction_default_dim)
{
    json_t *got = view_ok("ranking", ARGS("kpi", "satisfaction"));
    ck_assert_str_eq(json_string_value(get(got, "dim")), "S");
    ck_assert_str_eq(json_string_value(get(got, "previous_date")), "2026-10-31");
    expect_pick(get(got, "entries"), "1:420200:2:1:true:86.5 2:420100:1:-1:true:84.0", RANKS,
                "value");
    json_decref(got);
    got = view_ok("ranking", ARGS("kpi", "satisfaction", "dim", "S1"));
    expect_pick(get(got, "entries"), "1:420100:1:0:true:76.0", RANKS, "value");
    json_decref(got);
    got = view_ok("ranking", ARGS("kpi", "in_network_rate", "dim", "diamond"));
    expect_pick(get(got, "entries"), "1:420100:null:null:true:0.99", RANKS, "value");
    json_decref(got);
}
END_TEST

static Suite *ranking_suite(void)
{
    Suite *s = suite_create("ranking");
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_loop_test(errors, ranking_errors_by_table, 0, (int)COUNT(ranking_errors));
    suite_add_tcase(s, errors);
    TCase *tc = tcase_create("figures");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, ranking_ties_previous_rank_and_bottom);
    tcase_add_test(tc, a_branch_tied_for_first_is_never_bottom);
    tcase_add_test(tc, ranking_bundling_day_before_and_campaigns);
    tcase_add_test(tc, ranking_satisfaction_default_dim);
    suite_add_tcase(s, tc);
    return s;
}

/* ---- alarms ------------------------------------------------------------------------------ */

static const struct error_case alarms_errors[] = {
    {A(NULL), VALID},
    {A("date", "2026-10-31", "branch", "429901"), VALID},
    {A("date", "21/11/2026"), FAILS(400, "invalid_date", "date")},
    {A("branch", "nope"), FAILS(400, "unknown_branch", "branch")},
    {A("date", "2026-11-19"), FAILS(404, "no_run", "date")},
    {A(NULL), FAILS(404, "no_run", NULL), NO_RUNS},
    {A(NULL), FAILS(404, "no_branches", "branch"), NO_PROVINCE},
    {A("branch", Q), VALID, SCOPE("420100")},
    {A("branch", "420200"), FAILS(403, "out_of_scope", "branch"), SCOPE("420100")},
    {A(NULL), FAILS(403, "out_of_scope", NULL), SCOPE("999999")},
};

START_TEST(alarms_errors_by_table)
{
    run_error_case("alarms", &alarms_errors[_i]);
}
END_TEST

#define VALUE_KEYS "kpi", "branch", "dim"

static void expect_alarms(json_t *got, const char *counts, const char *alarms,
                          const char *turned_red, const char *recovered)
{
    expect_json(get(got, "counts"), counts);
    expect_pick(get(got, "alarms"), alarms, VALUE_KEYS, "status");
    expect_pick(get(got, "turned_red"), turned_red, VALUE_KEYS, "previous_status");
    expect_pick(get(got, "recovered"), recovered, VALUE_KEYS, "previous_status");
}

/* Run 12 (see the fixture's README): red then excellent, in the run's
 * order; transitions from previous_status; the subtree only. */
START_TEST(alarms_red_excellent_and_transitions)
{
    struct view_params p = params(NOARGS, NULL);
    struct view_alarms v;
    struct view_error err = {0};
    ck_assert(view_alarms_build(snap, &p, &v, &err));
    ck_assert_uint_eq(v.n[VIEW_AL_RED], 6);
    ck_assert_uint_eq(v.n[VIEW_AL_EXCELLENT], 3);
    ck_assert_uint_eq(v.n[VIEW_AL_TURNED_RED], 2);
    ck_assert_uint_eq(v.n[VIEW_AL_RECOVERED], 2);
    view_alarms_free(&v);

    json_t *got = view_ok("alarms", NOARGS);
    ck_assert_str_eq(json_string_value(get(got, "branch")), "420000");
    ck_assert_str_eq(json_string_value(get(got, "as_of")), "2026-11-21");
    ck_assert_int_eq(json_integer_value(get(got, "run_id")), 12);
    expect_alarms(got, "{'red': 6, 'excellent': 3, 'turned_red': 2, 'recovered': 2}",
                  "retention_rate:420100:null:red retention_rate:420102:null:red "
                  "retention_rate:420201:null:red in_network_rate:420000:diamond:red "
                  "satisfaction:420100:S1:red satisfaction:420100:S4:red "
                  "retention_rate:420101:null:excellent retention_rate:420200:null:excellent "
                  "bundling_coverage:420101:null:excellent",
                  "retention_rate:420100:null:green in_network_rate:420000:diamond:green",
                  "retention_rate:420101:null:red retention_rate:" Q ":null:red");
    /* a value of the contract, its branch's name, its reasons split */
    expect_json(json_array_get(get(got, "alarms"), 1),
                "{'kpi': 'retention_rate', 'branch': '420102', 'dim': null, 'numerator': 75,"
                " 'denominator': 100, 'value': 0.75, 'status': 'red', 'target_base': 0.86,"
                " 'target_challenge': 0.92, 'path_base': 0.85, 'path_challenge': 0.91,"
                " 'previous_status': 'red', 'reason': 'below_base_path,step_decline',"
                " 'name': '江汉', 'reasons': ['below_base_path', 'step_decline']}");
    json_decref(got);

    /* a city's subtree */
    got = view_ok("alarms", ARGS("branch", "420100"));
    expect_alarms(got, "{'red': 4, 'excellent': 2, 'turned_red': 1, 'recovered': 2}",
                  "retention_rate:420100:null:red retention_rate:420102:null:red "
                  "satisfaction:420100:S1:red satisfaction:420100:S4:red "
                  "retention_rate:420101:null:excellent bundling_coverage:420101:null:excellent",
                  "retention_rate:420100:null:green",
                  "retention_rate:420101:null:red retention_rate:" Q ":null:red");
    json_decref(got);
    /* a county: no red there (and no reason: an empty list) */
    got = view_ok("alarms", ARGS("branch", Q));
    expect_alarms(got, "{'red': 0, 'excellent': 0, 'turned_red': 0, 'recovered': 1}", "", "",
                  "retention_rate:" Q ":null:red");
    ck_assert_uint_eq(json_array_size(get(json_array_get(get(got, "recovered"), 0), "reasons")), 0);
    json_decref(got);
    /* the orphan is no part of the province, its own root */
    got = view_ok("alarms", ARGS("branch", "429901"));
    expect_alarms(got, "{'red': 1, 'excellent': 0, 'turned_red': 1, 'recovered': 0}",
                  "retention_rate:429901:null:red", "retention_rate:429901:null:excellent", "");
    json_decref(got);
    /* an older run */
    got = view_ok("alarms", ARGS("date", "2026-10-31"));
    expect_alarms(got, "{'red': 5, 'excellent': 1, 'turned_red': 5, 'recovered': 0}",
                  "retention_rate:420101:null:red retention_rate:420102:null:red "
                  "retention_rate:" Q ":null:red satisfaction:420100:S1:red "
                  "satisfaction:420200:S:red retention_rate:420200:null:excellent",
                  "retention_rate:420101:null:green retention_rate:420102:null:green "
                  "retention_rate:" Q ":null:green satisfaction:420100:S1:green "
                  "satisfaction:420200:S:green",
                  "");
    json_decref(got);
}
END_TEST

static Suite *alarms_suite(void)
{
    Suite *s = suite_create("alarms");
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_loop_test(errors, alarms_errors_by_table, 0, (int)COUNT(alarms_errors));
    suite_add_tcase(s, errors);
    TCase *tc = tcase_create("figures");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, alarms_red_excellent_and_transitions);
    suite_add_tcase(s, tc);
    return s;
}

/* ---- satisfaction ------------------------------------------------------------------------ */

static const struct error_case satisfaction_errors[] = {
    {A(NULL), VALID},
    {A("kpi", "satisfaction_gotone", "branch", "420200", "month", "2026-10"), VALID},
    {A("kpi", "retention_rate"), FAILS(400, "invalid_parameter", "kpi")},
    {A("kpi", "zone_count"), FAILS(400, "invalid_parameter", "kpi")},
    {A("kpi", "churn"), FAILS(400, "unknown_kpi", "kpi")},
    {A("month", "2026-13"), FAILS(400, "invalid_month", "month")},
    {A("month", "2026-10-01"), FAILS(400, "invalid_month", "month")},
    {A("month", "2026-05"), FAILS(404, "no_data", "month")},
    {A("branch", "420201"), FAILS(404, "no_data", NULL)},
    {A("kpi", "satisfaction_gotone"), FAILS(404, "no_data", NULL)},
    {A("branch", "nope"), FAILS(400, "unknown_branch", "branch")},
    {A(NULL), FAILS(404, "no_data", NULL), NO_RUNS},
    {A(NULL), FAILS(404, "no_branches", "branch"), NO_PROVINCE},
    {A(NULL), VALID, SCOPE("420100")},
    {A("branch", "420200"), FAILS(403, "out_of_scope", "branch"), SCOPE("420100")},
};

START_TEST(satisfaction_errors_by_table)
{
    run_error_case("satisfaction", &satisfaction_errors[_i]);
}
END_TEST

/* The tree as one line: code:value:last_month:change:arrow:target_arrow:flag
 * per node, depth first. */
static void panorama_line(struct buf *b, json_t *nodes)
{
    static const char *const keys[] = {"code",  "value",        "last_month", "change",
                                       "arrow", "target_arrow", "flag"};
    size_t i;
    json_t *n;
    json_array_foreach(nodes, i, n)
    {
        if (b->len)
            buf_puts(b, " ");
        for (size_t k = 0; k < COUNT(keys); k++) {
            if (k)
                buf_puts(b, ":");
            scalar_text(b, get(n, keys[k]));
        }
        panorama_line(b, get(n, "children"));
    }
}

static void expect_panorama(json_t *got, const char *want)
{
    struct buf b = BUF_INIT;
    panorama_line(&b, get(got, "indicators"));
    ck_assert_str_eq(b.data ? b.data : "", want);
    buf_release(&b);
}

/* 420100 in 2026-10 (run 12) against 2026-09 (run 10), arrows at 5 %:
 * S 84 vs 80 is +5 % exactly (up), vs its target 82 +2.4 %; both above:
 * excellent. S1 76 vs 80 and vs target 80: -5 % both (down), warn. S2 90.3
 * vs 86: +5 % but for the last bit of the double (up); no target: no
 * target arrow and never excellent. S3 83.9 vs 80: +4.875 %, no arrow;
 * above both: excellent. S4: no last month; below its target 80: warn. */
START_TEST(satisfaction_flags_and_arrows_at_five_percent)
{
    struct view_params p = params(ARGS("branch", "420100"), NULL);
    struct view_satisfaction v;
    struct view_error err = {0};
    ck_assert(view_satisfaction_build(snap, &p, &v, &err));
    ck_assert_str_eq(v.month, "2026-10");
    ck_assert_str_eq(v.previous_month, "2026-09");
    ck_assert_ptr_eq(v.run, snap->runs[2]); /* run 11 also has 2026-10: the newest wins */
    ck_assert_ptr_eq(v.prev, snap->runs[0]);
    ck_assert_uint_eq(v.n, 5);
    ck_assert_int_eq(v.nodes[0].parent, -1);
    ck_assert_int_eq(v.nodes[0].arrow, VIEW_MOVE_UP);
    ck_assert_int_eq(v.nodes[0].flag, VIEW_FLAG_EXCELLENT);
    ck_assert_int_eq(v.nodes[1].parent, 0);
    ck_assert_int_eq(v.nodes[1].arrow, VIEW_MOVE_DOWN);
    ck_assert_int_eq(v.nodes[1].target_arrow, VIEW_MOVE_DOWN);
    ck_assert_int_eq(v.nodes[1].flag, VIEW_FLAG_WARN);
    ck_assert_ptr_null(v.nodes[4].last);
    view_satisfaction_free(&v);

    json_t *got = view_ok_p("satisfaction", &p, NULL);
    expect_panorama(got, "S:84.0:80.0:4.0:up:null:excellent "
                         "S1:76.0:80.0:-4.0:down:down:warn "
                         "S2:90.3:86.0:4.3:up:null:null "
                         "S3:83.9:80.0:3.9:null:null:excellent "
                         "S4:79.0:null:null:null:null:warn");
    ck_assert_str_eq(json_string_value(get(got, "kpi")), "satisfaction");
    ck_assert_str_eq(json_string_value(get(got, "branch")), "420100");
    ck_assert_str_eq(json_string_value(get(got, "month")), "2026-10");
    ck_assert_str_eq(json_string_value(get(got, "previous_month")), "2026-09");
    ck_assert_str_eq(json_string_value(get(got, "as_of")), "2026-11-21");
    json_t *s1 = json_array_get(get(json_array_get(get(got, "indicators"), 0), "children"), 0);
    expect_json(s1, "{'code': 'S1', 'name': '网络质量', 'weight': 0.4, 'value': 76.0,"
                    " 'numerator': 7600, 'denominator': 100, 'status': 'red', 'target_base': 80,"
                    " 'target_challenge': null, 'path_base': null, 'path_challenge': null,"
                    " 'previous_status': 'red', 'last_month': 80.0, 'change': -4.0,"
                    " 'arrow': 'down', 'target_arrow': 'down', 'flag': 'warn',"
                    " 'partial': false, 'children': []}");
    json_decref(got);

    /* the threshold is the caller's: at 10 % no arrow; at 4 % S3 too */
    p.arrow_change = 0.10;
    got = view_ok_p("satisfaction", &p, NULL);
    expect_panorama(got, "S:84.0:80.0:4.0:null:null:excellent "
                         "S1:76.0:80.0:-4.0:null:null:warn "
                         "S2:90.3:86.0:4.3:null:null:null "
                         "S3:83.9:80.0:3.9:null:null:excellent "
                         "S4:79.0:null:null:null:null:warn");
    json_decref(got);
    p.arrow_change = 0.04;
    got = view_ok_p("satisfaction", &p, NULL);
    expect_panorama(got, "S:84.0:80.0:4.0:up:null:excellent "
                         "S1:76.0:80.0:-4.0:down:down:warn "
                         "S2:90.3:86.0:4.3:up:null:null "
                         "S3:83.9:80.0:3.9:up:up:excellent "
                         "S4:79.0:null:null:null:null:warn");
    json_decref(got);
}
END_TEST

/* Without a last month: no arrow against it, no change, and a flag only
 * below target. 420100 in 2026-09 (run 10; no run of 2026-08); S4 has no
 * value that month. */
START_TEST(satisfaction_without_last_month)
{
    json_t *got = view_ok("satisfaction", ARGS("branch", "420100", "month", "2026-09"));
    ck_assert_str_eq(json_string_value(get(got, "as_of")), "2026-10-31");
    ck_assert_str_eq(json_string_value(get(got, "previous_month")), "2026-08");
    expect_panorama(got, "S:80.0:null:null:null:null:null "
                         "S1:80.0:null:null:null:null:warn "
                         "S2:86.0:null:null:null:null:null "
                         "S3:80.0:null:null:null:null:null "
                         "S4:null:null:null:null:null:null");
    json_decref(got);
    /* GoTone of 420200: the newest run's survey month (2026-09, from run 12),
     * the root alone */
    got = view_ok("satisfaction", ARGS("kpi", "satisfaction_gotone", "branch", "420200"));
    ck_assert_str_eq(json_string_value(get(got, "kpi")), "satisfaction_gotone");
    ck_assert_str_eq(json_string_value(get(got, "month")), "2026-09");
    ck_assert_str_eq(json_string_value(get(got, "as_of")), "2026-11-21");
    expect_panorama(got, "S:71.0:null:null:null:null:null S1:null:null:null:null:null:null "
                         "S2:null:null:null:null:null:null S3:null:null:null:null:null:null "
                         "S4:null:null:null:null:null:null");
    json_decref(got);
    /* the province by default: its root is partial */
    got = view_ok("satisfaction", NOARGS);
    ck_assert_str_eq(json_string_value(get(got, "branch")), "420000");
    json_t *root = json_array_get(get(got, "indicators"), 0);
    ck_assert(json_is_true(get(root, "partial")));
    expect_pick(get(got, "indicators"), "S:85.0:80.5:4.5:up:null:excellent", "code", "value",
                "last_month", "change", "arrow", "target_arrow", "flag");
    json_decref(got);
}
END_TEST

static Suite *satisfaction_suite(void)
{
    Suite *s = suite_create("satisfaction");
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_loop_test(errors, satisfaction_errors_by_table, 0, (int)COUNT(satisfaction_errors));
    suite_add_tcase(s, errors);
    TCase *tc = tcase_create("figures");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, satisfaction_flags_and_arrows_at_five_percent);
    tcase_add_test(tc, satisfaction_without_last_month);
    suite_add_tcase(s, tc);
    return s;
}

/* ---- zones ----------------------------------------------------------------------------------- */

static const struct error_case zones_errors[] = {
    {A(NULL), VALID},
    {A("branch", "420100", "month", "2026-09"), VALID},
    {A("month", "2026-13"), FAILS(400, "invalid_month", "month")},
    {A("month", "11-2026"), FAILS(400, "invalid_month", "month")},
    {A("month", "2026-05"), FAILS(404, "no_data", "month")},
    {A("branch", "420101"), FAILS(404, "no_data", NULL)},
    {A("branch", "nope"), FAILS(400, "unknown_branch", "branch")},
    {A(NULL), FAILS(404, "no_data", NULL), NO_RUNS},
    {A(NULL), FAILS(404, "no_branches", "branch"), NO_PROVINCE},
    {A(NULL), VALID, SCOPE("420100")},
    {A("branch", "429901"), FAILS(403, "out_of_scope", "branch"), SCOPE("420100")},
};

START_TEST(zones_errors_by_table)
{
    run_error_case("zones", &zones_errors[_i]);
}
END_TEST

#define ZONE_KEYS "zone", "count", "previous", "change"
#define MOVE_KEYS "from", "to", "members"

/* 420100 in 2026-10 (run 12, not run 11's white 4) against 2026-09 (run
 * 10); the moves of its three counties summed, by (from, to) names. */
START_TEST(zones_counts_and_moves_of_a_subtree)
{
    struct view_params p = params(ARGS("branch", "420100"), NULL);
    struct view_zones v;
    struct view_error err = {0};
    ck_assert(view_zones_build(snap, &p, &v, &err));
    ck_assert_ptr_eq(v.run, snap->runs[2]);
    ck_assert_ptr_eq(v.prev, snap->runs[0]);
    ck_assert(v.moves_known);
    ck_assert_uint_eq(v.nmoves, 10);
    view_zones_free(&v);

    bool complete = false;
    json_t *got = view_ok_p("zones", &p, &complete);
    ck_assert(complete);
    ck_assert_str_eq(json_string_value(get(got, "month")), "2026-10");
    ck_assert_str_eq(json_string_value(get(got, "previous_month")), "2026-09");
    ck_assert_str_eq(json_string_value(get(got, "as_of")), "2026-11-21");
    /* the thresholds the run computed its zones with (its settings) */
    json_t *limits = get(got, "limits");
    ck_assert_double_eq(json_number_value(json_object_get(limits, "k5_bill_a")), 120);
    ck_assert_double_eq(json_number_value(json_object_get(limits, "k5_minutes_b")), 300);
    ck_assert_double_eq(json_number_value(json_object_get(limits, "k5_minutes_c")), 150);
    expect_pick(get(got, "zones"),
                "white:3:2:1 red:5:6:-1 yellow:8:8:0 blue:40:38:2 green:100:99:1", ZONE_KEYS);
    expect_pick(get(got, "moves"),
                "blue:blue:38 blue:yellow:5 green:green:100 green:red:5 none:white:1 "
                "none:yellow:3 red:out:1 red:white:1 white:white:1 yellow:blue:2",
                MOVE_KEYS);
    json_decref(got);

    /* the province: 420201's moves too */
    p = params(NOARGS, NULL);
    got = view_ok_p("zones", &p, &complete);
    ck_assert(complete);
    ck_assert_str_eq(json_string_value(get(got, "branch")), "420000");
    expect_pick(get(got, "zones"),
                "white:5:4:1 red:9:10:-1 yellow:12:12:0 blue:60:55:5 green:150:148:2", ZONE_KEYS);
    expect_pick(get(got, "moves"),
                "blue:blue:38 blue:yellow:5 green:green:100 green:red:5 none:white:1 "
                "none:yellow:3 red:out:1 red:red:1 red:white:1 white:red:4 white:white:1 "
                "yellow:blue:2",
                MOVE_KEYS);
    json_decref(got);
}
END_TEST

/* No zone month for the run: moves unknown, "moves": null and a body not
 * to be cached; no month before: no previous, no change. */
START_TEST(zones_moves_unknown)
{
    struct view_params p = params(ARGS("branch", "420100", "month", "2026-09"), NULL);
    struct view_zones v;
    struct view_error err = {0};
    ck_assert(view_zones_build(snap, &p, &v, &err));
    ck_assert(!v.moves_known);
    ck_assert_ptr_null(v.prev);
    view_zones_free(&v);
    bool complete = true;
    json_t *got = view_ok_p("zones", &p, &complete);
    ck_assert(!complete);
    ck_assert(json_is_null(get(got, "moves")));
    /* a run that did not record its thresholds: each null */
    ck_assert(json_is_null(json_object_get(get(got, "limits"), "k5_bill_a")));
    ck_assert(json_is_null(json_object_get(get(got, "limits"), "k5_minutes_c")));
    expect_pick(get(got, "zones"),
                "white:2:null:null red:6:null:null yellow:8:null:null blue:38:null:null "
                "green:99:null:null",
                ZONE_KEYS);
    json_decref(got);
}
END_TEST

/* The file alone holds no zone month: the newest month's moves are unknown. */
START_TEST(zones_from_the_file_alone)
{
    bool complete = true;
    struct view_params p = params(NOARGS, NULL);
    json_t *got = view_ok_p("zones", &p, &complete);
    ck_assert(!complete);
    ck_assert(json_is_null(get(got, "moves")));
    expect_pick(get(got, "zones"),
                "white:5:4:1 red:9:10:-1 yellow:12:12:0 blue:60:55:5 green:150:148:2", ZONE_KEYS);
    json_decref(got);
}
END_TEST

static Suite *zones_suite(void)
{
    Suite *s = suite_create("zones");
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup_zones, teardown);
    tcase_add_loop_test(errors, zones_errors_by_table, 0, (int)COUNT(zones_errors));
    suite_add_tcase(s, errors);
    TCase *tc = tcase_create("figures");
    tcase_add_checked_fixture(tc, setup_zones, teardown);
    tcase_add_test(tc, zones_counts_and_moves_of_a_subtree);
    tcase_add_test(tc, zones_moves_unknown);
    suite_add_tcase(s, tc);
    TCase *file = tcase_create("file");
    tcase_add_checked_fixture(file, setup, teardown);
    tcase_add_test(file, zones_from_the_file_alone);
    suite_add_tcase(s, file);
    return s;
}

/* ---- customers (the at-risk CSV) --------------------------------------------------------- */

static const struct error_case customers_errors[] = {
    {A(NULL), VALID},
    {A("branch", "420100", "zone", "red", "month", "2026-10"), VALID},
    {A("zone", "blue"), VALID},
    {A("zone", "pink"), FAILS(400, "invalid_parameter", "zone")},
    {A("zone", "none"), FAILS(400, "invalid_parameter", "zone")},
    {A("zone", "out"), FAILS(400, "invalid_parameter", "zone")},
    {A("zone", "RED"), FAILS(400, "invalid_parameter", "zone")},
    {A("month", "2026-13"), FAILS(400, "invalid_month", "month")},
    {A("month", "2026-05"), FAILS(404, "no_data", "month")},
    {A("branch", "nope"), FAILS(400, "unknown_branch", "branch")},
    {A("branch", "420101"), FAILS(404, "no_data", NULL)},
    {A(NULL), FAILS(404, "no_data", NULL), NO_RUNS},
    {A(NULL), VALID, SCOPE("420100")},
    {A("branch", "420200"), FAILS(403, "out_of_scope", "branch"), SCOPE("420100")},
};

START_TEST(customers_errors_by_table)
{
    run_error_case("customers", &customers_errors[_i]);
}
END_TEST

static char *customers_csv(const char *const *args, const char *scope, const char *lang,
                           bool *in_snapshot)
{
    struct view_params p = params(args, scope);
    struct view_customers v;
    struct view_error err = {0};
    struct buf out = BUF_INIT;
    ck_assert_msg(view_customers_build(snap, &p, &v, &err), "%s", err.message);
    *in_snapshot = v.in_snapshot;
    if (v.in_snapshot)
        view_customers_csv(&v, labels_get(lang), &out);
    view_customers_free(&v);
    return buf_detach(&out, NULL);
}

/* as a spreadsheet opens it: a byte order mark, CR LF */
#define CSV_HEADER                                                                                 \
    "\xEF\xBB\xBF"                                                                                 \
    "sub_id,branch,branch_name,zone,zone_name,bill_prev,minutes_prev,bill,minutes\r\n"

START_TEST(customers_at_risk_csv)
{
    bool in = false;
    /* the three zones at risk by default, 420100's subtree, the most urgent
     * first: by zone (white, red, yellow), then branch code, then sub_id as
     * a number (998 before 1002 was after it); each code with its name, in
     * the language asked; RFC 4180: the code with a comma and quotes
     * quoted, its quotes doubled */
    char *csv = customers_csv(ARGS("branch", "420100"), NULL, NULL, &in);
    ck_assert(in);
    ck_assert_str_eq(csv,
                     CSV_HEADER "1001,420101,江岸,white,流失区,12.00,30,0.00,0\r\n"
                                "998,420101,江岸,red,危险区,45.00,100,10.00,5\r\n"
                                "1002,\"420103,\"\"Q\"\"\",硚口,red,危险区,88.50,310,41.20,95\r\n"
                                "1003,420102,江汉,yellow,异动区,120.00,800,95.00,610\r\n");
    free(csv);
    csv = customers_csv(ARGS("branch", "420100", "zone", "red"), NULL, "en", &in);
    ck_assert_str_eq(csv, CSV_HEADER
                     "998,420101,江岸,red,red (danger),45.00,100,10.00,5\r\n"
                     "1002,\"420103,\"\"Q\"\"\",硚口,red,red (danger),88.50,310,41.20,95\r\n");
    free(csv);
    /* the province: 420201's member too */
    csv = customers_csv(ARGS("zone", "red"), NULL, NULL, &in);
    ck_assert_str_eq(csv,
                     CSV_HEADER "998,420101,江岸,red,危险区,45.00,100,10.00,5\r\n"
                                "1002,\"420103,\"\"Q\"\"\",硚口,red,危险区,88.50,310,41.20,95\r\n"
                                "1004,420201,下陆,red,危险区,60.00,200,20.00,15\r\n");
    free(csv);
    /* the scope's root by default */
    csv = customers_csv(ARGS("zone", "yellow"), "420100", NULL, &in);
    ck_assert_str_eq(csv, CSV_HEADER "1003,420102,江汉,yellow,异动区,120.00,800,95.00,610\r\n");
    free(csv);
    /* blue and green are not held (the handler reads the database), nor the
     * members of a month without a zone month */
    csv = customers_csv(ARGS("zone", "blue"), NULL, NULL, &in);
    ck_assert(!in);
    free(csv);
    csv = customers_csv(ARGS("month", "2026-09"), NULL, NULL, &in);
    ck_assert(!in);
    free(csv);
}
END_TEST

START_TEST(customers_line_quotes_every_field)
{
    struct buf out = BUF_INIT;
    const struct labels *zh = labels_get("zh"), *en = labels_get("en");
    view_customers_line(&out, zh, "7", "a\"b", "c,\nd", "red", "1,2,3,4");
    view_customers_line(&out, en, "8", "420101", "=1+2", "white", "0,0,0,0"); /* a formula */
    view_customers_line(&out, zh, "9", "420199", NULL, "yellow", "0,0,0,0");  /* no name yet */
    ck_assert_str_eq(out.data, "7,\"a\"\"b\",\"c,\nd\",red,危险区,1,2,3,4\r\n"
                               "8,420101,'=1+2,white,white (lost),0,0,0,0\r\n"
                               "9,420199,,yellow,异动区,0,0,0,0\r\n");
    buf_release(&out);
}
END_TEST

static Suite *customers_suite(void)
{
    Suite *s = suite_create("customers");
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup_zones, teardown);
    tcase_add_loop_test(errors, customers_errors_by_table, 0, (int)COUNT(customers_errors));
    suite_add_tcase(s, errors);
    TCase *tc = tcase_create("figures");
    tcase_add_checked_fixture(tc, setup_zones, teardown);
    tcase_add_test(tc, customers_at_risk_csv);
    tcase_add_test(tc, customers_line_quotes_every_field);
    suite_add_tcase(s, tc);
    return s;
}

/* ---- grid ------------------------------------------------------------------------------------ */

static const struct error_case grid_errors[] = {
    {A(NULL), VALID},
    {A("date", "2026-10-31", "branch", "429901"), VALID},
    {A("date", "2026-02-30"), FAILS(400, "invalid_date", "date")},
    {A("date", "21/11/2026"), FAILS(400, "invalid_date", "date")},
    {A("branch", "nope"), FAILS(400, "unknown_branch", "branch")},
    {A("branch", ""), FAILS(400, "unknown_branch", "branch")},
    {A("date", "2026-11-19"), FAILS(404, "no_run", "date")},
    /* the parameters' validity before the run's existence */
    {A("date", "2026-11-19", "branch", "nope"), FAILS(400, "unknown_branch", "branch")},
    /* a parameter the grid does not take is the HTTP layer's to refuse
     * (unknown_parameter), not the view's */
    {A("kpi", "churn"), VALID},
    {A(NULL), FAILS(404, "no_run", NULL), NO_RUNS},
    {A(NULL), FAILS(404, "no_branches", "branch"), NO_PROVINCE},
    {A(NULL), VALID, SCOPE("420100")},
    {A("branch", Q), VALID, SCOPE("420100")},
    {A("branch", "420200"), FAILS(403, "out_of_scope", "branch"), SCOPE("420100")},
    {A("branch", "420000"), FAILS(403, "out_of_scope", "branch"), SCOPE("420100")},
    {A("branch", "429901"), FAILS(403, "out_of_scope", "branch"), SCOPE("420100")},
    {A("branch", "999999"), FAILS(403, "out_of_scope", "branch"), SCOPE("420100")},
    {A(NULL), FAILS(403, "out_of_scope", NULL), SCOPE("999999")},
};

START_TEST(grid_errors_by_table)
{
    run_error_case("grid", &grid_errors[_i]);
}
END_TEST

#define ROW_KEYS "code", "red", "turned_red", "level", "parent"

/* A row's cells as one line: value:status per KPI column, null for a
 * missing cell. */
static void expect_cells(json_t *row, const char *want)
{
    struct buf b = BUF_INIT;
    size_t i;
    json_t *c;
    ck_assert_uint_eq(json_array_size(get(row, "cells")), VIEW_GRID_NKPI);
    json_array_foreach(get(row, "cells"), i, c)
    {
        if (i)
            buf_puts(&b, " ");
        if (json_is_null(c)) {
            buf_puts(&b, "null");
            continue;
        }
        scalar_text(&b, get(c, "value"));
        buf_puts(&b, ":");
        scalar_text(&b, get(c, "status"));
    }
    ck_assert_str_eq(b.data ? b.data : "", want);
    buf_release(&b);
}

/* The row of `code` in a grid's JSON. */
static json_t *grid_row(json_t *grid, const char *code)
{
    size_t i;
    json_t *r;
    json_array_foreach(get(grid, "rows"), i, r)
    {
        if (strcmp(json_string_value(get(r, "code")), code) == 0)
            return r;
    }
    ck_abort_msg("no row %s", code);
    return NULL;
}

/* The province in run 12. The columns: K1, K2 and K3 by their total (K3:
 * campaign 1, the run's first; not campaign 2's .1), K4 and GoTone by the
 * root indicator S (not S1/S4, red in 420100). Red cells, turned red
 * (red, and the previous status neither red nor none):
 *   420000  K1 .846 green, K2 .98 green, K3 .3, S 85 green      0 red
 *           (the red diamond K2 value is not the total: not counted)
 *   420100  K1 .85 red (was green), K2 .98 green, K3 .3,
 *           S 84 green                                           1 red, 1 turned
 *   420200  K1 .84 excellent, S 86.5 green, GoTone S 71          0 red
 *   420101  K1 .9 excellent (was red), K3 .3 excellent           0 red
 *   420102  K1 .75 red (was red), K3 .4                          1 red, 0 turned
 *   420103,"Q"  K1 .9 green (was red), K3 .2                     0 red
 *   420201  K1 .84 red (no previous status)                      1 red, 0 turned
 * (429901 is no part of the province.) Worst first: red 1 turned 1:
 * 420100; red 1 turned 0: 420102, 420201 by code; red 0: by level 420000,
 * 420200 (before 420101, whose code is smaller), then 420101, 420103,"Q". */
START_TEST(grid_province_worst_first)
{
    struct view_params p = params(NOARGS, NULL);
    struct view_grid v;
    struct view_error err = {0};
    ck_assert(view_grid_build(snap, &p, &v, &err));
    ck_assert_ptr_eq(v.run, snap->runs[2]);
    ck_assert_int_eq(v.branch, snap_branch_find(snap, "420000"));
    ck_assert_uint_eq(v.n, 7);
    static const char *const order[] = {"420100", "420102", "420201", "420000",
                                        "420200", "420101", Q};
    for (size_t i = 0; i < v.n; i++)
        ck_assert_str_eq(v.rows[i].code, order[i]);
    const struct view_grid_row *wuhan = &v.rows[0];
    ck_assert_int_eq(wuhan->red, 1);
    ck_assert_int_eq(wuhan->turned_red, 1);
    ck_assert_ptr_eq(wuhan->cell[3], snap_find(v.run, SNAP_SATISFACTION, wuhan->branch, "S", -1));
    ck_assert_ptr_eq(wuhan->cell[2], snap_find(v.run, SNAP_BUNDLING, wuhan->branch, NULL, 1));
    ck_assert_ptr_null(wuhan->cell[4]);
    view_grid_free(&v);

    json_t *got = view_ok("grid", NOARGS);
    ck_assert_str_eq(json_string_value(get(got, "as_of")), "2026-11-21");
    ck_assert_int_eq(json_integer_value(get(got, "run_id")), 12);
    ck_assert_str_eq(json_string_value(get(got, "branch")), "420000");
    expect_json(get(got, "kpis"), "['retention_rate', 'in_network_rate', 'bundling_coverage',"
                                  " 'satisfaction', 'satisfaction_gotone']");
    expect_pick(get(got, "rows"),
                "420100:1:1:1:420000 420102:1:0:2:420100 420201:1:0:2:420200 "
                "420000:0:0:0:null 420200:0:0:1:420000 420101:0:0:2:420100 " Q ":0:0:2:420100",
                ROW_KEYS);
    json_t *rows = get(got, "rows");
    expect_cells(json_array_get(rows, 0), "0.85:red 0.98:green 0.3:null 84.0:green null");
    expect_cells(json_array_get(rows, 1), "0.75:red null 0.4:null null null");
    expect_cells(json_array_get(rows, 2), "0.84:red null null null null");
    expect_cells(json_array_get(rows, 3), "0.846:green 0.98:green 0.3:null 85.0:green null");
    expect_cells(json_array_get(rows, 4), "0.84:excellent null null 86.5:green 71.0:null");
    expect_cells(json_array_get(rows, 5), "0.9:excellent null 0.3:excellent null null");
    expect_cells(json_array_get(rows, 6), "0.9:green null 0.2:null null null");

    /* a row; a cell: its reasons split, the base target and path, the
     * period; a missing cell is null */
    json_t *jianghan = json_array_get(rows, 1);
    ck_assert_str_eq(json_string_value(get(jianghan, "name")), "江汉");
    expect_json(json_array_get(get(jianghan, "cells"), 0),
                "{'value': 0.75, 'status': 'red', 'previous_status': 'red',"
                " 'reasons': ['below_base_path', 'step_decline'], 'target_base': 0.86,"
                " 'path_base': 0.85, 'period': '2026', 'partial': false}");
    ck_assert(json_is_null(json_array_get(get(jianghan, "cells"), 1)));
    /* turned red: was green */
    expect_json(json_array_get(get(json_array_get(rows, 0), "cells"), 0),
                "{'value': 0.85, 'status': 'red', 'previous_status': 'green',"
                " 'reasons': ['below_base_path'], 'target_base': 0.9, 'path_base': 0.88,"
                " 'period': '2026', 'partial': false}");
    /* K3 on campaign 1, no period */
    expect_json(json_array_get(get(grid_row(got, "420101"), "cells"), 2),
                "{'value': 0.3, 'status': 'excellent', 'previous_status': 'green',"
                " 'reasons': ['at_or_above_challenge_path'], 'target_base': 0.25,"
                " 'path_base': 0.2, 'period': null, 'partial': false}");
    /* K4 on S (the partial province figure: partial), no reason: an empty list */
    expect_json(json_array_get(get(grid_row(got, "420000"), "cells"), 3),
                "{'value': 85.0, 'status': 'green', 'previous_status': 'green', 'reasons': [],"
                " 'target_base': 82, 'path_base': null, 'period': '2026-10', 'partial': true}");
    /* GoTone on S, of an older survey month, without a status */
    expect_json(json_array_get(get(grid_row(got, "420200"), "cells"), 4),
                "{'value': 71.0, 'status': null, 'previous_status': null, 'reasons': [],"
                " 'target_base': null, 'path_base': null, 'period': '2026-09',"
                " 'partial': false}");
    json_decref(got);
}
END_TEST

/* A city: 420100 (red 1, turned 1), 420102 (red 1), then 420101 and
 * 420103,"Q" by code. The grid's own branch has no parent, though 420100
 * has one (420000): a caller scoped to 420100 must not learn of it. */
START_TEST(grid_city_parent_null_for_its_root)
{
    json_t *got = view_ok("grid", ARGS("branch", "420100"));
    ck_assert_str_eq(json_string_value(get(got, "branch")), "420100");
    expect_pick(get(got, "rows"),
                "420100:1:1:1:null 420102:1:0:2:420100 420101:0:0:2:420100 " Q ":0:0:2:420100",
                ROW_KEYS);
    json_decref(got);

    /* scoped to 420100: its root by default, the same rows */
    struct view_params p = params(NOARGS, "420100");
    got = view_ok_p("grid", &p, NULL);
    ck_assert_str_eq(json_string_value(get(got, "branch")), "420100");
    expect_pick(get(got, "rows"),
                "420100:1:1:1:null 420102:1:0:2:420100 420101:0:0:2:420100 " Q ":0:0:2:420100",
                ROW_KEYS);
    json_decref(got);
    /* a county in the scope: its row alone, no parent either */
    p = params(ARGS("branch", Q), "420100");
    got = view_ok_p("grid", &p, NULL);
    expect_pick(get(got, "rows"), Q ":0:0:2:null", ROW_KEYS);
    expect_cells(json_array_get(get(got, "rows"), 0), "0.9:green null 0.2:null null null");
    json_decref(got);
    /* the orphan, its own root: K1 .8 red, was excellent */
    got = view_ok("grid", ARGS("branch", "429901"));
    expect_pick(get(got, "rows"), "429901:1:1:2:null", ROW_KEYS);
    expect_cells(json_array_get(get(got, "rows"), 0), "0.8:red null null null null");
    json_decref(got);
}
END_TEST

/* Older runs. Run 10 (2026-10-31): K1 red and turned red (were green) in
 * 420101, 420102, 420103,"Q"; S 79 red in 420200 (was green), its K1 .86
 * excellent; 420201's K1 has no status. Red 1 turned 1: 420200 (level 1),
 * then the counties by code; red 0: 420000, 420100, 420201 by level.
 * Run 11 (2026-11-20): no status anywhere: by level, then code; K3 on
 * campaign 1 (.2), not campaign 2 (.05); S 83 of 420100. */
START_TEST(grid_older_runs)
{
    json_t *got = view_ok("grid", ARGS("date", "2026-10-31"));
    ck_assert_int_eq(json_integer_value(get(got, "run_id")), 10);
    expect_pick(get(got, "rows"),
                "420200:1:1:1:420000 420101:1:1:2:420100 420102:1:1:2:420100 " Q
                ":1:1:2:420100 420000:0:0:0:null 420100:0:0:1:420000 420201:0:0:2:420200",
                ROW_KEYS);
    expect_cells(json_array_get(get(got, "rows"), 0),
                 "0.86:excellent null null 79.0:red 70.0:null");
    expect_cells(grid_row(got, "420000"), "0.824:green null 0.1:null 80.5:green null");
    expect_cells(grid_row(got, "420201"), "0.86:null null null null null");
    json_decref(got);

    got = view_ok("grid", ARGS("date", "2026-11-20"));
    ck_assert_int_eq(json_integer_value(get(got, "run_id")), 11);
    expect_pick(get(got, "rows"),
                "420000:0:0:0:null 420100:0:0:1:420000 420200:0:0:1:420000 "
                "420101:0:0:2:420100 420102:0:0:2:420100 " Q ":0:0:2:420100 420201:0:0:2:420200",
                ROW_KEYS);
    expect_cells(grid_row(got, "420100"), "0.84:null null 0.2:null 83.0:green null");
    expect_cells(grid_row(got, "420000"), "null null 0.2:null null null");
    expect_cells(grid_row(got, "420200"), "null null null null 72.0:null");
    json_decref(got);
}
END_TEST

/* Cells turned red come before the level: given a previous status
 * (green), 420201's K1 red of run 12 turned red, and 420201 (level 2,
 * red 1, turned 1) goes before 420102 (level 2, red 1, turned 0), after
 * 420100 (level 1, red 1, turned 1). */
START_TEST(grid_turned_red_before_level)
{
    struct snap_run *run = snap->runs[2];
    int b = snap_branch_find(snap, "420201");
    struct snap_value *k1 = NULL;
    for (size_t i = run->kpi_start[SNAP_RETENTION]; i < run->kpi_start[SNAP_RETENTION + 1]; i++)
        if (run->values[i].branch == b)
            k1 = &run->values[i];
    ck_assert(k1 && k1->status == SNAP_STATUS_RED && k1->previous == SNAP_STATUS_NONE);
    k1->previous = SNAP_STATUS_GREEN;
    json_t *got = view_ok("grid", NOARGS);
    expect_pick(get(got, "rows"),
                "420100:1:1:1:420000 420201:1:1:2:420200 420102:1:0:2:420100 "
                "420000:0:0:0:null 420200:0:0:1:420000 420101:0:0:2:420100 " Q ":0:0:2:420100",
                ROW_KEYS);
    json_decref(got);
}
END_TEST

static Suite *grid_suite(void)
{
    Suite *s = suite_create("grid");
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_loop_test(errors, grid_errors_by_table, 0, (int)COUNT(grid_errors));
    suite_add_tcase(s, errors);
    TCase *tc = tcase_create("figures");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, grid_province_worst_first);
    tcase_add_test(tc, grid_city_parent_null_for_its_root);
    tcase_add_test(tc, grid_older_runs);
    tcase_add_test(tc, grid_turned_red_before_level);
    suite_add_tcase(s, tc);
    return s;
}

/* ---- runs ------------------------------------------------------------------------------------ */

static const struct error_case runs_errors[] = {
    {A(NULL), VALID},
    {A("date", "2026-10-31"), VALID},
    {A("date", "2026-11-31"), FAILS(400, "invalid_date", "date")},
    {A("date", "20261121"), FAILS(400, "invalid_date", "date")},
    {A("date", ""), FAILS(400, "invalid_date", "date")},
    {A("date", "2026-11-19"), FAILS(404, "no_run", "date")},
    {A(NULL), FAILS(404, "no_run", NULL), NO_RUNS},
    /* the runs are no branch's: any signed-in caller sees them */
    {A(NULL), VALID, SCOPE("420100")},
};

START_TEST(runs_errors_by_table)
{
    run_error_case("runs", &runs_errors[_i]);
}
END_TEST

#define RUNS_LIST                                                                                  \
    "'runs': [{'as_of': '2026-11-21', 'run_id': 12}, {'as_of': '2026-11-20', 'run_id': 11},"       \
    " {'as_of': '2026-10-31', 'run_id': 10}]"

/* The watermarks of the fixture (its README): run 12 all five dates, run
 * 11 three (no contract or survey date: null), run 10 none (all null). The
 * list is every run, newest first, whichever run is selected. */
START_TEST(runs_newest_first_with_the_watermark)
{
    json_t *got = view_ok("runs", NOARGS);
    expect_json(got, "{'as_of': '2026-11-21', 'run_id': 12, 'watermark':"
                     " {'last_closed_month': '2026-10-01', 'newest_usage': '2026-11-01',"
                     " 'newest_cancel': '2026-11-20', 'newest_contract': '2026-11-21',"
                     " 'newest_survey': '2026-11-18'}, " RUNS_LIST "}");
    json_decref(got);
    got = view_ok("runs", ARGS("date", "2026-11-20"));
    expect_json(got, "{'as_of': '2026-11-20', 'run_id': 11, 'watermark':"
                     " {'last_closed_month': '2026-10-01', 'newest_usage': '2026-10-01',"
                     " 'newest_cancel': '2026-11-19', 'newest_contract': null,"
                     " 'newest_survey': null}, " RUNS_LIST "}");
    json_decref(got);
    got = view_ok("runs", ARGS("date", "2026-10-31"));
    expect_json(got, "{'as_of': '2026-10-31', 'run_id': 10, 'watermark':"
                     " {'last_closed_month': null, 'newest_usage': null, 'newest_cancel': null,"
                     " 'newest_contract': null, 'newest_survey': null}, " RUNS_LIST "}");
    json_decref(got);
}
END_TEST

/* snap_write_file() then snap_read_file() keeps each run's watermark (and
 * an empty one stays empty): the view answers the same over the copy. */
START_TEST(runs_watermark_survives_the_file)
{
    char path[] = "/tmp/rtnd-views-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert(snap_write_file(snap, path));
    struct snap *back = NULL;
    ck_assert(snap_read_file(path, &back));
    unlink(path);

    ck_assert_uint_eq(back->nruns, 3);
    for (size_t i = 0; i < back->nruns; i++)
        for (int w = 0; w < SNAP_NWATERMARK; w++)
            ck_assert_str_eq(back->runs[i]->watermark[w], snap->runs[i]->watermark[w]);
    ck_assert_str_eq(back->runs[2]->watermark[SNAP_WM_NEWEST_SURVEY], "2026-11-18");
    ck_assert_str_eq(back->runs[1]->watermark[SNAP_WM_NEWEST_CANCEL], "2026-11-19");
    ck_assert_str_eq(back->runs[1]->watermark[SNAP_WM_NEWEST_CONTRACT], "");
    ck_assert_str_eq(back->runs[0]->watermark[SNAP_WM_LAST_CLOSED_MONTH], "");

    static const char *const dates[] = {"2026-10-31", "2026-11-20", "2026-11-21"};
    for (size_t i = 0; i < COUNT(dates); i++) {
        struct view_params p = params(ARGS("date", dates[i]), NULL);
        struct view_error err = {0};
        json_t *want = view_ok_p("runs", &p, NULL), *got = NULL;
        bool complete = false;
        ck_assert_msg(view_json(VIEW_RUNS, back, &p, &got, &complete, &err), "%s", err.message);
        ck_assert(json_equal(got, want));
        json_decref(got);
        json_decref(want);
    }
    snap_unref(back);
}
END_TEST

static Suite *runs_suite(void)
{
    Suite *s = suite_create("runs");
    TCase *errors = tcase_create("errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_loop_test(errors, runs_errors_by_table, 0, (int)COUNT(runs_errors));
    suite_add_tcase(s, errors);
    TCase *tc = tcase_create("figures");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, runs_newest_first_with_the_watermark);
    tcase_add_test(tc, runs_watermark_survives_the_file);
    suite_add_tcase(s, tc);
    return s;
}

/* ---- labels ---------------------------------------------------------------------------------- */

/* The extra words labels_json() adds from the table's own fields. */
static const char *const field_words[] = {"base",           "challenge", "base_path",
                                          "challenge_path", "flag_warn", "flag_excellent"};

/* zh and en name the same words in the same order, each once, none with
 * an empty text. */
START_TEST(labels_words_tables_agree)
{
    const struct labels *zh = labels_get("zh"), *en = labels_get("en");
    ck_assert_str_eq(zh->lang, "zh");
    ck_assert_str_eq(en->lang, "en");
    ck_assert_ptr_nonnull(zh->words);
    ck_assert_ptr_nonnull(en->words);
    size_t n = 0;
    const struct label_word *z = zh->words, *e = en->words;
    for (; z->name && e->name; z++, e++, n++) {
        ck_assert_msg(strcmp(z->name, e->name) == 0, "word %zu: zh %s, en %s", n, z->name, e->name);
        ck_assert_msg(z->text && z->text[0], "zh %s: no text", z->name);
        ck_assert_msg(e->text && e->text[0], "en %s: no text", e->name);
        /* (plain comparisons in the loops: each passing ck_assert marks a
         * point through Check's pipe, and n * n of them ran the suite past
         * its time-out under ASan once the tables had some 600 words) */
        bool zh_twice = false, en_twice = false, field = false;
        for (const struct label_word *before = zh->words; before < z; before++)
            zh_twice = zh_twice || strcmp(before->name, z->name) == 0;
        ck_assert_msg(!zh_twice, "zh %s twice", z->name);
        for (const struct label_word *before = en->words; before < e; before++)
            en_twice = en_twice || strcmp(before->name, e->name) == 0;
        ck_assert_msg(!en_twice, "en %s twice", e->name);
        for (size_t f = 0; f < COUNT(field_words); f++)
            field = field || strcmp(z->name, field_words[f]) == 0;
        ck_assert_msg(!field, "%s is a field's word", z->name);
    }
    ck_assert_msg(!z->name && !e->name, "zh has %s words after %zu", z->name ? "more" : "fewer", n);
    ck_assert_uint_gt(n, 100);
}
END_TEST

START_TEST(labels_word_by_name)
{
    const struct labels *zh = labels_get("zh"), *en = labels_get("en");
    /* zh by default, for any language but en */
    ck_assert_ptr_eq(labels_get(NULL), zh);
    ck_assert_ptr_eq(labels_get("fr"), zh);
    ck_assert_ptr_eq(labels_get(""), zh);
    ck_assert_str_eq(labels_word(zh, "nav_alarms"), "预警");
    ck_assert_str_eq(labels_word(en, "nav_alarms"), "Alarms");
    ck_assert_str_eq(labels_word(en, "not_found"), "No such page."); /* the last word */
    ck_assert_str_eq(labels_word(zh, "app"), "中高端客户保有");      /* the first */
    /* an unknown word: the name itself */
    static const char unknown[] = "no_such_word";
    ck_assert_ptr_eq(labels_word(zh, unknown), unknown);
    ck_assert_ptr_eq(labels_word(en, unknown), unknown);
}
END_TEST

/* labels_json(): every KPI's title, the names of red, green and excellent
 * (none has no name), every zone's, every word with its text plus the
 * fields' words. */
START_TEST(labels_json_for_the_pages)
{
    static const char *const langs[] = {"zh", "en"};
    for (size_t i = 0; i < COUNT(langs); i++) {
        const struct labels *l = labels_get(langs[i]);
        json_t *got = labels_json(l);
        ck_assert_str_eq(json_string_value(get(got, "lang")), langs[i]);
        json_t *kpi = get(got, "kpi"), *status = get(got, "status"), *zone = get(got, "zone");
        ck_assert_uint_eq(json_object_size(kpi), SNAP_NKPI);
        for (int k = 0; k < SNAP_NKPI; k++) {
            const char *title = json_string_value(get(kpi, snap_kpi_name((enum snap_kpi)k)));
            ck_assert_msg(title && *title, "%s: no title of %s", langs[i],
                          snap_kpi_name((enum snap_kpi)k));
            ck_assert_str_eq(title, l->kpi[k]);
        }
        ck_assert_uint_eq(json_object_size(status), 3);
        ck_assert_str_eq(json_string_value(get(status, "red")), l->status[SNAP_STATUS_RED]);
        ck_assert_str_eq(json_string_value(get(status, "green")), l->status[SNAP_STATUS_GREEN]);
        ck_assert_str_eq(json_string_value(get(status, "excellent")),
                         l->status[SNAP_STATUS_EXCELLENT]);
        ck_assert_uint_eq(json_object_size(zone), SNAP_NZONES);
        for (int z = 0; z < SNAP_NZONES; z++) {
            const char *name = json_string_value(get(zone, snap_zone_name((enum snap_zone)z)));
            ck_assert_msg(name && *name, "%s: no name of zone %d", langs[i], z);
            ck_assert_str_eq(name, l->zone[z]);
        }
        json_t *words = get(got, "words");
        size_t n = 0;
        for (const struct label_word *w = l->words; w->name; w++, n++)
            ck_assert_str_eq(json_string_value(get(words, w->name)), w->text);
        ck_assert_str_eq(json_string_value(get(words, "base")), l->base);
        ck_assert_str_eq(json_string_value(get(words, "challenge")), l->challenge);
        ck_assert_str_eq(json_string_value(get(words, "base_path")), l->base_path);
        ck_assert_str_eq(json_string_value(get(words, "challenge_path")), l->challenge_path);
        ck_assert_str_eq(json_string_value(get(words, "flag_warn")), l->flag_warn);
        ck_assert_str_eq(json_string_value(get(words, "flag_excellent")), l->flag_excellent);
        ck_assert_uint_eq(json_object_size(words), n + COUNT(field_words));
        json_decref(got);
    }
    /* the languages' own words */
    json_t *zh = labels_json(labels_get("zh")), *en = labels_json(labels_get("en"));
    ck_assert_str_eq(json_string_value(get(get(zh, "kpi"), "retention_rate")), "中高端客户保有率");
    ck_assert_str_eq(json_string_value(get(get(en, "status"), "red")), "alarm");
    ck_assert_str_eq(json_string_value(get(get(zh, "zone"), "white")), "流失区");
    ck_assert_str_eq(json_string_value(get(get(en, "words"), "watermark")),
                     "Warehouse when computed");
    json_decref(zh);
    json_decref(en);
}
END_TEST

static Suite *labels_suite(void)
{
    Suite *s = suite_create("labels");
    TCase *tc = tcase_create("tables");
    tcase_add_test(tc, labels_words_tables_agree);
    tcase_add_test(tc, labels_word_by_name);
    tcase_add_test(tc, labels_json_for_the_pages);
    suite_add_tcase(s, tc);
    return s;
}

/* ---- the scope ------------------------------------------------------------------------------- */

/* With a scope and no branch, every branch-taking view answers for the
 * scope's root: the member naming the branch says so. */
static const struct {
    const char *view, *args[5], *member;
} scope_roots[] = {
    {"trend", {"kpi", "retention_rate"}, "branch"},
    {"ranking", {"kpi", "retention_rate"}, "parent"},
    {"alarms", {NULL}, "branch"},
    {"satisfaction", {NULL}, "branch"},
    {"zones", {NULL}, "branch"},
    {"grid", {NULL}, "branch"},
};

START_TEST(scope_root_by_default)
{
    struct view_params p = params(scope_roots[_i].args, "420100");
    json_t *got = view_ok_p(scope_roots[_i].view, &p, NULL);
    ck_assert_str_eq(json_string_value(get(got, scope_roots[_i].member)), "420100");
    json_decref(got);
    /* without a scope: the province */
    p.scope = NULL;
    got = view_ok_p(scope_roots[_i].view, &p, NULL);
    ck_assert_str_eq(json_string_value(get(got, scope_roots[_i].member)), "420000");
    json_decref(got);
}
END_TEST

static Suite *scope_suite(void)
{
    Suite *s = suite_create("scope");
    TCase *tc = tcase_create("root");
    tcase_add_checked_fixture(tc, setup_zones, teardown);
    tcase_add_loop_test(tc, scope_root_by_default, 0, (int)COUNT(scope_roots));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(branches_suite());
    srunner_add_suite(sr, kpis_suite());
    srunner_add_suite(sr, quality_suite());
    srunner_add_suite(sr, trend_suite());
    srunner_add_suite(sr, ranking_suite());
    srunner_add_suite(sr, alarms_suite());
    srunner_add_suite(sr, satisfaction_suite());
    srunner_add_suite(sr, zones_suite());
    srunner_add_suite(sr, customers_suite());
    srunner_add_suite(sr, grid_suite());
    srunner_add_suite(sr, runs_suite());
    srunner_add_suite(sr, labels_suite());
    srunner_add_suite(sr, scope_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
