/* Integration: the retentiond binary: CLI errors, migrate, and serve with
 * /healthz, error routes, HEAD, checked parameters, SIGHUP and SIGTERM. */
#include "harness.h"

#include <arpa/inet.h>
#include <check.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

START_TEST(cli_errors_exit_2_with_one_line)
{
    static const char *const cases[][4] = {{"bogus", NULL},
                                           {"serve", "--nope", NULL},
                                           {"compute", "--as-of", "2026-02-30", NULL},
                                           /* refused before the database is asked: none
                                            * here, and no id read as another (it was
                                            * 'no live token with id 9223372036854775807') */
                                           {"token", "revoke", "99999999999999999999", NULL},
                                           {"token", "revoke", "abc", NULL},
                                           {NULL}};
    for (int i = 0; cases[i][0]; i++) {
        char *out = NULL, *err = NULL;
        int rc = harness_run(cases[i], NULL, &out, &err);
        ck_assert_int_eq(rc, 2);
        ck_assert_int_eq(count_lines(err), 1);
        ck_assert_str_eq(out, "");
        free(out);
        free(err);
    }
    const char *version[] = {"version", NULL};
    char *out = NULL;
    ck_assert_int_eq(harness_run(version, NULL, &out, NULL), 0);
    ck_assert_ptr_nonnull(strstr(out, "retentiond "));
    free(out);
}
END_TEST

START_TEST(migrate_is_idempotent_and_leaves_dw_alone)
{
    char name[64];
    snprintf(name, sizeof name, "rt_it_migrate_%d", (int)getpid());
    char *ci = harness_create_db(name);
    const char *args[] = {"migrate", "--db", ci, NULL};
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(harness_run(args, NULL, &out, &err), 0);
    ck_assert_msg(strstr(out, "schema version ") != NULL, "%s", out);
    free(out);
    free(err);
    /* again, through RETENTIOND_DB this time: nothing new */
    const char *again[] = {"migrate", NULL};
    ck_assert_int_eq(harness_run(again, ci, &out, &err), 0);
    ck_assert_msg(strstr(out, "(0 migrations applied)") != NULL, "%s", out);
    free(out);
    free(err);
    struct db *db = NULL;
    ck_assert(db_connect(ci, 0, &db));
    ck_assert_int_ge(harness_long(db, "SELECT count(*) FROM kpi.schema_version"), 1);
    ck_assert_int_eq(harness_long(db, "SELECT count(*) FROM pg_namespace WHERE nspname = 'dw'"), 0);
    db_close(db);
    harness_drop_db(name);
    free(ci);
}
END_TEST

START_TEST(migrate_without_database_fails_cleanly)
{
    const char *args[] = {"migrate", "--db", "host=127.0.0.1 port=1 connect_timeout=2", NULL};
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(harness_run(args, NULL, &out, &err), 1);
    ck_assert_int_eq(count_lines(err), 1);
    /* a person's line naming where the connection string came from, and
     * libpq's reason in plain words: no log fields, no escaped tab */
    const char *want = "retentiond: cannot connect to the database (--db): connection to server "
                       "at '127.0.0.1', port 1 failed: Connection refused";
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
    ck_assert_msg(!strstr(err, "\\x") && !strstr(err, "level="), "%s", err);
    free(out);
    free(err);
    /* the same from RETENTIOND_DB, for another command */
    const char *compute[] = {"compute", "--as-of", "2026-03-31", NULL};
    ck_assert_int_eq(harness_run(compute, "host=127.0.0.1 port=1 connect_timeout=2", &out, &err),
                     1);
    ck_assert_int_eq(count_lines(err), 1);
    ck_assert_msg(strstr(err, "retentiond: cannot connect to the database (RETENTIOND_DB): ") ==
                      err,
                  "%s", err);
    free(out);
    free(err);
}
END_TEST

/* serve --config path (a static array: one call at a time) */
static const char *const *args_for(const char *path)
{
    static const char *args[] = {"serve", "--config", NULL, NULL};
    args[2] = path;
    return args;
}

START_TEST(bad_config_at_start_names_file_and_line)
{
    char *path = harness_temp_file("[http]\nport = 0\nlisten = 127.0.0.1\n[daemon]\nfoo = 1\n");
    const char *args[] = {"serve", "--config", path, NULL};
    char *out = NULL, *err = NULL;
    ck_assert_int_eq(harness_run(args, NULL, &out, &err), 1);
    char want[256];
    snprintf(want, sizeof want, "%s:5: unknown key 'foo' in section [daemon]", path);
    ck_assert_msg(strstr(err, want) != NULL, "%s", err);
    free(out);
    free(err);
    unlink(path);
    free(path);
    /* what a value names, refused the same way: one line naming the file
     * and the key (a font not installed, half a TLS pair, a key file
     * that cannot be read), not a log line */
    static const struct {
        const char *conf, *says;
    } named[] = {
        {"[charts]\nfont = Comic Nope\n", "[charts] font: font family 'Comic Nope'"},
        {"[http]\ntls_cert = /etc/hostname\n",
         "[http] tls_cert and tls_key go together: tls_key is not set"},
        {"[http]\ntls_cert = /etc/hostname\ntls_key = /no/such.pem\n",
         "[http] tls_key: cannot read /no/such.pem: No such file or directory"},
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        path = harness_temp_file(named[i].conf);
        ck_assert_int_eq(harness_run(args_for(path), NULL, &out, &err), 1);
        snprintf(want, sizeof want, "retentiond: %s: %s", path, named[i].says);
        ck_assert_msg(strncmp(err, want, strlen(want)) == 0 && count_lines(err) == 1, "%s", err);
        free(out);
        free(err);
        unlink(path);
        free(path);
    }
}
END_TEST

/* A port another process holds: the daemon does not start, and its one
 * error line says why (libmicrohttpd's reason, which was a warning line of
 * its own before it); nothing before it says the daemon serves. */
START_TEST(a_port_in_use_is_refused_with_its_reason)
{
    int holder = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    ck_assert(bind(holder, (struct sockaddr *)&a, sizeof a) == 0 && listen(holder, 1) == 0 &&
              getsockname(holder, (struct sockaddr *)&a, &alen) == 0);
    char conf[200], want[200];
    snprintf(conf, sizeof conf, "[bulletin]\nschedule = 0\n[http]\nlisten = 127.0.0.1\nport = %d\n",
             ntohs(a.sin_port));
    char *path = harness_temp_file(conf), *out = NULL, *err = NULL;
    ck_assert_int_eq(harness_run(args_for(path), NULL, &out, &err), 1);
    snprintf(want, sizeof want,
             "level=error msg=\"cannot listen\" listen=\"127.0.0.1\" port=%d reason=\"Failed to "
             "bind to port %d: Address already in use\"",
             ntohs(a.sin_port), ntohs(a.sin_port));
    ck_assert_msg(strstr(err, want) && !strstr(err, "msg=libmicrohttpd") &&
                      !strstr(err, "level=warn") && !strstr(err, "serving"),
                  "%s", err);
    free(out);
    free(err);
    close(holder);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(healthz_errors_reload_and_stop)
{
    char *path =
        harness_temp_file("[bulletin]\nschedule = 0\n[http]\nport = 0\nlisten = 127.0.0.1\n");
    struct harness_daemon d;
    ck_assert_msg(harness_daemon_start(&d, path, NULL), "%s", d.log ? d.log : "");
    /* the start says where the database settings came from (here none:
     * libpq's defaults), not what they are */
    ck_assert_msg(strstr(d.log, "database_from=libpq_defaults"), "%s", d.log);

    char *body = NULL;
    ck_assert_int_eq(harness_http(d.port, "GET", "/healthz", NULL, &body, NULL), 200);
    json_error_t jerr;
    json_t *j = json_loads(body, 0, &jerr);
    ck_assert_msg(j != NULL, "%s", body);
    ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "ok");
    ck_assert_ptr_nonnull(json_string_value(json_object_get(j, "version")));
    json_decref(j);
    free(body);

    ck_assert_int_eq(harness_http(d.port, "GET", "/no/such/route", NULL, &body, NULL), 404);
    j = json_loads(body, 0, &jerr);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                     "not_found");
    json_decref(j);
    free(body);
    ck_assert_int_eq(harness_http(d.port, "POST", "/healthz", NULL, &body, NULL), 405);
    free(body);

    /* an invalid config on SIGHUP is refused and the daemon keeps serving */
    FILE *f = fopen(path, "w");
    fputs("[http]\nport = banana\n", f);
    fclose(f);
    kill(d.pid, SIGHUP);
    ck_assert(harness_daemon_wait_log(&d, "config reload failed", 5000));
    ck_assert(harness_daemon_wait_log(&d, "banana", 5000));
    /* one log line that names the key and the line, as key=value fields;
     * nothing else about it (docs/configuration.md) */
    const char *line = strstr(d.log, "level=warn msg=\"config reload failed");
    ck_assert_ptr_nonnull(line);
    char *reason = strndup(line, strcspn(line, "\n"));
    char want[300];
    snprintf(want, sizeof want, "reason=\"%s:2: http.port: 'banana' is not an integer\"", path);
    ck_assert_msg(strstr(reason, want), "%s", d.log);
    ck_assert_msg(!strstr(d.log, "\nretentiond: "), "%s", d.log);
    free(reason);
    ck_assert_int_eq(harness_http(d.port, "GET", "/healthz", NULL, &body, NULL), 200);
    free(body);
    /* a font that is not installed: refused by the reload too (the next
     * start would refuse it), said once */
    f = fopen(path, "w");
    fputs("[bulletin]\nschedule = 0\n[http]\nport = 0\nlisten = 127.0.0.1\n[charts]\n"
          "font = Comic Nope\n",
          f);
    fclose(f);
    kill(d.pid, SIGHUP);
    ck_assert(harness_daemon_wait_log(&d, "[charts] font: font family 'Comic Nope'", 5000));
    ck_assert_msg(!strstr(d.log, "config reloaded"), "%s", d.log);
    ck_assert_int_eq(harness_http(d.port, "GET", "/healthz", NULL, &body, NULL), 200);
    free(body);

    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 5000), 0);
    ck_assert_ptr_nonnull(strstr(d.log, "msg=stopped"));
    free(d.log);
    unlink(path);
    free(path);
}
END_TEST

/* The value of header `name` in a block of response headers (malloc'd). */
static char *header_value(const char *headers, const char *name)
{
    const char *p = strstr(headers, name);
    ck_assert_msg(p != NULL, "no %s in %s", name, headers);
    p += strlen(name) + 2;
    return strndup(p, strcspn(p, "\r\n"));
}

static json_t *error_of(int port, const char *path, long status)
{
    char *body = NULL;
    ck_assert_int_eq(harness_http(port, "GET", path, NULL, &body, NULL), status);
    json_error_t jerr;
    json_t *j = json_loads(body, 0, &jerr);
    ck_assert_msg(j != NULL, "%s: not JSON: %s", path, body);
    free(body);
    json_t *e = json_incref(json_object_get(j, "error"));
    json_decref(j);
    return e;
}

/* HEAD, parameters that are repeated or not UTF-8, and a request line that
 * tries to break the log, against the daemon (no database needed: they are
 * answered before any handler). The new http keys are accepted. */
START_TEST(requests_are_checked_before_the_handlers)
{
    char *path = harness_temp_file(
        "[bulletin]\nschedule = 0\n[http]\nport = 0\nlisten = 127.0.0.1\nthreads = 1\n"
        "max_body = 1024\n[daemon]\nlog_level = debug\n");
    struct harness_daemon d;
    ck_assert_msg(harness_daemon_start(&d, path, NULL), "%s", d.log ? d.log : "");

    char *get = NULL, *get_headers = NULL, *head = NULL, *head_headers = NULL;
    ck_assert_int_eq(harness_http(d.port, "GET", "/healthz", NULL, &get, &get_headers), 200);
    ck_assert_int_eq(harness_http(d.port, "HEAD", "/healthz", NULL, &head, &head_headers), 200);
    ck_assert_str_eq(head, "");
    char *a = header_value(get_headers, "Content-Length"),
         *b = header_value(head_headers, "Content-Length");
    ck_assert_str_eq(a, b);
    ck_assert_uint_eq(strtoul(b, NULL, 10), strlen(get));
    free(a);
    free(b);
    a = header_value(get_headers, "Content-Type");
    b = header_value(head_headers, "Content-Type");
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    free(get);
    free(get_headers);
    free(head);
    free(head_headers);

    json_t *e = error_of(d.port, "/api/v1/kpis?%ff%fe=1", 400);
    ck_assert_str_eq(json_string_value(json_object_get(e, "code")), "invalid_encoding");
    ck_assert_str_eq(json_string_value(json_object_get(e, "param")), "\\xff\\xfe");
    json_decref(e);
    e = error_of(d.port, "/api/v1/kpis?date=2026-11-01&date=2026-11-02", 400);
    ck_assert_str_eq(json_string_value(json_object_get(e, "code")), "duplicate_parameter");
    ck_assert_str_eq(json_string_value(json_object_get(e, "param")), "date");
    json_decref(e);
    e = error_of(d.port, "/healthz%22%0Alevel=error%20msg=forged", 404);
    json_decref(e);
    ck_assert(harness_daemon_wait_log(&d, "forged\" client=127.0.0.1 status=404", 5000));
    ck_assert_msg(strstr(d.log, "\nlevel=error msg=forged") == NULL, "%s", d.log);

    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 5000), 0);
    free(d.log);
    unlink(path);
    free(path);
}
END_TEST

/* Occurrences of needle in text. */
static int count_in(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* On SIGHUP a key that needs a restart keeps its running value: the
 * warning names it on every reload until a restart, while a reloadable key
 * of the same file takes effect. */
START_TEST(reload_keeps_restart_keys)
{
    char *path = harness_temp_file(
        "[bulletin]\nschedule = 0\n[http]\nport = 0\nlisten = 127.0.0.1\nmax_connections = 64\n");
    struct harness_daemon d;
    ck_assert_msg(harness_daemon_start(&d, path, NULL), "%s", d.log ? d.log : "");
    FILE *f = fopen(path, "w");
    fputs("[bulletin]\nschedule = 0\n[http]\nport = 0\nlisten = 127.0.0.1\nmax_connections = 32\n"
          "[thresholds]\nbottom_n = 3\n",
          f);
    fclose(f);
    for (int i = 1; i <= 2; i++) {
        kill(d.pid, SIGHUP);
        for (int k = 0; k < 50 && count_in(d.log, "msg=\"config reloaded\"") < i; k++)
            harness_daemon_wait_log(&d, "\x01never", 100);
        ck_assert_int_eq(count_in(d.log, "msg=\"config reloaded\""), i);
        ck_assert_int_eq(count_in(d.log, "keys=http.max_connections"), i);
    }
    ck_assert_int_eq(harness_daemon_stop(&d, SIGTERM, 5000), 0);
    free(d.log);
    unlink(path);
    free(path);
}
END_TEST

static Suite *serve_suite(void)
{
    Suite *s = suite_create("serve");
    TCase *tc = tcase_create("binary");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, cli_errors_exit_2_with_one_line);
    tcase_add_test(tc, migrate_is_idempotent_and_leaves_dw_alone);
    tcase_add_test(tc, migrate_without_database_fails_cleanly);
    tcase_add_test(tc, a_port_in_use_is_refused_with_its_reason);
    tcase_add_test(tc, bad_config_at_start_names_file_and_line);
    tcase_add_test(tc, healthz_errors_reload_and_stop);
    tcase_add_test(tc, requests_are_checked_before_the_handlers);
    tcase_add_test(tc, reload_keeps_restart_keys);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int failed = harness_run_suite(serve_suite(), true);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
