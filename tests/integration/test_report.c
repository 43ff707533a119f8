/* Integration: the quarterly inspection report's CSV (issue 16, its first
 * part) against a real database and daemon. A demo province (seed 5, 3,000
 * subscribers) with runs on the month ends of 2026Q3; one county renamed
 * to look like a spreadsheet formula. The CSV is read back with Python's
 * csv module, its values recomputed from numerators and denominators;
 * exports are byte-identical, recorded in the audit log, and verified. */
#include "buf.h"
#include "digest.h"
#include "harness.h"

#include <check.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The subtree of the big PDF: the province (164 branches, ~290 pages) in
 * the debug build; under the sanitizers, which multiply the cost of every
 * page drawn, the city of Wuhan (the same code, 14 branches). */
#if defined(__SANITIZE_ADDRESS__)
#define BIG_ROOT "420100"
#else
#define BIG_ROOT "420000"
#endif

static char dbname[64], datadir[256], dir[128];
static char *ci;

static void setup(void)
{
    snprintf(dbname, sizeof dbname, "rt_it_report_%d", (int)getpid());
    ci = harness_demo_db(dbname, 5, 3000, "2026-10-05");
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert(db_query(db,
                       "UPDATE dw.branch SET name = '=HYPERLINK(\"x\")区' WHERE code = '420102'", 0,
                       NULL, NULL));
    db_close(db);
    harness_compute(ci, "2026-07-31");
    harness_compute(ci, "2026-08-31");
    harness_compute(ci, "2026-09-30");
    snprintf(dir, sizeof dir, "/tmp/rt_it_report_%d", (int)getpid());
    mkdir(dir, 0700);
}

static void teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    harness_drop_db(dbname);
    free(ci);
}

/* `retentiond report` into path; its exit status, stderr in *err. */
static int report(const char *quarter, const char *branch, const char *path, char **err)
{
    const char *args[] = {"report", "--quarter", quarter, "--format", "csv",
                          "--out",  path,        "--db",  ci,         branch ? "--branch" : NULL,
                          branch,   NULL};
    char *out = NULL;
    int rc = harness_run(args, NULL, &out, err);
    free(out);
    return rc;
}

/* The bytes of the file at path, appended to out (NUL-terminated). */
static void slurp(const char *path, struct buf *out)
{
    FILE *in = fopen(path, "rb");
    ck_assert_msg(in != NULL, "cannot open %s", path);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0)
        buf_append(out, chunk, n);
    fclose(in);
}

/* What a Python script (Debian's interpreter) prints as JSON about a file. */
static json_t *python_facts(const char *script, const char *path)
{
    char *py = harness_temp_file(script);
    struct buf cmd = BUF_INIT, out = BUF_INIT;
    buf_printf(&cmd, "%s '%s' '%s'", PYTHON, py, path);
    FILE *p = popen(cmd.data, "r");
    ck_assert_ptr_nonnull(p);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        buf_append(&out, chunk, n);
    ck_assert_msg(pclose(p) == 0, "reading %s failed: %.300s", path, out.data ? out.data : "");
    json_t *facts = json_loads(out.data ? out.data : "", 0, NULL);
    ck_assert_msg(facts != NULL, "%.300s", out.data ? out.data : "");
    unlink(py);
    free(py);
    buf_release(&cmd);
    buf_release(&out);
    return facts;
}

/* What Python's csv module reads in the file: rows, branches, the largest
 * difference between a value and its numerator / denominator, the
 * formula-looking cell as written. */
static json_t *read_csv(const char *path)
{
    static const char script[] =
        "import csv, json, sys\n"
        "raw = open(sys.argv[1], 'rb').read()\n"
        "assert raw.startswith(b'\\xef\\xbb\\xbf'), 'no BOM'\n"
        "assert b'\\r\\n' in raw and b'\\n' not in raw.replace(b'\\r\\n', b''), 'not CRLF'\n"
        "rows = list(csv.DictReader(open(sys.argv[1], encoding='utf-8-sig', newline='')))\n"
        "worst, checked = 0.0, 0\n"
        "for r in rows:\n"
        "    if r['kpi'] in ('retention_rate', 'in_network_rate', 'bundling_coverage') and "
        "r['denominator'] not in ('', '0'):\n"
        "        worst = max(worst, abs(float(r['value']) - float(r['numerator']) / "
        "float(r['denominator'])))\n"
        "        checked += 1\n"
        "k4 = ('satisfaction', 'satisfaction_gotone')\n"
        "flags = {r['partial'] for r in rows if r['kpi'] in k4}\n"
        "others = {r['partial'] for r in rows if r['kpi'] not in k4}\n"
        "partial = sum(r['partial'] == 'true' for r in rows)\n"
        "assert flags and flags <= {'true', 'false'} and others == {''}, (flags, others)\n"
        "assert list(rows[0])[-2:] == ['partial', 'unit'], list(rows[0])\n"
        "units = {r['kpi']: r['unit'] for r in rows}\n"
        "assert units.get('retention_rate') == 'ratio' and units.get('satisfaction') == 'score'"
        " and units.get('zone_count') == 'count', units\n"
        "names = [r['branch_name'] for r in rows if r['branch_code'] == '420102']\n"
        "print(json.dumps({'rows': len(rows), 'checked': checked, 'worst': worst,\n"
        "  'branches': sorted({r['branch_code'] for r in rows}),\n"
        "  'months': sorted({r['month_end'] for r in rows}),\n"
        "  'runs': sorted({r['run_id'] for r in rows}),\n"
        "  'partial': partial,\n"
        "  'formula_name': names[0] if names else None}))\n";
    return python_facts(script, path);
}

/* `retentiond audit reproduce row [--out path]`: its exit status, its
 * stdout and stderr in *out and *err. */
static int reproduce(const char *row, const char *path, char **out, char **err)
{
    const char *args[] = {"audit", "reproduce", row, "--db", ci, path ? "--out" : NULL, path, NULL};
    return harness_run(args, NULL, out, err);
}

static bool same_file(const char *a, const char *b)
{
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
    return system(cmd) == 0;
}

/* The province's CSV: every branch, the three month ends, values equal to
 * numerator / denominator, the formula-looking name escaped; twice the
 * same bytes; each export an audit row that `audit verify` finds, and a
 * tampered file is not found. */
START_TEST(the_csv_is_complete_reproducible_and_verified)
{
    char a[256], b[256], *err = NULL;
    snprintf(a, sizeof a, "%s/q3.csv", dir);
    snprintf(b, sizeof b, "%s/q3-again.csv", dir);
    ck_assert_msg(report("2026Q3", NULL, a, &err) == 0, "%s", err);
    free(err);
    ck_assert_msg(report("2026Q3", NULL, b, &err) == 0, "%s", err);
    free(err);
    ck_assert_msg(same_file(a, b), "two exports of the same runs differ");
    json_t *f = read_csv(a);
    ck_assert_int_gt(json_integer_value(json_object_get(f, "rows")), 1000);
    ck_assert_int_gt(json_integer_value(json_object_get(f, "checked")), 500);
    ck_assert_double_lt(json_real_value(json_object_get(f, "worst")), 1e-9);
    ck_assert_int_eq(json_array_size(json_object_get(f, "months")), 3);
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(f, "months"), 2)),
                     "2026-09-30");
    ck_assert_int_eq(json_array_size(json_object_get(f, "runs")), 3);
    ck_assert_int_gt(json_array_size(json_object_get(f, "branches")), 100);
    /* satisfaction's weighted means without every child (the API's
     * "partial"): it was not in the CSV */
    ck_assert_int_gt(json_integer_value(json_object_get(f, "partial")), 0);
    ck_assert_str_eq(json_string_value(json_object_get(f, "formula_name")), "'=HYPERLINK(\"x\")区");
    json_decref(f);

    const char *verify[] = {"audit", "verify", a, "--db", ci, NULL};
    char *out = NULL;
    ck_assert_int_eq(harness_run(verify, NULL, &out, &err), 0);
    ck_assert_msg(strstr(out, "exported") && strstr(out, "\"quarter\": \"2026Q3\"") &&
                      strstr(out, "\"via\": \"cli\""),
                  "%s", out);
    free(out);
    free(err);
    /* a relative --out is audited as the absolute path it was written to
     * (it was audited as given: a name without its directory) */
    char cwd[512], rel_path[300];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(dir), 0);
    setenv("SUDO_USER", "alice", 1); /* root by sudo: the row names who ran sudo */
    int rel_rc = report("2026Q3", "420101", "rel.csv", &err);
    unsetenv("SUDO_USER");
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_msg(rel_rc == 0, "%s", err);
    free(err);
    struct db *adb = NULL;
    ck_assert(db_connect(ci, 0, &adb));
    char *file = harness_text(adb, "SELECT params->>'file' FROM kpi.audit_log WHERE action ="
                                   " 'export' ORDER BY audit_id DESC LIMIT 1");
    char *who = harness_text(adb, "SELECT who FROM kpi.audit_log WHERE action = 'export'"
                                  " ORDER BY audit_id DESC LIMIT 1");
    db_close(adb);
    const struct passwd *pw = getpwuid(geteuid());
    char want_who[160];
    snprintf(want_who, sizeof want_who, geteuid() == 0 ? "%s (sudo alice)" : "%s", pw->pw_name);
    ck_assert_str_eq(who, want_who);
    free(who);
    snprintf(rel_path, sizeof rel_path, "%s/rel.csv", dir);
    ck_assert_str_eq(file, rel_path);
    free(file);
    FILE *t = fopen(b, "ab");
    fputs("2026-09-30,420000,tampered\r\n", t);
    fclose(t);
    const char *tampered[] = {"audit", "verify", b, "--db", ci, NULL};
    ck_assert_int_eq(harness_run(tampered, NULL, &out, &err), 1);
    ck_assert_msg(strstr(out, "not exported"), "%s", out);
    free(out);
    free(err);
    /* a row written by hand naming the tampered file's hash, with a size no
     * export of it had: said, and still not exported */
    struct buf tb = BUF_INIT;
    char tsha[DIGEST_HEX_LEN + 1], forged[300];
    slurp(b, &tb);
    digest_sha256_hex(tb.data, tb.len, tsha);
    buf_release(&tb);
    snprintf(forged, sizeof forged,
             "INSERT INTO kpi.audit_log (who, action, params, outcome) VALUES ('forger', 'export',"
             " '{\"sha256\": \"%s\", \"bytes\": 1}', 'ok')",
             tsha);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert(db_query(db, forged, 0, NULL, NULL));
    ck_assert_int_eq(harness_run(tampered, NULL, &out, &err), 1);
    ck_assert_msg(strstr(out, "names this SHA-256 but 1 bytes") && strstr(out, "not exported"),
                  "%s", out);
    free(out);
    free(err);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action = 'export'"
                                      " AND params->>'quarter' = '2026Q3'"),
                     3);
    db_close(db);
}
END_TEST

/* A quarter not ended, one without a run at a month end, or not a quarter:
 * one line on stderr, a non-zero exit, and no file. */
START_TEST(bad_quarters_are_clear_errors_and_write_nothing)
{
    static const struct {
        const char *quarter, *says;
        int rc;
    } cases[] = {
        {"2026Q4", "2026Q4 ends on 2026-12-31, after the newest run (2026-09-30)", 1},
        {"2026Q2", "no stored run on 2026-04-30, a month end of 2026Q2", 1},
        {"2026Q5", "quarter must be YYYYQn", 2},
        {"26Q3", "quarter must be YYYYQn", 2},
        /* a year before 1900: the view's rule, not a database error */
        {"0000Q1", "quarter must be YYYYQn", 2},
    };
    char path[256];
    snprintf(path, sizeof path, "%s/bad.csv", dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *err = NULL;
        ck_assert_int_eq(report(cases[i].quarter, NULL, path, &err), cases[i].rc);
        ck_assert_msg(strstr(err, cases[i].says) && strchr(err, '\n') == strrchr(err, '\n'),
                      "%s: %s", cases[i].quarter, err);
        ck_assert_int_ne(access(path, F_OK), 0);
        free(err);
    }
    /* a branch without a value in the quarter (the demo's county without
     * a parent, 待划分网格): no header-only CSV, but the reason */
    char *none = NULL;
    ck_assert_int_eq(report("2026Q3", "429999", path, &none), 1);
    ck_assert_msg(strstr(none, "--branch: branch 429999 has no KPI value in the runs of 2026Q3") &&
                      strchr(none, '\n') == strrchr(none, '\n'),
                  "%s", none);
    ck_assert_int_ne(access(path, F_OK), 0);
    free(none);
    /* --out that is not a file to replace: refused before anything is
     * exported (no audit row), and left as it was (/dev/null stays a
     * device, a link a link) */
    char link[256], missing[256];
    snprintf(link, sizeof link, "%s/link.csv", dir);
    snprintf(missing, sizeof missing, "%s/no/such/dir/q.csv", dir);
    ck_assert_int_eq(symlink(path, link), 0);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    long exports = harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action = 'export'");
    const char *const outs[] = {"/dev/null", link, dir, missing, ""};
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
        char *err = NULL;
        ck_assert_int_eq(report("2026Q3", NULL, outs[i], &err), 2);
        ck_assert_msg(strstr(err, "--out") && strchr(err, '\n') == strrchr(err, '\n'), "%s: %s",
                      outs[i], err);
        free(err);
    }
    /* a place no file can be written (even as root): the write fails,
     * and no row says it was exported */
    char *err = NULL;
    ck_assert_int_eq(report("2026Q3", NULL, "/proc/rt_report.csv", &err), 1);
    ck_assert_msg(strstr(err, "cannot write /proc/rt_report.csv") &&
                      strchr(err, '\n') == strrchr(err, '\n'),
                  "%s", err);
    free(err);
    struct stat st;
    ck_assert(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
    ck_assert(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action = 'export'"),
                     exports);
    /* standard output that cannot take the report (a full device): exit 1,
     * one line, and no row (it was written before the bytes, "ok") */
    const char *to_stdout[] = {"report", "--quarter", "2026Q3", "--format", "csv",
                               "--out",  "-",         "--db",   ci,         NULL};
    ck_assert_int_eq(harness_run_to(to_stdout, NULL, "/dev/full", &err), 1);
    ck_assert_msg(strstr(err, "standard output") && strchr(err, '\n') == strrchr(err, '\n'), "%s",
                  err);
    free(err);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action = 'export'"),
                     exports);
    /* one that takes it whole: its row */
    char whole[256];
    snprintf(whole, sizeof whole, "%s/stdout.csv", dir);
    int fd = open(whole, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(harness_run_to(to_stdout, NULL, whole, &err), 0);
    free(err);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action = 'export'"),
                     exports + 1);
    db_close(db);
    unlink(link);
    unlink(whole);
}
END_TEST

/* Over HTTP: the executive gets the CLI's bytes; 江岸's manager his own
 * subtree, 403 for another's, and his PDF; a quarter not ended 404 naming
 * it; every export and refusal in the audit log with the client
 * address. */
/* Starts a daemon on the test database with its data under dir/sub;
 * returns its configuration file's path (malloc'd). */
static char *start_daemon(struct harness_daemon *d, const char *sub)
{
    snprintf(datadir, sizeof datadir, "%s/%s", dir, sub);
    mkdir(datadir, 0700);
    char config[1024];
    snprintf(config, sizeof config,
             "[bulletin]\nschedule = 0\n[http]\nport = 0\nlisten = 127.0.0.1\n[database]\n"
             "conninfo = %s\n[daemon]\ndata_dir = %s\nauto_compute = 0\nrefresh_interval = 3600\n",
             ci, datadir);
    char *config_path = harness_temp_file(config);
    ck_assert_msg(harness_daemon_start(d, config_path, NULL), "%s", d->log ? d->log : "");
    ck_assert(harness_daemon_wait_log(d, "snapshot published", 20000));
    ck_assert_msg(strstr(d->log, "database_from=config"), "%s", d->log);
    return config_path;
}

START_TEST(http_exports_are_scoped_and_audited)
{
    struct harness_daemon d;
    harness_user_add(ci, "li", "executive", NULL, "a password nobody types");
    harness_user_add(ci, "wu", "branch_manager", "420101", "a password nobody types");
    char *exec = harness_token_add(ci, "li"), *mgr = harness_token_add(ci, "wu");
    char *config_path = start_daemon(&d, "data");
    char auth[200], *body = NULL, *headers = NULL, cli[256], got[256], *err = NULL;
    size_t len = 0;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", exec);
    ck_assert_int_eq(
        harness_http_len(d.port, "GET", "/reports/2026Q3.csv", auth, &body, &len, &headers), 200);
    ck_assert_msg(strstr(headers, "text/csv; charset=utf-8") &&
                      strstr(headers, "report-2026Q3-420000.csv"),
                  "%s", headers);
    snprintf(got, sizeof got, "%s/http.csv", dir);
    FILE *f = fopen(got, "wb");
    fwrite(body, 1, len, f);
    fclose(f);
    free(body);
    free(headers);
    snprintf(cli, sizeof cli, "%s/cli.csv", dir);
    ck_assert_msg(report("2026Q3", NULL, cli, &err) == 0, "%s", err);
    free(err);
    ck_assert_msg(same_file(got, cli), "HTTP and CLI exports differ");

    snprintf(auth, sizeof auth, "Authorization: Bearer %s", mgr);
    ck_assert_int_eq(
        harness_http_len(d.port, "GET", "/reports/2026Q3.csv", auth, &body, &len, NULL), 200);
    f = fopen(got, "wb");
    fwrite(body, 1, len, f);
    fclose(f);
    free(body);
    json_t *facts = read_csv(got);
    json_t *branches = json_object_get(facts, "branches");
    ck_assert_int_eq(json_array_size(branches), 1);
    ck_assert_str_eq(json_string_value(json_array_get(branches, 0)), "420101");
    json_decref(facts);
    ck_assert_int_eq(
        harness_http(d.port, "GET", "/reports/2026Q3.csv?branch=420102", auth, &body, NULL), 403);
    ck_assert_msg(!strstr(body, "420102"), "the refusal echoes the code: %s", body);
    free(body);
    ck_assert_int_eq(harness_http(d.port, "GET", "/reports/2026Q4.csv", auth, &body, NULL), 404);
    ck_assert_msg(strstr(body, "\"quarter\"") && strstr(body, "2026-12-31"), "%s", body);
    free(body);
    ck_assert_int_eq(
        harness_http_len(d.port, "GET", "/reports/2026Q3.pdf", auth, &body, &len, &headers), 200);
    ck_assert_msg(strstr(headers, "application/pdf") && len > 1000 && !memcmp(body, "%PDF", 4),
                  "%s", headers);
    free(body);
    free(headers);
    /* a browser following the /reports page's links (it accepts
     * text/html): signed out, to the sign-in page and back; refused, the
     * error page in the page's language, not the JSON above */
    const char *html = "Accept: text/html,application/xhtml+xml,*/*;q=0.8";
    ck_assert_int_eq(harness_http_len(d.port, "GET", "/reports/2026Q3.pdf?branch=420101", html,
                                      &body, &len, &headers),
                     303);
    ck_assert_msg(
        strstr(headers, "Location: /login?next=%2Freports%2F2026Q3.pdf%3Fbranch%3D420101"), "%s",
        headers);
    free(body);
    free(headers);
    harness_http_auth(auth);
    ck_assert_int_eq(harness_http_len(d.port, "GET", "/reports/2026Q3.pdf?branch=420102", html,
                                      &body, &len, &headers),
                     403);
    ck_assert_msg(strstr(headers, "text/html") && strstr(body, "您无权查看该分公司。") &&
                      !strstr(body, "out_of_scope") && !strstr(body, "420102"),
                  "%s", body);
    free(body);
    free(headers);
    ck_assert_int_eq(
        harness_http_len(d.port, "GET", "/reports/2026Q4.pdf?lang=en", html, &body, &len, &headers),
        404);
    ck_assert_msg(strstr(headers, "text/html") &&
                      strstr(body, "role=\"alert\">That quarter has not ended"),
                  "%s", body);
    free(body);
    free(headers);
    harness_http_auth(NULL);
    /* a HEAD exports nothing: not audited (the count of 3 below stays) */
    ck_assert_int_eq(harness_http(d.port, "HEAD", "/reports/2026Q3.csv", auth, &body, NULL), 200);
    free(body);
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 10000), 0);
    free(d.log);

    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action = 'export'"
                                      " AND params->>'via' = 'http' AND outcome = 'ok'"
                                      " AND client_addr = '127.0.0.1' AND params->>'lang' = 'zh'"
                                      " AND length(params->>'sha256') = 64"),
                     3);
    /* out of scope: refused; a quarter not ended: failed, with its code */
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action = 'export'"
                                      " AND outcome = 'refused' AND params->>'status' = '403'"
                                      " AND params->>'error' = 'out_of_scope'"),
                     2);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action = 'export'"
                                      " AND outcome = 'failed' AND params->>'status' = '404'"
                                      " AND params->>'error' = 'quarter_not_ended'"),
                     2);
    db_close(db);
    const char *verify[] = {"audit", "verify", cli, "--db", ci, NULL};
    char *out = NULL;
    ck_assert_int_eq(harness_run(verify, NULL, &out, &err), 0);
    ck_assert_msg(strstr(out, "by li from 127.0.0.1"), "the HTTP export is found too: %s", out);
    free(out);
    free(err);
    /* the manager's PDF made again by the command: the same bytes (his
     * name on the cover, the daemon's runs and days) */
    ck_assert(db_connect(ci, 0, &db));
    char *row = harness_text(db, "SELECT max(audit_id)::text FROM kpi.audit_log WHERE who = 'wu'"
                                 " AND action = 'export' AND outcome = 'ok'"
                                 " AND params->>'format' = 'pdf'");
    db_close(db);
    ck_assert_int_eq(reproduce(row, NULL, &out, &err), 0);
    ck_assert_msg(strstr(out, "reproduced: the same bytes") && strstr(out, "by wu"), "%s", out);
    free(out);
    free(err);
    free(row);
    unlink(config_path);
    free(config_path);
    free(exec);
    free(mgr);
}
END_TEST

/* A branch manager asking for a foreign branch's report in a loop: the
 * refusals are audited at most five a second, the next row written
 * counting those that were not (each was a row of the append-only log).
 * The limit is each user's: another manager's refusal in that second is
 * written, under his name, and the loop's count is not put on him; what
 * is left unwritten at a stop is written then. */
static void refused_as(int port, const char *auth, int times)
{
    for (int i = 0; i < times; i++) {
        char *body = NULL;
        ck_assert_int_eq(
            harness_http(port, "GET", "/reports/2026Q3.csv?branch=420102", auth, &body, NULL), 403);
        free(body);
    }
}

START_TEST(refusals_in_a_loop_are_counted_not_each_written)
{
    struct harness_daemon d;
    harness_user_add(ci, "sun", "branch_manager", "420101", "a password nobody types");
    harness_user_add(ci, "zhou", "branch_manager", "420101", "a password nobody types");
    char *token = harness_token_add(ci, "sun"), auth[200];
    char *other = harness_token_add(ci, "zhou"), auth2[200];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    snprintf(auth2, sizeof auth2, "Authorization: Bearer %s", other);
    char *config_path = start_daemon(&d, "loop");
    refused_as(d.port, auth, 40);
    refused_as(d.port, auth2, 1);
    usleep(1100000);
    refused_as(d.port, auth, 1);
    refused_as(d.port, auth, 20); /* and stopped at once */
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 10000), 0);
    free(d.log);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    static const char refused[] = " FROM kpi.audit_log WHERE who = 'sun' AND outcome = 'refused'";
    char q[300];
    snprintf(q, sizeof q, "SELECT count(*)%s", refused);
    long rows = harness_long(db, q);
    /* the flush's row counts only those unwritten (no request of its own) */
    snprintf(q, sizeof q,
             "SELECT sum(CASE WHEN params ? 'status' THEN 1 ELSE 0 END"
             " + coalesce((params->>'refused_unwritten')::int, 0))%s",
             refused);
    ck_assert_int_eq(harness_long(db, q), 61);
    ck_assert_msg(rows >= 11 && rows < 61, "%ld rows for 61 refusals", rows);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE who = 'zhou'"
                                      " AND outcome = 'refused' AND params->>'status' = '403'"
                                      " AND NOT params ? 'refused_unwritten'"),
                     1);
    db_close(db);
    unlink(config_path);
    free(config_path);
    free(token);
    free(other);
}
END_TEST

/* What the PDF shows: its page count, its text (pdftotext, whitespace
 * removed: lines wrap anywhere; a table column by column), its lines as
 * laid out (pdftotext -layout, runs of blanks one space: a table row by
 * row), how many bare months (YYYY-MM, not part of a date: a chart's date
 * axis) it shows, and the titles of its outline (cairo
 * writes them as UTF-16BE hex strings). */
static json_t *read_pdf(const char *path)
{
    static const char script[] =
        "import json, re, subprocess, sys\n"
        "info = subprocess.run(['pdfinfo', sys.argv[1]], capture_output=True, text=True,"
        " check=True).stdout\n"
        "pages = int(re.search(r'Pages:\\s+(\\d+)', info).group(1))\n"
        "text = subprocess.run(['pdftotext', '-q', sys.argv[1], '-'], capture_output=True,"
        " text=True, check=True).stdout\n"
        "raw = open(sys.argv[1], 'rb').read()\n"
        "titles = [bytes.fromhex(h.decode()).decode('utf-16-be').lstrip('\\ufeff')"
        " for h in re.findall(rb'/Title <([0-9A-Fa-f]+)>', raw)]\n"
        "layout = subprocess.run(['pdftotext', '-q', '-layout', sys.argv[1], '-'],"
        " capture_output=True, text=True, check=True).stdout\n"
        "print(json.dumps({'pages': pages, 'text': re.sub(r'\\s+', '', text),"
        " 'lines': re.sub(r'[ \\t]+', ' ', layout), 'titles': titles,\n"
        " 'bare_months': len(re.findall(r'(?<![\\d-])\\d{4}-\\d{2}(?![\\d-])', layout))}))\n";
    return python_facts(script, path);
}

/* The contents' page numbers checked against the pages: each "第 K 节
 * NAME ... N" row of the contents, that heading on page N's text. */
static json_t *check_contents(const char *path)
{
    static const char script[] =
        "import json, re, subprocess, sys\n"
        "def page(n):\n"
        "    return subprocess.run(['pdftotext', '-q', '-layout', '-f', str(n), '-l', str(n),"
        " sys.argv[1], '-'], capture_output=True, text=True, check=True).stdout\n"
        "rows, bad = [], []\n"
        "for n in range(1, 9):\n"
        "    rows += re.findall(r'^(第 \\d+ 节 \\S+)\\s+(\\d+)$', page(n), re.M)\n"
        "for title, n in rows:\n"
        "    if not re.search(r'^' + re.escape(title) + r'\\s*$', page(int(n)), re.M):\n"
        "        bad.append(title + ' not on page ' + n)\n"
        "print(json.dumps({'rows': len(rows), 'bad': bad[:5]}))\n";
    return python_facts(script, path);
}

/* `expr` (constant SQL over kpi.value v) of BIG_ROOT's K1 total at the
 * newest run of 2026-09-30, as text (malloc'd). */
static char *root_k1(struct db *db, const char *expr)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM kpi.value v JOIN kpi.run r USING (run_id)"
             " WHERE r.as_of = '2026-09-30' AND v.kpi = 'retention_rate'"
             " AND v.branch_code = '" BIG_ROOT "' AND v.dim IS NULL ORDER BY run_id DESC LIMIT 1",
             expr);
    return harness_text(db, sql);
}

/* The province's PDF: many pages, every city a bookmark, every branch's
 * name and the province's figures in its text, the CSV's SHA-256 on the
 * cover; a city's twice: the same bytes; audited like the CSV. */
/* A page that begins inside a section (a branch's, an appendix) is headed
 * by the section it continues, "第 2 节 武汉分公司（420100）（续）" (184 of 248 pages began with
 * a table's head or a chart and no word of whose they were); a page that
 * begins with a section's own heading is not. */
static void running_heads(const char *pdf)
{
    struct buf bytes = BUF_INIT;
    slurp(pdf, &bytes);
    char *text = harness_tool_text("pdftotext -q -layout", bytes.data, bytes.len);
    buf_release(&bytes);
    char section[300] = "", *save = NULL;
    int headed = 0, pages = 0;
    for (char *page = strtok_r(text, "\f", &save); page; page = strtok_r(NULL, "\f", &save)) {
        pages++;
        char first[300] = "";
        sscanf(page, " %299[^\n]", first);
        size_t len = strlen(first);
        while (len && first[len - 1] == ' ')
            first[--len] = '\0';
        const char *cont = "（续）";
        if (len > strlen(cont) && strcmp(first + len - strlen(cont), cont) == 0) {
            first[len - strlen(cont)] = '\0';
            ck_assert_msg(strcmp(first, section) == 0, "page %d continues \"%s\" after \"%s\"",
                          pages, first, section);
            headed++;
        }
        for (char *line = page; line && *line;
             line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
            if ((strncmp(line, "第 ", strlen("第 ")) == 0 && strstr(line, " 节 ")) ||
                strncmp(line, "附录", strlen("附录")) == 0) {
                char heading[300] = "";
                sscanf(line, "%299[^\n]", heading);
                size_t k = strlen(heading);
                while (k && heading[k - 1] == ' ')
                    heading[--k] = '\0';
                if (k < strlen(cont) || strcmp(heading + k - strlen(cont), cont) != 0)
                    memcpy(section, heading, k + 1); /* a heading, not a running head */
            }
    }
    ck_assert_msg(headed > 0 && headed < pages, "%d of %d pages with a running head", headed,
                  pages);
    free(text);
}

START_TEST(the_pdf_has_every_branch_bookmarked_and_is_reproducible)
{
    char a[256], b[256], csv[256], *err = NULL;
    snprintf(a, sizeof a, "%s/q3.pdf", dir);
    snprintf(b, sizeof b, "%s/q3-again.pdf", dir);
    snprintf(csv, sizeof csv, "%s/q3-for-pdf.csv", dir);
    /* the big one once (the sanitizer build pays for every page), a city
     * twice for the bytes */
    const char *args[] = {"report", "--quarter", "2026Q3", "--format", "pdf",    "--out",
                          a,        "--db",      ci,       "--branch", BIG_ROOT, NULL};
    char *out = NULL, c2[300];
    ck_assert_msg(harness_run(args, NULL, &out, &err) == 0, "%s", err);
    free(out);
    free(err);
    snprintf(c2, sizeof c2, "%s.2", b);
    args[9] = "--branch";
    args[10] = "420100";
    for (int i = 0; i < 2; i++) {
        args[6] = i ? c2 : b;
        ck_assert_msg(harness_run(args, NULL, &out, &err) == 0, "%s", err);
        free(out);
        free(err);
    }
    ck_assert_msg(same_file(b, c2), "two PDFs of the same runs differ");
    running_heads(b);
    /* in English, the figures' heads are words of their own ("Base", not
     * the "base" written inside a sentence) */
    char en[300];
    snprintf(en, sizeof en, "%s/q3-en.pdf", dir);
    const char *en_args[] = {"report", "--quarter", "2026Q3", "--format", "pdf",
                             "--out",  en,          "--db",   ci,         "--branch",
                             "420101", "--lang",    "en",     NULL};
    ck_assert_msg(harness_run(en_args, NULL, &out, &err) == 0, "%s", err);
    free(out);
    free(err);
    json_t *ef = read_pdf(en);
    const char *etext = json_string_value(json_object_get(ef, "lines"));
    ck_assert_msg(strstr(etext, "Denominator Base Challenge"), "%.3000s", etext);
    /* what a status was judged against is on the page: a target's point on
     * its path under it, the reasons under the status, and a satisfaction
     * value's survey month (the month its chart plots; "text" is without
     * white space: a cell may wrap) */
    struct db *edb = NULL;
    ck_assert(db_connect(ci, 0, &edb));
    char *k1 = harness_text(
        edb, "SELECT 'path ' || to_char(100 * path_base, 'FM990.00') || '%|path '"
             " || to_char(100 * path_challenge, 'FM990.00') || '%|' || status || '|'"
             " || coalesce(reason, '') FROM kpi.value v JOIN kpi.run r USING (run_id)"
             " WHERE r.as_of = '2026-09-30' AND v.kpi = 'retention_rate'"
             " AND v.branch_code = '420101' AND v.dim IS NULL ORDER BY run_id DESC LIMIT 1");
    char *survey = harness_text(edb, "SELECT 'surveyed' || max(period) FROM kpi.value v"
                                     " JOIN kpi.run r USING (run_id) WHERE r.as_of = '2026-09-30'"
                                     " AND v.kpi = 'satisfaction' AND v.branch_code = '420101'");
    db_close(edb);
    char *pb = strtok(k1, "|"), *pc = strtok(NULL, "|"), *status = strtok(NULL, "|");
    char both[64]; /* side by side in the table (the chart writes each apart) */
    snprintf(both, sizeof both, "%s %s", pb, pc);
    ck_assert_msg(strstr(etext, both), "no %s in %.3000s", both, etext);
    ck_assert_msg(strstr(json_string_value(json_object_get(ef, "text")), survey), "no %s", survey);
    const char *words = strcmp(status, "excellent") == 0 ? "atorabovethechallengepath"
                        : strcmp(status, "red") == 0     ? "belowthebasepath"
                                                         : NULL;
    ck_assert_msg(!words || strstr(json_string_value(json_object_get(ef, "text")), words),
                  "no reason %s", words ? words : "");
    free(k1);
    free(survey);
    json_decref(ef);
    ck_assert_msg(report("2026Q3", BIG_ROOT, csv, &err) == 0, "%s", err);
    free(err);
    json_t *f = read_pdf(a);
    ck_assert_int_gt(json_integer_value(json_object_get(f, "pages")),
                     strcmp(BIG_ROOT, "420000") ? 5 : 20);
    const char *text = json_string_value(json_object_get(f, "text"));
    json_t *titles = json_object_get(f, "titles");
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    struct db_result *res = NULL;
    ck_assert(db_query(db,
                       "WITH RECURSIVE t AS (SELECT branch_id, name, level FROM dw.branch"
                       " WHERE code = '" BIG_ROOT "' UNION ALL SELECT b.branch_id, b.name, b.level"
                       " FROM dw.branch b JOIN t ON b.parent_id = t.branch_id)"
                       " SELECT name, level FROM t",
                       0, NULL, &res));
    for (int i = 0; i < db_rows(res); i++) {
        const char *name = db_value(res, i, 0);
        ck_assert_msg(strstr(text, name), "%s is not in the PDF", name);
        bool marked = false;
        for (size_t t = 0; t < json_array_size(titles) && !marked; t++)
            marked = strstr(json_string_value(json_array_get(titles, t)), name) != NULL;
        ck_assert_msg(marked || atoi(db_value(res, i, 1)) == 2, "city %s is not bookmarked", name);
    }
    db_result_free(res);
    char *pct = root_k1(db, "to_char(100 * numerator / denominator, 'FM990.00') || '%'");
    ck_assert_msg(strstr(text, pct), "the root's retention %s is not in the PDF", pct);
    free(pct);
    /* its denominator as a reader reads a count, as the bulletin's:
     * thousands separated (doc_count, unit-bulletin) */
    char *den = root_k1(db, "to_char(denominator, 'FM999,999,990')");
    ck_assert_msg(strstr(text, den), "the root's K1 denominator %s", den);
    free(den);
    ck_assert_msg(strstr(text, "下属单位排名"), "no rankings of the root's children");
    /* a weighted satisfaction mean without every child says so, as the CSV's
     * partial column (the province's has some) */
    ck_assert_msg(strcmp(BIG_ROOT, "420000") != 0 || strstr(text, "部分指标无数据"),
                  "no partial satisfaction value marked in the PDF");
    /* what the alarm summary counts, and of how many branches: those with a
     * red value in a run of the quarter */
    char *red_branches = harness_text(
        db,
        "WITH RECURSIVE sub AS (SELECT branch_id FROM dw.branch WHERE code = '" BIG_ROOT "'"
        " UNION ALL SELECT b.branch_id FROM dw.branch b JOIN sub ON b.parent_id = sub.branch_id)"
        " SELECT count(DISTINCT v.branch_id)::text FROM kpi.value v JOIN kpi.run r USING (run_id)"
        " WHERE r.finished_at IS NOT NULL AND r.as_of BETWEEN '2026-07-01' AND '2026-09-30'"
        " AND v.status = 'red' AND v.branch_id IN (SELECT branch_id FROM sub)");
    struct buf unit = BUF_INIT;
    buf_printf(&unit, "共涉及%s个分公司", red_branches);
    ck_assert_msg(strstr(text, "每一项为一个红色时段") && strstr(text, unit.data), "no \"%s\"",
                  unit.data);
    buf_release(&unit);
    free(red_branches);
    /* the warehouse's data-quality counts: in the province's report only */
    ck_assert_msg((strstr(text, "附录四：数据质量计数") != NULL) ==
                      (strcmp(BIG_ROOT, "420000") == 0),
                  "the data-quality appendix in the report of " BIG_ROOT);
    /* each rule said in words with what is done with its rows, beside its
     * code (every rule is listed, zero included) */
    ck_assert_msg(strcmp(BIG_ROOT, "420000") != 0 ||
                      (strstr(text, "用量记录账单为空：按0.00计（低消费月，不满足基线）") &&
                       strstr(text, "usage_null_bill")),
                  "a data-quality rule without its words");
    /* each month end's count (the last month's alone hid July's): a rule's
     * three counts, as the three runs stored them */
    if (strcmp(BIG_ROOT, "420000") == 0) {
        char *three = harness_text(
            db, "SELECT string_agg(q.rows::text, ' ' ORDER BY r.as_of) FROM kpi.data_quality q"
                " JOIN (SELECT DISTINCT ON (as_of) run_id, as_of FROM kpi.run WHERE finished_at"
                " IS NOT NULL AND as_of IN ('2026-07-31', '2026-08-31', '2026-09-30')"
                " ORDER BY as_of, run_id DESC) r USING (run_id) WHERE q.rule = 'usage_null_bill'");
        struct buf want = BUF_INIT;
        buf_printf(&want, "usage_null_bill %s\n", three); /* the layout's line */
        const char *lines = json_string_value(json_object_get(f, "lines"));
        const char *at = strstr(lines, "usage_null_bill");
        ck_assert_msg(strstr(lines, want.data), "not %s: %.60s", want.data, at ? at : "");
        buf_release(&want);
        free(three);
    }
    /* the contents give each section's page, and the heading is there */
    json_t *toc = check_contents(a);
    ck_assert_int_gt(json_integer_value(json_object_get(toc, "rows")), 10);
    ck_assert_msg(json_array_size(json_object_get(toc, "bad")) == 0, "%s",
                  json_string_value(json_array_get(json_object_get(toc, "bad"), 0)));
    json_decref(toc);
    char sha[65];
    struct buf bytes = BUF_INIT;
    slurp(csv, &bytes);
    digest_sha256_hex(bytes.data, bytes.len, sha);
    buf_release(&bytes);
    ck_assert_msg(strstr(text, sha), "the cover does not carry the CSV's SHA-256 %s", sha);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action = 'export'"
                                      " AND params->>'format' = 'pdf' AND params->>'lang' = 'zh'"),
                     3);
    db_close(db);
    json_decref(f);
}
END_TEST

#define GREEN_COUNTIES                                                                             \
    "SELECT v.branch_code AS code FROM kpi.value v JOIN kpi.run r USING (run_id)"                  \
    " JOIN dw.branch b ON b.code = v.branch_code AND b.level = 2"                                  \
    " WHERE r.as_of IN ('2026-07-31', '2026-08-31', '2026-09-30')"                                 \
    " AND v.kpi = 'retention_rate' AND v.dim IS NULL"                                              \
    " GROUP BY 1 HAVING bool_and(v.status <> 'red')"

/* A county whose K1 is not red at any of 2026Q3's month ends: the first
 * by code, or the last. A new string. */
static char *county_green_at_month_ends(struct db *db, bool last)
{
    return harness_text(db, last ? "SELECT max(code) FROM (" GREEN_COUNTIES ") g"
                                 : "SELECT min(code) FROM (" GREEN_COUNTIES ") g");
}

/* Two daily runs on day1 and day2, copies of July's month end in which
 * county's K1 is red (below its path); with no_data_after, on day2 the
 * county has no K1 row at all. */
static void county_red_in_august(struct db *db, const char *county, const char *day1,
                                 const char *day2, bool no_data_after)
{
    static const char copy[] =
        "WITH src AS (SELECT max(run_id) AS run_id FROM kpi.run WHERE as_of = '2026-07-31'),"
        " new AS (INSERT INTO kpi.run (as_of, started_at, finished_at, last_closed_month,"
        " settings) SELECT d, d + time '02:00', d + time '02:05', r.last_closed_month, r.settings"
        " FROM kpi.run r, src, (VALUES ($2::date), ($3::date)) AS x(d)"
        " WHERE r.run_id = src.run_id RETURNING run_id, as_of)"
        " INSERT INTO kpi.value (run_id, kpi, branch_id, branch_code, dim, campaign_id, period,"
        " numerator, denominator, value, status, reason, target_base, target_challenge)"
        " SELECT new.run_id, v.kpi, v.branch_id, v.branch_code, v.dim, v.campaign_id, v.period,"
        " v.numerator, v.denominator, v.value,"
        " CASE WHEN k1 THEN 'red' ELSE v.status END,"
        " CASE WHEN k1 THEN 'below_base_path' ELSE v.reason END, v.target_base,"
        " v.target_challenge"
        " FROM new, src JOIN kpi.value v USING (run_id),"
        " LATERAL (SELECT v.branch_code = $1 AND v.kpi = 'retention_rate' AND v.dim IS NULL)"
        " AS x(k1)"
        " WHERE NOT (k1 AND new.as_of = $3::date AND $4::boolean)";
    const char *params[] = {county, day1, day2, no_data_after ? "true" : "false"};
    ck_assert(db_query(db, copy, 4, params, NULL));
}

/* The 2026Q3 report of county as a PDF named name in dir, read back. */
static json_t *county_pdf(const char *county, const char *name)
{
    char path[256], *err = NULL, *out = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    const char *args[] = {"report", "--quarter", "2026Q3", "--format", "pdf",  "--out",
                          path,     "--db",      ci,       "--branch", county, NULL};
    ck_assert_msg(harness_run(args, NULL, &out, &err) == 0, "%s", err);
    free(out);
    free(err);
    return read_pdf(path);
}

/* Two daily runs in August (copies of July's month end) in which one
 * county's K1, green at every month end, is red: its section lists the
 * stretch, raised on the first and cleared on the next run day (the month
 * end); the cover counts the quarter's five runs; the appendix has the
 * month-end runs' times (UTC), their settings and the definitions with
 * their thresholds; SOURCE_DATE_EPOCH is the PDF's date. */
START_TEST(the_pdf_has_the_alarms_of_the_quarter_with_the_day_each_cleared)
{
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    char *county = county_green_at_month_ends(db, false);
    county_red_in_august(db, county, "2026-08-10", "2026-08-11", false);
    json_t *f = county_pdf(county, "alarms.pdf");
    const char *text = json_string_value(json_object_get(f, "text"));
    const char *lines = json_string_value(json_object_get(f, "lines"));
    const char *at = strstr(lines, "2026-08-10");
    ck_assert_msg(strstr(lines, "中高端客户保有率 2026-08-10 2026-08-31 2 低于基础时序进度"),
                  "the stretch of %s is not in the PDF: %.200s", county,
                  at && at - lines > 60 ? at - 60 : lines);
    ck_assert_msg(strstr(text, "共5个（2026-07-31至2026-09-30）"),
                  "the cover does not count 5 runs");
    char *started = harness_text(db, "SELECT to_char(started_at AT TIME ZONE 'UTC',"
                                     " 'YYYY-MM-DD HH24:MI:SS') FROM kpi.run"
                                     " WHERE as_of = '2026-09-30' ORDER BY run_id DESC LIMIT 1");
    ck_assert_msg(strstr(lines, started), "the run times are not in the appendix (%s)", started);
    free(started);
    char *finished = harness_text(db, "SELECT to_char(finished_at AT TIME ZONE 'UTC',"
                                      " 'YYYY-MM-DDHH24:MI:SS') FROM kpi.run"
                                      " WHERE as_of = '2026-09-30' ORDER BY run_id DESC LIMIT 1");
    ck_assert_msg(strstr(text, finished), "the cover does not say when the data was complete (%s)",
                  finished);
    free(finished);
    ck_assert_msg(strstr(text, "k1_low_months"), "no settings in the appendix");
    /* the quarter had no bundling campaign (the demo's runs from October):
     * K3 says so at each month end, not 无数据 as a lack of data */
    ck_assert_msg(strstr(text, "本月末无进行中的捆绑活动"), "K3 without a campaign");
    /* the quarter's alarms per KPI and the alarm rules' definition, under
     * their own words (a word missing from the labels shows its key) */
    ck_assert_msg(strstr(text, "本季度预警汇总"), "no heading over the quarter's alarms");
    /* its K1 row: the alarms raised in the quarter apart from those red
     * before it (the county is red on 08-10 only: raised, none carried),
     * and they end one way each */
    const char *summary = strstr(lines, "\n指标 本季新转红 季初已红 已恢复 季末仍红 转为无数据\n");
    ck_assert_msg(summary, "the summary's heads");
    const char *k1 = strstr(summary, "\n中高端客户保有率 ");
    int n[5] = {0};
    ck_assert_msg(k1 && sscanf(k1 + strlen("\n中高端客户保有率 "), "%d %d %d %d %d", &n[0], &n[1],
                               &n[2], &n[3], &n[4]) == 5,
                  "no K1 row in the summary");
    ck_assert_msg(n[0] == 1 && n[1] == 0 && n[0] + n[1] == n[2] + n[3] + n[4],
                  "K1: raised %d, carried in %d, cleared %d, red %d, no data %d", n[0], n[1], n[2],
                  n[3], n[4]);
    ck_assert_msg(strstr(text, "红绿预警"), "no definition of the alarm rules");
    ck_assert_msg(!strstr(text, "snap_"), "a label key instead of its words");
    ck_assert_msg(!strstr(text, "下属单位排名"),
                  "a county's report has a rankings heading over nothing");
    /* the trend charts: their date axis ("2026-09" alone: every other date
     * in the report is a day), a month under each month end's point (not
     * "2026-08" alone, on August's first day next to July's point); the
     * county's city, outside the report's subtree, named nowhere (not as
     * the charts' parent either) */
    ck_assert_msg(json_integer_value(json_object_get(f, "bare_months")) > 0, "no trend chart");
    ck_assert_msg(strstr(lines, "2026-07 2026-08 2026-09"), "a chart's months are not its points'");
    /* satisfaction's points at their survey months (at 2026-09-30 the
     * newest survey is August's: it was drawn, and named, as September's) */
    ck_assert_msg(strstr(lines, "2026-06 2026-07 2026-08"), "satisfaction not at its months:\n%s",
                  lines);
    struct db_result *res = NULL;
    const char *params[] = {county};
    ck_assert(db_query(db,
                       "SELECT p.name FROM dw.branch b JOIN dw.branch p"
                       " ON p.branch_id = b.parent_id WHERE b.code = $1",
                       1, params, &res));
    ck_assert_int_eq(db_rows(res), 1);
    ck_assert_msg(!strstr(text, db_value(res, 0, 0)), "the county's report names its city %s",
                  db_value(res, 0, 0));
    db_result_free(res);
    /* days of the quarter without a run: said, with how many have one */
    char *with = harness_text(db, "SELECT count(DISTINCT as_of)::text FROM kpi.run WHERE"
                                  " finished_at IS NOT NULL AND as_of BETWEEN '2026-07-01'"
                                  " AND '2026-09-30'");
    struct buf gap = BUF_INIT;
    buf_printf(&gap, "本季度92天中只有%s天有计算批次", with);
    ck_assert_msg(atoi(with) == 92 || strstr(text, gap.data), "no \"%s\"", gap.data);
    buf_release(&gap);
    free(with);
    /* a county has nothing below it: its alarms are its own, not "及下属" */
    ck_assert_msg(strstr(lines, "本季度预警汇总（") && !strstr(lines, "及下属）"),
                  "the county's alarms heading says 及下属");
    /* the zone lists' columns headed by the lists' months (the run of a
     * month end holds the month before's), not by the month ends */
    const char *zones = strstr(lines, "五区变动");
    ck_assert_msg(zones && strstr(zones, "\n区 2026-06 2026-07 2026-08 季度变动\n"),
                  "the zone table's heads are not its lists' months");
    char *bill = harness_text(db, "SELECT (settings->>'k1_baseline_bill')::numeric::float8::text"
                                  " FROM kpi.run WHERE as_of = '2026-09-30'"
                                  " ORDER BY run_id DESC LIMIT 1");
    struct buf def = BUF_INIT;
    buf_printf(&def, "基线月账单均不低于%s元", bill);
    ck_assert_msg(strstr(text, def.data), "the K1 definition does not carry its threshold (%s)",
                  def.data);
    buf_release(&def);
    free(bill);
    json_decref(f);
    /* SOURCE_DATE_EPOCH stands for the dates (1700000000: 2023-11-14
     * 22:13:20 UTC); without it, the runs' */
    char path[256], *err = NULL, *out = NULL;
    snprintf(path, sizeof path, "%s/alarms.pdf", dir);
    const char *args[] = {"report", "--quarter", "2026Q3", "--format", "pdf",  "--out",
                          path,     "--db",      ci,       "--branch", county, NULL};
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    int rc = harness_run(args, NULL, &out, &err);
    unsetenv("SOURCE_DATE_EPOCH");
    ck_assert_msg(rc == 0, "%s", err);
    free(out);
    free(err);
    char cmd[300], info[4096] = "";
    snprintf(cmd, sizeof cmd, "pdfinfo -isodates '%s'", path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t len = fread(info, 1, sizeof info - 1, p);
    info[len] = '\0';
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_msg(strstr(info, "2023-11-14T22:13:20Z"),
                  "SOURCE_DATE_EPOCH is not the PDF's date: %s", info);
    /* without it, the date is the data's: when the newest of the month
     * ends' runs finished (it read the quarter's last day at midnight, as
     * if made before the quarter had ended) */
    rc = harness_run(args, NULL, &out, &err);
    ck_assert_msg(rc == 0, "%s", err);
    free(out);
    free(err);
    char *newest = harness_text(
        db, "SELECT to_char(max(f) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM "
            "(SELECT DISTINCT ON (as_of) finished_at AS f FROM kpi.run WHERE finished_at IS NOT "
            "NULL AND as_of IN ('2026-07-31', '2026-08-31', '2026-09-30') "
            "ORDER BY as_of, run_id DESC) x");
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    len = fread(info, 1, sizeof info - 1, p);
    info[len] = '\0';
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_msg(strstr(info, newest), "not %s: %s", newest, info);
    free(newest);
    free(county);
    db_close(db);
}
END_TEST

/* Lineage: which program and which KPI SQL computed each month end. The
 * runs record the version and the SHA-256 of the embedded sql/kpi/ files
 * that `retentiond version` prints; the PDF's runs appendix says them per
 * month end (it had the thresholds and rules, not what computed). */
START_TEST(the_runs_record_the_program_and_the_kpi_sql)
{
    const char *version[] = {"version", NULL};
    char *out = NULL, *err = NULL, sha[65] = "", ver[40] = "";
    ck_assert_int_eq(harness_run(version, NULL, &out, NULL), 0);
    const char *at = strstr(out, "KPI SQL SHA-256 ");
    ck_assert_msg(at && sscanf(at, "KPI SQL SHA-256 %64[0-9a-f]", sha) == 1 && strlen(sha) == 64,
                  "version prints no KPI SQL SHA-256: %s", out);
    ck_assert_int_eq(sscanf(out, "retentiond %39s", ver), 1);
    free(out);
    char path[256];
    snprintf(path, sizeof path, "%s/lineage.pdf", dir);
    const char *args[] = {"report", "--quarter", "2026Q3", "--format", "pdf",    "--out",
                          path,     "--db",      ci,       "--branch", "420101", NULL};
    ck_assert_msg(harness_run(args, NULL, &out, &err) == 0, "%s", err);
    free(out);
    free(err);
    json_t *f = read_pdf(path);
    const char *text = json_string_value(json_object_get(f, "text"));
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    long run = harness_long(db, "SELECT max(run_id) FROM kpi.run WHERE as_of = '2026-09-30'");
    db_close(db);
    struct buf want = BUF_INIT;
    buf_printf(&want, "批次%ld（2026-09-30）由retentiond%s计算；其指标SQL（sql/kpi）的SHA-256：%s",
               run, ver, sha);
    ck_assert_msg(strstr(text, want.data), "the appendix does not say %s", want.data);
    /* a county's report: not the warehouse's data-quality counts, which its
     * manager may not see (and which are not the county's) */
    ck_assert_msg(!strstr(text, "数据质量"), "a county's report has the data-quality appendix");
    /* a section's heading gives the branch's code (names repeat: a county
     * named as its city), as the CSV keys its rows */
    ck_assert_msg(strstr(text, "（420101）"), "no branch code in the section headings");
    /* the alarm rules name K2's own: a diamond or gold member cancelled,
     * within the window the month end's run judged by */
    ck_assert_msg(strstr(text, "年初拍照的钻石卡、金卡客户近30天内有离网"),
                  "appendix 3 leaves out the key-account rule or its days");
    buf_release(&want);
    json_decref(f);
}
END_TEST

/* A stretch of red days followed by a day without the value (no survey
 * answer for an indicator, say): not "cleared" on that day, which had no
 * data (no data is never green; docs/kpis.md), but "no data", and counted
 * apart in the quarter's alarms. Two daily runs copied from July's month
 * end: on 2026-08-20 a county's K1 is red, on 2026-08-21 it has no row.
 * It said "cleared 2026-08-21". */
START_TEST(a_red_stretch_ended_by_no_data_is_not_cleared)
{
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    char *county = county_green_at_month_ends(db, true);
    county_red_in_august(db, county, "2026-08-20", "2026-08-21", true);
    db_close(db);
    json_t *f = county_pdf(county, "no-data.pdf");
    const char *lines = json_string_value(json_object_get(f, "lines"));
    const char *at = strstr(lines, "2026-08-20");
    ck_assert_msg(strstr(lines, "中高端客户保有率 2026-08-20 2026-08-21 无数据 1 低于基础时序进度"),
                  "the stretch of %s reads: %.200s", county, at ? at - 20 : lines);
    /* raised 1, carried in 0, cleared 0, still red 0, no data after 1 */
    ck_assert_msg(strstr(lines, "中高端客户保有率 1 0 0 0 1\n"), "the quarter's K1 alarms of %s",
                  county);
    json_decref(f);
    free(county);
}
END_TEST

/* A month end computed again, its new run id longer than the old one's
 * (run 9 then run 90, say: as text, "9" is the greater): the report stands
 * on the new run, and the PDF is written (it was refused: "the run of
 * 2026-09-30 changed since the snapshot was taken"). Last: it adds a run. */
START_TEST(a_month_end_computed_again_is_the_reports)
{
    static const char newest[] = "SELECT max(run_id) FROM kpi.run WHERE as_of = '2026-09-30'";
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    long old = harness_long(db, newest), next = 1;
    char old_text[24], next_text[24], setval[160];
    snprintf(old_text, sizeof old_text, "%ld", old);
    if (strspn(old_text + 1, "0") == strlen(old_text + 1) && old_text[0] == '1') {
        harness_compute(ci, "2026-09-30"); /* 10, 100: every greater id is greater as text too */
        old = harness_long(db, newest);
        snprintf(old_text, sizeof old_text, "%ld", old);
    }
    for (size_t i = 0; i < strlen(old_text); i++)
        next *= 10; /* 9 -> 10, 23 -> 100: smaller as text */
    snprintf(setval, sizeof setval,
             "SELECT setval(pg_get_serial_sequence('kpi.run', 'run_id'), %ld)", next - 1);
    ck_assert(db_query(db, setval, 0, NULL, NULL));
    harness_compute(ci, "2026-09-30");
    long id = harness_long(db, newest);
    snprintf(next_text, sizeof next_text, "%ld", id);
    ck_assert_msg(id > old && strcmp(next_text, old_text) < 0, "run %ld after %ld", id, old);
    db_close(db);
    char csv[256], pdf[256], *err = NULL, want[40];
    snprintf(csv, sizeof csv, "%s/again.csv", dir);
    snprintf(pdf, sizeof pdf, "%s/again.pdf", dir);
    ck_assert_msg(report("2026Q3", "420101", csv, &err) == 0, "%s", err);
    free(err);
    const char *args[] = {"report", "--quarter", "2026Q3", "--format", "pdf",    "--out",
                          pdf,      "--db",      ci,       "--branch", "420101", NULL};
    char *out = NULL;
    ck_assert_msg(harness_run(args, NULL, &out, &err) == 0, "%s", err);
    free(out);
    free(err);
    struct buf bytes = BUF_INIT;
    slurp(csv, &bytes);
    snprintf(want, sizeof want, ",%ld,,ratio\r\n", id); /* run_id, partial (not K4), unit */
    ck_assert_msg(strstr(bytes.data, want), "the CSV does not stand on run %ld", id);
    buf_release(&bytes);
}
END_TEST

/* A month end computed again while a daemon runs (a data correction, its
 * snapshot not yet refreshed): neither the PDF nor the CSV is served from
 * the superseded run (503 stale_snapshot, audited as failed, Retry-After);
 * the refusal starts a reload (no compute), after which the export stands
 * on the new run, without a SIGUSR1 or the refresh interval (an hour
 * here). The CSV was served with a 200 from the old run. */
START_TEST(a_month_end_computed_after_the_snapshot_is_not_exported_from_it)
{
    struct harness_daemon d;
    harness_user_add(ci, "feng", "executive", NULL, "a password nobody types");
    char *token = harness_token_add(ci, "feng"), auth[200], *body = NULL, *headers = NULL;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    char *config_path = start_daemon(&d, "stale");
    static const char *const paths[] = {"/reports/2026Q3.pdf?branch=420101",
                                        "/reports/2026Q3.csv?branch=420101"};
    for (int i = 0; i < 2; i++) {
        harness_compute(ci, "2026-08-31");
        harness_compute(ci, "2026-09-30"); /* the runs in date order again, for the next cases */
        ck_assert_int_eq(harness_http(d.port, "GET", paths[i], auth, &body, &headers), 503);
        ck_assert_msg(strstr(body, "\"stale_snapshot\"") && strstr(body, "2026-08-31"), "%s: %s",
                      paths[i], body);
        ck_assert_msg(strstr(headers, "Retry-After: 10\r\n"), "%s", headers);
        free(body);
        free(headers);
        long status = 503;
        for (int tries = 0; tries < 100 && status == 503; tries++) {
            usleep(100000);
            status = harness_http(d.port, "GET", paths[i], auth, &body, NULL);
            free(body);
        }
        ck_assert_int_eq(status, 200);
    }
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 10000), 0);
    free(d.log);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert_int_ge(
        harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE who = 'feng'"
                         " AND outcome = 'failed' AND params->>'error' = 'stale_snapshot'"),
        2); /* and one per poll before the refresh */
    ck_assert_int_eq(harness_long(db,
                                  "SELECT count(*) FROM kpi.audit_log WHERE who = 'feng'"
                                  " AND outcome = 'ok' AND (params->'runs'->>1)::bigint ="
                                  " (SELECT max(run_id) FROM kpi.run WHERE as_of = '2026-08-31')"),
                     1);
    /* each compute by hand is in the audit log, a recompute naming the run
     * it supersedes (the setup's first computes of the date: none) */
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action = 'compute'"
                                      " AND params->>'as_of' = '2026-08-31'"
                                      " AND (params->>'stored')::boolean"
                                      " AND (params->>'supersedes')::bigint IN (SELECT run_id"
                                      "  FROM kpi.run WHERE as_of = '2026-08-31'"
                                      "  AND run_id < (params->>'run')::bigint)"),
                     2);
    ck_assert_int_ge(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE action = 'compute'"
                                      " AND params->>'as_of' = '2026-07-31'"
                                      " AND params->'supersedes' = 'null'::jsonb"),
                     1);
    db_close(db);
    unlink(config_path);
    free(config_path);
    free(token);
}
END_TEST

/* A month end computed again (a data correction) after a later month end:
 * the report stands on the new run beside the later month end's older one,
 * which cannot include the correction; the cover says so, naming both runs
 * and the date to compute again (it said nothing: the quarter read as one
 * consistent series). After a_month_end_computed_again_is_the_reports. */
START_TEST(a_month_end_corrected_before_a_later_one_is_flagged)
{
    static const char ids[] = "SELECT max(run_id) FROM kpi.run WHERE as_of = '2026-09-30'";
    char pdf[256], want[200];
    snprintf(pdf, sizeof pdf, "%s/in-order.pdf", dir);
    const char *args[] = {"report", "--quarter", "2026Q3", "--format", "pdf",    "--out",
                          pdf,      "--db",      ci,       "--branch", "420101", NULL};
    char *out = NULL, *err = NULL;
    ck_assert_msg(harness_run(args, NULL, &out, &err) == 0, "%s", err);
    free(out);
    free(err);
    json_t *f = read_pdf(pdf);
    ck_assert_msg(!strstr(json_string_value(json_object_get(f, "text")), "先于"),
                  "runs in date order flagged");
    json_decref(f);
    harness_compute(ci, "2026-08-31");
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    long later = harness_long(db, ids);
    long corrected = harness_long(db, "SELECT max(run_id) FROM kpi.run WHERE as_of = '2026-08-31'");
    db_close(db);
    snprintf(pdf, sizeof pdf, "%s/corrected.pdf", dir);
    args[6] = pdf;
    ck_assert_msg(harness_run(args, NULL, &out, &err) == 0, "%s", err);
    free(out);
    free(err);
    f = read_pdf(pdf);
    snprintf(want, sizeof want, "2026-09-30的月末批次%ld先于2026-08-31的月末批次%ld计算", later,
             corrected);
    ck_assert_msg(strstr(json_string_value(json_object_get(f, "text")), want),
                  "the cover does not say %s", want);
    json_decref(f);
}
END_TEST

/* A new run of date, finished now, as a copy of its newest one (the same
 * values and counts); its id. */
static long copy_run(struct db *db, const char *date)
{
    char sql[900];
    snprintf(sql, sizeof sql,
             "INSERT INTO kpi.run (as_of, started_at, finished_at, last_closed_month,"
             " newest_usage, newest_cancel, newest_contract, newest_survey, settings)"
             " SELECT as_of, now(), clock_timestamp(), last_closed_month, newest_usage,"
             " newest_cancel, newest_contract, newest_survey, settings FROM kpi.run"
             " WHERE as_of = '%s' ORDER BY run_id DESC LIMIT 1 RETURNING run_id",
             date);
    long fresh = harness_long(db, sql);
    snprintf(sql, sizeof sql,
             "INSERT INTO kpi.value SELECT r.* FROM kpi.value v, LATERAL jsonb_populate_record("
             "NULL::kpi.value, to_jsonb(v) || jsonb_build_object('run_id', %ld)) r"
             " WHERE v.run_id = (SELECT max(run_id) FROM kpi.run WHERE as_of = '%s'"
             " AND run_id < %ld);"
             "INSERT INTO kpi.data_quality SELECT %ld, rule, rows FROM kpi.data_quality"
             " WHERE run_id = (SELECT max(run_id) FROM kpi.run WHERE as_of = '%s'"
             " AND run_id < %ld)",
             fresh, date, fresh, fresh, date, fresh);
    ck_assert_msg(db_exec_script(db, "copy_run", sql), "%s", db_errmsg(db));
    return fresh;
}

/* Renames 420101 (a branch renamed since an export); returns its name
 * (malloc'd) for restore_branch, which frees it. */
static char *rename_branch(struct db *db)
{
    char *name = harness_text(db, "SELECT name FROM dw.branch WHERE code = '420101'");
    harness_exec_on(ci, "UPDATE dw.branch SET name = name || '（更名）' WHERE code = '420101'");
    return name;
}

static void restore_branch(struct db *db, char *name)
{
    const char *restore[] = {name, NULL};
    ck_assert(
        db_query(db, "UPDATE dw.branch SET name = $1 WHERE code = '420101'", 1, restore, NULL));
    free(name);
}

/* A quarter's export made again after a recompute (a data correction) of
 * its month end and of a day of its alarm history, which a new export no
 * longer reads: `audit reproduce` gives the export's bytes, the PDF's and
 * the CSV's, from the runs its audit row names, and with --out writes them
 * and audits that; `runs prune` keeps the day's superseded run the PDF read
 * and removes a copy nobody read; an export recorded without its days (an
 * older version's) is made from the runs finished then; a run removed is
 * named (exit 1); a row that is not a report's export, or none, exit 2.
 * Before there was no way to make an earlier export again once its month
 * end was computed again. After the tests that add daily runs in August. */
START_TEST(an_export_is_reproduced_after_a_recompute)
{
    char pdf[256], csv[256], again[256], later[256], *out = NULL, *err = NULL;
    snprintf(pdf, sizeof pdf, "%s/repro.pdf", dir);
    snprintf(csv, sizeof csv, "%s/repro.csv", dir);
    snprintf(again, sizeof again, "%s/repro-again.pdf", dir);
    snprintf(later, sizeof later, "%s/repro-later.pdf", dir);
    const char *args[] = {"report", "--quarter", "2026Q3", "--format", "pdf",    "--out",
                          pdf,      "--db",      ci,       "--branch", "420101", NULL};
    ck_assert_msg(harness_run(args, NULL, &out, &err) == 0, "%s", err);
    free(out);
    free(err);
    ck_assert_msg(report("2026Q3", "420101", csv, &err) == 0, "%s", err);
    free(err);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    static const char row_of[] = "SELECT max(audit_id)::text FROM kpi.audit_log"
                                 " WHERE action = 'export' AND params->>'file' = '%s'";
    char q[512];
    snprintf(q, sizeof q, row_of, pdf);
    char *pdf_row = harness_text(db, q);
    snprintf(q, sizeof q, row_of, csv);
    char *csv_row = harness_text(db, q);
    /* the PDF's row names every day's run it read, the month ends too */
    snprintf(q, sizeof q,
             "SELECT count(*) FROM kpi.audit_log a,"
             " jsonb_array_elements_text(a.params->'days') d(id)"
             " WHERE a.audit_id = %s AND d.id::bigint IN (SELECT max(run_id) FROM kpi.run"
             " WHERE as_of BETWEEN '2026-07-01' AND '2026-09-30' GROUP BY as_of)",
             pdf_row);
    long days = harness_long(db, q);
    ck_assert_int_eq(days, harness_long(db, "SELECT count(DISTINCT as_of) FROM kpi.run"
                                            " WHERE as_of BETWEEN '2026-07-01' AND '2026-09-30'"));
    ck_assert_int_gt(days, 3);
    long day_run = harness_long(db, "SELECT max(run_id) FROM kpi.run WHERE as_of = '2026-08-10'");
    long nobodys = copy_run(db, "2026-08-10");
    copy_run(db, "2026-08-10");
    db_close(db);
    harness_compute(ci, "2026-09-30");
    /* a new export stands on the new runs: other bytes */
    args[6] = later;
    ck_assert_msg(harness_run(args, NULL, &out, &err) == 0, "%s", err);
    free(out);
    free(err);
    ck_assert_msg(!same_file(pdf, later), "a recompute changed nothing the PDF shows");

    ck_assert_int_eq(reproduce(pdf_row, again, &out, &err), 0);
    ck_assert_msg(strstr(out, "reproduced: the same bytes"), "%s%s", out, err);
    free(out);
    free(err);
    ck_assert_msg(same_file(pdf, again), "the PDF made again differs");
    ck_assert_int_eq(reproduce(csv_row, NULL, &out, &err), 0);
    ck_assert_msg(strstr(out, "reproduced: the same bytes"), "%s%s", out, err);
    free(out);
    free(err);
    /* to standard output: the bytes alone there, what is said on stderr */
    ck_assert_int_eq(reproduce(csv_row, "-", &out, &err), 0);
    struct buf csv_bytes = BUF_INIT;
    slurp(csv, &csv_bytes);
    ck_assert_msg(strcmp(out, csv_bytes.data) == 0, "standard output is not the CSV alone");
    ck_assert_msg(strstr(err, "reproduced: the same bytes"), "%s", err);
    buf_release(&csv_bytes);
    free(out);
    free(err);
    ck_assert(db_connect(ci, 0, &db));
    snprintf(q, sizeof q,
             "SELECT count(*) FROM kpi.audit_log WHERE action = 'export'"
             " AND params->>'via' = 'reproduce' AND params->>'of' = '%s'"
             " AND params->>'file' = '%s' AND params->'same_bytes' = 'true'",
             pdf_row, again);
    ck_assert_int_eq(harness_long(db, q), 1);

    /* a prune of every superseded run: the day's run the PDF read stays,
     * the copy between it and the newest goes */
    const char *prune[] = {"runs", "prune", "--keep-days", "1", "--db", ci, NULL};
    ck_assert_int_eq(harness_run(prune, NULL, &out, &err), 0);
    free(out);
    free(err);
    snprintf(q, sizeof q, "SELECT count(*) FROM kpi.run WHERE run_id IN (%ld, %ld)", day_run,
             nobodys);
    ck_assert_int_eq(harness_long(db, q), 1);
    snprintf(q, sizeof q, "SELECT count(*) FROM kpi.run WHERE run_id = %ld", day_run);
    ck_assert_int_eq(harness_long(db, q), 1);
    ck_assert_int_eq(reproduce(pdf_row, NULL, &out, &err), 0);
    free(out);
    free(err);

    /* a branch renamed since: other bytes from the same runs, said (exit
     * 1), the file written all the same for comparing, its row saying so */
    char *name = rename_branch(db);
    char renamed[256];
    snprintf(renamed, sizeof renamed, "%s/repro-renamed.csv", dir);
    ck_assert_int_eq(reproduce(csv_row, renamed, &out, &err), 1);
    ck_assert_msg(strstr(out, "not reproduced") && strstr(out, "a branch renamed"), "%s%s", out,
                  err);
    free(out);
    free(err);
    ck_assert_msg(!same_file(csv, renamed), "a renamed branch gave the same CSV");
    snprintf(q, sizeof q,
             "SELECT count(*) FROM kpi.audit_log WHERE params->>'of' = '%s'"
             " AND params->>'file' = '%s' AND params->'same_bytes' = 'false'",
             csv_row, renamed);
    ck_assert_int_eq(harness_long(db, q), 1);
    restore_branch(db, name);

    /* an export recorded before its days were: the runs finished then */
    snprintf(q, sizeof q,
             "INSERT INTO kpi.audit_log (at, who, action, params, outcome)"
             " SELECT at, who, action, params - 'days', outcome FROM kpi.audit_log"
             " WHERE audit_id = %s RETURNING audit_id::text",
             pdf_row);
    char *old_row = harness_text(db, q);
    ck_assert_int_eq(reproduce(old_row, NULL, &out, &err), 0);
    ck_assert_msg(strstr(out, "reproduced: the same bytes"), "%s%s", out, err);
    free(out);
    free(err);

    /* a run it read removed by hand: named, exit 1 */
    snprintf(q, sizeof q, "DELETE FROM kpi.run WHERE run_id = %ld", day_run);
    ck_assert(db_query(db, q, 0, NULL, NULL));
    ck_assert_int_eq(reproduce(pdf_row, NULL, &out, &err), 1);
    char want[80];
    snprintf(want, sizeof want, "run(s) %ld, which the export read, are no longer stored", day_run);
    ck_assert_msg(strstr(out, want), "%s", out);
    free(out);
    free(err);

    /* not a report's export, no such row, not a row id: exit 2, one line */
    char *prune_row = harness_text(db, "SELECT max(audit_id)::text FROM kpi.audit_log"
                                       " WHERE action = 'runs_prune'");
    ck_assert_int_eq(reproduce(prune_row, NULL, &out, &err), 2);
    ck_assert_msg(strstr(err, "is not a report's export"), "%s", err);
    free(out);
    free(err);
    ck_assert_int_eq(reproduce("999999999", NULL, &out, &err), 2);
    ck_assert_msg(strstr(err, "there is no audit row 999999999"), "%s", err);
    free(out);
    free(err);
    ck_assert_int_eq(reproduce("12x", NULL, &out, &err), 2);
    ck_assert_msg(strstr(err, "ID must be an audit row id") && !strchr(strchr(err, '\n') + 1, '\n'),
                  "%s", err);
    free(out);
    free(err);
    db_close(db);
    free(prune_row);
    free(old_row);
    free(pdf_row);
    free(csv_row);
}
END_TEST

/* A quarter older than the snapshot's history (the newest run of each
 * month for 24 months): the same bytes as when it was new (it was refused,
 * "no stored run", once a run two and a half years later was stored). Last:
 * it stores that run. */
START_TEST(an_old_quarter_reads_the_same)
{
    char now_csv[256], later_csv[256], *err = NULL;
    snprintf(now_csv, sizeof now_csv, "%s/old-now.csv", dir);
    snprintf(later_csv, sizeof later_csv, "%s/old-later.csv", dir);
    ck_assert_msg(report("2026Q3", "420100", now_csv, &err) == 0, "%s", err);
    free(err);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert(db_query(db,
                       "INSERT INTO kpi.run (as_of, started_at, finished_at, last_closed_month,"
                       " settings) SELECT date '2029-03-31', now(), now(), date '2029-02-01',"
                       " settings FROM kpi.run ORDER BY run_id DESC LIMIT 1",
                       0, NULL, NULL));
    db_close(db);
    ck_assert_msg(report("2026Q3", "420100", later_csv, &err) == 0, "%s", err);
    free(err);
    ck_assert_msg(same_file(now_csv, later_csv), "the old quarter's CSV changed");
    /* and over HTTP, from a daemon whose history no longer holds it: the
     * same bytes, the PDF too; a quarter without runs is still a 404 */
    struct harness_daemon d;
    harness_user_add(ci, "ma", "auditor", NULL, "a password nobody types");
    char *token = harness_token_add(ci, "ma"), auth[200], *body = NULL, http_csv[256];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    char *config_path = start_daemon(&d, "old");
    size_t len = 0;
    ck_assert_int_eq(harness_http_len(d.port, "GET", "/reports/2026Q3.csv?branch=420100", auth,
                                      &body, &len, NULL),
                     200);
    snprintf(http_csv, sizeof http_csv, "%s/old-http.csv", dir);
    FILE *f = fopen(http_csv, "wb");
    fwrite(body, 1, len, f);
    fclose(f);
    free(body);
    ck_assert_msg(same_file(now_csv, http_csv), "the old quarter's CSV over HTTP differs");
    ck_assert_int_eq(harness_http_len(d.port, "GET", "/reports/2026Q3.pdf?branch=420100", auth,
                                      &body, &len, NULL),
                     200);
    ck_assert(len > 1000 && !memcmp(body, "%PDF", 4));
    free(body);
    ck_assert_int_eq(harness_http(d.port, "GET", "/reports/2020Q1.csv", auth, &body, NULL), 404);
    ck_assert_msg(strstr(body, "no_run"), "%s", body);
    free(body);
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 10000), 0);
    free(d.log);
    unlink(config_path);
    free(config_path);
    free(token);
}
END_TEST

/* GET path as auth; the answer parsed (the caller json_decref()s), the
 * status checked. */
static json_t *get_json(int port, const char *auth, const char *path, long want)
{
    char *body = NULL;
    long status = harness_http(port, "GET", path, auth, &body, NULL);
    ck_assert_msg(status == want, "%s: %ld, want %ld: %s", path, status, want, body);
    json_t *j = json_loads(body, 0, NULL);
    ck_assert_msg(j, "%s: not JSON: %s", path, body);
    free(body);
    return j;
}

/* The route that makes audit row `row`'s export again. */
static void reproduction_path(char path[128], const char *row)
{
    snprintf(path, 128, "/api/v1/audit/%s/reproduction", row);
}

/* The reproduction of audit row `row` as auth: 200 and its verdict. */
static json_t *reproduction(int port, const char *auth, const char *row)
{
    char path[128];
    reproduction_path(path, row);
    return get_json(port, auth, path, 200);
}

/* A reproduction made on a thread of its own: its answer's status and body. */
struct held {
    int port;
    const char *auth, *row;
    long status;
    char *body;
};

static void *reproduce_held(void *arg)
{
    struct held *h = arg;
    char path[128];
    reproduction_path(path, h->row);
    h->status = harness_http(h->port, "GET", path, h->auth, &h->body, NULL);
    return NULL;
}

/* One at a time: while an export is made again (held at the runs, which
 * another session locks), a second asked for is told to retry (503
 * report_busy, Retry-After); the first then answers; a third is made. */
static void one_reproduction_at_a_time(int port, const char *auth, const char *row)
{
    struct db *holder = NULL;
    ck_assert(db_connect(ci, 0, &holder) && db_begin(holder));
    struct db_result *res = NULL;
    ck_assert(db_query(holder, "LOCK TABLE kpi.run IN ACCESS EXCLUSIVE MODE", 0, NULL, &res));
    db_result_free(res);
    struct held h = {.port = port, .auth = auth, .row = row};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, reproduce_held, &h), 0);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    long waiting = 0;
    for (int tries = 0; tries < 200 && !waiting; tries++) {
        usleep(50000);
        waiting = harness_long(db, "SELECT count(*) FROM pg_stat_activity"
                                   " WHERE datname = current_database()"
                                   " AND wait_event_type = 'Lock'"
                                   " AND query LIKE '%unnest($1::bigint[] || coalesce%'");
    }
    ck_assert_msg(waiting == 1, "the reproduction never waited at the runs");
    char path[128], *body = NULL, *headers = NULL;
    reproduction_path(path, row);
    ck_assert_int_eq(harness_http(port, "GET", path, auth, &body, &headers), 503);
    ck_assert_msg(strstr(body, "\"report_busy\""), "%s", body);
    ck_assert_msg(strstr(headers, "Retry-After: 1"), "%s", headers);
    free(body);
    free(headers);
    db_rollback(holder);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_msg(h.status == 200 && strstr(h.body, "\"same_bytes\""), "%ld %s", h.status, h.body);
    free(h.body);
    json_decref(reproduction(port, auth, row));
    db_close(holder);
    db_close(db);
}

/* The daemon makes an export again for an auditor, as `audit reproduce`
 * does: the same bytes for a CSV and a PDF exported over HTTP (the SHA-256
 * of the bytes downloaded); other bytes once a branch is renamed; the runs
 * named when they are gone; a row that is no export, none, or a path
 * that names none, refused; another role refused; each reproduction a row
 * of the log. */
START_TEST(the_daemon_makes_an_export_again)
{
    struct harness_daemon d;
    harness_user_add(ci, "qian", "auditor", NULL, "a password nobody types");
    harness_user_add(ci, "zhao", "executive", NULL, "a password nobody types");
    char *auditor = harness_token_add(ci, "qian"), *exec = harness_token_add(ci, "zhao");
    char auth[200], exec_auth[200], sha[DIGEST_HEX_LEN + 1], q[512], *body = NULL;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", auditor);
    snprintf(exec_auth, sizeof exec_auth, "Authorization: Bearer %s", exec);
    char *config_path = start_daemon(&d, "reproduce");
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    static const char *const formats[] = {"csv", "pdf"};
    char *rows[2];
    for (int i = 0; i < 2; i++) {
        char path[80];
        size_t len = 0;
        snprintf(path, sizeof path, "/reports/2026Q3.%s?branch=420101", formats[i]);
        ck_assert_int_eq(harness_http_len(d.port, "GET", path, auth, &body, &len, NULL), 200);
        digest_sha256_hex(body, len, sha);
        free(body);
        snprintf(q, sizeof q,
                 "SELECT max(audit_id)::text FROM kpi.audit_log WHERE who = 'qian'"
                 " AND action = 'export' AND params->>'format' = '%s' AND params->>'sha256' = '%s'",
                 formats[i], sha);
        /* the daemon writes its audit rows off the request's thread */
        rows[i] = NULL;
        for (int tries = 0; tries < 100 && !(rows[i] && *rows[i]); tries++) {
            free(rows[i]);
            usleep(50000);
            rows[i] = harness_text(db, q);
        }
        ck_assert_msg(rows[i] && *rows[i], "no export row of the %s's bytes", formats[i]);
        json_t *r = reproduction(d.port, auth, rows[i]);
        ck_assert_msg(json_is_true(json_object_get(r, "reproduced")), "%s", json_dumps(r, 0));
        ck_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "same_bytes");
        ck_assert_str_eq(json_string_value(json_object_get(r, "sha256")), sha);
        ck_assert_str_eq(json_string_value(json_object_get(r, "format")), formats[i]);
        ck_assert_str_eq(json_string_value(json_object_get(r, "exported_by")), "qian");
        ck_assert_int_eq(json_array_size(json_object_get(r, "runs")), 3);
        json_decref(r);
    }
    one_reproduction_at_a_time(d.port, auth, rows[0]);
    /* a branch renamed since: other bytes, said */
    char *name = rename_branch(db);
    json_t *r = reproduction(d.port, auth, rows[0]);
    ck_assert(json_is_false(json_object_get(r, "reproduced")));
    ck_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "other_bytes");
    ck_assert_str_ne(json_string_value(json_object_get(r, "sha256")),
                     json_string_value(json_object_get(r, "sha256_recorded")));
    json_decref(r);
    restore_branch(db, name);
    /* an export whose runs are gone: named, each once (a PDF's month end is
     * among its days too), nothing made */
    snprintf(q, sizeof q,
             "INSERT INTO kpi.audit_log (at, who, action, params, outcome)"
             " SELECT at, who, action, jsonb_set(jsonb_set(params, '{runs}',"
             " '[999999991, 999999992, %s]'), '{days}', '[999999991, %s]'),"
             " outcome FROM kpi.audit_log WHERE audit_id = %s RETURNING audit_id::text",
             "999999993", "999999993", rows[1]);
    char *gone_row = harness_text(db, q);
    r = reproduction(d.port, auth, gone_row);
    ck_assert_str_eq(json_string_value(json_object_get(r, "verdict")), "runs_gone");
    ck_assert(json_is_false(json_object_get(r, "reproduced")));
    ck_assert(json_is_null(json_object_get(r, "sha256")));
    ck_assert_int_eq(json_array_size(json_object_get(r, "runs_gone")), 3);
    ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(r, "runs_gone"), 0)),
                     999999991);
    json_decref(r);
    /* refused: no export, no row, no id; another role */
    char *other = harness_text(db, "SELECT min(audit_id)::text FROM kpi.audit_log"
                                   " WHERE action <> 'export'");
    char path[128];
    reproduction_path(path, other);
    r = get_json(d.port, auth, path, 400);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(r, "error"), "param")),
                     "id");
    json_decref(r);
    r = get_json(d.port, auth, "/api/v1/audit/999999999/reproduction", 404);
    json_decref(r);
    static const char *const not_ids[] = {"/api/v1/audit/0/reproduction",
                                          "/api/v1/audit/12x/reproduction", "/api/v1/audit/12/",
                                          "/api/v1/audit/"};
    for (size_t i = 0; i < sizeof not_ids / sizeof not_ids[0]; i++)
        json_decref(get_json(d.port, auth, not_ids[i], 404));
    reproduction_path(path, rows[0]);
    r = get_json(d.port, exec_auth, path, 403);
    json_decref(r);
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 10000), 0);
    free(d.log);
    /* each reproduction answered is a row: six verdicts (the busy one none) */
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM kpi.audit_log WHERE who = 'qian'"
                                      " AND action = 'audit_reproduce' AND outcome = 'ok'"),
                     6);
    snprintf(q, sizeof q,
             "SELECT count(*) FROM kpi.audit_log WHERE action = 'audit_reproduce'"
             " AND params->>'of' = '%s' AND params->>'verdict' = 'same_bytes'",
             rows[1]);
    ck_assert_int_eq(harness_long(db, q), 1);
    db_close(db);
    free(gone_row);
    free(other);
    free(rows[0]);
    free(rows[1]);
    unlink(config_path);
    free(config_path);
    free(auditor);
    free(exec);
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("csv");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, the_csv_is_complete_reproducible_and_verified);
    tcase_add_test(tc, the_pdf_has_every_branch_bookmarked_and_is_reproducible);
    tcase_add_test(tc, bad_quarters_are_clear_errors_and_write_nothing);
    tcase_add_test(tc, http_exports_are_scoped_and_audited);
    tcase_add_test(tc, refusals_in_a_loop_are_counted_not_each_written);
    tcase_add_test(tc, the_pdf_has_the_alarms_of_the_quarter_with_the_day_each_cleared);
    tcase_add_test(tc, the_runs_record_the_program_and_the_kpi_sql);
    tcase_add_test(tc, a_red_stretch_ended_by_no_data_is_not_cleared);
    tcase_add_test(tc, a_month_end_computed_again_is_the_reports);
    tcase_add_test(tc, a_month_end_computed_after_the_snapshot_is_not_exported_from_it);
    tcase_add_test(tc, a_month_end_corrected_before_a_later_one_is_flagged);
    tcase_add_test(tc, an_export_is_reproduced_after_a_recompute);
    tcase_add_test(tc, an_old_quarter_reads_the_same);
    tcase_add_test(tc, the_daemon_makes_an_export_again);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int failed = harness_run_suite(report_suite(), false);
    return failed ? 1 : 0;
}
