/* Integration: the stored compute runs' retention (runs.keep_days,
 * runs.report_quarters; daemon/jobs/run_prune.c) against a real database,
 * the command and the daemon. A demo province (seed 5, 3,000 subscribers,
 * today 2026-11-22) with computed runs on 2026-11-20 and 21 and a run a day
 * from 2026-01-01 to 11-19 made from them (tests/integration/runs_history.sql:
 * each day's figures differ, 2026-02-28 has none), copied for each test.
 * The newest run is 2026-11-21's: with the defaults (keep_days and
 * history_days 92) the superseded runs of 2026-08-21 and before may go. */
#include "buf.h"
#include "harness.h"
#include "sql_embed.h"

#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char template_db[64], dbname[64], dbname2[64], outdir[128];
static char *ci, *ci2;
static struct db *db;
static char *defaults;                   /* a configuration file of the defaults */
static struct harness_daemon daemon_run; /* pid 0: none; stopped by teardown after a failure */

/* ---- fixtures ---- */

static const char *template_name(void)
{
    if (*template_db)
        return template_db;
    char name[64];
    snprintf(name, sizeof name, "rt_it_rprune_%d", (int)getpid());
    char *t = harness_demo_db(name, 5, 3000, "2026-11-22");
    harness_compute(t, "2026-11-20");
    harness_compute(t, "2026-11-21");
    struct db *tdb = NULL;
    ck_assert(db_connect(t, 0, &tdb));
    harness_exec_file(tdb, "tests/integration/runs_history.sql");
    db_close(tdb);
    free(t);
    snprintf(template_db, sizeof template_db, "%s", name);
    return template_db;
}

static void setup(void)
{
    snprintf(dbname, sizeof dbname, "rt_it_rprune_a_%d", (int)getpid());
    ci = harness_copy_db(dbname, template_name());
    ck_assert(db_connect(ci, 0, &db));
    snprintf(outdir, sizeof outdir, "/tmp/rt_it_rprune_%d", (int)getpid());
    mkdir(outdir, 0700);
    defaults = harness_temp_file("; the defaults\n");
    *dbname2 = '\0';
    ci2 = NULL;
}

static void teardown(void)
{
    char cmd[200];
    if (daemon_run.pid > 0)
        harness_daemon_stop(&daemon_run, SIGKILL, 5000);
    free(daemon_run.log);
    daemon_run = (struct harness_daemon){0};
    db_close(db);
    harness_drop_db(dbname);
    if (*dbname2)
        harness_drop_db(dbname2);
    free(ci);
    free(ci2);
    unlink(defaults);
    free(defaults);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", outdir);
    ck_assert_int_eq(system(cmd), 0);
}

static long count(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static long count(const char *fmt, ...)
{
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    return harness_long(db, sql);
}

/* The newest run of date on d (0: none). */
static long newest_on(struct db *d, const char *date)
{
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT coalesce(max(run_id), 0) FROM kpi.run WHERE as_of = '%s'",
             date);
    return harness_long(d, sql);
}

static long newest(const char *date)
{
    return newest_on(db, date);
}

static bool there(long run)
{
    return count("SELECT count(*) FROM kpi.run WHERE run_id = %ld", run) == 1;
}

/* Whether nothing of run is left: its row, values, data-quality counts. */
static bool gone(long run)
{
    return count("SELECT (SELECT count(*) FROM kpi.run WHERE run_id = %ld)"
                 " + (SELECT count(*) FROM kpi.value WHERE run_id = %ld)"
                 " + (SELECT count(*) FROM kpi.data_quality WHERE run_id = %ld)",
                 run, run, run) == 0;
}

/* A recompute of date stored on d: a copy of its newest run, which it
 * supersedes; returns the superseded run's id. */
static long supersede_on(struct db *d, const char *date)
{
    char sql[1200];
    long old = newest_on(d, date);
    snprintf(sql, sizeof sql,
             "INSERT INTO kpi.run (as_of, started_at, finished_at, last_closed_month, "
             "newest_usage, newest_cancel, newest_contract, newest_survey, settings) "
             "SELECT as_of, started_at + interval '1 hour', finished_at + interval '1 hour', "
             "last_closed_month, newest_usage, newest_cancel, newest_contract, newest_survey, "
             "settings FROM kpi.run WHERE run_id = %ld RETURNING run_id",
             old);
    long fresh = harness_long(d, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO kpi.value SELECT r.* FROM kpi.value v, LATERAL jsonb_populate_record("
             "NULL::kpi.value, to_jsonb(v) || jsonb_build_object('run_id', %ld)) r"
             " WHERE v.run_id = %ld;"
             "INSERT INTO kpi.data_quality SELECT %ld, rule, rows FROM kpi.data_quality "
             "WHERE run_id = %ld",
             fresh, old, fresh, old);
    ck_assert_msg(db_exec_script(d, "supersede", sql), "%s", db_errmsg(d));
    return old;
}

static long supersede(const char *date)
{
    return supersede_on(db, date);
}

/* A bulletin of date naming run, its files in the archive or pruned. */
static void bulletin_names(const char *date, long run, bool pruned)
{
    char sql[900];
    snprintf(sql, sizeof sql,
             "INSERT INTO kpi.bulletin (as_of, branch_code, version, run_id, data_as_of, lang, "
             "path, html_sha256, pdf_sha256, png_sha256, html_bytes, pdf_bytes, png_bytes, "
             "generated_by, mailed, pruned_at) VALUES ('%s', '420000', 1, %ld, '%s', 'zh', "
             "'bulletins/%s/420000.v1', 'h', 'p', 'i', 1, 1, 1, 'host:1', true, %s)",
             date, run, date, date, pruned ? "now()" : "NULL");
    harness_exec_on(ci, sql);
}

/* An export in the audit log naming three runs. */
static void export_names(long a, long b, long c)
{
    char sql[400];
    snprintf(
        sql, sizeof sql,
        "INSERT INTO kpi.audit_log (who, action, params, outcome) VALUES ('auditor', "
        "'export', '{\"kind\": \"report\", \"quarter\": \"2026Q2\", \"runs\": [%ld, %ld, %ld]}',"
        " 'ok')",
        a, b, c);
    harness_exec_on(ci, sql);
}

/* A PDF export in the audit log whose alarm history read run ("days"). */
static void export_days_name(long run)
{
    char sql[400];
    snprintf(sql, sizeof sql,
             "INSERT INTO kpi.audit_log (who, action, params, outcome) VALUES ('auditor', "
             "'export', '{\"kind\": \"report\", \"format\": \"pdf\", \"days\": [%ld]}', 'ok')",
             run);
    harness_exec_on(ci, sql);
}

/* A PDF export of quarter q recorded as before exports named their days,
 * made half an hour after run finished (before the run superseding it). */
static void export_without_days(const char *q, long run)
{
    char sql[500];
    snprintf(sql, sizeof sql,
             "INSERT INTO kpi.audit_log (at, who, action, params, outcome) SELECT"
             " finished_at + interval '30 minutes', 'auditor', 'export', '{\"kind\": \"report\","
             " \"format\": \"pdf\", \"quarter\": \"%s\"}', 'ok' FROM kpi.run WHERE run_id = %ld",
             q, run);
    harness_exec_on(ci, sql);
}

/* `retentiond runs prune --db ci --config FILE ARGS...` (up to 6 more). */
static int prune(const char *config, const char *a1, const char *a2, const char *a3, const char *a4,
                 char **out, char **err)
{
    const char *args[12] = {"runs", "prune", "--db", ci, "--config", config ? config : defaults};
    const char *more[] = {a1, a2, a3, a4};
    int n = 6;
    for (int i = 0; i < 4 && more[i]; i++)
        args[n++] = more[i];
    args[n] = NULL;
    return harness_run(args, NULL, out, err);
}

static void expect_prune(const char *config, const char *a1, const char *a2, const char *a3,
                         const char *a4, char **out)
{
    char *err = NULL;
    int rc = prune(config, a1, a2, a3, a4, out, &err);
    ck_assert_msg(rc == 0, "runs prune: exit %d: %s", rc, err);
    free(err);
}

/* A prune's output from its total line on (what a failure shows: Check
 * refuses a long message). */
static const char *total_of(const char *out)
{
    const char *total = out ? strstr(out, "total:") : NULL;
    return total ? total : out ? out : "";
}

/* The line of run in a prune's output. */
static bool lists(const char *out, long run, const char *date, const char *why)
{
    char line[128];
    snprintf(line, sizeof line, "run %ld of %s: %s,", run, date, why);
    return strstr(out, line) != NULL;
}

/* A configuration file of daemon.history_days days (malloc'd path). */
static char *history_config(int days)
{
    char text[64];
    snprintf(text, sizeof text, "[daemon]\nhistory_days = %d\n", days);
    return harness_temp_file(text);
}

/* `retentiond report --quarter q --format f` into outdir/Q.F. */
static void write_report(const char *q, const char *f)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.%s", outdir, q, f);
    /* a city's report: it reads the same runs as the province's (a run
     * goes whole), in a fifth of the pages */
    const char *args[] = {"report", "--db",  ci,   "--quarter", q,        "--format",
                          f,        "--out", path, "--branch",  "420100", NULL};
    char *err = NULL;
    ck_assert_msg(harness_run(args, NULL, NULL, &err) == 0, "report %s: %s", q, err);
    free(err);
}

/* The report written as the one before (outdir/Q.F.before). */
static void write_report_before(const char *q, const char *f)
{
    char path[256], before[300];
    write_report(q, f);
    snprintf(path, sizeof path, "%s/%s.%s", outdir, q, f);
    snprintf(before, sizeof before, "%s.before", path);
    ck_assert_int_eq(rename(path, before), 0);
}

/* Whether the report written now is the same bytes as the one before. */
static bool same_report_as_before(const char *q, const char *f)
{
    char cmd[600];
    write_report(q, f);
    snprintf(cmd, sizeof cmd, "cmp -s '%s/%s.%s' '%s/%s.%s.before'", outdir, q, f, outdir, q, f);
    return system(cmd) == 0;
}

/* ---- what goes, what stays ---- */

/* The defaults: of the superseded runs, those of 2026-08-21 and before go
 * (each whole, audited), unless a bulletin still in the archive or an
 * export names them, as its month ends or as a day its PDF read (`audit
 * reproduce` makes it again from them); a recent one stays; every date
 * keeps its newest run. A second prune removes nothing. */
START_TEST(superseded_runs_go_unless_recent_or_named)
{
    long plain = supersede("2026-03-10"), edge = supersede("2026-08-21");
    long by_bulletin = supersede("2026-05-05"), by_pruned_bulletin = supersede("2026-04-01");
    long by_export = supersede("2026-06-30"), recent = supersede("2026-08-22");
    long by_days = supersede("2026-07-20");
    /* an older version's PDF export of 2026Q2, made between a day's run and
     * its recompute: the run it read then stays too */
    long read_then = newest("2026-05-20");
    export_without_days("2026Q2", read_then);
    ck_assert_int_eq(supersede("2026-05-20"), read_then);
    bulletin_names("2026-05-05", by_bulletin, false);
    bulletin_names("2026-04-01", by_pruned_bulletin, true);
    export_names(newest("2026-04-30"), newest("2026-05-31"), by_export);
    export_days_name(by_days);
    long runs = count("SELECT count(*) FROM kpi.run");
    long dates = count("SELECT count(DISTINCT as_of) FROM kpi.run");
    long values = count("SELECT count(*) FROM kpi.value WHERE run_id IN (%ld, %ld, %ld)", plain,
                        edge, by_pruned_bulletin);
    char *out = NULL;
    expect_prune(NULL, NULL, NULL, NULL, NULL, &out);
    ck_assert_msg(lists(out, plain, "2026-03-10", "superseded") &&
                      lists(out, edge, "2026-08-21", "superseded") &&
                      lists(out, by_pruned_bulletin, "2026-04-01", "superseded"),
                  "%.500s", total_of(out));
    char total[160];
    snprintf(total, sizeof total, "total: 3 runs (3 superseded, 0 daily), %ld values removed",
             values);
    ck_assert_msg(strstr(out, total), "%.500s", total_of(out));
    free(out);
    ck_assert(gone(plain) && gone(edge) && gone(by_pruned_bulletin));
    ck_assert(there(by_bulletin) && there(by_export) && there(recent) && there(by_days));
    ck_assert(there(read_then));
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.run"), runs - 3);
    ck_assert_int_eq(count("SELECT count(DISTINCT as_of) FROM kpi.run"), dates);
    /* the audit row, written with the removal */
    char *audit = harness_text(db, "SELECT who || ' ' || outcome || ' ' || (params->>'via') || ' '"
                                   " || (params->'runs')::text || ' ' || (params->>'values')"
                                   " FROM kpi.audit_log WHERE action = 'runs_prune'");
    long lo = plain < edge ? plain : edge, hi = plain < edge ? edge : plain;
    long ids[3] = {by_pruned_bulletin, lo, hi};
    for (int i = 0; i < 2; i++)
        for (int j = i + 1; j < 3; j++)
            if (ids[j] < ids[i]) {
                long t = ids[i];
                ids[i] = ids[j];
                ids[j] = t;
            }
    char want[200];
    snprintf(want, sizeof want, "ok cli [%ld, %ld, %ld] %ld", ids[0], ids[1], ids[2], values);
    ck_assert_msg(strstr(audit, want) != NULL, "%s (want %s)", audit, want);
    free(audit);
    expect_prune(NULL, NULL, NULL, NULL, NULL, &out);
    ck_assert_msg(strstr(out, "total: 0 runs"), "%.500s", total_of(out));
    free(out);
}
END_TEST

/* With report_quarters, a quarter's daily runs go together once it ended
 * before the snapshot's history and is older than the newest N quarters:
 * each month's newest run stays (February's is the 27th's), and a run a
 * bulletin names; a superseded run an export's PDF read goes with its
 * day's newest (else it would stand for the day again). The quarterly
 * reports: a kept quarter's PDF and a pruned quarter's CSV (its month
 * ends' figures) are the same bytes as before. */
START_TEST(daily_runs_of_old_quarters_go_with_report_quarters)
{
    long named = newest("2026-03-17"), read_then = supersede("2026-01-20");
    bulletin_names("2026-03-17", named, false);
    export_days_name(read_then);
    long jan15 = newest("2026-01-15"), feb27 = newest("2026-02-27"), mar31 = newest("2026-03-31");
    long jun29 = newest("2026-06-29"), jun30 = newest("2026-06-30"), jul15 = newest("2026-07-15");
    write_report_before("2026Q2", "csv");
    write_report_before("2026Q3", "pdf");
    char *out = NULL;
    /* history_days 120: Q3 has not ended 120 days before the 21st of
     * November, its daily runs stay even with one quarter kept */
    char *config = history_config(120);
    expect_prune(config, "--report-quarters", "1", NULL, NULL, &out);
    ck_assert_msg(lists(out, jun29, "2026-06-29", "daily") &&
                      lists(out, jan15, "2026-01-15", "daily"),
                  "%.500s", total_of(out));
    ck_assert_msg(lists(out, read_then, "2026-01-20", "superseded") &&
                      strstr(out, "total: 174 runs (1 superseded, 173 daily)"),
                  "%.500s", total_of(out));
    free(out);
    ck_assert(gone(jan15) && gone(jun29) && gone(read_then));
    ck_assert(there(named) && there(feb27) && there(mar31) && there(jun30) && there(jul15));
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.run WHERE as_of < '2026-07-01'"), 7);
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.run WHERE as_of BETWEEN '2026-07-01' AND "
                           "'2026-09-30'"),
                     92);
    ck_assert_msg(same_report_as_before("2026Q2", "csv"), "2026Q2's CSV changed");
    ck_assert_msg(same_report_as_before("2026Q3", "pdf"), "2026Q3's PDF changed");
    /* the defaults (history 92 days, to 2026-08-21): Q3 is still kept whole
     * with two quarters, and goes but its month ends with one */
    expect_prune(NULL, "--report-quarters", "2", NULL, NULL, &out);
    ck_assert_msg(strstr(out, "total: 0 runs"), "%.500s", total_of(out));
    free(out);
    free(config);
    config = history_config(30);
    expect_prune(config, "--keep-days", "30", "--report-quarters", "1", &out);
    ck_assert_msg(strstr(out, "total: 89 runs (0 superseded, 89 daily)"), "%.500s", total_of(out));
    free(out);
    ck_assert(gone(jul15));
    unlink(config);
    free(config);
}
END_TEST

/* runs.report_quarters 0 (the default): however short the windows, every
 * date keeps its newest run, and an old quarter's report is the same bytes
 * after the prune; only superseded runs go. */
START_TEST(the_default_keeps_every_quarters_report)
{
    long old = supersede("2026-05-20");
    write_report_before("2026Q2", "pdf");
    char *config = history_config(1), *out = NULL;
    long dates = count("SELECT count(DISTINCT as_of) FROM kpi.run");
    expect_prune(config, "--keep-days", "1", NULL, NULL, &out);
    ck_assert_msg(strstr(out, "total: 1 runs (1 superseded, 0 daily)"), "%.500s", total_of(out));
    free(out);
    ck_assert(gone(old));
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.run"), dates);
    ck_assert_msg(same_report_as_before("2026Q2", "pdf"), "2026Q2's PDF changed");
    unlink(config);
    free(config);
}
END_TEST

/* keep_days 0: nothing goes. */
START_TEST(keep_days_0_keeps_every_run)
{
    long old = supersede("2026-03-10");
    char *config = harness_temp_file("[runs]\nkeep_days = 0\nreport_quarters = 1\n"), *out = NULL;
    expect_prune(config, NULL, NULL, NULL, NULL, &out);
    ck_assert_msg(strstr(out, "nothing is removed"), "%.500s", total_of(out));
    free(out);
    expect_prune(NULL, "--keep-days", "0", NULL, NULL, &out);
    ck_assert_msg(strstr(out, "nothing is removed"), "%.500s", total_of(out));
    free(out);
    ck_assert(there(old));
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.audit_log WHERE action = 'runs_prune'"), 0);
    unlink(config);
    free(config);
}
END_TEST

/* Everything a prune could change, as text. */
static char *fingerprint(void)
{
    return harness_text(db, "SELECT (SELECT md5(string_agg(r::text, '|' ORDER BY r.run_id))"
                            " FROM kpi.run r) || ' ' || (SELECT count(*) FROM kpi.value)"
                            " || ' ' || (SELECT count(*) FROM kpi.data_quality)"
                            " || ' ' || (SELECT count(*) FROM kpi.audit_log)");
}

/* text with every `from` written `to` (malloc'd). */
static char *replaced(const char *text, const char *from, const char *to)
{
    struct buf b = BUF_INIT;
    for (const char *p; (p = strstr(text, from)); text = p + strlen(from)) {
        buf_append(&b, text, (size_t)(p - text));
        buf_puts(&b, to);
    }
    buf_puts(&b, text);
    return buf_detach(&b, NULL);
}

/* --dry-run lists what a prune removes and changes nothing. */
START_TEST(the_dry_run_changes_nothing)
{
    supersede("2026-03-10");
    supersede("2026-11-01");
    char *before = fingerprint(), *dry = NULL, *real = NULL;
    expect_prune(NULL, "--report-quarters", "2", "--dry-run", NULL, &dry);
    ck_assert_msg(strstr(dry, "total: 175 runs (1 superseded, 174 daily)") &&
                      strstr(dry, "dry run: nothing changed"),
                  "%.500s", total_of(dry));
    char *after = fingerprint();
    ck_assert_str_eq(after, before);
    expect_prune(NULL, "--report-quarters", "2", NULL, NULL, &real);
    /* the same lines, removed */
    char *said = replaced(dry, " to remove", " removed");
    *strstr(said, "; dry run") = '\0';
    ck_assert_msg(strncmp(real, said, strlen(said)) == 0, "dry:\n%.300s\nreal:\n%.300s",
                  total_of(said), total_of(real));
    free(said);
    free(before);
    free(after);
    free(dry);
    free(real);
}
END_TEST

/* ---- what the next compute reads ---- */

/* The text of run's values and data-quality counts, the run id left out. */
static char *run_text(struct db *d, long run)
{
    char sql[700];
    snprintf(sql, sizeof sql,
             "SELECT md5(string_agg(t, '|' ORDER BY t)) FROM ("
             " SELECT jsonb_populate_record(v, '{\"run_id\": null}')::text AS t"
             " FROM kpi.value v WHERE v.run_id = %ld"
             " UNION ALL SELECT rule || rows FROM kpi.data_quality WHERE run_id = %ld) x",
             run, run);
    return harness_text(d, sql);
}

/* The state kept between runs (harness_kept_state), but when each K5 month
 * was taken: the two databases' computes take them at other instants. */
static char *kept_state(struct db *d)
{
    char *all = harness_kept_state(d), *line = strstr(all, "kpi.zone_month ");
    char *end = strchr(line, '\n');
    memmove(line, end + 1, strlen(end + 1) + 1);
    char *months = harness_text(d, "SELECT md5(string_agg((year, month, bill_a, minutes_b,"
                                   " minutes_c, members)::text, '|' ORDER BY year, month))"
                                   " FROM kpi.zone_month");
    struct buf b = BUF_INIT;
    buf_printf(&b, "%skpi.zone_month %s\n", all, months);
    free(all);
    free(months);
    return buf_detach(&b, NULL);
}

/* A database pruned as far as the settings go, and a copy not pruned: the
 * next day's compute and a recompute of the first day of a quarter give
 * the same figures, statuses, previous statuses and state on both. */
START_TEST(a_compute_after_a_prune_is_a_compute_without)
{
    snprintf(dbname2, sizeof dbname2, "rt_it_rprune_b_%d", (int)getpid());
    ci2 = harness_copy_db(dbname2, template_name());
    supersede("2026-10-31");
    struct db *db2 = NULL;
    ck_assert(db_connect(ci2, 0, &db2));
    supersede_on(db2, "2026-10-31");
    char *config = history_config(1), *out = NULL, *err = NULL;
    ck_assert_int_eq(prune(config, "--keep-days", "1", "--report-quarters", "1", &out, &err), 0);
    free(err);
    const char *dates[] = {"2026-11-22", "2026-07-01"};
    for (int i = 0; i < 2; i++) {
        harness_compute(ci, dates[i]);
        harness_compute(ci2, dates[i]);
        char sql[200];
        snprintf(sql, sizeof sql, "SELECT max(run_id) FROM kpi.run WHERE as_of = '%s'", dates[i]);
        char *a = run_text(db, harness_long(db, sql)), *b = run_text(db2, harness_long(db2, sql));
        ck_assert_msg(strcmp(a, b) == 0, "%s: the pruned database's run differs", dates[i]);
        free(a);
        free(b);
    }
    char *sa = kept_state(db), *sb = kept_state(db2);
    ck_assert_str_eq(sa, sb);
    free(sa);
    free(sb);
    /* what the prune removed, checked last: the figures first */
    ck_assert_msg(strstr(out, "total: 264 runs (1 superseded, 263 daily)"), "%.500s",
                  total_of(out));
    free(out);
    db_close(db2);
    unlink(config);
    free(config);
}
END_TEST

/* ---- beside a compute ---- */

/* A command run on a thread of its own. */
struct child {
    pthread_t thread;
    const char *const *args;
    int rc;
    char *out, *err;
    atomic_bool done;
};

static void *child_main(void *arg)
{
    struct child *c = arg;
    c->rc = harness_run(c->args, NULL, &c->out, &c->err);
    atomic_store(&c->done, true);
    return NULL;
}

/* Whether c's command ended within ms (then its thread is joined). */
static bool finished_within(struct child *c, int ms)
{
    for (int waited = 0; waited < ms && !atomic_load(&c->done); waited += 50)
        usleep(50000);
    if (!atomic_load(&c->done))
        return false;
    pthread_join(c->thread, NULL);
    return true;
}

/* A prune waits for a compute under way (the compute's lock) and chooses
 * its runs after it: a run the compute superseded goes, the compute's run
 * whole. Then a real compute and a prune started at once both succeed. */
START_TEST(a_prune_waits_for_a_compute_and_chooses_after_it)
{
    struct db *computing = NULL;
    ck_assert(db_connect(ci, 0, &computing));
    ck_assert(db_begin(computing));
    ck_assert(db_query(computing, sql_embed_get("kpi/compute_lock.sql"), 0, NULL, NULL));
    long old = supersede_on(computing, "2026-02-10");
    const char *args[] = {"runs", "prune", "--db", ci, "--config", defaults, NULL};
    struct child c = {.args = args};
    ck_assert_int_eq(pthread_create(&c.thread, NULL, child_main, &c), 0);
    bool waiting = false;
    for (int i = 0; i < 200 && !waiting; i++) {
        usleep(50000);
        waiting = count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT"
                        " granted AND database = (SELECT oid FROM pg_database"
                        " WHERE datname = current_database())") == 1;
    }
    ck_assert_msg(waiting, "the prune never waited for the compute's lock");
    ck_assert(!finished_within(&c, 500));
    ck_assert(db_commit(computing));
    ck_assert(finished_within(&c, 30000));
    ck_assert_msg(c.rc == 0, "%s", c.err);
    ck_assert_msg(lists(c.out, old, "2026-02-10", "superseded"), "%.500s", total_of(c.out));
    ck_assert(gone(old));
    ck_assert_int_eq(
        count("SELECT count(*) FROM kpi.value WHERE run_id = %ld", newest("2026-02-10")),
        count("SELECT count(*) FROM kpi.value WHERE run_id = %ld", newest("2026-02-09")));
    free(c.out);
    free(c.err);
    db_close(computing);
    /* at once, for real */
    const char *compute_args[] = {"compute", "--db", ci, "--as-of", "2026-11-22", NULL};
    const char *prune_args[] = {
        "runs", "prune", "--db", ci, "--config", defaults, "--report-quarters", "1", NULL};
    struct child a = {.args = compute_args}, b = {.args = prune_args};
    ck_assert_int_eq(pthread_create(&a.thread, NULL, child_main, &a), 0);
    ck_assert_int_eq(pthread_create(&b.thread, NULL, child_main, &b), 0);
    ck_assert(finished_within(&a, 60000) && finished_within(&b, 60000));
    ck_assert_msg(a.rc == 0, "%s", a.err);
    ck_assert_msg(b.rc == 0, "%s", b.err);
    ck_assert_int_eq(
        count("SELECT count(*) FROM kpi.value WHERE run_id = %ld", newest("2026-11-22")),
        count("SELECT count(*) FROM kpi.value WHERE run_id = %ld", newest("2026-11-21")));
    ck_assert_int_eq(count("SELECT count(*) FROM kpi.run WHERE as_of < '2026-07-01'"), 6);
    free(a.out);
    free(a.err);
    free(b.out);
    free(b.err);
}
END_TEST

/* ---- bad arguments ---- */

START_TEST(bad_arguments_exit_2_with_one_line)
{
    const char *cases[][8] = {
        {"runs", NULL},
        {"runs", "purge", NULL},
        {"runs", "prune", "now", NULL},
        {"runs", "prune", "--keep-days", "x", NULL},
        {"runs", "prune", "--keep-days", "-1", NULL},
        {"runs", "prune", "--keep-days", "3661", NULL},
        {"runs", "prune", "--keep-days", " 5", NULL},
        {"runs", "prune", "--report-quarters", "401", NULL},
        {"runs", "prune", "--report-quarters", "all", NULL},
        {"runs", "prune", "--report-quarters", NULL},
        {"runs", "prune", "--dry-run", "--dry-run", NULL},
        {"runs", "prune", "--send", NULL},
        {"runs", "prune", "--config", "/nonexistent/retentiond.conf", NULL},
    };
    char *before = fingerprint();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *args[12];
        size_t n = 0;
        for (; cases[i][n]; n++)
            args[n] = cases[i][n];
        args[n++] = "--db";
        args[n++] = ci;
        args[n] = NULL;
        char *out = NULL, *err = NULL;
        int rc = harness_run(args, NULL, &out, &err);
        ck_assert_msg(rc == 2, "case %zu: exit %d", i, rc);
        ck_assert_msg(strncmp(err, "retentiond: ", 12) == 0 && strchr(err, '\n') &&
                          strchr(err, '\n')[1] == '\0',
                      "case %zu: stderr '%s'", i, err);
        ck_assert_msg(!out || !*out, "case %zu: stdout '%s'", i, out);
        free(out);
        free(err);
    }
    char *after = fingerprint();
    ck_assert_str_eq(after, before);
    free(before);
    free(after);
}
END_TEST

/* ---- the daemon ---- */

/* The end of a daemon's log (Check refuses a long message). */
static const char *log_tail(const char *log)
{
    size_t n = log ? strlen(log) : 0;
    return !log ? "" : n > 800 ? log + n - 800 : log;
}

/* The daemon prunes once its snapshot has runs: the old superseded run
 * goes, audited as the daemon's. */
START_TEST(the_daemon_prunes_the_runs)
{
    long old = supersede("2026-03-10");
    char config[1024];
    snprintf(config, sizeof config,
             "[bulletin]\nschedule = 0\n[http]\nport = 0\nlisten = 127.0.0.1\n[database]\n"
             "conninfo = %s\n[daemon]\ndata_dir = %s\nauto_compute = 0\nrefresh_interval = 3600\n"
             "[runs]\nkeep_days = 92\n",
             ci, outdir);
    char *path = harness_temp_file(config);
    struct harness_daemon *d = &daemon_run;
    ck_assert_msg(harness_daemon_start(d, path, NULL), "%s", log_tail(d->log));
    ck_assert_msg(harness_daemon_wait_log(d, "msg=\"compute runs pruned\"", 30000), "%s",
                  log_tail(d->log));
    ck_assert_msg(strstr(d->log, "superseded=1 daily=0"), "%s", log_tail(d->log));
    ck_assert_int_eq(harness_daemon_stop(d, SIGTERM, 10000), 0);
    d->pid = 0;
    ck_assert(gone(old));
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    char *who = harness_text(db, "SELECT who || ' ' || (params->>'via') FROM kpi.audit_log"
                                 " WHERE action = 'runs_prune'");
    ck_assert_msg(strncmp(who, host, strlen(host)) == 0 && strstr(who, " daemon"), "%s", who);
    free(who);
    unlink(path);
    free(path);
}
END_TEST

/* A test case of the suite, with the fixture (CK_RUN_CASE=NAME runs one). */
static TCase *add_case(Suite *s, const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    suite_add_tcase(s, tc);
    return tc;
}

static Suite *suite(void)
{
    Suite *s = suite_create("runs prune");
    TCase *choose = add_case(s, "choose");
    tcase_add_test(choose, superseded_runs_go_unless_recent_or_named);
    tcase_add_test(choose, daily_runs_of_old_quarters_go_with_report_quarters);
    tcase_add_test(choose, the_default_keeps_every_quarters_report);
    tcase_add_test(choose, keep_days_0_keeps_every_run);
    tcase_add_test(add_case(s, "dry"), the_dry_run_changes_nothing);
    tcase_add_test(add_case(s, "next"), a_compute_after_a_prune_is_a_compute_without);
    tcase_add_test(add_case(s, "beside"), a_prune_waits_for_a_compute_and_chooses_after_it);
    tcase_add_test(add_case(s, "args"), bad_arguments_exit_2_with_one_line);
    tcase_add_test(add_case(s, "daemon"), the_daemon_prunes_the_runs);
    return s;
}

int main(void)
{
    int failed = harness_run_suite(suite(), false);
    if (*template_db && !harness_drop_db_unchecked(template_db))
        failed++;
    return failed ? 1 : 0;
}
