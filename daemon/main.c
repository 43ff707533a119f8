/* retentiond: entry point and subcommand dispatch. */
#include "cli.h"
#include "db.h"
#include "log.h"
#include "migrate.h"
#include "serve.h"
#include "version.h"

#include <stdio.h>
#include <stdlib.h>

static const char *resolve_conninfo(const struct cli_args *args)
{
    if (args->db)
        return args->db;
    const char *env = getenv("RETENTIOND_DB");
    return env ? env : "";
}

static int cmd_migrate(const struct cli_args *args)
{
    struct db *db = NULL;
    int applied = 0, version = 0;
    int rc = 1;
    if (!db_connect(resolve_conninfo(args), 0, &db))
        goto done; /* errors have been logged already */
    if (!migrate_run(db, &applied) || !migrate_current(db, &version))
        goto done;
    printf("schema version %d (%d migration%s applied)\n", version, applied,
           applied == 1 ? "" : "s");
    rc = 0;
done:
    db_close(db);
    return rc;
}

static int not_yet(const char *what)
{
    fprintf(stderr, "retentiond: '%s' is not implemented in this version\n", what);
    return 1;
}

int main(int argc, char **argv)
{
    struct cli_args args;
    char err[256];
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
    case CLI_VERSION:
        printf("retentiond %s\n", RETENTIOND_VERSION);
        return 0;
    case CLI_SERVE:
        return serve_main(args.config, args.db ? args.db : getenv("RETENTIOND_DB"),
                          args.log_level);
    case CLI_MIGRATE:
        return cmd_migrate(&args);
    case CLI_COMPUTE:
        return not_yet("compute");
    case CLI_COHORT:
        return not_yet("cohort");
    case CLI_TARGETS:
        return not_yet("targets");
    default:
        return 2;
    }
}
