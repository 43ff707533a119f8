#include "cli.h"

#include "date.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct command_def {
    const char *name;
    enum cli_command command;
    const char *usage;
};

static const struct command_def commands[] = {
    {"serve", CLI_SERVE,
     "usage: retentiond serve [--config FILE] [--db CONNINFO] [--log-level LEVEL]\n"
     "  Serve the dashboard and the JSON API. FILE defaults to "
     "/etc/retentiond/retentiond.conf.\n"},
    {"migrate", CLI_MIGRATE,
     "usage: retentiond migrate [--db CONNINFO] [--shards CONNINFO...]\n"
     "  Create or upgrade retentiond's own schema (kpi). Never touches dw, except\n"
     "  with --shards: the schema on each shard too, then the coordinator's tables\n"
     "  keyed by subscriber (dw's and kpi's, empty) partitioned over the shards\n"
     "  (postgres_fdw; docs/scaling.md).\n"},
    {"compute", CLI_COMPUTE,
     "usage: retentiond compute --as-of YYYY-MM-DD [--if-changed] [--format json|table]\n"
     "         [--db CONNINFO]\n"
     "  Compute every KPI for that date, store it as one run and print it. With\n"
     "  --if-changed, a run identical to the date's newest stored run is not\n"
     "  stored: that run is printed (logged \"compute unchanged\").\n"},
    {"cohort", CLI_COHORT,
     "usage: retentiond cohort --year YYYY --refreeze [--db CONNINFO]\n"
     "  Re-take the frozen K1 cohort and K2 VIP snapshot of a year (logged);\n"
     "  the year's stored K5 zones are dropped and taken again by the next run.\n"},
    {"targets", CLI_TARGETS,
     "usage: retentiond targets import FILE [--db CONNINFO]\n"
     "  Import base/challenge targets from a CSV file.\n"},
    {"chart", CLI_CHART,
     "usage: retentiond chart --kind KIND --out FILE [--kpi KPI] [--branch CODE] [--dim DIM]\n"
     "         [--campaign ID] [--date YYYY-MM-DD] [--width N] [--height N] [--scale X]\n"
     "         [--format png|svg|pdf] [--font FAMILY] [--arrows cn|intl] [--db CONNINFO]\n"
     "  Draw one chart of the stored runs, as the daemon's /charts/KIND.FORMAT does.\n"
     "  KIND: trend, ranking, bullet, zones, panorama, sparkline. The format is FILE's\n"
     "  extension unless --format is given; FILE '-' writes to standard output.\n"},
    {"alarms", CLI_ALARMS,
     "usage: retentiond alarms list [--db CONNINFO]\n"
     "       retentiond alarms set KPI [--target-path linear|none] [--period day|month]\n"
     "         [--step N|none] [--recover-margin N] [--key-account-days N] [--db CONNINFO]\n"
     "  Show or change how each KPI's status is judged (docs/kpis.md): against the\n"
     "  path to its period-end targets or the targets directly, the previous period\n"
     "  (steps and transitions), the step that turns a fall red, the margin a red\n"
     "  value must clear to turn green, and (in_network_rate) for how many days a\n"
     "  diamond or gold member's cancellation keeps the branch red (1-366; 366: the\n"
     "  rest of the year). The next compute run uses them.\n"},
    {"user", CLI_USER,
     "usage: retentiond user add NAME --role ROLE [--branch CODE] [--email ADDR] --password-stdin\n"
     "                           [--temporary]\n"
     "       retentiond user set NAME [--role ROLE] [--branch CODE] [--email ADDR | --no-email]\n"
     "       retentiond user passwd NAME --password-stdin [--temporary]\n"
     "       retentiond user disable NAME\n"
     "       retentiond user enable NAME\n"
     "       retentiond user list\n"
     "  Manage who may sign in. ROLE: executive, branch_manager (with --branch: the\n"
     "  branch whose subtree they see), auditor, admin. The password is read from the\n"
     "  first line of standard input and stored as an argon2id hash; with --temporary\n"
     "  the user must change it on the page /account before anything else. 'set' changes a\n"
     "  user's role, branch or address (a role other than branch_manager drops the\n"
     "  branch). A new password, role or branch, or disabling a user, ends their\n"
     "  sessions. Every change is audited.\n"},
    {"token", CLI_TOKEN,
     "usage: retentiond token add --user NAME\n"
     "       retentiond token list [--user NAME]\n"
     "       retentiond token revoke ID\n"
     "  Bearer tokens for machine clients (Authorization: Bearer TOKEN). 'add' prints\n"
     "  the token once; only its SHA-256 is stored. 'list' shows every token's id, user,\n"
     "  creation, last use and revocation (never the token).\n"},
    {"audit", CLI_AUDIT,
     "usage: retentiond audit [--since DATE|INSTANT] [--action ACTION] [--limit N] [--before ID]\n"
     "       retentiond audit verify FILE\n"
     "       retentiond audit reproduce ID [--out FILE]\n"
     "  Print the audit log, newest first (default: the last 100 rows), a row a line:\n"
     "  id, time (UTC), who, action, outcome, client, parameters, detail. --before ID\n"
     "  gives the rows older than row ID (the next page). --since YYYY-MM-DD keeps\n"
     "  the rows from that day's 00:00 UTC on, --since 2026-11-30T00:00:00+08:00\n"
     "  those from that instant on. 'verify' says\n"
     "  whether FILE's bytes (their SHA-256) were exported, when, by whom and how,\n"
     "  or are a daily bulletin's, archived or served (exit 0), or neither (exit 1).\n"
     "  'reproduce' makes the quarterly report of export row ID again from the runs\n"
     "  it read, even after a recompute, and says whether its SHA-256 is the\n"
     "  export's (exit 0) or not (exit 1); --out writes it (an export of its own,\n"
     "  audited).\n"},
    {"report", CLI_REPORT,
     "usage: retentiond report --quarter YYYYQn [--branch CODE] --format csv|pdf --out FILE\n"
     "         [--lang zh|en] [--db CONNINFO]\n"
     "  Write the quarterly inspection report of a branch's subtree (default the\n"
     "  province) from the stored runs of the quarter's three month ends (docs/report.md):\n"
     "  CSV (RFC 4180, UTF-8 with BOM) or an A4 PDF. The export is recorded in the audit\n"
     "  log with its SHA-256. FILE '-' writes to standard output.\n"},
    {"bulletin", CLI_BULLETIN,
     "usage: retentiond bulletin --date YYYY-MM-DD --out FILE [--branch CODE]\n"
     "         [--format html|pdf|png] [--lang zh|en] [--font FAMILY] [--config FILE]\n"
     "         [--db CONNINFO]\n"
     "       retentiond bulletin --date YYYY-MM-DD --send [--config FILE] [--db CONNINFO]\n"
     "       retentiond bulletin log [--date YYYY-MM-DD] [--branch CODE] [--limit N]\n"
     "         [--config FILE] [--db CONNINFO]\n"
     "       retentiond bulletin prune [--keep-days N] [--dry-run] [--config FILE] [--db "
     "CONNINFO]\n"
     "       retentiond bulletin recipients add|remove CODE ADDR [--config FILE] [--db CONNINFO]\n"
     "       retentiond bulletin recipients list [--config FILE] [--db CONNINFO]\n"
     "  Write the daily bulletin (日通报) of a date, for the province or a branch, as the\n"
     "  mail's HTML, the A4 PDF or the MMS PNG (docs/bulletin.md), from the stored runs.\n"
     "  The format is FILE's extension unless --format is given; FILE '-' writes to\n"
     "  standard output.\n"
     "  --send archives and mails the date's bulletins as the daemon's schedule would\n"
     "  (the configuration's [mail] and [bulletin]), once: what was sent is not sent\n"
     "  again; failed deliveries of the date are tried again.\n"
     "  'log' prints the archive and its deliveries, newest first (default 50 bulletins),\n"
     "  and when a bulletin's files were pruned;\n"
     "  'prune' removes the archive's files of the dates more than N days before today\n"
     "  (default bulletin.keep_days, 92) that this host generated and that have no\n"
     "  delivery pending, as the daemon does once a day; their rows stay, marked pruned.\n"
     "  It prints a line per date (bulletins, files, bytes freed) and a total; --dry-run\n"
     "  changes nothing and prints what it would free. A pruned date is not mailed again.\n"
     "  'recipients' manages the extra addresses of a branch's bulletin (the province's\n"
     "  code: the province bulletin), beside the users with an e-mail address.\n"},
    {"runs", CLI_RUNS,
     "usage: retentiond runs prune [--keep-days N] [--report-quarters N] [--dry-run]\n"
     "         [--config FILE] [--db CONNINFO]\n"
     "  Remove the stored compute runs nobody reads (docs/kpis.md, \"Stored runs and their\n"
     "  retention\"), as the daemon does once a day, counted back from the newest run's\n"
     "  date: a run that is not the newest of its date, N days older or more (default\n"
     "  runs.keep_days, 92); with --report-quarters N (default runs.report_quarters, 0:\n"
     "  never), the daily runs of the quarters older than the newest N, once wholly\n"
     "  before the snapshot's history (daemon.history_days), each month's newest run\n"
     "  kept. Never a run a bulletin still in the archive or an export names. Each run\n"
     "  goes whole with its values, under the compute's lock, audited (runs_prune).\n"
     "  It prints a line per run and a total; --dry-run changes nothing and prints what\n"
     "  it would remove. --keep-days 0: nothing is removed.\n"},
    {"version", CLI_VERSION,
     "usage: retentiond version\n  Print the version and the SHA-256 of the KPI SQL (sql/kpi/), "
     "which\n"
     "  every run records.\n"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char overview[] =
    "usage: retentiond COMMAND [OPTIONS]\n"
    "\n"
    "Retention KPIs of mid/high-end mobile customers, from the operator's warehouse.\n"
    "\n"
    "commands:\n"
    "  serve     serve the dashboard and the JSON API\n"
    "  migrate   create or upgrade retentiond's own schema\n"
    "  compute   compute every KPI for a date and store the run\n"
    "  cohort    re-freeze the K1 cohort / K2 snapshot of a year\n"
    "  targets   import base/challenge targets\n"
    "  chart     draw one chart (PNG, SVG or PDF) of the stored runs\n"
    "  alarms    show or change how each KPI's status is judged\n"
    "  user      add, change, disable or list the users who may sign in\n"
    "  token     add or revoke bearer tokens for machine clients\n"
    "  audit     print the audit log\n"
    "  bulletin  write the daily bulletin (HTML, PDF or PNG) of a date\n"
    "  report    write the quarterly inspection report (CSV or PDF) of a quarter\n"
    "  runs      prune the stored compute runs nobody reads\n"
    "  version   print the version\n"
    "\n"
    "Every command takes --db CONNINFO; else RETENTIOND_DB; else libpq's defaults;\n"
    "and --log-level error|warn|info|debug (the log on stderr; default info).\n"
    "'retentiond COMMAND --help' describes one command.\n";

enum opt_kind { OPT_VALUE, OPT_FLAG };

struct option_def {
    const char *name;
    enum opt_kind kind;
    size_t offset;
    unsigned commands; /* bitmask of 1 << enum cli_command */
};

#define ALL_COMMANDS (~0u)
#define CMD(c)       (1u << (c))

static const struct option_def options[] = {
    {"--db", OPT_VALUE, offsetof(struct cli_args, db), ALL_COMMANDS},
    {"--log-level", OPT_VALUE, offsetof(struct cli_args, log_level), ALL_COMMANDS},
    {"--config", OPT_VALUE, offsetof(struct cli_args, config),
     CMD(CLI_SERVE) | CMD(CLI_BULLETIN) | CMD(CLI_RUNS)},
    {"--send", OPT_FLAG, offsetof(struct cli_args, send), CMD(CLI_BULLETIN)},
    {"--keep-days", OPT_VALUE, offsetof(struct cli_args, keep_days),
     CMD(CLI_BULLETIN) | CMD(CLI_RUNS)},
    {"--report-quarters", OPT_VALUE, offsetof(struct cli_args, report_quarters), CMD(CLI_RUNS)},
    {"--dry-run", OPT_FLAG, offsetof(struct cli_args, dry_run), CMD(CLI_BULLETIN) | CMD(CLI_RUNS)},
    {"--as-of", OPT_VALUE, offsetof(struct cli_args, as_of), CMD(CLI_COMPUTE)},
    {"--if-changed", OPT_FLAG, offsetof(struct cli_args, if_changed), CMD(CLI_COMPUTE)},
    {"--format", OPT_VALUE, offsetof(struct cli_args, format),
     CMD(CLI_COMPUTE) | CMD(CLI_CHART) | CMD(CLI_BULLETIN) | CMD(CLI_REPORT)},
    {"--kind", OPT_VALUE, offsetof(struct cli_args, kind), CMD(CLI_CHART)},
    {"--kpi", OPT_VALUE, offsetof(struct cli_args, kpi), CMD(CLI_CHART)},
    {"--branch", OPT_VALUE, offsetof(struct cli_args, branch),
     CMD(CLI_CHART) | CMD(CLI_BULLETIN) | CMD(CLI_REPORT)},
    {"--quarter", OPT_VALUE, offsetof(struct cli_args, quarter), CMD(CLI_REPORT)},
    {"--dim", OPT_VALUE, offsetof(struct cli_args, dim), CMD(CLI_CHART)},
    {"--campaign", OPT_VALUE, offsetof(struct cli_args, campaign), CMD(CLI_CHART)},
    {"--date", OPT_VALUE, offsetof(struct cli_args, date), CMD(CLI_CHART) | CMD(CLI_BULLETIN)},
    {"--width", OPT_VALUE, offsetof(struct cli_args, width), CMD(CLI_CHART)},
    {"--height", OPT_VALUE, offsetof(struct cli_args, height), CMD(CLI_CHART)},
    {"--scale", OPT_VALUE, offsetof(struct cli_args, scale), CMD(CLI_CHART)},
    {"--font", OPT_VALUE, offsetof(struct cli_args, font), CMD(CLI_CHART) | CMD(CLI_BULLETIN)},
    {"--arrows", OPT_VALUE, offsetof(struct cli_args, arrows), CMD(CLI_CHART)},
    {"--out", OPT_VALUE, offsetof(struct cli_args, out),
     CMD(CLI_CHART) | CMD(CLI_BULLETIN) | CMD(CLI_REPORT) | CMD(CLI_AUDIT)},
    {"--lang", OPT_VALUE, offsetof(struct cli_args, lang), CMD(CLI_BULLETIN) | CMD(CLI_REPORT)},
    {"--shards", OPT_FLAG, offsetof(struct cli_args, shards), CMD(CLI_MIGRATE)},
    {"--year", OPT_VALUE, offsetof(struct cli_args, year), CMD(CLI_COHORT)},
    {"--refreeze", OPT_FLAG, offsetof(struct cli_args, refreeze), CMD(CLI_COHORT)},
    {"--target-path", OPT_VALUE, offsetof(struct cli_args, target_path), CMD(CLI_ALARMS)},
    {"--period", OPT_VALUE, offsetof(struct cli_args, period), CMD(CLI_ALARMS)},
    {"--step", OPT_VALUE, offsetof(struct cli_args, step), CMD(CLI_ALARMS)},
    {"--recover-margin", OPT_VALUE, offsetof(struct cli_args, recover_margin), CMD(CLI_ALARMS)},
    {"--key-account-days", OPT_VALUE, offsetof(struct cli_args, key_account_days), CMD(CLI_ALARMS)},
    {"--role", OPT_VALUE, offsetof(struct cli_args, role), CMD(CLI_USER)},
    {"--branch", OPT_VALUE, offsetof(struct cli_args, user_branch), CMD(CLI_USER)},
    {"--email", OPT_VALUE, offsetof(struct cli_args, email), CMD(CLI_USER)},
    {"--no-email", OPT_FLAG, offsetof(struct cli_args, no_email), CMD(CLI_USER)},
    {"--temporary", OPT_FLAG, offsetof(struct cli_args, temporary), CMD(CLI_USER)},
    {"--password-stdin", OPT_FLAG, offsetof(struct cli_args, password_stdin), CMD(CLI_USER)},
    {"--user", OPT_VALUE, offsetof(struct cli_args, user), CMD(CLI_TOKEN)},
    {"--since", OPT_VALUE, offsetof(struct cli_args, since), CMD(CLI_AUDIT)},
    {"--action", OPT_VALUE, offsetof(struct cli_args, action), CMD(CLI_AUDIT)},
    {"--before", OPT_VALUE, offsetof(struct cli_args, before), CMD(CLI_AUDIT)},
    {"--limit", OPT_VALUE, offsetof(struct cli_args, limit), CMD(CLI_AUDIT) | CMD(CLI_BULLETIN)},
};

#define NOPTIONS (sizeof options / sizeof options[0])

static bool valid_year(const char *t)
{
    if (strlen(t) != 4)
        return false;
    for (int i = 0; i < 4; i++) {
        if (!isdigit((unsigned char)t[i]))
            return false;
    }
    return atoi(t) >= 1900;
}

/* The option of that name for that command (a name may mean a field of
 * its own for each command, e.g. --branch). */
static const struct option_def *find_option(const char *name, size_t namelen,
                                            enum cli_command command)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        if (strlen(options[i].name) == namelen && strncmp(options[i].name, name, namelen) == 0 &&
            (options[i].commands & CMD(command)))
            return &options[i];
    }
    return NULL;
}

static bool parse_option(int argc, char **argv, int *i, struct cli_args *out, char *err,
                         size_t errlen)
{
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    size_t namelen = eq ? (size_t)(eq - arg) : strlen(arg);
    const struct option_def *opt = find_option(arg, namelen, out->command);
    if (!opt) {
        snprintf(err, errlen, "retentiond: unknown option '%.*s' for '%s'", (int)namelen, arg,
                 argv[1]);
        return false;
    }
    char *base = (char *)out;
    /* given twice: refused, not the last one taken (--role executive
     * --role admin must not make an admin) */
    bool twice = opt->kind == OPT_FLAG ? *(bool *)(void *)(base + opt->offset)
                                       : *(const char **)(void *)(base + opt->offset) != NULL;
    if (twice) {
        snprintf(err, errlen, "retentiond: option '%s' is given twice", opt->name);
        return false;
    }
    if (opt->kind == OPT_FLAG) {
        if (eq) {
            snprintf(err, errlen, "retentiond: option '%s' takes no value", opt->name);
            return false;
        }
        *(bool *)(void *)(base + opt->offset) = true;
        return true;
    }
    const char *value = eq ? eq + 1 : NULL;
    if (!value) {
        if (*i + 1 >= argc) {
            snprintf(err, errlen, "retentiond: option '%s' needs a value", opt->name);
            return false;
        }
        value = argv[++*i];
    }
    *(const char **)(void *)(base + opt->offset) = value;
    return true;
}

/* The positional shape of bulletin: none (render or send), log, prune,
 * recipients list, recipients add|remove CODE ADDR. */
static bool bulletin_shape(const struct cli_args *a)
{
    const char *const *p = a->positional;
    bool pruning = a->npositional == 1 && strcmp(p[0], "prune") == 0;
    if ((a->keep_days || a->dry_run) && !pruning)
        return false;
    if (a->npositional == 0)
        return true;
    if (strcmp(p[0], "log") == 0)
        return a->npositional == 1 && !a->send && !a->out;
    if (pruning)
        return !a->send && !a->out && !a->date && !a->branch && !a->limit && !a->format &&
               !a->lang && !a->font;
    if (strcmp(p[0], "recipients") != 0 || a->send || a->out || a->date)
        return false;
    if (a->npositional == 2)
        return strcmp(p[1], "list") == 0;
    return a->npositional == 4 && (strcmp(p[1], "add") == 0 || strcmp(p[1], "remove") == 0);
}

/* 1..10000 */
static bool valid_count(const char *text)
{
    char *end = NULL;
    long n = strtol(text, &end, 10);
    return end != text && *end == '\0' && n >= 1 && n <= 10000;
}

/* 0..3660, bulletin.keep_days's range: digits only, no sign or space. */
static bool valid_keep_days(const char *text)
{
    size_t n = strspn(text, "0123456789");
    return n > 0 && n <= 4 && text[n] == '\0' && atoi(text) <= 3660;
}

/* 0..400, runs.report_quarters's range: digits only. */
static bool valid_quarters(const char *text)
{
    size_t n = strspn(text, "0123456789");
    return n > 0 && n <= 3 && text[n] == '\0' && atoi(text) <= 400;
}

/* runs prune [--keep-days N] [--report-quarters N] [--dry-run]. */
static bool validate_runs(const struct cli_args *a, char *err, size_t errlen)
{
    if (a->npositional != 1 || strcmp(a->positional[0], "prune") != 0) {
        snprintf(err, errlen,
                 "retentiond: usage: retentiond runs prune [--keep-days N] "
                 "[--report-quarters N] [--dry-run]");
        return false;
    }
    if (a->keep_days && !valid_keep_days(a->keep_days)) {
        snprintf(err, errlen,
                 "retentiond: --keep-days must be a number of days 0..3660 (0: every run is "
                 "kept)");
        return false;
    }
    if (a->report_quarters && !valid_quarters(a->report_quarters)) {
        snprintf(err, errlen,
                 "retentiond: --report-quarters must be a number of quarters 0..400 (0: every "
                 "quarter's daily runs are kept)");
        return false;
    }
    return true;
}

/* An audit row id: 1 to 18 digits, not 0. */
static bool valid_row_id(const char *t)
{
    size_t n = strlen(t);
    return n >= 1 && n <= 18 && strspn(t, "0123456789") == n && strspn(t, "0") < n;
}

/* The positional shape of user, token and audit. */
/* The commands of user, token and audit: each one's name, whether it takes
 * an argument (NAME, ID, FILE), and the forms said when one is wrong. */
struct access_verb {
    const char *name;
    bool takes_arg;
};

static const struct access_form {
    enum cli_command command;
    const char *name, *forms;
    struct access_verb verbs[7]; /* up to a NULL name */
} access_forms[] = {
    {CLI_USER,
     "user",
     "add|set|passwd|disable|enable NAME, or list",
     {{"add", true},
      {"set", true},
      {"passwd", true},
      {"disable", true},
      {"enable", true},
      {"list", false}}},
    {CLI_TOKEN,
     "token",
     "add --user NAME, list, or revoke ID",
     {{"add", false}, {"list", false}, {"revoke", true}}},
    {CLI_AUDIT,
     "audit",
     "[--action A] [--since D] [--limit N] [--before ID], verify FILE, or reproduce ID "
     "[--out FILE]",
     {{"verify", true}, {"reproduce", true}}},
};

/* The form of user, token or audit (validate() calls for no other). */
static const struct access_form *access_form_of(enum cli_command command)
{
    size_t k = 0;
    while (k + 1 < sizeof access_forms / sizeof access_forms[0] &&
           access_forms[k].command != command)
        k++;
    return &access_forms[k];
}

/* Verb of f named name, or NULL. */
static const struct access_verb *access_verb_of(const struct access_form *f, const char *name)
{
    for (const struct access_verb *v = f->verbs; name && v->name; v++)
        if (strcmp(v->name, name) == 0)
            return v;
    return NULL;
}

/* The positional shape of user, token and audit: a known command with its
 * argument or without; audit alone prints the log, and its reproduce takes
 * --out but no filter, the others no --out. */
static bool access_shape(const struct cli_args *a)
{
    if (a->npositional == 0)
        return a->command == CLI_AUDIT && !a->out;
    const struct access_verb *v = access_verb_of(access_form_of(a->command), a->positional[0]);
    if (!v || a->npositional != (v->takes_arg ? 2 : 1))
        return false;
    if (a->command != CLI_AUDIT)
        return true;
    return strcmp(v->name, "reproduce") == 0 ? !a->since && !a->action && !a->limit && !a->before
                                             : !a->out;
}

/* What is wrong with the positional shape of user, token or audit, in
 * err: the command missing or unknown (named when it is a word), or its
 * argument missing or extra; with the forms it takes. */
static void access_shape_said(const struct cli_args *a, char *err, size_t errlen)
{
    const struct access_form *f = access_form_of(a->command);
    const char *verb = a->npositional ? a->positional[0] : NULL;
    const struct access_verb *v = access_verb_of(f, verb);
    bool word = verb && *verb && strlen(verb) <= 20 &&
                strspn(verb, "abcdefghijklmnopqrstuvwxyz_-") == strlen(verb);
    if (!verb && a->command != CLI_AUDIT) /* audit alone prints the log */
        snprintf(err, errlen, "retentiond: %s needs a command: %s", f->name, f->forms);
    else if (!verb)
        snprintf(err, errlen, "retentiond: audit: an option it does not take (it takes %s)",
                 f->forms);
    else if (!v)
        snprintf(err, errlen, "retentiond: %s: unknown command %s%s%s (it takes %s)", f->name,
                 word ? "'" : "", word ? verb : "(not a word)", word ? "'" : "", f->forms);
    else
        snprintf(err, errlen, "retentiond: %s %s: %s (%s takes %s)", f->name, verb,
                 v->takes_arg && a->npositional < 2 ? "its argument is missing"
                                                    : "an argument or option it does not take",
                 f->name, f->forms);
}

static bool validate_access(const struct cli_args *a, char *err, size_t errlen)
{
    const char *verb = a->npositional ? a->positional[0] : "";
    const char *bad = NULL;
    if (!access_shape(a)) {
        access_shape_said(a, err, errlen);
        return false;
    }
    if (a->command == CLI_USER && (strcmp(verb, "add") == 0 || strcmp(verb, "passwd") == 0) &&
        !a->password_stdin)
        bad = "retentiond: user add/passwd read the password with --password-stdin";
    else if (a->command == CLI_USER && strcmp(verb, "add") == 0 && !a->role)
        bad = "retentiond: user add needs --role ROLE";
    else if (a->command == CLI_USER && strcmp(verb, "add") != 0 && strcmp(verb, "set") != 0 &&
             (a->role || a->user_branch || a->email || a->no_email))
        bad = "retentiond: --role, --branch, --email and --no-email go with user add or set";
    else if (a->command == CLI_USER && strcmp(verb, "add") == 0 && a->no_email)
        bad = "retentiond: user add takes --email ADDR or none, not --no-email";
    else if (a->command == CLI_USER && a->password_stdin && strcmp(verb, "add") != 0 &&
             strcmp(verb, "passwd") != 0)
        bad = "retentiond: --password-stdin goes with user add or passwd";
    else if (a->command == CLI_USER && a->temporary && !a->password_stdin)
        bad = "retentiond: --temporary goes with user add or passwd";
    else if (a->command == CLI_TOKEN && strcmp(verb, "add") == 0 && !a->user)
        bad = "retentiond: token add needs --user NAME";
    else if (a->since && !date_valid(a->since) && !date_instant_valid(a->since))
        bad = "retentiond: --since must be a date YYYY-MM-DD or an instant such as "
              "2026-11-30T00:00:00+08:00";
    else if (a->command == CLI_AUDIT && strcmp(verb, "reproduce") == 0 &&
             !valid_row_id(a->positional[1]))
        bad = "retentiond: audit reproduce ID: ID must be an audit row id (a whole number from 1)";
    if (bad)
        snprintf(err, errlen, "%s", bad);
    return bad == NULL;
}

/* --out: standard output ("-"), or a regular file (replaced whole) or a
 * new one in a directory that exists. A device, a directory, a link or a
 * pipe is refused: the file goes to a temporary name renamed over the
 * path, which would put a file in its place (/dev/null made a file). */
static bool out_path_ok(const char *path, char *err, size_t errlen)
{
    char q[300], *dir = NULL;
    struct stat st;
    const char *why = NULL;
    if (strcmp(path, "-") == 0)
        return true;
    int there = *path ? lstat(path, &st) : -1;
    if (!*path)
        why = "is empty: give a file name, or - for standard output";
    else if (there == 0 && !S_ISREG(st.st_mode))
        why = "is not a regular file (a directory, a device, a link or a pipe): nothing is "
              "written over it";
    else if (there != 0 && errno == ENOENT) {
        dir = strdup(path);
        if (dir && (stat(dirname(dir), &st) != 0 || !S_ISDIR(st.st_mode)))
            why = "is in a directory that does not exist";
    }
    free(dir);
    if (why)
        snprintf(err, errlen, "retentiond: --out \"%s\" %s", log_quote(q, sizeof q, path), why);
    return why == NULL;
}

static bool validate(const struct cli_args *a, char *err, size_t errlen)
{
    enum log_level level;
    if (a->out && !out_path_ok(a->out, err, errlen))
        return false;
    if (a->log_level && !log_level_parse(a->log_level, &level)) {
        snprintf(err, errlen, "retentiond: --log-level must be error, warn, info or debug");
        return false;
    }
    if (a->command == CLI_COMPUTE) {
        if (!a->as_of) {
            snprintf(err, errlen, "retentiond: compute needs --as-of YYYY-MM-DD");
            return false;
        }
        if (!date_valid(a->as_of)) {
            snprintf(err, errlen, "retentiond: --as-of '%s' is not a date (YYYY-MM-DD)", a->as_of);
            return false;
        }
        if (a->format && strcmp(a->format, "json") != 0 && strcmp(a->format, "table") != 0) {
            snprintf(err, errlen, "retentiond: --format must be json or table");
            return false;
        }
    }
    if (a->command == CLI_CHART) {
        if (!a->kind || !a->out) {
            snprintf(err, errlen, "retentiond: chart needs --kind KIND and --out FILE");
            return false;
        }
        if (a->date && !date_valid(a->date)) {
            snprintf(err, errlen, "retentiond: --date '%s' is not a date (YYYY-MM-DD)", a->date);
            return false;
        }
        if (a->arrows && strcmp(a->arrows, "cn") != 0 && strcmp(a->arrows, "intl") != 0) {
            snprintf(err, errlen, "retentiond: --arrows must be cn or intl");
            return false;
        }
    }
    if (a->command == CLI_BULLETIN && !bulletin_shape(a)) {
        snprintf(err, errlen,
                 "retentiond: usage: retentiond bulletin --date D --out FILE | --date D "
                 "--send | log | prune [--keep-days N] [--dry-run] | recipients add|remove "
                 "CODE ADDR | recipients list");
        return false;
    }
    if (a->command == CLI_BULLETIN && a->npositional == 0) {
        if (!a->date || (!a->out && !a->send) || (a->out && a->send)) {
            snprintf(
                err, errlen,
                "retentiond: bulletin needs --date YYYY-MM-DD and either --out FILE or --send");
            return false;
        }
        if (!date_valid(a->date)) {
            snprintf(err, errlen, "retentiond: --date '%s' is not a date (YYYY-MM-DD)", a->date);
            return false;
        }
        if (a->send && a->branch) {
            snprintf(err, errlen,
                     "retentiond: bulletin --send sends every branch's, as the schedule would: "
                     "no --branch");
            return false;
        }
    }
    if ((a->command == CLI_BULLETIN || a->command == CLI_REPORT) && a->lang &&
        strcmp(a->lang, "zh") != 0 && strcmp(a->lang, "en") != 0) {
        snprintf(err, errlen, "retentiond: --lang must be zh or en");
        return false;
    }
    if (a->command == CLI_REPORT && (!a->quarter || !a->out || !a->format)) {
        snprintf(err, errlen,
                 "retentiond: report needs --quarter YYYYQn, --format csv|pdf and "
                 "--out FILE");
        return false;
    }
    if (a->command == CLI_REPORT && strcmp(a->format, "csv") != 0 &&
        strcmp(a->format, "pdf") != 0) {
        snprintf(err, errlen, "retentiond: report --format must be csv or pdf");
        return false;
    }
    if (a->command == CLI_COHORT) {
        if (!a->year || !valid_year(a->year)) {
            snprintf(err, errlen, "retentiond: cohort needs --year YYYY");
            return false;
        }
        if (!a->refreeze) {
            snprintf(err, errlen, "retentiond: cohort needs --refreeze (the only action)");
            return false;
        }
    }
    if (a->command == CLI_TARGETS &&
        (a->npositional != 2 || strcmp(a->positional[0], "import") != 0)) {
        snprintf(err, errlen, "retentiond: usage: retentiond targets import FILE");
        return false;
    }
    if (a->command == CLI_ALARMS &&
        !(a->npositional == 1 && strcmp(a->positional[0], "list") == 0) &&
        !(a->npositional == 2 && strcmp(a->positional[0], "set") == 0)) {
        snprintf(err, errlen, "retentiond: usage: retentiond alarms list | alarms set KPI ...");
        return false;
    }
    if (a->command == CLI_USER || a->command == CLI_TOKEN || a->command == CLI_AUDIT)
        return validate_access(a, err, errlen);
    if (a->command == CLI_RUNS)
        return validate_runs(a, err, errlen);
    if (a->command == CLI_BULLETIN && a->date && !date_valid(a->date)) {
        snprintf(err, errlen, "retentiond: --date '%s' is not a date (YYYY-MM-DD)", a->date);
        return false;
    }
    if (a->command == CLI_BULLETIN && a->keep_days && !valid_keep_days(a->keep_days)) {
        snprintf(err, errlen,
                 "retentiond: --keep-days must be a number of days 0..3660 (0: every bulletin "
                 "is kept)");
        return false;
    }
    if (a->command == CLI_BULLETIN && a->limit && !valid_count(a->limit)) {
        snprintf(err, errlen, "retentiond: --limit must be a number 1..10000");
        return false;
    }
    if (a->command == CLI_MIGRATE && a->shards && a->npositional == 0) {
        snprintf(err, errlen, "retentiond: migrate --shards needs one CONNINFO per shard");
        return false;
    }
    if (a->command != CLI_TARGETS && a->command != CLI_ALARMS && a->command != CLI_BULLETIN &&
        !(a->command == CLI_MIGRATE && a->shards) && a->npositional > 0) {
        snprintf(err, errlen, "retentiond: unexpected argument '%s'", a->positional[0]);
        return false;
    }
    return true;
}

bool cli_parse(int argc, char **argv, struct cli_args *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (argc < 2) {
        snprintf(err, errlen, "retentiond: missing command (try 'retentiond --help')");
        return false;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        out->command = CLI_HELP;
        /* help COMMAND: that command's usage */
        for (size_t i = 0; argc > 2 && i < NCOMMANDS; i++)
            if (strcmp(commands[i].name, argv[2]) == 0) {
                out->command = commands[i].command;
                out->help = true;
            }
        return true;
    }
    if (strcmp(name, "--version") == 0) {
        out->command = CLI_VERSION;
        return true;
    }
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i].name, name) == 0)
            out->command = commands[i].command;
    }
    if (out->command == CLI_NONE) {
        snprintf(err, errlen, "retentiond: unknown command '%s' (try 'retentiond --help')", name);
        return false;
    }
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            out->help = true;
            return true;
        }
        if (arg[0] == '-' && arg[1] != '\0') {
            if (!parse_option(argc, argv, &i, out, err, errlen))
                return false;
            continue;
        }
        if (out->npositional == CLI_MAX_POSITIONAL) {
            snprintf(err, errlen, "retentiond: too many arguments");
            return false;
        }
        out->positional[out->npositional++] = arg;
    }
    return validate(out, err, errlen);
}

const char *cli_usage(enum cli_command command)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (commands[i].command == command)
            return commands[i].usage;
    }
    return overview;
}
