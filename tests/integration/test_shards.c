/* Integration: the sharded mode (docs/scaling.md). A coordinator in the test
 * cluster over three shards, each its own PostgreSQL server on loopback
 * (scripts/pg start --shards 3; RETENTIOND_TEST_SHARDS), set up by
 * `retentiond migrate --shards`, against one server holding the same data:
 * `compute --format json` prints the same bytes run after run (the golden
 * fixture with the incremental tests' days and corrections, a generated
 * province with a re-freeze), and a recompute that changes nothing stores
 * nothing and leaves the state as it was; a shard down before or during a
 * compute fails the run and leaves nothing of it, while the daemon serves the
 * previous snapshot; the shards reached as a role with only the daemon's
 * grants (the user mappings switched to it) give the same bytes. */
#include "harness.h"

#include "buf.h"

#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHARDS 3

static char **servers;
static int nservers;

struct sharded {
    char name[64];
    char *coord;         /* the coordinator's conninfo */
    char *shard[SHARDS]; /* each shard's */
    char *one;           /* one server with the same data (NULL: none) */
};

static long long_on(const char *ci, const char *sql)
{
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    long v = harness_long(db, sql);
    db_close(db);
    return v;
}

static char *text_on(const char *ci, const char *sql)
{
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    char *v = harness_text(db, sql);
    db_close(db);
    return v;
}

static void expect_relkind(const char *ci, const char *table, const char *kind)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT relkind::text FROM pg_class WHERE oid = '%s'::regclass",
             table);
    char *got = text_on(ci, sql);
    ck_assert_msg(strcmp(got, kind) == 0, "%s: relkind %s, want %s", table, got, kind);
    free(got);
}

/* Loads a source file or, with seed > 0, a generated province. */
static void load(const char *ci, const char *fixture, int seed, int scale)
{
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    if (fixture) {
        harness_exec_file(db, fixture);
    } else {
        harness_exec_file(db, "sql/demo/generate.sql");
        char s[16], n[16];
        snprintf(s, sizeof s, "%d", seed);
        snprintf(n, sizeof n, "%d", scale);
        const char *params[] = {s, n, "2026-11-22"};
        ck_assert_msg(
            db_query(db, "SELECT demo.generate($1::int, $2::int, $3::date)", 3, params, NULL), "%s",
            db_errmsg(db));
    }
    harness_exec_file(db, "sql/warehouse/indexes.sql");
    ck_assert(db_exec_script(db, "analyze", "ANALYZE"));
    db_close(db);
}

static int migrate_shards(const char *coord, char *const *shards, int n, char **err)
{
    const char *args[4 + SHARDS + 1] = {"migrate", "--db", coord, "--shards"};
    for (int k = 0; k < n; k++)
        args[4 + k] = shards[k];
    args[4 + n] = NULL;
    char *out = NULL;
    int rc = harness_run(args, NULL, &out, err);
    if (rc == 0)
        ck_assert_msg(strstr(out, ", sharded") != NULL, "%s", out);
    free(out);
    return rc;
}

/* The coordinator and its shards with the warehouse's tables, sharded,
 * then loaded through the coordinator; and one server with the same. */
static void sharded_up(struct sharded *s, const char *tag, const char *fixture, int seed, int scale,
                       bool with_one)
{
    nservers = harness_shards(&servers);
    ck_assert_int_eq(nservers, SHARDS);
    snprintf(s->name, sizeof s->name, "rt_it_shards_%d_%s", (int)getpid(), tag);
    s->coord = harness_create_db(s->name);
    struct db *db = NULL;
    ck_assert(db_connect(s->coord, 0, &db));
    harness_exec_file(db, "sql/warehouse/tables.sql");
    db_close(db);
    for (int k = 0; k < SHARDS; k++) {
        s->shard[k] = harness_create_db_at(servers[k], s->name);
        ck_assert(db_connect(s->shard[k], 0, &db));
        harness_exec_file(db, "sql/warehouse/tables.sql");
        harness_exec_file(db, "sql/warehouse/indexes.sql");
        db_close(db);
    }
    char *err = NULL;
    ck_assert_msg(migrate_shards(s->coord, s->shard, SHARDS, &err) == 0, "%s", err);
    free(err);
    load(s->coord, fixture, seed, scale);
    for (int k = 0; k < SHARDS; k++)
        harness_exec_on(s->shard[k], "ANALYZE");
    s->one = NULL;
    if (!with_one)
        return;
    char one[80];
    snprintf(one, sizeof one, "%s_one", s->name);
    if (!fixture) {
        /* the province load() generates, copied from the test cluster's template */
        s->one = harness_demo_db(one, seed, scale, "2026-11-22");
        return;
    }
    s->one = harness_create_db(one);
    ck_assert(db_connect(s->one, 0, &db));
    harness_exec_file(db, "sql/warehouse/tables.sql");
    db_close(db);
    load(s->one, fixture, seed, scale);
    const char *migrate[] = {"migrate", "--db", s->one, NULL};
    ck_assert_int_eq(harness_run(migrate, NULL, NULL, NULL), 0);
}

static void sharded_down(struct sharded *s)
{
    harness_drop_db(s->name);
    for (int k = 0; k < SHARDS; k++) {
        harness_drop_db_at(servers[k], s->name);
        free(s->shard[k]);
    }
    if (s->one) {
        char one[80];
        snprintf(one, sizeof one, "%s_one", s->name);
        harness_drop_db(one);
        free(s->one);
    }
    free(s->coord);
}

static char *compute_out(const char *ci, const char *as_of)
{
    const char *args[] = {"compute", "--db", ci, "--as-of", as_of, "--format", "json", NULL};
    char *out = NULL, *err = NULL;
    int rc = harness_run(args, NULL, &out, &err);
    ck_assert_msg(rc == 0, "compute %s exited %d: %s", as_of, rc, err);
    free(err);
    return out;
}

/* The same bytes from both, and a run with values. */
static void expect_same_run(struct sharded *s, const char *as_of)
{
    char *a = compute_out(s->coord, as_of), *b = compute_out(s->one, as_of);
    ck_assert_msg(strstr(a, "\"values\": [\n  {") != NULL || strstr(a, "\"values\":[{") != NULL,
                  "%s: no values in %.300s", as_of, a);
    if (strcmp(a, b) != 0) {
        size_t i = 0;
        while (a[i] && a[i] == b[i])
            i++;
        size_t from = i > 200 ? i - 200 : 0;
        ck_abort_msg("%s: the sharded run differs at byte %zu:\n%.400s\n-- one server:\n%.400s",
                     as_of, i, a + from, b + from);
    }
    free(a);
    free(b);
}

/* One command's output (its first five words, the sixth a --branch if
 * set) on the coordinator and on one server: the same bytes, not empty. */
static void expect_same_output(struct sharded *s, const char *const *words)
{
    const char *args[12];
    int n = 0;
    for (int i = 0; i < 5; i++)
        args[n++] = words[i];
    if (words[5]) {
        args[n++] = "--branch";
        args[n++] = words[5];
    }
    args[n++] = "--out";
    args[n++] = "-";
    args[n++] = "--db";
    args[n + 1] = NULL;
    char *out[2] = {NULL, NULL}, *err = NULL;
    const char *dbs[2] = {s->coord, s->one};
    for (int k = 0; k < 2; k++) {
        args[n] = dbs[k];
        int rc = harness_run(args, NULL, &out[k], &err);
        ck_assert_msg(rc == 0, "%s %s: exit %d: %s", words[0], words[2], rc, err);
        free(err);
    }
    ck_assert_msg(strlen(out[0]) > 1000, "%s %s: %zu bytes", words[0], words[2], strlen(out[0]));
    ck_assert_msg(strcmp(out[0], out[1]) == 0, "%s %s %s: the sharded output differs", words[0],
                  words[2], words[5] ? words[5] : "");
    free(out[0]);
    free(out[1]);
}

/* Every shard holds a part of the rows; the coordinator holds none. */
static void expect_spread(struct sharded *s, const char *table)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    long total = long_on(s->coord, sql), sum = 0;
    for (int k = 0; k < SHARDS; k++) {
        long part = long_on(s->shard[k], sql);
        ck_assert_msg(part > 0 && part < total, "%s: shard %d holds %ld of %ld", table, k, part,
                      total);
        sum += part;
    }
    ck_assert_int_eq(sum, total);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM ONLY %s", table);
    ck_assert_int_eq(long_on(s->coord, sql), 0);
}

/* On the shards too, a recompute of as_of that says what its newest run
 * says stores nothing (compute --if-changed), and leaves the state kept
 * between runs, the shards' rows read through the coordinator, as it was. */
static void expect_unchanged(struct sharded *s, const char *as_of)
{
    struct db *db = NULL;
    ck_assert(db_connect(s->coord, 0, &db));
    long runs = harness_long(db, "SELECT count(*) FROM kpi.run");
    char *state = harness_kept_state(db);
    const char *args[] = {"compute", "--db", s->coord, "--as-of", as_of, "--if-changed", NULL};
    char *err = NULL;
    int rc = harness_run(args, NULL, NULL, &err);
    ck_assert_msg(rc == 0 && strstr(err, "msg=\"compute unchanged\"") != NULL, "%s: exit %d: %s",
                  as_of, rc, err);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.run"), runs);
    char *after = harness_kept_state(db);
    ck_assert_str_eq(after, state);
    free(after);
    free(state);
    free(err);
    db_close(db);
}

START_TEST(golden_days_are_the_same_bytes_on_three_shards)
{
    struct sharded s;
    sharded_up(&s, "golden", "tests/fixtures/golden.sql", 0, 0, true);
    expect_relkind(s.coord, "dw.monthly_usage", "p");
    /* the incremental tests' days: 12-05 closes November (a fold, new
     * zones), then back to a day whose zones are stored */
    /* what a run whose commit reached some shards and not the coordinator
     * leaves (docs/scaling.md, "Failures"): the next freeze replaces it */
    for (int k = 0; k < SHARDS; k++)
        harness_exec_on(s.shard[k], "INSERT INTO kpi.cohort_member VALUES (2026, 1, 100, 0);"
                                    "INSERT INTO kpi.vip_member VALUES (2026, 1, 'gold', 100)");
    static const char *const days[] = {"2026-11-22", "2026-11-23", "2026-12-05", "2026-12-06",
                                       "2026-11-21"};
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++)
        expect_same_run(&s, days[i]);
    expect_spread(&s, "dw.subscriber");
    expect_spread(&s, "dw.monthly_usage");
    expect_spread(&s, "kpi.cohort_member");
    expect_spread(&s, "kpi.zone_member");
    /* the ETL's corrections, each through the coordinator on the one side */
    static const char *const changes[] = {
        "INSERT INTO dw.subscriber (sub_id, branch_id, brand, activated_on, cancelled_on)"
        " VALUES (100000, 102, 'gotone', '2015-01-01', '2026-01-31')",
        "INSERT INTO dw.bundle_target VALUES (1, 13, 100);"
        " DELETE FROM dw.bundle_target WHERE sub_id = 100000",
        "UPDATE kpi.setting SET value = 500 WHERE key = 'k5_minutes_b'",
        "UPDATE dw.subscriber SET cancelled_on = '2026-12-01' WHERE sub_id = 9"};
    static const char *const after[] = {"2026-12-06", "2026-12-07", "2026-12-08", "2026-12-09"};
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        harness_exec_on(s.coord, changes[i]);
        harness_exec_on(s.one, changes[i]);
        expect_same_run(&s, after[i]);
    }
    expect_unchanged(&s, after[3]);
    sharded_down(&s);
}
END_TEST

START_TEST(a_generated_province_is_the_same_bytes_on_three_shards)
{
    struct sharded s;
    sharded_up(&s, "province", NULL, 5, 6000, true);
    /* the month ends of 2026Q3, for its report */
    expect_same_run(&s, "2026-07-31");
    expect_same_run(&s, "2026-08-31");
    expect_same_run(&s, "2026-09-30");
    expect_same_run(&s, "2026-10-31");
    expect_same_run(&s, "2026-11-20");
    expect_same_run(&s, "2026-11-22");
    /* what the users read from the coordinator: the bulletin and the
     * quarter's report (its CSV), the same bytes as one server's */
    static const char *const outputs[][6] = {
        {"bulletin", "--date", "2026-11-22", "--format", "html", NULL},
        {"bulletin", "--date", "2026-11-22", "--format", "html", "420101"},
        {"report", "--quarter", "2026Q3", "--format", "csv", NULL},
    };
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++)
        expect_same_output(&s, outputs[i]);
    expect_spread(&s, "kpi.vip_member");
    expect_spread(&s, "kpi.campaign_target");
    const char *refreeze_c[] = {"cohort", "--db", s.coord, "--year", "2026", "--refreeze", NULL};
    const char *refreeze_o[] = {"cohort", "--db", s.one, "--year", "2026", "--refreeze", NULL};
    ck_assert_int_eq(harness_run(refreeze_c, NULL, NULL, NULL), 0);
    ck_assert_int_eq(harness_run(refreeze_o, NULL, NULL, NULL), 0);
    expect_same_run(&s, "2026-11-22");
    sharded_down(&s);
}
END_TEST

START_TEST(migrate_shards_checks_what_it_is_given)
{
    struct sharded s;
    sharded_up(&s, "migrate", "tests/fixtures/golden.sql", 0, 0, false);
    char *err = NULL;
    /* the same again: nothing to do */
    ck_assert_msg(migrate_shards(s.coord, s.shard, SHARDS, &err) == 0, "%s", err);
    ck_assert_msg(strstr(err, "already sharded") != NULL, "%s", err);
    free(err);
    /* another number of shards */
    ck_assert_int_eq(migrate_shards(s.coord, s.shard, 2, &err), 1);
    ck_assert_msg(strstr(err, "re-sharding is not supported") != NULL, "%s", err);
    free(err);
    /* a fresh coordinator over a shard without the warehouse's tables */
    char name[80], *coord = NULL, *bare[SHARDS];
    snprintf(name, sizeof name, "%s_bare", s.name);
    coord = harness_create_db(name);
    struct db *db = NULL;
    ck_assert(db_connect(coord, 0, &db));
    harness_exec_file(db, "sql/warehouse/tables.sql");
    db_close(db);
    for (int k = 0; k < SHARDS; k++)
        bare[k] = harness_create_db_at(servers[k], name);
    ck_assert_int_eq(migrate_shards(coord, bare, SHARDS, &err), 1);
    ck_assert_msg(strstr(err, "shard lacks plain tables") && strstr(err, "dw.monthly_usage"), "%s",
                  err);
    free(err);
    /* a coordinator that already holds rows: nothing is moved or changed */
    ck_assert(db_connect(bare[0], 0, &db));
    harness_exec_file(db, "sql/warehouse/tables.sql");
    db_close(db);
    harness_exec_on(coord, "INSERT INTO dw.subscriber VALUES (1, 1, 'gotone', '2015-01-01', NULL)");
    char *one[] = {bare[0]};
    ck_assert_int_eq(migrate_shards(coord, one, 1, &err), 1);
    ck_assert_msg(strstr(err, "dw.subscriber has rows") != NULL, "%s", err);
    free(err);
    ck_assert_int_eq(long_on(coord, "SELECT kpi.shard_count()"), 0);
    ck_assert_int_eq(long_on(coord, "SELECT count(*) FROM dw.subscriber"), 1);
    /* a wrong password: rolled back whole */
    harness_exec_on(coord, "DELETE FROM dw.subscriber");
    char wrong[512];
    snprintf(wrong, sizeof wrong, "%s password=wrong", bare[0]);
    char *bad[] = {wrong};
    ck_assert_int_eq(migrate_shards(coord, bad, 1, &err), 1);
    ck_assert_msg(strstr(err, "password authentication failed") != NULL, "%s", err);
    free(err);
    ck_assert_int_eq(long_on(coord, "SELECT kpi.shard_count()"), 0);
    expect_relkind(coord, "dw.subscriber", "r");
    harness_drop_db(name);
    for (int k = 0; k < SHARDS; k++) {
        harness_drop_db_at(servers[k], name);
        free(bare[k]);
    }
    free(coord);
    sharded_down(&s);
}
END_TEST

/* What a failed run may not change: the runs, and each shard's state. */
static char *state_of(struct sharded *s)
{
    char *parts[SHARDS + 1];
    parts[0] = text_on(s->coord, "SELECT (SELECT count(*) FROM kpi.run) || '/' ||"
                                 " (SELECT count(*) FROM kpi.value) || '/' ||"
                                 " (SELECT coalesce(max(folded_mask), 0) FROM kpi.cohort)");
    for (int k = 0; k < SHARDS; k++)
        parts[k + 1] =
            text_on(s->shard[k], "SELECT (SELECT count(*) || ':' || coalesce(sum(good_mask), 0)"
                                 "        FROM kpi.cohort_member) || '/' ||"
                                 " (SELECT count(*) FROM kpi.zone_member)");
    struct buf all = BUF_INIT;
    for (int k = 0; k <= SHARDS; k++) {
        buf_printf(&all, "%s%s", k ? " | " : "", parts[k]);
        free(parts[k]);
    }
    return buf_detach(&all, NULL);
}

static long runs_served(int port, char **body)
{
    return harness_http(port, "GET", "/api/v1/runs?date=2026-11-22", NULL, body, NULL);
}

static pid_t compute_in_background(const char *ci, const char *as_of, const char *err_path)
{
    pid_t pid = fork();
    ck_assert(pid >= 0);
    if (pid == 0) {
        const char *args[] = {"compute", "--db", ci, "--as-of", as_of, NULL};
        char *err = NULL;
        int rc = harness_run(args, NULL, NULL, &err);
        FILE *f = fopen(err_path, "w");
        if (f) {
            fputs(err ? err : "", f);
            fclose(f);
        }
        _exit(rc == 0 ? 0 : 1);
    }
    return pid;
}

static bool wait_for_sleep(const char *shard_ci, int ms)
{
    struct db *db = NULL;
    ck_assert(db_connect(shard_ci, 0, &db));
    bool seen = false;
    for (int t = 0; t < ms && !seen; t += 20) {
        seen =
            harness_long(db, "SELECT count(*) FROM pg_stat_activity"
                             " WHERE datname = current_database() AND wait_event = 'PgSleep'") > 0;
        if (!seen)
            usleep(20 * 1000);
    }
    db_close(db);
    return seen;
}

/* A login role on the coordinator with only kpi.grant_daemon's grants: its
 * name in role, its conninfo returned (the caller frees); dropped by
 * daemon_role_drop(). */
static char *daemon_role(const char *coord, char role[64])
{
    char sql[512];
    snprintf(role, 64, "rt_it_shards_daemon_%d", (int)getpid());
    snprintf(sql, sizeof sql,
             "DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN PASSWORD 'daemon-pw-1';"
             " SELECT kpi.grant_daemon('%s')",
             role, role, role);
    harness_exec_on(coord, sql);
    struct buf b = BUF_INIT;
    buf_printf(&b, "%s user=%s password=daemon-pw-1", coord, role);
    return buf_detach(&b, NULL);
}

static void daemon_role_drop(const char *coord, const char *role)
{
    char sql[200];
    snprintf(sql, sizeof sql, "DROP OWNED BY %s; DROP ROLE %s", role, role);
    harness_exec_on(coord, sql);
}

START_TEST(a_shard_down_fails_the_run_and_the_daemon_serves_the_last)
{
    struct sharded s;
    sharded_up(&s, "down", "tests/fixtures/golden.sql", 0, 0, false);
    free(compute_out(s.coord, "2026-11-22"));
    harness_sign_in(s.coord);
    char datadir[80];
    snprintf(datadir, sizeof datadir, "/tmp/rt_it_shards_%d", (int)getpid());
    mkdir(datadir, 0700);
    char config[1024];
    snprintf(config, sizeof config,
             "[bulletin]\nschedule = 0\n[http]\nport = 0\nlisten = 127.0.0.1\n[database]\n"
             "conninfo = %s\n[daemon]\ndata_dir = %s\nauto_compute = 0\nrefresh_interval = 5\n",
             s.coord, datadir);
    char *config_path = harness_temp_file(config);
    struct harness_daemon d;
    ck_assert_msg(harness_daemon_start(&d, config_path, NULL), "%s", d.log ? d.log : "");
    ck_assert_msg(harness_daemon_wait_log(&d, "snapshot published", 20000) ||
                      strstr(d.log, "snapshot published"),
                  "%s", d.log);
    char *before = state_of(&s), *body = NULL;
    ck_assert_int_eq(runs_served(d.port, &body), 200);
    ck_assert_msg(strstr(body, "\"run_id\":1") != NULL, "%s", body);
    free(body);

    /* down before the run: its first read of shard 2 fails it */
    harness_pg_shard(2, "stop");
    const char *args[] = {"compute", "--db", s.coord, "--as-of", "2026-12-05", NULL};
    char *err = NULL;
    ck_assert_int_eq(harness_run(args, NULL, NULL, &err), 1);
    ck_assert_msg(strstr(err, "level=error") && strstr(err, "retentiond_shard_1"), "%s", err);
    free(err);
    harness_pg_shard(2, "start");
    char *now = state_of(&s);
    ck_assert_str_eq(now, before);
    free(now);

    /* down during the run: shard 3 holds the run in K3 (its contracts read
     * through a view that sleeps), after K1 folded November and took the
     * zones on every shard; shard 2 stops meanwhile */
    harness_exec_on(s.shard[2],
                    "ALTER TABLE dw.bundle_contract RENAME TO bundle_contract_t;"
                    "CREATE VIEW dw.bundle_contract AS SELECT c.* FROM dw.bundle_contract_t c,"
                    " (SELECT pg_sleep(2)) z");
    char err_path[96];
    snprintf(err_path, sizeof err_path, "%s/compute.err", datadir);
    pid_t pid = compute_in_background(s.coord, "2026-12-05", err_path);
    ck_assert_msg(wait_for_sleep(s.shard[2], 30000), "the run never reached K3 on shard 3");
    harness_pg_shard(2, "stop");
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "compute status %d", status);
    char *run_err = harness_read_file(err_path);
    /* a connection failure (SQLSTATE class 08), nothing logged as done */
    ck_assert_msg(strstr(run_err, "level=error") && strstr(run_err, "sqlstate=08"), "%s", run_err);
    ck_assert_msg(strstr(run_err, "run stored") == NULL, "%s", run_err);
    free(run_err);
    harness_pg_shard(2, "start");
    now = state_of(&s);
    ck_assert_str_eq(now, before);
    free(now);
    ck_assert_int_eq(runs_served(d.port, &body), 200);
    ck_assert_msg(strstr(body, "\"run_id\":1") != NULL, "%s", body);
    free(body);
    body = NULL;
    ck_assert_int_eq(harness_http(d.port, "GET", "/readyz", NULL, &body, NULL), 200);
    free(body);

    /* back up: the run goes through, computed by a role with only the
     * daemon's grants (kpi.grant_daemon, given after the sharding) */
    harness_exec_on(s.shard[2], "DROP VIEW dw.bundle_contract;"
                                "ALTER TABLE dw.bundle_contract_t RENAME TO bundle_contract");
    char role[64];
    char *as_role = daemon_role(s.coord, role);
    free(compute_out(as_role, "2026-12-05"));
    free(as_role);
    now = state_of(&s);
    ck_assert_str_ne(now, before);
    free(now);
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 10000), 0);
    free(d.log);
    daemon_role_drop(s.coord, role);
    free(before);
    unlink(err_path);
    rmdir(datadir);
    unlink(config_path);
    free(config_path);
    sharded_down(&s);
}
END_TEST

/* Runs SQL on every shard's server, in its postgres database (roles are
 * the cluster's). */
static void on_every_server(const char *sql)
{
    for (int k = 0; k < SHARDS; k++) {
        struct buf ci = BUF_INIT;
        buf_printf(&ci, "%s dbname=postgres", servers[k]);
        harness_exec_on(ci.data, sql);
        buf_release(&ci);
    }
}

/* The shards reached as a role of their own with only the daemon's grants
 * (docs/scaling.md, "Least privilege on the shards"): without them the run
 * fails on a permission and changes nothing; with them the runs are one
 * server's bytes, and the coordinator's daemon role computes over them. */
START_TEST(the_shards_work_as_a_role_with_only_the_daemons_grants)
{
    struct sharded s;
    sharded_up(&s, "roles", "tests/fixtures/golden.sql", 0, 0, true);
    char role[64], sql[512];
    snprintf(role, sizeof role, "rt_it_shard_worker_%d", (int)getpid());
    snprintf(sql, sizeof sql, "DROP ROLE IF EXISTS %s; CREATE ROLE %s LOGIN PASSWORD 'shard-pw-1'",
             role, role);
    on_every_server(sql);
    for (int k = 0; k < SHARDS; k++) {
        snprintf(sql, sizeof sql,
                 "ALTER USER MAPPING FOR PUBLIC SERVER retentiond_shard_%d"
                 " OPTIONS (SET user '%s', SET password 'shard-pw-1')",
                 k, role);
        harness_exec_on(s.coord, sql);
    }
    char *before = state_of(&s);
    const char *args[] = {"compute", "--db", s.coord, "--as-of", "2026-11-22", NULL};
    char *err = NULL;
    ck_assert_int_eq(harness_run(args, NULL, NULL, &err), 1);
    ck_assert_msg(strstr(err, "level=error") && strstr(err, "sqlstate=42501"), "%s", err);
    free(err);
    char *now = state_of(&s);
    ck_assert_str_eq(now, before);
    free(now);
    free(before);

    /* the failed run took run id 1 (a sequence is not rolled back): the
     * one server skips it too */
    harness_exec_on(s.one, "SELECT nextval(pg_get_serial_sequence('kpi.run', 'run_id'))");
    snprintf(sql, sizeof sql, "SELECT kpi.grant_daemon('%s')", role);
    for (int k = 0; k < SHARDS; k++)
        harness_exec_on(s.shard[k], sql);
    expect_same_run(&s, "2026-11-22");
    expect_same_run(&s, "2026-12-05");
    expect_spread(&s, "kpi.cohort_member");
    expect_spread(&s, "kpi.zone_member");

    char daemon[64];
    char *as_daemon = daemon_role(s.coord, daemon);
    const char *refreeze[] = {"cohort", "--db", as_daemon, "--year", "2026", "--refreeze", NULL};
    const char *refreeze_one[] = {"cohort", "--db", s.one, "--year", "2026", "--refreeze", NULL};
    ck_assert_int_eq(harness_run(refreeze, NULL, NULL, NULL), 0);
    ck_assert_int_eq(harness_run(refreeze_one, NULL, NULL, NULL), 0);
    char *by_daemon = compute_out(as_daemon, "2026-12-06");
    char *by_one = compute_out(s.one, "2026-12-06");
    ck_assert_msg(strcmp(by_daemon, by_one) == 0,
                  "the daemon role's run differs from one server's");
    free(by_daemon);
    free(by_one);
    free(as_daemon);
    daemon_role_drop(s.coord, daemon);
    sharded_down(&s);
    snprintf(sql, sizeof sql, "DROP ROLE %s", role);
    on_every_server(sql);
}
END_TEST

static Suite *shards_suite(void)
{
    Suite *s = suite_create("shards");
    TCase *t = tcase_create("shards");
    tcase_set_timeout(t, 600);
    tcase_add_test(t, golden_days_are_the_same_bytes_on_three_shards);
    tcase_add_test(t, a_generated_province_is_the_same_bytes_on_three_shards);
    tcase_add_test(t, migrate_shards_checks_what_it_is_given);
    tcase_add_test(t, a_shard_down_fails_the_run_and_the_daemon_serves_the_last);
    tcase_add_test(t, the_shards_work_as_a_role_with_only_the_daemons_grants);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    int failed = harness_run_suite(shards_suite(), true);
    return failed ? 1 : 0;
}
