/* Unit tests of command-line parsing (cli_). */
#include "cli.h"
#include "date.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define MAXARGS 12

static bool parse(const char *const *words, struct cli_args *out, char *err, size_t errlen)
{
    char *argv[MAXARGS + 1] = {"retentiond"};
    int argc = 1;
    for (; words[argc - 1]; argc++)
        argv[argc] = (char *)words[argc - 1];
    return cli_parse(argc, argv, out, err, errlen);
}

START_TEST(good_command_lines)
{
    struct cli_args a;
    char err[256];
    const char *serve[] = {"serve", "--config", "/etc/x.conf", "--db=host=/tmp", NULL};
    ck_assert_msg(parse(serve, &a, err, sizeof err), "%s", err);
    ck_assert_int_eq(a.command, CLI_SERVE);
    ck_assert_str_eq(a.config, "/etc/x.conf");
    ck_assert_str_eq(a.db, "host=/tmp");

    const char *compute[] = {"compute", "--as-of", "2024-02-29", "--format", "table", NULL};
    ck_assert_msg(parse(compute, &a, err, sizeof err), "%s", err);
    ck_assert_int_eq(a.command, CLI_COMPUTE);
    ck_assert_str_eq(a.as_of, "2024-02-29");
    ck_assert_str_eq(a.format, "table");
    ck_assert(!a.if_changed);
    const char *if_changed[] = {"compute", "--as-of", "2024-02-29", "--if-changed", NULL};
    ck_assert_msg(parse(if_changed, &a, err, sizeof err), "%s", err);
    ck_assert(a.if_changed);

    const char *targets[] = {"targets", "import", "t.csv", NULL};
    ck_assert_msg(parse(targets, &a, err, sizeof err), "%s", err);
    ck_assert_str_eq(a.positional[1], "t.csv");

    const char *cohort[] = {"cohort", "--year", "2026", "--refreeze", NULL};
    ck_assert_msg(parse(cohort, &a, err, sizeof err), "%s", err);
    ck_assert(a.refreeze);

    const char *shards[] = {"migrate", "--shards", "host=a dbname=x", "host=b dbname=x", NULL};
    ck_assert_msg(parse(shards, &a, err, sizeof err), "%s", err);
    ck_assert(a.shards);
    ck_assert_int_eq(a.npositional, 2);
    ck_assert_str_eq(a.positional[1], "host=b dbname=x");

    const char *reproduce[] = {"audit", "reproduce", "42", "--out", "again.pdf", NULL};
    ck_assert_msg(parse(reproduce, &a, err, sizeof err), "%s", err);
    ck_assert_int_eq(a.command, CLI_AUDIT);
    ck_assert_str_eq(a.positional[1], "42");
    ck_assert_str_eq(a.out, "again.pdf");

    const char *since[] = {"audit", "--since", "2026-11-30T00:00:00+08:00", NULL};
    ck_assert_msg(parse(since, &a, err, sizeof err), "%s", err);
    ck_assert_str_eq(a.since, "2026-11-30T00:00:00+08:00");

    const char *help[] = {"compute", "--help", NULL};
    ck_assert(parse(help, &a, err, sizeof err));
    ck_assert(a.help);
    ck_assert_ptr_nonnull(strstr(cli_usage(a.command), "--as-of"));
    /* help COMMAND: the command's usage, not the overview */
    const char *help_serve[] = {"help", "serve", NULL};
    ck_assert(parse(help_serve, &a, err, sizeof err));
    ck_assert(a.help && a.command == CLI_SERVE);
    ck_assert_ptr_nonnull(strstr(cli_usage(a.command), "--config"));
}
END_TEST

static const struct {
    const char *words[MAXARGS];
    const char *error;
} bad[] = {
    {{NULL}, "missing command"},
    {{"frobnicate", NULL}, "unknown command 'frobnicate'"},
    {{"serve", "--verbose", NULL}, "unknown option '--verbose' for 'serve'"},
    {{"serve", "--as-of", "2024-01-01", NULL}, "unknown option '--as-of' for 'serve'"},
    {{"serve", "--config", NULL}, "option '--config' needs a value"},
    {{"compute", NULL}, "compute needs --as-of"},
    {{"compute", "--as-of", "2023-02-29", NULL}, "'2023-02-29' is not a date"},
    {{"compute", "--as-of", "2024-13-01", NULL}, "is not a date"},
    {{"compute", "--as-of", "24-01-01", NULL}, "is not a date"},
    {{"compute", "--as-of=2024-01-01", "--format", "xml", NULL}, "--format must be json or table"},
    {{"migrate", "extra", NULL}, "unexpected argument 'extra'"},
    {{"migrate", "--shards", NULL}, "needs one CONNINFO per shard"},
    {{"compute", "--as-of", "2024-01-01", "--shards", NULL}, "unknown option '--shards'"},
    {{"serve", "--if-changed", NULL}, "unknown option '--if-changed'"},
    {{"cohort", "--year", "26", "--refreeze", NULL}, "cohort needs --year YYYY"},
    {{"cohort", "--year", "2026", NULL}, "needs --refreeze"},
    {{"cohort", "--refreeze=yes", NULL}, "takes no value"},
    {{"targets", "export", "x", NULL}, "targets import FILE"},
    {{"version", "--log-level", "loud", NULL}, "--log-level must be"},
    {{"user", "add", "ex4", "--role", "executive", "--role", "admin", NULL},
     "option '--role' is given twice"},
    {{"bulletin", "--date", "2026-11-30", "--date=2026-11-29", "--out", "x.png", NULL},
     "option '--date' is given twice"},
    {{"cohort", "--year", "2026", "--refreeze", "--refreeze", NULL},
     "option '--refreeze' is given twice"},
    {{"bulletin", "--date", "2026-11-30", "--send", "--branch", "420101", NULL},
     "--send sends every branch's"},
    {{"report", "--quarter", "2026Q3", "--format", "pdf", "--out", "x.pdf", "--lang", "fr", NULL},
     "--lang must be zh or en"},
    {{"runs", NULL}, "usage: retentiond runs prune"},
    {{"runs", "prune", "all", NULL}, "usage: retentiond runs prune"},
    {{"runs", "prune", "--keep-days", "3661", NULL},
     "--keep-days must be a number of days 0..3660"},
    {{"runs", "prune", "--report-quarters", "401", NULL}, "--report-quarters must be a number"},
    {{"runs", "prune", "--report-quarters", "+4", NULL}, "--report-quarters must be a number"},
    {{"runs", "prune", "--send", NULL}, "unknown option '--send' for 'runs'"},
    {{"audit", "reproduce", "0", NULL}, "ID must be an audit row id"},
    {{"audit", "reproduce", "12x", NULL}, "ID must be an audit row id"},
    {{"audit", "reproduce", "1234567890123456789", NULL}, "ID must be an audit row id"},
    {{"audit", "reproduce", NULL}, "audit reproduce: its argument is missing (audit takes "},
    {{"audit", "reproduce", "12", "--limit", "3", NULL},
     "audit reproduce: an argument or option it does not take"},
    {{"audit", "--out", "x.csv", NULL}, "audit: an option it does not take"},
    {{"audit", "--since", "2026-11-30 08:00", NULL},
     "--since must be a date YYYY-MM-DD or an instant"},
    {{"audit", "verify", "x.csv", "--out", "y.csv", NULL},
     "audit verify: an argument or option it does not take"},
    {{"user", "frob", NULL},
     "user: unknown command 'frob' (it takes add|set|passwd|disable|enable NAME, or list)"},
    {{"user", "list", "extra", NULL}, "user list: an argument or option it does not take"},
    {{"user", NULL}, "user needs a command: add|set|passwd|disable|enable NAME, or list"},
    {{"token", "revoke", NULL}, "token revoke: its argument is missing"},
    {{"token", "\x1b[2J", NULL}, "token: unknown command (not a word)"},
    {{"report", "--quarter", "2026Q3", "--format", "xlsx", "--out", "r.x", NULL},
     "report --format must be csv or pdf"},
};

START_TEST(bad_command_lines_explain_themselves)
{
    struct cli_args a;
    char err[256] = "";
    ck_assert(!parse(bad[_i].words, &a, err, sizeof err));
    ck_assert_msg(strstr(err, bad[_i].error) != NULL, "got '%s', want '%s'", err, bad[_i].error);
    ck_assert_msg(strncmp(err, "retentiond: ", 12) == 0, "got '%s'", err);
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

static const struct {
    const char *text;
    bool valid;
} dates[] = {
    {"2024-02-29", true}, {"2023-02-28", true},  {"2023-02-29", false}, {"1900-02-29", false},
    {"2000-02-29", true}, {"2026-04-31", false}, {"2026-12-31", true},  {"2026-00-10", false},
    {"2026-1-10", false}, {"2026/01/10", false}, {"", false},           {"2026-01-10x", false},
};

START_TEST(date_validation)
{
    ck_assert_msg(date_valid(dates[_i].text) == dates[_i].valid, "%s", dates[_i].text);
}
END_TEST

static const struct {
    const char *text;
    bool valid;
} instants[] = {
    {"2026-11-29T16:00:00.000Z", true},
    {"2026-11-30T00:00:00+08:00", true},
    {"2026-11-30T23:59:59-11:30", true},
    {"2026-11-30T00:00:00.123456Z", true},
    {"2026-11-30T00:00:00Z", true},
    {"2026-11-30", false},
    {"2026-11-30T00:00Z", false},
    {"2026-11-30 00:00:00Z", false},
    {"2026-11-30T24:00:00Z", false},
    {"2026-11-30T00:60:00Z", false},
    {"2026-11-30T00:00:60Z", false},
    {"2026-02-30T00:00:00Z", false},
    {"2026-11-30T00:00:00", false},
    {"2026-11-30T00:00:00+0800", false},
    {"2026-11-30T00:00:00+24:00", false},
    {"2026-11-30T00:00:00.Z", false},
    {"2026-11-30T00:00:00.1234567Z", false},
    {"2026-11-30T00:00:00Zx", false},
    {"2026-11-30T0a:00:00Z", false},
    {"2026-11-30T00:00:00+08:00x", false},
};

START_TEST(instant_validation)
{
    ck_assert_msg(date_instant_valid(instants[_i].text) == instants[_i].valid, "%s",
                  instants[_i].text);
}
END_TEST

static Suite *cli_suite(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, good_command_lines);
    tcase_add_loop_test(tc, bad_command_lines_explain_themselves, 0,
                        (int)(sizeof bad / sizeof bad[0]));
    tcase_add_loop_test(tc, date_validation, 0, (int)(sizeof dates / sizeof dates[0]));
    tcase_add_loop_test(tc, instant_validation, 0, (int)(sizeof instants / sizeof instants[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cli_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
