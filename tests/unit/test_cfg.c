/* Unit tests of the configuration module (cfg_). */
#include "cfg.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *write_temp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/rtnd-cfg-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

START_TEST(defaults_are_documented_values)
{
    struct cfg c;
    cfg_defaults(&c);
    ck_assert_str_eq(c.listen, "127.0.0.1");
    ck_assert_int_eq(c.port, 8080);
    ck_assert_str_eq(c.conninfo, "");
    ck_assert_int_eq(c.statement_timeout, 60000);
    ck_assert_str_eq(c.timezone, "Asia/Shanghai");
    ck_assert_str_eq(c.log_level, "info");
    cfg_free(&c);
}
END_TEST

START_TEST(file_overrides_defaults)
{
    char *path = write_temp("; comment\n[http]\nport = 9090\nlisten = ::1\n"
                            "[database]\nconninfo = host=/tmp dbname=x\n"
                            "[daemon]\nlog_level = debug\n");
    struct cfg c;
    char err[256] = "";
    ck_assert_msg(cfg_load(path, &c, err, sizeof err), "%s", err);
    ck_assert_int_eq(c.port, 9090);
    ck_assert_str_eq(c.listen, "::1");
    ck_assert_str_eq(c.conninfo, "host=/tmp dbname=x");
    ck_assert_str_eq(c.log_level, "debug");
    ck_assert_int_eq(c.pool_size, 4); /* untouched default */
    cfg_free(&c);
    unlink(path);
}
END_TEST

/* Each bad file must fail with "path:line: reason". */
static const struct {
    const char *text;
    int line;
    const char *reason;
} bad_files[] = {
    {"[http]\nport = 70000\n", 2, "http.port: 70000 is outside 0..65535"},
    {"[http]\nport = 80x\n", 2, "http.port: '80x' is not an integer"},
    {"[http]\n\n\nbogus = 1\n", 4, "unknown key 'bogus' in section [http]"},
    {"[nosuch]\nport = 1\n", 2, "unknown section [nosuch]"},
    {"[daemon]\nlog_level = loud\n", 2, "daemon.log_level: 'loud' is not one of"},
    {"[http]\nport 8080\n", 2, "syntax error"},
    {"port = 1\n", 1, "unknown section []"},
    {"[http]\nport = 1\nport = -1\n[x]\ny=1\n", 3, "http.port: -1 is outside"},
};

START_TEST(bad_file_names_line_and_reason)
{
    char *path = write_temp(bad_files[_i].text);
    struct cfg c;
    char err[256] = "";
    ck_assert(!cfg_load(path, &c, err, sizeof err));
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s:%d: ", path, bad_files[_i].line);
    ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0, "got '%s', want prefix '%s'", err,
                  prefix);
    ck_assert_msg(strstr(err, bad_files[_i].reason) != NULL, "got '%s', want '%s'", err,
                  bad_files[_i].reason);
    ck_assert_ptr_null(c.listen); /* nothing half-loaded */
    unlink(path);
}
END_TEST

START_TEST(missing_file_is_an_error)
{
    struct cfg c;
    char err[256] = "";
    ck_assert(!cfg_load("/nonexistent/retentiond.conf", &c, err, sizeof err));
    ck_assert_str_eq(err, "/nonexistent/retentiond.conf: No such file or directory");
}
END_TEST

START_TEST(unreloadable_changes_are_named)
{
    struct cfg a, b;
    char err[128], out[256];
    cfg_defaults(&a);
    cfg_defaults(&b);
    ck_assert(!cfg_unreloadable_changes(&a, &b, out, sizeof out));
    ck_assert(cfg_set(&b, "http", "port", "1234", err, sizeof err));
    ck_assert(cfg_set(&b, "daemon", "log_level", "warn", err, sizeof err));
    ck_assert(cfg_unreloadable_changes(&a, &b, out, sizeof out));
    ck_assert_str_eq(out, "http.port");
    cfg_free(&a);
    cfg_free(&b);
}
END_TEST

START_TEST(every_key_has_a_valid_default)
{
    size_t n;
    const struct cfg_key *keys = cfg_keys(&n);
    ck_assert_int_gt(n, 8);
    for (size_t i = 0; i < n; i++) {
        struct cfg c;
        char err[128];
        cfg_defaults(&c);
        ck_assert_msg(
            cfg_set(&c, keys[i].section, keys[i].name, keys[i].default_value, err, sizeof err),
            "%s", err);
        ck_assert_ptr_nonnull(keys[i].help);
        cfg_free(&c);
    }
    cfg_free(NULL);
}
END_TEST

static Suite *cfg_suite(void)
{
    Suite *s = suite_create("cfg");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, defaults_are_documented_values);
    tcase_add_test(tc, file_overrides_defaults);
    tcase_add_loop_test(tc, bad_file_names_line_and_reason, 0,
                        (int)(sizeof bad_files / sizeof bad_files[0]));
    tcase_add_test(tc, missing_file_is_an_error);
    tcase_add_test(tc, unreloadable_changes_are_named);
    tcase_add_test(tc, every_key_has_a_valid_default);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cfg_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
