/* Command-line parsing for retentiond's subcommands.
 *
 * Ownership: every string in struct cli_args points into the argv given to
 * cli_parse(); nothing is allocated. */
#ifndef RETENTIOND_CLI_H
#define RETENTIOND_CLI_H

#include <stdbool.h>
#include <stddef.h>

enum cli_command {
    CLI_NONE = 0,
    CLI_HELP,
    CLI_VERSION,
    CLI_SERVE,
    CLI_MIGRATE,
    CLI_COMPUTE,
    CLI_COHORT,
    CLI_TARGETS,
    CLI_CHART,
    CLI_ALARMS,
    CLI_USER,
    CLI_TOKEN,
    CLI_AUDIT,
    CLI_BULLETIN,
    CLI_REPORT,
    CLI_RUNS,
};

#define CLI_MAX_POSITIONAL 64

struct cli_args {
    enum cli_command command;
    bool help;          /* --help given after a subcommand */
    const char *db;     /* --db CONNINFO */
    const char *config; /* serve --config FILE */
    const char *as_of;  /* compute --as-of YYYY-MM-DD (validated) */
    const char *format; /* compute --format json|table */
    bool if_changed;    /* compute --if-changed */
    const char *year;   /* cohort --year YYYY (validated) */
    bool refreeze;      /* cohort --refreeze */
    /* chart: --kind, --kpi, --branch, --dim, --campaign, --date (validated),
     * --width, --height, --scale, --font, --arrows, --out FILE (its
     * extension .png/.svg/.pdf is the format; "-" = stdout, needs --format) */
    const char *kind, *kpi, *branch, *dim, *campaign, *date;
    const char *width, *height, *scale, *font, *arrows, *out;
    /* user add/set/passwd: --role, --branch, --email, --no-email, --password-stdin,
     * --temporary (add, passwd: the user must change it before anything else);
     * token add: --user;
     * audit: --since (validated), --action, --limit, --before */
    const char *role, *user_branch, *email, *user, *since, *action, *limit, *before;
    bool password_stdin, no_email, temporary;
    /* alarms set: --target-path, --period, --step, --recover-margin */
    const char *target_path, *period, *step, *recover_margin, *key_account_days;
    /* bulletin: --date (required), --branch, --format html|pdf|png, --out, --lang zh|en,
     * --font (shared with chart) */
    const char *lang;
    /* bulletin --send (with serve's --config), bulletin log --limit; bulletin log and
     * bulletin recipients add|remove|list are positional */
    bool send;
    /* bulletin prune, runs prune: --keep-days N (validated: 0..3660), --dry-run (with
     * --config, --db); runs prune: --report-quarters N (validated: 0..400) */
    const char *keep_days, *report_quarters;
    bool dry_run;
    /* report: --quarter YYYYQn (validated), --branch, --format csv|pdf, --out; audit verify FILE */
    const char *quarter;
    /* migrate --shards: the shards' conninfos are the positional arguments */
    bool shards;
    const char *log_level; /* --log-level */
    const char *positional[CLI_MAX_POSITIONAL];
    int npositional;
};

/* Parses argv (argv[0] is the program). On error returns false with one
 * line (no newline) in err; the caller prints it and exits 2. */
bool cli_parse(int argc, char **argv, struct cli_args *out, char *err, size_t errlen);

/* The usage text for a command (CLI_NONE/CLI_HELP: the overview). */
const char *cli_usage(enum cli_command command);

#endif
