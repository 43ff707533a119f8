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
    ck_assert_int_eq(c.bulletin_keep_days, 92);  /* a quarter of the archive */
    ck_assert_int_eq(c.runs_keep_days, 92);      /* superseded runs: a quarter */
    ck_assert_int_eq(c.runs_report_quarters, 0); /* every quarter's daily runs, for ever */
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
    {"[http]\nport = 1\nport2 = 1\nport = -1\n[x]\ny=1\n", 3, "unknown key 'port2'"},
    {"[http]\nport = -1\n[x]\ny=1\n", 2, "http.port: -1 is outside"},
    {"[http]\nport = 1\nport = 2\n", 3, "http.port is given twice"},
    /* the second time is what is wrong, not the value it carries */
    {"[http]\nport = 8080\n  port = 1\n", 3,
     "http.port is given twice (or continued on an indented line)"},
    {"[http]\nport = 1\nport = 80x\n", 3, "http.port is given twice"},
    {"[http\nport = 1\n", 1, "a section line without its ']'"},
    {"[database]\nconninfo = host=x dbname=y user=z password=w sslmode=verify-full "
     "sslrootcert=/etc/ssl/certs/a-rather-long-path-to-the-operators-root-certificate.pem "
     "sslcert=/etc/retentiond/client.crt sslkey=/etc/retentiond/client.key\n",
     2, "a line has at most 199"},
    {"[daemon]\ntimezone = Asia/Shangai\n", 2,
     "daemon.timezone: 'Asia/Shangai' is not a time zone"},
    {"[daemon]\ntimezone = ../../etc/passwd\n", 2, "is not a time zone"},
    {"[http]\nlisten = localhost\n", 2, "http.listen: 'localhost' is not a numeric"},
    {"[http]\nlisten = 999.1.1.1\n", 2, "is not a numeric"},
    {"[mail]\nsmtp_url = htp://mail.example\n", 2, "mail.smtp_url: 'htp://mail.example' is not"},
    {"[mail]\nfrom = not an address<<\n", 2, "mail.from: 'not an address<<' is not addr"},
    {"[mail]\nfrom = Desk <a@b.example> x\n", 2, "is not addr"},
    {"[bulletin]\nkeep_days = -1\n", 2, "bulletin.keep_days: -1 is outside 0..3660"},
    {"[bulletin]\nkeep_days = 3661\n", 2, "bulletin.keep_days: 3661 is outside 0..3660"},
    {"[bulletin]\nkeep_days = a quarter\n", 2, "bulletin.keep_days: 'a quarter' is not an integer"},
    {"[bulletin]\npublic_url = ftp:/x\n", 2, "bulletin.public_url: 'ftp:/x' is not an http"},
    {"[runs]\nkeep_days = -1\n", 2, "runs.keep_days: -1 is outside 0..3660"},
    {"[runs]\nkeep_days = 3661\n", 2, "runs.keep_days: 3661 is outside 0..3660"},
    {"[runs]\nreport_quarters = 401\n", 2, "runs.report_quarters: 401 is outside 0..400"},
    {"[runs]\nreport_quarters = all\n", 2, "runs.report_quarters: 'all' is not an integer"},
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

/* What the checks take: the forms the docs give. */
START_TEST(good_addresses_and_zones_are_taken)
{
    char *path = write_temp("[http]\nlisten = ::1\n[daemon]\ntimezone = UTC\n[mail]\n"
                            "smtp_url = smtps://mail.example:465\n"
                            "from = 留存日报 <desk@retention.example>\n"
                            "[bulletin]\npublic_url = https://kpi.example/\n");
    struct cfg c;
    char err[256] = "";
    ck_assert_msg(cfg_load(path, &c, err, sizeof err), "%s", err);
    ck_assert_str_eq(c.mail_from, "留存日报 <desk@retention.example>");
    cfg_free(&c);
    unlink(path);
}
END_TEST

/* A directory is not read as an empty file (every key its default). */
START_TEST(a_directory_is_not_a_config_file)
{
    struct cfg c;
    char err[256] = "";
    ck_assert(!cfg_load("/tmp", &c, err, sizeof err));
    ck_assert_str_eq(err, "/tmp: is not a regular file (a directory?)");
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

START_TEST(http_keys_defaults_and_ranges)
{
    struct cfg c;
    char err[128];
    cfg_defaults(&c);
    ck_assert_int_eq(c.max_body, 65536);
    ck_assert_int_eq(c.threads, 0);
    ck_assert(cfg_set(&c, "http", "threads", "64", err, sizeof err));
    ck_assert_int_eq(c.threads, 64);
    ck_assert(!cfg_set(&c, "http", "threads", "65", err, sizeof err));
    ck_assert_str_eq(err, "http.threads: 65 is outside 0..64");
    ck_assert(!cfg_set(&c, "http", "threads", "-1", err, sizeof err));
    ck_assert(!cfg_set(&c, "http", "max_body", "1023", err, sizeof err));
    ck_assert(!cfg_set(&c, "http", "max_body", "16777217", err, sizeof err));
    ck_assert(cfg_set(&c, "http", "max_body", "1024", err, sizeof err));
    ck_assert_int_eq(c.max_body, 1024);
    struct cfg d;
    char out[256];
    cfg_defaults(&d);
    ck_assert(cfg_unreloadable_changes(&d, &c, out, sizeof out));
    ck_assert_str_eq(out, "http.max_body,http.threads");
    cfg_free(&c);
    cfg_free(&d);
}
END_TEST

/* The cell `col` (0-based) of a Markdown table row, into out. */
static void cell(const char *row, int col, char *out, size_t n)
{
    const char *p = row;
    for (int i = 0; i < col && p; i++)
        p = strchr(p + 1, '|');
    size_t len = p ? strcspn(p + 1, "|") : 0;
    snprintf(out, n, "%.*s", (int)len, p ? p + 1 : "");
    char *s = out;
    while (*s == ' ')
        s++;
    memmove(out, s, strlen(s) + 1);
    for (size_t k = strlen(out); k > 0 && out[k - 1] == ' ';)
        out[--k] = '\0';
}

/* docs/configuration.md has one row per key of the table, in its order,
 * with its default and whether it reloads. */
START_TEST(the_documented_table_mirrors_the_keys)
{
    char path[512];
    snprintf(path, sizeof path, "%s/docs/configuration.md", getenv("RETENTIOND_SRCDIR"));
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s", path);
    size_t n, row = 0;
    const struct cfg_key *keys = cfg_keys(&n);
    char line[1024], section[64], name[64], def[128], reload[32];
    while (fgets(line, sizeof line, f)) {
        cell(line, 0, section, sizeof section);
        if (line[0] != '|' || strcmp(section, "section") == 0 || strncmp(section, "---", 3) == 0)
            continue;
        ck_assert_msg(row < n, "a row for no key: %s", line);
        cell(line, 1, name, sizeof name);
        cell(line, 2, def, sizeof def);
        cell(line, 4, reload, sizeof reload);
        ck_assert_str_eq(section, keys[row].section);
        ck_assert_str_eq(name, keys[row].name);
        ck_assert_str_eq(def, *keys[row].default_value ? keys[row].default_value : "(empty)");
        ck_assert_str_eq(reload, keys[row].reloadable ? "yes" : "restart");
        row++;
    }
    fclose(f);
    ck_assert_uint_eq(row, n);
}
END_TEST

/* docs/retentiond.conf.sample sets every key to its default. */
START_TEST(the_sample_sets_every_default)
{
    char path[512], err[256] = "";
    snprintf(path, sizeof path, "%s/docs/retentiond.conf.sample", getenv("RETENTIOND_SRCDIR"));
    struct cfg sample, defaults;
    ck_assert_msg(cfg_load(path, &sample, err, sizeof err), "%s", err);
    cfg_defaults(&defaults);
    size_t n;
    const struct cfg_key *keys = cfg_keys(&n);
    for (size_t i = 0; i < n; i++) {
        const char *a = (const char *)&sample + keys[i].offset;
        const char *b = (const char *)&defaults + keys[i].offset;
        if (keys[i].type == CFG_INT)
            ck_assert_msg(memcmp(a, b, sizeof(int)) == 0, "%s", keys[i].name);
        else
            ck_assert_str_eq(*(char *const *)(const void *)a, *(char *const *)(const void *)b);
    }
    FILE *f = fopen(path, "r");
    char line[512], section[64] = "";
    size_t named = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '[')
            sscanf(line, "[%63[^]]", section);
        /* a key of the section it is under: two sections may share a name */
        for (size_t i = 0; i < n; i++)
            named += strcmp(section, keys[i].section) == 0 &&
                     strncmp(line, keys[i].name, strlen(keys[i].name)) == 0 &&
                     line[strlen(keys[i].name)] == ' ';
    }
    fclose(f);
    ck_assert_uint_eq(named, n);
    cfg_free(&sample);
    cfg_free(&defaults);
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
    tcase_add_test(tc, good_addresses_and_zones_are_taken);
    tcase_add_test(tc, a_directory_is_not_a_config_file);
    tcase_add_test(tc, missing_file_is_an_error);
    tcase_add_test(tc, unreloadable_changes_are_named);
    tcase_add_test(tc, every_key_has_a_valid_default);
    tcase_add_test(tc, http_keys_defaults_and_ranges);
    tcase_add_test(tc, the_documented_table_mirrors_the_keys);
    tcase_add_test(tc, the_sample_sets_every_default);
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
