/* retentiond: entry point and subcommand dispatch. */
#include "buf.h"
#include "cli.h"
#include "db.h"
#include "kpi.h"
#include "log.h"
#include "mem.h"
#include "migrate.h"
#include "plot.h"
#include "rules.h"
#include "serve.h"
#include "targets.h"
#include "version.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int cmd_compute(const struct cli_args *args)
{
    struct db *db = NULL;
    struct buf out = BUF_INIT;
    long long run_id = 0;
    int rc = 1;
    if (!db_connect(resolve_conninfo(args), 0, &db) || !kpi_compute(db, args->as_of, &run_id))
        goto done; /* errors have been logged already */
    bool table = args->format && strcmp(args->format, "table") == 0;
    if (!(table ? kpi_render_table(db, run_id, &out) : kpi_render_json(db, run_id, &out)))
        goto done;
    fwrite(out.data, 1, out.len, stdout);
    rc = fflush(stdout) == 0 ? 0 : 1;
done:
    buf_release(&out);
    db_close(db);
    return rc;
}

static int cmd_cohort(const struct cli_args *args)
{
    struct db *db = NULL;
    long long cohort = -1, vips = -1;
    int rc = 1;
    if (!db_connect(resolve_conninfo(args), 0, &db) ||
        !kpi_refreeze(db, atoi(args->year), &cohort, &vips))
        goto done;
    if (cohort < 0)
        printf("year %s: K1 cohort not taken (baseline months not all closed);"
               " K2 snapshot %lld members\n",
               args->year, vips);
    else
        printf("year %s: K1 cohort %lld members; K2 snapshot %lld members\n", args->year, cohort,
               vips);
    rc = 0;
done:
    db_close(db);
    return rc;
}

static int cmd_targets(const struct cli_args *args)
{
    struct db *db = NULL;
    char err[512];
    int imported = 0, rc = 1;
    if (!db_connect(resolve_conninfo(args), 0, &db))
        goto done;
    if (!targets_import(db, args->positional[1], &imported, err, sizeof err)) {
        if (*err)
            fprintf(stderr, "retentiond: %s\n", err);
        goto done;
    }
    printf("%d target%s imported\n", imported, imported == 1 ? "" : "s");
    rc = 0;
done:
    db_close(db);
    return rc;
}

static int cmd_alarms(const struct cli_args *args)
{
    struct db *db = NULL;
    struct buf out = BUF_INIT;
    char err[256];
    int rc = 1;
    struct rules_change c = {.kpi = args->positional[1],
                             .target_path = args->target_path,
                             .period = args->period,
                             .step = args->step,
                             .recover_margin = args->recover_margin};
    bool list = strcmp(args->positional[0], "list") == 0;
    if (!list && !rules_check(&c, err, sizeof err)) {
        fprintf(stderr, "retentiond: alarms set: %s\n", err);
        return 2;
    }
    if (!db_connect(resolve_conninfo(args), 0, &db))
        goto done; /* logged */
    if (list ? !rules_list(db, &out) : !rules_set(db, &c, err, sizeof err)) {
        if (!list && *err)
            fprintf(stderr, "retentiond: alarms set: %s\n", err);
        goto done;
    }
    if (list)
        fwrite(out.data, 1, out.len, stdout);
    else
        printf("%s: alarm rule changed (used from the next compute run)\n", c.kpi);
    rc = 0;
done:
    buf_release(&out);
    db_close(db);
    return rc;
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
    case CLI_VERSION:
        printf("retentiond %s\n", RETENTIOND_VERSION);
        return 0;
    case CLI_SERVE:
        return serve_main(args.config, args.db ? args.db : getenv("RETENTIOND_DB"), args.log_level);
    case CLI_MIGRATE:
        return cmd_migrate(&args);
    case CLI_COMPUTE:
        return cmd_compute(&args);
    case CLI_COHORT:
        return cmd_cohort(&args);
    case CLI_TARGETS:
        return cmd_targets(&args);
    case CLI_CHART:
        return plot_command(&args, resolve_conninfo(&args));
    case CLI_ALARMS:
        return cmd_alarms(&args);
    default:
        return 2;
    }
}
