/* Integration: the systemd unit `meson install` puts beside the binary
 * (docs/retentiond.service.in, configured into the build directory) and
 * the daemon it runs. The unit is valid (`systemd-analyze verify`) and
 * hardened (`systemd-analyze security --offline`), and its user is made by
 * systemd-sysusers. A daemon serving a demo province, traced by strace
 * through a session (its start, the day's compute and the snapshot, the
 * day's bulletin archived and mailed to aiosmtpd on loopback, the pages,
 * the API, charts, the bulletin as HTML, PDF and PNG, a quarterly report
 * as PDF and CSV, a failed sign-in, a reload, a refresh and its stop),
 * made no system call outside the unit's SystemCallFilter= (the kernel
 * would answer EPERM), opened no socket of a family outside
 * RestrictAddressFamilies=, mapped no memory writable and executable nor
 * made any executable (MemoryDenyWriteExecute=), and wrote no file
 * outside its data and cache directories (ProtectSystem=strict: the rest
 * is read-only, EROFS). systemd is not running here: the unit is checked
 * as a file, the daemon as what the unit would allow
 * (tests/integration/service_check.py). Not in the session: HTTPS,
 * PostgreSQL over a Unix socket, and another user than the test's.
 *
 * Not built with the sanitizers (tests/integration/meson.build): their
 * run-time makes calls of its own, and LeakSanitizer stops the threads
 * through ptrace, which strace holds. */
#include "buf.h"
#include "harness.h"
#include "sink.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DATE "2026-11-22"

static char dbname[64], dir[300];
static char *ci;

/* The province with runs of DATE and 2026Q3's month ends (a report); the
 * test's files under the working directory (the build's). */
static void setup(void)
{
    snprintf(dbname, sizeof dbname, "rt_it_service_%d", (int)getpid());
    ci = harness_demo_db(dbname, 5, 3000, DATE);
    harness_compute(ci, "2026-07-31");
    harness_compute(ci, "2026-08-31");
    harness_compute(ci, "2026-09-30");
    harness_compute(ci, DATE);
    char cwd[256];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    snprintf(dir, sizeof dir, "%s/rt_it_service_%d", cwd, (int)getpid());
    ck_assert_int_eq(mkdir(dir, 0700), 0);
}

static void teardown(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    harness_drop_db(dbname);
    free(ci);
}

/* The configured unit with ExecStart on the binary under test (verify
 * checks that it exists: the installed one is not, here); its path. */
static char *unit_here(void)
{
    const char *unit = getenv("RETENTIOND_UNIT"), *bin = getenv("RETENTIOND_BIN");
    ck_assert_msg(unit && bin, "RETENTIOND_UNIT and RETENTIOND_BIN are set by meson");
    char *text = harness_read_file(unit);
    struct buf out = BUF_INIT;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "ExecStart=", 10) == 0) {
            const char *args = strstr(line, " serve ");
            ck_assert_ptr_nonnull(args);
            buf_printf(&out, "ExecStart=%s%s\n", bin, args);
        } else {
            buf_printf(&out, "%s\n", line);
        }
    }
    free(text);
    char path[400];
    snprintf(path, sizeof path, "%s/retentiond.service", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(out.data, f);
    ck_assert_int_eq(fclose(f), 0);
    buf_release(&out);
    return strdup(path);
}

/* The unit as installed is a valid unit, its sandbox scores "OK" or better
 * (exposure at most 2.0 of 10; 1.2 when written), and its user's
 * sysusers.d line makes the user. */
START_TEST(the_unit_is_valid_and_hardened)
{
    char *unit = unit_here(), cmd[1000];
    int status = 0;
    snprintf(cmd, sizeof cmd, "systemd-analyze verify '%s' 2>&1", unit);
    char *out = sink_shell(cmd, &status);
    ck_assert_msg(status == 0 && out[0] == '\0', "systemd-analyze verify: %s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "systemd-analyze security --offline=true --no-pager '%s' 2>&1", unit);
    out = sink_shell(cmd, &status);
    const char *at = strstr(out, "Overall exposure level for retentiond.service: ");
    double exposure = 10;
    ck_assert_msg(
        at && sscanf(at, "Overall exposure level for retentiond.service: %lf", &exposure) == 1,
        "no exposure level: %s", out);
    ck_assert_msg(exposure <= 2.0, "the unit's exposure is %.1f: %s", exposure, at);
    free(out);
    /* its user, as systemd-sysusers would make it (in a root of its own) */
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/root/etc' && systemd-sysusers --root='%s/root' --dry-run"
             " '%s/docs/retentiond.sysusers' 2>&1",
             dir, dir, getenv("RETENTIOND_SRCDIR"));
    out = sink_shell(cmd, &status);
    ck_assert_msg(status == 0 && strstr(out, "Creating user 'retentiond'"), "sysusers: %s", out);
    free(out);
    free(unit);
}
END_TEST

/* GET path with the bearer header; asserts the status. */
static void get(int port, const char *auth, const char *path, long want)
{
    char *body = NULL;
    size_t len = 0;
    long got = harness_http_len(port, "GET", path, auth, &body, &len, NULL);
    ck_assert_msg(got == want, "GET %s: %ld, not %ld", path, got, want);
    free(body);
}

/* A session of the daemon under strace -f (-s: whole paths); its trace. */
static void traced_session(const char *trace, const char *data, const char *cache)
{
    char config[1024], wrapper[600], cmd[800];
    struct sink mail;
    sink_start(&mail, NULL);
    /* the day's bulletin archived and mailed at once: due since 00:00, and
     * not waiting for a run of its own day */
    snprintf(config, sizeof config,
             "[http]\nport = 0\nlisten = 127.0.0.1\n[database]\nconninfo = %s\n[daemon]\n"
             "data_dir = %s\nrefresh_interval = 3600\n[mail]\nsmtp_url = %s\n"
             "from = retentiond <bulletin@hq.test>\nstarttls = 0\n[bulletin]\nsend_at = 00:00\n"
             "wait_minutes = 0\n",
             ci, data, mail.url);
    char *config_path = harness_temp_file(config);
    harness_user_add(ci, "zhao", "executive", NULL, "a password nobody types");
    harness_exec_on(ci, "UPDATE kpi.app_user SET email = 'zhao@hq.test' WHERE name = 'zhao'");
    char *token = harness_token_add(ci, "zhao"), auth[200];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    snprintf(wrapper, sizeof wrapper, "strace -D -f -qq -s 4096 -o %s", trace);
    setenv("RETENTIOND_WRAPPER", wrapper, 1);
    setenv("XDG_CACHE_HOME", cache, 1);
    struct harness_daemon d;
    bool started = harness_daemon_start(&d, config_path, NULL);
    unsetenv("RETENTIOND_WRAPPER");
    unsetenv("XDG_CACHE_HOME");
    ck_assert_msg(started, "%s", d.log ? d.log : "");
    /* auto_compute: today has no run, so the daemon computes one */
    ck_assert_msg(harness_daemon_wait_log(&d, "snapshot published", 120000), "%s", d.log);
    static const char *const pages[] = {
        "/",
        "/alarms",
        "/zones?branch=420100",
        "/reports",
        "/api/v1/kpis",
        "/api/v1/ranking?kpi=bundling_coverage",
        "/api/v1/zones/customers?branch=420101",
        "/charts/trend.png?kpi=retention_rate&branch=420100",
        "/charts/ranking.pdf?kpi=retention_rate",
        "/bulletins/" DATE,
        "/bulletins/" DATE "?format=pdf",
        "/bulletins/" DATE "?format=png&branch=420101",
        "/reports/2026Q3.pdf?branch=420101",
        "/reports/2026Q3.csv",
        "/metrics",
    };
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        get(d.port, auth, pages[i], 200);
    for (int tries = 0; tries < 1200 && sink_count(&mail) < 1; tries++)
        usleep(100000);
    ck_assert_msg(sink_count(&mail) == 1, "the day's bulletin was not mailed: %s", d.log);
    /* a sign-in with a wrong password (argon2 runs), then a reload and a
     * refresh (SIGUSR1: today's run computed again, unchanged) */
    snprintf(cmd, sizeof cmd,
             "curl -s -o /dev/null -w '%%{http_code}' --data 'user=zhao&password=wrong'"
             " http://127.0.0.1:%d/login",
             d.port);
    int status = 0;
    char *code = sink_shell(cmd, &status);
    ck_assert_msg(status == 0 && strcmp(code, "303") == 0, "POST /login: %s", code);
    free(code);
    ck_assert_int_eq(kill(d.pid, SIGHUP), 0);
    ck_assert(harness_daemon_wait_log(&d, "config reloaded", 20000));
    ck_assert_int_eq(kill(d.pid, SIGUSR1), 0);
    ck_assert(harness_daemon_wait_log(&d, "compute unchanged", 120000));
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 60000), 0);
    free(d.log);
    sink_stop(&mail);
    unlink(config_path);
    free(config_path);
    free(token);
}

/* Every system call the daemon made is one the unit lets it make, and
 * every file it wrote is in its data or cache directory. */
START_TEST(the_daemon_stays_within_its_unit)
{
    char trace[400], data[400], cache[400], cmd[2000];
    snprintf(trace, sizeof trace, "%s/strace.txt", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(cache, sizeof cache, "%s/cache", dir);
    ck_assert_int_eq(mkdir(data, 0750), 0);
    ck_assert_int_eq(mkdir(cache, 0750), 0);
    traced_session(trace, data, cache);
    char *unit = unit_here();
    /* not /tmp, which the unit leaves writable (PrivateTmp) but the daemon
     * does not write: were the test's directories under it (a checkout in
     * /tmp), a write that escapes the data directory would not show */
    snprintf(cmd, sizeof cmd,
             "%s '%s/tests/integration/service_check.py' '%s' '%s' '%s' '%s' /dev/null", PYTHON,
             getenv("RETENTIOND_SRCDIR"), unit, trace, data, cache);
    int status = 0;
    char *out = sink_shell(cmd, &status);
    json_t *facts = json_loads(out, 0, NULL);
    ck_assert_msg(status == 0 && facts, "service_check.py: %s", out);
    /* the session made calls enough to mean something */
    ck_assert_int_gt(json_integer_value(json_object_get(facts, "calls")), 5000);
    ck_assert_int_gt(json_integer_value(json_object_get(facts, "names")), 40);
    ck_assert_msg(json_array_size(json_object_get(facts, "outside")) == 0,
                  "system calls outside the unit's filter: %s", out);
    ck_assert_msg(json_array_size(json_object_get(facts, "writes")) == 0,
                  "files written outside the unit's writable directories: %s", out);
    ck_assert_msg(json_array_size(json_object_get(facts, "write_and_execute")) == 0,
                  "memory both writable and executable: %s", out);
    ck_assert_msg(json_array_size(json_object_get(facts, "families_outside")) == 0,
                  "sockets of families the unit refuses: %s", out);
    /* the sockets are seen: HTTP and PostgreSQL over TCP */
    ck_assert_msg(json_array_size(json_object_get(facts, "families")) >= 1, "%s", out);
    /* the writes are seen: the snapshot persisted in the data directory */
    char snapshot[450];
    snprintf(snapshot, sizeof snapshot, "%s/snapshot.json", data);
    bool seen = false;
    size_t i;
    json_t *path;
    json_array_foreach(json_object_get(facts, "written_inside"), i, path) seen =
        seen || strcmp(json_string_value(path), snapshot) == 0;
    ck_assert_msg(seen, "the snapshot's write was not seen: %s", out);
    json_decref(facts);
    free(out);
    free(unit);
}
END_TEST

static Suite *service_suite(void)
{
    Suite *s = suite_create("service");
    TCase *tc = tcase_create("unit");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 280);
    tcase_add_test(tc, the_unit_is_valid_and_hardened);
    tcase_add_test(tc, the_daemon_stays_within_its_unit);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int failed = harness_run_suite(service_suite(), false);
    return failed ? 1 : 0;
}
