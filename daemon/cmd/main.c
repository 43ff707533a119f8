/* retentiond: entry point and subcommand dispatch. */
#include "audit.h"
#include "cfg.h"
#include "cli.h"
#include "cmd.h"
#include "file.h"
#include "kpi.h"
#include "log.h"
#include "mem.h"
#include "version.h"

#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes bytes to path through a temporary file renamed into place ("-":
 * standard output). */
bool cmd_write_out(const char *path, const unsigned char *bytes, size_t len)
{
    char err[4200];
    if (strcmp(path, "-") == 0)
        return fwrite(bytes, 1, len, stdout) == len && fflush(stdout) == 0;
    if (file_write_atomic(path, bytes, len, err, sizeof err))
        return true;
    fprintf(stderr, "retentiond: %s\n", err);
    return false;
}

const char *cmd_system_user(void)
{
    static char who[160];
    const struct passwd *pw = getpwuid(geteuid());
    const char *name = pw ? pw->pw_name : "unknown";
    /* root by sudo: the person who ran it, as sudo names them (a name of
     * the characters user names take, else left out) */
    const char *by = geteuid() == 0 ? getenv("SUDO_USER") : NULL;
    size_t n = by ? strlen(by) : 0;
    bool named =
        n > 0 && n < 64 &&
        strspn(by, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n &&
        strcmp(by, name) != 0;
    if (named)
        snprintf(who, sizeof who, "%s (sudo %s)", name, by);
    else
        snprintf(who, sizeof who, "%s", name);
    return who;
}

const char *cmd_client(struct db *db)
{
    static char client[320];
    char host[128] = "";
    struct db_result *res = NULL;
    if (gethostname(host, sizeof host) != 0 || !*host)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    bool role = db_query(db, "SELECT current_user", 0, NULL, &res);
    snprintf(client, sizeof client, "cli:%s role:%s", host, role ? db_value(res, 0, 0) : "unknown");
    db_result_free(res);
    return client;
}

bool cmd_audit_change(struct db *db, const char *action, json_t *params)
{
    struct audit_row row = {.who = cmd_system_user(),
                            .action = action,
                            .params = params,
                            .client = cmd_client(db),
                            .outcome = "ok"};
    bool ok = audit_insert(db, &row);
    if (!ok)
        fprintf(stderr, "retentiond: %s: done, but its audit row could not be written\n", action);
    json_decref(params);
    return ok;
}

const char *cmd_conninfo(const struct cli_args *args)
{
    if (args->db)
        return args->db;
    const char *env = getenv("RETENTIOND_DB");
    return env ? env : "";
}

/* Where a command's conninfo came from, for its failure line. */
static const char *conninfo_from(const struct cli_args *args, const char *otherwise)
{
    if (args->db)
        return "--db";
    return getenv("RETENTIOND_DB") ? "RETENTIOND_DB" : otherwise;
}

static bool connect_named(const char *conninfo, const char *from, int timeout_ms, struct db **db)
{
    char why[512];
    if (db_open(conninfo, timeout_ms, db, why, sizeof why))
        return true;
    fprintf(stderr, "retentiond: cannot connect to the database (%s): %s\n", from, why);
    return false;
}

bool cmd_db(const struct cli_args *args, struct db **db)
{
    return connect_named(cmd_conninfo(args), conninfo_from(args, "libpq's defaults: no --db"), 0,
                         db);
}

bool cmd_db_cfg(const struct cli_args *args, const struct cfg *cfg, struct db **db)
{
    return connect_named(cfg->conninfo,
                         conninfo_from(args, "the configuration's [database] conninfo"),
                         cfg->statement_timeout, db);
}

bool cmd_config(const struct cli_args *a, struct cfg *cfg)
{
    char err[600];
    const char *path = a->config ? a->config : CFG_DEFAULT_PATH;
    if (!a->config && access(path, F_OK) != 0 && errno == ENOENT)
        cfg_defaults(cfg);
    else if (!cfg_load(path, cfg, err, sizeof err)) {
        fprintf(stderr, "retentiond: %s\n", err);
        return false;
    }
    if ((a->db || getenv("RETENTIOND_DB")) &&
        !cfg_set(cfg, "database", "conninfo", cmd_conninfo(a), err, sizeof err)) {
        fprintf(stderr, "retentiond: %s\n", err);
        cfg_free(cfg);
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    struct cli_args args;
    char err[256];
    json_set_alloc_funcs(xmalloc, free); /* jansson's allocations fail as ours do */
    if (!cli_parse(argc, argv, &args, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    if (args.command == CLI_HELP || args.help) {
        fputs(cli_usage(args.command), stdout);
        return 0;
    }
    enum log_level level;
    if (args.log_level && log_level_parse(args.log_level, &level))
        log_set_level(level);
    switch (args.command) {
    case CLI_VERSION: {
        char sha[65];
        kpi_sql_sha256(sha);
        printf("retentiond %s\nKPI SQL SHA-256 %s\n", RETENTIOND_VERSION, sha);
        return 0;
    }
    case CLI_SERVE:
        return cmd_serve(&args);
    case CLI_MIGRATE:
        return cmd_migrate(&args);
    case CLI_COMPUTE:
        return cmd_compute(&args);
    case CLI_COHORT:
        return cmd_cohort(&args);
    case CLI_TARGETS:
        return cmd_targets(&args);
    case CLI_CHART:
        return cmd_chart(&args);
    case CLI_BULLETIN:
        return cmd_bulletin(&args);
    case CLI_ALARMS:
        return cmd_alarms(&args);
    case CLI_USER:
        return cmd_user(&args);
    case CLI_TOKEN:
        return cmd_token(&args);
    case CLI_REPORT:
        return cmd_report(&args);
    case CLI_AUDIT:
        return cmd_audit(&args);
    case CLI_RUNS:
        return cmd_runs(&args);
    default:
        return 2;
    }
}
