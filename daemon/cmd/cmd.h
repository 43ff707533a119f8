/* The subcommands of retentiond (cmd/NAME_cmd.c), called by main() with the
 * parsed command line. Each returns the process's exit code: 0, 1 on a
 * failure (logged, or one line on stderr), 2 on bad arguments (one line on
 * stderr).
 *
 * Ownership: the arguments are borrowed for the call. */
#ifndef RETENTIOND_CMD_H
#define RETENTIOND_CMD_H

#include "cfg.h"
#include "cli.h"
#include "db.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* The conninfo of a command: --db, else RETENTIOND_DB, else "" (libpq's
 * defaults). */
const char *cmd_conninfo(const struct cli_args *args);

/* Connects a command to the database of cmd_conninfo(), with no statement
 * time-out; false after one line on stderr naming where the connection
 * string came from (--db, RETENTIOND_DB or libpq's defaults) and libpq's
 * reason. The caller closes *db with db_close(). */
bool cmd_db(const struct cli_args *args, struct db **db);

/* The same for a command that acts as the daemon would: the conninfo and
 * statement time-out of cfg (from cmd_config(), so --db or RETENTIOND_DB
 * when given, else the configuration's [database] conninfo). */
bool cmd_db_cfg(const struct cli_args *args, const struct cfg *cfg, struct db **db);

/* Writes bytes to path through a temporary file renamed into place ("-":
 * standard output); false after one line on stderr. */
bool cmd_write_out(const char *path, const unsigned char *bytes, size_t len);

/* The name of the system user running the command. */
const char *cmd_system_user(void);
/* A command's audit rows' client: "cli:HOST role:ROLE", the host it runs
 * on and the database role it connected as (one static buffer, valid until
 * the next call). */
const char *cmd_client(struct db *db);

/* Records a command's change in the audit log at once (kpi.audit_log: the
 * system user, cmd_client(), action, params, outcome ok), after the change committed;
 * false after one line on stderr (the change stands, unaudited: said so).
 * params is consumed. */
bool cmd_audit_change(struct db *db, const char *action, json_t *params);

/* The configuration of a command that acts as the daemon would (bulletin
 * --send, bulletin prune, runs prune): --config, else the default file when
 * there is one, else the defaults; --db or RETENTIOND_DB over its
 * conninfo. False after one line on stderr (*cfg then holds nothing to
 * free); else the caller frees *cfg with cfg_free(). */
bool cmd_config(const struct cli_args *args, struct cfg *cfg);

int cmd_migrate(const struct cli_args *args);
int cmd_compute(const struct cli_args *args);
int cmd_cohort(const struct cli_args *args);
int cmd_targets(const struct cli_args *args);
int cmd_alarms(const struct cli_args *args);
int cmd_chart(const struct cli_args *args);
int cmd_bulletin(const struct cli_args *args);
int cmd_report(const struct cli_args *args);
int cmd_user(const struct cli_args *args);
int cmd_token(const struct cli_args *args);
int cmd_audit(const struct cli_args *args);
/* audit reproduce ID (report_cmd.c) */
int cmd_audit_reproduce(const struct cli_args *args);
int cmd_runs(const struct cli_args *args);
/* The daemon: runs until SIGTERM or SIGINT. */
int cmd_serve(const struct cli_args *args);

#endif
